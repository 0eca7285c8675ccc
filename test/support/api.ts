// The HTTP API alone, for route tests: the Hono app over real stores (SQLite state in a temp
// directory, or a PostgreSQL database), an embedded time-series sink, served with
// `app.request(...)`: no broker, no MQTT, no port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createApi } from '../../src/api/app.ts';
import type { ApiDeps, Env } from '../../src/api/http.ts';
import { PACKAGE_ROOT, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { GatewayMetrics } from '../../src/metrics.ts';
import { AuthThrottle } from '../../src/limits.ts';
import { loadProfiles } from '../../src/metrology/profile-loader.ts';
import { openStateDb } from '../../src/store/db.ts';
import type { SqliteState } from '../../src/store/sql.ts';
import { after, type Answer, type StateExecutor } from '../../src/store/executor.ts';
import { PostgresState } from '../../src/store/postgres.ts';
import { Registry, type Device } from '../../src/store/registry.ts';
import { Tokens, type Role } from '../../src/store/tokens.ts';
import { AuditLog } from '../../src/store/audit.ts';
import { DeadLetters } from '../../src/store/dead-letters.ts';
import { DeadLetterReplay } from '../../src/journal/dead-letter-replay.ts';
import { AlertBook } from '../../src/alerts/alert-book.ts';
import { Assurance } from '../../src/alerts/assurance.ts';
import { ReferenceStandards } from '../../src/alerts/reference-standards.ts';
import { AlertNotifier, type RetrySchedule } from '../../src/alerts/notifier.ts';
import { EmbeddedSink } from '../../src/sinks/embedded.ts';
import { LotBook } from '../../src/lots/lot-book.ts';
import { SAMPLING_PLANS_FILE, loadSamplingPlans } from '../../src/metrology/sampling-plans-loader.ts';
import { InspectionStore } from '../../src/store/inspections.ts';
import { CampaignStore } from '../../src/store/campaigns.ts';
import { InspectionService } from '../../src/inspections/inspection-service.ts';
import { CampaignService } from '../../src/inspections/campaign-service.ts';

export const ADMIN = 'route-test-admin-token-0123456789';

/** The stores and services the routes use (real ones), typed as on their database `S`. */
interface Stores<S extends StateExecutor> {
  registry: Registry<S>;
  alerts: AlertBook<S>;
  assurance: Assurance<S>;
  standards: ReferenceStandards<S>;
  audit: AuditLog<S>;
  deadLetters: DeadLetters<S>;
  lots: LotBook<S>;
  tokens: Tokens<S>;
  notifier: AlertNotifier<S>;
  inspections: InspectionService<S>;
  campaigns: CampaignService<S>;
}

export interface ApiUnderTest<S extends StateExecutor = SqliteState> {
  app: Hono<Env>;
  deps: Omit<ApiDeps, keyof Stores<S>> & Stores<S>;
  db: S;
  /** Devices whose MQTT session a route ended (secret rotation). */
  disconnected: string[];
  /** Retained `config` publications a route asked for: device, its verification state, and `lockout` when locked out. */
  published: { device: string; state: string; lockout?: true }[];
  /** A token of `role` (operator: of `tenant`; inspector: of `regions`). */
  token(role: Role, scope?: { tenant?: string; regions?: string[] }): Answer<S, string>;
  /** A request with a bearer token (ADMIN unless given; null for none); the body parsed when JSON. */
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  close(): Answer<S, void>;
}

/** The API over a SQLite state database in a new temporary directory (`webhookRetry`: its notifier's schedule, the default's otherwise). */
export function apiUnderTest(opts: { now?: () => Date; webhookRetry?: RetrySchedule } = {}): ApiUnderTest {
  const dir = mkdtempSync(join(tmpdir(), 'mag-api-'));
  const db = openStateDb(dir);
  const registry = new Registry(db);
  const alerts = new AlertBook(db);
  const setting = settingUp(dir, opts.now);
  const notifier = new AlertNotifier(db, alerts, registry, setting.log, setting.now, opts.webhookRetry); // not started: a delivery is tried when queued or sent again, not retried by itself
  return composed(db, registry, alerts, notifier, setting, () => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The API over the PostgreSQL database at `url` (its stores loaded); `close` ends its connections. */
export async function apiOnPostgres(url: string, opts: { now?: () => Date } = {}): Promise<ApiUnderTest<PostgresState>> {
  const dir = mkdtempSync(join(tmpdir(), 'mag-api-pg-'));
  const db = await PostgresState.connect(url);
  const registry = await Registry.open(db);
  const alerts = await AlertBook.open(db);
  const setting = settingUp(dir, opts.now);
  const notifier = await AlertNotifier.open(db, alerts, registry, setting.log, setting.now);
  const api = composed(db, registry, alerts, notifier, setting, async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await Promise.all([api.deps.standards.loaded, api.deps.lots.loaded]);
  return api;
}

/** What the API needs besides the state database: its configuration, log, clock, profiles and time-series sink. */
function settingUp(dir: string, now: () => Date = () => new Date()) {
  const config = loadConfig({ MAG_DATA_DIR: dir, MAG_ADMIN_TOKEN: ADMIN, MAG_LOG_LEVEL: 'silent' });
  return {
    config,
    now,
    log: createLogger(config.logLevel),
    profiles: loadProfiles(join(PACKAGE_ROOT, 'devices')),
    sink: new EmbeddedSink(join(dir, 'timeseries.db')),
  };
}

function composed<S extends StateExecutor>(
  db: S,
  registry: Registry<S>,
  alerts: AlertBook<S>,
  notifier: AlertNotifier<S>,
  { config, now, log, profiles, sink }: ReturnType<typeof settingUp>,
  closeState: () => Answer<S, void>,
): ApiUnderTest<S> {
  const tokens = new Tokens(db);
  tokens.setBootstrapAdmin(ADMIN);
  const audit = new AuditLog(db, (err) => log.error({ err: err.message }, 'audit append failed'));
  // LotBook's alert book is typed as SQLite's (it does not use what `raise` answers): the same book on PostgreSQL
  const lotAlerts = alerts as unknown as AlertBook;
  const lots = new LotBook(db, registry, profiles, loadSamplingPlans(join(PACKAGE_ROOT, 'devices', SAMPLING_PLANS_FILE)), lotAlerts, config.alerts);
  const inspectionStore = new InspectionStore(db);
  const assurance = new Assurance(db, registry, alerts, profiles, config.alerts, lots, inspectionStore);
  const disconnected: string[] = [];
  const published: { device: string; state: string; lockout?: true }[] = [];
  const publishConfig = (device: Device, force = false) => {
    const standing = assurance.reviewVerification(device, now(), force);
    if (standing) published.push({ device: device.id, state: standing.verification.state, ...(standing.lockout ? { lockout: true as const } : {}) });
  };
  const deadLetters = new DeadLetters(db);
  const standards = new ReferenceStandards(db, registry, alerts, profiles);
  const deps = {
    registry,
    tokens,
    audit,
    alerts,
    assurance,
    standards,
    lots,
    notifier,
    deadLetters,
    deadLetterReplay: new DeadLetterReplay({ db, deadLetters, audit, sink, alerts, now }),
    profiles,
    readings: sink,
    sessions: { disconnect: (id: string) => void disconnected.push(id) },
    readiness: {
      broker: { ports: {}, connectedClients: 0 },
      store: db,
      sink,
      journal: { oldestReceivedAt: () => undefined, fill: 0, backlogPoints: 0, backlogBytes: 0, capacity: 1, totals: { appendedPoints: 0 } },
      forwarder: { sinkHealthy: true, lastError: undefined, drainRate: 0, totals: { deliveredPoints: 0 } },
    } as unknown as ApiDeps['readiness'],
    metrics: new GatewayMetrics(),
    authThrottle: new AuthThrottle(config.security.authFailMax, config.security.authFailWindowMs),
    security: config.security,
    log,
    now,
    publishConfig,
    inspections: new InspectionService({
      store: inspectionStore,
      registry,
      assurance,
      audit,
      profiles,
      publishConfig,
      log,
      now,
      standardOf: (id, tenant) => standards.standardOf(id, tenant),
    }),
    campaigns: new CampaignService({ store: new CampaignStore(db), registry, audit, profiles, publishConfig, now }),
  };
  const app = createApi(deps);
  return {
    app,
    deps,
    db,
    disconnected,
    published,
    token(role, scope = {}) {
      const created = tokens.create({ role, name: `${role}-${scope.tenant ?? scope.regions?.join('+') ?? 'all'}`, ...scope }, 'test', now());
      return after(created, ({ token }) => token) as Answer<S, string>;
    },
    async call(method, path, o = {}) {
      const token = o.token === undefined ? ADMIN : o.token;
      const res = await app.request(path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* CSV */
      }
      return { status: res.status, body, text, headers: res.headers };
    },
    close() {
      void sink.close();
      return closeState();
    },
  };
}
