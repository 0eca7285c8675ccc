// Over 400 lines: one document laid out top to bottom, its parts sharing pdfkit's cursor and page;
// the words are apart (record-words.ts).
// The inspection record printed (biên bản kiểm tra về đo lường): A4, DejaVu Sans embedded so
// every Vietnamese letter prints, in Vietnamese or English. The head (authority, team, number; national
// name, motto, place and date) as Nghị định 30/2020/NĐ-CP lays it out. The legal basis, parties, the
// instruments examined with their checks, MAG's alerts unresolved on them and the in-trade verdict,
// findings as they stood when the record ended, conclusion; the closing (when it ended, the record's
// SHA-256, the copies made, the reading out) kept on one page with the signature block; then, dated,
// what happened to the findings after the record was closed, and the amendments.
import { provinceName, provinceNameOn } from '../oversight/provinces.ts';
import { drawDocumentHead, drawPageFooters, pdfBytes } from '../oversight/letterhead.ts';
import type { PlaceSellerFavour } from './seller-favour-at-place.ts';
import { unitText } from '../metrology/units.ts';
import { standingWord } from '../metrology/verification.ts';
import { parseDriftSeriesKey } from '../metrology/drift.ts';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { RECORD_WORDS, type RecordLang, type RecordWords, type Standing } from './record-words.ts';
import { conformsWithUnresolvedOutOfTolerance } from './alerts-at-inspection.ts';
import type { AlertAtInspection, Finding, FindingState, InspectionItem, InspectionRecord, ItemReason } from './types.ts';

const require = createRequire(import.meta.url);
// Fonts are named by their path, not registered under a short name: pdfkit caches a font by the
// name it was set with, and its tables restore the font by path (a registered name would make
// each table cell read and parse the font file again).
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');
const FONT_ITALIC = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf');

export interface RecordContext {
  lang: RecordLang;
  tenant: { id: string; name: string; region: string };
  /** What the registry says of each instrument on the record. */
  devices: ReadonlyMap<string, { type: string; serial: string; site?: string }>;
  /** Profile names, for types the words do not name. */
  typeNames: ReadonlyMap<string, string>;
  /**
   * What keeps each type in standing (profile `standing`): a calibrated type's mark and certificate
   * are written as calibration's (hiệu chuẩn), not verification's (kiểm định). Absent: verification,
   * unless the item's own standing says calibration.
   */
  standings?: ReadonlyMap<string, Standing>;
  /** Which way the errors of the record's checks lean, per type with a rule (seller-favour-at-place.ts); absent: not said. */
  sellerFavour?: readonly PlaceSellerFavour[];
  /** IANA zone the times are written in (the tenant's). */
  timeZone: string;
  generatedAt: Date;
}

const MARGIN = 50;

/**
 * How many copies of the record are made: one for the establishment inspected, the rest for the
 * team (the copies sentence above the signatures). Fixed: a record field would need a column of
 * the record's header (a migration); every record MAG has printed so far was made in two.
 */
export const RECORD_COPIES = 2;

/**
 * The basis of the inspection procedure printed first under "Căn cứ", by the day the inspection
 * started (in the enterprise's zone), before the record's own `legalBasis` (the substantive
 * circular the inspector cites: Thông tư 15/2015/TT-BKHCN for fuel, 21/2014/TT-BKHCN for
 * prepackages). Confirmed from public copies:
 * - Luật Đo lường số 04/2011/QH13 of 11 November 2011, in force from 1 July 2012
 *   (tdcbinhdinh.org.vn and vmi.gov.vn; amended by Luật 35/2018/QH14 Điều 16, which the record
 *   does not need to cite: phapdien.moj.gov.vn);
 * - Thông tư 28/2013/TT-BKHCN of 17 December 2013 "quy định kiểm tra nhà nước về đo lường", in
 *   force from 1 June 2014, amended by Thông tư 10/2022/TT-BKHCN of 28 July 2022, in force from
 *   12 September 2022 (consolidated text 09/VBHN-BKHCN of 11 October 2022 on thuvienphapluat.vn;
 *   quangninh.tcvn.gov.vn: 10/2022 repealed its Chapter II and the forms Mẫu 1. ĐKKT, 2. PTNHSĐK and
 *   3. TBKQKT of its annex).
 * Unconfirmed: that no later circular (2023–2025) replaced Thông tư 28/2013 (none was found, not
 * proved absent); whether the forms left in its annex include a biên bản kiểm tra whose wording
 * MAG's record should follow (the closing sentences, "lập thành 02 bản…", "kết thúc vào hồi…", are
 * the common wording of Vietnamese administrative records, not checked against such a form);
 * whether Nghị định 86/2012/NĐ-CP (which guides state inspection of measurement, amended by
 * 13/2022/NĐ-CP) belongs in a record's basis too. The edition year of ĐLVN 10 was not found.
 */
const BASIS = [
  { from: '2012-07-01', until: undefined, words: 'basisLaw', cites: /04\/2011\/QH13|Luật Đo lường|Law on Metrology/i },
  { from: '2014-06-01', until: '2022-09-12', words: 'basisCircular', cites: /28\/2013\/TT-BKHCN/i },
  { from: '2022-09-12', until: undefined, words: 'basisCircularAmended', cites: /28\/2013\/TT-BKHCN/i },
] as const;

/**
 * The "Căn cứ" lines of a record started on `day` (yyyy-mm-dd, the enterprise's): the law and the
 * circular of state inspection of measurement in force that day (BASIS), each unless the
 * record's own legal basis cites it already, then the record's own.
 */
export function legalBasisLines(day: string, legalBasis: string | undefined, w: RecordWords): string[] {
  // the record's own, without a "Căn cứ" the inspector may have typed before it
  const own = legalBasis?.trim().replace(/^(căn cứ|pursuant to)\s*:?\s*/iu, '') || undefined;
  const texts = BASIS.filter((b) => day >= b.from && (b.until === undefined || day < b.until) && !(own && b.cites.test(own))).map((b) => w[b.words]);
  if (own) texts.push(own);
  return texts.map((text, i) => w.basis(text, i === texts.length - 1));
}

/**
 * The most characters one text of the record prints: the API's cap on an amendment's change (8000);
 * a longer text, stored before the API capped it, is cut on paper, saying so (the whole stays in the
 * record the API answers).
 */
export const MAX_PRINTED_CHARS = 8000;
/**
 * The longest run without a space printed as sent. pdfkit breaks a longer word letter by letter and
 * measures what is left of it after each line: quadratic in the word's length (20 000 characters
 * took seconds, 60 000 blocked the gateway until it ran out of memory). A longer run is broken
 * every MAX_UNBROKEN characters, as pdfkit would break it, only without measuring the rest.
 */
const MAX_UNBROKEN = 64;
const UNBROKEN_RUN = new RegExp(`\\S{${MAX_UNBROKEN + 1},}`, 'gu');

/** `text` as the record prints it: at most MAX_PRINTED_CHARS characters (`notPrinted` says how many more), no run without a space longer than MAX_UNBROKEN. */
export function printable(text: string, notPrinted: (chars: number) => string): string {
  let kept = text;
  if (text.length > MAX_PRINTED_CHARS) {
    const chars = Array.from(text); // code points: a cut never splits a letter outside the BMP
    if (chars.length > MAX_PRINTED_CHARS) kept = chars.slice(0, MAX_PRINTED_CHARS).join('') + notPrinted(chars.length - MAX_PRINTED_CHARS);
  }
  return kept.replace(UNBROKEN_RUN, (run) => {
    const chars = Array.from(run);
    const lines: string[] = [];
    for (let i = 0; i < chars.length; i += MAX_UNBROKEN) lines.push(chars.slice(i, i + MAX_UNBROKEN).join(''));
    return lines.join('\n');
  });
}

/** The actor as recorded (`role:name:token`) → the person's name. */
export function actorName(actor: string): string {
  const parts = actor.split(':');
  return parts.length >= 3 ? parts.slice(1, -1).join(':') : actor;
}

/** The day ("15/03/2026") and the time of day ("09:30") of an instant in the zone. */
export function recordClock(iso: string, timeZone: string): { day: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return { day: `${parts.day}/${parts.month}/${parts.year}`, time: `${parts.hour}:${parts.minute}` };
}

/** "lúc 09:30 ngày 15/03/2026" / "15/03/2026 at 09:30" in the zone. */
export function recordTime(iso: string, lang: RecordLang, timeZone: string): string {
  const { day, time } = recordClock(iso, timeZone);
  return lang === 'vi' ? `lúc ${time} ngày ${day}` : `${day} at ${time}`;
}

/**
 * The place-and-date line of the record ("Bắc Ninh, ngày 05 tháng 3 năm 2026" / "Bac Ninh, 5 March
 * 2026"): `place` (recordPlace) and the day of the instant `iso` in the zone, as recordClock tells it.
 */
export function recordDateLine(iso: string, place: string, lang: RecordLang, timeZone: string): string {
  const [day, month, year] = recordClock(iso, timeZone).day.split('/').map(Number) as [number, number, number];
  return RECORD_WORDS[lang].dated(place, day, month, year);
}

/**
 * The place of the record's date line: the provincial unit of `region` as it was named on the day
 * of the instant `iso` in the zone (recordClock's day): "Bắc Ninh" for a Bắc Giang (VN-BG) record of
 * 2026, as Bắc Giang has been part of Bắc Ninh since 1 July 2025, "Bắc Giang" for one of 30 June 2025.
 */
export function recordPlace(region: string, iso: string, lang: RecordLang, timeZone: string): string {
  const [day, month, year] = recordClock(iso, timeZone).day.split('/');
  return provinceNameOn(region, lang, `${year}-${month}-${day}`);
}

/** Renders the record; resolves with the PDF's bytes. */
export function renderRecordPdf(r: InspectionRecord, ctx: RecordContext): Promise<Buffer> {
  const w = RECORD_WORDS[ctx.lang];
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: `${w.title} ${r.id}`, Author: 'MAG', Subject: r.tenant } });
  const done = pdfBytes(doc);
  const width = doc.page.width - 2 * MARGIN;
  const when = (iso: string) => recordTime(iso, ctx.lang, ctx.timeZone);
  // every text people wrote, as the page can hold it (printable)
  const t = (text: string) => printable(text, w.notPrinted);

  // Nghị định 30/2020/NĐ-CP, Phụ lục I: the place is the official name of the administrative unit where
  // the issuing authority sits; a provincial inspection team's is its province, the record's region, as
  // named that day (since 1 July 2025 a Bắc Giang record is Bắc Ninh's: recordPlace). The date is the
  // day the record was drawn up (the day the inspection started, as its intro says and its number's
  // year counts) in the enterprise's zone.
  header(doc, r, w, width, recordDateLine(r.startedAt, recordPlace(r.region, r.startedAt, ctx.lang, ctx.timeZone), ctx.lang, ctx.timeZone));
  doc.font(FONT).fontSize(10);
  if (r.state === 'open') doc.fillColor('#b3261e').text(w.draft, { align: 'center' }).fillColor('black');
  doc.moveDown(0.5).text(w.intro(when(r.startedAt), t(r.site ?? ctx.tenant.name)), { align: 'justify' });
  const [year, month, day] = recordClock(r.startedAt, ctx.timeZone).day.split('/').reverse();
  const basis = legalBasisLines(`${year}-${month}-${day}`, r.legalBasis && t(r.legalBasis), w);
  if (basis.length) doc.moveDown(0.3);
  for (const line of basis) doc.text(line);

  heading(doc, w.parties);
  doc.text(`1. ${w.inspectors}: ${t(r.inspectors.join('; '))}`);
  doc.text(`2. ${w.inspected}: ${t(ctx.tenant.name)} (${ctx.tenant.id}); ${w.region}: ${provinceName(ctx.tenant.region, ctx.lang)}`);
  const indented = (text: string) => {
    doc.text(text, MARGIN + 14, doc.y, { width: width - 14 });
    doc.x = MARGIN;
  };
  if (r.siteAddress) indented(`${w.address}: ${t(r.siteAddress)}`);
  if (r.representative) indented(w.representative(t(r.representative.name), r.representative.position && t(r.representative.position)));

  heading(doc, w.instruments);
  if (r.items.length === 0) doc.text(w.noInstruments);
  for (const [n, item] of r.items.entries()) instrument(doc, item, n + 1, r, ctx, w, width);
  placeLean(doc, ctx, w, width);

  // a closed record's findings as they stood when it ended; what happened to them since comes after the signatures
  const end = r.state === 'closed' ? r.closedAt : undefined;
  heading(doc, w.findings);
  findings(doc, r, end, w, width);

  if (r.conclusion) {
    heading(doc, w.conclusion);
    doc.text(t(r.conclusion), { align: 'justify' });
  }

  closing(doc, r, ctx, w, width);

  const later = end === undefined ? [] : eventsAfter(r.findings, end);
  if (later.length) {
    heading(doc, w.afterClosing);
    for (const e of later) {
      const at = when(e.at);
      const what = e.what === 'answer' ? w.answer : w.findingClosedBy;
      const head = w.afterClosingEvent(at.charAt(0).toLocaleUpperCase(ctx.lang) + at.slice(1), e.finding.id.slice(r.id.length + 1), what, actorName(e.by));
      doc.font(FONT_BOLD).text(`${head}: `, MARGIN, doc.y, { width, continued: true }).font(FONT).text(t(e.text));
    }
  }
  if (r.amendments.length) {
    heading(doc, w.amendments);
    for (const [n, a] of r.amendments.entries()) {
      doc.font(FONT_BOLD).text(w.amendment(n + 1, when(a.amendedAt), actorName(a.amendedBy)));
      doc.font(FONT).text(`${w.reason}: ${t(a.reason)}`);
      doc.text(t(typeof a.change === 'string' ? a.change : JSON.stringify(a.change, null, 1)));
    }
  }
  drawPageFooters(doc, FONT, MARGIN, w.generated(when(ctx.generatedAt.toISOString())), w.page);
  doc.end();
  return done;
}

/**
 * The head of the record as Nghị định 30/2020/NĐ-CP (Phụ lục I) lays out an administrative
 * document (drawDocumentHead): top left the authority (in capitals), the team below it in bold over
 * a short rule, and the record's number; top right the national name and motto, and under them, on
 * the number's line, the place and date in italics; then the title.
 */
function header(doc: PDFKit.PDFDocument, r: InspectionRecord, w: RecordWords, width: number, dated: string): void {
  const superior = r.authority ? printable(r.authority.toLocaleUpperCase('vi'), w.notPrinted) : undefined;
  drawDocumentHead(
    doc,
    { superior, issuer: w.team, number: `${w.number}: ${r.id}`, dated },
    w,
    { regular: FONT, bold: FONT_BOLD, italic: FONT_ITALIC },
    MARGIN,
    width,
  );
  doc.font(FONT_BOLD).fontSize(15).text(w.title, MARGIN, doc.y, { width, align: 'center' });
}

/** Under the instruments, per type with a seller-favour rule: the tally of the record's checks, and the finding when it holds. */
function placeLean(doc: PDFKit.PDFDocument, ctx: RecordContext, w: RecordWords, width: number): void {
  const number = new Intl.NumberFormat(ctx.lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumSignificantDigits: 2 });
  for (const j of ctx.sellerFavour ?? []) {
    const mean = (j.meanErrorMpe > 0 ? '+' : '') + number.format(j.meanErrorMpe);
    const named = w.typeNames[j.type] ?? ctx.typeNames.get(j.type) ?? j.type;
    const type = j.favoured === 'buyer' ? `${named}, ${w.usedByBuyer}` : named;
    doc.moveDown(0.3).font(FONT).fontSize(10);
    doc.text(
      w.placeLean(
        type,
        j.onSellerSide,
        j.checksCounted,
        j.checks - j.checksCounted,
        mean,
        j.pValue < 0.001 ? `< ${number.format(0.001)}` : number.format(j.pValue),
      ),
      MARGIN,
      doc.y,
      { width },
    );
    const finding = j.favoured === 'buyer' ? w.placeFavoursBuyer : w.placeFavoursSeller;
    if (j.finding) doc.font(FONT_BOLD).fillColor('#b3261e').text(finding, MARGIN, doc.y, { width }).fillColor('black').font(FONT);
  }
}

function heading(doc: PDFKit.PDFDocument, text: string): void {
  doc.moveDown(0.8);
  doc.x = MARGIN;
  doc.font(FONT_BOLD).fontSize(11).text(text);
  doc.font(FONT).fontSize(10).moveDown(0.2);
}

/**
 * One instrument: what it is and when it was recorded, what the inspector saw (its mark and
 * certificate named by its type's standing: kiểm định or hiệu chuẩn), its checks each with its
 * time, and its verdict.
 */
function instrument(doc: PDFKit.PDFDocument, item: InspectionItem, n: number, r: InspectionRecord, ctx: RecordContext, w: RecordWords, width: number): void {
  const d = ctx.devices.get(item.device);
  const type = d ? (w.typeNames[d.type] ?? ctx.typeNames.get(d.type) ?? d.type) : '';
  // the standing recorded with the item says calibration for a calibrated type; else the type's profile says
  const standing: Standing =
    standingWord(item.facts.verification) === 'calibration' || (d && ctx.standings?.get(d.type) === 'calibration') ? 'calibration' : 'verification';
  const sw = w.standing[standing];
  const reason = (x: ItemReason) => (x === 'verification-mark-invalid' || x === 'certificate-invalid' ? sw.reasons[x] : w.reasons[x]);
  const num = (x: number, digits = 4) => new Intl.NumberFormat(ctx.lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: digits }).format(x);
  const signed = (x: number) => (x > 0 ? '+' : '') + num(x);
  const signedTo = (x: number, digits: number) => (x > 0 ? '+' : '') + num(x, digits);
  // a day as the record writes days: dd/mm/yyyy in the enterprise's zone
  const day = (iso: string) => recordClock(iso, ctx.timeZone).day;
  // a check's time of day; its day and month below when it is not the day the inspection started
  // (the column is narrow: dd/mm fits, dd/mm/yyyy would wrap)
  const firstDay = day(r.startedAt);
  const clock = (ts: number) => {
    const c = recordClock(new Date(ts).toISOString(), ctx.timeZone);
    return c.day === firstDay ? c.time : `${c.time}\n${c.day.slice(0, 5)}`;
  };
  doc
    .moveDown(0.4)
    .font(FONT_BOLD)
    .text(
      printable(
        `${n}. ${item.device}${type ? ` — ${type}` : ''}${d ? `, ${w.serial} ${d.serial}` : ''}${d?.site ? `, ${w.site}: ${d.site}` : ''}`,
        w.notPrinted,
      ),
      {
        continued: true,
      },
    )
    .font(FONT)
    .text(` (${w.recordedAt(recordTime(item.recordedAt, ctx.lang, ctx.timeZone))})`);
  const f = item.facts;
  const facts = [
    `${w.seals}: ${f.sealsIntact ? w.intact : w.broken}`,
    `${sw.mark}: ${f.verificationMarkValid ? w.valid : w.invalid}`,
    `${sw.certificate}: ${f.certificateValid ? w.valid : w.invalid}`,
    f.priceDisplayCorrect === undefined ? null : `${w.priceDisplay}: ${f.priceDisplayCorrect ? w.correct : w.wrong}`,
    `${sw.registry}: ${w.registryState[f.verification.state] ?? f.verification.state}${f.verification.validUntil ? ` (${w.until} ${day(f.verification.validUntil)})` : ''}`,
  ].filter((x): x is string => x !== null);
  doc.text(facts.join('; ') + '.', { width });
  // the inspector's finding governs; MAG's record is behind it (a certificate not yet entered)
  if (f.certificateValid && (f.verification.state === 'expired' || f.verification.state === 'none')) doc.text(sw.registryDisagrees, { width });
  // MAG's alerts on it unresolved when it was entered on the record (absent on a record made before MAG kept them)
  const alerts = f.unresolvedAlerts ?? [];
  if (alerts.length) {
    const critical = alerts.some((a) => a.severity === 'critical');
    doc
      .font(FONT_BOLD)
      .fillColor(critical ? '#b3261e' : 'black')
      .text(`${w.unresolvedAlerts}: `, { width, continued: true })
      .font(FONT)
      .text(printable(alerts.map((a) => alertText(a, ctx, w, sw)).join('; ') + '.', w.notPrinted))
      .fillColor('black');
  }
  if (f.notes) doc.text(`${w.notes}: ${printable(f.notes, w.notPrinted)}`, { width });
  if (item.checks.length) {
    doc.moveDown(0.3);
    const head = w.checkHeaders.map((text) => ({ text, font: { src: FONT_BOLD }, backgroundColor: '#eeeeee' }));
    const rows = item.checks.map((c) => {
      const unit = unitText(c.unit);
      // enough decimals that an error beyond the MPE never prints as equal to it (0.089945 against 0.0899415)
      const digits = distinguishing(Math.abs(c.error), c.mpe, num);
      return [
        clock(c.ts),
        [c.gas, c.point].filter(Boolean).join(' · ') || '—',
        // the standard with the certificate it was used under: what makes the check evidence (§8)
        [c.standardId, c.standardCertificate ? `${w.standardCertificate} ${c.standardCertificate}` : null, c.traceable === false ? `(${w.untraceable})` : null]
          .filter(Boolean)
          .join('\n'),
        `${num(c.indicated)} ${unit}`,
        `${num(c.reference)} ${unit}`,
        // no relative error at a zero reference (a zero gas): the absolute one alone
        c.relativeError === null ? `${signedTo(c.error, digits)} ${unit}` : `${signedTo(c.error, digits)} ${unit} (${signed(100 * c.relativeError)} %)`,
        `±${num(c.mpe, digits)} ${unit}`,
        `${num(c.uncertainty)} ${unit}`,
        c.legal === 'pass' ? w.pass : w.fail,
      ];
    });
    doc.fontSize(8.5).table({
      data: [head, ...rows],
      maxWidth: width,
      columnStyles: [34, 44, 80, 52, 52, 86, 60, 44, '*'],
      defaultStyle: { padding: 3, border: 0.5, borderColor: '#888888' },
    });
    doc.fontSize(10);
    doc.x = MARGIN;
    for (const c of item.checks)
      if (c.traceable === false)
        doc
          .fillColor('#b3261e')
          .text(w.untraceableNote(c.standardId, c.traceabilityIssue ?? ''), { width })
          .fillColor('black');
  }
  doc.x = MARGIN;
  // the verdict is the inspector's; an out-of-tolerance alert of MAG left unresolved is said beside a "conforms"
  const verdict =
    item.verdict === 'pass'
      ? `${w.conforming}${conformsWithUnresolvedOutOfTolerance(item) ? ` (${w.unresolvedOutOfTolerance})` : ''}`
      : `${w.nonConforming} (${item.reasons.map(reason).join('; ')})`;
  doc
    .moveDown(0.2)
    .font(FONT_BOLD)
    .text(`${w.itemVerdict}: `, { continued: true })
    .font(FONT)
    .fillColor(item.verdict === 'pass' ? 'black' : '#b3261e')
    .text(verdict)
    .fillColor('black');
}

/**
 * One of MAG's alerts as the record prints it: its kind (a calibrated type's standing alerts named
 * for calibration), test point or gas, since when, acknowledged or not; the check a check's alert
 * speaks of, else MAG's summary where the record's language has it (English).
 */
function alertText(a: AlertAtInspection, ctx: RecordContext, w: RecordWords, sw: RecordWords['standing'][Standing]): string {
  const kind = a.kind === 'verification-overdue' || a.kind === 'verification-due-soon' ? sw.alertKinds[a.kind] : (w.alertKinds[a.kind] ?? a.kind);
  // a drift alert's key is its series ("point=Qmax,regime=inService"): its gas and point as the checks' column writes them
  const series = a.key === undefined ? undefined : parseDriftSeriesKey(a.key);
  const key = series ? [series.gas, series.point].filter(Boolean).join(' · ') || undefined : a.key;
  const parts = [w.alertSince(kind, key, recordClock(a.since, ctx.timeZone).day)];
  if (a.state === 'acknowledged') parts.push(w.alertAcknowledged);
  if (a.check) {
    const num = (x: number, digits = 4) => new Intl.NumberFormat(ctx.lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: digits }).format(x);
    const unit = unitText(a.check.unit);
    const digits = distinguishing(Math.abs(a.check.error), a.check.mpe, num);
    const error = `${a.check.error > 0 ? '+' : ''}${num(a.check.error, digits)} ${unit}`;
    parts.push(w.alertCheck(recordTime(a.check.at, ctx.lang, ctx.timeZone), error, `${num(a.check.mpe, digits)} ${unit}`));
  } else {
    const summary = w.alertSummary(a.summary);
    if (summary) parts.push(summary);
  }
  return parts.join(', ');
}

/** The state of finding `f` at `end` (the record's end), from when it was answered and closed; its state now without one. */
function stateAt(f: Finding, end: string | undefined): FindingState {
  if (end === undefined) return f.state;
  const by = (at: string | undefined) => at !== undefined && Date.parse(at) <= Date.parse(end);
  return by(f.closedAt) ? 'closed' : by(f.answeredAt) ? 'answered' : 'open';
}

/** What happened to the findings after `end` (the record's end): answers and closings, in time order. */
function eventsAfter(findings: readonly Finding[], end: string): { at: string; finding: Finding; what: 'answer' | 'close'; by: string; text: string }[] {
  const after = (at: string | undefined) => at !== undefined && Date.parse(at) > Date.parse(end);
  return findings
    .flatMap((f) => [
      ...(f.answer !== undefined && after(f.answeredAt)
        ? [{ at: f.answeredAt!, finding: f, what: 'answer' as const, by: f.answeredBy ?? '', text: f.answer }]
        : []),
      ...(f.closeReason !== undefined && after(f.closedAt)
        ? [{ at: f.closedAt!, finding: f, what: 'close' as const, by: f.closedBy ?? '', text: f.closeReason }]
        : []),
    ])
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** Findings as they stood at `end` (a closed record's end; now for an open one): a later answer or closing is not in the table. */
function findings(doc: PDFKit.PDFDocument, r: InspectionRecord, end: string | undefined, w: RecordWords, width: number): void {
  if (r.findings.length === 0) {
    doc.text(w.noFindings);
    return;
  }
  const head = w.findingHeaders.map((text) => ({ text, font: { src: FONT_BOLD }, backgroundColor: '#eeeeee' }));
  const t = (text: string) => printable(text, w.notPrinted);
  const rows = r.findings.map((f) => {
    const state = stateAt(f, end);
    const answered = f.answer !== undefined && state !== 'open';
    const closed = f.closeReason !== undefined && state === 'closed';
    const notes = [t(f.description), answered ? `${w.answer}: ${t(f.answer!)}` : '', closed ? `${w.closeReason}: ${t(f.closeReason!)}` : '']
      .filter(Boolean)
      .join('\n');
    return [f.id.slice(r.id.length + 1), w.findingKinds[f.kind], f.device ?? '—', notes, f.action ? t(f.action) : '—', w.findingStates[state]];
  });
  doc.fontSize(8.5).table({
    data: [head, ...rows],
    maxWidth: width,
    columnStyles: [28, 80, 70, '*', 90, 62],
    defaultStyle: { padding: 3, border: 0.5, borderColor: '#888888' },
  });
  doc.fontSize(10);
  doc.x = MARGIN;
}

/**
 * The closing of the record: when it ended (or that it is still open), its fingerprint, how many
 * copies are made and who keeps them, that it was read out and agreed, and the signatures, all on
 * one page: when they do not fit together below what precedes, they start a new page, so the
 * signature block never stands alone (measured as it will be written).
 */
function closing(doc: PDFKit.PDFDocument, r: InspectionRecord, ctx: RecordContext, w: RecordWords, width: number): void {
  let ending = w.openLine;
  if (r.state === 'closed' && r.closedAt) {
    const { day, time } = recordClock(r.closedAt, ctx.timeZone);
    const [hour, minute] = time.split(':') as [string, string];
    ending = w.closedLine(hour, minute, day);
  }
  const hash = r.recordHash ? `${w.hash}: ${r.recordHash}` : undefined;
  const copies = w.copies(RECORD_COPIES);
  doc.x = MARGIN;
  doc.font(FONT).fontSize(10);
  const line = doc.currentLineHeight(true);
  const height = (text: string, size = 10) => doc.fontSize(size).heightOfString(text, { width });
  const needed =
    line +
    height(ending) +
    (hash ? height(hash, 8) : 0) +
    0.5 * line +
    height(copies) +
    0.5 * line +
    height(w.signatures) +
    line +
    signaturesHeight(doc, r, w, width);
  doc.font(FONT).fontSize(10);
  if (doc.y + needed > doc.page.height - doc.page.margins.bottom) doc.addPage();
  doc.moveDown().text(ending, MARGIN, doc.y, { width });
  if (hash) doc.fontSize(8).text(hash, { width }).fontSize(10);
  doc.moveDown(0.5).text(copies, { width });
  doc.moveDown(0.5).text(w.signatures, { width });
  doc.moveDown();
  signatures(doc, r, w, width);
}

/** Below the space for the signatures: where the names are written. */
const NAMES_BELOW = 90;

/** How tall the signature block (signatures) is: its titles and hints, or the space for signing and the names under it. */
function signaturesHeight(doc: PDFKit.PDFDocument, r: InspectionRecord, w: RecordWords, width: number): number {
  const half = width / 2;
  const titles = Math.max(
    ...[w.forInspected, w.forTeam].map(
      (title) =>
        doc.font(FONT_BOLD).fontSize(10).heightOfString(title, { width: half }) + doc.font(FONT).fontSize(8.5).heightOfString(w.signHint, { width: half }),
    ),
  );
  doc.font(FONT).fontSize(10);
  const names = Math.max(
    r.representative ? doc.heightOfString(printable(r.representative.name, w.notPrinted), { width: half }) : 0,
    doc.heightOfString(printable(r.inspectors.join('\n'), w.notPrinted), { width: half }),
  );
  return Math.max(titles, NAMES_BELOW + names);
}

function signatures(doc: PDFKit.PDFDocument, r: InspectionRecord, w: RecordWords, width: number): void {
  const top = doc.y;
  const half = width / 2;
  for (const [i, title] of [w.forInspected, w.forTeam].entries()) {
    doc.font(FONT_BOLD).text(title, MARGIN + i * half, top, { width: half, align: 'center' });
    doc.font(FONT).fontSize(8.5).text(w.signHint, { width: half, align: 'center' }).fontSize(10);
  }
  // names under the space for the signatures: the establishment's representative, the inspectors
  if (r.representative) doc.text(printable(r.representative.name, w.notPrinted), MARGIN, top + NAMES_BELOW, { width: half, align: 'center' });
  const below = doc.y;
  doc.text(printable(r.inspectors.join('\n'), w.notPrinted), MARGIN + half, top + NAMES_BELOW, { width: half, align: 'center' });
  doc.y = Math.max(below, doc.y);
  doc.x = MARGIN;
}

/**
 * Decimals (4 to 9) at which |error| and the MPE print differently when they differ: at 4, an error of
 * 0.089945 L against an MPE of 0.0899415 L printed "+0,0899 / ±0,0899 … fail", which reads as a pass.
 */
export function distinguishing(absError: number, mpe: number, format: (x: number, digits: number) => string): number {
  // compared as printed: rounding the doubles by hand can disagree with the formatter's rounding
  for (let d = 4; d < 9; d++) if (absError === mpe || format(absError, d) !== format(mpe, d)) return d;
  return 9;
}
