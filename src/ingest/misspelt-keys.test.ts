import { describe, expect, it } from 'vitest';
import { CHECK_KEYS } from './ingest.ts';
import { KnownKeys, editDistance, misspeltKeys } from './misspelt-keys.ts';

describe('editDistance (optimal string alignment)', () => {
  it('counts a letter added, dropped, changed or two swapped as one', () => {
    expect(editDistance('regim', 'regime')).toBe(1); // dropped
    expect(editDistance('nozzlee', 'nozzle')).toBe(1); // added
    expect(editDistance('totaliserstart', 'totalizerstart')).toBe(1); // changed
    expect(editDistance('ajdusted', 'adjusted')).toBe(1); // swapped
    expect(editDistance('adjust', 'adjusted')).toBe(2);
    expect(editDistance('trend', 'tare')).toBe(3); // t(a)re-n-d: insert a, drop n, drop d
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('misspeltKeys', () => {
  const check = CHECK_KEYS;

  it('names the field a key one letter off was meant for, while that field is absent', () => {
    expect(misspeltKeys({ seq: 1, regim: 'verification' }, check, 'a check')).toEqual([
      {
        path: 'regim',
        message: 'regim is not a field of a check: did you mean "regime"? (Sent under another name it would be left out, and the message judged without it.)',
      },
    ]);
    // beside the field itself, a near key is the device's own
    expect(misspeltKeys({ point: 'Qmax', points: 3 }, check, 'a check')).toEqual([]);
  });

  it('takes case, "_" and "-" for the same letters, at any length', () => {
    const paths = (raw: object) => misspeltKeys(raw, check, 'a check').map((e) => e.message.match(/"(\w+)"/)?.[1]);
    expect(paths({ delta_L: 0.002 })).toEqual(['deltaL']);
    expect(paths({ Seq: 4 })).toEqual(['seq']);
    expect(paths({ TS: 4 })).toEqual(['ts']);
    expect(paths({ 'standard-id': 'PM-1' })).toEqual(['standardId']);
    // two letters off only for names of 8 letters or more
    expect(paths({ adjust: true })).toEqual(['adjusted']);
    expect(paths({ standard: 'PM-1' })).toEqual(['standardId']);
    expect(paths({ uni: 'L' })).toEqual([]); // 3 letters: a case or separator away only
  });

  it("leaves a device's own keys alone (a barometer's trend and flags, a docking station's cylinder lot)", () => {
    const reading = new KnownKeys(['seq', 'ts', 'quantity', 'value', 'unit', 'gas', 'nozzle', 'product', 'tare']);
    expect(misspeltKeys({ seq: 1, trend: -0.4, flags: 0, p1: 1013.2, cylinderLot: 'L-7', stable: true, event: 'bump' }, reading, 'a reading')).toEqual([]);
    expect(misspeltKeys({ nozle: 2 }, reading, 'a reading', 'readings.3')).toEqual([
      {
        path: 'readings.3.nozle',
        message:
          'readings.3.nozle is not a field of a reading: did you mean "nozzle"? (Sent under another name it would be left out, and the message judged without it.)',
      },
    ]);
  });

  it('answers nothing for what is not an object', () => {
    expect(misspeltKeys([1, 2], check, 'a check')).toEqual([]);
    expect(misspeltKeys(null, check, 'a check')).toEqual([]);
    expect(misspeltKeys('regim', check, 'a check')).toEqual([]);
  });
});
