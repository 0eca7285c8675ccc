// The `cold` scenario of `npm run bench`: a gateway just started (new process, fresh data
// directory, no warm-up) takes the first `--messages` QoS 1 readings from `--clients` devices at
// once; timed from the devices' connection until InfluxDB counts the last reading. Then the same
// against a bare aedes broker, also just started, and the ratio. Each side gets a fresh load
// generator too, so that neither runs against a load generator the other has warmed.
//
// Each cold gateway writes into an InfluxDB database of its own (`--cold-influx-db new`: its
// series and shard are created during the run, as on a first start) or all into one
// (`same`: from the second run on the series exist, as for a gateway restarted in service);
// comparing the two separates InfluxDB's series creation from the gateway's own warm-up.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config.ts';
import type { InfluxdHandle } from '../test/support/influxd.ts';
import {
  mainThreadBetween,
  mainThreadSched,
  procSample,
  profileByArea,
  profileSpan,
  profileTop,
  round,
  threadCpu,
  threadCpuBetween,
  type ProfileWindow,
} from './lib.ts';
import {
  gatewayCounts,
  log,
  seedDevices,
  sleep,
  startBareBroker,
  startGatewayProc,
  startLoadgen,
  stopGatewayProc,
  storedAt,
  storedSince,
  waitMessage,
  waitStored,
  type GatewayProc,
} from './processes.ts';

export interface ColdOptions {
  influx: InfluxdHandle;
  clients: number;
  messages: number;
  window: number;
  repeat: number;
  profile: boolean;
  nodeOptions: string[];
  journalSync?: string;
  influxDb: 'new' | 'same';
  tenant: string;
  secret: string;
  adminToken: string;
  /** Temporary directories made here, for the caller to remove. */
  tempDirs: string[];
  row(k: string, v: string): void;
  /** Keeps a .cpuprofile next to the results; returns where. */
  keepProfile(src: string, label: string): string;
}

const hrUs = () => Number(process.hrtime.bigint() / 1000n);

/** Samples `count()` (one or more counters) every `everyMs` from now; stop() gives [ms since start, values] pairs. */
function timeline(count: () => Promise<number[]>, everyMs = 100): { stop(): Promise<[number, number[]][]> } {
  const t0 = Date.now();
  const out: [number, number[]][] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const v = await count().catch(() => undefined);
      if (v) out.push([Date.now() - t0, v]);
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return out;
    },
  };
}

/** Increase of counter `i` in each second since the first sample (the last sample at or before the second's end; the last second may be partial). */
function perSecond(samples: [number, number[]][], i = 0): number[] {
  const out: number[] = [];
  if (samples.length === 0) return out;
  let prev = samples[0][1][i];
  let j = 0;
  const end = samples[samples.length - 1][0];
  for (let s = 1; (s - 1) * 1000 < end; s++) {
    while (j + 1 < samples.length && samples[j + 1][0] <= s * 1000) j++;
    out.push(samples[j][1][i] - prev);
    prev = samples[j][1][i];
  }
  return out;
}

export async function coldGateway(o: ColdOptions, rep: number): Promise<Record<string, any>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mag-bench-cold-'));
  o.tempDirs.push(dataDir);
  const devices = Array.from({ length: o.clients }, (_, i) => ({ id: `c${String(i).padStart(5, '0')}`, password: o.secret }));
  seedDevices(
    dataDir,
    o.tenant,
    o.secret,
    devices.map((d) => ({ id: d.id, type: 'barometer', verification: 'valid' as const })),
  );
  const db = o.influxDb === 'same' ? 'cold' : `cold${rep}`;
  const lg = await startLoadgen();
  let gw: GatewayProc | undefined;
  try {
    gw = await startGatewayProc({
      dataDir,
      influxUrl: o.influx.url,
      adminToken: o.adminToken,
      influxDb: db,
      profile: o.profile,
      nodeOptions: o.nodeOptions,
      journalSync: o.journalSync,
    });
    const startMs = Math.round((hrUs() - gw.spawnedAtUs) / 1000);
    const g = gw;
    const t0 = Date.now();
    const hr0 = hrUs();
    const log0 = logSize(g.logPath);
    const th0 = threadCpu(g.pid);
    const m0 = mainThreadSched(g.pid);
    const s0 = procSample(g.pid);
    const i0 = procSample(o.influx.pid!);
    const counts = timeline(async () => {
      const n = await gatewayCounts(g);
      return [n.accepted, n.delivered];
    });
    const c = await lg.call('connect', { pool: 'cold', url: g.mqttUrl, devices, concurrency: 50 });
    const connectMs = Date.now() - t0;
    const before = await gatewayCounts(g);
    const b = await lg.call('burst', { pool: 'cold', qos: 1, total: o.messages, window: o.window, floor: t0 });
    const stored = await waitStored(
      o.influx,
      t0,
      o.messages,
      300_000,
      100,
      20_000,
      async () => (await gatewayCounts(g)).delivered - before.delivered,
      () => storedSince(o.influx, t0, db),
    );
    const hr1 = hrUs();
    const log1 = logSize(g.logPath);
    const s1 = procSample(g.pid);
    const i1 = procSample(o.influx.pid!);
    const threads = threadCpuBetween(th0, threadCpu(g.pid));
    const mainThread = mainThreadBetween(m0, mainThreadSched(g.pid));
    const samples = await counts.stop();
    const ms = storedAt(stored) - t0;
    const run: Record<string, any> = {
      database: db,
      gatewayStartMs: startMs,
      connected: c.connected,
      connectMs,
      firstAckMs: b.firstAckMs === undefined ? null : connectMs + b.firstAckMs,
      sentMs: b.finishedAt - t0,
      storedMs: ms,
      // When InfluxQL counted them all: storedMs plus the count query.
      countedMs: stored.at - t0,
      rate: Math.round((o.messages / ms) * 1000),
      // From the first publish: the connection (each device's secret checked) left out.
      rateFromFirstPublish: Math.round((o.messages / (storedAt(stored) - b.startedAt)) * 1000),
      complete: stored.complete,
      gatewayCpuSeconds: round(s1.cpuSeconds - s0.cpuSeconds, 2),
      gatewayThreadsCpuSeconds: threads,
      mainThreadSeconds: mainThread,
      influxdCpuSeconds: round(i1.cpuSeconds - i0.cpuSeconds, 2),
      rssMiB: round(s1.rssBytes / 1024 / 1024, 1),
      journaledPerSecond: perSecond(samples, 0),
      deliveredPerSecond: perSecond(samples, 1),
    };
    // The next burst on the same gateway, now warmed by the first: what the first one lost.
    await sleep(1000);
    const f2 = Date.now();
    const hr2 = hrUs();
    const log2 = logSize(g.logPath);
    const s2 = procSample(g.pid);
    const th2 = threadCpu(g.pid);
    const m2 = mainThreadSched(g.pid);
    const before2 = await gatewayCounts(g);
    const b2 = await lg.call('burst', { pool: 'cold', qos: 1, total: o.messages, window: o.window, floor: f2 });
    const stored2 = await waitStored(
      o.influx,
      f2,
      o.messages,
      300_000,
      100,
      20_000,
      async () => (await gatewayCounts(g)).delivered - before2.delivered,
      () => storedSince(o.influx, f2, db),
    );
    const s3 = procSample(g.pid);
    const hr3 = hrUs();
    const log3 = logSize(g.logPath);
    run.second = {
      rate: Math.round((o.messages / (storedAt(stored2) - b2.startedAt)) * 1000),
      complete: stored2.complete,
      gatewayCpuSeconds: round(s3.cpuSeconds - s2.cpuSeconds, 2),
      gatewayThreadsCpuSeconds: threadCpuBetween(th2, threadCpu(g.pid)),
      mainThreadSeconds: mainThreadBetween(m2, mainThreadSched(g.pid)),
    };
    await lg.call('disconnect', { pool: 'cold' });
    await stopGatewayProc(g);
    if (o.nodeOptions.includes('--trace-gc')) run.gc = { first: gcBetween(g.logPath, log0, log1), next: gcBetween(g.logPath, log2, log3) };
    if (g.profileDir) run.profile = coldProfile(o, g.profileDir, { fromUs: hr0, toUs: hr1 }, { fromUs: hr2, toUs: hr3 }, rep);
    return run;
  } finally {
    lg.child.kill('SIGKILL');
    if (gw) await stopGatewayProc(gw);
  }
}

function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Collections the gateway's `--trace-gc` lines report between two offsets of its log: count and
 * main-thread pause of scavenges and of mark-compacts. (The log is written through a pipe: a line
 * may land a few ms late.)
 */
function gcBetween(path: string, from: number, to: number): Record<string, { count: number; pauseMs: number }> {
  const text = readFileSync(path).subarray(from, to).toString('utf8');
  const out: Record<string, { count: number; pauseMs: number }> = {};
  for (const m of text.matchAll(/ ms: (Scavenge|Mark-Compact|Minor Mark-Compact|Mark-Sweep)[^,\n]*, ([\d.]+) \/ [\d.]+ ms/g)) {
    const k = m[1] === 'Scavenge' ? 'scavenge' : 'markCompact';
    const e = (out[k] ??= { count: 0, pauseMs: 0 });
    e.count++;
    e.pauseMs = round(e.pauseMs + Number(m[2]), 1);
  }
  return out;
}

/** The profile's top entries and areas between the devices' connection and the last reading stored, and each of its first seconds by area. */
function coldProfile(o: ColdOptions, dir: string, window: ProfileWindow, next: ProfileWindow, rep: number): Record<string, any> | undefined {
  o.tempDirs.push(dir);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    log('cold: no .cpuprofile was written');
    return undefined;
  }
  const src = join(dir, file);
  const top = profileTop(src, 20, PACKAGE_ROOT, window);
  const seconds: { second: number; areas: string }[] = [];
  for (let s = 0; window.fromUs + s * 1e6 < window.toUs && s < 5; s++) {
    const areas = profileByArea(src, PACKAGE_ROOT, { fromUs: window.fromUs + s * 1e6, toUs: Math.min(window.toUs, window.fromUs + (s + 1) * 1e6) });
    seconds.push({
      second: s,
      areas: areas
        .filter((a) => a.area !== '(idle)')
        .slice(0, 8)
        .map((a) => `${a.area} ${a.selfMs}`)
        .join(', '),
    });
  }
  const nextTop = profileTop(src, 12, PACKAGE_ROOT, next);
  const start = profileSpan(src).fromUs;
  const ms = (us: number) => Math.round((us - start) / 1000);
  return {
    // bench/profile-top.ts takes these (ms from the profile's start) as --from-ms / --to-ms
    windowsMs: { first: [ms(window.fromUs), ms(window.toUs)], next: [ms(next.fromUs), ms(next.toUs)] },
    ...top,
    areas: profileByArea(src, PACKAGE_ROOT, window).slice(0, 15),
    seconds,
    next: { totalMs: nextTop.totalMs, busyMs: nextTop.busyMs, top: nextTop.top, areas: profileByArea(src, PACKAGE_ROOT, next).slice(0, 15) },
    file: o.keepProfile(src, `cold-${rep}`),
  };
}

async function coldBare(o: ColdOptions): Promise<Record<string, any>> {
  const lg = await startLoadgen();
  const bare = await startBareBroker();
  try {
    let req = 1;
    const ask = <T>(m: Record<string, unknown>, type: string): Promise<T> => {
      const id = req++;
      const p = waitMessage<T>(bare.child, (r) => r.type === type && r.id === id, 600_000);
      bare.child.send({ ...m, id });
      return p;
    };
    const devices = Array.from({ length: o.clients }, (_, i) => ({ id: `c${String(i).padStart(5, '0')}` }));
    const t0 = Date.now();
    const s0 = procSample(bare.child.pid!);
    const received = timeline(async () => [(await ask<{ received: number }>({ type: 'count' }, 'count')).received]);
    const reached = ask<{ at: number }>({ type: 'expect', total: o.messages }, 'reached');
    const c = await lg.call('connect', { pool: 'cold', url: bare.url, devices, concurrency: 50 });
    const connectMs = Date.now() - t0;
    const b = await lg.call('burst', { pool: 'cold', qos: 1, total: o.messages, window: o.window, floor: t0 });
    const at = (await reached).at;
    const s1 = procSample(bare.child.pid!);
    const samples = await received.stop();
    await sleep(1000);
    const reached2 = ask<{ at: number }>({ type: 'expect', total: 2 * o.messages }, 'reached');
    const b2 = await lg.call('burst', { pool: 'cold', qos: 1, total: o.messages, window: o.window, floor: Date.now() });
    const at2 = (await reached2).at;
    const second = {
      rate: Math.round((o.messages / (at2 - b2.startedAt)) * 1000),
      cpuSeconds: round(procSample(bare.child.pid!).cpuSeconds - s1.cpuSeconds, 2),
    };
    const ms = at - t0;
    return {
      connected: c.connected,
      connectMs,
      firstAckMs: b.firstAckMs === undefined ? null : connectMs + b.firstAckMs,
      receivedMs: ms,
      rate: Math.round((o.messages / ms) * 1000),
      rateFromFirstPublish: Math.round((o.messages / (at - b.startedAt)) * 1000),
      cpuSeconds: round(s1.cpuSeconds - s0.cpuSeconds, 2),
      receivedPerSecond: perSecond(samples),
      second,
    };
  } finally {
    lg.child.kill('SIGKILL');
    bare.child.kill('SIGKILL');
  }
}

/** `repeat` pairs: a cold gateway, then a cold bare broker; medians and rows. */
export async function runCold(o: ColdOptions): Promise<Record<string, any>> {
  const pairs: { gateway: Record<string, any>; bare: Record<string, any>; ratio: number }[] = [];
  for (let rep = 1; rep <= o.repeat; rep++) {
    log(`cold (${rep}/${o.repeat}): a gateway just started, ${o.messages} QoS 1 readings from ${o.clients} devices at once …`);
    const gateway = await coldGateway(o, rep);
    await sleep(1000);
    log(`cold (${rep}/${o.repeat}): the same to a bare broker just started …`);
    const bare = await coldBare(o);
    const ratio = round(gateway.rate / bare.rate, 3);
    pairs.push({ gateway, bare, ratio });
    log(
      `cold (${rep}/${o.repeat}): gateway ${gateway.rate} msg/s${gateway.complete ? '' : ' INCOMPLETE'} (connected in ${gateway.connectMs} ms, first PUBACK at ${gateway.firstAckMs} ms, ` +
        `sent by ${gateway.sentMs} ms, stored by ${gateway.storedMs} ms; gateway CPU ${gateway.gatewayCpuSeconds} s ${JSON.stringify(gateway.gatewayThreadsCpuSeconds)}, influxd ${gateway.influxdCpuSeconds} s), ` +
        `bare ${bare.rate} msg/s (connected in ${bare.connectMs} ms, all received by ${bare.receivedMs} ms), ratio ${ratio}`,
    );
    log(
      `cold (${rep}/${o.repeat}): per second from the connection: gateway journaled ${gateway.journaledPerSecond.join(', ')}; delivered ${gateway.deliveredPerSecond.join(', ')}; bare received ${bare.receivedPerSecond.join(', ')}`,
    );
    await sleep(2000);
  }
  const med = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const spread = (xs: number[]) => (xs.length > 1 ? `; runs ${xs.join(', ')}` : '');
  const gwRate = Math.round(med(pairs.map((p) => p.gateway.rate)));
  const bareRate = Math.round(med(pairs.map((p) => p.bare.rate)));
  const ratio = round(med(pairs.map((p) => p.ratio)), 3);
  const first = pairs[0].gateway;
  o.row(
    'cold start: gateway, connect → stored',
    `${gwRate} msg/s  (median of ${o.repeat} × ${o.messages} QoS 1${spread(pairs.map((p) => p.gateway.rate))}; InfluxDB database ${o.influxDb === 'new' ? 'new each run' : 'shared'})`,
  );
  o.row('cold start: bare aedes, connect → received', `${bareRate} msg/s  (median${spread(pairs.map((p) => p.bare.rate))})`);
  o.row('cold start: ratio gateway / bare', `${(100 * ratio).toFixed(1)} %  (median of ${o.repeat} pairs${spread(pairs.map((p) => round(100 * p.ratio, 1)))})`);
  const fromPublish = pairs.map((p) => round(p.gateway.rateFromFirstPublish / p.bare.rateFromFirstPublish, 3));
  o.row(
    'cold start: the same from the first publish',
    `gateway ${Math.round(med(pairs.map((p) => p.gateway.rateFromFirstPublish)))} msg/s, bare ${Math.round(med(pairs.map((p) => p.bare.rateFromFirstPublish)))} msg/s, ratio ${(100 * med(fromPublish)).toFixed(1)} %  (connect left out: each device's secret is checked once per process)`,
  );
  o.row(
    'cold start: the next burst on the same processes',
    `gateway ${Math.round(med(pairs.map((p) => p.gateway.second.rate)))} msg/s (CPU ${pairs.map((p) => `${p.gateway.second.gatewayCpuSeconds} s ${JSON.stringify(p.gateway.second.gatewayThreadsCpuSeconds)}`).join(', ')} against ${pairs.map((p) => p.gateway.gatewayCpuSeconds).join(', ')} s for the first), ` +
      `bare ${Math.round(med(pairs.map((p) => p.bare.second.rate)))} msg/s (CPU ${pairs.map((p) => p.bare.second.cpuSeconds).join(', ')} s against ${pairs.map((p) => p.bare.cpuSeconds).join(', ')} s); ` +
      `ratio ${(100 * med(pairs.map((p) => p.gateway.second.rate / p.bare.second.rate))).toFixed(1)} %, the first burst at ${(100 * med(pairs.map((p) => p.gateway.rateFromFirstPublish / p.gateway.second.rate))).toFixed(0)} % of the next (from the first publish)`,
  );
  o.row(
    'cold start: first run, where the time went',
    `connect ${first.connectMs} ms, first PUBACK ${first.firstAckMs} ms, stored ${first.storedMs} ms; journaled per second ${first.journaledPerSecond.join(' / ')}, bare received per second ${pairs[0].bare.receivedPerSecond.join(' / ')}; gateway CPU ${first.gatewayCpuSeconds} s by thread ${JSON.stringify(first.gatewayThreadsCpuSeconds)}; event loop: on a CPU ${first.mainThreadSeconds.cpu} s, waiting for one ${first.mainThreadSeconds.runQueue} s, asleep (idle or in a system call) ${first.mainThreadSeconds.asleep} s; the next burst: ${JSON.stringify(first.second.mainThreadSeconds)}`,
  );
  return { messages: o.messages, clients: o.clients, repeat: o.repeat, influxDb: o.influxDb, median: { gatewayRate: gwRate, bareRate, ratio }, pairs };
}
