// `node bin/run.mjs bench/ingest-mix.ts [rounds]`: Ingest.handle alone (parse, validate, evaluate,
// line protocol) on the `mixed` scenario's messages (bench/traffic.ts), µs of CPU per message of
// each kind, the kinds interleaved round by round (the median of the rounds shown). No stores, no
// journal: the part of a mixed message's cost that lives in src/ingest and src/metrology.
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config.ts';
import { loadProfiles } from '../src/metrology/profile-loader.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import type { Device, StoredCertificate } from '../src/store/registry.ts';
import { mixedFleet, mixedMessage, newMixState, type MixKind } from './traffic.ts';

const rounds = Number(process.argv[2] ?? 5);
const PER_KIND = 20_000;
const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const fleet = mixedFleet(Array.from({ length: 50 }, (_, i) => `m${i}`));
const devices: Device[] = fleet.map((m) => ({ id: m.id, tenant: 'bench', type: m.type, serial: m.id, createdAt: '2026-01-01T00:00:00Z' }));
const cert = (device: string, validUntil: string): StoredCertificate => ({
  id: 1,
  device,
  kind: 'verification',
  number: 'V-1',
  issuedBy: 'QUATEST 1',
  issuedAt: '2025-06-01T00:00:00Z',
  validUntil,
  createdAt: '2025-06-01T00:00:00Z',
});
const certs = new Map(fleet.map((m) => [m.id, [cert(m.id, m.verified ? '2099-01-01T00:00:00Z' : '2026-01-01T00:00:00Z')]]));
const ingest = new Ingest(
  { profile: (t) => profiles.get(t), certificates: (d) => certs.get(d) ?? [], lastTotalizer: () => undefined, timeZoneOf: () => 'Asia/Ho_Chi_Minh' },
  { futureToleranceMs: 300_000, maxBatchReadings: 500, backfillDays: 4000 },
);

// the messages of each kind, from the fleet's own streams
const byKind = new Map<MixKind, { device: Device; topic: 'readings' | 'checks'; payload: Buffer }[]>();
const states = fleet.map((_, i) => newMixState(i));
const seqs = fleet.map(() => 0);
const ts0 = Date.now() - 3_600_000;
const wanted: MixKind[] = ['reading-ok', 'reading-unverified', 'reading-out-of-range', 'transaction-ok', 'check-pass', 'check-fail', 'invalid'];
for (let k = 0; [...byKind.values()].reduce((n, l) => n + l.length, 0) < wanted.length * PER_KIND && k < 10_000_000; k++) {
  const d = k % fleet.length;
  const seq = ++seqs[d];
  const m = mixedMessage(fleet[d], states[d], seq, ts0 + seq);
  const list = byKind.get(m.kind) ?? [];
  byKind.set(m.kind, list);
  if (list.length < PER_KIND) list.push({ device: devices[d], topic: m.topic, payload: Buffer.from(m.payload) });
}
const now = Date.now();
let sink = 0;
const run = (list: { device: Device; topic: 'readings' | 'checks'; payload: Buffer }[]): number => {
  const c0 = process.cpuUsage();
  for (const m of list) {
    const r = ingest.handle(m.device, m.topic, m.payload, now);
    sink += r.points.length + (r.points[0]?.line?.length ?? 0);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / list.length;
};
const kinds = wanted.filter((k) => (byKind.get(k)?.length ?? 0) > 0);
for (const k of kinds) run(byKind.get(k)!); // warm-up
const per = new Map<MixKind, number[]>(kinds.map((k) => [k, []]));
for (let r = 0; r < rounds; r++)
  for (let i = 0; i < kinds.length; i++) per.get(kinds[(i + r) % kinds.length])!.push(run(byKind.get(kinds[(i + r) % kinds.length])!));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = per.get('reading-ok')!;
process.stdout.write(
  `Ingest.handle on the mixed fleet's messages, µs of CPU per message (median of ${rounds} rounds; ratio to reading-ok of the same round)\n`,
);
for (const k of kinds) {
  const xs = per.get(k)!;
  process.stdout.write(
    `  ${k.padEnd(22)} ${median(xs).toFixed(2).padStart(6)}  ×${median(xs.map((x, i) => x / base[i])).toFixed(2)}  (${byKind.get(k)!.length} messages; rounds ${xs.map((x) => x.toFixed(2)).join(' ')})\n`,
  );
}
if (sink === 0) throw new Error('nothing ingested');
