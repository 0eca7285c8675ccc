// Assurance over a real SQLite state database and the instrument profiles of devices/: what a check
// marked `adjusted` does to its series' drift alerts (docs/metrology.md §5: judged as found, then a new
// baseline). Barometer, default class: MPE 0.3 hPa in service; U = 0.02 hPa on every check below.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import type { CheckResult } from '../metrology/types.ts';
import { type Db, openStateDb } from '../store/db.ts';
import type { Device } from '../store/registry.ts';
import { Registry } from '../store/registry.ts';
import { AlertBook } from './alert-book.ts';
import { Assurance } from './assurance.ts';
import type { AcceptedReading, IngestResult } from '../ingest/ingest.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-01T08:00:00.000Z');
const MPE = 0.3;
const U = 0.02;
const SERIES = 'regime=inService';

/** A state database of its own with tenant acme, its alert book and Assurance over it. */
function openState(): { dir: string; db: Db; registry: Registry<Db>; alerts: AlertBook; assurance: Assurance } {
  const dir = mkdtempSync(join(tmpdir(), 'mag-assurance-test-'));
  const db = openStateDb(dir);
  const registry = new Registry(db);
  registry.createTenant({ id: 'acme', name: 'Acme', region: 'VN-HN' }, new Date(NOW - 400 * DAY));
  const alerts = new AlertBook(db);
  const assurance = new Assurance(db, registry, alerts, loadProfiles(join(PACKAGE_ROOT, 'devices')), { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 });
  return { dir, db, registry, alerts, assurance };
}

function closeState(dir: string, db: Db, alerts: AlertBook): void {
  alerts.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

describe('an adjusted check and the drift alerts of its series', () => {
  let dir: string;
  let db: Db;
  let registry: Registry<Db>;
  let alerts: AlertBook;
  let assurance: Assurance;

  beforeEach(() => {
    ({ dir, db, registry, alerts, assurance } = openState());
  });

  afterEach(() => closeState(dir, db, alerts));

  function barometer(id: string): Device {
    return registry.createDeviceWithSecretHash({ id, tenant: 'acme', type: 'barometer', serial: id }, 'unused', new Date(NOW - 400 * DAY));
  }

  /** A passing check of error `error` hPa, `daysAgo` days before NOW. */
  function check(seq: number, daysAgo: number, error: number, adjusted?: boolean): CheckResult {
    return {
      seq,
      ts: NOW - daysAgo * DAY,
      unit: 'hPa',
      indicated: 1000 + error,
      corrected: 1000 + error,
      reference: 1000,
      error,
      relativeError: error / 1000,
      mpe: MPE,
      uncertainty: U,
      en: error / U,
      legal: 'pass',
      decision: Math.abs(error) <= MPE - U ? 'pass' : 'conditional-pass',
      regime: 'inService',
      standardId: 'REF-BARO-1',
      ...(adjusted === undefined ? {} : { adjusted }),
    };
  }

  function feed(device: Device, checks: CheckResult[]): void {
    for (const c of checks) assurance.recordCheck(device, c, new Date(NOW));
    alerts.flush();
  }

  const unresolved = (device: string, kind: 'drift' | 'predicted-oot') => alerts.list({ device, kind, unresolved: true });

  it('an adjusted check whose as-found series would alarm opens no drift alert, and GET drift shows the new baseline', () => {
    // x = e/MPE, the barometer profile's drift parameters (h 5, Phase I of 8 checks). Phase I: 0.003, −0.003
    // four times (x = ±0.01) → mean 0, μ0 = 0; σ = max(MR̄/1.128, U/2/MPE) = max(0.02/1.128, 0.0333) = 0.0333,
    // K = 0.0167, H = 5σ = 0.167; every Phase-I |x| is below K, so the sums stay 0. Then 0.15 hPa (x = 0.5):
    // CUSUM signals at once (S_H = 0.5 − 0.0167 = 0.483 > H). EWMA from z_0 = 0: z_8 = −0.000925 (±0.01 alternating),
    // then 0.1 + 0.8·z: 0.099260, 0.179408, 0.243527: past minShift 0.2 at the third step check, the 11th.
    const errors = [0.003, -0.003, 0.003, -0.003, 0.003, -0.003, 0.003, -0.003, 0.15, 0.15, 0.15];
    const series = (adjustLast: boolean) => errors.map((e, i) => check(i + 1, 30 - i, e, i === errors.length - 1 && adjustLast ? true : undefined));

    // The same checks without the adjustment: the drift alert opens at the 11th (the as-found state alarms),
    // not at the 10th.
    const control = barometer('bar-control');
    feed(control, series(false).slice(0, 10));
    expect(unresolved('bar-control', 'drift')).toEqual([]);
    expect(assurance.driftOf('bar-control', undefined).bySeries[0]).toMatchObject({ points: 10, alarm: false, phaseIComplete: true });
    expect(assurance.driftOf('bar-control', undefined).bySeries[0]!.cusum.signal).toBe(true);
    feed(control, series(false).slice(10));
    expect(unresolved('bar-control', 'drift').map((a) => a.key)).toEqual([SERIES]);
    expect(assurance.driftOf('bar-control', undefined).bySeries[0]).toMatchObject({ points: 11, alarm: true });
    expect(assurance.driftOf('bar-control', undefined).bySeries[0]!.normalised.ewma).toBeCloseTo(0.243527, 6);

    const adjusted = barometer('bar-adjusted');
    feed(adjusted, series(true));
    expect(unresolved('bar-adjusted', 'drift')).toEqual([]);
    expect(alerts.list({ device: 'bar-adjusted', kind: 'drift' })).toEqual([]); // not opened and cleared: never opened
    const view = assurance.driftOf('bar-adjusted', undefined);
    expect(view.bySeries[0]).toMatchObject({
      series: SERIES,
      points: 0,
      alarm: false,
      resetReason: 'adjustment',
      resetAt: new Date(NOW - 20 * DAY).toISOString(),
    });
    // The check itself is stored as found, with its decision.
    expect(assurance.checksOf('bar-adjusted')[0]).toMatchObject({ seq: 11, error: 0.15, decision: 'pass', adjusted: true });
  });

  it('an adjusted check clears the open drift and predicted-oot alerts of its series with a note', () => {
    // A perfect ramp of 0.02 hPa a day (x = 0, 0.0667, …): from 4 checks a significant slope whose
    // line reaches TL − U = 0.28 hPa within days, two checks in a row → predicted-oot from the 5th.
    const device = barometer('bar-ramp');
    feed(
      device,
      [0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14].map((e, i) => check(i + 1, 10 - i, e)),
    );
    const before = assurance.driftOf('bar-ramp', undefined);
    expect(before.predictedOutOfToleranceAt).not.toBeNull();
    const open = [...unresolved('bar-ramp', 'predicted-oot'), ...unresolved('bar-ramp', 'drift')];
    expect(open.map((a) => a.kind)).toContain('predicted-oot');

    // Found at 0.16 hPa (a pass, within TL − U = 0.28), adjusted back.
    feed(device, [check(9, 2, 0.16, true)]);
    for (const a of open) {
      const after = alerts.get(a.id)!;
      expect(after.state, a.kind).toBe('resolved');
      expect(after.resolvedBy).toBe('system');
      expect(after.resolution?.note).toMatch(/^instrument adjusted at check 9 \(.*; found pass\): drift statistics restarted$/);
    }
    expect(unresolved('bar-ramp', 'predicted-oot')).toEqual([]);
    expect(unresolved('bar-ramp', 'drift')).toEqual([]);
    // GET drift and the alerts agree: nothing predicted, nothing signalled.
    const view = assurance.driftOf('bar-ramp', undefined);
    expect(view).toMatchObject({ predictedOutOfToleranceAt: null });
    expect(view.bySeries[0]).toMatchObject({ points: 0, alarm: false, predictedOutOfToleranceAt: null, resetReason: 'adjustment' });

    // The next checks build the new baseline; a single check opens nothing.
    feed(device, [check(10, 1, 0.001)]);
    expect(assurance.driftOf('bar-ramp', undefined).bySeries[0]).toMatchObject({ points: 1, resetReason: 'adjustment' });
    expect(unresolved('bar-ramp', 'predicted-oot')).toEqual([]);
  });

  it('an adjusted check restarts every test point and regime of the instrument, clearing their alerts', () => {
    // The ramp of the test above at test point p1 (predicted-oot open), and 8 quiet checks at p2; then a
    // check at p2 records the adjustment of the barometer: p1's baseline restarts at its time too, and its
    // alert clears (the instrument behind p1's ramp no longer exists).
    const device = barometer('bar-points');
    const at = (point: string, c: CheckResult): CheckResult => ({ ...c, point });
    feed(
      device,
      [0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14].map((e, i) => at('p1', check(i + 1, 10 - i, e))),
    );
    feed(
      device,
      [0.003, -0.003, 0.003, -0.003].map((e, i) => at('p2', check(20 + i, 10 - i, e))),
    );
    expect(unresolved('bar-points', 'predicted-oot').map((a) => a.key)).toEqual(['point=p1,regime=inService']);

    feed(device, [at('p2', check(30, 2, 0.001, true))]);
    expect(unresolved('bar-points', 'predicted-oot')).toEqual([]);
    const [cleared] = alerts.list({ device: 'bar-points', kind: 'predicted-oot' });
    expect(cleared!.resolution?.note).toMatch(/^instrument adjusted at check 30 \(.*\): drift statistics restarted$/);
    const bySeries = Object.fromEntries(assurance.driftOf('bar-points', undefined).bySeries.map((s) => [s.series, s]));
    for (const series of ['point=p1,regime=inService', 'point=p2,regime=inService'])
      expect(bySeries[series], series).toMatchObject({ points: 0, resetReason: 'adjustment', resetAt: new Date(NOW - 2 * DAY).toISOString() });

    // a check of p1 made before the adjustment and arriving after it is not in the new baseline
    feed(device, [at('p1', check(9, 3, 0.16))]);
    expect(assurance.driftOf('bar-points', undefined).bySeries.find((s) => s.series === 'point=p1,regime=inService')).toMatchObject({ points: 0 });
  });

  it('a certificate registered afterwards rebuilds each series with the adjustments recorded at its siblings', () => {
    // Checks at p1 on days −10…−7, an adjustment recorded at p2 on day −6, p1 again on −5…−4; then a
    // calibration issued on day −12 arrives: p1 is re-fed from day −12 and restarts again at day −6, so it
    // holds the two checks after the adjustment, not six.
    const device = barometer('bar-rebuild');
    const at = (point: string, c: CheckResult): CheckResult => ({ ...c, point });
    feed(
      device,
      [1, 2, 3, 4].map((n) => at('p1', check(n, 11 - n, 0.001 * n))),
    );
    feed(device, [at('p2', check(5, 6, 0.002, true))]);
    feed(
      device,
      [6, 7].map((n) => at('p1', check(n, 11 - n, 0.001))),
    );
    const p1 = () => assurance.driftOf('bar-rebuild', undefined).bySeries.find((s) => s.series === 'point=p1,regime=inService');
    expect(p1()).toMatchObject({ points: 2, resetReason: 'adjustment' });
    registry.addCertificate(
      'bar-rebuild',
      {
        kind: 'calibration',
        number: 'C-1',
        issuedBy: 'VMI',
        issuedAt: new Date(NOW - 12 * DAY).toISOString(),
        validUntil: new Date(NOW + 300 * DAY).toISOString(),
      },
      'test',
      new Date(NOW),
    );
    assurance.onCertificate(device, { kind: 'calibration', number: 'C-1', issuedAt: new Date(NOW - 12 * DAY).toISOString() }, new Date(NOW));
    expect(p1()).toMatchObject({ points: 2, resetReason: 'adjustment', resetAt: new Date(NOW - 6 * DAY).toISOString() });
  });

  it('an adjusted check that fails as found keeps its out-of-tolerance alert', () => {
    const device = barometer('bar-fail');
    const failing: CheckResult = { ...check(1, 1, 0.5, true), legal: 'fail', decision: 'fail' };
    feed(device, [failing]);
    expect(alerts.list({ device: 'bar-fail', kind: 'out-of-tolerance', unresolved: true })).toHaveLength(1);
    expect(assurance.driftOf('bar-fail', undefined).bySeries[0]).toMatchObject({ points: 0, resetReason: 'adjustment' });
  });
});

describe("the days alert sentences name are the enterprise's local days", () => {
  let dir: string;
  let db: Db;
  let registry: Registry<Db>;
  let alerts: AlertBook;
  let assurance: Assurance;
  const seals = new Map<string, { finding: string; inspection: string; since: string }>();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mag-assurance-days-test-'));
    db = openStateDb(dir);
    registry = new Registry(db); // MAG_DEFAULT_TIME_ZONE: Asia/Ho_Chi_Minh (UTC+7)
    const created = new Date('2025-01-01T00:00:00Z');
    registry.createTenant({ id: 'hanoi', name: 'Hà Nội Fuel', region: 'VN-HN' }, created);
    registry.createTenant({ id: 'paulista', name: 'Paulista', region: 'VN-HN', timeZone: 'America/Sao_Paulo' }, created); // UTC−3, no summer time
    alerts = new AlertBook(db);
    seals.clear();
    assurance = new Assurance(
      db,
      registry,
      alerts,
      loadProfiles(join(PACKAGE_ROOT, 'devices')),
      { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 },
      undefined,
      { sealOf: (device) => seals.get(device) },
    );
  });

  afterEach(() => {
    alerts.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function barometer(id: string, tenant: string, issuedAt: string, validUntil: string): Device {
    const d = registry.createDeviceWithSecretHash({ id, tenant, type: 'barometer', serial: id }, 'unused', new Date('2025-01-01T00:00:00Z'));
    registry.addCertificate(id, { kind: 'verification', number: `V-${id}`, issuedBy: 'VMI', issuedAt, validUntil }, 'test', new Date('2025-01-01T00:00:00Z'));
    return d;
  }

  const summaryOf = (device: string, kind: 'verification-overdue' | 'verification-due-soon' | 'sealed-in-use') =>
    alerts.list({ device, kind }).map((a) => a.summary);

  function reading(device: string, seq: number, ts: number, status: 'ok' | 'unverified'): AcceptedReading {
    return {
      seq,
      ts,
      quantity: 'pressure',
      value: 1013,
      raw: 1013,
      unit: 'hPa',
      status,
      tags: { tenant: registry.device(device)!.tenant, device, type: 'barometer' },
    };
  }
  const withReadings = (...readings: AcceptedReading[]): IngestResult => ({ points: [], readings, checks: [], findings: [], rejections: [] });

  it('a verification valid through the end of 28 February in Vietnam (16:59:59.999Z) expired on 2026-02-28, its readings valid until that day', () => {
    const d = barometer('bar-vn', 'hanoi', '2025-03-01T00:00:00.000+07:00', '2026-02-28T16:59:59.999Z');
    // 07:30 on 1 March in Vietnam
    assurance.reviewVerification(d, new Date('2026-03-01T00:30:00Z'));
    expect(summaryOf('bar-vn', 'verification-overdue')).toEqual(['Verification expired on 2026-02-28']);

    // a reading of another instrument with the same certificate, before any review: the reading's own alert
    const d2 = barometer('bar-vn-2', 'hanoi', '2025-03-01T00:00:00.000+07:00', '2026-02-28T16:59:59.999Z');
    assurance.apply(
      d2,
      'instruments/bar-vn-2/readings',
      withReadings(reading('bar-vn-2', 1, Date.parse('2026-03-01T00:30:00Z'), 'unverified')),
      Buffer.from('{}'),
      new Date('2026-03-01T00:30:00Z'),
    );
    expect(summaryOf('bar-vn-2', 'verification-overdue')).toEqual(['Readings from an instrument without valid verification (expired, valid until 2026-02-28)']);
  });

  it('in São Paulo (UTC−3) the end of 28 February is 02:59:59.999Z on 1 March: its day, 28 February, is named, not the UTC one', () => {
    const d = barometer('bar-sp', 'paulista', '2025-03-01T00:00:00.000-03:00', '2026-03-01T02:59:59.999Z');
    assurance.reviewVerification(d, new Date('2026-03-01T12:00:00Z'));
    expect(summaryOf('bar-sp', 'verification-overdue')).toEqual(['Verification expired on 2026-02-28']);
  });

  it('a verification valid through the end of 31 March in Vietnam is due on 2026-03-31', () => {
    const d = barometer('bar-due', 'hanoi', '2025-04-01T00:00:00.000+07:00', '2026-03-31T16:59:59.999Z');
    // 15 March: within the 30 days before the end
    assurance.reviewVerification(d, new Date('2026-03-15T03:00:00Z'));
    expect(summaryOf('bar-due', 'verification-due-soon')).toEqual(['Verification due on 2026-03-31']);
  });

  it('an instrument sealed off at 06:30 on 1 April in Vietnam (23:30Z on 31 March) is sealed since 2026-04-01', () => {
    const d = barometer('bar-sealed', 'hanoi', '2025-04-01T00:00:00.000+07:00', '2026-03-31T16:59:59.999Z');
    seals.set('bar-sealed', { finding: 'F-7', inspection: 'I-3', since: '2026-03-31T23:30:00.000Z' });
    const now = new Date('2026-03-31T23:45:00Z');
    assurance.apply(d, 'instruments/bar-sealed/readings', withReadings(reading('bar-sealed', 1, now.getTime(), 'ok')), Buffer.from('{}'), now);
    expect(summaryOf('bar-sealed', 'sealed-in-use')).toEqual(['Sealed off by finding F-7 (inspection I-3) since 2026-04-01, yet it sends measurements']);
    expect(alerts.list({ device: 'bar-sealed', kind: 'sealed-in-use' })[0].details).toMatchObject({ sealedSince: '2026-03-31T23:30:00.000Z' });
  });

  /** A passing check of `error` hPa at `ts` (MPE 0.3 hPa in service, U 0.02 hPa). */
  const driftCheck = (seq: number, ts: number, error: number): CheckResult => ({
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
    legal: 'pass',
    decision: Math.abs(error) <= 0.28 ? 'pass' : 'conditional-pass',
    regime: 'inService',
    standardId: 'REF-BARO-1',
  });
  /** Daily checks on the exact line 0.05 hPa a day, the last at `last`; each judged when it is made. */
  const rampTo = (on: Assurance, d: Device, last: number, errors: number[]) => {
    for (const [i, e] of errors.entries()) {
      const ts = last - (errors.length - 1 - i) * DAY;
      on.recordCheck(d, driftCheck(i + 1, ts, e), new Date(ts));
    }
    alerts.flush();
  };
  const predictedOot = (device: string) => alerts.list({ device, kind: 'predicted-oot' });

  it('a prediction at 18:00Z on 30 June is dated 2026-07-01 in Vietnam and 2026-06-30 in São Paulo, in GET drift and the alert alike', () => {
    // 0.30 hPa at the last check is past TL − U = 0.28 hPa: the predicted instant is the last check's
    // time, 18:00Z on 30 June: 01:00 on 1 July in Vietnam (UTC+7), 15:00 on 30 June in São Paulo (UTC−3).
    const last = Date.parse('2026-06-30T18:00:00Z');
    const vn = barometer('bar-ramp-vn', 'hanoi', '2026-01-01T00:00:00.000+07:00', '2026-12-31T16:59:59.999Z');
    const sp = barometer('bar-ramp-sp', 'paulista', '2026-01-01T00:00:00.000-03:00', '2027-01-01T02:59:59.999Z');
    for (const d of [vn, sp]) rampTo(assurance, d, last, [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(assurance.driftOf('bar-ramp-vn', undefined).predictedOutOfToleranceAt).toBe('2026-07-01');
    expect(predictedOot('bar-ramp-vn').map((a) => a.summary)).toEqual([
      'Predicted out of tolerance (in service) on 2026-07-01 (drift 0.05 per day; verification due 2026-12-31)',
    ]);
    expect(predictedOot('bar-ramp-vn')[0].details).toMatchObject({ predictedOutOfToleranceAt: '2026-07-01' });
    expect(assurance.driftOf('bar-ramp-sp', undefined).predictedOutOfToleranceAt).toBe('2026-06-30');
    expect(predictedOot('bar-ramp-sp').map((a) => a.summary)).toEqual([
      'Predicted out of tolerance (in service) on 2026-06-30 (drift 0.05 per day; verification due 2026-12-31)',
    ]);
  });

  it('beyond the horizon, a predicted day after the last valid day opens no alert; on it, one (São Paulo: the days, not their UTC midnights)', () => {
    // No horizon: only the due day counts. Exact line 0.05 hPa a day, last check 20:00Z on 30 June (17:00
    // there): it reaches 0.28 hPa 0.6 days later, 10:24Z on 1 July, 07:24 on 1 July in São Paulo. The
    // verification of one ends with 30 June there (02:59:59.999Z on 1 July, after 1 July's UTC midnight),
    // the other's with 1 July.
    const strict = new Assurance(db, registry, alerts, loadProfiles(join(PACKAGE_ROOT, 'devices')), { dueSoonDays: 30, horizonDays: 0, invalidBurst: 10 });
    const last = Date.parse('2026-06-30T20:00:00Z');
    const endsJune30 = barometer('bar-due-0630', 'paulista', '2025-07-01T00:00:00.000-03:00', '2026-07-01T02:59:59.999Z');
    const endsJuly1 = barometer('bar-due-0701', 'paulista', '2025-07-02T00:00:00.000-03:00', '2026-07-02T02:59:59.999Z');
    for (const d of [endsJune30, endsJuly1]) rampTo(strict, d, last, [0.05, 0.1, 0.15, 0.2, 0.25]);
    expect(strict.driftOf('bar-due-0630', undefined).predictedOutOfToleranceAt).toBe('2026-07-01');
    expect(predictedOot('bar-due-0630')).toEqual([]);
    expect(predictedOot('bar-due-0701').map((a) => a.summary)).toEqual([
      'Predicted out of tolerance (in service) on 2026-07-01 (drift 0.05 per day; verification due 2026-07-01)',
    ]);
  });
});

describe('a check whose judgement fails part-way', () => {
  let dir: string;
  let db: Db;
  let registry: Registry<Db>;
  let alerts: AlertBook;
  let assurance: Assurance;

  beforeEach(() => {
    ({ dir, db, registry, alerts, assurance } = openState());
  });

  afterEach(() => closeState(dir, db, alerts));

  const failing = (seq: number, uncertainty: number): CheckResult => ({
    seq,
    ts: NOW - seq * DAY,
    unit: 'hPa',
    indicated: 1001,
    corrected: 1001,
    reference: 1000,
    error: 1,
    relativeError: 0.001,
    mpe: MPE,
    uncertainty,
    en: 1 / U,
    legal: 'fail',
    decision: 'fail',
    regime: 'inService',
    standardId: 'REF-BARO-1',
  });

  it('leaves nothing of it in memory: the device’s next checks raise their alert (they repeated one that was never stored, until a restart)', async () => {
    const device = registry.createDeviceWithSecretHash({ id: 'baro-x', tenant: 'acme', type: 'barometer', serial: 'x' }, 'unused', new Date(NOW - 400 * DAY));
    // an uncertainty the drift statistics refuse, after the check's alerts were raised in the same transaction
    expect(() => assurance.recordCheck(device, failing(3, Number.POSITIVE_INFINITY), new Date(NOW))).toThrow(/uncertainty must be finite/);
    await new Promise((r) => setTimeout(r, 10)); // the alert book reads its open alerts again
    expect(() => assurance.recordCheck(device, failing(2, U), new Date(NOW))).not.toThrow();
    expect(() => assurance.recordCheck(device, failing(1, U), new Date(NOW))).not.toThrow();
    alerts.flush();
    // one out-of-tolerance alert, stored, counting the two checks judged (without the resync: none stored)
    const stored = (await alerts.list({ device: 'baro-x' } as never)).filter((a) => a.kind === 'out-of-tolerance');
    expect(stored.map((a) => a.count)).toEqual([2]);
  });
});

describe('errors that favour the seller (seller-favoured, docs/metrology.md §6; NIST HB44 G-UR.4.1)', () => {
  // A fuel dispenser at Qmax in trade: 20 L against a 20 L proving measure, MPE 0.45 % × 20 L = 0.09 L
  // (ĐLVN 10 ±0.3 % × 1.5), U = 0.0115 L (as in test/integration/checks-and-alerts.test.ts). An error of
  // +0.06 L (indicated 20.06 L, x = 0.06/0.09 = 0.667) is a pass (below TL − U = 0.0785 L) that charges
  // the customer for 0.06 L not delivered. The profile's rule (MAG's choice): minChecks 5, one-sided sign
  // test p ≤ 0.05, mean ≥ 0.5 of the MPE on the seller's side (error > 0).
  const FD_MPE = 0.09;
  const FD_U = 0.011547;
  const QMAX = 'point=Qmax,regime=inService';
  let dir: string;
  let db: Db;
  let registry: Registry<Db>;
  let alerts: AlertBook;
  let assurance: Assurance;
  const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));

  beforeEach(() => {
    ({ dir, db, registry, alerts, assurance } = openState());
  });
  afterEach(() => closeState(dir, db, alerts));

  function device(id: string, type: 'fuel-dispenser' | 'barometer'): Device {
    return registry.createDeviceWithSecretHash({ id, tenant: 'acme', type, serial: id }, 'unused', new Date(NOW - 400 * DAY));
  }

  /** A passing dispenser check at `point` (20 L at Qmax, 5 L at the MMQ) with error `error` L, `daysAgo` days before NOW. */
  function dispenserCheck(seq: number, daysAgo: number, error: number, o: { adjusted?: boolean; point?: 'Qmax' | 'MMQ' } = {}): CheckResult {
    const reference = o.point === 'MMQ' ? 5 : 20;
    const mpe = o.point === 'MMQ' ? 0.045 : FD_MPE; // MMQ: max(0.3 % × 5 L, Emin 0.03 L) × 1.5
    return {
      seq,
      ts: NOW - daysAgo * DAY,
      unit: 'L',
      indicated: reference + error,
      corrected: reference + error,
      reference,
      error,
      relativeError: error / reference,
      mpe,
      uncertainty: FD_U,
      en: error / FD_U,
      legal: 'pass',
      decision: 'pass',
      regime: 'inService',
      point: o.point ?? 'Qmax',
      standardId: 'PM-20L-07',
      ...(o.adjusted === undefined ? {} : { adjusted: o.adjusted }),
    };
  }

  function feed(d: Device, checks: CheckResult[]): void {
    for (const c of checks) assurance.recordCheck(d, c, new Date(NOW));
    alerts.flush();
  }
  const open = (id: string) => alerts.list({ device: id, kind: 'seller-favoured', unresolved: true });
  const sellerFavour = (id: string, series = QMAX) =>
    assurance.driftOf(id, profiles.get(registry.registeredDevice(id)!.type)).bySeries.find((s) => s.series === series)?.sellerFavour;

  it('the dispenser and scale profiles carry the rule (errors above the reference favour the seller); other types do not', () => {
    for (const id of ['fuel-dispenser', 'scale'])
      expect(profiles.get(id)!.sellerFavour, id).toEqual({ errorSign: 1, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5, clearPValue: 0.2, clearMeanMpe: 0.4 });
    for (const id of ['gas-detector', 'barometer', 'breath-alcohol-analyser', 'profile-projector', 'checkweigher'])
      expect(profiles.get(id)?.sellerFavour, id).toBeUndefined();
  });

  it('5 checks each +0.06 L at 20 L open it (5 of 5: p = 1/32, mean 0.667 of the MPE); 4 do not; a replay counts once', () => {
    const fd = device('fd-seller', 'fuel-dispenser');
    const checks = [1, 2, 3, 4, 5, 6].map((n) => dispenserCheck(n, 30 - n, 0.06));
    feed(fd, checks.slice(0, 4));
    expect(open('fd-seller')).toEqual([]); // 4 of 4: p = 1/16 and fewer than minChecks
    expect(sellerFavour('fd-seller')).toMatchObject({ checksCounted: 4, onSellerSide: 4, onBuyerSide: 0, pValue: 0.0625, finding: false });
    feed(fd, [checks[3]!]); // check 4 again (same seq and time): stored and judged once
    expect(sellerFavour('fd-seller')).toMatchObject({ checksCounted: 4 });
    expect(open('fd-seller')).toEqual([]);

    feed(fd, [checks[4]!]);
    const [alert] = open('fd-seller');
    expect(alert).toMatchObject({ kind: 'seller-favoured', key: QMAX, severity: 'warning', count: 1 });
    expect(alert!.summary).toBe(
      "Errors favour the seller (point Qmax, in service): 5 of 5 checks on the seller's side (sign test p = 0.03125), mean +0.06 L (0.6667 of the MPE); NIST HB44 G-UR.4.1",
    );
    expect(alert!.details).toMatchObject({
      series: QMAX,
      point: 'Qmax',
      regime: 'inService',
      checksCounted: 5,
      onSellerSide: 5,
      onBuyerSide: 0,
      pValue: 0.03125,
      unit: 'L',
      mpe: FD_MPE,
      rule: { errorSign: 1, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5 },
    });
    expect(alert!.details.meanErrorMpe).toBeCloseTo(0.06 / 0.09, 12);
    expect(alert!.details.meanError).toBeCloseTo(0.06, 12);
    expect(alert!.details.source).toMatch(/NIST Handbook 44, General Code, G-UR\.4\.1.*MAG default/);
    expect(sellerFavour('fd-seller')).toMatchObject({ checksCounted: 5, onSellerSide: 5, onBuyerSide: 0, pValue: 0.03125, finding: true });

    // a further check on the seller's side is counted on the open alert: one per (device, series)
    feed(fd, [checks[5]!]);
    expect(open('fd-seller')).toHaveLength(1);
    expect(open('fd-seller')[0]).toMatchObject({ id: alert!.id, count: 2 });
    expect(open('fd-seller')[0]!.details).toMatchObject({ checksCounted: 6, pValue: 1 / 64 });
  });

  it('5 checks alternating sides open nothing (3 of 5 on the seller side: p = 1/2)', () => {
    const fd = device('fd-fair', 'fuel-dispenser');
    feed(
      fd,
      [0.06, -0.06, 0.06, -0.06, 0.06].map((e, i) => dispenserCheck(i + 1, 30 - i, e)),
    );
    expect(open('fd-fair')).toEqual([]);
    expect(alerts.list({ device: 'fd-fair', kind: 'seller-favoured' })).toEqual([]);
    expect(sellerFavour('fd-fair')).toMatchObject({ checksCounted: 5, onSellerSide: 3, onBuyerSide: 2, pValue: 0.5, finding: false });
  });

  it('stays open within the clearing margin and clears past it: 5 of 6 (p = 7/64) keeps it, 5 of 7 (p = 29/128) ends it', () => {
    const fd = device('fd-back', 'fuel-dispenser');
    feed(
      fd,
      [1, 2, 3, 4, 5].map((n) => dispenserCheck(n, 30 - n, 0.06)),
    );
    const [alert] = open('fd-back');
    expect(alert).toBeDefined();
    // 5 of 6 on the seller's side: p = 7/64 = 0.109 (no new finding at 0.05, kept at clearPValue 0.2); mean
    // (5 × 0.06 − 0.06)/6 = 0.04 L = 0.444 of the MPE (≥ clearMeanMpe 0.4): the alert stays, counting the check
    feed(fd, [dispenserCheck(6, 20, -0.06)]);
    expect(open('fd-back')).toEqual([expect.objectContaining({ id: alert!.id, count: 2 })]);
    expect(sellerFavour('fd-back')).toMatchObject({ pValue: 7 / 64, finding: false, persists: true });
    // 5 of 7: p = (21 + 7 + 1)/128 = 0.2266 > 0.2; mean 0.18/7 = 0.0257 L = 0.286 of the MPE: cleared
    feed(fd, [dispenserCheck(7, 19, -0.06)]);
    expect(open('fd-back')).toEqual([]);
    const after = alerts.get(alert!.id)!;
    expect(after).toMatchObject({ state: 'resolved', resolvedBy: 'system', resolution: { reason: 'cleared' } });
    expect(after.resolution?.note).toMatch(
      /^errors no longer favour the seller beyond the rule: 5 of 7 non-zero errors on the seller's side \(sign test p = 0\.2266\)/,
    );
  });

  /** A class III scale's check at 50 kg (in service MPE 0.06 kg: e = 0.02 kg, Max 60 kg) with `error` kg. */
  const scaleCheck = (seq: number, error: number): CheckResult => ({
    ...dispenserCheck(seq, 30 - seq, error),
    unit: 'kg',
    reference: 50,
    indicated: 50 + error,
    corrected: 50 + error,
    relativeError: error / 50,
    mpe: 0.06,
    point: undefined,
    standardId: 'M1-50KG-02',
  });

  it('a scale registered for purchasing (its user the buyer) opens buyer-favoured when it weighs light, never seller-favoured', () => {
    // A coffee buyer's class III scale, e = 0.02 kg, Max 60 kg: at 50 kg (2,500 e, R76-1 Table 6's 2,000–10,000 e
    // band) the MPE is 1.5 e = 0.03 kg at verification, × 2 in service = 0.06 kg. Indicating 49.96 kg for 50 kg,
    // e = −0.04 kg = −0.667 of the MPE: a pass that pays the farmer for 0.04 kg less, five times.
    const buyer = registry.createDeviceWithSecretHash(
      { id: 'sc-buyer', tenant: 'acme', type: 'scale', serial: 'sc-buyer', e: 0.02, max: 60, use: 'purchasing' },
      'unused',
      new Date(NOW - 400 * DAY),
    );
    const seller = registry.createDeviceWithSecretHash(
      { id: 'sc-stall', tenant: 'acme', type: 'scale', serial: 'sc-stall', e: 0.02, max: 60 },
      'unused',
      new Date(NOW - 400 * DAY),
    );
    feed(
      buyer,
      [1, 2, 3, 4, 5].map((n) => scaleCheck(n, -0.04)),
    );
    feed(
      seller,
      [1, 2, 3, 4, 5].map((n) => scaleCheck(n, -0.04)),
    );
    expect(alerts.list({ device: 'sc-buyer', kind: 'seller-favoured' })).toEqual([]);
    const [a] = alerts.list({ device: 'sc-buyer', kind: 'buyer-favoured', unresolved: true });
    expect(a).toMatchObject({ kind: 'buyer-favoured', severity: 'warning' });
    expect(a!.summary).toMatch(
      /^Errors favour the buyer.*: 5 of 5 checks on the buyer's side \(sign test p = 0\.03125\), mean -0\.04 kg \(0\.6667 of the MPE\); NIST HB44 G-UR\.4\.1$/,
    );
    expect(a!.details).toMatchObject({ favoured: 'buyer', onSellerSide: 0, onBuyerSide: 5, pValue: 0.03125 });
    const series = assurance.driftOf('sc-buyer', profiles.get('scale')).bySeries[0]!;
    expect(series.sellerFavour).toMatchObject({ favoured: 'buyer', onBuyerSide: 5, finding: true });
    // the same light scale at a stall (its user the seller) favours the customer: nothing to say
    expect(alerts.list({ device: 'sc-stall', kind: 'seller-favoured' })).toEqual([]);
    expect(alerts.list({ device: 'sc-stall', kind: 'buyer-favoured' })).toEqual([]);
    expect(assurance.driftOf('sc-stall', profiles.get('scale')).bySeries[0]!.sellerFavour).toMatchObject({ favoured: 'seller', pValue: 1, finding: false });
    // adjusted back (found −0.04 kg once more): the series restarts and its buyer-favoured alert clears, as a seller's would
    feed(buyer, [{ ...scaleCheck(6, -0.04), adjusted: true }]);
    expect(alerts.list({ device: 'sc-buyer', kind: 'buyer-favoured', unresolved: true })).toEqual([]);
    expect(alerts.get(a!.id)!.resolution?.note).toMatch(/^instrument adjusted at check 6 \(.*; found pass\): drift statistics restarted$/);
  });

  it("a scale put to another use is judged at once for its new user's favour; the earlier user's alert clears", () => {
    // The class III scale above (MPE 0.06 kg in service at 50 kg). sc-heavy at a stall indicates 50.04 kg for
    // 50 kg five times: 5 of 5 on the seller's side, p = 1/32, mean +0.667 MPE: seller-favoured. sc-light
    // indicates 49.96 kg: it favours the customer at the stall, nothing to say. Both go to a purchasing point
    // (their user now the buyer): sc-heavy's errors favour the farmer who sells (its alert clears), sc-light's
    // the trader who buys: 5 of 5 on the buyer's side, p = 1/32, buyer-favoured without waiting for a check.
    const at = new Date(NOW - 400 * DAY);
    const heavy = registry.createDeviceWithSecretHash({ id: 'sc-heavy', tenant: 'acme', type: 'scale', serial: 'h', e: 0.02, max: 60 }, 'unused', at);
    const light = registry.createDeviceWithSecretHash({ id: 'sc-light', tenant: 'acme', type: 'scale', serial: 'l', e: 0.02, max: 60 }, 'unused', at);
    feed(
      heavy,
      [1, 2, 3, 4, 5].map((n) => scaleCheck(n, 0.04)),
    );
    feed(
      light,
      [1, 2, 3, 4, 5].map((n) => scaleCheck(n, -0.04)),
    );
    const [sf] = alerts.list({ device: 'sc-heavy', kind: 'seller-favoured', unresolved: true });
    expect(sf).toBeDefined();
    expect(alerts.list({ device: 'sc-light', unresolved: true })).toEqual([]);
    const now = new Date(NOW);
    for (const d of [heavy, light]) assurance.onUseChanged(registry.updateDevice(d.id, { use: 'purchasing' })!, undefined, now);
    expect(alerts.get(sf!.id)).toMatchObject({ state: 'resolved', resolution: { reason: 'cleared' } });
    expect(alerts.get(sf!.id)!.resolution?.note).toBe(
      "the instrument's use changed (none → purchasing): its errors are judged for the buyer's favour from now on",
    );
    expect(alerts.list({ device: 'sc-heavy', unresolved: true })).toEqual([]);
    const [bf] = alerts.list({ device: 'sc-light', unresolved: true });
    expect(bf).toMatchObject({ kind: 'buyer-favoured', details: { favoured: 'buyer', onBuyerSide: 5, pValue: 1 / 32 } });
    // and back to the stall: the buyer's alert clears, the seller's opens again for sc-heavy
    for (const d of [heavy, light]) assurance.onUseChanged(registry.updateDevice(d.id, { use: null })!, 'purchasing', now);
    expect(alerts.list({ device: 'sc-light', unresolved: true })).toEqual([]);
    expect(alerts.list({ device: 'sc-heavy', unresolved: true })).toEqual([expect.objectContaining({ kind: 'seller-favoured' })]);
  });

  it('an adjusted check clears it, on every test point of the dispenser, and the counts start again', () => {
    const fd = device('fd-adjusted', 'fuel-dispenser');
    const MMQ = 'point=MMQ,regime=inService';
    // Qmax: +0.06 L of 0.09 L; MMQ: +0.03 L of 0.045 L (x = 0.667 too)
    feed(fd, [
      ...[1, 2, 3, 4, 5].map((n) => dispenserCheck(n, 30 - n, 0.06)),
      ...[6, 7, 8, 9, 10].map((n) => dispenserCheck(n, 30 - n, 0.03, { point: 'MMQ' })),
    ]);
    expect(
      open('fd-adjusted')
        .map((a) => a.key)
        .sort(),
    ).toEqual([MMQ, QMAX]);
    // found at +0.06 L again (as found it would be 6 of 6), adjusted back at Qmax
    feed(fd, [dispenserCheck(11, 10, 0.06, { adjusted: true })]);
    expect(open('fd-adjusted')).toEqual([]);
    for (const a of alerts.list({ device: 'fd-adjusted', kind: 'seller-favoured' }))
      expect(a.resolution?.note, a.key).toMatch(/^instrument adjusted at check 11 \(.*; found pass\): drift statistics restarted$/);
    expect(sellerFavour('fd-adjusted')).toMatchObject({ checksCounted: 0, onSellerSide: 0, onBuyerSide: 0, pValue: 1, finding: false });
    expect(sellerFavour('fd-adjusted', MMQ)).toMatchObject({ checksCounted: 0, finding: false });
    // a new certificate clears one too, as it clears drift
    feed(
      fd,
      [12, 13, 14, 15, 16].map((n) => dispenserCheck(n, 20 - n, 0.06)),
    );
    const [again] = open('fd-adjusted');
    expect(again).toMatchObject({ key: QMAX });
    assurance.onCertificate(fd, { kind: 'verification', number: 'V-2', issuedAt: new Date(NOW - DAY).toISOString() }, new Date(NOW));
    expect(open('fd-adjusted')).toEqual([]);
    expect(alerts.get(again!.id)!.resolution?.note).toMatch(/^new verification certificate V-2 .*: drift statistics restarted$/);
  });

  it('rebuilds the drift as it stood at a past instant exactly as the gateway had it then, past adjustments and a later certificate', () => {
    const fd = device('fd-asof', 'fuel-dispenser');
    const profile = profiles.get('fuel-dispenser');
    const iso = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString();
    const certify = (number: string, daysAgo: number) => {
      registry.addCertificate(
        'fd-asof',
        { kind: 'verification', number, issuedBy: 'VMI', issuedAt: iso(daysAgo), validUntil: iso(daysAgo - 360) },
        'test',
        new Date(NOW),
      );
      assurance.onCertificate(fd, { kind: 'verification', number, issuedAt: iso(daysAgo) }, new Date(NOW));
    };
    certify('V-1', 60);
    // a check before V-1 (a backfilled one): in no baseline
    feed(fd, [dispenserCheck(1, 70, 0.02)]);
    // Qmax +0.06 L five times, MMQ +0.03 L five times, Qmax adjusted (restarting MMQ too), then Qmax and MMQ again
    feed(fd, [
      ...[2, 3, 4, 5, 6].map((n) => dispenserCheck(n, 48 - n, 0.06)),
      ...[7, 8, 9, 10, 11].map((n) => dispenserCheck(n, 48 - n, 0.03, { point: 'MMQ' })),
      dispenserCheck(12, 30, 0.07, { adjusted: true }),
      ...[13, 14, 15, 16, 17, 18].map((n) => dispenserCheck(n, 33 - n, [0.01, -0.02, 0.03, 0.02, 0.04, 0.05][n - 13]!)),
      ...[19, 20, 21].map((n) => dispenserCheck(n, 33 - n, 0.02, { point: 'MMQ' })),
    ]);
    const then = assurance.driftOf('fd-asof', profile);
    expect(then.bySeries.map((x) => [x.series, x.points])).toEqual([
      ['point=MMQ,regime=inService', 3],
      [QMAX, 6],
    ]);
    certify('V-2', 1);
    expect(assurance.driftOf('fd-asof', profile).bySeries.every((x) => x.points === 0)).toBe(true);
    // as of the last check (12 days ago): what GET drift said then, to the last figure
    expect(assurance.driftAsOfTime(fd, NOW - 12 * DAY, 1000)).toEqual({ view: then, complete: true });
    // as of the day before the adjustment: Qmax 5 checks, MMQ 5; at most 4 checks read: the newest only, said
    const early = assurance.driftAsOfTime(fd, NOW - 31 * DAY, 1000).view;
    expect(early.bySeries.map((x) => [x.series, x.points])).toEqual([
      ['point=MMQ,regime=inService', 5],
      [QMAX, 5],
    ]);
    expect(early.bySeries.find((x) => x.series === QMAX)!.sellerFavour).toMatchObject({ onSellerSide: 5, pValue: 1 / 32, finding: true });
    expect(assurance.driftAsOfTime(fd, NOW - 31 * DAY, 4).complete).toBe(false);
  });

  it('a barometer with the same pattern never opens it: its type has no rule, and GET drift says nothing of it', () => {
    const bar = device('bar-same', 'barometer');
    // +0.2 hPa of 0.3 hPa (x = 0.667), eight times
    feed(
      bar,
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => check(n, 30 - n, 0.2)),
    );
    expect(alerts.list({ device: 'bar-same', kind: 'seller-favoured' })).toEqual([]);
    expect(assurance.driftOf('bar-same', profiles.get('barometer')).bySeries[0]).not.toHaveProperty('sellerFavour');
  });

  /** A passing barometer check, as the first describe's. */
  function check(seq: number, daysAgo: number, error: number): CheckResult {
    return {
      seq,
      ts: NOW - daysAgo * DAY,
      unit: 'hPa',
      indicated: 1000 + error,
      corrected: 1000 + error,
      reference: 1000,
      error,
      relativeError: error / 1000,
      mpe: MPE,
      uncertainty: U,
      en: error / U,
      legal: 'pass',
      decision: 'pass',
      regime: 'inService',
      standardId: 'REF-BARO-1',
    };
  }
});
