import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { averageRequirementFactor, parseSamplingPlans, selectSamplingRule } from './sampling-plans.ts';
import { SAMPLING_PLANS_FILE, loadSamplingPlans } from './sampling-plans-loader.ts';

const file = join(import.meta.dirname, '../../devices', SAMPLING_PLANS_FILE);
const plans = loadSamplingPlans(file);

describe('λ = t(0.995, n − 1)/√n', () => {
  // The reference test prints 0.503 (n = 30), 0.379 (n = 50), 0.640 (n = 20): UK SI 2006/659 Sch. 2 paras 4.5–4.6.
  // t(0.995, 29) = 2.7564 / √30 = 0.5032; t(0.995, 49) = 2.6800 / √50 = 0.3790; t(0.995, 19) = 2.8609 / √20 = 0.6397.
  it.each([
    [20, 0.64],
    [30, 0.503],
    [50, 0.379],
    [80, 0.295],
    [125, 0.234],
  ])('n = %i → %s', (n, lambda) => {
    expect(Number(averageRequirementFactor(n).toFixed(3))).toBe(lambda);
  });

  it('every λ written in the plans file equals the computed one to 3 decimals', () => {
    for (const plan of plans.plans) {
      for (const rule of plan.rules) {
        if (rule.mean.kind === 'sample' && rule.mean.lambda !== undefined) {
          expect(Number(averageRequirementFactor(rule.mean.sampleSize).toFixed(3)), `${plan.id} n=${rule.mean.sampleSize}`).toBe(rule.mean.lambda);
        }
      }
    }
  });
});

describe('plan selection by lot size and destructive flag (data)', () => {
  const pick = (lotSize: number, destructive = false, plan?: string) => {
    const s = selectSamplingRule(plans, { lotSize, destructive, plan });
    if (!s.ok) throw new Error(s.reason);
    const r = s.requirement;
    return { stages: r.stages.map((st) => [st.sampleSize, st.accept, st.reject]), mean: r.meanSampleSize, lambda: r.lambda };
  };

  it('the default is the EU/UK single plan; the file flags the Vietnamese plan as unconfirmed', () => {
    expect(plans.defaultPlan).toBe('eu-reference-single');
    expect(plans.vietnamesePlanConfirmed).toBe(false);
    expect(plans.plans.find((p) => p.id === 'vn-circular-21-2014')!.unconfirmed).toBe(true);
    expect(plans.plans.find((p) => p.id === 'oiml-r87-2016')!.unconfirmed).toBe(true);
  });

  it('UK SI 2006/659 Sch. 2 para 3.5: 100–500 → 50 (3/4), 501–3200 → 80 (5/6), 3201+ → 125 (7/8); mean 30 then 50', () => {
    expect(pick(100)).toEqual({ stages: [[50, 3, 4]], mean: 30, lambda: 0.503 });
    expect(pick(500)).toEqual({ stages: [[50, 3, 4]], mean: 30, lambda: 0.503 });
    expect(pick(501)).toEqual({ stages: [[80, 5, 6]], mean: 50, lambda: 0.379 });
    expect(pick(3200)).toEqual({ stages: [[80, 5, 6]], mean: 50, lambda: 0.379 });
    expect(pick(10000)).toEqual({ stages: [[125, 7, 8]], mean: 50, lambda: 0.379 });
  });

  it('under 100 the whole lot: floor(5 % × N) T1 allowed, mean ≥ Qn', () => {
    expect(pick(99)).toEqual({ stages: [[99, 4, 5]], mean: 99, lambda: 0 });
    expect(pick(20)).toEqual({ stages: [[20, 1, 2]], mean: 20, lambda: 0 });
    expect(pick(10)).toEqual({ stages: [[10, 0, 1]], mean: 10, lambda: 0 });
  });

  it('76/211/EEC double plan for 501–3200: 50 (2/5) then 100 (6/7)', () => {
    expect(pick(1000, false, 'eu-reference-double').stages).toEqual([
      [50, 2, 5],
      [100, 6, 7],
    ]);
  });

  it('destructive testing is not planned for lots under 100', () => {
    const s = selectSamplingRule(plans, { lotSize: 99, destructive: true });
    expect(!s.ok && s.reason).toBe('Plan "EU/UK reference test, single sampling" has no destructive rule for a lot of 99 packages.');
    expect(pick(100, true)).toEqual({ stages: [[20, 1, 2]], mean: 20, lambda: 0.64 });
  });
});

describe('the plans file is validated at load', () => {
  const base = () => JSON.parse(JSON.stringify(plans)) as Record<string, any>;

  it('overlapping rules, an undecided last stage and an unknown default are refused with their paths', () => {
    const bad = base();
    bad.defaultPlan = 'missing';
    bad.plans[0].rules[1].lotSize = { min: 90, max: 500 };
    bad.plans[1].rules[1].defectives.stages[1].reject = 6;
    expect(() => parseSamplingPlans(bad, 'x.json')).toThrow(
      /Invalid sampling plans x\.json:\n(?=[\s\S]*plans\.0\.rules\.1\.lotSize: overlaps rule 0)(?=[\s\S]*plans\.1\.rules\.1\.defectives: the last stage must decide)(?=[\s\S]*defaultPlan: "missing" is not one of the plans)/,
    );
  });

  it('a plan figure in the wrong shape names the field', () => {
    const bad = base();
    bad.plans[0].rules[1].mean.sampleSize = 0;
    expect(() => parseSamplingPlans(bad, 'x.json')).toThrow(/plans\.0\.rules\.1\.mean\.sampleSize/);
  });
});
