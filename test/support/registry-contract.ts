// What the registry store promises on either state database (src/store/registry.ts), as one
// suite run on SQLite (src/store/registry.test.ts) and on a real PostgreSQL 15
// (test/integration/registry-postgres.test.ts). Two registries opened on the same database
// stand for two processes: the `mag` CLI and the gateway on one SQLite file, or two nodes of a
// cluster on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes, scryptSync } from 'node:crypto';
import { ConflictError, Registry } from '../../src/store/registry.ts';
import { newSecret, verifySecret } from '../../src/store/secrets.ts';
import { StandardStore, type StoredStandardCertificate } from '../../src/store/standards.ts';
import { query, type Arg } from '../../src/store/sql.ts';
import type { StateExecutor } from '../../src/store/executor.ts';
import type { Certificate } from '../../src/metrology/types.ts';

export interface RegistryTarget {
  /** Another connection to the same state database (a process of its own, as far as the registry can tell). */
  open(): Promise<StateExecutor>;
  /** Closes what `open` opened and removes the database. */
  close(): Promise<void>;
  /** The longest a change of one process takes to reach a following registry of another. */
  followWithinMs: number;
}

const NOW = new Date('2026-03-01T08:00:00.000Z');

/**
 * Has `r` catch up with the other processes until `expectation` holds: at once on SQLite (its
 * data_version has moved when the other's write returned); on PostgreSQL once the NOTIFY came.
 */
async function caughtUp(r: Registry, expectation: () => void | Promise<void>): Promise<void> {
  await vi.waitFor(
    async () => {
      await r.catchUp();
      await expectation();
    },
    { timeout: 5000, interval: 20 },
  );
}

/** Registers the contract for the target `setup` gives (called in beforeAll). */
export function registryContract(name: string, setup: () => Promise<RegistryTarget>): void {
  describe(`registry on ${name}`, () => {
    let target: RegistryTarget;
    let a: Registry;
    let b: Registry;

    beforeAll(async () => {
      target = await setup();
      a = await Registry.open(await target.open());
      b = await Registry.open(await target.open());
    }, 120_000);

    afterAll(async () => {
      await target?.close();
    });

    it('keeps tenants, devices and certificates, and another process finds them all, numbers as numbers', async () => {
      await a.createTenant({ id: 'acme', name: 'Acme Fuel', region: 'VN-HN', timeZone: 'Asia/Ho_Chi_Minh' }, NOW);
      const { device, secret } = await a.createDevice(
        { id: 'gd-1', tenant: 'acme', type: 'gas-detector', serial: 'SN-1', site: 'Depot 3', expectedIntervalSeconds: 60 },
        NOW,
      );
      expect(device).toMatchObject({ id: 'gd-1', tenant: 'acme', site: 'Depot 3', createdAt: NOW.toISOString() });
      const first = await a.addCertificate(
        'gd-1',
        {
          kind: 'calibration',
          number: 'C-1',
          issuedBy: 'QUATEST 1',
          issuedAt: '2026-01-05',
          validUntil: '2027-01-05',
          correction: { offset: -0.25 },
          uncertainty: 0.4,
        },
        'admin:ops',
        NOW,
      );
      const second = await a.addCertificate(
        'gd-1',
        { kind: 'verification', number: 'V-1', issuedBy: 'QUATEST 1', issuedAt: '2026-01-06', validUntil: '2027-01-06' },
        'admin:ops',
        NOW,
      );
      // row ids from the database, as numbers, the later one larger
      expect(typeof first.id).toBe('number');
      expect(second.id).toBeGreaterThan(first.id);

      await caughtUp(b, () => expect(b.device('gd-1')).toBeDefined());
      expect(b.tenant('acme')).toEqual({ id: 'acme', name: 'Acme Fuel', region: 'VN-HN', timeZone: 'Asia/Ho_Chi_Minh', createdAt: NOW.toISOString() });
      expect(b.device('gd-1')).toEqual({
        id: 'gd-1',
        tenant: 'acme',
        type: 'gas-detector',
        serial: 'SN-1',
        site: 'Depot 3',
        expectedIntervalSeconds: 60,
        createdAt: NOW.toISOString(),
      });
      // dates stored as a date alone (as the API stored them before it read them in the enterprise's
      // zone) are read so: issued from the day's start in Asia/Ho_Chi_Minh, valid through its end
      expect(b.certificatesOf('gd-1')).toEqual([
        {
          id: first.id,
          device: 'gd-1',
          kind: 'calibration',
          number: 'C-1',
          issuedBy: 'QUATEST 1',
          issuedAt: '2026-01-05T00:00:00.000+07:00',
          validUntil: '2027-01-05T16:59:59.999Z',
          correction: { offset: -0.25 },
          uncertainty: 0.4,
          createdAt: NOW.toISOString(),
        },
        {
          id: second.id,
          device: 'gd-1',
          kind: 'verification',
          number: 'V-1',
          issuedBy: 'QUATEST 1',
          issuedAt: '2026-01-06T00:00:00.000+07:00',
          validUntil: '2027-01-06T16:59:59.999Z',
          createdAt: NOW.toISOString(),
        },
      ]);
      expect(await b.verifyDeviceSecret('gd-1', secret)).toBe(true);
      expect(await b.verifyDeviceSecret('gd-1', `${secret}x`)).toBe(false);
    });

    it('refuses a second tenant or device with the same id, also when the other process registered it and this one has not reloaded yet', async () => {
      await expect(async () => a.createTenant({ id: 'acme', name: 'Again', region: 'VN-HN' }, NOW)).rejects.toThrow(ConflictError);
      await expect(async () => a.createDevice({ id: 'gd-1', tenant: 'acme', type: 'gas-detector', serial: 'SN-2' }, NOW)).rejects.toThrow(ConflictError);
      await expect(async () => a.createDevice({ id: 'gd-9', tenant: 'nobody', type: 'gas-detector', serial: 'SN-9' }, NOW)).rejects.toThrow(
        /tenant nobody does not exist/,
      );

      await a.createDevice({ id: 'gd-2', tenant: 'acme', type: 'gas-detector', serial: 'SN-2' }, NOW);
      const other = await Registry.open(await target.open()); // a third process, loaded now
      await other.createDevice({ id: 'gd-3', tenant: 'acme', type: 'gas-detector', serial: 'SN-3' }, NOW);
      // b has not reloaded: its cache does not know gd-2 nor gd-3, the database refuses them
      await expect(async () => b.createDevice({ id: 'gd-3', tenant: 'acme', type: 'gas-detector', serial: 'SN-3b' }, NOW)).rejects.toThrow(ConflictError);
      await caughtUp(b, () => expect(b.listDevices().map((d) => d.id)).toEqual(['gd-1', 'gd-2', 'gd-3']));
      expect(b.device('gd-3')?.serial).toBe('SN-3');
    });

    it("a device's site and use changed (a move, its placement kept) reach the other process; a change made on a stale record is refused", async () => {
      await a.createDevice({ id: 'sc-1', tenant: 'acme', type: 'scale', serial: 'SC-1', e: 0.02, max: 60, site: 'Chợ Long Biên' }, NOW);
      await caughtUp(b, () => expect(b.device('sc-1')?.site).toBe('Chợ Long Biên'));
      const moved = await a.updateDevice('sc-1', { site: 'Điểm thu mua Gia Lâm', use: 'purchasing', movedAt: '2026-02-10T01:00:00.000Z' });
      const expected = {
        id: 'sc-1',
        serial: 'SC-1',
        e: 0.02,
        site: 'Điểm thu mua Gia Lâm',
        use: 'purchasing',
        placements: [{ until: '2026-02-10T01:00:00.000Z', site: 'Chợ Long Biên' }],
      };
      expect(moved).toMatchObject(expected);
      // b read sc-1 before the move: its change would undo the move, and is refused
      await expect(async () => b.updateDevice('sc-1', { model: 'TM-60' })).rejects.toThrow(/sc-1 was changed by another process meanwhile/);
      await caughtUp(b, () => expect(b.device('sc-1')).toMatchObject(expected));
      expect(await b.updateDevice('sc-1', { model: 'TM-60', use: null })).toMatchObject({ model: 'TM-60', placements: expected.placements });
      await caughtUp(a, () => expect(a.device('sc-1')?.model).toBe('TM-60'));
      expect(a.device('sc-1')?.use).toBeUndefined();
      expect(await a.updateDevice('nope', { site: 'x' })).toBeUndefined();
    });

    it('a rotated secret works at once where it was rotated and, once reloaded, in the other process; the old one nowhere', async () => {
      const { secret: old } = await a.createDevice({ id: 'gd-4', tenant: 'acme', type: 'gas-detector', serial: 'SN-4' }, NOW);
      expect(await b.verifyDeviceSecret('gd-4', old)).toBe(true); // not cached yet: looked up
      const rotated = await a.rotateSecret('gd-4');
      expect(await a.verifyDeviceSecret('gd-4', old)).toBe(false);
      expect(await a.verifyDeviceSecret('gd-4', rotated)).toBe(true);
      // verified before: forgotten with the old hash
      await caughtUp(b, async () => expect(await b.verifyDeviceSecret('gd-4', old)).toBe(false));
      expect(await b.verifyDeviceSecret('gd-4', rotated)).toBe(true);
    });

    it('a secret hashed by an earlier version (scrypt) still verifies, and its hash is replaced by a fast one of the same secret', async () => {
      const exec = await target.open();
      const stored = exec.statements({
        hash: query('test.secret-hash', (db, arg: Arg<{ id: string }>) => db.selectFrom('devices').select('secret_hash').where('id', '=', arg('id'))),
      });
      const hashOf = async (id: string) => ((await stored.hash.get({ id })) as { secret_hash: string }).secret_hash;
      const secret = newSecret();
      const salt = randomBytes(16);
      const legacy = `scrypt$4096$${salt.toString('base64url')}$${scryptSync(secret, salt, 32, { N: 4096, r: 8, p: 1 }).toString('base64url')}`;
      await a.createDeviceWithSecretHash({ id: 'gd-legacy', tenant: 'acme', type: 'gas-detector', serial: 'SN-L' }, legacy, NOW);
      // a wrong secret neither connects nor touches the hash
      expect(await a.verifyDeviceSecret('gd-legacy', `${secret}x`)).toBe(false);
      expect(await hashOf('gd-legacy')).toBe(legacy);
      expect(await a.verifyDeviceSecret('gd-legacy', secret)).toBe(true);
      const upgraded = await hashOf('gd-legacy');
      expect(upgraded).toMatch(/^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      // the same secret, and only it, against the new hash, in this process and in another one
      expect(verifySecret(secret, upgraded)).toBe(true);
      expect(verifySecret(`${secret}x`, upgraded)).toBe(false);
      const fresh = await Registry.open(await target.open());
      expect(await fresh.verifyDeviceSecret('gd-legacy', secret)).toBe(true);
      expect(await fresh.verifyDeviceSecret('gd-legacy', 'not-the-secret')).toBe(false);
      expect(await b.verifyDeviceSecret('gd-legacy', secret)).toBe(true);
    });

    it('a device another process registered can connect here at once, before this one reloaded', async () => {
      const other = await Registry.open(await target.open());
      const { secret } = await other.createDevice({ id: 'gd-5', tenant: 'acme', type: 'gas-detector', serial: 'SN-5' }, NOW);
      expect(await a.verifyDeviceSecret('gd-5', secret)).toBe(true);
      expect(a.registeredDevice('gd-5')?.serial).toBe('SN-5');
      expect(await a.verifyDeviceSecret('nobody', secret)).toBe(false);
    });

    it('writes the last-seen times kept in memory, and a tenant time zone set and cleared', async () => {
      a.markSeen('gd-1', Date.parse('2026-03-01T09:00:00.000Z'));
      a.markSeen('gd-2', Date.parse('2026-03-01T09:00:05.000Z'));
      expect(a.device('gd-1')?.lastSeenAt).toBe('2026-03-01T09:00:00.000Z');
      await a.flushLastSeen();
      expect((await a.setTenantTimeZone('acme', 'Europe/Berlin'))?.timeZone).toBe('Europe/Berlin');
      expect(await a.setTenantTimeZone('nobody', 'Europe/Berlin')).toBeUndefined();
      const reopened = await Registry.open(await target.open());
      expect(reopened.device('gd-1')?.lastSeenAt).toBe('2026-03-01T09:00:00.000Z');
      expect(reopened.device('gd-2')?.lastSeenAt).toBe('2026-03-01T09:00:05.000Z');
      expect(reopened.tenant('acme')?.timeZone).toBe('Europe/Berlin');
      expect(await a.setTenantTimeZone('acme', null)).toEqual({ id: 'acme', name: 'Acme Fuel', region: 'VN-HN', createdAt: NOW.toISOString() });
      expect((await Registry.open(await target.open())).tenant('acme')).not.toHaveProperty('timeZone');
    });

    it('a last-seen time never moves back when a process that heard the device earlier flushes later; every process reads the latest', async () => {
      b.markSeen('gd-1', Date.parse('2026-03-01T10:00:00.000Z'));
      await b.flushLastSeen();
      a.markSeen('gd-1', Date.parse('2026-03-01T09:30:00.000Z'));
      await a.flushLastSeen();
      const times = await a.lastSeenTimes();
      expect(new Date(times.get('gd-1')!).toISOString()).toBe('2026-03-01T10:00:00.000Z');
      expect((await Registry.open(await target.open())).device('gd-1')?.lastSeenAt).toBe('2026-03-01T10:00:00.000Z');
    });

    it('a following registry has what another process registers without being asked, and says so', async () => {
      let changes = 0;
      const errors: Error[] = [];
      const following = b.follow(
        () => changes++,
        (e) => errors.push(e),
      );
      try {
        await a.createTenant({ id: 'beta', name: 'Beta Gas', region: 'VN-BG' }, NOW);
        await a.createDevice({ id: 'bd-1', tenant: 'beta', type: 'gas-detector', serial: 'SN-B1' }, NOW);
        await vi.waitFor(() => expect(b.device('bd-1')?.tenant).toBe('beta'), { timeout: target.followWithinMs, interval: 20 });
        expect(changes).toBeGreaterThan(0);
        expect(errors).toEqual([]);
      } finally {
        following.stop();
      }
    });
    it("reads a certificate date stored as a date alone in its enterprise's zone (its own, else the default)", async () => {
      await a.createTenant({ id: 'berlin', name: 'Stadtwerke', region: 'VN-HN', timeZone: 'Europe/Berlin' }, NOW);
      await a.createDevice({ id: 'baro-b', tenant: 'berlin', type: 'barometer', serial: 'B-1' }, NOW);
      await a.addCertificate(
        'baro-b',
        { kind: 'verification', number: 'V-B', issuedBy: 'PTB', issuedAt: '2026-07-01', validUntil: '2027-06-30' },
        'admin:ops',
        NOW,
      );
      await caughtUp(b, () => expect(b.certificatesOf('baro-b')).toHaveLength(1));
      // summer time in Berlin: 1 July starts at 22:00Z on 30 June; 30 June 2027 ends at 21:59:59.999Z
      expect(b.certificatesOf('baro-b')[0]).toMatchObject({ issuedAt: '2026-07-01T00:00:00.000+02:00', validUntil: '2027-06-30T21:59:59.999Z' });
    });

    it('a certificate number once per instrument: the same again is a retry, other content refused, also in a process that has not reloaded', async () => {
      const cert = {
        kind: 'verification',
        number: 'V-6',
        issuedBy: 'QUATEST 1',
        issuedAt: '2026-02-01T00:00:00.000+07:00',
        validUntil: '2027-02-01T16:59:59.999Z',
      } as const;
      await a.createDevice({ id: 'gd-6', tenant: 'acme', type: 'gas-detector', serial: 'SN-6' }, NOW);
      const first = await a.addCertificate('gd-6', cert, 'admin:ops', NOW);
      const onRecord = (sameContent: boolean) => ({ name: 'CertificateOnRecord', sameContent, certificate: { id: first.id, issuedBy: 'QUATEST 1' } });
      // here, from the cache
      await expect(async () => a.addCertificate('gd-6', cert, 'admin:ops', NOW)).rejects.toMatchObject(onRecord(true));
      // in a process whose cache does not have it: the database refuses the number, and it is told the same
      const stale = await Registry.open(await target.open());
      await a.addCertificate('gd-6', { ...cert, number: 'V-7' }, 'admin:ops', NOW);
      expect(stale.certificatesOf('gd-6').map((c) => c.number)).toEqual(['V-6']);
      await expect(async () => stale.addCertificate('gd-6', { ...cert, number: 'V-7' }, 'admin:ops', NOW)).rejects.toMatchObject({
        sameContent: true,
        certificate: { number: 'V-7' },
      });
      await expect(async () => stale.addCertificate('gd-6', { ...cert, number: 'V-7', issuedBy: 'VMI' }, 'admin:ops', NOW)).rejects.toThrow(
        'certificate V-7 of gd-6 is on record already (verification, issued by QUATEST 1 2026-02-01T00:00:00.000+07:00, valid until 2027-02-01T16:59:59.999Z) with other content; a certificate is never replaced: a new one has its own number',
      );
      await expect(async () => stale.addCertificate('gd-nobody', cert, 'admin:ops', NOW)).rejects.toThrow(/device gd-nobody does not exist/);
    });

    it('two processes adding one certificate number at the same moment: one is stored; the other is told it is on record (refused with other content, a retry with the same)', async () => {
      const cert = {
        kind: 'calibration',
        number: 'C-8',
        issuedBy: 'QUATEST 1',
        issuedAt: '2026-02-01T00:00:00.000+07:00',
        validUntil: '2027-02-01T16:59:59.999Z',
        uncertainty: 0.2,
      } as const;
      const nodes = [await Registry.open(await target.open()), await Registry.open(await target.open())];
      /** Each node adds the certificate with its own changes, at once: what each is answered, added or refused. */
      const atOnce = async (changes: [Partial<Certificate>, Partial<Certificate>]) => {
        const answers = await Promise.allSettled(nodes.map(async (r, i) => r.addCertificate('gd-6', { ...cert, ...changes[i] }, `admin:node-${i}`, NOW)));
        return {
          added: answers.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
          refused: answers.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : [])),
        };
      };
      const stored = async (number: string) => (await Registry.open(await target.open())).certificatesOf('gd-6').filter((c) => c.number === number);

      const differing = await atOnce([{ uncertainty: 0.2 }, { uncertainty: 0.3 }]);
      expect(differing.added).toHaveLength(1);
      expect(differing.refused).toHaveLength(1);
      const [winner] = differing.added;
      expect(differing.refused[0]).toBeInstanceOf(ConflictError);
      expect(differing.refused[0]).toMatchObject({ sameContent: false, certificate: { id: winner.id, uncertainty: winner.uncertainty } });
      expect(differing.refused[0].message).toMatch(/^certificate C-8 of gd-6 is on record already \(calibration, .*\) with other content/);
      expect((await stored('C-8')).map((c) => [c.id, c.uncertainty])).toEqual([[winner.id, winner.uncertainty]]);

      const same = await atOnce([{ number: 'C-9' }, { number: 'C-9' }]);
      expect(same.added).toHaveLength(1);
      expect(same.refused).toMatchObject([{ sameContent: true, certificate: { id: same.added[0].id } }]);
      expect(await stored('C-9')).toHaveLength(1);
    });

    it("two processes adding one reference standard's certificate number at the same moment: one is stored, the other told it is on record", async () => {
      const nodes = [new StandardStore(await target.open()), new StandardStore(await target.open())];
      await Promise.all(nodes.map((n) => n.loaded));
      await nodes[0].create({ id: 'PM-20L', name: '20 L proving measure', quantity: 'volume', unit: 'L' }, 'admin:node-0', NOW);
      const cert = { number: 'K-1', issuedBy: 'VMI', issuedAt: '2026-02-01T00:00:00.000+07:00', validUntil: '2027-02-01T16:59:59.999Z', uncertainty: 0.004 };
      const atOnce = async (u: [number, number]) => {
        const answers = await Promise.allSettled(nodes.map(async (n, i) => n.addCertificate('PM-20L', { ...cert, uncertainty: u[i] }, `admin:node-${i}`, NOW)));
        return {
          added: answers.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
          refused: answers.flatMap((r) =>
            r.status === 'rejected' ? [r.reason as Error & { sameContent?: boolean; certificate?: StoredStandardCertificate }] : [],
          ),
        };
      };
      const differing = await atOnce([0.004, 0.005]);
      expect(differing.added).toHaveLength(1);
      expect(differing.refused).toHaveLength(1);
      expect(differing.refused[0]).toBeInstanceOf(ConflictError);
      expect(differing.refused[0]).toMatchObject({
        sameContent: false,
        certificate: { id: differing.added[0].id, uncertainty: differing.added[0].uncertainty },
      });
      expect(differing.refused[0].message).toMatch(/^certificate K-1 of standard PM-20L is on record already .* with other content/);
      const reread = new StandardStore(await target.open());
      await reread.loaded;
      expect(reread.certificatesOf('PM-20L').map((c) => c.number)).toEqual(['K-1']);
      for (const n of nodes) n.stop();
      reread.stop();
    });
  });
}
