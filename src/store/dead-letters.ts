// Points the time-series sink refused for good (poison data), kept for an operator to inspect,
// on SQLite or PostgreSQL (executor.ts): on a cluster, what any node's sink refused is listed by
// every node's API.
import { createHash } from 'node:crypto';
import { query, type Arg } from './sql.ts';
import { after, answer, type AnyStatements, type Answer, type StateExecutor } from './executor.ts';

export interface DeadLetter {
  id: number;
  at: string;
  sink: string;
  reason: string;
  device: string | null;
  tenant: string | null;
  point: unknown;
}

/** A dead letter's columns as listed and replayed. */
const LISTED = ['id', 'at', 'sink', 'reason', 'device', 'tenant', 'point'] as const;

const Q = {
  insert: query(
    'dead-letters.insert',
    (db, arg: Arg<{ at: string; sink: string; reason: string; device: string | null; tenant: string | null; point: string; line_key: string | null }>) =>
      db
        .insertInto('dead_letters')
        .values({
          at: arg('at'),
          sink: arg('sink'),
          reason: arg('reason'),
          device: arg('device'),
          tenant: arg('tenant'),
          point: arg('point'),
          line_key: arg('line_key'),
        })
        .onConflict((oc) => oc.columns(['sink', 'line_key']).doNothing()),
  ),
  latest: query('dead-letters.latest', (db, arg: Arg<{ limit: number }>) =>
    db.selectFrom('dead_letters').select(LISTED).orderBy('id', 'desc').limit(arg('limit')),
  ),
  latestOf: query('dead-letters.latest-of', (db, arg: Arg<{ device: string; limit: number }>) =>
    db.selectFrom('dead_letters').select(LISTED).where('device', '=', arg('device')).orderBy('id', 'desc').limit(arg('limit')),
  ),
  byId: query('dead-letters.by-id', (db, arg: Arg<{ id: number }>) => db.selectFrom('dead_letters').select(LISTED).where('id', '=', arg('id'))),
  oldest: query('dead-letters.oldest', (db, arg: Arg<{ limit: number }>) =>
    db.selectFrom('dead_letters').select(LISTED).orderBy('id', 'asc').limit(arg('limit')),
  ),
  oldestOf: query('dead-letters.oldest-of', (db, arg: Arg<{ device: string; limit: number }>) =>
    db.selectFrom('dead_letters').select(LISTED).where('device', '=', arg('device')).orderBy('id', 'asc').limit(arg('limit')),
  ),
  remove: query('dead-letters.remove', (db, arg: Arg<{ id: number }>) => db.deleteFrom('dead_letters').where('id', '=', arg('id'))),
  anyOf: query('dead-letters.any-of', (db, arg: Arg<{ device: string }>) =>
    db.selectFrom('dead_letters').select('id').where('device', '=', arg('device')).limit(1),
  ),
  count: query('dead-letters.count', (db) => db.selectFrom('dead_letters').select((eb) => eb.fn.countAll().as('n'))),
  // the unique index on (sink, line_key) answers it
  has: query('dead-letters.has', (db, arg: Arg<{ sink: string; line_key: string }>) =>
    db.selectFrom('dead_letters').select('id').where('sink', '=', arg('sink')).where('line_key', '=', arg('line_key')).limit(1),
  ),
};

/** What identifies a refused line among the dead letters of its sink (kept once per sink). */
function lineKey(line: string): string {
  return createHash('sha256').update(line).digest('hex');
}

function parsed<R extends { point: string }>(row: R): Omit<R, 'point'> & { point: unknown } {
  return { ...row, point: JSON.parse(row.point) as unknown };
}

/** Dead letters on the state database `S` (SqliteState: answers at once; PostgresState: Promises). */
export class DeadLetters<S extends StateExecutor = StateExecutor> {
  private readonly sql: AnyStatements<typeof Q>;

  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
  }

  /**
   * `point`: the refused point (or `{line}` when only its line protocol is known). `line`: the line
   * the sink refused; the same line refused again by the same sink (its batch sent again, on this
   * node or another) is kept once, the first time. True when kept now, false when it already was.
   */
  add(d: { at: Date; sink: string; reason: string; device?: string; tenant?: string; point: unknown; line?: string }): Answer<S, boolean> {
    const row = {
      at: d.at.toISOString(),
      sink: d.sink,
      reason: d.reason,
      device: d.device ?? null,
      tenant: d.tenant ?? null,
      point: JSON.stringify(d.point),
      line_key: d.line === undefined ? null : lineKey(d.line),
    };
    return answer(this.db, () => after(this.sql.insert.run(row), (inserted) => inserted > 0));
  }

  /** Newest first: all of them, or the device's. */
  list(limit: number, device?: string): Answer<S, DeadLetter[]> {
    return answer(this.db, () =>
      after(device === undefined ? this.sql.latest.all({ limit }) : this.sql.latestOf.all({ device, limit }), (rows) => rows.map(parsed)),
    );
  }

  /** One by its id; undefined when there is none (never kept, or replayed or discarded since). */
  get(id: number): Answer<S, DeadLetter | undefined> {
    return answer(this.db, () => after(this.sql.byId.get({ id }), (row) => (row === undefined ? undefined : parsed(row))));
  }

  /** Oldest first (the order they were refused in): all of them, or the device's. */
  oldest(limit: number, device?: string): Answer<S, DeadLetter[]> {
    return answer(this.db, () =>
      after(device === undefined ? this.sql.oldest.all({ limit }) : this.sql.oldestOf.all({ device, limit }), (rows) => rows.map(parsed)),
    );
  }

  /** Deletes one (its point was written after all, or discarded); false when it was gone already (another replay). */
  remove(id: number): Answer<S, boolean> {
    return answer(this.db, () => after(this.sql.remove.run({ id }), (n) => n > 0));
  }

  /** How many are kept (all devices, all sinks). */
  count(): Answer<S, number> {
    // PostgreSQL's count is a bigint, which pg hands over as text
    return answer(this.db, () => after(this.sql.count.get(), (row) => Number(row?.n ?? 0)));
  }

  /** Whether `line`, refused by `sink`, is kept already. */
  has(sink: string, line: string): Answer<S, boolean> {
    return answer(this.db, () => after(this.sql.has.get({ sink, line_key: lineKey(line) }), (row) => row !== undefined));
  }

  /** Whether any point of the device is still kept. */
  anyOf(device: string): Answer<S, boolean> {
    return answer(this.db, () => after(this.sql.anyOf.get({ device }), (row) => row !== undefined));
  }
}
