import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  judgeLot,
  LotNotJudgeableError,
  lotNoteText,
  packageLimits,
  planLot,
  scaleSuitability,
  tolerableDeficiency,
  validatePackages,
  type LotJudgement,
  type LotMeasurements,
} from './prepackages.ts';
import { SAMPLING_PLANS_FILE, loadSamplingPlans } from './sampling-plans-loader.ts';

const plans = loadSamplingPlans(join(import.meta.dirname, '../../devices', SAMPLING_PLANS_FILE));

/** n packages alternating a, b, a, b … */
const alternate = (n: number, a: number, b: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));
const lot = (decl: Omit<LotMeasurements, 'packages'>, nets: number[]): LotMeasurements => ({ ...decl, packages: nets.map((net) => ({ net })) });

describe('tolerable deficiency T (R87 Table 1, rounded up to 0.1 g / 0.1 mL)', () => {
  const cases: [nominal: number, unit: string, T: number, why: string][] = [
    [5, 'g', 0.5, '9 % × 5 = 0.45 → 0.5 g'],
    [7, 'g', 0.7, '9 % × 7 = 0.63 → 0.7 g'],
    [50, 'g', 4.5, '9 % × 50 = 4.5 = the 4.5 g of the next band'],
    [75, 'g', 4.5, '4.5 g'],
    [150, 'g', 6.8, '4.5 % × 150 = 6.75 → 6.8 g'],
    [200, 'g', 9, '4.5 % × 200 = 9 = the 9 g of the next band'],
    [250, 'mL', 9, '9 mL, volume like mass'],
    [400, 'g', 12, '3 % × 400 = 12 g'],
    [750, 'g', 15, '15 g'],
    [1, 'kg', 0.015, '1000 g: 15 g = 1.5 % × 1000, as kg'],
    [1.234, 'kg', 0.0186, '1.5 % × 1234 g = 18.51 → 18.6 g = 0.0186 kg'],
    [12, 'kg', 0.15, '150 g'],
    [20, 'L', 0.2, '1 % × 20000 mL = 200 mL'],
    [50, 'kg', 0.5, '1 % × 50000 g = 500 g, the top of the table'],
  ];
  it.each(cases)('Qn = %s %s → T = %s (%s)', (nominal, unit, T) => {
    const t = tolerableDeficiency(nominal, unit);
    expect(t.ok && t.value).toBe(T);
  });

  it('refuses Qn outside 5 g … 50 kg, non-positive Qn and other units, with a reason', () => {
    for (const [n, u] of [
      [4.9, 'g'],
      [50.1, 'kg'],
      [0, 'g'],
      [-1, 'kg'],
      [4, 'mL'],
    ] as const) {
      const t = tolerableDeficiency(n, u);
      expect(t.ok).toBe(false);
      expect(!t.ok && t.reason).toMatch(n > 0 ? /outside the table/ : /must be a number > 0/);
    }
    const oz = tolerableDeficiency(16, 'oz');
    expect(!oz.ok && oz.reason).toMatch(/"oz" is not one of g, kg, mL, L/);
  });

  it('T is the table value rounded up: a multiple of 0.1 g, never below it, less than 0.1 g above it', () => {
    fc.assert(
      fc.property(fc.double({ min: 5, max: 50000, noNaN: true }), (qn) => {
        const t = tolerableDeficiency(qn, 'g');
        if (!t.ok) return false;
        const band = [
          [50, 0.09 * qn],
          [100, 4.5],
          [200, 0.045 * qn],
          [300, 9],
          [500, 0.03 * qn],
          [1000, 15],
          [10000, 0.015 * qn],
          [15000, 150],
          [50000, 0.01 * qn],
        ].find(([to]) => qn <= to!)!;
        const raw = band[1]!;
        return t.base >= raw - 1e-9 && t.base < raw + 0.1 && Math.abs(t.base * 10 - Math.round(t.base * 10)) < 1e-9;
      }),
    );
  });
});

describe('judgeLot, EU/UK reference test, single sampling (the default plan)', () => {
  // Qn = 500 g → T = 15 g (500–1000 g band); lot of 300 → T1 check on 50 (at most 3), mean of the first 30 ≥ Qn − 0.503 s.
  const decl = { nominal: 500, unit: 'g', lotSize: 300 };
  // First 30 alternate 502 / 498: mean 500, s = √(30 × 2² / 29) = 2.0342 g, limit 500 − 0.503 × 2.0342 = 498.977 g.
  const clean = [...alternate(30, 502, 498), ...Array(20).fill(501)];

  it('a clean lot passes, with T, the sample sizes and the average limit named', () => {
    const j = judgeLot(lot(decl, clean), plans);
    expect(j.verdict).toBe('pass');
    expect(j).toMatchObject({ plan: 'eu-reference-single', sampleSize: 50, measured: 50, tolerableDeficiency: 15, t1: 0, t2: 0, allowedT1: 3 });
    expect(j.mean).toBeCloseTo(500, 9);
    expect(j.stdDev).toBeCloseTo(2.0342, 4);
    expect(j.averageLimit).toBeCloseTo(498.977, 3);
    expect(j.reasons[0]).toBe('T = 15 g for Qn = 500 g: 3 % of Qn for Qn 300–500 g, OIML R87 Table 1.');
    expect(j.reasons[1]).toMatch(
      /^Plan "EU\/UK reference test, single sampling": T1 check on 50 packages \(at most 3\); mean of the first 30 ≥ Qn − 0.503·s\. Source: UK SI 2006\/659/,
    );
    expect(j.reasons).toContain('Mean of 30 packages 500 g meets Qn − λ·s = 500 g − 0.503 × 2.03 g = 498.98 g.');
    expect(j.reasons.at(-2)).toBe('The lot passes.');
    // a sampled lot under the default plan: the Vietnamese plan is unconfirmed (sampling-plans.json), so the verdict says whose it is
    expect(j.reasons.at(-1)).toBe(
      'This verdict is under plan "EU/UK reference test, single sampling", not under Circular 21/2014/TT-BKHCN: for a lot not measured whole the Circular takes the sample size n and the factor k of mean ≥ Qn − k·s from its Annex III, unconfirmed in the sampling plans, so under the Circular the sample and the verdict may differ.',
    );
  });

  it('one package short by more than 2T (469 g: 31 g > 30 g) fails the lot', () => {
    const nets = [...clean];
    nets[9] = 469;
    const j = judgeLot(lot(decl, nets), plans);
    expect(j.verdict).toBe('fail');
    expect(j).toMatchObject({ t1: 1, t2: 1, t1Packages: [9], t2Packages: [9] });
    expect(j.reasons).toContain('1 package short by more than 2T = 30 g (T2): package 10 in the order received; no T2 package is allowed.');
  });

  it('3 T1 packages (480 g: 20 g short) pass, 4 fail', () => {
    const three = [...clean];
    three.splice(30, 3, 480, 480, 480); // beyond the mean sample, so the mean is still 500 g
    expect(judgeLot(lot(decl, three), plans)).toMatchObject({ verdict: 'pass', t1: 3, t2: 0, t1Packages: [30, 31, 32] });
    const four = [...clean];
    four.splice(30, 4, 480, 480, 480, 480);
    const j = judgeLot(lot(decl, four), plans);
    expect(j).toMatchObject({ verdict: 'fail', t1: 4, allowedT1: 3 });
    expect(j.reasons).toContain('4 packages short by more than T (T1) among the first 50; the plan allows at most 3 and rejects at 4.');
  });

  it('a mean below Qn − λ·s fails the lot though no package is short by T', () => {
    // First 30 alternate 498 / 496: mean 497 g, s = √(30 × 1² / 29) = 1.0171 g, limit 500 − 0.503 × 1.0171 = 499.488 g > 497.
    const nets = [...alternate(30, 498, 496), ...Array(20).fill(500)];
    const j = judgeLot(lot(decl, nets), plans);
    expect(j).toMatchObject({ verdict: 'fail', t1: 0, t2: 0 });
    expect(j.averageLimit).toBeCloseTo(499.488, 3);
    expect(j.reasons).toContain('Mean of 30 packages 497 g is below Qn − λ·s = 500 g − 0.503 × 1.02 g = 499.49 g.');
  });

  it('stays pending until the 50th package, naming how many are in', () => {
    const j = judgeLot(lot(decl, clean.slice(0, 10)), plans);
    expect(j).toMatchObject({ verdict: 'pending', measured: 10, sampleSize: 50, averageLimit: null });
    expect(j.mean).toBeCloseTo(500, 9); // the first 10, for a look while the sample fills
    expect(j.reasons).toContain('10 of 50 packages measured; the lot is judged once 50 are in.');
  });

  it('a T2 found early is named while pending: the lot cannot pass', () => {
    const j = judgeLot(lot(decl, [502, 460]), plans);
    expect(j.verdict).toBe('pending');
    expect(j.reasons).toContain('On what is measured so far the lot cannot pass.');
  });

  it('packages beyond the sample are not used, and the reasons say so', () => {
    const j = judgeLot(lot(decl, [...clean, 400, 400]), plans);
    expect(j).toMatchObject({ verdict: 'pass', measured: 52, t1: 0 });
    expect(j.reasons).toContain('2 packages beyond the sample of 50 not used.');
  });
});

describe('judgeLot, other lots', () => {
  it('a lot under 100 is measured whole: at most 5 % T1 and mean ≥ Qn', () => {
    // Qn = 1 kg → T = 0.015 kg; lot of 40 → all 40, at most floor(0.05 × 40) = 2 T1.
    // 38 × 1.002 + 2 × 0.980 = 38.076 + 1.960 = 40.036 kg → mean 1.0009 kg ≥ 1 kg; the 0.980 ones are 20 g short: T1, not T2.
    const decl = { nominal: 1, unit: 'kg', lotSize: 40 };
    const nets = [...Array(38).fill(1.002), 0.98, 0.98];
    const j = judgeLot(lot(decl, nets), plans);
    expect(j).toMatchObject({ verdict: 'pass', sampleSize: 40, t1: 2, allowedT1: 2, averageLimit: 1 });
    expect(j.mean).toBeCloseTo(1.0009, 9);
    expect(j.reasons).toContain('Mean of 40 packages 1.0009 kg meets Qn = 1 kg.');
    // The Vietnamese rule (Circular 21/2014, as summarised; not MAG's default while unconfirmed) allows
    // floor(0.025 × 40) = 1 such package: the verdict says an inspector applying it would not pass the lot.
    expect(j.reasons).toContain(
      'Under Vietnam, Circular 21/2014/TT-BKHCN (unconfirmed), at most 1 package of this lot (2.5 %) may be short by more than T; 2 are: an inspector applying it would find the lot non-conforming.',
    );
    // one short package: both rules pass it, nothing said
    expect(judgeLot(lot(decl, [...Array(39).fill(1.002), 0.98]), plans).reasons.join(' ')).not.toMatch(/Circular 21/);
    expect(judgeLot(lot(decl, nets.slice(0, 39)), plans).verdict).toBe('pending');
    // Every package 1 g short: no T1, but the mean 0.999 kg is below Qn.
    expect(judgeLot(lot(decl, Array(40).fill(0.999)), plans)).toMatchObject({ verdict: 'fail', t1: 0 });
  });

  it('says a failing mean with the decimals that show it below its limit', () => {
    // Qn = 500 g, lot of 40 measured whole: limit Qn. 39 × 500 + 499.84 = 19,999.84 g → mean 499.996 g, 0.004 g
    // short: to 0.01 g both read "500 g"; one decimal more tells them apart.
    const j = judgeLot(lot({ nominal: 500, unit: 'g', lotSize: 40 }, [...Array(39).fill(500), 499.84]), plans);
    expect(j.verdict).toBe('fail');
    expect(j.reasons).toContain('Mean of 40 packages 499.996 g is below Qn = 500 g.');
  });

  it('gross weighing: net = gross − average tare (R87 Annex B)', () => {
    // Qn = 250 g → T = 9 g; lot 120 → 50 packages, mean of the first 30. Average tare 12.4 g.
    // Gross 264.4 / 260.4 → net 252.0 / 248.0: mean 250 g, s = 2.0342 g; gross 252.0 → net 239.6 g, 10.4 g short: one T1.
    const gross = [...alternate(30, 264.4, 260.4), ...Array(19).fill(262.4), 252.0];
    const j = judgeLot({ nominal: 250, unit: 'g', lotSize: 120, averageTare: 12.4, packages: gross.map((g) => ({ gross: g })) }, plans);
    expect(j).toMatchObject({ verdict: 'pass', tolerableDeficiency: 9, t1: 1, t1Packages: [49] });
    expect(j.mean).toBeCloseTo(250, 9);
    expect(j.averageLimit).toBeCloseTo(250 - 0.503 * 2.0342, 3);
  });

  it('a volume lot weighed in grams: volume = mass / density', () => {
    // Qn = 1 L of oil, density 0.92 g/mL → T = 15 mL = 0.015 L; lot 1000 → T1 check on 80, mean of the first 50 (λ 0.379).
    // 924.6 g / 0.92 = 1005 mL, 915.4 g → 995 mL: mean 1 L, s = √(50 × 0.005² / 49) = 0.0050508 L, limit 1 − 0.379 × 0.0050508 = 0.998086 L.
    // 892.4 g → 970 mL: 30 mL short = exactly 2T, so a T1 but not a T2 (T2 is "more than 2T").
    const grams = [...alternate(50, 924.6, 915.4), ...Array(29).fill(920), 892.4];
    const j = judgeLot({ nominal: 1, unit: 'L', lotSize: 1000, measuredUnit: 'g', density: 0.92, packages: grams.map((net) => ({ net })) }, plans);
    expect(j).toMatchObject({ verdict: 'pass', sampleSize: 80, tolerableDeficiency: 0.015, t1: 1, t2: 0, t1Packages: [79], allowedT1: 5 });
    expect(j.mean).toBeCloseTo(1, 9);
    expect(j.averageLimit).toBeCloseTo(0.998086, 6);
  });

  it('double sampling (76/211/EEC): 2 T1 in the first 30 ask for 30 more; 4 in 60 pass, 5 fail', () => {
    // Qn = 500 g, T = 15 g, lot 300: first sample 30 (accept 1, reject 3), then 60 in all (accept 4, reject 5).
    const decl = { nominal: 500, unit: 'g', lotSize: 300, plan: 'eu-reference-double' };
    const first = [...alternate(28, 502, 498), 480, 480];
    const atThirty = judgeLot(lot(decl, first), plans);
    expect(atThirty).toMatchObject({ verdict: 'pending', sampleSize: 60, t1: 2 });
    expect(atThirty.reasons).toContain(
      '2 packages short by more than T (T1) among the first 30: more than 1, fewer than 3, so the sample grows to 60 packages.',
    );
    expect(judgeLot(lot(decl, [...first, ...Array(28).fill(500), 480, 480]), plans)).toMatchObject({ verdict: 'pass', t1: 4, allowedT1: 4 });
    expect(judgeLot(lot(decl, [...first, ...Array(27).fill(500), 480, 480, 480]), plans)).toMatchObject({ verdict: 'fail', t1: 5 });
    // 3 T1 in the first 30 reject at once, without a second sample.
    expect(judgeLot(lot(decl, [...alternate(27, 502, 498), 480, 480, 480]), plans)).toMatchObject({ verdict: 'fail', sampleSize: 30 });
  });

  it('a plan flagged unconfirmed says so in the judgement', () => {
    const j = judgeLot(lot({ nominal: 1, unit: 'L', lotSize: 50, plan: 'vn-circular-21-2014' }, [1.01, 0.99]), plans);
    expect(j).toMatchObject({ planUnconfirmed: true, verdict: 'pending', sampleSize: 50, allowedT1: 1 }); // floor(2.5 % × 50) = 1
    expect(j.reasons[2]).toMatch(/^Some figures of this plan are unconfirmed: The lot sizes for which Annex III asks n = N/);
  });

  it('destructive testing: 20 packages, at most 1 T1, mean ≥ Qn − 0.640 s', () => {
    const p = planLot({ nominal: 500, unit: 'g', lotSize: 200, destructive: true }, plans);
    expect(p.ok && [p.sampleSize, p.requirement.lambda, p.requirement.stages[0]!.accept]).toEqual([20, 0.64, 1]);
  });
});

describe('notes: the reasons as data, one per reason', () => {
  // The lots of the tests above; every figure below is worked out there.
  const decl = { nominal: 500, unit: 'g', lotSize: 300 };
  const clean = [...alternate(30, 502, 498), ...Array(20).fill(501)];
  const euSingle = {
    plan: 'EU/UK reference test, single sampling',
    planId: 'eu-reference-single',
    stages: 1,
    sample1: 50,
    accept1: 3,
    reject1: 4,
    meanSample: 30,
    lambda: 0.503,
    source: expect.stringMatching(/^UK SI 2006\/659 Sch\. 2 paras 3\.3–3\.5/),
  };
  /** After the verdict of a sampled lot judged under an EU plan: not the Circular's (the Vietnamese plan is unconfirmed). */
  const euVerdict = {
    key: 'circular21Sampled',
    values: { plan: 'EU/UK reference test, single sampling', planId: 'eu-reference-single', vnPlanId: 'vn-circular-21-2014' },
  };
  const tFor500g = { key: 'tolerableDeficiencyPercent', values: { T: 15, Qn: 500, unit: 'g', amount: 3, from: 300, to: 500, baseUnit: 'g' } };
  /** Same count, same order: each reason is its note's English sentence; values are only strings and numbers. */
  const consistent = (j: LotJudgement) => {
    expect(j.notes.length).toBe(j.reasons.length);
    expect(j.notes.map(lotNoteText)).toEqual(j.reasons);
    for (const n of j.notes) for (const v of Object.values(n.values)) expect(['string', 'number']).toContain(typeof v);
    return j;
  };
  const keys = (j: LotJudgement) => j.notes.map((n) => n.key);

  it('a passing lot: T and its band, the plan, T1 within the plan, the mean against Qn − λ·s, the verdict', () => {
    const j = consistent(judgeLot(lot(decl, clean), plans));
    expect(j.notes).toEqual([
      tFor500g,
      { key: 'plan', values: euSingle },
      { key: 't1Accepted', values: { n: 0, sampleSize: 50, accept: 3 } },
      // mean 500 g, s = 2.0342 g → 2.03, limit 500 − 0.503 × 2.0342 = 498.977 → 498.98, as the sentence writes them
      { key: 'meanMeetsLimit', values: { n: 30, mean: 500, Qn: 500, unit: 'g', lambda: 0.503, s: 2.03, limit: 498.98 } },
      { key: 'lotPasses', values: {} },
      euVerdict,
    ]);
  });

  it('a T2 failure names the count, 2T and the positions counted from 1', () => {
    const nets = [...clean];
    nets[9] = 469; // 31 g short > 2T = 30 g
    const j = consistent(judgeLot(lot(decl, nets), plans));
    expect(keys(j)).toEqual(['tolerableDeficiencyPercent', 'plan', 't2Packages', 't1Accepted', 'meanMeetsLimit', 'lotFails', 'circular21Sampled']);
    expect(j.notes[2]).toEqual({ key: 't2Packages', values: { n: 1, twoT: 30, unit: 'g', positions: '10' } });
    expect(j.notes[3]).toEqual({ key: 't1Accepted', values: { n: 1, sampleSize: 50, accept: 3 } });
  });

  it('a T1 failure: 4 T1 among the first 50, 3 allowed, rejected at 4; 2 packages beyond the sample', () => {
    const four = [...clean];
    four.splice(30, 4, 480, 480, 480, 480);
    const j = consistent(judgeLot(lot(decl, [...four, 400, 400]), plans));
    expect(keys(j)).toEqual(['tolerableDeficiencyPercent', 'plan', 't1Rejected', 'meanMeetsLimit', 'packagesUnused', 'lotFails', 'circular21Sampled']);
    expect(j.notes[2]).toEqual({ key: 't1Rejected', values: { n: 4, sampleSize: 50, accept: 3, reject: 4 } });
    expect(j.notes[4]).toEqual({ key: 'packagesUnused', values: { n: 2, sampleSize: 50 } });
  });

  it('a failing mean: below Qn − λ·s, and below Qn with the decimal that tells them apart', () => {
    // mean 497 g, s = 1.0171 g → 1.02, limit 499.488 → 499.49
    const j = consistent(judgeLot(lot(decl, [...alternate(30, 498, 496), ...Array(20).fill(500)]), plans));
    expect(j.notes.slice(-3)).toEqual([
      { key: 'meanBelowLimit', values: { n: 30, mean: 497, Qn: 500, unit: 'g', lambda: 0.503, s: 1.02, limit: 499.49 } },
      { key: 'lotFails', values: {} },
      euVerdict,
    ]);
    // 40 measured whole, mean 499.996 g: to 0.01 g it reads 500 g, so one decimal more
    const whole = consistent(judgeLot(lot({ nominal: 500, unit: 'g', lotSize: 40 }, [...Array(39).fill(500), 499.84]), plans));
    expect(whole.notes.at(-2)).toEqual({ key: 'meanBelowNominal', values: { n: 40, mean: 499.996, Qn: 500, unit: 'g' } });
  });

  it('an incomplete sample: how many are in, and whether the lot can still pass', () => {
    const ten = consistent(judgeLot(lot(decl, clean.slice(0, 10)), plans));
    expect(ten.notes).toEqual([tFor500g, { key: 'plan', values: euSingle }, { key: 'sampleIncomplete', values: { measured: 10, sampleSize: 50 } }]);
    // 460 g: 40 g short, a T2 at position 2
    const t2 = consistent(judgeLot(lot(decl, [502, 460]), plans));
    expect(t2.notes.slice(2)).toEqual([
      { key: 't2Packages', values: { n: 1, twoT: 30, unit: 'g', positions: '2' } },
      { key: 'sampleIncomplete', values: { measured: 2, sampleSize: 50 } },
      { key: 'cannotPass', values: {} },
    ]);
    // 4 T1 (480 g, 20 g short) among the first 4: the plan rejects at 4 in 50 already
    const early = consistent(judgeLot(lot(decl, [480, 480, 480, 480]), plans));
    expect(early.notes.slice(2)).toEqual([
      { key: 't1RejectedEarly', values: { n: 4, measured: 4, reject: 4, sampleSize: 50 } },
      { key: 'sampleIncomplete', values: { measured: 4, sampleSize: 50 } },
      { key: 'cannotPass', values: {} },
    ]);
  });

  it('the Circular 21 cross-check of a lot measured whole, with T of an absolute band in kg', () => {
    // Qn = 1 kg = 1000 g: 15 g (band 500–1000 g) = 0.015 kg; 40 measured whole, 2 T1 allowed by the EU 5 %, 1 by the 2.5 %.
    const j = consistent(judgeLot(lot({ nominal: 1, unit: 'kg', lotSize: 40 }, [...Array(38).fill(1.002), 0.98, 0.98]), plans));
    expect(j.notes).toEqual([
      { key: 'tolerableDeficiencyAbsolute', values: { T: 0.015, Qn: 1, unit: 'kg', amount: 15, from: 500, to: 1000, baseUnit: 'g' } },
      {
        key: 'plan',
        values: {
          ...euSingle,
          sample1: 40,
          accept1: 2,
          reject1: 3,
          meanSample: 40,
          lambda: 0,
          source: expect.stringMatching(/^UK SI 2006\/659 Sch\. 2 paras 2\.8/),
        },
      },
      { key: 't1Accepted', values: { n: 2, sampleSize: 40, accept: 2 } },
      { key: 'meanMeetsNominal', values: { n: 40, mean: 1.0009, Qn: 1, unit: 'kg' } },
      { key: 'lotPasses', values: {} },
      {
        key: 'circular21WholeLot',
        values: { plan: 'Vietnam, Circular 21/2014/TT-BKHCN (unconfirmed)', planId: 'vn-circular-21-2014', accept: 1, percent: 2.5, t1: 2 },
      },
    ]);
  });

  it('an unconfirmed plan, and a double plan whose second sample is asked for', () => {
    const vn = consistent(judgeLot(lot({ nominal: 1, unit: 'L', lotSize: 50, plan: 'vn-circular-21-2014' }, [1.01, 0.99]), plans));
    expect(vn.notes[1]).toMatchObject({ key: 'plan', values: { planId: 'vn-circular-21-2014', stages: 1, sample1: 50, accept1: 1, reject1: 2, lambda: 0 } });
    expect(vn.notes[2]).toEqual({ key: 'planUnconfirmed', values: { note: expect.stringMatching(/^The lot sizes for which Annex III asks n = N/) } });
    const double = { nominal: 500, unit: 'g', lotSize: 300, plan: 'eu-reference-double' };
    const j = consistent(judgeLot(lot(double, [...alternate(28, 502, 498), 480, 480]), plans));
    expect(j.notes[1]).toMatchObject({ values: { stages: 2, sample1: 30, accept1: 1, reject1: 3, sample2: 60, accept2: 4, reject2: 5, meanSample: 30 } });
    expect(j.reasons[1]).toMatch(/: T1 check on 30 packages \(at most 1, rejected at 3\), then T1 check on 60 packages \(at most 4\); mean of the first 30/);
    expect(j.notes[2]).toEqual({ key: 't1SecondSample', values: { n: 2, sampleSize: 30, accept: 1, reject: 3, next: 60 } });
  });
});

describe('the note on a sampled lot judged under another plan than the unconfirmed Vietnamese one', () => {
  // Qn = 500 g, lot 300: the default EU/UK plan takes a T1 sample of 50 and the mean of the first 30 (λ = 0.503); the
  // Vietnamese rows of the plans file (R87 Table 2 figures, unconfirmed) would take 50 (λ = 0.379). Not restated.
  const decl = { nominal: 500, unit: 'g', lotSize: 300 };
  const clean = [...alternate(30, 502, 498), ...Array(20).fill(501)];
  const last = (j: LotJudgement) => j.notes.at(-1);

  it('follows the verdict of a sampled lot, pass or fail, naming the plan applied and no figure of the Circular', () => {
    expect(last(judgeLot(lot(decl, clean), plans))).toEqual({
      key: 'circular21Sampled',
      values: { plan: 'EU/UK reference test, single sampling', planId: 'eu-reference-single', vnPlanId: 'vn-circular-21-2014' },
    });
    const failed = judgeLot(lot(decl, [...alternate(30, 498, 496), ...Array(20).fill(500)]), plans);
    expect(failed.notes.slice(-2).map((n) => n.key)).toEqual(['lotFails', 'circular21Sampled']);
    // the double plan, and the destructive rule (20 packages of a lot of 300): sampled too
    const double = judgeLot(lot({ ...decl, plan: 'eu-reference-double' }, clean.slice(0, 30)), plans);
    expect(double.verdict).toBe('pass'); // 0 T1 in the first 30 accept at once
    expect(last(double)).toMatchObject({ key: 'circular21Sampled', values: { planId: 'eu-reference-double' } });
    expect(last(judgeLot(lot({ ...decl, destructive: true }, clean.slice(0, 20)), plans))?.key).toBe('circular21Sampled');
    expect(lotNoteText(last(failed)!)).toMatch(/^This verdict is under plan "EU\/UK reference test, single sampling", not under Circular 21\/2014\/TT-BKHCN:/);
  });

  it('has its sentence in the console: the English one the same as the reason, a Vietnamese one', async () => {
    const note = judgeLot(lot(decl, clean), plans).notes.at(-1)!;
    // browser code without types, so imported by URL (as src/console/vocabulary.test.ts does)
    const dict = async (lang: string): Promise<Record<string, string>> => (await import(new URL(`../console/i18n-${lang}.js`, import.meta.url).href))[lang];
    const [en, vi] = await Promise.all([dict('en'), dict('vi')]);
    const fill = (template: string) => template.replace('{plan}', String((note.values as { plan: string }).plan));
    expect(fill(en['lotNote.circular21Sampled']!)).toBe(lotNoteText(note));
    expect(vi['lotNote.circular21Sampled']).toMatch(/^Kết luận này theo phương án lấy mẫu "\{plan\}", không theo Thông tư 21\/2014\/TT-BKHCN:/);
  });

  it('is not said before the verdict, for a lot measured whole, under the Vietnamese plan, or once that plan is confirmed', () => {
    expect(judgeLot(lot(decl, clean.slice(0, 49)), plans).notes.map((n) => n.key)).not.toContain('circular21Sampled');
    // 40 packages, all measured: the circular21WholeLot check speaks of those
    const whole = judgeLot(lot({ nominal: 500, unit: 'g', lotSize: 40 }, Array(40).fill(501)), plans);
    expect(whole.verdict).toBe('pass');
    expect(whole.notes.map((n) => n.key)).not.toContain('circular21Sampled');
    // under the Vietnamese plan (n = 50 of 300, λ = 0.379): its planUnconfirmed note says it
    const vn = judgeLot(lot({ ...decl, plan: 'vn-circular-21-2014' }, clean), plans);
    expect(vn.verdict).toBe('pass');
    expect(vn.notes.map((n) => n.key)).toContain('planUnconfirmed');
    expect(vn.notes.map((n) => n.key)).not.toContain('circular21Sampled');
    const confirmed = { ...plans, vietnamesePlanConfirmed: true };
    expect(judgeLot(lot(decl, clean), confirmed).notes.at(-1)).toEqual({ key: 'lotPasses', values: {} });
  });
});

describe('a lot of more than 10 000 packages (76/211/EEC Annex II 2.1.2)', () => {
  const big = (lotSize: number, nets: number[] = []) => judgeLot(lot({ nominal: 500, unit: 'g', lotSize }, nets), plans);
  const sentence =
    "The lot has 12000 packages: more than 10000 is in order only for a lot checked at the end of the packing line, whose size is the line's maximum hourly output; checked elsewhere, a lot has at most 10000 packages (Directive 76/211/EEC Annex II 2.1.2), so declare smaller lots.";

  it('is accepted and judged, and its reasons say the rule after the plan, pending or judged', () => {
    const planned = planLot({ nominal: 500, unit: 'g', lotSize: 12000 }, plans);
    expect(planned.ok && planned.sampleSize).toBe(125); // 3201 and more: 125 (7/8)
    const pending = big(12000);
    expect(pending.notes.map((n) => n.key)).toEqual(['tolerableDeficiencyPercent', 'plan', 'lotAboveOffLineMax', 'sampleIncomplete']);
    expect(pending.notes[2]).toEqual({ key: 'lotAboveOffLineMax', values: { lotSize: 12000, max: 10000 } });
    expect(pending.reasons[2]).toBe(sentence);
    const judged = big(12000, Array(125).fill(501));
    expect(judged.verdict).toBe('pass');
    expect(judged.notes.map((n) => n.key)).toEqual([
      'tolerableDeficiencyPercent',
      'plan',
      'lotAboveOffLineMax',
      't1Accepted',
      'meanMeetsLimit',
      'lotPasses',
      'circular21Sampled',
    ]);
  });

  it('is said above 10 000 only', () => {
    expect(big(10000).notes.map((n) => n.key)).not.toContain('lotAboveOffLineMax');
    expect(big(10001).notes.map((n) => n.key)).toContain('lotAboveOffLineMax');
  });

  it('has its sentence in the console: the English one the same as the reason, a Vietnamese one', async () => {
    const dict = async (lang: string): Promise<Record<string, string>> => (await import(new URL(`../console/i18n-${lang}.js`, import.meta.url).href))[lang];
    const [en, vi] = await Promise.all([dict('en'), dict('vi')]);
    const fill = (template: string) => template.replace('{lotSize}', '12000').replaceAll('{max}', '10000');
    expect(fill(en['lotNote.lotAboveOffLineMax']!)).toBe(sentence);
    expect(fill(vi['lotNote.lotAboveOffLineMax']!)).toMatch(
      /^Lô hàng có 12000 đơn vị hàng: .* tối đa 10000 đơn vị hàng \(Chỉ thị 76\/211\/EEC, Phụ lục II, mục 2\.1\.2\)/,
    );
  });
});

describe('magnitudes: the average tare under 10 × Qn, a package at most 10 × Qn (+ the tare)', () => {
  const rice = { nominal: 500, unit: 'g', lotSize: 300 };

  it('refuses an average tare of 10 × Qn or more, in the measured unit', () => {
    // Qn 500 g: 10 × 500 = 5000 g; 4999.9 g is taken, 5000 g and the audit's 1e9 g are not.
    expect(planLot({ ...rice, averageTare: 4999.9 }, plans).ok).toBe(true);
    for (const averageTare of [5000, 1e9]) {
      const p = planLot({ ...rice, averageTare }, plans);
      expect(!p.ok && p.reasons).toEqual([
        `The average tare ${averageTare} g must be less than 10 × Qn = 10 × 500 g = 5000 g: packaging that outweighs its contents ten times over is a unit slip (g for kg) or a typo, not a tare to subtract; if it is real, weigh the packages net.`,
      ]);
    }
    // weighed in kg: Qn = 0.5 kg, so the tare must stay below 5 kg; 12.4 (grams typed as kg) is refused
    expect(planLot({ ...rice, measuredUnit: 'kg', averageTare: 0.0124 }, plans).ok).toBe(true);
    const slip = planLot({ ...rice, measuredUnit: 'kg', averageTare: 12.4 }, plans);
    expect(!slip.ok && slip.reasons[0]).toMatch(/^The average tare 12.4 kg must be less than 10 × Qn = 10 × 0.5 kg = 5 kg:/);
  });

  it('gives the limits in the measured unit: a volume lot weighed in grams converts Qn with its density', () => {
    expect(packageLimits({ ...rice, averageTare: 12.4 })).toEqual({ unit: 'g', nominal: 500, net: 5000, gross: 5012.4, averageTare: 12.4 });
    // 1 L of milk at 1.03 g/mL = 1030 g: net at most 10 300 g; no tare, no gross limit
    expect(packageLimits({ nominal: 1, unit: 'L', lotSize: 200, measuredUnit: 'g', density: 1.03 })).toEqual({ unit: 'g', nominal: 1030, net: 10300 });
  });

  it('refuses a package beyond them, by name, and judgeLot will not judge a lot holding one', () => {
    const decl = { ...rice, averageTare: 12.4 };
    expect(validatePackages(decl, [{ net: 5000 }, { gross: 5012.4 }])).toEqual([]);
    expect(validatePackages(decl, [{ net: 500 }, { net: 1e308 }, { gross: 5012.5 }])).toEqual([
      'Package 2: its net 1e+308 g must be at most 5000 g (10 × Qn = 10 × 500 g): a package of ten times its nominal quantity is not one of this lot (a unit slip such as kg for g, or a typo).',
      'Package 3: its gross 5012.5 g must be at most 5012.4 g (10 × Qn + the average tare = 10 × 500 g + 12.4 g): a package of ten times its nominal quantity is not one of this lot (a unit slip such as kg for g, or a typo).',
    ]);
    expect(() => judgeLot({ ...decl, packages: [{ net: 500 }, { net: 1e308 }] }, plans)).toThrow(LotNotJudgeableError);
  });
});

describe('planLot refuses what cannot be judged', () => {
  it('names every problem', () => {
    const p = planLot({ nominal: 60, unit: 'kg', lotSize: 50, destructive: true }, plans);
    expect(p.ok).toBe(false);
    expect(!p.ok && p.reasons).toEqual([
      'Qn = 60 kg is outside the table of tolerable deficiencies (5 g to 50 kg, OIML R87 Table 1).',
      'Plan "EU/UK reference test, single sampling" has no destructive rule for a lot of 50 packages.',
    ]);
  });

  it('a volume lot weighed without a density, and an unknown plan', () => {
    const p = planLot({ nominal: 1, unit: 'L', lotSize: 200, measuredUnit: 'kg', plan: 'nope' }, plans);
    expect(!p.ok && p.reasons).toEqual([
      'Sampling plan "nope" is not defined; one of eu-reference-single, eu-reference-double, oiml-r87-2016, vn-circular-21-2014.',
      "Packages measured in kg for a lot declared in L need the product's density (g/mL).",
    ]);
  });

  it('judgeLot throws on a gross weighing without an average tare', () => {
    expect(() => judgeLot({ nominal: 500, unit: 'g', lotSize: 300, packages: [{ gross: 520 }] }, plans)).toThrow(/needs an average tare/);
  });
});

describe('scale suitability: MPE at the load ≤ T/5', () => {
  it('Qn = 100 g (T = 4.5 g, limit 0.9 g): class III e = 1 g (MPE 0.5 g) suits, e = 2 g (MPE 1 g) is too coarse', () => {
    expect(scaleSuitability(0.5, 4.5)).toMatchObject({ suitable: true, limit: 0.9 });
    const coarse = scaleSuitability(1, 4.5);
    expect(coarse.suitable).toBe(false);
    expect(coarse.reason).toBe("The instrument's MPE 1 exceeds T/5 = 0.9 (T = 4.5): too coarse; use an instrument with an MPE of at most 0.9 at this load.");
  });

  it('exactly T/5 is suitable', () => {
    expect(scaleSuitability(0.1, 0.5).suitable).toBe(true);
  });
});
