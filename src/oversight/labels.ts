// The figures' words in Vietnamese and English: the console's own dictionaries
// (src/console/i18n-vi.js, i18n-en.js), so the overview page, the JSON, the XLSX and the PDF say
// the same thing and a label is written once. They are plain browser modules, read here at load.
import type { FiguresContext } from './figures.ts';
import { offsetAt } from '../ingest/time-zone.ts';
import { provinceName } from './provinces.ts';

export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];

type Dict = Record<string, string | undefined>;
// A URL built at run time: the type-checker does not follow it into the browser's modules.
const dictionary = async (file: string, name: string): Promise<Dict> =>
  ((await import(new URL(`../console/${file}`, import.meta.url).href)) as Record<string, Dict>)[name];
const DICTS: Record<Lang, Dict> = { en: await dictionary('i18n-en.js', 'en'), vi: await dictionary('i18n-vi.js', 'vi') };

const word = (lang: Lang, key: string): string | undefined => DICTS[lang][key];

/** A label in `lang`, else English, else the key itself (a missing label shows, it does not break a report). */
export function translate(lang: Lang, key: string, vars?: Record<string, string | number>): string {
  let s = word(lang, key) ?? word('en', key) ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k: string) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

/** The labelling half of a FiguresContext. */
export function labeller(lang: Lang): Pick<FiguresContext, 't' | 'label' | 'lang' | 'regionName'> {
  return {
    lang,
    t: (key, vars) => translate(lang, key, vars),
    label: (group, value) => DICTS[lang][`${group}.${value}`] ?? DICTS.en[`${group}.${value}`] ?? value,
    regionName: (code) => provinceName(code, lang),
  };
}

/**
 * A test point as the reader says it, as the console's pointName does (src/console/blocks.js): its known words in
 * the reader's language ("bump" → "kiểm tra phản ứng" / "bump test", "wet-bath-0.250" → "khí chuẩn ướt 0,250",
 * "GB-50mm" → "căn mẫu 50 mm"), its figures kept; a name the dictionaries do not know as the instrument sends it.
 */
export function pointName(point: string | undefined, lang: Lang): string {
  if (!point) return '';
  const known = word(lang, `point.${point}`);
  if (known) return known;
  // a word and a figure with its unit: wet-bath-0.250, dry-gas-0.800, GB-50mm, SM-10mm
  const m = /^([A-Za-z][A-Za-z-]*?)-(\d+(?:\.\d+)?)([A-Za-z%]*)$/.exec(point);
  const name = m ? word(lang, `point.${m[1]}`) : undefined;
  if (!m || !name) return point;
  const figure = lang === 'vi' ? m[2].replace('.', ',') : m[2];
  return `${name} ${figure}${m[3] ? ` ${m[3]}` : ''}`;
}

/** True when both languages have the key (tests, and checks of new sections). */
export function hasLabel(key: string): boolean {
  return word('en', key) !== undefined && word('vi', key) !== undefined;
}

/** Time zones a report names in its reader's words; any other by its IANA name. */
const ZONE_NAMES: Record<string, Record<Lang, string>> = {
  'Asia/Ho_Chi_Minh': { vi: 'giờ Việt Nam', en: 'Vietnam time' },
  'Asia/Saigon': { vi: 'giờ Việt Nam', en: 'Vietnam time' },
};

/** A zone's offset from UTC at `t`, as a paper writes it: UTC+7, UTC+5:30, UTC−3, UTC+0. */
export function utcOffset(zone: string, t: number): string {
  const minutes = Math.round(offsetAt(zone, t) / 60_000);
  const h = Math.floor(Math.abs(minutes) / 60);
  const m = Math.abs(minutes) % 60;
  return `UTC${minutes < 0 ? '−' : '+'}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

/**
 * The zone a report's times are in, in `lang`, with its offset at `t`: "giờ Việt Nam, UTC+7" /
 * "Vietnam time, UTC+7" for Asia/Ho_Chi_Minh; another zone by its IANA name, "Europe/Paris, UTC+1"
 * (the offset at `t`: summer time counts); UTC as itself.
 */
export function zoneName(zone: string, lang: Lang, t: number): string {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 'UTC';
  return `${ZONE_NAMES[zone]?.[lang] ?? zone}, ${utcOffset(zone, t)}`;
}
