// Arithmetic on the decimals instruments and people write, without the binary noise of doubles in what MAG answers.

/**
 * Decimal places of a number as written (20.06 → 2, 1.5e-7 → 8, 1e21 → 0): JavaScript's shortest form of a
 * double, which gives back the decimal a device or a person wrote.
 */
export function decimalPlaces(x: number): number {
  const text = String(Math.abs(x));
  const exp = text.indexOf('e');
  const mantissa = exp < 0 ? text : text.slice(0, exp);
  const dot = mantissa.indexOf('.');
  const places = dot < 0 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, exp < 0 ? places : places - Number(text.slice(exp + 1)));
}

/**
 * The sum of decimals as decimal arithmetic gives it: a sum of numbers of at most d decimal places has at most d,
 * so the float sum's binary noise past them is rounded off (20.06 − 20 is 0.05999999999999872 in binary, 0.06 here,
 * as the inspector computes it). Exact, not a rounding of the result: what is dropped was never in the inputs.
 * Past 15 places a double holds no more decimals to keep, and the float sum is returned as it is.
 */
export function decimalSum(...terms: number[]): number {
  let sum = 0;
  let places = 0;
  for (const t of terms) {
    sum += t;
    places = Math.max(places, decimalPlaces(t));
  }
  return places > 15 ? sum : Number(sum.toFixed(places));
}

/**
 * A product or quotient to 12 significant digits (0.0045 × 20 = 0.09000000000000001 → 0.09): far below any
 * figure of a check (a double carries 15–17), and far above the 10⁻⁹ the decisions allow for (decision.ts).
 */
export const significant = (x: number): number => Number(x.toPrecision(12));

/**
 * An expanded uncertainty as a record states it: two significant digits (GUM, JCGM 100:2008 §7.2.6: "it usually
 * suffices to quote u_c(y) and U … to at most two significant digits"). 2.0817 ppm is stated 2.1 ppm, 0.0306 L
 * 0.031 L. Only for what is written: the decisions use U as computed.
 */
export function statedUncertainty(u: number): number {
  return Number.isFinite(u) && u !== 0 ? Number(u.toPrecision(2)) : u;
}
