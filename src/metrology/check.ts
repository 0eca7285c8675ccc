// A check of an instrument against a reference standard: error, MPE, uncertainty and both decisions.
import { channelFor, isFieldErrors, type Channel } from './channel.ts';
import { applyCorrection, latestCalibration } from './correction.ts';
import { expandedUncertainty, guardedDecision, legalDecision, normalisedError } from './decision.ts';
import { channelMpe } from './mpe.ts';
import type { InstrumentProfile } from './profile.ts';
import type { Certificate, CheckInput, CheckResult, DeviceMetrology, FieldError, Regime } from './types.ts';
import { conversionFactor, resolveUnit } from './units.ts';

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
 * error = corrected − reference, corrected = indicated × (1 + gain) + offset from the latest calibration
 * certificate in force at check.ts; relativeError = error / |reference| (a fraction; 0 when reference is 0);
 * MPE of the regime (default inService) at the reference (the test volume for a fuel dispenser);
 * U = 2·√((U_ref/2)² + (resolution/√12)²); En = error / √(U_x² + U_ref²) with U_x from the calibration
 * certificate's U and the resolution; legal = simple acceptance; decision = guarded with w = U.
 */
export function evaluateCheck(
  ctx: MetrologyContext,
  check: CheckInput,
): { ok: true; result: CheckResult } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const ch = channelFor(ctx.profile, ctx.device, check.gas === undefined ? {} : { gas: check.gas });
  if (isFieldErrors(ch)) return { ok: false, errors: ch };

  for (const key of ['indicated', 'reference'] as const) {
    if (typeof check[key] !== 'number' || !Number.isFinite(check[key])) errors.push({ path: key, message: `${key} must be a finite number` });
  }
  if (typeof check.referenceUncertainty !== 'number' || !Number.isFinite(check.referenceUncertainty) || check.referenceUncertainty < 0) {
    errors.push({ path: 'referenceUncertainty', message: 'referenceUncertainty must be a finite number ≥ 0 (U, k = 2, in the check unit)' });
  }
  const regime: Regime = check.regime ?? 'inService';
  if (!REGIMES.includes(regime)) errors.push({ path: 'regime', message: `regime must be one of ${REGIMES.join(', ')}` });
  const unit = channelUnitFactor(ch, check.unit);
  if ('path' in unit) errors.push(unit);
  if (errors.length > 0 || 'path' in unit) return { ok: false, errors };

  const f = unit.factor;
  const indicated = check.indicated * f;
  const reference = check.reference * f;
  const referenceU = check.referenceUncertainty * Math.abs(f);
  const calibration = latestCalibration(ctx.certificates, check.ts);
  const corrected = applyCorrection(indicated, calibration);
  const error = corrected - reference;
  const relativeError = reference === 0 ? 0 : error / Math.abs(reference);
  const mpe = channelMpe(ch, reference, regime);
  const uncertainty = expandedUncertainty(referenceU, ch.resolution);
  const ux = expandedUncertainty(calibration?.uncertainty ?? 0, ch.resolution);
  const en = normalisedError(error, ux, referenceU);

  const result: CheckResult = {
    seq: check.seq,
    ts: check.ts,
    unit: ch.canonicalUnit,
    indicated,
    corrected,
    reference,
    error,
    relativeError,
    mpe,
    uncertainty,
    en,
    legal: legalDecision(error, mpe),
    decision: guardedDecision(error, mpe, uncertainty),
    regime,
    standardId: check.standardId,
  };
  if (ch.gas !== undefined) result.gas = ch.gas;
  if (check.point !== undefined) result.point = check.point;
  return { ok: true, result };
}
