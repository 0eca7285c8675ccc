// Tolerable deficiency T of a prepackage (OIML R87 Table 1 = Directive 76/211/EEC Annex I 2.4) and the
// fineness a measuring instrument needs to check it. Pure: no I/O.
import { conversionFactor } from './units.ts';

/** Units a nominal quantity may be declared in (UCUM codes). Volume is treated like mass, mL like g (R87 Table 1). */
export const PREPACKAGE_UNITS = ['g', 'kg', 'mL', 'L'] as const;
export type PrepackageUnit = (typeof PREPACKAGE_UNITS)[number];

export type BaseUnit = 'g' | 'mL';
export const BASE_UNIT: Record<PrepackageUnit, BaseUnit> = { g: 'g', kg: 'g', mL: 'mL', L: 'mL' };

export function isPrepackageUnit(u: string): u is PrepackageUnit {
  return (PREPACKAGE_UNITS as readonly string[]).includes(u);
}

/** A row of R87 Table 1: Qn from `from` to `to` (g or mL), T a percentage of Qn or an absolute amount. */
export interface ToleranceBand {
  from: number;
  to: number;
  percent?: number;
  absolute?: number;
}

/**
 * Tolerable deficiency T by nominal quantity Qn in g or mL: OIML R87 Table 1, identical to the tolerable
 * negative error of Directive 76/211/EEC Annex I 2.4. A band applies from `from` to `to`; at a shared limit
 * both bands give the same T (9 % of 50 = 4.5 g, 4.5 % of 200 = 9 g, 3 % of 500 = 15 g …), so which one is
 * taken there does not matter.
 */
export const TOLERABLE_DEFICIENCY_BANDS: readonly ToleranceBand[] = [
  { from: 5, to: 50, percent: 9 },
  { from: 50, to: 100, absolute: 4.5 },
  { from: 100, to: 200, percent: 4.5 },
  { from: 200, to: 300, absolute: 9 },
  { from: 300, to: 500, percent: 3 },
  { from: 500, to: 1000, absolute: 15 },
  { from: 1000, to: 10000, percent: 1.5 },
  { from: 10000, to: 15000, absolute: 150 },
  { from: 15000, to: 50000, percent: 1 },
];

export type TolerableDeficiency =
  | {
      ok: true;
      /** T in the unit Qn was declared in. */
      value: number;
      /** T in g or mL, rounded up to 0.1. */
      base: number;
      baseUnit: BaseUnit;
      /** The band that gave T, for people: "4.5 % of Qn for Qn 100–200 g, OIML R87 Table 1". */
      band: string;
      /** The row of the table `band` describes, as data. */
      row: ToleranceBand;
    }
  | { ok: false; reason: string };

/** Removes binary noise from a decimal result (0.0186000000000001 → 0.0186). */
export function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * T for a nominal quantity in g, kg, mL or L. Percentages are of Qn; T is rounded up to the next 0.1 g
 * (0.1 mL), as the EU table prescribes and R87 repeats. Qn outside 5 g … 50 kg (5 mL … 50 L) is refused.
 */
export function tolerableDeficiency(nominal: number, unit: string): TolerableDeficiency {
  if (!isPrepackageUnit(unit)) return { ok: false, reason: `Unit "${unit}" is not one of ${PREPACKAGE_UNITS.join(', ')}.` };
  if (!Number.isFinite(nominal) || nominal <= 0) return { ok: false, reason: `The nominal quantity must be a number > 0, got ${nominal}.` };
  const baseUnit = BASE_UNIT[unit];
  const toBase = conversionFactor(unit, baseUnit)!;
  const qn = clean(nominal * toBase);
  const first = TOLERABLE_DEFICIENCY_BANDS[0]!;
  const last = TOLERABLE_DEFICIENCY_BANDS[TOLERABLE_DEFICIENCY_BANDS.length - 1]!;
  if (qn < first.from || qn > last.to) {
    return {
      ok: false,
      reason: `Qn = ${nominal} ${unit} is outside the table of tolerable deficiencies (${first.from} ${baseUnit} to ${last.to / 1000} ${baseUnit === 'g' ? 'kg' : 'L'}, OIML R87 Table 1).`,
    };
  }
  const band = TOLERABLE_DEFICIENCY_BANDS.find((b) => qn <= b.to)!;
  const raw = band.percent !== undefined ? (band.percent / 100) * qn : band.absolute!;
  // Round up to 0.1; the slack keeps an exact 4.5 from becoming 4.6 through binary noise (0.045 × 100).
  const base = Math.ceil(raw * 10 - 1e-9) / 10;
  return { ok: true, value: clean(base / toBase), base, baseUnit, band: bandText(band, baseUnit), row: band };
}

/** A row of the table for people: "4.5 % of Qn for Qn 100–200 g, OIML R87 Table 1". */
export function bandText(band: ToleranceBand, baseUnit: BaseUnit): string {
  const rule = band.percent !== undefined ? `${band.percent} % of Qn` : `${band.absolute} ${baseUnit}`;
  return `${rule} for Qn ${band.from}–${band.to} ${baseUnit}, OIML R87 Table 1`;
}

export interface ScaleSuitability {
  suitable: boolean;
  /** Largest MPE accepted: T / 5, in T's unit. */
  limit: number;
  reason: string;
}

/**
 * Whether an instrument is fine enough to measure packages with tolerable deficiency T: its maximum
 * permissible error at the load must not exceed T/5. The UK reference test says the error in measuring the
 * actual contents shall not exceed one-fifth of the tolerable negative error (UK SI 2006/659 and NI SR
 * 2011/331, Schedule 2 para 1.3, after Directive 76/211/EEC); the matching clause of R87 is not confirmed.
 * Both arguments in the same unit.
 */
export function scaleSuitability(scaleMpeAtLoad: number, T: number): ScaleSuitability {
  if (!(Number.isFinite(scaleMpeAtLoad) && scaleMpeAtLoad >= 0) || !(Number.isFinite(T) && T > 0)) {
    throw new RangeError(`scaleSuitability: MPE must be ≥ 0 and T > 0, got ${scaleMpeAtLoad} and ${T}`);
  }
  const limit = clean(T / 5);
  const suitable = scaleMpeAtLoad <= limit * (1 + 1e-12);
  const reason = suitable
    ? `The instrument's MPE ${clean(scaleMpeAtLoad)} is within T/5 = ${limit} (T = ${T}): fine enough to measure these packages.`
    : `The instrument's MPE ${clean(scaleMpeAtLoad)} exceeds T/5 = ${limit} (T = ${T}): too coarse; use an instrument with an MPE of at most ${limit} at this load.`;
  return { suitable, limit, reason };
}
