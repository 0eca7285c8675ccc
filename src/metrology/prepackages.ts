// Quantity of product in prepackages (OIML R87; EU reference test, Directive 76/211/EEC; Circular
// 21/2014/TT-BKHCN): declaring a lot, turning measured packages into net quantities, and the lot verdict.
// Pure: no I/O, no clock. T is in ./tolerable-deficiency.ts, the sampling plans (data) in ./sampling-plans.ts.
import { selectSamplingRule, type SampleRequirement, type SamplingPlans } from './sampling-plans.ts';
import { BASE_UNIT, PREPACKAGE_UNITS, clean, isPrepackageUnit, tolerableDeficiency, type TolerableDeficiency } from './tolerable-deficiency.ts';
import { conversionFactor } from './units.ts';

export {
  PREPACKAGE_UNITS,
  TOLERABLE_DEFICIENCY_BANDS,
  isPrepackageUnit,
  scaleSuitability,
  tolerableDeficiency,
  type PrepackageUnit,
  type ScaleSuitability,
  type TolerableDeficiency,
} from './tolerable-deficiency.ts';

/** One measured package as a scale or checkweigher sends it, in the lot's measured unit. */
export type PackageMeasurement = { net: number } | { gross: number };

/** A lot as an inspector declares it (docs/contract.md §6), plus how its packages are measured. */
export interface LotDeclaration {
  /** Nominal quantity Qn, in `unit`. */
  nominal: number;
  unit: string;
  /** Number of packages in the lot (N). */
  lotSize: number;
  /** Packages are opened or destroyed to be measured (the destructive plan applies). */
  destructive?: boolean;
  /** Sampling plan id; default: the plans' defaultPlan. */
  plan?: string;
  /** Unit the packages are measured in (default `unit`): a volume lot may be weighed, with `density`. */
  measuredUnit?: string;
  /** Average tare (R87 Annex B), in `measuredUnit`; needed for gross measurements. */
  averageTare?: number;
  /** Density of the product in g/mL (= kg/L) at the reference temperature, to turn mass into volume or back. */
  density?: number;
}

/** What declaring a lot fixes before any package is measured. */
export interface LotPlan {
  tolerableDeficiency: number;
  /** Packages needed now: the first stage's T1 sample or the mean sample, whichever is larger. */
  sampleSize: number;
  requirement: SampleRequirement;
  /** Net quantity in the lot's unit of one measurement in the measured unit. */
  toLotUnit: (measured: number) => number;
  t: Extract<TolerableDeficiency, { ok: true }>;
}

export type LotPlanResult = ({ ok: true } & LotPlan) | { ok: false; reasons: string[] };

/**
 * Checks a lot declaration and fixes T, the plan rule and the sample size. Refuses (with every reason, as
 * sentences an inspector can act on) a unit outside g/kg/mL/L, Qn outside the table, a lot size the plan has
 * no rule for, a negative tare, and a mass/volume mix without a density.
 */
export function planLot(lot: LotDeclaration, plans: SamplingPlans): LotPlanResult {
  const reasons: string[] = [];
  const t = tolerableDeficiency(lot.nominal, lot.unit);
  if (!t.ok) reasons.push(t.reason);
  const selection = selectSamplingRule(plans, lot);
  if (!selection.ok) reasons.push(selection.reason);
  const conversion = measuredToLotUnit(lot);
  if (typeof conversion === 'string') reasons.push(conversion);
  if (lot.averageTare !== undefined && !(Number.isFinite(lot.averageTare) && lot.averageTare >= 0)) {
    reasons.push(`The average tare must be a number ≥ 0, got ${lot.averageTare}.`);
  }
  if (!t.ok || !selection.ok || typeof conversion === 'string' || reasons.length > 0) return { ok: false, reasons };
  const r = selection.requirement;
  return {
    ok: true,
    tolerableDeficiency: t.value,
    sampleSize: Math.max(r.stages[0]!.sampleSize, r.meanSampleSize),
    requirement: r,
    toLotUnit: conversion,
    t,
  };
}

/** The conversion from the measured unit to the lot's unit, or a sentence saying why there is none. */
function measuredToLotUnit(lot: LotDeclaration): ((x: number) => number) | string {
  const to = lot.unit;
  const from = lot.measuredUnit ?? to;
  if (!isPrepackageUnit(to)) return `Unit "${to}" is not one of ${PREPACKAGE_UNITS.join(', ')}.`;
  if (!isPrepackageUnit(from)) return `Measured unit "${from}" is not one of ${PREPACKAGE_UNITS.join(', ')}.`;
  if (lot.density !== undefined && !(Number.isFinite(lot.density) && lot.density > 0)) {
    return `The density must be a number > 0 (g/mL), got ${lot.density}.`;
  }
  const [fromBase, toBase] = [BASE_UNIT[from], BASE_UNIT[to]];
  const into = conversionFactor(from, fromBase)!;
  const outOf = conversionFactor(toBase, to)!;
  if (fromBase === toBase) return (x) => x * into * outOf;
  if (lot.density === undefined) {
    return `Packages measured in ${from} for a lot declared in ${to} need the product's density (g/mL).`;
  }
  const rho = lot.density;
  // mass / density → volume (g / (g/mL) = mL); volume × density → mass.
  return fromBase === 'g' ? (x) => ((x * into) / rho) * outOf : (x) => x * into * rho * outOf;
}

/** Problems with measured packages for this lot (empty when all are usable), one sentence each. */
export function validatePackages(lot: LotDeclaration, packages: readonly PackageMeasurement[]): string[] {
  const problems: string[] = [];
  packages.forEach((p, i) => {
    const value = 'net' in p ? p.net : p.gross;
    if (!Number.isFinite(value) || value < 0) problems.push(`Package ${i + 1}: the measured value must be a number ≥ 0, got ${value}.`);
    if ('gross' in p && lot.averageTare === undefined) {
      problems.push(`Package ${i + 1} is a gross weighing; the lot needs an average tare (R87 Annex B) to give its net quantity.`);
    }
  });
  return problems;
}

/** Net quantity of one package in the lot's unit: gross − average tare (R87 Annex B), then mass ↔ volume. */
export function packageNet(p: PackageMeasurement, lot: LotDeclaration, toLotUnit: (x: number) => number): number {
  if ('net' in p) return clean(toLotUnit(p.net));
  if (lot.averageTare === undefined) throw new Error("A gross measurement needs the lot's averageTare (R87 Annex B).");
  return clean(toLotUnit(p.gross - lot.averageTare));
}

export type LotVerdict = 'pending' | 'pass' | 'fail';

/** The state of a lot after the packages measured so far (the fields of GET /api/v1/lots/{id}, docs/contract.md §6). */
export interface LotJudgement {
  plan: string;
  /** True when a figure of the applied rule is flagged unconfirmed in the plans file. */
  planUnconfirmed: boolean;
  unit: string;
  nominal: number;
  /** T in `unit`. */
  tolerableDeficiency: number;
  /** Packages needed now (grows to the second sample when a double plan asks for it). */
  sampleSize: number;
  /** Packages received (those beyond sampleSize are not used). */
  measured: number;
  /** Mean and sample standard deviation (n − 1) of the mean sample, or of what of it is in; null without data. */
  mean: number | null;
  stdDev: number | null;
  /** Packages of the sample short by more than T (including those short by more than 2T), and by more than 2T. */
  t1: number;
  t2: number;
  /** T1 packages the current stage accepts. */
  allowedT1: number;
  /** Qn − λ·s once the mean sample is complete (Qn when the whole lot is measured); null before. */
  averageLimit: number | null;
  verdict: LotVerdict;
  /** Why, in sentences naming the figures; the first gives T and the plan. */
  reasons: string[];
  /** 0-based indices, in the order received, of the T1 and the T2 packages of the sample. */
  t1Packages: number[];
  t2Packages: number[];
}

export interface LotMeasurements extends LotDeclaration {
  packages: readonly PackageMeasurement[];
}

/**
 * Judges a lot of prepackages against its sampling plan (OIML R87 §4; EU reference test): no package of the
 * sample short by more than 2T (R87; Directive 76/211/EEC Annex I 1.3), T1 packages within the plan's
 * acceptance number (stage by stage for a double plan), and mean ≥ Qn − λ·s over the mean sample (≥ Qn when
 * the whole lot is measured). Packages count in the order received: the first ones form the sample, so they
 * must be drawn at random. The verdict stays `pending` until the sample is complete; findings so far are
 * named in the reasons. Throws when the declaration is invalid (planLot refuses it) or a package is unusable
 * (validatePackages): both are checked when the lot and its packages are accepted.
 */
export function judgeLot(lot: LotMeasurements, plans: SamplingPlans): LotJudgement {
  const planned = planLot(lot, plans);
  if (!planned.ok) throw new Error(`Cannot judge the lot: ${planned.reasons.join(' ')}`);
  const problems = validatePackages(lot, lot.packages);
  if (problems.length > 0) throw new Error(`Cannot judge the lot: ${problems.join(' ')}`);
  const { requirement: req, tolerableDeficiency: T } = planned;
  const Qn = lot.nominal;
  const nets = lot.packages.map((p) => packageNet(p, lot, planned.toLotUnit));
  const f = formatIn(lot.unit);

  const defectives = decideDefectives(nets, Qn, T, req);
  const sampleSize = Math.max(defectives.sampleSize, req.meanSampleSize);
  const sample = nets.slice(0, sampleSize);
  const slack = 1e-9 * Qn;
  const t1Packages = indicesWhere(sample, (x) => Qn - x > T + slack);
  const t2Packages = indicesWhere(sample, (x) => Qn - x > 2 * T + slack);
  const meanSample = nets.slice(0, req.meanSampleSize);
  const { mean, stdDev } = meanAndStdDev(meanSample);
  const meanComplete = meanSample.length === req.meanSampleSize;
  const averageLimit = meanComplete ? Qn - req.lambda * (stdDev ?? 0) : null;

  const reasons = [`T = ${f(T)} for Qn = ${f(Qn)}: ${planned.t.band}.`, describePlan(req)];
  if (req.unconfirmed) reasons.push(`Some figures of this plan are unconfirmed: ${req.rule.note ?? req.plan.note}`);
  if (t2Packages.length > 0) {
    reasons.push(`${countOf(t2Packages.length, 'package')} short by more than 2T = ${f(2 * T)} (T2): ${listPositions(t2Packages)}; no T2 package is allowed.`);
  }
  reasons.push(...defectives.reasons);
  const complete = defectives.decided && meanComplete;
  const meanPasses = averageLimit !== null && mean !== null && mean >= averageLimit - slack;
  if (complete) reasons.push(describeMean(meanSample.length, mean!, stdDev, averageLimit!, req.lambda, Qn, meanPasses, lot.unit));
  if (nets.length > sampleSize) reasons.push(`${countOf(nets.length - sampleSize, 'package')} beyond the sample of ${sampleSize} not used.`);

  let verdict: LotVerdict;
  if (!complete) {
    verdict = 'pending';
    reasons.push(`${nets.length} of ${sampleSize} packages measured; the lot is judged once ${sampleSize} are in.`);
    if (t2Packages.length > 0 || defectives.failed) reasons.push('On what is measured so far the lot cannot pass.');
  } else {
    verdict = t2Packages.length === 0 && !defectives.failed && meanPasses ? 'pass' : 'fail';
    reasons.push(verdict === 'pass' ? 'The lot passes.' : 'The lot fails.');
    if (verdict === 'pass') {
      const stricter = vietnameseWholeLotCheck(plans, lot, req, t1Packages.length);
      if (stricter) reasons.push(stricter);
    }
  }
  return {
    plan: req.plan.id,
    planUnconfirmed: req.unconfirmed,
    unit: lot.unit,
    nominal: Qn,
    tolerableDeficiency: T,
    sampleSize,
    measured: nets.length,
    mean,
    stdDev,
    t1: t1Packages.length,
    t2: t2Packages.length,
    allowedT1: defectives.allowedT1,
    averageLimit,
    verdict,
    reasons,
    t1Packages,
    t2Packages,
  };
}

interface DefectivesOutcome {
  /** Packages the T1 check needs now. */
  sampleSize: number;
  allowedT1: number;
  decided: boolean;
  failed: boolean;
  reasons: string[];
}

/** Walks the plan's T1 stages (one for a single plan, two for a double plan) over the packages received. */
function decideDefectives(nets: number[], Qn: number, T: number, req: SampleRequirement): DefectivesOutcome {
  const slack = 1e-9 * Qn;
  const reasons: string[] = [];
  for (let i = 0; i < req.stages.length; i++) {
    const stage = req.stages[i]!;
    const base = { sampleSize: stage.sampleSize, allowedT1: stage.accept };
    const t1 = nets.slice(0, stage.sampleSize).filter((x) => Qn - x > T + slack).length;
    if (nets.length < stage.sampleSize) {
      if (t1 >= stage.reject) reasons.push(`Already ${t1} T1 packages among ${nets.length}; the plan rejects at ${stage.reject} in ${stage.sampleSize}.`);
      return { ...base, decided: false, failed: t1 >= stage.reject, reasons };
    }
    const among = `${countOf(t1, 'package')} short by more than T (T1) among the first ${stage.sampleSize}`;
    if (t1 <= stage.accept) {
      reasons.push(`${among}; the plan allows ${stage.accept}.`);
      return { ...base, decided: true, failed: false, reasons };
    }
    if (t1 >= stage.reject) {
      reasons.push(`${among}; the plan allows at most ${stage.accept} and rejects at ${stage.reject}.`);
      return { ...base, decided: true, failed: true, reasons };
    }
    const next = req.stages[i + 1]!; // the schema makes the last stage decide, so an undecided stage has a next one
    reasons.push(`${among}: more than ${stage.accept}, fewer than ${stage.reject}, so the sample grows to ${next.sampleSize} packages.`);
  }
  throw new Error('unreachable: the last sampling stage always decides');
}

function describePlan(req: SampleRequirement): string {
  const stages = req.stages
    .map(
      (s, i) =>
        `${i === 0 ? '' : 'then '}T1 check on ${s.sampleSize} packages (at most ${s.accept}${s.reject > s.accept + 1 ? `, rejected at ${s.reject}` : ''})`,
    )
    .join(', ');
  const mean = req.lambda === 0 ? `mean of all ${req.meanSampleSize} ≥ Qn` : `mean of the first ${req.meanSampleSize} ≥ Qn − ${req.lambda}·s`;
  return `Plan "${req.plan.name}": ${stages}; ${mean}. Source: ${req.rule.source}.`;
}

function describeMean(n: number, mean: number, s: number | null, limit: number, lambda: number, Qn: number, passes: boolean, unit: string): string {
  // the mean and its limit with the decimals that tell them apart: "499.44 g is below … = 499.44 g" read as equal
  let extra = 0;
  while (extra < 4 && mean !== limit && formatIn(unit, extra)(mean) === formatIn(unit, extra)(limit)) extra++;
  const f = formatIn(unit, extra);
  const limitText = lambda === 0 ? `Qn = ${f(Qn)}` : `Qn − λ·s = ${f(Qn)} − ${lambda} × ${f(s ?? 0)} = ${f(limit)}`;
  return `Mean of ${n} packages ${f(mean)} ${passes ? 'meets' : 'is below'} ${limitText}.`;
}

function meanAndStdDev(xs: number[]): { mean: number | null; stdDev: number | null } {
  if (xs.length === 0) return { mean: null, stdDev: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, stdDev: null };
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, stdDev: Math.sqrt(ss / (xs.length - 1)) };
}

function indicesWhere(xs: number[], test: (x: number) => boolean): number[] {
  const out: number[] = [];
  xs.forEach((x, i) => {
    if (test(x)) out.push(i);
  });
  return out;
}

function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** "packages 4, 18 (in the order received)": positions counted from 1 for people. */
function listPositions(indices: number[]): string {
  return `${indices.length === 1 ? 'package' : 'packages'} ${indices.map((i) => i + 1).join(', ')} in the order received`;
}

/** Formats a quantity in the lot's unit to 0.01 g (or mL): 2 decimals in g/mL, 5 in kg/L; `extra` more where two figures must differ. */
function formatIn(unit: string, extra = 0): (x: number) => string {
  const decimals = (unit === 'kg' || unit === 'L' ? 5 : 2) + extra;
  return (x) => `${Number(x.toFixed(decimals))} ${unit}`;
}

/** The Vietnamese plan's id in the plan data (devices/prepackages/sampling-plans.json). */
const VIETNAMESE_PLAN = 'vn-circular-21-2014';

/**
 * A lot measured whole (n = N) and passed by another plan, which the Vietnamese rule would not pass:
 * Circular 21/2014/TT-BKHCN allows at most 2.5 % of such a lot short by more than T where the EU/UK
 * reference test (MAG's default while the Vietnamese plan is unconfirmed) allows 5 %: 2 of 40 packages
 * pass the one and fail the other. An inspector in Vietnam applies the Circular, so the verdict says
 * so rather than pass the lot silently. Null when the plans agree, the lot is sampled, or the data
 * has no Vietnamese whole-lot rule for it.
 */
function vietnameseWholeLotCheck(plans: SamplingPlans, lot: LotDeclaration, req: SampleRequirement, t1: number): string | null {
  if (req.plan.id === VIETNAMESE_PLAN || req.stages.length !== 1 || req.stages[0]!.sampleSize !== lot.lotSize) return null;
  const vn = selectSamplingRule(plans, { lotSize: lot.lotSize, destructive: lot.destructive, plan: VIETNAMESE_PLAN });
  if (!vn.ok) return null;
  const stage = vn.requirement.stages[0]!;
  if (vn.requirement.stages.length !== 1 || stage.sampleSize !== lot.lotSize || t1 <= stage.accept) return null;
  const fraction = vn.requirement.rule.defectives.kind === 'wholeLot' ? vn.requirement.rule.defectives.maxFractionOfLot : stage.accept / lot.lotSize;
  return `Under ${vn.requirement.plan.name}, at most ${countOf(stage.accept, 'package')} of this lot (${Number((100 * fraction).toFixed(2))} %) may be short by more than T; ${t1} are: an inspector applying it would find the lot non-conforming.`;
}
