// The measurement channel a reading or check belongs to: the profile's single channel, or one gas of a
// channelled type, with the device's own overrides (class, range, resolution, MMQ, e, MPE) applied.
import type { InstrumentProfile, MpeRule, MpeRules, Range } from './profile.ts';
import type { DeviceMetrology, FieldError } from './types.ts';

export interface Channel {
  /** Profile id. */
  type: string;
  quantity: string;
  /** Channel name (the gas) for channelled types. */
  gas?: string;
  canonicalUnit: string;
  /** Accepted UCUM codes. */
  units: string[];
  /** Wire spellings → UCUM codes. */
  unitAliases: Record<string, string>;
  range: Range;
  /** Resolution (scale: d) in the canonical unit: the display step a check's indication lies on. */
  resolution: number;
  /**
   * Where the resolution comes from: the device's registered `resolution`, its registered scale interval
   * `e` (a scale registered with e and no d: d = e), or the profile (the channel's, for a channelled type).
   */
  resolutionFrom: 'device' | 'e' | 'profile';
  /** The type's MPE rules for this channel. */
  mpe: MpeRules;
  inServiceFactor: number;
  /**
   * Device override of the verification MPE: max(absolute, relative × |reference|), canonical unit; relative is
   * a fraction (0.003 for 0.3 %). It replaces the type's rule entirely (no class, no Emin, no load bands).
   */
  deviceMpe?: { absolute?: number; relative?: number };
  /** Device accuracy class, when the device gives one (the rule's defaultClass applies otherwise). */
  class?: string;
  /** Fuel dispenser minimum measured quantity (canonical unit), when the device gives one. */
  mmq?: number;
  /** Scale verification interval e (canonical unit): device.e, else the resolution. */
  e: number;
}

export interface ChannelSelector {
  /** The quantity the message claims; omitted for checks (the channel's own quantity is used). */
  quantity?: string;
  gas?: string;
}

/** The class key of `rule` for `cls`, tolerating "1" vs "1.0" for numeric classes; undefined if unknown. */
export function classKey(rule: { classes: Record<string, unknown> }, cls: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(rule.classes, cls)) return cls;
  const n = Number(cls);
  if (cls.trim() !== '' && Number.isFinite(n)) {
    return Object.keys(rule.classes).find((k) => Number(k) === n);
  }
  return undefined;
}

function classesOf(rule: MpeRule | undefined): string[] | undefined {
  if (rule === undefined) return undefined;
  switch (rule.kind) {
    case 'byClass':
    case 'byTestPoint':
    case 'scaleIntervals':
    case 'accuracyClass':
      return Object.keys(rule.classes);
    default:
      return undefined;
  }
}

/**
 * Resolves the channel for a reading or check. Returns FieldErrors (paths of the message, or `device.*` for
 * a device registration that does not fit its type) instead of throwing.
 */
export function channelFor(profile: InstrumentProfile, device: DeviceMetrology, sel: ChannelSelector): Channel | FieldError[] {
  if (sel.quantity !== undefined) return computeChannel(profile, device, sel);
  // Without a quantity to compare, the answer depends only on the profile, the device and the
  // gas: kept per (profile, device object), so the hot path does not rebuild it per reading.
  // (A device changed in the registry is a new object; callers only read the result.)
  let perProfile = channelCache.get(profile);
  if (!perProfile) channelCache.set(profile, (perProfile = new WeakMap()));
  let perDevice = perProfile.get(device);
  if (!perDevice) perProfile.set(device, (perDevice = new Map()));
  const key = sel.gas ?? NO_GAS;
  let ch = perDevice.get(key);
  if (ch === undefined) {
    ch = computeChannel(profile, device, sel);
    if (perDevice.size < 256) perDevice.set(key, ch); // gases are few; anything else is not kept
  }
  return ch;
}

const NO_GAS = '\u0000';
const channelCache = new WeakMap<InstrumentProfile, WeakMap<DeviceMetrology, Map<string, Channel | FieldError[]>>>();

// Over 80 lines: one pass resolving a channel's unit, range, MPE rule and class, each step refusing with its own message.
function computeChannel(profile: InstrumentProfile, device: DeviceMetrology, sel: ChannelSelector): Channel | FieldError[] {
  const errors: FieldError[] = [];
  let spec: { quantity?: string; canonicalUnit: string; units: string[]; range: Range; resolution: number; mpe: MpeRules; inServiceFactor?: number };
  let gas: string | undefined;

  if (profile.channels) {
    const field = profile.channelField ?? 'gas';
    const names = Object.keys(profile.channels);
    if (sel.gas === undefined || sel.gas === '') {
      return [{ path: field, message: `${field} is required for instrument type ${profile.id}: one of ${names.join(', ')}` }];
    }
    const found = profile.channels[sel.gas];
    if (!Object.prototype.hasOwnProperty.call(profile.channels, sel.gas) || found === undefined) {
      return [{ path: field, message: `${field} "${sel.gas}" is not known to instrument type ${profile.id}: one of ${names.join(', ')}` }];
    }
    spec = found;
    gas = sel.gas;
    for (const key of ['range', 'resolution', 'mpe', 'e', 'max'] as const) {
      if (device[key] !== undefined) {
        errors.push({
          path: `device.${key}`,
          message: `device ${device.id}: ${key} cannot be set on a device of the multi-channel type ${profile.id} (its unit differs per channel); remove it from the registration`,
        });
      }
    }
  } else {
    if (sel.gas !== undefined) {
      return [{ path: 'gas', message: `gas is not a field of instrument type ${profile.id}` }];
    }
    spec = {
      canonicalUnit: profile.canonicalUnit!,
      units: profile.units!,
      range: profile.range!,
      resolution: profile.resolution!,
      mpe: profile.mpe!,
    };
  }

  const quantity = spec.quantity ?? profile.quantity;
  if (sel.quantity !== undefined && sel.quantity !== quantity) {
    errors.push({
      path: 'quantity',
      message: `quantity "${sel.quantity}" does not fit instrument type ${profile.id}${gas ? ` (${gas})` : ''}: expected "${quantity}"`,
    });
  }

  if (device.class !== undefined) {
    for (const regime of ['verification', 'inService'] as const) {
      const rule = spec.mpe[regime];
      const classes = classesOf(rule);
      if (rule && classes && classKey(rule as { classes: Record<string, unknown> }, device.class) === undefined) {
        errors.push({
          path: 'device.class',
          message: `device ${device.id}: class "${device.class}" is not defined for ${profile.id} (${regime}): one of ${classes.join(', ')}`,
        });
      }
    }
  }

  const range = device.range ?? (device.max !== undefined ? { min: 0, max: device.max } : spec.range);
  if (!(range.min < range.max)) {
    errors.push({ path: 'device.range', message: `device ${device.id}: range.min must be < range.max` });
  }
  const resolution = device.resolution ?? device.e ?? spec.resolution;
  if (!(resolution > 0)) errors.push({ path: 'device.resolution', message: `device ${device.id}: resolution must be > 0` });
  const e = device.e ?? resolution;
  if (!(e > 0)) errors.push({ path: 'device.e', message: `device ${device.id}: e must be > 0` });
  if (device.mmq !== undefined && !(device.mmq > 0)) errors.push({ path: 'device.mmq', message: `device ${device.id}: mmq must be > 0` });
  if (device.mpe !== undefined) {
    const { absolute, relative } = device.mpe;
    if (absolute === undefined && relative === undefined) {
      errors.push({ path: 'device.mpe', message: `device ${device.id}: mpe needs absolute and/or relative` });
    }
    if (absolute !== undefined && !(absolute >= 0)) errors.push({ path: 'device.mpe.absolute', message: `device ${device.id}: must be >= 0` });
    if (relative !== undefined && !(relative >= 0))
      errors.push({ path: 'device.mpe.relative', message: `device ${device.id}: must be >= 0 (a fraction: 0.01 = 1 %)` });
  }
  if (errors.length > 0) return errors;

  const channel: Channel = {
    type: profile.id,
    quantity,
    canonicalUnit: spec.canonicalUnit,
    units: spec.units,
    unitAliases: profile.unitAliases,
    range,
    resolution,
    resolutionFrom: device.resolution !== undefined ? 'device' : device.e !== undefined ? 'e' : 'profile',
    mpe: spec.mpe,
    inServiceFactor: spec.inServiceFactor ?? profile.inServiceFactor,
    e,
  };
  if (gas !== undefined) channel.gas = gas;
  if (device.mpe !== undefined) channel.deviceMpe = device.mpe;
  if (device.class !== undefined) channel.class = device.class;
  if (device.mmq !== undefined) channel.mmq = device.mmq;
  return channel;
}

/** Narrowing helper: channelFor failed. */
export function isFieldErrors(x: Channel | FieldError[]): x is FieldError[] {
  return Array.isArray(x);
}

/**
 * The largest `mpe.relative` a registration may give: 0.2, a fraction (20 %). Profile rules write `percent`
 * (0.3 for 0.3 %), the override a fraction (0.003 for 0.3 %); an override above 0.2 is far more likely a
 * percent written where the fraction belongs (0.3 meant as 0.3 % would allow ±30 %) than a real MPE.
 */
export const MAX_RELATIVE_MPE = 0.2;

/** A registration's `field` must name one of the type's entries of `table` (its keys), or be left out. */
function oneOfTheType(
  profile: InstrumentProfile,
  field: string,
  value: string | undefined,
  table: Record<string, unknown> | undefined,
  unusedWhy: string,
): FieldError[] {
  if (value === undefined) return [];
  const known = Object.keys(table ?? {});
  if (known.includes(value)) return [];
  return [
    {
      path: field,
      message: known.length
        ? `${field} must be one of ${known.join(', ')} for ${profile.id} (or left out); received "${value}"`
        : `${field} is not used for ${profile.id}: ${unusedWhy}; leave it out`,
    },
  ];
}

/**
 * Validates a device registration against its type (for the registry/API at POST /devices): class known,
 * overrides sane, an `mpe.relative` at most MAX_RELATIVE_MPE. Returns [] when fine. For channelled types
 * every channel is checked.
 */
export function validateDevice(profile: InstrumentProfile, device: DeviceMetrology): FieldError[] {
  const selectors: ChannelSelector[] = profile.channels ? Object.keys(profile.channels).map((gas) => ({ gas })) : [{}];
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  // a construction matters only where it changes the legal interval, a use only where it has requirements of
  // its own; anything else is a typo
  errors.push(
    ...oneOfTheType(
      profile,
      'construction',
      device.construction,
      profile.verificationIntervalMonthsByConstruction,
      'its verification interval does not depend on it',
    ),
    ...oneOfTheType(profile, 'use', device.use, profile.tradeUses, 'no use in trade has requirements of its own for this type'),
  );
  const relative = device.mpe?.relative;
  // At registration only (not in channelFor): a device registered before this limit keeps its readings.
  if (relative !== undefined && relative > MAX_RELATIVE_MPE)
    errors.push({
      path: 'mpe.relative',
      message: `mpe.relative ${relative} would allow ±${Number((relative * 100).toPrecision(12))} % of the reference: it is a fraction, not a percent (0.003 for 0.3 %), and at most ${MAX_RELATIVE_MPE} (${MAX_RELATIVE_MPE * 100} %)`,
    });
  for (const sel of selectors) {
    const r = channelFor(profile, device, sel);
    if (isFieldErrors(r)) {
      for (const e of r) {
        const key = `${e.path}\u0000${e.message}`;
        if (!seen.has(key)) {
          seen.add(key);
          errors.push(e);
        }
      }
    }
  }
  return errors;
}
