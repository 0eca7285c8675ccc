// Length-dependent MPE of dimensional instruments (profile projectors, measuring microscopes, length measuring
// machines): ±(A + L/K), as makers and calibration laboratories state it, e.g. "(3 + L/50) µm, L in mm"
// (= "(3 + 0.02 L) µm"). A and L/K are in `unit`, L is taken in `lengthUnit`; the result is in the channel's
// canonical unit. Pure. Wired into mpe.ts / profile.ts as the MPE rule kind `lengthDependent`.
import { z } from 'zod';
import { conversionFactor, isUcumCode } from './units.ts';

const positive = z.number().refine((n) => Number.isFinite(n) && n > 0, { message: 'must be a finite number > 0' });
const nonNegative = z.number().refine((n) => Number.isFinite(n) && n >= 0, { message: 'must be a finite number >= 0' });

/** ±(a + L/k) in `unit`, with L in `lengthUnit`. Units are UCUM codes ("um" for µm, "mm"). */
export const LengthDependentMpeRuleSchema = z.strictObject({
  kind: z.literal('lengthDependent'),
  /** Constant term A, in `unit`. */
  a: nonNegative,
  /** Divisor K of the measured length: L/K is in `unit` when L is in `lengthUnit` ("0.02 L" is K = 50). */
  k: positive,
  /** Unit of A and of L/K (UCUM, e.g. "um"). */
  unit: z.string().min(1),
  /** Unit L is expressed in for L/K (UCUM, e.g. "mm"). */
  lengthUnit: z.string().min(1),
});
export type LengthDependentMpeRule = z.infer<typeof LengthDependentMpeRuleSchema>;

/**
 * MPE = A + |L|/K of a rule at measured length `length` (canonical unit), in the canonical unit.
 * Throws when the rule's units do not convert to the canonical unit (a profile that passed
 * lengthRuleUnitProblems never does).
 */
export function lengthDependentMpe(rule: LengthDependentMpeRule, length: number, canonicalUnit: string): number {
  if (!Number.isFinite(length)) throw new Error(`lengthDependent MPE: the length must be a finite number, got ${length}`);
  const lengthIn = conversionFactor(canonicalUnit, rule.lengthUnit);
  const out = conversionFactor(rule.unit, canonicalUnit);
  if (lengthIn === undefined || out === undefined) {
    throw new Error(`lengthDependent MPE: "${rule.unit}" and "${rule.lengthUnit}" must convert to the canonical unit "${canonicalUnit}"`);
  }
  const L = Math.abs(length) * lengthIn;
  return (rule.a + L / rule.k) * out;
}

/** Unit problems of a rule for a channel, as "path: message" lines in the style of parseProfile. */
export function lengthRuleUnitProblems(rule: LengthDependentMpeRule, canonicalUnit: string, path: string): string[] {
  const problems: string[] = [];
  for (const key of ['unit', 'lengthUnit'] as const) {
    const code = rule[key];
    if (!isUcumCode(code)) problems.push(`  ${path}.${key}: "${code}" is not a UCUM code (µm is "um")`);
    else if (conversionFactor(code, canonicalUnit) === undefined) {
      problems.push(`  ${path}.${key}: "${code}" does not convert to the canonical unit "${canonicalUnit}"`);
    }
  }
  return problems;
}
