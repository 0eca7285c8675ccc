// The periodic report's places section (sections-places.ts) from the facts placesOfPeriod gathers
// (places-of-period.ts) over a check store of a few checks, counted by hand below: North Fuel's station 5
// (two nozzles, six checks, all in the seller's favour), its station 8 (three each way) and a barometer
// (no rule: read, no place). And what happens past the limit of checks judged.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readPdf } from '../../test/support/pdf-text.ts';
import type { SellerFavourRule } from '../metrology/seller-favour.ts';
import type { StoredCheck } from '../store/checks.ts';
import { buildFigures, hrefWith, type FleetFacts, type FleetFigures, type Section } from './figures.ts';
import { labeller, type Lang } from './labels.ts';
import { placeChecks, placesOfPeriod, type PlacesFacts, type PlacesSource } from './places-of-period.ts';
import { figuresPdf, formatCell } from './render-pdf.ts';
import { figuresXlsx } from './render-xlsx.ts';
import { sectionProviders } from './sections.ts';
import { SMALL_FLEET } from './test-fleet.ts';

const NOW = SMALL_FLEET.period.asOf; // 15 March 2026, noon in Hà Nội
const { from: FROM, to: TO } = SMALL_FLEET.period;
const RULE: SellerFavourRule = { errorSign: 1, minChecks: 5, maxPValue: 0.05, minMeanMpe: 0.5 };
const INSTRUMENTS: Record<string, { tenant: string; type: string; site?: string; use?: string }> = {
  'fd-51': { tenant: 'north', type: 'fuel-dispenser', site: 'Cửa hàng số 5' },
  'fd-52': { tenant: 'north', type: 'fuel-dispenser', site: 'Cửa hàng số 5' },
  'fd-81': { tenant: 'north', type: 'fuel-dispenser', site: 'Cửa hàng số 8' },
  n1: { tenant: 'north', type: 'barometer' },
  // Hill Market's produce buyer: a scale registered for purchasing, watched for the buyer's favour
  'hm-b': { tenant: 'hill', type: 'scale', site: 'Điểm thu mua', use: 'purchasing' },
};
/** A check as the store gives it, of what the judgement reads. */
const check = (device: string, iso: string, error: number, mpe: number) => ({ device, ts: Date.parse(iso), error, mpe }) as StoredCheck;
// At 20 L in trade, MPE 0.09 L. Station 5: +0.06 L six times (0.667 of the MPE), three on each nozzle.
// Station 8: +0.06, −0.06 in turn. The barometer: two checks, no seller-favour rule.
const CHECKS: StoredCheck[] = [
  check('fd-51', '2026-03-02T02:00:00Z', 0.06, 0.09),
  check('fd-52', '2026-03-03T02:00:00Z', 0.06, 0.09),
  check('fd-51', '2026-03-04T02:00:00Z', 0.06, 0.09),
  check('fd-52', '2026-03-05T02:00:00Z', 0.06, 0.09),
  check('fd-51', '2026-03-06T02:00:00Z', 0.06, 0.09),
  check('fd-52', '2026-03-07T02:00:00Z', 0.06, 0.09),
  ...[0.06, -0.06, 0.06, -0.06, 0.06, -0.06].map((e, i) => check('fd-81', `2026-03-0${i + 2}T03:00:00Z`, e, 0.09)),
  check('n1', '2026-03-01T02:00:00Z', 0.1, 0.3),
  check('n1', '2026-03-08T02:00:00Z', -0.1, 0.3),
];

/** The check store's `between` over `checks`, with the registry and the rules above. */
const source = (checks: readonly StoredCheck[]): PlacesSource => ({
  checksBetween: (tenants, from, to, { limit }) =>
    checks
      .filter((c) => tenants.includes(INSTRUMENTS[c.device]!.tenant) && c.ts >= from && c.ts < to)
      .sort((a, b) => b.ts - a.ts)
      .slice(0, limit),
  instrumentOf: (device) => INSTRUMENTS[device],
  ruleOf: (type) => (type === 'barometer' ? undefined : RULE),
  userOf: (_type, use) => (use === 'purchasing' ? 'buyer' : 'seller'),
});

const figures = (places: PlacesFacts, lang: Lang = 'en', facts: FleetFacts = SMALL_FLEET): FleetFigures =>
  buildFigures(sectionProviders(), { facts: { ...facts, places }, ...labeller(lang), live: true, href: hrefWith(facts.region) }, NOW);
const placesOf = (f: FleetFigures): Section => f.sections.find((s) => s.id === 'places')!;
const values = (s: Section) => Object.fromEntries(s.figures.map((x) => [x.id, x.value]));

describe("the report's places whose errors lean to their user's favour", async () => {
  const facts = await placesOfPeriod(source(CHECKS), ['north'], FROM, TO);

  it('judges every place on all its checks of the period, and lists the findings only', () => {
    // station 5: 6 of 6 in the seller's favour, p = 1/64 = 0.015625 (≤ 0.05), mean 0.06/0.09 = 0.667 (≥ 0.5): a finding.
    // Station 8: 3 of 6, p = P(X ≥ 3) = (20 + 15 + 6 + 1)/64 = 42/64 = 0.65625: judged, not listed.
    expect(facts.judged.map((p) => [p.site, p.onSellerSide, p.checksCounted, p.pValue, p.finding])).toEqual([
      ['Cửa hàng số 5', 6, 6, 1 / 64, true],
      ['Cửa hàng số 8', 3, 6, 42 / 64, false],
    ]);
    const s = placesOf(figures(facts));
    // 14 checks read: 12 of the dispensers and the barometer's 2 (a type without a rule makes no place)
    expect(values(s)).toEqual({ places: 2, findings: 1, checks: 14 });
    expect(s.tables).toHaveLength(1);
    expect(s.tables[0].rows.map((r) => r.values)).toEqual([
      {
        tenant: 'north',
        name: 'North Fuel',
        site: 'Cửa hàng số 5',
        typeId: 'fuel-dispenser',
        type: 'Fuel dispenser',
        favouredId: 'seller',
        favoured: 'seller',
        k: 6,
        m: 6,
        pValue: 0.015625,
        meanErrorMpe: expect.closeTo(0.06 / 0.09, 12),
      },
    ]);
    expect(s.notes).toHaveLength(1); // how it was judged; nothing left out
  });

  it('comes after the alerts, links its counts to GET /places for the period and region, and is not the overview’s', () => {
    const f = figures(facts, 'en', { ...SMALL_FLEET, region: 'VN-HN' });
    expect(f.sections.map((s) => s.id)).toEqual(['enterprises', 'instruments', 'checks', 'alerts', 'places', 'due', 'trends']);
    const href = (id: string) => placesOf(f).figures.find((x) => x.id === id)!.href;
    const period = 'from=2025-03-31T17%3A00%3A00.000Z&to=2026-03-15T05%3A00%3A00.000Z';
    expect(href('places')).toBe(`/api/v1/places?${period}&region=VN-HN`);
    expect(href('findings')).toBe(`/api/v1/places?${period}&findings=true&region=VN-HN`);
    expect(href('checks')).toBeNull();
    // facts without places (the overview's): no section
    expect(
      buildFigures(sectionProviders(), { facts: SMALL_FLEET, ...labeller('en'), live: true, href: hrefWith(null) }, NOW).sections.map((s) => s.id),
    ).not.toContain('places');
  });

  it("counts a buyer's scale's k on the buyer's side", async () => {
    // −0.07 kg against an MPE of 0.1 kg, six times: 6 of 6 in the buyer's favour, p = 1/64, mean −0.7 of the MPE
    const buyer = Array.from({ length: 6 }, (_, i) => check('hm-b', `2026-03-0${i + 2}T01:00:00Z`, -0.07, 0.1));
    const s = placesOf(figures(await placesOfPeriod(source(buyer), ['hill'], FROM, TO)));
    expect(s.tables[0].rows.map((r) => r.values)).toEqual([
      {
        tenant: 'hill',
        name: 'Hill Market',
        site: 'Điểm thu mua',
        typeId: 'scale',
        type: 'Non-automatic weighing instrument (scale)',
        favouredId: 'buyer',
        favoured: 'buyer',
        k: 6,
        m: 6,
        pValue: 1 / 64,
        meanErrorMpe: expect.closeTo(-0.7, 12),
      },
    ]);
  });

  it('says 0 findings, with an empty table, when no place leans', async () => {
    const fair = await placesOfPeriod(source(CHECKS.filter((c) => c.device === 'fd-81')), ['north'], FROM, TO);
    const s = placesOf(figures(fair));
    expect(values(s)).toEqual({ places: 1, findings: 0, checks: 6 });
    expect(s.tables[0].rows).toEqual([]);
    // and with no check at all
    expect(values(placesOf(figures(await placesOfPeriod(source([]), ['north'], FROM, TO))))).toEqual({ places: 0, findings: 0, checks: 0 });
  });

  it('labels it in Vietnamese, its sheet name whole (at most 31 characters)', () => {
    const s = placesOf(figures(facts, 'vi'));
    expect(s.label).toBe('Sai số có lợi cho người sử dụng');
    expect(s.label.length).toBeLessThanOrEqual(31);
    expect(placesOf(figures(facts)).label.length).toBeLessThanOrEqual(31);
    expect(s.tables[0].rows[0].values).toMatchObject({ type: 'Cột đo xăng dầu', favoured: 'người bán' });
    for (const label of [
      s.label,
      ...(s.notes ?? []),
      ...s.figures.map((x) => x.label),
      ...s.tables.flatMap((t) => [t.label, ...t.columns.map((c) => c.label)]),
    ])
      expect(label).not.toMatch(/^(ov|pl|report)\./);
  });
});

describe('past the limit of checks judged', () => {
  it('judges the newest checks, every check of an instant or none, from the instant after the first one left out', async () => {
    const at = (ts: number) => ({ device: 'fd-51', ts, error: 0.01, mpe: 0.09 }) as StoredCheck;
    const src = source([at(5), at(4), at(3), at(3), at(2)]);
    // 3 allowed, 4 read: 5, 4, 3, 3; the fourth is left out and its twin with it
    const capped = await placeChecks(src, ['north'], 0, 10, 3);
    expect({ ts: capped.checks.map((c) => c.ts), more: capped.more, from: capped.from }).toEqual({ ts: [5, 4], more: true, from: 4 });
    const all = await placeChecks(src, ['north'], 0, 10, 5);
    expect({ n: all.checks.length, more: all.more, from: all.from }).toEqual({ n: 5, more: false, from: 0 });
  });

  it('says so in the section, and links to the checks it judged', async () => {
    // 5 allowed of the 14: newest first 8 March (barometer), 7 March 03:00 and 02:00, 6 March 03:00 and 02:00;
    // the sixth, 5 March 03:00 (fd-81), left out: judged from 03:00:00.001 on 5 March (10:00 in Hà Nội)
    const capped = await placesOfPeriod(source(CHECKS), ['north'], FROM, TO, 5);
    expect({ checks: capped.checks, more: capped.more, from: new Date(capped.from).toISOString() }).toEqual({
      checks: 5,
      more: true,
      from: '2026-03-05T03:00:00.001Z',
    });
    const s = placesOf(figures(capped));
    // station 5: 7 and 6 March; station 8: 7 and 6 March (−0.06, +0.06)
    expect(values(s)).toEqual({ places: 2, findings: 0, checks: 5 });
    expect(s.notes![1]).toBe(
      "The period held more than 5 checks of the enterprises in scope: the places were judged on the newest 5, from 10:00 on 05/03/2026 to the period's end; the figures link to the same.",
    );
    expect(s.figures.find((x) => x.id === 'places')!.href).toBe('/api/v1/places?from=2026-03-05T03%3A00%3A00.001Z&to=2026-03-15T05%3A00%3A00.000Z');
    const big = placesOf(figures({ ...capped, max: 100_000, checks: 99_998 }, 'vi'));
    expect(big.notes![1]).toBe(
      'Trong kỳ có hơn 100.000 phép kiểm tra của các doanh nghiệp thuộc phạm vi báo cáo: các nơi kinh doanh được đánh giá trên 99.998 phép kiểm tra gần nhất, từ 10:00 ngày 05/03/2026 đến hết kỳ; các liên kết của số liệu cũng theo đúng phạm vi đó.',
    );
  });
});

describe('the places section printed', async () => {
  const facts = await placesOfPeriod(source(CHECKS), ['north'], FROM, TO);
  const PERIOD = { from: '2025-04-01', to: '2026-03-15' };

  it('prints p as the inspection record does (2 significant digits, "< 0,001" below 0.001) and the mean signed', () => {
    expect(formatCell(1 / 64, 'pValue', 'vi')).toBe('0,016');
    expect(formatCell(1 / 64, 'pValue', 'en')).toBe('0.016');
    expect(formatCell(42 / 64, 'pValue', 'vi')).toBe('0,66');
    expect(formatCell(2 ** -20, 'pValue', 'vi')).toBe('< 0,001');
    expect(formatCell(0.001, 'pValue', 'en')).toBe('0.001');
    expect(formatCell(0.06 / 0.09, 'mpeFraction', 'vi')).toBe('+0,67');
    expect(formatCell(-0.7, 'mpeFraction', 'en')).toBe('-0.7');
    expect(formatCell(0, 'mpeFraction', 'en')).toBe('0');
  });

  it('in the PDF: its heading, the note, the figures and the row of the finding', async () => {
    const { lines } = readPdf(await figuresPdf(figures(facts, 'vi'), 'vi', { period: PERIOD, compress: false }));
    const at = lines.indexOf('Sai số có lợi cho người sử dụng');
    expect(at).toBeGreaterThan(0);
    const section = lines.slice(at, lines.indexOf('Đến hạn kiểm định'));
    // a cell's text wraps into lines of its column's width: read as one text, then the finding's row cell by cell
    const text = section.join('').replace(/\s+/g, ' ');
    expect(section[1]).toMatch(/^Mỗi địa điểm của doanh nghiệp/);
    for (const label of [
      'Số nơi được đánh giá (theo loại phương tiện đo và bên sử dụng)',
      'Số nơi có sai số nghiêng về phía người sử dụng',
      'Các nơi có phát hiện',
    ])
      expect(text).toContain(label);
    const row = section.indexOf('North Fuel');
    expect(section.slice(row, row + 8)).toEqual(['North Fuel', 'Cửa hàng số 5', 'Cột đo xăng dầu', 'người bán', '6', '6', '0,016', '+0,67']);
    expect(section).not.toContain('Cửa hàng số 8');
  });

  it('in the workbook: a sheet with the note, the figures as numbers and the finding', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Uint8Array.from(await figuresXlsx(figures(facts), 'en', PERIOD)).buffer);
    const ws = wb.getWorksheet("Errors in the user's favour")!;
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows[0]).toEqual(["Errors in the user's favour"]);
    expect(String(rows[1][0])).toMatch(/^Each enterprise's site/);
    expect(rows).toContainEqual(['Places judged (per instrument type and user)', 2]);
    expect(rows).toContainEqual(["Places whose errors lean to the user's favour", 1]);
    expect(rows).toContainEqual(['Checks examined', 14]);
    const finding = rows.find((r) => r[0] === 'North Fuel')!;
    expect(finding.slice(0, 7)).toEqual(['North Fuel', 'Cửa hàng số 5', 'Fuel dispenser', 'seller', 6, 6, 0.015625]);
    expect(finding[7]).toBeCloseTo(0.06 / 0.09, 12);
  });
});
