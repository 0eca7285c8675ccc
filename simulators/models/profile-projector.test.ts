import { describe, expect, it } from 'vitest';
import { lengthDependentMpe } from '../../src/metrology/mpe-length.ts';
import { createRng } from '../prng.ts';
import { createProfileProjector, type ProfileProjectorParams } from './profile-projector.ts';

const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const projector = (params: ProfileProjectorParams = {}, seed = 3) =>
  createProfileProjector({ deviceId: 'pj-1', startMs: START, rng: createRng(seed), readingIntervalMs: 3_600_000, checkIntervalMs: 7 * DAY }, params);
const payloads = (model: ReturnType<typeof projector>, until: number, topic: string) =>
  model
    .next(until)
    .filter((m) => m.topic === topic)
    .map((m) => m.payload as Record<string, any>);

function slope(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i]! - my);
    sxx += (xi - mx) ** 2;
  });
  return sxy / sxx;
}

describe('profile projector', () => {
  it('checks the stage micrometer at 1, 5 and 10 mm and a 50 mm gauge block, with the contract fields', () => {
    const checks = payloads(projector(), START + 7 * DAY, 'checks');
    expect(checks.map((c) => c.point)).toEqual(['SM-1mm', 'SM-5mm', 'SM-10mm', 'GB-50mm']);
    expect(checks[3]).toMatchObject({ reference: 50, unit: 'mm', standardId: 'GB-50MM-K1', referenceUncertainty: 0.0003, regime: 'inService' });
    expect(checks.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
  });

  it('fresh from calibration its errors sit well within a maker-style (3 + L/50) µm', () => {
    // At 50 mm: 3 + 1 = 4 µm; noise 0.5 µm and a 1 µm display step keep the first month's errors under it.
    const checks = payloads(projector(), START + 30 * DAY, 'checks');
    const rule = { kind: 'lengthDependent' as const, a: 3, k: 50, unit: 'um', lengthUnit: 'mm' };
    for (const c of checks) expect(Math.abs(c.indicated - c.reference)).toBeLessThanOrEqual(lengthDependentMpe(rule, c.reference, 'mm'));
  });

  it('the scale drift shows as a slope of the 50 mm check errors: 50 × 20e-6 + 0.001 = 0.002 mm a year', () => {
    const gb = payloads(projector({}, 11), START + 2 * 365 * DAY, 'checks').filter((c) => c.point === 'GB-50mm');
    const perDay = slope(
      gb.map((c) => (Date.parse(c.ts) - START) / DAY),
      gb.map((c) => c.indicated - c.reference),
    );
    expect(perDay * 365.25).toBeCloseTo(0.002, 3);
  });

  it('measures workpiece features along X and Y as length readings in mm, deterministically for a seed', () => {
    const r = payloads(projector(), START + 2 * DAY, 'readings');
    expect(r.length).toBeGreaterThan(20);
    expect(r[0]).toMatchObject({ quantity: 'length', unit: 'mm' });
    expect(new Set(r.map((x) => x.axis))).toEqual(new Set(['X', 'Y']));
    const a = projector().next(START + 10 * DAY);
    const b = projector();
    expect([...b.next(START + 3 * DAY), ...b.next(START + 10 * DAY)]).toEqual(a);
  });
});
