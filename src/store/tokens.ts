// API tokens: `mag_<id>_<secret>`; only a salted hash of the secret is stored.
import { randomBytes } from 'node:crypto';
import type { Db } from './db.ts';
import { query, type Arg, type Statements } from './sql.ts';
import type { TokensTable } from './schema.ts';
import type { Insertable } from 'kysely';
import { fingerprint, hashSecret, newSecret, verifySecret } from './secrets.ts';

export type Role = 'admin' | 'operator' | 'inspector';

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  tenant?: string;
  regions?: string[];
}

const Q = {
  insert: query('tokens.insert', (db, arg: Arg<Required<Omit<Insertable<TokensTable>, 'revoked_at'>>>) =>
    db.insertInto('tokens').values({
      id: arg('id'),
      name: arg('name'),
      role: arg('role'),
      tenant: arg('tenant'),
      regions: arg('regions'),
      hash: arg('hash'),
      created_at: arg('created_at'),
      created_by: arg('created_by'),
    }),
  ),
  revoke: query('tokens.revoke', (db, arg: Arg<{ id: string; at: string }>) =>
    db
      .updateTable('tokens')
      .set({ revoked_at: arg('at') })
      .where('id', '=', arg('id'))
      .where('revoked_at', 'is', null),
  ),
  all: query('tokens.all', (db) => db.selectFrom('tokens').selectAll().orderBy('created_at')),
  byId: query('tokens.by-id', (db, arg: Arg<{ id: string }>) => db.selectFrom('tokens').selectAll().where('id', '=', arg('id'))),
};

export const BOOTSTRAP_TOKEN_ID = 'bootstrap';

export class Tokens {
  private cache = new Map<string, Principal>(); // fingerprint → principal
  private bootstrap?: string;

  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
  }

  /** MAG_ADMIN_TOKEN: accepted as an admin without being stored. */
  setBootstrapAdmin(token: string | undefined): void {
    this.bootstrap = token ? fingerprint(token) : undefined;
  }

  create(p: { name: string; role: Role; tenant?: string; regions?: string[] }, createdBy: string, now: Date): { token: string; principal: Principal } {
    const id = randomBytes(6).toString('hex');
    const secret = newSecret(24);
    this.sql.insert.run({
      id,
      name: p.name,
      role: p.role,
      tenant: p.tenant ?? null,
      regions: p.regions ? JSON.stringify(p.regions) : null,
      hash: hashSecret(secret),
      created_at: now.toISOString(),
      created_by: createdBy,
    });
    return { token: `mag_${id}_${secret}`, principal: { tokenId: id, name: p.name, role: p.role, tenant: p.tenant, regions: p.regions } };
  }

  revoke(id: string, now: Date): boolean {
    const changed = this.sql.revoke.run({ id, at: now.toISOString() });
    for (const [fp, p] of this.cache) if (p.tokenId === id) this.cache.delete(fp);
    return changed > 0;
  }

  list(): (Principal & { createdAt: string; revokedAt?: string })[] {
    return this.sql.all.all().map((r) => ({
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
    const row = this.sql.byId.get({ id: m[1] });
    if (!row || row.revoked_at || !verifySecret(m[2], row.hash)) return undefined;
    const p: Principal = {
      tokenId: row.id,
      name: row.name,
      role: row.role,
      tenant: row.tenant ?? undefined,
      regions: row.regions ? JSON.parse(row.regions) : undefined,
    };
    this.cache.set(fp, p);
    return p;
  }
}
