// The state database on PostgreSQL (cluster mode, MAG_STATE_URL): the stores' queries compiled
// for PostgreSQL once, run on a connection pool, answering with Promises. Changes a store
// announces reach the other processes on the same database by LISTEN/NOTIFY on one channel.
// Over 400 lines: the pool, its transactions, the message path's write batches and the listening
// connection share one database handle's state.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { compileQuery, planFixed, type QueryDef } from './sql.ts';
import { migratePostgres } from './migrations.ts';
import type { AnyStatement, AnyStatements, Awaitable, Settled, StateExecutor, Watching } from './executor.ts';

/** The channel every MAG process on the database listens on; payload `{ topic, from }`. */
const CHANNEL = 'mag_state';
/** Wait before listening again after the listening connection broke. */
const RELISTEN_MS = 1000;

const INT8 = pg.types.builtins.INT8;
const NUMERIC = pg.types.builtins.NUMERIC;

/**
 * Numbers where schema.ts says number. pg gives int8 (`bigint` columns: ids, epoch-ms times,
 * sequence numbers; and count(*)) and numeric (sum/avg of integers) as strings, because they may
 * not fit a double; the state's never come near 2^53, and SQLite gives them as numbers, so the
 * stores read the same types on both. A value past 2^53 is refused rather than rounded.
 * Set on this pool only (not pg's global parsers, which other code in the process may rely on).
 */
const STATE_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return parseSafeInteger;
    if (oid === NUMERIC) return Number;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function parseSafeInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`the state database gave the integer ${text}, past what a number holds exactly (2^53)`);
  return n;
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'an unparsable URL';
  }
}

export interface PostgresStateOptions {
  /** Connections in the pool (the LISTEN connection comes on top). */
  maxConnections?: number;
  /** An idle connection or the listening one failed (the pool replaces it; the listener reconnects). */
  onError?: (err: Error) => void;
}

export class PostgresState implements StateExecutor {
  readonly dialect = 'postgres' as const;
  /** Tells this process's announcements apart from the others' (it already has its changes). */
  private readonly instance = randomUUID();
  /** This process's mark on its announcements. */
  get instanceId(): string {
    return this.instance;
  }
  private readonly versions = new Map<string, number>();
  private readonly watchers = new Map<string, Set<() => void>>();
  /** Channels besides CHANNEL listened on for a module of this process (`listenOn`), and who hears them. */
  private readonly channels = new Map<string, Set<(payload: string) => void>>();
  private listener: pg.Client | undefined;
  private closed = false;
  /**
   * The connection of the `atomically` whose `fn` is running, what `fn` issued on it, and the
   * last statement issued: each is sent when the one before it has answered (pg deprecates
   * queueing several queries on one client), so they still run in the order issued.
   */
  private tx: { client: pg.PoolClient; issued: Promise<unknown>[]; last: Promise<unknown> } | undefined;
  /** The write batch statements are queued into while `into`'s callback runs. */
  private batch: WriteBatch | undefined;

  private constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly onError: (err: Error) => void,
  ) {}

  /**
   * Connects to the state database at `url`, brings its schema to the latest migration and
   * starts listening for other processes' announcements. Fails with a message naming
   * MAG_STATE_URL when the server cannot be reached.
   */
  static async connect(url: string, options: PostgresStateOptions = {}): Promise<PostgresState> {
    const onError = options.onError ?? (() => {});
    const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types: STATE_TYPES, application_name: 'mag' });
    pool.on('error', onError);
    const state = new PostgresState(url, pool, onError);
    try {
      await pool.query('select 1');
    } catch (e) {
      await pool.end().catch(() => {});
      throw new Error(`the state database at MAG_STATE_URL (${redactedUrl(url)}) cannot be reached: ${(e as Error).message || (e as { code?: string }).code}`);
    }
    try {
      const migrations = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
      try {
        await migratePostgres(migrations);
      } finally {
        await migrations.destroy();
      }
      await state.listen();
    } catch (e) {
      await state.close();
      throw e;
    }
    return state;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** A query of the stores bound to this database (a fixed one compiled here, once, and prepared by name on each connection). */
  prepare<A, R>(def: QueryDef<A, R>): AnyStatement<A, R> {
    return prepareOn(def, (q) => this.query(q));
  }

  statements<Q extends Record<string, QueryDef<any, any>>>(defs: Q): AnyStatements<Q> {
    return Object.fromEntries(Object.entries(defs).map(([k, def]) => [k, this.prepare(def)])) as AnyStatements<Q>;
  }

  /** `fn` on one connection between BEGIN and COMMIT; it may read before it writes, and await. */
  async serially<T>(fn: (tx: StateExecutor) => Awaitable<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      try {
        const result = await fn(new PostgresTransaction(this, client));
        await client.query('commit');
        return result;
      } catch (e) {
        await client.query('rollback').catch(() => {});
        throw e;
      }
    } finally {
      client.release();
    }
  }

  lock(name: string): Promise<void> {
    return Promise.reject(new Error(`lock(${name}) outside serially(): an advisory lock is held for a transaction`));
  }

  async atomically<T extends readonly unknown[]>(fn: () => T): Promise<Settled<T>> {
    if (this.tx) throw new Error('atomically() does not nest: issue the statements in the outer one');
    const client = await this.pool.connect();
    const begin = client.query('begin');
    const tx = { client, issued: [] as Promise<unknown>[], last: begin as Promise<unknown> };
    try {
      let results: T;
      this.tx = tx;
      try {
        results = fn();
      } finally {
        this.tx = undefined;
      }
      await begin;
      const settled = (await Promise.all(results)) as Settled<T>;
      // a statement fn issued but did not return fails the transaction too
      await Promise.all(tx.issued);
      await client.query('commit');
      return settled;
    } catch (e) {
      // after what fn issued has run (or failed)
      await Promise.allSettled(tx.issued);
      await client.query('rollback').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  /**
   * A batch of statements sent together in one transaction at `commit()`: the message path's
   * writes (checks, drift, totalizers, alerts) issued while judging synchronously (`into`), in
   * the order issued, atomically per batch of messages.
   */
  writeBatch(): WriteBatch {
    return new WriteBatch(this.pool);
  }

  /**
   * Runs `fn` (synchronous) with every statement issued on this database while it runs queued
   * into `wb` instead of sent: each answers with a Promise settled when `wb` commits (or fails).
   * A statement issued in a continuation after `fn` returned (an `after` of a queued result) is
   * sent on its own, as usual.
   */
  into<T>(wb: WriteBatch, fn: () => T): T {
    if (this.batch || this.tx) throw new Error('into() does not nest, nor run inside atomically()');
    this.batch = wb;
    try {
      return fn();
    } finally {
      this.batch = undefined;
    }
  }

  announce(topic: string): Promise<void> {
    return this.query({ text: 'select pg_notify($1, $2)', values: [CHANNEL, JSON.stringify({ topic, from: this.instance })] }).then(() => undefined);
  }

  version(topic: string): number {
    return this.versions.get(topic) ?? 0;
  }

  watch(topic: string, onChange: () => void): Watching {
    let set = this.watchers.get(topic);
    if (!set) this.watchers.set(topic, (set = new Set()));
    const own = () => onChange();
    set.add(own);
    return { stop: () => set.delete(own) };
  }

  /**
   * Sends `payload` (under 8000 bytes, PostgreSQL's limit) on `channel` to every process
   * listening on it (`listenOn`), this one included: a channel of its own for a module whose
   * messages are not announcements of a topic (CHANNEL's `{ topic, from }`).
   */
  notify(channel: string, payload: string): Promise<void> {
    return this.query({ text: 'select pg_notify($1, $2)', values: [channelName(channel), payload] }).then(() => undefined);
  }

  /**
   * Calls `onMessage` with each payload sent on `channel` (`notify`, this process's own too),
   * from the connection that listens for announcements. When that connection breaks it listens
   * again after a second; what was sent meanwhile is lost (no replay).
   */
  async listenOn(channel: string, onMessage: (payload: string) => void): Promise<Watching> {
    const name = channelName(channel);
    let set = this.channels.get(name);
    if (!set) this.channels.set(name, (set = new Set()));
    const own = (payload: string) => onMessage(payload);
    set.add(own);
    // LISTEN is idempotent; listen() issues it for every channel of the map on a new connection
    await this.listener?.query(`listen ${name}`);
    return {
      stop: () => {
        set.delete(own);
        if (set.size === 0 && this.channels.get(name) === set) {
          this.channels.delete(name);
          this.listener?.query(`unlisten ${name}`).catch(() => {});
        }
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
    await this.pool.end().catch(() => {});
  }

  /** Runs on the running `atomically`'s connection if there is one, else on any of the pool's. */
  private query<R>(q: pg.QueryConfig): Promise<pg.QueryResult<R & pg.QueryResultRow>> {
    if (this.batch) return this.batch.queue(q);
    const tx = this.tx;
    if (!tx) return this.pool.query<R & pg.QueryResultRow>(q);
    const p = tx.last.then(
      () => tx.client.query<R & pg.QueryResultRow>(q),
      () => tx.client.query<R & pg.QueryResultRow>(q),
    );
    p.catch(() => {}); // seen by atomically(), which rejects with the first failure
    tx.issued.push(p);
    tx.last = p;
    return p;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'mag-listen' });
    client.on('notification', (m) => (m.channel === CHANNEL ? this.received(m.payload) : this.heard(m.channel, m.payload ?? '')));
    client.on('error', (err) => {
      this.onError(err);
      this.relisten(client);
    });
    client.on('end', () => this.relisten(client));
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      for (const channel of this.channels.keys()) await client.query(`listen ${channel}`);
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    if (this.closed) await client.end().catch(() => {});
    else this.listener = client;
  }

  /** The listening connection broke: listen again. */
  private relisten(broken: pg.Client): void {
    if (this.closed || this.listener !== broken) return;
    this.listener = undefined;
    broken.end().catch(() => {});
    this.listenLater();
  }

  /** Listens again after a pause, then treats every watched topic as changed: announcements may have been missed meanwhile. */
  private listenLater(): void {
    const retry = setTimeout(async () => {
      if (this.closed) return;
      try {
        await this.listen();
      } catch (e) {
        this.onError(e as Error);
        this.listenLater();
        return;
      }
      for (const topic of this.watchers.keys()) this.changed(topic);
    }, RELISTEN_MS);
    retry.unref();
  }

  private received(payload: string | undefined): void {
    let m: { topic?: unknown; from?: unknown };
    try {
      m = JSON.parse(payload ?? '');
    } catch {
      return; // not one of ours
    }
    if (typeof m.topic !== 'string' || m.from === this.instance) return;
    this.changed(m.topic);
  }

  private heard(channel: string, payload: string): void {
    for (const onMessage of this.channels.get(channel) ?? []) {
      try {
        onMessage(payload);
      } catch (e) {
        this.onError(e as Error);
      }
    }
  }

  private changed(topic: string): void {
    this.versions.set(topic, this.version(topic) + 1);
    for (const onChange of this.watchers.get(topic) ?? []) {
      try {
        onChange();
      } catch (e) {
        this.onError(e as Error);
      }
    }
  }
}

/**
 * Statements queued to run together (PostgresState.writeBatch): `commit()` sends BEGIN, each in
 * the order queued, COMMIT, on one pooled connection. One failing rolls all back: `commit()`
 * rejects with its error and so does every statement's Promise (they are seen: no unhandled
 * rejection for a result nobody awaited). A batch commits once; nothing queued commits at once.
 */
export class WriteBatch {
  private readonly queued: { q: pg.QueryConfig; resolve: (r: pg.QueryResult<any>) => void; reject: (e: unknown) => void }[] = [];
  private committed = false;

  constructor(private readonly pool: pg.Pool) {}

  /** Statements queued. */
  get size(): number {
    return this.queued.length;
  }

  queue<R extends pg.QueryResultRow>(q: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    if (this.committed) return Promise.reject(new Error('a statement queued into a write batch already committed'));
    const p = new Promise<pg.QueryResult<R>>((resolve, reject) => this.queued.push({ q, resolve, reject }));
    p.catch(() => {}); // commit() rejects with the failure
    return p;
  }

  async commit(): Promise<void> {
    if (this.committed) throw new Error('a write batch commits once');
    this.committed = true;
    const queued = this.queued.splice(0);
    if (queued.length === 0) return;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      for (const s of queued) s.reject(e);
      throw e;
    }
    const results: pg.QueryResult<any>[] = [];
    try {
      await client.query('begin');
      for (const s of queued) results.push(await client.query(s.q));
      await client.query('commit');
    } catch (e) {
      await client.query('rollback').catch(() => {});
      for (const s of queued) s.reject(e);
      throw e;
    } finally {
      client.release();
    }
    // settled once committed: what reads a result (an alert's id, its `change` event) sees committed state
    for (let i = 0; i < queued.length; i++) queued[i].resolve(results[i]);
  }
}

/** `channel` if it can be written in LISTEN as it is (an unquoted identifier: it cannot be a parameter). */
function channelName(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`${channel} is not a channel name (lower-case letters, digits and _)`);
  return channel;
}

/** A query bound to whatever runs pg queries (the pool, or one transaction's connection). */
function prepareOn<A, R>(def: QueryDef<A, R>, query: (q: pg.QueryConfig) => Promise<pg.QueryResult<any>>): AnyStatement<A, R> {
  const run =
    def.kind === 'fixed'
      ? (() => {
          const plan = planFixed(def, 'postgres');
          return (a: A | undefined) => query({ name: def.name, text: plan.sql, values: plan.params(a ?? ({} as A)) });
        })()
      : (a: A | undefined) => {
          const c = compileQuery(def, 'postgres', a as A);
          return query({ text: c.sql, values: c.parameters });
        };
  return {
    run: (...a) => run(a[0]).then((r) => r.rowCount ?? 0),
    get: (...a) => run(a[0]).then((r) => r.rows[0] as R | undefined),
    all: (...a) => run(a[0]).then((r) => r.rows as R[]),
  };
}

/**
 * The database inside one `serially` transaction: its statements run on the transaction's
 * connection, in the order issued; announcements are delivered at its commit. What other
 * processes changed (`version`, `watch`) is the state's own.
 */
class PostgresTransaction implements StateExecutor {
  readonly dialect = 'postgres' as const;
  readonly open = true;

  constructor(
    private readonly state: PostgresState,
    private readonly client: pg.PoolClient,
  ) {}

  /** The last statement issued: the next is sent once it has answered, in the order issued. */
  private last: Promise<unknown> = Promise.resolve();

  private query(q: pg.QueryConfig): Promise<pg.QueryResult<any>> {
    const run = () => this.client.query(q);
    const p = this.last.then(run, run);
    this.last = p.catch(() => {});
    return p;
  }

  statements<Q extends Record<string, QueryDef<any, any>>>(defs: Q): AnyStatements<Q> {
    const query = (q: pg.QueryConfig) => this.query(q);
    return Object.fromEntries(Object.entries(defs).map(([k, def]) => [k, prepareOn(def, query)])) as AnyStatements<Q>;
  }

  /** Already in a transaction: `fn`'s statements are part of it. */
  async atomically<T extends readonly unknown[]>(fn: () => T): Promise<Settled<T>> {
    return (await Promise.all(fn())) as Settled<T>;
  }

  async serially<T>(fn: (tx: StateExecutor) => Awaitable<T>): Promise<T> {
    return fn(this);
  }

  async lock(name: string): Promise<void> {
    await this.query({ text: 'select pg_advisory_xact_lock(hashtext($1))', values: [name] });
  }

  async announce(topic: string): Promise<void> {
    await this.query({ text: 'select pg_notify($1, $2)', values: [CHANNEL, JSON.stringify({ topic, from: this.state.instanceId })] });
  }

  version(topic: string): number {
    return this.state.version(topic);
  }

  watch(topic: string, onChange: () => void): Watching {
    return this.state.watch(topic, onChange);
  }
}
