import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfiles } from './profile-loader.ts';
import { DriftParametersSchema, parseProfile } from './profile.ts';
import { DEFAULT_DRIFT_PARAMS } from './drift-chart.ts';
import { maximumPermissibleError } from './mpe.ts';
import { citationsFor, sourceProblems, unconfirmedFigures } from './sources.ts';
import { evaluateReading } from './reading.ts';
import { DEVICES_DIR, T0, device, profiles } from './test-fixtures.ts';

const tmp: string[] = [];
afterEach(() => {
  for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mag-profiles-'));
  tmp.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

const scaleJson = () => JSON.parse(readFileSync(join(DEVICES_DIR, 'scale.json'), 'utf8')) as Record<string, unknown>;

describe('devices/ profiles', () => {
  it('has the five instrument types of the contract, the profile projector, the checkweigher of prepackage lots and the water meter', () => {
    expect([...profiles.keys()].sort()).toEqual([
      'barometer',
      'breath-alcohol-analyser',
      'checkweigher',
      'fuel-dispenser',
      'gas-detector',
      'profile-projector',
      'scale',
      'water-meter',
    ]);
  });

  it('loads the water meter as data: MPE by test point (OIML R49 flow zones), classes 1 and 2, intervals by construction', () => {
    const w = profiles.get('water-meter')!;
    expect([w.quantity, w.canonicalUnit, w.units, w.resolution, w.inServiceFactor]).toEqual(['volume', 'L', ['L', 'm3'], 0.05, 1]);
    const rule = w.mpe!.verification;
    expect(rule.kind).toBe('byTestPoint');
    if (rule.kind !== 'byTestPoint') return;
    expect(rule.defaultClass).toBe('2');
    const percents = (c: string) => Object.fromEntries(Object.entries(rule.classes[c]!).map(([p, r]) => [p, r.kind === 'relative' ? r.percent : NaN]));
    expect(percents('2')).toEqual({ Q1: 5, Q2: 2, Q3: 2, Q4: 2 });
    expect(percents('1')).toEqual({ Q1: 3, Q2: 1, Q3: 1, Q4: 1 });
    expect([w.verificationIntervalMonths, w.verificationIntervalMonthsByConstruction]).toEqual([36, { mechanical: 60, electronic: 36 }]);
    // every figure cited; the Vietnamese procedure (its MPE table not seen) and the in-service factor flagged
    expect(sourceProblems(w)).toEqual([]);
    expect(citationsFor(w, '/mpe/verification/classes/2').map((c) => [c.basis, c.unconfirmed])).toEqual([
      ['international', false],
      ['legal', true],
      ['international', false],
    ]);
    expect(unconfirmedFigures(w).map((f) => f.path)).toEqual([
      '/mpe/verification',
      '/inServiceFactor',
      '/verificationIntervalMonths',
      '/verificationIntervalMonthsByConstruction',
      '/resolution',
    ]);
  });

  it('refuses a byTestPoint rule whose default class is missing or whose class lists no point', () => {
    const base = JSON.parse(readFileSync(join(DEVICES_DIR, 'water-meter.json'), 'utf8')) as Record<string, any>;
    const rule = base.mpe.verification;
    expect(() => parseProfile({ ...base, mpe: { verification: { ...rule, defaultClass: '3' } } }, 'x.json')).toThrow(
      /mpe\.verification\.defaultClass: defaultClass must be one of classes/,
    );
    expect(() => parseProfile({ ...base, mpe: { verification: { ...rule, classes: { ...rule.classes, '2': {} } } } }, 'x.json')).toThrow(
      /mpe\.verification\.classes\.2: a class must list at least one test point/,
    );
  });

  it('carries the docs/metrology.md defaults', () => {
    const fuel = profiles.get('fuel-dispenser')!;
    expect(fuel.transactions).toBe(true);
    expect(fuel.inServiceFactor).toBe(1.5);
    expect(profiles.get('scale')!.inServiceFactor).toBe(2);
    expect(profiles.get('barometer')!.plausibility!.maxChange.map((w) => [w.hours, w.max])).toEqual([
      [1, 3],
      [2, 6],
      [3, 9],
      [6, 18],
      [12, 36],
    ]);
    expect(Object.keys(profiles.get('gas-detector')!.channels!)).toEqual(['CO', 'H2S', 'O2', 'CH4']);
    // docs/metrology.md §5: CUSUM h = 5 (in-control ARL ≈ 465 at k = 0.5) and a Phase I of 8 checks.
    for (const p of profiles.values()) {
      expect(p.drift).toEqual({
        lambda: 0.2,
        L: 3,
        k: 0.5,
        h: 5,
        sigmaMpeDivisor: 3,
        phaseIChecks: 8,
        minPointsForPrediction: 4,
        predictionConfidence: 0.95,
        horizonDays: 90,
        slopeConfidence: 0.999,
        minShiftMpe: 0.2,
      });
      expect(p.dueSoonDays).toBe(30);
    }
  });

  it('gives a profile without a drift block the same drift defaults as the charts (h 5, Phase I of 8 checks)', () => {
    const { mu0: _mu0, ...defaults } = DEFAULT_DRIFT_PARAMS as typeof DEFAULT_DRIFT_PARAMS & { mu0?: number };
    expect(DriftParametersSchema.parse({})).toEqual(defaults);
    expect(DriftParametersSchema.parse({})).toMatchObject({ h: 5, phaseIChecks: 8 });
  });

  it('lets a profile set its drift sensitivity (slope confidence, smallest alarming shift) within sane ranges', () => {
    expect(DriftParametersSchema.parse({ slopeConfidence: 0.99, minShiftMpe: 0 })).toMatchObject({ slopeConfidence: 0.99, minShiftMpe: 0, lambda: 0.2 });
    expect(DriftParametersSchema.safeParse({ slopeConfidence: 1 }).success).toBe(false);
    expect(DriftParametersSchema.safeParse({ slopeConfidence: 0.3 }).success).toBe(false);
    expect(DriftParametersSchema.safeParse({ minShiftMpe: -0.1 }).success).toBe(false);
  });

  it('flags the figures docs/metrology.md marks [unconfirmed], and only cites figures the profile has', () => {
    const unconfirmed = (id: string) =>
      unconfirmedFigures(profiles.get(id)!)
        .map((u) => `${u.path}: ${u.citation.note}`)
        .join(' | ');
    expect(unconfirmed('gas-detector')).toMatch(/\/channels\/CO\/mpe: CO: max\(5 ppm, 10 %/);
    expect(unconfirmed('gas-detector')).toMatch(/\/verificationIntervalMonths: .*6 months/);
    expect(unconfirmed('breath-alcohol-analyser')).toMatch(/0.020 mg\/L/);
    expect(unconfirmed('barometer')).toMatch(/classes\/default: ±0.3 hPa/);
    expect(unconfirmed('fuel-dispenser')).toMatch(/\/mpe\/verification\/classes\/DLVN10: .*±0.3 %/);
    for (const p of profiles.values()) expect(sourceProblems(p), p.id).toEqual([]);
  });

  it('labels gas-detector limits as acceptance limits chosen by the operator or maker, not legal MPEs', () => {
    const gas = profiles.get('gas-detector')!;
    for (const g of ['CO', 'H2S', 'O2', 'CH4']) {
      const [first] = citationsFor(gas, `/channels/${g}/mpe/verification`);
      expect(first).toMatchObject({ basis: 'acceptance', unconfirmed: true });
      expect(first!.note).toMatch(/type-test performance/);
    }
  });

  it('the fuel dispenser default cites ĐLVN 10 (legal) before the R117 rule it shares', () => {
    const fuel = profiles.get('fuel-dispenser')!;
    expect(citationsFor(fuel, '/mpe/verification/classes/DLVN10').map((c) => c.basis)).toEqual(['legal', 'international']);
    expect(citationsFor(fuel, '/inServiceFactor')[0]!.source).toMatch(/Circular 15\/2015\/TT-BKHCN.*Circular 08\/2018/);
    expect(citationsFor(fuel, '/mpe/verification/emin')[0]!.note).toMatch(/20 mL for class 0.5/);
  });
});

describe('loadProfiles and parseProfile errors', () => {
  it('a broken profile names the file and every failing path with what is allowed', () => {
    const bad = { ...scaleJson(), inServiceFactor: -2, dueSoonDays: 'soon', units: ['kg', 'tonne', 'L'], mpe: { verification: { kind: 'sometimes' } } };
    const dir = dirWith({ 'scale.json': bad });
    let message = '';
    try {
      loadProfiles(dir);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(join(dir, 'scale.json'));
    expect(message).toMatch(/inServiceFactor: must be > 0/);
    expect(message).toMatch(/dueSoonDays: Invalid input: expected number/);
    expect(message).toMatch(/mpe\.verification\.kind: .*absolute.*relative.*maxOf.*piecewise.*byClass.*scaleIntervals.*accuracyClass/);
  });

  it('units must be UCUM codes that convert to the canonical unit', () => {
    const bad = { ...scaleJson(), units: ['kg', 'tonne', 'L'] };
    expect(() => parseProfile(bad, 'devices/scale.json')).toThrow(
      /devices\/scale\.json:\n {2}units\.1: "tonne" is not a UCUM code.*\n {2}units\.2: "L" does not convert to the canonical unit "kg"/,
    );
  });

  it('a figure without a source, or a source naming no figure, is refused', () => {
    const json = scaleJson();
    const sources = { ...(json.sources as Record<string, unknown>) };
    delete sources['/inServiceFactor'];
    sources['/mpe/verfication'] = { source: 'typo', basis: 'practice' };
    expect(() => parseProfile({ ...json, sources }, 'devices/scale.json')).toThrow(
      /sources\.\/mpe\/verfication: names no figure of the profile[\s\S]*sources: \/inServiceFactor cites no source/,
    );
    // An ancestor covers every figure under it.
    const { '/mpe/verification': _v, ...rest } = json.sources as Record<string, unknown>;
    expect(() => parseProfile({ ...json, sources: { ...rest, '/mpe': { source: 'OIML R76-1', basis: 'international' } } }, 'x.json')).not.toThrow();
  });

  it("a scale class's last band may omit upToE (open-ended, R76 class I); no other band may, and upToE ascends", () => {
    const withClassI = (bands: unknown[]) => {
      const json = scaleJson() as { mpe: { verification: { classes: Record<string, unknown> } } };
      json.mpe.verification.classes.I = bands;
      return json;
    };
    expect(() => parseProfile(withClassI([{ upToE: 50000, mpeE: 0.5 }, { upToE: 200000, mpeE: 1 }, { mpeE: 1.5 }]), 'x.json')).not.toThrow();
    const refusal = /mpe\.verification\.classes\.I: upToE must ascend; only the last band may omit it \(open-ended: no upper load\)/;
    // an open band before the last would swallow every load above the one before it
    expect(() => parseProfile(withClassI([{ upToE: 50000, mpeE: 0.5 }, { mpeE: 1 }, { upToE: 200000, mpeE: 1.5 }]), 'x.json')).toThrow(refusal);
    expect(() => parseProfile(withClassI([{ upToE: 50000, mpeE: 0.5 }, { upToE: 20000, mpeE: 1 }, { mpeE: 1.5 }]), 'x.json')).toThrow(refusal);
    expect(() => parseProfile(withClassI([{ upToE: null, mpeE: 1.5 }]), 'x.json')).toThrow(/classes\.I\.0\.upToE/); // omit it, not null
  });

  it('unknown keys are refused (a typo does not pass silently)', () => {
    expect(() => parseProfile({ ...scaleJson(), inserviceFactor: 2 }, 'x.json')).toThrow(/Unrecognized key: "inserviceFactor"/);
  });

  it('a profile without channels needs canonicalUnit, units, range, resolution and mpe', () => {
    const { mpe: _m, range: _r, ...rest } = scaleJson();
    expect(() => parseProfile(rest, 'x.json')).toThrow(/range: range is required when the profile has no channels[\s\S]*mpe: mpe is required/);
  });

  it('the file name must equal the id; invalid JSON is named', () => {
    expect(() => loadProfiles(dirWith({ 'weigher.json': scaleJson() }))).toThrow(/id: "scale" must equal the file name "weigher"/);
    expect(() => loadProfiles(dirWith({ 'scale.json': '{ nope' }))).toThrow(/scale\.json: not valid JSON/);
  });
});

describe('docs/metrology.md', () => {
  const doc = readFileSync(join(DEVICES_DIR, '..', 'docs', 'metrology.md'), 'utf8');
  it('lists every unconfirmed figure of every profile', () => {
    for (const p of profiles.values()) {
      for (const { path } of unconfirmedFigures(p)) expect(doc, `${p.id} ${path}`).toContain(`| \`${p.id}\` | \`${path}\` |`);
    }
  });
  it('is numbered like docs/metrology.md (§1–§9), so "docs/metrology.md §n" citations map to it', () => {
    for (let n = 1; n <= 9; n++) expect(doc).toMatch(new RegExp(`^## ${n}\\. `, 'm'));
  });
});

describe('devices/README.md', () => {
  it('its sixth-type example is a valid profile that works end to end', () => {
    const readme = readFileSync(join(DEVICES_DIR, 'README.md'), 'utf8');
    const block = /```json\n([\s\S]*?)\n```/.exec(readme)![1]!;
    const p = parseProfile(JSON.parse(block), 'devices/README.md example');
    expect(p.id).toBe('energy-meter');
    expect(profiles.has(p.id)).toBe(false); // an example of a type not shipped
    expect(maximumPermissibleError(p, device('energy-meter'), 10, { regime: 'inService' })).toBeCloseTo(0.4, 12); // 2 % × 10 kWh × 2
    const r = evaluateReading(
      { profile: p, device: device('energy-meter'), certificates: [] },
      { seq: 1, ts: T0, quantity: 'energy', value: 12.5, unit: 'Wh' },
    );
    expect(r.ok && r.value).toBeCloseTo(0.0125, 12);
  });
});
