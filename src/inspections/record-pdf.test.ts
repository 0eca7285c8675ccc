// The printed inspection record: both languages say the same things, times are the tenant's,
// people are named, and a long record runs onto numbered pages with DejaVu Sans embedded.
import { describe, expect, it } from 'vitest';
import { actorName, recordTime, renderRecordPdf } from './record-pdf.ts';
import { RECORD_WORDS } from './record-words.ts';
import type { InspectionItem, InspectionRecord } from './types.ts';

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
    const record: InspectionRecord = {
      id: 'BBKT-2026-0007',
      tenant: 'cxd',
      region: 'VN-BG',
      startedAt: '2026-03-15T02:30:00.000Z',
      inspectors: ['Nguyễn Văn Hùng'],
      state: 'open',
      openedBy: 'inspector:Hùng:t',
      createdAt: '2026-03-15T02:30:00.000Z',
      items: Array.from({ length: 14 }, (_, i) => item(i + 1)),
      findings: [],
      amendments: [],
    };
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
