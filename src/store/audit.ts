// Append-only audit log; each entry carries the hash of the previous one, so an edited or
// deleted row breaks the chain and `verifyChain` finds where.
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { AuditTable } from './schema.ts';
import { query, type Arg, type Statements } from './sql.ts';

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

export type AuditChainReport = { ok: true; entries: number } | { ok: false; entries: number; brokenAt: number; reason: string };

const GENESIS = '0'.repeat(64);

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
  chain: query('audit.chain', (db) => db.selectFrom('audit').selectAll().orderBy('id')),
};

function entryHash(prev: string, at: string, actor: string, action: string, target: string | null, details: string): string {
  return createHash('sha256')
    .update(JSON.stringify([prev, at, actor, action, target, details]))
    .digest('hex');
}

export class AuditLog {
  private last: string;
  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
    this.last = this.sql.lastHash.get()?.hash ?? GENESIS;
  }

  append(actor: string, action: string, target: string | null, details: Record<string, unknown>, now: Date): void {
    const at = now.toISOString();
    const d = JSON.stringify(details);
    const hash = entryHash(this.last, at, actor, action, target, d);
    this.sql.insert.run({ at, actor, action, target, details: d, prev_hash: this.last, hash });
    this.last = hash;
  }

  list(opts: { limit: number; before?: number }): AuditEntry[] {
    return this.sql.page.all({ before: opts.before ?? Number.MAX_SAFE_INTEGER, limit: opts.limit }).map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      details: JSON.parse(r.details),
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /** Walks the whole chain; returns the first broken entry, or ok. */
  verifyChain(): AuditChainReport {
    let prev = GENESIS;
    let n = 0;
    for (const r of this.sql.chain.iterate()) {
      n++;
      if (r.prev_hash !== prev) return { ok: false, entries: n, brokenAt: r.id, reason: 'previous hash does not match (a row was deleted or inserted)' };
      if (entryHash(prev, r.at, r.actor, r.action, r.target, r.details) !== r.hash)
        return { ok: false, entries: n, brokenAt: r.id, reason: 'content does not match its hash (the row was edited)' };
      prev = r.hash;
    }
    return { ok: true, entries: n };
  }
}

/** Walks the whole audit chain of a state database (the `mag audit verify` command). */
export function verifyAuditChain(db: Db): AuditChainReport {
  return new AuditLog(db).verifyChain();
}
