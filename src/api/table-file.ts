// A table the API hands out as a file: CSV (RFC 4180, ./csv.ts) or an Excel workbook. The workbook
// is for the people who open these files in Excel, which reads a CSV with the list separator and
// decimal sign of the machine's region: on a Vietnamese Windows (vi-VN: ";" between fields, ","
// for decimals) a comma-separated file opens as one column and 0.0012 is a text. In the workbook
// every cell has its type: numbers are numbers, text stays text (a serial "2/2" or "00123" is not
// turned into a date or 123), and times are dates on the enterprise's clock, its zone named in
// the header (or, when the rows are of enterprises in different zones, in a column of its own),
// where the CSV keeps UTC instants for programs.
import ExcelJS from 'exceljs';
import type { Context } from 'hono';
import { csvFile, neutraliseFormula, toCsv } from './csv.ts';
import { offsetAt } from '../ingest/time-zone.ts';
import { sheetName } from '../oversight/render-xlsx.ts';

export type TableFormat = 'csv' | 'xlsx';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface Sheet {
  header: readonly string[];
  rows: readonly (readonly unknown[])[];
  /** Headers of the columns holding ISO 8601 instants: dates on the row's enterprise's clock in the workbook. */
  instants?: readonly string[];
  /** The zone of a row's enterprise (the tenant it names); the table's `timeZone` without. */
  zoneOfRow?: (row: readonly unknown[]) => string;
}

export interface Table extends Sheet {
  /** The file name without extension ("oot-impact-D1"); the first sheet's name. */
  name: string;
  /** IANA zone the workbook's times are written in (the enterprise's), unless a sheet's `zoneOfRow` says otherwise. */
  timeZone: string;
  /**
   * Further tables (the assurance report's lots): sheets of their own in the workbook; in the CSV
   * each with rows follows after an empty line.
   */
  more?: readonly (Sheet & { name: string })[];
}

/**
 * The instant as Excel keeps a time: the wall clock in `zone` to the second, as a Date whose UTC
 * fields are that wall clock (Excel's dates have no zone; exceljs writes a Date's UTC fields). The
 * milliseconds are dropped, not rounded: Excel shows a cell to the nearest second, and a certificate
 * valid through 31/03 (23:59:59.999 there) would read 01/04 00:00:00.
 */
export function wallClockDate(iso: string, zone: string): Date | null {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return null;
  const wall = t + offsetAt(zone, t);
  return new Date(wall - (((wall % 1000) + 1000) % 1000));
}

function xlsxCell(v: unknown): ExcelJS.CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  // a text cell is never a formula, but becomes one when a user edits it: defused as in the CSV and the periodic report's workbook
  if (typeof v === 'string') return neutraliseFormula(v);
  if (typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** The table as an .xlsx workbook, a sheet per table: a bold, frozen header row, typed cells. */
export async function tableXlsx(t: Table): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'MAG';
  const taken = new Set<string>();
  for (const sheet of [t, ...(t.more ?? [])]) addSheet(wb, sheetName(sheet.name, taken), sheet, t.timeZone);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function addSheet(wb: ExcelJS.Workbook, name: string, t: Sheet, timeZone: string): void {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  const instantCols = new Set((t.instants ?? []).map((h) => t.header.indexOf(h)).filter((i) => i >= 0));
  const zones = t.rows.map((r) => t.zoneOfRow?.(r) ?? timeZone);
  // one zone for every row: named in the headers; several (enterprises of different zones): a column of its own
  const one = new Set(zones).size <= 1 ? (zones[0] ?? timeZone) : undefined;
  const zoneColumn = one === undefined && instantCols.size > 0;
  const header = t.header.map((h, i) => (instantCols.has(i) && one !== undefined ? `${h} (${one})` : h));
  ws.addRow(zoneColumn ? [...header, 'timeZone'] : header).font = { bold: true };
  t.rows.forEach((r, n) => {
    const cells = r.map((v, i) => (instantCols.has(i) && typeof v === 'string' ? (wallClockDate(v, zones[n]!) ?? v) : xlsxCell(v)));
    ws.addRow(zoneColumn ? [...cells, zones[n]] : cells);
  });
  for (const i of instantCols) {
    const col = ws.getColumn(i + 1);
    col.numFmt = 'dd/mm/yyyy hh:mm:ss';
    col.width = 20;
  }
  t.header.forEach((h, i) => {
    if (!instantCols.has(i)) ws.getColumn(i + 1).width = Math.min(40, Math.max(10, h.length + 2));
  });
}

/** The response of a table download in the format asked for. */
export async function tableDownload(c: Context, format: TableFormat, t: Table): Promise<Response> {
  if (format === 'xlsx')
    return c.body(new Uint8Array(await tableXlsx(t)), 200, { 'content-type': XLSX_TYPE, 'content-disposition': `attachment; filename="${t.name}.xlsx"` });
  // the further tables with rows after an empty line each, as the assurance report's CSV always had them
  const csv = [t, ...(t.more ?? []).filter((m) => m.rows.length > 0)].map((x) => toCsv([...x.header], x.rows as unknown[][])).join('\r\n');
  return c.body(csvFile(csv), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${t.name}.csv"`,
  });
}
