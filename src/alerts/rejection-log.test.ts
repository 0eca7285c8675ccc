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
  expect(db.writes().get('rejections')).toBe(300);
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
