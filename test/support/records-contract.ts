// What the inspector's records promise on either state database: reference standards
// (src/store/standards.ts), lots of prepackages (src/lots/lot-book.ts), inspection records
// (src/store/inspections.ts) and campaigns (src/store/campaigns.ts), run on SQLite
// (src/store/records.test.ts) and on a real PostgreSQL 15 (test/integration/records-postgres.test.ts).
// Two stores opened on two connections to the same database stand for two nodes of a cluster
// (on SQLite: the gateway and the `mag` CLI on one file).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StateExecutor } from '../../src/store/executor.ts';
import { Registry } from '../../src/store/registry.ts';
import { StandardStore } from '../../src/store/standards.ts';
import { InspectionStore, SealedOffAlready } from '../../src/store/inspections.ts';
import { CampaignStore } from '../../src/store/campaigns.ts';
import { LotBook } from '../../src/lots/lot-book.ts';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { SAMPLING_PLANS_FILE, loadSamplingPlans } from '../../src/metrology/sampling-plans-loader.ts';
import type { Campaign } from '../../src/inspections/types.ts';
import { InspectionService, Refusal, recordHash } from '../../src/inspections/inspection-service.ts';

export interface RecordsTarget {
  /** Another connection to the same state database (a node of its own, as far as the stores can tell). */
  open(): Promise<StateExecutor>;
  /** Closes what `open` opened and removes the database. */
  close(): Promise<void>;
}

const NOW = new Date('2026-03-01T08:00:00.000Z');
const plans = loadSamplingPlans(join(PACKAGE_ROOT, 'devices', SAMPLING_PLANS_FILE));
const options = { dueSoonDays: 30 };

/** What `write` gives as a Promise: a refusal is thrown at once on SQLite, a rejection on PostgreSQL. */
const refused = <T>(write: () => T) => Promise.resolve().then(write);

/** Registers the contract for the target `setup` gives (called in beforeAll). */
export function recordsContract(name: string, setup: () => Promise<RecordsTarget>): void {
  describe(`the inspector's records on ${name}`, () => {
    let target: RecordsTarget;
    let dbA: StateExecutor;
    let dbB: StateExecutor;
    const raised: { node: string; kind: string; key: string }[] = [];

    beforeAll(async () => {
      target = await setup();
      dbA = await target.open();
      dbB = await target.open();
      const registry = await Registry.open(dbA);
      await registry.createTenant({ id: 'acme', name: 'Acme Foods', region: 'HN' }, NOW);
      await registry.createDevice({ id: 'cw-1', tenant: 'acme', type: 'checkweigher', serial: 'CW1' }, NOW);
    }, 120_000);

    afterAll(async () => {
      await target?.close();
    });

    it('gives two nodes opening inspections at the same moment distinct numbers, one after another', async () => {
      const a = new InspectionStore(dbA);
      const b = new InspectionStore(dbB);
      await Promise.all([a.loaded, b.loaded]);
      const opening = (s: InspectionStore, n: number) =>
        s.open({ tenant: 'acme', region: 'HN', startedAt: '2026-03-01T08:00:00.000Z', inspectors: [`inspector ${n}`], openedBy: 'inspector:lan' }, NOW);
      const opened = await Promise.all(Array.from({ length: 8 }, (_, n) => opening(n % 2 ? b : a, n)));
      expect(opened.map((i) => i.id).sort()).toEqual(Array.from({ length: 8 }, (_, n) => `BBKT-2026-${String(n + 1).padStart(4, '0')}`));
      expect((await b.list({ tenant: 'acme' })).length).toBe(8);
    });

    it('keeps a record closed on one node closed on the other, its findings numbered once, and a seal seen by both', async () => {
      const a = new InspectionStore(dbA);
      const b = new InspectionStore(dbB);
      await Promise.all([a.loaded, b.loaded]);
      const i = await a.open({ tenant: 'acme', region: 'HN', startedAt: '2026-04-01T08:00:00.000Z', inspectors: ['lan'], openedBy: 'inspector:lan' }, NOW);
      const finding = (s: InspectionStore, kind: 'violation' | 'sealed-off') =>
        s.addFinding({ inspection: i.id, tenant: 'acme', device: 'cw-1', kind, description: kind, openedBy: 'inspector:lan' }, NOW);
      const [f1, f2] = await Promise.all([finding(a, 'violation'), finding(b, 'sealed-off')]);
      expect([f1.id, f2.id].sort()).toEqual([`${i.id}-F1`, `${i.id}-F2`]);
      expect(b.sealOf('cw-1')?.finding).toBe(f2.id);
      // PostgreSQL: every node follows the seals (any node locks the instrument out and alerts on its use); SQLite has one gateway
      if (dbA.dialect === 'postgres') await vi.waitFor(() => expect(a.sealOf('cw-1')?.finding).toBe(f2.id), { timeout: 1000, interval: 20 });
      else expect(new InspectionStore(dbA).sealOf('cw-1')?.finding).toBe(f2.id);
      expect(await b.closeFinding(f2.id, 'repaired', 'inspector:lan', NOW)).toMatchObject({ state: 'closed' });
      expect(b.sealOf('cw-1')).toBeUndefined();
      if (dbA.dialect === 'postgres') await vi.waitFor(() => expect(a.sealOf('cw-1')).toBeUndefined(), { timeout: 1000, interval: 20 });
      expect(await a.close(i.id, NOW, 'inspector:lan', 'done', 'hash')).toBe(true);
      expect(await b.close(i.id, NOW, 'inspector:lan', 'done', 'hash')).toBe(false);
      // in the record by number: the two were added at once, so either may have got F1
      const byNumber = [f1.id, f2.id].sort().map((id) => ({ id }));
      expect(await b.record(i.id)).toMatchObject({ state: 'closed', recordHash: 'hash', findings: byNumber });
    });

    it('seals an instrument off once when two records on two nodes seal it at the same moment: the other is refused, naming the seal', async () => {
      const a = new InspectionStore(dbA);
      const b = new InspectionStore(dbB);
      await Promise.all([a.loaded, b.loaded]);
      const open = (s: InspectionStore, who: string) =>
        s.open({ tenant: 'acme', region: 'HN', startedAt: '2026-04-02T08:00:00.000Z', inspectors: [who], openedBy: `inspector:${who}` }, NOW);
      const [i1, i2] = await Promise.all([open(a, 'lan'), open(b, 'minh')]);
      const seal = (s: InspectionStore, i: string) =>
        s.addFinding({ inspection: i, tenant: 'acme', device: 'cw-1', kind: 'sealed-off', description: 'niêm phong', openedBy: 'inspector:x' }, NOW);
      // (on SQLite the store answers at once, so a refusal is thrown rather than a rejected promise)
      const settled = await Promise.allSettled([() => seal(a, i1.id), () => seal(b, i2.id)].map((add) => Promise.resolve().then(add)));
      const won = settled.filter((r) => r.status === 'fulfilled');
      const lost = settled.filter((r) => r.status === 'rejected');
      expect([won.length, lost.length]).toEqual([1, 1]);
      const winner = (won[0] as PromiseFulfilledResult<{ id: string }>).value;
      const refusal = (lost[0] as PromiseRejectedResult).reason;
      expect(refusal).toBeInstanceOf(SealedOffAlready);
      expect(refusal).toMatchObject({ device: 'cw-1', finding: winner.id });
      // one open seal in the records, whichever node is asked
      expect((await b.findings({ device: 'cw-1', kind: 'sealed-off' })).filter((f) => f.state !== 'closed').map((f) => f.id)).toEqual([winner.id]);
      const owner = winner.id.startsWith(i1.id) ? a : b;
      await owner.closeFinding(winner.id, 'repaired', 'inspector:x', NOW);
    });

    it('closes a record with the hash of exactly what it holds while another node notes a finding on it: the finding is in it, or refused', async () => {
      const services = await Promise.all(
        [dbA, dbB].map(async (db) => {
          const store = new InspectionStore(db);
          await store.loaded;
          return new InspectionService({
            store,
            registry: await Registry.open(db),
            assurance: { recordCheck: () => undefined, verificationOf: () => ({ state: 'none' }) as never },
            audit: { append: () => undefined }, // the audit log is another store's contract
            profiles: new Map(),
            publishConfig: () => undefined,
            now: () => NOW,
          });
        }),
      );
      const [a, b] = services as [InspectionService, InspectionService];
      for (let n = 0; n < 5; n++) {
        const i = await a.open({ tenant: 'acme', startedAt: '2026-05-01T08:00:00.000Z', inspectors: ['lan'] }, 'inspector:lan');
        const [closed, noted] = await Promise.allSettled([
          Promise.resolve().then(() => a.close(i.id, 'done', 'inspector:lan')),
          Promise.resolve().then(() => b.addFinding(i.id, { kind: 'violation', description: 'no price list' }, 'inspector:lan')),
        ]);
        expect(closed.status).toBe('fulfilled');
        if (noted.status === 'rejected') expect(noted.reason).toBeInstanceOf(Refusal);
        const record = (await b.record(i.id))!;
        expect(record.findings).toHaveLength(noted.status === 'fulfilled' ? 1 : 0);
        expect(recordHash(record)).toBe(record.recordHash);
      }
    });

    it("has a standard and its certificate registered on one node in the other node's cache within a second", async () => {
      const a = new StandardStore(dbA);
      const b = new StandardStore(dbB);
      await Promise.all([a.loaded, b.loaded]);
      await a.create({ id: 'wt-1', name: 'Weight set M1', quantity: 'mass', unit: 'g' }, 'admin:root', NOW);
      const cert = { number: 'C-1', issuedBy: 'VMI', issuedAt: '2026-01-01T00:00:00.000Z', validUntil: '2027-01-01T00:00:00.000Z', uncertainty: 0.01 };
      await a.addCertificate('wt-1', cert, 'admin:root', NOW);
      // SQLite: another process's commit is seen when the cache catches up (the gateway polls); PostgreSQL: as the NOTIFY arrives
      await vi.waitFor(
        async () => {
          if (dbB.dialect === 'sqlite') await b.catchUp();
          expect(b.usableBy('wt-1', 'acme')).toMatchObject({ id: 'wt-1', unit: 'g' });
          expect(b.certificatesOf('wt-1')).toMatchObject([{ number: 'C-1', uncertainty: 0.01 }]);
        },
        { timeout: 1000, interval: 20 },
      );
      await expect(refused(() => b.create({ id: 'wt-1', name: 'again', quantity: 'mass', unit: 'g' }, 'admin:root', NOW))).rejects.toThrow(/already exists/);
    });

    it("reads a lot's packages and verdict stored through one node the same from the other, positions consecutive when both append at once", async () => {
      const books = await Promise.all(
        [dbA, dbB].map(async (db, n) => {
          const node = n ? 'B' : 'A';
          const book = new LotBook(
            db,
            await Registry.open(db),
            new Map(),
            plans,
            { raise: (a) => void raised.push({ node, kind: a.kind, key: a.key ?? '' }) },
            options,
          );
          await book.loaded;
          return book;
        }),
      );
      const [a, b] = books as [LotBook, LotBook];
      await a.declare({ id: 'LOT-1', tenant: 'acme', product: 'Sugar 500 g', nominal: 500, unit: 'g', lotSize: 100 }, 'operator:acme', NOW);
      await expect(
        refused(() => b.declare({ id: 'LOT-1', tenant: 'acme', product: 'again', nominal: 500, unit: 'g', lotSize: 100 }, 'operator:acme', NOW)),
      ).rejects.toThrow(/already exists/);
      // the message path of the other node takes packages for it once the declaration is announced
      await vi.waitFor(() => expect(b.lotForPackages('LOT-1')).toMatchObject({ id: 'LOT-1', nominal: 500 }), { timeout: 1000, interval: 20 });
      const batch = (from: number, value: number) =>
        Array.from({ length: 25 }, (_, n) => ({ lot: 'LOT-1', seq: from + n, ts: NOW.getTime() + from + n, kind: 'net' as const, value, net: value }));
      // short packages: the lot fails, once
      await Promise.all([a.recordPackages('cw-1', batch(0, 470), NOW), b.recordPackages('cw-1', batch(100, 470), NOW)]);
      await a.recordPackages('cw-1', batch(0, 470), NOW); // redelivered: stored once
      const [viewA, viewB] = await Promise.all([a.view('LOT-1', NOW), b.view('LOT-1', NOW)]);
      expect(viewA).toEqual(viewB);
      expect(viewB).toMatchObject({ measured: 50, verdict: 'fail' });
      expect((await b.get('LOT-1'))?.verdict).toBe('fail');
      expect(raised.filter((r) => r.kind === 'lot-fail' && r.key === 'LOT-1')).toHaveLength(1);
    });

    it('keeps a lot to its size and refuses a resend with another value, when two nodes append at once', async () => {
      const [a, b] = await Promise.all(
        [dbA, dbB].map(async (db) => {
          const book = new LotBook(db, await Registry.open(db), new Map(), plans, { raise: () => undefined }, options);
          await book.loaded;
          return book;
        }),
      );
      await a!.declare({ id: 'LOT-N', tenant: 'acme', product: 'Salt 500 g', nominal: 500, unit: 'g', lotSize: 100 }, 'operator:acme', NOW);
      await vi.waitFor(() => expect(b!.lotForPackages('LOT-N')).toMatchObject({ id: 'LOT-N', lotSize: 100 }), { timeout: 1000, interval: 20 });
      const batch = (from: number, n: number) =>
        Array.from({ length: n }, (_, k) => ({
          lot: 'LOT-N',
          seq: from + k,
          ts: NOW.getTime() + 10_000 + from + k,
          kind: 'net' as const,
          value: 501,
          net: 501,
        }));
      // 60 + 60 sent to a lot of 100 by two instruments through two nodes at once: 100 stored, whichever came first
      await Promise.all([a!.recordPackages('cw-n1', batch(0, 60), NOW), b!.recordPackages('cw-n2', batch(0, 60), NOW)]);
      expect((await b!.view('LOT-N', NOW))?.measured).toBe(100);
      const more = refused(() => a!.addPackages('LOT-N', [{ net: 501, id: 'x' }], NOW));
      await expect(more).rejects.toMatchObject({ errors: [{ path: 'items.0', message: expect.stringMatching(/^items.0 would be package 101 of lot LOT-N/) }] });
      // a client id stored with 498 g, sent again with 470 g
      await a!.declare({ id: 'LOT-R', tenant: 'acme', product: 'Salt 500 g', nominal: 500, unit: 'g', lotSize: 100 }, 'operator:acme', NOW);
      expect(await a!.addPackages('LOT-R', [{ net: 498, id: 'P-1' }], NOW)).toMatchObject({ added: 1 });
      await expect(refused(() => b!.addPackages('LOT-R', [{ net: 470, id: 'P-1' }], NOW))).rejects.toMatchObject({
        errors: [{ path: 'items.0.id', message: expect.stringContaining('with other content (net 498)') }],
      });
      expect(await b!.addPackages('LOT-R', [{ net: 498, id: 'P-1' }], NOW)).toMatchObject({ added: 0, repeated: 1 });
    });

    it('keeps the plan a lot was declared under when a node judges it under another default plan', async () => {
      // node A declares with the shipped default (eu-reference-single); node B runs with OIML R87's plan as its default
      const [a, b] = await Promise.all(
        [plans, { ...plans, defaultPlan: 'oiml-r87-2016' }].map(async (p, n) => {
          const book = new LotBook(n ? dbB : dbA, await Registry.open(n ? dbB : dbA), new Map(), p, { raise: () => undefined }, options);
          await book.loaded;
          return book;
        }),
      );
      expect(plans.defaultPlan).toBe('eu-reference-single');
      const declared = await a!.declare({ id: 'LOT-P', tenant: 'acme', product: 'Rice 5 kg', nominal: 5000, unit: 'g', lotSize: 100 }, 'operator:acme', NOW);
      expect(declared).toMatchObject({ plan: 'eu-reference-single' });
      expect(await b!.get('LOT-P')).toMatchObject({ plan: 'eu-reference-single' });
      await vi.waitFor(
        async () => {
          if (dbB.dialect === 'sqlite') await b!.catchUp();
          expect(await b!.view('LOT-P', NOW)).toMatchObject({ plan: 'eu-reference-single' });
        },
        { timeout: 1000, interval: 20 },
      );
    });

    it('plans a campaign once across nodes and shows a verification recorded on one node on the other', async () => {
      const a = new CampaignStore(dbA);
      const b = new CampaignStore(dbB);
      const c: Campaign = {
        id: 'HN-2026-03',
        name: 'Chợ Hà Nội',
        region: 'HN',
        markets: [{ name: 'Chợ Đồng Xuân' }],
        from: '2026-03-01',
        to: '2026-03-05',
        team: ['lan'],
        createdAt: NOW.toISOString(),
        createdBy: 'inspector:lan',
      };
      const created = await Promise.all([a.create(c), b.create(c)]);
      expect(created.sort()).toEqual([false, true]);
      const v = await a.addVerification({
        campaign: c.id,
        market: 'Chợ Đồng Xuân',
        owner: { name: 'Bà Hoa' },
        serial: 'S-1',
        type: 'scale',
        class: 'IIII',
        max: 30,
        e: 0.1,
        result: 'pass',
        verifiedAt: '2026-03-02T03:00:00.000Z',
        recordedBy: 'inspector:lan',
      });
      expect(await b.verifications(c.id)).toEqual([v]);
      expect(await b.campaign(c.id)).toEqual(c);
      expect(await b.summary(c.id)).toMatchObject({ verified: 1, passed: 1, failed: 0 });
      expect((await b.campaignSummary('2026-03-01T00:00:00.000Z', '2026-03-31T00:00:00.000Z')).campaigns).toBeGreaterThanOrEqual(1);
    });
  });
}
