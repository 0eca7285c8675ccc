// Fixed queries: built once with `arg()` slots, then run with new values; the same definition
// compiles for SQLite and PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SqliteState, planFixed, query, type Arg, type FixedQuery } from './sql.ts';

const repeat = query('test.alert-repeat', (db, arg: Arg<{ id: string; at: string; note?: string | null }>) =>
  db
    .updateTable('alerts')
    .set((eb) => ({ count: eb('count', '+', 1), updated_at: arg('at'), ack_note: arg('note') }))
    .where('id', '=', arg('id'))
    .where('state', '=', 'open'),
);

describe('fixed queries', () => {
  it("put each run's arguments where their slots are, keep the constants, and send a missing optional one as NULL", () => {
    const plan = planFixed(repeat, 'sqlite');
    expect(plan.sql).toBe('update "alerts" set "count" = "count" + ?, "updated_at" = ?, "ack_note" = ? where "id" = ? and "state" = ?');
    expect(plan.params({ id: 'a-1', at: '2026-03-01T00:00:00.000Z', note: 'seen' })).toEqual([1, '2026-03-01T00:00:00.000Z', 'seen', 'a-1', 'open']);
    expect(plan.params({ id: 'a-2', at: '2026-03-02T00:00:00.000Z' })).toEqual([1, '2026-03-02T00:00:00.000Z', null, 'a-2', 'open']);
  });

  it("compile to PostgreSQL's numbered placeholders from the same definition", () => {
    const plan = planFixed(repeat, 'postgres');
    expect(plan.sql).toBe('update "alerts" set "count" = "count" + $1, "updated_at" = $2, "ack_note" = $3 where "id" = $4 and "state" = $5');
    expect(plan.params({ id: 'a-1', at: 'x' })).toEqual([1, 'x', null, 'a-1', 'open']);
  });

  it('are refused when an argument does not end up a parameter (its value would be lost)', () => {
    const inlined: FixedQuery<{ id: string }, unknown> = {
      kind: 'fixed',
      name: 'test.inlined',
      // a slot written into raw SQL text instead of passed as a value
      build: (db, arg) =>
        db
          .selectFrom('alerts')
          .select('id')
          .where('id', '=', sql.raw<string>(`'${String(arg('id'))}'`)),
    };
    expect(() => planFixed(inlined, 'sqlite')).toThrow(/store query test.inlined: argument\(s\) id are not parameters/);
  });
});

describe('SqliteState.batch', () => {
  it('writes what it runs in one transaction (seen by another connection at its end), keeps what ran before a throw, and nests inside a transaction', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-sql-batch-'));
    const db = new SqliteState(new Database(join(dir, 'state.db')));
    const other = new Database(join(dir, 'state.db'));
    try {
      db.connection.pragma('journal_mode = WAL');
      db.connection.exec('CREATE TABLE t (v INTEGER)');
      const insert = db.connection.prepare('INSERT INTO t (v) VALUES (?)');
      const count = () => (other.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
      const errors: Error[] = [];
      db.batch(
        () => {
          insert.run(1);
          insert.run(2);
          expect(count()).toBe(0); // not committed yet: one commit for the batch
        },
        (e) => errors.push(e),
      );
      expect(count()).toBe(2);
      // a throw: what ran is committed all the same (a batch of independent writes, not a unit)
      expect(() =>
        db.batch(
          () => {
            insert.run(3);
            throw new Error('one message failed');
          },
          (e) => errors.push(e),
        ),
      ).toThrow('one message failed');
      expect(count()).toBe(3);
      // inside a transaction it just runs
      db.transaction(() =>
        db.batch(
          () => insert.run(4),
          (e) => errors.push(e),
        ),
      );
      expect(count()).toBe(4);
      expect(errors).toEqual([]);
    } finally {
      other.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a write asked for at its end once, after what it ran and before its commit; a failing one is reported, the rest committed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-sql-batch-end-'));
    const db = new SqliteState(new Database(join(dir, 'state.db')));
    const other = new Database(join(dir, 'state.db'));
    try {
      db.connection.pragma('journal_mode = WAL');
      db.connection.exec('CREATE TABLE t (v INTEGER)');
      const insert = db.connection.prepare('INSERT INTO t (v) VALUES (?)');
      const values = () => (other.prepare('SELECT v FROM t ORDER BY rowid').all() as { v: number }[]).map((r) => r.v);
      let latest = 0;
      const writeLatest = () => {
        expect(db.connection.inTransaction).toBe(true); // within the batch's transaction
        insert.run(latest);
      };
      const errors: Error[] = [];
      db.batch(
        () => {
          for (const v of [10, 11, 12]) {
            latest = v;
            db.atBatchEnd(writeLatest);
          }
          insert.run(1);
          expect(values()).toEqual([]);
        },
        (e) => errors.push(e),
      );
      expect(values()).toEqual([1, 12]);
      expect(errors).toEqual([]);

      db.batch(
        () => {
          db.atBatchEnd(() => {
            throw new Error('disk full');
          });
          db.atBatchEnd(() => insert.run(2));
        },
        (e) => errors.push(e),
      );
      expect(errors.map((e) => e.message)).toEqual(['disk full']);
      expect(values()).toEqual([1, 12, 2]);

      // outside a batch: at once
      db.atBatchEnd(() => insert.run(3));
      expect(values()).toEqual([1, 12, 2, 3]);
    } finally {
      other.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
