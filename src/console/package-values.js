// @ts-check
// Figures typed by hand, read as the reader writes numbers: a lot's package weights, and every
// decimal field of the console's forms (blocks.js decimalInput). Once recorded a package cannot be taken
// back (docs/contract.md, POST /api/v1/lots/{id}/packages), nor a check on a closed inspection record, so
// what cannot be read one way only is refused, never guessed: "501,2" split on its comma made two
// packages, 501 and 2, and a number input of a browser set to English dropped the comma of "20,06" and
// recorded 2006 L. Pure: no DOM, so that it is tested beside itself (package-values.test.ts).

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
    const read = readFigure(piece, lang);
    if (!read.ok) return { ok: false, problem: read.problem, piece };
    if (read.value < 0) return { ok: false, problem: 'negative', piece };
    values.push(read.value);
  }
  return { ok: true, values };
}

/**
 * One figure, signed ("-0,5", "−0,5", "+2"), by the rules of readPackageValues; -0 is 0.
 * @param {string} piece @param {'vi' | 'en'} lang
 * @returns {{ ok: true, value: number } | { ok: false, problem: 'point' | 'number' }}
 */
function readFigure(piece, lang) {
  const negative = /^[-−]/.test(piece);
  const figure = piece.replace(/^[-−+]/, '');
  if (lang === 'vi' && figure.includes('.') && !figure.includes(',')) return { ok: false, problem: 'point' };
  const shape = lang === 'vi' ? VI_FIGURE : EN_FIGURE;
  if (!shape.test(figure)) return { ok: false, problem: 'number' };
  const n = Number(lang === 'vi' ? figure.replace(/\./g, '').replace(',', '.') : figure);
  if (!Number.isFinite(n)) return { ok: false, problem: 'number' };
  return { ok: true, value: negative && n !== 0 ? -n : n };
}

/**
 * Why the text of one decimal field was not read: as PackageReading's, and `comma` an English figure
 * with a comma ("20,06", "1,234.5"), which English would read as two values or a thousands separator.
 * @typedef {{ ok: true, value: number } | { ok: false, problem: 'empty' | 'point' | 'comma' | 'number' | 'negative', piece?: string }} DecimalReading
 */

/**
 * The one figure of a form's decimal field (an indication, a scale interval, an uncertainty), read by the
 * rules of readPackageValues: in Vietnamese "20,06" is 20.06 and "20.06" is refused, asking for the
 * comma; in English "20.06" is 20.06 and "20,06" is refused, asking for the point. A field holds one
 * figure: "20 06" is refused, not read as 20 or 2006.
 * @param {string} text @param {'vi' | 'en'} lang
 * @param {{ negative?: boolean }} [opts] negative: a figure below 0 is a value of the field (an indication, an offset)
 * @returns {DecimalReading}
 */
export function readDecimal(text, lang, { negative = false } = {}) {
  const piece = text.trim();
  if (!piece) return { ok: false, problem: 'empty' };
  if (/[\s;]/.test(piece)) return { ok: false, problem: 'number', piece };
  if (lang === 'en' && piece.includes(',')) return { ok: false, problem: 'comma', piece };
  const read = readFigure(piece, lang);
  if (!read.ok) return { ok: false, problem: read.problem, piece };
  if (read.value < 0 && !negative) return { ok: false, problem: 'negative', piece };
  return { ok: true, value: read.value };
}

/**
 * A figure as a decimal field shows it, so that readDecimal reads it back: the reader's decimal sign, no
 * thousands separator (in English a comma is refused), up to 15 significant digits (no binary noise,
 * no exponent): 0.004 is "0,004" in Vietnamese.
 * @param {number} x @param {'vi' | 'en'} lang
 */
export function figureForInput(x, lang) {
  return new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { useGrouping: false, maximumSignificantDigits: 15 }).format(x);
}

/** How far from the reference an indication may be, as a ratio, before the reader is asked to confirm it. */
export const PLAUSIBLE_RATIO = 2;

/**
 * Does an indication look like a slip against its reference: more than twice or less than half of it, or
 * of the other sign? "2006" typed for "20,06" against 20 L is 100 times it. No legal limit (an
 * instrument that far out fails its check anyway): the console only asks the reader to look again before
 * a check that stays on the record for good is posted. A reference of 0 (a zero point) is not asked about.
 * @param {number} indicated @param {number} reference
 */
export function implausibleIndication(indicated, reference) {
  if (reference === 0 || !Number.isFinite(indicated) || !Number.isFinite(reference)) return false;
  const ratio = indicated / reference;
  return ratio > PLAUSIBLE_RATIO || ratio < 1 / PLAUSIBLE_RATIO;
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
