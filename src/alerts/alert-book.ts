// Alerts: one open alert per (device, kind, key); a repeat increments `count`. Every change is
// emitted (SSE, webhooks) and written to the audit log by the caller's hooks.
//
// Alerts raised from every message (reading statuses, rejections, tamper findings, offline
// flapping: `throttle`) would cost a state-database write and an event per message: their
// repeats are counted in memory and written, with one `repeated` event, at most once per
// REPEAT_FLUSH_MS per alert. The alert itself is written when it opens, so a crash loses no
// alert, only up to REPEAT_FLUSH_MS of its count and latest evidence. Reads through the book
// see every counted repeat: get() and openAlert() add what is pending, list() writes it first.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { AlertStore, type AlertTimes } from '../store/alerts.ts';
import { OpenAlerts, openAlert, written, type Describe, type OpenAlert } from './open-alerts.ts';

export const ALERT_KINDS = [
  'out-of-tolerance',
  'conditional',
  'drift',
  'predicted-oot',
  'verification-overdue',
  'verification-due-soon',
  'tamper',
  'out-of-range',
  'offline',
  'invalid-data',
  'untraceable-check',
  'standard-oot',
  'lot-fail',
  'journal-capacity',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
/** The kinds raised for instruments (journal-capacity is the gateway's own). */
export const DEVICE_ALERT_KINDS: readonly AlertKind[] = ALERT_KINDS.filter((k) => k !== 'journal-capacity');
export type Severity = 'info' | 'warning' | 'critical';
export type AlertState = 'open' | 'acknowledged' | 'resolved';
export const RESOLUTION_REASONS = ['recalibrated', 'adjusted', 'repaired', 'false-alarm', 'retired', 'other', 'cleared'] as const;
export type ResolutionReason = (typeof RESOLUTION_REASONS)[number];

export interface Alert {
  id: string;
  tenant: string;
  device: string;
  kind: AlertKind;
  /** gas or test point the alert is about ('' when none). */
  key: string;
  severity: Severity;
  state: AlertState;
  openedAt: string;
  updatedAt: string;
  count: number;
  summary: string;
  details: Record<string, unknown>;
  escalation: number;
  version: number;
  ackBy?: string;
  ackAt?: string;
  ackNote?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  resolution?: { reason: string; note?: string };
}

export interface RaiseAlert {
  tenant: string;
  device: string;
  kind: AlertKind;
  /** gas or test point ('' or absent when none). */
  key?: string;
  severity: Severity;
  summary: string;
  details: Record<string, unknown>;
  /** When it was observed. */
  at: Date;
  /**
   * For alerts raised from every message: a repeat of the open alert is counted in memory and
   * written (and notified as `repeated`) at most every REPEAT_FLUSH_MS; one that raises the
   * severity is written at once.
   */
  throttle?: boolean;
}

/**
 * A throttled alert whose summary and evidence are made from `subject` by `describe` only when
 * written (it opens, or a flush writes its repeats): an alert raised from every message then
 * costs no formatting per message. `describe` is a function made once, not one per call.
 */
export interface RaiseAlertFrom<T> {
  tenant: string;
  device: string;
  kind: AlertKind;
  key?: string;
  severity: Severity;
  at: Date;
  subject: T;
  describe: Describe<T>;
}

/** A RaiseAlert's own summary and evidence. */
const asRaised: Describe<RaiseAlert> = (a) => a;

export type AlertChange = 'opened' | 'repeated' | 'acknowledged' | 'resolved' | 'escalated';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
/** Repeats of throttled alerts (see RaiseAlert.throttle) are written at most this often per alert. */
export const REPEAT_FLUSH_MS = 1000;
/**
 * The timed flush writes a deferred clear only once it has stood this long (the device stayed
 * connected): else a flush that happened to fall between a flapping device's connect and its drop
 * would resolve the alert and the drop open a new one. A younger clear waits for the next flush.
 */
export const DEFERRED_CLEAR_MIN_MS = REPEAT_FLUSH_MS / 2;

export interface AlertFilter {
  state?: AlertState;
  /** Open or acknowledged (not resolved). */
  unresolved?: boolean;
  severity?: Severity;
  kind?: AlertKind;
  tenant?: string;
  device?: string;
  tenants?: ReadonlySet<string>;
  /** Opened at or after (ISO 8601 UTC as toISOString writes it). */
  openedFrom?: string;
  /** Opened before. */
  openedTo?: string;
  /** Resolved at or after. */
  resolvedFrom?: string;
  /** Resolved before. */
  resolvedTo?: string;
  limit?: number;
}

export class AlertBook extends EventEmitter<{ change: [Alert, AlertChange] }> {
  private readonly store: AlertStore;
  /** The unresolved alerts: the hot path never queries for dedup. */
  private readonly open = new OpenAlerts();
  /** Open alerts with repeats or a deferred clear not yet written. */
  private dirty: OpenAlert[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `onFlushError`: a timed flush failed (what it held stays in memory, tried again a second later). */
  constructor(
    private readonly db: Db,
    private readonly onFlushError: (err: Error) => void = () => {},
  ) {
    super();
    this.store = new AlertStore(db);
    for (const r of this.store.unresolvedKeys()) this.open.add(openAlert({ ...r, kind: r.kind as AlertKind }));
  }

  /** The alert with its repeats not yet written counted. */
  get(id: string): Alert | undefined {
    const a = this.store.get(id);
    const e = a && this.open.get(a.device, a.kind, a.key);
    if (!a || !e || e.id !== id || e.unwritten === 0) return a;
    const { summary, details } = e.describe!(e.subject);
    return { ...a, count: a.count + e.unwritten, summary, details, updatedAt: e.at!.toISOString(), version: a.version + 1 };
  }

  openAlert(device: string, kind: AlertKind, key = ''): Alert | undefined {
    const e = this.open.get(device, kind, key);
    return e ? this.get(e.id) : undefined;
  }

  /** Repeats not yet written are written first, so the list's counts and order are those of every repeat. */
  list(f: AlertFilter): Alert[] {
    this.flush();
    return this.store.list(f);
  }

  /** When the tenants' alerts opened and resolved, for those open at some time in [from, to) (figures and reports). */
  history(tenants: readonly string[], from: string, to: string): AlertTimes[] {
    return this.store.history(tenants, from, to);
  }

  /**
   * Opens an alert, or counts a repeat of the open one (raising its severity if higher);
   * undefined when a throttled repeat was counted in memory (written at the next flush).
   */
  raise(a: RaiseAlert): { alert: Alert; change: 'opened' | 'repeated' } | undefined {
    const key = a.key ?? '';
    const open = this.open.get(a.device, a.kind, key);
    if (open && a.throttle && this.counted(open, a.severity, a, asRaised, a.at)) return undefined;
    if (open) {
      // written now, with the repeats counted in memory before it
      if (SEVERITY_RANK[a.severity] > SEVERITY_RANK[open.severity]) open.severity = a.severity;
      const alert = this.store.repeat(
        open.id,
        { severity: open.severity, summary: a.summary, details: a.details, add: 1 + open.unwritten },
        a.at.toISOString(),
      );
      open.unwritten = 0;
      open.clear = undefined;
      if (alert) {
        this.emit('change', alert, 'repeated');
        return { alert, change: 'repeated' };
      }
      this.open.delete(open); // its row is gone: this opens a new one
    }
    const { alert, opened } = this.store.open(
      { id: randomUUID(), tenant: a.tenant, device: a.device, kind: a.kind, key, severity: a.severity, summary: a.summary, details: a.details },
      a.at.toISOString(),
    );
    this.open.add(openAlert(alert));
    if (!opened) return this.raise(a); // another process opened it first (a message redelivered to it): this repeats it
    this.emit('change', alert, 'opened');
    return { alert, change: 'opened' };
  }

  /** A throttled raise whose summary and evidence are made only when written (see RaiseAlertFrom). */
  raiseFrom<T>(a: RaiseAlertFrom<T>): void {
    const open = this.open.get(a.device, a.kind, a.key ?? '');
    if (open && this.counted(open, a.severity, a.subject, a.describe, a.at)) return;
    const { summary, details } = a.describe(a.subject);
    this.raise({ tenant: a.tenant, device: a.device, kind: a.kind, key: a.key, severity: a.severity, summary, details, at: a.at, throttle: true });
  }

  /** Counts a throttled repeat in memory; false when it must be written now (it raises the severity, or the book is stopped). */
  private counted(open: OpenAlert, severity: Severity, subject: unknown, describe: Describe, at: Date): boolean {
    if (this.stopped || SEVERITY_RANK[severity] > SEVERITY_RANK[open.severity]) return false;
    this.markDirty(open);
    open.unwritten++;
    open.subject = subject;
    open.describe = describe;
    open.at = at;
    open.clear = undefined; // raised again before a deferred clear was written: still open
    return true;
  }

  private markDirty(open: OpenAlert): void {
    if (open.dirty) return;
    open.dirty = true;
    this.dirty.push(open);
    this.flushSoon();
  }

  acknowledge(id: string, by: string, note: string | undefined, now: Date): Alert {
    const cur = this.current(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state !== 'open') return cur;
    const alert = this.store.acknowledge(id, by, note, now.toISOString());
    this.emit('change', alert, 'acknowledged');
    return alert;
  }

  resolve(id: string, by: string, resolution: { reason: string; note?: string }, now: Date): Alert {
    const cur = this.current(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state === 'resolved') return cur;
    const alert = this.store.resolve(id, by, resolution, now.toISOString());
    this.open.delete(cur);
    this.emit('change', alert, 'resolved');
    return alert;
  }

  /** The alert as stored, after writing what is pending for it (before a change of its state). */
  private current(id: string): Alert | undefined {
    const cur = this.store.get(id);
    const e = cur && this.open.get(cur.device, cur.kind, cur.key);
    if (!e?.dirty || e.id !== id) return cur;
    this.flush();
    return this.store.get(id);
  }

  /**
   * Resolves the open alert of (device, kind, key) if any, e.g. when its signal clears.
   * `deferred` (a signal that flaps, such as a device's connection): resolved at the next flush
   * unless raised again before, which then counts as a repeat of the same alert; undefined.
   */
  clear(device: string, kind: AlertKind, key: string, reason: string, now: Date, deferred = false): Alert | undefined {
    const e = this.open.get(device, kind, key);
    if (!e) return undefined;
    if (deferred && !this.stopped) {
      this.markDirty(e);
      e.clear = { reason, at: now, since: e.clear?.since ?? performance.now() };
      return undefined;
    }
    return this.resolve(e.id, 'system', { reason: 'cleared', note: reason }, now);
  }

  /**
   * Writes the repeats counted in memory (one statement and one `repeated` event per alert, in
   * one transaction), then the deferred clears. Runs REPEAT_FLUSH_MS after the first repeat it
   * writes; call it before reading the alerts' table by other means. When the write fails,
   * everything stays in memory for the next. `minClearAgeMs` (the timed flush): deferred clears
   * younger than that are kept for the next flush, their repeats written.
   */
  flush(minClearAgeMs = 0): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dirty.length === 0) return;
    const batch = this.dirty;
    const t = performance.now();
    const young = new Set(minClearAgeMs > 0 ? batch.filter((e) => e.clear && t - e.clear.since < minClearAgeMs) : []);
    const repeated = this.db.transaction(() => batch.flatMap((e) => this.writeRepeats(e, young.has(e))));
    this.dirty = [];
    const clears = batch.filter((e) => e.clear && !young.has(e)).map((e) => ({ id: e.id, reason: e.clear!.reason, at: e.clear!.at }));
    const pending = [...young].map((e) => [e, e.clear!] as const);
    for (const e of batch) written(e);
    for (const [e, clear] of pending) {
      e.clear = clear;
      this.markDirty(e);
    }
    for (const alert of repeated) this.emit('change', alert, 'repeated');
    for (const c of clears) this.resolve(c.id, 'system', { reason: 'cleared', note: c.reason }, c.at);
  }

  /** Stops the timed flush and writes what is pending; later repeats are written as they come. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.flushTimer);
    if (this.db.open) this.flush();
  }

  /** The alert as written with its repeats; none when it has none, is about to be cleared (its `resolved` tells) or is gone. */
  private writeRepeats(e: OpenAlert, clearKept = false): Alert[] {
    if (e.unwritten === 0) return [];
    const { summary, details } = e.describe!(e.subject);
    const alert = this.store.repeat(e.id, { severity: e.severity, summary, details, add: e.unwritten }, e.at!.toISOString());
    return alert && (!e.clear || clearKept) ? [alert] : [];
  }

  private flushSoon(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (!this.db.open) return;
      try {
        this.flush(DEFERRED_CLEAR_MIN_MS);
      } catch (e) {
        this.onFlushError(e as Error);
        this.flushSoon();
      }
    }, REPEAT_FLUSH_MS);
    this.flushTimer.unref();
  }

  /** Open critical alerts not acknowledged within `afterMs`: raise the escalation level and notify again. */
  escalate(now: Date, afterMs: number): Alert[] {
    this.flush();
    const out: Alert[] = [];
    for (const a of this.store.openCritical()) {
      const dueAt = Date.parse(a.openedAt) + afterMs * (a.escalation + 1);
      if (now.getTime() < dueAt) continue;
      const alert = this.store.escalate(a.id, now.toISOString());
      this.emit('change', alert, 'escalated');
      out.push(alert);
    }
    return out;
  }

  openCount(): number {
    return this.open.size;
  }

  /** Unresolved (open or acknowledged) alerts counted by tenant, device, kind and severity. */
  unresolvedCounts(): { tenant: string; device: string; kind: string; severity: string; count: number }[] {
    return this.store.unresolvedCounts();
  }
}
