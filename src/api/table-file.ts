// A table the API hands out as a file: CSV (RFC 4180, ./csv.ts) or an Excel workbook. The workbook
// is for the people who open these files in Excel, which reads a CSV with the list separator and
// decimal sign of the machine's region: on a Vietnamese Windows (vi-VN: ";" between fields, ","
// for decimals) a comma-separated file opens as one column and 0.0012 is a text. In the workbook
// every cell has its type: numbers are numbers, text stays text (a serial "2/2" or "00123" is not
// turned into a date or 123), and times are dates on the enterprise's clock, its zone named in
// the header, where the CSV keeps UTC instants for programs.
import ExcelJS from 'exceljs';
import type { Context } from 'hono';
import { csvFile, toCsv } from './csv.ts';

export type TableFormat = 'csv' | 'xlsx';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface Sheet {
  header: readonly string[];
  rows: readonly (readonly unknown[])[];
  /** Headers of the columns holding ISO 8601 instants: dates on the table's `timeZone` clock in the workbook. */
  instants?: readonly string[];
}

export interface Table extends Sheet {
  /** The file name without extension ("oot-impact-D1"); the first sheet's name. */
  name: string;
  /** IANA zone the workbook's times are written in (the enterprise's). */
  timeZone: string;
  /**
   * Further tables (the assurance report's lots): sheets of their own in the workbook; in the CSV
   * each with rows follows after an empty line.
   */
  more?: readonly (Sheet & { name: string })[];
}

const wallClock = new Map<string, Intl.DateTimeFormat>();

/**
 * The instant as Excel keeps a time: the wall clock in `zone`, as a Date whose UTC fields are that
 * wall clock (Excel's dates have no zone; exceljs writes a Date's UTC fields).
 */
export function wallClockDate(iso: string, zone: string): Date | null {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return null;
  let f = wallClock.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    wallClock.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, Number(x.value)]));
  return new Date(Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!, t - Math.floor(t / 1000) * 1000));
}

function xlsxCell(v: unknown): ExcelJS.CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** The table as an .xlsx workbook, a sheet per table: a bold, frozen header row, typed cells. */
export async function tableXlsx(t: Table): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'MAG';
  for (const sheet of [t, ...(t.more ?? [])]) addSheet(wb, sheet.name, sheet, t.timeZone);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function addSheet(wb: ExcelJS.Workbook, name: string, t: Sheet, timeZone: string): void {
  const ws = wb.addWorksheet(name.slice(0, 31).replace(/[:\\/?*[\]]/g, ' ') || 'Sheet', { views: [{ state: 'frozen', ySplit: 1 }] });
  const instantCols = new Set((t.instants ?? []).map((h) => t.header.indexOf(h)).filter((i) => i >= 0));
  ws.addRow(t.header.map((h, i) => (instantCols.has(i) ? `${h} (${timeZone})` : h))).font = { bold: true };
  for (const r of t.rows) ws.addRow(r.map((v, i) => (instantCols.has(i) && typeof v === 'string' ? (wallClockDate(v, timeZone) ?? v) : xlsxCell(v))));
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
