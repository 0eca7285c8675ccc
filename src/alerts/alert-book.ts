// Alerts: one open alert per (device, kind, key); a repeat increments `count`. Every change is
// emitted (SSE, webhooks) and written to the audit log by the caller's hooks.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.ts';

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
  key?: string;
  severity: Severity;
  summary: string;
  details: Record<string, unknown>;
}

export type AlertChange = 'opened' | 'repeated' | 'acknowledged' | 'resolved' | 'escalated';

interface AlertRow {
  id: string;
  tenant: string;
  device: string;
  kind: AlertKind;
  key: string;
  severity: Severity;
  state: AlertState;
  opened_at: string;
  updated_at: string;
  count: number;
  summary: string;
  details: string;
  ack_by: string | null;
  ack_at: string | null;
  ack_note: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  resolution: string | null;
  escalation: number;
  version: number;
}

function fromRow(r: AlertRow): Alert {
  const a: Alert = {
    id: r.id,
    tenant: r.tenant,
    device: r.device,
    kind: r.kind,
    key: r.key,
    severity: r.severity,
    state: r.state,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    count: r.count,
    summary: r.summary,
    details: JSON.parse(r.details),
    escalation: r.escalation,
    version: r.version,
  };
  if (r.ack_by) a.ackBy = r.ack_by;
  if (r.ack_at) a.ackAt = r.ack_at;
  if (r.ack_note) a.ackNote = r.ack_note;
  if (r.resolved_by) a.resolvedBy = r.resolved_by;
  if (r.resolved_at) a.resolvedAt = r.resolved_at;
  if (r.resolution) a.resolution = JSON.parse(r.resolution);
  return a;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

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
  /** (device|kind|key) → id of the open alert: the hot path never queries for dedup. */
  private open = new Map<string, string>();

  constructor(private readonly db: Db) {
    super();
    for (const r of db.prepare("SELECT id, device, kind, key FROM alerts WHERE state <> 'resolved'").all() as AlertRow[]) {
      this.open.set(`${r.device}|${r.kind}|${r.key}`, r.id);
    }
  }

  get(id: string): Alert | undefined {
    const r = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return r && fromRow(r);
  }

  openAlert(device: string, kind: AlertKind, key = ''): Alert | undefined {
    const id = this.open.get(`${device}|${kind}|${key}`);
    return id ? this.get(id) : undefined;
  }

  list(f: AlertFilter): Alert[] {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const k of ['state', 'severity', 'kind', 'tenant', 'device'] as const) {
      if (f[k]) {
        where.push(`${k} = ?`);
        args.push(f[k]);
      }
    }
    if (f.tenants) {
      if (f.tenants.size === 0) return [];
      where.push(`tenant IN (${[...f.tenants].map(() => '?').join(',')})`);
      args.push(...f.tenants);
    }
    const sql = `SELECT * FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY updated_at DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit ?? 500) as AlertRow[]).map(fromRow);
  }

  /** Opens an alert, or counts a repeat of the open one (raising its severity if higher). */
  raise(a: RaiseAlert, now: Date): { alert: Alert; change: 'opened' | 'repeated' } {
    const key = a.key ?? '';
    const k = `${a.device}|${a.kind}|${key}`;
    const at = now.toISOString();
    const openId = this.open.get(k);
    if (openId) {
      const cur = this.get(openId)!;
      const severity = SEVERITY_RANK[a.severity] > SEVERITY_RANK[cur.severity] ? a.severity : cur.severity;
      this.db
        .prepare('UPDATE alerts SET count = count + 1, updated_at = ?, severity = ?, summary = ?, details = ?, version = version + 1 WHERE id = ?')
        .run(at, severity, a.summary, JSON.stringify(a.details), openId);
      const alert = this.get(openId)!;
      this.emit('change', alert, 'repeated');
      return { alert, change: 'repeated' };
    }
    const id = randomUUID();
    this.db
      .prepare(
        "INSERT INTO alerts (id, tenant, device, kind, key, severity, state, opened_at, updated_at, count, summary, details) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, 1, ?, ?)",
      )
      .run(id, a.tenant, a.device, a.kind, key, a.severity, at, at, a.summary, JSON.stringify(a.details));
    this.open.set(k, id);
    const alert = this.get(id)!;
    this.emit('change', alert, 'opened');
    return { alert, change: 'opened' };
  }

  acknowledge(id: string, by: string, note: string | undefined, now: Date): Alert {
    const cur = this.get(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state !== 'open') return cur;
    const at = now.toISOString();
    this.db.prepare("UPDATE alerts SET state = 'acknowledged', ack_by = ?, ack_at = ?, ack_note = ?, updated_at = ?, version = version + 1 WHERE id = ?").run(by, at, note ?? null, at, id);
    const alert = this.get(id)!;
    this.emit('change', alert, 'acknowledged');
    return alert;
  }

  resolve(id: string, by: string, resolution: { reason: string; note?: string }, now: Date): Alert {
    const cur = this.get(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state === 'resolved') return cur;
    const at = now.toISOString();
    this.db.prepare("UPDATE alerts SET state = 'resolved', resolved_by = ?, resolved_at = ?, resolution = ?, updated_at = ?, version = version + 1 WHERE id = ?").run(by, at, JSON.stringify(resolution), at, id);
    this.open.delete(`${cur.device}|${cur.kind}|${cur.key}`);
    const alert = this.get(id)!;
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
    const rows = this.db.prepare("SELECT * FROM alerts WHERE state = 'open' AND severity = 'critical'").all() as AlertRow[];
    for (const r of rows) {
      const dueAt = Date.parse(r.opened_at) + afterMs * (r.escalation + 1);
      if (now.getTime() < dueAt) continue;
      const at = now.toISOString();
      this.db.prepare('UPDATE alerts SET escalation = escalation + 1, updated_at = ?, version = version + 1 WHERE id = ?').run(at, r.id);
      const alert = this.get(r.id)!;
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
    return this.db
      .prepare("SELECT tenant, device, kind, severity, count(*) AS count FROM alerts WHERE state <> 'resolved' GROUP BY tenant, device, kind, severity")
      .all() as { tenant: string; device: string; kind: string; severity: string; count: number }[];
  }
}
