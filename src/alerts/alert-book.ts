// Alerts: one open alert per (device, kind, key); a repeat increments `count`. Every change is
// emitted (SSE, webhooks) and written to the audit log by the caller's hooks.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { AlertStore, type AlertTimes } from '../store/alerts.ts';

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
   * For alerts raised from every reading: a repeat of the open alert is written at most every
   * REPEAT_WRITE_MS; the repeats in between are not written.
   */
  throttle?: boolean;
}

export type AlertChange = 'opened' | 'repeated' | 'acknowledged' | 'resolved' | 'escalated';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
/** Throttled alerts (see RaiseAlert.throttle) are written at most this often per alert. */
const REPEAT_WRITE_MS = 10_000;

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
  /** (device|kind|key) → id of the open alert: the hot path never queries for dedup. */
  private open = new Map<string, string>();
  /** (device|kind|key) → when a throttled repeat was last written. */
  private lastRepeatWrite = new Map<string, number>();

  constructor(db: Db) {
    super();
    this.store = new AlertStore(db);
    for (const r of this.store.unresolvedKeys()) this.open.set(`${r.device}|${r.kind}|${r.key}`, r.id);
  }

  get(id: string): Alert | undefined {
    return this.store.get(id);
  }

  openAlert(device: string, kind: AlertKind, key = ''): Alert | undefined {
    const id = this.open.get(`${device}|${kind}|${key}`);
    return id ? this.get(id) : undefined;
  }

  list(f: AlertFilter): Alert[] {
    return this.store.list(f);
  }

  /** When the tenants' alerts opened and resolved, for those open at some time in [from, to) (figures and reports). */
  history(tenants: readonly string[], from: string, to: string): AlertTimes[] {
    return this.store.history(tenants, from, to);
  }

  /**
   * Opens an alert, or counts a repeat of the open one (raising its severity if higher);
   * undefined when a throttled repeat was not written.
   */
  raise(a: RaiseAlert): { alert: Alert; change: 'opened' | 'repeated' } | undefined {
    const key = a.key ?? '';
    const k = `${a.device}|${a.kind}|${key}`;
    const at = a.at.toISOString();
    const openId = this.open.get(k);
    if (openId) {
      if (a.throttle) {
        const last = this.lastRepeatWrite.get(k);
        if (last !== undefined && a.at.getTime() - last < REPEAT_WRITE_MS) return undefined;
        this.lastRepeatWrite.set(k, a.at.getTime());
      }
      const current = this.store.severityOf(openId)!;
      const severity = SEVERITY_RANK[a.severity] > SEVERITY_RANK[current] ? a.severity : current;
      const alert = this.store.repeat(openId, { severity, summary: a.summary, details: a.details }, at);
      this.emit('change', alert, 'repeated');
      return { alert, change: 'repeated' };
    }
    const alert = this.store.open({ id: randomUUID(), tenant: a.tenant, device: a.device, kind: a.kind, key, severity: a.severity, summary: a.summary, details: a.details }, at);
    this.open.set(k, alert.id);
    this.emit('change', alert, 'opened');
    return { alert, change: 'opened' };
  }

  acknowledge(id: string, by: string, note: string | undefined, now: Date): Alert {
    const cur = this.get(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state !== 'open') return cur;
    const alert = this.store.acknowledge(id, by, note, now.toISOString());
    this.emit('change', alert, 'acknowledged');
    return alert;
  }

  resolve(id: string, by: string, resolution: { reason: string; note?: string }, now: Date): Alert {
    const cur = this.get(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state === 'resolved') return cur;
    const alert = this.store.resolve(id, by, resolution, now.toISOString());
    this.open.delete(`${cur.device}|${cur.kind}|${cur.key}`);
    this.emit('change', alert, 'resolved');
    return alert;
  }

  /** Resolves the open alert of (device, kind, key) if any, e.g. when its signal clears. */
  clear(device: string, kind: AlertKind, key: string, reason: string, now: Date): Alert | undefined {
    const id = this.open.get(`${device}|${kind}|${key}`);
    if (!id) return undefined;
    return this.resolve(id, 'system', { reason: 'cleared', note: reason }, now);
  }

  /** Open critical alerts not acknowledged within `afterMs`: raise the escalation level and notify again. */
  escalate(now: Date, afterMs: number): Alert[] {
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
