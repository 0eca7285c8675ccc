// The fleet file: which enterprises and instruments to simulate, how fast, and what goes wrong.
// Validated with zod; every error names the path in the file and what to change.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FaultSpecSchema, type FaultSpec } from './faults.ts';
import { MODELS } from './models/index.ts';
import { FillingLineParamsSchema, lotId } from './models/filling-line.ts';
import { DAY_MS, INSTRUMENT_TYPES, type InstrumentType } from './models/types.ts';
import { hashString } from './prng.ts';
import { StandardPlanSchema } from './fleet-standards.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const idString = z.string().regex(ID, { message: 'must match ^[A-Za-z0-9_-]{1,64}$ (letters, digits, _ and -)' });

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** Parse a duration: a number of seconds, or "250ms", "30s", "15m", "2h", "3d". Returns ms. */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value * 1000;
  const m = DURATION.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a duration: use seconds (a number) or e.g. "30s", "15m", "2h", "3d"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** A simulated duration: seconds, or a string like "15m", "3d". */
export const DurationSchema = z
  .union([z.number().positive(), z.string().regex(DURATION, { message: 'must be seconds or a duration like "30s", "15m", "2h", "3d"' })])
  .transform((v) => parseDuration(v))
  .refine((ms) => ms >= 1000, { message: 'must be at least 1 s' });

export const TenantSchema = z.strictObject({
  id: idString,
  name: z.string().min(1),
  region: z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, { message: 'must be an ISO 3166-2 code such as VN-HN' }),
});

const CertificateDefaultsSchema = z.strictObject({
  /** Validity of the verification certificate, months (default: the type's legal interval). */
  validityMonths: z.number().int().positive().optional(),
  /** Days before the simulated start the certificate was issued. Default 20. */
  issuedDaysBeforeStart: z.number().nonnegative().default(20),
  issuedBy: z.string().min(1).default('QUATEST 1 (Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1)'),
  number: z.string().min(1).optional(),
});

const CalibrationSchema = z.strictObject({
  issuedBy: z.string().min(1).default('VMI (Viện Đo lường Việt Nam)'),
  number: z.string().min(1).optional(),
  validityMonths: z.number().int().positive().default(12),
  correction: z.strictObject({ offset: z.number().optional(), gain: z.number().optional() }).optional(),
  uncertainty: z.number().nonnegative().optional(),
});

export const DeviceGroupSchema = z
  .strictObject({
    /** One device with this id, or `count` devices named `{idPrefix}-001` … */
    id: idString.optional(),
    count: z.number().int().positive().optional(),
    idPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,58}$/, { message: 'must be letters, digits, _ and - (at most 58)' })
      .optional(),
    tenant: idString,
    type: z.enum(INSTRUMENT_TYPES),
    serial: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    site: z.string().min(1).optional(),
    class: z.string().min(1).optional(),
    range: z.strictObject({ min: z.number(), max: z.number() }).optional(),
    mpe: z.strictObject({ absolute: z.number().nonnegative().optional(), relative: z.number().nonnegative().optional() }).optional(),
    /** Extra fields sent as they are in POST /api/v1/devices. */
    registration: z.record(z.string(), z.unknown()).optional(),
    /**
     * The demo's history has the instrument registered at `site` and moved to the group's site `daysAgo` days
     * before now (PATCH /devices/{id} with movedAt): its checks before then are that site's.
     */
    movedFrom: z.strictObject({ site: z.string().min(1), daysAgo: z.number().positive() }).optional(),
    /** Model parameters (see simulators/models/*.ts). */
    params: z.record(z.string(), z.unknown()).default({}),
    readingInterval: DurationSchema.optional(),
    checkInterval: DurationSchema.optional(),
    readingsQos: z.union([z.literal(0), z.literal(1)]).optional(),
    faults: z.array(FaultSpecSchema).default([]),
    /** Verification certificate registered with the device; false: none. Default: one, unless the type is calibrated (CALIBRATED_TYPES). */
    verification: z.union([CertificateDefaultsSchema, z.literal(false)]).optional(),
    /** Calibration certificate registered with the device. Default: none, unless the type is calibrated. */
    calibration: CalibrationSchema.optional(),
  })
  .superRefine((g, ctx) => {
    if ((g.id === undefined) === (g.count === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: 'give either "id" (one device) or "count" (several), not both and not neither' });
    }
    if (g.count !== undefined && g.serial !== undefined && g.count > 1) {
      ctx.addIssue({ code: 'custom', path: ['serial'], message: '"serial" applies to one device; drop it when count > 1' });
    }
  });

/** A fleet-wide fault: a fault spec plus `devices` — "*" or a list of ids, where "prefix*" matches by prefix. */
export const FleetFaultSchema = z.looseObject({ devices: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]) }).transform((f, ctx) => {
  const { devices, ...spec } = f;
  const parsed = FaultSpecSchema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return { devices, fault: parsed.data };
});

export const FleetSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).default('fleet'),
    description: z.string().optional(),
    /** Seed of every random draw: the same seed gives the same messages. */
    seed: z.number().int().nonnegative().default(1),
    /** Simulated seconds per wall second. Give this or simulatedDays. */
    acceleration: z.number().positive().optional(),
    /** Simulated span of the run; acceleration = simulatedDays / durationSeconds. */
    simulatedDays: z.number().positive().optional(),
    /** Wall-clock length of a run, seconds (the CLI's --duration overrides it). */
    durationSeconds: z.number().positive().default(300),
    /** Send the readings of one tick together as {"readings": [...]}. */
    batchReadings: z.boolean().default(true),
    /** Wall milliseconds between two rounds over the devices. */
    tickMs: z.number().int().min(10).max(10_000).default(250),
    /** Default QoS of readings. */
    readingsQos: z.union([z.literal(0), z.literal(1)]).default(1),
    tenants: z.array(TenantSchema).default([]),
    devices: z.array(DeviceGroupSchema).min(1, { message: 'a fleet needs at least one device group' }),
    /** Reference standards the checks cite, registered (with their calibration) before the devices. */
    standards: z.array(StandardPlanSchema).default([]),
    faults: z.array(FleetFaultSchema).default([]),
  })
  .superRefine((f, ctx) => {
    if (f.acceleration !== undefined && f.simulatedDays !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['simulatedDays'], message: 'give "acceleration" or "simulatedDays", not both' });
    }
    const tenantIds = new Set<string>();
    f.tenants.forEach((t, i) => {
      if (tenantIds.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `tenant "${t.id}" is listed twice` });
      tenantIds.add(t.id);
    });
    f.standards.forEach((st, i) => {
      if (st.tenant !== undefined && !tenantIds.has(st.tenant)) {
        ctx.addIssue({
          code: 'custom',
          path: ['standards', i, 'tenant'],
          message: `tenant "${st.tenant}" is not in "tenants"; add it there, or leave tenant out for the authority's standard`,
        });
      }
    });
    f.devices.forEach((g, i) => {
      if (!tenantIds.has(g.tenant)) {
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'tenant'], message: `tenant "${g.tenant}" is not in "tenants"; add it there` });
      }
      const params = MODELS[g.type].paramsSchema.safeParse(g.params);
      if (!params.success) {
        for (const issue of params.error.issues) {
          ctx.addIssue({
            code: 'custom',
            path: ['devices', i, 'params', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
            message: issue.message,
          });
        }
      }
      if (g.type === 'checkweigher' && params.success && (params.data as { lots?: number }).lots === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'params', 'lots'],
          message: 'a checkweigher runs a number of lots, which the fleet runner declares before the run: give "lots"',
        });
      }
      g.faults.forEach((fault, j) => {
        if (fault.kind === 'totalizer-tamper' && g.type !== 'fuel-dispenser') {
          ctx.addIssue({ code: 'custom', path: ['devices', i, 'faults', j, 'kind'], message: 'totalizer-tamper applies to fuel dispensers only' });
        }
      });
    });
  });

export type Fleet = z.input<typeof FleetSchema>;
export type ParsedFleet = z.output<typeof FleetSchema>;

export class FleetFileError extends Error {
  constructor(
    readonly source: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid fleet ${source}:\n${issues.map((i) => `  - ${i.path || '(top level)'}: ${i.message}`).join('\n')}`);
    this.name = 'FleetFileError';
  }
}

/** Validate a fleet object; throws FleetFileError listing every problem with its path. */
export function parseFleet(input: unknown, source = '(object)'): ParsedFleet {
  const r = FleetSchema.safeParse(input);
  if (!r.success) {
    throw new FleetFileError(
      source,
      r.error.issues.map((i) => ({
        path: i.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, ''),
        message: i.message,
      })),
    );
  }
  const ids = new Set<string>();
  const dupes = new Set<string>();
  for (const d of expandDevices(r.data)) (ids.has(d.id) ? dupes : ids).add(d.id);
  if (dupes.size > 0) {
    throw new FleetFileError(source, [
      { path: 'devices', message: `device ids used more than once: ${[...dupes].slice(0, 10).join(', ')}; change id or idPrefix` },
    ]);
  }
  return r.data;
}

/** Read and validate a fleet file (JSON). */
export async function loadFleet(path: string): Promise<ParsedFleet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read fleet file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FleetFileError(path, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  return parseFleet(json, path);
}

/** One simulated device, fully resolved from its group. */
export interface DevicePlan {
  id: string;
  tenant: string;
  type: InstrumentType;
  /** Body of POST /api/v1/devices (without secret). */
  registration: Record<string, unknown>;
  /** Where the demo's history registers it before moving it to its site (DeviceGroupSchema movedFrom). */
  movedFrom?: { site: string; daysAgo: number };
  params: Record<string, unknown>;
  readingIntervalMs: number;
  checkIntervalMs: number;
  readingsQos: 0 | 1;
  faults: FaultSpec[];
  verification: z.output<typeof CertificateDefaultsSchema> | false;
  calibration?: z.output<typeof CalibrationSchema>;
}

/**
 * Types outside the legal verification list (profile `standing: "calibration"`): their devices are
 * registered with a calibration certificate and no verification certificate unless the fleet says otherwise.
 */
const CALIBRATED_TYPES: ReadonlySet<InstrumentType> = new Set(['profile-projector']);

const TYPE_CODE: Record<InstrumentType, string> = {
  'fuel-dispenser': 'fd',
  'gas-detector': 'gd',
  'breath-alcohol-analyser': 'ba',
  barometer: 'baro',
  scale: 'sc',
  'profile-projector': 'pj',
  checkweigher: 'cw',
  'water-meter': 'wm',
};
const DEFAULT_MODEL_NAME: Record<InstrumentType, string> = {
  'fuel-dispenser': 'Tatsuno Sunny FPD-3',
  'gas-detector': 'MSA ALTAIR 4XR',
  'breath-alcohol-analyser': 'Lion Alcolmeter 500',
  barometer: 'Vaisala PTB330',
  scale: 'Nhơn Hòa NHS-60',
  'profile-projector': 'Mitutoyo PJ-A3000',
  checkweigher: 'Ishida DACS-G',
  'water-meter': 'Itron Multimag DN15',
};

/** Every device of the fleet with its id, registration body, intervals and faults (fleet-wide faults included). */
export function expandDevices(fleet: ParsedFleet): DevicePlan[] {
  const out: DevicePlan[] = [];
  fleet.devices.forEach((g) => {
    const n = g.count ?? 1;
    for (let i = 1; i <= n; i++) {
      const id = g.id ?? `${g.idPrefix ?? `${g.tenant}-${TYPE_CODE[g.type]}`.slice(0, 58)}-${String(i).padStart(3, '0')}`;
      const serial = g.serial ?? `${TYPE_CODE[g.type].toUpperCase()}${String(hashString(id) % 1_000_000).padStart(6, '0')}`;
      const registration: Record<string, unknown> = { id, tenant: g.tenant, type: g.type, serial, model: g.model ?? DEFAULT_MODEL_NAME[g.type] };
      if (g.site) registration.site = g.site;
      if (g.class) registration.class = g.class;
      if (g.range) registration.range = g.range;
      if (g.mpe) registration.mpe = g.mpe;
      Object.assign(registration, g.registration ?? {});
      out.push({
        id,
        tenant: g.tenant,
        type: g.type,
        registration,
        ...(g.movedFrom ? { movedFrom: g.movedFrom } : {}),
        params: g.params,
        readingIntervalMs: g.readingInterval ?? parseDuration(MODELS[g.type].defaultReadingInterval),
        checkIntervalMs: g.checkInterval ?? parseDuration(MODELS[g.type].defaultCheckInterval),
        readingsQos: g.readingsQos ?? fleet.readingsQos,
        faults: [...g.faults],
        verification: g.verification ?? (CALIBRATED_TYPES.has(g.type) ? false : CertificateDefaultsSchema.parse({})),
        calibration: g.calibration ?? (CALIBRATED_TYPES.has(g.type) ? CalibrationSchema.parse({}) : undefined),
      });
    }
  });
  for (const f of fleet.faults) {
    for (const d of out) if (matchesDevice(f.devices, d.id)) d.faults.push(f.fault);
  }
  return out;
}

function matchesDevice(sel: '*' | string[], id: string): boolean {
  if (sel === '*') return true;
  return sel.some((s) => (s.endsWith('*') ? id.startsWith(s.slice(0, -1)) : s === id));
}

/** Acceleration and simulated span of a fleet run of `durationSeconds` wall seconds. */
export function fleetTiming(fleet: ParsedFleet, durationSeconds = fleet.durationSeconds): { acceleration: number; spanMs: number } {
  if (fleet.simulatedDays !== undefined) {
    return { acceleration: (fleet.simulatedDays * DAY_MS) / (durationSeconds * 1000), spanMs: fleet.simulatedDays * DAY_MS };
  }
  const acceleration = fleet.acceleration ?? 1;
  return { acceleration, spanMs: durationSeconds * 1000 * acceleration };
}

/**
 * The lots a checkweigher's filling line runs, as bodies of POST /api/v1/lots: declared before the
 * run, with the checkweigher as their weighing instrument and, for gross weighings, the line's
 * average tare. Other devices run none.
 */
export function lotsFor(d: DevicePlan): Record<string, unknown>[] {
  if (d.type !== 'checkweigher') return [];
  const p = FillingLineParamsSchema.parse(d.params);
  return Array.from({ length: p.lots ?? 0 }, (_, i) => ({
    id: lotId(p.lotPrefix, i + 1),
    tenant: d.tenant,
    product: p.product,
    nominal: p.nominal,
    unit: p.unit,
    lotSize: p.lotSize,
    scale: d.id,
    ...(p.weighing === 'gross' ? { averageTare: p.tareMean } : {}),
  }));
}
