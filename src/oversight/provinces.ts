// Vietnam's provinces by their ISO 3166-2:VN code, as data (provinces-vn.json, which cites its
// source and says what the 2025 merger left unconfirmed): a report for the province names it,
// "Bắc Giang" or "Bac Giang", where the data has "VN-BG". A province that is now part of a unit of
// another name (Bắc Giang of Bắc Ninh since 1 July 2025) keeps its code and its name and has a
// `successor`: provinceNameOn names the unit as it was on a given day. Read and validated once, at
// load; the lookups are pure. A code the table lacks is printed as the code itself, never guessed.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Lang } from './labels.ts';
import { numericDate } from './period.ts';

const Code = z.string().regex(/^VN-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2:VN code such as VN-HN');
/** A day, YYYY-MM-DD, that the calendar has. */
const Day = z.iso.date({ error: 'must be a day written YYYY-MM-DD, such as 2025-07-01' });
const Url = z.string().regex(/^https?:\/\/\S+$/, 'must be the http(s) address of the page that says so');
const Vi = z.string().min(1);
const En = z.string().regex(/^[\x20-\x7e]+$/, 'must be written without diacritics');
const Category = z.enum(['province', 'municipality']);

/**
 * The provincial unit a listed one is part of, or became, from the day `since`: Bắc Giang's is Bắc
 * Ninh from 2025-07-01 (`merged`: its area is part of a unit of another name), Thừa Thiên Huế's the
 * city Huế from 2025-01-01 (`became`). `source` is the page that says so; `unconfirmed` marks what
 * no source read says, with a note.
 */
const SuccessorSchema = z
  .strictObject({
    vi: Vi,
    en: En,
    category: Category,
    change: z.enum(['merged', 'became']),
    since: Day,
    source: Url,
    unconfirmed: z.literal(true).optional(),
    note: z.string().min(1).optional(),
  })
  .refine((s) => !s.unconfirmed || s.note !== undefined, { message: 'an unconfirmed successor needs a note saying what is unconfirmed', path: ['note'] });

export const ProvinceTableSchema = z.strictObject({
  source: z.string().min(1),
  merger2025: z.strictObject({
    isoUpdated: z.enum(['unconfirmed', 'yes', 'no']),
    note: z.string().min(1),
    /** The pages the successors' facts were read on. */
    sources: z.array(Url).min(1).optional(),
  }),
  aliases: z.strictObject({ note: z.string().min(1), codes: z.record(Code, Code) }),
  provinces: z
    .array(
      z.strictObject({
        code: Code,
        /** The name in Vietnamese, with its diacritics. */
        vi: Vi,
        /** The name in English: the Vietnamese without diacritics (Ho Chi Minh City aside). */
        en: En,
        category: Category,
        note: z.string().optional(),
        successor: SuccessorSchema.optional(),
      }),
    )
    .min(1),
});
export type ProvinceTable = z.infer<typeof ProvinceTableSchema>;
export type Province = ProvinceTable['provinces'][number];
export type ProvinceSuccessor = NonNullable<Province['successor']>;

/** Validates a province table: every code once, every alias naming a code of the table and not one itself. */
export function parseProvinceTable(json: unknown, file: string): ProvinceTable {
  const r = ProvinceTableSchema.safeParse(json);
  if (!r.success) throw new Error(`Invalid province table ${file}:\n${r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const codes = new Set<string>();
  for (const p of r.data.provinces) {
    if (codes.has(p.code)) throw new Error(`Invalid province table ${file}: ${p.code} is listed twice`);
    codes.add(p.code);
  }
  for (const [alias, code] of Object.entries(r.data.aliases.codes)) {
    if (codes.has(alias)) throw new Error(`Invalid province table ${file}: alias ${alias} is a code of the table`);
    if (!codes.has(code)) throw new Error(`Invalid province table ${file}: alias ${alias} names ${code}, which the table lacks`);
  }
  return r.data;
}

const FILE = new URL('./provinces-vn.json', import.meta.url);
export const PROVINCE_TABLE: ProvinceTable = parseProvinceTable(JSON.parse(readFileSync(FILE, 'utf8')), FILE.pathname);

const byCode = new Map<string, Province>(PROVINCE_TABLE.provinces.map((p) => [p.code, p]));
for (const [alias, code] of Object.entries(PROVINCE_TABLE.aliases.codes)) byCode.set(alias, byCode.get(code)!);

/** The province of an ISO 3166-2:VN code (or of one of the project's aliases), if the table has it. */
export function provinceOf(code: string): Province | undefined {
  return byCode.get(code);
}

/** The province's name in `lang` ("Bắc Giang" / "Bac Giang"), as listed; a code the table lacks, as given. */
export function provinceName(code: string, lang: Lang): string {
  return byCode.get(code)?.[lang] ?? code;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const checkedDay = (day: string, what: string): string => {
  if (!DAY.test(day)) throw new Error(`${what}: the day must be written YYYY-MM-DD, such as 2026-03-05; received ${JSON.stringify(day)}`);
  return day;
};

/** The successor in force on `day` (YYYY-MM-DD): the province's, when `day` is on or after its `since`. */
function successorOn(code: string, day: string): ProvinceSuccessor | undefined {
  const s = byCode.get(code)?.successor;
  return s && day >= s.since ? s : undefined;
}

/**
 * The name of the provincial unit of `code` on `day` (YYYY-MM-DD, a day of the caller's zone), in
 * `lang`: its successor's from the successor's `since` ("Bắc Ninh" for VN-BG on 2026-03-05, "Huế"
 * for VN-TTH on 2025-01-01), else the name as listed ("Bắc Giang" on 2025-06-30); a code the table
 * lacks, as given. The place of a document issued that day (Nghị định 30/2020/NĐ-CP, Phụ lục I).
 */
export function provinceNameOn(code: string, lang: Lang, day: string): string {
  return successorOn(code, checkedDay(day, `provinceNameOn(${code})`))?.[lang] ?? provinceName(code, lang);
}

const longDay = (day: string) =>
  new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
/** "tỉnh Bắc Ninh", "thành phố Hải Phòng", "Thành phố Hồ Chí Minh" (whose name says it). */
const viUnit = (s: ProvinceSuccessor) => (s.category === 'province' ? `tỉnh ${s.vi}` : /^Thành phố /.test(s.vi) ? s.vi : `thành phố ${s.vi}`);

/**
 * The province as a report whose period ends on `lastDay` (YYYY-MM-DD) names it in a title: the
 * name as listed, with its successor when the period ends on or after the successor's `since`:
 * "Bắc Giang (từ 01/07/2025 thuộc tỉnh Bắc Ninh)" / "Bac Giang (part of Bac Ninh since 1 July 2025)",
 * "Thừa Thiên Huế (từ 01/01/2025 là thành phố Huế)" / "Thua Thien Hue (the city of Hue since 1
 * January 2025)"; the name alone before, and for a province without one. The periodic report's
 * cover names its region so (coverOf, render-pdf.ts).
 */
export function provinceTitle(code: string, lang: Lang, lastDay: string): string {
  const name = provinceName(code, lang);
  const s = successorOn(code, checkedDay(lastDay, `provinceTitle(${code})`));
  if (!s) return name;
  if (lang === 'vi') return `${name} (từ ${numericDate(s.since)} ${s.change === 'merged' ? 'thuộc' : 'là'} ${viUnit(s)})`;
  if (s.change === 'merged') return `${name} (part of ${s.en} since ${longDay(s.since)})`;
  return `${name} (the ${s.category === 'province' ? 'province' : 'city'} of ${s.en} since ${longDay(s.since)})`;
}
