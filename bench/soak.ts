// `npm run soak [-- --minutes 3 --devices 20 --rate 50 --window 8 --seed 1]`
//
// Soak under faults: simulated devices (real MQTT clients over TCP, QoS 1) publish readings to
// the gateway running as a CHILD PROCESS (`node bin/mag.mjs start`) that writes to a real
// InfluxDB 1.x (`influxd`), for a set time. Meanwhile, at random, InfluxDB is stopped (SIGTERM)
// or killed (SIGKILL) and restarted, and the gateway is killed (SIGKILL) or stopped (SIGTERM) and started again on the
// same data dir, sometimes while InfluxDB is down (the journal then holds a backlog at the kill).
// Devices do what a real device does: reconnect, and publish again every message that got no
// PUBACK. At the end the devices stop, every unacknowledged message is published again, the
// journal drains, and the script counts what InfluxDB holds:
//
//   sent          distinct readings the devices published (each seq once per device)
//   publishes     PUBLISH packets, resends included
//   acknowledged  readings that got a PUBACK during the run (before the final resend)
//   stored        points in InfluxDB (count(value))
//   duplicates    stored − distinct seqs stored (a point stored twice under another time)
//   missing       acknowledged readings not in InfluxDB (the promise: must be 0)
//   unknown       stored seqs never sent (must be 0)
//
// `--long-outage 120` adds one InfluxDB outage of that many seconds a third into the run and
// reports how fast the backlog it leaves drains (mag_sink_delivered_points over time).
//
// Not a test (ENGINEERING.md: a benchmark prints numbers); exits 1 if missing, duplicates or
// unknown are not 0. Needs `influxd` on PATH (apt-get install influxdb).
import { parseArgs } from 'node:util';
import { startInfluxd, type InfluxdHandle, type InfluxQueryResult } from '../test/support/influxd.ts';
import { createGatewayProcess, sigkillInfluxd, StreamDevice, type GatewayProcess } from '../test/support/gateway-process.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    devices: { type: 'string', default: '20' },
    rate: { type: 'string', default: '50' },
    window: { type: 'string', default: '8' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    'fault-every': { type: 'string', default: '15' },
    'long-outage': { type: 'string', default: '0' },
  },
});
const MINUTES = Number(args.minutes);
const DEVICES = Number(args.devices);
const RATE = Number(args.rate); // readings per second per device
const WINDOW = Number(args.window); // QoS 1 messages awaiting PUBACK per device
const FAULT_EVERY_S = Number(args['fault-every']); // mean pause between faults
/** Seconds of one long InfluxDB outage a third into the run (0: none): the drain rate of a big backlog. */
const LONG_OUTAGE_S = Number(args['long-outage']);
let seed = Number(args.seed);
for (const [k, v] of Object.entries({ MINUTES, DEVICES, RATE, WINDOW, FAULT_EVERY_S, seed })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k.toLowerCase()} must be a positive number (got ${v})`);
}

/** mulberry32: the fault schedule is reproducible with --seed. */
function random(): number {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo: number, hi: number) => lo + random() * (hi - lo);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const t0 = Date.now();
const stamp = () => `[soak +${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s]`;
const say = (s: string) => console.log(`${stamp()} ${s}`);

function rows(res: InfluxQueryResult): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of res.results[0].series ?? []) for (const v of s.values) out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  return out;
}

interface DeviceRun {
  dev: StreamDevice;
  publishes: number;
  /** Seqs published without a PUBACK before the connection went: published again first. */
  resend: number[];
  nextSeq: number;
}

/** One device: connects (retrying while the gateway is down), publishes at RATE with up to WINDOW in flight, resends what got no PUBACK. */
async function runDevice(d: DeviceRun, gp: GatewayProcess, stopping: () => boolean): Promise<void> {
  const interval = 1000 / RATE;
  let due = Date.now();
  while (!stopping()) {
    if (!d.dev.client?.connected) {
      try {
        await d.dev.connect(gp.mqttUrl, { connectTimeout: 2000 });
      } catch {
        await sleep(between(100, 400));
        continue;
      }
      due = Math.max(due, Date.now() - 1000); // no huge catch-up burst after an outage
    }
    const lane = async () => {
      while (!stopping() && d.dev.client?.connected) {
        let seq = d.resend.shift();
        if (seq === undefined) {
          const wait = due - Date.now();
          due += interval;
          if (wait > 0) await sleep(wait);
          if (stopping()) return;
          seq = d.nextSeq++;
        }
        d.publishes++;
        try {
          await d.dev.publishOne(seq);
        } catch {
          d.resend.push(seq); // no PUBACK: the device keeps it and sends it again
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
  }
}

interface Fault {
  kind: 'influxd-restart' | 'gateway-sigkill' | 'gateway-sigterm' | 'sigkill-while-influxd-down' | 'long-influxd-outage';
  at: number;
  downMs: number;
  backlogBefore?: number;
  drainMs?: number;
  detail?: string;
}

// Long on purpose: the soak run as one script, top to bottom (start, faults, counts, report).
async function main(): Promise<void> {
  say(`${DEVICES} devices × ${RATE} readings/s (QoS 1, window ${WINDOW}) for ${MINUTES} min, a fault every ~${FAULT_EVERY_S} s, seed ${args.seed}`);
  const influxd: InfluxdHandle = await startInfluxd();
  const gp = await createGatewayProcess({ MAG_INFLUX_URL: influxd.url, MAG_SINK_RETRY_MAX_MS: '1000', MAG_LOG_LEVEL: 'warn' });
  const runs: DeviceRun[] = [];
  const faults: Fault[] = [];
  let influxUp = true;
  try {
    await gp.start();
    say(`gateway child pid ${gp.pid} (mqtt ${gp.mqttUrl}, http ${gp.api}), influxd ${influxd.url}, data dir ${gp.dataDir}`);
    // Readings 1 s apart, ending before now: replays of a seq overwrite the same point.
    const base = Math.floor(Date.now() / 1000) * 1000 - 40 * 86_400_000;
    for (let i = 1; i <= DEVICES; i++) {
      const id = `soak-${i}`;
      runs.push({
        dev: new StreamDevice(id, await gp.device({ id, type: 'barometer' }), (seq) => base + i * 3_600_000 + seq * 1000),
        publishes: 0,
        resend: [],
        nextSeq: 1,
      });
    }

    const endAt = Date.now() + MINUTES * 60_000;
    let stopping = false;
    const devicesDone = Promise.all(runs.map((r) => runDevice(r, gp, () => stopping)));

    // Watches the backlog (the largest seen and the drain after each fault).
    let maxBacklog = 0;
    let maxOldestAge = 0;
    let maxDrainRate = 0;
    const readyz = async () => {
      try {
        const r = await gp.call('GET', '/readyz');
        return r.body?.journal as { backlogPoints: number; oldestAgeSeconds: number; drainRatePointsPerSecond: number } | undefined;
      } catch {
        return undefined; // gateway down
      }
    };
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const j = gp.running ? await readyz() : undefined;
        if (j) {
          maxBacklog = Math.max(maxBacklog, j.backlogPoints);
          maxOldestAge = Math.max(maxOldestAge, j.oldestAgeSeconds);
          maxDrainRate = Math.max(maxDrainRate, j.drainRatePointsPerSecond);
        }
        await sleep(500);
      }
    })();
    /** Time for the backlog to fall under what one second of live traffic adds. */
    const timeToDrain = async (limitMs: number): Promise<number | undefined> => {
      const s = Date.now();
      while (Date.now() - s < limitMs) {
        const j = await readyz();
        if (j && j.backlogPoints <= DEVICES * RATE) return Date.now() - s;
        await sleep(100);
      }
      return undefined;
    };

    const delivered = async () => {
      const m = (await gp.call('GET', '/metrics')).body as string;
      return Number(/^mag_sink_delivered_points ([0-9.e+-]+)$/m.exec(m)?.[1] ?? NaN);
    };
    let longDrain: { outageSeconds: number; backlog: number; secondsToDrain: number; peakPointsPerSecond: number; livePointsPerSecond: number } | undefined;
    const longAt = Date.now() + (endAt - Date.now()) / 3;

    const kinds: Fault['kind'][] = ['influxd-restart', 'gateway-sigkill', 'gateway-sigterm', 'sigkill-while-influxd-down'];
    while (Date.now() < endAt) {
      await sleep(Math.min(between(0.5, 1.5) * FAULT_EVERY_S * 1000, Math.max(0, endAt - Date.now())));
      if (Date.now() >= endAt - 5000) break;
      const kind = LONG_OUTAGE_S > 0 && !longDrain && Date.now() >= longAt ? 'long-influxd-outage' : kinds[Math.floor(random() * kinds.length)];
      const f: Fault = { kind, at: Date.now() - t0, downMs: 0 };
      faults.push(f);
      const started = Date.now();
      if (f.kind === 'long-influxd-outage') {
        await influxd.stop();
        influxUp = false;
        say(`influxd stopped for ${LONG_OUTAGE_S} s`);
        await sleep(LONG_OUTAGE_S * 1000);
        const backlog = (await readyz())?.backlogPoints ?? 0;
        f.backlogBefore = backlog;
        const d0 = await delivered();
        const r0 = Date.now();
        await influxd.restart();
        influxUp = true;
        f.downMs = Date.now() - started;
        // Delivered points per 250 ms, until the backlog is under one second of live traffic.
        let peak = 0;
        let prev = { at: Date.now(), n: await delivered() };
        let doneAt: number | undefined;
        while (Date.now() - r0 < 600_000) {
          await sleep(250);
          const cur = { at: Date.now(), n: await delivered() };
          peak = Math.max(peak, ((cur.n - prev.n) * 1000) / (cur.at - prev.at));
          prev = cur;
          const j = await readyz();
          if (j && j.backlogPoints <= DEVICES * RATE) {
            doneAt = Date.now();
            break;
          }
        }
        f.drainMs = doneAt === undefined ? undefined : doneAt - r0;
        const secs = (f.drainMs ?? NaN) / 1000;
        longDrain = {
          outageSeconds: Math.round(f.downMs / 100) / 10,
          backlog,
          secondsToDrain: Math.round(secs * 10) / 10,
          peakPointsPerSecond: Math.round(peak),
          livePointsPerSecond: DEVICES * RATE,
        };
        f.detail = `${prev.n - d0} points delivered, peak ${Math.round(peak)} points/s (live traffic ${DEVICES * RATE}/s)`;
      } else if (f.kind === 'influxd-restart') {
        // Half of the outages kill influxd outright (SIGKILL): its own WAL must keep what it confirmed.
        const hard = random() < 0.5;
        if (hard) await sigkillInfluxd(influxd);
        else await influxd.stop();
        f.detail = hard ? 'influxd SIGKILLed' : 'influxd stopped (SIGTERM)';
        influxUp = false;
        await sleep(between(2000, 15000));
        f.backlogBefore = (await readyz())?.backlogPoints;
        await influxd.restart();
        influxUp = true;
        f.downMs = Date.now() - started;
        f.drainMs = await timeToDrain(120_000);
      } else if (f.kind === 'sigkill-while-influxd-down') {
        await sigkillInfluxd(influxd);
        influxUp = false;
        await sleep(between(2000, 6000));
        f.backlogBefore = (await readyz())?.backlogPoints;
        await gp.kill('SIGKILL');
        await sleep(between(200, 2000));
        await gp.start();
        const recovered = (await readyz())?.backlogPoints;
        await sleep(between(1000, 4000));
        await influxd.restart();
        influxUp = true;
        f.downMs = Date.now() - started;
        f.detail = `${recovered} points recovered from the journal at restart`;
        f.drainMs = await timeToDrain(120_000);
      } else {
        const signal = f.kind === 'gateway-sigkill' ? 'SIGKILL' : 'SIGTERM';
        f.backlogBefore = (await readyz())?.backlogPoints;
        const r = await gp.kill(signal, 30_000);
        f.detail = signal === 'SIGTERM' ? `exit code ${r.code} after ${r.ms} ms` : `killed`;
        await sleep(between(200, 3000));
        await gp.start();
        f.downMs = Date.now() - started;
      }
      say(
        `${f.kind}: down ${(f.downMs / 1000).toFixed(1)} s, backlog before ${f.backlogBefore ?? '-'} points${f.drainMs !== undefined ? `, back under 1 s of traffic in ${(f.drainMs / 1000).toFixed(1)} s` : ''}${f.detail ? `, ${f.detail}` : ''}`,
      );
      const sent = runs.reduce((n, r) => n + r.nextSeq - 1, 0);
      const acked = runs.reduce((n, r) => n + r.dev.acked.size, 0);
      say(`  so far: sent ${sent}, acknowledged ${acked}`);
    }

    // End: stop new readings, then resend every reading still without a PUBACK.
    stopping = true;
    await devicesDone;
    if (!influxUp) await influxd.restart();
    const ackedDuringRun = new Map(runs.map((r) => [r.dev.id, new Set(r.dev.acked)]));
    const unackedAtEnd = runs.reduce((n, r) => n + (r.nextSeq - 1 - r.dev.acked.size), 0);
    say(`stopped publishing; ${unackedAtEnd} readings without PUBACK are published again`);
    await Promise.all(
      runs.map(async (r) => {
        const todo = r.dev.unacked(r.nextSeq - 1);
        for (let attempt = 0; todo.length > 0 && attempt < 20; attempt++) {
          try {
            if (!r.dev.client?.connected) await r.dev.connect(gp.mqttUrl);
            r.publishes += todo.length;
            await r.dev.publishAll(todo, WINDOW);
          } catch {
            await sleep(500);
          }
          todo.splice(0, todo.length, ...r.dev.unacked(r.nextSeq - 1));
        }
      }),
    );
    const drainStart = Date.now();
    await gp.drained(300_000);
    say(`journal drained ${((Date.now() - drainStart) / 1000).toFixed(1)} s after the last PUBACK`);
    watching = false;
    await watcher;

    // Count what InfluxDB holds, per device.
    let stored = 0;
    let distinctStored = 0;
    let missing = 0;
    let unknown = 0;
    let sent = 0;
    let ackedTotal = 0;
    let publishes = 0;
    for (const r of runs) {
      const n = r.nextSeq - 1;
      sent += n;
      publishes += r.publishes;
      const acked = ackedDuringRun.get(r.dev.id)!;
      ackedTotal += acked.size;
      const count = (rows(await influxd.query(`SELECT count(value) FROM reading WHERE device = '${r.dev.id}'`))[0]?.count as number | undefined) ?? 0;
      const seqs = rows(await influxd.query(`SELECT seq FROM reading WHERE device = '${r.dev.id}'`)).map((x) => x.seq as number);
      if (seqs.length !== count) throw new Error(`InfluxDB returned ${seqs.length} rows for ${r.dev.id} but counts ${count} (max-row-limit?)`);
      const set = new Set(seqs);
      stored += count;
      distinctStored += set.size;
      for (const s of acked) if (!set.has(s)) missing++;
      for (const s of set) if (s < 1 || s > n) unknown++;
    }
    const duplicates = stored - distinctStored;
    const notStoredUnacked = sent - distinctStored - missing; // sent, never acknowledged even after the resend, not stored
    const m = (await gp.call('GET', '/metrics')).body as string;
    const deadLetters = Number(/^mag_sink_dead_letters ([0-9.e+-]+)$/m.exec(m)?.[1] ?? NaN);
    // Beyond MAG_DEVICE_MSG_RATE the gateway answers on feedback without storing (since its last start).
    const rateLimited = Number(/^mag_limit_refused_total\{limit="mqtt_message_rate"\} ([0-9.e+-]+)$/m.exec(m)?.[1] ?? 0);

    const count = (k: Fault['kind']) => faults.filter((f) => f.kind === k).length;
    const outages = faults.filter((f) => f.kind === 'influxd-restart' || f.kind === 'sigkill-while-influxd-down' || f.kind === 'long-influxd-outage');
    const drains = outages.filter((f) => f.drainMs !== undefined && f.backlogBefore);
    const result = {
      minutes: MINUTES,
      devices: DEVICES,
      ratePerDevice: RATE,
      window: WINDOW,
      seed: Number(args.seed),
      faults: {
        influxdRestarts: count('influxd-restart') + count('sigkill-while-influxd-down') + count('long-influxd-outage'),
        gatewaySigkill: count('gateway-sigkill') + count('sigkill-while-influxd-down'),
        gatewaySigterm: count('gateway-sigterm'),
        longestInfluxdOutageSeconds: Math.round(Math.max(0, ...outages.map((f) => f.downMs)) / 100) / 10,
      },
      sent,
      publishes,
      acknowledged: ackedTotal,
      unacknowledgedResent: unackedAtEnd,
      stored,
      duplicates,
      missing,
      unknown,
      neverAcknowledgedNotStored: notStoredUnacked,
      deadLetters,
      rateLimitedSinceLastStart: rateLimited,
      maxBacklogPoints: maxBacklog,
      maxOldestAgeSeconds: Math.round(maxOldestAge),
      maxDrainRatePointsPerSecond: maxDrainRate,
      drainsAfterOutage: drains.map((f) => ({ backlog: f.backlogBefore, seconds: Math.round(f.drainMs! / 100) / 10 })),
      longOutage: longDrain,
    };
    console.log(`\n${stamp()} result`);
    console.log(`  sent          ${sent} readings (${publishes} PUBLISH packets, resends included)`);
    console.log(`  acknowledged  ${ackedTotal} during the run; ${unackedAtEnd} without PUBACK at the end, published again`);
    console.log(`  stored        ${stored} points in InfluxDB (${distinctStored} distinct seqs)`);
    console.log(`  duplicates    ${duplicates}`);
    console.log(`  missing       ${missing} acknowledged readings not in InfluxDB`);
    console.log(`  unknown       ${unknown} stored seqs never sent`);
    console.log(`  faults        ${faults.length}: ${JSON.stringify(result.faults)}`);
    console.log(`  backlog       max ${maxBacklog} points, oldest ${result.maxOldestAgeSeconds} s, /readyz drain rate up to ${maxDrainRate} points/s`);
    if (longDrain) {
      console.log(
        `  long outage   influxd down ${longDrain.outageSeconds} s, backlog ${longDrain.backlog} points, drained to under 1 s of traffic ${longDrain.secondsToDrain} s after the restart (influxd start-up included), ` +
          `peak ${longDrain.peakPointsPerSecond} points/s while ${longDrain.livePointsPerSecond} points/s of live traffic kept being acknowledged`,
      );
    }
    console.log(`  ${JSON.stringify(result)}`);
    if (missing !== 0 || duplicates !== 0 || unknown !== 0 || stored !== sent) {
      console.log('FAIL: the gateway lost or duplicated acknowledged data');
      process.exitCode = 1;
    }
  } catch (e) {
    console.error(`${stamp()} soak aborted: ${(e as Error).stack}\n--- gateway output ---\n${gp.output()}`);
    process.exitCode = 2;
  } finally {
    await Promise.all(runs.map((r) => r.dev.close()));
    await gp.destroy();
    await influxd.destroy();
  }
}

await main();
