// The head and foot of an administrative document as Nghị định 30/2020/NĐ-CP (Phụ lục I) lays them
// out: top left the superior body, the issuing body over a short rule and the document's number; top
// right the national name, the motto and the place-and-date line; at the end the recipients (Nơi
// nhận) bottom left and the signature block bottom right. The printed inspection record draws its
// head with drawDocumentHead; the periodic report (render-pdf.ts, render-xlsx.ts) its whole
// letterhead from reportLetterhead, whose words are the record's where the two say the same thing
// (DOCUMENT_WORDS). What the inspector leaves out is printed as a line of dots to fill in by hand:
// MAG never names a body, a number or a signer it was not given.
import { DOCUMENT_WORDS, type DocumentWords } from '../inspections/record-words.ts';
import type { Lang } from './labels.ts';
import { localDate, localDay, numericDate } from './period.ts';
import { provinceNameOn, provinceOf } from './provinces.ts';

/**
 * The longest text of each field the report request takes (docs/contract.md §4): a body's name in
 * full ("CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG THÀNH PHỐ HỒ CHÍ MINH" is 60 characters) with room
 * to spare, a number as Phụ lục III writes it ("12/BC-SKHCN"), a person's name; at most 10
 * recipients and 3 lines of a signer's title ("KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC"). Bounded so the head
 * stays a head and the foot fits on one page.
 */
export const LETTERHEAD_LIMITS = {
  authority: 120,
  parentAuthority: 120,
  number: 60,
  place: 60,
  signer: 100,
  signerTitle: 120,
  signerTitleLines: 3,
  recipient: 150,
  recipients: 10,
} as const;

/** What the inspector asks the report to print of its issuer, number, recipients and signer (each as sent, checked by the route). */
export interface LetterheadRequest {
  /** The issuing body (cơ quan ban hành): "Sở Khoa học và Công nghệ tỉnh Bắc Ninh". */
  authority?: string;
  /** Its superior body (cơ quan chủ quản), printed above it: "UBND tỉnh Bắc Ninh". */
  parentAuthority?: string;
  /** The document's number and symbol: "12/BC-SKHCN" ("Số:" before it is printed, not sent). */
  number?: string;
  /** The signer's full name. */
  signer?: string;
  /** The signer's title, a line each: ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]. */
  signerTitle?: string[];
  /** The recipients, one a line, in order. */
  recipients?: string[];
  /** The place of the place-and-date line, where the report's province is not it (or there is none). */
  place?: string;
}

/** The report's letterhead as printed, in the report's language; a field left out is a line of dots. */
export interface Letterhead {
  /** In capitals; absent when none was named (Phụ lục I prints none then). */
  superior?: string;
  /** In capitals, or dots. */
  issuer: string;
  /** The number and symbol, "12/BC-SKHCN", as printed after "Số:" / "No.:"; "……/BC-……" when not given. */
  number: string;
  /** "Bắc Ninh, ngày 05 tháng 3 năm 2026": the place (given, else the report's province as named that day, else dots) and the day the report was made. */
  dated: string;
  /** "BÁO CÁO" / "REPORT". */
  title: string;
  /** The subject line under the title (trích yếu): what the report is of and its period. */
  subject: string;
  /** "Nơi nhận:" / "Recipients:". */
  recipientsHeading: string;
  /** The recipients, a line each, without the "-" and ";" the page adds (recipientLines); dotted lines when none were given. */
  recipients: string[];
  /** In capitals, a line each, or one of dots. */
  signerTitle: string[];
  /** Under the title when the signer is to be written by hand: "(Ký, ghi rõ họ tên)". */
  signHint?: string;
  /** The signer's name, or dots. */
  signer: string;
}

/** A line to fill in by hand. */
export const DOTS = '……………………………………';
/** The number of a report left to the issuer's clerk: its sequence and the issuer's symbol (BC: báo cáo, Nghị định 30 Phụ lục III). */
const BLANK_NUMBER = '……/BC-……';
const BLANK_RECIPIENTS = 3;

/** The report's own words; the rest are the record's (DOCUMENT_WORDS). */
export interface ReportHeadWords {
  title: string;
  subject: (from: string, to: string) => string;
  recipients: string;
  /** The XLSX cover's labels of the letterhead's fields. */
  fields: Record<'superior' | 'issuer' | 'number' | 'dated' | 'subject' | 'recipients' | 'signerTitle' | 'signer', string>;
}

export const REPORT_HEAD_WORDS: Record<Lang, ReportHeadWords> = {
  vi: {
    title: 'BÁO CÁO',
    subject: (from, to) => `Tình hình phương tiện đo từ ngày ${from} đến ngày ${to}`,
    recipients: 'Nơi nhận:',
    fields: {
      superior: 'Cơ quan chủ quản',
      issuer: 'Cơ quan ban hành',
      number: 'Số',
      dated: 'Địa danh, ngày ban hành',
      subject: 'Trích yếu',
      recipients: 'Nơi nhận',
      signerTitle: 'Chức vụ người ký',
      signer: 'Người ký',
    },
  },
  en: {
    title: 'REPORT',
    subject: (from, to) => `On measuring instruments from ${from} to ${to}`,
    recipients: 'Recipients:',
    fields: {
      superior: 'Superior body',
      issuer: 'Issuing body',
      number: 'No.',
      dated: 'Place and date',
      subject: 'Subject',
      recipients: 'Recipients',
      signerTitle: "Signer's title",
      signer: 'Signer',
    },
  },
};

const capitals = (s: string) => s.toLocaleUpperCase('vi');
// what an inspector may type that the layout prints itself: "Số:" before a number, "-" before a recipient and ";" after it
const bareNumber = (s: string) => s.replace(/^(số|no\.?)\s*:?\s*/iu, '').trim();
const bareRecipient = (s: string) =>
  s
    .replace(/^[-–•]\s*/u, '')
    .replace(/[;.]$/u, '')
    .trim();

/**
 * The letterhead of a periodic report for `period` (days of the zone, both included) of `region`
 * (null: all regions), made at `generatedAt` (ISO) in `timeZone`, as `request` asks. The place is
 * the one given, else the report's province as named on the day it was made (a Bắc Giang report
 * of 2026 is dated in Bắc Ninh, as the record is: provinceNameOn), else dots; the day is always the
 * day it was made.
 */
export function reportLetterhead(
  request: LetterheadRequest,
  lang: Lang,
  at: { region: string | null; generatedAt: string; timeZone: string; period: { from: string; to: string } },
): Letterhead {
  const w: DocumentWords = DOCUMENT_WORDS[lang];
  const words = REPORT_HEAD_WORDS[lang];
  const made = Date.parse(at.generatedAt);
  const { year, month, day } = localDate(at.timeZone, made);
  const province = at.region && provinceOf(at.region) ? provinceNameOn(at.region, lang, localDay(at.timeZone, made)) : undefined;
  const number = request.number && bareNumber(request.number);
  const recipients = (request.recipients ?? []).map(bareRecipient).filter((r) => r !== '');
  const title = request.signerTitle?.map((l) => l.trim()).filter((l) => l !== '') ?? [];
  return {
    superior: request.parentAuthority ? capitals(request.parentAuthority) : undefined,
    issuer: request.authority ? capitals(request.authority) : DOTS,
    number: number || BLANK_NUMBER,
    dated: w.dated(request.place ?? province ?? DOTS, day, month, year),
    title: words.title,
    subject: words.subject(numericDate(at.period.from), numericDate(at.period.to)),
    recipientsHeading: words.recipients,
    recipients: recipients.length ? recipients : Array<string>(BLANK_RECIPIENTS).fill(DOTS),
    signerTitle: title.length ? title.map(capitals) : [DOTS],
    signHint: request.signer ? undefined : w.signHint,
    signer: request.signer ?? DOTS,
  };
}

/** The recipients as "Nơi nhận" lists them: "- Bộ Khoa học và Công nghệ;" a line each, the last ending in ".". */
export function recipientLines(recipients: readonly string[]): string[] {
  return recipients.map((r, i) => `- ${r}${i === recipients.length - 1 ? '.' : ';'}`);
}

/** The fonts a head is drawn in: pdfkit font names or paths. */
export interface HeadFonts {
  regular: string;
  bold: string;
  italic: string;
}

/** What the head of a document says, as printed. */
export interface DocumentHead {
  /** The superior body, in capitals, above the issuer; absent when none is named. */
  superior?: string;
  /** The issuing body (or the record's inspection team), bold, over a short rule. */
  issuer: string;
  /** "Số: …", on the place-and-date line's line. */
  number: string;
  dated: string;
}

/**
 * The head as Nghị định 30/2020/NĐ-CP (Phụ lục I) lays it out, across `width` from `x` at doc.y:
 * top left the superior body, the issuer below it in bold over a short rule, and the number; top
 * right the national name and the motto, and under them, on the number's line, the place and
 * date in italics. Leaves doc.y below it with room before the title.
 */
export function drawDocumentHead(
  doc: PDFKit.PDFDocument,
  head: DocumentHead,
  w: Pick<DocumentWords, 'nation' | 'motto'>,
  fonts: HeadFonts,
  x: number,
  width: number,
): void {
  const top = doc.y;
  const half = width / 2;
  const left = () => ({ width: half * 0.8, align: 'center' as const });
  const right = { x: x + half * 0.8, width: width - half * 0.8 };
  doc.fontSize(10);
  if (head.superior !== undefined) doc.font(fonts.regular).text(head.superior, x, top, left());
  doc.font(fonts.bold).text(head.issuer, x, head.superior !== undefined ? doc.y : top, left());
  // the rule under the issuer: a third of the block's width, centred
  const rule = doc.y + 2;
  doc
    .save()
    .moveTo(x + (half * 0.8) / 3, rule)
    .lineTo(x + (2 * half * 0.8) / 3, rule)
    .lineWidth(0.5)
    .stroke()
    .restore();
  // the number and the place and date share a line (Phụ lục I), below the rule and below the motto;
  // the place and date centred under the national name and motto. The presentation (italics, centring,
  // the shared line) is read from Phụ lục I, not checked against a copy of it here.
  const motto = doc.font(fonts.bold).heightOfString(w.nation, { width: right.width }) + doc.font(fonts.regular).heightOfString(w.motto, { width: right.width });
  const line = Math.max(rule + 4, top + motto + 6);
  doc.font(fonts.regular).text(head.number, x, line, left());
  const leftBottom = doc.y;
  doc.font(fonts.bold).text(w.nation, right.x, top, { width: right.width, align: 'center' });
  doc.font(fonts.regular).text(w.motto, { width: right.width, align: 'center', underline: true });
  doc.font(fonts.italic).text(head.dated, right.x, line, { width: right.width, align: 'center' });
  doc.y = Math.max(leftBottom, doc.y) + 18;
  doc.x = x;
}

/**
 * The foot of every page of a printed document (the record, an instrument's file): `left` (when and by what
 * it was made) and `page(n, of)` ("Trang 1/3") in small grey type, below the bottom margin.
 */
export function drawPageFooters(doc: PDFKit.PDFDocument, font: string, margin: number, left: string, page: (n: number, of: number) => string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const y = doc.page.height - margin + 15;
    // writing below the bottom margin would add a page: lift the margin while writing the footer
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(font).fontSize(7.5).fillColor('#555555');
    doc.text(left, margin, y, { width: doc.page.width - 2 * margin, align: 'left', lineBreak: false });
    doc.text(page(i + 1, range.count), margin, y, { width: doc.page.width - 2 * margin, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
    doc.fillColor('black');
  }
}

/** The bytes of a pdfkit document once it ends (call before drawing; `doc.end()` settles it). */
export function pdfBytes(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}
