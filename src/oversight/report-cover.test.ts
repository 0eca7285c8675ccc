// What the printed report says of its province and of when its figures stand: the first quarter
// of 2026 for Bắc Giang (VN-BG) in Hà Nội's zone, as PDF and XLSX, in Vietnamese and English.
// Expected strings written by hand.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readPdf } from '../../test/support/pdf-text.ts';
import type { CampaignsSummary, InspectionSummary } from '../inspections/summary.ts';
import { buildFigures, hrefWith, type FleetFacts, type FleetFigures } from './figures.ts';
import { labeller, type Lang, zoneName } from './labels.ts';
import { monthsOf, periodBound, type Period } from './period.ts';
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
const pdfText = async (f: FleetFigures, lang: Lang, period = Q1) => readPdf(await figuresPdf(f, lang, { period, compress: false })).lines;
async function xlsx(f: FleetFigures, lang: Lang, period = Q1): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Uint8Array.from(await figuresXlsx(f, lang, period)).buffer);
  return wb;
}
const rowsOf = (ws: ExcelJS.Worksheet) => {
  const out: unknown[][] = [];
  ws.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
  return out;
};

describe('the report for the first quarter of 2026 in Bắc Giang, taken on 15 April', () => {
  const q1 = facts({ from: FROM, to: END, asOf: END, zone: ZONE });

  it('names the province and gives the figures as of the end of 31 March, not 00:00 on 1 April (PDF, Vietnamese)', async () => {
    const lines = await pdfText(figures(q1, 'vi'), 'vi');
    expect(lines.slice(0, 5)).toEqual([
      'Báo cáo định kỳ về phương tiện đo',
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
    expect(lines.slice(0, 5)).toEqual([
      'Periodic report on measuring instruments',
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

describe('a report taken before its period ended', () => {
  // the quarter so far on 15 March at 12:00 in Hà Nội: the period, and the figures, end then
  const now = Date.parse('2026-03-15T05:00:00Z');
  const soFar = facts({ from: FROM, to: now, asOf: now, zone: ZONE });
  const days = { from: '2026-01-01', to: '2026-03-15' };

  it('gives the time the figures were taken, in the zone', async () => {
    expect((await pdfText(figures(soFar, 'vi', now), 'vi', days)).slice(1, 4)).toEqual([
      'Kỳ báo cáo: 01/01/2026 – 15/03/2026',
      'Địa bàn: Bắc Giang (từ 01/07/2025 thuộc tỉnh Bắc Ninh)',
      'Số liệu tính đến 12:00 ngày 15/03/2026 · Thời điểm lập: 12:00 ngày 15/03/2026 (giờ Việt Nam, UTC+7)',
    ]);
    expect((await pdfText(figures(soFar, 'en', now), 'en', days))[3]).toBe(
      'Figures as of 12:00 on 15/03/2026 · Generated: 12:00 on 15/03/2026 (Vietnam time, UTC+7)',
    );
  });

  it('prints a region the table lacks as its code, and all regions when none was asked for', async () => {
    expect((await pdfText(figures(facts(soFar.period, 'VN-XX'), 'vi', now), 'vi', days))[2]).toBe('Địa bàn: VN-XX');
    expect((await pdfText(figures(facts(soFar.period, null), 'en', now), 'en', days))[2]).toBe('Region: All regions');
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
    expect((await pdfText(figures(q1, 'vi'), 'vi'))[3]).toMatch(/ \(Asia\/Tokyo, UTC\+9\)$/);
  });
});
