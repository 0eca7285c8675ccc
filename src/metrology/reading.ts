// A reading: does it fit the instrument type, its canonical value, and its status.
import { channelFor, isFieldErrors } from './channel.ts';
import { channelUnitFactor, type MetrologyContext } from './check.ts';
import type { InstrumentProfile, Plausibility } from './profile.ts';
import type { FieldError, ReadingInput, ReadingStatus, VerificationState } from './types.ts';
import { conversionFactor, scaled } from './units.ts';
import { isVerified, verificationState } from './verification.ts';

export interface ReadingContext extends MetrologyContext {
  /** The device's previous reading of the same channel (canonical unit), for the rate-of-change check. */
  previous?: { ts: number; value: number };
  /**
   * The type's legal verification interval (profile verificationIntervalMonths): when given, a certificate
   * claiming longer stops counting after the day issuedAt + interval (effectiveVerificationDue). Opt-in so that the
   * shell switches it on together with the device standing (assurance) and its certificate fixtures.
   */
  verificationIntervalMonths?: number;
}

export interface EvaluatedReading {
  ok: true;
  /** Canonical unit. */
  value: number;
  /** As sent. */
  raw: number;
  /** The canonical unit of `value`. */
  unit: string;
  /** The unit as sent. */
  rawUnit: string;
  /** The one status to store: the first of flags in the order out-of-range, implausible, unverified; else ok. */
  status: ReadingStatus;
  /** Every status that applies, in that order (empty when ok). */
  flags: ReadingStatus[];
  /** String fields the profile marks as tags (gas, nozzle, product). */
  tags: Record<string, string>;
  /** The profile's other fields as sent, numbers in the same unit as the value converted to canonical. */
  fields: Record<string, string | number | boolean>;
  verification: VerificationState;
}

const HOUR_MS = 3_600_000;
const NO_SELECTOR = {};

/** Per profile, computed once: its fields as entries, and its channel names. */
const profileShape = new WeakMap<InstrumentProfile, { fields: [string, InstrumentProfile['fields'][string]][]; channelNames: string[] | undefined }>();
function shapeOf(profile: InstrumentProfile) {
  let s = profileShape.get(profile);
  if (!s)
    profileShape.set(profile, (s = { fields: Object.entries(profile.fields), channelNames: profile.channels ? Object.keys(profile.channels) : undefined }));
  return s;
}

/**
 * Largest plausible change for an interval of `dtMs` (smallest window ≥ dt), in the plausibility unit;
 * undefined when dt ≤ 0 (out of order) or beyond the longest window (not checked).
 */
export function plausibleChangeLimit(p: Plausibility, dtMs: number): number | undefined {
  if (!(dtMs > 0)) return undefined;
  const hours = dtMs / HOUR_MS;
  return p.maxChange.find((w) => hours <= w.hours)?.max;
}

function checkFields(
  profile: InstrumentProfile,
  r: Record<string, unknown>,
  factor: number,
): { errors: FieldError[]; tags: Record<string, string>; fields: Record<string, string | number | boolean> } {
  const errors: FieldError[] = [];
  const tags: Record<string, string> = {};
  const fields: Record<string, string | number | boolean> = {};
  const shape = shapeOf(profile);
  const channelNames = shape.channelNames;
  for (const [name, spec] of shape.fields) {
    const v = r[name];
    if (v === undefined || v === null) {
      // The channel field's own error (with the names it may take) comes from channelFor.
      if (spec.required && name !== profile.channelField)
        errors.push({ path: name, message: `${name} (${spec.type}) is required for instrument type ${profile.id}` });
      continue;
    }
    const typeOk =
      spec.type === 'string'
        ? typeof v === 'string' && v.length > 0
        : spec.type === 'boolean'
          ? typeof v === 'boolean'
          : typeof v === 'number' && Number.isFinite(v) && (spec.type !== 'integer' || Number.isInteger(v));
    if (!typeOk) {
      errors.push({
        path: name,
        message: `${name} must be ${spec.type === 'string' ? 'a non-empty string' : spec.type === 'integer' ? 'an integer' : `a ${spec.type === 'number' ? 'finite number' : 'boolean'}`}`,
      });
      continue;
    }
    const allowed = spec.values ?? (name === profile.channelField ? channelNames : undefined);
    if (allowed && typeof v === 'string' && !allowed.includes(v)) {
      // The channel field's own error comes from channelFor.
      if (name !== profile.channelField) errors.push({ path: name, message: `${name} "${v}" is not allowed: one of ${allowed.join(', ')}` });
      continue;
    }
    const value = spec.sameUnitAsValue && typeof v === 'number' ? scaled(v, factor) : (v as string | number | boolean);
    fields[name] = value;
    if (spec.tag && typeof v === 'string') tags[name] = v;
  }
  return { errors, tags, fields };
}

/**
 * Evaluates a reading against its device and type: quantity, unit and channel fit the profile, required fields
 * are present, the value is converted to the canonical unit.
 *
 * Status precedence (documented, one value per reading): `out-of-range` (outside the device's measuring range)
 * before `implausible` (change since `previous` beyond the profile's time-consistency limit) before `unverified`
 * (no valid verification at r.ts, capped by ctx.verificationIntervalMonths when given; due-soon still counts as verified) before `ok`. All that apply are in `flags`.
 */
export function evaluateReading(ctx: ReadingContext, r: ReadingInput): EvaluatedReading | { ok: false; errors: FieldError[] } {
  const { profile, device } = ctx;
  const rec = r as unknown as Record<string, unknown>;
  const errors: FieldError[] = [];
  const channelField = profile.channelField;
  const chanValue = channelField === undefined ? r.gas : rec[channelField];
  if (chanValue !== undefined && typeof chanValue !== 'string') {
    return { ok: false, errors: [{ path: channelField ?? 'gas', message: `${channelField ?? 'gas'} must be a string` }] };
  }
  // The quantity is compared here rather than in channelFor so that a wrong quantity and a wrong unit are both reported.
  const ch = channelFor(profile, device, chanValue === undefined ? NO_SELECTOR : { gas: chanValue });
  if (isFieldErrors(ch)) errors.push(...ch);
  else if (r.quantity !== ch.quantity) {
    errors.push({
      path: 'quantity',
      message: `quantity "${r.quantity}" does not fit instrument type ${profile.id}${ch.gas ? ` (${ch.gas})` : ''}: expected "${ch.quantity}"`,
    });
  }
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) errors.push({ path: 'value', message: 'value must be a finite number' });
  let factor = 1;
  if (!isFieldErrors(ch)) {
    const u = channelUnitFactor(ch, r.unit);
    if ('path' in u) errors.push(u);
    else factor = u.factor;
  }
  const checked = checkFields(profile, rec, factor);
  errors.push(...checked.errors);
  if (errors.length > 0 || isFieldErrors(ch)) return { ok: false, errors };

  const value = scaled(r.value, factor);
  const flags: ReadingStatus[] = [];
  const slack = 1e-9 * (ch.range.max - ch.range.min);
  if (value < ch.range.min - slack || value > ch.range.max + slack) flags.push('out-of-range');
  if (profile.plausibility && ctx.previous) {
    const limit = plausibleChangeLimit(profile.plausibility, r.ts - ctx.previous.ts);
    const toPlausibilityUnit = conversionFactor(ch.canonicalUnit, profile.plausibility.unit);
    if (limit !== undefined && toPlausibilityUnit !== undefined) {
      const change = Math.abs(value - ctx.previous.value) * toPlausibilityUnit;
      if (change > limit * (1 + 1e-9)) flags.push('implausible');
    }
  }
  const verification = verificationState(ctx.certificates, r.ts, profile.dueSoonDays, ctx.verificationIntervalMonths, profile.standing);
  if (!isVerified(verification)) flags.push('unverified');

  return {
    ok: true,
    value,
    raw: r.value,
    unit: ch.canonicalUnit,
    rawUnit: r.unit,
    status: flags[0] ?? 'ok',
    flags,
    tags: checked.tags,
    fields: checked.fields,
    verification,
  };
}
