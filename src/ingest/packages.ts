// `instruments/{id}/packages`: measured prepackages of a declared lot (docs/contract.md §2, §6), from a
// weighing instrument of the lot's tenant. Each package is checked against its lot and becomes a
// `package` point (net in the lot's unit, T1/T2 flags) and an accepted package that the assurance
// state appends to the lot once the point is journaled. Synchronous and free of I/O.
import { z } from 'zod';
import type { InstrumentProfile } from '../metrology/profile.ts';
import type { FieldError } from '../metrology/types.ts';
import { BASE_UNIT, clean, type PrepackageUnit } from '../metrology/tolerable-deficiency.ts';
import { packageLimitProblem, type PackageLimits } from '../metrology/prepackages.ts';
import { conversionFactor } from '../metrology/units.ts';
import type { Device } from '../store/registry.ts';
import type { Point } from '../sinks/sink.ts';
import { parsePayload, type PackagePayload, type PayloadSchemas } from './payloads.ts';
import { KnownKeys, misspeltKeys } from './misspelt-keys.ts';
import { shown } from './field-errors.ts';

/** What ingest needs of a declared lot. */
export interface LotForPackages {
  id: string;
  tenant: string;
  product: string;
  nominal: number;
  unit: string;
  /** The unit packages are stored in: the lot's measuredUnit, else its unit. */
  measuredUnit: string;
  /** In the measured unit; needed for gross weighings. */
  averageTare?: number;
  /** The declared weighing instrument: packages from any other device are refused. */
  scale?: string;
  /** Tolerable deficiency T in the lot's unit. */
  tolerableDeficiency: number;
  /** A measured net quantity (measured unit) in the lot's unit. */
  toLotUnit(measured: number): number;
  /** The lot's declared number of packages: none is taken beyond it. */
  lotSize?: number;
  /** The largest net and gross of a package of the lot (10 × Qn, + the average tare), in the measured unit. */
  limits?: PackageLimits;
  /**
   * The packages the lot holds (`stored`, and `earlier` in this message) when they make `lotSize` already and this
   * package is not one it holds (a resend takes no new place); undefined when it has room or the message path
   * cannot tell (PostgreSQL: the lot's appends stop at its size instead, without feedback).
   */
  noRoomFor?(device: string, p: { seq: number; ts: number }, earlier: readonly AcceptedPackage[]): { stored: number; earlier: number } | undefined;
}

/** A package ready to be appended to its lot. */
export interface AcceptedPackage {
  lot: string;
  seq: number;
  ts: number;
  kind: 'net' | 'gross';
  /** As measured, in the lot's measured unit. */
  value: number;
  /** Net quantity in the lot's unit. */
  net: number;
}

export interface PackageOutcome {
  packages: AcceptedPackage[];
  points: Point[];
  rejections: { seq?: number; errors: FieldError[] }[];
}

export interface PackageContext {
  schemas: PayloadSchemas;
  lot(id: string): LotForPackages | undefined;
  /** Why a time cannot be stored (future, older than the backfill window), or undefined. */
  timeError(ts: number, prefix: string): FieldError | undefined;
  maxBatch: number;
}

const BatchSchema = z.object({ packages: z.array(z.unknown(), { error: 'must be a JSON array of packages' }) });

/** The packages of one message (one package, or {"packages": [...]}). */
export function acceptPackages(device: Device, profile: InstrumentProfile, body: unknown, ctx: PackageContext, out: PackageOutcome): void {
  if (profile.quantity !== 'mass') {
    const errors = [
      {
        path: '(device)',
        message: `instrument ${device.id} is a ${profile.name}: packages are weighed on a scale or a checkweigher (an instrument whose type measures mass)`,
      },
    ];
    // answered with the seq of each package sent (one feedback each), as any other refusal of a package
    const batch = body !== null && typeof body === 'object' && 'packages' in body ? (body as { packages: unknown }).packages : undefined;
    const each = Array.isArray(batch) && batch.length > 0 && batch.length <= ctx.maxBatch ? batch : [batch === undefined ? body : undefined];
    for (const p of each) out.rejections.push({ seq: seqOf(p), errors });
    return;
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'packages' in body) {
    const batch = parsePayload(BatchSchema, body, '', 'the batch');
    if (!batch.ok) out.rejections.push({ errors: batch.errors });
    else if (batch.data.packages.length === 0 || batch.data.packages.length > ctx.maxBatch) {
      out.rejections.push({
        errors: [
          { path: 'packages', message: `packages must hold 1 to ${ctx.maxBatch} packages (MAG_MAX_BATCH_READINGS); received ${batch.data.packages.length}` },
        ],
      });
    } else {
      for (const [i, p] of batch.data.packages.entries()) acceptPackage(device, p, ctx, out, `packages.${i}`);
    }
    return;
  }
  acceptPackage(device, body, ctx, out, '');
}

/** A package's fields (docs/contract.md §2): a key near one of them is taken for it misspelt. */
const PACKAGE_KEYS = new KnownKeys(['seq', 'ts', 'lot', 'net', 'gross', 'unit']);

function acceptPackage(device: Device, raw: unknown, ctx: PackageContext, out: PackageOutcome, prefix: string): void {
  const misspelt = misspeltKeys(raw, PACKAGE_KEYS, 'a package', prefix);
  if (misspelt.length > 0) {
    out.rejections.push({ seq: seqOf(raw), errors: misspelt });
    return;
  }
  const parsed = parsePayload(ctx.schemas.package, raw, prefix, 'the package');
  if (!parsed.ok) {
    out.rejections.push({ seq: seqOf(raw), errors: parsed.errors });
    return;
  }
  const p = parsed.data;
  const path = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const badTime = ctx.timeError(p.ts, prefix);
  if (badTime) {
    out.rejections.push({ seq: p.seq, errors: [badTime] });
    return;
  }
  const lot = ctx.lot(p.lot);
  // Another tenant's lot is answered as an unknown one: a device learns nothing of other enterprises.
  if (!lot || lot.tenant !== device.tenant) {
    out.rejections.push({
      seq: p.seq,
      errors: [
        {
          path: path('lot'),
          message: `${path('lot')} must be a lot declared for enterprise ${device.tenant} (POST /api/v1/lots) before its packages are sent; received ${shown(p.lot)}`,
        },
      ],
    });
    return;
  }
  // A lot that names its instrument takes the weighings of that instrument only (docs/prepackages.md).
  if (lot.scale !== undefined && lot.scale !== device.id) {
    out.rejections.push({
      seq: p.seq,
      errors: [
        {
          path: path('lot'),
          message: `${path('lot')} must be a lot weighed on this instrument: lot ${lot.id} is declared with scale ${lot.scale}, so instrument ${device.id} may not send its packages (send them from ${lot.scale}, or declare a lot with scale ${device.id}); received ${shown(p.lot)}`,
        },
      ],
    });
    return;
  }
  const problem = packageProblem(p, lot, path);
  if (problem) {
    out.rejections.push({ seq: p.seq, errors: [problem] });
    return;
  }
  const kind = p.net !== undefined ? 'net' : 'gross';
  const value = clean((p.net ?? p.gross!) * conversionFactor(p.unit, lot.measuredUnit)!);
  const beyond = lot.limits && packageLimitProblem(lot.limits, kind, value);
  if (beyond) {
    out.rejections.push({ seq: p.seq, errors: [{ path: path(kind), message: `${path(kind)} ${beyond}; received ${shown(p.net ?? p.gross)} ${p.unit}` }] });
    return;
  }
  // Never more packages than the lot holds (docs/prepackages.md).
  const full = lot.lotSize === undefined ? undefined : lot.noRoomFor?.(device.id, p, out.packages);
  if (full !== undefined) {
    const held = full.stored + full.earlier;
    out.rejections.push({
      seq: p.seq,
      errors: [
        {
          path: path('lot'),
          message: `${path('lot')} must be a lot with room for the package: lot ${lot.id} holds ${held} packages already${full.earlier > 0 ? ` (${full.earlier} of them earlier in this message)` : ''}, its declared lotSize ${lot.lotSize}, and a lot takes no more packages than it was declared with (send the rest to another lot); received ${shown(p.lot)}`,
        },
      ],
    });
    return;
  }
  const net = clean(lot.toLotUnit(kind === 'net' ? value : value - lot.averageTare!));
  out.packages.push({ lot: lot.id, seq: p.seq, ts: p.ts, kind, value, net });
  const short = lot.nominal - net;
  const slack = 1e-9 * lot.nominal; // as judgeLot counts them
  const fields: Record<string, number | boolean> = {
    net,
    seq: p.seq,
    t1: short > lot.tolerableDeficiency + slack,
    t2: short > 2 * lot.tolerableDeficiency + slack,
  };
  if (kind === 'gross') fields.gross = value;
  out.points.push({ measurement: 'package', tags: { tenant: device.tenant, device: device.id, lot: lot.id, product: lot.product }, fields, ts: p.ts });
}

/** Why a well-formed package does not fit its lot (its unit, a gross weighing without tare). */
function packageProblem(p: PackagePayload, lot: LotForPackages, path: (field: string) => string): FieldError | undefined {
  const measured = lot.measuredUnit as PrepackageUnit; // checked when the lot was declared (planLot)
  if (BASE_UNIT[p.unit] !== BASE_UNIT[measured]) {
    const byWeight = BASE_UNIT[measured] === 'g';
    return {
      path: path('unit'),
      message: `${path('unit')} must be ${byWeight ? 'g or kg' : 'mL or L'}: the packages of lot ${lot.id} are measured in ${measured}${byWeight ? '' : ' (a lot in volume takes weighings when declared with measuredUnit g and the density)'}; received ${shown(p.unit)}`,
    };
  }
  if (p.gross !== undefined && lot.averageTare === undefined) {
    return {
      path: path('gross'),
      message: `${path('gross')} needs the lot's average tare (R87 Annex B), and lot ${lot.id} was declared without averageTare: send net, or declare the lot with its average tare; received ${shown(p.gross)}`,
    };
  }
  return undefined;
}

function seqOf(raw: unknown): number | undefined {
  if (raw && typeof raw === 'object' && 'seq' in raw) {
    const s = (raw as { seq: unknown }).seq;
    if (typeof s === 'number' && Number.isSafeInteger(s) && s >= 0) return s;
  }
  return undefined;
}
