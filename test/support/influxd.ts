// Starts a real InfluxDB 1.x (`influxd` from Debian) on free ports with its own
// temporary data directory, for integration tests and benchmarks.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface InfluxdHandle {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server (SIGTERM, then SIGKILL); keeps its data for a restart. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
  /** The running server's process id (undefined when stopped). */
  readonly pid: number | undefined;
  /** Runs an InfluxQL query and returns the parsed JSON body. */
  query(q: string, db?: string): Promise<InfluxQueryResult>;
}

export interface InfluxQueryResult {
  results: { statement_id: number; series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[]; error?: string }[];
}

export function influxdBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v influxd'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'influxd (InfluxDB 1.x) is not installed, and the integration tests need a real InfluxDB. ' +
        'Install it with: apt-get update && apt-get install -y influxdb   (or run `bash .ci/run`, which does it)',
    );
  }
}

export async function startInfluxd(): Promise<InfluxdHandle> {
  const bin = influxdBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'mag-influxd-'));
  const port = await freePort();
  const rpcPort = await freePort();
  const conf = join(dataDir, 'influxdb.conf');
  writeFileSync(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dataDir}/meta"
[data]
  dir = "${dataDir}/data"
  wal-dir = "${dataDir}/wal"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "10s"
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
[logging]
  level = "warn"
[continuous_queries]
  enabled = false
`,
  );
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let stderr = '';

  async function launch(): Promise<void> {
    stderr = '';
    child = spawn(bin, ['-config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}: ${stderr}`);
      try {
        const res = await fetch(`${url}/ping`);
        if (res.status === 204) return;
      } catch {
        /* not yet listening */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`influxd did not answer /ping on ${url} within 30 s: ${stderr}`);
  }

  async function stop(): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }

  await launch();
  return {
    url,
    port,
    dataDir,
    stop,
    restart: launch,
    get pid() {
      return child && child.exitCode === null ? child.pid : undefined;
    },
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async query(q: string, db = 'mag') {
      const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`);
      if (!res.ok) throw new Error(`InfluxQL ${q} failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as InfluxQueryResult;
    },
  };
}
