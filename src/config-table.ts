// The README's configuration table, rendered from ConfigSchema (defaults, allowed values) and
// SETTING_DOCS (meanings): `npm run docs:config` writes it, src/config-table.test.ts checks it.
import type { z } from 'zod';
import { ConfigSchema, SETTING_DOCS, type SettingDoc } from './config.ts';

export const TABLE_START = '<!-- config:start -->';
export const TABLE_END = '<!-- config:end -->';
const HEADER = '| variable | default | allowed | meaning |\n|---|---|---|---|';

type Setting = keyof typeof ConfigSchema.shape;

/** One row per setting, in the schema's order, keyed by variable name. */
export function configTableRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const name of Object.keys(ConfigSchema.shape) as Setting[]) {
    const doc: SettingDoc | undefined = SETTING_DOCS[name];
    if (!doc) throw new Error(`${name} has no entry in SETTING_DOCS (src/config.ts)`);
    const schema = ConfigSchema.shape[name] as z.ZodType;
    const cells = [`\`${name}\``, doc.shownDefault ?? shownDefault(name, schema), doc.allowed ?? allowedValues(schema), doc.meaning];
    rows.set(name, `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`);
  }
  return rows;
}

export function renderConfigTable(): string {
  return `${HEADER}\n${[...configTableRows().values()].join('\n')}`;
}

/** The README with the table between its markers replaced by the rendered one. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`the README has no ${TABLE_START} … ${TABLE_END} markers for the configuration table`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderConfigTable()}\n${readme.slice(end)}`;
}

/** Rows of the README's table by variable (the text between the markers). */
export function readmeTableRows(readme: string): Map<string, string> {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  const rows = new Map<string, string>();
  if (start < 0 || end < start) return rows;
  for (const line of readme.slice(start + TABLE_START.length, end).split('\n')) {
    const m = /^\| `([A-Z0-9_]+)` \|/.exec(line.trim());
    if (m) rows.set(m[1], line.trim());
  }
  return rows;
}

/** What differs between the README's table and the schema, one sentence per variable. */
export function configTableDifferences(readme: string): string[] {
  const expected = configTableRows();
  const actual = readmeTableRows(readme);
  const out: string[] = [];
  for (const [name, row] of expected) {
    const got = actual.get(name);
    if (got === undefined) out.push(`${name} is missing from the README's configuration table`);
    else if (got !== row) out.push(`${name} differs:\n    README: ${got}\n    schema: ${row}`);
  }
  for (const name of actual.keys()) if (!expected.has(name)) out.push(`${name} is in the README's configuration table but not in ConfigSchema`);
  return out;
}

/** Unwraps defaults, optionals and preprocessing to the schema that checks the value. */
function core(schema: z.ZodType): z.ZodType {
  const def = schema.def as { type: string; innerType?: z.ZodType; out?: z.ZodType };
  if ((def.type === 'default' || def.type === 'optional') && def.innerType) return core(def.innerType);
  if (def.type === 'pipe' && def.out) return core(def.out);
  return schema;
}

function shownDefault(name: string, schema: z.ZodType): string {
  const def = schema.def as { type: string; defaultValue?: unknown };
  if (def.type !== 'default') return 'unset';
  const value = def.defaultValue;
  return typeof value === 'number' ? `\`${value}\`${unitHint(name, value)}` : `\`${String(value)}\``;
}

/** 65536 bytes → " (64 KiB)", 300000 ms → " (5 min)": what a large default means at a glance. */
function unitHint(name: string, value: number): string {
  if (name.endsWith('_BYTES')) {
    for (const [size, unit] of [
      [1024 ** 3, 'GiB'],
      [1024 ** 2, 'MiB'],
      [1024, 'KiB'],
    ] as const)
      if (value >= size && value % size === 0) return ` (${value / size} ${unit})`;
  }
  if (name.endsWith('_MS')) {
    if (value >= 3_600_000 && value % 3_600_000 === 0) return ` (${value / 3_600_000} h)`;
    if (value >= 60_000 && value % 60_000 === 0) return ` (${value / 60_000} min)`;
    if (value >= 1000 && value % 1000 === 0) return ` (${value / 1000} s)`;
  }
  return '';
}

function allowedValues(schema: z.ZodType): string {
  const c = core(schema);
  const def = c.def as { type: string; entries?: Record<string, string>; checks?: { _zod: { def: NumberCheck } }[] };
  if (def.type === 'enum' && def.entries)
    return Object.values(def.entries)
      .map((v) => `\`${v}\``)
      .join(', ');
  if (def.type === 'number') return numberRange(def.checks?.map((k) => k._zod.def) ?? []);
  if (def.type === 'string') {
    const min = def.checks?.map((k) => k._zod.def as { check: string; minimum?: number }).find((k) => k.check === 'min_length')?.minimum;
    return min !== undefined && min > 1 ? `text, ≥ ${min} characters` : 'text';
  }
  return def.type;
}

interface NumberCheck {
  check: string;
  format?: string;
  value?: number;
  inclusive?: boolean;
}

function numberRange(checks: NumberCheck[]): string {
  const integer = checks.some((k) => k.check === 'number_format' && (k.format === 'safeint' || k.format === 'int32'));
  // Integers turn an exclusive bound into the next whole number (positive() → 1); decimals keep > or <.
  let low: string | undefined;
  let high: string | undefined;
  let lowValue: number | undefined;
  let highValue: number | undefined;
  for (const k of checks) {
    if (k.value === undefined) continue;
    if (k.check === 'greater_than') {
      lowValue = k.inclusive ? k.value : integer ? k.value + 1 : undefined;
      low = lowValue === undefined ? `> ${k.value}` : `≥ ${lowValue}`;
    }
    if (k.check === 'less_than') {
      highValue = k.inclusive ? k.value : integer ? k.value - 1 : undefined;
      high = highValue === undefined ? `< ${k.value}` : `≤ ${highValue}`;
    }
  }
  const kind = integer ? 'integer' : 'number';
  if (lowValue !== undefined && highValue !== undefined) return `${kind} ${lowValue}–${highValue}`;
  return [kind, low, high].filter(Boolean).join(' ');
}
