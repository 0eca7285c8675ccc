// What the message path's stores promise on either state database (src/store/checks.ts,
// drift.ts, totalizers.ts, and the rejection log), as one suite run on SQLite (src/store/message-state.test.ts) and on a
// real PostgreSQL 15 (test/integration/message-state-postgres.test.ts). Every answer is awaited:
// a value on SQLite, a Promise on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateExecutor } from '../../src/store/executor.ts';
import { Registry } from '../../src/store/registry.ts';
import { CheckStore, checkIdentity } from '../../src/store/checks.ts';
import { DriftStore } from '../../src/store/drift.ts';
import { TotalizerStore } from '../../src/store/totalizers.ts';
import { RejectionLog } from '../../src/alerts/rejection-log.ts';
import { emptyDriftState } from '../../src/metrology/drift.ts';
import type { CheckResult } from '../../src/metrology/types.ts';

export interface MessageStateTarget {
  /** A connection to the state database (a second one stands for another node). */
  open(): Promise<StateExecutor>;
  /** Closes what `open` opened and removes the database. */
  close(): Promise<void>;
}

export const NOW = new Date('2026-03-01T08:00:00.000Z');

/** A tenant `acme` and the devices, on `db`. */
export async function registerDevices(db: StateExecutor, ids: string[], type = 'barometer'): Promise<Registry> {
  const registry = await Registry.open(db);
  await registry.createTenant({ id: 'acme', name: 'Acme', region: 'VN-HN' }, NOW);
  for (const id of ids) await registry.createDevice({ id, tenant: 'acme', type, serial: `SN-${id}` }, NOW);
  return registry;
}

/** A passing check of `seq` with error `error` (hPa, MPE 0.3). */
export function check(seq: number, ts: number, error: number): CheckResult {
  return {
    seq,
    ts,
    unit: 'hPa',
    indicated: 1000 + error,
    corrected: 1000 + error,
    reference: 1000,
    error,
    relativeError: error / 1000,
    mpe: 0.3,
    uncertainty: 0.02,
    en: error / 0.02,
    legal: Math.abs(error) <= 0.3 ? 'pass' : 'fail',
    decision: Math.abs(error) <= 0.28 ? 'pass' : Math.abs(error) <= 0.3 ? 'conditional-pass' : 'fail',
    regime: 'inService',
    standardId: 'STD-1',
    point: 'span',
  } as unknown as CheckResult;
}

/** Registers the contract for the target `setup` gives (called in beforeAll). */
export function messageStateContract(name: string, setup: () => Promise<MessageStateTarget>): void {
  describe(`the message path's stores on ${name}`, () => {
    let target: MessageStateTarget;
    let db: StateExecutor;
    let other: StateExecutor;

    beforeAll(async () => {
      target = await setup();
      db = await target.open();
      other = await target.open();
      await registerDevices(db, ['bar-1', 'bar-2']);
    }, 120_000);
    afterAll(async () => {
      await target?.close();
    });

    it('stores a check once per (device, seq, ts): a replay says so, a restarted seq is a new check, and another node knows both', async () => {
      const checks = new CheckStore(db);
      expect(await checks.insert('bar-1', 'span', check(1, NOW.getTime() - 2000, 0.1), NOW.toISOString())).toBe(true);
      expect(await checks.insert('bar-1', 'span', check(2, NOW.getTime() - 1000, 0.2), NOW.toISOString())).toBe(true);
      // the same seq at the same time: a resend whose PUBACK was lost
      expect(await checks.insert('bar-1', 'span', check(1, NOW.getTime() - 2000, 0.9), 'later')).toBe(false);
      // the same seq at a later time: the controller's count restarted (CONTRACT §2 breached by the device, the check still made)
      expect(await checks.insert('bar-1', 'span', check(1, NOW.getTime(), 0.3), 'later')).toBe(true);
      expect((await checks.of('bar-1')).map((c) => [c.seq, c.error])).toEqual([
        [1, 0.3],
        [2, 0.2],
        [1, 0.1],
      ]);
      expect(await new CheckStore(other).identitiesOf('bar-1', 10)).toEqual([
        checkIdentity(1, NOW.getTime()),
        checkIdentity(2, NOW.getTime() - 1000),
        checkIdentity(1, NOW.getTime() - 2000),
      ]);
      // a takeover loads the newest only
      expect(await new CheckStore(other).identitiesOf('bar-1', 2)).toEqual([checkIdentity(1, NOW.getTime()), checkIdentity(2, NOW.getTime() - 1000)]);
      expect(await checks.identitiesOf('bar-2', 10)).toEqual([]);
    });

    it('keeps one drift state per (device, series), read back per device', async () => {
      const drift = new DriftStore(db);
      const state = { ...emptyDriftState(), n: 3 };
      await drift.save('bar-1', 'span', emptyDriftState(), NOW.toISOString());
      await drift.save('bar-1', 'span', state, NOW.toISOString());
      await drift.save('bar-2', 'zero', emptyDriftState(), NOW.toISOString());
      const of1 = await new DriftStore(other).ofDevice('bar-1');
      expect(of1.map((r) => [r.series, r.state.n])).toEqual([['span', 3]]);
      expect((await drift.all()).map((r) => r.device).sort()).toEqual(['bar-1', 'bar-2']);
      await drift.delete('bar-2', 'zero');
      expect(await drift.ofDevice('bar-2')).toEqual([]);
    });

    it("keeps each nozzle's latest totalizer; a transaction replayed out of order does not move it back", async () => {
      const t = new TotalizerStore(db);
      await t.record('bar-1', '1', 10, 1000);
      await t.record('bar-1', '1', 12, 1200);
      await t.record('bar-1', '1', 11, 1100);
      await t.record('bar-1', '2', 5, 50);
      expect(await new TotalizerStore(other).last('bar-1', '1')).toEqual({ seq: 12, end: 1200 });
      expect(await t.last('bar-1', '3')).toBeUndefined();
      expect((await t.ofDevice('bar-1')).sort((a, b) => a.nozzle.localeCompare(b.nozzle))).toEqual([
        { nozzle: '1', seq: 12, totalizerEnd: 1200 },
        { nozzle: '2', seq: 5, totalizerEnd: 50 },
      ]);
    });

    it("keeps each device's newest rejections (MAG_REJECTIONS_PER_DEVICE), another device's untouched", async () => {
      const log = new RejectionLog(db, 100, () => {}, 5); // prunes a device after each new row (a tenth of 5, at least 1)
      const bad = (seq: number) => [{ seq, errors: [{ path: 'value', message: 'value must be a finite number' }] }];
      for (let seq = 1; seq <= 12; seq++) {
        log.record({ id: 'bar-1', tenant: 'acme' }, 'instruments/bar-1/readings', bad(seq), Buffer.from(`{"seq":${seq}}`), NOW);
        if (seq % 4 === 0) await log.flush();
      }
      log.record({ id: 'bar-2', tenant: 'acme' }, 'instruments/bar-2/readings', bad(1), Buffer.from('x'), NOW);
      await log.flush();
      const other_ = new RejectionLog(other, 100);
      expect((await other_.of('bar-1', 1000)).map((r) => r.seq)).toEqual([12, 11, 10, 9, 8]);
      expect((await other_.of('bar-2', 1000)).map((r) => r.seq)).toEqual([1]);
      await log.stop();
      await other_.stop();
    });
  });
}
