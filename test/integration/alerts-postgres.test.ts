// The alerts' store on a real PostgreSQL 15 (MAG_STATE_URL): the same contract as on SQLite
// (test/support/alert-store-contract.ts), with two connections standing for two nodes; and two
// alert books (two nodes' APIs) acknowledging or resolving one alert at the same moment.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgresStateTarget } from '../support/state-targets.ts';
import { createDatabase, startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { alertStoreContract } from '../support/alert-store-contract.ts';
import { PostgresState } from '../../src/store/postgres.ts';
import { AlertBook, AlreadyAcknowledged, AlreadyResolved, type Alert } from '../../src/alerts/alert-book.ts';

let server: Promise<PostgresHandle> | undefined;
/** The test server, started by whichever suite needs it first. */
const postgres = () => (server ??= startPostgres());

afterAll(async () => {
  await (await server)?.stop();
});

alertStoreContract('PostgreSQL', async () => {
  const s = await postgres();
  return postgresStateTarget(`postgres://${s.user}@${s.host}:${s.port}/${s.database}`);
});

const NOW = new Date('2026-03-01T08:00:00.000Z');

describe('two alert books on one PostgreSQL database (two nodes) changing one alert at the same moment', () => {
  let url: string;
  let a: AlertBook<PostgresState>;
  let b: AlertBook<PostgresState>;
  /** A third connection, holding the alert's row while both nodes get past their read. */
  let holder: pg.Client;
  const dbs: PostgresState[] = [];
  /** The `change` events of both books, as `node:change`. */
  const events: string[] = [];

  beforeAll(async () => {
    url = await createDatabase(await postgres(), 'alert_books');
    for (const node of ['a', 'b']) {
      const db = await PostgresState.connect(url);
      dbs.push(db);
      const book = await AlertBook.open(db);
      book.on('change', (_alert, change) => events.push(`${node}:${change}`));
      if (node === 'a') a = book;
      else b = book;
    }
    holder = new pg.Client(url);
    await holder.connect();
  }, 120_000);

  afterAll(async () => {
    await holder?.end();
    await a?.stop();
    await b?.stop();
    for (const db of dbs) await db.close();
  });

  /**
   * Runs both nodes' `change` of the alert `id` so that each has read it before either writes: the
   * row is held (FOR UPDATE) until both UPDATEs wait for it. Without the database deciding, both
   * would write; the first to get the row writes.
   */
  async function atOnce<T>(id: string, change: (book: AlertBook<PostgresState>, node: string) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
    await holder.query('begin');
    await holder.query('select id from alerts where id = $1 for update', [id]);
    const both = Promise.allSettled([change(a, 'a'), change(b, 'b')]);
    try {
      // both UPDATEs wait for the row (pg_stat_activity's query text may still show the read before)
      await vi.waitFor(
        async () => {
          const { rows } = await holder.query('select count(distinct pid)::int as n from pg_locks where not granted');
          expect(rows[0].n).toBe(2);
        },
        { timeout: 5000, interval: 10 },
      );
    } finally {
      await holder.query('commit');
    }
    return both;
  }

  async function raised(device: string): Promise<Alert> {
    const r = await a.raise({ tenant: 'acme', device, kind: 'drift', key: 'CH4', severity: 'warning', summary: 'CH4 drifting', details: {}, at: NOW });
    return r!.alert;
  }

  it('acknowledged on both: one acknowledgement stands, the other node answers AlreadyAcknowledged with it', async () => {
    const { id } = await raised('gd-1');
    events.length = 0;
    const results = await atOnce(id, (book, node) => book.acknowledge(id, `operator:${node}`, `on my way (${node})`, NOW));
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(AlreadyAcknowledged);
    const winner = won[0];
    expect((lost[0] as AlreadyAcknowledged).alert).toMatchObject({ ackBy: winner.ackBy, ackNote: winner.ackNote, version: 2 });
    expect(await b.get(id)).toMatchObject({ state: 'acknowledged', ackBy: winner.ackBy, ackNote: winner.ackNote, ackAt: NOW.toISOString(), version: 2 });
    expect(events).toEqual([`${winner.ackBy!.slice('operator:'.length)}:acknowledged`]); // one change, on the winner's node
  });

  it('resolved on both: the first resolution stands, and both nodes answer it', async () => {
    const { id } = await raised('gd-2');
    events.length = 0;
    const reason = { a: 'adjusted', b: 'repaired' } as const;
    const results = await atOnce(id, (book, node) => book.resolve(id, `operator:${node}`, { reason: reason[node as 'a' | 'b'] }, NOW));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const [x, y] = results.map((r) => (r as PromiseFulfilledResult<Alert>).value);
    expect(x).toEqual(y);
    const stored = await a.get(id);
    expect(stored).toEqual(x);
    expect(stored).toMatchObject({ state: 'resolved', version: 2 });
    const node = stored!.resolvedBy!.slice('operator:'.length) as 'a' | 'b';
    expect(stored!.resolution).toEqual({ reason: reason[node] });
    expect(events).toEqual([`${node}:resolved`]);
    // each book forgot it
    await vi.waitFor(() => expect([a.isOpen('gd-2', 'drift', 'CH4'), b.isOpen('gd-2', 'drift', 'CH4')]).toEqual([false, false]), { timeout: 5000 });
  });

  it("resolved by one actor on both nodes at the same instant (the API's resolveFirst): one wrote it, the other is told AlreadyResolved", async () => {
    const { id } = await raised('gd-3');
    events.length = 0;
    // same who and same when: comparing them could not tell which request wrote the resolution
    const results = await atOnce(id, (book) => book.resolveFirst(id, 'operator:ops', { reason: 'adjusted' }, NOW));
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(AlreadyResolved);
    expect((lost[0] as AlreadyResolved).alert).toEqual(won[0]);
    expect(events).toHaveLength(1);
    // and an alert resolved before the call is refused the same way, on either node
    await expect(b.resolveFirst(id, 'operator:ops', { reason: 'adjusted' }, NOW)).rejects.toBeInstanceOf(AlreadyResolved);
  });
});
