// The printed inspection record: both languages say the same things, times are the tenant's,
// people are named, and a long record runs onto numbered pages with DejaVu Sans embedded.
import { describe, expect, it } from 'vitest';
import { actorName, distinguishing, recordTime, renderRecordPdf } from './record-pdf.ts';
import { readPdf } from '../../test/support/pdf-text.ts';
import { RECORD_WORDS } from './record-words.ts';
import type { InspectionItem, InspectionRecord } from './types.ts';

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
