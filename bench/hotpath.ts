// `node bin/run.mjs bench/hotpath.ts [messages] [--unverified] [--failing] [--invalid] [--mixed] [--pipeline-only]`:
// the gateway's per-message work without the network, in one process: ingest (parse, validate,
// evaluate against the barometer profile), line protocol, journal append + group commit (SQLite,
// synchronous=FULL, temp dir), journal read + release (what the forwarder does before posting
// the lines). Prints µs per message per stage. CPU time on one thread, so far less sensitive to
// the rest of the machine than the end-to-end rates of `npm run bench`; use it to compare a
// change before and after, then confirm with `npm run bench`.
//
// Then the whole message path (DeviceMessagePipeline over real stores, assurance state and
// alerts included) for readings of verified instruments next to unverified ones (--unverified),
// out-of-range ones (--failing), invalid ones (--invalid) and the `mixed` scenario's fleet and
// messages (--mixed, bench/traffic.ts: the fleet all valid, `mixed-valid`, and as it is, `mixed`);
// all of them without a flag. Process
// CPU per message, the median of --rounds (3) rounds of --pipeline-messages (50,000) each, and
// the state-database writes they caused. `--only <kind> --pipeline-only` runs one kind alone,
// to profile it (`--mix-kind <kind>` with --only mixed or mixed-valid: only that kind of the fleet's
// messages, e.g. transaction-ok): node --cpu-prof --cpu-prof-dir=<dir> bin/run.mjs bench/hotpath.ts …
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PACKAGE_ROOT } from '../src/config.ts';
import { loadProfiles } from '../src/metrology/profile-loader.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import { Journal } from '../src/journal/journal.ts';
import { toLineProtocol } from '../src/sinks/line-protocol.ts';
import type { Device, StoredCertificate } from '../src/store/registry.ts';
import { parseArgs } from 'node:util';
import { readingPayload } from './lib.ts';
import { buildRig, type ReadingKind } from './pipeline-rig.ts';
import { MIX_KINDS, type MixKind } from './traffic.ts';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    unverified: { type: 'boolean', default: false },
    failing: { type: 'boolean', default: false },
    invalid: { type: 'boolean', default: false },
    mixed: { type: 'boolean', default: false },
    'pipeline-only': { type: 'boolean', default: false },
    /** One kind alone (no verified rig beside it): for `node --cpu-prof`. */
    only: { type: 'string' },
    /** With --only mixed or mixed-valid: only the fleet's messages of this kind (bench/traffic.ts MixKind, e.g. transaction-ok). */
    'mix-kind': { type: 'string' },
    'pipeline-messages': { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '3' },
  },
});
const N = Number(positionals[0] ?? 200_000);
const DEVICES = 50;
const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const devices: Device[] = Array.from({ length: DEVICES }, (_, i) => ({
  id: `b${i}`,
  tenant: 'bench',
  type: 'barometer',
  serial: `SN-${i}`,
  createdAt: '2026-01-01T00:00:00Z',
}));
const certs: StoredCertificate[] = [
  {
    id: 1,
    device: 'b0',
    kind: 'verification',
    number: 'V-1',
    issuedBy: 'QUATEST 1',
    issuedAt: '2026-01-01T00:00:00Z',
    validUntil: '2099-01-01T00:00:00Z',
    createdAt: '2026-01-01T00:00:00Z',
  },
];
const ingest = new Ingest(
  { profile: (t) => profiles.get(t), certificates: () => certs, lastTotalizer: () => undefined, timeZoneOf: () => 'Asia/Ho_Chi_Minh' },
  { futureToleranceMs: 300_000, maxBatchReadings: 500, backfillDays: 400 },
);
if (!opt['pipeline-only']) await stages();
await pipelineComparison();

/** The stages of a verified reading's path, each timed apart. */
async function stages(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mag-hotpath-'));
  const journal = new Journal({ dir, sync: 'full', maxBytes: 2 * 1024 ** 3, commitMs: 2 });

  const t0 = Date.now() - N;
  const payloads = Array.from({ length: N }, (_, i) => Buffer.from(readingPayload(i + 1, t0 + i)));
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const us = (ms: number) => ((ms * 1000) / N).toFixed(2);

  // warm-up, so the JIT has compiled the path before it is timed
  for (let i = 0; i < 5000; i++) ingest.handle(devices[i % DEVICES], 'readings', payloads[i], Date.now());

  // as the gateway treats a plain reading: its line kept, the rest of the result dropped at once
  // (the stages below keep every result for the next stage, which costs the GC far more)
  let c = cpu();
  let kept = 0;
  for (let i = 0; i < N; i++) kept += toLineProtocol(ingest.handle(devices[i % DEVICES], 'readings', payloads[i], t0 + N).points).length;
  const droppedCpu = cpu() - c;
  if (kept === 0) throw new Error('no line rendered');

  c = cpu();
  let w = performance.now();
  const results = payloads.map((p, i) => ingest.handle(devices[i % DEVICES], 'readings', p, t0 + N));
  const ingestCpu = cpu() - c;
  const ingestWall = performance.now() - w;
  if (results.some((r) => r.points.length !== 1))
    throw new Error(`a reading was rejected: ${JSON.stringify(results.find((r) => r.points.length !== 1)?.rejections)}`);

  c = cpu();
  const rendered = results.map((r) => toLineProtocol(r.points));
  const lpCpu = cpu() - c;

  c = cpu();
  w = performance.now();
  // appended in slices of 500, each awaited: group commits as the broker would trigger them
  for (let i = 0; i < N; i += 500) {
    let waiting = 0;
    await new Promise<void>((resolve, reject) => {
      for (let k = i; k < Math.min(N, i + 500); k++) {
        waiting++;
        journal.appendLines(rendered[k], 1, t0 + k, (e) => {
          if (e) return reject(e);
          if (--waiting === 0) resolve();
        });
      }
    });
  }
  const journalCpu = cpu() - c;
  const journalWall = performance.now() - w;

  c = cpu();
  let lines = 0;
  let cursor = 0;
  let bytes = 0;
  for (;;) {
    const entries = journal.read(cursor, 5000);
    if (entries.length === 0) break;
    const body = entries.map((e) => e.lines).join('\n');
    bytes += body.length;
    for (const e of entries) lines += e.count;
    cursor = entries[entries.length - 1].id;
    journal.release(cursor);
  }
  const forwardCpu = cpu() - c;
  journal.close();
  rmSync(dir, { recursive: true, force: true });
  if (lines !== N) throw new Error(`read back ${lines} of ${N} points`);

  process.stdout.write(
    [
      `hot path, ${N} readings from ${DEVICES} barometers, Node ${process.version}  (µs of CPU per message, this thread)`,
      `  ingest + line protocol, nothing kept but lines   ${us(droppedCpu)}  (then the stages, each result kept:)`,
      `  ingest (parse, validate, evaluate)              ${us(ingestCpu)}  (wall ${us(ingestWall)})`,
      `  line protocol                                  ${us(lpCpu)}  (${(bytes / N).toFixed(0)} bytes/line)`,
      `  journal append + group commit (sync=full)      ${us(journalCpu)}  (wall ${us(journalWall)}; process CPU)`,
      `  forwarder side: read + release + join          ${us(forwardCpu)}`,
      `  total                                          ${us(ingestCpu + lpCpu + journalCpu + forwardCpu)}`,
      '',
    ].join('\n'),
  );
}

/** The whole path per message for verified readings and, side by side, the kinds asked for. */
async function pipelineComparison(): Promise<void> {
  const asked: ReadingKind[] = [
    ...(opt.unverified ? ['unverified' as const] : []),
    ...(opt.failing ? ['out-of-range' as const] : []),
    ...(opt.invalid ? ['invalid' as const] : []),
    ...(opt.mixed ? (['mixed-valid', 'mixed'] as const) : []),
  ];
  const kinds: ReadingKind[] = opt.only
    ? [opt.only as ReadingKind]
    : ['verified', ...(asked.length > 0 ? asked : (['unverified', 'out-of-range', 'invalid', 'mixed-valid', 'mixed'] as const))];
  const n = Number(opt['pipeline-messages']);
  const rounds = Number(opt.rounds);
  const mixKind = opt['mix-kind'] as MixKind | undefined;
  if (mixKind && !MIX_KINDS.includes(mixKind)) throw new Error(`--mix-kind must be one of ${MIX_KINDS.join(', ')}`);
  const rigs = kinds.map((k) => buildRig(k, profiles, DEVICES, mixKind));
  for (const rig of rigs) await rig.send(5000); // warm-up of each kind's path (and its alerts opened)
  const perRound = new Map<ReadingKind, number[]>(kinds.map((k) => [k, []]));
  // rounds interleaved, so that what else runs on the machine falls on every kind alike, and the
  // order rotated, so that no kind always runs after the same other (GC work left behind)
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < rigs.length; i++) {
      const rig = rigs[(i + r) % rigs.length];
      perRound.get(rig.kind)!.push((await rig.send(n)).cpuUs / n);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = perRound.get(kinds[0])!;
  const lines = [
    `whole path (DeviceMessagePipeline, QoS 1), ${n} readings × ${rounds} rounds per kind from ${DEVICES} barometers`,
    `  µs of process CPU per message (median of the rounds); ratio: median of each round's against the ${kinds[0]} one of the same round (steadier on a busy machine)`,
  ];
  for (const rig of rigs) {
    const mine = perRound.get(rig.kind)!;
    const ratio = median(mine.map((x, i) => x / base[i]));
    const writes = [...rig.writes()].map(([table, count]) => `${table} ${count}`).join(', ');
    lines.push(
      `  ${rig.kind.padEnd(14)} ${median(mine).toFixed(2).padStart(7)}  ×${ratio.toFixed(2)}  (rounds ${mine.map((x) => x.toFixed(1)).join(' ')}; state writes: ${writes || 'none'})`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
  for (const rig of rigs) rig.close();
}
