// Append-only audit log; each entry carries the hash of the previous one, so an edited or
// deleted row breaks the chain and `verifyChain` finds where.
// Runs on SQLite or PostgreSQL (executor.ts). Several writers (a cluster's nodes, the `mag` CLI
// beside the gateway) extend one chain: an append reads the chain's last hash and inserts after
// it in one transaction, under the lock `audit`, so no two entries follow the same one.
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { type Answer, type AnyStatements, type Awaitable, after, answer, isPending, type StateExecutor } from './executor.ts';
import type { AuditTable } from './schema.ts';
import { type Arg, query } from './sql.ts';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** An entry an append could not write (the state database was away): what the log keeps of it. */
export interface UnwrittenAuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export type AuditChainReport = { ok: true; entries: number } | { ok: false; entries: number; brokenAt: number; reason: string };

const GENESIS = '0'.repeat(64);

/** The lock the appends of every process take (executor.ts `lock`). */
const LOCK = 'audit';

/** Rows read at a time when walking the chain: memory stays bounded however long the log. */
const VERIFY_PAGE = 1000;

const noop = () => {};

const Q = {
  lastHash: query('audit.last-hash', (db) => db.selectFrom('audit').select('hash').orderBy('id', 'desc').limit(1)),
  insert: query('audit.insert', (db, arg: Arg<Omit<Selectable<AuditTable>, 'id'>>) =>
    db.insertInto('audit').values({
      at: arg('at'),
      actor: arg('actor'),
      action: arg('action'),
      target: arg('target'),
      details: arg('details'),
      prev_hash: arg('prev_hash'),
      hash: arg('hash'),
    }),
  ),
  page: query('audit.page', (db, arg: Arg<{ before: number; limit: number }>) =>
    db.selectFrom('audit').selectAll().where('id', '<', arg('before')).orderBy('id', 'desc').limit(arg('limit')),
  ),
  chainAfter: query('audit.chain-after', (db, arg: Arg<{ after: number; limit: number }>) =>
    db.selectFrom('audit').selectAll().where('id', '>', arg('after')).orderBy('id').limit(arg('limit')),
  ),
};

/** What an append runs inside its transaction. */
const APPEND = { lastHash: Q.lastHash, insert: Q.insert };

/** Inserts the entry after `prev` (the chain's end), returning its hash. */
function entryInserter(at: string, actor: string, action: string, target: string | null, details: string) {
  return (sql: AnyStatements<typeof APPEND>, prev: string): Awaitable<string> => {
    const hash = entryHash(prev, at, actor, action, target, details);
    return after(sql.insert.run({ at, actor, action, target, details, prev_hash: prev, hash }), () => hash);
  };
}

function entryHash(prev: string, at: string, actor: string, action: string, target: string | null, details: string): string {
  return createHash('sha256')
    .update(JSON.stringify([prev, at, actor, action, target, details]))
    .digest('hex');
}

/** The audit log on the state database `S` (SqliteState: answers at once; PostgresState: with Promises). */
export class AuditLog<S extends StateExecutor = StateExecutor> {
  /**
   * SQLite: the chain's last hash as this process last wrote or read it, and the database's
   * `version` then. While no other process committed since (the version has not moved), the
   * append takes it from here instead of reading it: what kept appends cheap before. Unused on
   * PostgreSQL, where other nodes append all the time.
   */
  private last: { hash: string; version: number } | undefined;
  /** PostgreSQL: this process's appends, one after another (one pooled connection waits on the lock, not one per append). */
  private appending: Promise<void> | undefined;
  private readonly sql: AnyStatements<typeof Q>;

  /**
   * `onError`: told of a failed append on PostgreSQL (its Promise rejects too), with the entry
   * that could not be written, so that an append nobody awaits (a refused MQTT connection's) is
   * not lost silently nor an unhandled rejection: the gateway logs the entry itself.
   */
  constructor(
    private readonly db: S,
    private readonly onError?: (err: Error, entry: UnwrittenAuditEntry) => void,
  ) {
    this.sql = db.statements(Q);
  }

  append(actor: string, action: string, target: string | null, details: Record<string, unknown>, now: Date): Answer<S, void> {
    const at = now.toISOString();
    const d = JSON.stringify(details);
    const insertAfter = entryInserter(at, actor, action, target, d);
    // the chain's end read and extended in one transaction, under the lock every writer takes
    const extend = () => this.db.serially((tx) => this.extendOn(tx, insertAfter));
    if (this.db.dialect === 'sqlite') {
      // this connection's own commits do not move the version: read before the write
      const version = this.db.version(LOCK);
      const last = this.last;
      const hash = (last && last.version === version ? insertAfter(this.sql, last.hash) : extend()) as string;
      this.last = { hash, version };
      return undefined as Answer<S, void>;
    }
    const appended = (this.appending ?? Promise.resolve()).then(extend).then(noop);
    const settled = appended.then(noop, noop);
    this.appending = settled;
    void settled.then(() => {
      if (this.appending === settled) this.appending = undefined;
    });
    const onError = this.onError;
    if (onError) appended.catch((e: Error) => onError(e, { at, actor, action, target, details }));
    return appended as Answer<S, void>;
  }

  /**
   * Appends inside the caller's transaction `tx` (one of `serially`): the entry is written with
   * the caller's writes or not at all, as a record of what they did must be (a discard of dead
   * letters deletes them and says so, or does neither). Errors are the caller's.
   */
  appendWithin(tx: StateExecutor, actor: string, action: string, target: string | null, details: Record<string, unknown>, now: Date): Awaitable<void> {
    // SQLite: the end of the chain remembered would not survive the caller's rollback (and this
    // connection's own commits do not move the version): the next append reads it again.
    this.last = undefined;
    return after(this.extendOn(tx, entryInserter(now.toISOString(), actor, action, target, JSON.stringify(details))), () => undefined);
  }

  /** Reads the chain's end on `tx`, under the lock every writer takes, and inserts after it. */
  private extendOn(tx: StateExecutor, insertAfter: (sql: AnyStatements<typeof APPEND>, prev: string) => Awaitable<string>): Awaitable<string> {
    const sql = tx === (this.db as StateExecutor) ? this.sql : tx.statements(APPEND);
    return after(tx.lock(LOCK), () => after(sql.lastHash.get(), (row) => insertAfter(sql, row?.hash ?? GENESIS)));
  }

  list(opts: { limit: number; before?: number }): Answer<S, AuditEntry[]> {
    return answer(this.db, () =>
      after(this.sql.page.all({ before: opts.before ?? Number.MAX_SAFE_INTEGER, limit: opts.limit }), (rows) =>
        rows.map((r) => ({
          id: r.id,
          at: r.at,
          actor: r.actor,
          action: r.action,
          target: r.target,
          details: JSON.parse(r.details),
          prevHash: r.prev_hash,
          hash: r.hash,
        })),
      ),
    );
  }

  /** Walks the whole chain, a page at a time; returns the first broken entry, or ok. */
  verifyChain(): Answer<S, AuditChainReport> {
    const walk = { prev: GENESIS, lastId: 0, n: 0 };
    /** The report once `rows` are checked, or undefined when the chain goes on past them. */
    const check = (rows: Selectable<AuditTable>[]): AuditChainReport | undefined => {
      for (const r of rows) {
        walk.n++;
        if (r.prev_hash !== walk.prev)
          return { ok: false, entries: walk.n, brokenAt: r.id, reason: 'previous hash does not match (a row was deleted or inserted)' };
        if (entryHash(walk.prev, r.at, r.actor, r.action, r.target, r.details) !== r.hash)
          return { ok: false, entries: walk.n, brokenAt: r.id, reason: 'content does not match its hash (the row was edited)' };
        walk.prev = r.hash;
        walk.lastId = r.id;
      }
      return rows.length < VERIFY_PAGE ? { ok: true, entries: walk.n } : undefined;
    };
    // A loop, not recursion, while the pages come synchronously (SQLite): a long log must not
    // deepen the stack. On PostgreSQL each page continues when it arrives.
    const from = (): Awaitable<AuditChainReport> => {
      for (;;) {
        const rows = this.sql.chainAfter.all({ after: walk.lastId, limit: VERIFY_PAGE });
        if (isPending(rows)) return rows.then((r) => check(r) ?? from());
        const report = check(rows);
        if (report) return report;
      }
    };
    return answer(this.db, from);
  }
}

/** Walks the whole audit chain of a state database (the `mag audit verify` command). */
export function verifyAuditChain<S extends StateExecutor>(db: S): Answer<S, AuditChainReport> {
  return new AuditLog(db).verifyChain();
}
