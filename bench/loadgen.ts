// The load generator: real MQTT clients (mqtt.js, MQTT 3.1.1, TCP), one per simulated device,
// in a process of its own (forked by bench/run.ts). Commands arrive over IPC as
// { id, cmd, ...args } and each is answered with { id, ok, result | error }.
//
//   connect    open a pool of clients (bounded concurrency)        disconnect  close a pool
//   burst      publish `total` readings as fast as a window of in-flight messages per client allows
//   paced      publish at a fixed total rate; optionally measures publish → stored latency
//              (a probe device, InfluxDB polled) and failing check → SSE alert latency
//   steady     each client publishes one reading every `intervalMs`
//   failingChecks  each client publishes one failing check (opens an alert per device)
//
// `burst` with `traffic: 'mixed'` sends each device's next message of bench/traffic.ts (the
// device's type and standing come with `connect`) and answers what it sent, by kind.
//
// Timestamps: every device's `ts` is strictly increasing (max(now, last + 1)) so that no two
// readings of a device share a millisecond (InfluxDB would keep only one of them), and a
// scenario's readings all have ts ≥ the `floor` it is given (counting by time range is exact).
import mqtt, { type MqttClient } from 'mqtt';
import { performance } from 'node:perf_hooks';
import { LeanMqttClient } from './lean-mqtt.ts';
import { failingCheckPayload, latencySummary, percentile, readingPayload, round } from './lib.ts';
import { countMessage, emptyTally, mixedMessage, newMixState, type MixMember, type MixState, type MixTally } from './traffic.ts';

interface Device {
  id: string;
  password?: string;
  /** The device's type and standing, for mixed traffic. */
  member?: MixMember;
}
interface Conn {
  id: string;
  /** mqtt.js, or with `client: 'lean'` bench/lean-mqtt.ts (burst and paced only: no publishAsync) */
  client: MqttClient;
  topic: string;
  state: { seq: number; ts: number; mix?: MixState };
  member?: MixMember;
}

const pools = new Map<string, Conn[]>();
/** `${url}|${device}` → seq and last ts, kept across pools and scenarios. */
const deviceState = new Map<string, { seq: number; ts: number; mix?: MixState }>();

function stateOf(url: string, id: string): { seq: number; ts: number; mix?: MixState } {
  const k = `${url}|${id}`;
  let s = deviceState.get(k);
  if (!s) {
    s = { seq: 0, ts: 0 };
    deviceState.set(k, s);
  }
  return s;
}

function nextTs(s: { ts: number }, floor: number): number {
  const now = Date.now();
  const ts = now > s.ts ? now : s.ts + 1;
  s.ts = ts < floor ? floor : ts;
  return s.ts;
}

async function connect(a: {
  pool: string;
  url: string;
  devices: Device[];
  concurrency?: number;
  keepalive?: number;
  /** 'mqttjs' (default) or 'lean' (bench/lean-mqtt.ts) */
  client?: 'mqttjs' | 'lean';
}): Promise<{ connected: number; ms: number }> {
  const started = performance.now();
  const list: Conn[] = pools.get(a.pool) ?? [];
  pools.set(a.pool, list);
  let next = 0;
  const errors: string[] = [];
  const worker = async () => {
    while (next < a.devices.length) {
      const d = a.devices[next++];
      try {
        const options = {
          clientId: d.id,
          username: d.password ? d.id : undefined,
          password: d.password,
          protocolVersion: 4 as const,
          reconnectPeriod: 0,
          connectTimeout: 120_000,
          keepalive: a.keepalive ?? 120,
          clean: true,
        };
        const client =
          a.client === 'lean' ? ((await LeanMqttClient.connectAsync(a.url, options)) as unknown as MqttClient) : await mqtt.connectAsync(a.url, options);
        client.on('error', () => undefined);
        list.push({ id: d.id, client, topic: `instruments/${d.id}/readings`, state: stateOf(a.url, d.id), member: d.member });
      } catch (e) {
        errors.push(`${d.id}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(a.concurrency ?? 100, a.devices.length) }, worker));
  if (errors.length > 0) throw new Error(`${errors.length} of ${a.devices.length} connections failed, e.g. ${errors.slice(0, 3).join('; ')}`);
  return { connected: list.length, ms: Math.round(performance.now() - started) };
}

async function disconnect(a: { pool: string }): Promise<{ closed: number }> {
  const list = pools.get(a.pool) ?? [];
  pools.delete(a.pool);
  await Promise.all(list.map((c) => c.client.endAsync(true).catch(() => undefined)));
  return { closed: list.length };
}

function pool(name: string): Conn[] {
  const p = pools.get(name);
  if (!p || p.length === 0) throw new Error(`no connected pool ${name}`);
  return p;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return Math.round((u.user + u.system) / 1000);
}

/**
 * Publishes `total` messages spread evenly over the pool, `window` in flight per client: plain
 * readings, or with `traffic: 'mixed'` each device's next message of bench/traffic.ts.
 * `firstAckMs`: the first completed publish (QoS 1: PUBACK), from the start.
 */
async function burst(a: { pool: string; qos: 0 | 1; total: number; window: number; floor: number; traffic?: 'plain' | 'mixed' | 'mixed-valid' }) {
  const conns = pool(a.pool);
  const cpu = process.cpuUsage();
  const startedAt = Date.now();
  const t0 = performance.now();
  let errors = 0;
  let maxTs = 0;
  let firstAckMs: number | undefined;
  const mixed = a.traffic === 'mixed' || a.traffic === 'mixed-valid';
  const allValid = a.traffic === 'mixed-valid';
  const tally: MixTally | undefined = mixed ? emptyTally() : undefined;
  // publish → PUBACK (QoS 1) of every 16th message of each client, ms (acknowledgements come in order per client)
  const ackLatencies: number[] = [];
  if (mixed && conns.some((c) => !c.member)) throw new Error(`pool ${a.pool} was connected without device types: no mixed traffic`);
  await Promise.all(
    conns.map(
      (c, i) =>
        new Promise<void>((resolve) => {
          const quota = Math.floor(a.total / conns.length) + (i < a.total % conns.length ? 1 : 0);
          let sent = 0;
          let done = 0;
          let inflight = 0;
          const opts = { qos: a.qos };
          const stamps: number[] = [];
          const onDone = (err?: Error) => {
            if (err) errors++;
            if ((done & 15) === 0) ackLatencies.push(performance.now() - stamps[done >> 4]);
            if (firstAckMs === undefined) firstAckMs = performance.now() - t0;
            inflight--;
            done++;
            if (done === quota) resolve();
            else pump();
          };
          const pump = () => {
            while (inflight < a.window && sent < quota) {
              if ((sent & 15) === 0) stamps[sent >> 4] = performance.now();
              sent++;
              inflight++;
              const ts = nextTs(c.state, a.floor);
              if (tally) {
                const m = mixedMessage(c.member!, (c.state.mix ??= newMixState(c.member!.index)), ++c.state.seq, ts, allValid);
                countMessage(tally, m.kind);
                c.client.publish(m.topic === 'readings' ? c.topic : `instruments/${c.id}/checks`, m.payload, opts, onDone);
              } else c.client.publish(c.topic, readingPayload(++c.state.seq, ts), opts, onDone);
            }
          };
          if (quota === 0) resolve();
          else pump();
        }),
    ),
  );
  for (const c of conns) maxTs = Math.max(maxTs, c.state.ts);
  const ms = performance.now() - t0;
  return {
    startedAt,
    finishedAt: Date.now(),
    ms: Math.round(ms),
    sent: a.total,
    errors,
    rate: Math.round(a.total / (ms / 1000)),
    maxTs,
    firstAckMs: firstAckMs === undefined ? undefined : Math.round(firstAckMs),
    tally,
    loadgenCpuMs: cpuMs(cpu),
    ackMs: quantiles(ackLatencies),
  };
}

function quantiles(xs: number[]): { p10: number; p50: number; p90: number; p99: number } | undefined {
  if (xs.length === 0) return undefined;
  return { p10: round(percentile(xs, 10)), p50: round(percentile(xs, 50)), p90: round(percentile(xs, 90)), p99: round(percentile(xs, 99)) };
}

interface LatencyProbe {
  /** the probe device (its own connection), readings at `rate` per second, QoS 1 */
  device: Device;
  url: string;
  rate: number;
  influxUrl: string;
  db: string;
  pollMs: number;
}
interface AlertProbe {
  device: Device;
  url: string;
  rate: number;
  apiUrl: string;
  token: string;
}

/** Publishes at `rate` msg/s in total over the pool for `seconds`, QoS `qos`, with optional probes. */
async function paced(a: {
  pool: string;
  qos: 0 | 1;
  rate: number;
  seconds: number;
  window: number;
  floor: number;
  latency?: LatencyProbe;
  alerts?: AlertProbe;
  /** 'mixed': each device's next message of bench/traffic.ts (the pool connected with device types); 'mixed-valid': the same, all valid */
  traffic?: 'plain' | 'mixed' | 'mixed-valid';
}) {
  const conns = pool(a.pool);
  const cpu = process.cpuUsage();
  const inflight = new Array<number>(conns.length).fill(0);
  let sent = 0;
  let acked = 0;
  let skipped = 0;
  let errors = 0;
  const opts = { qos: a.qos };
  const t0 = performance.now();
  const end = t0 + a.seconds * 1000;
  let rr = 0;

  const probes = a.latency ? await startLatencyProbe(a.latency, a.floor) : undefined;
  const alerts = a.alerts ? await startAlertProbe(a.alerts, a.floor) : undefined;

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.floor((Math.min(now, end) - t0) * (a.rate / 1000)) - sent - skipped;
      for (let k = 0; k < due; k++) {
        const i = rr++ % conns.length;
        if (inflight[i] >= a.window) {
          skipped++;
          continue;
        }
        const c = conns[i];
        inflight[i]++;
        sent++;
        const ts = nextTs(c.state, a.floor);
        const onDone = (err?: Error) => {
          inflight[i]--;
          if (err) errors++;
          else acked++;
        };
        if (a.traffic === 'mixed' || a.traffic === 'mixed-valid') {
          const m = mixedMessage(c.member!, (c.state.mix ??= newMixState(c.member!.index)), ++c.state.seq, ts, a.traffic === 'mixed-valid');
          c.client.publish(m.topic === 'readings' ? c.topic : `instruments/${c.id}/checks`, m.payload, opts, onDone);
        } else c.client.publish(c.topic, readingPayload(++c.state.seq, ts), opts, onDone);
      }
      if (now >= end) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  const elapsed = (performance.now() - t0) / 1000;
  const latency = probes ? await probes.stop() : undefined;
  const alertLatency = alerts ? await alerts.stop() : undefined;
  let maxTs = 0;
  for (const c of conns) maxTs = Math.max(maxTs, c.state.ts);
  return {
    sent,
    acked,
    skipped,
    errors,
    rate: Math.round(sent / elapsed),
    seconds: Math.round(elapsed * 10) / 10,
    maxTs,
    latency,
    alerts: alertLatency,
    loadgenCpuMs: cpuMs(cpu),
  };
}

/**
 * Publish → stored: the probe device stamps each reading (seq, ts = now) and remembers when it
 * published it; a poller asks InfluxDB every `pollMs` for the probe's readings newer than the
 * oldest one not yet seen, and a reading's latency is the time at which the answer that first
 * contains it arrived minus its publish time (an upper bound, at most one poll period too high).
 */
async function startLatencyProbe(p: LatencyProbe, floor: number) {
  const client = await mqtt.connectAsync(p.url, {
    clientId: p.device.id,
    username: p.device.id,
    password: p.device.password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  client.on('error', () => undefined);
  const st = stateOf(p.url, p.device.id);
  const pending = new Map<number, { at: number; ts: number }>();
  const samples: number[] = [];
  let stopping = false;
  const topic = `instruments/${p.device.id}/readings`;
  const pub = setInterval(() => {
    const ts = nextTs(st, floor);
    const seq = ++st.seq;
    pending.set(seq, { at: performance.now(), ts });
    client.publish(topic, readingPayload(seq, ts), { qos: 1 });
  }, 1000 / p.rate);
  const poll = async () => {
    while (!stopping || pending.size > 0) {
      if (pending.size > 0) {
        let oldest = Infinity;
        for (const v of pending.values()) oldest = Math.min(oldest, v.ts);
        const q = `SELECT seq FROM reading WHERE device = '${p.device.id}' AND time >= ${oldest}ms`;
        try {
          const res = await fetch(`${p.influxUrl}/query?db=${p.db}&epoch=ms&q=${encodeURIComponent(q)}`);
          const body = (await res.json()) as { results: { series?: { values: [number, number][] }[] }[] };
          const at = performance.now();
          for (const [, seq] of body.results[0]?.series?.[0]?.values ?? []) {
            const v = pending.get(seq);
            if (v) {
              samples.push(at - v.at);
              pending.delete(seq);
            }
          }
        } catch {
          /* next poll */
        }
      }
      if (stopping && performance.now() > stopDeadline) break;
      await new Promise((r) => setTimeout(r, p.pollMs));
    }
  };
  let stopDeadline = Infinity;
  const loop = poll();
  return {
    async stop() {
      clearInterval(pub);
      stopping = true;
      stopDeadline = performance.now() + 30_000;
      await loop;
      await client.endAsync(true).catch(() => undefined);
      return { ...latencySummary(samples), lost: pending.size, method: `probe device at ${p.rate}/s, InfluxDB polled every ${p.pollMs} ms` };
    },
  };
}

/** Failing check → `event: alert` on the SSE stream (out-of-tolerance, opened or repeated), matched by seq. */
async function startAlertProbe(p: AlertProbe, floor: number) {
  const ctl = new AbortController();
  const res = await fetch(`${p.apiUrl}/api/v1/alerts/stream`, {
    headers: { authorization: `Bearer ${p.token}`, accept: 'text/event-stream' },
    signal: ctl.signal,
  });
  if (!res.ok || !res.body) throw new Error(`SSE stream: HTTP ${res.status}`);
  const pending = new Map<number, number>();
  const samples: number[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const reader = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const at = performance.now();
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (event === 'ready') ready();
          if (event !== 'alert') continue;
          const alert = JSON.parse(data) as { device: string; kind: string; details?: { seq?: number } };
          if (alert.device !== p.device.id || alert.kind !== 'out-of-tolerance') continue;
          const seq = alert.details?.seq;
          const sentAt = seq === undefined ? undefined : pending.get(seq);
          if (sentAt !== undefined) {
            samples.push(at - sentAt);
            pending.delete(seq!);
          }
        }
      }
    } catch {
      /* aborted */
    }
  })();
  await isReady;
  const client = await mqtt.connectAsync(p.url, {
    clientId: p.device.id,
    username: p.device.id,
    password: p.device.password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  client.on('error', () => undefined);
  const st = stateOf(p.url, p.device.id);
  const topic = `instruments/${p.device.id}/checks`;
  const pub = setInterval(() => {
    const ts = nextTs(st, floor);
    const seq = ++st.seq;
    pending.set(seq, performance.now());
    client.publish(topic, failingCheckPayload(seq, ts), { qos: 1 });
  }, 1000 / p.rate);
  return {
    async stop() {
      clearInterval(pub);
      const deadline = performance.now() + 10_000;
      while (pending.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      ctl.abort();
      await reader;
      await client.endAsync(true).catch(() => undefined);
      return { ...latencySummary(samples), lost: pending.size };
    },
  };
}

/** Each client publishes one reading (QoS 1) every `intervalMs`, phases spread evenly; runs for `seconds`. */
async function steady(a: { pool: string; intervalMs: number; seconds: number; floor: number }) {
  const conns = pool(a.pool);
  const cpu = process.cpuUsage();
  let sent = 0;
  let acked = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + a.seconds * 1000;
  let nextIdx = 0; // how many publications are due so far, over all clients
  const perMs = conns.length / a.intervalMs;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.floor((Math.min(now, end) - t0) * perMs);
      while (nextIdx < due) {
        const c = conns[nextIdx++ % conns.length];
        sent++;
        const ts = nextTs(c.state, a.floor);
        c.client.publish(c.topic, readingPayload(++c.state.seq, ts), { qos: 1 }, (err) => (err ? errors++ : acked++));
      }
      if (now >= end) resolve();
      else setTimeout(tick, 20);
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, 2000));
  let maxTs = 0;
  for (const c of conns) maxTs = Math.max(maxTs, c.state.ts);
  return { sent, acked, errors, maxTs, loadgenCpuMs: cpuMs(cpu) };
}

/** Every client of the pool publishes one failing check (QoS 1): one open out-of-tolerance alert per device. */
async function failingChecks(a: { pool: string; floor: number }) {
  const conns = pool(a.pool);
  const started = performance.now();
  let errors = 0;
  // in slices, so that the gateway's alert work does not pile up behind thousands at once
  for (let i = 0; i < conns.length; i += 200) {
    await Promise.all(
      conns.slice(i, i + 200).map((c) => {
        const ts = nextTs(c.state, a.floor);
        return c.client.publishAsync(`instruments/${c.id}/checks`, failingCheckPayload(++c.state.seq, ts), { qos: 1 }).catch(() => errors++);
      }),
    );
  }
  let maxTs = 0;
  for (const c of conns) maxTs = Math.max(maxTs, c.state.ts);
  return { sent: conns.length, errors, ms: Math.round(performance.now() - started), maxTs };
}

const commands: Record<string, (a: any) => Promise<unknown>> = { connect, disconnect, burst, paced, steady, failingChecks };

process.on('message', (m: { id: number; cmd: string }) => {
  const fn = commands[m.cmd];
  if (!fn) {
    process.send!({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
    return;
  }
  fn(m).then(
    (result) => process.send!({ id: m.id, ok: true, result }),
    (e: Error) => process.send!({ id: m.id, ok: false, error: e.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
