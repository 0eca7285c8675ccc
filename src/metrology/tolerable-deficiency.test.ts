import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLING_PLANS_FILE, TOLERABLE_DEFICIENCY_FILE, loadLotRules, loadToleranceTable } from './sampling-plans-loader.ts';
import { planLot } from './prepackages.ts';
import { PACKAGE_ROOT } from '../config.ts';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { TOLERABLE_DEFICIENCY_TABLE, parseToleranceTable, tolerableDeficiency } from './tolerable-deficiency.ts';

const file = join(import.meta.dirname, '../../devices', TOLERABLE_DEFICIENCY_FILE);
const loaded = loadToleranceTable(file);

describe('the table of tolerable deficiencies is data (devices/prepackages/tolerable-deficiency.json)', () => {
  it('is the table the code uses by default, cited, with the rounding flagged unconfirmed', () => {
    expect(loaded).toEqual(TOLERABLE_DEFICIENCY_TABLE);
    expect(loaded.bands).toEqual([
      { from: 5, to: 50, percent: 9 },
      { from: 50, to: 100, absolute: 4.5 },
      { from: 100, to: 200, percent: 4.5 },
      { from: 200, to: 300, absolute: 9 },
      { from: 300, to: 500, percent: 3 },
      { from: 500, to: 1000, absolute: 15 },
      { from: 1000, to: 10000, percent: 1.5 },
      { from: 10000, to: 15000, absolute: 150 },
      { from: 15000, to: 50000, percent: 1 },
    ]);
    for (const g of loaded.groups) expect(g.source).toMatch(/^OIML R87 Table 1; Directive 76\/211\/EEC Annex I 2\.4/);
    expect(loaded.rounding).toMatchObject({ step: 0.1, direction: 'up', unconfirmed: true, note: expect.stringMatching(/METROLOGY\.md §9.*not retrieved/) });
  });

  // By hand, T = row × Qn rounded up to 0.1 g: 4.5 % × 100.01 = 4.50045 → 4.6; 4.5 % × 123 = 5.535 → 5.6;
  // 3 % × 301 = 9.03 → 9.1; 1.5 % × 1001 = 15.015 → 15.1; 15 kg = 15000 g, the 150 g row → 0.15 kg.
  it.each([
    [5, 'g', 0.5],
    [50, 'g', 4.5],
    [100.01, 'g', 4.6],
    [123, 'g', 5.6],
    [301, 'g', 9.1],
    [1001, 'g', 15.1],
    [15, 'kg', 0.15],
    [50, 'kg', 0.5],
  ])('the loaded table gives T as before: Qn = %s %s → T = %s', (nominal, unit, T) => {
    const fromFile = tolerableDeficiency(nominal, unit, loaded);
    expect(fromFile.ok && fromFile.value).toBe(T);
    expect(fromFile).toEqual(tolerableDeficiency(nominal, unit));
  });

  it('refuses Qn outside its range: 50.001 kg and 4.99 g', () => {
    for (const [n, u] of [
      [50.001, 'kg'],
      [4.99, 'g'],
    ] as const) {
      const t = tolerableDeficiency(n, u, loaded);
      expect(!t.ok && t.reason).toBe(`Qn = ${n} ${u} is outside the table of tolerable deficiencies (5 g to 50 kg, OIML R87 Table 1).`);
    }
  });

  it('a table given as an argument is the one used: its rows, its range and its rounding', () => {
    const json = raw();
    json.rounding.step = 1;
    json.groups[0].rows.pop(); // up to 15 kg
    const other = parseToleranceTable(json, 'other.json');
    expect(tolerableDeficiency(123, 'g', other)).toMatchObject({ ok: true, value: 6 }); // 5.535 → 6 g
    expect(tolerableDeficiency(20, 'kg', other).ok).toBe(false);
    expect(tolerableDeficiency(20, 'kg').ok).toBe(true);
  });
});

/** The data file as JSON, to be broken by the tests below. */
const raw = (): any => JSON.parse(JSON.stringify({ note: loaded.note, rounding: loaded.rounding, groups: loaded.groups }));

describe('the lot rules of a profiles directory (MAG_PROFILES_DIR) take its table', () => {
  it('a table edited there judges the lots: rounding T up to 1 g makes Qn 123 g T = 6 g (4.5 % = 5.535 g; 5.6 g with the package’s 0.1 g)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-lot-rules-'));
    mkdirSync(join(dir, 'prepackages'));
    copyFileSync(join(PACKAGE_ROOT, 'devices', SAMPLING_PLANS_FILE), join(dir, SAMPLING_PLANS_FILE));
    const lot = { nominal: 123, unit: 'g', lotSize: 200 };
    const T = (rules: ReturnType<typeof loadLotRules>) => {
      const p = planLot(lot, rules);
      if (!p.ok) throw new Error(p.reasons.join('; '));
      return p.t.value;
    };
    // a directory made before the table was data: the package's table
    expect(T(loadLotRules(dir))).toBeCloseTo(5.6, 12);
    const table = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'devices', TOLERABLE_DEFICIENCY_FILE), 'utf8'));
    table.rounding.step = 1;
    writeFileSync(join(dir, TOLERABLE_DEFICIENCY_FILE), JSON.stringify(table));
    expect(T(loadLotRules(dir))).toBeCloseTo(6, 12);
  });
});

describe('a malformed table is refused at load, naming the file and the row', () => {
  const refusal = (edit: (json: ReturnType<typeof raw>) => void): string => {
    const json = raw();
    edit(json);
    try {
      parseToleranceTable(json, 'devices/prepackages/tolerable-deficiency.json');
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  it('a gap between rows', () => {
    const m = refusal((j) => {
      j.groups[0].rows[3].from = 210;
    });
    expect(m).toMatch(/^Invalid table of tolerable deficiencies devices\/prepackages\/tolerable-deficiency\.json:\n/);
    expect(m).toContain('groups.0.rows.3.from: gap: groups.0.rows.2 ends at 200, this row starts at 210');
    expect(m).toMatch(/Fix the file \(format: docs\/prepackages\.md\) and restart\.$/);
  });

  it('overlapping rows', () => {
    expect(
      refusal((j) => {
        j.groups[0].rows[5].from = 450;
      }),
    ).toContain('groups.0.rows.5.from: overlap: groups.0.rows.4 ends at 500, this row starts at 450');
  });

  it('a negative percent, a row with both or neither of percent and absolute, to not above from', () => {
    expect(
      refusal((j) => {
        j.groups[0].rows[2].percent = -4.5;
      }),
    ).toContain('groups.0.rows.2.percent: percent must be > 0');
    expect(
      refusal((j) => {
        j.groups[0].rows[1].percent = 9;
      }),
    ).toContain('groups.0.rows.1: a row gives T either as "percent" of Qn or as an "absolute" amount: exactly one of the two');
    expect(
      refusal((j) => {
        delete j.groups[0].rows[1].absolute;
      }),
    ).toContain('groups.0.rows.1: a row gives T either');
    expect(
      refusal((j) => {
        j.groups[0].rows[8].to = 15000;
      }),
    ).toContain('groups.0.rows.8.to: to must be greater than from');
  });

  it('rows that meet but give different T there (a typo), across groups too', () => {
    expect(
      refusal((j) => {
        j.groups[0].rows[3].absolute = 9.2;
      }),
    ).toContain('groups.0.rows.3: T jumps at Qn = 200: groups.0.rows.2 gives 9, this row 9.2');
    // the same table in two groups of rows is valid; a jump between the groups is named with both paths
    const two = raw();
    two.groups = [
      { ...two.groups[0], rows: two.groups[0].rows.slice(0, 4) },
      { ...two.groups[0], rows: two.groups[0].rows.slice(4) },
    ];
    expect(parseToleranceTable(two, 'two.json').bands).toEqual(loaded.bands);
    two.groups[1].rows[0].percent = 2;
    expect(() => parseToleranceTable(two, 'two.json')).toThrow('groups.1.rows.0: T jumps at Qn = 300: groups.0.rows.3 gives 9, this row 6');
  });

  it('an unconfirmed figure without a note, a rounding other than up, an unknown key', () => {
    expect(
      refusal((j) => {
        delete j.rounding.note;
      }),
    ).toContain('rounding.note: an unconfirmed citation needs a note saying what is unconfirmed');
    expect(
      refusal((j) => {
        j.rounding.direction = 'nearest';
      }),
    ).toContain('rounding.direction:');
    expect(
      refusal((j) => {
        j.groups[0].rows[0].precent = 9;
      }),
    ).toMatch(/groups\.0\.rows\.0: Unrecognized key: "precent"/);
  });

  it('the loader names the file it could not read or parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-t-'));
    const bad = join(dir, 'tolerable-deficiency.json');
    writeFileSync(bad, '{ nope');
    expect(() => loadToleranceTable(bad)).toThrow(`Cannot read the table of tolerable deficiencies ${bad}:`);
    const gap = raw();
    gap.groups[0].rows[0].to = 40;
    writeFileSync(bad, JSON.stringify(gap));
    expect(() => loadToleranceTable(bad)).toThrow(`Invalid table of tolerable deficiencies ${bad}:\n  groups.0.rows.1.from: gap: groups.0.rows.0 ends at 40`);
  });
});
