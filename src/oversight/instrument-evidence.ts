// An instrument's measurement-assurance file for a period (Hồ sơ đảm bảo đo lường của phương tiện
// đo): what an enterprise shows its provincial inspector to prove an instrument stayed within
// tolerance between legal verifications (Circular 07/2019/TT-BKHCN makes the user answer for it).
// Pure: the facts MAG holds (the instrument, its certificates, the checks of the period, the
// standards they used, the drift view, the alerts) in, a document of plain strings out, which the
// route answers as JSON and instrument-evidence-pdf.ts lays out on paper. Days are dd/MM/yyyy and
// times HH:mm on the enterprise's clock, as the inspection record writes them (wallClock).
import type { Alert } from '../alerts/alert-book.ts';
import { parseDriftSeriesKey, type DeviceDriftView, type SellerFavourView } from '../metrology/drift.ts';
import { favourAlertKind } from '../metrology/seller-favour.ts';
import type { ReferenceStandard, StandardCertificate } from '../metrology/traceability.ts';
import type { Certificate, CheckResult, DeviceMetrology, VerificationState } from '../metrology/types.ts';
import { unitText } from '../metrology/units.ts';
import { statedUncertainty } from '../metrology/decimal.ts';
import { DOCUMENT_WORDS, RECORD_WORDS } from '../inspections/record-words.ts';
import { distinguishing, printable, recordDateLine, recordPlace, recordTime } from '../inspections/record-pdf.ts';
import { DOTS, type DocumentHead } from './letterhead.ts';
import { labeller, pointName, zoneName, type Lang } from './labels.ts';
import { provinceName } from './provinces.ts';
import { localDateTime, numericDate } from './period.ts';
import { EVIDENCE_WORDS, type EvidenceWords } from './instrument-evidence-words.ts';

/** What MAG holds of the instrument and the period, as the route gathers it. */
export interface EvidenceFacts {
  lang: Lang;
  /** IANA zone of the enterprise: every day and time of the file is read in it. */
  zone: string;
  /** When the file is made, epoch ms. */
  generatedAt: number;
  /** The period, epoch ms, both ends included (from ≤ t ≤ to). */
  period: { from: number; to: number };
  enterprise: { id: string; name: string; region: string };
  device: Pick<DeviceMetrology, 'id' | 'type' | 'class'> & {
    serial: string;
    model?: string;
    site?: string;
    /** Its earlier sites, oldest first: each until an instant (ISO), as the registry keeps moves. */
    placements?: readonly { until: string; site?: string }[];
  };
  /** The measuring range of each channel (one without a gas for a single-channel type), canonical unit. */
  ranges: readonly { gas?: string; min: number; max: number; unit: string }[];
  /** What keeps the type in standing (profile `standing`). */
  standing: 'verification' | 'calibration';
  /** The standing at the period's start, and at its end (or now, for a period not over). */
  standingAtStart: VerificationState;
  standingAtEnd: VerificationState;
  /** Every certificate of the instrument on record. */
  certificates: readonly Certificate[];
  /** The checks of the period, in any order. */
  checks: readonly CheckResult[];
  /** Each standard a check of the period names: as registered for this enterprise (or the authority's) with its calibrations; absent when it is not. */
  standards: readonly { id: string; standard?: ReferenceStandard; certificates: readonly StandardCertificate[] }[];
  /**
   * The drift view as it stood at the period's end (rebuilt from the checks since the certificate in force
   * then) or, for a period not over, now (GET /devices/{id}/drift).
   */
  drift: Pick<DeviceDriftView, 'bySeries'>;
  /** The instant the drift view is of; `driftComplete` false when the baseline held more checks than were read (the newest only). */
  driftAt?: number;
  driftComplete?: boolean;
  /** The instrument's alerts; those open at some time in the period are kept. */
  alerts: readonly Alert[];
}

/** A paragraph, or a table whose layout the renderer picks by its id. */
export type EvidenceBlock = { line: string; bold?: boolean; warning?: boolean } | { table: { id: EvidenceTableId; headers: string[]; rows: string[][] } };

/** `drift-favour`: the drift table of a type judged for errors in its user's favour, with their direction in a last column. */
export type EvidenceTableId = 'certificates' | 'checks' | 'standard-certificates' | 'drift' | 'drift-favour' | 'alerts';

export interface EvidenceSection {
  id: 'instrument' | 'certificates' | 'checks' | 'standards' | 'drift' | 'alerts';
  heading: string;
  blocks: EvidenceBlock[];
}

/** The file as printed, in its language: plain strings only (the JSON answer is this object). */
export interface InstrumentEvidence {
  lang: Lang;
  head: DocumentHead;
  title: string;
  subject: string;
  derivedFrom: string;
  period: string;
  sections: EvidenceSection[];
  signature: { title: string; hint: string; lines: string[] };
  /** "Lập bằng MAG lúc …" on every page; the page numbers are the renderer's ("Trang x/y"). */
  generated: string;
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * The day (dd/MM/yyyy) and time (HH:mm) of instant t on the zone's clock, as the record's recordClock
 * writes them, from period.ts's localDateTime: recordClock makes an Intl formatter per call, which took
 * seconds over a file of thousands of checks.
 */
function wallClock(t: number, zone: string): { day: string; time: string } {
  const c = localDateTime(zone, t);
  return { day: numericDate(c.day), time: c.time };
}

/** The file of `f`. */
export function instrumentEvidence(f: EvidenceFacts): InstrumentEvidence {
  const w = EVIDENCE_WORDS[f.lang];
  const l = labeller(f.lang);
  const clock = (t: number | string) => wallClock(typeof t === 'number' ? t : Date.parse(t), f.zone);
  const day = (t: number | string) => clock(t).day;
  const when = (t: number | string) => {
    const c = clock(t);
    return f.lang === 'vi' ? `${c.time} ${c.day}` : `${c.day} ${c.time}`;
  };
  const type = l.label('type', f.device.type);
  const from = day(f.period.from);
  const to = day(f.period.to);
  const made = iso(f.generatedAt);
  return {
    lang: f.lang,
    head: {
      // the document is the enterprise's own: its name as the issuer, the number left to its clerk
      issuer: f.enterprise.name.toLocaleUpperCase('vi'),
      number: `${DOCUMENT_WORDS[f.lang].number}: ${w.number}`,
      dated: recordDateLine(made, recordPlace(f.enterprise.region, made, f.lang, f.zone), f.lang, f.zone),
    },
    title: w.title,
    subject: w.subject(f.device.id, type, f.device.serial, from, to),
    derivedFrom: w.derivedFrom,
    period: w.period(from, to, zoneName(f.zone, f.lang, f.period.to)),
    sections: [
      instrumentSection(f, w, type, from, to),
      certificateSection(f, w, day),
      checkSection(f, w, when),
      standardSection(f, w, day),
      driftSection(
        f,
        w,
        f.driftAt !== undefined && f.driftAt < f.generatedAt ? w.driftAsOfEnd(when(f.driftAt), f.driftComplete !== false) : w.driftAsOf(when(f.generatedAt)),
        day,
      ),
      alertSection(f, w, when),
    ],
    signature: { title: w.forEnterprise, hint: w.signHint, lines: [`${w.fullName}: ${DOTS}`, `${w.position}: ${DOTS}`] },
    // as the inspection record's foot says it: "Lập bằng MAG lúc 12:00 ngày 15/03/2026"
    generated: RECORD_WORDS[f.lang].generated(recordTime(made, f.lang, f.zone)),
  };
}

/** A number as the file's language writes it, with at most `digits` decimals (vi: 0,25; en: 0.25). */
export function numberIn(lang: Lang, x: number, digits = 4): string {
  const key = `${lang}|${digits}`;
  let format = NUMBER_FORMATS.get(key);
  if (!format) NUMBER_FORMATS.set(key, (format = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: digits })));
  return format.format(x);
}
/** One formatter per language and decimals (2 × 6 at most): made anew per number, they took most of a long file's time. */
const NUMBER_FORMATS = new Map<string, Intl.NumberFormat>();

const signedIn = (lang: Lang, x: number, digits = 4) => (x > 0 ? '+' : '') + numberIn(lang, x, digits);

/** A figure to `digits` significant digits in the file's language (vi: 0,00123; en: 0.00123). */
function significant(lang: Lang, x: number, digits: number): string {
  const key = `${lang}|s${digits}`;
  let format = NUMBER_FORMATS.get(key);
  if (!format) NUMBER_FORMATS.set(key, (format = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumSignificantDigits: digits })));
  return format.format(x);
}

/** A signed figure to 3 significant digits, as the console shows drift (vi: +0,00123; en: +0.00123). */
function signedSignificant(lang: Lang, x: number): string {
  const text = significant(lang, x, 3);
  return x > 0 ? `+${text}` : text;
}

function instrumentSection(f: EvidenceFacts, w: EvidenceWords, type: string, from: string, to: string): EvidenceSection {
  const d = f.device;
  const or = (x: string | undefined) => (x === undefined || x.trim() === '' ? w.notRecorded : printable(x, () => ''));
  const ranges = f.ranges.map((r) => `${r.gas ? `${r.gas}: ` : ''}${numberIn(f.lang, r.min)} – ${numberIn(f.lang, r.max)} ${unitText(r.unit)}`).join('; ');
  const standing = (v: VerificationState) => {
    const until = v.validUntil ? wallClock(Date.parse(v.validUntil), f.zone).day : '';
    return w.standingStates[v.state](until);
  };
  return {
    id: 'instrument',
    heading: w.instrument,
    blocks: [
      `${w.id}: ${d.id}`,
      `${w.type}: ${type}`,
      `${w.serial}: ${or(d.serial)}${d.model ? `; ${w.model}: ${or(d.model)}` : ''}`,
      ...siteLines(f, w, or),
      `${w.accuracyClass}: ${or(d.class)}`,
      `${w.range}: ${ranges || w.notRecorded}`,
      w.enterprise(f.enterprise.name, f.enterprise.id, provinceName(f.enterprise.region, f.lang)),
      w.standingAt(f.standing, 'start', from, standing(f.standingAtStart)),
      w.standingAt(f.standing, 'end', to, standing(f.standingAtEnd)),
    ].map((line) => ({ line })),
  };
}

/**
 * Where the instrument was in the period: its site; for one that moved (the registry's placements), each site
 * it had in the period with the day it left it (the last day there, in the enterprise's zone) and the present
 * one since the day it came, so that the checks below can be read against where they were made.
 */
function siteLines(f: EvidenceFacts, w: EvidenceWords, or: (x: string | undefined) => string): string[] {
  const d = f.device;
  const { from, to } = f.period;
  const lines: string[] = [];
  let start = Number.NEGATIVE_INFINITY;
  const lastDay = (until: number) => wallClock(until - 1, f.zone).day;
  for (const p of d.placements ?? []) {
    const until = Date.parse(p.until);
    if (until > from && start <= to) lines.push(`${w.siteUntil(lastDay(until))}: ${or(p.site)}`);
    start = until;
  }
  if (start === Number.NEGATIVE_INFINITY || start <= from) return [...lines, `${w.site}: ${or(d.site)}`];
  return start > to ? lines : [...lines, `${w.siteSince(wallClock(start, f.zone).day)}: ${or(d.site)}`];
}

/** The certificates issued in the period and those in force at its start, oldest first. */
function certificateSection(f: EvidenceFacts, w: EvidenceWords, day: (t: string) => string): EvidenceSection {
  const { from, to } = f.period;
  // a certificate's U is in the instrument's canonical unit: named when the instrument has one (not a multi-gas detector's)
  const unit = f.ranges.length === 1 ? ` ${unitText(f.ranges[0]!.unit)}` : '';
  const rows = f.certificates
    .map((c) => ({ c, issued: Date.parse(c.issuedAt), until: Date.parse(c.validUntil) }))
    .filter(({ issued, until }) => (issued >= from && issued <= to) || (issued < from && until >= from))
    .sort((a, b) => a.issued - b.issued || a.c.number.localeCompare(b.c.number))
    .map(({ c, issued }) => [
      w.certificateKinds[c.kind],
      printable(c.number, () => ''),
      printable(c.issuedBy, () => ''),
      day(c.issuedAt),
      day(c.validUntil),
      [issued < from ? w.inForceAtStart : w.issuedInPeriod, c.uncertainty !== undefined ? w.certificateU(`${numberIn(f.lang, c.uncertainty)}${unit}`) : '']
        .filter(Boolean)
        .join('; '),
    ]);
  return {
    id: 'certificates',
    heading: w.certificates,
    blocks: rows.length ? [{ table: { id: 'certificates', headers: [...w.certificateHeaders], rows } }] : [{ line: w.none }],
  };
}

/** A check's gas and test point as the record's column writes them, the point in the reader's words ("CO · điểm dải đo"), or "—". */
const pointOf = (x: { gas?: string; point?: string }, lang: Lang) => [x.gas, pointName(x.point, lang)].filter(Boolean).join(' · ') || '—';

/** One check as a row of the table: the figures with their unit, both decisions, the standard and its traceability. */
export function checkRow(c: CheckResult, lang: Lang, zone: string): string[] {
  const w = EVIDENCE_WORDS[lang];
  const l = labeller(lang);
  const unit = unitText(c.unit);
  const num = (x: number, digits = 4) => numberIn(lang, x, digits);
  // enough decimals that an error beyond the MPE never prints as equal to it (the record's rule)
  const digits = distinguishing(Math.abs(c.error), c.mpe, num);
  const { day, time } = wallClock(c.ts, zone);
  const guarded = l.label('decision', c.decision);
  const traceability = c.traceable === true ? w.traceable : c.traceable === false ? w.untraceable : w.traceabilityUnknown;
  return [
    `${day}\n${time}`,
    pointOf(c, lang),
    `${num(c.indicated)} ${unit}`,
    `${num(c.reference)} ${unit}`,
    // no relative error at a zero reference (a zero gas): the absolute one alone
    c.relativeError === null
      ? `${signedIn(lang, c.error, digits)} ${unit}`
      : `${signedIn(lang, c.error, digits)} ${unit} (${signedIn(lang, 100 * c.relativeError)} %)`,
    `±${num(c.mpe, digits)} ${unit}`,
    `${num(statedUncertainty(c.uncertainty))} ${unit}`,
    c.legal === 'pass' ? w.pass : w.fail,
    guarded.charAt(0).toLocaleUpperCase(lang) + guarded.slice(1),
    [c.standardId, c.standardCertificate ? `${w.standardCertificate} ${c.standardCertificate}` : null, traceability].filter(Boolean).join('\n'),
  ];
}

/** Every check of the period, oldest first, with a note under the table for each one not traceable. */
function checkSection(f: EvidenceFacts, w: EvidenceWords, when: (t: number) => string): EvidenceSection {
  const checks = [...f.checks].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  if (checks.length === 0) return { id: 'checks', heading: w.checks, blocks: [{ line: w.none }] };
  const failed = checks.filter((c) => c.legal === 'fail').length;
  const notes = checks
    .filter((c) => c.traceable === false)
    .map((c) => ({ line: w.untraceableNote(when(c.ts), c.standardId, w.traceabilityIssue(c.traceabilityKind, c.traceabilityIssue)), warning: true }));
  return {
    id: 'checks',
    heading: w.checks,
    blocks: [
      { line: w.checksCount(checks.length, failed) },
      { table: { id: 'checks', headers: [...w.checkHeaders], rows: checks.map((c) => checkRow(c, f.lang, f.zone)) } },
      ...notes,
    ],
  };
}

/** Each standard the checks used, with its calibrations in force at some time in the period. */
function standardSection(f: EvidenceFacts, w: EvidenceWords, day: (t: string) => string): EvidenceSection {
  const l = labeller(f.lang);
  const blocks: EvidenceBlock[] = [];
  for (const s of [...f.standards].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!s.standard) {
      blocks.push({ line: w.unregisteredStandard(s.id), bold: true, warning: true });
      continue;
    }
    const st = s.standard;
    const details = [
      st.kind ? l.label('skind', st.kind) : undefined,
      st.class ? `${w.accuracyClass.toLocaleLowerCase(f.lang)} ${st.class}` : undefined,
      st.serial ? `${w.serial.toLocaleLowerCase(f.lang)} ${st.serial}` : undefined,
      st.gas,
      st.tenant === undefined ? w.authorityStandard : w.enterpriseStandard,
    ].filter((x): x is string => x !== undefined);
    blocks.push({
      line: w.standardLine(
        st.id,
        printable(st.name, () => ''),
        details.join('; '),
      ),
      bold: true,
    });
    const inForce = s.certificates
      .filter((c) => Date.parse(c.issuedAt) <= f.period.to && Date.parse(c.validUntil) >= f.period.from)
      .sort((a, b) => Date.parse(a.issuedAt) - Date.parse(b.issuedAt));
    if (inForce.length === 0) {
      blocks.push({ line: w.noStandardCertificate, warning: true });
      continue;
    }
    blocks.push({
      table: {
        id: 'standard-certificates',
        headers: [...w.standardCertificateHeaders],
        rows: inForce.map((c) => [
          printable(c.number, () => ''),
          printable(c.issuedBy, () => ''),
          `${numberIn(f.lang, c.uncertainty)} ${unitText(st.unit)}`,
          day(c.issuedAt),
          day(c.validUntil),
          [c.traceableTo ? printable(c.traceableTo, () => '') : w.notRecorded, c.asFound?.outOfTolerance ? w.asFoundOut : undefined].filter(Boolean).join('\n'),
        ]),
      },
    });
  }
  return { id: 'standards', heading: w.standards, blocks: blocks.length ? blocks : [{ line: w.none }] };
}

/**
 * The drift view at the period's end (or now), a row per series (gas, test point, regime). For a type with a
 * `sellerFavour` rule (docs/metrology.md §6) a last column says which way the series' errors lean, a
 * legend under the table what its figures are, and a line in red per series whose errors lean its user's
 * way by the rule (the alert would be open): a type without the rule prints the table as before.
 */
function driftSection(f: EvidenceFacts, w: EvidenceWords, asOf: string, day: (t: string) => string): EvidenceSection {
  const l = labeller(f.lang);
  const series = f.drift.bySeries.filter((s) => s.points > 0);
  if (series.length === 0) return { id: 'drift', heading: w.drift, blocks: [{ line: w.none }] };
  const judged = series.some((s) => s.sellerFavour !== undefined);
  const findings: EvidenceBlock[] = [];
  const rows = series.map((s) => {
    const id = parseDriftSeriesKey(s.series);
    const name = id ? `${pointOf(id, f.lang)}\n${l.label('regime', id.regime)}` : s.series;
    const signal = `${s.ewma.signal ? w.yes : w.no} / ${s.cusum.signal ? w.yes : w.no}`;
    // the predicted day is the enterprise's local day already (YYYY-MM-DD)
    const predicted = s.predictedOutOfToleranceAt ? numericDate(s.predictedOutOfToleranceAt) : w.noPrediction;
    const baseline = s.resetAt ? w.baselineSince(day(s.resetAt), s.resetReason ? w.resetReasons[s.resetReason] : '') : w.baselineFirst;
    // the series' channel: a gas detector's gases each have their canonical unit
    const range = f.ranges.find((r) => r.gas === id?.gas) ?? (f.ranges.length === 1 ? f.ranges[0] : undefined);
    const slope = s.slopePerDay === null ? w.noSlope : w.perDay(`${signedSignificant(f.lang, s.slopePerDay)}${range ? ` ${unitText(range.unit)}` : ''}`);
    const row = [name, String(s.points), slope, signal, s.alarm ? w.yes : w.no, predicted, baseline];
    if (!judged) return row;
    const v = s.sellerFavour;
    if (v?.finding)
      findings.push({
        line: w.favourFinding(id ? `${pointOf(id, f.lang)} (${l.label('regime', id.regime)})` : s.series, w.parties[v.favoured]),
        bold: true,
        warning: true,
      });
    return [...row, v ? favourCell(v, f.lang, w, l.label('kind', favourAlertKind(v.favoured))) : '—'];
  });
  const table = judged
    ? { id: 'drift-favour' as const, headers: [...w.driftHeaders, w.favourHeader], rows }
    : { id: 'drift' as const, headers: [...w.driftHeaders], rows };
  return {
    id: 'drift',
    heading: w.drift,
    blocks: [{ line: asOf }, { table }, ...(judged ? [{ line: w.favourLegend }, ...findings] : [])],
  };
}

/**
 * Which way a series' errors lean, on lines of its cell: the favoured party and k of m (the non-zero
 * errors on its side), the one-sided sign test's p to 2 significant digits (below 0.001 "< 0,001"), the
 * mean as a signed fraction of the MPE to 2 significant digits (as the inspection record writes them),
 * and a mark with the alert's name when the errors lean that way by the rule (a finding). Not when they only
 * stay within the thresholds that keep an open alert (`persists`): the view is of now and does not say
 * whether an alert was open; the file's alerts section lists those.
 */
function favourCell(v: SellerFavourView, lang: Lang, w: EvidenceWords, alertName: string): string {
  const party = w.parties[v.favoured];
  const k = v.favoured === 'buyer' ? v.onBuyerSide : v.onSellerSide;
  const mean = significant(lang, v.meanErrorMpe, 2);
  return [
    v.checksCounted === 0 ? w.noNonZeroError : w.favourTally(party, k, v.checksCounted),
    v.checksCounted === 0 ? undefined : `p ${pValueText(lang, v.pValue)}`,
    w.favourMean(v.meanErrorMpe > 0 ? `+${mean}` : mean),
    v.finding ? `⚠ ${alertName}` : undefined,
  ]
    .filter((x): x is string => x !== undefined)
    .join('\n');
}

/** A sign test's p after "p ", as the console and the inspection record print it: "= 0,031" (2 significant digits), "< 0,001" below 0.001 (2^-120 is forty zeros wide). */
function pValueText(lang: Lang, p: number): string {
  return p < 0.001 ? `< ${numberIn(lang, 0.001, 3)}` : `= ${significant(lang, p, 2)}`;
}

/** The alerts open at some time in the period (opened by its end, not resolved before its start), oldest first. */
function alertSection(f: EvidenceFacts, w: EvidenceWords, when: (t: string) => string): EvidenceSection {
  const l = labeller(f.lang);
  const { from, to } = f.period;
  const alerts = f.alerts
    .filter((a) => Date.parse(a.openedAt) <= to && (a.resolvedAt === undefined || Date.parse(a.resolvedAt) >= from))
    .sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || a.id.localeCompare(b.id));
  if (alerts.length === 0) return { id: 'alerts', heading: w.alerts, blocks: [{ line: w.none }] };
  const text = (s: string) => printable(s, () => '');
  const rows = alerts.map((a) => {
    // a calibrated type's standing alerts are named for calibration (the console's words)
    const kind =
      f.standing === 'calibration' && (a.kind === 'verification-overdue' || a.kind === 'verification-due-soon')
        ? l.label('kind', a.kind.replace('verification', 'calibration'))
        : l.label('kind', a.kind);
    const series = a.key ? parseDriftSeriesKey(a.key) : undefined;
    const ack = a.ackAt ? [actor(a.ackBy, w), when(a.ackAt), a.ackNote ? `${w.note}: ${text(a.ackNote)}` : undefined].filter(Boolean).join('\n') : '—';
    const system = a.resolvedBy === 'system';
    // MAG's own clearing note is an English sentence: the Vietnamese file gives its reason alone
    const note = a.resolution?.note && !(system && f.lang === 'vi') ? `: ${text(a.resolution.note)}` : '';
    const resolved = a.resolvedAt
      ? [actor(a.resolvedBy, w), when(a.resolvedAt), a.resolution ? `${l.label('reason', a.resolution.reason)}${note}` : undefined].filter(Boolean).join('\n')
      : '—';
    return [
      kind,
      series ? pointOf(series, f.lang) : pointName(a.key, f.lang) || '—',
      l.label('severity', a.severity),
      when(a.openedAt),
      l.label('state', a.state),
      ack,
      resolved,
    ];
  });
  return { id: 'alerts', heading: w.alerts, blocks: [{ table: { id: 'alerts', headers: [...w.alertHeaders], rows } }] };
}

/** Who acknowledged or resolved an alert, as recorded (`role:name`, or `system`): the name and the role in words. */
function actor(recorded: string | undefined, w: EvidenceWords): string {
  if (!recorded) return w.notRecorded;
  if (recorded === 'system') return w.system;
  const [role, ...name] = recorded.split(':');
  const known = role === 'admin' || role === 'operator' || role === 'inspector' ? w.roles[role] : undefined;
  return known
    ? w.actor(
        printable(name.join(':'), () => ''),
        known,
      )
    : printable(recorded, () => '');
}
