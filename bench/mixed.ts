// The `mixed` and `unverified` scenarios of `npm run bench`: one kind of traffic against another
// in interleaved pairs on the same warm gateway, each timed from the first publish until InfluxDB
// counts everything stored, and the ratio of their rates.
//
//   mixed       all-valid barometer readings (the qos1 pool) vs a realistic fleet (bench/traffic.ts)
//   mixed-status  the same fleet all valid (every device verified, nothing out of range, failing
//               or invalid) vs the realistic fleet: what the readings' status costs, apart from
//               what their types (transactions, checks) do
//   unverified  all-valid barometer readings vs the same from barometers whose verification expired
import type { InfluxdHandle } from '../test/support/influxd.ts';
import { procSample, round } from './lib.ts';
import { gatewayCounts, log, sleep, waitStored, type GatewayProc, type Rpc } from './processes.ts';
import type { MixTally } from './traffic.ts';

export interface PairContext {
  lg: Rpc;
  gw: GatewayProc;
  influx: InfluxdHandle;
  /** A floor above every timestamp sent so far (and above maxTs). */
  nextFloor(maxTs: number): number;
  row(k: string, v: string): void;
  messages: number;
  repeat: number;
  warmup: number;
  window: number;
  /** Unresolved alerts by kind (the API's view), to show what the traffic raised. */
  alertsByKind?: () => Promise<Record<string, number>>;
}

export interface Side {
  label: string;
  pool: string;
  traffic: 'plain' | 'mixed' | 'mixed-valid';
}

interface Run {
  rate: number;
  storedMs: number;
  sendMs: number;
  firstAckMs?: number;
  complete: boolean;
  cpuUsPerMessage: number;
  influxdCpuSeconds: number;
  /** The load generator's CPU per message (µs): it shares the two cores with the gateway and influxd. */
  loadgenCpuUs: number;
  tally?: MixTally;
  asStored?: Record<string, number>;
}

const median = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length === 0 ? NaN : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** InfluxDB's counts of a run's points (ts in [floor, maxTs]) by what they are, to confirm the mix sent is the mix stored. */
async function storedMix(influx: InfluxdHandle, floor: number, maxTs: number): Promise<Record<string, number>> {
  const range = `time >= ${floor}ms AND time <= ${maxTs}ms`;
  const q = [
    `SELECT count(value) FROM reading WHERE ${range} AND status = 'ok'`,
    `SELECT count(value) FROM reading WHERE ${range} AND status = 'unverified'`,
    `SELECT count(value) FROM reading WHERE ${range} AND status = 'out-of-range'`,
    `SELECT count(value) FROM reading WHERE ${range} AND status = 'implausible'`,
    `SELECT count(volume) FROM "transaction" WHERE ${range}`,
    `SELECT count(error) FROM "check" WHERE ${range} AND decision = 'pass'`,
    `SELECT count(error) FROM "check" WHERE ${range} AND decision = 'fail'`,
    `SELECT count(error) FROM "check" WHERE ${range} AND decision <> 'pass' AND decision <> 'fail'`,
  ];
  const names = ['ok', 'unverified', 'out-of-range', 'implausible', 'transactions', 'checks pass', 'checks fail', 'checks conditional'];
  const r = await influx.query(q.join(';'));
  const out: Record<string, number> = {};
  for (const [i, res] of r.results.entries()) out[names[i]] = Number(res.series?.[0]?.values?.[0]?.[1] ?? 0);
  return out;
}

/** readings + checks with ts ≥ floor, in one request. */
async function readingsAndChecks(influx: InfluxdHandle, floor: number): Promise<number> {
  try {
    const r = await influx.query(`SELECT count(value) FROM reading WHERE time >= ${floor}ms; SELECT count(error) FROM "check" WHERE time >= ${floor}ms`);
    return r.results.reduce((n, res) => n + Number(res.series?.[0]?.values?.[0]?.[1] ?? 0), 0);
  } catch {
    return -1;
  }
}

async function oneRun(ctx: PairContext, side: Side, total: number): Promise<Run> {
  const { lg, gw, influx } = ctx;
  const f = ctx.nextFloor(0);
  const s0 = procSample(gw.pid);
  const i0 = procSample(influx.pid!);
  const counted = await gatewayCounts(gw);
  const b = await lg.call('burst', { pool: side.pool, qos: 1, total, window: ctx.window, floor: f, traffic: side.traffic });
  const tally = b.tally as MixTally | undefined;
  const expected = tally ? tally.readingPoints + tally.checkPoints : total;
  const stored = await waitStored(
    influx,
    f,
    expected,
    300_000,
    100,
    20_000,
    async () => (await gatewayCounts(gw)).delivered - counted.delivered,
    tally ? () => readingsAndChecks(influx, f) : undefined,
    tally ? tally.points : total,
  );
  const s1 = procSample(gw.pid);
  const i1 = procSample(influx.pid!);
  ctx.nextFloor(b.maxTs);
  const storedMs = stored.at - b.startedAt;
  const run: Run = {
    rate: Math.round((total / storedMs) * 1000),
    storedMs,
    sendMs: b.ms,
    firstAckMs: b.firstAckMs,
    complete: stored.complete,
    cpuUsPerMessage: round(((s1.cpuSeconds - s0.cpuSeconds) * 1e6) / total, 1),
    influxdCpuSeconds: round(i1.cpuSeconds - i0.cpuSeconds, 2),
    loadgenCpuUs: round((b.loadgenCpuMs * 1e3) / total, 1),
    tally,
  };
  if (tally) run.asStored = await storedMix(influx, f, b.maxTs).catch(() => undefined);
  return run;
}

/** Warm-up of both sides (not measured), then `repeat` pairs a, b; rows and the JSON of the scenario. */
export async function runPairs(ctx: PairContext, name: string, a: Side, b: Side): Promise<Record<string, unknown>> {
  if (ctx.warmup > 0) {
    log(`${name}: warm-up, ${ctx.warmup} messages of each kind (not measured) …`);
    for (const side of [a, b]) await oneRun(ctx, side, ctx.warmup);
    await sleep(1000);
  }
  const pairs: { a: Run; b: Run; ratio: number }[] = [];
  for (let rep = 1; rep <= ctx.repeat; rep++) {
    log(`${name} (${rep}/${ctx.repeat}): ${ctx.messages} messages, ${a.label} …`);
    const ra = await oneRun(ctx, a, ctx.messages);
    await sleep(1000);
    log(`${name} (${rep}/${ctx.repeat}): ${ctx.messages} messages, ${b.label} …`);
    const rb = await oneRun(ctx, b, ctx.messages);
    const ratio = round(rb.rate / ra.rate, 3);
    pairs.push({ a: ra, b: rb, ratio });
    const done = (r: Run) =>
      `${r.rate} msg/s${r.complete ? '' : ' INCOMPLETE'} (stored in ${r.storedMs} ms, ${r.cpuUsPerMessage} µs gateway CPU/msg, influxd ${r.influxdCpuSeconds} s, load generator ${r.loadgenCpuUs} µs/msg)`;
    log(`${name} (${rep}/${ctx.repeat}): ${a.label} ${done(ra)}; ${b.label} ${done(rb)}; ratio ${ratio}`);
    if (rb.tally) log(`${name}: sent ${JSON.stringify(rb.tally.byKind)}; stored ${JSON.stringify(rb.asStored)}`);
    await sleep(2000);
  }
  const spread = (xs: number[]) => (xs.length > 1 ? `; runs ${xs.join(', ')}` : '');
  const rateA = Math.round(median(pairs.map((p) => p.a.rate)));
  const rateB = Math.round(median(pairs.map((p) => p.b.rate)));
  const ratio = round(median(pairs.map((p) => p.ratio)), 3);
  const cpu = (s: 'a' | 'b') => round(median(pairs.map((p) => p[s].cpuUsPerMessage)), 1);
  ctx.row(
    `${name}: ${a.label}`,
    `${rateA} msg/s stored  (median of ${ctx.repeat} × ${ctx.messages}${spread(pairs.map((p) => p.a.rate))}; gateway CPU ${cpu('a')} µs/message)`,
  );
  ctx.row(`${name}: ${b.label}`, `${rateB} msg/s stored  (median${spread(pairs.map((p) => p.b.rate))}; gateway CPU ${cpu('b')} µs/message)`);
  ctx.row(`${name}: ratio ${b.label} / ${a.label}`, `${ratio}×  (median of the ${ctx.repeat} side-by-side pairs${spread(pairs.map((p) => p.ratio))})`);
  const last = pairs[pairs.length - 1]?.b;
  if (last?.tally)
    ctx.row(`${name}: mix of the last run`, `sent ${fmtKinds(last.tally.byKind)}; InfluxDB holds ${last.asStored ? fmtKinds(last.asStored) : '?'}`);
  const alerts = await ctx.alertsByKind?.().catch(() => undefined);
  if (alerts) ctx.row(`${name}: open alerts afterwards`, fmtKinds(alerts) || 'none');
  return { messages: ctx.messages, repeat: ctx.repeat, median: { [a.label]: rateA, [b.label]: rateB, ratio }, pairs, openAlerts: alerts };
}

function fmtKinds(k: Record<string, number | undefined>): string {
  return Object.entries(k)
    .filter(([, n]) => n)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
}
