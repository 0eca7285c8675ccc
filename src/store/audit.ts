// Append-only audit log; each entry carries the hash of the previous one, so an edited or
// deleted row breaks the chain and `verifyAuditChain` finds where.
import { createHash } from 'node:crypto';
import type { Db } from './db.ts';

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

const GENESIS = '0'.repeat(64);

function entryHash(prev: string, at: string, actor: string, action: string, target: string | null, details: string): string {
  return createHash('sha256').update(JSON.stringify([prev, at, actor, action, target, details])).digest('hex');
}

export class AuditLog {
  private last: string;
  constructor(private readonly db: Db) {
    const row = db.prepare('SELECT hash FROM audit ORDER BY id DESC LIMIT 1').get() as { hash: string } | undefined;
    this.last = row?.hash ?? GENESIS;
  }

  append(actor: string, action: string, target: string | null, details: Record<string, unknown>, now: Date): void {
    const at = now.toISOString();
    const d = JSON.stringify(details);
    const hash = entryHash(this.last, at, actor, action, target, d);
    this.db.prepare('INSERT INTO audit (at, actor, action, target, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)').run(at, actor, action, target, d, this.last, hash);
    this.last = hash;
  }

  list(opts: { limit: number; before?: number; tenantTargets?: (target: string | null) => boolean }): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit) as {
      id: number;
      at: string;
      actor: string;
      action: string;
      target: string | null;
      details: string;
      prev_hash: string;
      hash: string;
    }[];
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, target: r.target, details: JSON.parse(r.details), prevHash: r.prev_hash, hash: r.hash }));
  }
}

/** Walks the whole chain; returns the first broken entry, or ok. */
export function verifyAuditChain(db: Db): { ok: true; entries: number } | { ok: false; entries: number; brokenAt: number; reason: string } {
  let prev = GENESIS;
  let n = 0;
  for (const r of db.prepare('SELECT * FROM audit ORDER BY id').iterate() as Iterable<{
    id: number;
    at: string;
    actor: string;
    action: string;
    target: string | null;
    details: string;
    prev_hash: string;
    hash: string;
  }>) {
    n++;
    if (r.prev_hash !== prev) return { ok: false, entries: n, brokenAt: r.id, reason: 'previous hash does not match (a row was deleted or inserted)' };
    if (entryHash(prev, r.at, r.actor, r.action, r.target, r.details) !== r.hash) return { ok: false, entries: n, brokenAt: r.id, reason: 'content does not match its hash (the row was edited)' };
    prev = r.hash;
  }
  return { ok: true, entries: n };
}
