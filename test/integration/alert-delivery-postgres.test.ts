// Alert delivery on a cluster's shared state, on a real PostgreSQL 15: the webhook store and the
// dead letters keep the contract they keep on SQLite (test/support/delivery-store-contract.ts);
// two notifiers on one database (two PostgresState connections = two nodes) and one local HTTP
// receiver make each webhook delivery once whichever node queued it; a delivery claimed by a
// node that died is sent by another once the claim lapses; an alert change on one node reaches
// the live-event (SSE) subscribers of both nodes once each.
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { deliveryStoreContract } from '../support/delivery-store-contract.ts';
import { PostgresState } from '../../src/store/postgres.ts';
import { AlertStore } from '../../src/store/alerts.ts';
import { WebhookStore } from '../../src/store/webhooks.ts';
import { AlertNotifier, type AlertEvent } from '../../src/alerts/notifier.ts';
import type { Alert, AlertChange } from '../../src/alerts/alert-book.ts';
import { Registry } from '../../src/store/registry.ts';
import { createLogger } from '../../src/log.ts';

const SECRET = 'whsec-0123456789abcdef';
const log = createLogger('silent');
const now = () => new Date();
/** The node's registry (real, on its database): the alerts here are of devices it does not hold, so deliveries say no instrument. */
const registryOf = (db: PostgresState) => Registry.open(db);

let server: PostgresHandle | undefined;
const opened: PostgresState[] = [];

async function node(url: string): Promise<PostgresState> {
  const db = await PostgresState.connect(url);
  opened.push(db);
  return db;
}

/** A database of its own on the one test server. */
async function database(name: string): Promise<string> {
  server ??= await startPostgres();
  return createDatabase(server, name);
}

afterAll(async () => {
  for (const db of opened) await db.close();
  await server?.stop();
});

deliveryStoreContract('PostgreSQL', async () => {
  const url = await database('delivery_contract');
  return { open: () => node(url), close: async () => {} };
});

/** What a node's alert book does for the notifier: emits each change it made. */
class ChangesHere extends EventEmitter<{ change: [Alert, AlertChange] }> {}

function drift(id: string, device: string) {
  return { id, tenant: 'acme', device, kind: 'drift' as const, key: 'CH4', severity: 'warning' as const, summary: 'CH4 drifting', details: {} };
}

/** A local webhook receiver: every request it got, by delivery id. */
function receiver() {
  const got: { delivery: string; event: string; alert: string; url: string; at: number }[] = [];
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      got.push({ delivery: String(req.headers['x-mag-delivery']), event: body.event, alert: body.alert.id, url: req.url ?? '', at: Date.now() });
      res.statusCode = 204;
      res.end();
    });
  });
  return {
    got,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhook deliveries on two nodes sharing PostgreSQL', () => {
  const hooks = receiver();
  let base: string;
  let url: string;
  let dbA: PostgresState;
  let dbB: PostgresState;
  const bookA = new ChangesHere();
  const bookB = new ChangesHere();
  let a: AlertNotifier<PostgresState>;
  let b: AlertNotifier<PostgresState>;

  beforeAll(async () => {
    base = await hooks.listen();
    url = await database('delivery_two_nodes');
    dbA = await node(url);
    dbB = await node(url);
    a = await AlertNotifier.open(dbA, bookA, await registryOf(dbA), log, now);
    b = await AlertNotifier.open(dbB, bookB, await registryOf(dbB), log, now);
    a.start();
    b.start();
  }, 120_000);

  afterAll(async () => {
    a?.stop();
    b?.stop();
    await hooks.close();
  });

  it("a webhook added on one node is in the other node's copy at once (announced)", async () => {
    await a.addWebhook({ id: 'all', tenant: null, url: `${base}/all`, events: ['alert.*'], secret: SECRET }, 'admin:ops');
    await b.addWebhook({ id: 'opened', tenant: 'acme', url: `${base}/opened`, events: ['alert.opened'], secret: SECRET }, 'operator:lan');
    await vi.waitFor(() => {
      expect(
        a
          .listWebhooks()
          .map((w) => w.id)
          .sort(),
      ).toEqual(['all', 'opened']);
      expect(
        b
          .listWebhooks()
          .map((w) => w.id)
          .sort(),
      ).toEqual(['all', 'opened']);
    }, 2000);
  });

  it('N alert changes made on either node: each webhook delivery is made exactly once', async () => {
    const alerts = new AlertStore(dbA);
    const N = 12;
    for (let i = 0; i < N; i++) {
      // opened on one node, acknowledged on the other: 2N changes, N of them opened
      const { alert } = await alerts.open(drift(`d-${i}`, `gd-${i}`), now().toISOString());
      (i % 2 ? bookB : bookA).emit('change', alert, 'opened');
      const acked = await alerts.acknowledge(alert.id, 'operator:lan', undefined, now().toISOString());
      (i % 2 ? bookA : bookB).emit('change', acked!, 'acknowledged');
    }
    const expected = 2 * N + N; // 'all' hears both changes, 'opened' the openings
    await vi.waitFor(() => expect(hooks.got.length).toBeGreaterThanOrEqual(expected), 15_000);
    await pause(1500); // three more rounds of both nodes: nothing is sent again
    expect(hooks.got).toHaveLength(expected);
    expect(new Set(hooks.got.map((g) => g.delivery)).size).toBe(expected);
    const sent = hooks.got.map((g) => `${g.url} ${g.event} ${g.alert}`);
    expect(new Set(sent).size).toBe(expected);
    for (let i = 0; i < N; i++) {
      expect(sent).toContain(`/all alert.opened d-${i}`);
      expect(sent).toContain(`/all alert.acknowledged d-${i}`);
      expect(sent).toContain(`/opened alert.opened d-${i}`);
    }
    const store = new WebhookStore(dbB);
    for (const hook of ['all', 'opened']) {
      for (const d of await store.deliveries(hook, 100)) expect([d.state, d.attempts, d.lastStatus]).toEqual(['delivered', 1, 204]);
    }
    const claims = await new pg.Client({ connectionString: url });
    await claims.connect();
    const held = await claims.query('select count(*)::int as n from webhook_deliveries where claimed_by is not null');
    await claims.end();
    expect(held.rows[0].n).toBe(0); // each outcome released its claim
  }, 30_000);

  it('dead deliveries sent again on either node are delivered once each, by whichever node claims them', async () => {
    // three deliveries of 'all' given up as a node gives them up (claimed, failed for good), queued
    // an hour ahead so that neither node sends them first
    const giver = new WebhookStore(dbA);
    const later = Date.now() + 3_600_000;
    for (const i of [1, 2, 3])
      await giver.enqueue({
        webhook: 'all',
        event: 'alert.opened',
        body: JSON.stringify({ event: 'alert.opened', alert: { id: `dead-${i}` } }),
        nextAt: later,
        createdAt: now().toISOString(),
      });
    const claimed = await giver.claimDue(later, 'a-node-that-gave-up', 60_000);
    expect(claimed).toHaveLength(3);
    for (const d of claimed) expect(await giver.failed(d.id, 36, 503, 'HTTP 503', 'a-node-that-gave-up')).toBe(true);
    const sentOf = (id: string) => hooks.got.filter((g) => g.alert === id);

    const one = await a.redeliver('all', claimed[0].id);
    expect(one).toMatchObject({ redelivered: true, before: { state: 'dead', attempts: 36, nextAt: null }, delivery: { state: 'pending', attempts: 0 } });
    expect(await b.redeliver('all', claimed[0].id)).toMatchObject({ redelivered: false }); // pending now (or delivered): not twice
    await vi.waitFor(() => expect(sentOf('dead-1')).toHaveLength(1), 10_000);
    expect(await b.redeliverDead('all')).toEqual([claimed[1].id, claimed[2].id]);
    await vi.waitFor(() => expect([sentOf('dead-2').length, sentOf('dead-3').length]).toEqual([1, 1]), 10_000);
    await pause(1500); // three more rounds of both nodes: nothing is sent again
    expect(['dead-1', 'dead-2', 'dead-3'].map((id) => sentOf(id).map((g) => g.delivery))).toEqual(claimed.map((d) => [String(d.id)]));
    const history = (await new WebhookStore(dbB).deliveries('all', 100)).filter((d) => claimed.some((c) => c.id === d.id));
    expect(history.map((d) => [d.state, d.attempts, d.nextAt, d.lastStatus])).toEqual(claimed.map(() => ['delivered', 1, null, 204]));
  }, 30_000);
});

describe('a node that claimed deliveries and died', () => {
  it('another node delivers them once the claim lapses, and the dead claim cannot overwrite its outcome', async () => {
    const hooks = receiver();
    const base = await hooks.listen();
    const url = await database('delivery_dead_node');
    const dying = await node(url);
    const survivor = await node(url);
    const dyingStore = new WebhookStore(dying);
    await dyingStore.add({ id: 'all', tenant: null, url: `${base}/all`, events: ['alert.*'], secret: SECRET }, 'admin:ops', now().toISOString());
    for (const event of ['alert.opened', 'alert.resolved']) {
      await dyingStore.enqueue({
        webhook: 'all',
        event,
        body: JSON.stringify({ event, alert: { id: 'd-1' } }),
        nextAt: Date.now(),
        createdAt: now().toISOString(),
      });
    }
    const claimedAt = Date.now();
    const lapses = claimedAt + 2000;
    const claimed = await dyingStore.claimDue(claimedAt, dying.instanceId, lapses - claimedAt);
    expect(claimed).toHaveLength(2);
    await dying.close(); // died holding them

    const n = await AlertNotifier.open(survivor, new ChangesHere(), await registryOf(survivor), log, now, undefined, { pollMs: 200 });
    n.start();
    try {
      await vi.waitFor(() => expect(hooks.got).toHaveLength(2), 10_000);
      for (const g of hooks.got) expect(g.at).toBeGreaterThanOrEqual(lapses); // not while the claim held
      await pause(800);
      expect(hooks.got.map((g) => g.delivery).sort()).toEqual(claimed.map((d) => String(d.id)).sort());
      // the dead node's late outcome (it stalled rather than died, and woke up) is not written over the survivor's
      const late = new WebhookStore(await node(url));
      expect(await late.failed(claimed[0].id, 1, null, 'connect ETIMEDOUT', dying.instanceId, Date.now() + 1000)).toBe(false);
      expect((await late.deliveries('all', 10)).map((d) => [d.state, d.attempts])).toEqual([
        ['delivered', 1],
        ['delivered', 1],
      ]);
    } finally {
      n.stop();
      await hooks.close();
    }
  }, 30_000);

  it('nodes claiming at the same moment take different deliveries', async () => {
    const url = await database('delivery_claim_race');
    const nodes = await Promise.all([node(url), node(url), node(url)]);
    const stores = nodes.map((db) => new WebhookStore(db));
    await stores[0].add({ id: 'all', tenant: null, url: 'http://127.0.0.1:1/', events: ['*'], secret: SECRET }, 'admin:ops', now().toISOString());
    for (let i = 0; i < 120; i++) {
      await stores[0].enqueue({ webhook: 'all', event: 'alert.opened', body: `{"n":${i}}`, nextAt: 0, createdAt: now().toISOString() });
    }
    const t = Date.now();
    const rounds = await Promise.all(stores.flatMap((s, i) => [s.claimDue(t, nodes[i].instanceId, 60_000), s.claimDue(t, nodes[i].instanceId, 60_000)]));
    const ids = rounds.flat().map((d) => d.id);
    expect(ids).toHaveLength(120); // six claims of at most 50: all of them, none twice
    expect(new Set(ids).size).toBe(120);
    expect(await stores[1].claimDue(t + 1000, nodes[1].instanceId, 60_000)).toEqual([]); // all held
    // a node whose clock runs ten minutes ahead: the claims are timed by PostgreSQL's clock, so
    // they still hold for it (timed by the claiming nodes' clocks, they had lapsed for it long ago)
    expect(await stores[2].claimDue(t + 10 * 60_000, nodes[2].instanceId, 60_000)).toEqual([]);
  });
});

describe('live alert events (SSE) on two nodes sharing PostgreSQL', () => {
  /** Two nodes on a database of their own, each with its notifier and what its subscribers got; `bFirstMs`: B opened that long before A. */
  const twoNodes = async (name: string, bFirstMs = 0) => {
    const url = await database(name);
    const dbA = await node(url);
    const dbB = await node(url);
    const bookA = new ChangesHere();
    const bookB = new ChangesHere();
    const b = await AlertNotifier.open(dbB, bookB, await registryOf(dbB), log, now);
    if (bFirstMs > 0) await pause(bFirstMs);
    const a = await AlertNotifier.open(dbA, bookA, await registryOf(dbA), log, now);
    const onA: AlertEvent[] = [];
    const onB: AlertEvent[] = [];
    a.subscribe((e) => onA.push(e));
    b.subscribe((e) => onB.push(e));
    return { dbA, dbB, bookA, bookB, a, b, onA, onB };
  };

  it("a change on one node reaches that node's subscribers and the other node's, once each", async () => {
    const { dbA, dbB, bookA, bookB, a, b, onA, onB } = await twoNodes('alert_events');
    try {
      const alerts = new AlertStore(dbA);
      const { alert } = await alerts.open(drift('live-1', 'gd-1'), now().toISOString());
      bookA.emit('change', alert, 'opened');
      expect(onA.map((e) => [e.change, e.alert.id])).toEqual([['opened', 'live-1']]); // at once, no round trip
      await vi.waitFor(() => expect(onB).toHaveLength(1), 2000);
      expect(onB[0]).toMatchObject({ change: 'opened', alert: { id: 'live-1', state: 'open', device: 'gd-1', version: 1 } });

      // acknowledged through node B's API: its subscribers at once, node A's by the relay
      const acked = await new AlertStore(dbB).acknowledge('live-1', 'operator:lan', 'on my way', now().toISOString());
      bookB.emit('change', acked!, 'acknowledged');
      await vi.waitFor(() => expect(onA).toHaveLength(2), 2000);
      expect(onA[1]).toMatchObject({ change: 'acknowledged', alert: { id: 'live-1', state: 'acknowledged', ackNote: 'on my way', version: 2 } });

      // many changes, from one node then the other: each subscriber gets each once, and the
      // relayed ones of an alert in order (a row read back may be newer than its change, never older)
      const repeatOn = async (book: ChangesHere, times: number) => {
        for (let i = 0; i < times; i++) {
          const r = await alerts.repeat('live-1', { severity: 'warning', summary: 'still drifting', details: {}, add: 1 }, now().toISOString());
          book.emit('change', r!, 'repeated');
        }
      };
      await repeatOn(bookA, 10);
      await vi.waitFor(() => expect(onB).toHaveLength(12), 5000);
      await repeatOn(bookB, 10);
      await vi.waitFor(() => expect(onA).toHaveLength(22), 5000);
      await pause(300);
      expect(onA).toHaveLength(22);
      expect(onB).toHaveLength(22);
      for (const relayed of [onB.slice(2, 12), onA.slice(12)]) {
        const versions = relayed.map((e) => e.alert.version);
        expect(versions).toEqual([...versions].sort((x, y) => x - y));
        expect(relayed.every((e) => e.change === 'repeated')).toBe(true);
      }
      expect(onA[11].alert.count).toBe(11); // A's own, as it made them
      expect(onB.at(-1)!.alert.count).toBe(21);
    } finally {
      a.stop();
      b.stop();
    }
  }, 30_000);

  it("a client resuming on the other node with the first node's event id (Last-Event-ID) misses none of the changes after it", async () => {
    // B up for a while before A (ids counted from each node's start would put all of B's below A's)
    const { dbA, bookA, bookB, a, b, onB } = await twoNodes('alert_events_resume', 200);
    try {
      const alerts = new AlertStore(dbA);
      const { alert } = await alerts.open(drift('resume-1', 'gd-3'), now().toISOString());
      bookA.emit('change', alert, 'opened');
      const seen = a.since(0).at(-1)!; // the client, on node A, saw the opening; then its connection broke
      await vi.waitFor(() => expect(onB).toHaveLength(1), 2000);
      // changes made meanwhile, on both nodes
      for (let i = 0; i < 5; i++) {
        const r = await alerts.repeat('resume-1', { severity: 'warning', summary: 'still drifting', details: {}, add: 1 }, now().toISOString());
        (i % 2 ? bookB : bookA).emit('change', r!, 'repeated');
      }
      await vi.waitFor(() => expect(onB).toHaveLength(6), 5000);
      // it reconnects through the load balancer to node B, with node A's id: B replays every
      // event it emitted after its copy of the opening (a relayed row may read newer than its
      // change), and at most that opening again
      const replay = b.since(seen.id);
      expect(replay.slice(-5)).toEqual(onB.slice(1));
      expect(replay.length).toBeLessThanOrEqual(6);
      expect(replay.at(-1)!.alert.version).toBe(6);
      // on node A the same id resumes exactly after it
      expect(a.since(seen.id)).toEqual(a.since(0).slice(1));
      expect(a.since(seen.id)).toHaveLength(5);
    } finally {
      a.stop();
      b.stop();
    }
  }, 30_000);

  it('a node whose listening connection broke listens on the channel again and relays the changes made after', async () => {
    const url = await database('alert_events_relisten');
    const dbA = await node(url);
    const dbB = await node(url);
    const bookA = new ChangesHere();
    const a = await AlertNotifier.open(dbA, bookA, await registryOf(dbA), log, now);
    const b = await AlertNotifier.open(dbB, new ChangesHere(), await registryOf(dbB), log, now);
    const onB: AlertEvent[] = [];
    b.subscribe((e) => onB.push(e));
    try {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'mag-listen'");
      await admin.end();
      const alerts = new AlertStore(dbA);
      const { alert } = await alerts.open(drift('after-break', 'gd-9'), now().toISOString());
      // sent until B hears one: the ones sent before it listened again are lost to it (live events, no replay)
      await vi.waitFor(
        () => {
          if (onB.length === 0) bookA.emit('change', alert, 'opened');
          expect(onB.length).toBeGreaterThan(0);
        },
        { timeout: 10_000, interval: 200 },
      );
      expect(onB[0]).toMatchObject({ change: 'opened', alert: { id: 'after-break' } });
    } finally {
      a.stop();
      b.stop();
    }
  }, 30_000);
});
