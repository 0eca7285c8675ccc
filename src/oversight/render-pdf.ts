// The figures as a PDF (pdfkit): A4 landscape, the DejaVu Sans font embedded (it has every
// Vietnamese glyph; PDF's standard fonts have none). An administrative report (báo cáo) as Nghị
// định 30/2020/NĐ-CP lays it out: the letterhead (letterhead.ts: issuer, number, national name,
// motto, place and date; title and subject), the cover, a heading per section with its notes, figures
// and tables, then the recipients and the signature block; page numbers at the foot. The same
// sections, in the same order, as the XLSX.
import PDFDocument from 'pdfkit';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DOCUMENT_WORDS } from '../inspections/record-words.ts';
import type { CellValue, Column, Figure, FleetFigures, Section, Table } from './figures.ts';
import { translate, type Lang, zoneName } from './labels.ts';
import { drawDocumentHead, type Letterhead, type LetterheadRequest, recipientLines, reportLetterhead, pdfBytes } from './letterhead.ts';
import { asOfReading, localDateTime, numericDate } from './period.ts';
import { provinceTitle } from './provinces.ts';

const FONTS = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = join(FONTS, 'DejaVuSans.ttf');
const BOLD = join(FONTS, 'DejaVuSans-Bold.ttf');
const ITALIC = join(FONTS, 'DejaVuSans-Oblique.ttf');
const MARGIN = 40;
const INK = '#1b2530';
const MUTED = '#5b6875';
const RULE = '#d9e0e6';

const locale = (lang: Lang) => (lang === 'vi' ? 'vi-VN' : 'en-GB');

/** Two significant digits in each language, made once (a table of places formats two per row). */
const TWO_DIGITS: Record<Lang, Intl.NumberFormat> = {
  vi: new Intl.NumberFormat(locale('vi'), { maximumSignificantDigits: 2 }),
  en: new Intl.NumberFormat(locale('en'), { maximumSignificantDigits: 2 }),
};

/**
 * A cell as printed: numbers in the language's style, days and months as dates, nothing as —; a sign test's
 * p as the printed inspection record writes it (2 significant digits, "< 0,001" below 0.001), a fraction of
 * the MPE signed to 2 significant digits ("+0,56").
 */
export function formatCell(v: CellValue, type: Column['type'], lang: Lang): string {
  if (v === null || v === '') return '—';
  if (typeof v === 'number' && type === 'pValue') return v < 0.001 ? `< ${TWO_DIGITS[lang].format(0.001)}` : TWO_DIGITS[lang].format(v);
  if (typeof v === 'number' && type === 'mpeFraction') return (v > 0 ? '+' : '') + TWO_DIGITS[lang].format(v);
  if (typeof v === 'number') return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 1 }).format(v);
  if (type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(v))
    return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${v}T00:00:00Z`));
  if (type === 'month' && /^\d{4}-\d{2}$/.test(v)) {
    // 03/2026 as Vietnamese forms write it; Mar 2026 in English
    return lang === 'vi'
      ? `${v.slice(5)}/${v.slice(0, 4)}`
      : new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${v}-01T00:00:00Z`));
  }
  return v;
}

/** What the cover says, the same on the PDF's first page and the XLSX's cover sheet. */
export interface Cover {
  /** 01/01/2026 – 31/03/2026: the period's first and last days. */
  period: string;
  /** The province by name ("Bắc Giang", with its successor when merged by the period's end), else "all regions". */
  region: string;
  /**
   * When the figures stand: "hết ngày 31/03/2026" / "the end of 31/03/2026" for a period that has
   * ended (not 00:00 on 1/4, its exclusive end); "12:00 ngày 15/03/2026" / "12:00 on 15/03/2026",
   * the zone's time, for one taken before its end.
   */
  asOf: string;
  /** When the report was made, the zone's time. */
  generated: string;
  /** The zone those times are in, in the report's language: "giờ Việt Nam, UTC+7" / "Vietnam time, UTC+7". */
  zone: string;
}

export function coverOf(f: FleetFigures, lang: Lang, period: { from: string; to: string }): Cover {
  const t = (key: string, vars?: Record<string, string | number>) => translate(lang, key, vars);
  const at = (iso: string) => {
    const { day, time } = localDateTime(f.timeZone, Date.parse(iso));
    return t('report.atTime', { time, date: numericDate(day) });
  };
  const reading = asOfReading(Date.parse(f.asOf), f.timeZone);
  return {
    period: `${numericDate(period.from)} – ${numericDate(period.to)}`,
    // a province merged or renamed by the period's end says so (a 2026 report of Bắc Giang's enterprises is
    // the former province's, now part of Bắc Ninh): provinces-vn.json's successors
    region: f.region ? provinceTitle(f.region, lang, period.to) : t('allRegions'),
    asOf: 'endOf' in reading ? t('report.endOfDay', { date: numericDate(reading.endOf) }) : at(f.asOf),
    generated: at(f.generatedAt),
    zone: zoneName(f.timeZone, lang, Date.parse(f.generatedAt)),
  };
}

export interface PdfOptions {
  /** The period as days of the zone, both included. */
  period: { from: string; to: string };
  /** Streams uncompressed (readable by eye; tests can use either). */
  compress?: boolean;
  /** The issuer, number, recipients and signer to print; each left out is a line of dots to fill in by hand. */
  letterhead?: LetterheadRequest;
}

export function figuresPdf(f: FleetFigures, lang: Lang, o: PdfOptions): Promise<Buffer> {
  const t = (key: string, vars?: Record<string, string | number>) => translate(lang, key, vars);
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    bufferPages: true,
    compress: o.compress ?? true,
    lang,
    info: { Title: t('report.title'), Author: t('report.source'), Creator: 'MAG', CreationDate: new Date(f.generatedAt) },
  });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const done = pdfBytes(doc);

  const head = reportLetterhead(o.letterhead ?? {}, lang, { region: f.region, generatedAt: f.generatedAt, timeZone: f.timeZone, period: o.period });
  const width = doc.page.width - 2 * MARGIN;
  doc.fillColor(INK);
  drawDocumentHead(
    doc,
    { ...head, number: `${DOCUMENT_WORDS[lang].number}: ${head.number}` },
    DOCUMENT_WORDS[lang],
    { regular: 'regular', bold: 'bold', italic: ITALIC },
    MARGIN,
    width,
  );
  doc.font('bold').fontSize(15).text(head.title, MARGIN, doc.y, { width, align: 'center' });
  doc.fontSize(11).text(head.subject, { width, align: 'center' });
  doc.moveDown(0.8);
  doc.font('regular').fontSize(10).fillColor(MUTED);
  const cover = coverOf(f, lang, o.period);
  doc.text(`${t('report.period')}: ${cover.period}`);
  doc.text(`${t('report.region')}: ${cover.region}`);
  doc.text(`${t('report.figuresAsOf')} ${cover.asOf} · ${t('report.generated')}: ${cover.generated} (${cover.zone})`);
  doc.text(t('report.source'));
  for (const s of f.sections) section(doc, s, lang, t);
  signOff(doc, head, width);

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0; // the footer sits in the margin: no page break for it
    const y = doc.page.height - MARGIN + 12;
    doc
      .font('regular')
      .fontSize(8)
      .fillColor(MUTED)
      .text(t('report.page', { n: i + 1, m: range.count }), MARGIN, y, { width: doc.page.width - 2 * MARGIN, align: 'right', lineBreak: false });
  }
  doc.end();
  return done;
}

/** Below the signer's title: the space to sign (and seal) in. */
const SIGNING_SPACE = 60;

/**
 * The report's end as Phụ lục I lays it out, kept on one page: bottom left "Nơi nhận:" and the
 * recipients a line each; bottom right the signer's title in capitals, the space to sign, the
 * signer's name. Each half takes half the width less a margin between them.
 */
function signOff(doc: PDFKit.PDFDocument, head: Letterhead, width: number): void {
  const half = width / 2;
  const column = half - 20;
  const right = MARGIN + half;
  doc.fillColor(INK);
  const recipients =
    doc.font('bold').fontSize(9.5).heightOfString(head.recipientsHeading, { width: column }) +
    doc.font('regular').fontSize(8.5).heightOfString(recipientLines(head.recipients).join('\n'), { width: column });
  const title = doc.font('bold').fontSize(10).heightOfString(head.signerTitle.join('\n'), { width: column });
  const hint = head.signHint ? doc.font(ITALIC).fontSize(8.5).heightOfString(head.signHint, { width: column }) : 0;
  const name = doc.font('bold').fontSize(10).heightOfString(head.signer, { width: column });
  ensureRoom(doc, 24 + Math.max(recipients, title + hint + SIGNING_SPACE + name));
  doc.moveDown(1.5);
  const top = doc.y;
  doc.font('bold').fontSize(9.5).text(head.recipientsHeading, MARGIN, top, { width: column });
  doc.font('regular').fontSize(8.5).text(recipientLines(head.recipients).join('\n'), { width: column });
  const leftBottom = doc.y;
  doc.font('bold').fontSize(10).text(head.signerTitle.join('\n'), right, top, { width: column, align: 'center' });
  if (head.signHint) doc.font(ITALIC).fontSize(8.5).text(head.signHint, { width: column, align: 'center' });
  doc
    .font('bold')
    .fontSize(10)
    .text(head.signer, right, doc.y + SIGNING_SPACE, { width: column, align: 'center' });
  doc.y = Math.max(leftBottom, doc.y);
  doc.x = MARGIN;
}

/** A figure's value with its unit: 12,5 %, 3 ngày / 3 days. */
function figureText(x: Figure, lang: Lang, t: (k: string) => string): string {
  const n = formatCell(x.value, 'count', lang);
  if (x.value === null) return n;
  if (x.unit === 'percent') return `${n} %`;
  if (x.unit === 'days') return `${n} ${t('report.days')}`;
  return n;
}

const bottom = (doc: PDFKit.PDFDocument) => doc.page.height - MARGIN - 14;
function ensureRoom(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > bottom(doc)) doc.addPage();
}

function section(doc: PDFKit.PDFDocument, s: Section, lang: Lang, t: (k: string) => string): void {
  ensureRoom(doc, 80);
  doc.moveDown(1);
  doc.font('bold').fontSize(13).fillColor(INK).text(s.label, MARGIN);
  doc.moveDown(0.3);
  for (const note of s.notes ?? []) {
    doc
      .font('regular')
      .fontSize(9)
      .fillColor(MUTED)
      .text(note, MARGIN, doc.y, { width: doc.page.width - 2 * MARGIN });
    doc.moveDown(0.3);
  }
  if (s.figures.length) {
    const rows = s.figures.map((x) => ({ values: { label: x.label, value: figureText(x, lang, t) } }));
    table(
      doc,
      {
        id: 'figures',
        label: '',
        columns: [
          { id: 'label', label: t('report.figure'), type: 'text' },
          { id: 'value', label: t('report.value'), type: 'count' },
        ],
        rows,
      },
      lang,
      t,
      360,
    );
  }
  for (const tb of s.tables) {
    ensureRoom(doc, 50);
    doc.moveDown(0.5);
    doc.font('bold').fontSize(10).fillColor(INK).text(tb.label, MARGIN);
    doc.moveDown(0.2);
    table(doc, tb, lang, t);
  }
}

/**
 * A table with wrapped cells: text columns get twice a number column's width; the header is
 * repeated on each new page. Drawn row by row at explicit positions (pdfkit has no tables).
 */
function table(doc: PDFKit.PDFDocument, tb: Table, lang: Lang, t: (k: string) => string, maxWidth?: number): void {
  const weights = tb.columns.map((c) => (c.type === 'text' ? 2.2 : 1));
  // about 90 pt a number column (220 pt a text one), shrunk to the page when there are many
  const width = Math.min(maxWidth ?? Infinity, doc.page.width - 2 * MARGIN, weights.reduce((a, b) => a + b, 0) * 90);
  const unit = width / weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => w * unit);
  const size = tb.columns.length > 8 ? 7.5 : 8.5;
  const pad = 3;
  const drawRow = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'bold' : 'regular').fontSize(size);
    const h = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: widths[i] - 2 * pad }))) + 2 * pad;
    if (doc.y + h > bottom(doc)) {
      doc.addPage();
      if (!bold)
        drawRow(
          tb.columns.map((c) => c.label),
          true,
        );
      doc.font(bold ? 'bold' : 'regular').fontSize(size);
    }
    const y = doc.y;
    let x = MARGIN;
    if (bold) doc.rect(MARGIN, y, width, h).fill('#f0f3f6');
    cells.forEach((c, i) => {
      const numeric = tb.columns[i].type !== 'text';
      doc.fillColor(bold ? MUTED : INK).text(c, x + pad, y + pad, { width: widths[i] - 2 * pad, align: numeric ? 'right' : 'left' });
      x += widths[i];
    });
    doc
      .moveTo(MARGIN, y + h)
      .lineTo(MARGIN + width, y + h)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    doc.x = MARGIN;
    doc.y = y + h;
  };
  drawRow(
    tb.columns.map((c) => c.label),
    true,
  );
  if (tb.rows.length === 0) {
    doc
      .font('regular')
      .fontSize(size)
      .fillColor(MUTED)
      .text(t('report.noRows'), MARGIN + pad, doc.y + pad);
    return;
  }
  for (const r of tb.rows)
    drawRow(
      tb.columns.map((c) => formatCell(r.values[c.id] ?? null, c.type, lang)),
      false,
    );
}
