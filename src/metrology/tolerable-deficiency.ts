// Tolerable deficiency T of a prepackage (OIML R87 Table 1 = Directive 76/211/EEC Annex I 2.4) and the
// fineness a measuring instrument needs to check it. Pure: no I/O. The table, its range and the rounding of T
// are data (devices/prepackages/tolerable-deficiency.json, part of the module graph like code), validated here.
import { z } from 'zod';
import tableOfThePackage from '../../devices/prepackages/tolerable-deficiency.json' with { type: 'json' };
import { conversionFactor } from './units.ts';

/** Units a nominal quantity may be declared in (UCUM codes). Volume is treated like mass, mL like g (R87 Table 1). */
export const PREPACKAGE_UNITS = ['g', 'kg', 'mL', 'L'] as const;
export type PrepackageUnit = (typeof PREPACKAGE_UNITS)[number];

export type BaseUnit = 'g' | 'mL';
export const BASE_UNIT: Record<PrepackageUnit, BaseUnit> = { g: 'g', kg: 'g', mL: 'mL', L: 'mL' };

export function isPrepackageUnit(u: string): u is PrepackageUnit {
  return (PREPACKAGE_UNITS as readonly string[]).includes(u);
}

/** A row of R87 Table 1: Qn from `from` to `to` (g or mL), T a percentage of Qn or an absolute amount. */
export interface ToleranceBand {
  from: number;
  to: number;
  percent?: number;
  absolute?: number;
}

/** Where the table of the package lives, for messages (the file the default below is read from). */
export const TOLERABLE_DEFICIENCY_SOURCE = 'devices/prepackages/tolerable-deficiency.json';

const ToleranceBandSchema = z
  .strictObject({
    from: z.number().positive({ message: 'from must be > 0 (g or mL)' }),
    to: z.number().positive({ message: 'to must be > 0 (g or mL)' }),
    percent: z.number().positive({ message: 'percent must be > 0' }).max(100, { message: 'percent must be at most 100' }).optional(),
    absolute: z.number().positive({ message: 'absolute must be > 0 (g or mL)' }).optional(),
  })
  .refine((r) => (r.percent === undefined) !== (r.absolute === undefined), {
    message: 'a row gives T either as "percent" of Qn or as an "absolute" amount: exactly one of the two',
  })
  .refine((r) => r.to > r.from, { message: 'to must be greater than from', path: ['to'] });

/** Where a figure comes from, as the sampling plans cite theirs; an unconfirmed figure says what is unconfirmed. */
const citation = {
  source: z.string().min(1),
  /** True when the figures were not checked against the primary text. */
  unconfirmed: z.boolean(),
  note: z.string().optional(),
};
const hasNoteIfUnconfirmed = (c: { unconfirmed: boolean; note?: string }) => !c.unconfirmed || (c.note ?? '') !== '';
const noteNeeded = { message: 'an unconfirmed citation needs a note saying what is unconfirmed', path: ['note'] };

/** Rows sharing one citation. */
const ToleranceRowGroupSchema = z.strictObject({ ...citation, rows: z.array(ToleranceBandSchema).min(1) }).refine(hasNoteIfUnconfirmed, noteNeeded);

/** How T is rounded, in g or mL: up to the next multiple of `step`. */
const ToleranceRoundingSchema = z
  .strictObject({ step: z.number().positive(), direction: z.literal('up'), ...citation })
  .refine(hasNoteIfUnconfirmed, noteNeeded);

export const ToleranceTableSchema = z
  .strictObject({
    note: z.string().default(''),
    rounding: ToleranceRoundingSchema,
    groups: z.array(ToleranceRowGroupSchema).min(1),
  })
  .superRefine((t, ctx) => {
    const rows = t.groups.flatMap((g, gi) => g.rows.map((row, ri) => ({ row, path: ['groups', gi, 'rows', ri] })));
    rows.forEach(({ row, path }, i) => {
      if (i === 0) return;
      const prev = rows[i - 1]!;
      const at = prev.path.join('.');
      if (row.from > prev.row.to) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'from'],
          message: `gap: ${at} ends at ${prev.row.to}, this row starts at ${row.from}; rows must meet (from = the previous row's to)`,
        });
      } else if (row.from < prev.row.to) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'from'],
          message: `overlap: ${at} ends at ${prev.row.to}, this row starts at ${row.from}; rows must meet (from = the previous row's to)`,
        });
      } else {
        // Where two rows meet both must give the same T, so that which one applies at the limit does not matter.
        const [a, b] = [rawDeficiency(prev.row, row.from), rawDeficiency(row, row.from)];
        if (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) > 1e-9 * row.from) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `T jumps at Qn = ${row.from}: ${at} gives ${clean(a)}, this row ${clean(b)}; rows must give the same T where they meet (a typo?)`,
          });
        }
      }
    });
  })
  .transform((t) => ({ ...t, bands: t.groups.flatMap((g) => g.rows) as readonly ToleranceBand[] }));
/** A validated table: `bands` are the rows of every group in order, from the table's lower limit to its upper one. */
export type ToleranceTable = z.infer<typeof ToleranceTableSchema>;

/** Validates a tolerable-deficiency document; throws an Error naming `source` and every failing path (the bad row). */
export function parseToleranceTable(json: unknown, source: string): ToleranceTable {
  const result = ToleranceTableSchema.safeParse(json);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.length === 0 ? '(root)' : i.path.map(String).join('.')}: ${i.message}`);
  throw new Error(`Invalid table of tolerable deficiencies ${source}:\n${lines.join('\n')}\nFix the file (format: docs/prepackages.md) and restart.`);
}

/**
 * Tolerable deficiency T by nominal quantity Qn in g or mL, the table of the package: OIML R87 Table 1,
 * identical to the tolerable negative error of Directive 76/211/EEC Annex I 2.4. A band applies from `from` to
 * `to`; at a shared limit both bands give the same T (9 % of 50 = 4.5 g, 4.5 % of 200 = 9 g, 3 % of 500 = 15 g …;
 * the schema checks it), so which one is taken there does not matter.
 */
export const TOLERABLE_DEFICIENCY_TABLE: ToleranceTable = parseToleranceTable(tableOfThePackage, TOLERABLE_DEFICIENCY_SOURCE);
export const TOLERABLE_DEFICIENCY_BANDS: readonly ToleranceBand[] = TOLERABLE_DEFICIENCY_TABLE.bands;

export type TolerableDeficiency =
  | {
      ok: true;
      /** T in the unit Qn was declared in. */
      value: number;
      /** T in g or mL, rounded up to the table's step (0.1). */
      base: number;
      baseUnit: BaseUnit;
      /** The band that gave T, for people: "4.5 % of Qn for Qn 100–200 g, OIML R87 Table 1". */
      band: string;
      /** The row of the table `band` describes, as data. */
      row: ToleranceBand;
    }
  | { ok: false; reason: string };

/** Removes binary noise from a decimal result (0.0186000000000001 → 0.0186). */
export function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * T for a nominal quantity in g, kg, mL or L. Percentages are of Qn; T is rounded up to the next 0.1 g
 * (0.1 mL), as the EU table prescribes and R87 repeats (the table's `rounding`, unconfirmed). Qn outside the
 * table, 5 g … 50 kg (5 mL … 50 L), is refused. `table` is the package's unless given.
 */
export function tolerableDeficiency(nominal: number, unit: string, table: ToleranceTable = TOLERABLE_DEFICIENCY_TABLE): TolerableDeficiency {
  if (!isPrepackageUnit(unit)) return { ok: false, reason: `Unit "${unit}" is not one of ${PREPACKAGE_UNITS.join(', ')}.` };
  if (!Number.isFinite(nominal) || nominal <= 0) return { ok: false, reason: `The nominal quantity must be a number > 0, got ${nominal}.` };
  const baseUnit = BASE_UNIT[unit];
  const toBase = conversionFactor(unit, baseUnit)!;
  const qn = clean(nominal * toBase);
  const bands = table.bands;
  const first = bands[0]!;
  const last = bands[bands.length - 1]!;
  if (qn < first.from || qn > last.to) {
    return {
      ok: false,
      reason: `Qn = ${nominal} ${unit} is outside the table of tolerable deficiencies (${first.from} ${baseUnit} to ${last.to / 1000} ${baseUnit === 'g' ? 'kg' : 'L'}, OIML R87 Table 1).`,
    };
  }
  const band = bands.find((b) => qn <= b.to)!;
  const base = roundUp(rawDeficiency(band, qn), table.rounding.step);
  return { ok: true, value: clean(base / toBase), base, baseUnit, band: bandText(band, baseUnit), row: band };
}

/** T of a row at qn before rounding. */
function rawDeficiency(band: ToleranceBand, qn: number): number {
  return band.percent !== undefined ? (band.percent / 100) * qn : band.absolute!;
}

/** Up to the next multiple of `step`; the slack keeps an exact 4.5 from becoming 4.6 through binary noise (0.045 × 100). */
function roundUp(raw: number, step: number): number {
  return clean(Math.ceil(clean(raw / step) - 1e-9) * step);
}

/** A row of the table for people: "4.5 % of Qn for Qn 100–200 g, OIML R87 Table 1". */
export function bandText(band: ToleranceBand, baseUnit: BaseUnit): string {
  const rule = band.percent !== undefined ? `${band.percent} % of Qn` : `${band.absolute} ${baseUnit}`;
  return `${rule} for Qn ${band.from}–${band.to} ${baseUnit}, OIML R87 Table 1`;
}

export interface ScaleSuitability {
  suitable: boolean;
  /** Largest MPE accepted: T / 5, in T's unit. */
  limit: number;
  reason: string;
}

/**
 * Whether an instrument is fine enough to measure packages with tolerable deficiency T: its maximum
 * permissible error at the load must not exceed T/5. The UK reference test says the error in measuring the
 * actual contents shall not exceed one-fifth of the tolerable negative error (UK SI 2006/659 and NI SR
 * 2011/331, Schedule 2 para 1.3, after Directive 76/211/EEC); the matching clause of R87 is not confirmed.
 * Both arguments in the same unit.
 */
export function scaleSuitability(scaleMpeAtLoad: number, T: number): ScaleSuitability {
  if (!(Number.isFinite(scaleMpeAtLoad) && scaleMpeAtLoad >= 0) || !(Number.isFinite(T) && T > 0)) {
    throw new RangeError(`scaleSuitability: MPE must be ≥ 0 and T > 0, got ${scaleMpeAtLoad} and ${T}`);
  }
  const limit = clean(T / 5);
  const suitable = scaleMpeAtLoad <= limit * (1 + 1e-12);
  const reason = suitable
    ? `The instrument's MPE ${clean(scaleMpeAtLoad)} is within T/5 = ${limit} (T = ${T}): fine enough to measure these packages.`
    : `The instrument's MPE ${clean(scaleMpeAtLoad)} exceeds T/5 = ${limit} (T = ${T}): too coarse; use an instrument with an MPE of at most ${limit} at this load.`;
  return { suitable, limit, reason };
}
