// A reference standard found out of tolerance, over a real SQLite state database: the day its
// standard-oot alert says the suspect period starts is the day of the calibration that starts it in
// each served enterprise's own zone (docs/metrology.md §8).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import type { CheckResult } from '../metrology/types.ts';
import { type Db, openStateDb } from '../store/db.ts';
import { Registry } from '../store/registry.ts';
import { AlertBook } from './alert-book.ts';
import { Assurance } from './assurance.ts';
import { ReferenceStandards } from './reference-standards.ts';

const CREATED = new Date('2024-12-01T00:00:00Z');

describe('standard-oot: the suspect period starts on a day of each enterprise', () => {
  let dir: string;
  let db: Db;
  let alerts: AlertBook;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mag-standards-test-'));
    db = openStateDb(dir);
    alerts = new AlertBook(db);
  });

  afterEach(() => {
    alerts.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A passing 20 L check of a fuel dispenser with the standard. */
  const check = (seq: number, ts: string): CheckResult => ({
    seq,
    ts: Date.parse(ts),
    unit: 'L',
    indicated: 20.01,
    corrected: 20.01,
    reference: 20,
    error: 0.01,
    relativeError: 0.0005,
    mpe: 0.15,
    uncertainty: 0.007,
    en: 1.4,
    legal: 'pass',
    decision: 'pass',
    regime: 'inService',
    standardId: 'PM-AUTH',
  });

  it('calibrated on 10 January 2025 in Vietnam (17:00Z on the 9th): since 2025-01-10 in Hà Nội, 2025-01-09 in São Paulo', () => {
    const registry = new Registry(db); // MAG_DEFAULT_TIME_ZONE: Asia/Ho_Chi_Minh
    registry.createTenant({ id: 'hanoi', name: 'Hà Nội Fuel', region: 'VN-HN' }, CREATED);
    registry.createTenant({ id: 'paulista', name: 'Paulista', region: 'VN-HN', timeZone: 'America/Sao_Paulo' }, CREATED); // UTC−3
    const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
    const assurance = new Assurance(db, registry, alerts, profiles, { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 });
    const standards = new ReferenceStandards(db, registry, alerts, profiles);
    const hn = registry.createDeviceWithSecretHash({ id: 'fd-hn', tenant: 'hanoi', type: 'fuel-dispenser', serial: 'hn' }, 'unused', CREATED);
    const sp = registry.createDeviceWithSecretHash({ id: 'fd-sp', tenant: 'paulista', type: 'fuel-dispenser', serial: 'sp' }, 'unused', CREATED);

    // the authority's proving measure, its certificates as the API stores them in Vietnam: issued at the
    // start of the day there (with its offset), valid through the end of the day before a year later
    standards.create({ id: 'PM-AUTH', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure' }, 'test', CREATED);
    const calibration = (number: string, issuedAt: string, validUntil: string, outOfTolerance: boolean) => ({
      number,
      issuedBy: 'VMI',
      issuedAt,
      validUntil,
      uncertainty: 0.004,
      asFound: { error: outOfTolerance ? -0.03 : 0.002, outOfTolerance },
    });
    standards.addCertificate('PM-AUTH', calibration('HC-2025', '2025-01-10T00:00:00.000+07:00', '2026-01-09T16:59:59.999Z', false), 'test', CREATED);
    assurance.recordCheck(hn, check(1, '2025-06-01T01:00:00Z'), new Date('2025-06-01T01:00:00Z'));
    assurance.recordCheck(sp, check(1, '2025-06-01T13:00:00Z'), new Date('2025-06-01T13:00:00Z'));
    standards.addCertificate(
      'PM-AUTH',
      calibration('HC-2026', '2026-01-12T00:00:00.000+07:00', '2027-01-11T16:59:59.999Z', true),
      'test',
      new Date('2026-01-12T03:00:00Z'),
    );

    const oot = alerts.list({ kind: 'standard-oot' });
    const of = (tenant: string) => oot.find((a) => a.tenant === tenant)!;
    // 2025-01-09T17:00:00Z: 00:00 on 10 January in Hà Nội (UTC+7), 14:00 on 9 January in São Paulo (UTC−3)
    expect(of('hanoi').summary).toBe(
      'Reference standard PM-AUTH found out of tolerance at its calibration HC-2026 (as found -0.03 L): 1 checks of 1 instruments since 2025-01-10 are suspect, 0 could change their decision',
    );
    expect(of('paulista').summary).toBe(
      'Reference standard PM-AUTH found out of tolerance at its calibration HC-2026 (as found -0.03 L): 1 checks of 1 instruments since 2025-01-09 are suspect, 0 could change their decision',
    );
    expect(of('paulista').details).toMatchObject({ from: '2025-01-09T17:00:00.000Z', since: '2025-01-09' });
  });
});
