// The message path's state on a real PostgreSQL 15, as a cluster's nodes share it: the stores'
// contract (test/support/message-state-contract.ts), the write batch a partition worker commits
// per batch of messages, two alert books on one database, and a device judged by one node then
// taken over by another ending as one SQLite node would have left it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { check, messageStateContract, NOW, registerDevices } from '../support/message-state-contract.ts';
import { PostgresState } from '../../src/store/postgres.ts';
import { openStateDb } from '../../src/store/db.ts';
import { query, type Arg } from '../../src/store/sql.ts';
import type { StateExecutor } from '../../src/store/executor.ts';
import { AlertBook } from '../../src/alerts/alert-book.ts';
import { Assurance } from '../../src/alerts/assurance.ts';
import { DriftStore } from '../../src/store/drift.ts';
import { CheckStore } from '../../src/store/checks.ts';
import type { Registry } from '../../src/store/registry.ts';
import type { CheckResult } from '../../src/metrology/types.ts';

let server: PostgresHandle;
const opened: PostgresState[] = [];

async function connect(url: string): Promise<PostgresState> {
  const db = await PostgresState.connect(url);
  opened.push(db);
  return db;
}

beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  for (const db of opened) await db.close();
  await server?.stop();
});

messageStateContract('PostgreSQL', async () => {
  const url = await createDatabase(server, 'msgstate_contract');
  return { open: () => connect(url), close: async () => {} };
});

// A tenant's name as a value to write and read back (a table every migrated database has).
const Q = {
  put: query('test-batch.put', (db, arg: Arg<{ id: string; name: string }>) =>
    db
      .insertInto('tenants')
      .values({ id: arg('id'), name: arg('name'), region: 'VN-HN', time_zone: null, created_at: '2026-12-04T00:00:00.000Z' })
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ name: eb.ref('excluded.name') }))),
  ),
  insert: query('test-batch.insert', (db, arg: Arg<{ id: string }>) =>
    db.insertInto('tenants').values({ id: arg('id'), name: 'x', region: 'VN-HN', time_zone: null, created_at: '2026-12-04T00:00:00.000Z' }),
  ),
  get: query('test-batch.get', (db, arg: Arg<{ id: string }>) => db.selectFrom('tenants').select('name').where('id', '=', arg('id'))),
};

describe('the write batch', () => {
  let db: PostgresState;
  beforeAll(async () => {
    db = await connect(await createDatabase(server, 'msgstate_batch'));
  });

  it('sends what was issued while judging at commit, in the order issued, and answers each then', async () => {
    const sql = db.statements(Q);
    const wb = db.writeBatch();
    const answered: string[] = [];
    db.into(wb, () => {
      for (let i = 1; i <= 20; i++) void (sql.put.run({ id: 'order', name: `v${i}` }) as Promise<number>).then(() => answered.push(`v${i}`));
    });
    expect(wb.size).toBe(20);
    expect(await sql.get.get({ id: 'order' })).toBeUndefined(); // nothing sent before the commit
    await wb.commit();
    expect((await sql.get.get({ id: 'order' }))?.name).toBe('v20');
    expect(answered).toEqual(Array.from({ length: 20 }, (_, i) => `v${i + 1}`));
  });

  it('rolls every statement back when one fails, and rejects each', async () => {
    const sql = db.statements(Q);
    await sql.insert.run({ id: 'taken' });
    const wb = db.writeBatch();
    const results = db.into(wb, () => [sql.put.run({ id: 'before', name: 'b' }), sql.insert.run({ id: 'taken' }), sql.put.run({ id: 'after', name: 'a' })]);
    await expect(wb.commit()).rejects.toMatchObject({ code: '23505' });
    for (const r of results) await expect(r).rejects.toBeDefined();
    expect(await sql.get.get({ id: 'before' })).toBeUndefined();
    expect(await sql.get.get({ id: 'after' })).toBeUndefined();
  });

  it('atomically fails for a statement issued in it but not returned', async () => {
    const sql = db.statements(Q);
    const notReturned = () => {
      (sql.insert.run({ id: 'taken' }) as Promise<number>).catch(() => {});
    };
    await expect(db.atomically(() => [sql.put.run({ id: 'kept', name: 'k' }), notReturned()] as const)).rejects.toBeDefined();
    expect(await sql.get.get({ id: 'kept' })).toBeUndefined();
  });
});

describe('two alert books on one database (two nodes)', () => {
  let a: AlertBook<PostgresState>;
  let b: AlertBook<PostgresState>;
  let dbA: PostgresState;
  beforeAll(async () => {
    const url = await createDatabase(server, 'msgstate_books');
    dbA = await connect(url);
    const dbB = await connect(url);
    await registerDevices(dbA, ['bar-1']);
    a = await AlertBook.open(dbA);
    b = await AlertBook.open(dbB);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("decides at once, writes with the node's batch, and another node's acknowledge and resolve reach its open alerts", async () => {
    const events: string[] = [];
    a.on('change', (al, change) => events.push(`${al.kind}:${change}`));
    const wb = dbA.writeBatch();
    const raised = dbA.into(wb, () =>
      a.raise({ tenant: 'acme', device: 'bar-1', kind: 'drift', key: 'span', severity: 'warning', summary: 'Drift', details: {}, at: NOW }),
    );
    expect(a.isOpen('bar-1', 'drift', 'span')).toBe(true); // the next message is judged by it already
    expect(events).toEqual([]); // not committed yet
    await wb.commit();
    const opened = await raised;
    expect(opened?.change).toBe('opened');
    expect(events).toEqual(['drift:opened']);

    // B takes the device over: it loads its open alerts
    expect(b.isOpen('bar-1', 'drift', 'span')).toBe(false);
    await b.loadDevice('bar-1');
    expect(b.isOpen('bar-1', 'drift', 'span')).toBe(true);

    // acknowledged on A (the API on any node): B reads it so; still unresolved, so still open for judging
    await a.acknowledge(opened!.alert.id, 'ops', 'looking', NOW);
    expect((await b.get(opened!.alert.id))?.state).toBe('acknowledged');
    expect(b.isOpen('bar-1', 'drift', 'span')).toBe(true);

    // resolved on B: A forgets it when the announcement comes
    await b.resolve(opened!.alert.id, 'ops', { reason: 'recalibrated' }, NOW);
    await vi.waitFor(() => expect(a.isOpen('bar-1', 'drift', 'span')).toBe(false), { timeout: 5000, interval: 20 });
  });
});

/** A message of `checks` as the ingest gives it. */
function outcome(checks: CheckResult[]) {
  return { points: [], readings: [], checks, findings: [], rejections: [] };
}

const DAY = 86_400_000;
/** Sixteen daily checks of one barometer whose error ramps up past the MPE: drift, predicted-oot, conditional, out-of-tolerance. */
const CHECKS = Array.from({ length: 16 }, (_, i) => check(i + 1, NOW.getTime() - (40 - i) * DAY, Math.round(i * 0.024 * 1000) / 1000));

/** What is left of the device once judged: drift states, checks, alerts (without ids and times). */
async function stateOf(db: StateExecutor, book: AlertBook<any>, deviceId = 'bar-1') {
  await book.flush();
  const drift = (await new DriftStore(db).ofDevice(deviceId)).map((r) => ({ series: r.series, state: r.state }));
  const checks = (await new CheckStore(db).of(deviceId)).map((c) => c.seq);
  const alerts = ((await book.list({ device: deviceId })) as { kind: string; key: string; state: string; count: number; severity: string }[])
    .map((x) => ({ kind: x.kind, key: x.key, state: x.state, count: x.count, severity: x.severity }))
    .sort((x, y) => `${x.kind}|${x.key}|${x.state}`.localeCompare(`${y.kind}|${y.key}|${y.state}`));
  return { drift, checks, alerts };
}

const OPTS = { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 };

describe('a device judged by one node, then taken over by another', () => {
  it('ends with the drift state and alerts one SQLite node leaves, a redelivered message judged once', async () => {
    // one node on SQLite
    const dir = mkdtempSync(join(tmpdir(), 'mag-msgstate-sqlite-'));
    const lite = openStateDb(dir);
    try {
      const registry = await registerDevices(lite, ['bar-1']);
      const device = registry.registeredDevice('bar-1')!;
      const book = new AlertBook(lite);
      const assurance = new Assurance(lite, registry, book, new Map(), OPTS);
      for (const c of CHECKS) assurance.apply(device, 'instruments/bar-1/checks', outcome([c]), Buffer.from(''), new Date(c.ts + 1000));
      const expected = await stateOf(lite, book);
      expect(expected.alerts.map((x) => x.kind)).toContain('out-of-tolerance');
      expect(expected.alerts.map((x) => x.kind)).toContain('drift');

      // two nodes on PostgreSQL: A judges the first ten messages, B takes over, gets the tenth again (redelivered), then the rest
      const url = await createDatabase(server, 'msgstate_takeover');
      const dbA = await connect(url);
      const dbB = await connect(url);
      const regA = await registerDevices(dbA, ['bar-1']);
      const node = async (db: PostgresState, registry: Registry<any>) => {
        const book = await AlertBook.open(db);
        const assurance = new Assurance(db, registry, book, new Map(), OPTS);
        await assurance.loadDevice('bar-1');
        const judge = async (c: CheckResult) => {
          const wb = db.writeBatch();
          db.into(wb, () =>
            assurance.apply(registry.registeredDevice('bar-1')!, 'instruments/bar-1/checks', outcome([c]), Buffer.from(''), new Date(c.ts + 1000)),
          );
          await wb.commit();
        };
        return { book, judge };
      };
      const a = await node(dbA, regA);
      for (const c of CHECKS.slice(0, 10)) await a.judge(c);
      await a.book.stop(); // A dies (its repeats written; the open alerts stay in the database)

      const { Registry } = await import('../../src/store/registry.ts');
      const regB = await Registry.open(dbB);
      const b = await node(dbB, regB);
      for (const c of CHECKS.slice(9)) await b.judge(c); // CHECKS[9]: redelivered
      const got = await stateOf(dbB, b.book);
      await b.book.stop();
      expect(got).toEqual(expected);
    } finally {
      lite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a fuel dispenser whose errors favour the seller, taken over by another node (docs/metrology.md §6)', () => {
  it('opens seller-favoured on one node, counts a redelivered check once and clears it on the other, as one SQLite node does', async () => {
    const { loadProfiles } = await import('../../src/metrology/profile-loader.ts');
    const { PACKAGE_ROOT } = await import('../../src/config.ts');
    const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
    // Qmax in trade: 20 L, MPE 0.09 L. Six checks +0.06 L (x = 0.667): the 5th opens the alert (5 of 5,
    // p = 1/32), the 6th counts on it; then −0.06 L twice: 6 of 7 (p = 8/128 = 0.0625 ≤ clearPValue 0.2, mean
    // 0.30/7 = 0.0429 L = 0.476 MPE ≥ 0.4) counts on it too; 6 of 8 (p = 37/256 = 0.145, mean 0.24/8 = 0.03 L =
    // 0.333 MPE < 0.4) clears it.
    const fd = (seq: number, error: number): CheckResult =>
      ({
        ...check(seq, NOW.getTime() - (40 - seq) * DAY, error),
        unit: 'L',
        indicated: 20 + error,
        corrected: 20 + error,
        reference: 20,
        relativeError: error / 20,
        mpe: 0.09,
        uncertainty: 0.011547,
        en: error / 0.011547,
        legal: 'pass',
        decision: 'pass',
        point: 'Qmax',
      }) as CheckResult;
    const checks = [0.06, 0.06, 0.06, 0.06, 0.06, 0.06, -0.06, -0.06].map((e, i) => fd(i + 1, e));

    const dir = mkdtempSync(join(tmpdir(), 'mag-msgstate-sqlite-fd-'));
    const lite = openStateDb(dir);
    try {
      const registry = await registerDevices(lite, ['fd-1'], 'fuel-dispenser');
      const book = new AlertBook(lite);
      const assurance = new Assurance(lite, registry, book, profiles, OPTS);
      for (const c of checks)
        assurance.apply(registry.registeredDevice('fd-1')!, 'instruments/fd-1/checks', outcome([c]), Buffer.from(''), new Date(c.ts + 1000));
      const expected = await stateOf(lite, book, 'fd-1');
      expect(expected.alerts.filter((x) => x.kind === 'seller-favoured')).toEqual([
        { kind: 'seller-favoured', key: 'point=Qmax,regime=inService', state: 'resolved', count: 3, severity: 'warning' },
      ]);
      expect(expected.drift[0]!.state).toMatchObject({ n: 8, positiveErrors: 6, negativeErrors: 2 });

      // A judges the first six (opens at the 5th), B takes over, gets the 6th again (redelivered), then the rest
      const url = await createDatabase(server, 'msgstate_seller');
      const dbA = await connect(url);
      const dbB = await connect(url);
      const regA = await registerDevices(dbA, ['fd-1'], 'fuel-dispenser');
      const node = async (db: PostgresState, registry: Registry<any>) => {
        const book = await AlertBook.open(db);
        const assurance = new Assurance(db, registry, book, profiles, OPTS);
        await assurance.loadDevice('fd-1');
        const judge = async (c: CheckResult) => {
          const wb = db.writeBatch();
          db.into(wb, () =>
            assurance.apply(registry.registeredDevice('fd-1')!, 'instruments/fd-1/checks', outcome([c]), Buffer.from(''), new Date(c.ts + 1000)),
          );
          await wb.commit();
        };
        return { book, judge };
      };
      const a = await node(dbA, regA);
      for (const c of checks.slice(0, 6)) await a.judge(c);
      expect((await a.book.list({ device: 'fd-1', kind: 'seller-favoured', unresolved: true })).map((x) => x.key)).toEqual(['point=Qmax,regime=inService']);
      await a.book.stop();

      const { Registry } = await import('../../src/store/registry.ts');
      const b = await node(dbB, await Registry.open(dbB));
      for (const c of checks.slice(5)) await b.judge(c); // checks[5]: redelivered, counted once
      const got = await stateOf(dbB, b.book, 'fd-1');
      await b.book.stop();
      expect(got).toEqual(expected);
    } finally {
      lite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A RabbitMQ channel as the worker uses it, delivering what the test hands it and recording acks. */
function fakeChannel() {
  let deliver: ((msg: unknown) => void) | undefined;
  let onClose: (() => void) | undefined;
  const acked: number[] = [];
  const ch = {
    on() {},
    once(_event: string, fn: () => void) {
      onClose = fn;
    },
    prefetch: async () => {},
    consume: async (_queue: string, cb: (msg: unknown) => void) => {
      deliver = cb;
    },
    ack(msg: { fields: { deliveryTag: number } }) {
      acked.push(msg.fields.deliveryTag);
    },
  };
  const conn = { createChannel: async () => ch, close: async () => {} };
  let tag = 0;
  return {
    conn,
    acked,
    /** A `checks` message of `c` (the edge's headers), redelivered or not. */
    deliver(c: CheckResult, redelivered = false, device = 'bar-1') {
      deliver!({
        content: Buffer.from(JSON.stringify(c)),
        fields: { deliveryTag: ++tag, redelivered },
        properties: { headers: { device, topic: 'checks', qos: 1, receivedAt: c.ts + 1000, node: 'edge' } },
      });
      return tag;
    },
    close: () => onClose?.(),
  };
}

describe('partition workers on a shared state database', () => {
  it('judge in order into one write batch per batch, load a device taken over, and judge a redelivered check once', async () => {
    const { PartitionWorker } = await import('../../src/cluster/partition-worker.ts');
    const { Registry } = await import('../../src/store/registry.ts');
    const { createLogger } = await import('../../src/log.ts');
    const url = await createDatabase(server, 'msgstate_workers');
    const dbA = await connect(url);
    const dbB = await connect(url);
    await registerDevices(dbA, ['bar-1', 'bar-2']);
    const written: string[] = [];
    const sink = { kind: 'test', writeLines: async (lines: string) => void written.push(lines) } as never;
    const opts = { nodeId: 'n', partitions: 1, prefetch: 100, batch: 4, flushMs: 5, retryMinMs: 10, retryMaxMs: 50 };

    /** A node: its worker judging with a pipeline made of Assurance alone (what the worker asks of one). */
    const node = async (db: PostgresState) => {
      const registry = await Registry.open(db);
      const book = await AlertBook.open(db);
      const assurance = new Assurance(db, registry, book, new Map(), OPTS);
      const worker = new PartitionWorker(sink, () => {}, opts, createLogger('silent'));
      const pipeline = {
        accept: (deviceId: string, _topic: string, payload: Buffer, _qos: number, t: number, done: (e: Error | null) => void) => {
          const c = JSON.parse(payload.toString()) as CheckResult;
          worker.pointLog.appendLines(`check,device=${deviceId} seq=${c.seq}i ${c.ts}`, 1, t, () => {});
          assurance.apply(registry.registeredDevice(deviceId)!, `instruments/${deviceId}/checks`, outcome([c]), payload, new Date(t));
          done(null);
        },
        reloadDevice: (id: string) => assurance.loadDevice(id),
        isStale: (id: string) => assurance.isStale(id),
      };
      worker.judgeWith(pipeline as never, db);
      const channel = fakeChannel();
      await worker.setup(channel.conn as never);
      worker.start();
      return { book, worker, channel };
    };

    await judgedAfterFailedCommit(node, dbA);
    written.length = 0;

    const a = await node(dbA);
    for (const c of CHECKS.slice(0, 10)) a.channel.deliver(c);
    await vi.waitFor(() => expect(a.channel.acked.at(-1)).toBe(10), { timeout: 10_000, interval: 20 });
    expect(a.worker.totals.deviceLoads).toBe(1);
    // A goes away: its channel closes, RabbitMQ gives the partition to B, the tenth again (say its ack was lost)
    a.channel.close();
    await a.worker.stop();
    await a.book.stop();

    const b = await node(dbB);
    // first another device's failing check (its alert's opening insert waits in the batch), then bar-1's
    b.channel.deliver(check(1, NOW.getTime() - DAY, 0.5), false, 'bar-2');
    b.channel.deliver(CHECKS[9], true);
    for (const c of CHECKS.slice(10)) b.channel.deliver(c);
    await vi.waitFor(() => expect(b.channel.acked.at(-1)).toBe(8), { timeout: 10_000, interval: 20 });
    await b.worker.stop();
    expect(b.worker.totals).toMatchObject({ deviceLoads: 2, redelivered: 1, failedCommits: 0 });
    expect(written.join('\n').split('\n')).toHaveLength(18); // every message's point reached the sink (the redelivered one twice)
    expect(b.book.isOpen('bar-2', 'out-of-tolerance', 'span')).toBe(true);

    // the same state as one SQLite node judging the sixteen once
    const dir = mkdtempSync(join(tmpdir(), 'mag-msgstate-workers-'));
    const lite = openStateDb(dir);
    try {
      const registry = await registerDevices(lite, ['bar-1']);
      const book = new AlertBook(lite);
      const assurance = new Assurance(lite, registry, book, new Map(), OPTS);
      for (const c of CHECKS)
        assurance.apply(registry.registeredDevice('bar-1')!, 'instruments/bar-1/checks', outcome([c]), Buffer.from(''), new Date(c.ts + 1000));
      expect(await stateOf(dbB, b.book)).toEqual(await stateOf(lite, book));
    } finally {
      await b.book.stop();
      lite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A batch whose commit fails (a check the database refuses, by a constraint added for the test)
 * is acknowledged to no one and judged again once the database takes it, on its devices' state
 * reloaded: the state is that of judging it once.
 */
async function judgedAfterFailedCommit(
  node: (db: PostgresState) => Promise<{
    book: AlertBook<PostgresState>;
    worker: { stop(): Promise<void>; totals: { failedCommits: number } };
    channel: ReturnType<typeof fakeChannel>;
  }>,
  db: PostgresState,
): Promise<void> {
  const raw = db.statements({
    seqs: query('test-failed.seqs', (q, arg: Arg<{ device: string }>) => q.selectFrom('checks').select('seq').where('device', '=', arg('device'))),
  });
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: (db as unknown as { url: string }).url });
  await admin.connect();
  try {
    await admin.query('alter table checks add constraint test_refuses_99 check (seq <> 99)');
    const c = await node(db);
    c.channel.deliver(check(1, NOW.getTime() - 2 * DAY, 0.5), false, 'bar-2');
    c.channel.deliver(check(99, NOW.getTime() - DAY, 0.5), false, 'bar-2');
    await vi.waitFor(() => expect(c.worker.totals.failedCommits).toBeGreaterThan(1), { timeout: 10_000, interval: 20 });
    expect(c.channel.acked).toEqual([]);
    expect(await raw.seqs.all({ device: 'bar-2' })).toEqual([]); // the first check rolled back with the second
    await admin.query('alter table checks drop constraint test_refuses_99');
    await vi.waitFor(() => expect(c.channel.acked.at(-1)).toBe(2), { timeout: 10_000, interval: 20 });
    await c.worker.stop();
    const alerts = (await c.book.list({ device: 'bar-2' })) as { kind: string; count: number; state: string }[];
    expect(alerts.map((x) => [x.kind, x.count, x.state])).toEqual([['out-of-tolerance', 2, 'open']]);
    expect((await new DriftStore(db).ofDevice('bar-2'))[0].state.n).toBe(2);
    // leaves bar-2 as a later node finds it: closed here
    await c.book.resolve((await c.book.list({ device: 'bar-2' }))[0].id, 'test', { reason: 'other' }, NOW);
    await c.book.stop();
    await admin.query("delete from checks where device = 'bar-2'");
    await admin.query("delete from drift where device = 'bar-2'");
  } finally {
    await admin.end();
  }
}

describe("a nozzle's totalizer on a node taking a fuel dispenser over", () => {
  it('is the stored one for the next transaction, and none for the stored transaction redelivered', async () => {
    const url = await createDatabase(server, 'msgstate_totalizer');
    const dbA = await connect(url);
    const dbB = await connect(url);
    const registry = await registerDevices(dbA, ['fd-1'], 'fuel-dispenser');
    const a = new Assurance(dbA, registry, await AlertBook.open(dbA), new Map(), OPTS);
    await a.loadDevice('fd-1');
    const transaction = {
      points: [{ measurement: 'transaction', tags: {}, fields: { seq: 5, totalizerEnd: 1234.5 }, ts: NOW.getTime() }],
      readings: [{ tags: { nozzle: '1' }, seq: 5, status: 'ok' }],
      checks: [],
      findings: [],
      rejections: [],
    } as never;
    const wb = dbA.writeBatch();
    dbA.into(wb, () => a.apply(registry.registeredDevice('fd-1')!, 'instruments/fd-1/readings', transaction, Buffer.from(''), NOW));
    expect(a.totalizerOf('fd-1', '1')).toEqual({ seq: 5, end: 1234.5 }); // judged by it at once
    await wb.commit();

    const { Registry } = await import('../../src/store/registry.ts');
    const b = new Assurance(dbB, await Registry.open(dbB), await AlertBook.open(dbB), new Map(), OPTS);
    expect(b.totalizerOf('fd-1', '1')).toBeUndefined(); // not loaded yet
    await b.loadDevice('fd-1');
    expect(b.totalizerOf('fd-1', '1')).toEqual({ seq: 5, end: 1234.5 });
  });
});
