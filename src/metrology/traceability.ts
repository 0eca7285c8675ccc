// Traceability of a check to its reference standard (docs/metrology.md §8; ISO 10012, ISO/IEC 17025 6.5):
// the standard must be registered for the instrument's enterprise, calibrated at the check's time,
// and fine enough for the test. Pure: the caller passes the standard, its certificates and the time.
import { channelFor, isFieldErrors, type Channel } from './channel.ts';
import { channelUnitFactor, evaluateCheck, type MetrologyContext } from './check.ts';
import type { InstrumentProfile } from './profile.ts';
import type { CheckInput, CheckResult, DeviceMetrology } from './types.ts';
import { conversionFactor, resolveUnit, unitText } from './units.ts';

export const STANDARD_KINDS = [
  'proving-measure',
  'weights',
  'reference-barometer',
  'certified-gas',
  'ethanol-standard',
  'gauge-blocks',
  'stage-micrometer',
  'other',
] as const;
export type StandardKind = (typeof STANDARD_KINDS)[number];

/** A reference standard as registered (docs/contract.md §5). */
export interface ReferenceStandard {
  id: string;
  /** The enterprise that owns it; absent: the authority's, usable by every enterprise. */
  tenant?: string;
  name: string;
  /** The quantity it realises, as the instrument types name it (volume, mass, pressure, concentration…). */
  quantity: string;
  /** Its unit as registered (UCUM code or a wire spelling the profiles alias, e.g. "ppm"). */
  unit: string;
  kind?: StandardKind;
  /** Accuracy class; a number is its MPE in % of its value (as classes are named), e.g. "0.1". */
  class?: string;
  serial?: string;
  /** The component a certified gas is certified for (one standard per component of a mixture). */
  gas?: string;
}

/** The standard's own calibration certificate. */
export interface StandardCertificate {
  number: string;
  issuedBy: string;
  issuedAt: string;
  validUntil: string;
  /** Expanded uncertainty U (k = 2) of the standard's value, in the standard's unit. */
  uncertainty: number;
  /** The chain to the national standard, e.g. "VMI national volume standard". */
  traceableTo?: string;
  /** What the calibration found before any adjustment: the standard's error (its value − the true value), its unit. */
  asFound?: { error: number; outOfTolerance: boolean };
}

export type StandardStateName = 'valid' | 'expired' | 'none';

/** What a type asks of the standards that check it (profile `referenceStandards`). */
export interface TraceabilityRule {
  /** Smallest test uncertainty ratio MPE / U_ref. */
  minTestUncertaintyRatio: number;
  /** Largest U_ref in % of the test value (fuel dispensers: 0.1, ĐLVN 10); a numeric class at most this qualifies too. */
  maxUncertaintyPercent?: number;
}

/** docs/metrology.md §8: "test uncertainty ratio MPE / U_ref ≥ 3 (4 is common practice)"; a profile may ask more. */
export const DEFAULT_TRACEABILITY_RULE: TraceabilityRule = { minTestUncertaintyRatio: 3 };

/** Ratios and percentages within this relative slack of their limit count as on it (0.3 / 0.1 = 2.9999999999999996). */
const SLACK = 1e-9;

export type TraceabilityIssueKind = 'unregistered' | 'uncalibrated' | 'expired' | 'quantity' | 'unit' | 'gas' | 'ratio' | 'relative-uncertainty';

export interface TraceabilityJudgement {
  traceable: boolean;
  /** A sentence naming the standard and why the check is not traceable. */
  issue?: string;
  issueKind?: TraceabilityIssueKind;
  /** Number of the standard's certificate in force at the check's time. */
  certificate?: string;
  /** MPE / U_ref, U_ref the larger of the certificate's U and the check's referenceUncertainty. */
  testUncertaintyRatio?: number;
  /**
   * U (k = 2) of the standard's certificate in force at the check, in the channel's canonical unit: the
   * smallest U the reference value can have (the check's own may only add to it, for use, drift, temperature).
   */
  certificateUncertainty?: number;
}

/** What judging one check needs: the check's figures in the channel's canonical unit. */
export interface CheckForTraceability {
  standardId: string;
  /** epoch ms */
  ts: number;
  reference: number;
  /** The check's referenceUncertainty (U, k = 2), canonical unit. */
  referenceUncertainty: number;
  mpe: number;
  gas?: string;
}

function time(iso: string): number {
  return Date.parse(iso);
}

/**
 * The day (YYYY-MM-DD) a sentence names for the instant `t` (epoch ms): the enterprise's local day
 * (docs/metrology.md §8). The core has no zone: the shell passes its enterprise's, else days are UTC.
 */
export type DayOf = (t: number) => string;

/** The UTC day of `t`, the days of a caller that passes no zone. */
export const utcDay: DayOf = (t) => new Date(t).toISOString().slice(0, 10);

/** The day of a certificate's date-time as `dayOf` tells it; a date alone (stored so before the API read dates in a zone), or one that does not parse, as written. */
export function dayOfDate(iso: string, dayOf: DayOf): string {
  const t = time(iso);
  return Number.isFinite(t) && !/^\d{4}-\d{2}-\d{2}$/.test(iso) ? dayOf(t) : iso.slice(0, 10);
}

/**
 * The certificate in force at `at` (epoch ms): issuedAt ≤ at ≤ validUntil, the latest issued winning (ties:
 * the later validUntil), as for an instrument's calibration (correction.ts). Unparseable dates are ignored.
 */
export function certificateInForce<C extends Pick<StandardCertificate, 'issuedAt' | 'validUntil'>>(certs: readonly C[], at: number): C | undefined {
  let best: C | undefined;
  for (const c of certs) {
    const issued = time(c.issuedAt);
    const until = time(c.validUntil);
    if (!(issued <= at && at <= until)) continue;
    if (best === undefined || issued > time(best.issuedAt) || (issued === time(best.issuedAt) && until > time(best.validUntil))) best = c;
  }
  return best;
}

/**
 * The standard's calibration standing at `at`: `valid` while a certificate is in force (validUntil: the
 * latest end among those in force), `expired` when certificates were issued by then but none is in force
 * (validUntil: the latest end among them), `none` when none was issued by then.
 */
export function standardState(
  certs: readonly Pick<StandardCertificate, 'issuedAt' | 'validUntil'>[],
  at: number,
): { state: StandardStateName; validUntil: string | null } {
  let inForce: number | undefined;
  let lapsed: number | undefined;
  for (const c of certs) {
    const issued = time(c.issuedAt);
    const until = time(c.validUntil);
    if (!(issued <= at) || !Number.isFinite(until)) continue;
    if (at <= until) inForce = Math.max(inForce ?? until, until);
    else lapsed = Math.max(lapsed ?? until, until);
  }
  if (inForce !== undefined) return { state: 'valid', validUntil: new Date(inForce).toISOString() };
  if (lapsed !== undefined) return { state: 'expired', validUntil: new Date(lapsed).toISOString() };
  return { state: 'none', validUntil: null };
}

/**
 * Is a check traceable to its standard (docs/metrology.md §8)? In this order, the first failing condition is the issue:
 * 1. the standard is registered for the instrument's enterprise (`standard` undefined: it is not);
 * 2. it realises the instrument's quantity, in a unit the channel accepts (UCUM-converted), and for a certified
 *    gas the check's gas (a `certified-gas` without its `gas` serves no check of a gas);
 * 3. a certificate of it is in force at the check's time (issuedAt ≤ ts ≤ validUntil);
 * 4. the test uncertainty ratio MPE / U_ref ≥ rule.minTestUncertaintyRatio, where U_ref is the larger of the
 *    certificate's U (converted) and the check's own referenceUncertainty: the TUR is that of the measurement
 *    actually made (ANSI/NCSL Z540.3 defines it on the calibration process's uncertainty), which cannot be
 *    better than the standard's calibration, and may be worse when the check adds method contributions;
 * 5. where the type asks it (fuel dispensers, ĐLVN 10), U_ref ≤ maxUncertaintyPercent % of |reference|, or
 *    the standard's class is a number (its MPE in %) at most that.
 * The days the issue names (the check's, a certificate's) are days of `dayOf`: the enterprise's local days.
 */
export function judgeTraceability(
  check: CheckForTraceability,
  channel: Pick<Channel, 'type' | 'quantity' | 'canonicalUnit' | 'units' | 'unitAliases' | 'gas'>,
  standard: ReferenceStandard | undefined,
  certificates: readonly StandardCertificate[],
  rule: TraceabilityRule = DEFAULT_TRACEABILITY_RULE,
  dayOf: DayOf = utcDay,
): TraceabilityJudgement {
  const id = check.standardId;
  const no = (issueKind: TraceabilityIssueKind, issue: string, extra: Partial<TraceabilityJudgement> = {}): TraceabilityJudgement => ({
    traceable: false,
    issue,
    issueKind,
    ...extra,
  });
  if (!standard)
    return no(
      'unregistered',
      `standard ${id} is not a registered reference standard of this enterprise or of the authority: register it (POST /api/v1/standards) with its calibration certificate`,
    );
  if (standard.quantity !== channel.quantity)
    return no('quantity', `standard ${id} realises ${standard.quantity}; ${channel.type} measures ${channel.quantity}`);
  const code = resolveUnit(standard.unit, channel.unitAliases);
  const factor = channel.units.includes(code) ? conversionFactor(code, channel.canonicalUnit) : undefined;
  if (factor === undefined)
    return no(
      'unit',
      `standard ${id} is in ${standard.unit}, which ${channel.type}${channel.gas ? ` (${channel.gas})` : ''} does not accept (${channel.units.join(', ')})`,
    );
  // registered before a certified gas had to name its component: nothing shows it holds the check's gas
  if (standard.kind === 'certified-gas' && standard.gas === undefined && check.gas !== undefined)
    return no(
      'gas',
      `standard ${id} is a certified gas registered without the component it is certified for, so nothing shows it holds ${check.gas}: register it with its gas`,
    );
  if (standard.gas !== undefined && check.gas !== undefined && standard.gas !== check.gas)
    return no('gas', `standard ${id} is certified for ${standard.gas}; this check is of ${check.gas}`);

  const cert = certificateInForce(certificates, check.ts);
  if (!cert) {
    // the days only here, where the sentence is written: a traceable check formats none
    const before = certificates.filter((c) => time(c.issuedAt) <= check.ts).sort((a, b) => time(b.validUntil) - time(a.validUntil))[0];
    if (before)
      return no(
        'expired',
        `the calibration of standard ${id} expired on ${dayOfDate(before.validUntil, dayOf)} (certificate ${before.number}), before this check of ${dayOf(check.ts)}`,
      );
    const first = [...certificates].sort((a, b) => time(a.issuedAt) - time(b.issuedAt))[0];
    return no(
      'uncalibrated',
      first
        ? `standard ${id} had no calibration certificate yet on ${dayOf(check.ts)} (the first, ${first.number}, is of ${dayOfDate(first.issuedAt, dayOf)})`
        : `standard ${id} has no calibration certificate on record: add it (POST /api/v1/standards/${id}/certificates)`,
    );
  }

  const unit = unitText(channel.canonicalUnit); // for the messages below
  const certU = cert.uncertainty * Math.abs(factor);
  const uRef = Math.max(certU, check.referenceUncertainty);
  const ratio = uRef === 0 ? Infinity : check.mpe / uRef;
  const found = { certificate: cert.number, testUncertaintyRatio: ratio, certificateUncertainty: certU };
  const which =
    certU >= check.referenceUncertainty
      ? `the certificate's U = ${fmt(certU)} ${unit}`
      : `the check's referenceUncertainty ${fmt(check.referenceUncertainty)} ${unit}, larger than the certificate's ${fmt(certU)} ${unit}`;
  if (ratio < rule.minTestUncertaintyRatio * (1 - SLACK)) {
    return no(
      'ratio',
      `standard ${id} is not fine enough for this check: MPE / U_ref = ${fmt(check.mpe)} / ${fmt(uRef)} ${unit} = ${fmt(ratio)}, below ${rule.minTestUncertaintyRatio} (U_ref: ${which})`,
      found,
    );
  }
  if (rule.maxUncertaintyPercent !== undefined) {
    const percent = check.reference === 0 ? Infinity : (100 * uRef) / Math.abs(check.reference);
    const classPercent = standard.class !== undefined && /^\d+(\.\d+)?$/.test(standard.class.trim()) ? Number(standard.class) : undefined;
    const byClass = classPercent !== undefined && classPercent <= rule.maxUncertaintyPercent * (1 + SLACK);
    if (percent > rule.maxUncertaintyPercent * (1 + SLACK) && !byClass) {
      return no(
        'relative-uncertainty',
        `standard ${id} is not fine enough for ${channel.type}: U_ref = ${fmt(uRef)} ${unit} is ${fmt(percent)} % of the test value ${fmt(Math.abs(check.reference))} ${unit}; at most ${rule.maxUncertaintyPercent} % (or a class of at most ${rule.maxUncertaintyPercent}) is required`,
        found,
      );
    }
  }
  return { traceable: true, ...found };
}

/** A standard as the check path finds it: registered for the instrument's enterprise, with its certificates. */
export interface StandardOfCheck {
  standard: ReferenceStandard;
  certificates: readonly StandardCertificate[];
}

/** The traceability fields of a check result (CheckResult.traceable …). */
export type CheckTraceability = Pick<CheckResult, 'traceable' | 'traceabilityIssue' | 'traceabilityKind' | 'standardCertificate' | 'testUncertaintyRatio'>;

/**
 * judgeTraceability for a check as evaluateCheck judged it: the channel of the device (and gas), the
 * check's referenceUncertainty in the canonical unit, the type's rule (profile `referenceStandards`),
 * the days of its issue those of `dayOf` (the enterprise's: the shell passes them; UTC without).
 * No fields when the check has no channel (evaluateCheck refuses such a check before this is asked). With the
 * traceability fields, the U of the standard's certificate in force at the check in the check's own unit
 * (`certificateUncertainty`, when one is in force), for judging the check with it (judgedWithStandard).
 */
export function traceabilityDetails(
  profile: InstrumentProfile,
  device: DeviceMetrology,
  input: CheckInput,
  result: CheckResult,
  found: StandardOfCheck | undefined,
  dayOf: DayOf = utcDay,
): { fields: CheckTraceability; certificateUncertainty?: number } {
  const ch = channelFor(profile, device, input.gas === undefined ? {} : { gas: input.gas });
  if (isFieldErrors(ch)) return { fields: {} };
  const unit = channelUnitFactor(ch, input.unit);
  if ('path' in unit) return { fields: {} };
  const j = judgeTraceability(
    {
      standardId: input.standardId,
      ts: result.ts,
      reference: result.reference,
      referenceUncertainty: input.referenceUncertainty * Math.abs(unit.factor),
      mpe: result.mpe,
      gas: result.gas,
    },
    ch,
    found?.standard,
    found?.certificates ?? [],
    profile.referenceStandards ?? DEFAULT_TRACEABILITY_RULE,
    dayOf,
  );
  const out: CheckTraceability = { traceable: j.traceable };
  if (j.issue !== undefined) out.traceabilityIssue = j.issue;
  if (j.issueKind !== undefined) out.traceabilityKind = j.issueKind;
  if (j.certificate !== undefined) out.standardCertificate = j.certificate;
  // Infinity (U_ref 0) would not survive JSON: such a ratio is left out
  if (j.testUncertaintyRatio !== undefined && Number.isFinite(j.testUncertaintyRatio)) out.testUncertaintyRatio = j.testUncertaintyRatio;
  return j.certificateUncertainty === undefined ? { fields: out } : { fields: out, certificateUncertainty: j.certificateUncertainty / Math.abs(unit.factor) };
}

/** Relative slack below which a declared U_ref counts as the certificate's (the same figure in another unit). */
const U_SLACK = 1e-9;

/**
 * A check as evaluateCheck judged it (`result`), with its standard's traceability, and judged again with
 * the certificate's U when the check declared a smaller `referenceUncertainty`: the reference value's
 * uncertainty is at least its calibration's (METROLOGY §4 combines "the reference standard's U"; §8), so
 * a device that under-declares it does not get a narrower guard band (0.27 hPa against an MPE of 0.3 was
 * a pass with a declared 0.01 and a conditional pass with the certificate's 0.05). The result then says
 * so: `referenceUncertaintyFromCertificate`, the certificate's U in the check's unit. A standard that is
 * unregistered, or has no certificate in force then, leaves the check as declared (and untraceable).
 */
export function judgedWithStandard(
  ctx: MetrologyContext,
  input: CheckInput,
  result: CheckResult,
  found: StandardOfCheck | undefined,
  dayOf: DayOf = utcDay,
): CheckResult {
  const t = traceabilityDetails(ctx.profile, ctx.device, input, result, found, dayOf);
  const certU = t.certificateUncertainty;
  if (certU === undefined || !(certU > input.referenceUncertainty * (1 + U_SLACK))) return Object.assign(result, t.fields);
  const again = evaluateCheck(ctx, { ...input, referenceUncertainty: certU });
  // the same check with a larger U_ref: valid as the first was (an overflow is refused by the caller)
  if (!again.ok) return Object.assign(result, t.fields);
  return Object.assign(again.result, t.fields, { referenceUncertaintyFromCertificate: certU });
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}
