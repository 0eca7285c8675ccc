import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../../src/metrology/check.ts';
import { loadProfiles } from '../../src/metrology/profile-loader.ts';
import { roundTo, type InstrumentType } from './types.ts';
import { build, DAY, days, fitLine, payloads, START } from '../test-helpers.ts';

describe('fuel dispenser', () => {
  it('keeps amount = volume × unit price (to the đồng) and totalizers continuous per nozzle', () => {
    const { model } = build('fuel-dispenser', { readingMs: 15 * 60_000 });
    const tx = payloads(model.next(START + 60 * DAY), 'readings');
    expect(tx.length).toBeGreaterThan(3000);
    const lastEnd = new Map<string, number>();
    for (const t of tx) {
      expect(t).toMatchObject({ quantity: 'volume', unit: 'L' });
      expect(Math.abs(t.amount - t.value * t.unitPrice)).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(Number.isInteger(t.amount)).toBe(true);
      expect(t.totalizerEnd - t.totalizerStart).toBeCloseTo(t.value, 6);
      if (lastEnd.has(t.nozzle)) expect(t.totalizerStart).toBeCloseTo(lastEnd.get(t.nozzle)!, 6);
      lastEnd.set(t.nozzle, t.totalizerEnd);
    }
    expect(new Set(tx.map((t) => t.nozzle)).size).toBe(3);
    expect(new Set(tx.map((t) => t.unitPrice)).size).toBeGreaterThan(3); // weekly price adjustments
  });

  it('totalizer tampering breaks continuity (gap) or the volume balance (mismatch), only after it starts', () => {
    for (const mode of ['gap', 'mismatch'] as const) {
      const { model } = build('fuel-dispenser', { faults: [{ kind: 'totalizer-tamper', afterDays: 10, mode, probability: 0.3, litres: 4 }] });
      const tx = payloads(model.next(START + 30 * DAY), 'readings');
      const lastEnd = new Map<string, number>();
      let broken = 0;
      let brokenBefore = 0;
      for (const t of tx) {
        const gap = lastEnd.has(t.nozzle) && Math.abs(t.totalizerStart - lastEnd.get(t.nozzle)!) > 0.005;
        const mismatch = Math.abs(t.totalizerEnd - t.totalizerStart - t.value) > 0.005;
        if (gap || mismatch) {
          broken++;
          if (days(t.ts) < 10) brokenBefore++;
          expect(mode === 'gap' ? gap : mismatch).toBe(true);
        }
        lastEnd.set(t.nozzle, t.totalizerEnd);
        expect(Math.abs(t.amount - t.value * t.unitPrice)).toBeLessThanOrEqual(0.5 + 1e-6);
      }
      expect(brokenBefore).toBe(0);
      expect(broken).toBeGreaterThan(10);
    }
  });

  it('sends proving checks at Qmax (20 L) and MMQ (5 L) with the contract fields', () => {
    const { model } = build('fuel-dispenser');
    const checks = payloads(model.next(START + 20 * DAY), 'checks');
    const q = checks.filter((c) => c.point === 'Qmax');
    const m = checks.filter((c) => c.point === 'MMQ');
    expect(q.length).toBeGreaterThanOrEqual(9);
    expect(m.length).toBeGreaterThanOrEqual(9);
    expect(q[0]).toMatchObject({ reference: 20, unit: 'L', standardId: 'PM-20L-07', regime: 'inService', referenceUncertainty: 0.004 });
    expect(m[0]).toMatchObject({ reference: 5, unit: 'L' });
    for (const c of checks) {
      for (const k of ['seq', 'ts', 'indicated', 'reference', 'referenceUncertainty', 'unit', 'standardId', 'point', 'regime']) expect(c).toHaveProperty(k);
      expect(Math.abs(c.indicated - c.reference)).toBeLessThan(0.05);
    }
  });

  it('the meter-factor drift shows as the slope of the Qmax check errors', () => {
    const { model } = build('fuel-dispenser', { params: { meterFactor: 1, meterFactorDriftPerYear: 0.02 }, checkMs: DAY });
    const q = payloads(model.next(START + 180 * DAY), 'checks').filter((c) => c.point === 'Qmax');
    const { slope } = fitLine(
      q.map((c) => days(c.ts)),
      q.map((c) => c.indicated - c.reference),
    );
    expect(slope).toBeCloseTo((20 * 0.02) / 365.25, 4);
  });
});

describe('gas detector', () => {
  it('has CO, H2S, O2 (%) and CH4 (%LEL) channels with a gas field', () => {
    const { model } = build('gas-detector');
    const r = payloads(model.next(START + DAY), 'readings');
    const units = Object.fromEntries(r.map((x) => [x.gas, x.unit]));
    expect(units).toEqual({ CO: 'ppm', H2S: 'ppm', O2: '%', CH4: '%LEL' });
    const o2 = r.filter((x) => x.gas === 'O2').map((x) => x.value);
    expect(o2.every((v) => v > 20 && v < 21.5)).toBe(true);
  });

  it('sensitivity decay lowers indications over months; bump tests are daily against the cylinder lot', () => {
    const { model } = build('gas-detector', {
      params: {
        channels: [
          { gas: 'CO', unit: 'ppm', ambient: 50, ambientSd: 0, noise: 0.5, resolution: 1, decayPerMonth: 0.02, span: 100, spanUncertainty: 2 },
          { gas: 'O2', unit: '%', ambient: 20.9, ambientSd: 0, noise: 0.02, resolution: 0.1, decayPerMonth: 0.005, span: 18, spanUncertainty: 0.1 },
        ],
      },
    });
    const msgs = model.next(START + 240 * DAY);
    const r = payloads(msgs, 'readings');
    const mean = (gas: string, from: number, to: number) => {
      const v = r.filter((x) => x.gas === gas && days(x.ts) >= from && days(x.ts) < to).map((x) => x.value);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    expect(mean('CO', 0, 10)).toBeGreaterThan(49);
    expect(mean('CO', 230, 240)).toBeLessThan(mean('CO', 0, 10) * 0.9);
    expect(mean('O2', 230, 240)).toBeLessThan(mean('O2', 0, 10) - 0.5);
    const bumps = payloads(msgs, 'checks').filter((c) => c.point === 'bump' && c.gas === 'CO');
    expect(bumps.length).toBeGreaterThanOrEqual(239);
    expect(bumps[0]).toMatchObject({ reference: 100, referenceUncertainty: 2, standardId: 'CYL-4G-2025-0413-CO', unit: 'ppm' });
    expect(bumps.at(-1)!.indicated).toBeLessThan(bumps[0].indicated - 10); // exp(−0.02·7.9) ≈ 0.85
  });
});

describe('breath-alcohol analyser', () => {
  it('checks at 0.250 and 0.800 mg/L; sensitivity drift shows in the 0.800 errors', () => {
    const { model } = build('breath-alcohol-analyser', { params: { sensitivityDriftPerYear: -0.1 } });
    const msgs = model.next(START + 365 * DAY);
    const checks = payloads(msgs, 'checks');
    expect(new Set(checks.map((c) => c.reference))).toEqual(new Set([0.25, 0.8]));
    const high = checks.filter((c) => c.reference === 0.8);
    const { slope } = fitLine(
      high.map((c) => days(c.ts)),
      high.map((c) => c.indicated - c.reference),
    );
    expect(slope * 365.25).toBeCloseTo(-0.08, 2);
    const r = payloads(msgs, 'readings');
    expect(r.every((x) => x.unit === 'mg/L' && x.value >= 0 && x.value <= 3)).toBe(true);
    const zeros = r.filter((x) => x.value < 0.01).length / r.length;
    expect(zeros).toBeGreaterThan(0.7);
  });
});

describe('barometer', () => {
  it('stays within 500–1100 hPa at 0.01 hPa resolution with a semi-diurnal tide peaking near 10:00 and 22:00 local time', () => {
    const { model } = build('barometer', { readingMs: 10 * 60_000, params: { driftPerYear: 0, longitude: 105.8 } });
    const r = payloads(model.next(START + 90 * DAY), 'readings');
    expect(r.length).toBeGreaterThan(12_000);
    for (const x of r) {
      expect(x.value).toBeGreaterThanOrEqual(500);
      expect(x.value).toBeLessThanOrEqual(1100);
      expect(roundTo(x.value, 0.01)).toBe(x.value);
    }
    // Project on the 12 h harmonic (synoptic waves of 3–9 days are near-orthogonal over 90 days).
    const t = r.map((x) => Date.parse(x.ts));
    const mean = r.reduce((a, x) => a + x.value, 0) / r.length;
    let c = 0;
    let s = 0;
    r.forEach((x, i) => {
      const w = (2 * Math.PI * t[i]) / (12 * 3_600_000);
      c += (x.value - mean) * Math.cos(w);
      s += (x.value - mean) * Math.sin(w);
    });
    const amplitude = (2 / r.length) * Math.hypot(c, s);
    expect(amplitude).toBeGreaterThan(0.9);
    expect(amplitude).toBeLessThan(1.5);
    // Peak hour in UTC, then local solar time = UTC + 105.8/15 h.
    const peakUtc = ((Math.atan2(s, c) / (2 * Math.PI)) * 12 + 12) % 12;
    const peakLocal = (peakUtc + 105.8 / 15) % 12;
    expect(Math.abs(peakLocal - 10)).toBeLessThan(1);
  });

  it('a drift fault injects a rate that a least-squares fit on the checks recovers', () => {
    const { model } = build('barometer', { params: { driftPerYear: 0 }, faults: [{ kind: 'drift', afterDays: 0, ratePerDay: 0.004 }] });
    const checks = payloads(model.next(START + 180 * DAY), 'checks');
    expect(checks[0]).toMatchObject({ unit: 'hPa', standardId: 'REF-PTB330-TS-02', referenceUncertainty: 0.1 });
    const { slope } = fitLine(
      checks.map((c) => days(c.ts)),
      checks.map((c) => c.indicated - c.reference),
    );
    expect(slope).toBeGreaterThan(0.0036);
    expect(slope).toBeLessThan(0.0044);
  });

  it("the instrument's own drift per year shows in the checks", () => {
    const { model } = build('barometer', { params: { driftPerYear: 1 } });
    const checks = payloads(model.next(START + 365 * DAY), 'checks');
    const { slope } = fitLine(
      checks.map((c) => days(c.ts)),
      checks.map((c) => c.indicated - c.reference),
    );
    expect(slope * 365.25).toBeCloseTo(1, 1);
  });
});

describe('scale', () => {
  it('indicates in multiples of e, checks at several test loads stay within the class III MPE when healthy', () => {
    const { model } = build('scale');
    const msgs = model.next(START + 60 * DAY);
    for (const r of payloads(msgs, 'readings')) {
      expect(r.quantity).toBe('mass');
      expect(Math.abs(r.value / 0.05 - Math.round(r.value / 0.05))).toBeLessThan(1e-6);
    }
    const checks = payloads(msgs, 'checks');
    expect(new Set(checks.map((c) => c.reference))).toEqual(new Set([1, 25, 60]));
    for (const c of checks) expect(Math.abs(c.indicated - c.reference)).toBeLessThanOrEqual(0.05 + 1e-9);
  });

  it('checks by the R76 change-point method: E = I + ½e − ΔL − L recovers the unrounded error to within 0.1e', () => {
    // Noise 0, span error +0.0003: at L = 25 kg the scale shows P = 25.0075 before rounding, I = 25.00.
    // ΔL in 0.005 kg steps (0.1e) until P + ΔL ≥ I + ½e = 25.025: (25.025 − 25.0075)/0.005 = 3.5 → 4 steps,
    // ΔL = 0.020 kg; E = 25 + 0.025 − 0.020 − 25 = 0.005 kg, within (0.0075 − 0.005, 0.0075] of the true error.
    const { model } = build('scale', { params: { noise: 0, spanError: 0.0003, spanDriftPerYear: 0 } });
    const checks = payloads(model.next(START + 10 * DAY), 'checks');
    const at25 = checks.filter((c) => c.reference === 25);
    expect(at25.length).toBeGreaterThan(0);
    for (const c of at25) expect(c).toMatchObject({ indicated: 25, deltaL: 0.02, point: '500e', regime: 'inService' });
    for (const c of checks) {
      expect(c.deltaL).toBeGreaterThan(0);
      expect(c.deltaL).toBeLessThanOrEqual(0.05);
      const E = c.indicated + 0.025 - c.deltaL - c.reference;
      const truth = c.reference * 0.0003;
      expect(E).toBeLessThanOrEqual(truth + 1e-9);
      expect(E).toBeGreaterThan(truth - 0.005 - 1e-9);
    }
    // changePoint: false sends the rounded indication alone.
    expect(payloads(build('scale', { params: { changePoint: false } }).model.next(START + 10 * DAY), 'checks')[0]).not.toHaveProperty('deltaL');
  });

  it('a step bias fault moves every later check by the offset', () => {
    const { model } = build('scale', { faults: [{ kind: 'step', afterDays: 20, offset: 0.1 }] });
    const checks = payloads(model.next(START + 60 * DAY), 'checks');
    const before = checks.filter((c) => days(c.ts) < 20).map((c) => c.indicated - c.reference);
    const after = checks.filter((c) => days(c.ts) >= 20).map((c) => c.indicated - c.reference);
    expect(Math.max(...before.map(Math.abs))).toBeLessThanOrEqual(0.05 + 1e-9);
    for (const e of after) expect(e).toBeGreaterThan(0.04);
  });
});

// The gateway refuses a check whose indication is not a value the display shows (docs/metrology.md §4): every
// model's checks lie on the display step of its type's profile (the resolution a fleet device gets by default).
describe('checks are indications as the display shows them', () => {
  const profiles = loadProfiles(new URL('../../devices/', import.meta.url).pathname);
  const types: InstrumentType[] = ['fuel-dispenser', 'gas-detector', 'breath-alcohol-analyser', 'barometer', 'scale', 'profile-projector', 'water-meter'];
  it.each(types)('%s: no check refused on `indicated` over 120 days, with a drift fault', (type) => {
    const { model } = build(type, { faults: [{ kind: 'drift', ratePerDay: 0.0013, afterDays: 10 }] });
    const checks = payloads(model.next(START + 120 * DAY), 'checks');
    expect(checks.length).toBeGreaterThan(20);
    const profile = profiles.get(type)!;
    const device = { id: 'dev-1', tenant: 't1', type, ...(type === 'scale' ? { class: 'III' } : {}) };
    const refused = checks
      .map((c) => evaluateCheck({ profile, device, certificates: [] }, { ...c, ts: Date.parse(c.ts) } as Parameters<typeof evaluateCheck>[1]))
      .flatMap((r) => (r.ok ? [] : r.errors))
      .filter((e) => e.path === 'indicated');
    expect(refused).toEqual([]);
  });
});
