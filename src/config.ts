// Environment → typed configuration. The only reader of process.env (and of `.env`).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { z } from 'zod';
import { isTimeZone } from './ingest/time-zone.ts';
import { DEFAULT_DEAD_LETTERS_MAX } from './journal/dead-letter-cap.ts';

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
    MAG_ADMIN_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional()),
    MAG_INFLUX_URL: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .url('must be an http(s) URL such as http://127.0.0.1:8086')
        .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
        .optional(),
    ),
    MAG_INFLUX_API: z.enum(['v1', 'v2']).default('v1'),
    MAG_INFLUX_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match ^[A-Za-z0-9_-]{1,64}$')
      .default('mag'),
    MAG_INFLUX_USER: optionalString,
    MAG_INFLUX_PASSWORD: optionalString,
    MAG_INFLUX_ORG: optionalString,
    MAG_INFLUX_BUCKET: optionalString,
    MAG_INFLUX_TOKEN: optionalString,
    MAG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Settings beyond docs/contract.md §1; every limit is named and documented in the README.
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
    MAG_DEAD_LETTERS_MAX: positiveInt.default(DEFAULT_DEAD_LETTERS_MAX),
    MAG_DUE_SOON_DAYS: positiveInt.default(30),
    MAG_ALERT_HORIZON_DAYS: positiveInt.default(90),
    MAG_ESCALATION_MINUTES: positiveInt.default(240),
    MAG_INVALID_BURST: positiveInt.default(5),
    MAG_REJECTIONS_PER_DEVICE: positiveInt.max(1_000_000).default(1000),
    MAG_WEBHOOK_RETRY_BASE_MS: positiveInt.default(1000),
    MAG_WEBHOOK_RETRY_MAX_MS: positiveInt.default(3_600_000),
    MAG_WEBHOOK_MAX_ATTEMPTS: positiveInt.max(100).default(36),
    MAG_FUTURE_TOLERANCE_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(5 * 60 * 1000),
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
    // Cluster mode (docs/contract.md §7, docs/cluster.md).
    MAG_STATE_URL: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// (or postgresql://) URL')
        .optional(),
    ),
    MAG_AMQP_URLS: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .refine((s) => s.split(',').every((u) => /^amqps?:\/\/[^\s,]+$/.test(u.trim())), 'must be a comma-separated list of amqp:// or amqps:// URLs')
        .optional(),
    ),
    MAG_NODE_ID: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must match ^[A-Za-z0-9_.-]{1,64}$')
        .optional(),
    ),
    MAG_CLUSTER_PARTITIONS: positiveInt.max(1024).default(16),
    MAG_CLUSTER_QUEUE_MAX_MESSAGES: positiveInt.default(1_000_000),
    MAG_CORS_ORIGINS: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .refine(
          (s) => s.split(',').every((o) => o.trim() === '*' || /^https?:\/\/[^/\s]+$/.test(o.trim())),
          'must be a comma-separated list of origins such as https://console.example.com',
        )
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

/** What the README's configuration table says of one setting (`npm run docs:config` renders it). */
export interface SettingDoc {
  /** What the setting does, and what happens beyond its limit. Markdown, one line. */
  meaning: string;
  /** Allowed values of a text setting (numbers and enumerations are described from the schema). */
  allowed?: string;
  /** The default as a reader should see it, where the schema's value is computed at run time. */
  shownDefault?: string;
}

/**
 * Every setting of ConfigSchema, described once: the README's configuration table is generated
 * from this and the schema (src/config-table.ts), and a test fails when the two disagree. The
 * type makes a new setting without a description a type error.
 */
export const SETTING_DOCS: { readonly [K in keyof typeof ConfigSchema.shape]: SettingDoc } = {
  MAG_DATA_DIR: { allowed: 'path', meaning: 'state database `mag.db`, journal `journal.db`, embedded time series `timeseries.db`' },
  MAG_MQTT_PORT: { meaning: 'MQTT over TCP' },
  MAG_MQTT_WS_PORT: { meaning: 'MQTT over WebSocket; unset: off' },
  MAG_MQTTS_PORT: { meaning: 'MQTT over TLS (needs `MAG_TLS_CERT` and `MAG_TLS_KEY`); unset: off' },
  MAG_TLS_CERT: {
    allowed: 'path',
    meaning: 'PEM certificate (chain) of the gateway; with `MAG_TLS_KEY` the HTTP API is served over HTTPS too. Read at start: restart after renewing it',
  },
  MAG_TLS_KEY: { allowed: 'path', meaning: 'PEM private key of `MAG_TLS_CERT`' },
  MAG_TLS_CA: { allowed: 'path', meaning: 'PEM CA: MQTT over TLS then requires a client certificate signed by it whose CN is the device id' },
  MAG_HTTP_PORT: { meaning: 'HTTP API, console, `/metrics`' },
  MAG_HOST: { allowed: 'address', meaning: 'address every listener binds (`0.0.0.0` in a container)' },
  MAG_ADMIN_TOKEN: { meaning: 'a bootstrap admin API token, accepted but never stored: create named tokens with it, then unset it' },
  MAG_INFLUX_URL: { allowed: 'http(s) URL', meaning: 'InfluxDB base URL; unset: the embedded time-series store in `MAG_DATA_DIR`' },
  MAG_INFLUX_API: { meaning: '`v1`: InfluxDB 1.x `/write` and InfluxQL; `v2`: `/api/v2/write` (InfluxDB 2.x, 3.x, Cloud, 1.8+)' },
  MAG_INFLUX_DB: { allowed: '`[A-Za-z0-9_-]{1,64}`', meaning: 'v1 database (created if missing)' },
  MAG_INFLUX_USER: { allowed: 'text', meaning: 'v1 user' },
  MAG_INFLUX_PASSWORD: { allowed: 'text', meaning: 'v1 password' },
  MAG_INFLUX_ORG: { allowed: 'text', meaning: 'v2 organisation (required with `v2`; 3.x ignores it)' },
  MAG_INFLUX_BUCKET: { allowed: 'text', meaning: 'v2 bucket (required with `v2`; on 3.x the database)' },
  MAG_INFLUX_TOKEN: { allowed: 'text', meaning: 'v2 token allowed to write the bucket (required with `v2`)' },
  MAG_LOG_LEVEL: { meaning: 'log level; logs are JSON lines on stdout' },
  MAG_PROFILES_DIR: {
    allowed: 'path',
    shownDefault: '`devices/` of the package',
    meaning: 'instrument-type profiles, validated at start (format: `devices/README.md`)',
  },
  MAG_MAX_PAYLOAD_BYTES: {
    meaning:
      "largest MQTT payload; a larger one closes the connection, nothing is stored (MQTT 3.1.1 has no other way to refuse a message), and the reason is kept in the device's rejections. A client that sends it again on reconnecting loops: keep batches under this size",
  },
  MAG_MAX_BATCH_READINGS: {
    meaning:
      'most readings in one `{"readings": […]}` or SenML pack; a longer one is rejected whole (reported on `feedback`). The payload must fit `MAG_MAX_PAYLOAD_BYTES` as well: 1,000 readings of ~80 bytes do not fit the default 64 KiB (about 800 do)',
  },
  MAG_JOURNAL_SYNC: { meaning: '`full`: an acknowledged message survives power loss; `normal`: a process crash only (faster)' },
  MAG_JOURNAL_MAX_BYTES: {
    meaning:
      'cap on undelivered points in the journal (a reading counts ~130 bytes). At the cap a QoS 1 message is refused without PUBACK (the device resends it later) and `/readyz` answers 503',
  },
  MAG_JOURNAL_COMMIT_MS: { meaning: 'group-commit window of the journal: appends within it share one transaction and fsync (the latency it adds to a PUBACK)' },
  MAG_JOURNAL_SLOW_AT_PERCENT: {
    meaning: 'journal fill (% of `MAG_JOURNAL_MAX_BYTES`) at which the `journal-capacity` alert opens and PUBACKs start to be held back',
  },
  MAG_JOURNAL_SLOW_MAX_MS: { meaning: 'longest hold of a PUBACK, reached at the cap (growing linearly from 0 at `MAG_JOURNAL_SLOW_AT_PERCENT`)' },
  MAG_SINK_BATCH: { meaning: 'points per write to the sink (also the largest step of a drain)' },
  MAG_SINK_RETRY_MAX_MS: {
    meaning: 'longest back-off between sink retries (from 100 ms, doubling): also the longest wait before a returning InfluxDB is noticed',
  },
  MAG_DEAD_LETTERS_MAX: {
    meaning:
      'points the sink refused kept as dead letters at most (all devices; ~600 bytes each with the reason InfluxDB gives, 0.6 GB at the default). At the cap a newly refused point stays in the journal and the sink is retried, as if it were down (`/readyz` names the cause), until dead letters are replayed or discarded',
  },
  MAG_DUE_SOON_DAYS: { meaning: "verification `due-soon` window (a profile's `dueSoonDays` wins)" },
  MAG_ALERT_HORIZON_DAYS: { meaning: "`predicted-oot` alert horizon (a profile's `drift.horizonDays` other than 90 wins for its type)" },
  MAG_ESCALATION_MINUTES: { meaning: 'an open critical alert not acknowledged within this escalates (notified again), and again after each further period' },
  MAG_INVALID_BURST: { meaning: 'rejected messages of one device within a minute that open an `invalid-data` alert' },
  MAG_REJECTIONS_PER_DEVICE: {
    meaning:
      'rejected messages kept per device as evidence (`GET /devices/{id}/rejections`), the newest; older ones are deleted as new ones come (the `rejection` points in InfluxDB keep the counts)',
  },
  MAG_WEBHOOK_RETRY_BASE_MS: { meaning: 'first webhook retry delay; doubles per failed attempt up to `MAG_WEBHOOK_RETRY_MAX_MS` (±20 % jitter)' },
  MAG_WEBHOOK_RETRY_MAX_MS: { meaning: 'longest wait between two attempts of a webhook delivery (before the ±20 % jitter)' },
  MAG_WEBHOOK_MAX_ATTEMPTS: {
    meaning:
      'webhook delivery attempts, the first included, before the delivery is dead-lettered (`dead`; `POST /webhooks/{id}/deliveries/{deliveryId}/redeliver` sends it again). The defaults try for 24 h 8 min: 1 s doubling to 2048 s, then hourly',
  },
  MAG_FUTURE_TOLERANCE_MS: {
    meaning:
      "how far ahead of the gateway's clock a reading or check may be; further is rejected (`ts`). Old readings are accepted (backfill) back to `MAG_BACKFILL_DAYS` before the device's registration. The API holds the times of what happened to it too (a certificate's `issuedAt`, an inspection's `startedAt`, an inspector's check's `ts`)",
  },
  MAG_MAX_CONNECTIONS: { meaning: 'MQTT connections; one more gets CONNACK 3 (server unavailable)' },
  MAG_MAX_TOPIC_LEVELS: { meaning: 'deepest MQTT topic; a deeper one closes the connection' },
  MAG_DEVICE_MSG_RATE: {
    meaning:
      'messages per second per device: QoS 1 beyond it is held back (journaled, acknowledged once the device is within its rate, its socket paused meanwhile); QoS 0 beyond it is dropped with a rejection on `feedback`',
  },
  MAG_DEVICE_MSG_BURST: { meaning: 'burst allowed above `MAG_DEVICE_MSG_RATE`' },
  MAG_API_RATE: { meaning: 'requests per second per API token; beyond: 429 with `Retry-After`' },
  MAG_API_BURST: { meaning: 'burst allowed above `MAG_API_RATE`' },
  MAG_AUTH_FAIL_MAX: {
    meaning:
      "failed authentications per client address (MQTT and HTTP together) within `MAG_AUTH_FAIL_WINDOW_S`; beyond: CONNACK 5, or 429 with `Retry-After`. The address is the TCP peer: behind a proxy, the proxy's",
  },
  MAG_AUTH_FAIL_WINDOW_S: { meaning: 'window of `MAG_AUTH_FAIL_MAX`, in seconds' },
  MAG_MAX_BODY_BYTES: { meaning: 'largest HTTP request body; a larger one gets 413' },
  MAG_CORS_ORIGINS: { allowed: 'origins, comma-separated, or `*`', meaning: 'origins whose pages may call the API from a browser; unset: CORS off' },
  MAG_BACKFILL_DAYS: { meaning: "readings and checks older than the device's registration minus this many days are refused with a reason" },
  MAG_STATE_URL: {
    allowed: '`postgres://user:password@host:5432/db`',
    meaning:
      "shared state database of a cluster (PostgreSQL 15+; [docs/cluster.md](docs/cluster.md)); unset: SQLite in `MAG_DATA_DIR`. Only with `MAG_AMQP_URLS`; `mag`'s store commands (`token create`, `device add`, …) use it too",
  },
  MAG_AMQP_URLS: {
    allowed: 'AMQP URLs, comma-separated',
    meaning:
      'cluster mode: the RabbitMQ cluster whose quorum queues hold acknowledged messages (a PUBACK waits for its confirm) instead of the local journal; unset: single node ([docs/cluster.md](docs/cluster.md))',
  },
  MAG_NODE_ID: {
    allowed: '`[A-Za-z0-9_.-]{1,64}`',
    shownDefault: 'host name',
    meaning:
      "this node's name in logs (`node`), in `/metrics` (`mag_node_info{node}`) and in the cluster; it also picks the `MAG_AMQP_URLS` entry tried first, so nodes named in sequence (`mag1`, `mag2`, …) spread over the RabbitMQ nodes",
  },
  MAG_CLUSTER_PARTITIONS: {
    meaning:
      'partition queues a cluster spreads devices over (by a hash of the device id). The same on every node; changing it moves devices between queues, so change it only with the queues empty',
  },
  MAG_CLUSTER_QUEUE_MAX_MESSAGES: {
    meaning:
      'messages one partition queue holds while the sink is away; beyond, a device gets no PUBACK and keeps its data (as at `MAG_JOURNAL_MAX_BYTES`). Fixed when the queues are first declared',
  },
  MAG_DEFAULT_TIME_ZONE: {
    allowed: 'an IANA time zone',
    meaning: 'zone in which times sent without a zone (`2026-12-03 10:00:00`) are read, for tenants without their own `timeZone`',
  },
};

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
  sink: { batch: number; retryMaxMs: number; deadLettersMax: number };
  alerts: { dueSoonDays: number; horizonDays: number; escalationMinutes: number; invalidBurst: number; rejectionsPerDevice: number };
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
  webhooks: { retryBaseMs: number; retryMaxMs: number; maxAttempts: number };
  /** Cluster mode (docs/cluster.md): `amqpUrls` empty is a single node. */
  cluster: { stateUrl?: string; amqpUrls: string[]; nodeId: string; partitions: number; queueMaxMessages: number };
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
  // a length, not a number: "at least 16" alone leaves the unit to guess
  const unit = 'origin' in issue && issue.origin === 'string' ? ' characters long' : '';
  if (issue.code === 'too_small')
    return issue.inclusive === false ? `must be greater than ${String(issue.minimum)}${unit}` : `must be at least ${String(issue.minimum)}${unit}`;
  if (issue.code === 'too_big')
    return issue.inclusive === false ? `must be less than ${String(issue.maximum)}${unit}` : `must be at most ${String(issue.maximum)}${unit}`;
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
        const shown = value === undefined ? '' : name.match(/TOKEN|PASSWORD|KEY|SECRET|AMQP_URLS|STATE_URL/) ? ' (value hidden)' : ` (got "${value}")`;
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
    sink: { batch: c.MAG_SINK_BATCH, retryMaxMs: c.MAG_SINK_RETRY_MAX_MS, deadLettersMax: c.MAG_DEAD_LETTERS_MAX },
    alerts: {
      dueSoonDays: c.MAG_DUE_SOON_DAYS,
      horizonDays: c.MAG_ALERT_HORIZON_DAYS,
      escalationMinutes: c.MAG_ESCALATION_MINUTES,
      invalidBurst: c.MAG_INVALID_BURST,
      rejectionsPerDevice: c.MAG_REJECTIONS_PER_DEVICE,
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
    webhooks: { retryBaseMs: c.MAG_WEBHOOK_RETRY_BASE_MS, retryMaxMs: c.MAG_WEBHOOK_RETRY_MAX_MS, maxAttempts: c.MAG_WEBHOOK_MAX_ATTEMPTS },
    cluster: {
      stateUrl: c.MAG_STATE_URL,
      amqpUrls: c.MAG_AMQP_URLS ? c.MAG_AMQP_URLS.split(',').map((u) => u.trim()) : [],
      nodeId: c.MAG_NODE_ID ?? hostname(),
      partitions: c.MAG_CLUSTER_PARTITIONS,
      queueMaxMessages: c.MAG_CLUSTER_QUEUE_MAX_MESSAGES,
    },
  };
}

/** The gateway's limits on one device message: what a sender (`mag simulate`) keeps its batches within. */
export interface MessageLimits {
  /** MAG_MAX_PAYLOAD_BYTES: a larger payload closes the connection. */
  maxPayloadBytes: number;
  /** MAG_MAX_BATCH_READINGS: most readings (or packages) in one batch. */
  maxBatchReadings: number;
}

/**
 * MAG_MAX_PAYLOAD_BYTES and MAG_MAX_BATCH_READINGS read from `env` as the gateway reads them (unset
 * or empty: the gateway's defaults); throws ConfigError naming a bad one.
 */
export function messageLimits(env: Record<string, string | undefined> = {}): MessageLimits {
  const read = <K extends 'MAG_MAX_PAYLOAD_BYTES' | 'MAG_MAX_BATCH_READINGS'>(name: K): number => {
    const r = ConfigSchema.shape[name].safeParse(env[name] === '' ? undefined : env[name]);
    if (!r.success) throw new ConfigError(r.error.issues.map((i) => `${name}: ${describeAllowed(name, i)} (got "${env[name]}")`));
    return r.data;
  };
  return { maxPayloadBytes: read('MAG_MAX_PAYLOAD_BYTES'), maxBatchReadings: read('MAG_MAX_BATCH_READINGS') };
}
