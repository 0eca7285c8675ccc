// Rejected messages as evidence: every one kept, written in batches rather than a transaction per
// message, and counted per device over the last minute for the invalid-data alert.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { openStateDb, type Db } from '../store/db.ts';
import { REJECTION_FLUSH_MS, RejectionLog } from './rejection-log.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const device = { id: 'baro-1', tenant: 't' };
const bad = (seq: number) => [{ seq, errors: [{ path: 'value', message: 'value must be a finite number' }] }];
let dir: string;
let db: Db;
let log: RejectionLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mag-rejection-log-'));
  db = openStateDb(dir);
  log = new RejectionLog(db, 100);
});
afterEach(() => {
  vi.useRealTimers();
  log.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('keeps every rejection, written a second after the first of a batch (or when read)', () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  for (let seq = 1; seq <= 300; seq++)
    log.record(device, 'instruments/baro-1/readings', bad(seq), Buffer.from(`{"seq":${seq},"value":"n/a"}`), new Date(T0 + seq));
  expect(db.writes().get('rejections') ?? 0).toBe(0);
  vi.advanceTimersByTime(REJECTION_FLUSH_MS);
  expect(db.writes().get('rejections')).toBe(300 + 1); // the rows, and the device's first prune (of nothing: 300 < 1000 kept)
  log.record(device, 'instruments/baro-1/readings', bad(301), Buffer.from('{"seq":301}'), new Date(T0 + 301));
  const rows = log.of('baro-1', 1000); // the one waiting is written first
  expect(rows).toHaveLength(301);
  expect(rows[0]).toMatchObject({ seq: 301, topic: 'instruments/baro-1/readings', errors: bad(301)[0].errors, receivedAt: new Date(T0 + 301).toISOString() });
});

it('counts the rejections of the last minute per device, however many came before', () => {
  // 150 at T0, one 30 s later: the count stops at the 100 remembered (at least the alert's threshold)
  for (let i = 0; i < 150; i++) log.record(device, 'instruments/baro-1/readings', bad(i), Buffer.from('x'), new Date(T0));
  expect(log.record(device, 'instruments/baro-1/readings', bad(1000), Buffer.from('x'), new Date(T0 + 30_000))).toBe(100);
  // a minute after T0, those have left the window: the one at T0 + 30 s and this one
  expect(log.record(device, 'instruments/baro-1/readings', bad(1001), Buffer.from('x'), new Date(T0 + 60_001))).toBe(2);
  expect(log.record({ id: 'baro-2', tenant: 't' }, 'instruments/baro-2/readings', bad(1), Buffer.from('x'), new Date(T0 + 60_001))).toBe(1);
});

it('counts exactly when times come out of order (a clock stepped back), and under a flood', () => {
  const d = { id: 'baro-3', tenant: 't' };
  const at = (ms: number) => log.record(d, 'instruments/baro-3/readings', bad(1), Buffer.from('x'), new Date(ms));
  for (let i = 0; i < 99; i++) expect(at(T0 + 200_000 + i)).toBe(i + 1); // a flood: each counted
  expect(at(T0)).toBe(100); // the clock stepped back 200 s: every one remembered is after its minute began
  // the next, at the flood's time again: 98 of the flood and itself; the one at T0 is over a minute before
  expect(at(T0 + 200_100)).toBe(99);
  expect(at(T0 + 200_101)).toBe(99); // T0 still remembered, still outside the minute
});

it("keeps each device's newest MAG_REJECTIONS_PER_DEVICE rejections and deletes the older ones as new ones come", () => {
  const kept = new RejectionLog(db, 100, () => {}, 20); // prunes a device after every 2 new rows (a tenth of 20)
  const flood = { id: 'baro-flood', tenant: 't' };
  const quiet = { id: 'baro-quiet', tenant: 't' };
  for (let seq = 1; seq <= 95; seq++) {
    kept.record(flood, 'instruments/baro-flood/readings', bad(seq), Buffer.from(`{"seq":${seq}}`), new Date(T0 + seq));
    if (seq % 10 === 0) kept.flush();
  }
  for (let seq = 1; seq <= 3; seq++) kept.record(quiet, 'instruments/baro-quiet/readings', bad(seq), Buffer.from('x'), new Date(T0 + seq));
  kept.flush();
  // the flood device: its 20 newest (76–95), newest first; the quiet one untouched
  expect(kept.of('baro-flood', 1000).map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 95 - i));
  expect(kept.of('baro-quiet', 1000).map((r) => r.seq)).toEqual([3, 2, 1]);
  kept.stop();
});

it('prunes what an earlier run left at the first rejection of a device after a restart', () => {
  const before = new RejectionLog(db, 100, () => {}, 1000);
  for (let seq = 1; seq <= 50; seq++) before.record(device, 'instruments/baro-1/readings', bad(seq), Buffer.from('x'), new Date(T0 + seq));
  before.stop();
  // the setting lowered to 10: the next rejection, one row, leaves the 10 newest
  const after = new RejectionLog(db, 100, () => {}, 10);
  after.record(device, 'instruments/baro-1/readings', bad(51), Buffer.from('x'), new Date(T0 + 51));
  after.flush();
  expect(after.of('baro-1', 1000).map((r) => r.seq)).toEqual([51, 50, 49, 48, 47, 46, 45, 44, 43, 42]);
  after.stop();
});
