// Fixed queries: built once with `arg()` slots, then run with new values; the same definition
// compiles for SQLite and PostgreSQL.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { planFixed, query, type Arg, type FixedQuery } from './sql.ts';

const repeat = query('test.alert-repeat', (db, arg: Arg<{ id: string; at: string; note?: string | null }>) =>
  db
    .updateTable('alerts')
    .set((eb) => ({ count: eb('count', '+', 1), updated_at: arg('at'), ack_note: arg('note') }))
    .where('id', '=', arg('id'))
    .where('state', '=', 'open'),
);

describe('fixed queries', () => {
  it('put each run\'s arguments where their slots are, keep the constants, and send a missing optional one as NULL', () => {
    const plan = planFixed(repeat, 'sqlite');
    expect(plan.sql).toBe('update "alerts" set "count" = "count" + ?, "updated_at" = ?, "ack_note" = ? where "id" = ? and "state" = ?');
    expect(plan.params({ id: 'a-1', at: '2026-03-01T00:00:00.000Z', note: 'seen' })).toEqual([1, '2026-03-01T00:00:00.000Z', 'seen', 'a-1', 'open']);
    expect(plan.params({ id: 'a-2', at: '2026-03-02T00:00:00.000Z' })).toEqual([1, '2026-03-02T00:00:00.000Z', null, 'a-2', 'open']);
  });

  it('compile to PostgreSQL\'s numbered placeholders from the same definition', () => {
    const plan = planFixed(repeat, 'postgres');
    expect(plan.sql).toBe('update "alerts" set "count" = "count" + $1, "updated_at" = $2, "ack_note" = $3 where "id" = $4 and "state" = $5');
    expect(plan.params({ id: 'a-1', at: 'x' })).toEqual([1, 'x', null, 'a-1', 'open']);
  });

  it('are refused when an argument does not end up a parameter (its value would be lost)', () => {
    const inlined: FixedQuery<{ id: string }, unknown> = {
      kind: 'fixed',
      name: 'test.inlined',
      // a slot written into raw SQL text instead of passed as a value
      build: (db, arg) => db.selectFrom('alerts').select('id').where('id', '=', sql.raw<string>(`'${String(arg('id'))}'`)),
    };
    expect(() => planFixed(inlined, 'sqlite')).toThrow(/store query test.inlined: argument\(s\) id are not parameters/);
  });
});
