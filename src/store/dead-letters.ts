// Points the time-series sink refused for good (poison data), kept for an operator to inspect.
import type { Db } from './db.ts';
import { query, type Arg, type Statements } from './sql.ts';

export interface DeadLetter {
  id: number;
  at: string;
  sink: string;
  reason: string;
  device: string | null;
  tenant: string | null;
  point: unknown;
}

const Q = {
  insert: query(
    'dead-letters.insert',
    (db, arg: Arg<{ at: string; sink: string; reason: string; device: string | null; tenant: string | null; point: string }>) =>
      db
        .insertInto('dead_letters')
        .values({ at: arg('at'), sink: arg('sink'), reason: arg('reason'), device: arg('device'), tenant: arg('tenant'), point: arg('point') }),
  ),
  latest: query('dead-letters.latest', (db, arg: Arg<{ limit: number }>) =>
    db.selectFrom('dead_letters').selectAll().orderBy('id', 'desc').limit(arg('limit')),
  ),
};

export class DeadLetters {
  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
  }

  /** `point`: the refused point (or `{line}` when only its line protocol is known). */
  add(d: { at: Date; sink: string; reason: string; device?: string; tenant?: string; point: unknown }): void {
    this.sql.insert.run({
      at: d.at.toISOString(),
      sink: d.sink,
      reason: d.reason,
      device: d.device ?? null,
      tenant: d.tenant ?? null,
      point: JSON.stringify(d.point),
    });
  }

  /** Newest first. */
  list(limit: number): DeadLetter[] {
    return this.sql.latest.all({ limit }).map((x) => ({ ...x, point: JSON.parse(x.point) }));
  }
}
