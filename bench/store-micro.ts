// `node bin/run.mjs bench/store-micro.ts [n]`: the state-store statements of the per-message path,
// µs per operation on a temp state database (WAL, synchronous=NORMAL, as the gateway opens it).
// Rows:
//   store      what the gateway runs: the store module, its Kysely query compiled once
//              (an alert repeat raised from a reading is only counted in memory: `counted`)
//   raw SQL    the same statement hand-written and prepared once with better-sqlite3 (the floor)
//   compiled per call   the store's query built and compiled by Kysely at every call: what
//                       compiling once with `arg()` slots avoids
//   registry   what one message asks of the registry (on SQLite or PostgreSQL alike: its caches)
//   Assurance  what the message path calls, in the journal commit's state batch (SqliteState.batch)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStateDb } from '../src/store/db.ts';
import { queryBuilder } from '../src/store/sql.ts';
import { AlertBook } from '../src/alerts/alert-book.ts';
import { Assurance } from '../src/alerts/assurance.ts';
import { CheckStore } from '../src/store/checks.ts';
import { DriftStore } from '../src/store/drift.ts';
import { RejectionStore } from '../src/store/rejections.ts';
import { TotalizerStore } from '../src/store/totalizers.ts';
import { Registry } from '../src/store/registry.ts';
import type { CheckResult } from '../src/metrology/types.ts';
import type { IngestResult } from '../src/ingest/ingest.ts';

const N = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), 'mag-store-micro-'));
const db = openStateDb(dir);
const raw = db.connection;

/**
 * Median of 5 rounds of n operations, 100 to a transaction (as one message's writes are grouped),
 * or to a state batch as one journal commit's acknowledgements run (`batch`: SqliteState.batch).
 */
function time(label: string, n: number, op: (i: number) => void, within: 'transaction' | 'batch' = 'transaction'): void {
  for (let i = 0; i < Math.min(2000, n); i++) op(-1 - i); // warm-up
  const rounds: number[] = [];
  const group = (fn: () => void) =>
    within === 'batch'
      ? db.batch(fn, (e) => {
          throw e;
        })
      : db.transaction(fn);
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i += 100)
      group(() => {
        for (let j = i; j < i + 100 && j < n; j++) op(r * n + j);
      });
    rounds.push(((performance.now() - t0) * 1000) / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${label.padEnd(52)} ${rounds[2].toFixed(2).padStart(8)} µs/op  (rounds ${rounds.map((x) => x.toFixed(1)).join(' ')})`);
}

const now = new Date('2026-03-01T00:00:00Z');
const at = now.toISOString();
const describeRepeat = (i: number) => ({ summary: `x ${i}`, details: { value: i } });
const check = (seq: number): CheckResult => ({ seq, ts: 1_700_000_000_000 + seq, decision: 'pass', error: 0.1, mpe: 1 }) as unknown as CheckResult;

// ── alert repeat: the open alert of (device, kind, key) counted once more ──
const alerts = new AlertBook(db);
alerts.raise({ tenant: 't', device: 'd', kind: 'out-of-range', key: 'pressure', severity: 'warning', summary: 'x', details: { value: 1 }, at: now });
time('alert repeat: written (AlertBook.raise)', N, (i) => {
  alerts.raise({ tenant: 't', device: 'd', kind: 'out-of-range', key: 'pressure', severity: 'warning', summary: `x ${i}`, details: { value: i }, at: now });
});
// what a reading of a failing or unverified instrument costs: the repeat counted in memory
// (written at most once a second), with its evidence described when written, or given as made
time('alert repeat: counted in memory (raiseFrom)', N, (i) => {
  alerts.raiseFrom({ tenant: 't', device: 'd', kind: 'out-of-range', key: 'pressure', severity: 'warning', at: now, subject: i, describe: describeRepeat });
});
time('alert repeat: counted in memory (raise, throttle)', N, (i) => {
  alerts.raise({
    tenant: 't',
    device: 'd',
    kind: 'out-of-range',
    key: 'pressure',
    severity: 'warning',
    summary: `x ${i}`,
    details: { value: i },
    at: now,
    throttle: true,
  });
});
alerts.flush();
const openId = alerts.openAlert('d', 'out-of-range', 'pressure')!.id;
const rawGet = raw.prepare('SELECT severity FROM alerts WHERE id = ?');
const rawRepeat = raw.prepare(
  'UPDATE alerts SET count = count + 1, updated_at = ?, severity = ?, summary = ?, details = ?, version = version + 1 WHERE id = ? RETURNING *',
);
time('alert repeat: raw SQL (select + update returning)', N, (i) => {
  const cur = rawGet.get(openId) as { severity: string };
  const row = rawRepeat.get(at, cur.severity, `x ${i}`, JSON.stringify({ value: i }), openId) as { details: string };
  JSON.parse(row.details);
});
const kb = queryBuilder('sqlite');
time('alert repeat: update compiled per call', N, (i) => {
  const c = kb
    .updateTable('alerts')
    .set((eb) => ({
      count: eb('count', '+', 1),
      updated_at: at,
      severity: 'warning',
      summary: `x ${i}`,
      details: JSON.stringify({ value: i }),
      version: eb('version', '+', 1),
    }))
    .where('id', '=', openId)
    .returningAll()
    .compile();
  raw.prepare(c.sql).get(...c.parameters);
});

// ── check insert ──
const checks = new CheckStore(db);
time('check insert: store (CheckStore.insert)', N, (i) => {
  checks.insert('d', 'co2', check(i + 10_000), at);
});
const rawCheck = raw.prepare('INSERT OR IGNORE INTO checks (device, seq, series, ts, result, received_at) VALUES (?, ?, ?, ?, ?, ?)');
time('check insert: raw SQL', N, (i) => {
  const c = check(i + 10_000_000);
  rawCheck.run('d', c.seq, 'co2', c.ts, JSON.stringify(c), at);
});
time('check insert: compiled per call', N, (i) => {
  const c = check(i + 20_000_000);
  const q = kb
    .insertInto('checks')
    .values({ device: 'd', seq: c.seq, series: 'co2', ts: c.ts, result: JSON.stringify(c), received_at: at })
    .onConflict((oc) => oc.columns(['device', 'seq', 'ts']).doNothing())
    .compile();
  raw.prepare(q.sql).run(...q.parameters);
});

// ── the other statements of the path, through their stores ──
const drift = new DriftStore(db);
const state = { n: 12, ewma: 0.1, cusumHigh: 0, cusumLow: 0, sum: 1, sumSq: 1 } as never;
time('drift upsert: store (DriftStore.save)', N, (i) => drift.save('d', `s${i % 4}`, state, at));
const rejections = new RejectionStore(db);
time('rejection insert: store (RejectionStore.insert)', N, (i) =>
  rejections.insert({
    device: 'd',
    tenant: 't',
    topic: 'instruments/d/readings',
    seq: i,
    receivedAt: at,
    errors: [{ path: 'value', message: 'not a number' }],
    payload: '{"seq":1}',
  }),
);
const totalizers = new TotalizerStore(db);
time('totalizer upsert: store (TotalizerStore.record)', N, (i) => totalizers.record('d', `n${i % 4}`, i + 10, 1000 + i));
// what a fuel transaction without findings costs the assurance state, as the journal commit's
// batch applies it (Assurance.apply: the nozzle's totalizer; before issue 17's fourth round a
// savepoint and an upsert per transaction, now kept in memory and one upsert per nozzle and batch)
const assurance = new Assurance(db, new Registry(db), alerts, new Map(), { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 });
const dispenser = { id: 'd', tenant: 't', type: 'fuel-dispenser', serial: 'S', createdAt: at };
const transaction = (seq: number): IngestResult => {
  const tags = { tenant: 't', device: 'd', nozzle: `n${Math.abs(seq) % 4}`, product: 'RON95' };
  return {
    points: [
      { measurement: 'reading' as const, tags, fields: { value: 10, seq }, ts: seq },
      { measurement: 'transaction' as const, tags, fields: { seq, totalizerEnd: 1000 + seq }, ts: seq },
    ],
    readings: [{ seq, ts: seq, quantity: 'volume', value: 10, raw: 10, unit: 'L', status: 'ok' as const, tags }],
    checks: [],
    findings: [],
    rejections: [],
  };
};
const payload = Buffer.from('{}');
time(
  'fuel transaction: Assurance.apply (in a batch)',
  N,
  (i) => assurance.apply(dispenser, 'instruments/d/readings', transaction(i + 10), payload, now),
  'batch',
);

// ── the registry's part of a message: device, its tenant and certificates, seen ──
const registry = new Registry(db);
registry.createTenant({ id: 't', name: 't', region: 'VN-HN' }, now);
for (let i = 0; i < 1000; i++) {
  registry.createDeviceWithSecretHash({ id: `d${i}`, tenant: 't', type: 'barometer', serial: `S${i}` }, 'unused', now);
  registry.addCertificate(
    `d${i}`,
    { kind: 'verification', number: `V${i}`, issuedBy: 'QUATEST 1', issuedAt: '2026-01-01', validUntil: '2027-01-01' },
    'bench',
    now,
  );
}
time("registry: a message's lookups (caches, no SQL)", N, (i) => {
  const id = `d${Math.abs(i) % 1000}`;
  const d = registry.registeredDevice(id)!;
  if (!registry.tenant(d.tenant) || registry.certificatesOf(id).length === 0) throw new Error('not cached');
  registry.markSeen(id, 1_700_000_000_000 + Math.abs(i) * 10);
});

db.close();
rmSync(dir, { recursive: true, force: true });
