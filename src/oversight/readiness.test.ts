// Readiness scores computed by hand from READINESS_RULES (weights 40/30/20/10; checks within 90
// days; out-of-tolerance resolved within 7 days, drift within 14; alerts of the last 365 days).
import { describe, expect, it } from 'vitest';
import { alertHandling, rankReadiness, telemetryOf, type ReadinessInput } from './readiness.ts';
import { SMALL_FLEET } from './test-fleet.ts';

const NOW = SMALL_FLEET.period.asOf;
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW + days * DAY).toISOString();
const input: ReadinessInput = {
  asOf: NOW,
  enterprises: SMALL_FLEET.enterprises,
  instruments: SMALL_FLEET.instruments,
  recentChecks: SMALL_FLEET.recentChecks,
  alerts: SMALL_FLEET.alerts,
};

describe('readiness', () => {
  it('judges an alert handled in time, late, or not yet', () => {
    const a = (kind: string, opened: number, resolved: number | null) => ({
      tenant: 't',
      device: 'd',
      kind,
      openedAt: at(opened),
      resolvedAt: resolved === null ? null : at(resolved),
    });
    expect(alertHandling(a('out-of-tolerance', -20, -13), NOW)).toBe('in-time'); // 7 days: on the deadline
    expect(alertHandling(a('out-of-tolerance', -20, -12.9), NOW)).toBe('late');
    expect(alertHandling(a('out-of-tolerance', -6, null), NOW)).toBeNull(); // open, deadline not reached
    expect(alertHandling(a('out-of-tolerance', -8, null), NOW)).toBe('late'); // open past its deadline
    expect(alertHandling(a('drift', -30, -17), NOW)).toBe('in-time'); // 13 days ≤ 14
    expect(alertHandling(a('drift', -10, 1), NOW)).toBeNull(); // resolved after the ranking's date: open then, within 14 days
    expect(alertHandling(a('offline', -30, null), NOW)).toBeNull(); // not a judged kind
    expect(alertHandling(a('out-of-tolerance', -400, -399), NOW)).toBeNull(); // before the 365-day window
  });

  it('scores each enterprise from its parts and ranks them within their region', () => {
    const ranked = rankReadiness(input);
    expect(ranked.map((r) => [r.region, r.rank, r.tenant, r.score, r.standing])).toEqual([
      // north: (40·100 + 30·33.3 + 20·50) / 90 = 66.7 → 67; hill: (40·0 + 30·100) / 70 = 42.9 → 43
      ['VN-HN', 1, 'north', 67, 'due-soon'],
      ['VN-HN', 2, 'hill', 43, 'expired'],
      ['VN-HN', null, 'empty', null, 'none'], // no instruments: no basis for any part
      // south: s1 never verified, no check in 90 days, no judged alert: (40·0 + 30·0) / 70 = 0
      ['VN-SG', 1, 'south', 0, 'none'],
    ]);
    const north = ranked[0];
    expect(north.parts).toEqual({
      verification: { share: 100, numerator: 3, denominator: 3, weight: 40 },
      checksOnSchedule: { share: 33.3, numerator: 1, denominator: 3, weight: 30 },
      alertsHandled: { share: 50, numerator: 1, denominator: 2, weight: 20 },
      lotsPassed: { share: null, numerator: 0, denominator: 0, weight: 10 },
    });
  });

  it('counts lots passed when the lots store gives them, and equal scores share a rank', () => {
    const twins: ReadinessInput = {
      asOf: NOW,
      enterprises: [
        { id: 'a', name: 'A', region: 'VN-HN' },
        { id: 'b', name: 'B', region: 'VN-HN' },
        { id: 'c', name: 'C', region: 'VN-HN' },
      ],
      instruments: ['a', 'b', 'c'].map((t) => ({ id: `${t}1`, tenant: t, type: 'scale', state: 'valid' as const, validUntil: at(200) })),
      recentChecks: new Map([
        ['a1', 1],
        ['b1', 1],
        ['c1', 1],
      ]),
      alerts: [],
      // a: 3 of 4 lots passed; b: none judged (part left out); c: 1 of 4
      lots: new Map([
        ['a', { lots: 4, passed: 3 }],
        ['c', { lots: 4, passed: 1 }],
      ]),
    };
    const ranked = rankReadiness(twins);
    // a: (40·100 + 30·100 + 10·75) / 80 = 96.9 → 97; b: (40·100 + 30·100) / 70 = 100; c: (4000 + 3000 + 250) / 80 = 90.6 → 91
    expect(ranked.map((r) => [r.tenant, r.score, r.rank])).toEqual([
      ['b', 100, 1],
      ['a', 97, 2],
      ['c', 91, 3],
    ]);
    const tie = rankReadiness({ ...twins, lots: undefined });
    expect(tie.map((r) => [r.tenant, r.score, r.rank])).toEqual([
      ['a', 100, 1],
      ['b', 100, 1],
      ['c', 100, 1],
    ]);
  });

  it('leaves the instruments that send no telemetry out of the checks on schedule', () => {
    const scale = (id: string, tenant: string) => ({ id, tenant, type: 'scale', state: 'valid' as const, validUntil: at(200) });
    const fleet: ReadinessInput = {
      asOf: NOW,
      enterprises: [
        { id: 'market', name: 'Tiểu thương Chợ Vôi', region: 'VN-BG' },
        { id: 'shop', name: 'Shop', region: 'VN-BG' },
      ],
      // the market's three scales were verified by a campaign and have never been heard from; the
      // shop's first three send telemetry (s1 checked), its last two do not (s4 has an inspector's check)
      instruments: [scale('m1', 'market'), scale('m2', 'market'), scale('m3', 'market'), ...['s1', 's2', 's3', 's4', 's5'].map((id) => scale(id, 'shop'))],
      recentChecks: new Map([
        ['s1', 6],
        ['s4', 1],
      ]),
      alerts: [],
      telemetry: telemetryOf([
        { id: 's1', lastSeenAt: at(-1) },
        { id: 's2', lastSeenAt: at(-40) },
        { id: 's3', lastSeenAt: at(-200) },
        { id: 's4', lastSeenAt: null },
        { id: 's5' },
        { id: 'm1' },
      ]),
    };
    const [market, shop] = ['market', 'shop'].map((t) => rankReadiness(fleet).find((r) => r.tenant === t)!);
    // market: no instrument to expect checks of, the part has no basis (as without instruments): 40·100 / 40 = 100
    expect(market.parts.checksOnSchedule).toEqual({ share: null, numerator: 0, denominator: 0, weight: 30 });
    expect(market.score).toBe(100);
    // shop: 1 of the 3 that send telemetry checked: (40·100 + 30·33.3) / 70 = 4999 / 70 = 71.4 → 71
    expect(shop.parts.checksOnSchedule).toEqual({ share: 33.3, numerator: 1, denominator: 3, weight: 30 });
    expect(shop.score).toBe(71);
    // told nothing of telemetry, every instrument is expected to send checks: market (40·100 + 30·0) / 70 = 57.1 → 57;
    // shop 2 of 5 (s4's inspector check counts then): (40·100 + 30·40) / 70 = 74.3 → 74
    const blind = rankReadiness({ ...fleet, telemetry: undefined });
    expect(blind.map((r) => [r.tenant, r.score, r.parts.checksOnSchedule.denominator])).toEqual([
      ['shop', 74, 5],
      ['market', 57, 3],
    ]);
  });
});
