// What a request body may say, beyond its JSON type: numbers an instrument can have, texts that say
// something, lists without repeats, provinces the table knows, a product's density (a scale's e, Max and class are the
// metrology core's: src/metrology/registration.ts). The route schemas and handlers use these; each refusal names the field, the limit
// and where it comes from (docs/contract.md §4).
import { z } from 'zod';
import { channelFor, isFieldErrors } from '../../metrology/channel.ts';
import type { InstrumentProfile } from '../../metrology/profile.ts';
import type { DeviceMetrology } from '../../metrology/types.ts';
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

/**
 * A product's density as a lot of prepackages declares it, in g/mL (= g/cm³ = kg/L) at the reference
 * temperature, to turn a volume into a mass or back: from 0.00001 to 22.6. Only the impossible is
 * refused. Nothing is denser than osmium, 22.59 g/cm³ (CRC Handbook of Chemistry and Physics), the
 * densest element; nothing at atmospheric pressure is lighter than hydrogen gas, about 0.000084 g/mL
 * (0.084 g/L at 20 °C), and the floor is about an eighth of that (a prepackaged liquid is ~0.6–2 g/mL).
 * Unbounded, a density of 1e300 made Qn × density a mass no scale reads, and one near 0 (1e-310)
 * made Qn ÷ density infinite.
 */
export const MIN_DENSITY = 0.00001;
export const MAX_DENSITY = 22.6;
const densityError = `must be a density in g/mL from ${MIN_DENSITY} to ${MAX_DENSITY}: nothing is denser than osmium (22.59 g/cm³, the densest element) or, at atmospheric pressure, lighter than hydrogen gas (0.000084 g/mL); a liquid is usually 0.6 to 2 g/mL`;
/** A lot's density in g/mL: MIN_DENSITY ≤ x ≤ MAX_DENSITY. */
export const Density = z.number({ error: densityError }).refine((x) => Number.isFinite(x) && x >= MIN_DENSITY && x <= MAX_DENSITY, densityError);

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
