// What the printed report says of its province and of when its figures stand: the first quarter
// of 2026 for Bắc Giang (VN-BG) in Hà Nội's zone, as PDF and XLSX, in Vietnamese and English; and
// its letterhead (issuer, number, place and date, recipients, signer) given or left to fill in by
// hand. Expected strings written by hand.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readPdf } from '../../test/support/pdf-text.ts';
import type { CampaignsSummary, InspectionSummary } from '../inspections/summary.ts';
import { buildFigures, hrefWith, type FleetFacts, type FleetFigures } from './figures.ts';
import { labeller, type Lang, zoneName } from './labels.ts';
import { monthsOf, periodBound, type Period } from './period.ts';
import { type LetterheadRequest, reportLetterhead } from './letterhead.ts';
import { figuresPdf } from './render-pdf.ts';
import { figuresXlsx } from './render-xlsx.ts';
import { sectionProviders } from './sections.ts';

const ZONE = 'Asia/Ho_Chi_Minh';
const Q1 = { from: '2026-01-01', to: '2026-03-31' };
const FROM = periodBound(Q1.from, ZONE, 'from'); // 2025-12-31T17:00Z
const END = periodBound(Q1.to, ZONE, 'to'); // 2026-03-31T17:00Z: 00:00 on 1 April in Bắc Giang
const TAKEN = Date.parse('2026-04-15T03:00:00Z'); // 10:00 on 15 April

// only what the inspections and campaigns sections read of the stores' summaries
const inspections = {
  inspections: 1,
  findings: { total: 1, byState: { open: 1, answered: 0, closed: 0 } },
  byRegion: [{ region: 'VN-BG', inspections: 1, instruments: 3, nonConforming: 1, findings: 1 }],
} as unknown as InspectionSummary;
const campaigns = {
  campaigns: 1,
  byCampaign: [{ campaign: 'bg-2026-q1', name: 'Kiểm định cân chợ Thương', region: 'VN-BG', verified: 9, passed: 8, failed: 1 }],
} as unknown as CampaignsSummary;

function facts(period: Period, region: string | null = 'VN-BG'): FleetFacts {
  return {
    period,
    region,
    months: monthsOf(period),
    enterprises: [{ id: 'cxd-duc-thang', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' }],
    instruments: [{ id: 'fd-1', tenant: 'cxd-duc-thang', type: 'fuel-dispenser', state: 'valid', validUntil: '2026-12-31T16:59:59.999Z' }],
    checkCounts: [],
    recentChecks: new Map(),
    alerts: [],
    inspections,
    campaigns,
  };
}

const figures = (f: FleetFacts, lang: Lang, now = TAKEN): FleetFigures =>
  buildFigures(sectionProviders(), { facts: f, ...labeller(lang), live: f.period.asOf >= now, href: hrefWith(f.region) }, now);
const pdfLines = async (f: FleetFigures, lang: Lang, period = Q1, letterhead?: LetterheadRequest) =>
  readPdf(await figuresPdf(f, lang, { period, compress: false, letterhead })).lines;
/** The PDF's lines from the cover on (its period line), below the letterhead. */
const pdfText = async (f: FleetFigures, lang: Lang, period = Q1) => {
  const lines = await pdfLines(f, lang, period);
  return lines.slice(lines.findIndex((l) => /^(Kỳ báo cáo|Period):/.test(l)));
};
async function xlsx(f: FleetFigures, lang: Lang, period = Q1, letterhead?: LetterheadRequest): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Uint8Array.from(await figuresXlsx(f, lang, period, letterhead)).buffer);
  return wb;
}
/** A line to fill in by hand: fourteen "…". */
const DOTS = '…'.repeat(14);
const rowsOf = (ws: ExcelJS.Worksheet) => {
  const out: unknown[][] = [];
  ws.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
  return out;
};

describe('the report for the first quarter of 2026 in Bắc Giang, taken on 15 April', () => {
  const q1 = facts({ from: FROM, to: END, asOf: END, zone: ZONE });

  it('names the province and gives the figures as of the end of 31 March, not 00:00 on 1 April (PDF, Vietnamese)', async () => {
    const lines = await pdfText(figures(q1, 'vi'), 'vi');
    expect(lines.slice(0, 4)).toEqual([
      'Kỳ báo cáo: 01/01/2026 – 31/03/2026',
      'Địa bàn: Bắc Giang (từ 01/07/2025 thuộc tỉnh Bắc Ninh)',
      'Số liệu tính đến hết ngày 31/03/2026 · Thời điểm lập: 10:00 ngày 15/04/2026 (giờ Việt Nam, UTC+7)',
      'MAG — Cổng đảm bảo đo lường',
    ]);
    // the enterprises', inspections' and campaigns' region columns name it too; the code is nowhere
    expect(lines.filter((l) => l === 'Bắc Giang')).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('VN-BG');
    expect(lines.join('\n')).not.toMatch(/01\/04\/2026|1 thg 4/);
  });

  it('says the same in English', async () => {
    const lines = await pdfText(figures(q1, 'en'), 'en');
    expect(lines.slice(0, 4)).toEqual([
      'Period: 01/01/2026 – 31/03/2026',
      'Region: Bac Giang (part of Bac Ninh since 1 July 2025)',
      'Figures as of the end of 31/03/2026 · Generated: 10:00 on 15/04/2026 (Vietnam time, UTC+7)',
      'MAG, the Measurement Assurance Gateway',
    ]);
    expect(lines.filter((l) => l === 'Bac Giang')).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('VN-BG');
  });

  it('gives the XLSX cover the same words, the code beside the name, and a code column after each region column', async () => {
    const wb = await xlsx(figures(q1, 'vi'), 'vi');
    expect(rowsOf(wb.worksheets[0])).toEqual([
      ['Báo cáo định kỳ về phương tiện đo'],
      ['Kỳ báo cáo', '01/01/2026 – 31/03/2026'],
      ['Địa bàn', 'Bắc Giang (từ 01/07/2025 thuộc tỉnh Bắc Ninh)', 'VN-BG'],
      ['Số liệu tính đến', 'hết ngày 31/03/2026 (giờ Việt Nam, UTC+7)'],
      ['Thời điểm lập', '10:00 ngày 15/04/2026 (giờ Việt Nam, UTC+7)'],
      ['MAG — Cổng đảm bảo đo lường'],
      // the letterhead, nothing given: dots to fill in, the place and day the report was made
      ['Cơ quan ban hành', DOTS],
      ['Số', '……/BC-……'],
      ['Địa danh, ngày ban hành', 'Bắc Ninh, ngày 15 tháng 4 năm 2026'],
      ['Trích yếu', 'BÁO CÁO: Tình hình phương tiện đo từ ngày 01/01/2026 đến ngày 31/03/2026'],
      ['Nơi nhận', DOTS],
      [undefined, DOTS],
      [undefined, DOTS],
      ['Chức vụ người ký', DOTS],
      ['Người ký', DOTS],
    ]);
    const table = rowsOf(wb.getWorksheet('Doanh nghiệp')!).slice(-2);
    expect(table[0].slice(0, 5)).toEqual(['Mã doanh nghiệp', 'Doanh nghiệp', 'Địa bàn', 'Mã địa bàn', 'Phương tiện đo']);
    expect(table[1].slice(0, 5)).toEqual(['cxd-duc-thang', 'Cửa hàng xăng dầu Đức Thắng', 'Bắc Giang', 'VN-BG', 1]);
    expect(rowsOf(wb.getWorksheet('Kiểm tra tại cơ sở')!).slice(-1)[0].slice(0, 3)).toEqual(['Bắc Giang', 'VN-BG', 1]);
    expect(rowsOf(wb.getWorksheet('Kiểm định lưu động')!).slice(-1)[0].slice(0, 4)).toEqual(['Kiểm định cân chợ Thương', 'Bắc Giang', 'VN-BG', 9]);
    const en = await xlsx(figures(q1, 'en'), 'en');
    expect(rowsOf(en.worksheets[0]).slice(1, 5)).toEqual([
      ['Period', '01/01/2026 – 31/03/2026'],
      ['Region', 'Bac Giang (part of Bac Ninh since 1 July 2025)', 'VN-BG'],
      ['Figures as of', 'the end of 31/03/2026 (Vietnam time, UTC+7)'],
      ['Generated', '10:00 on 15/04/2026 (Vietnam time, UTC+7)'],
    ]);
  });

  it('gives the JSON the code and the name', () => {
    const f = figures(q1, 'vi');
    expect([f.region, f.regionName]).toEqual(['VN-BG', 'Bắc Giang']);
    const row = f.sections.find((s) => s.id === 'enterprises')!.tables[0].rows[0].values;
    expect([row.region, row.regionCode]).toEqual(['Bắc Giang', 'VN-BG']);
  });
});

describe("the report's letterhead (Nghị định 30/2020/NĐ-CP, Phụ lục I)", () => {
  const q1 = facts({ from: FROM, to: END, asOf: END, zone: ZONE });
  /** The lines of the head (before the cover's period line) and of the end (from "Nơi nhận:" to the last page's number). */
  const headAndEnd = (lines: string[], recipients = 'Nơi nhận:') => ({
    head: lines.slice(
      0,
      lines.findIndex((l) => /^(Kỳ báo cáo|Period):/.test(l)),
    ),
    end: lines.slice(lines.indexOf(recipients), -1),
    page: lines[lines.length - 1],
  });

  it('prints lines to fill in by hand where nothing was given, dated in Bắc Ninh on the day the report was made', async () => {
    const { head, end, page } = headAndEnd(await pdfLines(figures(q1, 'vi'), 'vi'));
    expect(head).toEqual([
      DOTS,
      'Số: ……/BC-……',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      // made on 15 April 2026: Bắc Giang has been part of Bắc Ninh since 1 July 2025
      'Bắc Ninh, ngày 15 tháng 4 năm 2026',
      'BÁO CÁO',
      'Tình hình phương tiện đo từ ngày 01/01/2026 đến ngày 31/03/2026',
    ]);
    expect(end).toEqual(['Nơi nhận:', `- ${DOTS};`, `- ${DOTS};`, `- ${DOTS}.`, DOTS, '(Ký, ghi rõ họ tên)', DOTS]);
    expect(page).toMatch(/^Trang (\d+)\/\1$/);
  });

  it('prints the issuer under its superior in capitals, the number, the recipients and the signer as given', async () => {
    const letterhead: LetterheadRequest = {
      authority: 'Sở Khoa học và Công nghệ tỉnh Bắc Ninh',
      parentAuthority: 'UBND tỉnh Bắc Ninh',
      number: 'Số: 12/BC-SKHCN', // "Số:" typed before it is printed once
      signer: 'Nguyễn Văn Hùng',
      signerTitle: ['KT. Giám đốc', 'Phó Giám đốc'],
      recipients: ['Bộ Khoa học và Công nghệ', '- UBND tỉnh Bắc Ninh;', 'Lưu: VT, TĐC'],
    };
    const { head, end } = headAndEnd(await pdfLines(figures(q1, 'vi'), 'vi', Q1, letterhead));
    expect(head.slice(0, 3)).toEqual(['UBND TỈNH BẮC NINH', 'SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC NINH', 'Số: 12/BC-SKHCN']);
    expect(head[5]).toBe('Bắc Ninh, ngày 15 tháng 4 năm 2026');
    expect(end).toEqual([
      'Nơi nhận:',
      '- Bộ Khoa học và Công nghệ;',
      '- UBND tỉnh Bắc Ninh;',
      '- Lưu: VT, TĐC.',
      'KT. GIÁM ĐỐC',
      'PHÓ GIÁM ĐỐC',
      'Nguyễn Văn Hùng',
    ]);
    // the XLSX cover: the same fields, a recipient a row
    expect(rowsOf((await xlsx(figures(q1, 'vi'), 'vi', Q1, letterhead)).worksheets[0]).slice(6)).toEqual([
      ['Cơ quan chủ quản', 'UBND TỈNH BẮC NINH'],
      ['Cơ quan ban hành', 'SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC NINH'],
      ['Số', '12/BC-SKHCN'],
      ['Địa danh, ngày ban hành', 'Bắc Ninh, ngày 15 tháng 4 năm 2026'],
      ['Trích yếu', 'BÁO CÁO: Tình hình phương tiện đo từ ngày 01/01/2026 đến ngày 31/03/2026'],
      ['Nơi nhận', 'Bộ Khoa học và Công nghệ'],
      [undefined, 'UBND tỉnh Bắc Ninh'],
      [undefined, 'Lưu: VT, TĐC'],
      ['Chức vụ người ký', 'KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC'],
      ['Người ký', 'Nguyễn Văn Hùng'],
    ]);
  });

  it('says the same in English', async () => {
    const { head, end } = headAndEnd(await pdfLines(figures(q1, 'en'), 'en', Q1, { signer: 'Nguyen Van Hung', signerTitle: ['Director'] }), 'Recipients:');
    expect(head).toEqual([
      DOTS,
      'No.: ……/BC-……',
      'SOCIALIST REPUBLIC OF VIET NAM',
      'Independence - Freedom - Happiness',
      'Bac Ninh, 15 April 2026',
      'REPORT',
      'On measuring instruments from 01/01/2026 to 31/03/2026',
    ]);
    expect(end).toEqual(['Recipients:', `- ${DOTS};`, `- ${DOTS};`, `- ${DOTS}.`, 'DIRECTOR', 'Nguyen Van Hung']);
  });

  it('dates the report in its province as named on the day it was made, else in the place given, else leaves the place to fill in', () => {
    const dated = (generatedAt: string, region: string | null, place?: string, lang: Lang = 'vi') =>
      reportLetterhead({ place }, lang, { region, generatedAt, timeZone: ZONE, period: Q1 }).dated;
    // 10:00 on 30 June 2025 in Bắc Giang, the day before the merger; 09:00 on 1 July 2025, the day of it
    expect(dated('2025-06-30T03:00:00Z', 'VN-BG')).toBe('Bắc Giang, ngày 30 tháng 6 năm 2025');
    expect(dated('2025-07-01T02:00:00Z', 'VN-BG')).toBe('Bắc Ninh, ngày 01 tháng 7 năm 2025');
    expect(dated('2025-07-01T02:00:00Z', 'VN-54', undefined, 'en')).toBe('Bac Ninh, 1 July 2025');
    // 23:30 UTC on 4 February is 06:30 on 5 February in Hà Nội: the zone's day, months 1 and 2 with a 0
    expect(dated('2026-02-04T23:30:00Z', 'VN-HN')).toBe('Hà Nội, ngày 05 tháng 02 năm 2026');
    expect(dated('2026-04-15T03:00:00Z', 'VN-BG', 'Thành phố Bắc Ninh')).toBe('Thành phố Bắc Ninh, ngày 15 tháng 4 năm 2026');
    expect(dated('2026-04-15T03:00:00Z', null)).toBe(`${DOTS}, ngày 15 tháng 4 năm 2026`);
    expect(dated('2026-04-15T03:00:00Z', 'VN-XX')).toBe(`${DOTS}, ngày 15 tháng 4 năm 2026`); // a code the table lacks names no place
  });
});

describe('a report taken before its period ended', () => {
  // the quarter so far on 15 March at 12:00 in Hà Nội: the period, and the figures, end then
  const now = Date.parse('2026-03-15T05:00:00Z');
  const soFar = facts({ from: FROM, to: now, asOf: now, zone: ZONE });
  const days = { from: '2026-01-01', to: '2026-03-15' };

  it('gives the time the figures were taken, in the zone', async () => {
    expect((await pdfText(figures(soFar, 'vi', now), 'vi', days)).slice(0, 3)).toEqual([
      'Kỳ báo cáo: 01/01/2026 – 15/03/2026',
      'Địa bàn: Bắc Giang (từ 01/07/2025 thuộc tỉnh Bắc Ninh)',
      'Số liệu tính đến 12:00 ngày 15/03/2026 · Thời điểm lập: 12:00 ngày 15/03/2026 (giờ Việt Nam, UTC+7)',
    ]);
    expect((await pdfText(figures(soFar, 'en', now), 'en', days))[2]).toBe(
      'Figures as of 12:00 on 15/03/2026 · Generated: 12:00 on 15/03/2026 (Vietnam time, UTC+7)',
    );
  });

  it('prints a region the table lacks as its code, and all regions when none was asked for', async () => {
    expect((await pdfText(figures(facts(soFar.period, 'VN-XX'), 'vi', now), 'vi', days))[1]).toBe('Địa bàn: VN-XX');
    expect((await pdfText(figures(facts(soFar.period, null), 'en', now), 'en', days))[1]).toBe('Region: All regions');
  });
});

describe('the zone a report names', () => {
  it("names Vietnam's zone in the report's language, and another by its IANA name, each with its offset then", async () => {
    const t = Date.parse('2026-07-15T03:00:00Z');
    expect([zoneName(ZONE, 'vi', t), zoneName(ZONE, 'en', t)]).toEqual(['giờ Việt Nam, UTC+7', 'Vietnam time, UTC+7']);
    // summer and winter time; half hours; west of Greenwich
    expect(zoneName('Europe/Paris', 'vi', t)).toBe('Europe/Paris, UTC+2');
    expect(zoneName('Europe/Paris', 'en', Date.parse('2026-01-15T03:00:00Z'))).toBe('Europe/Paris, UTC+1');
    expect(zoneName('Asia/Kolkata', 'en', t)).toBe('Asia/Kolkata, UTC+5:30');
    expect(zoneName('America/Sao_Paulo', 'vi', t)).toBe('America/Sao_Paulo, UTC−3');
    expect(zoneName('UTC', 'vi', t)).toBe('UTC');
    // on the report: a Tokyo gateway's
    const q1 = facts({ from: FROM, to: END, asOf: END, zone: 'Asia/Tokyo' });
    expect((await pdfText(figures(q1, 'vi'), 'vi'))[2]).toMatch(/ \(Asia\/Tokyo, UTC\+9\)$/);
  });
});
