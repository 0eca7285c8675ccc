// The mapping file of a Modbus bridge: which instrument to poll and how, which MAG device it
// publishes as, and how each register becomes a reading. Validated with zod; a bad file stops the
// bridge with every failing field named (format: README.md beside this file).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { registerCount } from './registers.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Reading fields the bridge writes itself; a mapping cannot set them. */
const RESERVED_FIELDS = ['seq', 'ts', 'quantity', 'value', 'unit'];

const Tcp = z.strictObject({
  transport: z.literal('tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(502),
  // Modbus TCP carries the unit identifier for serial devices behind a gateway; 0–255 are valid on the wire.
  unitId: z.number().int().min(0).max(255).default(1),
  timeoutMs: z.number().int().min(100).max(60_000).default(2000),
});

const Rtu = z.strictObject({
  transport: z.literal('rtu'),
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  // Serial line addresses are 1–247 (0 is broadcast, which gets no answer).
  unitId: z.number().int().min(1).max(247).default(1),
  timeoutMs: z.number().int().min(100).max(60_000).default(2000),
});

const RegisterFields = {
  address: z.number().int().min(0).max(65535),
  function: z.enum(['holding', 'input']),
  type: z.enum(['int16', 'uint16', 'int32', 'uint32', 'float32']),
  wordOrder: z.enum(['high-first', 'low-first']).default('high-first'),
  swapBytes: z.boolean().default(false),
  scale: z
    .number()
    .refine((s) => s !== 0, 'must not be 0')
    .default(1),
  offset: z.number().default(0),
  decimals: z.number().int().min(0).max(10).optional(),
};

function fitsAddressSpace(r: { address: number; type: 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' }): boolean {
  return r.address + registerCount(r.type) <= 65536;
}
const ADDRESS_SPACE = { message: 'the value runs past register 65535', path: ['address'] };

/**
 * A register read for a reading field: a weighing indicator's tare beside its net weight, or with
 * `bit`, one flag of a 16-bit status register as true/false (its "weight stable" bit).
 */
const FieldRegister = z
  .strictObject({ ...RegisterFields, bit: z.number().int().min(0).max(15).optional() })
  .refine(fitsAddressSpace, ADDRESS_SPACE)
  .refine((f) => f.bit === undefined || registerCount(f.type) === 1, {
    message: 'a bit is read from a 16-bit register: use type uint16 or int16',
    path: ['bit'],
  });

const ReadingRegister = z
  .strictObject({
    name: z.string().min(1).max(64),
    ...RegisterFields,
    quantity: z.string().min(1),
    unit: z.string().min(1),
    periodSeconds: z.number().min(0.1).max(86_400),
    /** Extra reading fields: a constant (a gas detector channel's "gas": "CO") or a register. */
    fields: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), FieldRegister])).default({}),
  })
  .refine(fitsAddressSpace, ADDRESS_SPACE)
  .superRefine((r, ctx) => {
    for (const k of Object.keys(r.fields)) {
      if (RESERVED_FIELDS.includes(k)) ctx.addIssue({ code: 'custom', path: ['fields', k], message: `"${k}" is set by the bridge; a mapping cannot set it` });
    }
  });

const Mag = z
  .strictObject({
    mqttUrl: z.string().regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
    deviceId: z.string().regex(ID, 'must match ^[A-Za-z0-9_-]{1,64}$ (the id the device was registered with)'),
    secret: z.string().min(1).optional(),
    secretEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    /** CA certificate (PEM) to trust for mqtts:// and wss://. */
    caFile: z.string().min(1).optional(),
  })
  .refine((m) => (m.secret === undefined) !== (m.secretEnv === undefined), {
    message: 'give exactly one of secret or secretEnv (the device secret MAG issued)',
    path: ['secret'],
  });

const Limits = z.strictObject({
  /** QoS 1 publications awaiting their PUBACK at once. */
  maxInFlight: z.number().int().min(1).max(1000).default(100),
  /** Readings the durable buffer holds before new ones are refused (about 200 bytes each on disk). */
  maxBufferedReadings: z.number().int().min(100).default(1_000_000),
  /** Seconds between reconnection attempts to MAG and to the instrument. */
  reconnectSeconds: z.number().min(0.1).max(3600).default(2),
});

export const MappingSchema = z
  .strictObject({
    modbus: z.discriminatedUnion('transport', [Tcp, Rtu]),
    mag: Mag,
    /** Where the durable buffer lives; default ./data/bridge-modbus-<deviceId>. */
    dataDir: z.string().min(1).optional(),
    registers: z.array(ReadingRegister).min(1),
    limits: Limits.default({ maxInFlight: 100, maxBufferedReadings: 1_000_000, reconnectSeconds: 2 }),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.registers.forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({ code: 'custom', path: ['registers', i, 'name'], message: `"${r.name}" is used by an earlier register; names must be unique` });
      seen.add(r.name);
    });
  });

export type Mapping = z.output<typeof MappingSchema>;
export type ReadingRegister = Mapping['registers'][number];
export type FieldRegister = z.output<typeof FieldRegister>;
export type ModbusConnection = Mapping['modbus'];

/** A resolved mapping: the secret read, the data dir decided. */
export interface BridgeSettings extends Mapping {
  secret: string;
  dataDir: string;
}

export class MappingError extends Error {}

/** Validates parsed JSON; throws a MappingError listing every failing field as `path: message`. */
export function parseMapping(json: unknown, source: string, env: NodeJS.ProcessEnv): BridgeSettings {
  const r = MappingSchema.safeParse(json);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new MappingError(
      `Invalid Modbus mapping ${source}:\n${lines.join('\n')}\nFix the file (format: src/bridges/modbus/README.md) and start the bridge again.`,
    );
  }
  const m = r.data;
  const secret = m.mag.secretEnv === undefined ? m.mag.secret : env[m.mag.secretEnv];
  if (!secret)
    throw new MappingError(
      `Invalid Modbus mapping ${source}:\n  mag.secretEnv: the environment variable ${m.mag.secretEnv} is not set (it must hold the device secret)`,
    );
  return { ...m, secret, dataDir: m.dataDir ?? `./data/bridge-modbus-${m.mag.deviceId}` };
}

export function loadMapping(file: string, env: NodeJS.ProcessEnv = process.env): BridgeSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new MappingError(`Cannot read the Modbus mapping ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MappingError(`Invalid Modbus mapping ${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseMapping(json, file, env);
}
