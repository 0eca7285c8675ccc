// `node bin/run.mjs bench/store-micro.ts [n]`: the state-store statements of the per-message path,
// µs per operation on a temp state database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStateDb } from '../src/store/db.ts';
import { AlertBook } from '../src/alerts/alert-book.ts';
import { Assurance } from '../src/alerts/assurance.ts';
import { Registry } from '../src/store/registry.ts';

const N = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), 'mag-store-micro-'));
const db = openStateDb(dir);
const registry = new Registry(db);
const alerts = new AlertBook(db);
const assurance = new Assurance(db, registry, alerts, new Map(), { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 });
const insertCheck = (assurance as unknown as { insertCheck: { run: (...a: unknown[]) => { changes: number } } }).insertCheck;

/** Median of 5 rounds of n operations, 100 to a transaction (as the hot path groups one message's writes). */
function time(label: string, n: number, op: (i: number) => void): void {
  for (let i = 0; i < Math.min(2000, n); i++) op(-1 - i); // warm-up
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i += 100) db.transaction(() => { for (let j = i; j < i + 100 && j < n; j++) op(r * n + j); })();
    rounds.push(((performance.now() - t0) * 1000) / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${label.padEnd(48)} ${rounds[2].toFixed(2).padStart(8)} µs/op  (rounds ${rounds.map((x) => x.toFixed(1)).join(' ')})`);
}

const now = new Date('2026-03-01T00:00:00Z');
alerts.raise({ tenant: 't', device: 'd', kind: 'out-of-range', key: 'pressure', severity: 'warning', summary: 'x', details: { value: 1 } }, now);
time('alert repeat (AlertBook.raise on an open one)', N, (i) => {
  alerts.raise({ tenant: 't', device: 'd', kind: 'out-of-range', key: 'pressure', severity: 'warning', summary: `x ${i}`, details: { value: i } }, now);
});
const result = JSON.stringify({ seq: 1, ts: 0, decision: 'pass', error: 0.1, mpe: 1 });
time('check insert (prepared INSERT OR IGNORE)', N, (i) => {
  insertCheck.run('d', i + 10_000, 'co2', 1_700_000_000_000 + i, result, now.toISOString());
});
db.close();
rmSync(dir, { recursive: true, force: true });
