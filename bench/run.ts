// `npm run bench`: the gateway measured end to end (MQTT in → InfluxDB 1.x stored) next to a
// bare aedes broker that only counts, on the same machine, with the same load. See bench/README.md.
//
// Processes: this orchestrator; influxd (temp dir); the gateway (`node bin/mag.mjs start`);
// the bare broker (bench/bare-broker.ts); the load generator (bench/loadgen.ts).
import { type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { PACKAGE_ROOT } from '../src/config.ts';
import { startInfluxd, type InfluxdHandle } from '../test/support/influxd.ts';
import {
  benchCommit,
  coresBetween,
  machineCpu,
  machineFacts,
  procSample,
  profileByArea,
  profileTop,
  round,
  runQueueSeconds,
  runQueueThreads,
  syscallsPer100,
  type ProcSample,
  dirtyKiB,
  flushDirtyPages,
} from './lib.ts';
import { runCold } from './cold.ts';
import { runPairs, type PairContext, type Side } from './mixed.ts';
import { mixedFleet, mixedStandards } from './traffic.ts';
import {
  apiCall,
  cpuBetween,
  forkTs,
  gatewayCommits,
  gatewayCounts,
  log,
  mib,
  readyz,
  rpc,
  seedDevices,
  seedStandards,
  sleep,
  startGatewayProc,
  stopGatewayProc,
  storedAt,
  waitMessage,
  waitStored,
  watchGateway,
  type GatewayProc,
  type Rpc,
} from './processes.ts';

const { values: opt } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'cold,qos0,qos1,unverified,mixed,mixed-status,latency,cost,drain,steady' },
    scenario: { type: 'string' },
    'cold-influx-db': { type: 'string', default: 'new' },
    clients: { type: 'string', default: '50' },
    window: { type: 'string', default: '64' },
    messages: { type: 'string', default: '200000' },
    repeat: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '50000' },
    devices: { type: 'string', default: '10000' },
    'steady-seconds': { type: 'string', default: '60' },
    'steady-interval-ms': { type: 'string', default: '10000' },
    'latency-seconds': { type: 'string', default: '30' },
    'latency-rate': { type: 'string' },
    drain: { type: 'string', default: '500000' },
    'cost-devices': { type: 'string', default: '5000' },
    'cost-rate': { type: 'string', default: '2000' },
    'cost-seconds': { type: 'string', default: '30' },
    'cost-no-alerts': { type: 'boolean', default: false },
    'cost-repeat': { type: 'string', default: '2' },
    'journal-sync': { type: 'string' },
    profile: { type: 'boolean', default: false },
    client: { type: 'string', default: 'mqttjs' },
    'gateway-node-options': { type: 'string', default: '--max-semi-space-size=64 --min-semi-space-size=64' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
    'cluster-nodes': { type: 'string', default: '1,2,3' },
    'cluster-messages': { type: 'string', default: '60000' },
    'cluster-warmup': { type: 'string', default: '10000' },
    'cluster-latency-seconds': { type: 'string', default: '20' },
  },
});

if (opt.help) {
  process.stdout.write(`npm run bench -- [options]
  --scenarios cold,qos0,qos1,unverified,mixed,mixed-status,latency,cost,drain,steady   which to run (default: all, in this order;
                          --scenario is the same)
  --clients 50            devices for the throughput, latency and drain scenarios
  --window 64             messages in flight per client (QoS 1: unacknowledged; QoS 0: unwritten)
  --messages 200000       readings per throughput run (each of gateway and bare broker, each QoS)
  --repeat 3              throughput pairs (gateway then bare) per QoS, and pairs of the cold, unverified and
                          mixed scenarios; medians reported
  --cold-influx-db new|same  cold: each cold gateway writes into a new InfluxDB database (series created during
                          the run) or all into one (from the second run on, the series exist)
  --warmup 50000          readings sent to each (gateway, bare) before the measured pairs, per QoS (0: none)
  --devices 10000         connected devices of the steady scenario (RSS, CPU)
  --steady-seconds 60     --steady-interval-ms 10000 (one reading per device per interval)
  --latency-seconds 30    --latency-rate <msg/s> (default: half the measured QoS 1 end-to-end rate)
  --drain 500000          readings journaled while InfluxDB is down, then drained
  --cost-devices 5000     --cost-rate 2000  --cost-seconds 30   (50 vs N devices at one total rate;
                          before the first N-device run each of them opens an alert, unless --cost-no-alerts)
  --cost-repeat 2         N-device runs, each between two 50-device runs (few, many, few, many, few)
  --journal-sync full|normal  (gateway MAG_JOURNAL_SYNC; default: the gateway's default, full)
  --client mqttjs|lean    the load generator's MQTT client of the throughput, unverified and mixed pools:
                          mqtt.js, or bench/lean-mqtt.ts (a raw-socket publisher needing a fifth of the CPU)
  --profile               run the gateway under node --cpu-prof and print the top self-time entries
  --gateway-node-options=<flags>  node flags for the gateway process (default --max-semi-space-size=64
                          --min-semi-space-size=64, as npm start
                          and the container image; --gateway-node-options= for none)
  --out <file>            JSON result path (default bench/results/<iso-date>-<commit>.json)
  --keep                  keep the temporary directories (gateway data dir with gateway.log, influxd's) and print them

  --cluster               instead of the scenarios above: cluster mode (bench/cluster.ts). A 3-node RabbitMQ
                          cluster, influxd; RabbitMQ's ceiling (bare amqplib publisher with confirms, bare consumer),
                          the single-node path, then 1, 2 and 3 MAG nodes (MAG_AMQP_URLS); throughput, publish →
                          stored latency and CPU per message of each. Uses --clients, --window, --latency-rate,
                          --gateway-node-options, --out, --keep and:
  --cluster-nodes 1,2,3   MAG node counts to measure
  --cluster-messages 60000  readings of each throughput run (one run per path)
  --cluster-warmup 10000  readings before each path's measured run (not measured)
  --cluster-latency-seconds 20  length of each path's latency run
`);
  process.exit(0);
}

if (opt.cluster) {
  const { runClusterBench } = await import('./cluster.ts');
  await runClusterBench({
    clients: Number(opt.clients),
    window: Number(opt.window),
    messages: Number(opt['cluster-messages']),
    warmup: Number(opt['cluster-warmup']),
    latencySeconds: Number(opt['cluster-latency-seconds']),
    latencyRate: opt['latency-rate'] ? Number(opt['latency-rate']) : undefined,
    nodeCounts: String(opt['cluster-nodes'])
      .split(',')
      .map(Number)
      .filter((n) => n > 0),
    nodeOptions: String(opt['gateway-node-options'] ?? '')
      .split(/\s+/)
      .filter(Boolean),
    out: opt.out,
    keep: Boolean(opt.keep),
  });
  // runClusterBench exits once its report is written; nothing below runs.
  await new Promise(() => undefined);
}

const num = (k: keyof typeof opt) => Number(opt[k]);
const SCENARIOS = new Set(
  String(opt.scenario ?? opt.scenarios)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const CLIENTS = num('clients');
const WINDOW = num('window');
if (opt.client !== 'mqttjs' && opt.client !== 'lean') {
  process.stderr.write(`--client must be mqttjs or lean, not ${opt.client}\n`);
  process.exit(2);
}
const CLIENT = opt.client;
const MESSAGES = num('messages');
const WARMUP = num('warmup');
const REPEAT = Math.max(1, num('repeat'));
const STEADY_DEVICES = num('devices');
const COST_DEVICES = num('cost-devices');
const COST_REPEAT = num('cost-repeat');
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const BENCH_SECRET = `bench-secret-${randomBytes(12).toString('hex')}`;
const TENANT = 'bench';
const deviceId = (i: number) => `b${String(i).padStart(5, '0')}`;
/** The mixed scenario's fleet (types and standing from bench/traffic.ts) and the unverified scenario's barometers. */
const MIXED_FLEET = mixedFleet(Array.from({ length: CLIENTS }, (_, i) => `m${String(i).padStart(5, '0')}`));
/** The mixed-status scenario's baseline: the same fleet, every device verified (its messages all valid). */
const MIXED_VALID_FLEET = mixedFleet(
  Array.from({ length: CLIENTS }, (_, i) => `v${String(i).padStart(5, '0')}`),
  true,
);
const MIXED_FLEETS = SCENARIOS.has('mixed') || SCENARIOS.has('mixed-status');
const UNVERIFIED_IDS = Array.from({ length: CLIENTS }, (_, i) => `u${String(i).padStart(5, '0')}`);
const GATEWAY_NODE_OPTIONS = String(opt['gateway-node-options'] ?? '')
  .split(/\s+/)
  .filter(Boolean);

/** Registers a device through the API (as an operator would), with a valid verification certificate. */
async function registerViaApi(g: GatewayProc, id: string): Promise<string> {
  const d = await apiCall(g, ADMIN_TOKEN, 'POST', '/api/v1/devices', { id, tenant: TENANT, type: 'barometer', serial: `SN-${id}` });
  await apiCall(g, ADMIN_TOKEN, 'POST', `/api/v1/devices/${id}/certificates`, {
    kind: 'verification',
    number: `V-${id}`,
    issuedBy: 'QUATEST 1',
    issuedAt: '2026-01-01T00:00:00Z',
    validUntil: '2099-01-01T00:00:00Z',
  });
  return d.secret as string;
}

// ── main ────────────────────────────────────────────────────────────────────────────────
const results: Record<string, any> = {};
const rows: [string, string][] = [];
const row = (k: string, v: string) => {
  rows.push([k, v]);
  log(`${k}: ${v}`);
};

const commit = benchCommit();
const machine = machineFacts();

const tempDirs: string[] = [];
let influx: InfluxdHandle | undefined;
let gw: GatewayProc | undefined;
let bare: ChildProcess | undefined;
let lg: Rpc | undefined;
const startedAt = new Date();

async function cleanup(): Promise<void> {
  try {
    lg?.child.kill('SIGKILL');
    bare?.kill('SIGKILL');
    if (gw) await stopGatewayProc(gw);
    await influx?.destroy();
  } finally {
    if (opt.keep) log(`kept: ${tempDirs.join(' ')}`);
    else for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  }
}

process.on('SIGINT', () => {
  log('interrupted; cleaning up');
  void cleanup().finally(() => process.exit(130));
});

try {
  log(
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAvgAtStart.join(' ')}; commit ${commit}`,
  );
  influx = await startInfluxd();
  log(`influxd on ${influx.url}`);
  const keepProfile = (src: string, label: string) => {
    mkdirSync(join(PACKAGE_ROOT, 'bench/results'), { recursive: true });
    const keep = join(PACKAGE_ROOT, 'bench/results', `${startedAt.toISOString().replace(/[:.]/g, '-')}-${commit}-${label}.cpuprofile`);
    copyFileSync(src, keep);
    return keep;
  };

  // ── cold start: before the gateway of the other scenarios exists (its minute's work would land in the runs) ──
  if (SCENARIOS.has('cold')) {
    results.cold = await runCold({
      influx,
      clients: CLIENTS,
      messages: MESSAGES,
      window: WINDOW,
      repeat: REPEAT,
      profile: Boolean(opt.profile),
      nodeOptions: GATEWAY_NODE_OPTIONS,
      journalSync: opt['journal-sync'],
      influxDb: opt['cold-influx-db'] === 'same' ? 'same' : 'new',
      tenant: TENANT,
      secret: BENCH_SECRET,
      adminToken: ADMIN_TOKEN,
      tempDirs,
      row,
      keepProfile,
    });
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'mag-bench-'));
  tempDirs.push(dataDir);
  const seeded = [...SCENARIOS].every((s) => s === 'cold') ? CLIENTS : Math.max(CLIENTS, STEADY_DEVICES, CLIENTS + COST_DEVICES);
  const t = Date.now();
  seedDevices(
    dataDir,
    TENANT,
    BENCH_SECRET,
    Array.from({ length: seeded }, (_, i) => ({ id: deviceId(i), type: 'barometer', verification: 'valid' as const })),
  );
  if (MIXED_FLEETS)
    seedDevices(
      dataDir,
      TENANT,
      BENCH_SECRET,
      [...MIXED_FLEET, ...(SCENARIOS.has('mixed-status') ? MIXED_VALID_FLEET : [])].map((m) => ({
        id: m.id,
        type: m.type,
        verification: m.verified ? ('valid' as const) : ('expired' as const),
      })),
    );
  if (MIXED_FLEETS) seedStandards(dataDir, mixedStandards(TENANT, new Date()));
  if (SCENARIOS.has('unverified'))
    seedDevices(
      dataDir,
      TENANT,
      BENCH_SECRET,
      UNVERIFIED_IDS.map((id) => ({ id, type: 'barometer', verification: 'expired' as const })),
    );
  log(
    `seeded ${seeded} barometers (shared secret, verification certificate each) and the fleets of the mixed and unverified scenarios in ${Date.now() - t} ms`,
  );
  gw = await startGatewayProc({
    dataDir,
    influxUrl: influx.url,
    adminToken: ADMIN_TOKEN,
    profile: Boolean(opt.profile),
    nodeOptions: GATEWAY_NODE_OPTIONS,
    journalSync: opt['journal-sync'],
  });
  log(`gateway pid ${gw.pid}: ${gw.mqttUrl}, ${gw.api}${gw.profileDir ? ' (under --cpu-prof)' : ''}`);
  const probeLat = { id: 'probe-lat', password: await registerViaApi(gw, 'probe-lat') };
  const probeAlert = { id: 'probe-alert', password: await registerViaApi(gw, 'probe-alert') };

  bare = forkTs('bench/bare-broker.ts');
  const barePort = (await waitMessage<{ port: number }>(bare, (m) => m.type === 'listening')).port;
  const bareUrl = `mqtt://127.0.0.1:${barePort}`;
  let bareReq = 1;
  const bareCall = <T>(m: Record<string, unknown>, pred: (r: any) => boolean, ms = 600_000): Promise<T> => {
    const p = waitMessage<T>(bare!, pred, ms);
    bare!.send(m);
    return p;
  };
  const lgChild = forkTs('bench/loadgen.ts');
  await waitMessage(lgChild, (m) => m.ready === true);
  lg = rpc(lgChild);

  const tp = Array.from({ length: CLIENTS }, (_, i) => ({ id: deviceId(i), password: BENCH_SECRET }));
  let tpConnected = false;
  const ensureTp = async () => {
    if (tpConnected) return;
    const c = await lg!.call('connect', { pool: 'tp', url: gw!.mqttUrl, devices: tp, concurrency: 50, client: CLIENT });
    log(`connected ${c.connected} clients to the gateway in ${c.ms} ms`);
    tpConnected = true;
  };
  let bareConnected = false;
  const ensureBare = async () => {
    if (bareConnected) return;
    await lg!.call('connect', { pool: 'bare', url: bareUrl, devices: tp.map((d) => ({ id: d.id })), concurrency: 50, client: CLIENT });
    bareConnected = true;
  };
  let floor = Date.now();
  const nextFloor = (maxTs: number) => {
    floor = Math.max(Date.now(), maxTs + 1, floor);
    return floor;
  };
  const maxRate: Record<string, number> = {};

  // ── throughput, QoS 0 and QoS 1: `--repeat` interleaved pairs (gateway, then bare), medians ──
  const median = (xs: number[]) => {
    const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return v.length === 0 ? NaN : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  for (const qos of [0, 1] as const) {
    const name = `qos${qos}`;
    if (!SCENARIOS.has(name)) continue;
    await ensureTp();
    await ensureBare();
    const runs: { gateway: Record<string, any>; bare: Record<string, any>; ratio: number; cpuBudgetUs: Record<string, Record<string, number>> }[] = [];
    if (WARMUP > 0) {
      // Not measured: both processes run their code compiled by the JIT, as a gateway in service
      // does (the first of the measured runs was 10–20 % slower without it).
      log(`${name}: warm-up, ${WARMUP} readings to the gateway and to the bare broker (not measured) …`);
      const wf = nextFloor(0);
      const w = await lg.call('burst', { pool: 'tp', qos, total: WARMUP, window: WINDOW, floor: wf });
      await waitStored(influx, wf, WARMUP, 120_000);
      nextFloor(w.maxTs);
      await lg.call('burst', { pool: 'bare', qos, total: WARMUP, window: WINDOW, floor: Date.now() });
      await sleep(1000);
    }
    for (let rep = 1; rep <= REPEAT; rep++) {
      log(`${name} (${rep}/${REPEAT}): ${MESSAGES} readings from ${CLIENTS} clients, window ${WINDOW}, to the gateway …`);
      // Both halves start with no writeback of other work pending: the gateway's QoS 1 syncs would
      // wait behind it and the bare broker's none (see dirtyKiB).
      flushDirtyPages();
      const dirty0 = dirtyKiB();
      const f = nextFloor(0);
      const s0 = procSample(gw.pid);
      const i0 = procSample(influx.pid!);
      const m0 = machineCpu();
      const rq0 = [gw.pid, influx.pid!, lg.child.pid!].map(runQueueSeconds);
      const counted = await gatewayCounts(gw);
      const commits0 = await gatewayCommits(gw);
      const watch = watchGateway(gw, counted, MESSAGES);
      const b = await lg.call('burst', { pool: 'tp', qos, total: MESSAGES, window: WINDOW, floor: f });
      const sSent = procSample(gw.pid);
      const mSent = machineCpu();
      const stored = await waitStored(influx, f, MESSAGES, 300_000, 100, 20_000, async () => (await gatewayCounts(gw!)).delivered - counted.delivered);
      const s1 = procSample(gw.pid);
      const i1 = procSample(influx.pid!);
      const m1 = machineCpu();
      const rq1 = [gw.pid, influx.pid!, lg.child.pid!].map(runQueueSeconds);
      const dirty1 = dirtyKiB();
      const { journaledAt, deliveredAt } = await watch.stop();
      const commits1 = await gatewayCommits(gw);
      nextFloor(b.maxTs);
      const e2eMs = storedAt(stored) - b.startedAt;
      const gwRate = Math.round((MESSAGES / e2eMs) * 1000);
      await sleep(1000);
      log(`${name} (${rep}/${REPEAT}): the same to the bare broker …`);
      // Each request gets its own id, captured by value (a predicate reading the shared counter
      // after it was incremented never matched, and the bare half waited for its timeout).
      const countId = bareReq++;
      const before = await bareCall<{ received: number }>({ type: 'count', id: countId }, (m) => m.type === 'count' && m.id === countId);
      const expectId = bareReq++;
      const reachedP = bareCall<{ at: number }>(
        { type: 'expect', id: expectId, total: before.received + MESSAGES },
        (m) => m.type === 'reached' && m.id === expectId,
      );
      const bare0 = procSample(bare!.pid!);
      const bm0 = machineCpu();
      const brq0 = [bare!.pid!, lg.child.pid!].map(runQueueSeconds);
      const bb = await lg.call('burst', { pool: 'bare', qos, total: MESSAGES, window: WINDOW, floor: Date.now() });
      let giveUp: NodeJS.Timeout | undefined;
      const reached = await Promise.race([reachedP, new Promise<{ at: number }>((r) => (giveUp = setTimeout(() => r({ at: NaN }), 120_000)))]);
      clearTimeout(giveUp);
      const bare1 = procSample(bare!.pid!);
      const bm1 = machineCpu();
      const brq1 = [bare!.pid!, lg.child.pid!].map(runQueueSeconds);
      reachedP.catch(() => undefined);
      const bareMs = reached.at - bb.startedAt;
      const bareRate = Math.round((MESSAGES / bareMs) * 1000);
      const gateway = {
        sendMs: b.ms,
        acceptRate: b.rate,
        storedMs: e2eMs,
        // When the gateway had journaled them all (its /readyz, polled every 50 ms): the rest of storedMs is the sink.
        journaledMs: journaledAt === undefined ? null : journaledAt - b.startedAt,
        // When the sink had confirmed them all (the gateway's /readyz, polled every 50 ms; storedMs polls its count every 5 ms).
        deliveredMs: deliveredAt === undefined ? null : deliveredAt - b.startedAt,
        // When InfluxQL counted them all: storedMs plus the count query (~35 ms for 200,000 points).
        countedMs: stored.at - b.startedAt,
        influxdCpuSeconds: round(i1.cpuSeconds - i0.cpuSeconds, 2),
        endToEndRate: gwRate,
        stored: stored.stored,
        complete: stored.complete,
        publishErrors: b.errors,
        cpuWhileSending: cpuBetween(s0, sSent),
        cpuToStored: cpuBetween(s0, s1),
        cpuUsPerMessage: round(((s1.cpuSeconds - s0.cpuSeconds) * 1e6) / MESSAGES, 1),
        rssMiB: mib(s1.rssBytes),
        loadgenCpuMs: b.loadgenCpuMs,
        // messages per journal commit: how many each fsync (QoS 1) acknowledges
        journalCommits: commits1.commits - commits0.commits,
        messagesPerCommit: round(MESSAGES / Math.max(1, commits1.commits - commits0.commits), 1),
        // points per write to InfluxDB (influxd's cost per point grows below ~1,500)
        pointsPerSinkWrite: round(MESSAGES / Math.max(1, commits1.sinkWrites - commits0.sinkWrites), 0),
        // the machine's cores, on average from the first publish to the last reading stored: busy, idle, stolen
        cores: coresBetween(m0, m1, s1.at - s0.at),
        coresWhileSending: coresBetween(m0, mSent, sSent.at - s0.at),
        // threads waiting for a CPU, on average (gateway, influxd, load generator): runnable but not running
        runQueue: runQueueThreads(rq0, rq1, s1.at - s0.at),
        // system calls of the gateway per 100 messages: reads (socket reads: how many messages a read carries) and writes
        sysUsPerMessage: round(((s1.sysSeconds - s0.sysSeconds) * 1e6) / MESSAGES, 1),
        syscallsPer100: syscallsPer100(s0, s1, MESSAGES),
        // the machine's dirty pages and writeback (KiB) at the start and the end of the gateway's half
        dirtyKiB: { start: dirty0, end: dirty1 },
      };
      const bareCpuUs = round(((bare1.cpuSeconds - bare0.cpuSeconds) * 1e6) / MESSAGES, 1);
      // The machine's CPU per message on each side (µs): what the two cores are shared by.
      const budget = {
        gateway: {
          gateway: gateway.cpuUsPerMessage,
          influxd: round((gateway.influxdCpuSeconds * 1e6) / MESSAGES, 1),
          loadgen: round((b.loadgenCpuMs * 1e3) / MESSAGES, 1),
        },
        bare: { broker: bareCpuUs, loadgen: round((bb.loadgenCpuMs * 1e3) / MESSAGES, 1) },
      };
      runs.push({
        gateway,
        bare: {
          ms: bareMs,
          rate: bareRate,
          sendRate: bb.rate,
          loadgenCpuMs: bb.loadgenCpuMs,
          cpuUsPerMessage: bareCpuUs,
          sysUsPerMessage: round(((bare1.sysSeconds - bare0.sysSeconds) * 1e6) / MESSAGES, 1),
          cores: coresBetween(bm0, bm1, bare1.at - bare0.at),
          runQueue: runQueueThreads(brq0, brq1, bare1.at - bare0.at),
          syscallsPer100: syscallsPer100(bare0, bare1, MESSAGES),
        },
        ratio: round(gwRate / bareRate, 3),
        cpuBudgetUs: budget,
      });
      const bareRun = runs[runs.length - 1].bare;
      log(
        `${name} (${rep}/${REPEAT}): gateway ${gwRate} msg/s${stored.complete ? '' : ` INCOMPLETE (${stored.stored} stored)`} ` +
          `(sent in ${b.ms} ms, journaled in ${gateway.journaledMs ?? '?'} ms, stored (acknowledged by influxd) in ${e2eMs} ms, counted in ${gateway.countedMs} ms; gateway CPU ${gateway.cpuUsPerMessage} µs/msg, ${gateway.messagesPerCommit} msg/commit, ${gateway.pointsPerSinkWrite} points/write, influxd CPU ${gateway.influxdCpuSeconds} s), ` +
          `bare ${bareRate} msg/s, ratio ${((100 * gwRate) / bareRate).toFixed(1)} %; ` +
          `CPU µs/msg gateway ${budget.gateway.gateway} + influxd ${budget.gateway.influxd} + load ${budget.gateway.loadgen} against bare ${budget.bare.broker} + load ${budget.bare.loadgen}; ` +
          `cores busy/idle/stolen gateway ${gateway.cores.busy}/${gateway.cores.idle}/${gateway.cores.steal} (while sending ${gateway.coresWhileSending.busy}/${gateway.coresWhileSending.idle}; waiting for a CPU: gateway/influxd/load ${gateway.runQueue.join('/')}; bare/load ${bareRun.runQueue.join('/')}) bare ${bareRun.cores.busy}/${bareRun.cores.idle}/${bareRun.cores.steal}; ` +
          `publish → PUBACK ms gateway ${JSON.stringify(b.ackMs)} bare ${JSON.stringify(bb.ackMs)}; kernel µs/msg gateway ${gateway.sysUsPerMessage} bare ${bareRun.sysUsPerMessage}; syscalls per 100 msg: gateway read ${gateway.syscallsPer100.read} write ${gateway.syscallsPer100.write}, bare read ${bareRun.syscallsPer100.read} write ${bareRun.syscallsPer100.write}; ` +
          `dirty/writeback KiB at the gateway half's start ${dirty0.dirty}/${dirty0.writeback}, end ${dirty1.dirty}/${dirty1.writeback}`,
      );
      await sleep(2000);
    }
    const gwRate = Math.round(median(runs.map((r) => r.gateway.endToEndRate)));
    const bareRate = Math.round(median(runs.map((r) => r.bare.rate)));
    const ratio = round(median(runs.map((r) => r.ratio)), 3);
    const cpuUs = round(median(runs.map((r) => r.gateway.cpuUsPerMessage)), 1);
    const rss = Math.max(...runs.map((r) => r.gateway.rssMiB));
    const incomplete = runs.filter((r) => !r.gateway.complete).length;
    maxRate[name] = gwRate;
    results[name] = {
      messages: MESSAGES,
      clients: CLIENTS,
      window: WINDOW,
      repeat: REPEAT,
      median: { endToEndRate: gwRate, bareRate, ratio, cpuUsPerMessage: cpuUs },
      runs,
    };
    const spread = (xs: number[]) => (xs.length > 1 ? `; runs ${xs.join(', ')}` : '');
    row(
      `QoS ${qos} gateway end-to-end (stored in InfluxDB)`,
      `${gwRate} msg/s  (median of ${REPEAT} × ${MESSAGES}${spread(runs.map((r) => r.gateway.endToEndRate))}; gateway CPU ${cpuUs} µs/message; RSS ≤ ${rss} MiB)${incomplete ? `  ${incomplete} run(s) INCOMPLETE` : ''}`,
    );
    row(`QoS ${qos} bare aedes (counted)`, `${bareRate} msg/s  (median${spread(runs.map((r) => r.bare.rate))})`);
    row(
      `QoS ${qos} ratio gateway / bare`,
      `${(100 * ratio).toFixed(1)} %  (median of the ${REPEAT} side-by-side pairs${spread(runs.map((r) => round(100 * r.ratio, 1)))}; target ≥ ${qos === 1 ? 90 : 50} %, issue 17)`,
    );
  }

  // ── all valid vs all unverified, all valid vs a realistic mix: interleaved pairs on the warm gateway ──
  // mixed-status: the mixed fleet as it is against the same fleet all valid (what status costs, apart from message types)
  for (const name of ['unverified', 'mixed', 'mixed-status'] as const) {
    if (!SCENARIOS.has(name)) continue;
    await ensureTp();
    const fleetDevices = (fleet: typeof MIXED_FLEET) => fleet.map((m) => ({ id: m.id, password: BENCH_SECRET, member: m }));
    // the load generator's pools of the scenario: its devices, and for mixed-status the all-valid fleet beside them
    type Pool = [name: string, devices: { id: string; password: string }[]];
    const pools: Pool[] =
      name === 'unverified'
        ? [[name, UNVERIFIED_IDS.map((id) => ({ id, password: BENCH_SECRET }))]]
        : [[name, fleetDevices(MIXED_FLEET)], ...(name === 'mixed-status' ? [['mixed-valid', fleetDevices(MIXED_VALID_FLEET)] as Pool] : [])];
    for (const [pool, devices] of pools) await lg.call('connect', { pool, url: gw.mqttUrl, devices, concurrency: 50, client: CLIENT });
    const prefixes = name === 'unverified' ? ['u'] : name === 'mixed' ? ['m'] : ['m', 'v'];
    const alertsByKind = async () => {
      const list = (await apiCall(gw!, ADMIN_TOKEN, 'GET', '/api/v1/alerts?state=open&limit=5000')) as { items: { device: string; kind: string }[] };
      const out: Record<string, number> = {};
      for (const a of list.items) if (prefixes.includes(a.device[0])) out[a.kind] = (out[a.kind] ?? 0) + 1;
      return out;
    };
    const ctx: PairContext = { lg, gw, influx, nextFloor, row, messages: MESSAGES, repeat: REPEAT, warmup: WARMUP, window: WINDOW, alertsByKind };
    const sides: Record<typeof name, [Side, Side]> = {
      unverified: [
        { label: 'all valid', pool: 'tp', traffic: 'plain' },
        { label: 'unverified', pool: 'unverified', traffic: 'plain' },
      ],
      mixed: [
        { label: 'all valid', pool: 'tp', traffic: 'plain' },
        { label: 'mixed', pool: 'mixed', traffic: 'mixed' },
      ],
      'mixed-status': [
        { label: 'mixed fleet all valid', pool: 'mixed-valid', traffic: 'mixed-valid' },
        { label: 'mixed', pool: 'mixed-status', traffic: 'mixed' },
      ],
    };
    results[name] = await runPairs(ctx, name, ...sides[name]);
    for (const [pool] of pools) await lg.call('disconnect', { pool });
  }
  if (results.cold && results.qos1) {
    row(
      'cold start against warm',
      `${round(results.cold.median.gatewayRate / results.qos1.median.endToEndRate, 2)}× the warm QoS 1 rate (${results.cold.median.gatewayRate} against ${results.qos1.median.endToEndRate} msg/s; ${results.qos1.messages} readings a warm run)`,
    );
  }

  // ── latency: publish → stored, failing check → SSE alert, at about half the max rate ──
  if (SCENARIOS.has('latency')) {
    await ensureTp();
    const rate = opt['latency-rate'] ? num('latency-rate') : Math.max(100, Math.round((maxRate.qos1 ?? 4000) / 2));
    const seconds = num('latency-seconds');
    log(`latency: ${rate} msg/s QoS 1 over ${CLIENTS} clients for ${seconds} s, a probe at 20/s and a failing check at 5/s …`);
    const f = nextFloor(0);
    const s0 = procSample(gw.pid);
    const r = await lg.call('paced', {
      pool: 'tp',
      qos: 1,
      rate,
      seconds,
      window: WINDOW,
      floor: f,
      latency: { device: probeLat, url: gw.mqttUrl, rate: 20, influxUrl: influx.url, db: 'mag', pollMs: 20 },
      alerts: { device: probeAlert, url: gw.mqttUrl, rate: 5, apiUrl: gw.api, token: ADMIN_TOKEN },
    });
    const s1 = procSample(gw.pid);
    nextFloor(r.maxTs);
    results.latency = {
      targetRate: rate,
      achievedRate: r.rate,
      seconds: r.seconds,
      skipped: r.skipped,
      publishToStoredMs: r.latency,
      checkToSseAlertMs: r.alerts,
      gateway: cpuBetween(s0, s1),
    };
    row(
      `latency publish → stored @ ${r.rate} msg/s`,
      `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms (n ${r.latency.n}, lost ${r.latency.lost}; target p99 ≤ 2000)`,
    );
    row(
      'latency failing check → SSE alert',
      `p50 ${r.alerts.p50} ms, p99 ${r.alerts.p99} ms, max ${r.alerts.max} ms (n ${r.alerts.n}, lost ${r.alerts.lost}; target p99 ≤ 250)`,
    );
    await sleep(2000);
  }

  // ── per-message cost: 50 vs N devices at the same total rate ──
  if (SCENARIOS.has('cost')) {
    await ensureTp();
    const rate = num('cost-rate');
    const seconds = num('cost-seconds');
    const many = Array.from({ length: COST_DEVICES }, (_, i) => ({ id: deviceId(CLIENTS + i), password: BENCH_SECRET }));
    const c = await lg.call('connect', { pool: 'many', url: gw.mqttUrl, devices: many, concurrency: 100 });
    log(`cost: connected ${c.connected} more clients in ${c.ms} ms`);
    await sleep(3000);
    let openAlerts: number | undefined;
    const phases: Record<string, any>[] = [];
    // few (no alert open yet), then the N devices each open an alert, then many, few, many, …:
    // interleaved pairs, so that a drift of the machine or of the gateway's heap over the run
    // falls on both sides; the later `few` phases also show the cost with N open alerts.
    const order: ['few' | 'many', string, number][] = [['few', 'tp', CLIENTS]];
    for (let k = 0; k < COST_REPEAT; k++) order.push(['many', 'many', COST_DEVICES], ['few', 'tp', CLIENTS]);
    for (const [label, poolName, n] of order) {
      if (label === 'many' && openAlerts === undefined && !opt['cost-no-alerts']) {
        // From here on, each of the N devices carries one open out-of-tolerance alert.
        const fc = await lg.call('failingChecks', { pool: 'many', floor: nextFloor(0) });
        nextFloor(fc.maxTs);
        await sleep(2000);
        const list = await apiCall(gw, ADMIN_TOKEN, 'GET', '/api/v1/alerts?state=open&limit=5000').catch(() => undefined);
        openAlerts = Array.isArray(list?.items) ? list.items.length : undefined; // the API lists at most 5,000
        log(`cost: ${fc.sent} failing checks sent in ${fc.ms} ms (${fc.errors} errors); open alerts: ${openAlerts ?? 'unknown'}`);
      }
      log(`cost: ${rate} msg/s from ${n} devices for ${seconds} s …`);
      const f = nextFloor(0);
      const s0 = procSample(gw.pid);
      const r = await lg.call('paced', {
        pool: poolName,
        qos: 1,
        rate,
        seconds,
        window: WINDOW,
        floor: f,
        latency: { device: probeLat, url: gw.mqttUrl, rate: 10, influxUrl: influx.url, db: 'mag', pollMs: 20 },
      });
      const stored = await waitStored(influx, f, r.sent, 60_000);
      const s1 = procSample(gw.pid);
      nextFloor(r.maxTs);
      const cpu = cpuBetween(s0, s1);
      const phase = {
        label,
        devices: n,
        openAlerts: openAlerts ?? 0,
        rate: r.rate,
        sent: r.sent,
        stored: stored.stored,
        cpuSeconds: cpu.cpuSeconds,
        cpuPct: cpu.cpuPct,
        cpuUsPerMessage: round((cpu.cpuSeconds * 1e6) / Math.max(r.sent, 1), 1),
        rssMiB: mib(s1.rssBytes),
        publishToStoredMs: r.latency,
      };
      phases.push(phase);
      log(
        `cost @ ${r.rate} msg/s from ${n} devices (${phase.openAlerts} open alerts): ${phase.cpuUsPerMessage} µs gateway CPU per message (${cpu.cpuPct} % CPU), p99 publish → stored ${r.latency.p99} ms`,
      );
      await sleep(2000);
    }
    const us = (label: string, alerts?: boolean) =>
      phases.filter((p) => p.label === label && (alerts === undefined || p.openAlerts > 0 === alerts)).map((p) => p.cpuUsPerMessage as number);
    const median = (xs: number[]) => {
      const a = [...xs].sort((x, y) => x - y);
      return a.length === 0 ? NaN : a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    };
    // each many phase against the mean of the few phases either side of it
    const pairRatios = phases.flatMap((p, i) =>
      p.label === 'many' && phases[i - 1]?.label === 'few' && phases[i + 1]?.label === 'few'
        ? [round(p.cpuUsPerMessage / ((phases[i - 1].cpuUsPerMessage + phases[i + 1].cpuUsPerMessage) / 2), 2)]
        : [],
    );
    const out: Record<string, any> = {
      phases,
      few: { devices: CLIENTS, cpuUsPerMessage: round(median(us('few')), 1), runs: us('few') },
      many: { devices: COST_DEVICES, openAlerts, cpuUsPerMessage: round(median(us('many')), 1), runs: us('many') },
      pairRatios,
      ratioManyOverFew: round(median(pairRatios), 2),
      // the 50 devices before any alert was open, against the same 50 devices with N open alerts
      ratioOpenAlerts: openAlerts ? round(median(us('few', true)) / median(us('few', false)), 2) : undefined,
    };
    results.cost = out;
    row(
      `cost @ ${rate} msg/s from ${CLIENTS} devices`,
      `${out.few.cpuUsPerMessage} µs gateway CPU per message (median; runs ${out.few.runs.join(', ')}; the first before any alert was open)`,
    );
    row(
      `cost @ ${rate} msg/s from ${COST_DEVICES} devices`,
      `${out.many.cpuUsPerMessage} µs gateway CPU per message (median; runs ${out.many.runs.join(', ')}; ${openAlerts ?? 0} open alerts)`,
    );
    row(
      `cost ratio ${COST_DEVICES} / ${CLIENTS} devices`,
      `${out.ratioManyOverFew}× CPU per message (median of ${pairRatios.length} ${COST_DEVICES}-device runs, each against the mean of the ${CLIENTS}-device runs either side: ${pairRatios.join(', ')})`,
    );
    if (out.ratioOpenAlerts !== undefined) row(`cost ratio ${CLIENTS} devices with / without ${openAlerts} open alerts`, `${out.ratioOpenAlerts}×`);
    await lg.call('disconnect', { pool: 'many' });

    // The control: the same runs against the bare broker, which does nothing per device but what
    // aedes and TCP do. Whatever grows with the number of connections there is not the gateway's.
    await ensureBare();
    const bc = await lg.call('connect', { pool: 'bare-many', url: bareUrl, devices: many.map((d) => ({ id: d.id })), concurrency: 100 });
    log(`cost: connected ${bc.connected} more clients to the bare broker in ${bc.ms} ms`);
    await sleep(3000);
    const barePhases: Record<string, any>[] = [];
    for (const [label, poolName, n] of [
      ['few', 'bare', CLIENTS],
      ['many', 'bare-many', COST_DEVICES],
      ['few', 'bare', CLIENTS],
    ] as const) {
      const b0 = procSample(bare.pid!);
      const r = await lg.call('paced', { pool: poolName, qos: 1, rate, seconds, window: WINDOW, floor: nextFloor(0) });
      const b1 = procSample(bare.pid!);
      nextFloor(r.maxTs);
      const cpu = cpuBetween(b0, b1);
      barePhases.push({
        label,
        devices: n,
        rate: r.rate,
        sent: r.sent,
        cpuSeconds: cpu.cpuSeconds,
        cpuUsPerMessage: round((cpu.cpuSeconds * 1e6) / Math.max(r.sent, 1), 1),
      });
      log(`cost, bare broker @ ${r.rate} msg/s from ${n} devices: ${barePhases[barePhases.length - 1].cpuUsPerMessage} µs CPU per message`);
      await sleep(2000);
    }
    await lg.call('disconnect', { pool: 'bare-many' });
    out.bare = {
      phases: barePhases,
      ratioManyOverFew: round(barePhases[1].cpuUsPerMessage / ((barePhases[0].cpuUsPerMessage + barePhases[2].cpuUsPerMessage) / 2), 2),
    };
    row(
      `cost ratio ${COST_DEVICES} / ${CLIENTS} devices, bare aedes`,
      `${out.bare.ratioManyOverFew}× CPU per message (${barePhases.map((p) => p.cpuUsPerMessage).join(' / ')} µs: few, many, few)`,
    );
  }

  // ── drain: InfluxDB down, N readings journaled, InfluxDB back, time to empty ──
  if (SCENARIOS.has('drain')) {
    await ensureTp();
    const n = num('drain');
    log(`drain: stopping influxd, journaling ${n} readings …`);
    await influx.stop();
    const f = nextFloor(0);
    const b = await lg.call('burst', { pool: 'tp', qos: 1, total: n, window: WINDOW, floor: f });
    nextFloor(b.maxTs);
    let rz = await readyz(gw);
    const deadline = Date.now() + 30_000;
    while (rz.journal.backlogPoints < n && Date.now() < deadline) {
      await sleep(100);
      rz = await readyz(gw);
    }
    const backlogBytes = rz.journal.backlogBytes;
    const backlogPoints = rz.journal.backlogPoints;
    const rssFull = procSample(gw.pid).rssBytes;
    log(
      `drain: ${backlogPoints} points (${mib(backlogBytes)} MiB) in the journal after ${(b.ms / 1000).toFixed(1)} s (${b.rate} msg/s while the sink was down); restarting influxd …`,
    );
    const t0 = Date.now();
    const s0 = procSample(gw.pid);
    await influx.restart();
    const up = Date.now();
    let firstProgress = 0;
    let emptyAt = 0;
    while (Date.now() < up + 600_000) {
      rz = await readyz(gw);
      if (!firstProgress && rz.journal.backlogPoints < backlogPoints) firstProgress = Date.now();
      if (rz.journal.backlogPoints === 0) {
        emptyAt = Date.now();
        break;
      }
      await sleep(100);
    }
    const s1 = procSample(gw.pid);
    const stored = await waitStored(influx, f, n, 30_000);
    results.drain = {
      points: backlogPoints,
      journalMiB: mib(backlogBytes),
      journalRate: b.rate,
      influxRestartMs: up - t0,
      firstDeliveryAfterRestartMs: firstProgress ? firstProgress - up : null,
      emptyAfterRestartMs: emptyAt ? emptyAt - up : null,
      drainRate: emptyAt ? Math.round(backlogPoints / ((emptyAt - (firstProgress || up)) / 1000)) : null,
      stored: stored.stored,
      complete: stored.complete,
      gateway: { ...cpuBetween(s0, s1), rssMiBWithFullJournal: mib(rssFull), rssMiBAfter: mib(s1.rssBytes) },
    };
    row(
      `drain ${backlogPoints} readings (${mib(backlogBytes)} MiB journal)`,
      emptyAt
        ? `empty ${((emptyAt - up) / 1000).toFixed(1)} s after influxd was back (${results.drain.drainRate} points/s; influxd restart took ${((up - t0) / 1000).toFixed(1)} s)`
        : 'NOT EMPTY within 10 min',
    );
    await sleep(2000);
  }

  // ── N connected devices at a steady rate: RSS and CPU ──
  if (SCENARIOS.has('steady')) {
    if (tpConnected) await lg.call('disconnect', { pool: 'tp' });
    tpConnected = false;
    const seconds = num('steady-seconds');
    const intervalMs = num('steady-interval-ms');
    await sleep(2000);
    const idle = procSample(gw.pid);
    log(`steady: connecting ${STEADY_DEVICES} devices …`);
    const devices = Array.from({ length: STEADY_DEVICES }, (_, i) => ({ id: deviceId(i), password: BENCH_SECRET }));
    const c = await lg.call('connect', { pool: 'steady', url: gw.mqttUrl, devices, concurrency: 200, keepalive: 300 });
    const connected = procSample(gw.pid);
    log(`steady: ${c.connected} connected in ${(c.ms / 1000).toFixed(1)} s; one reading per device every ${intervalMs / 1000} s for ${seconds} s …`);
    const f = nextFloor(0);
    const samples: ProcSample[] = [procSample(gw.pid)];
    const sampler = setInterval(() => samples.push(procSample(gw!.pid)), 5000);
    const r = await lg.call('steady', { pool: 'steady', intervalMs, seconds, floor: f });
    clearInterval(sampler);
    samples.push(procSample(gw.pid));
    nextFloor(r.maxTs);
    const stored = await waitStored(influx, f, r.sent, 60_000);
    const cpu = cpuBetween(samples[0], samples[samples.length - 1]);
    const rss = samples.map((s) => s.rssBytes);
    results.steady = {
      devices: c.connected,
      connectMs: c.ms,
      rateMsgPerS: round(r.sent / seconds, 1),
      sent: r.sent,
      acked: r.acked,
      stored: stored.stored,
      rssMiB: {
        idleBeforeConnect: mib(idle.rssBytes),
        afterConnect: mib(connected.rssBytes),
        min: mib(Math.min(...rss)),
        max: mib(Math.max(...rss)),
        last: mib(rss[rss.length - 1]),
      },
      rssSeriesMiB: samples.map((s) => mib(s.rssBytes)),
      cpuPct: cpu.cpuPct,
      cpuUsPerMessage: round((cpu.cpuSeconds * 1e6) / Math.max(r.sent, 1), 1),
    };
    row(
      `steady ${c.connected} devices, ${results.steady.rateMsgPerS} msg/s`,
      `RSS ${results.steady.rssMiB.max} MiB max (idle ${mib(idle.rssBytes)} MiB before connecting), CPU ${cpu.cpuPct} % (target < 1024 MiB)`,
    );
    row(`steady connect storm`, `${c.connected} devices in ${(c.ms / 1000).toFixed(1)} s`);
    await lg.call('disconnect', { pool: 'steady' });
  }

  machine.loadAvgAtEnd = loadavg().map((x) => round(x, 2));
  await lg.call('disconnect', { pool: 'bare' }).catch(() => undefined);
  await lg.call('disconnect', { pool: 'tp' }).catch(() => undefined);

  // Stop the gateway gracefully (the CPU profile is written at exit).
  await stopGatewayProc(gw);
  if (gw.profileDir) {
    const file = readdirSync(gw.profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      const src = join(gw.profileDir, file);
      const top = profileTop(src, 25, PACKAGE_ROOT);
      const areas = profileByArea(src, PACKAGE_ROOT);
      results.profile = { totalMs: top.totalMs, busyMs: top.busyMs, top: top.top, areas: areas.slice(0, 15) };
      results.profile.file = keepProfile(src, 'gateway');
    } else log('no .cpuprofile was written');
    tempDirs.push(gw.profileDir);
  }
} catch (e) {
  log(`FAILED: ${(e as Error).stack ?? e}`);
  if (gw)
    log(
      `gateway log (${gw.logPath}):\n${(() => {
        try {
          return readFileSync(gw.logPath, 'utf8').slice(-3000);
        } catch {
          return '';
        }
      })()}`,
    );
  results.error = (e as Error).message;
  process.exitCode = 1;
} finally {
  await cleanup();
}

// ── output ──────────────────────────────────────────────────────────────────────────────
const report = { startedAt: startedAt.toISOString(), commit, machine, options: opt, results };
const outPath = opt.out ? resolve(opt.out) : join(PACKAGE_ROOT, 'bench/results', `${startedAt.toISOString().replace(/[:.]/g, '-')}-${commit}.json`);
mkdirSync(join(outPath, '..'), { recursive: true });
writeFileSync(outPath, JSON.stringify(report, null, 2) + '\n');

const w = Math.max(...rows.map(([k]) => k.length), 10);
const lines = [
  `MAG benchmark — commit ${commit}, ${startedAt.toISOString()}`,
  `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAvgAtStart.join(' ')} at start, ${machine.loadAvgAtEnd.join(' ')} at end`,
  '',
  ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`),
];
if (results.profile) {
  lines.push('', `gateway CPU profile (${results.profile.totalMs} ms sampled, ${results.profile.busyMs} ms busy): top self time, % of all / % of busy`);
  for (const e of results.profile.top)
    lines.push(
      `  ${String(e.selfPct).padStart(5)} % ${Number.isNaN(e.busyPct) ? '       ' : `${String(e.busyPct).padStart(5)} %`}  ${String(e.selfMs).padStart(7)} ms  ${e.fn}  ${e.where}`,
    );
  lines.push('', 'by area:');
  for (const a of results.profile.areas) lines.push(`  ${String(a.selfPct).padStart(5)} %  ${a.area}`);
  lines.push(`profile: ${results.profile.file}`);
}
for (const [i, pair] of (results.cold?.pairs ?? []).entries()) {
  const p = pair.gateway.profile;
  if (!p) continue;
  lines.push(
    '',
    `cold gateway ${i + 1}: CPU profile from the devices' connection to the last reading stored (${p.totalMs} ms sampled, ${p.busyMs} ms busy): top self time, % of all / % of busy`,
  );
  for (const e of p.top)
    lines.push(
      `  ${String(e.selfPct).padStart(5)} % ${Number.isNaN(e.busyPct) ? '       ' : `${String(e.busyPct).padStart(5)} %`}  ${String(e.selfMs).padStart(7)} ms  ${e.fn}  ${e.where}`,
    );
  lines.push(
    'by area:',
    ...p.areas.map(
      (a: { selfPct: number; selfMs: number; area: string }) => `  ${String(a.selfPct).padStart(5)} %  ${String(a.selfMs).padStart(6)} ms  ${a.area}`,
    ),
  );
  lines.push(
    'each second from the connection, by area (ms):',
    ...p.seconds.map((x: { second: number; areas: string }) => `  ${x.second}–${x.second + 1} s: ${x.areas}`),
  );
  lines.push(
    `the next burst on the same gateway (${p.next.totalMs} ms sampled, ${p.next.busyMs} ms busy), by area:`,
    ...p.next.areas.map(
      (a: { selfPct: number; selfMs: number; area: string }) => `  ${String(a.selfPct).padStart(5)} %  ${String(a.selfMs).padStart(6)} ms  ${a.area}`,
    ),
  );
  lines.push(
    `profile: ${p.file}; first burst: bench/profile-top.ts <file> --from-ms ${p.windowsMs.first[0]} --to-ms ${p.windowsMs.first[1]}, next: --from-ms ${p.windowsMs.next[0]} --to-ms ${p.windowsMs.next[1]}`,
  );
}
lines.push('', `JSON: ${outPath}`);
process.stdout.write(lines.join('\n') + '\n', () => process.exit()); // no stray timer or socket keeps the run alive
