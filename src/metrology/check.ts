// A check of an instrument against a reference standard: error, MPE, uncertainty and both decisions.
import { channelFor, isFieldErrors, type Channel } from './channel.ts';
import { applyCorrection, latestCalibration } from './correction.ts';
import { expandedUncertainty, guardedDecision, legalDecision, normalisedError } from './decision.ts';
import { channelMpe, maximumCapacity, minimumMeasuredQuantity, MpeNotDefinedError } from './mpe.ts';
import type { InstrumentProfile } from './profile.ts';
import type { Certificate, CheckInput, CheckResult, DeviceMetrology, FieldError, Regime } from './types.ts';
import { conversionFactor, resolveUnit, scaled, unitText } from './units.ts';
import { decimalSum, significant } from './decimal.ts';

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
 * Refused, with the field and the reason, as for any invalid check: an indication (in the canonical unit) that
 * is not a whole multiple of the channel's display step, its resolution (scale: d), as no display shows it
 * (judging it would judge a value the customer never saw; it is not rounded either), a test volume below
 * the minimum measured quantity (fuel dispenser MMQ; not a valid test), a test load above a scale's Max or
 * beyond its class's last load band when that band is closed (OIML R76 gives no MPE there; not extrapolated;
 * class I's last band is open, devices/scale.json), a check without a test point, or at one its class does not
 * list, on a type whose MPE is by test point (a water meter's flow zone, Q1…Q4: `point`), deltaL on a type without
 * scale intervals, deltaL outside [0, e].
 *
 * relativeError = error / |reference|, a fraction (0.003 = 0.3 %); null when the reference is 0, where it is
 * undefined (a zero check of a scale, zero gas of a detector).
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
  const refusal = [...displayStepErrors(ch, ctx.device, check, indicated), ...validTestErrors(ch, ctx.device, reference, deltaL)];
  if (refusal.length > 0) return { ok: false, errors: refusal };

  const regime: Regime = check.regime ?? 'inService';
  // R76 change-point: the indication before rounding, P = I + ½e − ΔL.
  const shown = deltaL === undefined ? indicated : decimalSum(indicated, ch.e / 2, -deltaL);
  const error = decimalSum(shown, -reference);
  let mpe: number;
  try {
    mpe = significant(channelMpe(ch, reference, regime, check.point)); // judged as answered (0.09, not 0.09000000000000001)
  } catch (e) {
    // no MPE at this reference (a load beyond the class's last band) or test point (a water meter's point not
    // among its class's Q1…Q4, or none): not a valid test, refused as one on the field that says why
    if (e instanceof MpeNotDefinedError) return { ok: false, errors: [{ path: e.field, message: `${e.message}; not a valid test` }] };
    throw e;
  }
  const uncertainty = expandedUncertainty(referenceU, deltaL === undefined ? ch.resolution : 0);
  const calibration = latestCalibration(ctx.certificates, check.ts);
  const corrected = significant(applyCorrection(shown, calibration));

  const result: CheckResult = {
    seq: check.seq,
    ts: check.ts,
    unit: ch.canonicalUnit,
    indicated,
    corrected,
    reference,
    error,
    relativeError: reference === 0 ? null : significant(error / Math.abs(reference)),
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
    result.correctedError = decimalSum(corrected, -reference);
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
 * How far from a whole number of steps an indication may lie, in steps, and still count as on one: the
 * binary noise of a conversion (20060 mL → 20.060000000000002 L) or of a decimal step (0.3 / 0.1 =
 * 2.9999999999999996) is ~1e-13 step; an indication genuinely between steps is off by ≥ 0.1 step.
 */
const STEP_SLACK = 1e-6;

/** True when `value` is a whole multiple of `step` (both in one unit), within STEP_SLACK of a step. */
export function onDisplayStep(value: number, step: number): boolean {
  const steps = value / step;
  return Math.abs(steps - Math.round(steps)) <= STEP_SLACK;
}

/** A number for a message: the binary noise of a conversion dropped (20.064899999999998 → 20.0649). */
const shown = (x: number): number => Number(x.toPrecision(12));

/**
 * Why the indication (canonical unit) is not one the display shows, or []: it must be a whole multiple of the
 * channel's resolution (docs/metrology.md §4). The message names the step, where it comes from and what to do;
 * a device's resolution is given at registration only (POST /api/v1/devices `resolution`; no update route).
 */
function displayStepErrors(ch: Channel, device: DeviceMetrology, check: CheckInput, indicated: number): FieldError[] {
  if (onDisplayStep(indicated, ch.resolution)) return [];
  const unit = unitText(ch.canonicalUnit);
  const sent = `${check.indicated} ${check.unit}`;
  const value = indicated === check.indicated ? sent : `${sent} (${shown(indicated)} ${unit})`;
  const step = `${shown(ch.resolution)} ${unit}`;
  let whose: string;
  let finer: string;
  if (ch.gas !== undefined) {
    whose = `the ${ch.gas} channel's resolution of instrument type ${ch.type}`;
    finer = `a device of this multi-channel type cannot register its own resolution: the type's profile (devices/${ch.type}.json) sets it`;
  } else if (ch.resolutionFrom === 'device') {
    whose = `the resolution registered for device ${device.id}`;
    finer =
      "the registered resolution is wrong, and a device's resolution is given at registration only (POST /api/v1/devices `resolution`; a registered device cannot be updated)";
  } else if (ch.resolutionFrom === 'e') {
    whose = `the scale interval e registered for device ${device.id}, its display step d when no resolution is registered`;
    finer =
      'a scale whose d is finer than e is registered with its `resolution` (d) beside `e` (POST /api/v1/devices; at registration only, a registered device cannot be updated)';
  } else {
    whose = `the default resolution of instrument type ${ch.type}; the device was registered without its own`;
    finer = 'its resolution must be given when the device is registered (POST /api/v1/devices `resolution`; a registered device cannot be updated)';
  }
  return [
    {
      path: 'indicated',
      message: `indicated ${value} is not a value the display shows: its steps are ${step} (${whose}). Send the indication as shown; if this instrument's display is finer, ${finer}`,
    },
  ];
}

/**
 * Why the check is not a valid test of the instrument (canonical units), or []: a reference below the
 * minimum measured quantity (OIML R117: the MMQ is the smallest volume the dispenser may measure), a load
 * above a scale's Max (OIML R76 tabulates MPEs from zero to Max; a test at Max is valid), or change-point
 * weights outside [0, e] (the indication steps up by e within one e of added load).
 */
function validTestErrors(ch: Channel, device: DeviceMetrology, reference: number, deltaL: number | undefined): FieldError[] {
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
  const max = maximumCapacity(ch);
  // Floating-point slack only (1e-12 × Max: thousands of ulps, 10⁻⁸e at n = 10 000): a load at Max is
  // valid (R76 tests at Max), one sent in g (15000 g → 15 kg) must not exceed it by conversion noise, and
  // a real test load above Max is at least a 0.1e change-point weight above it.
  if (max !== undefined && Math.abs(reference) > max * (1 + 1e-12)) {
    const unit = unitText(ch.canonicalUnit);
    const whose =
      device.range !== undefined || device.max !== undefined ? 'registered' : `the type's default; device ${device.id} was registered without its Max`;
    return [
      {
        path: 'reference',
        message: `test load ${shown(Math.abs(reference))} ${unit} is above the maximum capacity Max = ${shown(max)} ${unit} (${whose}): not a valid test of this ${ch.type} (OIML R76 defines no MPE above Max); test at or below Max`,
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
