// Environment → typed configuration. The only reader of process.env (and of `.env`).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isTimeZone } from './ingest/time-zone.ts';

/** The package root (where devices/, package.json live), whatever the working directory. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(0).max(65535);
const optionalPort = z.preprocess((v) => (v === '' ? undefined : v), port.optional());
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const positiveInt = z.coerce.number().int().positive();

export const ConfigSchema = z
  .object({
    MAG_DATA_DIR: z.string().min(1).default('./data'),
    MAG_MQTT_PORT: port.default(1883),
    MAG_MQTT_WS_PORT: optionalPort,
    MAG_MQTTS_PORT: optionalPort,
    MAG_TLS_CERT: optionalString,
    MAG_TLS_KEY: optionalString,
    MAG_TLS_CA: optionalString,
    MAG_HTTP_PORT: port.default(8080),
    MAG_HOST: z.string().min(1).default('127.0.0.1'),
    MAG_ADMIN_TOKEN: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(16, 'must be at least 16 characters').optional(),
    ),
    MAG_INFLUX_URL: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .url('must be an http(s) URL such as http://127.0.0.1:8086')
        .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
        .optional(),
    ),
    MAG_INFLUX_API: z.enum(['v1', 'v2']).default('v1'),
    MAG_INFLUX_DB: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match ^[A-Za-z0-9_-]{1,64}$').default('mag'),
    MAG_INFLUX_USER: optionalString,
    MAG_INFLUX_PASSWORD: optionalString,
    MAG_INFLUX_ORG: optionalString,
    MAG_INFLUX_BUCKET: optionalString,
    MAG_INFLUX_TOKEN: optionalString,
    MAG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Settings beyond CONTRACT §1; every limit is named and documented in the README.
    MAG_PROFILES_DIR: z.string().min(1).default(join(PACKAGE_ROOT, 'devices')),
    MAG_MAX_PAYLOAD_BYTES: positiveInt.default(65536),
    MAG_MAX_BATCH_READINGS: positiveInt.max(100000).default(1000),
    MAG_JOURNAL_SYNC: z.enum(['full', 'normal']).default('full'),
    MAG_JOURNAL_MAX_BYTES: positiveInt.default(2 * 1024 ** 3),
    MAG_JOURNAL_COMMIT_MS: z.coerce.number().min(0).max(1000).default(2),
    MAG_JOURNAL_SLOW_AT_PERCENT: z.coerce.number().min(1).max(99).default(90),
    MAG_JOURNAL_SLOW_MAX_MS: z.coerce.number().int().min(0).max(10_000).default(200),
    MAG_SINK_BATCH: positiveInt.max(100000).default(5000),
    MAG_SINK_RETRY_MAX_MS: positiveInt.default(30000),
    MAG_DUE_SOON_DAYS: positiveInt.default(30),
    MAG_ALERT_HORIZON_DAYS: positiveInt.default(90),
    MAG_ESCALATION_MINUTES: positiveInt.default(240),
    MAG_INVALID_BURST: positiveInt.default(5),
    MAG_WEBHOOK_RETRY_BASE_MS: positiveInt.default(1000),
    MAG_WEBHOOK_MAX_ATTEMPTS: positiveInt.max(100).default(8),
    MAG_FUTURE_TOLERANCE_MS: z.coerce.number().int().min(0).default(5 * 60 * 1000),
    MAG_BACKFILL_DAYS: positiveInt.default(400),
    MAG_DEFAULT_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Ho_Chi_Minh or Europe/Berlin').default('Asia/Ho_Chi_Minh'),
    // Security limits (docs/security.md).
    MAG_MAX_CONNECTIONS: positiveInt.default(10000),
    MAG_MAX_TOPIC_LEVELS: positiveInt.max(64).default(8),
    MAG_DEVICE_MSG_RATE: positiveInt.default(1000),
    MAG_DEVICE_MSG_BURST: positiveInt.default(2000),
    MAG_API_RATE: positiveInt.default(1000),
    MAG_API_BURST: positiveInt.default(2000),
    MAG_AUTH_FAIL_MAX: positiveInt.default(20),
    MAG_AUTH_FAIL_WINDOW_S: positiveInt.default(60),
    MAG_MAX_BODY_BYTES: positiveInt.default(256 * 1024),
    MAG_CORS_ORIGINS: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .refine((s) => s.split(',').every((o) => o.trim() === '*' || /^https?:\/\/[^/\s]+$/.test(o.trim())), 'must be a comma-separated list of origins such as https://console.example.com')
        .optional(),
    ),
  })
  .superRefine((c, ctx) => {
    if (c.MAG_INFLUX_URL && c.MAG_INFLUX_API === 'v2') {
      for (const k of ['MAG_INFLUX_ORG', 'MAG_INFLUX_BUCKET', 'MAG_INFLUX_TOKEN'] as const) {
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'is required when MAG_INFLUX_API=v2' });
      }
    }
    if (c.MAG_MQTTS_PORT !== undefined && (!c.MAG_TLS_CERT || !c.MAG_TLS_KEY)) {
      ctx.addIssue({ code: 'custom', path: ['MAG_TLS_CERT'], message: 'MAG_TLS_CERT and MAG_TLS_KEY are required with MAG_MQTTS_PORT' });
    }
  });

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config {
  dataDir: string;
  profilesDir: string;
  host: string;
  mqttPort: number;
  mqttWsPort?: number;
  mqttsPort?: number;
  tls?: { cert: string; key: string; ca?: string };
  httpPort: number;
  adminToken?: string;
  influx: {
    url?: string;
    api: 'v1' | 'v2';
    db: string;
    user?: string;
    password?: string;
    org?: string;
    bucket?: string;
    token?: string;
  };
  logLevel: RawConfig['MAG_LOG_LEVEL'];
  limits: { maxPayloadBytes: number; maxBatchReadings: number; futureToleranceMs: number; backfillDays: number };
  /** Where a tenant without its own time zone sends times without a zone from (IANA name). */
  defaultTimeZone: string;
  /** slowAt: fraction of maxBytes above which acknowledgements are held back (up to slowMaxDelayMs at the cap), and the journal-capacity alert opens. */
  journal: { sync: 'full' | 'normal'; maxBytes: number; commitMs: number; slowAt: number; slowMaxDelayMs: number };
  sink: { batch: number; retryMaxMs: number };
  alerts: { dueSoonDays: number; horizonDays: number; escalationMinutes: number; invalidBurst: number };
  security: {
    maxConnections: number;
    maxTopicLevels: number;
    deviceMsgRate: number;
    deviceMsgBurst: number;
    apiRate: number;
    apiBurst: number;
    authFailMax: number;
    authFailWindowMs: number;
    maxBodyBytes: number;
    /** Empty: CORS off. */
    corsOrigins: string[];
  };
  webhooks: { retryBaseMs: number; maxAttempts: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads KEY=VALUE lines of a `.env` file (no interpolation); process env wins. */
export function readDotEnv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

function describeAllowed(name: string, issue: z.core.$ZodIssue): string {
  if (name.endsWith('_PORT') && issue.code !== 'invalid_value') return 'must be a port number from 0 to 65535';
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'must be a number';
  if (issue.code === 'invalid_value' && 'values' in issue) return `must be one of ${issue.values.join(', ')}`;
  if (issue.code === 'invalid_type') return `must be ${issue.expected}`;
  if (issue.code === 'too_small') return issue.inclusive === false ? `must be greater than ${String(issue.minimum)}` : `must be at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return issue.inclusive === false ? `must be less than ${String(issue.maximum)}` : `must be at most ${String(issue.maximum)}`;
  return issue.message;
}

/** Parses configuration from an environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = { ...readDotEnv('.env'), ...process.env }): Config {
  const picked: Record<string, string | undefined> = {};
  // An empty value (`MAG_MQTT_PORT=` in a .env) means unset: the default applies (z.coerce would read "" as 0).
  for (const k of Object.keys(ConfigSchema.shape)) picked[k] = env[k] === '' ? undefined : env[k];
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '');
        const value = env[name];
        const shown = value === undefined ? '' : name.match(/TOKEN|PASSWORD|KEY|SECRET/) ? ' (value hidden)' : ` (got "${value}")`;
        return `${name}: ${describeAllowed(name, i)}${shown}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    dataDir: resolve(c.MAG_DATA_DIR),
    profilesDir: resolve(c.MAG_PROFILES_DIR),
    host: c.MAG_HOST,
    mqttPort: c.MAG_MQTT_PORT,
    mqttWsPort: c.MAG_MQTT_WS_PORT,
    mqttsPort: c.MAG_MQTTS_PORT,
    tls: c.MAG_TLS_CERT && c.MAG_TLS_KEY ? { cert: c.MAG_TLS_CERT, key: c.MAG_TLS_KEY, ca: c.MAG_TLS_CA } : undefined,
    httpPort: c.MAG_HTTP_PORT,
    adminToken: c.MAG_ADMIN_TOKEN,
    influx: {
      url: c.MAG_INFLUX_URL,
      api: c.MAG_INFLUX_API,
      db: c.MAG_INFLUX_DB,
      user: c.MAG_INFLUX_USER,
      password: c.MAG_INFLUX_PASSWORD,
      org: c.MAG_INFLUX_ORG,
      bucket: c.MAG_INFLUX_BUCKET,
      token: c.MAG_INFLUX_TOKEN,
    },
    logLevel: c.MAG_LOG_LEVEL,
    limits: {
      maxPayloadBytes: c.MAG_MAX_PAYLOAD_BYTES,
      maxBatchReadings: c.MAG_MAX_BATCH_READINGS,
      futureToleranceMs: c.MAG_FUTURE_TOLERANCE_MS,
      backfillDays: c.MAG_BACKFILL_DAYS,
    },
    defaultTimeZone: c.MAG_DEFAULT_TIME_ZONE,
    journal: {
      sync: c.MAG_JOURNAL_SYNC,
      maxBytes: c.MAG_JOURNAL_MAX_BYTES,
      commitMs: c.MAG_JOURNAL_COMMIT_MS,
      slowAt: c.MAG_JOURNAL_SLOW_AT_PERCENT / 100,
      slowMaxDelayMs: c.MAG_JOURNAL_SLOW_MAX_MS,
    },
    sink: { batch: c.MAG_SINK_BATCH, retryMaxMs: c.MAG_SINK_RETRY_MAX_MS },
    alerts: {
      dueSoonDays: c.MAG_DUE_SOON_DAYS,
      horizonDays: c.MAG_ALERT_HORIZON_DAYS,
      escalationMinutes: c.MAG_ESCALATION_MINUTES,
      invalidBurst: c.MAG_INVALID_BURST,
    },
    security: {
      maxConnections: c.MAG_MAX_CONNECTIONS,
      maxTopicLevels: c.MAG_MAX_TOPIC_LEVELS,
      deviceMsgRate: c.MAG_DEVICE_MSG_RATE,
      deviceMsgBurst: c.MAG_DEVICE_MSG_BURST,
      apiRate: c.MAG_API_RATE,
      apiBurst: c.MAG_API_BURST,
      authFailMax: c.MAG_AUTH_FAIL_MAX,
      authFailWindowMs: c.MAG_AUTH_FAIL_WINDOW_S * 1000,
      maxBodyBytes: c.MAG_MAX_BODY_BYTES,
      corsOrigins: c.MAG_CORS_ORIGINS ? c.MAG_CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    },
    webhooks: { retryBaseMs: c.MAG_WEBHOOK_RETRY_BASE_MS, maxAttempts: c.MAG_WEBHOOK_MAX_ATTEMPTS },
  };
}
