// The overview's figures from a small fleet (test-fleet.ts) whose every number is counted by hand
// below: five instruments of four enterprises in two provinces, ten checks, six alerts.
import { describe, expect, it } from 'vitest';
import { buildFigures, hrefWith, type FleetFacts, type FleetFigures, type Section } from './figures.ts';
import { sectionProviders } from './sections.ts';
import { labeller } from './labels.ts';
import { SMALL_FLEET } from './test-fleet.ts';

const NOW = SMALL_FLEET.period.asOf;

function figures(facts: FleetFacts = SMALL_FLEET, lang: 'en' | 'vi' = 'en', live = true): FleetFigures {
  return buildFigures(sectionProviders(), { facts, ...labeller(lang), live, href: hrefWith(facts.region) }, NOW);
}
const sectionOf = (f: FleetFigures, id: string): Section => f.sections.find((s) => s.id === id)!;
const values = (s: Section) => Object.fromEntries(s.figures.map((x) => [x.id, x.value]));
const rows = (s: Section, table: string, cols: string[]) => s.tables.find((t) => t.id === table)!.rows.map((r) => cols.map((c) => r.values[c]));

describe('the overview of a small fleet', () => {
  const f = figures();

  it('covers the twelve months up to now, from local midnight of 1 April 2025 (17:00 UTC the day before)', () => {
    expect(f.from).toBe('2025-03-31T17:00:00.000Z');
    expect(f.to).toBe('2026-03-15T05:00:00.000Z');
    expect(SMALL_FLEET.months.map((m) => m.key)).toEqual([
      '2025-04',
      '2025-05',
      '2025-06',
      '2025-07',
      '2025-08',
      '2025-09',
      '2025-10',
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
    expect(f.sections.map((s) => s.id)).toEqual(['enterprises', 'instruments', 'checks', 'alerts', 'due', 'trends']);
  });

  it('counts enterprises by their worst instrument: north due-soon (valid, due-soon, valid), hill expired, south none; the empty one apart', () => {
    expect(values(sectionOf(f, 'enterprises'))).toEqual({ total: 4, valid: 0, 'due-soon': 1, expired: 1, none: 1, noInstruments: 1 });
  });

  it('counts instruments by state and by type', () => {
    const s = sectionOf(f, 'instruments');
    expect(values(s)).toEqual({ total: 5, valid: 2, 'due-soon': 1, expired: 1, none: 1 });
    // barometers n1, n3 (valid), s1 (none); scales n2 (due soon), h1 (expired)
    expect(rows(s, 'byType', ['typeId', 'total', 'valid', 'due-soon', 'expired', 'none'])).toEqual([
      ['barometer', 3, 2, 0, 0, 1],
      ['scale', 2, 0, 1, 1, 0],
    ]);
  });

  it('sums checks and failures: 1 + 3 + 4 + 2 = 10 checks, 1 + 2 = 3 failed (30 %)', () => {
    const s = sectionOf(f, 'checks');
    expect(values(s)).toEqual({ checks: 10, failed: 3, failRate: 30 });
    // barometers: s1 1 + n1 3 + 2 = 6, 1 failed (16.7 %); scales: h1 4, 2 failed (50 %)
    expect(rows(s, 'byType', ['typeId', 'checks', 'failed', 'failRate'])).toEqual([
      ['barometer', 6, 1, 16.7],
      ['scale', 4, 2, 50],
    ]);
  });

  it("counts open alerts by age and kind, and the period's opened and resolved ones with the median days to resolve", () => {
    const s = sectionOf(f, 'alerts');
    // open now: h1 overdue (73 d), h1 out-of-tolerance (5 d 5 h), n1 drift (5 h); resolved in
    // 10, 24 and 3 days → median 10
    expect(values(s)).toEqual({ open: 3, 'age-under1d': 1, 'age-1to7d': 1, 'age-7to30d': 0, 'age-over30d': 1, opened: 6, resolved: 3, medianResolveDays: 10 });
    expect(rows(s, 'byKind', ['kindId', 'open', 'opened', 'resolved', 'medianResolveDays'])).toEqual([
      ['drift', 1, 2, 1, 24],
      ['offline', 0, 1, 1, 10],
      ['out-of-tolerance', 1, 2, 1, 3],
      ['verification-overdue', 1, 1, 0, null],
    ]);
  });

  it('lists verification due within 90 days: n2 in 16 days (also within 30), n3 in 65', () => {
    const s = sectionOf(f, 'due');
    expect(values(s)).toEqual({ due30: 1, due90: 2 });
    // n2: 1 April 00:00 UTC − 15 March 05:00 UTC = 16 d 19 h; n3: 20 May − 15 March 05:00 = 65 d 19 h
    expect(rows(s, 'due', ['device', 'tenantId', 'validUntil', 'daysLeft'])).toEqual([
      ['n2', 'north', '2026-04-01', 16],
      ['n3', 'north', '2026-05-20', 65],
    ]);
  });

  it('gives each month its checks, alerts opened and resolved, and median days to resolve', () => {
    const byMonth = rows(sectionOf(f, 'trends'), 'byMonth', ['month', 'checks', 'failed', 'alertsOpened', 'alertsResolved', 'medianResolveDays']);
    expect(byMonth[0]).toEqual(['2025-04', 1, 0, 0, 0, null]);
    expect(byMonth[8]).toEqual(['2025-12', 0, 0, 1, 1, 10]);
    expect(byMonth[9]).toEqual(['2026-01', 0, 0, 1, 0, null]);
    // February: n2 drift and n1 out-of-tolerance opened, resolved after 24 and 3 days → 13.5
    expect(byMonth[10]).toEqual(['2026-02', 3, 1, 2, 2, 13.5]);
    expect(byMonth[11]).toEqual(['2026-03', 6, 2, 2, 0, null]);
  });

  it('puts each enterprise in the programme table with its readiness score', () => {
    // north: verified 3/3 (100), checked 1/3 (33.3), alerts in time 1/2 (50): (40·100 + 30·33.3 + 20·50) / 90 = 66.7 → 67
    // hill: verified 0/1, checked 1/1, no alert judged yet: (40·0 + 30·100) / 70 = 42.9 → 43
    expect(
      rows(sectionOf(f, 'enterprises'), 'enterprises', [
        'tenant',
        'instruments',
        'valid',
        'due-soon',
        'expired',
        'none',
        'openAlerts',
        'checks',
        'failed',
        'score',
      ]),
    ).toEqual([
      ['north', 3, 2, 1, 0, 0, 1, 5, 1, 67],
      ['hill', 1, 0, 0, 1, 0, 2, 4, 2, 43],
      ['south', 1, 0, 0, 0, 1, 0, 1, 0, 0],
      ['empty', 0, 0, 0, 0, 0, 0, 0, 0, null],
    ]);
  });

  it('links every figure to the API list behind it, with the region asked for', () => {
    const g = figures({ ...SMALL_FLEET, region: 'VN-HN' });
    const href = (section: string, id: string) => sectionOf(g, section).figures.find((x) => x.id === id)!.href;
    expect(href('instruments', 'expired')).toBe('/api/v1/devices?verification=expired&region=VN-HN');
    expect(href('enterprises', 'due-soon')).toBe('/api/v1/tenants?verification=due-soon&region=VN-HN');
    expect(href('due', 'due30')).toBe('/api/v1/devices?dueWithinDays=30&region=VN-HN');
    // 1–7 days old: opened in [now − 7 d, now − 1 d)
    expect(href('alerts', 'age-1to7d')).toBe(
      '/api/v1/alerts?state=unresolved&openedFrom=2026-03-08T05%3A00%3A00.000Z&openedTo=2026-03-14T05%3A00%3A00.000Z&region=VN-HN',
    );
    expect(href('alerts', 'age-over30d')).toBe('/api/v1/alerts?state=unresolved&openedTo=2026-02-13T05%3A00%3A00.000Z&region=VN-HN');
    expect(href('checks', 'failed')).toBe('/api/v1/checks?from=2025-03-31T17%3A00%3A00.000Z&to=2026-03-15T05%3A00%3A00.000Z&decision=failed&region=VN-HN');
    for (const s of g.sections) for (const x of s.figures) expect(x.href, `${s.id}.${x.id}`).toMatch(/^\/api\/v1\//);
  });

  it("gives no link to a list of today's state for figures of a past date", () => {
    const past = figures(SMALL_FLEET, 'en', false);
    expect(sectionOf(past, 'instruments').figures.find((x) => x.id === 'expired')!.href).toBeNull();
    expect(sectionOf(past, 'alerts').figures.find((x) => x.id === 'open')!.href).toBeNull();
    // what happened within the period keeps its link
    expect(sectionOf(past, 'alerts').figures.find((x) => x.id === 'opened')!.href).toMatch(/^\/api\/v1\/alerts\?openedFrom=/);
  });

  it('labels everything in Vietnamese or English, the same figures either way', () => {
    const vi = figures(SMALL_FLEET, 'vi');
    expect(sectionOf(vi, 'alerts').label).toBe('Cảnh báo');
    expect(sectionOf(vi, 'instruments').tables[0].rows[0].values.type).toBe('Khí áp kế');
    expect(sectionOf(f, 'instruments').tables[0].rows[0].values.type).toBe('Barometer');
    const strip = (x: FleetFigures) => x.sections.map((s) => s.figures.map((y) => y.value));
    expect(strip(vi)).toEqual(strip(f));
    for (const s of [...f.sections, ...vi.sections]) {
      for (const label of [s.label, ...s.figures.map((x) => x.label), ...s.tables.flatMap((t) => [t.label, ...t.columns.map((c) => c.label)])])
        expect(label).not.toMatch(/^ov\.|^report\./);
    }
  });
});
