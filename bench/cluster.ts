import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/config.ts';
import { type InfluxdHandle, startInfluxd } from '../test/support/influxd.ts';
import { createDatabase, type PostgresHandle, startPostgres } from '../test/support/postgres.ts';
import { beamPid, type RabbitCluster, startRabbitCluster } from '../test/support/rabbitmq.ts';
import { benchCommit, cpuSecondsOfProcesses, machineFacts, type ProcSample, procSample, round } from './lib.ts';
import {
  forkTs,
  type GatewayProc,
  log,
  type Rpc,
  seedDevices,
  seedDevicesShared,
  sleep,
  startGatewayProc,
  startLoadgen,
  stopGatewayProc,
  waitMessage,
  waitStored,
} from './processes.ts';

export interface ClusterBenchOptions {
  clients: number;
  window: number;
  messages: number;
  warmup: number;
  latencySeconds: number;
  /** Total msg/s of the latency runs; default half the lower of RabbitMQ's ceiling and the single node's throughput, measured first. */
  latencyRate?: number;
  /** MAG node counts to measure, e.g. [1, 2, 3]. */
  nodeCounts: number[];
  nodeOptions: string[];
  out?: string;
  keep: boolean;
}

/** The cluster's defaults (src/config.ts), which the ceiling's topology must match. */
const PARTITIONS = 16;
const QUEUE_MAX_MESSAGES = 1_000_000;
const PREFETCH_PER_PARTITION = 1000;

interface PathResult {
  label: string;
  nodes: number;
  throughput: {
    rate: number;
    sendMs: number;
    storedMs: number;
    complete: boolean;
    stored: number;
    publishErrors: number;
    magCpuUsPerMessage: number;
    rabbitCpuUsPerMessage?: number;
    /** The same less the nodes' idle CPU over the run. */
    rabbitCpuUsPerMessageAboveIdle?: number;
    postgresCpuUsPerMessage?: number;
    influxdCpuSeconds: number;
    perNodeCpuSeconds: number[];
  };
  latency: { rate: number; p50: number; p90: number; p99: number; max: number; n: number; lost: number; magCpuUsPerMessage: number };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// The whole run in one function, in the order it happens (as bench/run.ts's main): set-up,
// ceiling, single node, each node count, report. Split, its steps would pass a dozen handles.
export async function runClusterBench(o: ClusterBenchOptions): Promise<void> {
  const startedAt = new Date();
  const commit = benchCommit();
  const machine = machineFacts();
  const rows: [string, string][] = [];
  const row = (k: string, v: string) => {
    rows.push([k, v]);
    log(`${k}: ${v}`);
  };
  const results: Record<string, any> = {};
  const tempDirs: string[] = [];
  const secret = `bench-secret-${randomBytes(12).toString('hex')}`;
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  const devices = Array.from({ length: o.clients }, (_, i) => `c${String(i).padStart(5, '0')}`);
  const probe = { id: 'probe-lat', password: secret };
  let rabbit: RabbitCluster | undefined;
  let influx: InfluxdHandle | undefined;
  let postgres: PostgresHandle | undefined;
  let lg: Rpc | undefined;
  let gateways: GatewayProc[] = [];

  const stopGateways = async () => {
    await Promise.all(gateways.map((g) => stopGatewayProc(g)));
    gateways = [];
  };
  // Once, whether the run ends or is interrupted: both paths await the same stop (a second
  // concurrent stop exited before the RabbitMQ nodes were down and left them running).
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= stopEverything());
  const stopEverything = async () => {
    lg?.child.kill('SIGKILL');
    await stopGateways().catch(() => undefined);
    await Promise.all([rabbit?.stop().catch(() => undefined), influx?.destroy().catch(() => undefined), postgres?.stop().catch(() => undefined)]);
    if (o.keep) log(`kept: ${tempDirs.join(' ')}`);
    else for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    log('interrupted; cleaning up');
    void cleanup().finally(() => process.exit(130));
  });

  /** RabbitMQ's ceiling (msg/s), once measured: the latency runs' default rate is half the lower of it and the single node's rate. */
  let ceilingRate = Infinity;
  /** The RabbitMQ nodes' CPU without traffic, in cores. */
  let rabbitIdleCores = 0;
  let floor = Date.now();
  const nextFloor = (maxTs: number) => {
    floor = Math.max(Date.now(), maxTs + 1, floor);
    return floor;
  };
  const rabbitPids = () => rabbit!.nodes.map((n) => beamPid(n.name)).filter((p): p is number => p !== undefined);
  const cpuOf = (pids: number[]) => pids.map((p) => procSample(p));
  const cpuSince = (a: ProcSample[], b: ProcSample[]) => b.map((s, i) => s.cpuSeconds - a[i].cpuSeconds);

  const seeded = [...devices, probe.id].map((id) => ({ id, type: 'barometer', verification: 'valid' as const }));
  /**
   * Starts `k` gateways: a single node on its own SQLite state, or (`amqp`) cluster nodes sharing
   * a new PostgreSQL database seeded with every device, each with its own data dir.
   */
  const startGateways = async (k: number, amqp: boolean) => {
    let stateUrl: string | undefined;
    if (amqp) {
      stateUrl = await createDatabase(postgres!, `mag_bench_${k}`);
      await seedDevicesShared(stateUrl, 'bench', secret, seeded);
    }
    gateways = await Promise.all(
      Array.from({ length: k }, async (_, i) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'mag-bench-cluster-'));
        tempDirs.push(dataDir);
        if (!amqp) seedDevices(dataDir, 'bench', secret, seeded);
        return startGatewayProc({
          dataDir,
          influxUrl: influx!.url,
          adminToken,
          nodeOptions: o.nodeOptions,
          env: stateUrl ? { MAG_AMQP_URLS: rabbit!.urls(), MAG_STATE_URL: stateUrl, MAG_NODE_ID: `n${i + 1}` } : {},
        });
      }),
    );
  };

  /** Measures one path (the gateways running now): warm-up, a throughput burst, a paced latency run. */
  const measure = async (label: string, amqp: boolean): Promise<PathResult> => {
    const k = gateways.length;
    const pools = gateways.map((_, i) => `${label}-n${i + 1}`);
    await Promise.all(
      gateways.map((g, i) =>
        lg!.call('connect', {
          pool: pools[i],
          url: g.mqttUrl,
          devices: devices.filter((_, j) => j % k === i).map((id) => ({ id, password: secret })),
          concurrency: 50,
        }),
      ),
    );
    /** One burst of `total` readings spread over the nodes' pools, all at once. */
    const burst = async (total: number) => {
      const f = nextFloor(0);
      const parts = await Promise.all(
        pools.map((pool, i) => lg!.call('burst', { pool, qos: 1, total: Math.floor(total / k) + (i < total % k ? 1 : 0), window: o.window, floor: f })),
      );
      nextFloor(Math.max(...parts.map((p) => p.maxTs)));
      return {
        floor: f,
        startedAt: Math.min(...parts.map((p) => p.startedAt)),
        sendMs: Math.max(...parts.map((p) => p.finishedAt)) - Math.min(...parts.map((p) => p.startedAt)),
        errors: sum(parts.map((p) => p.errors)),
      };
    };
    if (o.warmup > 0) {
      log(`${label}: warm-up, ${o.warmup} readings (not measured) …`);
      const w = await burst(o.warmup);
      await waitStored(influx!, w.floor, o.warmup, 180_000);
      await sleep(1000);
    }
    log(`${label}: ${o.messages} QoS 1 readings from ${o.clients} devices over ${k} node(s), window ${o.window} …`);
    const g0 = cpuOf(gateways.map((g) => g.pid));
    const r0 = amqp ? cpuOf(rabbitPids()) : [];
    const i0 = procSample(influx!.pid!);
    const p0 = cpuSecondsOfProcesses('postgres');
    const b = await burst(o.messages);
    const stored = await waitStored(influx!, b.floor, o.messages, 300_000);
    const g1 = cpuOf(gateways.map((g) => g.pid));
    const r1 = amqp ? cpuOf(rabbitPids()) : [];
    const i1 = procSample(influx!.pid!);
    const p1 = cpuSecondsOfProcesses('postgres');
    const perNode = cpuSince(g0, g1);
    const storedMs = stored.at - b.startedAt;
    const throughput = {
      rate: Math.round((o.messages / storedMs) * 1000),
      sendMs: b.sendMs,
      storedMs,
      complete: stored.complete,
      stored: stored.stored,
      publishErrors: b.errors,
      magCpuUsPerMessage: round((sum(perNode) * 1e6) / o.messages, 1),
      rabbitCpuUsPerMessage: amqp ? round((sum(cpuSince(r0, r1)) * 1e6) / o.messages, 1) : undefined,
      rabbitCpuUsPerMessageAboveIdle: amqp
        ? round(((sum(cpuSince(r0, r1)) - (rabbitIdleCores * (r1[0].at - r0[0].at)) / 1000) * 1e6) / o.messages, 1)
        : undefined,
      influxdCpuSeconds: round(i1.cpuSeconds - i0.cpuSeconds, 2),
      /** The shared state's server (all its processes); the single node has none. */
      postgresCpuUsPerMessage: amqp ? round(((p1 - p0) * 1e6) / o.messages, 1) : undefined,
      perNodeCpuSeconds: perNode.map((x) => round(x, 2)),
    };
    log(
      `${label}: ${throughput.rate} msg/s stored${stored.complete ? '' : ` INCOMPLETE (${stored.stored} stored)`} (sent in ${b.sendMs} ms, stored in ${storedMs} ms; MAG CPU ${throughput.magCpuUsPerMessage} µs/msg${amqp ? `, RabbitMQ CPU ${throughput.rabbitCpuUsPerMessage} µs/msg, PostgreSQL ${throughput.postgresCpuUsPerMessage} µs/msg` : ''}; per node ${throughput.perNodeCpuSeconds.join(' / ')} s)`,
    );
    await sleep(2000);

    // Latency at a fixed total rate, the same for every path (set by the first measured, the
    // single node): each node's share from its devices, the probe device on the first node.
    const rate = (o.latencyRate ??= Math.max(100, Math.round(Math.min(throughput.rate, ceilingRate) / 2)));
    log(`${label}: latency at ${rate} msg/s for ${o.latencySeconds} s, probe at 20/s on node 1 …`);
    const f = nextFloor(0);
    const l0 = cpuOf(gateways.map((g) => g.pid));
    const paced = await Promise.all(
      pools.map((pool, i) =>
        lg!.call('paced', {
          pool,
          qos: 1,
          rate: Math.max(1, Math.round(rate / k)),
          seconds: o.latencySeconds,
          window: o.window,
          floor: f,
          latency: i === 0 ? { device: probe, url: gateways[0].mqttUrl, rate: 20, influxUrl: influx!.url, db: 'mag', pollMs: 20 } : undefined,
        }),
      ),
    );
    const l1 = cpuOf(gateways.map((g) => g.pid));
    nextFloor(Math.max(...paced.map((p) => p.maxTs)));
    const sent = sum(paced.map((p) => p.sent));
    const lat = paced[0].latency;
    const latency = {
      rate: Math.round(sum(paced.map((p) => p.rate))),
      ...lat,
      magCpuUsPerMessage: round((sum(cpuSince(l0, l1)) * 1e6) / Math.max(sent, 1), 1),
    };
    log(`${label}: latency publish → stored @ ${latency.rate} msg/s: p50 ${lat.p50} ms, p99 ${lat.p99} ms (n ${lat.n}, lost ${lat.lost})`);
    await Promise.all(pools.map((pool) => lg!.call('disconnect', { pool })));
    return { label, nodes: k, throughput, latency };
  };

  try {
    log(
      `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAvgAtStart.join(' ')}; commit ${commit}`,
    );
    const t0 = Date.now();
    // Each kept as it comes up, so that the cleanup stops what started when another failed.
    const started = await Promise.allSettled([
      startRabbitCluster(3).then((r) => (rabbit = r)),
      startInfluxd().then((i) => (influx = i)),
      startPostgres().then((p) => (postgres = p)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    if (!rabbit || !influx || !postgres) throw new Error('a service did not start');
    log(`3 RabbitMQ nodes (${rabbit.nodes.map((n) => n.amqpPort).join(', ')}), influxd (${influx.url}) and PostgreSQL up in ${Date.now() - t0} ms`);
    lg = await startLoadgen();
    // The three Erlang VMs' CPU with no traffic (schedulers, timers, the cluster's own chatter):
    // part of every cluster figure below, whatever the message rate.
    {
      const a = cpuOf(rabbitPids());
      await sleep(5000);
      const b = cpuOf(rabbitPids());
      rabbitIdleCores = sum(cpuSince(a, b)) / 5;
      results.rabbitIdleCores = round(rabbitIdleCores, 3);
      row('RabbitMQ idle (3 nodes, no traffic)', `${round(100 * rabbitIdleCores, 1)} % of one core`);
    }

    // ── RabbitMQ's ceiling: before any MAG node consumes (a MAG worker would take its messages) ──
    {
      // As many messages awaiting their confirm as the devices keep awaiting their PUBACK
      // (clients × window), spread over the channels: a quorum queue's throughput grows with
      // what is in flight (more per fsync), so a smaller window would measure the window.
      // Three publishing connections, all to the first node, as three MAG nodes make.
      const ceilingWindow = Math.ceil((o.clients * o.window) / rabbit.nodes.length);
      const child = forkTs('bench/amqp-ceiling.ts');
      await waitMessage(child, (m) => m.ready === true);
      const run = async (messages: number) => {
        const p = waitMessage<any>(child, (m) => m.type === 'result', 300_000);
        child.send({
          cmd: 'run',
          urls: rabbit!.nodes.map(() => rabbit!.nodes[0].url),
          messages,
          window: ceilingWindow,
          devices,
          partitions: PARTITIONS,
          queueMaxMessages: QUEUE_MAX_MESSAGES,
          prefetch: PREFETCH_PER_PARTITION,
        });
        const r = await p;
        if (!r.ok) throw new Error(`RabbitMQ ceiling: ${r.error}`);
        return r;
      };
      if (o.warmup > 0) {
        log(`RabbitMQ ceiling: warm-up, ${o.warmup} messages …`);
        await run(o.warmup);
      }
      log(`RabbitMQ ceiling: ${o.messages} messages, 3 confirm channels to the first RabbitMQ node, ${ceilingWindow} unconfirmed each …`);
      const r0 = cpuOf(rabbitPids());
      const c0 = procSample(child.pid!);
      const r = await run(o.messages);
      const r1 = cpuOf(rabbitPids());
      const c1 = procSample(child.pid!);
      child.kill();
      ceilingRate = r.consumedRate;
      results.ceiling = {
        ...r,
        rabbitCpuUsPerMessage: round((sum(cpuSince(r0, r1)) * 1e6) / o.messages, 1),
        rabbitCpuUsPerMessageAboveIdle: round(((sum(cpuSince(r0, r1)) - (rabbitIdleCores * (r1[0].at - r0[0].at)) / 1000) * 1e6) / o.messages, 1),
        clientCpuUsPerMessage: round(((c1.cpuSeconds - c0.cpuSeconds) * 1e6) / o.messages, 1),
      };
      row(
        'RabbitMQ ceiling (bare amqplib, confirms)',
        `${r.consumedRate} msg/s published, confirmed, consumed and acked${r.complete ? '' : ' INCOMPLETE'}  (${r.confirmRate} msg/s confirmed; ${o.messages} messages, ${PARTITIONS} quorum queues on 3 nodes, 3 channels × ${ceilingWindow} unconfirmed; RabbitMQ CPU ${results.ceiling.rabbitCpuUsPerMessage} µs/message (${results.ceiling.rabbitCpuUsPerMessageAboveIdle} above idle), client ${results.ceiling.clientCpuUsPerMessage} µs/message)`,
      );
    }

    // ── the single-node path: same load, local journal ──
    const paths: PathResult[] = [];
    await startGateways(1, false);
    const single = await measure('single', false);
    await stopGateways();
    paths.push(single);

    for (const k of o.nodeCounts) {
      log(`cluster: starting ${k} MAG node(s) on the RabbitMQ cluster …`);
      const t = Date.now();
      await startGateways(k, true);
      log(`cluster: ${k} node(s) ready in ${Date.now() - t} ms`);
      paths.push(await measure(`cluster-${k}`, true));
      await stopGateways();
      await sleep(2000);
    }
    results.paths = paths;

    const spread = (p: PathResult) => (p.nodes > 1 ? `; per node ${p.throughput.perNodeCpuSeconds.join(' / ')} s CPU` : '');
    for (const p of paths) {
      const name = p.label === 'single' ? 'single node (local journal)' : `cluster, ${p.nodes} MAG node${p.nodes > 1 ? 's' : ''}`;
      const t = p.throughput;
      row(
        `${name} throughput (stored)`,
        `${t.rate} msg/s${t.complete ? '' : `  INCOMPLETE (${t.stored} stored)`}  (${o.messages} QoS 1 readings, ${o.clients} devices, window ${o.window}; MAG CPU ${t.magCpuUsPerMessage} µs/message${t.rabbitCpuUsPerMessage === undefined ? '' : `, RabbitMQ ${t.rabbitCpuUsPerMessage} µs/message (${t.rabbitCpuUsPerMessageAboveIdle} above idle), PostgreSQL ${t.postgresCpuUsPerMessage} µs/message`}${spread(p)})`,
      );
      row(
        `${name} latency publish → stored`,
        `p50 ${p.latency.p50} ms, p99 ${p.latency.p99} ms, max ${p.latency.max} ms @ ${p.latency.rate} msg/s (n ${p.latency.n}, lost ${p.latency.lost}; MAG CPU ${p.latency.magCpuUsPerMessage} µs/message)`,
      );
    }
    const one = paths.find((p) => p.label === 'cluster-1');
    if (one) {
      const clusterUs = one.throughput.magCpuUsPerMessage;
      const singleUs = single.throughput.magCpuUsPerMessage;
      row(
        'cost per message, cluster path / single node',
        `${round(clusterUs / singleUs, 2)}× MAG CPU (${clusterUs} against ${singleUs} µs/message); with RabbitMQ's ${one.throughput.rabbitCpuUsPerMessage} µs and PostgreSQL's ${one.throughput.postgresCpuUsPerMessage} µs: ${round(clusterUs + (one.throughput.rabbitCpuUsPerMessage ?? 0) + (one.throughput.postgresCpuUsPerMessage ?? 0), 1)} µs/message of the machine against ${singleUs}`,
      );
      row(
        'cluster, 1 node / RabbitMQ ceiling',
        `${round((100 * one.throughput.rate) / results.ceiling.consumedRate, 1)} % (${one.throughput.rate} against ${results.ceiling.consumedRate} msg/s)`,
      );
    }
  } catch (e) {
    log(`FAILED: ${(e as Error).stack ?? e}`);
    results.error = (e as Error).message;
    process.exitCode = 1;
  } finally {
    machine.loadAvgAtEnd = loadavg().map((x) => round(x, 2));
    await cleanup();
  }

  const report = { startedAt: startedAt.toISOString(), commit, machine, options: o, results };
  const outPath = o.out ? resolve(o.out) : join(PACKAGE_ROOT, 'bench/results', `${startedAt.toISOString().replace(/[:.]/g, '-')}-${commit}-cluster.json`);
  mkdirSync(join(outPath, '..'), { recursive: true });
  writeFileSync(outPath, JSON.stringify(report, null, 2) + '\n');
  const w = Math.max(...rows.map(([k]) => k.length), 10);
  const lines = [
    `MAG cluster benchmark — commit ${commit}, ${startedAt.toISOString()} (${Math.round((Date.now() - startedAt.getTime()) / 1000)} s)`,
    `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAvgAtStart.join(' ')} at start, ${machine.loadAvgAtEnd.join(' ')} at end`,
    '',
    ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`),
    '',
    `JSON: ${outPath}`,
  ];
  process.stdout.write(lines.join('\n') + '\n', () => process.exit());
}
