// Is the weighing instrument a lot of prepackages was measured with fit to measure it? It must be a
// registered weighing instrument, verified when the packages were weighed, and fine enough: its
// maximum permissible error at the load must not exceed T/5 (UK SI 2006/659 Sch. 2 para 1.3, after
// Directive 76/211/EEC; ./tolerable-deficiency.ts). Pure: the caller gives the device, its profile
// and its verification state.
import { type DayOf, utcDay } from './traceability.ts';
import { channelFor, isFieldErrors } from './channel.ts';
import { maximumPermissibleError } from './mpe.ts';
import { type LotNote, lotNote, lotNoteText } from './prepackages.ts';
import type { InstrumentProfile } from './profile.ts';
import { BASE_UNIT, clean, isPrepackageUnit, scaleSuitability } from './tolerable-deficiency.ts';
import type { DeviceMetrology, VerificationState } from './types.ts';
import { conversionFactor } from './units.ts';

/** `scale` of a lot as GET /api/v1/lots/{id} shows it. */
export interface InstrumentFitness {
  /** Device id of the instrument; null when none is known. */
  id: string | null;
  suitable: boolean;
  /** The English sentence, written from `note` (fitnessNoteText). */
  reason: string;
  /** `reason` as data: `key` names the form of the sentence, `values` its figures (docs/prepackages.md). */
  note: FitnessNote;
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
 * The figures each form of a fitness's `reason` names, by the form's key. Quantities are numbers rounded as the
 * sentence writes them: `load`, `e` and `max` in the unit named beside them, `mpe` and `limit` in the lot's `unit`.
 */
export type FitnessNoteValues = {
  /** No instrument is named for the lot and none sent a package. */
  noInstrument: Record<string, never>;
  unregistered: { instrument: string };
  /** `type` is the profile's id, `typeName` its English name. */
  notWeighing: { instrument: string; type: string; typeName: string };
  /** `state`: the verification state (`expired`, `none`, …) when the packages were weighed. */
  unverified: { instrument: string; state: string };
  /** The same, with the day (YYYY-MM-DD, the enterprise's calendar) the verification was valid until. */
  unverifiedUntil: { instrument: string; state: string; validUntil: string };
  notWeighed: { instrument: string; measuredUnit: string };
  loadUnknown: { instrument: string; unit: string; measuredUnit: string };
  overCapacity: { instrument: string; load: number; measuredUnit: string; max: number; maxUnit: string };
  /** The MPE could not be computed: `problem` is why, as the MPE rules say it (English). */
  mpeUnknown: { instrument: string; problem: string };
  /** In-service MPE at the load within T/5; `class` and `e` (in `measuredUnit`) when the instrument has them. */
  mpeWithinLimit: FineNoteValues;
  /** In-service MPE at the load above T/5. */
  mpeExceedsLimit: FineNoteValues;
  /** The lot cannot be judged (no T): `problems` as planLot writes them (English). */
  lotNotJudgeable: { problems: string };
};
type FineNoteValues = {
  instrument: string;
  class?: string;
  e?: number;
  load: number;
  measuredUnit: string;
  mpe: number;
  limit: number;
  unit: string;
};
export type FitnessNoteKey = keyof FitnessNoteValues;
export type FitnessNote = { [K in FitnessNoteKey]: { key: K; values: FitnessNoteValues[K] } }[FitnessNoteKey];

export function fitnessNote<K extends FitnessNoteKey>(key: K, values: FitnessNoteValues[K]): FitnessNote {
  return { key, values } as FitnessNote;
}

const fineText = (v: FineNoteValues, verdict: string) => {
  const what = [v.class !== undefined && `class ${v.class}`, v.e !== undefined && `e = ${v.e} ${v.measuredUnit}`].filter(Boolean).join(', ');
  return `Instrument ${v.instrument}${what ? ` (${what})` : ''}, in service at the load ${v.load} ${v.measuredUnit}: MPE ${v.mpe} ${v.unit} ${verdict} T/5 = ${v.limit} ${v.unit}`;
};
const FITNESS_ENGLISH: { [K in FitnessNoteKey]: (v: FitnessNoteValues[K]) => string } = {
  noInstrument: () =>
    'No weighing instrument is named for this lot (declare it with "scale", or send the packages from a registered instrument), so its fitness cannot be shown.',
  unregistered: (v) => `Instrument ${v.instrument} is not a registered instrument.`,
  notWeighing: (v) => `Instrument ${v.instrument} is a ${v.typeName}, not a weighing instrument.`,
  unverified: (v) =>
    `Instrument ${v.instrument} has no valid verification when the packages were weighed (${v.state}): its indications are not legal evidence.`,
  unverifiedUntil: (v) =>
    `Instrument ${v.instrument} has no valid verification when the packages were weighed (${v.state}, valid until ${v.validUntil}): its indications are not legal evidence.`,
  notWeighed: (v) =>
    `Packages of this lot are measured in ${v.measuredUnit}, not weighed: declare the lot with measuredUnit g or kg (and the density for a volume) to use instrument ${v.instrument}.`,
  loadUnknown: (v) => `The load on instrument ${v.instrument} cannot be worked out for this lot (unit ${v.unit}, measured in ${v.measuredUnit}).`,
  overCapacity: (v) => `The load ${v.load} ${v.measuredUnit} exceeds the maximum capacity of instrument ${v.instrument} (${v.max} ${v.maxUnit}).`,
  mpeUnknown: (v) => v.problem,
  mpeWithinLimit: (v) => `${fineText(v, 'is within')}.`,
  mpeExceedsLimit: (v) => `${fineText(v, 'exceeds')}; use a finer instrument.`,
  lotNotJudgeable: (v) => v.problems,
};

/** The English sentence of a fitness's note: its `reason`. */
export function fitnessNoteText(note: FitnessNote): string {
  return (FITNESS_ENGLISH[note.key] as (v: FitnessNote['values']) => string)(note.values);
}

/** A fitness with its note and the reason written from it. */
const judged = (id: string | null, suitable: boolean, note: FitnessNote, figures: { mpe?: number; limit?: number } = {}): InstrumentFitness => ({
  id,
  suitable,
  reason: fitnessNoteText(note),
  note,
  ...figures,
});

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
  const unfit = (note: FitnessNote): InstrumentFitness => judged(id, false, note);
  if (id === null) return unfit(fitnessNote('noInstrument', {}));
  if (!device || !profile) return unfit(fitnessNote('unregistered', { instrument: id }));
  if (profile.quantity !== 'mass') return unfit(fitnessNote('notWeighing', { instrument: id, type: profile.id, typeName: profile.name }));
  if (!verification || (verification.state !== 'valid' && verification.state !== 'due-soon')) {
    const state = verification?.state ?? 'none';
    // the day it ended on the enterprise's calendar (docs/metrology.md §8), as the alerts name it
    return unfit(
      verification?.validUntil
        ? fitnessNote('unverifiedUntil', { instrument: id, state, validUntil: dayOf(Date.parse(verification.validUntil)) })
        : fitnessNote('unverified', { instrument: id, state }),
    );
  }
  const measured = lot.measuredUnit ?? lot.unit;
  const canonical = profile.canonicalUnit;
  if (!isPrepackageUnit(measured) || !isPrepackageUnit(lot.unit) || BASE_UNIT[measured] !== 'g' || canonical === undefined) {
    return unfit(fitnessNote('notWeighed', { instrument: id, measuredUnit: measured }));
  }
  // Qn in the measured (mass) unit: directly, or through the density for a volume.
  const qnMeasured =
    BASE_UNIT[lot.unit] === 'g'
      ? lot.nominal * conversionFactor(lot.unit, measured)!
      : lot.nominal * conversionFactor(lot.unit, 'mL')! * (lot.density ?? NaN) * conversionFactor('g', measured)!;
  const toCanonical = conversionFactor(measured, canonical);
  if (!Number.isFinite(qnMeasured) || toCanonical === undefined)
    return unfit(fitnessNote('loadUnknown', { instrument: id, unit: lot.unit, measuredUnit: measured }));
  const load = qnMeasured + (lot.averageTare ?? 0);
  // Max as the instrument's readings and checks are judged against it (channel.ts): its range,
  // else 0…max, else the type's default range.
  const ch = channelFor(profile, device, {});
  const max = isFieldErrors(ch) ? (device.max ?? device.range?.max) : ch.range.max;
  if (max !== undefined && load * toCanonical > max * (1 + 1e-12)) {
    return unfit(fitnessNote('overCapacity', { instrument: id, load: clean(load), measuredUnit: measured, max, maxUnit: canonical }));
  }
  let mpeCanonical: number;
  try {
    mpeCanonical = maximumPermissibleError(profile, device, load * toCanonical, { regime: 'inService' });
  } catch (e) {
    return unfit(fitnessNote('mpeUnknown', { instrument: id, problem: (e as Error).message }));
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
  const values: FineNoteValues = {
    instrument: id,
    ...(device.class ? { class: device.class } : {}),
    ...(e ? { e: clean(e / toCanonical) } : {}),
    load: clean(load),
    measuredUnit: measured,
    mpe,
    limit: s.limit,
    unit: lot.unit,
  };
  return judged(id, s.suitable, fitnessNote(s.suitable ? 'mpeWithinLimit' : 'mpeExceedsLimit', values), { mpe, limit: s.limit });
}

/** One instrument of a lot's `instruments`: its fitness for the lot and the packages it weighed. */
export interface InstrumentUse extends InstrumentFitness {
  /** Packages of the lot attributed to it (sent by it; typed in through the API: the declared scale's). */
  packages: number;
  /** How many of them are in the sample the verdict uses (the first `sampleSize` received). */
  inSample: number;
  /** It is the lot's declared `scale`. */
  declared: boolean;
}

/**
 * The notes the lot book adds about the instruments (beside `instrumentUnfit` of ./prepackages.ts, kept for a
 * sample weighed on one instrument): `{key, values}` as the lot's other notes, English in `reasons`, told again
 * by the console (`lotNote.{key}`).
 */
export type InstrumentNoteValues = {
  /** Instrument `instrument` weighed `n` of the `measured` packages of the sample and is not fit: `reason` is its fitness's. */
  instrumentUnfitPackages: { instrument: string; n: number; measured: number; reason: string };
  /** `n` of the `measured` packages of the sample have no instrument (typed in for a lot that names no scale). */
  packagesWithoutInstrument: { n: number; measured: number };
  /** Instrument `instrument` sent `n` packages of a lot whose declared scale is `scale` (stored before such packages were refused). */
  instrumentNotDeclared: { instrument: string; n: number; scale: string };
};
export type InstrumentNoteKey = keyof InstrumentNoteValues;
export type InstrumentNote = { [K in InstrumentNoteKey]: { key: K; values: InstrumentNoteValues[K] } }[InstrumentNoteKey];
/** A note of a lot's view: the judgement's (./prepackages.ts) or one of the instruments'. */
export type LotViewNote = LotNote | InstrumentNote;

export function instrumentNote<K extends InstrumentNoteKey>(key: K, values: InstrumentNoteValues[K]): InstrumentNote {
  return { key, values } as InstrumentNote;
}

const packagesOf = (n: number) => `${n} package${n === 1 ? '' : 's'}`;
const ENGLISH: { [K in InstrumentNoteKey]: (v: InstrumentNoteValues[K]) => string } = {
  instrumentUnfitPackages: (v) =>
    `Instrument ${v.instrument} weighed ${v.n} of the ${v.measured} packages of the sample and is not fit for this lot, so its weighings are not legal evidence: ${v.reason}`,
  packagesWithoutInstrument: (v) =>
    `${v.n} of the ${v.measured} packages of the sample were entered without a weighing instrument (the lot names no scale), so they are not legal evidence.`,
  instrumentNotDeclared: (v) =>
    `Instrument ${v.instrument} sent ${packagesOf(v.n)} of this lot, whose declared scale is ${v.scale}: the declared instrument is the one an inspector expects to have weighed them.`,
};

/** The English sentence of a lot view's note, as its `reasons` have it. */
export function lotViewNoteText(note: LotViewNote): string {
  if (Object.hasOwn(ENGLISH, note.key)) return (ENGLISH[note.key as InstrumentNoteKey] as (v: LotViewNote['values']) => string)(note.values);
  return lotNoteText(note as LotNote);
}

/** What the fitness of a lot's instruments is worked out from. */
export interface LotWeighings {
  lot: LotForInstrument;
  /** T in the lot's unit; a string when the lot cannot be judged (why), and then no instrument is shown fit. */
  T: number | string;
  /** The declared `scale`. */
  scale?: string;
  /** Every package of the lot in the order received: the instrument that sent it (none: typed in) and when it was weighed (epoch ms). */
  packages: readonly { device?: string; ts: number }[];
  /** The first this many packages are the sample the verdict uses. */
  sampleSize: number;
  /** epoch ms: when the lot has no package, the time its instruments are judged at. */
  now: number;
  /** The registered device and its type's profile (undefined: not registered). */
  instrument(id: string): { device?: DeviceMetrology; profile?: InstrumentProfile };
  /** The instrument's verification standing at `at` (epoch ms). */
  verificationAt(id: string, at: number): VerificationState | undefined;
  dayOf?: DayOf;
}

export interface LotInstruments {
  /**
   * `scale` of the lot view: the lot's instrument (the declared one, else the one that sent the first package), unless
   * an instrument that weighed packages of the sample is not fit: then the first of those (so `suitable` is false
   * whenever a weighing the verdict uses is not legal evidence).
   */
  scale: InstrumentFitness;
  /** The declared scale first, then every instrument that weighed packages in the order of their first one; `id` null for packages typed in without a scale. */
  instruments: InstrumentUse[];
  /** The notes to add after the judgement's. */
  notes: LotViewNote[];
}

/**
 * Every weighing instrument of a lot judged for it: each one that weighed packages (and the declared scale), verified
 * at the time of each of its packages of the sample (at its latest package when it weighed none of the sample) and
 * fine enough for T (instrumentFitness). The lot's quantity verdict is not changed: the notes say which weighings
 * are not legal evidence, as for a single unfit instrument.
 */
export function lotInstruments(w: LotWeighings): LotInstruments {
  const primary = w.scale ?? w.packages.find((p) => p.device !== undefined)?.device ?? null;
  // packages typed in (no device) count as the declared scale's; without one, as no instrument's (null)
  const groups = new Map<string | null, { all: number[]; sample: number[] }>();
  if (w.scale !== undefined) groups.set(w.scale, { all: [], sample: [] });
  w.packages.forEach((p, i) => {
    const id = p.device ?? w.scale ?? null;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { all: [], sample: [] }));
    g.all.push(p.ts);
    if (i < w.sampleSize) g.sample.push(p.ts);
  });
  const latest = w.packages.length > 0 ? w.packages.reduce((t, p) => Math.max(t, p.ts), -Infinity) : w.now;
  const fitness = (id: string | null, times: readonly number[]): InstrumentFitness => {
    if (typeof w.T === 'string') return judged(id, false, fitnessNote('lotNotJudgeable', { problems: w.T }));
    if (id === null) return instrumentFitness({ id }, w.lot, w.T, w.dayOf);
    const { device, profile } = w.instrument(id);
    // verified when each package was weighed: the standing at the first time it was not, else at the latest
    const at = [...new Set(times.length > 0 ? times : [latest])].sort((a, b) => a - b);
    let verification: VerificationState | undefined;
    if (device && profile) {
      for (const t of at) {
        verification = w.verificationAt(id, t);
        if (!verification || (verification.state !== 'valid' && verification.state !== 'due-soon')) break;
      }
    }
    return instrumentFitness({ id, device, profile, verification }, w.lot, w.T, w.dayOf);
  };
  const instruments: InstrumentUse[] = [...groups].map(([id, g]) => ({
    // the sample's weighings are the evidence; an instrument that weighed none of them is judged at its latest package
    ...fitness(id, g.sample.length > 0 ? g.sample : g.all.length > 0 ? [g.all.reduce((a, b) => Math.max(a, b))] : []),
    packages: g.all.length,
    inSample: g.sample.length,
    declared: id !== null && id === w.scale,
  }));
  const bare = ({ id, suitable, reason, note, mpe, limit }: InstrumentFitness): InstrumentFitness => ({
    id,
    suitable,
    reason,
    note,
    ...(mpe !== undefined ? { mpe } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  const weighing = instruments.filter((i) => i.inSample > 0);
  const unfit = weighing.filter((i) => !i.suitable);
  const main = instruments.find((i) => i.id === primary) ?? fitness(primary, []);
  // the lot's instrument, unless the sample was weighed on others only (packages stored before those were refused)
  const scale = bare(unfit[0] ?? (weighing.length === 0 || weighing.some((i) => i.id === primary) ? main : weighing[0]!));
  const notes: LotViewNote[] = [];
  if (w.scale !== undefined)
    for (const i of instruments)
      if (i.id !== null && i.id !== w.scale) notes.push(instrumentNote('instrumentNotDeclared', { instrument: i.id, n: i.packages, scale: w.scale }));
  if (weighing.length <= 1) {
    // one instrument weighed the sample (or none yet): the lot's note as it always was
    if (!scale.suitable) notes.push(lotNote('instrumentUnfit', { instrument: scale.id ?? '', reason: scale.reason }));
  } else {
    const measured = Math.min(w.packages.length, w.sampleSize);
    for (const i of unfit)
      notes.push(
        i.id === null
          ? instrumentNote('packagesWithoutInstrument', { n: i.inSample, measured })
          : instrumentNote('instrumentUnfitPackages', { instrument: i.id, n: i.inSample, measured, reason: i.reason }),
      );
  }
  return { scale, instruments, notes };
}
