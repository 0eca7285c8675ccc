// The figures as an Excel workbook (exceljs): a cover sheet with the period and the letterhead's
// fields (issuer, number, place and date, subject, recipients, signer: the PDF's words), then one
// sheet per section: its notes, its figures as label/value rows, then each table with its headers in the
// report's language. Numbers stay numbers (a spreadsheet sums them); text cells go through the CSV
// module's formula-injection guard, as an enterprise's name could start with "=".
import { coverOf } from './render-pdf.ts';
import ExcelJS from 'exceljs';
import type { CellValue, FleetFigures, Section } from './figures.ts';
import { neutraliseFormula } from '../api/csv.ts';
import { translate, type Lang } from './labels.ts';
import { type LetterheadRequest, REPORT_HEAD_WORDS, reportLetterhead } from './letterhead.ts';

/** Excel's sheet names: at most 31 characters, none of : \ / ? * [ ]. */
export function sheetName(title: string, taken: Set<string>): string {
  const base =
    title
      .replace(/[:\\/?*[\]]/g, ' ')
      .slice(0, 31)
      .trim() || 'Sheet';
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base.slice(0, 28)} ${i}`;
  taken.add(name.toLowerCase());
  return name;
}

const cell = (v: CellValue): string | number | null => (typeof v === 'string' ? neutraliseFormula(v) : v);

export async function figuresXlsx(f: FleetFigures, lang: Lang, period: { from: string; to: string }, letterhead: LetterheadRequest = {}): Promise<Buffer> {
  const t = (key: string) => translate(lang, key);
  const wb = new ExcelJS.Workbook();
  wb.creator = 'MAG';
  wb.created = new Date(f.generatedAt);
  wb.title = t('report.title');
  const taken = new Set<string>();
  const cover = wb.addWorksheet(sheetName(t('pr.title'), taken));
  cover.addRow([t('report.title')]).font = { bold: true, size: 14 };
  // what the PDF's first page says: the province by name (its code beside it), the figures as of the
  // end of the period's last day (not 00:00 of the day after) or the time they were taken, zone named
  const c = coverOf(f, lang, period);
  cover.addRow([t('report.period'), c.period]);
  cover.addRow(f.region ? [t('report.region'), c.region, f.region] : [t('report.region'), c.region]);
  cover.addRow([t('report.figuresAsOf'), `${c.asOf} (${c.zone})`]);
  cover.addRow([t('report.generated'), `${c.generated} (${c.zone})`]);
  cover.addRow([t('report.source')]);
  // the letterhead as the PDF prints it, dots where the inspector named nothing; a recipient a row
  const head = reportLetterhead(letterhead, lang, { region: f.region, generatedAt: f.generatedAt, timeZone: f.timeZone, period });
  const label = REPORT_HEAD_WORDS[lang].fields;
  cover.addRow([]);
  if (head.superior) cover.addRow([label.superior, cell(head.superior)]);
  cover.addRow([label.issuer, cell(head.issuer)]);
  cover.addRow([label.number, cell(head.number)]);
  cover.addRow([label.dated, cell(head.dated)]);
  cover.addRow([label.subject, `${head.title}: ${head.subject}`]);
  head.recipients.forEach((r, i) => {
    cover.addRow([i === 0 ? label.recipients : null, cell(r)]);
  });
  cover.addRow([label.signerTitle, cell(head.signerTitle.join('\n'))]).getCell(2).alignment = { wrapText: true };
  cover.addRow([label.signer, cell(head.signer)]);
  cover.getColumn(1).width = 28;
  cover.getColumn(2).width = 40;
  for (const s of f.sections) addSection(wb.addWorksheet(sheetName(s.label, taken)), s, t);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function addSection(ws: ExcelJS.Worksheet, s: Section, t: (key: string) => string): void {
  ws.addRow([s.label]).font = { bold: true, size: 13 };
  // how the figures were judged, what was left out: a sentence a row, as the PDF prints them under the heading
  for (const note of s.notes ?? []) ws.addRow([cell(note)]);
  if (s.figures.length) {
    ws.addRow([]);
    ws.addRow([t('report.figure'), t('report.value')]).font = { bold: true };
    for (const fig of s.figures) ws.addRow([fig.label, fig.value]);
  }
  for (const table of s.tables) {
    ws.addRow([]);
    ws.addRow([table.label]).font = { bold: true };
    // a column with a code behind its text (a province's name) has the code in a column after it
    ws.addRow(table.columns.flatMap((c) => (c.code ? [c.label, c.code.label] : [c.label]))).font = { bold: true };
    if (table.rows.length === 0) ws.addRow([t('report.noRows')]);
    for (const r of table.rows)
      ws.addRow(table.columns.flatMap((c) => (c.code ? [cell(r.values[c.id] ?? null), cell(r.values[c.code.id] ?? null)] : [cell(r.values[c.id] ?? null)])));
  }
  ws.columns.forEach((col, i) => {
    col.width = i === 0 ? 34 : 16;
  });
}
