// A check of an instrument against a reference standard: error, MPE, uncertainty and both decisions.
import { channelFor, isFieldErrors, type Channel } from './channel.ts';
import { applyCorrection, latestCalibration } from './correction.ts';
import { expandedUncertainty, guardedDecision, legalDecision, normalisedError } from './decision.ts';
import { channelMpe, minimumMeasuredQuantity } from './mpe.ts';
import type { InstrumentProfile } from './profile.ts';
import type { Certificate, CheckInput, CheckResult, DeviceMetrology, FieldError, Regime } from './types.ts';
import { conversionFactor, resolveUnit, scaled } from './units.ts';

export interface MetrologyContext {
  profile: InstrumentProfile;
  device: DeviceMetrology;
  certificates: readonly Certificate[];
}

/**
 * Resolves a unit as sent against a channel: alias → UCUM code, accepted by the channel, factor to canonical.
 */
export function channelUnitFactor(ch: Channel, unit: string, path = 'unit'): { factor: number } | FieldError {
  const code = resolveUnit(unit, ch.unitAliases);
  const factor = ch.units.includes(code) ? conversionFactor(code, ch.canonicalUnit) : undefined;
  if (factor !== undefined) return { factor };
  // Error path only: build the message.
  const where = `${ch.type}${ch.gas ? ` (${ch.gas})` : ''}`;
  if (!ch.units.includes(code)) {
    const aliases = Object.entries(ch.unitAliases)
      .filter(([, to]) => ch.units.includes(to))
      .map(([from]) => from);
    const allowed = `${ch.units.join(', ')}${aliases.length ? ` (or ${aliases.join(', ')})` : ''}`;
    return { path, message: `unit "${unit}" is not accepted for ${where}: one of ${allowed}` };
  }
  return { path, message: `unit "${unit}" does not convert to ${ch.canonicalUnit} for ${where}` };
}

const REGIMES: readonly Regime[] = ['verification', 'inService'];

/**
 * Evaluates a check. Every number of the result is in the channel's canonical unit.
 *
 * What is judged is the indication as the instrument shows it (docs/metrology.md §4): in both legal regimes
 * (verification, inService) error = indicated − reference, or for a scale checked by the OIML R76
 * change-point method (deltaL given) E = indicated + ½e − deltaL − reference. A calibration certificate's
 * correction never enters the legal or guarded decision; when one is in force at check.ts the calibration
 * view is reported beside it: correctedError = corrected − reference with corrected = indication ×
 * (1 + gain) + offset, and correctedUncertainty = √(U² + U_cal²).
 *
 * MPE of the regime (default inService) at the reference; U = 2·√((U_ref/2)² + (resolution/√12)²), and
 * U = U_ref with the change-point method (it removes the rounding error); En = error / U;
 * legal = simple acceptance; decision = guarded with w = U (ILAC-G8).
 *
 * Refused, with the field and the reason, as for any invalid check: a test volume below the minimum
 * measured quantity (fuel dispenser MMQ; not a valid test), deltaL on a type without scale intervals,
 * deltaL outside [0, e].
 */
export function evaluateCheck(ctx: MetrologyContext, check: CheckInput): { ok: true; result: CheckResult } | { ok: false; errors: FieldError[] } {
  const ch = channelFor(ctx.profile, ctx.device, check.gas === undefined ? {} : { gas: check.gas });
  if (isFieldErrors(ch)) return { ok: false, errors: ch };
  const errors = inputErrors(ch, check);
  const unit = channelUnitFactor(ch, check.unit);
  if ('path' in unit) errors.push(unit);
  if (errors.length > 0 || 'path' in unit) return { ok: false, errors };

  const f = unit.factor;
  const indicated = scaled(check.indicated, f);
  const reference = scaled(check.reference, f);
  const referenceU = scaled(check.referenceUncertainty, Math.abs(f));
  const deltaL = check.deltaL === undefined ? undefined : scaled(check.deltaL, f);
  const refusal = validTestErrors(ch, reference, deltaL);
  if (refusal.length > 0) return { ok: false, errors: refusal };

  const regime: Regime = check.regime ?? 'inService';
  // R76 change-point: the indication before rounding, P = I + ½e − ΔL.
  const shown = deltaL === undefined ? indicated : indicated + ch.e / 2 - deltaL;
  const error = shown - reference;
  const mpe = channelMpe(ch, reference, regime);
  const uncertainty = expandedUncertainty(referenceU, deltaL === undefined ? ch.resolution : 0);
  const calibration = latestCalibration(ctx.certificates, check.ts);
  const corrected = applyCorrection(shown, calibration);

  const result: CheckResult = {
    seq: check.seq,
    ts: check.ts,
    unit: ch.canonicalUnit,
    indicated,
    corrected,
    reference,
    error,
    relativeError: reference === 0 ? 0 : error / Math.abs(reference),
    mpe,
    uncertainty,
    en: normalisedError(error, uncertainty, 0),
    legal: legalDecision(error, mpe),
    decision: guardedDecision(error, mpe, uncertainty),
    regime,
    standardId: check.standardId,
  };
  if (calibration !== undefined) {
    const uCal = calibration.uncertainty ?? 0;
    result.correctedError = corrected - reference;
    result.correctedUncertainty = Math.sqrt(uncertainty * uncertainty + uCal * uCal);
    result.calibrationCertificate = calibration.number;
  }
  if (ch.gas !== undefined) result.gas = ch.gas;
  if (check.point !== undefined) result.point = check.point;
  if (deltaL !== undefined) result.deltaL = deltaL;
  if (check.adjusted === true) result.adjusted = true;
  return { ok: true, result };
}

/** Field checks that need no unit conversion. */
function inputErrors(ch: Channel, check: CheckInput): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of ['indicated', 'reference'] as const) {
    if (typeof check[key] !== 'number' || !Number.isFinite(check[key])) errors.push({ path: key, message: `${key} must be a finite number` });
  }
  if (typeof check.referenceUncertainty !== 'number' || !Number.isFinite(check.referenceUncertainty) || check.referenceUncertainty < 0) {
    errors.push({ path: 'referenceUncertainty', message: 'referenceUncertainty must be a finite number ≥ 0 (U, k = 2, in the check unit)' });
  }
  if (check.regime !== undefined && !REGIMES.includes(check.regime)) errors.push({ path: 'regime', message: `regime must be one of ${REGIMES.join(', ')}` });
  if (check.deltaL !== undefined && (typeof check.deltaL !== 'number' || !Number.isFinite(check.deltaL))) {
    errors.push({ path: 'deltaL', message: 'deltaL must be a finite number (the change-point weights, in the check unit)' });
  }
  if (check.adjusted !== undefined && typeof check.adjusted !== 'boolean') errors.push({ path: 'adjusted', message: 'adjusted must be true or false' });
  if (check.deltaL !== undefined && ch.mpe.verification.kind !== 'scaleIntervals') {
    errors.push({ path: 'deltaL', message: `deltaL (OIML R76 change-point method) applies to scales; ${ch.type} has no scale interval e` });
  }
  return errors;
}

/**
 * Why the check is not a valid test of the instrument (canonical units), or []: a reference below the
 * minimum measured quantity (OIML R117: the MMQ is the smallest volume the dispenser may measure), or
 * change-point weights outside [0, e] (the indication steps up by e within one e of added load).
 */
function validTestErrors(ch: Channel, reference: number, deltaL: number | undefined): FieldError[] {
  const mmq = minimumMeasuredQuantity(ch);
  // Relative slack: a 5 L proving measure sent in mL must not fall below a 5 L MMQ by conversion rounding.
  if (mmq !== undefined && Math.abs(reference) < mmq * (1 - 1e-9)) {
    return [
      {
        path: 'reference',
        message: `test volume ${Math.abs(reference)} ${ch.canonicalUnit} is below the minimum measured quantity MMQ = ${mmq} ${ch.canonicalUnit}: not a valid test of this dispenser (OIML R117); test at or above the MMQ`,
      },
    ];
  }
  if (deltaL !== undefined && !(deltaL >= 0 && deltaL <= ch.e * (1 + 1e-9))) {
    return [
      {
        path: 'deltaL',
        message: `deltaL ${deltaL} ${ch.canonicalUnit} must lie in [0, e = ${ch.e} ${ch.canonicalUnit}] (weights added until the indication steps up by e)`,
      },
    ];
  }
  return [];
}
