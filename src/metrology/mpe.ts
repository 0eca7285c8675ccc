// Maximum permissible error: the rules of devices/*.json evaluated at a reference value.
import { channelFor, classKey, isFieldErrors, type Channel } from './channel.ts';
import { lengthDependentMpe } from './mpe-length.ts';
import type { EminBand, InstrumentProfile, MpeRule, SimpleMpeRule } from './profile.ts';
import type { DeviceMetrology, Regime } from './types.ts';
import { unitText } from './units.ts';

/**
 * The rule defines no MPE at the reference: a test load beyond the last load band of a scale's class (OIML R76
 * tabulates up to 100 000e for class II, 10 000e for III, 1 000e for IIII; class I's last band is open, so it
 * never ends there). Extrapolating the last band would judge the scale
 * against a limit no law gives; evaluateCheck turns this into a refusal of the check on `reference`, the lot
 * fitness into an `mpeUnknown` note. The message says what failed and what to do. Also a check without a test
 * point, or at one the rule does not list (byTestPoint: a water meter's Q1…Q4): refused on `point` (`field`).
 */
export class MpeNotDefinedError extends Error {
  override name = 'MpeNotDefinedError';
  /** The check's field the refusal names: `reference` (a load or volume the rule does not cover), `point` (a test point it does not list). */
  readonly field: 'reference' | 'point';
  constructor(message: string, field: 'reference' | 'point' = 'reference') {
    super(message);
    this.field = field;
  }
}

/** A number for a message: the binary noise of a division dropped (1199.9999999999998 → 1200). */
const shown = (x: number): number => Number(x.toPrecision(12));

function simpleMpe(rule: SimpleMpeRule, ref: number): number {
  switch (rule.kind) {
    case 'absolute':
      return rule.value;
    case 'relative':
      return (rule.percent / 100) * ref;
    case 'maxOf':
      return Math.max(rule.absolute, (rule.percent / 100) * ref);
  }
}

function requireClass(rule: { classes: Record<string, unknown>; defaultClass: string }, cls: string | undefined, kind: string): string {
  const key = classKey(rule, cls ?? rule.defaultClass);
  if (key === undefined) {
    throw new Error(`MPE rule ${kind}: class "${cls}" is not defined; one of ${Object.keys(rule.classes).join(', ')}`);
  }
  return key;
}

/**
 * The key of `points` that a check's `point` names: as written, else ignoring case and surrounding spaces
 * ("q3" finds "Q3"); undefined when it names none.
 */
export function testPointKey(points: Record<string, unknown>, point: string): string | undefined {
  if (Object.hasOwn(points, point)) return point;
  const wanted = point.trim().toLowerCase();
  return Object.keys(points).find((k) => k.toLowerCase() === wanted);
}

/**
 * Minimum specified volume deviation Emin (OIML R117, EU MID MI-005) for accuracy class A (%) and minimum
 * measured quantity `mmq`: the first row with mmq < mmqBelow (the last row otherwise) gives
 * Emin = times × A/100 × (volume ?? mmq). With the profile's table: MMQ ≥ 2 L → 2·MMQ·A/100;
 * 1 L ≤ MMQ < 2 L → 2·(A/100 × 2 L), e.g. 20 mL for class 0.5.
 */
export function minimumVolumeDeviation(rows: readonly EminBand[], a: number, mmq: number): number {
  const row = rows.find((r) => r.mmqBelow === undefined || mmq < r.mmqBelow) ?? rows[rows.length - 1]!;
  return (row.times * a * (row.volume ?? mmq)) / 100;
}

/**
 * The minimum measured quantity (canonical unit) of a channel whose rule has one (accuracyClass): the
 * device's `mmq`, else the rule's defaultMmq; undefined for other rules. A check below it is not a valid test.
 */
export function minimumMeasuredQuantity(ch: Pick<Channel, 'mpe' | 'mmq'>): number | undefined {
  const rule = ch.mpe.verification;
  return rule.kind === 'accuracyClass' ? (ch.mmq ?? rule.defaultMmq) : undefined;
}

/**
 * The maximum capacity Max (canonical unit) of a channel whose rule is in scale intervals (OIML R76 scale,
 * R51 checkweigher): its range's max, the device's `range` or `max`, else the type's; undefined for other
 * rules. The MPE tables stop at Max, so a check above it is not a valid test.
 */
export function maximumCapacity(ch: Pick<Channel, 'mpe' | 'range'>): number | undefined {
  return ch.mpe.verification.kind === 'scaleIntervals' ? ch.range.max : undefined;
}

/**
 * The MPE of one rule at |reference| = ref (canonical unit) for a channel. Never negative.
 *
 * - piecewise: the first band whose upTo bounds ref (strictly when inclusive is false); the last band otherwise.
 * - scaleIntervals (OIML R76): load in e = ref / e; the first band with load ≤ upToE, or the open last band
 *   (no upToE: class I above 200 000e); beyond a closed last band there is no MPE: throws MpeNotDefinedError.
 * - accuracyClass (OIML R117): max(A % × ref, Emin), Emin from the profile's table (minimumVolumeDeviation).
 * - lengthDependent (dimensional instruments): A + ref/K, ref the measured length (lengthDependentMpe).
 * - byTestPoint (water meters, OIML R49): the simple rule of the check's `point` in the device's class (the flow
 *   zone of the test, not the volume, sets the MPE); a point the class does not list, or none, has no MPE:
 *   throws MpeNotDefinedError on `point`, naming the points it lists.
 */
export function mpeOfRule(
  rule: MpeRule,
  reference: number,
  ch: Pick<Channel, 'class' | 'mmq' | 'e' | 'canonicalUnit'> & Partial<Pick<Channel, 'type'>>,
  point?: string,
): number {
  const ref = Math.abs(reference);
  let mpe: number;
  switch (rule.kind) {
    case 'absolute':
    case 'relative':
    case 'maxOf':
      mpe = simpleMpe(rule, ref);
      break;
    case 'piecewise': {
      const band = rule.bands.find((b) => b.upTo === undefined || (b.inclusive ? ref <= b.upTo : ref < b.upTo)) ?? rule.bands[rule.bands.length - 1]!;
      mpe = simpleMpe(band.rule, ref);
      break;
    }
    case 'byClass': {
      const key = requireClass(rule, ch.class, 'byClass');
      mpe = simpleMpe(rule.classes[key]!, ref);
      break;
    }
    case 'byTestPoint': {
      const key = requireClass(rule, ch.class, 'byTestPoint');
      const points = rule.classes[key]!;
      const at = point === undefined ? undefined : testPointKey(points, point);
      if (at === undefined) {
        const accepted = Object.keys(points).join(', ');
        const what = ch.type === undefined ? 'this instrument type' : ch.type;
        throw new MpeNotDefinedError(
          point === undefined
            ? `a check of ${what} (class ${key}) must name its test point: \`point\` one of ${accepted}; its MPE is set by the test point, not by the reference value`
            : `point "${point}" is not a test point of ${what} class ${key}: one of ${accepted}; its MPE is set by the test point, not by the reference value`,
          'point',
        );
      }
      mpe = simpleMpe(points[at]!, ref);
      break;
    }
    case 'scaleIntervals': {
      const key = requireClass(rule, ch.class, 'scaleIntervals');
      const bands = rule.classes[key]!;
      const loadInE = ref / ch.e;
      // Relative slack so that a load written exactly on a band limit (e.g. 500 × 0.5 kg) stays in the lower band.
      const band = bands.find((b) => b.upToE === undefined || loadInE <= b.upToE * (1 + 1e-12));
      if (band === undefined) {
        // only a closed last band (with upToE) lets a load through unfound
        const last = bands[bands.length - 1]!.upToE ?? Number.POSITIVE_INFINITY;
        const unit = unitText(ch.canonicalUnit);
        throw new MpeNotDefinedError(
          `load ${shown(ref)} ${unit} is ${shown(loadInE)}e (e = ${shown(ch.e)} ${unit}), beyond the last load band of class ${key} (${last}e = ${shown(last * ch.e)} ${unit}): OIML R76 defines no MPE there. ` +
            `Class ${key} allows at most n = Max/e = ${last}: the device's e and Max (as registered, or its type's defaults when registered without them) do not fit its class`,
        );
      }
      mpe = band.mpeE * ch.e;
      break;
    }
    case 'lengthDependent':
      mpe = lengthDependentMpe(rule, ref, ch.canonicalUnit);
      break;
    case 'accuracyClass': {
      const key = requireClass(rule, ch.class, 'accuracyClass');
      const a = rule.classes[key]!;
      mpe = Math.max((a / 100) * ref, minimumVolumeDeviation(rule.emin, a, ch.mmq ?? rule.defaultMmq));
      break;
    }
  }
  return Math.max(0, mpe);
}

/**
 * MPE of a resolved channel at `reference` for `regime`.
 * The device's own `mpe` replaces the type's verification rule (max(absolute, relative × |reference|)); in service
 * it is multiplied by inServiceFactor. Without a device override, in service uses the profile's explicit inService
 * rule when there is one, else verification × inServiceFactor. `point` is the check's test point (byTestPoint rules).
 */
export function channelMpe(ch: Channel, reference: number, regime: Regime, point?: string): number {
  if (!Number.isFinite(reference)) throw new Error(`MPE: reference must be a finite number, got ${reference}`);
  let verification: number;
  if (ch.deviceMpe !== undefined) {
    verification = Math.max(ch.deviceMpe.absolute ?? 0, (ch.deviceMpe.relative ?? 0) * Math.abs(reference), 0);
  } else {
    if (regime === 'inService' && ch.mpe.inService !== undefined) return mpeOfRule(ch.mpe.inService, reference, ch, point);
    verification = mpeOfRule(ch.mpe.verification, reference, ch, point);
  }
  return regime === 'inService' ? verification * ch.inServiceFactor : verification;
}

/**
 * The MPE (canonical unit, never negative) of `device` of type `profile` at `reference` (canonical unit).
 * For the fuel dispenser the reference is the test volume. `point` is the check's test point: it selects the MPE
 * of a byTestPoint rule (water meters) and is ignored by the other rules. Throws when the gas or the device's
 * class does not fit the profile, and MpeNotDefinedError when the rule has no MPE there (a point it does not list).
 */
export function maximumPermissibleError(
  profile: InstrumentProfile,
  device: DeviceMetrology,
  reference: number,
  opts: { regime: Regime; gas?: string; point?: string },
): number {
  const sel = opts.gas === undefined ? {} : { gas: opts.gas };
  const ch = channelFor(profile, device, sel);
  if (isFieldErrors(ch)) {
    throw new Error(`Cannot compute the MPE of device ${device.id} (${profile.id}): ${ch.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  return channelMpe(ch, reference, opts.regime, opts.point);
}
