// Which instrument may send packages of a lot: a lot declared with a `scale` takes that instrument's weighings
// only (another device of the tenant is refused on feedback, with its seq), and an instrument that does not weigh
// is refused with the seq of every package it sent.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import { planLot, type LotDeclaration } from '../metrology/prepackages.ts';
import { SAMPLING_PLANS_FILE, loadSamplingPlans } from '../metrology/sampling-plans-loader.ts';
import type { Device } from '../store/registry.ts';
import { acceptPackages, type LotForPackages, type PackageOutcome } from './packages.ts';
import { payloadSchemas } from './payloads.ts';

const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const plans = loadSamplingPlans(join(PACKAGE_ROOT, 'devices', SAMPLING_PLANS_FILE));
const device = (id: string, type: string): Device => ({ id, tenant: 'north', type, serial: id.toUpperCase(), createdAt: '2026-01-01T00:00:00Z' });
const checkweigher = device('a-checkweigher', 'checkweigher');
const scale = device('a-scale', 'scale');
const barometer = device('baro-1', 'barometer');
const TS = '2026-03-01T08:00:00Z';

function lot(id: string, d: LotDeclaration, declaredScale?: string): LotForPackages {
  const p = planLot(d, plans);
  if (!p.ok) throw new Error(p.reasons.join(' '));
  return {
    id,
    tenant: 'north',
    product: 'Gạo 500 g',
    nominal: d.nominal,
    unit: d.unit,
    measuredUnit: d.measuredUnit ?? d.unit,
    ...(declaredScale ? { scale: declaredScale } : {}),
    tolerableDeficiency: p.tolerableDeficiency,
    toLotUnit: p.toLotUnit,
  };
}
const lots = new Map([
  ['AUD-LOT-3', lot('AUD-LOT-3', { nominal: 500, unit: 'g', lotSize: 200 }, 'a-checkweigher')],
  ['AUD-LOT-4', lot('AUD-LOT-4', { nominal: 500, unit: 'g', lotSize: 200 })],
]);

function run(d: Device, body: unknown): PackageOutcome {
  const out: PackageOutcome = { packages: [], points: [], rejections: [] };
  const ctx = { schemas: payloadSchemas('Asia/Ho_Chi_Minh'), lot: (id: string) => lots.get(id), timeError: () => undefined, maxBatch: 3 };
  acceptPackages(d, profiles.get(d.type)!, body, ctx, out);
  return out;
}
const pkg = (seq: number, lotId: string, net = 500) => ({ seq, ts: TS, lot: lotId, net, unit: 'g' });

describe('the instrument that sends packages', () => {
  it('refuses a package of a lot declared with another scale, with the reason and its seq', () => {
    const out = run(scale, pkg(7, 'AUD-LOT-3'));
    expect(out.packages).toEqual([]);
    expect(out.points).toEqual([]);
    expect(out.rejections).toEqual([
      {
        seq: 7,
        errors: [
          {
            path: 'lot',
            message:
              'lot must be a lot weighed on this instrument: lot AUD-LOT-3 is declared with scale a-checkweigher, so instrument a-scale may not send its packages (send them from a-checkweigher, or declare a lot with scale a-scale); received "AUD-LOT-3"',
          },
        ],
      },
    ]);
    // the declared instrument sends them; a lot without a scale takes any weighing instrument of its enterprise
    expect(run(checkweigher, pkg(8, 'AUD-LOT-3')).packages.map((p) => p.seq)).toEqual([8]);
    const mixed = run(scale, { packages: [pkg(9, 'AUD-LOT-4'), pkg(10, 'AUD-LOT-3'), pkg(11, 'AUD-LOT-4')] });
    expect(mixed.packages.map((p) => [p.lot, p.seq])).toEqual([
      ['AUD-LOT-4', 9],
      ['AUD-LOT-4', 11],
    ]);
    expect(mixed.rejections.map((r) => [r.seq, r.errors[0]!.path])).toEqual([[10, 'packages.1.lot']]);
  });

  it('answers an instrument that does not weigh with the seq it sent (one feedback per package of a batch)', () => {
    const one = run(barometer, pkg(60, 'AUD-LOT-4'));
    expect(one.rejections).toHaveLength(1);
    expect(one.rejections[0]!.seq).toBe(60);
    expect(one.rejections[0]!.errors).toEqual([
      {
        path: '(device)',
        message: expect.stringMatching(
          /^instrument baro-1 is a .*: packages are weighed on a scale or a checkweigher \(an instrument whose type measures mass\)$/,
        ),
      },
    ]);
    const batch = run(barometer, { packages: [pkg(61, 'AUD-LOT-4'), pkg(62, 'AUD-LOT-4')] });
    expect(batch.rejections.map((r) => [r.seq, r.errors[0]!.path])).toEqual([
      [61, '(device)'],
      [62, '(device)'],
    ]);
    // no seq to give: a package without one, a batch too large or not a list
    expect(run(barometer, { ts: TS, lot: 'AUD-LOT-4', net: 500, unit: 'g' }).rejections.map((r) => r.seq)).toEqual([undefined]);
    expect(run(barometer, { packages: [1, 2, 3, 4] }).rejections.map((r) => r.seq)).toEqual([undefined]);
    expect(run(barometer, { packages: 'x' }).rejections.map((r) => r.seq)).toEqual([undefined]);
    expect(batch.packages).toEqual([]);
  });
});
