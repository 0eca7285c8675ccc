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
 * The gateway's default zone (MAG_DEFAULT_TIME_ZONE): the zone of what belongs to no enterprise
 * (campaigns, the gateway's own alerts) and of an enterprise the console does not know. Learnt at
 * sign-in from the enterprises listed (`zoneInEffect` of one without its own `timeZone`) and from the
 * overview's `timeZone`; until then the documented default, Asia/Ho_Chi_Minh.
 */
let gatewayZone = 'Asia/Ho_Chi_Minh';
export const defaultZone = () => gatewayZone;
/** @param {string | null | undefined} zone an IANA zone; anything this browser does not know is ignored */
export function setDefaultZone(zone) {
  if (zone && isZone(zone)) gatewayZone = zone;
}
/** Formatters of a zone's wall clock, made once per zone (tables format hundreds of times). @type {Map<string, Intl.DateTimeFormat | null>} */
const clocks = new Map();
/** @param {string} zone @returns {Intl.DateTimeFormat | null} null for a zone this browser does not know */
function clockOf(zone) {
  let f = clocks.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      f = null;
    }
    clocks.set(zone, f);
  }
  return f;
}
/** @param {string} zone */
export const isZone = (zone) => clockOf(zone) !== null;

/**
 * The wall-clock parts of an instant in a zone (the gateway's default for one this browser does not
 * know), as written: two digits, the hour 00–23.
 * @param {Date} d @param {string} zone
 */
function clockParts(d, zone) {
  /** @type {Record<string, string>} */
  const p = {};
  const fmt = clockOf(zone) ?? clockOf(gatewayZone) ?? clockOf('UTC');
  for (const x of fmt?.formatToParts(d) ?? []) p[x.type] = x.value;
  return { year: p.year, month: p.month, day: p.day, hour: p.hour === '24' ? '00' : p.hour, minute: p.minute, second: p.second };
}

/** Now on a zone's wall clock, as a datetime-local input takes it: "2026-10-22T08:30". @param {string} zone */
export function nowOnClock(zone) {
  const p = clockParts(new Date(), zone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** A day as the printed papers write it, in both languages: 22/10/2026. @param {{ year: string, month: string, day: string }} p */
const dayText = (p) => `${p.day}/${p.month}/${p.year}`;

/**
 * An instant on an enterprise's clock, as the printed papers write it: "08:30 22/10/2026" in
 * Vietnamese, "22/10/2026 08:30" in English (seconds only where rows come seconds apart).
 * @param {string | null | undefined} iso
 * @param {string} [zone] the IANA zone of the enterprise it belongs to; the gateway's default zone
 *   otherwise, never this browser's (a browser in UTC would show 01:30 for 08:30 in Vietnam)
 * @param {{ seconds?: boolean }} [opts]
 */
export function fmtDateTime(iso, zone = gatewayZone, opts = {}) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = clockParts(d, zone);
  const time = `${p.hour}:${p.minute}${opts.seconds ? `:${p.second}` : ''}`;
  return current === 'vi' ? `${time} ${dayText(p)}` : `${dayText(p)} ${time}`;
}

/**
 * A day, dd/MM/yyyy in both languages: 22/10/2026.
 * @param {string | null | undefined} iso a day YYYY-MM-DD (shown as that day, whatever the zone); an
 *   instant written with an offset (a certificate's issuedAt given as a day is stored as
 *   `2026-04-01T00:00:00.000+07:00`) as the day it names there; another instant as its day in `zone`
 * @param {string} [zone] the enterprise's IANA zone; the gateway's default zone otherwise
 */
export function fmtDate(iso, zone = gatewayZone) {
  if (!iso) return '—';
  const day = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+[+-]\d{2}:\d{2})?$/.exec(iso);
  if (day) return dayText({ year: day[1], month: day[2], day: day[3] });
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return dayText(clockParts(d, zone));
}

/** A period of days: "09/08/2026 – 11/08/2026". @param {string | null | undefined} from @param {string | null | undefined} to @param {string} [zone] */
export const fmtDays = (from, to, zone) => `${fmtDate(from, zone)} – ${fmtDate(to, zone)}`;

/** Today in `zone` (the enterprise's; the gateway's default otherwise), YYYY-MM-DD. @param {string} [zone] */
export function todayIn(zone = gatewayZone) {
  const p = clockParts(new Date(), zone);
  return `${p.year}-${p.month}-${p.day}`;
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

/** A month YYYY-MM with its whole year: "03/2026" / "Mar 2026". @param {string} key */
export function fmtMonth(key) {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) return key;
  if (current === 'vi') return `${m[2]}/${m[1]}`;
  return new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${key}-01T00:00:00Z`));
}

/** @param {unknown} x @param {number} [digits] */
export function fmtNum(x, digits = 4) {
  if (x === null || x === undefined || x === '') return '—';
  const n = Number(x);
  if (!Number.isFinite(n)) return String(x);
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
}

/**
 * An expanded uncertainty as a record states it: two significant digits (GUM §7.2.6; the gateway's
 * statedUncertainty), 2.0817 → "2,1", 0.0306 → "0,031". @param {unknown} x
 */
export function fmtU(x) {
  const n = Number(x);
  if (x === null || x === undefined || x === '' || !Number.isFinite(n) || n === 0) return fmtNum(x);
  return fmtNum(Number(n.toPrecision(2)), 20);
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

/**
 * A figure to `sig` significant digits (a drift of −2.02259 a day: −2,02), in the reader's notation.
 * A figure smaller than `negligible` is shown as 0: a least-squares slope over steady checks comes out
 * as −1.13e-18 % LEL a day, floating-point noise, not a drift ("−0,00000000000000000113").
 * @param {unknown} x @param {number} [sig] @param {number} [negligible] the size below which it is 0
 */
export function fmtSig(x, sig = 3, negligible = 0) {
  if (x === null || x === undefined || x === '') return '—';
  const n = Number(x);
  if (!Number.isFinite(n)) return String(x);
  if (n === 0 || Math.abs(n) < negligible) return fmtNum(0);
  return new Intl.NumberFormat(locale(), { maximumSignificantDigits: sig }).format(n);
}

/**
 * A p-value as a statistician writes it: to `sig` significant digits, and below 0.001 as "< 0,001" (a
 * station whose 120 checks all lean one way has p = 2^−120, forty zeros wide on a phone).
 * @param {number} p @param {number} [sig]
 */
export function fmtP(p, sig = 2) {
  return p < 0.001 ? `< ${fmtSig(0.001)}` : fmtSig(p, sig);
}

/** The same, signed: +0,0000571 / −2,02. @param {unknown} x @param {number} [sig] @param {number} [negligible] */
export function fmtSigSigned(x, sig = 3, negligible = 0) {
  const n = Number(x);
  if (!Number.isFinite(n) || n === 0 || Math.abs(n) < negligible) return fmtSig(x, sig, negligible);
  return (n > 0 ? '+' : '') + fmtSig(n, sig);
}

/**
 * How small a drift figure may be and still be shown as 0: a millionth of the series' MPE (its
 * tolerance), which no verification could tell from 0; without an MPE, 1e-12 of the unit, below any
 * instrument's resolution in the units MAG measures in (a nanogram in kg, a millionth of a ppm).
 * @param {number | null | undefined} mpe
 */
export const negligibleAgainst = (mpe) => (Number.isFinite(mpe) && /** @type {number} */ (mpe) > 0 ? 1e-6 * /** @type {number} */ (mpe) : 1e-12);

/**
 * A figure as written in a name or a text ("0.250" of a test point "wet-bath-0.250"), its digits
 * kept, with the reader's decimal sign: "0,250" in Vietnamese. @param {string} figure
 */
export const figureAsWritten = (figure) => (current === 'vi' ? figure.replace('.', ',') : figure);
