// @ts-check
// Labels in Vietnamese and English. The language defaults from navigator.language and is kept
// in localStorage; every view is re-rendered when it changes.
import { en } from './i18n-en.js';
import { vi } from './i18n-vi.js';
import { PROVINCES } from './vocabulary.js';

const KEY = 'mag.console.lang';
/** @type {ReadonlyArray<readonly [Lang, string]>} */
export const LANGS = [
  ['vi', 'Tiếng Việt'],
  ['en', 'English'],
];

/**
 * @typedef {'vi' | 'en'} Lang
 * A key of the dictionaries: one of English's, or one of the Vietnamese summaries (`sum.*`,
 * `note.*`), which only Vietnamese needs as the API writes them in English.
 * @typedef {keyof typeof en | keyof typeof vi} Key
 */

/** @type {Record<Lang, Record<string, string | undefined>>} */
export const DICTS = { en, vi };

/** @param {unknown} l @returns {l is Lang} */
const isLang = (l) => l === 'vi' || l === 'en';

/** @returns {Lang} */
function initial() {
  try {
    const saved = localStorage.getItem(KEY);
    if (isLang(saved)) return saved;
  } catch {
    /* storage unavailable */
  }
  const nav = (navigator.languages?.[0] ?? navigator.language ?? 'en').toLowerCase();
  return nav.startsWith('vi') ? 'vi' : 'en';
}

let current = initial();

export const lang = () => current;

/** @param {string} l */
export function setLang(l) {
  if (!isLang(l)) return;
  current = l;
  try {
    localStorage.setItem(KEY, l);
  } catch {
    /* storage unavailable */
  }
  document.documentElement.lang = l;
}

/**
 * t('newAlert', {kind, device}); falls back to English, then to the key.
 * @param {Key} key
 * @param {Record<string, string | number | undefined>} [vars]
 */
export function t(key, vars) {
  let s = DICTS[current][key] ?? en[/** @type {keyof typeof en} */ (key)] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

/**
 * The label of an enumerated value (state, kind, …), or the value itself if unknown.
 * @param {string} group
 * @param {string} value
 */
export const label = (group, value) => DICTS[current][`${group}.${value}`] ?? DICTS.en[`${group}.${value}`] ?? String(value);

/**
 * A region (province) by name, as the printed report names it: "Bắc Giang" for VN-BG; a code the
 * gateway's table lacks, as given.
 * @param {string | null | undefined} code
 */
export const regionName = (code) => (code ? (PROVINCES[code]?.[current] ?? code) : '');

const locale = () => (current === 'vi' ? 'vi-VN' : 'en-GB');

/**
 * @param {string | null | undefined} iso
 * @param {string} [zone] an IANA zone to show it on (an enterprise's clock); this browser's by default
 */
export function fmtDateTime(iso, zone) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'medium', timeZone: zone }).format(d);
}

/**
 * @param {string | null | undefined} iso an instant, or a day YYYY-MM-DD (shown as that day, whatever
 * the time zone); an instant written with an offset (a certificate's issuedAt given as a day is stored
 * as `2026-04-01T00:00:00.000+07:00`) is shown as the day it names there, not in this browser's zone
 */
export function fmtDate(iso) {
  if (!iso) return '—';
  const day = /^(\d{4}-\d{2}-\d{2})(?:T[\d:.]+[+-]\d{2}:\d{2})?$/.exec(iso)?.[1];
  const d = new Date(day ? `${day}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: day ? 'UTC' : undefined }).format(d);
}

/**
 * A UCUM code as people write the unit ("[ppm]" → "ppm", "%{LEL}" → "% LEL"), as units.ts unitText:
 * the API's data keeps the code, what is read shows the unit. @param {string | null | undefined} code
 */
export function fmtUnit(code) {
  if (!code) return '';
  return code
    .replace(/\[([^\]]*)\]/g, '$1')
    .replace(/(\S)\{([^}]*)\}/g, '$1 $2')
    .replace(/\{([^}]*)\}/g, '$1');
}

/** Today in this browser's zone, YYYY-MM-DD (a date input's default: the UTC day is yesterday until 07:00 in Vietnam). */
export function localToday() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A month YYYY-MM, short: "Mar 26" / "thg 3/26". @param {string} key */
export function fmtMonth(key) {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) return key;
  if (current === 'vi') return `${Number(m[2])}/${m[1].slice(2)}`;
  return new Intl.DateTimeFormat('en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(new Date(`${key}-01T00:00:00Z`));
}

/** @param {unknown} x @param {number} [digits] */
export function fmtNum(x, digits = 4) {
  if (x === null || x === undefined || x === '') return '—';
  const n = Number(x);
  if (!Number.isFinite(n)) return String(x);
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
}

/**
 * Signed: +0.12 / −0.03
 * @param {unknown} x
 * @param {number} [digits]
 */
export function fmtSigned(x, digits = 4) {
  const n = Number(x);
  if (!Number.isFinite(n)) return fmtNum(x, digits);
  if (Number(n.toFixed(digits)) === 0) return fmtNum(0, digits); // not "-0"
  return (n > 0 ? '+' : '') + fmtNum(n, digits);
}
