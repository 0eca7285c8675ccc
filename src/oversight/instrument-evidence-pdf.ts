// An instrument's measurement-assurance file on paper: A4, DejaVu Sans embedded (every Vietnamese
// letter prints), laid out from the plain document instrument-evidence.ts builds. The head is an
// administrative document's (Nghị định 30/2020/NĐ-CP, drawDocumentHead): the enterprise top left,
// the national name, motto and place-and-date top right; then the title, the sections, the
// enterprise's signature block kept on one page, and "Trang x/y" on every page.
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { DOCUMENT_WORDS, RECORD_WORDS } from '../inspections/record-words.ts';
import { drawDocumentHead, drawPageFooters, pdfBytes } from './letterhead.ts';
import type { EvidenceTableId, InstrumentEvidence } from './instrument-evidence.ts';

const require = createRequire(import.meta.url);
// named by their path, as the record's are: pdfkit's tables restore a font by the name it was set with
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');
const FONT_ITALIC = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf');

const MARGIN = 50;
const WARNING = '#b3261e';
/** The room a section heading needs below it on its page: itself, a line and a table's head row (points). */
const KEEP_WITH_HEADING = 80;

/** Column widths (points; '*' takes the rest of the 495 of an A4 page between margins), by table. */
const COLUMNS: Record<EvidenceTableId, (number | '*')[]> = {
  certificates: [62, 80, '*', 58, 66, 110],
  // time, point, indicated, reference, error, MPE, U, legal, guarded, standard
  checks: [54, 38, 46, 50, 60, 44, 42, 40, 50, '*'],
  'standard-certificates': [80, '*', 56, 56, 66, 110],
  // series, points, drift per day, signals, alarm, predicted day, baseline
  drift: [84, 36, 72, 60, 40, 70, '*'],
  // the same with the direction of the errors last (a fuel dispenser's, a scale's): the others narrower, the baseline wrapping
  'drift-favour': [68, 34, 76, 48, 34, 52, '*', 98],
  alerts: [72, 48, 50, 56, 54, '*', '*'],
};

/** Renders the file; resolves with the PDF's bytes. */
export function renderInstrumentEvidencePdf(e: InstrumentEvidence): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: `${e.title} — ${e.subject}`, Author: 'MAG' } });
  const done = pdfBytes(doc);
  const width = doc.page.width - 2 * MARGIN;
  drawDocumentHead(doc, e.head, DOCUMENT_WORDS[e.lang], { regular: FONT, bold: FONT_BOLD, italic: FONT_ITALIC }, MARGIN, width);
  doc.font(FONT_BOLD).fontSize(13).text(e.title, MARGIN, doc.y, { width, align: 'center' });
  doc.font(FONT_ITALIC).fontSize(10).text(e.subject, { width, align: 'center' });
  // left-aligned, not justified: a justified line is written word by word, and a reader copying the text gets it without spaces
  doc.moveDown(0.8).font(FONT).fontSize(9).text(e.derivedFrom, MARGIN, doc.y, { width });
  doc.moveDown(0.3).font(FONT_BOLD).fontSize(10).text(e.period, { width });

  for (const s of e.sections) {
    doc.moveDown(0.8);
    // a heading never stands alone at the foot of a page: with less than its first lines' room left, a new page
    if (doc.y + KEEP_WITH_HEADING > doc.page.height - doc.page.margins.bottom) doc.addPage();
    doc.x = MARGIN;
    doc.font(FONT_BOLD).fontSize(11).text(s.heading, { width });
    doc.font(FONT).fontSize(10).moveDown(0.2);
    for (const b of s.blocks) {
      doc.x = MARGIN;
      if ('line' in b) {
        doc
          .font(b.bold ? FONT_BOLD : FONT)
          .fontSize(b.warning && !b.bold ? 9 : 10)
          .fillColor(b.warning ? WARNING : 'black')
          .text(b.line, MARGIN, doc.y, { width })
          .fillColor('black');
        continue;
      }
      doc.moveDown(0.2);
      const head = b.table.headers.map((text) => ({ text, font: { src: FONT_BOLD }, backgroundColor: '#eeeeee' }));
      doc
        .font(FONT)
        .fontSize(7.5)
        .table({
          data: [head, ...b.table.rows],
          maxWidth: width,
          columnStyles: COLUMNS[b.table.id],
          defaultStyle: { padding: 2.5, border: 0.5, borderColor: '#888888' },
        });
      doc.fontSize(10);
      doc.x = MARGIN;
      doc.moveDown(0.3);
    }
  }
  signature(doc, e, width);
  drawPageFooters(doc, FONT, MARGIN, e.generated, RECORD_WORDS[e.lang].page);
  doc.end();
  return done;
}

/** The enterprise's representative, right, with dotted lines to write the name and position on; on one page. */
function signature(doc: PDFKit.PDFDocument, e: InstrumentEvidence, width: number): void {
  const half = width / 2;
  const x = MARGIN + half;
  doc.font(FONT).fontSize(10);
  const line = doc.currentLineHeight(true);
  const needed = 2 * line + doc.heightOfString(e.signature.hint, { width: half }) + 70 + e.signature.lines.length * line * 1.5;
  if (doc.y + needed > doc.page.height - doc.page.margins.bottom) doc.addPage();
  doc.moveDown(1.5);
  const top = doc.y;
  doc.font(FONT_BOLD).text(e.signature.title, x, top, { width: half, align: 'center' });
  doc.font(FONT_ITALIC).fontSize(9).text(e.signature.hint, x, doc.y, { width: half, align: 'center' });
  doc.font(FONT).fontSize(10);
  doc.y += 70; // room to sign (and seal)
  for (const l of e.signature.lines) doc.text(l, x, doc.y, { width: half, align: 'center' }).moveDown(0.5);
  doc.x = MARGIN;
}
