// `npm run bench:ab -- --a <revision> [--b <dir>] [--rate 12000] [--seconds 12] [--rounds 5]
//   [--qos 1] [--traffic plain|mixed]`: two gateways side by side, the code of revision A (a git
// worktree made for it, this checkout's node_modules linked in) and this checkout's (B), each
// with its own data directory and its own load generator, both writing to one InfluxDB, both
// given the same load at the same time. Prints each gateway's CPU per message, round by round,
// and the median of B / A.
//
// Why: on this 2-core virtual machine the speed of everything swings by up to 2× within minutes
// (the bare broker's CPU per QoS 1 message went from 13 to 21 µs between runs of the same code),
// so a change's few per cent cannot be told from runs one after the other, and the hardware
// counters (`perf stat -e instructions`) are not available. Two gateways running through the
// same seconds see the same machine: their ratio holds when the machine's speed does not.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { PACKAGE_ROOT } from '../src/config.ts';
import { startInfluxd } from '../test/support/influxd.ts';
import { procSample, round } from './lib.ts';
import { type GatewayProc, forkTs, log, rpc, type SeededDevice, sleep, startGatewayProc, stopGatewayProc, waitMessage, type Rpc } from './processes.ts';
import { mixedFleet } from './traffic.ts';

const { values: opt } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    rate: { type: 'string', default: '12000' },
    seconds: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '5' },
    qos: { type: 'string', default: '1' },
    clients: { type: 'string', default: '50' },
    window: { type: 'string', default: '64' },
    traffic: { type: 'string', default: 'plain' },
    'gateway-node-options': { type: 'string', default: '--max-semi-space-size=64 --min-semi-space-size=64' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help || !opt.a) {
  process.stdout.write(
    'usage: npm run bench:ab -- --a <git revision or checkout dir> [--b <checkout dir, default this one>]\n' +
      '  [--rate 12000 (msg/s to each gateway)] [--seconds 12] [--rounds 5] [--qos 1] [--clients 50] [--window 64] [--traffic plain|mixed]\n',
  );
  process.exit(opt.help ? 0 : 2);
}
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
const ROUNDS = Number(opt.rounds);
const QOS = Number(opt.qos) as 0 | 1;
const CLIENTS = Number(opt.clients);
const WINDOW = Number(opt.window);
const TRAFFIC = opt.traffic === 'mixed' ? 'mixed' : 'plain';
const NODE_OPTIONS = opt['gateway-node-options']!.split(/\s+/).filter(Boolean);

/** A checkout directory for `ref`: itself when it is one, else a detached worktree of that revision. */
function checkout(ref: string): { dir: string; label: string; cleanup: () => void } {
  if (existsSync(join(ref, 'bin/mag.mjs'))) return { dir: resolve(ref), label: ref, cleanup: () => undefined };
  const rev = execFileSync('git', ['rev-parse', '--short', ref], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), `mag-ab-${rev}-`));
  rmSync(dir, { recursive: true });
  execFileSync('git', ['worktree', 'add', '--detach', dir, rev], { cwd: PACKAGE_ROOT, stdio: 'ignore' });
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    label: rev,
    cleanup: () => execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: PACKAGE_ROOT, stdio: 'ignore' }),
  };
}

/**
 * Seeds a side's data directory with that side's own code (its bench/processes.ts seedDevices, in
 * a process of its own): the state database then has the schema that side's gateway knows, so
 * a revision from before a state migration of the other starts (seeded with this checkout's
 * code it would refuse a schema newer than it knows).
 */
function seedWith(codeDir: string, dataDir: string, devices: readonly SeededDevice[]): void {
  const input = join(dataDir, 'ab-seed.json');
  writeFileSync(input, JSON.stringify({ dataDir, tenant: 'bench', secret: SECRET, devices }));
  const processes = pathToFileURL(join(codeDir, 'bench/processes.ts')).href;
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { register } from 'tsx/esm/api'; import { readFileSync, rmSync } from 'node:fs'; register();
       const { seedDevices } = await import(${JSON.stringify(processes)});
       const s = JSON.parse(readFileSync(${JSON.stringify(input)}, 'utf8'));
       seedDevices(s.dataDir, s.tenant, s.secret, s.devices);
       rmSync(${JSON.stringify(input)});`,
    ],
    { cwd: codeDir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

const A = checkout(opt.a);
const B = opt.b ? checkout(opt.b) : { dir: PACKAGE_ROOT, label: 'this checkout', cleanup: () => undefined };
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const SECRET = `bench-secret-${randomBytes(12).toString('hex')}`;
const ids = Array.from({ length: CLIENTS }, (_, i) => `ab${String(i).padStart(4, '0')}`);
const fleet = mixedFleet(ids);

interface Side {
  name: string;
  gw: GatewayProc;
  lg: Rpc;
  dataDir: string;
}

const influx = await startInfluxd();
const sides: Side[] = [];
try {
  for (const [name, co] of [
    ['A', A],
    ['B', B],
  ] as const) {
    const dataDir = mkdtempSync(join(tmpdir(), `mag-ab-data-${name}-`));
    seedWith(
      co.dir,
      dataDir,
      TRAFFIC === 'mixed'
        ? fleet.map((m) => ({ id: m.id, type: m.type, verification: m.verified ? ('valid' as const) : ('expired' as const) }))
        : ids.map((id) => ({ id, type: 'barometer', verification: 'valid' as const })),
    );
    const gw = await startGatewayProc({
      dataDir,
      influxUrl: influx.url,
      influxDb: `ab_${name.toLowerCase()}`,
      adminToken: ADMIN_TOKEN,
      nodeOptions: NODE_OPTIONS,
      root: co.dir,
    });
    const child = forkTs('bench/loadgen.ts');
    await waitMessage(child, (m) => m.ready === true);
    const lg = rpc(child);
    await lg.call('connect', {
      pool: 'ab',
      url: gw.mqttUrl,
      devices: TRAFFIC === 'mixed' ? fleet.map((m) => ({ id: m.id, password: SECRET, member: m })) : ids.map((id) => ({ id, password: SECRET })),
      concurrency: 50,
    });
    sides.push({ name, gw, lg, dataDir });
    log(`${name} (${name === 'A' ? A.label : B.label}): gateway pid ${gw.pid}, ${CLIENTS} devices connected`);
  }

  /** Both sides under the same load through the same seconds; CPU per message acknowledged of each. */
  const round_ = async (seconds: number) => {
    const floor = Date.now();
    const before = sides.map((s) => procSample(s.gw.pid));
    const runs = await Promise.all(
      sides.map((s) => s.lg.call('paced', { pool: 'ab', qos: QOS, rate: RATE, seconds, window: WINDOW, floor, traffic: TRAFFIC })),
    );
    const after = sides.map((s) => procSample(s.gw.pid));
    await sleep(500);
    return sides.map((s, i) => ({
      side: s.name,
      acked: runs[i].acked as number,
      skipped: runs[i].skipped as number,
      usPerMessage: round(((after[i].cpuSeconds - before[i].cpuSeconds) * 1e6) / Math.max(1, runs[i].acked), 2),
    }));
  };

  log(`warm-up: ${RATE} msg/s to each for ${Math.min(SECONDS, 10)} s (not counted) …`);
  await round_(Math.min(SECONDS, 10));
  const ratios: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const [a, b] = await round_(SECONDS);
    const ratio = round(b.usPerMessage / a.usPerMessage, 3);
    ratios.push(ratio);
    const skipped = a.skipped + b.skipped > 0 ? ` (skipped for a full window: A ${a.skipped}, B ${b.skipped})` : '';
    log(`round ${r}/${ROUNDS}: A ${a.usPerMessage} µs/msg (${a.acked} acked), B ${b.usPerMessage} µs/msg (${b.acked}); B / A ${ratio}${skipped}`);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  process.stdout.write(
    `gateway CPU per message, B (${B.label}) / A (${A.label}), ${TRAFFIC} QoS ${QOS} at ${RATE} msg/s each: median ${round(median, 3)} ` +
      `(rounds ${ratios.join(', ')}; below 1: B is cheaper)\n`,
  );
} finally {
  for (const s of sides) {
    s.lg.child.kill();
    await stopGatewayProc(s.gw);
    rmSync(s.dataDir, { recursive: true, force: true });
  }
  await influx.destroy();
  A.cleanup();
  B.cleanup();
}
process.exit(0);
