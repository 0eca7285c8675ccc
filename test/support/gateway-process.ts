// Runs the real gateway as a CHILD PROCESS (`node bin/mag.mjs start`), for fault-injection
// tests and the soak script: fixed ports and data dir across restarts, SIGKILL / SIGTERM,
// /healthz polling, the API with the bootstrap admin token, device registration.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { freePort } from './ports.ts';
import { currentVerification } from './certificates.ts';
import type { InfluxdHandle } from './influxd.ts';

export const PROCESS_ADMIN_TOKEN = 'proc-admin-token-0123456789';
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

export interface GatewayProcess {
  dataDir: string;
  api: string;
  mqttUrl: string;
  mqttPort: number;
  httpPort: number;
  /** The running child's pid (undefined when not running). */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Last lines of the child's stdout/stderr (JSON logs), for failure messages. */
  output(): string;
  /** Starts the child (again) on the same ports and data dir; resolves once /healthz answers. */
  start(timeoutMs?: number): Promise<void>;
  /** Sends a signal; resolves with the exit code (or signal name) once the child has exited. */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Registers tenant (if new), device and a valid verification certificate; returns the MQTT secret. */
  device(opts: { id: string; tenant?: string; type: string }): Promise<string>;
  /** Polls /readyz until the journal is empty. */
  drained(timeoutMs?: number): Promise<void>;
  /** Kills the child (SIGKILL if still up) and removes the data dir unless it was given. */
  destroy(): Promise<void>;
}

export async function createGatewayProcess(env: Record<string, string> = {}, dataDir?: string): Promise<GatewayProcess> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'mag-gwp-'));
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const api = `http://127.0.0.1:${httpPort}`;
  const fullEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MAG_DATA_DIR: dir,
    MAG_MQTT_PORT: String(mqttPort),
    MAG_HTTP_PORT: String(httpPort),
    MAG_HOST: '127.0.0.1',
    MAG_ADMIN_TOKEN: PROCESS_ADMIN_TOKEN,
    MAG_LOG_LEVEL: process.env.MAG_TEST_LOG_LEVEL ?? 'warn',
    ...env,
  };
  let child: ChildProcess | undefined;
  let tail = '';
  const tenants = new Set<string>();

  const call: GatewayProcess['call'] = async (method, path, body) => {
    const res = await fetch(api + path, {
      method,
      headers: { authorization: `Bearer ${PROCESS_ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* metrics text */
    }
    return { status: res.status, body: parsed as any };
  };

  const gp: GatewayProcess = {
    dataDir: dir,
    api,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    mqttPort,
    httpPort,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    output: () => tail,
    async start(timeoutMs = 45_000) {
      if (gp.running) throw new Error('gateway child already running');
      const c = spawn(process.execPath, [join(ROOT, 'bin/mag.mjs'), 'start'], { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      const keep = (d: Buffer) => {
        tail = (tail + d.toString()).slice(-6000);
      };
      c.stdout!.on('data', keep);
      c.stderr!.on('data', keep);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (c.exitCode !== null || c.signalCode !== null)
          throw new Error(`gateway child exited during start-up (code ${c.exitCode}, signal ${c.signalCode}): ${tail}`);
        try {
          const res = await fetch(`${api}/healthz`, { signal: AbortSignal.timeout(2000) });
          if (res.status === 200) return;
        } catch {
          /* not listening yet */
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      c.kill('SIGKILL');
      throw new Error(`gateway child did not answer ${api}/healthz within ${timeoutMs} ms: ${tail}`);
    },
    async kill(signal, timeoutMs = 30_000) {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return { code: c?.exitCode ?? null, signal: c?.signalCode ?? null, ms: 0 };
      const t0 = Date.now();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => c.once('exit', (code, sig) => r({ code, signal: sig })));
      c.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          c.kill('SIGKILL');
          reject(new Error(`gateway child did not exit within ${timeoutMs} ms of ${signal}: ${tail}`));
        }, timeoutMs);
      });
      try {
        const r = await Promise.race([exited, timeout]);
        return { ...r, ms: Date.now() - t0 };
      } finally {
        clearTimeout(timer);
      }
    },
    call,
    async device(o) {
      const tenant = o.tenant ?? 'acme';
      if (!tenants.has(tenant)) {
        const r = await call('POST', '/api/v1/tenants', { id: tenant, name: tenant, region: 'VN-HN' });
        if (r.status !== 201 && r.status !== 409) throw new Error(`tenant: ${r.status} ${JSON.stringify(r.body)}`);
        tenants.add(tenant);
      }
      const r = await call('POST', '/api/v1/devices', { id: o.id, tenant, type: o.type, serial: `SN-${o.id}` });
      if (r.status !== 201) throw new Error(`device: ${r.status} ${JSON.stringify(r.body)}`);
      const c = await call('POST', `/api/v1/devices/${o.id}/certificates`, currentVerification(o.id, o.type));
      if (c.status !== 201) throw new Error(`certificate: ${c.status} ${JSON.stringify(c.body)}`);
      return r.body.secret as string;
    },
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      while (Date.now() < deadline) {
        const r = await call('GET', '/readyz');
        last = r.body?.journal;
        if (r.body?.journal?.backlogPoints === 0 && r.body?.journal?.backlogBytes === 0) return;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error(`gateway child journal not drained within ${timeoutMs} ms: ${JSON.stringify(last)}`);
    },
    async destroy() {
      if (gp.running) await gp.kill('SIGKILL').catch(() => undefined);
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return gp;
}

/** A simulated device for fault tests: publishes readings with a QoS 1 window and tracks which seqs got a PUBACK. */
export class StreamDevice {
  readonly sent = new Set<number>();
  readonly acked = new Set<number>();
  client: MqttClient | undefined;

  constructor(
    readonly id: string,
    readonly secret: string,
    /** The reading's time for a seq: fixed, so a replay overwrites the same point. */
    readonly tsOf: (seq: number) => number,
  ) {}

  async connect(mqttUrl: string, opts: IClientOptions = {}): Promise<MqttClient> {
    this.client?.end(true);
    const c = await mqtt.connectAsync(mqttUrl, {
      clientId: this.id,
      username: this.id,
      password: this.secret,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    });
    c.setMaxListeners(0);
    c.on('error', () => undefined);
    this.client = c;
    return c;
  }

  payload(seq: number): string {
    return JSON.stringify({ seq, ts: this.tsOf(seq), quantity: 'pressure', value: 1000 + (seq % 100) / 10, unit: 'hPa' });
  }

  /** Publishes one reading at QoS 1; resolves on PUBACK, rejects if the connection closes first. */
  publishOne(seq: number): Promise<void> {
    const c = this.client;
    if (!c || !c.connected) return Promise.reject(new Error(`${this.id} not connected`));
    return new Promise<void>((resolve, reject) => {
      const onClose = () => reject(new Error(`${this.id}: connection closed before PUBACK of seq ${seq}`));
      c.once('close', onClose);
      this.sent.add(seq);
      c.publish(`instruments/${this.id}/readings`, this.payload(seq), { qos: 1 }, (err) => {
        c.off('close', onClose);
        if (err) return reject(err);
        this.acked.add(seq);
        resolve();
      });
    });
  }

  /**
   * Publishes `seqs` with up to `window` messages awaiting their PUBACK; resolves when all are
   * acknowledged, rejects at the first connection loss (the rest stay unacknowledged).
   * `perSecond` paces the stream (a device's rate); `shouldStop` ends it early.
   */
  async publishAll(seqs: number[], window: number, opts: { perSecond?: number; shouldStop?: () => boolean } = {}): Promise<void> {
    let next = 0;
    let failed: Error | undefined;
    const t0 = Date.now();
    const lane = async () => {
      while (!failed && !opts.shouldStop?.() && next < seqs.length) {
        const k = next++;
        const seq = seqs[k];
        if (opts.perSecond) {
          const due = t0 + (k * 1000) / opts.perSecond - Date.now();
          if (due > 0) await new Promise((r) => setTimeout(r, due));
        }
        try {
          await this.publishOne(seq);
        } catch (e) {
          failed ??= e as Error;
        }
      }
    };
    await Promise.all(Array.from({ length: window }, lane));
    if (failed) throw failed;
  }

  /** Seqs sent (or to be sent, up to `upto`) that have no PUBACK yet. */
  unacked(upto: number): number[] {
    const out: number[] = [];
    for (let s = 1; s <= upto; s++) if (!this.acked.has(s)) out.push(s);
    return out;
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true).catch(() => undefined);
  }
}

/**
 * Kills the `influxd` of a handle with SIGKILL (no shutdown: what it acknowledged must survive
 * in its own WAL). The process is the one the handle spawned, found by its config file path.
 * Start it again with `handle.restart()`.
 */
export async function sigkillInfluxd(h: InfluxdHandle): Promise<void> {
  const conf = join(h.dataDir, 'influxdb.conf');
  const pid = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .find((d) => {
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        return argv.includes(conf) && argv.some((a) => a.endsWith('influxd'));
      } catch {
        return false;
      }
    });
  if (!pid) throw new Error(`no running influxd with config ${conf}`);
  process.kill(Number(pid), 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${h.url}/ping`, { signal: AbortSignal.timeout(500) });
    } catch {
      return; // gone
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`influxd (pid ${pid}) still answers ${h.url}/ping after SIGKILL`);
}
