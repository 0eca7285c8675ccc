// The weighing instrument of a lot of prepackages: registered, weighing, verified, and fine enough
// (in-service MPE at the load ≤ T/5, UK SI 2006/659 Sch. 2 para 1.3). MPEs worked out by hand
// from the profiles' bands (OIML R76 for the scale, MID MI-006 category X for the checkweigher).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.ts';
import { fitnessNoteText, instrumentFitness, lotInstruments, lotViewNoteText, type FitnessNote } from './lot-instrument.ts';
import { loadProfiles } from './profile-loader.ts';
import type { DeviceMetrology, VerificationState } from './types.ts';

const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const valid: VerificationState = { state: 'valid', validUntil: '2027-01-01T00:00:00.000Z' };
const at = (type: string, device: Partial<DeviceMetrology>, verification: VerificationState = valid) => ({
  id: 'w-1',
  device: { id: 'w-1', tenant: 'north', type, ...device },
  profile: profiles.get(type)!,
  verification,
});
const rice = { nominal: 500, unit: 'g' };

describe('the fitness of a weighing instrument for a lot', () => {
  it('a scale of class III with e = 0.5 g: gross load 512.4 g = 1024.8e, MPE 1e = 0.5 g, 1 g in service ≤ T/5 = 3 g', () => {
    expect(instrumentFitness(at('scale', { class: 'III', e: 0.0005, max: 6 }), { ...rice, averageTare: 12.4 }, 15)).toEqual({
      id: 'w-1',
      suitable: true,
      mpe: 1,
      limit: 3,
      reason: 'Instrument w-1 (class III, e = 0.5 g), in service at the load 512.4 g: MPE 1 g is within T/5 = 3 g.',
      note: {
        key: 'mpeWithinLimit',
        values: { instrument: 'w-1', class: 'III', e: 0.5, load: 512.4, measuredUnit: 'g', mpe: 1, limit: 3, unit: 'g' },
      },
    });
  });

  it('a market scale with e = 50 g is too coarse: 500 g = 10e, 0.5e = 25 g, 50 g in service > 3 g', () => {
    const f = instrumentFitness(at('scale', { class: 'III' }), rice, 15);
    expect(f).toMatchObject({ suitable: false, mpe: 50, limit: 3 });
    expect(f.reason).toBe('Instrument w-1 (class III, e = 50 g), in service at the load 500 g: MPE 50 g exceeds T/5 = 3 g; use a finer instrument.');
  });

  it('a volume lot weighed: 1 L × 1.03 g/mL = 1030 g = 5150e at e = 0.2 g, XIII 1.5e = 0.3 g, 0.6 g in service = 0.6/1.03 mL', () => {
    const milk = { nominal: 1, unit: 'L', measuredUnit: 'g', density: 1.03 };
    // T = 1.5 % of 1000 mL = 15 mL = 0.015 L; T/5 = 0.003 L; MPE 0.6 g / 1.03 g/mL = 0.582524 mL = 0.000582524 L
    const f = instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.0002, max: 3 }), milk, 0.015);
    expect(f).toMatchObject({ suitable: true, limit: 0.003 });
    expect(f.mpe).toBeCloseTo(0.000582524, 9);
    expect(f.reason).toMatch(/^Instrument w-1 \(class XIII, e = 0.2 g\), in service at the load 1030 g: MPE 0.000582524\d* L is within T\/5 = 0.003 L.$/);
  });

  it('is not fit without a valid verification, when it does not weigh, when the load exceeds Max, or when the lot is measured by volume', () => {
    const expired = instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.0001 }, { state: 'expired', validUntil: '2026-01-01T00:00:00.000Z' }), rice, 15);
    expect(expired).toEqual({
      id: 'w-1',
      suitable: false,
      reason:
        'Instrument w-1 has no valid verification when the packages were weighed (expired, valid until 2026-01-01): its indications are not legal evidence.',
      note: { key: 'unverifiedUntil', values: { instrument: 'w-1', state: 'expired', validUntil: '2026-01-01' } },
    });
    // the day on the enterprise's calendar: 20:00Z on 31 December is 03:00 on 1 January in Vietnam
    const vietnam = (t: number) => new Date(t + 7 * 3_600_000).toISOString().slice(0, 10);
    const lateEvening = at('checkweigher', { class: 'XIII', e: 0.0001 }, { state: 'expired', validUntil: '2025-12-31T20:00:00.000Z' });
    expect(instrumentFitness(lateEvening, rice, 15, vietnam).reason).toContain('(expired, valid until 2026-01-01)');
    expect(instrumentFitness(lateEvening, rice, 15).reason).toContain('(expired, valid until 2025-12-31)'); // UTC days without a zone
    expect(instrumentFitness(at('barometer', {}), rice, 15).reason).toMatch(/^Instrument w-1 is a .*, not a weighing instrument\.$/);
    expect(instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.0001, max: 0.5 }), { ...rice, averageTare: 12.4 }, 15).reason).toBe(
      'The load 512.4 g exceeds the maximum capacity of instrument w-1 (0.5 kg).',
    );
    // Max as its readings are judged: the registered range, else 0…max, else the type's 0–6 kg (devices/checkweigher.json)
    const tenKg = { nominal: 10, unit: 'kg' };
    const over = 'The load 10 kg exceeds the maximum capacity of instrument w-1 (6 kg).';
    expect(instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.005 }), tenKg, 0.15).reason).toBe(over);
    expect(instrumentFitness(at('checkweigher', { class: 'XIII', e: 0.005, range: { min: 0, max: 6 }, max: 15 }), tenKg, 0.15).reason).toBe(over);
    expect(instrumentFitness(at('checkweigher', { e: 0.0001 }), { nominal: 1, unit: 'L' }, 0.015).reason).toMatch(/measured in L, not weighed/);
    expect(instrumentFitness({ id: null }, rice, 15)).toMatchObject({ id: null, suitable: false });
    expect(instrumentFitness({ id: 'ghost' }, rice, 15).reason).toBe('Instrument ghost is not a registered instrument.');
  });
});

// Every instrument that weighed a lot is judged for it (lotInstruments). The lot below: 200 bags of rice of
// Qn 500 g, T = 3 % × 500 g = 15 g (R87 Table 1, 300–500 g), sample 50 (EU/UK reference test, 100–500), so
// T/5 = 3 g. The checkweigher: class XIII, e = 1 g, 500 g = 500e, in the first band (≤ 500e): 0.5e = 0.5 g
// on verification, 1 g in service ≤ 3 g. The market scale: class III, e = 50 g, 500 g = 10e: 0.5e = 25 g,
// 50 g in service > 3 g.
describe('every weighing instrument of a lot', () => {
  const T0 = Date.parse('2026-03-01T08:00:00Z');
  const registered: Record<string, DeviceMetrology> = {
    'a-checkweigher': { id: 'a-checkweigher', tenant: 'north', type: 'checkweigher', class: 'XIII', e: 0.001, max: 3 },
    'a-scale': { id: 'a-scale', tenant: 'north', type: 'scale', class: 'III', e: 0.05, max: 30 },
  };
  /** Verified until `until` (epoch ms), expired after. */
  const weighings = (packages: { device?: string; ts: number }[], extra: Partial<Parameters<typeof lotInstruments>[0]> = {}, until = Infinity) =>
    lotInstruments({
      lot: rice,
      T: 15,
      packages,
      sampleSize: 50,
      now: T0,
      instrument: (id) => ({ device: registered[id], profile: registered[id] && profiles.get(registered[id]!.type) }),
      verificationAt: (_id, at) => (at <= until ? valid : { state: 'expired', validUntil: new Date(until).toISOString() }),
      ...extra,
    });
  const from = (device: string | undefined, n: number, start = 0) => Array.from({ length: n }, (_, i) => ({ device, ts: T0 + (start + i) * 1000 }));
  const checkweigherFit = 'Instrument a-checkweigher (class XIII, e = 1 g), in service at the load 500 g: MPE 1 g is within T/5 = 3 g.';
  const scaleUnfit = 'Instrument a-scale (class III, e = 50 g), in service at the load 500 g: MPE 50 g exceeds T/5 = 3 g; use a finer instrument.';
  const fine = { load: 500, measuredUnit: 'g', limit: 3, unit: 'g' };
  const checkweigherNote: FitnessNote = { key: 'mpeWithinLimit', values: { instrument: 'a-checkweigher', class: 'XIII', e: 1, mpe: 1, ...fine } };
  const scaleNote: FitnessNote = { key: 'mpeExceedsLimit', values: { instrument: 'a-scale', class: 'III', e: 50, mpe: 50, ...fine } };

  it("judges each instrument that weighed packages: 1 on the checkweigher, 49 on a scale too coarse (the audit's AUD-LOT-4)", () => {
    const r = weighings([...from('a-checkweigher', 1), ...from('a-scale', 49, 1)]);
    expect(r.instruments).toEqual([
      { id: 'a-checkweigher', suitable: true, mpe: 1, limit: 3, reason: checkweigherFit, note: checkweigherNote, packages: 1, inSample: 1, declared: false },
      { id: 'a-scale', suitable: false, mpe: 50, limit: 3, reason: scaleUnfit, note: scaleNote, packages: 49, inSample: 49, declared: false },
    ]);
    // the lot's `scale` is the unfit one, so `scale.suitable` is false whenever a weighing of the sample is not legal evidence
    expect(r.scale).toEqual({ id: 'a-scale', suitable: false, mpe: 50, limit: 3, reason: scaleUnfit, note: scaleNote });
    expect(r.notes).toEqual([{ key: 'instrumentUnfitPackages', values: { instrument: 'a-scale', n: 49, measured: 50, reason: scaleUnfit } }]);
    expect(r.notes.map(lotViewNoteText)).toEqual([
      `Instrument a-scale weighed 49 of the 50 packages of the sample and is not fit for this lot, so its weighings are not legal evidence: ${scaleUnfit}`,
    ]);
  });

  it('keeps the single-instrument note, and a lot weighed on fit instruments only has no note', () => {
    const one = weighings(from('a-scale', 50));
    expect(one.instruments).toHaveLength(1);
    expect(one.notes).toEqual([{ key: 'instrumentUnfit', values: { instrument: 'a-scale', reason: scaleUnfit } }]);
    expect(lotViewNoteText(one.notes[0]!)).toBe(`The weighing instrument is not fit for this lot, so the measurements are not legal evidence: ${scaleUnfit}`);
    const fine = weighings(from('a-checkweigher', 50));
    expect(fine).toMatchObject({ scale: { id: 'a-checkweigher', suitable: true }, notes: [] });
  });

  it('counts only the sample: a coarse scale that weighed packages beyond it does not make the lot unfit', () => {
    // sample of 50 from the checkweigher, then 3 more on the scale: not used by the verdict
    const r = weighings([...from('a-checkweigher', 50), ...from('a-scale', 3, 50)]);
    expect(r.instruments.map((i) => [i.id, i.packages, i.inSample, i.suitable])).toEqual([
      ['a-checkweigher', 50, 50, true],
      ['a-scale', 3, 0, false],
    ]);
    expect(r.scale).toMatchObject({ id: 'a-checkweigher', suitable: true });
    expect(r.notes).toEqual([]);
  });

  it('checks the verification at each weighing of the sample, not only at the latest', () => {
    // verified until the 10th package's time: packages 11–20 were weighed after it expired
    const until = T0 + 9 * 1000;
    const r = weighings(from('a-checkweigher', 20), {}, until);
    expect(r.scale).toEqual({
      id: 'a-checkweigher',
      suitable: false,
      reason:
        'Instrument a-checkweigher has no valid verification when the packages were weighed (expired, valid until 2026-03-01): its indications are not legal evidence.',
      note: { key: 'unverifiedUntil', values: { instrument: 'a-checkweigher', state: 'expired', validUntil: '2026-03-01' } },
    });
    // a certificate issued after the first package: the first weighing was not verified, though the latest is
    const late = weighings(from('a-checkweigher', 20), {
      verificationAt: (_id, at) => (at >= T0 + 5000 ? valid : { state: 'none', validUntil: null }),
    });
    expect(late.scale.reason).toBe(
      'Instrument a-checkweigher has no valid verification when the packages were weighed (none): its indications are not legal evidence.',
    );
    expect(late.scale.note).toEqual({ key: 'unverified', values: { instrument: 'a-checkweigher', state: 'none' } });
  });

  it("counts packages typed in as the declared scale's, and names packages sent by another instrument", () => {
    // declared scale: the checkweigher; 45 typed in, 5 sent by the market scale before such packages were refused
    const r = weighings([...from(undefined, 45), ...from('a-scale', 5, 45)], { scale: 'a-checkweigher' });
    expect(r.instruments.map((i) => [i.id, i.packages, i.inSample, i.declared, i.suitable])).toEqual([
      ['a-checkweigher', 45, 45, true, true],
      ['a-scale', 5, 5, false, false],
    ]);
    expect(r.notes).toEqual([
      { key: 'instrumentNotDeclared', values: { instrument: 'a-scale', n: 5, scale: 'a-checkweigher' } },
      { key: 'instrumentUnfitPackages', values: { instrument: 'a-scale', n: 5, measured: 50, reason: scaleUnfit } },
    ]);
    expect(lotViewNoteText(r.notes[0]!)).toBe(
      'Instrument a-scale sent 5 packages of this lot, whose declared scale is a-checkweigher: the declared instrument is the one an inspector expects to have weighed them.',
    );
    // before any package, the declared scale as it stands
    expect(weighings([], { scale: 'a-scale' })).toMatchObject({
      scale: { id: 'a-scale', suitable: false },
      instruments: [{ id: 'a-scale', packages: 0, inSample: 0, declared: true }],
      notes: [{ key: 'instrumentUnfit' }],
    });
  });

  it('says which packages of a lot without a scale were typed in with no instrument', () => {
    const r = weighings([...from('a-checkweigher', 40), ...from(undefined, 10, 40)]);
    expect(r.instruments.map((i) => [i.id, i.packages, i.suitable])).toEqual([
      ['a-checkweigher', 40, true],
      [null, 10, false],
    ]);
    expect(r.scale).toMatchObject({ id: null, suitable: false });
    expect(r.notes).toEqual([{ key: 'packagesWithoutInstrument', values: { n: 10, measured: 50 } }]);
    expect(lotViewNoteText(r.notes[0]!)).toBe(
      '10 of the 50 packages of the sample were entered without a weighing instrument (the lot names no scale), so they are not legal evidence.',
    );
    // a lot the plans cannot judge: no instrument is shown fit
    expect(weighings(from('a-checkweigher', 2), { T: 'Plan gone.' }).instruments[0]).toMatchObject({
      suitable: false,
      reason: 'Plan gone.',
      note: { key: 'lotNotJudgeable', values: { problems: 'Plan gone.' } },
    });
  });
});

// The note of a fitness (`instruments[].note`, `scale.note`): one key per form of its `reason`, the figures as
// values, the reason written from it. Each form below with its key and values written by hand.
describe("the note of an instrument's fitness", () => {
  const fit = (...args: Parameters<typeof instrumentFitness>) => {
    const f = instrumentFitness(...args);
    expect(f.reason).toBe(fitnessNoteText(f.note)); // the reason is the note's sentence, whatever the form
    return f;
  };
  const rice = { nominal: 500, unit: 'g' };
  const registered = (type: string, device: Partial<DeviceMetrology>, verification: VerificationState = valid) => ({
    id: 'w-1',
    device: { id: 'w-1', tenant: 'north', type, ...device },
    profile: profiles.get(type)!,
    verification,
  });

  it('names the instrument that cannot be judged, and why', () => {
    expect(fit({ id: null }, rice, 15)).toMatchObject({ suitable: false, note: { key: 'noInstrument', values: {} } });
    expect(fit({ id: 'ghost' }, rice, 15).note).toEqual({ key: 'unregistered', values: { instrument: 'ghost' } });
    expect(fit(registered('barometer', {}), rice, 15)).toMatchObject({
      reason: 'Instrument w-1 is a Barometer, not a weighing instrument.',
      note: { key: 'notWeighing', values: { instrument: 'w-1', type: 'barometer', typeName: 'Barometer' } },
    });
    const unverified = registered('checkweigher', { class: 'XIII', e: 0.001 }, { state: 'none', validUntil: null });
    expect(fit(unverified, rice, 15).note).toEqual({ key: 'unverified', values: { instrument: 'w-1', state: 'none' } });
    const expired = registered('checkweigher', { class: 'XIII', e: 0.001 }, { state: 'expired', validUntil: '2026-01-01T00:00:00.000Z' });
    expect(fit(expired, rice, 15).note).toEqual({ key: 'unverifiedUntil', values: { instrument: 'w-1', state: 'expired', validUntil: '2026-01-01' } });
  });

  it('says why the load or the MPE cannot be worked out, or the load is beyond Max', () => {
    const cw = registered('checkweigher', { class: 'XIII', e: 0.001 });
    expect(fit(cw, { nominal: 1, unit: 'L' }, 0.015)).toMatchObject({
      reason:
        'Packages of this lot are measured in L, not weighed: declare the lot with measuredUnit g or kg (and the density for a volume) to use instrument w-1.',
      note: { key: 'notWeighed', values: { instrument: 'w-1', measuredUnit: 'L' } },
    });
    // a volume weighed without a density
    expect(fit(cw, { nominal: 1, unit: 'L', measuredUnit: 'g' }, 0.015)).toMatchObject({
      reason: 'The load on instrument w-1 cannot be worked out for this lot (unit L, measured in g).',
      note: { key: 'loadUnknown', values: { instrument: 'w-1', unit: 'L', measuredUnit: 'g' } },
    });
    expect(fit(registered('checkweigher', { class: 'XIII', e: 0.0001, max: 0.5 }), { ...rice, averageTare: 12.4 }, 15).note).toEqual({
      key: 'overCapacity',
      values: { instrument: 'w-1', load: 512.4, measuredUnit: 'g', max: 0.5, maxUnit: 'kg' },
    });
    // a class the scale's rules do not have: the MPE rules' own words
    const ix = fit(registered('scale', { class: 'IX' }), rice, 15);
    expect(ix.note).toMatchObject({ key: 'mpeUnknown', values: { instrument: 'w-1' } });
    expect(ix.note.values).toEqual({ instrument: 'w-1', problem: expect.stringMatching(/^Cannot compute the MPE of device w-1 \(scale\): .*"IX"/) });
  });

  it('gives the MPE at the load against T/5, with the class and e when the instrument has them', () => {
    expect(fit(registered('scale', { class: 'III' }), rice, 15)).toMatchObject({
      suitable: false,
      note: {
        key: 'mpeExceedsLimit',
        values: { instrument: 'w-1', class: 'III', e: 50, load: 500, measuredUnit: 'g', mpe: 50, limit: 3, unit: 'g' },
      },
    });
    // no class registered (the type's default applies), and a volume lot weighed: MPE in the lot's unit, e in the measured one
    const milk = fit(registered('checkweigher', { e: 0.0002, max: 3 }), { nominal: 1, unit: 'L', measuredUnit: 'g', density: 1.03 }, 0.015);
    expect(milk.note).toEqual({
      key: 'mpeWithinLimit',
      values: { instrument: 'w-1', e: 0.2, load: 1030, measuredUnit: 'g', mpe: milk.mpe, limit: 0.003, unit: 'L' },
    });
    expect(milk.reason).toMatch(/^Instrument w-1 \(e = 0.2 g\), in service at the load 1030 g: MPE 0.000582524\d* L is within T\/5 = 0.003 L\.$/);
    // an instrument without scale intervals: neither class nor e in the sentence
    const plain = { key: 'mpeWithinLimit', values: { instrument: 'p-1', load: 2, measuredUnit: 'kg', mpe: 0.001, limit: 0.006, unit: 'kg' } } as const;
    expect(fitnessNoteText(plain)).toBe('Instrument p-1, in service at the load 2 kg: MPE 0.001 kg is within T/5 = 0.006 kg.');
  });
});
