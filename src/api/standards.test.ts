// Reference standards through the API alone (real stores, no broker): who registers and calibrates
// which, who sees which, checks judged traceable or not as they arrive, and reverse traceability when a
// standard is found out of tolerance. Checks enter through the real ingest and assurance code.
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { Ingest } from '../ingest/ingest.ts';

const NOW = new Date('2026-03-01T00:00:00Z');
let api: ApiUnderTest;
let ingest: Ingest;
let op: { north: string; south: string };
let insp: { hanoi: string; saigon: string };

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  for (const t of [
    { id: 'north', name: 'North Fuel', region: 'VN-HN' },
    { id: 'south', name: 'South Fuel', region: 'VN-SG' },
  ]) {
    expect((await api.call('POST', '/api/v1/tenants', { body: t })).status).toBe(201);
  }
  op = { north: api.token('operator', { tenant: 'north' }), south: api.token('operator', { tenant: 'south' }) };
  insp = { hanoi: api.token('inspector', { regions: ['VN-HN'] }), saigon: api.token('inspector', { regions: ['VN-SG'] }) };
  const d = api.deps;
  ingest = new Ingest(
    {
      profile: (t) => d.profiles.get(t),
      certificates: (id) => d.registry.certificatesOf(id),
      lastTotalizer: () => undefined,
      timeZoneOf: () => 'UTC',
      standardOf: (id, tenant) => d.standards.standardOf(id, tenant),
    },
    { futureToleranceMs: 300_000, maxBatchReadings: 1000, backfillDays: 3650 },
  );
});
afterEach(() => api.close());

const measure = (id: string, tenant?: string) => ({
  id,
  ...(tenant ? { tenant } : {}),
  name: `Bình chuẩn 20 L ${id}`,
  quantity: 'volume',
  unit: 'L',
  kind: 'proving-measure',
  class: 'II',
  serial: `BC-${id}`,
});
const calibration = (number: string, issuedAt: string, validUntil: string, extra: Record<string, unknown> = {}) => ({
  number,
  issuedBy: 'VMI',
  issuedAt,
  validUntil,
  uncertainty: 0.004,
  traceableTo: 'VMI national volume standard',
  ...extra,
});

async function dispenser(id: string, tenant: string) {
  expect((await api.call('POST', '/api/v1/devices', { body: { id, tenant, type: 'fuel-dispenser', serial: `SN-${id}`, class: '0.5' } })).status).toBe(201);
}

/** A check of a 20 L proving measure at Qmax, through ingest and the assurance state; the stored result. */
function check(device: string, seq: number, ts: string, error: number, standardId: string, extra: Record<string, unknown> = {}) {
  const dev = api.deps.registry.registeredDevice(device)!;
  const body = { seq, ts, indicated: 20 + error, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId, point: 'Qmax', ...extra };
  const result = ingest.handle(dev, 'checks', JSON.stringify(body), NOW.getTime());
  expect(result.rejections).toEqual([]);
  api.deps.assurance.apply(dev, `instruments/${device}/checks`, result, Buffer.from(JSON.stringify(body)), NOW);
  return result.checks[0]!;
}

describe('registering standards', () => {
  it("an admin registers the authority's (no tenant), an operator its own enterprise's; nobody else", async () => {
    const authority = await api.call('POST', '/api/v1/standards', { body: measure('PM-AUTH') });
    expect(authority).toMatchObject({
      status: 201,
      body: {
        id: 'PM-AUTH',
        tenant: null,
        quantity: 'volume',
        unit: 'L',
        kind: 'proving-measure',
        state: 'none',
        validUntil: null,
        lastCalibration: null,
        createdAt: NOW.toISOString(),
      },
    });
    expect((await api.call('POST', '/api/v1/standards', { token: op.north, body: measure('PM-N', 'north') })).status).toBe(201);
    const noTenant = await api.call('POST', '/api/v1/standards', { token: op.north, body: measure('PM-X') });
    expect(noTenant).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringContaining("only an admin registers and calibrates the authority's standards") } },
    });
    expect((await api.call('POST', '/api/v1/standards', { token: op.north, body: measure('PM-S', 'south') })).body.error.message).toBe(
      'tenant south not found',
    );
    expect((await api.call('POST', '/api/v1/standards', { token: insp.hanoi, body: measure('PM-I', 'north') })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/standards', { body: measure('PM-AUTH') })).status).toBe(409);
    await dispenser('fd-n1', 'north');
    expect((await api.call('POST', '/api/v1/standards', { body: measure('fd-n1', 'north') })).body.error).toMatchObject({
      code: 'conflict',
      message: "fd-n1 is an instrument's id; give the standard another id",
    });
  });

  it('refuses a standard no instrument type could use, saying what would fit', async () => {
    const bad = async (body: Record<string, unknown>) =>
      (await api.call('POST', '/api/v1/standards', { body: { ...measure('X'), ...body } })).body.error.details[0];
    expect(await bad({ quantity: 'temperature' })).toMatchObject({
      path: 'quantity',
      message: expect.stringMatching(/^quantity "temperature" is not one the instrument types measure: one of .*pressure.*volume/),
    });
    expect(await bad({ unit: 'kg' })).toEqual({ path: 'unit', message: 'unit "kg" is not a unit of volume the instrument types accept: one of L, mL, dL, m3' });
    expect(await bad({ quantity: 'concentration', unit: 'ppm', gas: 'NO2' })).toEqual({
      path: 'gas',
      message: 'gas "NO2" is not a channel measured in ppm: one of CO, H2S',
    });
    // a certified gas without its component would pass as traceable for a check of any gas
    expect(await bad({ quantity: 'concentration', unit: 'ppm', kind: 'certified-gas' })).toEqual({
      path: 'gas',
      message: 'a certified gas must name the component it is certified for: one of CO, H2S',
    });
    expect(
      (
        await api.call('POST', '/api/v1/standards', {
          body: { ...measure('CYL-1-CO'), quantity: 'concentration', unit: 'ppm', kind: 'certified-gas', gas: 'CO' },
        })
      ).status,
    ).toBe(201);
  });

  it("is seen like an instrument: operators their own and the authority's, inspectors their regions' and the authority's", async () => {
    await api.call('POST', '/api/v1/standards', { body: measure('PM-AUTH') });
    await api.call('POST', '/api/v1/standards', { body: measure('PM-N', 'north') });
    await api.call('POST', '/api/v1/standards', { body: measure('PM-S', 'south') });
    const ids = async (token: string, q = '') => (await api.call('GET', `/api/v1/standards${q}`, { token })).body.items.map((s: { id: string }) => s.id);
    expect(await ids(api.token('admin'))).toEqual(['PM-AUTH', 'PM-N', 'PM-S']);
    expect(await ids(op.north)).toEqual(['PM-AUTH', 'PM-N']);
    expect(await ids(insp.saigon)).toEqual(['PM-AUTH', 'PM-S']);
    expect(await ids(api.token('admin'), '?tenant=south')).toEqual(['PM-S']);
    const hidden = await api.call('GET', '/api/v1/standards/PM-S', { token: op.north });
    const missing = await api.call('GET', '/api/v1/standards/ghost', { token: op.north });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.message.replace('PM-S', 'X')).toBe(missing.body.error.message.replace('ghost', 'X'));
    for (const path of ['/certificates', '/impact']) expect((await api.call('GET', `/api/v1/standards/PM-S${path}`, { token: insp.hanoi })).status).toBe(404);
  });
});

describe("a standard's calibrations", () => {
  it('make it valid until the latest end in force, then expired; listed newest first', async () => {
    await api.call('POST', '/api/v1/standards', { token: op.north, body: measure('PM-N', 'north') });
    const r = await api.call('POST', '/api/v1/standards/PM-N/certificates', { token: op.north, body: calibration('HC-2025', '2025-01-10', '2026-01-10') });
    expect(r).toMatchObject({
      status: 201,
      body: { id: 1, standard: 'PM-N', number: 'HC-2025', uncertainty: 0.004, traceableTo: 'VMI national volume standard', createdAt: NOW.toISOString() },
    });
    expect((await api.call('GET', '/api/v1/standards/PM-N', { token: insp.hanoi })).body).toMatchObject({
      state: 'expired',
      validUntil: '2026-01-10T16:59:59.999Z', // through 2026-01-10 in Vietnam
      lastCalibration: { number: 'HC-2025' },
    });
    await api.call('POST', '/api/v1/standards/PM-N/certificates', {
      token: op.north,
      body: calibration('HC-2026', '2026-01-12', '2027-01-12', { asFound: { error: 0.001, outOfTolerance: false } }),
    });
    expect((await api.call('GET', '/api/v1/standards/PM-N', { token: op.north })).body).toMatchObject({
      state: 'valid',
      validUntil: '2027-01-12T16:59:59.999Z',
      lastCalibration: { number: 'HC-2026', asFound: { error: 0.001, outOfTolerance: false } },
    });
    expect((await api.call('GET', '/api/v1/standards/PM-N/certificates', { token: insp.hanoi })).body.items.map((c: { number: string }) => c.number)).toEqual([
      'HC-2026',
      'HC-2025',
    ]);
    expect((await api.call('GET', '/api/v1/standards?state=valid', { token: op.north })).body.items.map((s: { id: string }) => s.id)).toEqual(['PM-N']);
  });

  it("only admins calibrate the authority's, operators their own; a certificate must end after it starts", async () => {
    await api.call('POST', '/api/v1/standards', { body: measure('PM-AUTH') });
    await api.call('POST', '/api/v1/standards', { body: measure('PM-S', 'south') });
    expect(
      (await api.call('POST', '/api/v1/standards/PM-AUTH/certificates', { token: op.north, body: calibration('C', '2026-01-01', '2027-01-01') })).status,
    ).toBe(403);
    expect(
      (await api.call('POST', '/api/v1/standards/PM-S/certificates', { token: op.north, body: calibration('C', '2026-01-01', '2027-01-01') })).status,
    ).toBe(404);
    expect(
      (await api.call('POST', '/api/v1/standards/PM-S/certificates', { token: insp.saigon, body: calibration('C', '2026-01-01', '2027-01-01') })).status,
    ).toBe(403);
    const bad = await api.call('POST', '/api/v1/standards/PM-AUTH/certificates', { body: calibration('C', '2026-01-01', '2025-01-01') });
    expect(bad.body.error.details).toEqual([{ path: 'validUntil', message: 'validUntil must be after issuedAt; received "2025-01-01"' }]);
    expect(
      (await api.call('POST', '/api/v1/standards/PM-AUTH/certificates', { body: { ...calibration('C', '2026-01-01', '2027-01-01'), uncertainty: -1 } })).status,
    ).toBe(400);
    expect(api.deps.standards.certificatesOf('PM-AUTH')).toEqual([]);
  });
});

describe('checks judged traceable or not', () => {
  beforeEach(async () => {
    await dispenser('fd-n1', 'north');
    await api.call('POST', '/api/v1/standards', { body: measure('PM-N', 'north') });
    await api.call('POST', '/api/v1/standards/PM-N/certificates', { body: calibration('HC-2026', '2026-01-12', '2027-01-12') });
    await api.call('POST', '/api/v1/standards', { body: measure('PM-S', 'south') });
    await api.call('POST', '/api/v1/standards/PM-S/certificates', { body: calibration('HC-S', '2026-01-12', '2027-01-12') });
  });

  it("with its enterprise's calibrated standard: traceable; with another enterprise's: not, and an untraceable-check alert names it", async () => {
    // MPE in service 0.15 L, U_ref 0.004 L: 0.15 / 0.004 = 37.5
    expect(check('fd-n1', 1, '2026-02-01T08:00:00Z', 0.06, 'PM-N')).toMatchObject({
      traceable: true,
      standardCertificate: 'HC-2026',
      testUncertaintyRatio: expect.closeTo(37.5, 9),
    });
    check('fd-n1', 2, '2026-02-02T08:00:00Z', 0.05, 'PM-S');
    const items = (await api.call('GET', '/api/v1/devices/fd-n1/checks', { token: insp.hanoi })).body.items;
    expect(items.map((c: { seq: number; traceable: boolean }) => [c.seq, c.traceable])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect(items[0].traceabilityIssue).toMatch(/^standard PM-S is not a registered reference standard of this enterprise or of the authority/);
    const alerts = (await api.call('GET', '/api/v1/alerts?device=fd-n1&kind=untraceable-check', { token: op.north })).body.items;
    expect(alerts).toEqual([
      expect.objectContaining({
        tenant: 'north',
        key: 'PM-S',
        severity: 'warning',
        state: 'open',
        summary: expect.stringMatching(/^Check not traceable: standard PM-S is not a registered/),
      }),
    ]);
    expect(alerts[0].details).toMatchObject({ seq: 2, standardId: 'PM-S', traceabilityKind: 'unregistered' });
  });

  it("a check declaring a U_ref below its standard's certificate is judged with the certificate's, and says so", async () => {
    const declared = check('fd-n1', 1, '2026-02-01T08:00:00Z', 0.06, 'PM-N'); // 0.004 L, the certificate's own
    const under = check('fd-n1', 2, '2026-02-02T08:00:00Z', 0.06, 'PM-N', { referenceUncertainty: 0.001 });
    expect(under.uncertainty).toBe(declared.uncertainty);
    expect(under).toMatchObject({ referenceUncertaintyFromCertificate: 0.004, decision: declared.decision, traceable: true });
    expect(declared.referenceUncertaintyFromCertificate).toBeUndefined();
    const items = (await api.call('GET', '/api/v1/devices/fd-n1/checks', { token: op.north })).body.items;
    expect(items[0]).toMatchObject({ seq: 2, referenceUncertaintyFromCertificate: 0.004, uncertainty: declared.uncertainty });
  });

  it('a check before its standard was calibrated is untraceable; once a traceable check follows, the alert clears', async () => {
    expect(check('fd-n1', 1, '2026-01-05T08:00:00Z', 0.06, 'PM-N')).toMatchObject({ traceable: false, traceabilityKind: 'uncalibrated' });
    const open = (await api.call('GET', '/api/v1/alerts?device=fd-n1&kind=untraceable-check&state=open')).body.items;
    expect(open).toHaveLength(1);
    check('fd-n1', 2, '2026-02-01T08:00:00Z', 0.06, 'PM-N');
    const after = (await api.call('GET', `/api/v1/alerts/${open[0].id}`)).body;
    expect(after).toMatchObject({
      state: 'resolved',
      resolution: { reason: 'cleared', note: 'check 2 with standard PM-N is traceable (certificate HC-2026)' },
    });
    // the out-of-tolerance alert's evidence says whether its check was traceable
    check('fd-n1', 3, '2026-02-03T08:00:00Z', 0.2, 'PM-N');
    const oot = (await api.call('GET', '/api/v1/alerts?device=fd-n1&kind=out-of-tolerance')).body.items[0];
    expect(oot.details).toMatchObject({ seq: 3, standardId: 'PM-N', traceable: true });
  });

  it('checks stored before traceability was judged show traceable: null, and still count', async () => {
    const dev = api.deps.registry.registeredDevice('fd-n1')!;
    const old = new Ingest(
      { profile: (t) => api.deps.profiles.get(t), certificates: () => [], lastTotalizer: () => undefined, timeZoneOf: () => 'UTC' },
      { futureToleranceMs: 300_000, maxBatchReadings: 1000, backfillDays: 3650 },
    );
    const result = old.handle(
      dev,
      'checks',
      JSON.stringify({ seq: 9, ts: '2026-02-01T00:00:00Z', indicated: 20.05, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-N' }),
      NOW.getTime(),
    );
    api.deps.assurance.apply(dev, 'instruments/fd-n1/checks', result, Buffer.from(''), NOW);
    expect((await api.call('GET', '/api/v1/devices/fd-n1/checks')).body.items).toEqual([
      expect.objectContaining({ seq: 9, traceable: null, decision: 'pass' }),
    ]);
    expect((await api.call('GET', '/api/v1/alerts?device=fd-n1')).body.items).toEqual([]);
  });
});

describe('reverse traceability', () => {
  beforeEach(async () => {
    await dispenser('fd-n1', 'north');
    await dispenser('fd-n2', 'north');
    await dispenser('fd-s1', 'south');
    await api.call('POST', '/api/v1/standards', { body: measure('PM-AUTH') });
    await api.call('POST', '/api/v1/standards/PM-AUTH/certificates', {
      body: calibration('HC-2025', '2025-01-10', '2026-01-10', { asFound: { error: 0.002, outOfTolerance: false } }),
    });
  });

  it('a finding out of tolerance lists, per enterprise, the instruments served since the last good calibration and the decisions that could change', async () => {
    // class 0.5 in service at 20 L: TL = 0.15 L; U = 2·√((0.004/2)² + (0.01/√12)²) = 0.0070238 L:
    // pass |e| < 0.142976, conditional pass ≤ 0.15, conditional fail ≤ 0.157024, fail above.
    check('fd-n1', 1, '2025-03-01T08:00:00Z', 0.06, 'PM-AUTH'); // pass
    check('fd-n1', 2, '2025-06-01T08:00:00Z', 0.12, 'PM-AUTH'); // pass
    check('fd-n2', 1, '2025-09-01T08:00:00Z', -0.15, 'PM-AUTH', { point: '=HYPERLINK("http://x")' }); // conditional pass (19.85 L, on the 0.01 L step)
    check('fd-n2', 2, '2025-10-01T08:00:00Z', 0.2, 'PM-AUTH'); // fail
    check('fd-s1', 1, '2025-11-01T08:00:00Z', 0.12, 'PM-AUTH'); // pass
    check('fd-n1', 3, '2024-12-01T08:00:00Z', 0.12, 'PM-AUTH'); // before the last good calibration: not in the period
    const finding = await api.call('POST', '/api/v1/standards/PM-AUTH/certificates', {
      body: calibration('HC-2026', '2026-01-12', '2027-01-12', { asFound: { error: -0.03, outOfTolerance: true } }),
    });
    expect(finding.status).toBe(201);
    // 12 January 2026 in Vietnam, from 00:00 there: answered in UTC with the day
    expect(finding.body).toMatchObject({ issuedAt: '2026-01-11T17:00:00.000Z', issuedOn: '2026-01-12', validUntil: '2027-01-12T16:59:59.999Z' });

    // band = |−0.03| + 0.004 = 0.034 L around each error:
    //   0.06 → [0.026, 0.094]: pass only;  0.12 → [0.086, 0.154]: pass … conditional fail (legal pass or fail);
    //   −0.15 → [0.116, 0.184]: pass … fail;  0.2 → [0.166, 0.234]: fail only.
    const impact = (await api.call('GET', '/api/v1/standards/PM-AUTH/impact', { token: op.north })).body;
    expect(impact).toMatchObject({
      standard: 'PM-AUTH',
      // the calibrations' days in Vietnam: from 00:00 on 10 January 2025 there to 00:00 on 12 January 2026
      from: '2025-01-09T17:00:00.000Z',
      to: '2026-01-11T17:00:00.000Z',
      basis: 'up-to-out-of-tolerance-finding',
      finding: { certificate: 'HC-2026', issuedAt: '2026-01-11T17:00:00.000Z', issuedOn: '2026-01-12', asFound: { error: -0.03, outOfTolerance: true } },
      checks: 4,
      instruments: 2,
      couldChange: 2,
    });
    expect(impact.rows).toBeUndefined();
    const [n1, n2] = impact.items;
    expect(n1).toMatchObject({
      device: 'fd-n1',
      tenant: 'north',
      type: 'fuel-dispenser',
      checks: 2,
      decisions: { pass: 2, 'conditional-pass': 0, 'conditional-fail': 0, fail: 0 },
      legal: { pass: 2, fail: 0 },
    });
    expect(n1.couldChange).toEqual([
      expect.objectContaining({
        seq: 2,
        decision: 'pass',
        finding: 'HC-2026',
        possibleDecisions: ['pass', 'conditional-pass', 'conditional-fail'],
        possibleLegal: ['pass', 'fail'],
      }),
    ]);
    expect(n1.couldChange[0].band).toBeCloseTo(0.034, 12);
    expect(n2).toMatchObject({ device: 'fd-n2', checks: 2, decisions: { 'conditional-pass': 1, fail: 1 } });
    expect(n2.couldChange.map((c: { seq: number; possibleDecisions: string[] }) => [c.seq, c.possibleDecisions])).toEqual([
      [1, ['pass', 'conditional-pass', 'conditional-fail', 'fail']],
    ]);

    // one standard-oot alert per enterprise served, with its own instruments only
    const alerts = (await api.call('GET', '/api/v1/alerts?kind=standard-oot')).body.items;
    expect(alerts.map((a: { tenant: string; device: string; key: string; severity: string }) => [a.tenant, a.device, a.key, a.severity]).sort()).toEqual([
      ['north', 'PM-AUTH', 'north', 'critical'],
      ['south', 'PM-AUTH', 'south', 'critical'],
    ]);
    const north = alerts.find((a: { tenant: string }) => a.tenant === 'north');
    expect(api.deps.alerts.get(north.id)?.details.issuedAt).toBe('2026-01-11T17:00:00.000Z'); // stored so: what a webhook sends
    expect(north.details).toMatchObject({
      standard: 'PM-AUTH',
      certificate: 'HC-2026',
      issuedAt: '2026-01-11T17:00:00.000Z', // in UTC, as the webhooks carry it (the alert as stored)
      asFound: { error: -0.03, outOfTolerance: true },
      unit: 'L',
      from: '2025-01-09T17:00:00.000Z',
      to: '2026-01-11T17:00:00.000Z',
      since: '2025-01-10',
      checks: 4,
      instruments: ['fd-n1', 'fd-n2'],
      couldChange: 2,
    });
    expect(north.summary).toBe(
      'Reference standard PM-AUTH found out of tolerance at its calibration HC-2026 (as found -0.03 L): 4 checks of 2 instruments since 2025-01-10 are suspect, 2 could change their decision',
    );
    expect((await api.call('GET', '/api/v1/alerts?kind=standard-oot', { token: insp.saigon })).body.items.map((a: { tenant: string }) => a.tenant)).toEqual([
      'south',
    ]);
    expect((await api.call('GET', '/api/v1/standards/PM-AUTH/impact', { token: insp.saigon })).body.items.map((i: { device: string }) => i.device)).toEqual([
      'fd-s1',
    ]);

    // CSV: one row per check, a formula sent as a test point is defused
    const csv = await api.call('GET', '/api/v1/standards/PM-AUTH/impact?format=csv', { token: op.north });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="standard-impact-PM-AUTH.csv"');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'tenant,device,type,seq,ts,gas,point,reference,error,mpe,uncertainty,unit,decision,legal,traceable,finding,band,couldChange,possibleDecisions,possibleLegal',
    );
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.startsWith('north,fd-n2,fuel-dispenser,1,'))).toContain(`,"'=HYPERLINK(""http://x"")",`);
    expect(lines.find((l) => l.startsWith('north,fd-n1,fuel-dispenser,2,'))).toMatch(
      /,true,HC-2026,0\.034\d*,true,pass\|conditional-pass\|conditional-fail,pass\|fail$/,
    );

    // The same rows as an Excel workbook: typed cells, times on the enterprise's clock (Vietnam, UTC+7)
    const res = await api.app.request('/api/v1/standards/PM-AUTH/impact?format=xlsx', { headers: { authorization: `Bearer ${op.north}` } });
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="standard-impact-PM-AUTH.xlsx"');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(5);
    const head = (ws.getRow(1).values as unknown[]).slice(1);
    expect(head[4]).toBe('ts (Asia/Ho_Chi_Minh)');
    expect(head.length).toBe(20);
    const row = [2, 3, 4, 5].map((i) => (ws.getRow(i).values as unknown[]).slice(1)).find((r) => r[1] === 'fd-n1' && r[3] === 2)!;
    // check 2 of fd-n1 at 08:00Z on 1 June 2025 is 15:00 in Vietnam: the cell's date is that wall clock
    expect(row[4]).toEqual(new Date(Date.UTC(2025, 5, 1, 15, 0, 0)));
    expect(ws.getRow(2).getCell(5).numFmt).toBe('dd/mm/yyyy hh:mm:ss');
    expect(typeof row[8]).toBe('number'); // the error, a number a spreadsheet sums
    expect(row[8]).toBeCloseTo(0.12, 12);
    expect(row[14]).toBe(true);
    expect(row[17]).toBe(true);
    const hyperlink = [2, 3, 4, 5].map((i) => ws.getRow(i).getCell(7)).find((c) => typeof c.value === 'string' && c.value.includes('HYPERLINK'))!;
    expect(hyperlink.value).toBe(`'=HYPERLINK("http://x")`); // a text cell, defused as in the CSV: editing it does not make it a formula
    expect(hyperlink.type).toBe(ExcelJS.ValueType.String);
    expect((await api.call('GET', '/api/v1/standards/PM-AUTH/impact?format=pdf', { token: op.north })).status).toBe(400);
  });

  it('without a finding: the checks since the latest calibration, none of them in doubt; a requested period overrides it', async () => {
    check('fd-n1', 1, '2025-03-01T08:00:00Z', 0.12, 'PM-AUTH');
    check('fd-n1', 2, '2024-03-01T08:00:00Z', 0.12, 'PM-AUTH');
    const impact = (await api.call('GET', '/api/v1/standards/PM-AUTH/impact')).body;
    expect(impact).toMatchObject({
      from: '2025-01-09T17:00:00.000Z', // 00:00 on 10 January 2025 in Vietnam
      to: NOW.toISOString(),
      basis: 'since-last-good-calibration',
      finding: null,
      checks: 1,
      couldChange: 0,
    });
    const all = (await api.call('GET', '/api/v1/standards/PM-AUTH/impact?from=2024-01-01&to=2025-12-31')).body;
    expect(all).toMatchObject({ basis: 'requested', checks: 2 });
    expect((await api.call('GET', '/api/v1/standards/PM-AUTH/impact?from=2026-01-01&to=2025-01-01')).status).toBe(400);
    expect((await api.call('GET', '/api/v1/alerts?kind=standard-oot')).body.items).toEqual([]);
  });

  it("a requested period of dates alone is days of the zone, both included (the console's card: 1 Mar – 31 Mar)", async () => {
    // Vietnam is UTC+7: 1 March 2025 starts at 2025-02-28T17:00Z there, 31 March ends at 2025-03-31T16:59:59.999Z
    check('fd-n1', 1, '2025-02-28T16:59:00Z', 0.12, 'PM-AUTH'); // 23:59 on 28 February there: before
    check('fd-n1', 2, '2025-02-28T18:00:00Z', 0.12, 'PM-AUTH'); // 01:00 on 1 March there
    check('fd-n1', 3, '2025-03-31T03:00:00Z', 0.12, 'PM-AUTH'); // 10:00 on 31 March there
    check('fd-n1', 4, '2025-03-31T17:00:00Z', 0.12, 'PM-AUTH'); // 00:00 on 1 April there: after
    const seqs = (csv: string) =>
      csv
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((l) => Number(l.split(',')[3]));
    const r = await api.call('GET', '/api/v1/standards/PM-AUTH/impact?from=2025-03-01&to=2025-03-31');
    expect(r.body).toMatchObject({ basis: 'requested', from: '2025-02-28T17:00:00.000Z', to: '2025-03-31T16:59:59.999Z', checks: 2 });
    expect(seqs((await api.call('GET', '/api/v1/standards/PM-AUTH/impact?from=2025-03-01&to=2025-03-31&format=csv')).text)).toEqual([2, 3]);
    // a date-time without a zone is the wall-clock time there: 09:59 is 02:59Z, before the check at 10:00
    expect((await api.call('GET', '/api/v1/standards/PM-AUTH/impact?from=2025-03-01&to=2025-03-31T09:59')).body.checks).toBe(1);
  });
});
