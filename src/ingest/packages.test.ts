// One `packages` message → package points and accepted packages, without a gateway: the T1/T2 flags
// at their limits, unit conversion, gross weighings, a volume lot weighed with its density.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../config.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import { packageLimits, planLot, type LotDeclaration } from '../metrology/prepackages.ts';
import { SAMPLING_PLANS_FILE, loadSamplingPlans } from '../metrology/sampling-plans-loader.ts';
import type { Device } from '../store/registry.ts';
import { acceptPackages, type LotForPackages, type PackageOutcome } from './packages.ts';
import { payloadSchemas } from './payloads.ts';

const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const plans = loadSamplingPlans(join(PACKAGE_ROOT, 'devices', SAMPLING_PLANS_FILE));
const cw: Device = { id: 'cw-1', tenant: 'north', type: 'checkweigher', serial: 'CW-1', createdAt: '2026-01-01T00:00:00Z' };
const TS = '2026-03-01T08:00:00Z';

/** A declared lot as ingest sees it, T and the unit conversion from planLot. */
function lot(id: string, d: LotDeclaration, tenant = 'north'): LotForPackages {
  const p = planLot(d, plans);
  if (!p.ok) throw new Error(p.reasons.join(' '));
  return {
    id,
    tenant,
    product: 'Gạo 500 g',
    nominal: d.nominal,
    unit: d.unit,
    measuredUnit: d.measuredUnit ?? d.unit,
    averageTare: d.averageTare,
    tolerableDeficiency: p.tolerableDeficiency,
    toLotUnit: p.toLotUnit,
    lotSize: d.lotSize,
    limits: packageLimits(d),
  };
}
const lots = new Map([
  ['RICE', lot('RICE', { nominal: 500, unit: 'g', lotSize: 200, averageTare: 12.4 })],
  // 1 L of milk (T = 1.5 % of 1000 mL = 15 mL) weighed in g with its density 1.03 g/mL
  ['MILK', lot('MILK', { nominal: 1, unit: 'L', lotSize: 200, measuredUnit: 'g', density: 1.03 })],
  ['OTHER', lot('OTHER', { nominal: 500, unit: 'g', lotSize: 200 }, 'south')],
]);

function run(body: unknown, device = cw): PackageOutcome {
  const out: PackageOutcome = { packages: [], points: [], rejections: [] };
  const ctx = { schemas: payloadSchemas('Asia/Ho_Chi_Minh'), lot: (id: string) => lots.get(id), timeError: () => undefined, maxBatch: 3 };
  acceptPackages(device, profiles.get(device.type)!, body, ctx, out);
  return out;
}
const pkg = (seq: number, fields: Record<string, unknown>) => ({ seq, ts: TS, lot: 'RICE', unit: 'g', ...fields });

describe('packages from a weighing instrument', () => {
  it('flags a package short by more than T (T1) and by more than 2T (T2), not one short by exactly T or 2T', () => {
    // Qn 500 g, T = 3 % = 15 g: 485 g is short by T exactly (not T1); 484.9 g by 15.1 g (T1);
    // 470 g by 2T exactly (T1, not T2); 469.9 g by 30.1 g (T2).
    const out = run({ packages: [pkg(1, { net: 485 }), pkg(2, { net: 484.9 }), pkg(3, { net: 470 })] });
    expect(out.points.map((p) => [p.fields.net, p.fields.t1, p.fields.t2])).toEqual([
      [485, false, false],
      [484.9, true, false],
      [470, true, false],
    ]);
    expect(run(pkg(4, { net: 469.9 })).points[0]!.fields).toEqual({ net: 469.9, seq: 4, t1: true, t2: true });
    expect(out.points[0]).toMatchObject({
      measurement: 'package',
      tags: { tenant: 'north', device: 'cw-1', lot: 'RICE', product: 'Gạo 500 g' },
      ts: Date.parse(TS),
    });
  });

  it('converts to the lot unit and subtracts the average tare from a gross weighing', () => {
    // 0.5149 kg gross = 514.9 g; net 514.9 − 12.4 = 502.5 g
    const out = run(pkg(5, { gross: 0.5149, unit: 'kg' }));
    expect(out.packages).toEqual([{ lot: 'RICE', seq: 5, ts: Date.parse(TS), kind: 'gross', value: 514.9, net: 502.5 }]);
    expect(out.points[0]!.fields).toEqual({ net: 502.5, gross: 514.9, seq: 5, t1: false, t2: false });
  });

  it('turns the mass of a volume lot weighed into its volume with the density', () => {
    // 1025.94 g / 1.03 g/mL = 996.058… mL = 0.996058 L; short 3.94 mL, within T = 15 mL
    const out = run({ seq: 6, ts: TS, lot: 'MILK', net: 1025.94, unit: 'g' });
    expect(out.packages[0]!.net).toBeCloseTo(0.996058, 6);
    expect(out.points[0]!.fields).toMatchObject({ t1: false, t2: false });
    expect(run({ seq: 7, ts: TS, lot: 'MILK', net: 1, unit: 'L' }).rejections[0]!.errors).toEqual([
      { path: 'unit', message: 'unit must be g or kg: the packages of lot MILK are measured in g; received "L"' },
    ]);
  });

  it("refuses another tenant's lot as an unknown one, a batch too large, and an instrument that does not weigh", () => {
    expect(run(pkg(8, { lot: 'OTHER', net: 500 })).rejections[0]!.errors[0]!.message).toBe(
      'lot must be a lot declared for enterprise north (POST /api/v1/lots) before its packages are sent; received "OTHER"',
    );
    expect(run({ packages: [1, 2, 3, 4] }).rejections[0]!.errors[0]!.message).toBe('packages must hold 1 to 3 packages (MAG_MAX_BATCH_READINGS); received 4');
    const bad = run({ packages: [pkg(9, { net: 500 }), pkg(10, { net: -1 }), { ...pkg(11, { net: 500 }), lot: 'not a lot!' }] });
    expect(bad.packages.map((p) => p.seq)).toEqual([9]);
    expect(bad.rejections.map((r) => [r.seq, r.errors[0]!.path])).toEqual([
      [10, 'packages.1.net'],
      [11, 'packages.2.lot'],
    ]);
    const baro: Device = { ...cw, id: 'baro-1', type: 'barometer' };
    expect(run(pkg(12, { net: 500 }), baro).rejections[0]!.errors[0]!.path).toBe('(device)');
    // a gross weighing sent as "gros" would be refused for want of net; the message names what was meant
    expect(run({ packages: [pkg(13, { gros: 512.4 })] }).rejections).toEqual([
      {
        seq: 13,
        errors: [
          {
            path: 'packages.0.gros',
            message:
              'packages.0.gros is not a field of a package: did you mean "gross"? (Sent under another name it would be left out, and the message judged without it.)',
          },
        ],
      },
    ]);
  });

  it('refuses a net or gross beyond 10 × Qn (+ the average tare), in the measured unit, whatever unit it is sent in', () => {
    // RICE: Qn 500 g, tare 12.4 g: net at most 5000 g, gross at most 5012.4 g
    const why = 'a package of ten times its nominal quantity is not one of this lot (a unit slip such as kg for g, or a typo)';
    expect(run(pkg(13, { net: 5000 })).packages.map((p) => p.value)).toEqual([5000]);
    expect(run(pkg(14, { net: 1e308 })).rejections).toEqual([
      { seq: 14, errors: [{ path: 'net', message: `net must be at most 5000 g (10 × Qn = 10 × 500 g): ${why}; received 1e+308 g` }] },
    ]);
    // 5.0125 kg = 5012.5 g gross
    const gross = run({ packages: [pkg(15, { gross: 5.0124, unit: 'kg' }), pkg(16, { gross: 5.0125, unit: 'kg' })] });
    expect(gross.packages.map((p) => p.seq)).toEqual([15]);
    expect(gross.rejections[0]!.errors).toEqual([
      {
        path: 'packages.1.gross',
        message: `packages.1.gross must be at most 5012.4 g (10 × Qn + the average tare = 10 × 500 g + 12.4 g): ${why}; received 5.0125 kg`,
      },
    ]);
  });

  it('refuses a package when the lot holds its lotSize already, counting the message, but not a resend of one it holds', () => {
    // a lot of 200 holding 198 (as the lot book counts it); seq 1 is a package it holds
    const held = { ...lots.get('RICE')!, lotSize: 200 };
    const full: LotForPackages = {
      ...held,
      noRoomFor: (_device, p, earlier) => {
        const fresh = earlier.filter((q) => q.seq !== 1).length;
        return 198 + fresh >= 200 && p.seq !== 1 ? { stored: 198, earlier: fresh } : undefined;
      },
    };
    const out: PackageOutcome = { packages: [], points: [], rejections: [] };
    const ctx = { schemas: payloadSchemas('Asia/Ho_Chi_Minh'), lot: () => full, timeError: () => undefined, maxBatch: 5 };
    acceptPackages(
      cw,
      profiles.get('checkweigher')!,
      { packages: [pkg(20, { net: 500 }), pkg(1, { net: 500 }), pkg(21, { net: 500 }), pkg(22, { net: 500 })] },
      ctx,
      out,
    );
    // 20 and 21 take the last two places; 1 is a resend (left to the resend screening); 22 would be the 201st
    expect(out.packages.map((p) => p.seq)).toEqual([20, 1, 21]);
    expect(out.rejections).toEqual([
      {
        seq: 22,
        errors: [
          {
            path: 'packages.3.lot',
            message:
              'packages.3.lot must be a lot with room for the package: lot RICE holds 200 packages already (2 of them earlier in this message), its declared lotSize 200, and a lot takes no more packages than it was declared with (send the rest to another lot); received "RICE"',
          },
        ],
      },
    ]);
  });
});
