// An instrument's measurement-assurance file through the API alone (real stores, no broker): who may
// have it, which period it covers, and what the PDF says. Checks enter through the real ingest and
// assurance code, as in standards.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { readPdf } from '../../test/support/pdf-text.ts';
import { Ingest } from '../ingest/ingest.ts';
import type { CheckResult } from '../metrology/types.ts';
import { CheckStore } from '../store/checks.ts';
import { MAX_EVIDENCE_CHECKS } from './routes/evidence.ts';

const NOW = new Date('2026-03-15T05:00:00Z'); // noon in Hà Nội
let now = new Date('2025-01-15T05:00:00Z');
let api: ApiUnderTest;
let ingest: Ingest;
let tok: { north: string; south: string; hanoi: string; saigon: string };

/** A check of a 20 L proving measure at Qmax (or `point`), through ingest and the assurance state. */
function check(seq: number, ts: string, error: number, point = 'Qmax') {
  const dev = api.deps.registry.registeredDevice('fd-1')!;
  const body = { seq, ts, indicated: 20 + error, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-1', point };
  const result = ingest.handle(dev, 'checks', JSON.stringify(body), NOW.getTime());
  expect(result.rejections).toEqual([]);
  api.deps.assurance.apply(dev, 'instruments/fd-1/checks', result, Buffer.from(JSON.stringify(body)), NOW);
}

beforeEach(async () => {
  now = new Date('2025-01-15T05:00:00Z');
  api = apiUnderTest({ now: () => now });
  for (const t of [
    { id: 'north', name: 'Công ty Xăng dầu Bắc', region: 'VN-HN' },
    { id: 'south', name: 'South Fuel', region: 'VN-SG' },
  ])
    expect((await api.call('POST', '/api/v1/tenants', { body: t })).status).toBe(201);
  tok = {
    north: api.token('operator', { tenant: 'north' }),
    south: api.token('operator', { tenant: 'south' }),
    hanoi: api.token('inspector', { regions: ['VN-HN'] }),
    saigon: api.token('inspector', { regions: ['VN-SG'] }),
  };
  const post = async (path: string, body: unknown) => expect((await api.call('POST', path, { token: tok.north, body })).status).toBe(201);
  await post('/api/v1/devices', { id: 'fd-1', tenant: 'north', type: 'fuel-dispenser', serial: 'SN-0042', class: '0.5', site: 'Cửa hàng số 5' });
  await post('/api/v1/standards', {
    id: 'PM-1',
    tenant: 'north',
    name: 'Bình chuẩn 20 L',
    quantity: 'volume',
    unit: 'L',
    kind: 'proving-measure',
    class: 'II',
  });
  await post('/api/v1/standards/PM-1/certificates', {
    number: 'HC-PM-2025',
    issuedBy: 'VMI',
    issuedAt: '2025-01-10',
    validUntil: '2026-01-09',
    uncertainty: 0.004,
    traceableTo: 'Chuẩn quốc gia dung tích (VMI)',
  });
  await post('/api/v1/devices/fd-1/certificates', {
    kind: 'verification',
    number: 'KĐ-2025-17',
    issuedBy: 'QUATEST 1',
    issuedAt: '2025-01-15',
    validUntil: '2026-01-14',
  });
  now = new Date('2026-01-12T05:00:00Z');
  await post('/api/v1/devices/fd-1/certificates', {
    kind: 'verification',
    number: 'KĐ-2026-03',
    issuedBy: 'QUATEST 1',
    issuedAt: '2026-01-12',
    validUntil: '2027-01-11',
  });
  now = NOW;
  const d = api.deps;
  ingest = new Ingest(
    {
      profile: (t) => d.profiles.get(t),
      certificates: (id) => d.registry.certificatesOf(id),
      lastTotalizer: () => undefined,
      timeZoneOf: () => 'Asia/Ho_Chi_Minh',
      standardOf: (id, tenant) => d.standards.standardOf(id, tenant),
    },
    { futureToleranceMs: 300_000, maxBatchReadings: 1000, backfillDays: 3650 },
  );
  check(1, '2025-09-10T08:30:00+07:00', 0.05); // within tolerance, traceable
  check(2, '2026-02-10T09:00:00+07:00', 0.2); // out of tolerance, and the standard's calibration expired on 9 January
});
afterEach(() => api.close());

const evidence = (query: string, token: string) => api.call('GET', `/api/v1/devices/fd-1/evidence${query}`, { token });
async function pdf(query: string, token: string) {
  const res = await api.app.request(`/api/v1/devices/fd-1/evidence${query}`, { headers: { authorization: `Bearer ${token}` } });
  return { res, pdf: readPdf(Buffer.from(await res.arrayBuffer())) };
}

describe('GET /devices/{id}/evidence', () => {
  it("gives the enterprise's operator its instrument's file, in Vietnamese by default, with every check of the period", async () => {
    // the out-of-tolerance alert, acknowledged and resolved by the enterprise
    const oot = (await api.call('GET', '/api/v1/alerts?device=fd-1&kind=out-of-tolerance', { token: tok.north })).body.items[0];
    expect((await api.call('POST', `/api/v1/alerts/${oot.id}/ack`, { token: tok.north, body: { note: 'đã khóa vòi' } })).status).toBe(200);
    expect(
      (await api.call('POST', `/api/v1/alerts/${oot.id}/resolve`, { token: tok.north, body: { reason: 'adjusted', note: 'hiệu chỉnh lại' } })).status,
    ).toBe(200);

    const { res, pdf: p } = await pdf('?from=2025-04-01&to=2026-03-31', tok.north);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="ho-so-dam-bao-do-luong-fd-1-2025-04-01-2026-03-31.pdf"');
    expect(p.fonts.map((f) => f.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold', 'DejaVuSans-Oblique']);
    // the enterprise's head, the nation and motto, the place and the day it was made
    expect(p.lines.slice(0, 7)).toEqual([
      'CÔNG TY XĂNG DẦU BẮC',
      'Số: ……/……',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'Hà Nội, ngày 15 tháng 3 năm 2026',
      'HỒ SƠ ĐẢM BẢO ĐO LƯỜNG CỦA PHƯƠNG TIỆN ĐO',
      'Phương tiện đo fd-1 (Cột đo xăng dầu, số sê-ri SN-0042) từ ngày 01/04/2025 đến ngày 31/03/2026',
    ]);
    const text = p.lines.map((l) => l.trim());
    // both checks, on the enterprise's clock, with their figures and decisions (the table wraps cells on lines of their own)
    for (const cell of ['10/09/2025', '08:30', '+0,05 L', '(+0,25 %)', '10/02/2026', '09:00', '+0,2 L (+1 %)', '±0,15 L', '0,007 L', 'Không', 'đạt'])
      expect(text, cell).toContain(cell);
    expect(p.text).toContain('Số phép kiểm tra: 2; không đạt theo kết luận pháp định: 1.');
    // the certificates: in force at the start and issued in the period
    for (const cell of ['KĐ-2025-17', 'có hiệu lực tại đầu kỳ', 'KĐ-2026-03', 'cấp trong kỳ']) expect(text, cell).toContain(cell);
    // the second check's standard had lapsed
    expect(p.text).toContain('Phép kiểm tra lúc 09:00 10/02/2026: chuẩn PM-1 không bảo đảm liên kết chuẩn');
    expect(p.text).toMatch(/Đã điều chỉnh: hiệu chỉnh\s*lại/); // resolved by the enterprise, its reason and note
    expect(p.text).toContain('Trang 1/');
    expect(p.lines.at(-1)).toMatch(/^Trang (\d+)\/\1$/);

    const json = await evidence('?from=2025-04-01&to=2026-03-31&format=json', tok.north);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ device: 'fd-1', from: '2025-03-31T17:00:00.000Z', to: '2026-03-31T16:59:59.999Z', timeZone: 'Asia/Ho_Chi_Minh' });
    const alerts = json.body.document.sections.find((s: { id: string }) => s.id === 'alerts').blocks[0].table.rows;
    expect(alerts.find((r: string[]) => r[0] === 'Vượt sai số cho phép')).toEqual([
      'Vượt sai số cho phép',
      'lưu lượng lớn nhất Qmax',
      'nghiêm trọng',
      '12:00 15/03/2026',
      'đã xử lý',
      'operator-north (doanh nghiệp)\n12:00 15/03/2026\nghi chú: đã khóa vòi',
      'operator-north (doanh nghiệp)\n12:00 15/03/2026\nĐã điều chỉnh: hiệu chỉnh lại',
    ]);
  });

  it('is in English when asked, and covers the last 12 months by default', async () => {
    const json = await evidence('?lang=en&format=json', tok.north);
    expect(json.status).toBe(200);
    // from the start of 15 March 2025 in Hà Nội to now
    expect(json.body).toMatchObject({ from: '2025-03-14T17:00:00.000Z', to: NOW.toISOString() });
    expect(json.body.document.subject).toBe('Instrument fd-1 (Fuel dispenser, serial SN-0042) from 15/03/2025 to 15/03/2026');
    const { res, pdf: p } = await pdf('?lang=en', tok.north);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="assurance-file-fd-1-2025-03-15-2026-03-15.pdf"');
    expect(p.text).toContain('MEASUREMENT ASSURANCE FILE OF A MEASURING INSTRUMENT');
    expect(p.text).toContain('Page 1 of');
  });

  it("says which way the dispenser's errors lean, series by series, in Vietnamese and English (docs/metrology.md §6)", async () => {
    // five checks at Qmin each 0.08 or 0.09 L over (mean 0.084 L = 0.56 of the 0.15 L MPE): 5 of 5 on the seller's side, p = 1/32
    for (const [i, e] of [0.08, 0.09, 0.08, 0.09, 0.08].entries()) check(3 + i, `2026-03-0${i + 1}T08:00:00+07:00`, e, 'Qmin');
    const drift = (await api.call('GET', '/api/v1/devices/fd-1/drift', { token: tok.north })).body.bySeries;
    expect(drift.find((s: { point: string }) => s.point === 'Qmin').sellerFavour).toMatchObject({
      checksCounted: 5,
      onSellerSide: 5,
      favoured: 'seller',
      pValue: 1 / 32,
      finding: true,
    });

    const json = await evidence('?from=2025-04-01&to=2026-03-31&format=json', tok.north);
    const blocks = json.body.document.sections.find((s: { id: string }) => s.id === 'drift').blocks;
    const table = blocks.find((b: { table?: unknown }) => b.table).table;
    expect(table.id).toBe('drift-favour');
    expect(table.headers.at(-1)).toBe('Hướng sai số');
    // the Qmax series since the verification of 12 January: the check of 10 February alone, 0.2 L over
    expect(table.rows.map((r: string[]) => [r[0], r.at(-1)])).toEqual([
      ['lưu lượng lớn nhất Qmax\ntrong sử dụng', 'lợi cho người bán: 1/1\np = 0,5\ntrung bình +1,3 MPE'],
      ['lưu lượng nhỏ nhất Qmin\ntrong sử dụng', 'lợi cho người bán: 5/5\np = 0,031\ntrung bình +0,56 MPE\n⚠ Sai số nghiêng về phía người bán'],
    ]);
    expect(blocks.at(-1)).toEqual({
      line: 'Chuỗi kiểm tra lưu lượng nhỏ nhất Qmin (trong sử dụng): sai số chủ yếu nghiêng về phía có lợi cho người bán, gần giới hạn sai số cho phép (NIST Handbook 44 G-UR.4.1; ngưỡng đánh giá do MAG chọn).',
      bold: true,
      warning: true,
    });

    const vi = (await pdf('?from=2025-04-01&to=2026-03-31', tok.north)).pdf;
    for (const cell of ['Hướng sai số', 'lợi cho người bán: 5/5', 'p = 0,031', 'trung bình +0,56 MPE'])
      expect(
        vi.lines.map((l) => l.trim()),
        cell,
      ).toContain(cell);
    expect(vi.text).toMatch(
      /Chuỗi\s+kiểm\s+tra\s+lưu\s+lượng\s+nhỏ\s+nhất\s+Qmin\s+\(trong\s+sử\s+dụng\):\s+sai\s+số\s+chủ\s+yếu\s+nghiêng\s+về\s+phía\s+có\s+lợi\s+cho\s+người\s+bán/,
    );
    const en = (await pdf('?from=2025-04-01&to=2026-03-31&lang=en', tok.north)).pdf;
    for (const cell of ['Direction of errors', "seller's favour: 5 of 5", 'p = 0.031', 'mean +0.56 MPE'])
      expect(
        en.lines.map((l) => l.trim()),
        cell,
      ).toContain(cell);
    expect(en.text).toMatch(/Series Qmin \(in service\): the errors lean predominantly to the seller's favour/);
  });

  it('gives the drift of a past period as it stood at its end, not as it stands now', async () => {
    // 2025: the Qmax series since KĐ-2025-17 (15 January) held the check of 10 September alone, 0.05 L over (0.33 of the
    // class 0.5 dispenser's in-trade 0.75 % × 20 L = 0.15 L). Now it holds the check of 10 February 2026 alone, 0.2 L
    // over (1.3 of it): KĐ-2026-03 (12 January) restarted it.
    const driftOf = async (query: string) => {
      const blocks = (await evidence(`${query}&format=json`, tok.north)).body.document.sections.find((s: { id: string }) => s.id === 'drift').blocks;
      return { asOf: blocks[0].line as string, rows: blocks.find((b: { table?: unknown }) => b.table).table.rows.map((r: string[]) => [r[0], r[1], r.at(-1)]) };
    };
    const past = await driftOf('?from=2025-01-15&to=2025-12-31');
    expect(past.asOf).toMatch(/^Trạng thái cuối kỳ \(.*31\/12\/2025\), tính lại từ các lần kiểm tra kể từ giấy chứng nhận có hiệu lực lúc đó\.$/);
    expect(past.rows).toEqual([['lưu lượng lớn nhất Qmax\ntrong sử dụng', '1', 'lợi cho người bán: 1/1\np = 0,5\ntrung bình +0,33 MPE']]);
    const current = await driftOf('?from=2025-04-01&to=2026-03-31');
    expect(current.asOf).toMatch(/^Trạng thái lúc lập hồ sơ \(.*15\/03\/2026\)\.$/);
    expect(current.rows).toEqual([['lưu lượng lớn nhất Qmax\ntrong sử dụng', '1', 'lợi cho người bán: 1/1\np = 0,5\ntrung bình +1,3 MPE']]);
    // GET drift as of a day: the end of 31 December in Vietnam
    const then = await api.call('GET', '/api/v1/devices/fd-1/drift?asOf=2025-12-31', { token: tok.hanoi });
    expect(then.body).toMatchObject({ device: 'fd-1', asOf: '2025-12-31T16:59:59.999Z', complete: true, series: 'point=Qmax,regime=inService', points: 1 });
    expect(then.body.bySeries[0].resetAt).toBe('2025-01-14T17:00:00.000Z'); // KĐ-2025-17, from the start of 15 January there
    expect(then.body.bySeries[0].sellerFavour.meanError).toBeCloseTo(0.05, 12);
    const live = (await api.call('GET', '/api/v1/devices/fd-1/drift', { token: tok.hanoi })).body;
    expect(live.bySeries[0].sellerFavour.meanError).toBeCloseTo(0.2, 12);
    expect(live.asOf).toBeUndefined();
    expect((await api.call('GET', '/api/v1/devices/fd-1/drift?asOf=soon', { token: tok.hanoi })).status).toBe(400);
  });

  it("answers 404 to another enterprise's operator and to an inspector of another region, 200 to the region's inspector", async () => {
    expect((await evidence('', tok.south)).body.error).toEqual({ code: 'not_found', message: 'device fd-1 not found' });
    expect((await evidence('', tok.saigon)).status).toBe(404);
    expect((await api.call('GET', '/api/v1/devices/nope/evidence', { token: tok.north })).status).toBe(404);
    const { res, pdf: p } = await pdf('?from=2025-04-01&to=2026-03-31', tok.hanoi);
    expect(res.status).toBe(200);
    expect(p.lines.map((l) => l.trim())).toContain('+0,05 L');
  });

  it('refuses a reversed period, one not begun and one longer than 5 years, saying why', async () => {
    const reversed = await evidence('?from=2026-03-01&to=2026-02-01', tok.north);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.details).toEqual([{ path: 'from', message: 'from must not be after to; received from=2026-03-01, to=2026-02-01' }]);
    const future = await evidence('?from=2026-04-01', tok.north);
    expect(future.body.error.details[0]).toMatchObject({ path: 'from', message: expect.stringMatching(/^from is in the future: the period has not begun/) });
    const long = await evidence('?from=2020-01-01&to=2026-03-01', tok.north);
    expect(long.status).toBe(400);
    expect(long.body.error.details).toEqual([
      {
        path: 'from',
        message:
          "the period 2020-01-01 to 2026-03-01 is 2252 days long: an instrument's evidence file covers at most 5 years (1830 days, as the measurement-assurance report; a year is usual, and the default); give a later from or an earlier to",
      },
    ]);
    expect((await evidence('?format=xml', tok.north)).status).toBe(400);
  });

  /** A passing check as stored (written straight to the store: 2 000 of them through ingest would take a while). */
  const STORED: CheckResult = {
    seq: 0,
    ts: 0,
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
    standardId: 'PM-1',
    point: 'Qmax',
    traceable: true,
    standardCertificate: 'HC-PM-2025',
  };
  it('refuses a period with more checks than one file lists, rather than leave some out', async () => {
    const store = new CheckStore(api.db);
    const t0 = Date.parse('2025-06-01T00:00:00Z');
    for (let i = 0; i < MAX_EVIDENCE_CHECKS; i++)
      store.insert('fd-1', 'point=Qmax,regime=inService', { ...STORED, seq: 100 + i, ts: t0 + i * 3_600_000 }, NOW.toISOString());
    const many = await evidence('?from=2025-04-01&to=2026-03-31&format=json', tok.north);
    expect(many.status).toBe(400);
    expect(many.body.error.details[0].message).toBe(
      'the period 2025-04-01 to 2026-03-31 holds more than 2000 checks of fd-1, more than one evidence file lists: give a shorter period (and make one file per part)',
    );
    // the two of beforeEach and the first of these: a period before the rest is one file
    expect((await evidence('?from=2025-04-01&to=2025-06-01&format=json', tok.north)).status).toBe(200);
  });
});
