// The printed inspection record: both languages say the same things, times are the tenant's,
// people are named, and a long record runs onto numbered pages with DejaVu Sans embedded.
import { describe, expect, it } from 'vitest';
import {
  MAX_PRINTED_CHARS,
  actorName,
  distinguishing,
  legalBasisLines,
  printable,
  recordDateLine,
  recordPlace,
  recordTime,
  renderRecordPdf,
} from './record-pdf.ts';
import { readPdf } from '../../test/support/pdf-text.ts';
import { RECORD_WORDS } from './record-words.ts';
import type { Finding, InspectionItem, InspectionRecord } from './types.ts';

/** An open record at a station in Bắc Giang, opened 09:30 on 15 March 2026 there, with these items. */
const openRecord = (id: string, items: InspectionItem[]): InspectionRecord => ({
  id,
  tenant: 'cxd',
  region: 'VN-BG',
  startedAt: '2026-03-15T02:30:00.000Z',
  inspectors: ['Nguyễn Văn Hùng'],
  state: 'open',
  openedBy: 'inspector:Hùng:t',
  createdAt: '2026-03-15T02:30:00.000Z',
  items,
  findings: [],
  amendments: [],
});

describe("the record's words", () => {
  it('exist in Vietnamese and English for the same things', () => {
    const keys = (o: object): string[] =>
      Object.entries(o)
        .flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? keys(v).map((x) => `${k}.${x}`) : [k]))
        .sort();
    expect(keys(RECORD_WORDS.vi)).toEqual(keys(RECORD_WORDS.en));
    expect(RECORD_WORDS.vi.title).toBe('BIÊN BẢN KIỂM TRA VỀ ĐO LƯỜNG');
  });

  it("write times in the tenant's zone and people by name", () => {
    // 02:30 UTC is 09:30 in Asia/Ho_Chi_Minh (UTC+7)
    expect(recordTime('2026-03-15T02:30:00Z', 'vi', 'Asia/Ho_Chi_Minh')).toBe('lúc 09:30 ngày 15/03/2026');
    expect(recordTime('2026-03-14T20:30:00Z', 'en', 'Asia/Ho_Chi_Minh')).toBe('15/03/2026 at 03:30');
    expect(actorName('inspector:Thanh tra Bắc Giang:tok-1')).toBe('Thanh tra Bắc Giang');
    expect(actorName('system')).toBe('system');
  });

  it("date the record at its place on its day in the tenant's zone, as Nghị định 30/2020 writes it", () => {
    // 17:30 UTC on 4 March is 00:30 on 5 March in Vietnam (UTC+7): the 5th, with a leading 0; March without one
    expect(recordDateLine('2026-03-04T17:30:00Z', 'Bắc Giang', 'vi', 'Asia/Ho_Chi_Minh')).toBe('Bắc Giang, ngày 05 tháng 3 năm 2026');
    expect(recordDateLine('2026-03-04T17:30:00Z', 'Bac Giang', 'en', 'Asia/Ho_Chi_Minh')).toBe('Bac Giang, 5 March 2026');
    // the same instant is still the 4th in UTC
    expect(recordDateLine('2026-03-04T17:30:00Z', 'Hà Nội', 'vi', 'UTC')).toBe('Hà Nội, ngày 04 tháng 3 năm 2026');
    // months 1 and 2 take a leading 0, days of 10 and more none; 20:00 UTC on 9 December is 03:00 on the 10th
    expect(recordDateLine('2026-02-04T17:30:00Z', 'Hà Nội', 'vi', 'Asia/Ho_Chi_Minh')).toBe('Hà Nội, ngày 05 tháng 02 năm 2026');
    expect(recordDateLine('2026-01-15T02:30:00Z', 'Hà Nội', 'vi', 'Asia/Ho_Chi_Minh')).toBe('Hà Nội, ngày 15 tháng 01 năm 2026');
    expect(recordDateLine('2026-12-09T20:00:00Z', 'Thành phố Hồ Chí Minh', 'vi', 'Asia/Ho_Chi_Minh')).toBe('Thành phố Hồ Chí Minh, ngày 10 tháng 12 năm 2026');
    expect(recordDateLine('2026-12-09T20:00:00Z', 'Ho Chi Minh City', 'en', 'Asia/Ho_Chi_Minh')).toBe('Ho Chi Minh City, 10 December 2026');
  });

  it('place it in the provincial unit as named on that day: Bắc Ninh for Bắc Giang from 1 July 2025', () => {
    const dated = (region: string, iso: string, lang: 'vi' | 'en', zone = 'Asia/Ho_Chi_Minh') =>
      recordDateLine(iso, recordPlace(region, iso, lang, zone), lang, zone);
    // 2026: Bắc Giang (the project's VN-BG, ISO's VN-54) is part of Bắc Ninh
    expect(dated('VN-BG', '2026-03-04T17:30:00Z', 'vi')).toBe('Bắc Ninh, ngày 05 tháng 3 năm 2026');
    expect(dated('VN-54', '2026-03-04T17:30:00Z', 'vi')).toBe('Bắc Ninh, ngày 05 tháng 3 năm 2026');
    expect(dated('VN-BG', '2026-03-04T17:30:00Z', 'en')).toBe('Bac Ninh, 5 March 2026');
    // the last day before: Bắc Giang
    expect(dated('VN-BG', '2025-06-30T02:30:00Z', 'vi')).toBe('Bắc Giang, ngày 30 tháng 6 năm 2025');
    expect(dated('VN-54', '2025-06-30T02:30:00Z', 'en')).toBe('Bac Giang, 30 June 2025');
    // the day is the zone's: 17:30 UTC on 30 June is 00:30 on 1 July in Vietnam, still 30 June in UTC
    expect(dated('VN-BG', '2025-06-30T17:30:00Z', 'vi')).toBe('Bắc Ninh, ngày 01 tháng 7 năm 2025');
    expect(dated('VN-BG', '2025-06-30T17:30:00Z', 'vi', 'UTC')).toBe('Bắc Giang, ngày 30 tháng 6 năm 2025');
    // Thừa Thiên Huế is the city Huế from 1 January 2025; Hà Nội is Hà Nội
    expect(dated('VN-TTH', '2025-03-10T02:00:00Z', 'vi')).toBe('Huế, ngày 10 tháng 3 năm 2025');
    expect(dated('VN-26', '2024-12-30T02:00:00Z', 'vi')).toBe('Thừa Thiên Huế, ngày 30 tháng 12 năm 2024');
    expect(dated('VN-HN', '2026-03-04T17:30:00Z', 'vi')).toBe('Hà Nội, ngày 05 tháng 3 năm 2026');
    expect(dated('VN-HN', '2026-03-04T17:30:00Z', 'en')).toBe('Ha Noi, 5 March 2026');
  });
});

describe('renderRecordPdf', () => {
  it('runs a long record onto more pages, each numbered, with DejaVu Sans embedded', async () => {
    const item = (n: number): InspectionItem => ({
      id: n,
      inspection: 'BBKT-2026-0007',
      device: `fd-${n}`,
      facts: {
        sealsIntact: true,
        verificationMarkValid: true,
        certificateValid: n % 2 === 0,
        priceDisplayCorrect: true,
        verification: { state: 'valid', validUntil: '2026-12-01T00:00:00.000Z' },
      },
      verdict: n % 2 === 0 ? 'pass' : 'fail',
      reasons: n % 2 === 0 ? [] : ['certificate-invalid'],
      checks: [
        {
          seq: -n,
          ts: 0,
          unit: 'L',
          indicated: 20.02,
          corrected: 20.02,
          reference: 20,
          error: 0.02,
          relativeError: 0.001,
          mpe: 0.09,
          uncertainty: 0.007,
          en: 0.3,
          legal: 'pass',
          decision: 'pass',
          regime: 'inService',
          standardId: 'PM-20L-07',
          point: 'Qmax',
        },
      ],
      recordedAt: '2026-03-15T03:00:00.000Z',
      recordedBy: 'inspector:Hùng:t',
    });
    const record = openRecord(
      'BBKT-2026-0007',
      Array.from({ length: 14 }, (_, i) => item(i + 1)),
    );
    const pdf = await renderRecordPdf(record, {
      lang: 'vi',
      tenant: { id: 'cxd', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' },
      devices: new Map(),
      typeNames: new Map(),
      timeZone: 'Asia/Ho_Chi_Minh',
      generatedAt: new Date('2026-03-15T05:00:00Z'),
    });
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    expect(text).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans-Bold\b/);
    const pages = text.match(/\/Type \/Page\b/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pages).toBeLessThanOrEqual(4);
  });
});

describe('a check on the record: what makes it evidence', () => {
  const check = {
    seq: -1,
    ts: Date.parse('2026-03-15T03:00:00Z'),
    unit: '[ppm]',
    indicated: 52,
    corrected: 52,
    reference: 50,
    error: 2,
    relativeError: 0.04,
    mpe: 5,
    uncertainty: 1,
    en: 2,
    legal: 'pass' as const,
    decision: 'pass' as const,
    regime: 'inService' as const,
    standardId: 'CG-CO-50',
    gas: 'CO',
    point: 'span',
    standardCertificate: 'HC-CO-50',
    traceable: false,
    traceabilityIssue: 'the calibration of standard CG-CO-50 expired on 2026-03-01 (certificate HC-CO-50), before this check of 2026-03-15',
  };
  const record = (lang: 'vi' | 'en') =>
    renderRecordPdf(
      openRecord('BBKT-2026-0009', [
        {
          id: 1,
          inspection: 'BBKT-2026-0009',
          device: 'gd-1',
          facts: {
            sealsIntact: true,
            verificationMarkValid: true,
            certificateValid: true,
            // expired on 1 March in Vietnam: its last millisecond
            verification: { state: 'expired', validUntil: '2026-03-01T16:59:59.999Z' },
          },
          verdict: 'pass',
          reasons: [],
          checks: [check],
          recordedAt: '2026-03-15T03:00:00.000Z',
          recordedBy: 'inspector:Hùng:t',
        },
      ]),
      {
        lang,
        tenant: { id: 'cxd', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' },
        devices: new Map([['gd-1', { type: 'checkweigher', serial: 'GD-7' }]]),
        typeNames: new Map(),
        timeZone: 'Asia/Ho_Chi_Minh',
        generatedAt: new Date('2026-03-15T05:00:00Z'),
      },
    );

  it('names the gas and the point, the standard with its certificate, flags it untraceable and says why; units as written', async () => {
    // table cells wrap: read the text with its line breaks taken out
    const vi = readPdf(await record('vi')).text.replace(/\n/g, '');
    expect(vi).toMatch(/CO · span/);
    expect(vi).toMatch(/GCN hiệu chuẩn HC-CO-50/);
    expect(vi).toMatch(/không bảo đảm liên kết chuẩn/);
    expect(vi).toMatch(/Chuẩn CG-CO-50 không bảo đảm liên kết chuẩn tại thời điểm kiểm tra/);
    expect(vi).toMatch(/1 ppm/); // U with its unit
    expect(vi).not.toMatch(/\[ppm\]/);
    expect(vi).toMatch(/Cân kiểm tra tự động/); // the type in Vietnamese, not the profile's English name
    expect(vi).toMatch(/hết hiệu lực \(hiệu lực đến hết ngày 01\/03\/2026\)/);
    // the inspector saw a valid certificate where MAG has none in force: said, not silently contradicted
    expect(vi).toMatch(/Giấy chứng nhận kiểm định xuất trình còn hiệu lực nhưng hồ sơ MAG chưa ghi nhận/);
    const en = readPdf(await record('en')).text.replace(/\n/g, '');
    expect(en).toMatch(/calibration certificate HC-CO-50/);
    expect(en).toMatch(/Standard CG-CO-50 was not traceable at the time of the check \(the calibration of standard CG-CO-50 expired on 2026-03-01/);
    expect(en).toMatch(/expired \(valid through 01\/03\/2026\)/);
  });

  it('prints an error beyond the MPE with the decimals that tell them apart', () => {
    const num = (x: number, digits: number) => new Intl.NumberFormat('vi-VN', { maximumFractionDigits: digits }).format(x);
    expect(distinguishing(0.02, 0.09, num)).toBe(4);
    expect(distinguishing(0.089945, 0.0899415, num)).toBe(5); // 0,0899 both at 4; 0,08995 against 0,08994 at 5
    expect(distinguishing(0.09, 0.09, num)).toBe(4);
    // as printed, not as the doubles round: both read 0,0079894 at 7 digits
    const d = distinguishing(0.00798939, 0.00798935, num);
    expect(num(0.00798939, d)).not.toBe(num(0.00798935, d));
  });
});

describe('the errors at the place of business (NIST HB44 G-UR.4.1)', () => {
  // three dispensers, two checks each at 20 L in trade (MPE 0.09 L): five over by 0.05-0.06 L and one exactly 0
  const fuelCheck = (error: number, seq: number) => ({
    seq,
    ts: Date.parse('2026-03-15T03:00:00Z'),
    unit: 'L',
    indicated: 20 + error,
    corrected: 20 + error,
    reference: 20,
    error,
    relativeError: error / 20,
    mpe: 0.09,
    uncertainty: 0.007,
    en: error / 0.007,
    legal: 'pass' as const,
    decision: 'pass' as const,
    regime: 'inService' as const,
    standardId: 'PM-20L-07',
  });
  const items: InspectionItem[] = ['fd-1', 'fd-2', 'fd-3'].map((device, n) => ({
    id: n + 1,
    inspection: 'BBKT-2026-0011',
    device,
    facts: { sealsIntact: true, verificationMarkValid: true, certificateValid: true, verification: { state: 'valid', validUntil: '2026-12-31T16:59:59.999Z' } },
    verdict: 'pass',
    reasons: [],
    checks: [fuelCheck(0.06, -2 * n - 1), fuelCheck(n === 2 ? 0 : 0.05, -2 * n - 2)],
    recordedAt: '2026-03-15T03:00:00.000Z',
    recordedBy: 'inspector:Hùng:t',
  }));
  const rule = { errorSign: 1 as const, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5 };
  const print = (lang: 'vi' | 'en', finding: boolean, favoured: 'seller' | 'buyer' = 'seller') =>
    renderRecordPdf(openRecord('BBKT-2026-0011', items), {
      lang,
      tenant: { id: 'cxd', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' },
      devices: new Map(['fd-1', 'fd-2', 'fd-3'].map((d) => [d, { type: 'fuel-dispenser', serial: d.toUpperCase() }])),
      typeNames: new Map(),
      // as seller-favour-at-place.ts judges these checks: 5 of 5 non-zero over, p = 1/32; mean (3 × 0.06 + 2 × 0.05 + 0) / 6 / 0.09 = 0.5185
      sellerFavour: [
        {
          type: 'fuel-dispenser',
          instruments: 3,
          checks: 6,
          rule,
          favoured,
          checksCounted: 5,
          onSellerSide: favoured === 'seller' ? 5 : 0,
          onBuyerSide: favoured === 'seller' ? 0 : 5,
          pValue: 1 / 32,
          meanErrorMpe: 0.28 / 6 / 0.09,
          finding,
        },
      ],
      timeZone: 'Asia/Ho_Chi_Minh',
      generatedAt: new Date('2026-03-15T05:00:00Z'),
    });

  it('tallies the checks of each type with a rule under the instruments, and states the finding when it holds', async () => {
    const vi = readPdf(await print('vi', true)).text.replace(/\s+/g, ' ');
    expect(vi).toContain(
      'Hướng sai số tại nơi kiểm tra (Cột đo xăng dầu): 5/5 phép kiểm tra có sai số lợi cho người bán, 0 lợi cho người mua, 1 bằng 0; sai số trung bình +0,52 sai số cho phép; p = 0,031 (kiểm định dấu một phía).',
    );
    expect(vi).toContain('Sai số của các phương tiện đo tại nơi kinh doanh chủ yếu nghiêng về phía có lợi cho người bán');
    const en = readPdf(await print('en', true)).text.replace(/\s+/g, ' ');
    expect(en).toContain("5 of 5 checks in the seller's favour, 0 in the buyer's, 1 exactly 0; mean error +0.52 of the MPE; p = 0.031");
    // the tally without the finding when the rule does not hold
    const quiet = readPdf(await print('en', false)).text.replace(/\s+/g, ' ');
    expect(quiet).toContain('Direction of the errors at this place');
    expect(quiet).not.toContain('lean predominantly');
  });

  it("names the instruments a buyer uses, and states the finding as the buyer's favour", async () => {
    // the same tally judged for the buyer (a purchasing point's instruments): 0 for the seller, 5 for the buyer
    const vi = readPdf(await print('vi', true, 'buyer')).text.replace(/\s+/g, ' ');
    expect(vi).toContain(
      'Hướng sai số tại nơi kiểm tra (Cột đo xăng dầu, do người mua sử dụng): 0/5 phép kiểm tra có sai số lợi cho người bán, 5 lợi cho người mua',
    );
    expect(vi).toContain('nghiêng về phía có lợi cho người mua');
    expect(vi).not.toContain('nghiêng về phía có lợi cho người bán');
    const en = readPdf(await print('en', true, 'buyer')).text.replace(/\s+/g, ' ');
    expect(en).toContain("lean predominantly to the buyer's favour");
  });
});

describe('the parties, the times of the checks and the words of a calibrated type', () => {
  // a profile projector (calibrated, not legally verified) examined at a workshop: its label and
  // certificate were found not valid; two checks, the second on the next morning
  const check = (ts: string, point: string) => ({
    seq: -1,
    ts: Date.parse(ts),
    unit: 'mm',
    indicated: 10.002,
    corrected: 10.002,
    reference: 10,
    error: 0.002,
    relativeError: 0.0002,
    mpe: 0.0032,
    uncertainty: 0.0005,
    en: 0.5,
    legal: 'pass' as const,
    decision: 'pass' as const,
    regime: 'inService' as const,
    standardId: 'SM-10',
    point,
  });
  const record: InspectionRecord = {
    ...openRecord('BBKT-2026-0011', [
      {
        id: 1,
        inspection: 'BBKT-2026-0011',
        device: 'pp-1',
        // recorded without a basis (as a verified type's is): the profile's standing decides
        facts: { sealsIntact: true, verificationMarkValid: false, certificateValid: false, verification: { state: 'none', validUntil: null } },
        verdict: 'fail',
        reasons: ['verification-mark-invalid', 'certificate-invalid'],
        // 03:05 UTC is 10:05 in Vietnam; 01:15 UTC on the 16th is 08:15 there, the next day
        checks: [check('2026-03-15T03:05:00Z', 'X10'), check('2026-03-16T01:15:00Z', 'Y10')],
        recordedAt: '2026-03-15T03:06:00.000Z',
        recordedBy: 'inspector:Hùng:t',
      },
      {
        id: 2,
        inspection: 'BBKT-2026-0011',
        device: 'sc-1',
        facts: {
          sealsIntact: true,
          verificationMarkValid: true,
          certificateValid: true,
          verification: { state: 'valid', validUntil: '2026-12-01T16:59:59.999Z' },
        },
        verdict: 'pass',
        reasons: [],
        checks: [],
        recordedAt: '2026-03-15T04:20:00.000Z',
        recordedBy: 'inspector:Hùng:t',
      },
    ]),
    authority: 'Sở Khoa học và Công nghệ tỉnh Bắc Ninh',
    siteAddress: 'Lô B3, khu công nghiệp Đình Trám, huyện Việt Yên',
    representative: { name: 'Lê Thị Mai', position: 'Trưởng phòng kỹ thuật' },
  };
  const render = async (lang: 'vi' | 'en') =>
    readPdf(
      await renderRecordPdf(record, {
        lang,
        tenant: { id: 'cokhi-dt', name: 'Công ty Cơ khí Đình Trám', region: 'VN-BG' },
        devices: new Map([
          ['pp-1', { type: 'profile-projector', serial: 'PJ-300' }],
          ['sc-1', { type: 'scale', serial: 'C-77' }],
        ]),
        typeNames: new Map(),
        standings: new Map([
          ['profile-projector', 'calibration'],
          ['scale', 'verification'],
        ]),
        timeZone: 'Asia/Ho_Chi_Minh',
        generatedAt: new Date('2026-03-16T05:00:00Z'),
      }),
    ).text.replace(/\s+/g, ' ');

  it('prints them in Vietnamese', async () => {
    const vi = await render('vi');
    // the authority in capitals, above the team (Nghị định 30/2020, Phụ lục I)
    expect(vi).toMatch(/^SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC NINH ĐOÀN KIỂM TRA Số: BBKT-2026-0011/);
    // the place and date under the motto: the record's province as named that day (Bắc Giang, VN-BG, is
    // part of Bắc Ninh since 1 July 2025), the day it started (09:30 on 15 March there)
    expect(vi).toContain('Độc lập - Tự do - Hạnh phúc Bắc Ninh, ngày 15 tháng 3 năm 2026 BIÊN BẢN KIỂM TRA VỀ ĐO LƯỜNG');
    // the enterprise's region, as listed
    expect(vi).toContain('2. Cơ sở được kiểm tra: Công ty Cơ khí Đình Trám (cokhi-dt); Địa bàn: Bắc Giang');
    expect(vi).toContain('Địa chỉ: Lô B3, khu công nghiệp Đình Trám, huyện Việt Yên');
    expect(vi).toContain('Đại diện cơ sở: Lê Thị Mai, chức vụ: Trưởng phòng kỹ thuật');
    // when each instrument was recorded, and each check's time: the day too when not the day it started
    expect(vi).toContain('số sê-ri PJ-300 (ghi nhận lúc 10:06 ngày 15/03/2026)');
    expect(vi).toContain('số sê-ri C-77 (ghi nhận lúc 11:20 ngày 15/03/2026)');
    expect(vi).toMatch(/Thời gian Điểm thử .* 10:05 X10 SM-10 .* 08:15 16\/03 Y10 SM-10/);
    // the calibrated type in calibration's words; the scale still in verification's
    expect(vi).toContain(
      'Tem hiệu chuẩn: không hợp lệ; Giấy chứng nhận hiệu chuẩn: không hợp lệ; Tình trạng hiệu chuẩn theo hồ sơ MAG: chưa có giấy chứng nhận.',
    );
    expect(vi).toContain('Không phù hợp (tem hiệu chuẩn không hợp lệ; giấy chứng nhận hiệu chuẩn không hợp lệ)');
    expect(vi).toContain('Dấu kiểm định: hợp lệ; Giấy chứng nhận kiểm định: hợp lệ; Tình trạng kiểm định theo hồ sơ MAG: còn hiệu lực');
    // the representative's name under the establishment's signature, the inspector's under the team's
    expect(vi).toContain('ĐẠI DIỆN CƠ SỞ ĐƯỢC KIỂM TRA (Ký, ghi rõ họ tên) ĐẠI DIỆN ĐOÀN KIỂM TRA (Ký, ghi rõ họ tên) Lê Thị Mai Nguyễn Văn Hùng');
  });

  it('prints them in English', async () => {
    const en = await render('en');
    expect(en).toMatch(/^SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC NINH INSPECTION TEAM No.: BBKT-2026-0011/);
    expect(en).toContain('Independence - Freedom - Happiness Bac Ninh, 15 March 2026 RECORD OF MEASUREMENT INSPECTION');
    expect(en).toContain('Address: Lô B3, khu công nghiệp Đình Trám, huyện Việt Yên');
    expect(en).toContain('Representative of the establishment: Lê Thị Mai, position: Trưởng phòng kỹ thuật');
    expect(en).toContain('serial PJ-300 (recorded 15/03/2026 at 10:06)');
    expect(en).toMatch(/Time Test point .* 10:05 X10 SM-10 .* 08:15 16\/03 Y10 SM-10/);
    expect(en).toContain('Calibration label: not valid; Calibration certificate: not valid; Calibration standing in MAG: no certificate.');
    expect(en).toContain('Does not conform (calibration label not valid; calibration certificate not valid)');
    expect(en).toContain('Verification mark: valid; Verification certificate: valid; Verification standing in MAG: valid');
    expect(en).toContain(
      'FOR THE ESTABLISHMENT INSPECTED (Signature and full name) FOR THE INSPECTION TEAM (Signature and full name) Lê Thị Mai Nguyễn Văn Hùng',
    );
  });

  it('prints a record without them as before: the team alone at the top, no address, no representative', async () => {
    const pdf = await renderRecordPdf(openRecord('BBKT-2026-0012', []), {
      lang: 'vi',
      tenant: { id: 'cxd', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' },
      devices: new Map(),
      typeNames: new Map(),
      timeZone: 'Asia/Ho_Chi_Minh',
      generatedAt: new Date('2026-03-15T05:00:00Z'),
    });
    const vi = readPdf(pdf).text.replace(/\s+/g, ' ');
    expect(vi).toMatch(/^ĐOÀN KIỂM TRA Số: BBKT-2026-0012/);
    expect(vi).not.toMatch(/Địa chỉ|Đại diện cơ sở:/);
  });

  it('puts the place and the day under the motto: the province of the record, the day it started in the zone', async () => {
    // opened at 00:30 on 5 March in Hà Nội (17:30 UTC on the 4th)
    const record: InspectionRecord = { ...openRecord('BBKT-2026-0013', []), region: 'VN-HN', startedAt: '2026-03-04T17:30:00.000Z' };
    const render = async (lang: 'vi' | 'en') =>
      readPdf(
        await renderRecordPdf(record, {
          lang,
          tenant: { id: 'cxd', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-HN' },
          devices: new Map(),
          typeNames: new Map(),
          timeZone: 'Asia/Ho_Chi_Minh',
          generatedAt: new Date('2026-03-05T05:00:00Z'),
        }),
      ).text.replace(/\s+/g, ' ');
    expect(await render('vi')).toContain(
      'ĐOÀN KIỂM TRA Số: BBKT-2026-0013 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc Hà Nội, ngày 05 tháng 3 năm 2026 BIÊN BẢN KIỂM TRA VỀ ĐO LƯỜNG',
    );
    expect(await render('en')).toContain(
      'INSPECTION TEAM No.: BBKT-2026-0013 SOCIALIST REPUBLIC OF VIET NAM Independence - Freedom - Happiness Ha Noi, 5 March 2026 RECORD OF MEASUREMENT INSPECTION',
    );
  });

  it("puts a Bắc Giang record of 30 June 2025 in Bắc Giang, one of 2026 in Bắc Ninh, and names the enterprise's region as listed", async () => {
    const render = async (startedAt: string, lang: 'vi' | 'en') =>
      readPdf(
        await renderRecordPdf(
          { ...openRecord('BBKT-2025-0031', []), startedAt },
          {
            lang,
            tenant: { id: 'cxd', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' },
            devices: new Map(),
            typeNames: new Map(),
            timeZone: 'Asia/Ho_Chi_Minh',
            generatedAt: new Date(startedAt),
          },
        ),
      ).text.replace(/\s+/g, ' ');
    // 09:30 on 30 June 2025 there: the day before Bắc Ninh took Bắc Giang over
    const june = await render('2025-06-30T02:30:00.000Z', 'vi');
    expect(june).toContain('Độc lập - Tự do - Hạnh phúc Bắc Giang, ngày 30 tháng 6 năm 2025 BIÊN BẢN KIỂM TRA VỀ ĐO LƯỜNG');
    expect(june).toContain('Địa bàn: Bắc Giang');
    expect(await render('2025-06-30T02:30:00.000Z', 'en')).toContain(
      'Independence - Freedom - Happiness Bac Giang, 30 June 2025 RECORD OF MEASUREMENT INSPECTION',
    );
    // 09:30 on 15 March 2026 there
    const march = await render('2026-03-15T02:30:00.000Z', 'vi');
    expect(march).toContain('Độc lập - Tự do - Hạnh phúc Bắc Ninh, ngày 15 tháng 3 năm 2026 BIÊN BẢN KIỂM TRA VỀ ĐO LƯỜNG');
    expect(march).toContain('Địa bàn: Bắc Giang');
  });
});

describe('printable', () => {
  const more = (n: number) => ` (+${n})`;
  it('leaves ordinary text as it is', () => {
    expect(printable('Đã thay niêm phong số 0042, kiểm tra lại ngày 20/03', more)).toBe('Đã thay niêm phong số 0042, kiểm tra lại ngày 20/03');
  });
  it('breaks a run without a space every 64 characters, letters outside the BMP kept whole', () => {
    expect(printable(`a ${'x'.repeat(130)} b`, more)).toBe(`a ${'x'.repeat(64)}\n${'x'.repeat(64)}\nxx b`);
    const emoji = '😀'.repeat(65);
    expect(
      printable(emoji, more)
        .split('\n')
        .map((l) => Array.from(l).length),
    ).toEqual([64, 1]);
  });
  it(`cuts after ${MAX_PRINTED_CHARS} characters, saying how many more there are`, () => {
    const cut = printable('word '.repeat(2000), more);
    expect(cut.endsWith(' (+2000)')).toBe(true);
    expect(cut.length).toBe(MAX_PRINTED_CHARS + ' (+2000)'.length);
  });
});

describe('a closed record: the legal basis, MAG alerts unresolved at the inspection, the closing and what came after', () => {
  // a dispenser with MAG alerts unresolved since June 2025 (an out-of-tolerance one of its own check at
  // Qmax, acknowledged, and a conditional pass at the MMQ), found conforming by the inspector's check on
  // 31 January 2026 (08:30 in Hà Nội); closed at 10:35; one finding answered during the inspection,
  // another answered after it; both closed weeks later
  const check = {
    seq: -1,
    ts: Date.parse('2026-01-31T01:50:00Z'),
    unit: 'L',
    indicated: 20.02,
    corrected: 20.02,
    reference: 20,
    error: 0.02,
    relativeError: 0.001,
    mpe: 0.09,
    uncertainty: 0.007,
    en: 0.3,
    legal: 'pass' as const,
    decision: 'pass' as const,
    regime: 'inService' as const,
    standardId: 'TDC-PM-20L-01',
    point: 'Qmax',
  };
  const finding = (n: number, f: Partial<Finding>): Finding => ({
    id: `BBKT-2026-0004-F${n}`,
    inspection: 'BBKT-2026-0004',
    tenant: 'petrolimex-hn',
    kind: 'observation',
    description: '',
    state: 'closed',
    openedAt: '2026-01-31T02:40:00.000Z',
    openedBy: 'inspector:Nguyễn Văn Hùng:t',
    ...f,
  });
  const record: InspectionRecord = {
    ...openRecord('BBKT-2026-0004', [
      {
        id: 1,
        inspection: 'BBKT-2026-0004',
        device: 'hn-fd-drift',
        facts: {
          sealsIntact: true,
          verificationMarkValid: true,
          certificateValid: true,
          priceDisplayCorrect: true,
          verification: { state: 'valid', validUntil: '2026-12-01T16:59:59.999Z' },
          unresolvedAlerts: [
            {
              id: 'a-cond',
              kind: 'conditional',
              key: 'MMQ',
              severity: 'warning',
              state: 'open',
              since: '2025-06-05T03:00:00.000Z',
              summary: 'Check conditional pass (point MMQ, in service): error 0.04 L is within MPE ±0.045 but within the guard band U = 0.007',
              check: { at: '2025-06-05T03:00:00.000Z', error: 0.04, mpe: 0.045, uncertainty: 0.007, unit: 'L', decision: 'conditional-pass', point: 'MMQ' },
            },
            {
              id: 'a-oot',
              kind: 'out-of-tolerance',
              key: 'Qmax',
              severity: 'critical',
              state: 'acknowledged',
              since: '2025-06-12T03:00:00.000Z',
              summary: 'Check fail (point Qmax, in service): error 0.1 L against MPE ±0.09 L (U = 0.007)',
              check: { at: '2025-06-12T03:00:00.000Z', error: 0.1, mpe: 0.09, uncertainty: 0.007, unit: 'L', decision: 'fail', point: 'Qmax' },
            },
            {
              id: 'a-pred',
              kind: 'predicted-oot',
              key: 'point=Qmax,regime=inService',
              severity: 'warning',
              state: 'open',
              since: '2025-06-20T03:00:00.000Z',
              summary: 'Predicted out of tolerance on 2025-08-01',
            },
          ],
        },
        verdict: 'pass',
        reasons: [],
        checks: [check],
        recordedAt: '2026-01-31T01:50:00.000Z',
        recordedBy: 'inspector:Nguyễn Văn Hùng:t',
      },
      {
        id: 2,
        inspection: 'BBKT-2026-0004',
        device: 'hn-fd-001',
        // recorded before MAG kept the alerts: nothing said of them
        facts: {
          sealsIntact: true,
          verificationMarkValid: true,
          certificateValid: true,
          verification: { state: 'valid', validUntil: '2026-12-01T16:59:59.999Z' },
        },
        verdict: 'pass',
        reasons: [],
        checks: [],
        recordedAt: '2026-01-31T02:10:00.000Z',
        recordedBy: 'inspector:Nguyễn Văn Hùng:t',
      },
    ]),
    region: 'VN-HN',
    startedAt: '2026-01-31T01:30:00.000Z',
    inspectors: ['Nguyễn Văn Hùng', 'Trần Thị Lan'],
    representative: { name: 'Lê Thị Mai', position: 'Cửa hàng trưởng' },
    legalBasis: 'Thông tư 15/2015/TT-BKHCN (đo lường, chất lượng trong kinh doanh xăng dầu)',
    state: 'closed',
    closedAt: '2026-01-31T03:35:00.000Z',
    closedBy: 'inspector:Nguyễn Văn Hùng:t',
    conclusion: 'Cơ sở chấp hành quy định về đo lường.',
    recordHash: '0123456789abcdef'.repeat(4),
    findings: [
      finding(1, {
        description: 'Bảng niêm yết giá mờ',
        answer: 'Đã thay bảng niêm yết giá',
        answeredAt: '2026-02-12T02:00:00.000Z',
        answeredBy: 'operator:Lê Thị Mai:t',
        closedAt: '2026-02-20T03:00:00.000Z',
        closedBy: 'inspector:Nguyễn Văn Hùng:t',
        closeReason: 'Đã kiểm tra lại bảng giá',
      }),
      finding(2, {
        kind: 'violation',
        description: 'Kẹp chì cột số 3 bị đứt',
        openedAt: '2026-01-31T02:45:00.000Z',
        answer: 'Sẽ mời tổ chức kiểm định niêm phong lại',
        answeredAt: '2026-01-31T02:55:00.000Z',
        answeredBy: 'operator:Lê Thị Mai:t',
        closedAt: '2026-02-25T03:00:00.000Z',
        closedBy: 'inspector:Nguyễn Văn Hùng:t',
        closeReason: 'Đã niêm phong lại',
      }),
    ],
  };
  const render = async (r: InspectionRecord, lang: 'vi' | 'en') =>
    readPdf(
      await renderRecordPdf(r, {
        lang,
        tenant: { id: 'petrolimex-hn', name: 'Petrolimex Hà Nội', region: 'VN-HN' },
        devices: new Map([
          ['hn-fd-drift', { type: 'fuel-dispenser', serial: 'TK-12' }],
          ['hn-fd-001', { type: 'fuel-dispenser', serial: 'TK-01' }],
        ]),
        typeNames: new Map(),
        timeZone: 'Asia/Ho_Chi_Minh',
        generatedAt: new Date('2026-03-01T00:00:00Z'),
      }),
    ).text.replace(/\s+/g, ' ');

  it('prints them in Vietnamese', async () => {
    const vi = await render(record, 'vi');
    // the law and the circular of state inspection of measurement in force that day, then the record's own basis
    expect(vi).toContain(
      'Căn cứ Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011; ' +
        'Căn cứ Thông tư số 28/2013/TT-BKHCN ngày 17 tháng 12 năm 2013 của Bộ trưởng Bộ Khoa học và Công nghệ quy định kiểm tra nhà nước về đo lường, được sửa đổi, bổ sung bởi Thông tư số 10/2022/TT-BKHCN ngày 28 tháng 7 năm 2022; ' +
        'Căn cứ Thông tư 15/2015/TT-BKHCN (đo lường, chất lượng trong kinh doanh xăng dầu). I. THÀNH PHẦN',
    );
    // under the instrument: MAG's alerts unresolved at the inspection, oldest first, a check's with its figures
    expect(vi).toContain(
      'Cảnh báo chưa xử lý lúc kiểm tra: ' +
        'đạt có điều kiện (MMQ), từ 05/06/2025, phép kiểm tra lúc 10:00 ngày 05/06/2025: sai số +0,04 L, sai số cho phép ±0,045 L; ' +
        'vượt sai số cho phép (Qmax), từ 12/06/2025, cơ sở đã tiếp nhận, phép kiểm tra lúc 10:00 ngày 12/06/2025: sai số +0,1 L, sai số cho phép ±0,09 L; ' +
        'dự báo vượt sai số (Qmax), từ 20/06/2025.',
    );
    // the inspector's verdict stands, saying the out-of-tolerance alert beside it
    expect(vi).toContain('Kết luận: Phù hợp (cảnh báo vượt sai số chưa xử lý) 2. hn-fd-001');
    // the instrument recorded before MAG kept alerts: its verdict alone
    expect(vi).toMatch(/2\. hn-fd-001 .* Kết luận: Phù hợp III\./);
    expect(vi.match(/Cảnh báo chưa xử lý lúc kiểm tra/g)).toHaveLength(1);
    // the findings as they stood at 10:35: F1 not answered yet, F2 answered during the inspection
    expect(vi).toContain('F1 Ghi nhận — Bảng niêm yết giá mờ — đang mở');
    expect(vi).toContain('F2 Vi phạm — Kẹp chì cột số 3 bị đứt Trả lời của cơ sở: Sẽ mời tổ chức kiểm định niêm phong lại — cơ sở đã trả lời');
    // the closing, as a biên bản ends: the time it ended, the copies, the reading out, the signatures
    expect(vi).toContain('IV. KẾT LUẬN Cơ sở chấp hành quy định về đo lường.');
    expect(vi).toContain(
      'Biên bản kết thúc vào hồi 10 giờ 35 phút, ngày 31/01/2026. ' +
        `Mã xác thực (SHA-256): ${'0123456789abcdef'.repeat(4)} ` +
        'Biên bản được lập thành 02 bản có giá trị pháp lý như nhau, cơ sở được kiểm tra giữ 01 bản, đoàn kiểm tra giữ 01 bản. ' +
        'Biên bản được đọc lại cho các bên cùng nghe và thống nhất ký tên. ' +
        'ĐẠI DIỆN CƠ SỞ ĐƯỢC KIỂM TRA (Ký, ghi rõ họ tên) ĐẠI DIỆN ĐOÀN KIỂM TRA (Ký, ghi rõ họ tên) Lê Thị Mai Nguyễn Văn Hùng Trần Thị Lan',
    );
    expect(vi).not.toMatch(/khoá|do Nguyễn Văn Hùng/);
    // after the signatures, dated under their own heading: what happened to the findings since
    expect(vi).toContain(
      'Trần Thị Lan DIỄN BIẾN SAU KHI LẬP BIÊN BẢN ' +
        'Lúc 09:00 ngày 12/02/2026 — F1 — Trả lời của cơ sở (Lê Thị Mai): Đã thay bảng niêm yết giá ' +
        'Lúc 10:00 ngày 20/02/2026 — F1 — Đoàn kiểm tra kết thúc xử lý (Nguyễn Văn Hùng): Đã kiểm tra lại bảng giá ' +
        'Lúc 10:00 ngày 25/02/2026 — F2 — Đoàn kiểm tra kết thúc xử lý (Nguyễn Văn Hùng): Đã niêm phong lại',
    );
    // F2's answer, given during the inspection, is not told again
    expect(vi.match(/Sẽ mời tổ chức kiểm định niêm phong lại/g)).toHaveLength(1);
  });

  it('prints them in English', async () => {
    const en = await render(record, 'en');
    expect(en).toContain(
      'Pursuant to the Law on Metrology No. 04/2011/QH13 of 11 November 2011; ' +
        'Pursuant to Circular No. 28/2013/TT-BKHCN of 17 December 2013 of the Minister of Science and Technology on state inspection of measurement, as amended by Circular No. 10/2022/TT-BKHCN of 28 July 2022; ' +
        'Pursuant to Thông tư 15/2015/TT-BKHCN (đo lường, chất lượng trong kinh doanh xăng dầu). I. PARTIES',
    );
    expect(en).toContain(
      'Alerts unresolved at the inspection: ' +
        'conditional pass (MMQ), since 05/06/2025, check of 05/06/2025 at 10:00: error +0.04 L against MPE ±0.045 L; ' +
        'out of tolerance (Qmax), since 12/06/2025, acknowledged by the establishment, check of 12/06/2025 at 10:00: error +0.1 L against MPE ±0.09 L; ' +
        'predicted out of tolerance (Qmax), since 20/06/2025, Predicted out of tolerance on 2025-08-01.',
    );
    expect(en).toContain('Conclusion: Conforms (out-of-tolerance alert unresolved) 2. hn-fd-001');
    expect(en).toContain(
      'The record ended at 10:35 on 31/01/2026. ' +
        `Fingerprint (SHA-256): ${'0123456789abcdef'.repeat(4)} ` +
        'The record is made in 02 copies of equal legal value: the establishment inspected keeps 01, the inspection team 01. ' +
        'The record was read out to the parties, who agreed to it and sign below. FOR THE ESTABLISHMENT INSPECTED',
    );
    expect(en).toContain(
      'Trần Thị Lan AFTER THE RECORD WAS CLOSED ' +
        "12/02/2026 at 09:00 — F1 — Establishment's answer (Lê Thị Mai): Đã thay bảng niêm yết giá " +
        '20/02/2026 at 10:00 — F1 — Closed by the inspection team (Nguyễn Văn Hùng): Đã kiểm tra lại bảng giá',
    );
  });

  it('prints an open record with its findings as they are now, and nothing after the signatures', async () => {
    const { closedAt: _c, closedBy: _b, recordHash: _h, ...rest } = record;
    const vi = await render({ ...rest, state: 'open' }, 'vi');
    expect(vi).toContain('F1 Ghi nhận — Bảng niêm yết giá mờ Trả lời của cơ sở: Đã thay bảng niêm yết giá Kết thúc: Đã kiểm tra lại bảng giá — đã kết thúc');
    expect(vi).toContain(
      'Biên bản chưa kết thúc: nội dung còn có thể được bổ sung. Biên bản được lập thành 02 bản có giá trị pháp lý như nhau, cơ sở được kiểm tra giữ 01 bản, đoàn kiểm tra giữ 01 bản.',
    );
    expect(vi).not.toContain('DIỄN BIẾN SAU KHI LẬP BIÊN BẢN');
  });

  it('keeps the closing lines on the page of the signature block, wherever the record ends', async () => {
    // the conclusion grows three lines at a time: the closing fits below it on the first page, then has
    // to move to the second (and the signature block with it, never alone)
    const moved: boolean[] = [];
    for (let lines = 1; lines <= 31; lines += 3) {
      const conclusion = Array.from({ length: lines }, (_, i) => `Dòng kết luận thứ ${i + 1}.`).join('\n');
      const pdf = readPdf(
        await renderRecordPdf(
          { ...record, items: [], conclusion },
          {
            lang: 'vi',
            tenant: { id: 'petrolimex-hn', name: 'Petrolimex Hà Nội', region: 'VN-HN' },
            devices: new Map(),
            typeNames: new Map(),
            timeZone: 'Asia/Ho_Chi_Minh',
            generatedAt: new Date('2026-03-01T00:00:00Z'),
          },
        ),
      );
      // each page's text ends with its footer "Trang n/m"
      const pages = pdf.text.split(/Trang \d+\/\d+/).map((p) => p.replace(/\s+/g, ' '));
      const signing = pages.findIndex((p) => p.includes('ĐẠI DIỆN CƠ SỞ ĐƯỢC KIỂM TRA'));
      expect(pages[signing]).toContain('Biên bản kết thúc vào hồi 10 giờ 35 phút, ngày 31/01/2026.');
      expect(pages[signing]).toContain('Biên bản được lập thành 02 bản');
      expect(pages[signing]).toContain('Lê Thị Mai Nguyễn Văn Hùng Trần Thị Lan');
      moved.push(!pages[signing]!.includes('IV. KẾT LUẬN'));
    }
    // both cases were printed: the closing below the conclusion, and the closing moved to a page of its own
    expect(moved).toContain(false);
    expect(moved).toContain(true);
  });
});

describe('legalBasisLines', () => {
  const vi = RECORD_WORDS.vi;
  it('cites the law and the circular in force on the day the inspection started, then the record’s own basis', () => {
    expect(legalBasisLines('2022-09-12', 'Thông tư 21/2014/TT-BKHCN', vi)).toEqual([
      'Căn cứ Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011;',
      'Căn cứ Thông tư số 28/2013/TT-BKHCN ngày 17 tháng 12 năm 2013 của Bộ trưởng Bộ Khoa học và Công nghệ quy định kiểm tra nhà nước về đo lường, được sửa đổi, bổ sung bởi Thông tư số 10/2022/TT-BKHCN ngày 28 tháng 7 năm 2022;',
      'Căn cứ Thông tư 21/2014/TT-BKHCN.',
    ]);
    // the day before the 2022 amendment was in force: the circular as issued
    expect(legalBasisLines('2022-09-11', undefined, vi)).toEqual([
      'Căn cứ Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011;',
      'Căn cứ Thông tư số 28/2013/TT-BKHCN ngày 17 tháng 12 năm 2013 của Bộ trưởng Bộ Khoa học và Công nghệ quy định kiểm tra nhà nước về đo lường.',
    ]);
    // before the circular was in force (1 June 2014): the law alone
    expect(legalBasisLines('2014-05-31', undefined, vi)).toEqual(['Căn cứ Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011.']);
  });
  it('does not cite twice what the record cites already, nor end a basis ending with a stop with another', () => {
    expect(legalBasisLines('2026-01-31', 'Luật Đo lường 2011; Thông tư 28/2013/TT-BKHCN; Thông tư 15/2015/TT-BKHCN.', vi)).toEqual([
      'Căn cứ Luật Đo lường 2011; Thông tư 28/2013/TT-BKHCN; Thông tư 15/2015/TT-BKHCN.',
    ]);
    expect(legalBasisLines('2026-01-31', 'Căn cứ: Luật Đo lường; Thông tư 28/2013/TT-BKHCN', vi)).toEqual(['Căn cứ Luật Đo lường; Thông tư 28/2013/TT-BKHCN.']);
    expect(legalBasisLines('2026-01-31', '  ', RECORD_WORDS.en)).toEqual([
      'Pursuant to the Law on Metrology No. 04/2011/QH13 of 11 November 2011;',
      'Pursuant to Circular No. 28/2013/TT-BKHCN of 17 December 2013 of the Minister of Science and Technology on state inspection of measurement, as amended by Circular No. 10/2022/TT-BKHCN of 28 July 2022.',
    ]);
  });
});
