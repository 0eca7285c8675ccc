// Repeats of alerts raised from every message: counted in memory, written (with one `repeated`
// event) at most once a second, seen by every read, never lost as an alert. Real state database
// in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStateDb, type Db } from '../store/db.ts';
import { AlertBook, AlreadyAcknowledged, AlreadyResolved, REPEAT_FLUSH_MS, type Alert, type AlertChange, type RaiseAlert } from './alert-book.ts';

const AT = new Date('2026-03-01T00:00:00Z');
let dir: string;
let db: Db;
let book: AlertBook;
let changes: [AlertChange, Alert][];

const unverified = (seq: number, extra: Partial<RaiseAlert> = {}): RaiseAlert => ({
  tenant: 't',
  device: 'baro-1',
  kind: 'verification-overdue',
  severity: 'critical',
  summary: `Readings from an instrument without valid verification (seq ${seq})`,
  details: { seq },
  at: new Date(AT.getTime() + seq),
  throttle: true,
  ...extra,
});
const alertWrites = () => db.writes().get('alerts') ?? 0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mag-alert-book-'));
  db = openStateDb(dir);
  book = new AlertBook(db);
  changes = [];
  book.on('change', (a, c) => changes.push([c, a]));
});
afterEach(() => {
  vi.useRealTimers();
  book.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('throttled repeats', () => {
  it('10,000 raises are one alert counting 10,000: opened in one write, the repeats in one more, one event each', () => {
    const before = alertWrites();
    for (let seq = 1; seq <= 10_000; seq++) book.raise(unverified(seq));
    // nothing but the opening written yet, and every repeat seen by a read
    expect(alertWrites() - before).toBe(1);
    const seen = book.openAlert('baro-1', 'verification-overdue')!;
    expect(seen).toMatchObject({ count: 10_000, details: { seq: 10_000 }, updatedAt: new Date(AT.getTime() + 10_000).toISOString() });
    expect(changes.map(([c]) => c)).toEqual(['opened']);

    book.flush();
    expect(alertWrites() - before).toBe(2);
    expect(changes.map(([c, a]) => [c, a.count])).toEqual([
      ['opened', 1],
      ['repeated', 10_000],
    ]);
    // as stored: the read after the flush has nothing to add
    expect(book.get(seen.id)).toEqual(changes[1][1]);
    expect(book.list({})).toHaveLength(1);
  });

  it('are written by themselves REPEAT_FLUSH_MS after the first, not before', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    book.raise(unverified(1));
    book.raise(unverified(2));
    book.raise(unverified(3));
    const before = alertWrites();
    vi.advanceTimersByTime(REPEAT_FLUSH_MS - 1);
    expect(alertWrites()).toBe(before);
    vi.advanceTimersByTime(1);
    expect(alertWrites()).toBe(before + 1);
    expect(changes.map(([c, a]) => [c, a.count])).toEqual([
      ['opened', 1],
      ['repeated', 3],
    ]);
  });

  it('describe an alert raised from a subject only when writing it, not per raise', () => {
    const describe = vi.fn((seq: number) => ({ summary: `reading ${seq}`, details: { seq } }));
    const raise = (seq: number) =>
      book.raiseFrom({ tenant: 't', device: 'baro-1', kind: 'out-of-range', key: 'pressure', severity: 'warning', at: AT, subject: seq, describe });
    for (let seq = 1; seq <= 500; seq++) raise(seq);
    expect(describe).toHaveBeenCalledTimes(1); // the opening
    book.flush();
    expect(describe).toHaveBeenCalledTimes(2);
    expect(changes.map(([c, a]) => [c, a.count, a.summary])).toEqual([
      ['opened', 1, 'reading 1'],
      ['repeated', 500, 'reading 500'],
    ]);
  });

  it('a repeat that raises the severity is written at once, with the repeats counted before it', () => {
    book.raise(unverified(1, { kind: 'out-of-range', key: 'pressure', severity: 'warning' }));
    book.raise(unverified(2, { kind: 'out-of-range', key: 'pressure', severity: 'warning' }));
    const r = book.raise(unverified(3, { kind: 'out-of-range', key: 'pressure', severity: 'critical' }));
    expect(r).toMatchObject({ change: 'repeated', alert: { count: 3, severity: 'critical', details: { seq: 3 } } });
    book.flush();
    expect(changes.map(([c, a]) => [c, a.count, a.severity])).toEqual([
      ['opened', 1, 'warning'],
      ['repeated', 3, 'critical'],
    ]);
  });

  it('are written before the alert is acknowledged or resolved, so its count is every repeat', () => {
    const opened = book.raise(unverified(1))!.alert;
    book.raise(unverified(2));
    expect(book.acknowledge(opened.id, 'inspector:a', undefined, AT)).toMatchObject({ state: 'acknowledged', count: 2 });
    book.raise(unverified(3));
    expect(book.resolve(opened.id, 'operator:o', { reason: 'recalibrated' }, AT)).toMatchObject({ state: 'resolved', count: 3 });
    expect(book.raise(unverified(4))?.change).toBe('opened');
  });

  it('an acknowledged alert is not acknowledged again: the first acknowledgement and its note stand', () => {
    const opened = book.raise(unverified(1))!.alert;
    expect(book.acknowledge(opened.id, 'operator:lan', 'on my way', AT)).toMatchObject({ state: 'acknowledged', ackBy: 'operator:lan', ackNote: 'on my way' });
    expect(() => book.acknowledge(opened.id, 'inspector:a', 'again', AT)).toThrow(AlreadyAcknowledged);
    expect(() => book.acknowledge(opened.id, 'inspector:a', 'again', AT)).toThrow(
      `alert ${opened.id} is already acknowledged by operator:lan at ${AT.toISOString()}`,
    );
    expect(book.get(opened.id)).toMatchObject({ ackBy: 'operator:lan', ackNote: 'on my way' });
  });

  it("a resolution asked as the first (the API's) of an alert resolved before is refused, naming who resolved it; a plain one answers it as it stands", () => {
    const opened = book.raise(unverified(1))!.alert;
    expect(book.resolveFirst(opened.id, 'operator:lan', { reason: 'adjusted' }, AT)).toMatchObject({ state: 'resolved', resolvedBy: 'operator:lan' });
    // the same actor at the same instant again: it wrote nothing, so it is told so
    expect(() => book.resolveFirst(opened.id, 'operator:lan', { reason: 'repaired' }, AT)).toThrow(AlreadyResolved);
    expect(() => book.resolveFirst(opened.id, 'operator:lan', { reason: 'repaired' }, AT)).toThrow(
      `alert ${opened.id} is already resolved by operator:lan at ${AT.toISOString()}`,
    );
    expect(book.resolve(opened.id, 'system', { reason: 'cleared' }, AT)).toMatchObject({ resolvedBy: 'operator:lan', resolution: { reason: 'adjusted' } });
  });

  it('a clear writes the repeats of the alert it resolves first; the other alerts’ repeats wait for their flush', () => {
    const drift = (seq: number): RaiseAlert => unverified(seq, { kind: 'drift', key: 'span', severity: 'warning' });
    book.raise(drift(1));
    book.raise(drift(2));
    book.raise(unverified(1));
    book.raise(unverified(2));
    const before = alertWrites();
    book.clear('baro-1', 'drift', 'span', 'EWMA back within its limits', AT);
    expect(alertWrites() - before).toBe(2); // the drift alert's repeat, then its resolution
    expect(changes.slice(2).map(([c, a]) => [c, a.kind, a.count])).toEqual([
      ['repeated', 'drift', 2],
      ['resolved', 'drift', 2],
    ]);
    expect(book.openAlert('baro-1', 'verification-overdue')?.count).toBe(2); // counted, not written yet
    book.flush();
    expect(changes.slice(4).map(([c, a]) => [c, a.kind, a.count])).toEqual([['repeated', 'verification-overdue', 2]]);
  });

  it('stop() writes what is pending; afterwards repeats are written as they come', () => {
    const opened = book.raise(unverified(1))!.alert;
    book.raise(unverified(2));
    book.stop();
    const other = new AlertBook(db);
    expect(other.get(opened.id)?.count).toBe(2);
    expect(book.raise(unverified(3))).toMatchObject({ change: 'repeated', alert: { count: 3 } });
  });

  it('lose no alert when the process dies before a flush: the opened row is there, its count trails', () => {
    const opened = book.raise(unverified(1))!.alert;
    for (let seq = 2; seq <= 100; seq++) book.raise(unverified(seq));
    // another book on the same database, as after a restart (the first never flushed)
    const restarted = new AlertBook(db);
    expect(restarted.openAlert('baro-1', 'verification-overdue')).toMatchObject({ id: opened.id, state: 'open', count: 1 });
    restarted.raise(unverified(101));
    restarted.flush();
    expect(restarted.get(opened.id)?.count).toBe(2);
  });
});

describe('deferred clears (a flapping signal)', () => {
  const offline = (): RaiseAlert => ({
    tenant: 't',
    device: 'baro-1',
    kind: 'offline',
    severity: 'warning',
    summary: 'Device reported offline',
    details: {},
    at: AT,
    throttle: true,
  });

  it('a connect/disconnect storm keeps one alert counting; it is resolved once the device stays connected until the flush', () => {
    const before = alertWrites();
    book.raise(offline());
    for (let i = 0; i < 50; i++) {
      expect(book.clear('baro-1', 'offline', '', 'device connected', AT, true)).toBeUndefined();
      book.raise(offline());
    }
    book.flush();
    expect(book.openAlert('baro-1', 'offline')).toMatchObject({ state: 'open', count: 51 });
    book.clear('baro-1', 'offline', '', 'device connected', AT, true);
    expect(book.openAlert('baro-1', 'offline')?.state).toBe('open'); // until the flush
    book.flush();
    expect(book.openAlert('baro-1', 'offline')).toBeUndefined();
    expect(changes.map(([c, a]) => [c, a.count, a.state])).toEqual([
      ['opened', 1, 'open'],
      ['repeated', 51, 'open'],
      ['resolved', 51, 'resolved'],
    ]);
    expect(changes[2][1].resolution).toEqual({ reason: 'cleared', note: 'device connected' });
    expect(alertWrites() - before).toBe(3);
  });
});
