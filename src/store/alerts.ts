// Alerts as stored: one row per alert, at most one unresolved per (device, kind, key). The
// lifecycle (dedup, repeats, escalation) is alerts/alert-book.ts; this keeps the rows.
import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { AlertsTable } from './schema.ts';
import { dynamicQuery, query, type Arg, type Statements } from './sql.ts';
import type { Alert, AlertFilter, AlertKind, Severity } from '../alerts/alert-book.ts';

type AlertRow = Selectable<AlertsTable>;

/** When an alert opened and (if it did) resolved: what the figures of a period count. */
export interface AlertTimes {
  tenant: string;
  device: string;
  kind: string;
  openedAt: string;
  resolvedAt: string | null;
}

function fromRow(r: AlertRow): Alert {
  const a: Alert = {
    id: r.id,
    tenant: r.tenant,
    device: r.device,
    kind: r.kind as AlertKind,
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

const Q = {
  unresolvedKeys: query('alerts.unresolved-keys', (db) => db.selectFrom('alerts').select(['id', 'device', 'kind', 'key', 'severity']).where('state', '<>', 'resolved')),
  byId: query('alerts.by-id', (db, arg: Arg<{ id: string }>) => db.selectFrom('alerts').selectAll().where('id', '=', arg('id'))),
  list: dynamicQuery('alerts.list', (db, f: AlertFilter) => {
    let q = db.selectFrom('alerts').selectAll();
    if (f.state) q = q.where('state', '=', f.state);
    if (f.unresolved) q = q.where('state', '<>', 'resolved');
    // ISO 8601 UTC times as toISOString writes them compare as text
    if (f.openedFrom) q = q.where('opened_at', '>=', f.openedFrom);
    if (f.openedTo) q = q.where('opened_at', '<', f.openedTo);
    if (f.resolvedFrom) q = q.where('resolved_at', '>=', f.resolvedFrom);
    if (f.resolvedTo) q = q.where('resolved_at', '<', f.resolvedTo);
    if (f.severity) q = q.where('severity', '=', f.severity);
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.tenant) q = q.where('tenant', '=', f.tenant);
    if (f.device) q = q.where('device', '=', f.device);
    if (f.tenants) q = q.where('tenant', 'in', [...f.tenants]);
    return q.orderBy('updated_at', 'desc').limit(f.limit ?? 500);
  }),
  history: dynamicQuery('alerts.history', (db, a: { tenants: readonly string[]; from: string; to: string }) =>
    db
      .selectFrom('alerts')
      .select(['tenant', 'device', 'kind', 'opened_at', 'resolved_at'])
      .where('tenant', 'in', [...a.tenants])
      .where('opened_at', '<', a.to)
      .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', a.from)]))
      .orderBy('opened_at'),
  ),
  open: query('alerts.open', (db, arg: Arg<{ id: string; tenant: string; device: string; kind: string; key: string; severity: Severity; at: string; summary: string; details: string }>) =>
    db
      .insertInto('alerts')
      .values({
        id: arg('id'),
        tenant: arg('tenant'),
        device: arg('device'),
        kind: arg('kind'),
        key: arg('key'),
        severity: arg('severity'),
        state: 'open',
        opened_at: arg('at'),
        updated_at: arg('at'),
        count: 1,
        summary: arg('summary'),
        details: arg('details'),
      })
      .returningAll(),
  ),
  repeat: query('alerts.repeat', (db, arg: Arg<{ id: string; add: number; at: string; severity: Severity; summary: string; details: string }>) =>
    db
      .updateTable('alerts')
      .set((eb) => ({ count: eb('count', '+', arg('add')), updated_at: arg('at'), severity: arg('severity'), summary: arg('summary'), details: arg('details'), version: eb('version', '+', 1) }))
      .where('id', '=', arg('id'))
      .returningAll(),
  ),
  acknowledge: query('alerts.acknowledge', (db, arg: Arg<{ id: string; by: string; at: string; note: string | null }>) =>
    db
      .updateTable('alerts')
      .set((eb) => ({ state: 'acknowledged', ack_by: arg('by'), ack_at: arg('at'), ack_note: arg('note'), updated_at: arg('at'), version: eb('version', '+', 1) }))
      .where('id', '=', arg('id'))
      .returningAll(),
  ),
  resolve: query('alerts.resolve', (db, arg: Arg<{ id: string; by: string; at: string; resolution: string }>) =>
    db
      .updateTable('alerts')
      .set((eb) => ({ state: 'resolved', resolved_by: arg('by'), resolved_at: arg('at'), resolution: arg('resolution'), updated_at: arg('at'), version: eb('version', '+', 1) }))
      .where('id', '=', arg('id'))
      .returningAll(),
  ),
  openCritical: query('alerts.open-critical', (db) => db.selectFrom('alerts').selectAll().where('state', '=', 'open').where('severity', '=', 'critical')),
  escalate: query('alerts.escalate', (db, arg: Arg<{ id: string; at: string }>) =>
    db
      .updateTable('alerts')
      .set((eb) => ({ escalation: eb('escalation', '+', 1), updated_at: arg('at'), version: eb('version', '+', 1) }))
      .where('id', '=', arg('id'))
      .returningAll(),
  ),
  unresolvedCounts: query('alerts.unresolved-counts', (db) =>
    db
      .selectFrom('alerts')
      .select((eb) => ['tenant', 'device', 'kind', 'severity', eb.fn.countAll().as('count')])
      .where('state', '<>', 'resolved')
      .groupBy(['tenant', 'device', 'kind', 'severity']),
  ),
};

export class AlertStore {
  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
  }

  /** Unresolved (open or acknowledged) alerts by what they are about. */
  unresolvedKeys(): { id: string; device: string; kind: string; key: string; severity: Severity }[] {
    return this.sql.unresolvedKeys.all();
  }
  get(id: string): Alert | undefined {
    const r = this.sql.byId.get({ id });
    return r && fromRow(r);
  }
  /** Newest change first. */
  list(f: AlertFilter): Alert[] {
    if (f.tenants?.size === 0) return [];
    return this.sql.list.all(f).map(fromRow);
  }
  open(a: { id: string; tenant: string; device: string; kind: AlertKind; key: string; severity: Severity; summary: string; details: Record<string, unknown> }, at: string): Alert {
    return fromRow(this.sql.open.get({ ...a, at, details: JSON.stringify(a.details) })!);
  }
  /** `add` more occurrences (one write for the repeats counted since the last): count and version up, the latest summary and evidence; undefined when the alert is gone. */
  repeat(id: string, r: { severity: Severity; summary: string; details: Record<string, unknown>; add: number }, at: string): Alert | undefined {
    const row = this.sql.repeat.get({ id, add: r.add, at, severity: r.severity, summary: r.summary, details: JSON.stringify(r.details) });
    return row && fromRow(row);
  }
  acknowledge(id: string, by: string, note: string | undefined, at: string): Alert {
    return fromRow(this.sql.acknowledge.get({ id, by, at, note: note ?? null })!);
  }
  resolve(id: string, by: string, resolution: { reason: string; note?: string }, at: string): Alert {
    return fromRow(this.sql.resolve.get({ id, by, at, resolution: JSON.stringify(resolution) })!);
  }
  openCritical(): Alert[] {
    return this.sql.openCritical.all().map(fromRow);
  }
  escalate(id: string, at: string): Alert {
    return fromRow(this.sql.escalate.get({ id, at })!);
  }
  /** The tenants' alerts opened before `to` and not resolved before `from` (ISO times), oldest first. */
  history(tenants: readonly string[], from: string, to: string): AlertTimes[] {
    if (tenants.length === 0) return [];
    return this.sql.history.all({ tenants, from, to }).map((r) => ({ tenant: r.tenant, device: r.device, kind: r.kind, openedAt: r.opened_at, resolvedAt: r.resolved_at }));
  }
  /** Unresolved alerts counted by tenant, device, kind and severity. */
  unresolvedCounts(): { tenant: string; device: string; kind: string; severity: string; count: number }[] {
    return this.sql.unresolvedCounts.all().map((r) => ({ tenant: r.tenant, device: r.device, kind: r.kind, severity: r.severity, count: Number(r.count) }));
  }
}
