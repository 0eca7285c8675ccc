// Unit conversion through UCUM (@lhncbc/ucum-lhc). Every (from → to) factor is resolved once and memoised:
// the library costs microseconds a call, the cache nanoseconds. Conversions are linear factors only
// (no offset units such as Cel are needed by any instrument type).
import ucum from '@lhncbc/ucum-lhc';

const utils = ucum.UcumLhcUtils.getInstance();

/** Memoised factors; `null` records a pair UCUM cannot convert, so failures are not retried either. */
const factorCache = new Map<string, number | null>();

/**
 * The factor f such that value[to] = value[from] × f, or undefined when UCUM cannot convert
 * (unknown unit, different dimensions). Codes are UCUM codes; aliases must be resolved before (see resolveUnit).
 */
export function conversionFactor(from: string, to: string): number | undefined {
  if (from === to) return 1;
  const key = `${from}\u0000${to}`;
  let factor = factorCache.get(key);
  if (factor === undefined) {
    factor = computeFactor(from, to);
    factorCache.set(key, factor);
  }
  return factor ?? undefined;
}

function computeFactor(from: string, to: string): number | null {
  // The library "suggests" corrections (ppm → [ppm]) and still succeeds; we accept only exact UCUM codes.
  if (!isUcumCode(from) || !isUcumCode(to)) return null;
  const result = utils.convertUnitTo(from, 1, to);
  if (result.status !== 'succeeded' || typeof result.toVal !== 'number' || !Number.isFinite(result.toVal)) return null;
  // Check linearity (no offset): converting 0 must give 0.
  const zero = utils.convertUnitTo(from, 0, to);
  if (zero.status !== 'succeeded' || zero.toVal !== 0) return null;
  return result.toVal;
}

const validCache = new Map<string, boolean>();

/** True when `code` is a valid UCUM expression as written (no library "did you mean"). */
export function isUcumCode(code: string): boolean {
  let valid = validCache.get(code);
  if (valid === undefined) {
    const r = utils.validateUnitString(code, false);
    valid = r.status === 'valid' && r.ucumCode === code;
    validCache.set(code, valid);
  }
  return valid;
}

/**
 * Converts `value` given in `unit` to `canonicalUnit`. Returns undefined when the units do not convert.
 */
export function toCanonical(value: number, unit: string, canonicalUnit: string): number | undefined {
  const f = conversionFactor(unit, canonicalUnit);
  return f === undefined ? undefined : scaled(value, f);
}

/** factor → the integer it is the inverse of (0.01 → 100), or null. */
const divisorCache = new Map<number, number | null>();

/**
 * `value` × `factor`, as a division when the factor is the inverse of an integer (Pa → hPa:
 * 1/100, mL → L: 1/1000): 0.01 has no exact binary form, and multiplying by it left the binary
 * error in ~15 % of such readings (101,327 Pa → 1013.2700000000001 hPa, stored and shown so),
 * where dividing by 100 gives the double nearest the decimal result.
 */
export function scaled(value: number, factor: number): number {
  if (factor >= 1) return value * factor;
  let d = divisorCache.get(factor);
  if (d === undefined) {
    const inverse = 1 / factor;
    const n = Math.round(inverse);
    d = n > 1 && Math.abs(inverse - n) <= 1e-9 * n ? n : null;
    divisorCache.set(factor, d);
  }
  return d === null ? value * factor : value / d;
}

/**
 * Maps a unit as sent on the wire to its UCUM code using the profile's aliases ("ppm" → "[ppm]").
 */
export function resolveUnit(unit: string, aliases: Readonly<Record<string, string>>): string {
  return Object.prototype.hasOwnProperty.call(aliases, unit) ? aliases[unit]! : unit;
}

/**
 * A UCUM code as people write the unit, for text they read (summaries, records, the console): the
 * brackets of an arbitrary unit and the braces of an annotation are UCUM's syntax, not the unit's name
 * ("[ppm]" → "ppm", "%{LEL}" → "% LEL", "mg/L" unchanged). Data (JSON, line protocol) keeps the code.
 */
export function unitText(code: string): string {
  return code
    .replace(/\[([^\]]*)\]/g, '$1')
    .replace(/(\S)\{([^}]*)\}/g, '$1 $2')
    .replace(/\{([^}]*)\}/g, '$1');
}
