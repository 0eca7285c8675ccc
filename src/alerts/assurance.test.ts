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

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-01T08:00:00.000Z');
const MPE = 0.3;
const U = 0.02;
const SERIES = 'regime=inService';

describe('an adjusted check and the drift alerts of its series', () => {
  let dir: string;
  let db: Db;
  let registry: Registry<Db>;
  let alerts: AlertBook;
  let assurance: Assurance;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mag-assurance-test-'));
    db = openStateDb(dir);
    registry = new Registry(db);
    registry.createTenant({ id: 'acme', name: 'Acme', region: 'VN-HN' }, new Date(NOW - 400 * DAY));
    alerts = new AlertBook(db);
    assurance = new Assurance(db, registry, alerts, loadProfiles(join(PACKAGE_ROOT, 'devices')), {
      dueSoonDays: 30,
      horizonDays: 90,
      invalidBurst: 10,
    });
  });

  afterEach(() => {
    alerts.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

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
    // x = e/MPE. Phase I: 0.003, −0.003, 0.003, −0.003, 0 hPa → μ0 = 0, σ = max(MR̄/1.128, U/2/MPE) =
    // max(0.0175/1.128, 0.0333) = 0.0333. Then 0.15 hPa (x = 0.5): CUSUM signals at once (S_H = 0.5 −
    // 0.0167 > H = 0.133), the EWMA shift is 0.1, 0.18, 0.244: past minShift 0.2 at the third step check.
    const errors = [0.003, -0.003, 0.003, -0.003, 0, 0.15, 0.15, 0.15];
    const series = (adjustLast: boolean) => errors.map((e, i) => check(i + 1, 30 - i, e, i === errors.length - 1 && adjustLast ? true : undefined));

    // The same checks without the adjustment: the drift alert opens at the 8th (the as-found state alarms).
    const control = barometer('bar-control');
    feed(control, series(false));
    expect(unresolved('bar-control', 'drift').map((a) => a.key)).toEqual([SERIES]);
    expect(assurance.driftOf('bar-control', undefined).bySeries[0]).toMatchObject({ points: 8, alarm: true });

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
      resetAt: new Date(NOW - 23 * DAY).toISOString(),
    });
    // The check itself is stored as found, with its decision.
    expect(assurance.checksOf('bar-adjusted')[0]).toMatchObject({ seq: 8, error: 0.15, decision: 'pass', adjusted: true });
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

  it('an adjusted check that fails as found keeps its out-of-tolerance alert', () => {
    const device = barometer('bar-fail');
    const failing: CheckResult = { ...check(1, 1, 0.5, true), legal: 'fail', decision: 'fail' };
    feed(device, [failing]);
    expect(alerts.list({ device: 'bar-fail', kind: 'out-of-tolerance', unresolved: true })).toHaveLength(1);
    expect(assurance.driftOf('bar-fail', undefined).bySeries[0]).toMatchObject({ points: 0, resetReason: 'adjustment' });
  });
});
