// Transactions that read before they write (StateExecutor.serially) and the advisory lock that
// lets several nodes append to one chain: on a real PostgreSQL 15, two connections standing for
// two nodes; and the same code on SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { PostgresState } from '../../src/store/postgres.ts';
import { openStateDb } from '../../src/store/db.ts';
import { after, type StateExecutor } from '../../src/store/executor.ts';
import { query, type Arg } from '../../src/store/sql.ts';

// A counter kept in a tenant's name: a table every migrated database has, with no reference to others.
const Q = {
  read: query('test-serially.read', (db, arg: Arg<{ key: string }>) => db.selectFrom('tenants').select('name as value').where('id', '=', arg('key'))),
  write: query('test-serially.write', (db, arg: Arg<{ key: string; value: string }>) =>
    db
      .insertInto('tenants')
      .values({ id: arg('key'), name: arg('value'), region: 'VN-HN', time_zone: null, created_at: '2026-12-04T00:00:00.000Z' })
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ name: eb.ref('excluded.name') }))),
  ),
};

/** Reads the counter and writes it plus one, in one transaction under the lock `counter`. */
function increment(db: StateExecutor, locked: boolean) {
  return db.serially((tx) => {
    const sql = tx.statements(Q);
    return after(locked ? tx.lock('counter') : undefined, () =>
      after(sql.read.get({ key: 'counter' }), (row) => sql.write.run({ key: 'counter', value: String(Number(row?.value ?? 0) + 1) })),
    );
  });
}

let server: PostgresHandle;
let a: PostgresState;
let b: PostgresState;

beforeAll(async () => {
  server = await startPostgres();
  const url = await createDatabase(server, 'serially');
  a = await PostgresState.connect(url);
  b = await PostgresState.connect(url);
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.stop();
});

describe('serially on PostgreSQL', () => {
  it('two nodes incrementing one counter under the lock lose no increment', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 2 ? a : b, true)));
    const row = await a.statements(Q).read.get({ key: 'counter' });
    expect(row?.value).toBe('40');
  });

  it('rolls back every statement when fn fails after a write', async () => {
    await expect(
      a.serially(async (tx) => {
        await tx.statements(Q).write.run({ key: 'rolled-back', value: 'x' });
        throw new Error('refused after the write');
      }),
    ).rejects.toThrow('refused after the write');
    expect(await b.statements(Q).read.get({ key: 'rolled-back' })).toBeUndefined();
  });

  it('delivers an announcement made inside the transaction to the other node at commit', async () => {
    const seen = new Promise<void>((resolve) => b.watch('serially-topic', resolve));
    const before = b.version('serially-topic');
    await a.serially(async (tx) => {
      await tx.announce('serially-topic');
      await tx.statements(Q).write.run({ key: 'announced', value: 'y' });
    });
    await seen;
    expect(b.version('serially-topic')).toBe(before + 1);
  });

  it('refuses lock() outside a transaction', async () => {
    await expect(a.lock('counter')).rejects.toThrow('outside serially');
  });
});

describe('serially on SQLite', () => {
  it('runs the same read-then-write and refuses a fn that awaits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-serially-'));
    const db = openStateDb(dir);
    try {
      for (let i = 0; i < 3; i++) increment(db, true);
      expect(db.statements(Q).read.get({ key: 'counter' })).toEqual({ value: '3' });
      expect(() => db.serially(async () => 1)).toThrow('awaited');
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
