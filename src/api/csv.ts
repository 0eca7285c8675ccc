// CSV export (RFC 4180) with spreadsheet formula injection neutralised: a text cell starting with
// = + - @ (or tab / carriage return), also after leading spaces, is prefixed with a single quote.
const FORMULA_START = /^[\s]*[=+\-@]|^[\t\r]/;

/** A text that a spreadsheet would run as a formula, made plain text (a leading '). */
export function neutraliseFormula(s: string): string {
  return FORMULA_START.test(s) ? `'${s}` : s;
}

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  if (typeof v === 'string') s = neutraliseFormula(s);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

/**
 * The CSV as the file a download gives: a UTF-8 byte-order mark first. Without it Excel (the tool
 * inspectors open these in) reads the file in the system's code page and Vietnamese names and
 * headers come out garbled ("KiÃªm Ä‘á»‹nh"); other readers skip it.
 */
export function csvFile(csv: string): string {
  return `\uFEFF${csv}`;
}
