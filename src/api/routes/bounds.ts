// What a request body may say, beyond its JSON type: numbers an instrument can have, texts that say
// something, lists without repeats, provinces the table knows, and a scale's e, Max and class that
// fit together. The route schemas and handlers use these; each refusal names the field, the limit
// and where it comes from (docs/contract.md §4).
import { z } from 'zod';
import { channelFor, classKey, isFieldErrors } from '../../metrology/channel.ts';
import type { InstrumentProfile } from '../../metrology/profile.ts';
import type { DeviceMetrology, FieldError } from '../../metrology/types.ts';
import { unitText } from '../../metrology/units.ts';
import { PROVINCE_TABLE, provinceOf } from '../../oversight/provinces.ts';

/**
 * The largest magnitude of a measured value, a range bound, an offset or an uncertainty in a body:
 * 1e9. No instrument type MAG knows reads anywhere near it (the largest range is a fuel dispenser's
 * 9 999.99 L; a scale's Max in kg), and squares of such values stay far from overflow, so a check
 * or a certificate can never push the drift statistics or a corrected uncertainty to Infinity.
 */
export const MAX_MAGNITUDE = 1e9;
const magnitudeError = `must be a finite number of magnitude at most 1e9 (1 000 000 000), more than any instrument reads (a number too large for JSON's doubles is read as infinite)`;

/** A number a body may give for a measured value: finite, |x| ≤ MAX_MAGNITUDE. */
export const Measured = z.number({ error: magnitudeError }).refine((x) => Math.abs(x) <= MAX_MAGNITUDE, magnitudeError);
/** A measured value that is 0 or more (an uncertainty, a tolerance). */
export const NonNegative = Measured.refine((x) => x >= 0, 'must not be negative');
/** A measured value above 0 (a step, a capacity). */
export const Positive = Measured.refine((x) => x > 0, 'must be greater than 0');

/** Text that says something: trimmed, not empty or only spaces, at most `max` characters. */
export const Text = (max: number) => z.string().trim().min(1, 'must not be empty or only spaces').max(max);

/** A list refused when an item is repeated: `what` names one item ("region", "event"). */
export function noRepeats<T extends z.ZodType<readonly unknown[]>>(list: T, what: string): T {
  return list.superRefine((xs, ctx) => {
    const repeated = [...new Set(xs.filter((x, i) => xs.indexOf(x) !== i))];
    if (repeated.length) ctx.addIssue({ code: 'custom', message: `must name each ${what} once; repeated: ${repeated.map(String).join(', ')}` });
  }) as unknown as T;
}

const ALIASES = Object.keys(PROVINCE_TABLE.aliases.codes);
/**
 * A province of Vietnam a tenant, a token or a campaign is in: an ISO 3166-2:VN code of the table
 * (src/oversight/provinces-vn.json, 63 codes), or one of the project's letter aliases of it.
 */
export const KnownRegion = z
  .string()
  .refine(
    (s) => provinceOf(s) !== undefined,
    `must be an ISO 3166-2:VN province code such as VN-HN or VN-54: one of the ${PROVINCE_TABLE.provinces.length} codes of src/oversight/provinces-vn.json (listed in docs/contract.md §4), or one of its aliases ${ALIASES.join(', ')}`,
  );

/**
 * OIML R76-1:2006, Table 3 (non-automatic weighing instruments): the verification scale interval e
 * and the number of intervals n = Max/e a class allows, e in kg (the scale's canonical unit).
 * Class III: 0.1 g ≤ e; n from 100 (from 500 when e ≥ 5 g) to 10 000. Class IIII: 5 g ≤ e; n from
 * 100 to 1 000. The upper n of each class is also the last load band of the scale's profile
 * (devices/scale.json, upToE 10 000 and 1 000). The other weighing type (the checkweigher, OIML R51
 * classes XII–XIV) is not checked here.
 */
const R76_TABLE_3: Readonly<Record<string, { eMin: number; nMin: (e: number) => number; nMax: number }>> = {
  III: { eMin: 0.0001, nMin: (e) => (e >= 0.005 * (1 - 1e-9) ? 500 : 100), nMax: 10_000 },
  IIII: { eMin: 0.005, nMin: () => 100, nMax: 1_000 },
};

/** A number as a message shows it: the binary noise of a division dropped (299.99999999999994 → 300). */
const shown = (x: number): string => String(Number(x.toPrecision(10)));

/** What a registration (POST /devices, a campaign's verification) says of a weighing instrument. */
export interface ScaleSpec {
  class?: string;
  e?: number;
  max?: number;
  range?: { min: number; max: number };
  resolution?: number;
}

/**
 * Why a registration's e, Max and class do not fit together, or []: e larger than Max (or than the
 * range), and for a scale of class III or IIII an e or an n = Max/e outside OIML R76-1 Table 3.
 * Only what the registration gives is judged (a scale registered without e and Max takes its type's).
 */
export function scaleErrors(profile: InstrumentProfile, spec: ScaleSpec): FieldError[] {
  const unit = unitText(profile.canonicalUnit ?? '');
  const max = spec.max ?? spec.range?.max;
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
  if (rule?.kind !== 'scaleIntervals' || profile.canonicalUnit !== 'kg' || (spec.e === undefined && max === undefined)) return [];
  const cls = spec.class === undefined ? rule.defaultClass : classKey(rule, spec.class);
  const limits = cls === undefined ? undefined : R76_TABLE_3[cls];
  const e = spec.e ?? spec.resolution ?? profile.resolution;
  const capacity = max ?? profile.range?.max;
  if (!limits || e === undefined || capacity === undefined) return []; // an unknown class is refused by the type's validation
  const errors: FieldError[] = [];
  if (e < limits.eMin * (1 - 1e-9))
    errors.push({
      path: 'e',
      message: `e ${e} kg is finer than class ${cls} allows: at least ${limits.eMin} kg (${limits.eMin * 1000} g; OIML R76-1 Table 3); give e in kg`,
    });
  const n = capacity / e;
  const nMin = limits.nMin(e);
  if (n < nMin * (1 - 1e-9) || n > limits.nMax * (1 + 1e-9))
    errors.push({
      path: spec.max !== undefined || spec.range !== undefined ? 'max' : 'e',
      message: `max/e = ${shown(capacity)} kg / ${shown(e)} kg = ${shown(n)} verification scale intervals; class ${cls} has from ${nMin} to ${limits.nMax.toLocaleString('en-US').replace(/,/g, ' ')}${cls === 'III' ? ` (from 500 when e ≥ 5 g)` : ''} (OIML R76-1 Table 3): check max, e and the class`,
    });
  return errors;
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

/**
 * The largest magnitude an instrument can read, with its canonical unit: max(|min|, |max|) of its
 * range (the device's own, else its type's); of the widest channel for a multi-channel type.
 */
export function instrumentScale(profile: InstrumentProfile, device: DeviceMetrology): { value: number; unit: string; range: string } | undefined {
  const selectors = profile.channels ? Object.keys(profile.channels).map((gas) => ({ gas })) : [{}];
  let widest: { value: number; unit: string; range: string } | undefined;
  for (const sel of selectors) {
    const ch = channelFor(profile, device, sel);
    if (isFieldErrors(ch)) continue;
    const value = Math.max(Math.abs(ch.range.min), Math.abs(ch.range.max));
    const unit = unitText(ch.canonicalUnit);
    if (!widest || value > widest.value)
      widest = { value, unit, range: `${ch.range.min} to ${ch.range.max} ${unit}${ch.gas ? `, its ${ch.gas} channel` : ''}` };
  }
  return widest;
}
