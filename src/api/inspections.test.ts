// On-site inspection records through the API alone (real stores, no broker): an inspector of
// Bắc Giang inspects a fuel retailer, checks a dispenser with a 20 L proving measure against the
// in-trade rule, seals it off, and closes the record; the operator reads it and answers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { recordHash } from '../inspections/inspection-service.ts';
import { readPdf } from '../../test/support/pdf-text.ts';

let now = new Date('2026-03-15T02:30:00Z');
let api: ApiUnderTest;
let insp: { bg: string; hn: string };
let op: { station: string; other: string };

beforeEach(async () => {
  now = new Date('2026-03-15T02:30:00Z');
  api = apiUnderTest({ now: () => now });
  for (const t of [
    { id: 'cxd-duc-thang', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' },
    { id: 'cxd-ha-noi', name: 'Cửa hàng xăng dầu Cầu Giấy', region: 'VN-HN' },
  ]) {
    expect((await api.call('POST', '/api/v1/tenants', { body: t })).status).toBe(201);
  }
  for (const d of [
    { id: 'fd-dt-1', tenant: 'cxd-duc-thang', type: 'fuel-dispenser', serial: 'TK-2020-0041', mmq: 5 },
    { id: 'fd-dt-2', tenant: 'cxd-duc-thang', type: 'fuel-dispenser', serial: 'TK-2020-0042', mmq: 5 },
    { id: 'sc-dt-1', tenant: 'cxd-duc-thang', type: 'scale', serial: 'C-77', class: 'III', e: 0.05, max: 60 },
    { id: 'fd-hn-1', tenant: 'cxd-ha-noi', type: 'fuel-dispenser', serial: 'HN-1' },
  ]) {
    expect((await api.call('POST', '/api/v1/devices', { body: d })).status).toBe(201);
    await api.call('POST', `/api/v1/devices/${d.id}/certificates`, {
      body: { kind: 'verification', number: `V-${d.id}`, issuedBy: 'TĐC Bắc Giang', issuedAt: '2025-12-01', validUntil: '2026-12-01' },
    });
  }
  insp = { bg: api.token('inspector', { regions: ['VN-BG'] }), hn: api.token('inspector', { regions: ['VN-HN'] }) };
  op = { station: api.token('operator', { tenant: 'cxd-duc-thang' }), other: api.token('operator', { tenant: 'cxd-ha-noi' }) };
});
afterEach(() => api.close());

const opening = {
  tenant: 'cxd-duc-thang',
  site: 'Cửa hàng xăng dầu số 1, TP Bắc Giang',
  startedAt: '2026-03-15T09:30:00+07:00',
  inspectors: ['Nguyễn Văn Hùng', 'Trần Thị Lan'],
  legalBasis: 'Thông tư 15/2015/TT-BKHCN',
};
/** A 20 L class II proving measure, U = 4 mL (k = 2). */
const proving = (indicated: number) => ({ indicated, reference: 20.0, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-20L-07', point: 'Qmax' });
const item = (device: string, checks: unknown[], extra: Record<string, unknown> = {}) => ({
  device,
  checks,
  sealsIntact: true,
  verificationMarkValid: true,
  certificateValid: true,
  priceDisplayCorrect: true,
  ...extra,
});

async function open(token = insp.bg): Promise<string> {
  const r = await api.call('POST', '/api/v1/inspections', { token, body: opening });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

describe('an inspection record', () => {
  it("is opened by an inspector of the enterprise's region, numbered for its year; others may not", async () => {
    const r = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: opening });
    expect(r).toMatchObject({
      status: 201,
      body: {
        id: 'BBKT-2026-0001',
        tenant: 'cxd-duc-thang',
        region: 'VN-BG',
        state: 'open',
        startedAt: '2026-03-15T02:30:00.000Z',
        inspectors: ['Nguyễn Văn Hùng', 'Trần Thị Lan'],
      },
    });
    expect((await api.call('POST', '/api/v1/inspections', { body: opening })).body.id).toBe('BBKT-2026-0002');
    expect((await api.call('POST', '/api/v1/inspections', { token: insp.hn, body: opening })).status).toBe(404);
    expect((await api.call('POST', '/api/v1/inspections', { token: op.station, body: opening })).status).toBe(403);
    const bad = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, inspectors: [] } });
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['inspectors']);
  });

  it("judges a dispenser's check with the in-trade rule and puts it in the instrument's check history", async () => {
    const id = await open();
    // In trade the MPE is 1.5 × the ±0.3 % of verification (Circular 15/2015, amended by 08/2018):
    // 0.45 % × 20 L = 0.09 L (Emin in service 1.5 × 2·5 L·0.3 % = 0.045 L is smaller).
    // U = 2·√((0.004/2)² + (0.01/√12)²) = 2·√(4e-6 + 8.333e-6) = 0.007024 L.
    // 20.12 L: error +0.12 L > 0.09 L → fail; 20.05 L: +0.05 L < 0.09 − 0.007 → pass.
    const failing = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [proving(20.12)]) });
    expect(failing.status, JSON.stringify(failing.body)).toBe(201);
    expect(failing.body).toMatchObject({ device: 'fd-dt-2', verdict: 'fail', reasons: ['check-fail'], facts: { verification: { state: 'valid' } } });
    const c = failing.body.checks[0];
    expect(c).toMatchObject({ seq: -1, regime: 'inService', legal: 'fail', decision: 'fail', standardId: 'PM-20L-07', point: 'Qmax' });
    expect(c.mpe).toBeCloseTo(0.09, 10);
    expect(c.error).toBeCloseTo(0.12, 10);
    expect(c.uncertainty).toBeCloseTo(0.007024, 6);
    const passing = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [proving(20.05)]) });
    expect(passing.body).toMatchObject({ verdict: 'pass', reasons: [], checks: [{ seq: -2, legal: 'pass', decision: 'pass' }] });

    // the instrument's own history: both checks, numbered in the inspection series
    const history = await api.call('GET', '/api/v1/devices/fd-dt-2/checks', { token: op.station });
    expect(history.body.items.map((x: { seq: number; legal: string; regime: string }) => [x.seq, x.legal, x.regime])).toEqual(
      expect.arrayContaining([
        [-1, 'fail', 'inService'],
        [-2, 'pass', 'inService'],
      ]),
    );
    // and the failing one is judged like one the device sent: an out-of-tolerance alert
    const alerts = await api.call('GET', '/api/v1/alerts?device=fd-dt-2&kind=out-of-tolerance', { token: insp.bg });
    expect(alerts.body.items).toHaveLength(1);
    expect(alerts.body.items[0]).toMatchObject({ severity: 'critical', key: 'Qmax', details: { seq: -1, regime: 'inService', standardId: 'PM-20L-07' } });
  });

  it("answers a check's time as an ISO 8601 UTC string, as the instrument's check history does, and hashes it as the record stores it", async () => {
    const id = await open();
    now = new Date('2026-03-15T03:30:00Z'); // 10:30: the check at 10:05 has been made (one ahead of the clock is refused)
    const at = { ...proving(20.05), ts: '2026-03-15T10:05:00+07:00' };
    const added = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [at, proving(20.02)]) });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    // given: that instant; absent: when it was recorded
    expect(added.body.checks.map((c: { ts: unknown }) => c.ts)).toEqual(['2026-03-15T03:05:00.000Z', now.toISOString()]);
    const read = (await api.call('GET', `/api/v1/inspections/${id}`, { token: op.station })).body;
    expect(read.items[0].checks.map((c: { ts: unknown }) => c.ts)).toEqual(['2026-03-15T03:05:00.000Z', now.toISOString()]);
    const history = (await api.call('GET', '/api/v1/devices/fd-dt-2/checks', { token: op.station })).body.items;
    expect(history.find((c: { seq: number }) => c.seq === -1).ts).toBe('2026-03-15T03:05:00.000Z');

    now = new Date('2026-03-15T04:00:00Z');
    const closed = await api.call('POST', `/api/v1/inspections/${id}/close`, { token: insp.bg, body: {} });
    expect(closed.body.items[0].checks[0].ts).toBe('2026-03-15T03:05:00.000Z');
    // the hash kept is recomputed from the answer (ts read back to epoch ms) and from the stored record alike
    const answer = (await api.call('GET', `/api/v1/inspections/${id}`, { token: op.station })).body;
    expect(recordHash(answer)).toBe(closed.body.recordHash);
    // derived as it is answered, not part of what the record says (left out of the hash above): the two checks
    // +0.05 L and +0.02 L in the station's favour, p = 1/4, mean (0.05 + 0.02) / 2 / 0.09 = 0.3889 MPE; too few for a finding
    expect(answer.sellerFavourAtPlace).toEqual([
      {
        type: 'fuel-dispenser',
        instruments: 1,
        checks: 2,
        rule: { errorSign: 1, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5, clearPValue: 0.2, clearMeanMpe: 0.4 },
        favoured: 'seller',
        checksCounted: 2,
        onSellerSide: 2,
        onBuyerSide: 0,
        pValue: 0.25,
        meanErrorMpe: expect.closeTo(0.035 / 0.09, 12),
        finding: false,
      },
    ]);
    expect(closed.body.sellerFavourAtPlace).toEqual(answer.sellerFavourAtPlace);
    const stored = (await api.deps.inspections.record(id))!;
    expect(stored.items[0].checks[0].ts).toBe(Date.parse('2026-03-15T03:05:00Z'));
    expect(recordHash(stored)).toBe(closed.body.recordHash);
  });

  it('judges the place by whom each instrument served on the day: a scale moved to a purchasing point since stays a stall scale on the record', async () => {
    const id = await open();
    // sc-dt-1, class III, e = 0.05 kg: at 20 kg (400e ≤ 500e) the MPE is 0.5e at verification, 1e = 0.05 kg in service.
    // E = I + ½e − ΔL − L = 19.95 + 0.025 − 0.005 − 20 = −0.03 kg (−0.6 of the MPE), five times: light, the customer's gain
    // at a stall (0 of 5 on the seller's side, p = 1); for a buyer's scale 5 of 5 on the buyer's side, p = 1/32, a finding.
    const light = { indicated: 19.95, reference: 20, referenceUncertainty: 0.0005, unit: 'kg', standardId: 'W-20KG-M1', deltaL: 0.005 };
    const added = await api.call('POST', `/api/v1/inspections/${id}/items`, {
      token: insp.bg,
      body: item('sc-dt-1', Array(5).fill(light), { priceDisplayCorrect: undefined }),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const judged = async () => (await api.call('GET', `/api/v1/inspections/${id}`, { token: insp.bg })).body.sellerFavourAtPlace;
    expect(await judged()).toEqual([expect.objectContaining({ type: 'scale', favoured: 'seller', onBuyerSide: 5, pValue: 1, finding: false })]);
    // moved to a purchasing point a week after the inspection: the record still speaks of the stall
    now = new Date('2026-03-25T02:00:00Z');
    const moved = await api.call('PATCH', '/api/v1/devices/sc-dt-1', { body: { use: 'purchasing', site: 'Điểm thu mua vải thiều', movedAt: '2026-03-22' } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(await judged()).toEqual([expect.objectContaining({ favoured: 'seller', pValue: 1, finding: false })]);
    // a use registered wrongly from the start (no movedAt) is corrected on the record too
    const s2 = { id: 'sc-dt-2', tenant: 'cxd-duc-thang', type: 'scale', serial: 'C-78', class: 'III', e: 0.05, max: 60 };
    expect((await api.call('POST', '/api/v1/devices', { body: s2 })).status).toBe(201);
    now = new Date('2026-03-15T02:30:00Z');
    const id2 = await open();
    expect(
      (
        await api.call('POST', `/api/v1/inspections/${id2}/items`, {
          token: insp.bg,
          body: item('sc-dt-2', Array(5).fill(light), { priceDisplayCorrect: undefined }),
        })
      ).status,
    ).toBe(201);
    expect((await api.call('PATCH', '/api/v1/devices/sc-dt-2', { body: { use: 'purchasing' } })).status).toBe(200);
    const corrected = (await api.call('GET', `/api/v1/inspections/${id2}`, { token: insp.bg })).body.sellerFavourAtPlace;
    expect(corrected).toEqual([expect.objectContaining({ favoured: 'buyer', onBuyerSide: 5, pValue: 1 / 32, finding: true })]);
  });

  it("judges an inspector's check as a device's: its standard's traceability, and a scale's change-point weights (deltaL)", async () => {
    const id = await open();
    // the authority's 20 L proving measure, calibrated with U = 4 mL (0.02 % ≤ the 0.1 % a dispenser's test asks): traceable
    const pm = { id: 'PM-20L-07', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II', serial: 'BC-07' };
    expect((await api.call('POST', '/api/v1/standards', { body: pm })).status).toBe(201);
    const hc = {
      number: 'HC-07',
      issuedBy: 'VMI',
      issuedAt: '2025-06-01',
      validUntil: '2026-06-01',
      uncertainty: 0.004,
      traceableTo: 'VMI national volume standard',
    };
    expect((await api.call('POST', '/api/v1/standards/PM-20L-07/certificates', { body: hc })).status).toBe(201);
    const traced = await api.call('POST', `/api/v1/inspections/${id}/items`, {
      token: insp.bg,
      body: item('fd-dt-2', [proving(20.05), { ...proving(20.05), standardId: 'PM-NOWHERE' }]),
    });
    expect(traced.status, JSON.stringify(traced.body)).toBe(201);
    expect(traced.body.checks.map((c: { standardId: string; traceable: boolean }) => [c.standardId, c.traceable])).toEqual([
      ['PM-20L-07', true],
      ['PM-NOWHERE', false],
    ]);
    const untraceable = (await api.call('GET', '/api/v1/alerts?device=fd-dt-2&kind=untraceable-check', { token: insp.bg })).body.items;
    expect(untraceable).toEqual([expect.objectContaining({ key: 'PM-NOWHERE', details: expect.objectContaining({ standardId: 'PM-NOWHERE' }) })]);

    // A class III scale, e = 50 g, at L = 10 kg (200e): shows 10.00 kg and steps up after ΔL = 20 g, so
    // E = I + ½e − ΔL − L = 10 + 0.025 − 0.02 − 10 = +0.005 kg (OIML R76 change point); MPE 0.5e = 25 g
    // on verification, 50 g in service.
    const scale = await api.call('POST', `/api/v1/inspections/${id}/items`, {
      token: insp.bg,
      body: item('sc-dt-1', [{ indicated: 10, reference: 10, referenceUncertainty: 0.0005, unit: 'kg', standardId: 'W-10KG-M1', deltaL: 0.02 }], {
        priceDisplayCorrect: undefined,
      }),
    });
    expect(scale.status, JSON.stringify(scale.body)).toBe(201);
    expect(scale.body.checks[0]).toMatchObject({ deltaL: 0.02, regime: 'inService', legal: 'pass' });
    expect(scale.body.checks[0].error).toBeCloseTo(0.005, 12);
    expect(scale.body.checks[0].mpe).toBeCloseTo(0.05, 12);
  });

  it("names the enterprise's days in a check's traceability issue: an inspection running past midnight in Vietnam", async () => {
    const id = await open(); // started 09:30 on 15 March in Vietnam
    const pm = { id: 'PM-20L-07', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II', serial: 'BC-07' };
    expect((await api.call('POST', '/api/v1/standards', { body: pm })).status).toBe(201);
    // calibrated through the end of 15 March there (16:59:59.999Z)
    const hc = { number: 'HC-07', issuedBy: 'VMI', issuedAt: '2025-03-16', validUntil: '2026-03-15', uncertainty: 0.004, traceableTo: 'VMI' };
    expect((await api.call('POST', '/api/v1/standards/PM-20L-07/certificates', { body: hc })).status).toBe(201);
    now = new Date('2026-03-15T23:30:00Z'); // 06:30 on 16 March in Vietnam, still the 15th in UTC
    const late = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [proving(20.05)]) });
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    expect(late.body.checks[0]).toMatchObject({
      traceable: false,
      traceabilityIssue: 'the calibration of standard PM-20L-07 expired on 2026-03-15 (certificate HC-07), before this check of 2026-03-16',
    });
  });

  it('refuses what the instrument or the record does not allow, storing nothing', async () => {
    const id = await open();
    const below = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-1', [{ ...proving(2.01), reference: 2 }]) });
    expect(below.status).toBe(400);
    expect(below.body.error.details[0]).toMatchObject({ path: 'checks.0.reference', message: expect.stringContaining('minimum measured quantity') });
    const price = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('sc-dt-1', [], { priceDisplayCorrect: true }) });
    expect(price.body.error.details[0].path).toBe('priceDisplayCorrect');
    const foreign = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-hn-1', []) });
    expect(foreign.body.error.details).toEqual([{ path: 'device', message: 'device fd-hn-1 is not an instrument of cxd-duc-thang' }]);
    expect((await api.call('POST', `/api/v1/inspections/${id}/items`, { token: op.station, body: item('fd-dt-1', []) })).status).toBe(403);
    expect((await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.hn, body: item('fd-dt-1', []) })).status).toBe(404);
    expect((await api.call('GET', `/api/v1/inspections/${id}`)).body.items).toEqual([]);
    expect((await api.call('GET', '/api/v1/devices/fd-dt-1/checks')).body.items).toEqual([]);
  });

  it('seals a dispenser off until its finding is closed: the device shows it and its config locks it out', async () => {
    const id = await open();
    expect(
      (await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { kind: 'sealed-off', description: 'no instrument named' } }))
        .status,
    ).toBe(400);
    const sealed = await api.call('POST', `/api/v1/inspections/${id}/findings`, {
      token: insp.bg,
      body: { device: 'fd-dt-2', kind: 'sealed-off', description: 'Sai số +0,6 % vượt ±0,45 %', action: 'Niêm phong, tạm dừng sử dụng' },
    });
    expect(sealed).toMatchObject({ status: 201, body: { id: `${id}-F1`, kind: 'sealed-off', state: 'open', device: 'fd-dt-2' } });
    expect((await api.call('GET', '/api/v1/devices/fd-dt-2', { token: op.station })).body.sealed).toEqual({
      finding: `${id}-F1`,
      inspection: id,
      since: now.toISOString(),
    });
    expect(api.published.at(-1)).toEqual({ device: 'fd-dt-2', state: 'valid', lockout: true });
    expect(
      (await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { device: 'fd-dt-2', kind: 'sealed-off', description: 'again' } }))
        .status,
    ).toBe(409);

    // the operator sees it and answers; another enterprise's operator and the inspector may not answer
    expect((await api.call('GET', '/api/v1/findings?state=open', { token: op.station })).body.items.map((f: { id: string }) => f.id)).toEqual([`${id}-F1`]);
    expect((await api.call('GET', '/api/v1/findings', { token: op.other })).body.items).toEqual([]);
    expect((await api.call('POST', `/api/v1/findings/${id}-F1/answer`, { token: op.other, body: { text: 'x' } })).status).toBe(404);
    expect((await api.call('POST', `/api/v1/findings/${id}-F1/answer`, { token: insp.bg, body: { text: 'x' } })).status).toBe(403);
    const answered = await api.call('POST', `/api/v1/findings/${id}-F1/answer`, { token: op.station, body: { text: 'Đã mời đơn vị kiểm định hiệu chỉnh' } });
    expect(answered.body).toMatchObject({ state: 'answered', answer: 'Đã mời đơn vị kiểm định hiệu chỉnh', answeredBy: expect.stringContaining('operator') });

    now = new Date('2026-03-20T01:00:00Z');
    const closed = await api.call('POST', `/api/v1/findings/${id}-F1/close`, { token: insp.bg, body: { reason: 'Đã hiệu chỉnh, kiểm định lại đạt' } });
    expect(closed.body).toMatchObject({ state: 'closed', closeReason: 'Đã hiệu chỉnh, kiểm định lại đạt', closedAt: now.toISOString() });
    expect((await api.call('GET', '/api/v1/devices/fd-dt-2')).body.sealed).toBeUndefined();
    expect(api.published.at(-1)).toEqual({ device: 'fd-dt-2', state: 'valid' });
    expect((await api.call('POST', `/api/v1/findings/${id}-F1/close`, { token: insp.bg, body: { reason: 'again' } })).status).toBe(409);
    expect((await api.call('POST', `/api/v1/findings/${id}-F1/answer`, { token: op.station, body: { text: 'late' } })).status).toBe(409);
  });

  it('lists a record with its findings not closed and, among them, those answered', async () => {
    const id = await open();
    for (const description of ['Bảng niêm yết giá mờ', 'Thiếu sổ theo dõi kiểm định', 'Vòi số 3 rò rỉ'])
      await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { kind: 'observation', description } });
    const list = async () => (await api.call('GET', '/api/v1/inspections', { token: insp.bg })).body.items;
    expect(await list()).toMatchObject([{ id, findings: 3, openFindings: 3, answeredFindings: 0 }]);
    // F1 answered, F3 closed: F2 open, F1 answered (not closed yet), both counted by openFindings
    expect((await api.call('POST', `/api/v1/findings/${id}-F1/answer`, { token: op.station, body: { text: 'Đã thay bảng niêm yết giá' } })).status).toBe(200);
    expect((await api.call('POST', `/api/v1/findings/${id}-F3/close`, { token: insp.bg, body: { reason: 'Đã khắc phục tại chỗ' } })).status).toBe(200);
    expect(await list()).toMatchObject([{ id, findings: 3, openFindings: 2, answeredFindings: 1 }]);
    // the operator's list says the same
    expect((await api.call('GET', '/api/v1/inspections', { token: op.station })).body.items).toMatchObject([{ id, openFindings: 2, answeredFindings: 1 }]);
  });

  it('once closed never changes: additions are refused, corrections are amendments beside it', async () => {
    const id = await open();
    await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-1', [proving(20.02)]) });
    await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { kind: 'observation', description: 'Bảng niêm yết giá mờ' } });
    expect((await api.call('POST', `/api/v1/inspections/${id}/amendments`, { token: insp.bg, body: { reason: 'r', change: 'c' } })).status).toBe(409);
    now = new Date('2026-03-15T04:00:00Z');
    const closed = await api.call('POST', `/api/v1/inspections/${id}/close`, {
      token: insp.bg,
      body: { conclusion: 'Cơ sở chấp hành đúng quy định về đo lường.' },
    });
    expect(closed.body).toMatchObject({ state: 'closed', closedAt: now.toISOString(), conclusion: 'Cơ sở chấp hành đúng quy định về đo lường.' });
    expect(closed.body.recordHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', []) })).status).toBe(409);
    expect((await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { kind: 'observation', description: 'late' } })).status).toBe(
      409,
    );
    expect((await api.call('POST', `/api/v1/inspections/${id}/close`, { token: insp.bg, body: {} })).status).toBe(409);
    const amended = await api.call('POST', `/api/v1/inspections/${id}/amendments`, {
      token: insp.bg,
      body: { reason: 'Ghi sai số sê-ri', change: { item: 1, serial: 'TK-2020-0041A' } },
    });
    expect(amended).toMatchObject({ status: 201, body: { id: 1, reason: 'Ghi sai số sê-ri', change: { item: 1, serial: 'TK-2020-0041A' } } });
    // the record as closed still gives the fingerprint it was closed with; the amendment is beside it
    const record = (await api.call('GET', `/api/v1/inspections/${id}`, { token: op.station })).body;
    expect(recordHash(record)).toBe(closed.body.recordHash);
    expect(record.amendments).toHaveLength(1);
    expect(record.items[0].checks[0].legal).toBe('pass');
  });

  it('is listed and shown only to who may see its enterprise; every step is in the audit log with who took it', async () => {
    const id = await open();
    await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [proving(20.12)]) });
    await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { device: 'fd-dt-2', kind: 'sealed-off', description: 'x' } });
    await api.call('POST', `/api/v1/findings/${id}-F1/answer`, { token: op.station, body: { text: 'ok' } });
    await api.call('POST', `/api/v1/findings/${id}-F1/close`, { token: insp.bg, body: { reason: 'done' } });
    await api.call('POST', `/api/v1/inspections/${id}/close`, { token: insp.bg, body: {} });
    await api.call('POST', `/api/v1/inspections/${id}/amendments`, { token: insp.bg, body: { reason: 'r', change: 'c' } });
    const list = async (token: string) => (await api.call('GET', '/api/v1/inspections', { token })).body.items;
    expect(await list(op.station)).toMatchObject([
      { id, instruments: 1, nonConforming: 1, findings: 1, openFindings: 0, answeredFindings: 0, amendments: 1, state: 'closed' },
    ]);
    expect(await list(op.other)).toEqual([]);
    expect(await list(insp.hn)).toEqual([]);
    expect((await api.call('GET', `/api/v1/inspections/${id}`, { token: insp.hn })).status).toBe(404);
    const audit = (await api.call('GET', '/api/v1/audit?limit=50', { token: insp.bg })).body.items.filter((e: { target: string }) => e.target === id);
    expect(audit.map((e: { action: string }) => e.action).reverse()).toEqual([
      'inspection.open',
      'inspection.item',
      'inspection.finding',
      'finding.answer',
      'finding.close',
      'inspection.close',
      'inspection.amend',
    ]);
    expect(audit.every((e: { actor: string }) => /^(inspector|operator):/.test(e.actor))).toBe(true);
    expect((await api.call('GET', '/api/v1/audit?limit=50', { token: insp.hn })).body.items.filter((e: { target: string }) => e.target === id)).toEqual([]);
  });

  it("reads a time without a zone in the enterprise's zone, and from/to given as dates as its days, the last one through its end", async () => {
    now = new Date('2026-04-01T02:00:00Z');
    // Vietnam is UTC+7 (the default zone): 10:00 on 31 March there is 03:00Z, not 10:00 in the server's zone
    const late = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, startedAt: '2026-03-31T10:00' } });
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    expect(late.body.startedAt).toBe('2026-03-31T03:00:00.000Z');
    // a check's time likewise: 09:45 there is 02:45Z
    const examined = await api.call('POST', `/api/v1/inspections/${late.body.id}/items`, {
      token: insp.bg,
      body: item('fd-dt-1', [{ ...proving(20.02), ts: '2026-03-31T09:45' }]),
    });
    expect(examined.status, JSON.stringify(examined.body)).toBe(201);
    const history = (await api.call('GET', '/api/v1/devices/fd-dt-1/checks', { token: insp.bg })).body.items;
    expect(history.map((c: { seq: number; ts: string }) => [c.seq, c.ts])).toEqual([[-1, '2026-03-31T02:45:00.000Z']]);
    await api.call('POST', `/api/v1/inspections/${late.body.id}/findings`, { token: insp.bg, body: { kind: 'observation', description: 'x' } });
    // a date alone: the start of that day there
    const early = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, startedAt: '2026-03-30' } });
    expect(early.body.startedAt).toBe('2026-03-29T17:00:00.000Z');
    // an enterprise with its own zone: 10:00 in Tokyo (UTC+9) is 01:00Z
    expect((await api.call('PATCH', '/api/v1/tenants/cxd-ha-noi', { body: { timeZone: 'Asia/Tokyo' } })).status).toBe(200);
    const tokyo = await api.call('POST', '/api/v1/inspections', { token: insp.hn, body: { ...opening, tenant: 'cxd-ha-noi', startedAt: '2026-03-31T10:00' } });
    expect(tokyo.body.startedAt).toBe('2026-03-31T01:00:00.000Z');

    // started in [from, to]: 31 March there is 2026-03-30T17:00Z ≤ startedAt ≤ 2026-03-31T16:59:59.999Z
    const ids = async (path: string, q: string) => (await api.call('GET', `${path}?${q}`, { token: insp.bg })).body.items.map((x: { id: string }) => x.id);
    expect(await ids('/api/v1/inspections', 'from=2026-03-31&to=2026-03-31')).toEqual([late.body.id]);
    expect(await ids('/api/v1/inspections', 'from=2026-03-30&to=2026-03-30')).toEqual([early.body.id]);
    expect(await ids('/api/v1/inspections', 'from=2026-03-01&to=2026-03-31T09:59')).toEqual([early.body.id]);
    expect(await ids('/api/v1/findings', 'from=2026-03-31&to=2026-03-31')).toEqual([`${late.body.id}-F1`]);
    // the tenant's own days when one is asked for: 31 March in Tokyo ends at 2026-03-31T14:59:59.999Z
    expect(await ids('/api/v1/inspections', 'tenant=cxd-ha-noi&from=2026-03-31&to=2026-03-31')).toEqual([]); // not visible to Bắc Giang
    const hn = (await api.call('GET', '/api/v1/inspections?tenant=cxd-ha-noi&from=2026-03-31&to=2026-03-31', { token: insp.hn })).body.items;
    expect(hn.map((x: { id: string }) => x.id)).toEqual([tokyo.body.id]);
  });

  it('prints as a PDF in Vietnamese, or in English, with DejaVu Sans embedded', async () => {
    const id = await open();
    await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [proving(20.12)]) });
    const res = await api.app.request(`/api/v1/inspections/${id}/record.pdf`, { headers: { authorization: `Bearer ${op.station}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${id}.pdf"`);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdf.toString('latin1');
    expect(text).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    expect(text.match(/\/Type \/Page\b/g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    const en = await api.app.request(`/api/v1/inspections/${id}/record.pdf?lang=en`, { headers: { authorization: `Bearer ${insp.bg}` } });
    expect(en.headers.get('content-disposition')).toBe(`attachment; filename="${id}-en.pdf"`);
    expect((await api.app.request(`/api/v1/inspections/${id}/record.pdf`, { headers: { authorization: `Bearer ${insp.hn}` } })).status).toBe(404);
  });

  it('names the authority, the address and the representative of the establishment, kept, listed and printed; refuses them malformed', async () => {
    const parties = {
      authority: 'Sở Khoa học và Công nghệ tỉnh Bắc Giang',
      siteAddress: 'Số 12 đường Hùng Vương, phường Ngô Quyền, TP Bắc Giang',
      representative: { name: 'Lê Thị Mai', position: 'Cửa hàng trưởng' },
    };
    const r = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, ...parties } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject(parties);
    expect(r.body).not.toHaveProperty('campaign');
    expect((await api.call('GET', `/api/v1/inspections/${r.body.id}`, { token: op.station })).body).toMatchObject(parties);
    expect((await api.call('GET', '/api/v1/inspections', { token: insp.bg })).body.items[0]).toMatchObject({ id: r.body.id, ...parties });
    // the opening is in the audit log with them
    const audit = await api.call('GET', '/api/v1/audit');
    expect(audit.body.items.find((e: { action: string; target: string }) => e.action === 'inspection.open' && e.target === r.body.id)?.details).toMatchObject(
      parties,
    );

    const bad = async (body: Record<string, unknown>) =>
      (await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, ...body } })).body.error?.details?.map(
        (d: { path: string }) => d.path,
      );
    expect(await bad({ authority: 'x'.repeat(201) })).toEqual(['authority']);
    expect(await bad({ authority: '   ' })).toEqual(['authority']);
    expect(await bad({ siteAddress: 'x'.repeat(501) })).toEqual(['siteAddress']);
    expect(await bad({ representative: { position: 'Cửa hàng trưởng' } })).toEqual(['representative.name']);
    expect(await bad({ representative: 'Lê Thị Mai' })).toEqual(['representative']);
    expect(await bad({ representative: { name: 'Lê Thị Mai', phone: '0912' } })).toEqual(['representative']);
    // at most 200 characters, trimmed: 200 are taken
    const long = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, authority: ` ${'Đ'.repeat(200)} ` } });
    expect(long.body.authority).toBe('Đ'.repeat(200));

    // printed: the authority in capitals above the team, the address and the representative, who signs
    now = new Date('2026-03-15T02:45:00Z'); // 09:45: the check at 09:41 has been made
    await api.call('POST', `/api/v1/inspections/${r.body.id}/items`, {
      token: insp.bg,
      body: item('fd-dt-2', [{ ...proving(20.05), ts: '2026-03-15T09:41:00' }]),
    });
    const res = await api.app.request(`/api/v1/inspections/${r.body.id}/record.pdf`, { headers: { authorization: `Bearer ${insp.bg}` } });
    const text = readPdf(Buffer.from(await res.arrayBuffer())).text.replace(/\s+/g, ' ');
    expect(text).toContain('SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC GIANG');
    expect(text).toContain('Địa chỉ: Số 12 đường Hùng Vương, phường Ngô Quyền, TP Bắc Giang');
    expect(text).toContain('Đại diện cơ sở: Lê Thị Mai, chức vụ: Cửa hàng trưởng');
    expect(text).toContain('ĐẠI DIỆN CƠ SỞ ĐƯỢC KIỂM TRA');
    // the check's time: 09:41 read on the enterprise's clock (Vietnam)
    expect(text).toMatch(/09:41/);
  });

  it("words a calibrated type's mark and certificate as calibration's on the printed record (its profile's standing)", async () => {
    // the profile projector is calibrated, not legally verified (devices/profile-projector.json, standing: calibration)
    expect(
      (await api.call('POST', '/api/v1/devices', { body: { id: 'pp-dt-1', tenant: 'cxd-duc-thang', type: 'profile-projector', serial: 'PJ-300' } })).status,
    ).toBe(201);
    const id = await open();
    const added = await api.call('POST', `/api/v1/inspections/${id}/items`, {
      token: insp.bg,
      body: { device: 'pp-dt-1', sealsIntact: true, verificationMarkValid: false, certificateValid: false },
    });
    expect(added.body).toMatchObject({
      verdict: 'fail',
      reasons: ['verification-mark-invalid', 'certificate-invalid'],
      facts: { verification: { basis: 'calibration' } },
    });
    const pdf = async (lang: string) =>
      readPdf(
        Buffer.from(
          await (await api.app.request(`/api/v1/inspections/${id}/record.pdf?lang=${lang}`, { headers: { authorization: `Bearer ${insp.bg}` } })).arrayBuffer(),
        ),
      ).text.replace(/\s+/g, ' ');
    const vi = await pdf('vi');
    expect(vi).toContain('Tem hiệu chuẩn: không hợp lệ; Giấy chứng nhận hiệu chuẩn: không hợp lệ');
    expect(vi).toContain('Tình trạng hiệu chuẩn theo hồ sơ MAG: chưa có giấy chứng nhận');
    expect(vi).toContain('Không phù hợp (tem hiệu chuẩn không hợp lệ; giấy chứng nhận hiệu chuẩn không hợp lệ)');
    expect(vi).not.toMatch(/kiểm định không hợp lệ/);
    const en = await pdf('en');
    expect(en).toContain('Calibration label: not valid; Calibration certificate: not valid');
    expect(en).toContain('Does not conform (calibration label not valid; calibration certificate not valid)');
  });

  it('keeps the alerts unresolved on an instrument when it was entered, answers and prints them; ends as a biên bản, what came after under its own heading', async () => {
    // the authority's proving measure, registered and calibrated: the checks are traceable
    const pm = { id: 'PM-20L-07', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II', serial: 'BC-07' };
    expect((await api.call('POST', '/api/v1/standards', { body: pm })).status).toBe(201);
    const hc = { number: 'HC-07', issuedBy: 'VMI', issuedAt: '2025-06-01', validUntil: '2026-06-01', uncertainty: 0.004, traceableTo: 'VMI' };
    expect((await api.call('POST', '/api/v1/standards/PM-20L-07/certificates', { body: hc })).status).toBe(201);
    const id = await open(); // 09:30 on 15 March in Vietnam
    // the first examination fails the in-trade rule: the out-of-tolerance alert opens with the check, after the facts were taken
    const failing = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [proving(20.12)]) });
    expect(failing.body.facts.unresolvedAlerts).toEqual([]);
    const [oot] = (await api.call('GET', '/api/v1/alerts?device=fd-dt-2&kind=out-of-tolerance', { token: op.station })).body.items;
    expect((await api.call('POST', `/api/v1/alerts/${oot.id}/ack`, { token: op.station, body: { note: 'Đã mời đơn vị hiệu chỉnh' } })).status).toBe(200);
    // adjusted on the spot, examined again at 10:10: it conforms, the alert is not resolved yet
    now = new Date('2026-03-15T03:10:00Z');
    const again = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [proving(20.02)]) });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    const kept = {
      id: oot.id,
      kind: 'out-of-tolerance',
      key: 'Qmax',
      severity: 'critical',
      state: 'acknowledged',
      since: '2026-03-15T02:30:00.000Z',
      summary: 'Check fail (point Qmax, in service): error 0.12 L against MPE ±0.09 L (U = 0.007 L)',
      // the check's evidence, as the alert holds it: +0.12 L against ±0.09 L, U = 0.007024 L
      check: {
        at: '2026-03-15T02:30:00.000Z',
        error: expect.closeTo(0.12, 10),
        mpe: expect.closeTo(0.09, 10),
        uncertainty: expect.closeTo(0.007024, 6),
        unit: 'L',
        decision: 'fail',
        point: 'Qmax',
        regime: 'inService',
      },
    };
    expect(again.body).toMatchObject({ verdict: 'pass', facts: { unresolvedAlerts: [kept] } });
    // an alert resolved before an instrument is entered is not on it
    expect(
      (await api.call('POST', `/api/v1/alerts/${oot.id}/resolve`, { token: op.station, body: { reason: 'adjusted', note: 'meter re-set, proved at 20 L' } }))
        .status,
    ).toBe(200);
    now = new Date('2026-03-15T03:20:00Z');
    const third = await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-2', [proving(20.02)]) });
    expect(third.body.facts.unresolvedAlerts).toEqual([]);
    // a finding answered during the inspection, one after the record ended
    await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { kind: 'observation', description: 'Bảng niêm yết giá mờ' } });
    await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { kind: 'violation', description: 'Kẹp chì cột số 1 bị đứt' } });
    await api.call('POST', `/api/v1/findings/${id}-F1/answer`, { token: op.station, body: { text: 'Đã thay bảng niêm yết giá' } });
    now = new Date('2026-03-15T04:00:00Z'); // 11:00
    const closed = await api.call('POST', `/api/v1/inspections/${id}/close`, { token: insp.bg, body: {} });
    now = new Date('2026-03-16T01:00:00Z'); // 08:00 the next day
    await api.call('POST', `/api/v1/findings/${id}-F2/answer`, { token: op.station, body: { text: 'Đã mời tổ chức kiểm định niêm phong lại' } });
    now = new Date('2026-03-20T02:30:00Z');
    await api.call('POST', `/api/v1/findings/${id}-F2/close`, { token: insp.bg, body: { reason: 'Đã niêm phong lại' } });

    // the record answers the alerts as they were at the inspection, whatever became of them; its fingerprint holds
    const record = (await api.call('GET', `/api/v1/inspections/${id}`, { token: op.station })).body;
    expect(record.items.map((x: { facts: { unresolvedAlerts: unknown[] } }) => x.facts.unresolvedAlerts)).toEqual([[], [kept], []]);
    expect(recordHash(record)).toBe(closed.body.recordHash);
    const pdf = async (lang: string) =>
      readPdf(
        Buffer.from(
          await (
            await api.app.request(`/api/v1/inspections/${id}/record.pdf?lang=${lang}`, { headers: { authorization: `Bearer ${op.station}` } })
          ).arrayBuffer(),
        ),
      ).text.replace(/\s+/g, ' ');
    const vi = await pdf('vi');
    expect(vi).toContain(
      'Căn cứ Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011; Căn cứ Thông tư số 28/2013/TT-BKHCN ngày 17 tháng 12 năm 2013 của Bộ trưởng Bộ Khoa học và Công nghệ quy định kiểm tra nhà nước về đo lường, được sửa đổi, bổ sung bởi Thông tư số 10/2022/TT-BKHCN ngày 28 tháng 7 năm 2022; Căn cứ Thông tư 15/2015/TT-BKHCN.',
    );
    expect(vi).toContain(
      'Cảnh báo chưa xử lý lúc kiểm tra: vượt sai số cho phép (Qmax), từ 15/03/2026, cơ sở đã tiếp nhận, phép kiểm tra lúc 09:30 ngày 15/03/2026: sai số +0,12 L, sai số cho phép ±0,09 L.',
    );
    expect(vi).toContain('Kết luận: Phù hợp (cảnh báo vượt sai số chưa xử lý) 3. fd-dt-2');
    expect(vi.match(/Cảnh báo chưa xử lý lúc kiểm tra/g)).toHaveLength(1);
    expect(vi).toContain(
      'Biên bản kết thúc vào hồi 11 giờ 00 phút, ngày 15/03/2026. ' +
        `Mã xác thực (SHA-256): ${closed.body.recordHash} ` +
        'Biên bản được lập thành 02 bản có giá trị pháp lý như nhau, cơ sở được kiểm tra giữ 01 bản, đoàn kiểm tra giữ 01 bản. ' +
        'Biên bản được đọc lại cho các bên cùng nghe và thống nhất ký tên. ĐẠI DIỆN CƠ SỞ ĐƯỢC KIỂM TRA',
    );
    // F2 stood open when the record ended: its answer and closing come after the signatures, dated
    expect(vi).toContain('F2 Vi phạm — Kẹp chì cột số 1 bị đứt — đang mở');
    expect(vi).toContain(
      'Nguyễn Văn Hùng Trần Thị Lan DIỄN BIẾN SAU KHI LẬP BIÊN BẢN ' +
        'Lúc 08:00 ngày 16/03/2026 — F2 — Trả lời của cơ sở (operator-cxd-duc-thang): Đã mời tổ chức kiểm định niêm phong lại ' +
        'Lúc 09:30 ngày 20/03/2026 — F2 — Đoàn kiểm tra kết thúc xử lý (inspector-VN-BG): Đã niêm phong lại',
    );
    const en = await pdf('en');
    expect(en).toContain(
      'Alerts unresolved at the inspection: out of tolerance (Qmax), since 15/03/2026, acknowledged by the establishment, check of 15/03/2026 at 09:30: error +0.12 L against MPE ±0.09 L.',
    );
    expect(en).toContain('Conclusion: Conforms (out-of-tolerance alert unresolved)');
    expect(en).toContain('The record ended at 11:00 on 15/03/2026.');
    expect(en).toContain('The record is made in 02 copies of equal legal value: the establishment inspected keeps 01, the inspection team 01.');
    expect(en).toContain(
      "AFTER THE RECORD WAS CLOSED 16/03/2026 at 08:00 — F2 — Establishment's answer (operator-cxd-duc-thang): Đã mời tổ chức kiểm định niêm phong lại",
    );
  });

  it("summarises the period's inspections of a region for the periodic report", async () => {
    const id = await open();
    await api.call('POST', `/api/v1/inspections/${id}/items`, {
      token: insp.bg,
      body: item('fd-dt-2', [proving(20.12), { ...proving(5.01), reference: 5, point: 'MMQ' }]),
    });
    await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('fd-dt-1', [proving(20.02)], { sealsIntact: false }) });
    await api.call('POST', `/api/v1/inspections/${id}/items`, { token: insp.bg, body: item('sc-dt-1', [], { priceDisplayCorrect: undefined }) });
    await api.call('POST', `/api/v1/inspections/${id}/findings`, { token: insp.bg, body: { device: 'fd-dt-2', kind: 'sealed-off', description: 'x' } });
    await api.call('POST', `/api/v1/inspections/${id}/findings`, {
      token: insp.bg,
      body: { device: 'fd-dt-1', kind: 'violation', description: 'kẹp chì bị đứt' },
    });
    // another region's record
    const hn = (await api.call('POST', '/api/v1/inspections', { body: { ...opening, tenant: 'cxd-ha-noi' } })).body.id;
    await api.call('POST', `/api/v1/inspections/${hn}/items`, { body: item('fd-hn-1', []) });
    const s = api.deps.inspections.inspectionSummary('2026-03-01T00:00:00Z', '2026-03-31T23:59:59Z', ['VN-BG']);
    expect(s).toMatchObject({
      regions: ['VN-BG'],
      inspections: 1,
      open: 1,
      tenants: 1,
      instruments: 3,
      conforming: 1,
      nonConforming: 2,
      // 5.01 L against 5 L: MPE in trade 1.5 × max(0.3 % × 5 L, Emin 2·5 L·0.3 % = 0.03 L) = 0.045 L; error 0.01 L → pass
      checks: { total: 3, pass: 2, fail: 1 },
      reasons: { 'check-fail': 1, 'seals-broken': 1, 'verification-mark-invalid': 0 },
      findings: { total: 2, byKind: { 'sealed-off': 1, violation: 1, observation: 0 }, byState: { open: 2, answered: 0, closed: 0 } },
    });
    expect(api.deps.inspections.inspectionSummary('2026-03-01T00:00:00Z', '2026-03-31T23:59:59Z')).toMatchObject({
      regions: null,
      inspections: 2,
      instruments: 4,
      byRegion: [
        { region: 'VN-BG', inspections: 1, instruments: 3 },
        { region: 'VN-HN', inspections: 1, instruments: 1 },
      ],
    });
    expect(api.deps.inspections.inspectionSummary('2026-04-01T00:00:00Z', '2026-04-30T00:00:00Z').inspections).toBe(0);
  });
});
