// Quantity of product in prepackages (OIML R87; EU reference test, Directive 76/211/EEC; Circular
// 21/2014/TT-BKHCN): declaring a lot, turning measured packages into net quantities, and the lot verdict.
// Pure: no I/O, no clock. T is in ./tolerable-deficiency.ts, the sampling plans (data) in ./sampling-plans.ts.
import { selectSamplingRule, type LotRules, type SampleRequirement, type SamplingPlans } from './sampling-plans.ts';
import {
  BASE_UNIT,
  PREPACKAGE_UNITS,
  bandText,
  clean,
  isPrepackageUnit,
  tolerableDeficiency,
  type BaseUnit,
  type TolerableDeficiency,
} from './tolerable-deficiency.ts';
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
 * no rule for, a negative tare or one of 10 × Qn or more (QN_MULTIPLE), and a mass/volume mix without a density.
 */
export function planLot(lot: LotDeclaration, plans: LotRules): LotPlanResult {
  const reasons: string[] = [];
  const t = tolerableDeficiency(lot.nominal, lot.unit, plans.tolerance);
  if (!t.ok) reasons.push(t.reason);
  const selection = selectSamplingRule(plans, lot);
  if (!selection.ok) reasons.push(selection.reason);
  const conversion = measuredToLotUnit(lot);
  if (typeof conversion === 'string') reasons.push(conversion);
  if (lot.averageTare !== undefined && !(Number.isFinite(lot.averageTare) && lot.averageTare >= 0)) {
    reasons.push(`The average tare must be a number ≥ 0, got ${lot.averageTare}.`);
  } else if (lot.averageTare !== undefined && t.ok && typeof conversion !== 'string') {
    const qn = nominalMeasured(lot, conversion);
    const limit = clean(QN_MULTIPLE * qn);
    const u = lot.measuredUnit ?? lot.unit;
    if (lot.averageTare >= limit) {
      reasons.push(
        `The average tare ${lot.averageTare} ${u} must be less than ${QN_MULTIPLE} × Qn = ${QN_MULTIPLE} × ${qn} ${u} = ${limit} ${u}: packaging that outweighs its contents ten times over is a unit slip (g for kg) or a typo, not a tare to subtract; if it is real, weigh the packages net.`,
      );
    }
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

/**
 * How many times Qn bounds the average tare (tare < 10 × Qn) and a package (net ≤ 10 × Qn, gross ≤ 10 × Qn + tare),
 * in the measured unit. Not a legal limit: a bound on what can be a package of the lot at all. The slips it catches
 * are factors of 1000 (g typed for kg, mL for L) and extra digits; no real package holds ten times its label, and
 * packaging ten times as heavy as its contents would be exceptional (a heavy glass jar or bottle weighs a few times
 * its contents), and its packages can still be weighed net. Without it an average tare of 1e9 g on a 500 g lot
 * gave a mean of −999 999 400 g, and a net of 1e308 was taken.
 */
export const QN_MULTIPLE = 10;

/**
 * The largest lot checked anywhere but at the end of a packing line (Directive 76/211/EEC Annex II 2.1.2): a lot
 * checked at the end of the line is the line's maximum hourly output, whatever its size; in other cases a lot has
 * at most 10 000 packages. MAG does not know where a lot was taken, so a larger lot is judged and its reasons say
 * so (`lotAboveOffLineMax`) rather than refused.
 */
export const OFF_LINE_LOT_MAX = 10_000;

/** Qn in the lot's measured unit (the conversion is linear: measured × factor = lot unit). */
function nominalMeasured(lot: LotDeclaration, toLotUnit: (x: number) => number): number {
  return clean(lot.nominal / toLotUnit(1));
}

/** The largest net and gross a package of the lot may have, in its measured unit (QN_MULTIPLE). */
export interface PackageLimits {
  /** The lot's measured unit. */
  unit: string;
  /** Qn in `unit`. */
  nominal: number;
  /** 10 × Qn. */
  net: number;
  /** 10 × Qn + the average tare; only with an average tare. */
  gross?: number;
  averageTare?: number;
}

/** The limits of a package of the lot; undefined when the declaration cannot give them (planLot says why). */
export function packageLimits(lot: LotDeclaration): PackageLimits | undefined {
  const conversion = measuredToLotUnit(lot);
  if (typeof conversion === 'string' || !(Number.isFinite(lot.nominal) && lot.nominal > 0)) return undefined;
  const nominal = nominalMeasured(lot, conversion);
  const net = clean(QN_MULTIPLE * nominal);
  const tare = lot.averageTare;
  const withTare = tare !== undefined && Number.isFinite(tare) && tare >= 0;
  return { unit: lot.measuredUnit ?? lot.unit, nominal, net, ...(withTare ? { gross: clean(net + tare), averageTare: tare } : {}) };
}

/**
 * Why a package's net or gross (in the measured unit) cannot be one of the lot: "must be at most 5000 g (10 × Qn =
 * 10 × 500 g): …", to follow the field's name; undefined when it is within the limits.
 */
export function packageLimitProblem(limits: PackageLimits, kind: 'net' | 'gross', value: number): string | undefined {
  const max = kind === 'net' ? limits.net : limits.gross;
  if (max === undefined || value <= max) return undefined;
  const u = limits.unit;
  const how =
    kind === 'net'
      ? `${QN_MULTIPLE} × Qn = ${QN_MULTIPLE} × ${limits.nominal} ${u}`
      : `${QN_MULTIPLE} × Qn + the average tare = ${QN_MULTIPLE} × ${limits.nominal} ${u} + ${limits.averageTare} ${u}`;
  return `must be at most ${max} ${u} (${how}): a package of ten times its nominal quantity is not one of this lot (a unit slip such as kg for g, or a typo)`;
}

/** Problems with measured packages for this lot (empty when all are usable), one sentence each. */
export function validatePackages(lot: LotDeclaration, packages: readonly PackageMeasurement[]): string[] {
  const problems: string[] = [];
  const limits = packageLimits(lot);
  packages.forEach((p, i) => {
    const kind = 'net' in p ? 'net' : 'gross';
    const value = 'net' in p ? p.net : p.gross;
    if (!Number.isFinite(value) || value < 0) problems.push(`Package ${i + 1}: the measured value must be a number ≥ 0, got ${value}.`);
    else {
      const beyond = limits && packageLimitProblem(limits, kind, value);
      if (beyond) problems.push(`Package ${i + 1}: its ${kind} ${value} ${limits!.unit} ${beyond}.`);
    }
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
  /** The same reasons as data, one per sentence in the same order: each sentence is written from its note. */
  notes: LotNote[];
  /** 0-based indices, in the order received, of the T1 and the T2 packages of the sample. */
  t1Packages: number[];
  t2Packages: number[];
}

/**
 * The figures each reason of a lot names, by the reason's key. Quantities are numbers in the lot's unit
 * (`unit`), rounded as the sentence writes them; names, clauses and notes of the plans file are as written
 * there (English). A plan's T1 stages are flattened: `stages` of them, `sample1`, `accept1`, `reject1`,
 * `sample2` …
 */
export type LotNoteValues = {
  tolerableDeficiencyPercent: ToleranceNoteValues;
  tolerableDeficiencyAbsolute: ToleranceNoteValues;
  plan: { plan: string; planId: string; stages: number; meanSample: number; lambda: number; source: string } & Record<PlanStageField, number>;
  planUnconfirmed: { note: string };
  /** A lot of more than `max` (OFF_LINE_LOT_MAX) packages: in order only at the end of a packing line. */
  lotAboveOffLineMax: { lotSize: number; max: number };
  t2Packages: { n: number; twoT: number; unit: string; positions: string };
  t1RejectedEarly: { n: number; measured: number; reject: number; sampleSize: number };
  t1Accepted: { n: number; sampleSize: number; accept: number };
  t1Rejected: { n: number; sampleSize: number; accept: number; reject: number };
  t1SecondSample: { n: number; sampleSize: number; accept: number; reject: number; next: number };
  meanMeetsNominal: MeanNoteValues;
  meanBelowNominal: MeanNoteValues;
  meanMeetsLimit: MeanNoteValues & { lambda: number; s: number; limit: number };
  meanBelowLimit: MeanNoteValues & { lambda: number; s: number; limit: number };
  packagesUnused: { n: number; sampleSize: number };
  sampleIncomplete: { measured: number; sampleSize: number };
  cannotPass: Record<string, never>;
  lotPasses: Record<string, never>;
  lotFails: Record<string, never>;
  circular21WholeLot: { plan: string; planId: string; accept: number; percent: number; t1: number };
  /** A sampled lot judged under another plan while the Circular's is unconfirmed: `plan`/`planId` the one applied, `vnPlanId` the Circular's in the plans file. */
  circular21Sampled: { plan: string; planId: string; vnPlanId: string };
  /** Added by the lot book when the weighing instrument is not fit: `reason` is the fitness's own (InstrumentFitness.reason). */
  instrumentUnfit: { instrument: string; reason: string };
  /** Added by the lot book when the plans changed since the lot was declared: `problems` as planLot / validatePackages write them. */
  notJudgeable: { problems: string };
};
type ToleranceNoteValues = { T: number; Qn: number; unit: string; amount: number; from: number; to: number; baseUnit: BaseUnit };
type MeanNoteValues = { n: number; mean: number; Qn: number; unit: string };
type PlanStageField = `sample${number}` | `accept${number}` | `reject${number}`;

export type LotNoteKey = keyof LotNoteValues;

/**
 * One reason of a lot's verdict as data: `key` names the sentence, `values` the figures in it. The English
 * sentence of `reasons` is written from it (lotNoteText), so the two cannot drift apart; the console tells it
 * again in the reader's language.
 */
export type LotNote = { [K in LotNoteKey]: { key: K; values: LotNoteValues[K] } }[LotNoteKey];

export function lotNote<K extends LotNoteKey>(key: K, values: LotNoteValues[K]): LotNote {
  return { key, values } as LotNote;
}

/** The English sentence of each note: the text of `reasons`. */
const ENGLISH: { [K in LotNoteKey]: (v: LotNoteValues[K]) => string } = {
  tolerableDeficiencyPercent: (v) => `T = ${v.T} ${v.unit} for Qn = ${v.Qn} ${v.unit}: ${bandText({ from: v.from, to: v.to, percent: v.amount }, v.baseUnit)}.`,
  tolerableDeficiencyAbsolute: (v) =>
    `T = ${v.T} ${v.unit} for Qn = ${v.Qn} ${v.unit}: ${bandText({ from: v.from, to: v.to, absolute: v.amount }, v.baseUnit)}.`,
  plan: (v) => {
    const stages = Array.from({ length: v.stages }, (_, k) => {
      const [n, accept, reject] = [v[`sample${k + 1}`], v[`accept${k + 1}`], v[`reject${k + 1}`]];
      return `${k === 0 ? '' : 'then '}T1 check on ${n} packages (at most ${accept}${reject > accept + 1 ? `, rejected at ${reject}` : ''})`;
    }).join(', ');
    const mean = v.lambda === 0 ? `mean of all ${v.meanSample} ≥ Qn` : `mean of the first ${v.meanSample} ≥ Qn − ${v.lambda}·s`;
    return `Plan "${v.plan}": ${stages}; ${mean}. Source: ${v.source}.`;
  },
  planUnconfirmed: (v) => `Some figures of this plan are unconfirmed: ${v.note}`,
  lotAboveOffLineMax: (v) =>
    `The lot has ${v.lotSize} packages: more than ${v.max} is in order only for a lot checked at the end of the packing line, whose size is the line's maximum hourly output; checked elsewhere, a lot has at most ${v.max} packages (Directive 76/211/EEC Annex II 2.1.2), so declare smaller lots.`,
  t2Packages: (v) =>
    `${countOf(v.n, 'package')} short by more than 2T = ${v.twoT} ${v.unit} (T2): ${v.n === 1 ? 'package' : 'packages'} ${v.positions} in the order received; no T2 package is allowed.`,
  t1RejectedEarly: (v) => `Already ${v.n} T1 packages among ${v.measured}; the plan rejects at ${v.reject} in ${v.sampleSize}.`,
  t1Accepted: (v) => `${countOf(v.n, 'package')} short by more than T (T1) among the first ${v.sampleSize}; the plan allows ${v.accept}.`,
  t1Rejected: (v) =>
    `${countOf(v.n, 'package')} short by more than T (T1) among the first ${v.sampleSize}; the plan allows at most ${v.accept} and rejects at ${v.reject}.`,
  t1SecondSample: (v) =>
    `${countOf(v.n, 'package')} short by more than T (T1) among the first ${v.sampleSize}: more than ${v.accept}, fewer than ${v.reject}, so the sample grows to ${v.next} packages.`,
  meanMeetsNominal: (v) => `Mean of ${v.n} packages ${v.mean} ${v.unit} meets Qn = ${v.Qn} ${v.unit}.`,
  meanBelowNominal: (v) => `Mean of ${v.n} packages ${v.mean} ${v.unit} is below Qn = ${v.Qn} ${v.unit}.`,
  meanMeetsLimit: (v) => `Mean of ${v.n} packages ${v.mean} ${v.unit} meets ${limitText(v)}.`,
  meanBelowLimit: (v) => `Mean of ${v.n} packages ${v.mean} ${v.unit} is below ${limitText(v)}.`,
  packagesUnused: (v) => `${countOf(v.n, 'package')} beyond the sample of ${v.sampleSize} not used.`,
  sampleIncomplete: (v) => `${v.measured} of ${v.sampleSize} packages measured; the lot is judged once ${v.sampleSize} are in.`,
  cannotPass: () => 'On what is measured so far the lot cannot pass.',
  lotPasses: () => 'The lot passes.',
  lotFails: () => 'The lot fails.',
  circular21WholeLot: (v) =>
    `Under ${v.plan}, at most ${countOf(v.accept, 'package')} of this lot (${v.percent} %) may be short by more than T; ${v.t1} are: an inspector applying it would find the lot non-conforming.`,
  circular21Sampled: (v) =>
    `This verdict is under plan "${v.plan}", not under Circular 21/2014/TT-BKHCN: for a lot not measured whole the Circular takes the sample size n and the factor k of mean ≥ Qn − k·s from its Annex III, unconfirmed in the sampling plans, so under the Circular the sample and the verdict may differ.`,
  instrumentUnfit: (v) => `The weighing instrument is not fit for this lot, so the measurements are not legal evidence: ${v.reason}`,
  notJudgeable: (v) => `Cannot judge the lot: ${v.problems}`,
};

function limitText(v: LotNoteValues['meanMeetsLimit']): string {
  return `Qn − λ·s = ${v.Qn} ${v.unit} − ${v.lambda} × ${v.s} ${v.unit} = ${v.limit} ${v.unit}`;
}

/** A note's English sentence, as `reasons` has it. */
export function lotNoteText(note: LotNote): string {
  return (ENGLISH[note.key] as (v: LotNote['values']) => string)(note.values);
}

/** judgeLot on a declaration planLot refuses or packages validatePackages refuses: `problems` are their sentences. */
export class LotNotJudgeableError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cannot judge the lot: ${problems.join(' ')}`);
  }
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
export function judgeLot(lot: LotMeasurements, plans: LotRules): LotJudgement {
  const planned = planLot(lot, plans);
  if (!planned.ok) throw new LotNotJudgeableError(planned.reasons);
  const problems = validatePackages(lot, lot.packages);
  if (problems.length > 0) throw new LotNotJudgeableError(problems);
  const { requirement: req, tolerableDeficiency: T } = planned;
  const Qn = lot.nominal;
  const nets = lot.packages.map((p) => packageNet(p, lot, planned.toLotUnit));

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

  const fig = figureIn(lot.unit);
  const u = lot.unit;
  const t = planned.t;
  const band = { amount: t.row.percent ?? t.row.absolute!, from: t.row.from, to: t.row.to, baseUnit: t.baseUnit };
  const notes: LotNote[] = [
    t.row.percent !== undefined
      ? lotNote('tolerableDeficiencyPercent', { T: fig(T), Qn: fig(Qn), unit: u, ...band })
      : lotNote('tolerableDeficiencyAbsolute', { T: fig(T), Qn: fig(Qn), unit: u, ...band }),
    planNote(req),
  ];
  if (req.unconfirmed) notes.push(lotNote('planUnconfirmed', { note: req.rule.note ?? req.plan.note }));
  if (lot.lotSize > OFF_LINE_LOT_MAX) notes.push(lotNote('lotAboveOffLineMax', { lotSize: lot.lotSize, max: OFF_LINE_LOT_MAX }));
  if (t2Packages.length > 0) {
    notes.push(lotNote('t2Packages', { n: t2Packages.length, twoT: fig(2 * T), unit: u, positions: positionList(t2Packages) }));
  }
  notes.push(...defectives.notes);
  const complete = defectives.decided && meanComplete;
  const meanPasses = averageLimit !== null && mean !== null && mean >= averageLimit - slack;
  if (complete) notes.push(meanNote(meanSample.length, mean!, stdDev, averageLimit!, req.lambda, Qn, meanPasses, u));
  if (nets.length > sampleSize) notes.push(lotNote('packagesUnused', { n: nets.length - sampleSize, sampleSize }));

  let verdict: LotVerdict;
  if (!complete) {
    verdict = 'pending';
    notes.push(lotNote('sampleIncomplete', { measured: nets.length, sampleSize }));
    if (t2Packages.length > 0 || defectives.failed) notes.push(lotNote('cannotPass', {}));
  } else {
    verdict = t2Packages.length === 0 && !defectives.failed && meanPasses ? 'pass' : 'fail';
    notes.push(lotNote(verdict === 'pass' ? 'lotPasses' : 'lotFails', {}));
    if (verdict === 'pass') {
      const stricter = vietnameseWholeLotCheck(plans, lot, req, t1Packages.length);
      if (stricter) notes.push(stricter);
    }
    const otherThanCircular = vietnameseSampledNote(plans, lot, req);
    if (otherThanCircular) notes.push(otherThanCircular);
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
    reasons: notes.map(lotNoteText),
    notes,
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
  notes: LotNote[];
}

/** Walks the plan's T1 stages (one for a single plan, two for a double plan) over the packages received. */
function decideDefectives(nets: number[], Qn: number, T: number, req: SampleRequirement): DefectivesOutcome {
  const slack = 1e-9 * Qn;
  const notes: LotNote[] = [];
  for (let i = 0; i < req.stages.length; i++) {
    const stage = req.stages[i]!;
    const base = { sampleSize: stage.sampleSize, allowedT1: stage.accept };
    const t1 = nets.slice(0, stage.sampleSize).filter((x) => Qn - x > T + slack).length;
    if (nets.length < stage.sampleSize) {
      if (t1 >= stage.reject) notes.push(lotNote('t1RejectedEarly', { n: t1, measured: nets.length, reject: stage.reject, sampleSize: stage.sampleSize }));
      return { ...base, decided: false, failed: t1 >= stage.reject, notes };
    }
    const among = { n: t1, sampleSize: stage.sampleSize, accept: stage.accept };
    if (t1 <= stage.accept) {
      notes.push(lotNote('t1Accepted', among));
      return { ...base, decided: true, failed: false, notes };
    }
    if (t1 >= stage.reject) {
      notes.push(lotNote('t1Rejected', { ...among, reject: stage.reject }));
      return { ...base, decided: true, failed: true, notes };
    }
    const next = req.stages[i + 1]!; // the schema makes the last stage decide, so an undecided stage has a next one
    notes.push(lotNote('t1SecondSample', { ...among, reject: stage.reject, next: next.sampleSize }));
  }
  throw new Error('unreachable: the last sampling stage always decides');
}

/** The plan's note: its name, its T1 stages flattened (sample1, accept1, reject1, sample2, …), the mean check and the source. */
function planNote(req: SampleRequirement): LotNote {
  const stages: Record<string, number> = {};
  req.stages.forEach((s, i) => {
    stages[`sample${i + 1}`] = s.sampleSize;
    stages[`accept${i + 1}`] = s.accept;
    stages[`reject${i + 1}`] = s.reject;
  });
  const values = { plan: req.plan.name, planId: req.plan.id, stages: req.stages.length, ...stages, meanSample: req.meanSampleSize, lambda: req.lambda };
  return lotNote('plan', { ...values, source: req.rule.source });
}

function meanNote(n: number, mean: number, s: number | null, limit: number, lambda: number, Qn: number, passes: boolean, unit: string): LotNote {
  // the mean and its limit with the decimals that tell them apart: "499.44 g is below … = 499.44 g" read as equal
  let extra = 0;
  while (extra < 4 && mean !== limit && formatIn(unit, extra)(mean) === formatIn(unit, extra)(limit)) extra++;
  const fig = figureIn(unit, extra);
  const values = { n, mean: fig(mean), Qn: fig(Qn), unit };
  if (lambda === 0) return lotNote(passes ? 'meanMeetsNominal' : 'meanBelowNominal', values);
  return lotNote(passes ? 'meanMeetsLimit' : 'meanBelowLimit', { ...values, lambda, s: fig(s ?? 0), limit: fig(limit) });
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

/** "4, 18": positions counted from 1 for people. */
function positionList(indices: number[]): string {
  return indices.map((i) => i + 1).join(', ');
}

/** A quantity in the lot's unit rounded to 0.01 g (or mL): 2 decimals in g/mL, 5 in kg/L; `extra` more where two figures must differ. */
function figureIn(unit: string, extra = 0): (x: number) => number {
  const decimals = (unit === 'kg' || unit === 'L' ? 5 : 2) + extra;
  return (x) => Number(x.toFixed(decimals));
}

/** The same, written with its unit: "499.49 g". */
function formatIn(unit: string, extra = 0): (x: number) => string {
  const fig = figureIn(unit, extra);
  return (x) => `${fig(x)} ${unit}`;
}

/** The Vietnamese plan's id in the plan data (devices/prepackages/sampling-plans.json). */
export const VIETNAMESE_PLAN = 'vn-circular-21-2014';

/**
 * A lot measured whole (n = N) and passed by another plan, which the Vietnamese rule would not pass:
 * Circular 21/2014/TT-BKHCN allows at most 2.5 % of such a lot short by more than T where the EU/UK
 * reference test (MAG's default while the Vietnamese plan is unconfirmed) allows 5 %: 2 of 40 packages
 * pass the one and fail the other. An inspector in Vietnam applies the Circular, so the verdict says
 * so rather than pass the lot silently. Null when the plans agree, the lot is sampled, or the data
 * has no Vietnamese whole-lot rule for it.
 */
function vietnameseWholeLotCheck(plans: SamplingPlans, lot: LotDeclaration, req: SampleRequirement, t1: number): LotNote | null {
  if (req.plan.id === VIETNAMESE_PLAN || req.stages.length !== 1 || req.stages[0]!.sampleSize !== lot.lotSize) return null;
  const vn = selectSamplingRule(plans, { lotSize: lot.lotSize, destructive: lot.destructive, plan: VIETNAMESE_PLAN });
  if (!vn.ok) return null;
  const stage = vn.requirement.stages[0]!;
  if (vn.requirement.stages.length !== 1 || stage.sampleSize !== lot.lotSize || t1 <= stage.accept) return null;
  const fraction = vn.requirement.rule.defectives.kind === 'wholeLot' ? vn.requirement.rule.defectives.maxFractionOfLot : stage.accept / lot.lotSize;
  return lotNote('circular21WholeLot', {
    plan: vn.requirement.plan.name,
    planId: vn.requirement.plan.id,
    accept: stage.accept,
    percent: Number((100 * fraction).toFixed(2)),
    t1,
  });
}

/**
 * Said after the verdict of a sampled lot (not measured whole) judged under a plan other than the Vietnamese one
 * while the plans file flags that plan unconfirmed (`vietnamesePlanConfirmed: false`): which plan gave the verdict,
 * and that the Circular's sample size and factor k for such a lot (its Annex III) are unconfirmed, so an inspector
 * applying the Circular may draw another sample and reach another verdict. Only what the plans file states: the
 * note names no figure of the Vietnamese rows, which copy R87 Table 2 and are unconfirmed as the Circular's.
 * Null for a lot measured whole (vietnameseWholeLotCheck speaks of those), under the Vietnamese plan (its
 * `planUnconfirmed` note says it), once the plan is confirmed, or when the file has no Vietnamese plan.
 */
function vietnameseSampledNote(plans: SamplingPlans, lot: LotDeclaration, req: SampleRequirement): LotNote | null {
  if (plans.vietnamesePlanConfirmed || req.plan.id === VIETNAMESE_PLAN || !plans.plans.some((p) => p.id === VIETNAMESE_PLAN)) return null;
  if (req.stages.length === 1 && req.stages[0]!.sampleSize === lot.lotSize && req.meanSampleSize === lot.lotSize) return null;
  return lotNote('circular21Sampled', { plan: req.plan.name, planId: req.plan.id, vnPlanId: VIETNAMESE_PLAN });
}
