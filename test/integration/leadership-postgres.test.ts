// The cluster's periodic work runs on one node at a time: the holder of a PostgreSQL advisory
// lock. On a real PostgreSQL 15: of three nodes exactly one leads; when its session ends (the
// node stopped or its connection was killed) another takes over within the retry period.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { AdvisoryLeadership, whileLeading } from '../../src/cluster/leadership.ts';
import { createLogger } from '../../src/log.ts';

const RETRY_MS = 200;
let server: PostgresHandle;
let url: string;
const log = createLogger('silent');

beforeAll(async () => {
  server = await startPostgres();
  url = await createDatabase(server, 'leadership');
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('periodic work on one node of a cluster', () => {
  it('one of three nodes leads; a stopped leader is replaced; a unit runs only on the leader', async () => {
    const nodes = [0, 1, 2].map(() => new AdvisoryLeadership(url, log, RETRY_MS));
    const runs = nodes.map(() => ({ started: 0, stopped: 0 }));
    const units = nodes.map((n, i) =>
      whileLeading(n, {
        start: () => void runs[i]!.started++,
        stop: () => void runs[i]!.stopped++,
      }),
    );
    for (const u of units) u.start();
    await Promise.all(nodes.map((n) => n.start()));
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect(nodes.filter((n) => n.leading)).toHaveLength(1);
    const first = nodes.findIndex((n) => n.leading);
    expect(runs.map((r) => r.started)).toEqual(nodes.map((_, i) => (i === first ? 1 : 0)));

    await nodes[first]!.stop();
    expect(runs[first]!.stopped).toBe(1);
    await until(() => nodes.some((n, i) => i !== first && n.leading), 10 * RETRY_MS);
    expect(nodes.filter((n) => n.leading)).toHaveLength(1);
    for (const n of nodes) await n.stop();
  });

  it('a leader whose session the server ended stops leading; then one node holds the lock again', async () => {
    const a = new AdvisoryLeadership(url, log, RETRY_MS);
    const b = new AdvisoryLeadership(url, log, RETRY_MS);
    await a.start();
    await b.start();
    expect([a.leading, b.leading]).toEqual([true, false]);
    const changesOfA: boolean[] = [];
    a.follow((leading) => changesOfA.push(leading));
    const admin = new pg.Client(server.connection);
    await admin.connect();
    const killed = await admin.query("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted");
    expect(killed.rowCount).toBe(1);
    await admin.end();
    // whichever tries first takes it: `a` reconnects and may win again, but it stopped leading first
    await until(() => changesOfA.includes(false), 20 * RETRY_MS);
    await until(() => a.leading || b.leading, 20 * RETRY_MS);
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect([a.leading, b.leading].filter(Boolean)).toHaveLength(1);
    await a.stop();
    await b.stop();
  });
});
