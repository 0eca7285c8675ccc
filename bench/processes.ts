// The benchmark's child processes and what it asks them: the gateway (`node bin/mag.mjs start`,
// its state database seeded directly), forked TypeScript scripts over IPC (load generator, bare
// broker), and InfluxDB's count of what was stored. Shared by bench/run.ts and bench/cold.ts.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config.ts';
import { openStateDb } from '../src/store/db.ts';
import type { StateExecutor } from '../src/store/executor.ts';
import { PostgresState } from '../src/store/postgres.ts';
import { Registry } from '../src/store/registry.ts';
import { hashSecret } from '../src/store/secrets.ts';
import { StandardStore } from '../src/store/standards.ts';
import type { ReferenceStandard, StandardCertificate } from '../src/metrology/traceability.ts';
import type { InfluxdHandle } from '../test/support/influxd.ts';
import { freePort } from '../test/support/ports.ts';
import { type ProcSample, round } from './lib.ts';

export const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mib = (b: number) => round(b / 1024 / 1024, 1);

// ── forked scripts, IPC ──────────────────────────────────────────────────────────────────
export interface Rpc {
  child: ChildProcess;
  call<T = any>(cmd: string, args?: Record<string, unknown>): Promise<T>;
}

/** Request/answer over a forked child's IPC channel: { id, cmd, ...args } → { id, ok, result | error }. */
export function rpc(child: ChildProcess): Rpc {
  let next = 1;
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
    if (m.id === undefined) return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(m.error));
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`child exited with ${code}`));
    waiting.clear();
  });
  return {
    child,
    call(cmd, args = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, cmd, ...args });
      });
    },
  };
}

export function forkTs(script: string, args: string[] = []): ChildProcess {
  return fork(join(PACKAGE_ROOT, 'bin/run.mjs'), [script, ...args], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export function waitMessage<T>(child: ChildProcess, pred: (m: any) => boolean, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('child did not answer in time')), ms);
    const on = (m: any) => {
      if (!pred(m)) return;
      clearTimeout(t);
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
  });
}

/** A fresh load generator (bench/loadgen.ts), ready for commands. */
export async function startLoadgen(): Promise<Rpc> {
  const child = forkTs('bench/loadgen.ts');
  await waitMessage(child, (m) => m.ready === true);
  return rpc(child);
}

/** A fresh bare aedes broker (bench/bare-broker.ts) and its URL. */
export async function startBareBroker(): Promise<{ child: ChildProcess; url: string }> {
  const child = forkTs('bench/bare-broker.ts');
  const port = (await waitMessage<{ port: number }>(child, (m) => m.type === 'listening')).port;
  return { child, url: `mqtt://127.0.0.1:${port}` };
}

// ── the gateway ─────────────────────────────────────────────────────────────────────────
export interface GatewayProc {
  child: ChildProcess;
  pid: number;
  api: string;
  mqttUrl: string;
  profileDir?: string;
  logPath: string;
  /** process.hrtime at spawn, µs (CLOCK_MONOTONIC, the clock of V8's profile timestamps). */
  spawnedAtUs: number;
  /** Set before stopping it on purpose (no "exited unexpectedly" message). */
  stopping: boolean;
}

export interface SeededDevice {
  id: string;
  type: string;
  /** Verification certificate: valid (issued 30 days ago, valid 150 days more) or expired 10 days ago. */
  verification: 'valid' | 'expired';
}

/**
 * Seeds the state DB with a tenant and its devices, all sharing one secret (hashing 10,000
 * secrets would take minutes), each with a verification certificate.
 */
export function seedDevices(dataDir: string, tenant: string, secret: string, devices: readonly SeededDevice[]): void {
  const db = openStateDb(dataDir);
  const registry = new Registry(db);
  db.transaction(() => {
    for (const write of seedWrites(registry, tenant, secret, devices)) write();
  });
  db.close();
}

/** Seeds the tenant's reference standards with their certificates (bench/traffic.ts mixedStandards). */
export function seedStandards(dataDir: string, standards: readonly { standard: ReferenceStandard; certificate: StandardCertificate }[]): void {
  const db = openStateDb(dataDir);
  const store = new StandardStore(db);
  const now = new Date();
  db.transaction(() => {
    for (const { standard, certificate } of standards) {
      if (store.get(standard.id)) continue;
      store.create(standard, 'bench', now);
      store.addCertificate(standard.id, certificate, 'bench', now);
    }
  });
  store.stop();
  db.close();
}

/** The same on a cluster's shared state in PostgreSQL (MAG_STATE_URL). */
export async function seedDevicesShared(stateUrl: string, tenant: string, secret: string, devices: readonly SeededDevice[]): Promise<void> {
  const db = await PostgresState.connect(stateUrl);
  try {
    const registry = await Registry.open(db);
    for (const write of seedWrites(registry, tenant, secret, devices)) await write();
  } finally {
    await db.close();
  }
}

/** The writes seeding `devices`, in order: the tenant (if new), then each device and its certificate. */
function seedWrites<S extends StateExecutor>(registry: Registry<S>, tenant: string, secret: string, devices: readonly SeededDevice[]): (() => unknown)[] {
  const now = new Date();
  const day = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const hash = hashSecret(secret);
  const t = now.getTime();
  const writes: (() => unknown)[] = [];
  if (!registry.tenant(tenant)) writes.push(() => registry.createTenant({ id: tenant, name: 'Benchmark', region: 'VN-HN' }, now));
  for (const d of devices) {
    const [issuedAt, validUntil] = d.verification === 'valid' ? [t - 30 * day, t + 150 * day] : [t - 375 * day, t - 10 * day];
    writes.push(
      () => registry.createDeviceWithSecretHash({ id: d.id, tenant, type: d.type, serial: `SN-${d.id}` }, hash, now),
      () =>
        registry.addCertificate(
          d.id,
          { kind: 'verification', number: `V-${d.id}`, issuedBy: 'QUATEST 1', issuedAt: iso(issuedAt), validUntil: iso(validUntil) },
          'bench',
          now,
        ),
    );
  }
  return writes;
}

export interface GatewayStart {
  dataDir: string;
  influxUrl: string;
  adminToken: string;
  /** InfluxDB database (default the gateway's, `mag`). */
  influxDb?: string;
  profile?: boolean;
  /** Node flags for the gateway process. */
  nodeOptions?: string[];
  journalSync?: string;
  /** More environment for the gateway (cluster mode: MAG_AMQP_URLS, MAG_NODE_ID). */
  env?: Record<string, string>;
  /** The checkout whose gateway runs (default this one; bench/ab.ts runs another revision's beside it). */
  root?: string;
}

export async function startGatewayProc(s: GatewayStart): Promise<GatewayProc> {
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const profileDir = s.profile ? mkdtempSync(join(tmpdir(), 'mag-bench-prof-')) : undefined;
  const logPath = join(s.dataDir, 'gateway.log');
  const out = createWriteStream(logPath);
  const nodeArgs = [
    ...(s.nodeOptions ?? []),
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    join(s.root ?? PACKAGE_ROOT, 'bin/mag.mjs'),
    'start',
  ];
  const spawnedAtUs = Number(process.hrtime.bigint() / 1000n);
  const child = spawn(process.execPath, nodeArgs, {
    cwd: s.root ?? PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MAG_DATA_DIR: s.dataDir,
      MAG_HOST: '127.0.0.1',
      MAG_MQTT_PORT: String(mqttPort),
      MAG_HTTP_PORT: String(httpPort),
      MAG_INFLUX_URL: s.influxUrl,
      MAG_INFLUX_API: 'v1',
      ...(s.influxDb ? { MAG_INFLUX_DB: s.influxDb } : {}),
      MAG_ADMIN_TOKEN: s.adminToken,
      MAG_LOG_LEVEL: 'warn',
      // After the drain test's outage the forwarder retries within 1 s (default backoff cap: 30 s).
      MAG_SINK_RETRY_MAX_MS: '1000',
      // The per-device message rate limit (default 1000/s, burst 2000) protects the gateway from
      // one runaway device; the throughput scenarios send 4,000+ readings per device in seconds,
      // so it is lifted here (otherwise QoS 1 is held back to the device's rate and QoS 0 beyond
      // it is dropped: the benchmark would measure the limit, not the gateway).
      MAG_DEVICE_MSG_RATE: '10000000',
      MAG_DEVICE_MSG_BURST: '10000000',
      ...(s.journalSync ? { MAG_JOURNAL_SYNC: s.journalSync } : {}),
      ...s.env,
    },
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const g: GatewayProc = {
    child,
    pid: child.pid!,
    api: `http://127.0.0.1:${httpPort}`,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    profileDir,
    logPath,
    spawnedAtUs,
    stopping: false,
  };
  child.once('exit', (code, signal) => {
    if (!g.stopping) log(`GATEWAY EXITED unexpectedly (code ${code}, signal ${signal}); its log: ${logPath}`);
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}; see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    try {
      const r = await fetch(`${g.api}/readyz`);
      if (r.status === 200) return g;
    } catch {
      /* not yet */
    }
    await sleep(50);
  }
  throw new Error('gateway not ready within 60 s');
}

/** SIGTERM, and waits for the exit (the CPU profile is written then); SIGKILL after 30 s. */
export async function stopGatewayProc(g: GatewayProc): Promise<void> {
  if (g.child.exitCode !== null || g.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => g.child.once('exit', () => r()));
  g.stopping = true;
  g.child.kill('SIGTERM');
  const t = setTimeout(() => g.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(t);
}

/**
 * Points committed to the journal and confirmed by the sink since the gateway started, from its
 * /readyz (a quarter of the CPU of rendering /metrics, which polled every 50 ms cost the gateway
 * ~3 % of a QoS 0 run).
 */
export async function gatewayCounts(g: GatewayProc): Promise<{ accepted: number; delivered: number }> {
  const body = (await (await fetch(`${g.api}/readyz`)).json()) as { journal: { committedPoints: number; deliveredPoints: number } };
  return { accepted: body.journal.committedPoints, delivered: body.journal.deliveredPoints };
}

/** The gateway's journal commits since its start, from /metrics (read once before and after a run: rendering it costs the gateway ~1 ms). */
export async function gatewayCommits(g: GatewayProc): Promise<{ commits: number; synced: number; sinkWrites: number }> {
  const text = await (await fetch(`${g.api}/metrics`)).text();
  const of = (synced: string) => Number(new RegExp(`^mag_journal_commits_total\\{synced="${synced}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0); // a label at 0 is left out
  const synced = of('true');
  const sinkWrites = Number(/^mag_sink_writes (\d+)/m.exec(text)?.[1] ?? 0);
  return { commits: synced + of('false'), synced, sinkWrites };
}

/**
 * Polls /readyz every 50 ms until `n` more points are committed (journaled) and then delivered
 * (confirmed by the sink); stop() gives the times each was first seen (undefined: not seen).
 */
export function watchGateway(
  g: GatewayProc,
  before: { accepted: number; delivered: number },
  n: number,
): { stop(): Promise<{ journaledAt?: number; deliveredAt?: number }> } {
  const seen: { journaledAt?: number; deliveredAt?: number } = {};
  let running = true;
  const loop = (async () => {
    while (running && seen.deliveredAt === undefined) {
      try {
        const c = await gatewayCounts(g);
        if (seen.journaledAt === undefined && c.accepted >= before.accepted + n) seen.journaledAt = Date.now();
        if (c.delivered >= before.delivered + n) seen.deliveredAt = Date.now();
      } catch {
        /* next poll */
      }
      if (seen.deliveredAt === undefined) await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

export async function apiCall(g: GatewayProc, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(g.api + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw Object.assign(new Error(`${method} ${path}: HTTP ${res.status} ${text}`), { status: res.status });
  return text ? JSON.parse(text) : undefined;
}

export async function readyz(
  g: GatewayProc,
): Promise<{ journal: { backlogPoints: number; backlogBytes: number; drainRatePointsPerSecond: number }; sink: { up: boolean } }> {
  const r = await fetch(`${g.api}/readyz`);
  return (await r.json()) as any;
}

export function cpuBetween(a: ProcSample, b: ProcSample): { cpuSeconds: number; cpuPct: number } {
  const cpu = b.cpuSeconds - a.cpuSeconds;
  return { cpuSeconds: round(cpu, 2), cpuPct: round((100 * cpu) / Math.max((b.at - a.at) / 1000, 1e-3), 1) };
}

// ── InfluxDB ────────────────────────────────────────────────────────────────────────────
/** Readings with ts ≥ floor in InfluxDB (-1 when the query fails). */
export async function storedSince(influx: InfluxdHandle, floor: number, db = 'mag'): Promise<number> {
  try {
    const r = await influx.query(`SELECT count(value) FROM reading WHERE time >= ${floor}ms`, db);
    return Number(r.results[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
  } catch {
    return -1;
  }
}

/**
 * Polls InfluxDB every `everyMs` until `expected` readings with ts ≥ floor are stored; returns the
 * time (ms epoch) it saw them. Past 90 % of them it polls every 10 ms: the end of a run is then
 * seen within ~10 ms instead of up to `everyMs` late (5 % of a 2 s run at 100 ms).
 *
 * With `delivered` (the gateway's count of the run's points InfluxDB has confirmed), that count is
 * polled first, every 50 ms and every 5 ms past 90 %, and InfluxDB only once it is complete (then
 * every 10 ms until its count agrees). A count over a run's 200,000 points costs influxd ~33 ms
 * of CPU; polled through the run it took CPU from the gateway on this 2-core machine. The run
 * still ends when InfluxQL counts every reading. `deliveredExpected` is what `delivered` must
 * reach (default `expected`: one point per reading); `count` replaces the InfluxQL count.
 *
 * `ackedAt` is when `delivered` reached it: influxd had answered the write of the last point
 * (after its WAL write: the point is stored and queryable then). `storedAt()` takes it as the
 * run's end once the count agrees; `at` adds the count query's own ~35 ms.
 */
export async function waitStored(
  influx: InfluxdHandle,
  floor: number,
  expected: number,
  timeoutMs: number,
  everyMs = 100,
  stallMs = 20_000,
  delivered?: () => Promise<number>,
  count: () => Promise<number> = () => storedSince(influx, floor),
  deliveredExpected = expected,
): Promise<{ at: number; stored: number; complete: boolean; ackedAt?: number }> {
  const deadline = Date.now() + timeoutMs;
  let stored = 0;
  let last = -1;
  let lastChange = Date.now();
  let ackedAt: number | undefined;
  if (delivered) {
    everyMs = 10;
    while (Date.now() < deadline) {
      const d = await delivered().catch(() => -1);
      if (d >= deliveredExpected) {
        ackedAt = Date.now();
        break;
      }
      if (d !== last) {
        last = d;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > stallMs) {
        log(`the gateway's delivered count is stuck at ${d} of ${deliveredExpected} for ${stallMs / 1000} s; counting in InfluxDB instead`);
        break;
      }
      await sleep(d >= deliveredExpected * 0.9 ? 5 : 50);
    }
    last = -1;
    lastChange = Date.now();
  }
  while (Date.now() < deadline) {
    stored = await count();
    if (stored >= expected) return { at: Date.now(), stored, complete: true, ackedAt };
    if (stored !== last) {
      last = stored;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      log(`stored count stuck at ${stored} of ${expected} for ${stallMs / 1000} s; giving up on this scenario`);
      break;
    }
    await sleep(stored >= expected * 0.9 ? Math.min(10, everyMs) : everyMs);
  }
  return { at: Date.now(), stored, complete: false };
}

/** The end of a run: when influxd acknowledged its last point, confirmed by the count; else when counted. */
export function storedAt(r: { at: number; complete: boolean; ackedAt?: number }): number {
  return r.complete && r.ackedAt !== undefined ? r.ackedAt : r.at;
}
