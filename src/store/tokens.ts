// API tokens: `mag_<id>_<secret>`; only a salted hash of the secret is stored.
import { randomBytes } from 'node:crypto';
import type { Db } from './db.ts';
import { fingerprint, hashSecret, newSecret, verifySecret } from './secrets.ts';

export type Role = 'admin' | 'operator' | 'inspector';

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  tenant?: string;
  regions?: string[];
}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  tenant: string | null;
  regions: string | null;
  hash: string;
  revoked_at: string | null;
}

export const BOOTSTRAP_TOKEN_ID = 'bootstrap';

export class Tokens {
  private cache = new Map<string, Principal>(); // fingerprint → principal
  private bootstrap?: string;

  constructor(private readonly db: Db) {}

  /** MAG_ADMIN_TOKEN: accepted as an admin without being stored. */
  setBootstrapAdmin(token: string | undefined): void {
    this.bootstrap = token ? fingerprint(token) : undefined;
  }

  create(p: { name: string; role: Role; tenant?: string; regions?: string[] }, createdBy: string, now: Date): { token: string; principal: Principal } {
    const id = randomBytes(6).toString('hex');
    const secret = newSecret(24);
    this.db
      .prepare('INSERT INTO tokens (id, name, role, tenant, regions, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, p.name, p.role, p.tenant ?? null, p.regions ? JSON.stringify(p.regions) : null, hashSecret(secret), now.toISOString(), createdBy);
    return { token: `mag_${id}_${secret}`, principal: { tokenId: id, name: p.name, role: p.role, tenant: p.tenant, regions: p.regions } };
  }

  revoke(id: string, now: Date): boolean {
    const info = this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now.toISOString(), id);
    for (const [fp, p] of this.cache) if (p.tokenId === id) this.cache.delete(fp);
    return info.changes > 0;
  }

  list(): (Principal & { createdAt: string; revokedAt?: string })[] {
    return (this.db.prepare('SELECT * FROM tokens ORDER BY created_at').all() as (TokenRow & { created_at: string })[]).map((r) => ({
      tokenId: r.id,
      name: r.name,
      role: r.role,
      tenant: r.tenant ?? undefined,
      regions: r.regions ? JSON.parse(r.regions) : undefined,
      createdAt: r.created_at,
      revokedAt: r.revoked_at ?? undefined,
    }));
  }

  /** The principal of a presented token, or undefined. Constant-time comparisons. */
  authenticate(token: string): Principal | undefined {
    const fp = fingerprint(token);
    if (this.bootstrap && fp === this.bootstrap) return { tokenId: BOOTSTRAP_TOKEN_ID, name: 'MAG_ADMIN_TOKEN', role: 'admin' };
    const cached = this.cache.get(fp);
    if (cached) return cached;
    const m = /^mag_([0-9a-f]{12})_([A-Za-z0-9_-]{16,})$/.exec(token);
    if (!m) return undefined;
    const row = this.db.prepare('SELECT * FROM tokens WHERE id = ?').get(m[1]) as TokenRow | undefined;
    if (!row || row.revoked_at || !verifySecret(m[2], row.hash)) return undefined;
    const p: Principal = { tokenId: row.id, name: row.name, role: row.role, tenant: row.tenant ?? undefined, regions: row.regions ? JSON.parse(row.regions) : undefined };
    this.cache.set(fp, p);
    return p;
  }
}
