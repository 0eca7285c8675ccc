// The HTTP API over a real PostgreSQL 15 state database (cluster mode), where every store answers
// with Promises: an enterprise's day seen through the routes (registry, alerts, the assurance
// report, the overview, lots, an inspection, a standard's reverse traceability) gives what a user
// sees, and the same as the API over SQLite gives for the same requests.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiOnPostgres, apiUnderTest, type ApiUnderTest } from '../support/api.ts';
import { createDatabase, startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { Ingest } from '../../src/ingest/ingest.ts';
import { CheckStore } from '../../src/store/checks.ts';
import type { StateExecutor } from '../../src/store/executor.ts';

const NOW = new Date('2026-03-01T00:00:00Z');
const now = () => NOW;

let server: PostgresHandle;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const verification = (number: string) => ({ kind: 'verification', number, issuedBy: 'QUATEST 1', issuedAt: '2026-01-15', validUntil: '2027-01-15' });
const calibration = (number: string, issuedAt: string, validUntil: string, asFound: { error: number; outOfTolerance: boolean }) => ({
  number,
  issuedBy: 'VMI',
  issuedAt,
  validUntil,
  uncertainty: 0.004,
  traceableTo: 'VMI national volume standard',
  asFound,
});

/** Checks of a 20 L proving measure at Qmax, judged by the real ingest, stored as the assurance state stores them. */
async function storeChecks<S extends StateExecutor>(api: ApiUnderTest<S>, checks: [device: string, seq: number, ts: string, error: number][]) {
  const d = api.deps;
  const ingest = new Ingest(
    {
      profile: (t) => d.profiles.get(t),
      certificates: (id) => d.registry.certificatesOf(id),
      lastTotalizer: () => undefined,
      timeZoneOf: () => 'UTC',
      standardOf: (id, tenant) => d.standards.standardOf(id, tenant),
    },
    { futureToleranceMs: 300_000, maxBatchReadings: 1000, backfillDays: 3650 },
  );
  const store = new CheckStore(api.db);
  for (const [device, seq, ts, error] of checks) {
    const body = { seq, ts, indicated: 20 + error, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-AUTH', point: 'Qmax' };
    const result = ingest.handle(d.registry.registeredDevice(device)!, 'checks', JSON.stringify(body), NOW.getTime());
    expect(result.rejections).toEqual([]);
    await store.insert(device, '', result.checks[0]!, NOW.toISOString());
  }
}

/** What the users see, through HTTP only (ids the stores make up left out). */
// Over 80 lines: one enterprise's story, request after request.
async function whatUsersSee<S extends StateExecutor>(api: ApiUnderTest<S>) {
  const call = async (method: string, path: string, opts?: { token?: string; body?: unknown }) => {
    const r = await api.call(method, path, opts);
    expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(300);
    return r;
  };
  await call('POST', '/api/v1/tenants', { body: { id: 'north', name: 'North Fuel', region: 'VN-HN' } });
  await call('POST', '/api/v1/tenants', { body: { id: 'south', name: 'South Fuel', region: 'VN-SG' } });
  for (const [id, tenant] of [
    ['fd-n1', 'north'],
    ['fd-s1', 'south'],
  ])
    await call('POST', '/api/v1/devices', { body: { id, tenant, type: 'fuel-dispenser', serial: `SN-${id}`, class: '0.5' } });
  await call('POST', '/api/v1/devices', { body: { id: 'cw-n1', tenant: 'north', type: 'checkweigher', serial: 'CW-1', class: 'XIII', e: 0.0001, max: 1 } });
  const certificate = (await call('POST', '/api/v1/devices/fd-n1/certificates', { body: verification('V-1') })).body;
  await call('POST', '/api/v1/devices/cw-n1/certificates', { body: verification('V-2') });
  const operator = await api.token('operator', { tenant: 'north' });
  const inspector = await api.token('inspector', { regions: ['VN-HN'] });

  // a standard of the authority, found out of tolerance after serving both enterprises
  await call('POST', '/api/v1/standards', {
    body: { id: 'PM-AUTH', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II', serial: 'BC-1' },
  });
  await call('POST', '/api/v1/standards/PM-AUTH/certificates', {
    body: calibration('HC-2025', '2025-01-10', '2026-01-10', { error: 0.002, outOfTolerance: false }),
  });
  await storeChecks(api, [
    ['fd-n1', 1, '2025-03-01T08:00:00Z', 0.06],
    ['fd-n1', 2, '2025-06-01T08:00:00Z', 0.12],
    ['fd-s1', 1, '2025-11-01T08:00:00Z', 0.12],
  ]);
  await call('POST', '/api/v1/standards/PM-AUTH/certificates', {
    body: calibration('HC-2026', '2026-01-12', '2027-01-12', { error: -0.03, outOfTolerance: true }),
  });
  const impact = (await call('GET', '/api/v1/standards/PM-AUTH/impact', { token: operator })).body;
  const impactCsv = (await call('GET', '/api/v1/standards/PM-AUTH/impact?format=csv')).text;

  // an alert of the north's dispenser, seen, acknowledged and resolved by its operator
  await api.deps.alerts.raise({
    tenant: 'north',
    device: 'fd-n1',
    kind: 'out-of-range',
    key: 'volume',
    severity: 'critical',
    summary: 'Reading outside the measuring range on fd-n1',
    details: { value: 1200, unit: 'L' },
    at: new Date('2026-02-20T00:00:00Z'),
  });
  const listed = (await call('GET', '/api/v1/alerts', { token: operator })).body.items;
  const id = listed.find((a: { kind: string }) => a.kind === 'out-of-range').id;
  const alert = (await call('GET', `/api/v1/alerts/${id}`, { token: operator })).body;
  const acknowledged = (await call('POST', `/api/v1/alerts/${id}/ack`, { token: operator, body: { note: 'technician sent' } })).body;
  const resolved = (await call('POST', `/api/v1/alerts/${id}/resolve`, { token: operator, body: { reason: 'repaired', note: 'sensor replaced' } })).body;
  const alertView = (a: Record<string, unknown>) => ({
    kind: a.kind,
    tenant: a.tenant,
    device: a.device,
    severity: a.severity,
    state: a.state,
    summary: a.summary,
  });

  // a lot of prepackages declared by the operator
  await call('POST', '/api/v1/lots', {
    token: operator,
    body: { id: 'RICE-A', tenant: 'north', product: 'Gạo ST25 500 g', nominal: 500, unit: 'g', lotSize: 200, scale: 'cw-n1' },
  });
  const lots = (await call('GET', '/api/v1/lots', { token: operator })).body.items;

  // an inspection at the north's station with two findings
  const inspection = (
    await call('POST', '/api/v1/inspections', {
      token: inspector,
      body: { tenant: 'north', startedAt: '2026-02-15T09:30:00+07:00', inspectors: ['Trần Thị Lan'] },
    })
  ).body.id;
  await call('POST', `/api/v1/inspections/${inspection}/findings`, { token: inspector, body: { kind: 'observation', description: 'Bảng niêm yết giá mờ' } });
  await call('POST', `/api/v1/inspections/${inspection}/findings`, {
    token: inspector,
    body: { device: 'fd-n1', kind: 'violation', description: 'kẹp chì bị đứt' },
  });
  const findings = (await call('GET', '/api/v1/findings', { token: operator })).body.items;

  const overview = (await call('GET', '/api/v1/overview', { token: inspector })).body;
  const report = (await call('GET', '/api/v1/reports/assurance?from=2025-01-01&to=2026-03-01', { token: inspector })).body;
  const reportCsv = (await call('GET', '/api/v1/reports/assurance?tenant=north&format=csv&from=2025-01-01', { token: operator })).text;
  const periodic = (await call('GET', '/api/v1/reports/periodic?from=2026-01-01&to=2026-02-28', { token: inspector })).body;
  const readiness = (await call('GET', '/api/v1/readiness', { token: inspector })).body.items;
  const checks = (await call('GET', '/api/v1/devices/fd-n1/checks')).body.items;
  const device = (await call('GET', '/api/v1/devices/fd-n1', { token: operator })).body;
  // the dispenser moved to another station on 20 January; a market scale put to purchasing; the drift as it stood on 31 December
  const moved = (await call('PATCH', '/api/v1/devices/fd-n1', { token: operator, body: { site: 'Cửa hàng số 3', movedAt: '2026-01-20' } })).body;
  await call('POST', '/api/v1/devices', { body: { id: 'sc-n1', tenant: 'north', type: 'scale', serial: 'SC-1', class: 'III', e: 0.02, max: 60 } });
  const purchasing = (await call('PATCH', '/api/v1/devices/sc-n1', { token: operator, body: { use: 'purchasing' } })).body;
  const driftThen = (await call('GET', '/api/v1/devices/fd-n1/drift?asOf=2025-12-31', { token: inspector })).body;
  // the system's own entries (alert.open) are written as the alert book tells of the change: not awaited by any request
  const audited = async () => (await call('GET', '/api/v1/audit')).body.items.map((e: { action: string }) => e.action).sort();
  await vi.waitFor(async () => expect(await audited()).toContain('alert.open'), { timeout: 2000, interval: 20 });

  const figures = (sections: { id: string; figures: { id: string; value: number | null }[] }[]) =>
    Object.fromEntries(sections.map((s) => [s.id, Object.fromEntries(s.figures.map((f) => [f.id, f.value]))]));
  return {
    certificate: { kind: certificate.kind, number: certificate.number, warnings: certificate.warnings },
    impact: {
      ...impact,
      items: impact.items.map((i: { device: string; checks: number; decisions: unknown; couldChange: { seq: number }[] }) => ({
        device: i.device,
        checks: i.checks,
        decisions: i.decisions,
        couldChange: i.couldChange.map((c) => c.seq),
      })),
    },
    impactCsvLines: impactCsv.trim().split(/\r?\n/).length,
    alerts: {
      listed: listed.map(alertView).sort((a: { kind: string }, b: { kind: string }) => a.kind.localeCompare(b.kind)),
      one: alertView(alert),
      acknowledged: { ...alertView(acknowledged), by: acknowledged.ackBy, note: acknowledged.ackNote },
      resolved: { ...alertView(resolved), by: resolved.resolvedBy, resolution: resolved.resolution },
    },
    lots: lots.map((l: { id: string; verdict: string; lotSize: number; sampleSize: number; measured: number }) => ({
      id: l.id,
      verdict: l.verdict,
      lotSize: l.lotSize,
      sampleSize: l.sampleSize,
      measured: l.measured,
    })),
    findings: findings.map((f: { kind: string; state: string; device?: string }) => ({ kind: f.kind, state: f.state, device: f.device ?? null })),
    overview: figures(overview.sections),
    report: { items: report.items, lots: report.lots },
    reportCsv,
    periodic: figures(periodic.sections),
    readiness: readiness.map((r: { tenant: string; score: number | null; rank: number }) => ({ tenant: r.tenant, score: r.score, rank: r.rank })),
    checks: checks.map((c: { seq: number; decision: string; ts: string }) => ({ seq: c.seq, decision: c.decision, ts: c.ts })),
    device: { verification: device.verification.state, drift: device.drift.length },
    moved: { site: moved.site, placements: moved.placements, use: purchasing.use },
    driftThen: { asOf: driftThen.asOf, complete: driftThen.complete, series: driftThen.series, points: driftThen.points, slopePerDay: driftThen.slopePerDay },
    audited: await audited(),
  };
}

describe('the API over PostgreSQL', () => {
  it('answers an enterprise’s day as over SQLite: alerts, reports, overview, lots, an inspection and a standard’s impact', async () => {
    const pg = await apiOnPostgres(await createDatabase(server, 'api_day'), { now });
    const lite = apiUnderTest({ now });
    try {
      const seen = await whatUsersSee(pg);
      expect(seen.certificate).toEqual({ kind: 'verification', number: 'V-1', warnings: [] });
      // band |−0.03| + 0.004 L: 0.06 L stays a pass, 0.12 L could become a conditional fail
      expect(seen.impact).toMatchObject({
        standard: 'PM-AUTH',
        from: '2025-01-09T17:00:00.000Z', // the calibrations' days in Vietnam
        to: '2026-01-11T17:00:00.000Z',
        basis: 'up-to-out-of-tolerance-finding',
        checks: 2, // the operator's own instrument's only
        instruments: 1,
        couldChange: 1,
        items: [{ device: 'fd-n1', checks: 2, decisions: { pass: 2, 'conditional-pass': 0, 'conditional-fail': 0, fail: 0 }, couldChange: [2] }],
      });
      expect(seen.impactCsvLines).toBe(4); // the header and the three checks of both enterprises (an admin's)
      expect(seen.alerts.listed).toEqual([
        expect.objectContaining({ kind: 'out-of-range', state: 'open', severity: 'critical' }),
        expect.objectContaining({ kind: 'standard-oot', device: 'PM-AUTH', tenant: 'north', severity: 'critical' }),
      ]);
      expect(seen.alerts.one).toMatchObject({ kind: 'out-of-range', summary: 'Reading outside the measuring range on fd-n1' });
      expect(seen.alerts.acknowledged).toMatchObject({ state: 'acknowledged', by: 'operator:operator-north', note: 'technician sent' });
      expect(seen.alerts.resolved).toMatchObject({
        state: 'resolved',
        by: 'operator:operator-north',
        resolution: { reason: 'repaired', note: 'sensor replaced' },
      });
      expect(seen.lots).toEqual([{ id: 'RICE-A', verdict: 'pending', lotSize: 200, sampleSize: 50, measured: 0 }]);
      expect(seen.findings).toEqual(
        expect.arrayContaining([
          { kind: 'observation', state: 'open', device: null },
          { kind: 'violation', state: 'open', device: 'fd-n1' },
        ]),
      );
      expect(seen.overview).toMatchObject({
        enterprises: { total: 1 },
        inspections: { inspections: 1, findings: 2, openFindings: 2, answeredFindings: 0 },
        lots: { lots: 0, failed: 0 },
      });
      expect(seen.overview.campaigns).toEqual({ campaigns: 0 });
      expect(seen.report.items.map((i: { device: string; checks: number }) => [i.device, i.checks])).toEqual([
        ['cw-n1', 0],
        ['fd-n1', 2],
      ]);
      // the instruments, then the lots of the period after an empty line
      expect(
        seen.reportCsv
          .trimEnd()
          .split(/\r?\n/)
          .map((line) => line.split(',').slice(0, 3).join(',')),
      ).toEqual(['tenant,device,type', 'north,cw-n1,checkweigher', 'north,fd-n1,fuel-dispenser', '', 'lot,tenant,product', 'RICE-A,north,Gạo ST25 500 g']);
      expect(seen.checks.map((c: { seq: number }) => c.seq)).toEqual([2, 1]);
      expect(seen.device).toEqual({ verification: 'valid', drift: 0 });
      // registered without a site: its earlier placement says only until when
      expect(seen.moved).toEqual({ site: 'Cửa hàng số 3', placements: [{ until: '2026-01-19T17:00:00.000Z' }], use: 'purchasing' });
      // no certificate issued by then (V-1 is of 15 January 2026): both checks of 2025, from the first
      expect(seen.driftThen).toMatchObject({ asOf: '2025-12-31T16:59:59.999Z', complete: true, series: 'point=Qmax,regime=inService', points: 2 });
      expect(seen.audited).toEqual(expect.arrayContaining(['alert.ack', 'alert.resolve', 'alert.open', 'lot.declare', 'standard.certificate.add']));
      expect(seen).toEqual(await whatUsersSee(lite));
    } finally {
      await pg.close();
      lite.close();
    }
  }, 60_000);
});
