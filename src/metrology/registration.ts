// What a registration says of an instrument that cannot be true of it: a scale's e, Max and class
// that do not fit together (OIML R76-1 Table 3), a range below zero for a quantity that is never
// negative. Pure; the API's registration routes, campaign verifications and the CLI refuse with these.
import type { InstrumentProfile, MpeRule } from './profile.ts';
import { classKey } from './channel.ts';
import type { FieldError } from './types.ts';
import { unitText } from './units.ts';

/** What OIML R76-1 Table 3 allows a class: e in kg (the scale's canonical unit), n = Max/e. */
interface R76ClassLimits {
  /** Finest verification scale interval e, kg. */
  eMin: number;
  /** Smallest n for this e and display step d (both kg). */
  nMin: (e: number, d: number) => number;
  /** Largest n; absent for class I, which has none. */
  nMax?: number;
  /** How the message states the class's rows beside the n that applied. */
  nNote: string;
  /** Said when e is finer than the class allows. */
  eNote: string;
}

/** A relative slack for a threshold in kg: 5 g written 0.005 kg stays 5 g. */
const atLeast = (x: number, limit: number): boolean => x >= limit * (1 - 1e-9);
const D_AS_E = '; e is the verification scale interval, not the display step d: register d as `resolution` beside e';

/**
 * OIML R76-1:2006, Table 3 (non-automatic weighing instruments): the verification scale interval e and
 * the number of intervals n = Max/e a class allows, e in kg (the scale's canonical unit).
 * - Class I: 1 mg ≤ e; n at least 50 000, no maximum; the table's note lets n be smaller for a balance whose
 *   display step d is below 0.1 mg (d < 0.1 mg: no minimum n here).
 * - Class II: 1 mg ≤ e ≤ 50 mg: n from 100 to 100 000; e ≥ 0.1 g: n from 5 000 to 100 000.
 * - Class III: 0.1 g ≤ e; n from 100 (from 500 when e ≥ 5 g) to 10 000.
 * - Class IIII: 5 g ≤ e; n from 100 to 1 000.
 * The upper n of classes II–IIII is also the last load band of the scale's profile (devices/scale.json, upToE
 * 100 000, 10 000 and 1 000); class I's last band is open. The other weighing type (the checkweigher, OIML
 * R51 classes XII–XIV) is not checked here. Read from third-party copies of the table (seenIn of
 * devices/scale.json), not from the OIML publication. The table's minimum capacity Min (I 100e, II 20e or
 * 50e, III 20e, IIII 10e) is not applied: MAG has no notion of Min yet.
 */
const R76_TABLE_3: Readonly<Record<string, R76ClassLimits>> = {
  I: { eMin: 0.000001, nMin: (_e, d) => (d < 0.0000001 * (1 - 1e-9) ? 0 : 50_000), nNote: ' (fewer when d < 0.1 mg)', eNote: D_AS_E },
  II: { eMin: 0.000001, nMin: (e) => (atLeast(e, 0.0001) ? 5_000 : 100), nMax: 100_000, nNote: ' (from 5 000 when e ≥ 0.1 g)', eNote: D_AS_E },
  III: { eMin: 0.0001, nMin: (e) => (atLeast(e, 0.005) ? 500 : 100), nMax: 10_000, nNote: ' (from 500 when e ≥ 5 g)', eNote: '' },
  IIII: { eMin: 0.005, nMin: () => 100, nMax: 1_000, nNote: '', eNote: '' },
};

/** A count as the messages write it: 100 000. */
const count = (n: number): string => n.toLocaleString('en-US').replace(/,/g, ' ');

/** A number as a message shows it: the binary noise of a division dropped (299.99999999999994 → 300). */
const shown = (x: number): string => String(Number(x.toPrecision(10)));

/** What a registration (POST /devices, a campaign's verification) says of a weighing instrument. */
export interface ScaleSpec {
  class?: string;
  e?: number;
  max?: number;
  range?: { min: number; max: number };
  resolution?: number;
  /** A use in trade with requirements of its own (profile `tradeUses`): `gold-trading`. */
  use?: string;
}

/**
 * Why a registration's e, Max and class do not fit together, or []: e larger than Max (or than the
 * range), and for a scale of class I, II, III or IIII an e or an n = Max/e outside OIML R76-1 Table 3.
 * What is judged is what the scale's checks will be judged with (channel.ts): the registered e (else its
 * resolution, else the type's) and Max (range.max, else max, else the type's), so a scale registered
 * without them is judged on its type's defaults, and the message says which values came from there.
 */
export function scaleErrors(profile: InstrumentProfile, spec: ScaleSpec): FieldError[] {
  return [...r76Errors(profile, spec), ...tradeUseErrors(profile, spec)];
}

/**
 * Why a scale's e is too coarse for the use in trade it is registered for, or []: the profile's
 * `tradeUses[use].maxScaleInterval`, the coarsest e allowed by capacity. For `gold-trading`, Circular
 * 22/2013/TT-BKHCN Article 4(1) as corrected by Decision 1550/QĐ-BKHCN (2014): Max up to 200 g, e ≤ 1 mg;
 * to 3 kg, e ≤ 10 mg; to 10 kg, e ≤ 100 mg; beyond, e ≤ 1 g (unconfirmed: read from secondary copies, and
 * "mức cân" read as Max; docs/metrology.md §3.5). Judged on the e and Max the checks will use, as above.
 */
export function tradeUseErrors(profile: InstrumentProfile, spec: ScaleSpec): FieldError[] {
  const use = spec.use === undefined ? undefined : profile.tradeUses?.[spec.use];
  const bands = use?.maxScaleInterval;
  const e = spec.e ?? spec.resolution ?? profile.resolution;
  const capacity = spec.range?.max ?? spec.max ?? profile.range?.max;
  if (!bands || e === undefined || capacity === undefined) return [];
  // a capacity written exactly on a band's limit (200 g) is in that band ("đến 200 g")
  const band = bands.find((b) => b.upToMax === undefined || capacity <= b.upToMax * (1 + 1e-12));
  if (!band || e <= band.e * (1 + 1e-9)) return [];
  const unit = unitText(profile.canonicalUnit ?? '');
  const lower = bands[bands.indexOf(band) - 1]?.upToMax;
  const capacities =
    band.upToMax === undefined
      ? `above ${shown(lower!)} ${unit}`
      : lower === undefined
        ? `up to ${shown(band.upToMax)} ${unit}`
        : `above ${shown(lower)} and up to ${shown(band.upToMax)} ${unit}`;
  return [
    {
      path: 'e',
      message: `e ${shown(e)} ${unit} is too coarse for ${spec.use}: a scale of Max ${shown(capacity)} ${unit} (capacities ${capacities}) must have e at most ${shown(band.e)} ${unit}${profile.canonicalUnit === 'kg' ? ` (${shown(band.e * 1e6)} mg)` : ''} (${use!.basis}; devices/${profile.id}.json tradeUses); register a finer scale, or check e and max`,
    },
  ];
}

function r76Errors(profile: InstrumentProfile, spec: ScaleSpec): FieldError[] {
  const unit = unitText(profile.canonicalUnit ?? '');
  // range wins over max, as in channel.ts
  const max = spec.range?.max ?? spec.max;
  if (spec.e !== undefined && max !== undefined && spec.e > max)
    return [
      {
        path: 'e',
        message: `e ${spec.e} ${unit} is larger than max ${max} ${unit}: e is the verification scale interval, a small step of the capacity (n = max/e intervals); give both in ${unit}`,
      },
    ];
  if (spec.range && spec.e !== undefined && spec.e > spec.range.max - spec.range.min)
    return [{ path: 'e', message: `e ${spec.e} ${unit} is larger than the range ${spec.range.min} to ${spec.range.max} ${unit}` }];
  const rule = profile.mpe?.verification;
  if (rule?.kind !== 'scaleIntervals' || profile.canonicalUnit !== 'kg') return [];
  const cls = spec.class === undefined ? rule.defaultClass : classKey(rule, spec.class);
  const limits = cls === undefined ? undefined : R76_TABLE_3[cls];
  const e = spec.e ?? spec.resolution ?? profile.resolution;
  const capacity = max ?? profile.range?.max;
  if (e === undefined || capacity === undefined) return [];
  if (!limits) return bandErrors(rule, cls, e, capacity, max !== undefined); // a class R76-1 Table 3 does not list (a checkweigher's X classes); an unknown one is refused by the type's validation
  const fromType = [
    ...(spec.e === undefined && spec.resolution === undefined ? [`e ${shown(e)} kg`] : []),
    ...(max === undefined ? [`Max ${shown(capacity)} kg`] : []),
  ];
  // Said only where a default took part: the fix is then to register the scale's own e and max.
  const defaults = fromType.length
    ? `; ${fromType.join(' and ')} ${fromType.length > 1 ? 'are the defaults' : 'is the default'} of type ${profile.id} (devices/${profile.id}.json), not given by the registration: register the scale's e and max as marked on it`
    : '';
  const errors: FieldError[] = [];
  if (!atLeast(e, limits.eMin))
    errors.push({
      path: 'e',
      message: `e ${e} kg is finer than class ${cls} allows: at least ${shown(limits.eMin)} kg (${shown(limits.eMin * 1000)} g; OIML R76-1 Table 3); give e in kg${limits.eNote}${defaults}`,
    });
  const n = capacity / e;
  // d as the checks take it (channel.ts): the registered resolution, else e
  const nMin = limits.nMin(e, spec.resolution ?? e);
  if (n < nMin * (1 - 1e-9) || (limits.nMax !== undefined && n > limits.nMax * (1 + 1e-9))) {
    const allowed = limits.nMax === undefined ? `at least ${count(nMin)} and no maximum` : `from ${count(nMin)} to ${count(limits.nMax)}`;
    errors.push({
      path: max !== undefined ? 'max' : 'e',
      message: `max/e = ${shown(capacity)} kg / ${shown(e)} kg = ${shown(n)} verification scale intervals; class ${cls} has ${allowed}${limits.nNote} (OIML R76-1 Table 3): check max, e and the class${defaults}`,
    });
  }
  return errors;
}

/**
 * For a class without R76-1 Table 3 limits (OIML R51's X classes of a checkweigher): the class's MPE table
 * in the profile ends at some number of e, and a capacity beyond it could never be judged at Max (checks
 * there are refused: check.ts). So Max/e above the last band's `upToE` is refused here, from the data alone;
 * a class whose last band is open (no `upToE`) has no end, and no Max/e is refused on it.
 */
function bandErrors(rule: Extract<MpeRule, { kind: 'scaleIntervals' }>, cls: string | undefined, e: number, capacity: number, maxGiven: boolean): FieldError[] {
  const bands = cls === undefined ? undefined : rule.classes[cls];
  const last = bands?.at(-1)?.upToE;
  if (last === undefined) return [];
  const n = capacity / e;
  if (n <= last * (1 + 1e-9)) return [];
  return [
    {
      path: maxGiven ? 'max' : 'e',
      message: `max/e = ${shown(capacity)} kg / ${shown(e)} kg = ${shown(n)} scale intervals; the MPE table of class ${cls} ends at ${last} e, so loads near Max could never be judged: check max, e and the class`,
    },
  ];
}

/**
 * Why a registered range cannot be the instrument's, or []: one that reaches below zero for a type
 * whose quantity is never negative (its profile's range starts at 0 or above: volume, mass, absolute
 * pressure, length, concentration). Finite bounds, magnitudes and min < max are the schema's.
 */
export function rangeErrors(profile: InstrumentProfile, range: { min: number; max: number } | undefined): FieldError[] {
  if (!range || !profile.range || profile.range.min < 0 || range.min >= 0) return [];
  const unit = unitText(profile.canonicalUnit ?? '');
  return [
    {
      path: 'range.min',
      message: `range.min ${range.min} ${unit} is negative: a ${profile.id} measures ${profile.quantity}, which is never negative (its type's range is ${profile.range.min} to ${profile.range.max} ${unit})`,
    },
  ];
}
