// The common do-it-yourself pipeline next to MAG, on the same machine with the same load:
// Mosquitto → Node-RED (MQTT in → JSON → function → InfluxDB out) → InfluxDB 1.x, against
// MAG → InfluxDB. Node-RED and node-red-contrib-influxdb are installed into a scratch folder
// (not dependencies of the project); mosquitto and influxd must be on the PATH.
//
//   node bin/run.mjs bench/peer-node-red.ts [--messages 100000] [--repeat 2] [--warmup 20000]
//        [--clients 50] [--window 64] [--dir <scratch>] [--no-mag] [--keep]
//
// Each run: `--messages` QoS 1 readings from `--clients` devices, `--window` in flight each,
// timed from the first publish until InfluxDB counts them all; peer and MAG interleaved, after a
// warm-up of each. What the peer does NOT do that MAG does: no authentication, no validation
// against the instrument's profile, no journal (Mosquitto acknowledges on receipt and Node-RED
// acknowledges its subscription on receipt: a crash loses whatever was not yet written), no
// dedup by seq beyond InfluxDB's overwrite, no alerts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { startInfluxd } from '../test/support/influxd.ts';
import { freePort } from '../test/support/ports.ts';
import { procSample, round } from './lib.ts';
import {
  gatewayCounts,
  log,
  seedDevices,
  sleep,
  startGatewayProc,
  startLoadgen,
  stopGatewayProc,
  storedSince,
  waitStored,
  type GatewayProc,
  type Rpc,
} from './processes.ts';

const { values: opt } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '50' },
    window: { type: 'string', default: '64' },
    dir: { type: 'string', default: join(tmpdir(), 'mag-peer-node-red') },
    flows: { type: 'string', default: 'batch,out' },
    'no-mag': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(opt.messages);
const CLIENTS = Number(opt.clients);
const WINDOW = Number(opt.window);
const DIR = String(opt.dir);
const DB = 'nodered';
const SECRET = `peer-${randomBytes(8).toString('hex')}`;
const ADMIN = `peer-admin-${randomBytes(8).toString('hex')}`;

/** Node-RED 4 (5 needs Node ≥ 22.9) and its InfluxDB nodes, into DIR (kept between runs). */
function install(): void {
  if (existsSync(join(DIR, 'node_modules/node-red/red.js')) && existsSync(join(DIR, 'node_modules/node-red-contrib-influxdb'))) return;
  mkdirSync(DIR, { recursive: true });
  // A package.json of its own, so that npm does not walk up into a project above the folder.
  writeFileSync(join(DIR, 'package.json'), JSON.stringify({ name: 'mag-peer-node-red', private: true }) + '\n');
  log(`installing node-red@4 and node-red-contrib-influxdb@0.7 into ${DIR} …`);
  const t = Date.now();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'node-red@4', 'node-red-contrib-influxdb@0.7'], {
    cwd: DIR,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`npm install failed (exit ${r.status}) in ${DIR}`);
  log(`installed in ${((Date.now() - t) / 1000).toFixed(0)} s`);
}

type FlowKind = 'out' | 'batch';

/**
 * MQTT in → JSON → a function shaping the point (the reading's ts, MAG's tags) → InfluxDB:
 * `out`, the node the brief of every such pipeline starts with, one HTTP write per message
 * with no limit on writes in flight; or `batch`, a join of up to 1,000 messages (or 100 ms)
 * before the `influxdb batch` node, the way to make it keep up.
 */
function flow(kind: FlowKind, mqttPort: number, influxPort: number): unknown[] {
  const shape =
    kind === 'out'
      ? "const p = msg.payload;\nmsg.payload = [{ value: p.value, seq: p.seq, time: p.ts }, { device: msg.topic.split('/')[1], quantity: p.quantity }];\nreturn msg;"
      : "const p = msg.payload;\nmsg.payload = { measurement: 'reading', fields: { value: p.value, seq: p.seq }, tags: { device: msg.topic.split('/')[1], quantity: p.quantity }, timestamp: p.ts };\nreturn msg;";
  // Ids that no property value can be mistaken for (Node-RED took an id `json` for a reference).
  const tab = 'f10000000000001';
  const sink =
    kind === 'out'
      ? [
          {
            id: 'n10000000000004',
            type: 'influxdb out',
            z: tab,
            influxdb: 'c10000000000002',
            name: '',
            measurement: 'reading',
            precision: 'ms',
            retentionPolicy: '',
            wires: [],
          },
        ]
      : [
          {
            id: 'n10000000000004',
            type: 'join',
            z: tab,
            name: '',
            mode: 'custom',
            build: 'array',
            property: 'payload',
            propertyType: 'msg',
            key: 'topic',
            joiner: '\\n',
            joinerType: 'str',
            accumulate: false,
            timeout: '0.1',
            count: '1000',
            reduceRight: false,
            wires: [['n10000000000005']],
          },
          { id: 'n10000000000005', type: 'influxdb batch', z: tab, influxdb: 'c10000000000002', name: '', precision: 'ms', retentionPolicy: '', wires: [] },
        ];
  return [
    { id: tab, type: 'tab', label: 'MAG peer' },
    {
      id: 'c10000000000001',
      type: 'mqtt-broker',
      name: 'mosquitto',
      broker: '127.0.0.1',
      port: String(mqttPort),
      clientid: 'node-red-peer',
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
    },
    {
      id: 'c10000000000002',
      type: 'influxdb',
      hostname: '127.0.0.1',
      port: String(influxPort),
      protocol: 'http',
      database: DB,
      name: 'influxd',
      usetls: false,
      influxdbVersion: '1.x',
    },
    {
      id: 'n10000000000001',
      type: 'mqtt in',
      z: tab,
      name: 'readings',
      topic: 'instruments/+/readings',
      qos: '1',
      datatype: 'utf8',
      broker: 'c10000000000001',
      nl: false,
      rap: false,
      inputs: 0,
      wires: [['n10000000000002']],
    },
    { id: 'n10000000000002', type: 'json', z: tab, property: 'payload', action: 'obj', pretty: false, wires: [['n10000000000003']] },
    { id: 'n10000000000003', type: 'function', z: tab, name: 'shape', func: shape, outputs: 1, wires: [['n10000000000004']] },
    ...sink,
  ];
}

/** Node-RED on `kind`'s flow, once its MQTT node is connected; its log in userDir/node-red-<kind>.log. */
async function startNodeRed(kind: FlowKind, userDir: string, mqttPort: number, influxPort: number): Promise<ChildProcess> {
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flow(kind, mqttPort, influxPort), null, 1));
  writeFileSync(
    join(userDir, 'settings.js'),
    `module.exports = { flowFile: 'flows.json', credentialSecret: false, logging: { console: { level: 'info' } }, editorTheme: { tours: false } };\n`,
  );
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(DIR, 'node_modules/node-red/red.js'), '--userDir', userDir, '--settings', join(userDir, 'settings.js'), '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = createWriteStream(join(userDir, `node-red-${kind}.log`));
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  await waitOutput(child, 'Connected to broker');
  return child;
}

async function waitPort(port: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port} after ${ms / 1000} s`);
}

function waitOutput(child: ChildProcess, text: string, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`no "${text}" within ${ms / 1000} s; output:\n${out.slice(-2000)}`)), ms);
    const on = (d: Buffer) => {
      out += d.toString();
      if (out.includes(text)) {
        clearTimeout(t);
        child.stdout!.off('data', on);
        child.stderr!.off('data', on);
        resolve();
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
  });
}

interface Target {
  name: string;
  pool: string;
  pids: () => number[];
  count: (floor: number) => Promise<number>;
  delivered?: () => Promise<number>;
}

async function burst(lg: Rpc, influx: Awaited<ReturnType<typeof startInfluxd>>, t: Target, total: number, floor: number) {
  const cpu0 = t.pids().map((p) => procSample(p).cpuSeconds);
  const d0 = t.delivered ? await t.delivered() : 0;
  const b = await lg.call('burst', { pool: t.pool, qos: 1, total, window: WINDOW, floor });
  const stored = await waitStored(influx, floor, total, 300_000, 100, 20_000, t.delivered ? async () => (await t.delivered!()) - d0 : undefined, () =>
    t.count(floor),
  );
  const cpu = t.pids().map((p, i) => round(procSample(p).cpuSeconds - cpu0[i], 2));
  return {
    rate: Math.round((total / (stored.at - b.startedAt)) * 1000),
    stored: stored.stored,
    complete: stored.complete,
    sentMs: b.ms,
    storedMs: stored.at - b.startedAt,
    cpuSeconds: cpu,
    maxTs: b.maxTs as number,
  };
}

const children: ChildProcess[] = [];
const temp: string[] = [];
let gw: GatewayProc | undefined;
let influx: Awaited<ReturnType<typeof startInfluxd>> | undefined;
try {
  install();
  const load0 = loadavg().map((x) => round(x, 2));
  influx = await startInfluxd();
  await influx.query(`CREATE DATABASE ${DB}`);
  const mqttPort = await freePort();
  const conf = join(DIR, 'mosquitto.conf');
  // Unbounded in-flight and queue towards the subscriber: with the defaults (20 in flight, 1,000
  // queued) Mosquitto drops QoS 1 messages Node-RED has not taken yet, and the count never completes.
  writeFileSync(
    conf,
    `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\nlog_type error\n`,
  );
  const mosquitto = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(mosquitto);
  await waitPort(mqttPort);
  const userDir = mkdtempSync(join(tmpdir(), 'mag-peer-nr-'));
  temp.push(userDir);
  const ids = Array.from({ length: CLIENTS }, (_, i) => `p${String(i).padStart(5, '0')}`);
  const lg = await startLoadgen();
  children.push(lg.child);
  await lg.call('connect', { pool: 'peer', url: `mqtt://127.0.0.1:${mqttPort}`, devices: ids.map((id) => ({ id })), concurrency: 50 });
  let mag: Target | undefined;
  if (!opt['no-mag']) {
    const dataDir = mkdtempSync(join(tmpdir(), 'mag-peer-gw-'));
    temp.push(dataDir);
    seedDevices(
      dataDir,
      'peer',
      SECRET,
      ids.map((id) => ({ id, type: 'barometer', verification: 'valid' as const })),
    );
    gw = await startGatewayProc({ dataDir, influxUrl: influx.url, adminToken: ADMIN, nodeOptions: ['--max-semi-space-size=64', '--min-semi-space-size=64'] });
    const g = gw;
    await lg.call('connect', { pool: 'mag', url: g.mqttUrl, devices: ids.map((id) => ({ id, password: SECRET })), concurrency: 50 });
    mag = {
      name: 'MAG → InfluxDB',
      pool: 'mag',
      pids: () => [g.pid, influx!.pid!],
      count: (f) => storedSince(influx!, f),
      delivered: async () => (await gatewayCounts(g)).delivered,
    };
  }
  let floor = Date.now();
  const next = (maxTs: number) => (floor = Math.max(Date.now(), maxTs + 1, floor));
  const runs: Record<string, Awaited<ReturnType<typeof burst>>[]> = {};
  const measure = async (t: Target, n: number, warm: boolean, label = t.name) => {
    const r = await burst(lg, influx!, t, n, next(0));
    next(r.maxTs);
    if (warm) return;
    (runs[label] ??= []).push(r);
    log(
      `${t.name}: ${r.rate} msg/s${r.complete ? '' : ` INCOMPLETE: ${r.stored} of ${n} stored`} (sent in ${r.sentMs} ms, stored in ${r.storedMs} ms; CPU s ${t.pids().length === 3 ? 'mosquitto / Node-RED / influxd' : 'gateway / influxd'} ${r.cpuSeconds.join(' / ')})`,
    );
  };
  if (mag) {
    log(`${mag.name}: warm-up, ${opt.warmup} readings …`);
    await measure(mag, Number(opt.warmup), true);
  }
  for (const kind of String(opt.flows)
    .split(',')
    .map((k) => k.trim()) as FlowKind[]) {
    const nodeRed = await startNodeRed(kind, userDir, mqttPort, influx.port);
    log(`mosquitto ${mosquitto.pid} on ${mqttPort}, Node-RED ${nodeRed.pid} (flow ${kind}), influxd ${influx.pid} on ${influx.port}`);
    const peer: Target = {
      name: `Mosquitto → Node-RED (${kind}) → InfluxDB`,
      pool: 'peer',
      pids: () => [mosquitto.pid!, nodeRed.pid!, influx!.pid!],
      count: (f) => storedSince(influx!, f, DB),
    };
    log(`${peer.name}: warm-up, ${opt.warmup} readings …`);
    await measure(peer, Number(opt.warmup), true);
    // MAG first in each pair: what the `out` flow leaves behind (writes timing out) would
    // otherwise fall on MAG's run.
    for (let rep = 1; rep <= Number(opt.repeat); rep++) {
      if (mag) {
        await sleep(1000);
        await measure(mag, MESSAGES, false, `MAG → InfluxDB (beside ${kind})`);
      }
      await sleep(1000);
      await measure(peer, MESSAGES, false);
    }
    nodeRed.kill('SIGKILL');
    await sleep(1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const lines = [
    `peer comparison: ${MESSAGES} QoS 1 readings from ${CLIENTS} devices, ${WINDOW} in flight each; load average ${load0.join(' ')} at start, ${loadavg()
      .map((x) => round(x, 2))
      .join(' ')} at end`,
  ];
  for (const [name, rs] of Object.entries(runs)) {
    const lost = rs.filter((r) => !r.complete).map((r) => `${r.stored} of ${MESSAGES} stored`);
    lines.push(
      `  ${name.padEnd(42)} ${median(rs.map((r) => r.rate))} msg/s stored (runs ${rs.map((r) => r.rate).join(', ')})${lost.length ? `; INCOMPLETE: ${lost.join(', ')}` : ''}`,
    );
  }
  for (const [name, rs] of Object.entries(runs)) {
    const kind = /\((\w+)\)/.exec(name)?.[1];
    const magRuns = runs[`MAG → InfluxDB (beside ${kind})`];
    if (name.startsWith('Mosquitto') && magRuns) {
      const pairs = rs.map((r, i) => round(magRuns[i].rate / r.rate, 2));
      const lost = rs.some((r) => !r.complete);
      lines.push(`  MAG / Node-RED (${kind}): ${lost ? 'no ratio: Node-RED lost readings (see its log)' : `${median(pairs)}× (pairs ${pairs.join(', ')})`}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
} catch (e) {
  log(`FAILED: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  if (gw) await stopGatewayProc(gw);
  for (const c of children) c.kill('SIGKILL');
  await influx?.destroy();
  if (!opt.keep) for (const d of temp) rmSync(d, { recursive: true, force: true });
  setTimeout(() => process.exit(), 200);
}
