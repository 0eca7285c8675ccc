// @ts-check
// Package weights typed by hand on a lot's page, read as the reader writes numbers. Once recorded a
// package cannot be taken back (docs/contract.md, POST /api/v1/lots/{id}/packages), so what cannot be
// read one way only is refused, never guessed: "501,2" split on its comma made two packages, 501 and 2.
// Pure: no DOM, so that it is tested beside itself (package-values.test.ts).

/**
 * Why a text was not read: `point` a Vietnamese figure with a point and no decimal comma ("501.2",
 * "1.234"), `number` a piece that is no number, `negative` a figure below zero.
 * @typedef {{ ok: true, values: number[] } | { ok: false, problem: 'empty' | 'point' | 'number' | 'negative', piece?: string }} PackageReading
 */

// Vietnamese: the comma is the decimal mark, the point groups thousands (1.234,5). Values are
// separated by newlines, spaces or semicolons, never by commas.
const VI_FIGURE = /^\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^\d+(?:,\d+)?$/;
// English: the point is the decimal mark; commas separate values like spaces do.
const EN_FIGURE = /^\d+(?:\.\d+)?$|^\.\d+$/;

/**
 * The values of a text, in the order typed.
 *
 * In Vietnamese a point is read only as a thousands separator next to a decimal comma ("1.234,5" =
 * 1234.5). Alone it is refused, asking for the comma: "1.234" is 1234 to a Vietnamese reader and 1.234
 * to a keyboard set to English, and "501.2", though no thousands grouping, is the same slip one digit
 * further; accepting either would let a reader who types one way have it recorded the other. Refusing
 * costs a retype; a wrong package stays in the lot's judgement for good.
 * @param {string} text @param {'vi' | 'en'} lang
 * @returns {PackageReading}
 */
export function readPackageValues(text, lang) {
  const pieces = text.split(lang === 'vi' ? /[\s;]+/ : /[\s;,]+/).filter(Boolean);
  if (!pieces.length) return { ok: false, problem: 'empty' };
  /** @type {number[]} */
  const values = [];
  for (const piece of pieces) {
    const negative = /^[-−]/.test(piece);
    const figure = piece.replace(/^[-−+]/, '');
    if (lang === 'vi' && figure.includes('.') && !figure.includes(',')) return { ok: false, problem: 'point', piece };
    const shape = lang === 'vi' ? VI_FIGURE : EN_FIGURE;
    if (!shape.test(figure)) return { ok: false, problem: 'number', piece };
    const n = Number(lang === 'vi' ? figure.replace(/\./g, '').replace(',', '.') : figure);
    if (!Number.isFinite(n)) return { ok: false, problem: 'number', piece };
    if (negative && n !== 0) return { ok: false, problem: 'negative', piece };
    values.push(n);
  }
  return { ok: true, values };
}

/** The factor of each prepackage unit to its base (g or mL), as src/metrology/tolerable-deficiency.ts. */
const UNITS = /** @type {Record<string, { base: 'g' | 'mL', factor: number }>} */ ({
  g: { base: 'g', factor: 1 },
  kg: { base: 'g', factor: 1000 },
  mL: { base: 'mL', factor: 1 },
  L: { base: 'mL', factor: 1000 },
});

/**
 * Qn in the unit packages are measured in (a lot in mL weighed in g: Qn × density), as the gateway's
 * packageLimits computes it; undefined when the console cannot tell (a unit it does not know, no density).
 * @param {{ nominal: number, unit: string, measuredUnit?: string, density?: number }} lot
 */
export function nominalMeasured(lot) {
  const to = UNITS[lot.unit];
  const from = UNITS[lot.measuredUnit ?? lot.unit];
  if (!to || !from || !(lot.nominal > 0)) return undefined;
  const base = lot.nominal * to.factor; // in the lot's base unit
  if (from.base === to.base) return base / from.factor;
  if (!(lot.density && lot.density > 0)) return undefined;
  // g ↔ mL through the density (g/mL)
  return (from.base === 'g' ? base * lot.density : base / lot.density) / from.factor;
}

/** How far from the expected content a typed package may be before the reader is asked to confirm it. */
export const PLAUSIBLE_SHARE = 0.5;

/**
 * The values that do not look like a package of the lot: 0 (an empty package is possible, but more
 * often a slip), or further than half of Qn from what a package should weigh (Qn for net, Qn plus the
 * average tare for gross), e.g. a value in kg typed for one in g. The band is the console's, not a legal
 * limit: it only asks the reader to look again before the values are recorded for good.
 * @param {number[]} values
 * @param {{ nominal: number, unit: string, measuredUnit?: string, density?: number, averageTare?: number }} lot
 * @param {'net' | 'gross'} kind
 * @returns {{ expected?: number, low?: number, high?: number, suspect: number[] }} suspect: the positions (0-based)
 */
export function implausiblePackages(values, lot, kind) {
  const qn = nominalMeasured(lot);
  const expected = qn === undefined ? undefined : kind === 'gross' ? qn + (lot.averageTare ?? 0) : qn;
  const low = qn === undefined || expected === undefined ? undefined : expected - PLAUSIBLE_SHARE * qn;
  const high = qn === undefined || expected === undefined ? undefined : expected + PLAUSIBLE_SHARE * qn;
  /** @type {number[]} */
  const suspect = [];
  values.forEach((v, i) => {
    if (v <= 0 || (low !== undefined && high !== undefined && (v < low || v > high))) suspect.push(i);
  });
  return { expected, low, high, suspect };
}
