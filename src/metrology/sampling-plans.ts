// Sampling plans for the quantity inspection of a lot of prepackages (OIML R87, EU reference test, Circular
// 21/2014/TT-BKHCN) as data: devices/prepackages/sampling-plans.json, validated here. Plans differ between
// jurisdictions and some figures are unconfirmed, so no plan figure lives in code.
import { z } from 'zod';
import { studentTQuantile } from './drift.ts';
import type { ToleranceTable } from './tolerable-deficiency.ts';

const count = z.number().int().nonnegative();
const positiveCount = z.number().int().positive();

/** Lot sizes a rule covers, inclusive; no max means "and above". */
export const LotSizeRangeSchema = z
  .strictObject({ min: positiveCount, max: positiveCount.optional() })
  .refine((r) => r.max === undefined || r.max >= r.min, { message: 'lotSize.max must be ≥ lotSize.min' });

/**
 * One stage of an attribute plan on T1 errors: after `sampleSize` packages (cumulative), the lot is acceptable
 * for this check with at most `accept` T1 packages, rejected with `reject` or more, and otherwise goes on to the
 * next stage (double sampling).
 */
export const SamplingStageSchema = z
  .strictObject({ sampleSize: positiveCount, accept: count, reject: positiveCount })
  .refine((s) => s.reject > s.accept, { message: 'reject must be > accept' });
export type SamplingStage = z.infer<typeof SamplingStageSchema>;

export const DefectivesCheckSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({ kind: z.literal('sample'), stages: z.array(SamplingStageSchema).min(1) })
    .refine((c) => c.stages.every((s, i) => i === 0 || s.sampleSize > c.stages[i - 1]!.sampleSize), {
      message: 'stage sample sizes are cumulative and must ascend',
    })
    .refine((c) => c.stages[c.stages.length - 1]!.reject === c.stages[c.stages.length - 1]!.accept + 1, {
      message: 'the last stage must decide: reject = accept + 1',
    }),
  /** Every package of the lot is measured; at most maxFractionOfLot × lotSize (rounded down) may be T1. */
  z.strictObject({ kind: z.literal('wholeLot'), maxFractionOfLot: z.number().min(0).max(1) }),
]);

export const MeanCheckSchema = z.discriminatedUnion('kind', [
  /** Mean of the first sampleSize packages ≥ Qn − λ·s; λ omitted means t(0.995, n − 1)/√n. */
  z.strictObject({ kind: z.literal('sample'), sampleSize: positiveCount, lambda: z.number().positive().optional() }),
  /** Mean of every package of the lot ≥ Qn. */
  z.strictObject({ kind: z.literal('wholeLot') }),
]);

export const SamplingRuleSchema = z.strictObject({
  lotSize: LotSizeRangeSchema,
  destructive: z.boolean(),
  defectives: DefectivesCheckSchema,
  mean: MeanCheckSchema,
  /** Clause the figures come from. */
  source: z.string().min(1),
  unconfirmed: z.boolean().default(false),
  note: z.string().optional(),
});
export type SamplingRule = z.infer<typeof SamplingRuleSchema>;

export const SamplingPlanSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'id must be lower-case letters, digits and dashes' }),
    name: z.string().min(1),
    source: z.string().min(1),
    /** True when the plan as a whole could not be confirmed against its source; single rules carry their own flag. */
    unconfirmed: z.boolean(),
    note: z.string().default(''),
    rules: z.array(SamplingRuleSchema).min(1),
  })
  .superRefine((p, ctx) => {
    p.rules.forEach((a, i) => {
      p.rules.slice(i + 1).forEach((b, k) => {
        if (a.destructive === b.destructive && rangesOverlap(a.lotSize, b.lotSize)) {
          ctx.addIssue({ code: 'custom', path: ['rules', i + 1 + k, 'lotSize'], message: `overlaps rule ${i} for the same destructive flag` });
        }
      });
    });
  });
export type SamplingPlan = z.infer<typeof SamplingPlanSchema>;

export const SamplingPlansSchema = z
  .strictObject({
    /** Plan used when a lot names none. */
    defaultPlan: z.string().min(1),
    /** False until the plan of Circular 21/2014/TT-BKHCN (Annex III) is confirmed against the text. */
    vietnamesePlanConfirmed: z.boolean(),
    note: z.string().default(''),
    plans: z.array(SamplingPlanSchema).min(1),
  })
  .superRefine((f, ctx) => {
    const ids = f.plans.map((p) => p.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['plans', i, 'id'], message: `duplicate plan id "${id}"` });
    });
    if (!ids.includes(f.defaultPlan)) {
      ctx.addIssue({ code: 'custom', path: ['defaultPlan'], message: `"${f.defaultPlan}" is not one of the plans (${ids.join(', ')})` });
    }
  });
export type SamplingPlans = z.infer<typeof SamplingPlansSchema>;
/** What planLot and judgeLot judge a lot by: the sampling plans and the table of T (the package's when absent). */
export type LotRules = SamplingPlans & { tolerance?: ToleranceTable };

function rangesOverlap(a: { min: number; max?: number }, b: { min: number; max?: number }): boolean {
  return a.min <= (b.max ?? Infinity) && b.min <= (a.max ?? Infinity);
}

/** Validates a sampling-plans document; throws an Error naming `source` and every failing path. */
export function parseSamplingPlans(json: unknown, source: string): SamplingPlans {
  const result = SamplingPlansSchema.safeParse(json);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.length === 0 ? '(root)' : i.path.map(String).join('.')}: ${i.message}`);
  throw new Error(`Invalid sampling plans ${source}:\n${lines.join('\n')}\nFix the file (format: docs/prepackages.md) and restart.`);
}

/** λ = t(0.995, n − 1)/√n: the factor of s in the average requirement mean ≥ Qn − λ·s (n ≥ 2). */
export function averageRequirementFactor(n: number): number {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`averageRequirementFactor: n must be an integer ≥ 2, got ${n}`);
  return studentTQuantile(0.995, n - 1) / Math.sqrt(n);
}

/** What a rule asks of one lot: the T1 stages and the mean check, with whole-lot rules resolved to numbers. */
export interface SampleRequirement {
  plan: SamplingPlan;
  rule: SamplingRule;
  /** T1 stages (cumulative sample sizes); a whole-lot rule is one stage of lotSize packages. */
  stages: SamplingStage[];
  /** Packages the mean is taken over (the first ones of the sample). */
  meanSampleSize: number;
  /** λ in mean ≥ Qn − λ·s; 0 when the whole lot is measured (mean ≥ Qn). */
  lambda: number;
  /** True when any figure used is flagged unconfirmed in the data. */
  unconfirmed: boolean;
}

export type RuleSelection = { ok: true; requirement: SampleRequirement } | { ok: false; reason: string };

/**
 * The rule of `planId` (default: the file's defaultPlan) that covers a lot of `lotSize` packages tested
 * destructively or not, resolved to sample sizes, acceptance numbers and λ. Refuses, with a sentence saying why,
 * when the plan is unknown or has no rule for that lot.
 */
export function selectSamplingRule(plans: SamplingPlans, lot: { lotSize: number; destructive?: boolean; plan?: string }): RuleSelection {
  const planId = lot.plan ?? plans.defaultPlan;
  const plan = plans.plans.find((p) => p.id === planId);
  if (!plan) return { ok: false, reason: `Sampling plan "${planId}" is not defined; one of ${plans.plans.map((p) => p.id).join(', ')}.` };
  if (!Number.isInteger(lot.lotSize) || lot.lotSize < 1) {
    return { ok: false, reason: `The lot size must be a whole number of packages ≥ 1, got ${lot.lotSize}.` };
  }
  const destructive = lot.destructive ?? false;
  const rule = plan.rules.find((r) => r.destructive === destructive && lot.lotSize >= r.lotSize.min && lot.lotSize <= (r.lotSize.max ?? Infinity));
  if (!rule) {
    const kind = destructive ? 'destructive' : 'non-destructive';
    return { ok: false, reason: `Plan "${plan.name}" has no ${kind} rule for a lot of ${lot.lotSize} packages.` };
  }
  const N = lot.lotSize;
  const stages = rule.defectives.kind === 'wholeLot' ? [wholeLotStage(N, rule.defectives.maxFractionOfLot)] : rule.defectives.stages;
  const meanSampleSize = rule.mean.kind === 'wholeLot' ? N : rule.mean.sampleSize;
  const largest = Math.max(stages[stages.length - 1]!.sampleSize, meanSampleSize);
  if (largest > N) {
    return { ok: false, reason: `Plan "${plan.name}" asks for ${largest} packages but the lot has only ${N}.` };
  }
  const lambda = rule.mean.kind === 'wholeLot' ? 0 : (rule.mean.lambda ?? averageRequirementFactor(rule.mean.sampleSize));
  return { ok: true, requirement: { plan, rule, stages, meanSampleSize, lambda, unconfirmed: plan.unconfirmed || rule.unconfirmed } };
}

function wholeLotStage(lotSize: number, maxFraction: number): SamplingStage {
  // "does not exceed 5 %": the largest whole count ≤ fraction × N (slack for binary fractions such as 0.05 × 100).
  const accept = Math.floor(maxFraction * lotSize + 1e-9);
  return { sampleSize: lotSize, accept, reject: accept + 1 };
}
