import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeLot } from '../../src/metrology/prepackages.ts';
import { SAMPLING_PLANS_FILE, loadSamplingPlans } from '../../src/metrology/sampling-plans-loader.ts';
import { createRng } from '../prng.ts';
import { createFillingLine, fillingLineDrift, type FillingLineParams, type PackageMessage } from './filling-line.ts';

const START = Date.UTC(2026, 0, 5, 6); // a shift starting at 06:00 UTC
const HOUR = 3_600_000;
const plans = loadSamplingPlans(join(import.meta.dirname, '../../devices', SAMPLING_PLANS_FILE));

const line = (params: FillingLineParams = {}, seed = 7) =>
  createFillingLine({ deviceId: 'cw-1', startMs: START, rng: createRng(seed), readingIntervalMs: 0, checkIntervalMs: 0 }, params);
const byLot = (ms: PackageMessage[]) => {
  const lots = new Map<string, Record<string, any>[]>();
  for (const m of ms) lots.set(m.payload.lot as string, [...(lots.get(m.payload.lot as string) ?? []), m.payload]);
  return lots;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('filling line with a checkweigher', () => {
  it('publishes {seq, ts, lot, net, unit}, about a tenth of 30 packages a minute, one lot an hour', () => {
    const ms = line().next(START + 8 * HOUR);
    // 8 h × 1800 packages × 0.1 = 1440 expected; binomial sd ≈ 36.
    expect(ms.length).toBeGreaterThan(1300);
    expect(ms.length).toBeLessThan(1580);
    expect(Object.keys(ms[0]!.payload).sort()).toEqual(['lot', 'net', 'seq', 'ts', 'unit']);
    expect(ms.map((m) => m.payload.seq)).toEqual(ms.map((_, i) => i + 1));
    expect([...byLot(ms).keys()]).toEqual(['LOT-0001', 'LOT-0002', 'LOT-0003', 'LOT-0004', 'LOT-0005', 'LOT-0006', 'LOT-0007', 'LOT-0008']);
    for (const m of ms) {
      expect(m.payload.unit).toBe('g');
      expect(Math.abs((m.payload.net as number) * 10 - Math.round((m.payload.net as number) * 10))).toBeLessThan(1e-9); // 0.1 g division
    }
  });

  it('is deterministic for a seed, however simulated time is cut into calls', () => {
    const whole = line().next(START + 3 * HOUR);
    const model = line();
    const cut = [...model.next(START + 17 * 60_000), ...model.next(START + HOUR + 1), ...model.next(START + 3 * HOUR)];
    expect(cut).toEqual(whole);
    expect(line({}, 8).next(START + HOUR)).not.toEqual(line({}, 7).next(START + HOUR));
  });

  it('the fill mean sinks through the shift and comes back when the operator re-centres it', () => {
    // Mean over lot k (hour k of the shift) = 500 + 2 − 0.5 × (k − 0.5): lot 1 501.75 g, lot 8 498.25 g; lot 9 starts a new shift.
    // Each lot holds ~180 packages (sd ≤ 4.1 g) and a wander of sd 0.5 g, so 1.5 g covers the sampling error.
    const lots = byLot(line().next(START + 9 * HOUR));
    const lotMean = (id: string) => mean(lots.get(id)!.map((p) => p.net));
    expect(Math.abs(lotMean('LOT-0001') - 501.75)).toBeLessThan(1.5);
    expect(Math.abs(lotMean('LOT-0008') - 498.25)).toBeLessThan(1.5);
    expect(Math.abs(lotMean('LOT-0009') - 501.75)).toBeLessThan(1.5);
    expect(fillingLineDrift({}, START, START + 7.5 * HOUR)).toEqual({ mean: 498.25, sd: 3 * (1 + 0.05 * 7.5) });
  });

  it('runs the lots it is given, then stops', () => {
    const ms = line({ lots: 2 }).next(START + 8 * HOUR);
    expect([...byLot(ms).keys()]).toEqual(['LOT-0001', 'LOT-0002']);
    expect(Date.parse(ms.at(-1)!.payload.ts as string)).toBeLessThanOrEqual(START + 2 * HOUR);
    expect(ms).toEqual(line().next(START + 2 * HOUR)); // the same packages as a line that runs on
  });

  it('gross weighing adds the container: gross − net ≈ the 12.4 g average tare', () => {
    const gross = line({ weighing: 'gross' })
      .next(START + HOUR)
      .map((m) => m.payload);
    const net = line()
      .next(START + HOUR)
      .map((m) => m.payload);
    expect(Object.keys(gross[0]!).sort()).toEqual(['gross', 'lot', 'seq', 'ts', 'unit']);
    // Same seed, same draws: the same packages are published, each heavier by its own tare (12.4 ± 0.3 g).
    const diffs = gross.map((g, i) => (g.gross as number) - (net[i]!.net as number));
    expect(mean(diffs)).toBeCloseTo(12.4, 1);
  });

  it('judged with the EU/UK reference test, the first lot of a fast-drifting line passes and the last of the shift fails', () => {
    // Drift −1 g/h: lot 1 mean ≈ 501.5 g, lot 8 ≈ 494.5 g; Qn = 500 g, T = 15 g; lot 1800 → 80 packages, mean of the first 50 ≥ Qn − 0.379 s.
    const lots = byLot(line({ meanDriftPerHour: -1 }).next(START + 8 * HOUR));
    const verdict = (id: string) => judgeLot({ nominal: 500, unit: 'g', lotSize: 1800, packages: lots.get(id)!.map((p) => ({ net: p.net })) }, plans);
    expect(verdict('LOT-0001')).toMatchObject({ verdict: 'pass', sampleSize: 80 });
    const late = verdict('LOT-0008');
    expect(late.verdict).toBe('fail');
    expect(late.mean!).toBeLessThan(late.averageLimit!);
  });
});
