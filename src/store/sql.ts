// How the state stores talk SQL. Each query is written once with Kysely (typed against
// schema.ts) and compiled for a dialect: SQLite for the single node, PostgreSQL for the cluster
// mode. On SQLite the compiled SQL runs synchronously through better-sqlite3 (the message path
// calls the stores synchronously), one prepared statement per SQL text; on PostgreSQL through
// postgres.ts. A store written for both takes a StateExecutor (executor.ts).
//
// A fixed query is compiled once: its varying values are `arg(name)` slots, so a statement of
// the per-message path costs a parameter array and a prepared-statement call, not a compile.
// A dynamic query (optional filters, IN lists) is compiled per run; its statements are still
// cached by SQL text.
import type Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type CompiledQuery,
} from 'kysely';
import type { StateSchema } from './schema.ts';
import { isPending, type AnyStatements, type Awaitable, type Settled, type StateExecutor, type Watching } from './executor.ts';

/** The seam between the stores and the database: the same queries compile for either. */
export type Dialect = 'sqlite' | 'postgres';

export type QueryBuilder = Kysely<StateSchema>;

const builders: Partial<Record<Dialect, QueryBuilder>> = {};

/** A Kysely instance that builds and compiles queries for `dialect` and executes nothing. */
export function queryBuilder(dialect: Dialect): QueryBuilder {
  return (builders[dialect] ??= new Kysely<StateSchema>({
    dialect:
      dialect === 'sqlite'
        ? {
            createAdapter: () => new SqliteAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new SqliteIntrospector(db),
            createQueryCompiler: () => new SqliteQueryCompiler(),
          }
        : {
            createAdapter: () => new PostgresAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new PostgresIntrospector(db),
            createQueryCompiler: () => new PostgresQueryCompiler(),
          },
  }));
}

/** Stands in a fixed query for a value given at each run. */
class Slot {
  constructor(readonly name: string) {}
}

/** `arg('device')`: the slot of a fixed query's argument `device`, typed as that argument. */
export type Arg<A> = <K extends keyof A & string>(name: K) => A[K];

export interface FixedQuery<A, R> {
  readonly kind: 'fixed';
  readonly name: string;
  readonly build: (db: QueryBuilder, arg: Arg<A>) => Compilable<R>;
}
export interface DynamicQuery<A, R> {
  readonly kind: 'dynamic';
  readonly name: string;
  readonly build: (db: QueryBuilder, args: A) => Compilable<R>;
}
export type QueryDef<A, R> = FixedQuery<A, R> | DynamicQuery<A, R>;

const defined = new Map<string, QueryDef<never, unknown>>();
/** Every query of the stores, by name (the PostgreSQL test prepares each of them). */
export const STORE_QUERIES: ReadonlyMap<string, QueryDef<never, unknown>> = defined;

function register<D extends QueryDef<never, unknown>>(def: D): D {
  if (defined.has(def.name)) throw new Error(`store query ${def.name} is defined twice`);
  defined.set(def.name, def);
  return def;
}

/** A query whose SQL is the same at every run; compiled once per dialect. */
export function query<A extends object = Record<never, never>, R = unknown>(
  name: string,
  build: (db: QueryBuilder, arg: Arg<A>) => Compilable<R>,
): FixedQuery<A, R> {
  return register({ kind: 'fixed', name, build });
}

/** A query whose SQL depends on its arguments; compiled at each run. */
export function dynamicQuery<A, R = unknown>(name: string, build: (db: QueryBuilder, args: A) => Compilable<R>): DynamicQuery<A, R> {
  return register({ kind: 'dynamic', name, build });
}

/** A fixed query compiled for a dialect: its SQL, and the parameters for given arguments. */
export interface Plan<A> {
  sql: string;
  params(args: A): unknown[];
}

export function planFixed<A, R>(def: FixedQuery<A, R>, dialect: Dialect): Plan<A> {
  const slots: Slot[] = [];
  const arg = ((name: string) => {
    const slot = new Slot(name);
    slots.push(slot);
    return slot;
  }) as Arg<A>;
  const compiled = def.build(queryBuilder(dialect), arg).compile();
  // A slot Kysely wrote into the SQL text instead of passing it as a parameter would be a value
  // silently lost at every run: refuse the query instead.
  const lost = slots.filter((s) => !compiled.parameters.includes(s)).map((s) => s.name);
  if (lost.length > 0) throw new Error(`store query ${def.name}: argument(s) ${lost.join(', ')} are not parameters of the compiled SQL (${compiled.sql})`);
  // Each parameter is an argument's name (a slot) or a value fixed in the query ('open', 1, …).
  const names = compiled.parameters.map((p) => (p instanceof Slot ? (p.name as keyof A) : undefined));
  const values = compiled.parameters.map((p) => (p instanceof Slot ? undefined : p));
  return {
    sql: compiled.sql,
    // A missing optional argument is SQL NULL.
    params: (args) => names.map((name, i) => (name === undefined ? values[i] : (args[name] ?? null))),
  };
}

/** SQL and parameters of one run of a query (fixed or dynamic) for a dialect. */
export function compileQuery<A, R>(def: QueryDef<A, R>, dialect: Dialect, args: A): { sql: string; parameters: unknown[] } {
  if (def.kind === 'fixed') {
    const p = planFixed(def, dialect);
    return { sql: p.sql, parameters: p.params(args) };
  }
  const c: CompiledQuery<R> = def.build(queryBuilder(dialect), args).compile();
  return { sql: c.sql, parameters: [...c.parameters] };
}

type ArgList<A> = Record<never, never> extends A ? [args?: A] : [args: A];

/** A query ready to run on the state database. */
export interface Statement<A, R> {
  /** Runs it; the number of rows changed. */
  run(...args: ArgList<A>): number;
  /** The first row (or the row a RETURNING gives back). */
  get(...args: ArgList<A>): R | undefined;
  all(...args: ArgList<A>): R[];
  iterate(...args: ArgList<A>): IterableIterator<R>;
}

/** The statements of a store's queries, by the same keys. */
export type Statements<Q> = { [K in keyof Q]: Q[K] extends QueryDef<infer A, infer R> ? Statement<A, R> : never };

/** Prepared statements kept per SQL text; past this many the oldest is dropped (dynamic shapes). */
const STATEMENT_CACHE = 500;

/** The table a query is about: the store module's prefix of its name (`alerts.repeat` → `alerts`). */
function tableOf(queryName: string): string {
  const dot = queryName.indexOf('.');
  return dot < 0 ? queryName : queryName.slice(0, dot);
}

/** How often a SQLite state database looks for another process's commits (`watch`). */
const SQLITE_WATCH_MS = 2000;

/** The state database on SQLite: runs the stores' queries synchronously. */
export class SqliteState implements StateExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly prepared = new Map<string, Database.Statement>();
  /**
   * Statements run that may change the database, by table (mag_state_writes_total): how the
   * per-message path's coalescing of alert repeats and rejections is seen from outside.
   */
  private readonly writeCounts = new Map<string, { n: number }>();

  constructor(readonly connection: Database.Database) {
    this.inTransaction = connection.transaction((fn: () => unknown) => fn());
  }

  /** A query of the stores, bound to this database (a fixed one is compiled here, once). */
  prepare<A, R>(def: QueryDef<A, R>): Statement<A, R> {
    if (def.kind === 'fixed') {
      const plan = planFixed(def, this.dialect);
      const stmt = this.statement(plan.sql);
      const p = (a: A | undefined) => plan.params(a ?? ({} as A));
      if (!stmt.readonly) return this.counted(this.writesOf(def.name), stmt, p);
      return {
        run: (...a) => stmt.run(...p(a[0])).changes,
        get: (...a) => stmt.get(...p(a[0])) as R | undefined,
        all: (...a) => stmt.all(...p(a[0])) as R[],
        iterate: (...a) => stmt.iterate(...p(a[0])) as IterableIterator<R>,
      };
    }
    const writes = this.writesOf(def.name);
    const at = (a: A | undefined) => {
      const c = compileQuery(def, this.dialect, a as A);
      const stmt = this.statement(c.sql);
      if (!stmt.readonly) writes.n++;
      return { stmt, params: c.parameters };
    };
    return {
      run: (...a) => {
        const { stmt, params } = at(a[0]);
        return stmt.run(...params).changes;
      },
      get: (...a) => {
        const { stmt, params } = at(a[0]);
        return stmt.get(...params) as R | undefined;
      },
      all: (...a) => {
        const { stmt, params } = at(a[0]);
        return stmt.all(...params) as R[];
      },
      iterate: (...a) => {
        const { stmt, params } = at(a[0]);
        return stmt.iterate(...params) as IterableIterator<R>;
      },
    };
  }

  /** Statements run that may change the database since it was opened, by table. */
  writes(): Map<string, number> {
    return new Map([...this.writeCounts].map(([table, c]) => [table, c.n]));
  }

  private writesOf(queryName: string): { n: number } {
    const table = tableOf(queryName);
    let c = this.writeCounts.get(table);
    if (!c) this.writeCounts.set(table, (c = { n: 0 }));
    return c;
  }

  /** A fixed statement that writes, each run counted under its table. */
  private counted<A, R>(writes: { n: number }, stmt: Database.Statement, p: (a: A | undefined) => unknown[]): Statement<A, R> {
    return {
      run: (...a) => {
        writes.n++;
        return stmt.run(...p(a[0])).changes;
      },
      get: (...a) => {
        writes.n++;
        return stmt.get(...p(a[0])) as R | undefined;
      },
      all: (...a) => {
        writes.n++;
        return stmt.all(...p(a[0])) as R[];
      },
      iterate: (...a) => {
        writes.n++;
        return stmt.iterate(...p(a[0])) as IterableIterator<R>;
      },
    };
  }

  /** Every query of a store, bound to this database. */
  prepareAll<Q extends Record<string, QueryDef<any, any>>>(defs: Q): Statements<Q> {
    return Object.fromEntries(Object.entries(defs).map(([k, def]) => [k, this.prepare(def)])) as Statements<Q>;
  }

  /**
   * better-sqlite3's transaction wrapper, made once: `connection.transaction(fn)` builds four
   * wrapper functions and their properties at every call (~10 % of the CPU of a fuel dispenser's
   * transaction message).
   */
  private readonly inTransaction: (fn: () => unknown) => unknown;

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.inTransaction(fn) as T;
  }

  // ── StateExecutor: the same stores on SQLite or PostgreSQL (executor.ts) ──
  /** The store's statements, typed for code that runs on either database (they stay synchronous here). */
  statements<Q extends Record<string, QueryDef<any, any>>>(defs: Q): AnyStatements<Q> {
    return this.prepareAll(defs) as AnyStatements<Q>;
  }

  /** `fn`'s statements in one transaction, run before this returns; their results. */
  atomically<T extends readonly unknown[]>(fn: () => T): Settled<T> {
    return this.transaction(fn) as unknown as Settled<T>;
  }

  /** `fn` inside one transaction; it must not await (see StateExecutor.serially). */
  serially<T>(fn: (tx: StateExecutor) => Awaitable<T>): T {
    return this.transaction(() => {
      const r = fn(this);
      if (isPending(r)) throw new Error('serially() on SQLite: fn awaited something, which would leave the transaction open across the event loop');
      return r;
    });
  }

  /** One connection writes at a time already. */
  lock(_name: string): void {}

  /** Nothing to send: another connection sees this one's commits move its `data_version`. */
  announce(_topic: string): void {}

  /** `data_version`, whatever the topic: SQLite does not say which table another process changed. */
  version(_topic: string): number {
    return this.dataVersion();
  }

  watch(_topic: string, onChange: () => void, pollMs = SQLITE_WATCH_MS): Watching {
    let seen = this.dataVersion();
    const timer = setInterval(() => {
      if (!this.open) return;
      const v = this.dataVersion();
      if (v === seen) return;
      seen = v;
      onChange();
    }, pollMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  /**
   * Runs `fn` with its writes in one transaction, so that they share one commit: a batch of
   * independent writes (the state of the messages one journal commit acknowledges), not a unit.
   * What ran is committed even when `fn` throws, as it would have been without the batch; a
   * failed commit is handed to `onCommitError` (those writes are lost) rather than thrown. Inside
   * an open transaction, `fn` just runs.
   */
  batch(fn: () => void, onCommitError: (e: Error) => void): void {
    if (this.connection.inTransaction) return fn();
    const sql = (this.batchSql ??= {
      begin: this.connection.prepare('BEGIN'),
      commit: this.connection.prepare('COMMIT'),
      rollback: this.connection.prepare('ROLLBACK'),
    });
    sql.begin.run();
    const ends = (this.batchEnds = new Set());
    try {
      fn();
    } finally {
      this.batchEnds = undefined;
      for (const write of ends) {
        try {
          write();
        } catch (e) {
          onCommitError(e as Error);
        }
      }
      if (this.connection.inTransaction) {
        try {
          sql.commit.run();
        } catch (e) {
          if (this.connection.inTransaction) sql.rollback.run();
          onCommitError(e as Error);
        }
      }
    }
  }
  private batchSql: { begin: Database.Statement; commit: Database.Statement; rollback: Database.Statement } | undefined;

  /**
   * `write` once at the end of the batch in progress (see batch()), before its commit, however
   * often it is asked for in the batch: the latest of a value every message changes (a nozzle's
   * totalizer) written once per commit, and exactly as durable as the batch. A failure goes to
   * the batch's `onCommitError`. Outside a batch it runs now.
   */
  atBatchEnd(write: () => void): void {
    if (this.batchEnds) this.batchEnds.add(write);
    else write();
  }
  private batchEnds: Set<() => void> | undefined;

  /** Runs a compiled statement once, uncached (schema changes). */
  execute(compiled: { sql: string; parameters: readonly unknown[] }): void {
    this.connection.prepare(compiled.sql).run(...compiled.parameters);
  }

  /** Changes when another connection (the `mag` CLI) commits to the database. */
  dataVersion(): number {
    // prepared once: `pragma()` prepares at every call (~3x the cost; the audit log asks at each append)
    return (this.dataVersionSql ??= this.connection.prepare('PRAGMA data_version').pluck()).get() as number;
  }
  private dataVersionSql: Database.Statement | undefined;

  get open(): boolean {
    return this.connection.open;
  }

  close(): void {
    this.prepared.clear();
    this.connection.close();
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      stmt = this.connection.prepare(sql);
      if (this.prepared.size >= STATEMENT_CACHE) this.prepared.delete(this.prepared.keys().next().value!);
      this.prepared.set(sql, stmt);
    }
    return stmt;
  }
}
