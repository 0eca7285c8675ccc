// Is the weighing instrument a lot of prepackages was measured with fit to measure it? It must be a
// registered weighing instrument, verified when the packages were weighed, and fine enough: its
// maximum permissible error at the load must not exceed T/5 (UK SI 2006/659 Sch. 2 para 1.3, after
// Directive 76/211/EEC; ./tolerable-deficiency.ts). Pure: the caller gives the device, its profile
// and its verification state.
import { type DayOf, utcDay } from './traceability.ts';
import { channelFor, isFieldErrors } from './channel.ts';
import { maximumPermissibleError } from './mpe.ts';
import type { InstrumentProfile } from './profile.ts';
import { BASE_UNIT, clean, isPrepackageUnit, scaleSuitability } from './tolerable-deficiency.ts';
import type { DeviceMetrology, VerificationState } from './types.ts';
import { conversionFactor } from './units.ts';

/** `scale` of a lot as GET /api/v1/lots/{id} shows it. */
export interface InstrumentFitness {
  /** Device id of the instrument; null when none is known. */
  id: string | null;
  suitable: boolean;
  reason: string;
  /** In-service MPE at the load and the largest accepted (T/5), both in the lot's unit, when computed. */
  mpe?: number;
  limit?: number;
}

export interface LotForInstrument {
  nominal: number;
  unit: string;
  /** Unit the packages are measured in (default `unit`). */
  measuredUnit?: string;
  /** Average tare, in the measured unit: on the pan with the product when weighing gross. */
  averageTare?: number;
  /** g/mL, to turn a volume into the mass weighed. */
  density?: number;
}

export interface InstrumentAtHand {
  id: string | null;
  device?: DeviceMetrology;
  profile?: InstrumentProfile;
  verification?: VerificationState;
}

/**
 * The fitness of `instrument` for `lot` with tolerable deficiency `T` (in the lot's unit).
 *
 * The load is what the pan carries for a package of nominal content: Qn in the measured unit
 * (Qn × density when a volume is weighed) plus the average tare when the lot has one. The MPE is
 * the in-service one (an instrument in use may err that much and still be legal), converted back
 * to the lot's unit and compared with T/5.
 */
export function instrumentFitness(instrument: InstrumentAtHand, lot: LotForInstrument, T: number, dayOf: DayOf = utcDay): InstrumentFitness {
  const { id, device, profile, verification } = instrument;
  const unfit = (reason: string): InstrumentFitness => ({ id, suitable: false, reason });
  if (id === null) {
    return unfit(
      'No weighing instrument is named for this lot (declare it with "scale", or send the packages from a registered instrument), so its fitness cannot be shown.',
    );
  }
  if (!device || !profile) return unfit(`Instrument ${id} is not a registered instrument.`);
  if (profile.quantity !== 'mass') return unfit(`Instrument ${id} is a ${profile.name}, not a weighing instrument.`);
  if (!verification || (verification.state !== 'valid' && verification.state !== 'due-soon')) {
    const state = verification?.state ?? 'none';
    // the day it ended on the enterprise's calendar (docs/metrology.md §8), as the alerts name it
    const until = verification?.validUntil ? `, valid until ${dayOf(Date.parse(verification.validUntil))}` : '';
    return unfit(`Instrument ${id} has no valid verification when the packages were weighed (${state}${until}): its indications are not legal evidence.`);
  }
  const measured = lot.measuredUnit ?? lot.unit;
  const canonical = profile.canonicalUnit;
  if (!isPrepackageUnit(measured) || !isPrepackageUnit(lot.unit) || BASE_UNIT[measured] !== 'g' || canonical === undefined) {
    return unfit(
      `Packages of this lot are measured in ${measured}, not weighed: declare the lot with measuredUnit g or kg (and the density for a volume) to use instrument ${id}.`,
    );
  }
  // Qn in the measured (mass) unit: directly, or through the density for a volume.
  const qnMeasured =
    BASE_UNIT[lot.unit] === 'g'
      ? lot.nominal * conversionFactor(lot.unit, measured)!
      : lot.nominal * conversionFactor(lot.unit, 'mL')! * (lot.density ?? NaN) * conversionFactor('g', measured)!;
  const toCanonical = conversionFactor(measured, canonical);
  if (!Number.isFinite(qnMeasured) || toCanonical === undefined)
    return unfit(`The load on instrument ${id} cannot be worked out for this lot (unit ${lot.unit}, measured in ${measured}).`);
  const load = qnMeasured + (lot.averageTare ?? 0);
  // Max as the instrument's readings and checks are judged against it (channel.ts): its range,
  // else 0…max, else the type's default range.
  const ch = channelFor(profile, device, {});
  const max = isFieldErrors(ch) ? (device.max ?? device.range?.max) : ch.range.max;
  if (max !== undefined && load * toCanonical > max * (1 + 1e-12)) {
    return unfit(`The load ${clean(load)} ${measured} exceeds the maximum capacity of instrument ${id} (${max} ${canonical}).`);
  }
  let mpeCanonical: number;
  try {
    mpeCanonical = maximumPermissibleError(profile, device, load * toCanonical, { regime: 'inService' });
  } catch (e) {
    return unfit((e as Error).message);
  }
  // Back to the lot's unit: canonical → measured → (mass → volume through the density) → lot unit.
  const mpeMeasured = mpeCanonical / toCanonical;
  const mpe = clean(
    BASE_UNIT[lot.unit] === 'g'
      ? mpeMeasured * conversionFactor(measured, lot.unit)!
      : ((mpeMeasured * conversionFactor(measured, 'g')!) / lot.density!) * conversionFactor('mL', lot.unit)!,
  );
  const s = scaleSuitability(mpe, T);
  const e = profile.mpe?.verification.kind === 'scaleIntervals' ? (device.e ?? device.resolution ?? profile.resolution) : undefined;
  const what = [device.class && `class ${device.class}`, e && `e = ${clean(e / toCanonical)} ${measured}`].filter(Boolean).join(', ');
  const at = `Instrument ${id}${what ? ` (${what})` : ''}, in service at the load ${clean(load)} ${measured}`;
  return {
    id,
    suitable: s.suitable,
    reason: `${at}: MPE ${mpe} ${lot.unit} ${s.suitable ? 'is within' : 'exceeds'} T/5 = ${s.limit} ${lot.unit}${s.suitable ? '' : '; use a finer instrument'}.`,
    mpe,
    limit: s.limit,
  };
}
