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
import { AlertStore } from '../store/alerts.ts';

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
  describe: (subject: T) => { summary: string; details: Record<string, unknown> };
}

/** The latest occurrence of a repeated alert, as raised. */
type Occurrence = RaiseAlert | RaiseAlertFrom<any>;

function described(o: Occurrence): { summary: string; details: Record<string, unknown> } {
  return 'describe' in o ? o.describe(o.subject) : o;
}

export type AlertChange = 'opened' | 'repeated' | 'acknowledged' | 'resolved' | 'escalated';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
/** Repeats of throttled alerts (see RaiseAlert.throttle) are written at most this often per alert. */
export const REPEAT_FLUSH_MS = 1000;

/** What an open alert's repeats and clearing left in memory until the next flush. */
interface Pending {
  alert: OpenEntry;
  /** Repeats not yet written. */
  count: number;
  /** The latest of them (its summary, evidence and time are written). */
  latest?: Occurrence;
  /** Set by a deferred clear (flapping): resolved at the flush unless raised again before. */
  clear?: { reason: string; at: Date };
}

/** An unresolved alert as the hot path knows it. */
interface OpenEntry {
  id: string;
  severity: Severity;
}

export interface AlertFilter {
  state?: AlertState;
  severity?: Severity;
  kind?: AlertKind;
  tenant?: string;
  device?: string;
  tenants?: ReadonlySet<string>;
  limit?: number;
}

export class AlertBook extends EventEmitter<{ change: [Alert, AlertChange] }> {
  private readonly store: AlertStore;
  /** (device|kind|key) → the unresolved alert: the hot path never queries for dedup. */
  private open = new Map<string, OpenEntry>();
  /** Alert id → its repeats (and deferred clear) not yet written. */
  private pending = new Map<string, Pending>();
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `onFlushError`: a timed flush failed (kept in memory, tried again at the next). */
  constructor(
    private readonly db: Db,
    private readonly onFlushError: (err: Error) => void = () => {},
  ) {
    super();
    this.store = new AlertStore(db);
    for (const r of this.store.unresolvedKeys()) this.open.set(`${r.device}|${r.kind}|${r.key}`, { id: r.id, severity: r.severity });
  }

  /** The alert with its pending repeats counted. */
  get(id: string): Alert | undefined {
    const a = this.store.get(id);
    const p = this.pending.get(id);
    if (!a || !p?.latest) return a;
    const { summary, details } = described(p.latest);
    return { ...a, count: a.count + p.count, summary, details, updatedAt: p.latest.at.toISOString(), version: a.version + 1 };
  }

  openAlert(device: string, kind: AlertKind, key = ''): Alert | undefined {
    const e = this.open.get(`${device}|${kind}|${key}`);
    return e ? this.get(e.id) : undefined;
  }

  /** Pending repeats are written first, so the list's counts and order are those of every repeat. */
  list(f: AlertFilter): Alert[] {
    this.flush();
    return this.store.list(f);
  }

  /**
   * Opens an alert, or counts a repeat of the open one (raising its severity if higher);
   * undefined when a throttled repeat was counted in memory (written at the next flush).
   */
  raise(a: RaiseAlert): { alert: Alert; change: 'opened' | 'repeated' } | undefined {
    const key = a.key ?? '';
    const k = `${a.device}|${a.kind}|${key}`;
    const open = this.open.get(k);
    if (open && a.throttle && this.counted(open, a)) return undefined;
    if (open) {
      // written now, with the repeats counted in memory before it
      const p = this.pending.get(open.id);
      if (p) this.pending.delete(open.id);
      if (SEVERITY_RANK[a.severity] > SEVERITY_RANK[open.severity]) open.severity = a.severity;
      const alert = this.store.repeat(open.id, { severity: open.severity, summary: a.summary, details: a.details, add: 1 + (p?.count ?? 0) }, a.at.toISOString());
      if (alert) {
        this.emit('change', alert, 'repeated');
        return { alert, change: 'repeated' };
      }
      this.open.delete(k); // its row is gone: this opens a new one
    }
    const alert = this.store.open({ id: randomUUID(), tenant: a.tenant, device: a.device, kind: a.kind, key, severity: a.severity, summary: a.summary, details: a.details }, a.at.toISOString());
    this.open.set(k, { id: alert.id, severity: alert.severity });
    this.emit('change', alert, 'opened');
    return { alert, change: 'opened' };
  }

  /** A throttled raise whose summary and evidence are made only when written (see RaiseAlertFrom). */
  raiseFrom<T>(a: RaiseAlertFrom<T>): void {
    const open = this.open.get(`${a.device}|${a.kind}|${a.key ?? ''}`);
    if (open && this.counted(open, a)) return;
    const { summary, details } = a.describe(a.subject);
    this.raise({ tenant: a.tenant, device: a.device, kind: a.kind, key: a.key, severity: a.severity, summary, details, at: a.at, throttle: true });
  }

  /** Counts a throttled repeat in memory; false when it must be written now (it raises the severity, or the book is stopped). */
  private counted(open: OpenEntry, a: Occurrence): boolean {
    if (this.stopped || SEVERITY_RANK[a.severity] > SEVERITY_RANK[open.severity]) return false;
    const p = this.pending.get(open.id);
    if (p) {
      p.count++;
      p.latest = a;
      p.clear = undefined; // raised again before a deferred clear was written: still open
    } else {
      this.pending.set(open.id, { alert: open, count: 1, latest: a });
      this.flushSoon();
    }
    return true;
  }

  acknowledge(id: string, by: string, note: string | undefined, now: Date): Alert {
    this.flushOne(id);
    const cur = this.store.get(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state !== 'open') return cur;
    const alert = this.store.acknowledge(id, by, note, now.toISOString());
    this.emit('change', alert, 'acknowledged');
    return alert;
  }

  resolve(id: string, by: string, resolution: { reason: string; note?: string }, now: Date): Alert {
    this.flushOne(id);
    const cur = this.store.get(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state === 'resolved') return cur;
    const alert = this.store.resolve(id, by, resolution, now.toISOString());
    this.open.delete(`${cur.device}|${cur.kind}|${cur.key}`);
    this.emit('change', alert, 'resolved');
    return alert;
  }

  /**
   * Resolves the open alert of (device, kind, key) if any, e.g. when its signal clears.
   * `deferred` (a signal that flaps, such as a device's connection): resolved at the next flush
   * unless raised again before, which then counts as a repeat of the same alert; undefined.
   */
  clear(device: string, kind: AlertKind, key: string, reason: string, now: Date, deferred = false): Alert | undefined {
    const e = this.open.get(`${device}|${kind}|${key}`);
    if (!e) return undefined;
    if (deferred && !this.stopped) {
      const p = this.pending.get(e.id);
      if (p) p.clear = { reason, at: now };
      else {
        this.pending.set(e.id, { alert: e, count: 0, clear: { reason, at: now } });
        this.flushSoon();
      }
      return undefined;
    }
    return this.resolve(e.id, 'system', { reason: 'cleared', note: reason }, now);
  }

  /**
   * Writes the repeats counted in memory (one statement and one `repeated` event per alert, in
   * one transaction) and the deferred clears. Runs REPEAT_FLUSH_MS after the first repeat it
   * writes; call it before reading the alerts' table by other means.
   */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    let repeated: Alert[];
    try {
      repeated = this.db.transaction(() => [...batch.values()].flatMap((p) => this.writeRepeats(p)));
    } catch (e) {
      // kept, merged with what was counted meanwhile, for the next flush
      for (const [id, p] of batch) {
        const q = this.pending.get(id);
        if (!q) this.pending.set(id, p);
        else {
          q.count += p.count;
          q.latest ??= p.latest;
        }
      }
      throw e;
    }
    for (const alert of repeated) this.emit('change', alert, 'repeated');
    for (const p of batch.values()) if (p.clear) this.resolve(p.alert.id, 'system', { reason: 'cleared', note: p.clear.reason }, p.clear.at);
  }

  /** Stops the timed flush and writes what is pending; later repeats are written as they come. */
  stop(): void {
    this.stopped = true;
    if (this.db.open) this.flush();
    clearTimeout(this.flushTimer);
  }

  /** The alert as written with its pending repeats; none for an alert about to be cleared (its `resolved` tells) or gone meanwhile. */
  private writeRepeats(p: Pending): Alert[] {
    if (!p.latest) return [];
    const { summary, details } = described(p.latest);
    const alert = this.store.repeat(p.alert.id, { severity: p.alert.severity, summary, details, add: p.count }, p.latest.at.toISOString());
    return alert && !p.clear ? [alert] : [];
  }

  private flushOne(id: string): void {
    if (this.pending.has(id)) this.flush();
  }

  private flushSoon(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (!this.db.open) return;
      try {
        this.flush();
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
