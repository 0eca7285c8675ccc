// Student t distribution (no dependency): CDF via the regularized incomplete beta function (Lentz
// continued fraction), quantile by bisection on the CDF. Accurate to ~1e-12 relative for the degrees
// of freedom seen in drift prediction.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) return h;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b) (also the binomial tail: P(X ≥ k) = I_p(k, n − k + 1), ./seller-favour.ts). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with df > 0 degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5); // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Quantiles already computed, by p then df. Drift judgement asks for the same two confidences
 * (slope significance, prediction bound) at df = checks − 2 of every series after every check, and
 * the bisection below costs tens of µs; the answer is a pure function of (p, df), so a cached one
 * is the same double. Bounded: cleared when it holds QUANTILE_CACHE_SIZE entries.
 */
const quantiles = new Map<number, Map<number, number>>();
let quantilesHeld = 0;
const QUANTILE_CACHE_SIZE = 4096;

/** Quantile t_{p, df} of Student's t: P(T ≤ t) = p, 0 < p < 1, df > 0. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be > 0, got ${df}`);
  let byDf = quantiles.get(p);
  const hit = byDf?.get(df);
  if (hit !== undefined) return hit;
  const q = computeQuantile(p, df);
  if (quantilesHeld >= QUANTILE_CACHE_SIZE) {
    quantiles.clear();
    quantilesHeld = 0;
    byDf = undefined;
  }
  if (!byDf) quantiles.set(p, (byDf = new Map()));
  byDf.set(df, q);
  quantilesHeld++;
  return q;
}

function computeQuantile(p: number, df: number): number {
  if (p === 0.5) return 0;
  if (p < 0.5) return -computeQuantile(1 - p, df);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  // Work on the upper tail 1 − p to keep precision for p near 1.
  const tailTarget = 1 - p;
  const tail = (t: number): number => 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  let lo = 0;
  let hi = 1;
  while (tail(hi) > tailTarget) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > tailTarget) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
