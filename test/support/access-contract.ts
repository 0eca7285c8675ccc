// What the API tokens and the audit log promise on either state database (src/store/tokens.ts,
// src/store/audit.ts), run on SQLite (src/store/access.test.ts) and on a real PostgreSQL 15
// (test/integration/access-postgres.test.ts). Two stores opened on the same database stand for
// two processes: two nodes of a cluster, or the `mag` CLI beside the gateway on one SQLite file.
import { randomBytes, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifySecret } from '../../src/store/secrets.ts';
import { query, type Arg } from '../../src/store/sql.ts';
import { Tokens } from '../../src/store/tokens.ts';
import { AuditLog } from '../../src/store/audit.ts';
import type { StateExecutor } from '../../src/store/executor.ts';

export interface AccessTarget {
  /** Another connection to the same state database (a process of its own, as far as the stores can tell). */
  open(): Promise<StateExecutor>;
  /** Runs SQL on the database behind the stores' back (an intruder editing the audit table). */
  execute(sql: string): Promise<void>;
  /** Closes what `open` opened and removes the database. */
  close(): Promise<void>;
  /** The longest a token revoked by one process may still be accepted by another. */
  revokedEverywhereWithinMs: number;
}

const NOW = new Date('2026-03-01T08:00:00.000Z');

/** `mag_<id>_<secret>`: the secret is base64url, which may itself hold `_` (split('_') would cut it). */
function tokenParts(token: string): { id: string; secret: string } {
  const m = /^mag_([0-9a-f]{12})_(.+)$/.exec(token);
  if (!m) throw new Error(`not a token: ${token}`);
  return { id: m[1], secret: m[2] };
}

export function accessContract(name: string, setup: () => Promise<AccessTarget>): void {
  describe(`tokens and audit log on ${name}`, () => {
    let target: AccessTarget;
    let dbA: StateExecutor;
    let dbB: StateExecutor;

    beforeAll(async () => {
      target = await setup();
      dbA = await target.open();
      dbB = await target.open();
    }, 120_000);

    afterAll(async () => {
      await target?.close();
    });

    describe('tokens', () => {
      let a: Tokens;
      let b: Tokens;
      beforeAll(() => {
        a = new Tokens(dbA);
        b = new Tokens(dbB);
      });
      afterAll(() => {
        a?.close();
        b?.close();
      });

      it('a token made by one process authenticates on another, with its role and scope, and is listed there without its secret', async () => {
        const { token, principal } = await a.create({ name: 'north operator', role: 'operator', tenant: 'north' }, 'admin:root', NOW);
        expect(token).toMatch(/^mag_[0-9a-f]{12}_/);
        expect(await b.authenticate(token)).toEqual({ tokenId: principal.tokenId, name: 'north operator', role: 'operator', tenant: 'north' });
        const listed = (await b.list()).find((t) => t.tokenId === principal.tokenId);
        expect(listed).toMatchObject({ name: 'north operator', role: 'operator', tenant: 'north', createdAt: NOW.toISOString() });
        expect(JSON.stringify(listed)).not.toContain(tokenParts(token).secret);
      });

      it('refuses a wrong secret, a malformed token and an unknown id', async () => {
        const { token } = await a.create({ name: 'inspector', role: 'inspector', regions: ['VN-HN'] }, 'admin:root', NOW);
        const { id, secret } = tokenParts(token);
        expect(await b.authenticate(`mag_${id}_${secret.slice(0, -2)}xx`)).toBeUndefined();
        expect(await b.authenticate('not-a-token')).toBeUndefined();
        expect(await b.authenticate(`mag_${'0'.repeat(12)}_${secret}`)).toBeUndefined();
        expect(await b.authenticate(token)).toMatchObject({ role: 'inspector', regions: ['VN-HN'] });
      });

      it('a token revoked by one process is refused there at once and by another (which had it cached) soon after', async () => {
        const { token, principal } = await a.create({ name: 'to revoke', role: 'admin' }, 'admin:root', NOW);
        expect(await a.authenticate(token)).toBeDefined();
        expect(await b.authenticate(token)).toBeDefined(); // cached by b now
        const revokedAt = Date.now();
        expect(await a.revoke(principal.tokenId, NOW)).toBe(true);
        expect(await a.authenticate(token)).toBeUndefined();
        await vi.waitFor(async () => expect(await b.authenticate(token)).toBeUndefined(), { timeout: target.revokedEverywhereWithinMs, interval: 10 });
        expect(Date.now() - revokedAt).toBeLessThan(target.revokedEverywhereWithinMs);
        expect((await b.list()).find((t) => t.tokenId === principal.tokenId)?.revokedAt).toBe(NOW.toISOString());
        expect(await b.revoke(principal.tokenId, NOW)).toBe(false); // already revoked
      });

      it('a token hashed by an earlier version (scrypt) still authenticates, and its hash is replaced by a fast one of the same secret', async () => {
        const { token, principal } = await a.create({ name: 'old console', role: 'inspector', regions: ['VN-HN'] }, 'admin:root', NOW);
        const { secret } = tokenParts(token);
        const salt = randomBytes(16);
        const legacy = `scrypt$4096$${salt.toString('base64url')}$${scryptSync(secret, salt, 32, { N: 4096, r: 8, p: 1 }).toString('base64url')}`;
        await target.execute(`UPDATE tokens SET hash = '${legacy}' WHERE id = '${principal.tokenId}'`);
        const stored = dbA.statements({
          hash: query('test.token-hash', (db, arg: Arg<{ id: string }>) => db.selectFrom('tokens').select('hash').where('id', '=', arg('id'))),
        });
        const hashOf = async () => ((await stored.hash.get({ id: principal.tokenId })) as { hash: string }).hash;
        // processes that have not cached it (restarted): a wrong secret is refused and changes nothing
        const c = new Tokens(dbA);
        const d = new Tokens(dbB);
        expect(await c.authenticate(`mag_${principal.tokenId}_${secret.slice(0, -2)}xx`)).toBeUndefined();
        expect(await hashOf()).toBe(legacy);
        expect(await c.authenticate(token)).toMatchObject({ tokenId: principal.tokenId, role: 'inspector', regions: ['VN-HN'] });
        const upgraded = await hashOf();
        expect(upgraded).toMatch(/^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
        expect(verifySecret(secret, upgraded)).toBe(true);
        expect(verifySecret(`${secret}x`, upgraded)).toBe(false);
        // another process checks it against the new hash; the wrong secret still fails there
        expect(await d.authenticate(token)).toMatchObject({ tokenId: principal.tokenId, role: 'inspector' });
        expect(await d.authenticate(`mag_${principal.tokenId}_${secret.slice(0, -2)}xx`)).toBeUndefined();
        c.close();
        d.close();
      });

      it('the bootstrap admin token authenticates without being stored', async () => {
        const c = new Tokens(dbA);
        c.setBootstrapAdmin('bootstrap-admin-token-0123456789');
        expect(await c.authenticate('bootstrap-admin-token-0123456789')).toMatchObject({ tokenId: 'bootstrap', role: 'admin' });
        expect((await c.list()).some((t) => t.tokenId === 'bootstrap')).toBe(false);
        c.close();
      });
    });

    describe('audit log', () => {
      it('two processes appending at the same time make one unbroken chain, each entry after the one before', async () => {
        const a = new AuditLog(dbA);
        const b = new AuditLog(dbB);
        const appends: unknown[] = [];
        for (let i = 0; i < 50; i++) {
          appends.push(a.append('admin:a', 'device.create', `a-${i}`, { i }, NOW));
          appends.push(b.append('admin:b', 'device.create', `b-${i}`, { i }, NOW));
        }
        await Promise.all(appends);
        expect(await a.verifyChain()).toEqual({ ok: true, entries: 100 });
        expect(await b.verifyChain()).toEqual({ ok: true, entries: 100 });
        const entries = (await b.list({ limit: 200 })).reverse();
        expect(entries).toHaveLength(100);
        for (let i = 1; i < entries.length; i++) expect(entries[i].prevHash).toBe(entries[i - 1].hash);
        // each process's own entries in the order it appended them
        const order = (prefix: string) => entries.filter((e) => e.target?.startsWith(prefix)).map((e) => e.details.i);
        expect(order('a-')).toEqual([...Array(50).keys()]);
        expect(order('b-')).toEqual([...Array(50).keys()]);
      });

      it("a process appending after another did continues the other's chain (the CLI beside the gateway)", async () => {
        const a = new AuditLog(dbA);
        const b = new AuditLog(dbB);
        await a.append('cli', 'token.create', 'x', {}, NOW);
        await b.append('admin:b', 'tenant.create', 'y', {}, NOW);
        await a.append('cli', 'tenant.create', 'z', {}, NOW);
        expect(await b.verifyChain()).toEqual({ ok: true, entries: 103 });
      });

      it('pages back through the log, newest first', async () => {
        const log = new AuditLog(dbA);
        const newest = await log.list({ limit: 2 });
        expect(newest.map((e) => e.target)).toEqual(['z', 'y']);
        const older = (await log.list({ limit: 2, before: newest[1].id })).map((e) => e.target);
        expect(older[0]).toBe('x');
        expect(older[1]).toMatch(/^[ab]-49$/); // the last of the concurrent appends, whichever process made it
      });

      it("verification walks past its first page and finds an entry edited behind the stores' back", async () => {
        const log = new AuditLog(dbA);
        const appends: unknown[] = [];
        for (let i = 0; i < 1000; i++) appends.push(log.append('system', 'alert.open', `al-${i}`, { i }, NOW));
        await Promise.all(appends);
        expect(await log.verifyChain()).toEqual({ ok: true, entries: 1103 });
        await target.execute(`update audit set details = '{"i":-1}' where target = 'al-990'`);
        const report = await new AuditLog(dbB).verifyChain();
        expect(report).toMatchObject({ ok: false, entries: 1094, reason: 'content does not match its hash (the row was edited)' });
      }, 60_000);
    });
  });
}
