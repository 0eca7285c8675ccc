// The demo's year of history: written once, the same for the same `now`, judged by the gateway's
// own rules, and enough for the overview and the periodic report to have months to show — the
// instruments' checks and alerts, the inspector's inspections and market campaign, the packer's lots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStateDb, type Db } from '../src/store/db.ts';
import { Registry } from '../src/store/registry.ts';
import { AlertBook } from '../src/alerts/alert-book.ts';
import { CheckStore } from '../src/store/checks.ts';
import { InspectionStore } from '../src/store/inspections.ts';
import { CampaignStore } from '../src/store/campaigns.ts';
import { verificationState } from '../src/metrology/verification.ts';
import { loadProfiles } from '../src/metrology/profile-loader.ts';
import { PACKAGE_ROOT } from '../src/config.ts';
import { expandDevices, loadFleet } from './fleet-file.ts';
import { ADJUSTED_NOTE, HISTORY_SEQ_BASE, seedDemoHistory, standingBiases } from './demo-history.ts';

const NOW = Date.parse('2026-03-15T05:00:00Z');
const DAY = 86_400_000;
const fleet = await loadFleet(join(PACKAGE_ROOT, 'simulators/fleets/demo.json'));
const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const dirs: string[] = [];
function freshDb(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'mag-history-'));
  dirs.push(dir);
  return openStateDb(dir);
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const rows = (db: Db, sql: string) => db.connection.prepare(sql).all() as Record<string, unknown>[];

describe('the demo history', () => {
  const db = freshDb();
  const h = seedDemoHistory(db, { fleet, profiles, now: NOW });

  it("covers the year before the live simulation's 120 days, every month with checks", () => {
    expect(h).toMatchObject({ seeded: true, from: '2025-03-15T05:00:00.000Z', to: new Date(NOW - 120 * DAY).toISOString() });
    // the instruments' own checks (the inspectors' count down from −1)
    const months = rows(db, "select strftime('%Y-%m', ts / 1000, 'unixepoch') m, count(*) n from checks where seq > 0 group by m order by m").map((r) => r.m);
    expect(months).toEqual(['2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11']);
    expect(h.checks).toBeGreaterThan(1000);
    // numbered above the live devices' own seq, so none of their checks is taken for a replay
    expect(rows(db, 'select min(seq) s from checks where seq > 0')[0].s).toBe(HISTORY_SEQ_BASE + 1);
  });

  it('registers the fleet a year back, with an unbroken chain of verification certificates', () => {
    const registry = new Registry(db);
    const fleetTenants = new Set(fleet.tenants.map((t) => t.id));
    expect(
      registry
        .listTenants()
        .map((t) => t.id)
        .filter((t) => fleetTenants.has(t)),
    ).toEqual([...fleetTenants].sort());
    // a calibrated type (the profile projector, standing "calibration") has no verification chain
    for (const d of registry.listDevices().filter((x) => fleetTenants.has(x.tenant) && profiles.get(x.type)?.standing !== 'calibration')) {
      expect(Date.parse(d.createdAt)).toBeLessThan(NOW - 365 * DAY);
      const certs = registry.certificatesOf(d.id);
      for (let t = NOW - 360 * DAY; t < NOW - 120 * DAY; t += 10 * DAY)
        expect(verificationState(certs, t, 30).state, `${d.id} on ${new Date(t).toISOString()}`).toMatch(/^(valid|due-soon)$/);
    }
  });

  it('has the portable gas detector moved from the station to the depot 75 days ago, its earlier site kept', () => {
    const d = new Registry(db).device('hn-gd-001')!;
    expect(d.site).toBe('Kho xăng dầu Đức Giang');
    expect(d.placements).toEqual([{ until: new Date(NOW - 75 * DAY).toISOString(), site: 'CHXD số 12, Giải Phóng' }]);
  });

  it('raises alerts as the gateway would and has the enterprises resolve most of them', () => {
    const alerts = new AlertBook(db).list({ limit: 5000 });
    const checks = new CheckStore(db);
    const kinds = new Set(alerts.map((a) => a.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['out-of-tolerance', 'drift', 'verification-due-soon']));
    // an out-of-tolerance alert opens at a failing check of its device and series
    for (const a of alerts.filter((x) => x.kind === 'out-of-tolerance')) {
      const at = Date.parse(a.openedAt);
      const c = checks.of(a.device, at, at, 10).find((x) => (x.gas ?? x.point ?? '') === a.key);
      expect(c?.decision, `${a.device} ${a.key} ${a.openedAt}`).toMatch(/fail$/);
    }
    const resolved = alerts.filter((a) => a.resolvedAt);
    expect(resolved.length / alerts.length).toBeGreaterThan(0.8);
    for (const a of resolved) expect(Date.parse(a.resolvedAt!)).toBeGreaterThanOrEqual(Date.parse(a.openedAt));
    // the instruments' alerts end where the live simulation starts (the lots run on to now)
    expect(alerts.filter((a) => a.kind !== 'lot-fail').every((a) => Date.parse(a.openedAt) < NOW - 120 * DAY)).toBe(true);
    // the drift statistics start again with the live simulation
    expect(rows(db, 'select count(*) n from drift')[0].n).toBe(0);
  });

  it("keeps the fleet's standing biases over the year: the purchasing scale weighs light, the Gò Dầu dispensers lean the station's way", () => {
    const liveStart = new Date(NOW - 120 * DAY).toISOString();
    const checks = new CheckStore(db);
    // a step from day 0 without an end (standingBiases) is the instrument's all along; the later steps stay in the live run
    const plan = (id: string) => expandDevices(fleet).find((p) => p.id === id)!;
    expect(standingBiases(plan('tn-sc-buyer'))).toEqual([{ kind: 'step', afterDays: 0, offset: -0.04, relative: -0.00046 }]);
    expect(standingBiases(plan('tn-fd-002'))).toEqual([{ kind: 'step', afterDays: 0, offset: 0.0165, relative: 0.00165 }]);
    expect(standingBiases(plan('hue-baro-step'))).toEqual([]);
    expect(standingBiases(plan('tn-gd-fail'))).toEqual([]);
    // tn-sc-buyer (use "purchasing": its user is the buyer), 0.04 kg + 0.046 % light: at 50, 200 and 300 kg
    // −0.063, −0.132 and −0.178 kg, found 0.005 kg lower by the change-point method, of MPE 0.1, 0.2 and 0.3 kg in
    // service; every passing check on the buyer's side (an out-of-tolerance episode of the history apart)
    const scale = checks.of('tn-sc-buyer', 0, NOW, 100_000).filter((c) => c.decision === 'pass');
    expect(scale.length).toBeGreaterThan(100);
    expect(scale.filter((c) => c.error >= 0)).toEqual([]);
    for (const point of ['500e', '2000e', 'Max']) {
      const at = scale.filter((c) => c.point === point);
      const mean = at.reduce((sum, c) => sum + c.error / c.mpe, 0) / at.length;
      expect(mean, point).toBeLessThan(-0.58);
      expect(mean, point).toBeGreaterThan(-0.72);
    }
    // its series start at its verification 40 days before the live run: each opens buyer-favoured at its fifth
    // check (5 of 5 on the buyer's side, p = 1/32), open until the live run starts them again
    const alerts = new AlertBook(db).list({ limit: 5000 });
    const buyer = alerts.filter((a) => a.device === 'tn-sc-buyer' && a.kind === 'buyer-favoured');
    expect(buyer.map((a) => a.key).sort()).toEqual(['point=2000e,regime=inService', 'point=500e,regime=inService', 'point=Max,regime=inService']);
    for (const a of buyer) {
      expect(a).toMatchObject({ resolvedAt: liveStart, resolvedBy: 'system', details: { favoured: 'buyer', onSellerSide: 0 } });
      expect(Date.parse(a.openedAt)).toBeLessThan(NOW - 125 * DAY);
    }
    // the dispensers of CHXD Gò Dầu, +0.0165 L + 0.165 %: 0.55 of the MPE at 20 L (0.09 L) and at 5 L (0.045 L)
    for (const d of ['tn-fd-001', 'tn-fd-002']) {
      const own = checks.of(d, 0, NOW, 100_000);
      expect(own.filter((c) => c.decision !== 'pass' || c.error <= 0)).toEqual([]);
      const mean = own.reduce((sum, c) => sum + c.error / c.mpe, 0) / own.length;
      expect(mean, d).toBeGreaterThan(0.5);
      expect(mean, d).toBeLessThan(0.6);
    }
  });

  it('has the instruments adjusted where the live run starts: no out-of-tolerance or conditional alert open past it', () => {
    const liveStart = new Date(NOW - 120 * DAY).toISOString();
    const alerts = new AlertBook(db).list({ limit: 5000 }).filter((a) => a.kind === 'out-of-tolerance' || a.kind === 'conditional');
    expect(alerts.filter((a) => !a.resolvedAt || a.resolvedAt > liveStart).map((a) => `${a.device} ${a.kind} ${a.key}`)).toEqual([]);
    // the slow drifts fail their checks up to there: those alerts are resolved then, by the enterprise, as adjusted
    const atLiveStart = alerts.filter((a) => a.resolvedAt === liveStart);
    expect(atLiveStart.length).toBeGreaterThan(0);
    for (const a of atLiveStart) expect(a).toMatchObject({ resolvedBy: `operator:${a.tenant}`, resolution: { reason: 'adjusted', note: ADJUSTED_NOTE } });
    // so no inspection finds an instrument conforming beside an alert of MAG's still open on it
    const store = new InspectionStore(db);
    const items = store.list().flatMap((i) => store.record(i.id)!.items);
    expect(items.length).toBe(10);
    expect(items.filter((i) => i.facts.unresolvedAlerts?.length).map((i) => `${i.inspection} ${i.device}`)).toEqual([]);
  });

  it('has an on-site inspection a quarter at the fuel stations and the packer, with findings of each kind answered and closed', () => {
    const store = new InspectionStore(db);
    expect(h).toMatchObject({ inspections: 4, findings: 4 });
    // one a quarter, the newest a month and a half before now: NOW − 10, 7, 4 and 1 months (the
    // 15th, 05:00Z) less 15 days is the 30th or 31st, opened at 08:30 in Hà Nội (01:30Z)
    expect(
      store
        .list()
        .map((i) => [i.tenant, i.startedAt, i.state, i.legalBasis?.slice(0, 25)])
        .reverse(),
    ).toEqual([
      ['petrolimex-hn', '2025-04-30T01:30:00.000Z', 'closed', 'Thông tư 15/2015/TT-BKHCN'],
      ['tayninh-xd', '2025-07-31T01:30:00.000Z', 'closed', 'Thông tư 15/2015/TT-BKHCN'],
      ['thachthat-food', '2025-10-31T01:30:00.000Z', 'closed', 'Thông tư 21/2014/TT-BKHCN'],
      ['petrolimex-hn', '2026-01-31T01:30:00.000Z', 'closed', 'Thông tư 15/2015/TT-BKHCN'],
    ]);
    // each names the authority whose team inspected, an address and who received the team; the
    // authority of its day: the province's Chi cục TĐC before the 2025 reorganisation (1 July), its
    // Sở Khoa học và Công nghệ since
    const tayninh = store.list().find((i) => i.tenant === 'tayninh-xd')!;
    expect(tayninh).toMatchObject({
      authority: 'Sở Khoa học và Công nghệ tỉnh Tây Ninh',
      siteAddress: expect.stringContaining('Tây Ninh'),
      representative: { name: 'Nguyễn Thị Hoa', position: 'Cửa hàng trưởng' },
    });
    expect(
      store
        .list()
        .map((i) => [i.startedAt.slice(0, 10), i.authority])
        .reverse(),
    ).toEqual([
      ['2025-04-30', 'Chi cục Tiêu chuẩn Đo lường Chất lượng Hà Nội'],
      ['2025-07-31', 'Sở Khoa học và Công nghệ tỉnh Tây Ninh'],
      ['2025-10-31', 'Sở Khoa học và Công nghệ thành phố Hà Nội'],
      ['2026-01-31', 'Sở Khoa học và Công nghệ thành phố Hà Nội'],
    ]);
    const s = store.inspectionSummary('2025-03-15T00:00:00Z', new Date(NOW).toISOString());
    // 4 + 1 + 1 + 4 instruments; the one whose seals were broken does not conform; one Qmax test
    // (or 500 g load on the checkweigher) each, all passing
    expect(s).toMatchObject({
      inspections: 4,
      closed: 4,
      tenants: 3,
      instruments: 10,
      conforming: 9,
      nonConforming: 1,
      checks: { total: 10, pass: 10, fail: 0 },
    });
    expect(s.reasons['seals-broken']).toBe(1);
    expect(s.findings.byKind).toEqual({ violation: 1, 'sealed-off': 1, observation: 2 });
    expect(s.findings.byState).toEqual({ open: 1, answered: 1, closed: 2 });
    // the in-trade test of a dispenser with the authority's 20 L measure: MPE 1.5 × 0.3 % × 20 L
    // = 0.09 L; U = 2·√((0.004/2)² + (0.01/√12)²) = 2·√(4e-6 + 8.33e-6) = 0.00702 L (the measure's
    // U and the 0.01 L display)
    const at = Date.parse('2025-04-30T01:50:00Z'); // the first instrument examined, 20 minutes in
    const check = new CheckStore(db).of('hn-fd-001', at, at, 10).find((c) => c.seq === -1)!;
    // judged as a device's check: the authority's measure, calibrated at the time, is traceable
    expect(check).toMatchObject({ standardId: 'TDC-PM-20L-01', reference: 20, regime: 'inService', decision: 'pass', traceable: true });
    expect(check.mpe).toBeCloseTo(0.09, 10);
    expect(check.uncertainty).toBeCloseTo(0.00702, 5);
    // the dispenser sealed off in July was released a week later: the live demo starts with no seal
    const [sealed] = store.findings({ kind: 'sealed-off' });
    expect(sealed).toMatchObject({ device: 'tn-fd-tamper', state: 'closed', closedAt: '2025-08-07T01:30:00.000Z' });
    expect(store.sealOf('tn-fd-tamper')).toBeUndefined();
  });

  it('has a market campaign in the former Bắc Giang (Bắc Ninh since July 2025) whose passed scales became instruments of their market', () => {
    const campaigns = new CampaignStore(db);
    const [c] = campaigns.list({});
    // in the middle of the last full quarter before 15 March 2026 (Q4 2025): 1 October + 1 month + 9 days;
    // after the 2025 reorganisation: the province is Bắc Ninh, its Sở KH&CN verifies, the markets are in xã/phường
    expect(c).toMatchObject({
      region: 'VN-BG',
      name: 'Kiểm định lưu động cân tại chợ, Bắc Ninh, 11/2025',
      from: '2025-11-09',
      to: '2025-11-11',
      authority: 'Sở Khoa học và Công nghệ tỉnh Bắc Ninh',
      markets: [
        { name: 'Chợ Vôi', district: 'xã Lạng Giang' },
        { name: 'Chợ Chũ', district: 'phường Chũ' },
        { name: 'Chợ Thắng', district: 'xã Hiệp Hòa' },
      ],
    });
    expect(JSON.stringify(c)).not.toMatch(/huyện|Chi cục|Bắc Giang/);
    // 4 scales on each of 3 markets, one of each 4 failing
    expect(campaigns.summary(c.id)).toMatchObject({ verified: 12, passed: 9, failed: 3, marketsVisited: 3, devicesRegistered: 9 });
    expect(h).toMatchObject({ verified: 12, passed: 9 });
    const registry = new Registry(db);
    const scales = registry.listDevices().filter((d) => d.tenant.startsWith('mkt-vn-bg-'));
    expect(scales.length).toBe(9);
    expect(new Set(scales.map((d) => d.tenant)).size).toBe(3);
    expect(
      registry
        .listTenants()
        .filter((t) => t.id.startsWith('mkt-vn-bg-'))
        .map((t) => t.name)
        .sort(),
    ).toEqual(['Tiểu thương Chợ Chũ, phường Chũ', 'Tiểu thương Chợ Thắng, xã Hiệp Hòa', 'Tiểu thương Chợ Vôi, xã Lạng Giang']);
    const [cert] = registry.certificatesOf(scales[0].id);
    expect(cert.issuedBy).toBe('Sở Khoa học và Công nghệ tỉnh Bắc Ninh');
    // a verification certificate for the scale type's 12 months from the day it was verified, valid
    // through that day a year on in Vietnam (UTC+7): its last millisecond, 16:59:59.999Z
    const vnDay = (iso: string) => new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 10);
    for (const d of scales) {
      const [cert] = registry.certificatesOf(d.id);
      const day = vnDay(cert.issuedAt);
      expect(cert.validUntil).toBe(`${Number(day.slice(0, 4)) + 1}${day.slice(4)}T16:59:59.999Z`); // Nov 2025 → Nov 2026
    }
  });

  it("judges the packer's lots of the last six months, and has the failed ones' alerts resolved", () => {
    // 3 lots a month for 6 months (days 2, 11 and 20 after the 15th); 2 short-filled (Qn − 3 g),
    // which fail on their mean: the 2nd of 15 October (26 Oct) and the 3rd of 15 January (4 Feb)
    expect(h).toMatchObject({ lots: 18, lotsFailed: 2 });
    const lots = rows(db, 'select id, verdict, judged_at from lots order by judged_at');
    expect(lots.length).toBe(18);
    expect(lots.filter((l) => l.verdict === 'fail').map((l) => l.id)).toEqual(['TT-ST25-251026-0001', 'TT-ST25-260204-0001']);
    expect(lots.every((l) => l.verdict === 'pass' || l.verdict === 'fail')).toBe(true);
    const failed = new AlertBook(db).list({ limit: 5000 }).filter((a) => a.kind === 'lot-fail');
    expect(failed.map((a) => [a.device, a.key, Boolean(a.resolvedAt)])).toEqual([
      ['tt-cw-line1', 'TT-ST25-260204-0001', true],
      ['tt-cw-line1', 'TT-ST25-251026-0001', true],
    ]);
    // each says under which plan it fails (not Vietnam's, whose figures are unconfirmed) and gives the mean and its
    // limit as the lot's reasons write them, to 0.01 g
    for (const a of failed)
      expect(a.summary).toMatch(
        /^Lot TT-ST25-\d{6}-0001 \(Gạo ST25 túi 500 g, Qn 500 g\) fails under plan "EU\/UK reference test, single sampling" \(not yet under Circular 21\/2014\/TT-BKHCN\): mean \d{3}(\.\d{1,2})? g below \d{3}(\.\d{1,2})? g$/,
      );
  });

  it('is written once, and the same again for the same now', () => {
    expect(seedDemoHistory(db, { fleet, profiles, now: NOW }).seeded).toBe(false);
    const other = freshDb();
    seedDemoHistory(other, { fleet, profiles, now: NOW });
    const facts = (x: Db) => ({
      checks: rows(x, 'select device, seq, ts, result from checks order by device, seq'),
      alerts: rows(x, 'select device, kind, key, severity, opened_at, resolved_at, count from alerts order by device, kind, key, opened_at'),
      certificates: rows(x, 'select device, number, issued_at, valid_until from certificates order by device, number'),
      inspections: rows(x, 'select id, tenant, started_at, closed_at, record_hash from inspections order by id'),
      inspectionChecks: rows(x, 'select device, seq, ts, result from checks where seq < 0 order by device, seq'),
      findings: rows(x, 'select id, kind, device, state, opened_at, answered_at, closed_at from findings order by id'),
      verifications: rows(x, 'select campaign, market, serial, result, device, verified_at from campaign_verifications order by id'),
      lots: rows(x, 'select id, verdict, judged_at from lots order by id'),
      packages: rows(x, 'select lot, position, value, seq, ts from lot_packages order by lot, position'),
    });
    expect(facts(other)).toEqual(facts(db));
  });
});
