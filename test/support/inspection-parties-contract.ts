// What the inspection store keeps of a record's parties (migration 0010) on either state database:
// the issuing authority, the address of the establishment inspected, its representative and the
// campaign, read back by another connection; nothing of them on a record opened without; and a
// record closed before the migration, read after it, hashing as it did when it closed. Run on
// SQLite (src/store/inspections.test.ts) and on a real PostgreSQL 15
// (test/integration/inspection-parties-postgres.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateExecutor } from '../../src/store/executor.ts';
import { InspectionStore } from '../../src/store/inspections.ts';
import { recordHash } from '../../src/inspections/inspection-service.ts';

export interface InspectionPartiesTarget {
  /** Another connection to the state database, at the latest schema. */
  open(): Promise<StateExecutor>;
  /**
   * A database of its own at the schema before migration 0010 (0001–0009 applied), with `rows`
   * (table → rows, column → value) inserted as the gateway of then stored them, then opened as
   * the gateway does now (migrated to the latest schema).
   */
  upgraded(rows: Record<string, Record<string, unknown>[]>): Promise<StateExecutor>;
  close(): Promise<void>;
}

const AT = new Date('2026-03-15T02:30:00.000Z');
const opening = { tenant: 'cxd', region: 'VN-BG', startedAt: AT.toISOString(), inspectors: ['Nguyễn Văn Hùng'], openedBy: 'inspector:Hùng:t' };
const parties = {
  authority: 'Sở Khoa học và Công nghệ tỉnh Bắc Giang',
  siteAddress: 'Số 12 đường Hùng Vương, phường Ngô Quyền, TP Bắc Giang',
  representative: { name: 'Lê Thị Mai', position: 'Cửa hàng trưởng' },
  campaign: 'bg-2026-q1',
};

/**
 * A record as the gateway before migration 0010 stored it: header, one instrument with a failed
 * check, one finding, closed with the SHA-256 that gateway's recordHash gave it (computed with
 * that code, before the change, from these rows read back as an open record and closed so).
 */
export const LEGACY_ROWS: Record<string, Record<string, unknown>[]> = {
  inspections: [
    {
      id: 'BBKT-2026-0001',
      tenant: 'cxd',
      region: 'VN-BG',
      site: 'Cửa hàng số 1',
      started_at: '2026-03-15T02:30:00.000Z',
      inspectors: JSON.stringify(['Nguyễn Văn Hùng']),
      legal_basis: 'Thông tư 15/2015/TT-BKHCN',
      state: 'closed',
      opened_by: 'inspector:Hùng:t',
      created_at: '2026-03-15T02:30:00.000Z',
      closed_at: '2026-03-15T04:00:00.000Z',
      closed_by: 'inspector:Hùng:t',
      conclusion: 'Cột đo fd-1 không đạt.',
      record_hash: 'ce9fe3340dd0ea8a72ba7ea8e0d7e1f7815d944cacce6cd406deaa43a64f0656',
    },
  ],
  inspection_items: [
    {
      inspection: 'BBKT-2026-0001',
      device: 'fd-1',
      facts: JSON.stringify({
        sealsIntact: true,
        verificationMarkValid: true,
        certificateValid: true,
        priceDisplayCorrect: true,
        verification: { state: 'valid', validUntil: '2026-12-01T16:59:59.999Z' },
      }),
      verdict: 'fail',
      reasons: JSON.stringify(['check-fail']),
      recorded_at: '2026-03-15T03:06:00.000Z',
      recorded_by: 'inspector:Hùng:t',
    },
  ],
  inspection_checks: [
    {
      device: 'fd-1',
      seq: -1,
      inspection: 'BBKT-2026-0001',
      item: 1,
      result: JSON.stringify({
        seq: -1,
        ts: Date.parse('2026-03-15T03:05:00Z'),
        unit: 'L',
        indicated: 20.12,
        corrected: 20.12,
        reference: 20,
        error: 0.12,
        relativeError: 0.006,
        mpe: 0.09,
        uncertainty: 0.007,
        en: 17,
        legal: 'fail',
        decision: 'fail',
        regime: 'inService',
        standardId: 'PM-20L-07',
        point: 'Qmax',
      }),
    },
  ],
  findings: [
    {
      id: 'BBKT-2026-0001-F1',
      inspection: 'BBKT-2026-0001',
      tenant: 'cxd',
      device: 'fd-1',
      kind: 'sealed-off',
      description: 'sai số +0,12 L',
      action: 'niêm phong',
      state: 'open',
      opened_at: '2026-03-15T03:10:00.000Z',
      opened_by: 'inspector:Hùng:t',
    },
  ],
};
const CLOSING = { closedAt: '2026-03-15T04:00:00.000Z', closedBy: 'inspector:Hùng:t', conclusion: 'Cột đo fd-1 không đạt.' };
const LEGACY_HASH = 'ce9fe3340dd0ea8a72ba7ea8e0d7e1f7815d944cacce6cd406deaa43a64f0656';

/** Registers the contract for the target `setup` gives (called in beforeAll). */
export function inspectionPartiesContract(name: string, setup: () => Promise<InspectionPartiesTarget>): void {
  describe(`the parties of an inspection record on ${name}`, () => {
    let target: InspectionPartiesTarget;

    beforeAll(async () => {
      target = await setup();
    }, 120_000);
    afterAll(async () => {
      await target?.close();
    });

    it('keeps the authority, the address, the representative and the campaign, read back by another connection', async () => {
      const a = new InspectionStore(await target.open());
      const opened = await a.open({ ...opening, ...parties }, AT);
      expect(opened).toMatchObject(parties);
      const b = new InspectionStore(await target.open());
      expect(await b.inspection(opened.id)).toMatchObject(parties);
      expect((await b.list({ tenant: 'cxd' })).find((i) => i.id === opened.id)).toMatchObject(parties);
      // a representative without a position has none, not an empty one
      const nameOnly = await a.open({ ...opening, representative: { name: 'Phạm Văn Tú' } }, AT);
      expect((await b.inspection(nameOnly.id))?.representative).toEqual({ name: 'Phạm Văn Tú' });
      // a record opened without them has none of them
      const bare = await a.open(opening, AT);
      const read = (await b.record(bare.id))!;
      for (const key of ['authority', 'siteAddress', 'representative', 'campaign']) expect(read).not.toHaveProperty(key);
    });

    it('hashes a closed record with its parties: another connection recomputes the hash kept, and it differs from the record without them', async () => {
      const a = new InspectionStore(await target.open());
      const opened = await a.open({ ...opening, ...parties }, AT);
      const draft = (await a.record(opened.id))!;
      const closed = { ...draft, state: 'closed' as const, ...CLOSING };
      const hash = recordHash(closed);
      expect(await a.close(opened.id, new Date(CLOSING.closedAt), CLOSING.closedBy, CLOSING.conclusion, hash)).toBe(true);
      const read = (await new InspectionStore(await target.open()).record(opened.id))!;
      expect(read.recordHash).toBe(hash);
      expect(recordHash(read)).toBe(hash);
      const { authority: _a, ...withoutAuthority } = read;
      expect(recordHash(withoutAuthority)).not.toBe(hash);
    });

    it('reads a record closed before migration 0010 as it was: the hash kept then still verifies', async () => {
      const store = new InspectionStore(await target.upgraded(LEGACY_ROWS));
      const read = (await store.record('BBKT-2026-0001'))!;
      expect(read).toMatchObject({ state: 'closed', ...CLOSING, recordHash: LEGACY_HASH });
      for (const key of ['authority', 'siteAddress', 'representative', 'campaign']) expect(read).not.toHaveProperty(key);
      expect(recordHash(read)).toBe(LEGACY_HASH);
    });
  });
}
