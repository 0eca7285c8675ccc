// What a store needs of the state database, whichever it is: SQLite in MAG_DATA_DIR (one node,
// statements run synchronously) or PostgreSQL at MAG_STATE_URL (a cluster, statements answer
// with Promises). A store written against `StateExecutor` awaits its statements' results, so the
// same store code runs on both; on SQLite each statement has already run when its call returns
// (awaiting a value that is not a Promise runs nothing more), so a store method that issues its
// statements before its first `await` has done its writes by the time it returns, as before.
//
// Stores not converted yet keep taking `SqliteState` and its synchronous statements
// (docs/cluster.md, "Shared state (PostgreSQL)").
import type { Dialect, QueryDef } from './sql.ts';

export type Awaitable<T> = T | Promise<T>;

type ArgList<A> = Record<never, never> extends A ? [args?: A] : [args: A];

/** A query ready to run on either database: a value on SQLite, a Promise on PostgreSQL. */
export interface AnyStatement<A, R> {
  /** Runs it; the number of rows changed. */
  run(...args: ArgList<A>): Awaitable<number>;
  /** The first row (or the row a RETURNING gives back). */
  get(...args: ArgList<A>): Awaitable<R | undefined>;
  all(...args: ArgList<A>): Awaitable<R[]>;
}

export type AnyStatements<Q> = { [K in keyof Q]: Q[K] extends QueryDef<infer A, infer R> ? AnyStatement<A, R> : never };

/**
 * What a store method gives on the database `S`: the value itself on SQLite (as before the
 * stores ran on PostgreSQL too), a Promise on PostgreSQL, either when the database is not known
 * (code for both awaits it).
 */
export type Answer<S extends StateExecutor, T> = S extends { readonly dialect: 'sqlite' }
  ? T
  : S extends { readonly dialect: 'postgres' }
    ? Promise<T>
    : Awaitable<T>;

/** The values of a list of statement results, once each has settled. */
export type Settled<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

/** Stops what `watch` started. */
export interface Watching {
  stop(): void;
}

export interface StateExecutor {
  readonly dialect: Dialect;
  /** Every query of a store, bound to this database. */
  statements<Q extends Record<string, QueryDef<any, any>>>(defs: Q): AnyStatements<Q>;
  /**
   * Runs the statements `fn` issues as one transaction; their results, in order. `fn` is
   * synchronous and issues them all without waiting on one (on SQLite they run inside
   * better-sqlite3's transaction, which cannot span an `await`; on PostgreSQL they queue on one
   * connection between BEGIN and COMMIT). A failure of any rolls all back and throws (SQLite)
   * or rejects (PostgreSQL). On SQLite the results are there when this returns.
   */
  atomically<T extends readonly unknown[]>(fn: () => T): Awaitable<Settled<T>>;
  /**
   * Runs `fn` as one transaction in which it may read before it writes (`atomically` cannot):
   * `fn` issues its statements on `tx`, the database as seen inside the transaction. SQLite: `fn`
   * runs inside better-sqlite3's transaction and must not wait on anything but `tx`'s results
   * (they are values there; combine them with `after`, not `await`, or the transaction would
   * span a turn of the event loop); its result is there when this returns. PostgreSQL: BEGIN on
   * one pooled connection, `fn`'s statements on it, COMMIT when `fn`'s result settles; `fn` may
   * await. A failure rolls all back and throws (SQLite) or rejects (PostgreSQL). Nested calls
   * run inside the outer transaction.
   */
  serially<T>(fn: (tx: StateExecutor) => Awaitable<T>): Awaitable<T>;
  /**
   * Inside `serially`: waits until no other transaction holds the lock `name`, and holds it until
   * this one ends (PostgreSQL: pg_advisory_xact_lock). Several nodes appending to one chain (the
   * audit log) take it before reading the chain's end. SQLite: nothing to wait for, its one
   * writer is already alone.
   */
  lock(name: string): Awaitable<void>;
  /**
   * Tells the other processes on this database that `topic` changed, so that they reload what
   * they cache of it. PostgreSQL: a NOTIFY (sent at commit when issued inside `atomically`).
   * SQLite: nothing to do, other connections see `data_version` move.
   */
  announce(topic: string): Awaitable<void>;
  /**
   * A number that changes when another process may have changed `topic` (SQLite: any commit by
   * another connection; PostgreSQL: each announcement of `topic` received, and each reconnection
   * of the listener, which may have missed some).
   */
  version(topic: string): number;
  /**
   * Calls `onChange` soon after `version(topic)` moves: PostgreSQL as the NOTIFY arrives, SQLite
   * by polling `data_version` every `pollMs`.
   */
  watch(topic: string, onChange: () => void, pollMs?: number): Watching;
  readonly open: boolean;
}

/** True for a value a statement of PostgreSQL gives (a Promise), false for SQLite's. */
export function isPending<T>(v: Awaitable<T>): v is Promise<T> {
  return v instanceof Promise;
}

/**
 * `fn` of the value: at once when it is one (SQLite), when it settles when it is a Promise.
 * (Not named `then`: a module exporting `then` is a thenable, and `await import()` calls it.)
 */
export function after<T, U>(v: Awaitable<T>, fn: (value: T) => Awaitable<U>): Awaitable<U> {
  return isPending(v) ? v.then(fn) : fn(v);
}

/** The database refused a row for a key another row has (not for a reference): PostgreSQL 23505 unique_violation, SQLite's UNIQUE. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** What `work` gives, or what `recover` makes of its failure (thrown on SQLite, a rejection on PostgreSQL). */
export function recovered<T>(work: () => Awaitable<T>, recover: (e: unknown) => Awaitable<T>): Awaitable<T> {
  let r: Awaitable<T>;
  try {
    r = work();
  } catch (e) {
    return recover(e);
  }
  return isPending(r) ? r.catch(recover) : r;
}

/**
 * What `work` gives, as a store on `db` gives it (`Answer`): on PostgreSQL always a Promise, a
 * refusal included; on SQLite the value, or the error thrown.
 */
export function answer<S extends StateExecutor, T>(db: S, work: () => Awaitable<T>): Answer<S, T> {
  if (db.dialect === 'sqlite') return work() as Answer<S, T>;
  try {
    return Promise.resolve(work()) as Answer<S, T>;
  } catch (e) {
    return Promise.reject(e) as Answer<S, T>;
  }
}

/** The values of `values` together: at once when none is a Promise (SQLite). */
export function settleAll<T extends readonly unknown[]>(values: T): Awaitable<Settled<T>> {
  return values.some(isPending) ? (Promise.all(values) as Promise<Settled<T>>) : (values as unknown as Settled<T>);
}

/**
 * `write()`, its failure for a broken key or reference given as `conflict()`: thrown at once on
 * SQLite, a rejection on PostgreSQL.
 */
export function refusedAs<T>(write: () => Awaitable<T>, conflict: () => Error): Awaitable<T> {
  const fail = (e: unknown): never => {
    throw isConstraintViolation(e) ? conflict() : e;
  };
  try {
    const r = write();
    return isPending(r) ? r.catch(fail) : r;
  } catch (e) {
    return fail(e);
  }
}

/**
 * True when the database refused a write for breaking a key or a reference: a row with that key
 * exists, or the row it points to does not (on a cluster another node may have written first).
 */
export function isConstraintViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  // PostgreSQL: 23505 unique_violation, 23503 foreign_key_violation; SQLite: SQLITE_CONSTRAINT_*
  return code === '23505' || code === '23503' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}
