// The API tokens and the audit log on a real PostgreSQL 15, as a cluster's nodes share them
// (MAG_STATE_URL): the same contract as on SQLite (test/support/access-contract.ts), with two
// connections standing for two nodes: a token revoked on one is refused by the other within a
// second (LISTEN/NOTIFY), and two nodes appending at once make one audit chain (advisory lock).
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AuditLog } from '../../src/store/audit.ts';
import { PostgresState } from '../../src/store/postgres.ts';
import { Tokens } from '../../src/store/tokens.ts';
import { accessContract } from '../support/access-contract.ts';
import { type PostgresHandle, startPostgres } from '../support/postgres.ts';
import { postgresStateTarget } from '../support/state-targets.ts';

let server: PostgresHandle | undefined;

afterAll(async () => {
  await server?.stop();
});

accessContract('PostgreSQL', async () => {
  server = await startPostgres();
  const url = `postgres://${server.user}@${server.host}:${server.port}/${server.database}`;
  const target = postgresStateTarget(url);
  return {
    ...target,
    execute: async (sql) => {
      const client = new pg.Client(server!.connection);
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    revokedEverywhereWithinMs: 1000,
  };
});

describe('the audit log on PostgreSQL, when the database is away', () => {
  it('an append nobody awaits that fails hands its whole entry to onError (the gateway logs it), and its Promise rejects', async () => {
    const url = `postgres://${server!.user}@${server!.host}:${server!.port}/${server!.database}`;
    const db = await PostgresState.connect(url);
    const unwritten: { err: string; entry: unknown }[] = [];
    const audit = new AuditLog(db, (err, entry) => unwritten.push({ err: err.message, entry }));
    await db.close(); // as good as a database that went away
    const appended = audit.append('mqtt:10.0.0.7', 'mqtt.connect.refused', 'fd-9', { reason: 'bad secret' }, new Date('2026-12-04T08:00:00Z'));
    await expect(appended).rejects.toThrow();
    expect(unwritten).toEqual([
      {
        err: expect.any(String),
        entry: { at: '2026-12-04T08:00:00.000Z', actor: 'mqtt:10.0.0.7', action: 'mqtt.connect.refused', target: 'fd-9', details: { reason: 'bad secret' } },
      },
    ]);
  });
});

describe('tokens on PostgreSQL, when a node stopped hearing announcements for a while', () => {
  it('a node whose listening connection broke drops its cached tokens when it listens again: a revocation it missed still counts', async () => {
    const url = `postgres://${server!.user}@${server!.host}:${server!.port}/${server!.database}`;
    const [dbA, dbB] = [await PostgresState.connect(url), await PostgresState.connect(url)];
    const a = new Tokens(dbA);
    const b = new Tokens(dbB);
    try {
      const { token, principal } = await a.create({ name: 'missed', role: 'admin' }, 'admin:root', new Date());
      expect(await b.authenticate(token)).toBeDefined(); // cached by b
      const admin = new pg.Client(server!.connection);
      await admin.connect();
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'mag-listen'");
      await admin.end();
      // announced while nobody listens: b never hears it, yet refuses the token once it listens again
      await a.revoke(principal.tokenId, new Date());
      await vi.waitFor(async () => expect(await b.authenticate(token)).toBeUndefined(), { timeout: 5000, interval: 20 });
    } finally {
      a.close();
      b.close();
      await dbA.close();
      await dbB.close();
    }
  });
});
