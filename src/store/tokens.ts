// API tokens: `mag_<id>_<secret>`; only a salted hash of the secret is stored.
// Runs on SQLite or PostgreSQL (executor.ts). Each process caches the principals of tokens it
// has verified (a token of an earlier version has a scrypt hash, too slow to check per request,
// replaced at its first check); a change of the tokens (created, revoked) is announced as
// `tokens` and every other process drops its cache when the announcement arrives, so a token
// revoked on one node is refused by all of them at once.
import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import { after, answer, type AnyStatements, type Answer, type Awaitable, isPending, type StateExecutor, type Watching } from './executor.ts';
import { query, type Arg } from './sql.ts';
import type { TokensTable } from './schema.ts';
import { fingerprint, hashSecret, isLegacyHash, newSecret, verifySecret } from './secrets.ts';

export type Role = 'admin' | 'operator' | 'inspector';

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  tenant?: string;
  regions?: string[];
}

/** What a change of the tokens is announced under (executor.ts `announce` / `watch`). */
const TOPIC = 'tokens';

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
  /** A legacy hash replaced by a new one of the same secret, unless it changed meanwhile. */
  upgradeHash: query('tokens.upgrade-hash', (db, arg: Arg<{ id: string; from: string; to: string }>) =>
    db
      .updateTable('tokens')
      .set({ hash: arg('to') })
      .where('id', '=', arg('id'))
      .where('hash', '=', arg('from')),
  ),
};

export const BOOTSTRAP_TOKEN_ID = 'bootstrap';

/** The tokens on the state database `S` (SqliteState: answers at once; PostgresState: with Promises). */
export class Tokens<S extends StateExecutor = StateExecutor> {
  private cache = new Map<string, Principal>(); // fingerprint → principal
  /**
   * Moves each time cached principals are dropped: a lookup begun before (its row read before a
   * revocation) must not put its principal back into the cache.
   */
  private generation = 0;
  private bootstrap?: string;

  private readonly sql: AnyStatements<typeof Q>;
  private readonly watching: Watching;

  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
    // PostgreSQL: as another node's announcement arrives, and after the listening connection
    // was lost (announcements may have been missed). SQLite: when another process (the `mag`
    // CLI) committed to the file.
    this.watching = db.watch(TOPIC, () => this.forgetAll());
  }

  /** Stops following the other processes' changes. */
  close(): void {
    this.watching.stop();
  }

  /** MAG_ADMIN_TOKEN: accepted as an admin without being stored. */
  setBootstrapAdmin(token: string | undefined): void {
    this.bootstrap = token ? fingerprint(token) : undefined;
  }

  create(
    p: { name: string; role: Role; tenant?: string; regions?: string[] },
    createdBy: string,
    now: Date,
  ): Answer<S, { token: string; principal: Principal }> {
    const id = randomBytes(6).toString('hex');
    const secret = newSecret(24);
    const row = {
      id,
      name: p.name,
      role: p.role,
      tenant: p.tenant ?? null,
      regions: p.regions ? JSON.stringify(p.regions) : null,
      hash: hashSecret(secret),
      created_at: now.toISOString(),
      created_by: createdBy,
    };
    return answer(this.db, () =>
      after(
        this.db.atomically(() => [this.sql.insert.run(row), this.db.announce(TOPIC)] as const),
        () => ({
          token: `mag_${id}_${secret}`,
          principal: { tokenId: id, name: p.name, role: p.role, tenant: p.tenant, regions: p.regions },
        }),
      ),
    );
  }

  /** Revokes the token here and, by its announcement, on every other node; false when there is no such unrevoked token. */
  revoke(id: string, now: Date): Answer<S, boolean> {
    return answer(this.db, () =>
      after(
        this.db.atomically(() => [this.sql.revoke.run({ id, at: now.toISOString() }), this.db.announce(TOPIC)] as const),
        ([changed]) => {
          this.forget(id);
          return changed > 0;
        },
      ),
    );
  }

  list(): Answer<S, (Principal & { createdAt: string; revokedAt?: string })[]> {
    return answer(this.db, () =>
      after(this.sql.all.all(), (rows) =>
        rows.map((r) => ({
          tokenId: r.id,
          name: r.name,
          role: r.role,
          tenant: r.tenant ?? undefined,
          regions: r.regions ? JSON.parse(r.regions) : undefined,
          createdAt: r.created_at,
          revokedAt: r.revoked_at ?? undefined,
        })),
      ),
    );
  }

  /** The principal of a presented token, or undefined. Constant-time comparisons. */
  authenticate(token: string): Answer<S, Principal | undefined> {
    return answer(this.db, () => {
      const fp = fingerprint(token);
      if (this.bootstrap && fp === this.bootstrap) return { tokenId: BOOTSTRAP_TOKEN_ID, name: 'MAG_ADMIN_TOKEN', role: 'admin' as const };
      const cached = this.cache.get(fp);
      if (cached) return cached;
      const m = /^mag_([0-9a-f]{12})_([A-Za-z0-9_-]{16,})$/.exec(token);
      if (!m) return undefined;
      const generation = this.generation;
      return after(this.sql.byId.get({ id: m[1] }), (row) => {
        if (!row || row.revoked_at || !verifySecret(m[2], row.hash)) return undefined;
        const p: Principal = {
          tokenId: row.id,
          name: row.name,
          role: row.role,
          tenant: row.tenant ?? undefined,
          regions: row.regions ? JSON.parse(row.regions) : undefined,
        };
        if (generation === this.generation) this.cache.set(fp, p);
        return isLegacyHash(row.hash) ? after(this.upgradeHash(row.id, m[2], row.hash), () => p) : p;
      });
    });
  }

  /**
   * Replaces a token's scrypt hash (an earlier version's) by a fast one of the same secret, as
   * Registry.verifyDeviceSecret does for devices (secrets.ts says why): a process that has not
   * cached the token yet (after a restart, on another node) checks it in microseconds, not ~10 ms
   * of its event loop. Another process holding the old hash still verifies the same secret with
   * it. A failed write only leaves the old hash, still valid: tried again at the next check.
   */
  private upgradeHash(id: string, secret: string, legacy: string): Awaitable<void> {
    const ignored = () => undefined;
    try {
      const changed = this.sql.upgradeHash.run({ id, from: legacy, to: hashSecret(secret) });
      return isPending(changed) ? changed.then(ignored, ignored) : undefined;
    } catch {
      return undefined;
    }
  }

  private forget(tokenId: string): void {
    this.generation++;
    for (const [fp, p] of this.cache) if (p.tokenId === tokenId) this.cache.delete(fp);
  }

  private forgetAll(): void {
    this.generation++;
    this.cache.clear();
  }
}
