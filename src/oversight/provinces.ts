// Vietnam's provinces by their ISO 3166-2:VN code, as data (provinces-vn.json, which cites its
// source and says what the 2025 merger left unconfirmed): a report for the province names it,
// "Bắc Giang" or "Bac Giang", where the data has "VN-BG". Read and validated once, at load; the
// lookup is pure. A code the table lacks is printed as the code itself, never guessed.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Lang } from './labels.ts';

const Code = z.string().regex(/^VN-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2:VN code such as VN-HN');

export const ProvinceTableSchema = z.strictObject({
  source: z.string().min(1),
  merger2025: z.strictObject({ isoUpdated: z.enum(['unconfirmed', 'yes', 'no']), note: z.string().min(1) }),
  aliases: z.strictObject({ note: z.string().min(1), codes: z.record(Code, Code) }),
  provinces: z
    .array(
      z.strictObject({
        code: Code,
        /** The name in Vietnamese, with its diacritics. */
        vi: z.string().min(1),
        /** The name in English: the Vietnamese without diacritics (Ho Chi Minh City aside). */
        en: z.string().regex(/^[\x20-\x7e]+$/, 'must be written without diacritics'),
        category: z.enum(['province', 'municipality']),
        note: z.string().optional(),
      }),
    )
    .min(1),
});
export type ProvinceTable = z.infer<typeof ProvinceTableSchema>;
export type Province = ProvinceTable['provinces'][number];

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

/** The province's name in `lang` ("Bắc Giang" / "Bac Giang"); a code the table lacks, as given. */
export function provinceName(code: string, lang: Lang): string {
  return byCode.get(code)?.[lang] ?? code;
}
