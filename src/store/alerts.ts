// Alerts as stored: one row per alert, at most one unresolved per (device, kind, key). The
// lifecycle (dedup, repeats, escalation) is alerts/alert-book.ts; this keeps the rows, on
// SQLite or PostgreSQL (executor.ts): several processes may open the same alert at once (a
// message redelivered to another node), and the unique index makes one of them the opener. An
// acknowledgement writes only over an open alert and a resolution only over an unresolved one, so
// of two processes doing either at once the first stands and the second writes nothing.
import { sql, type Selectable } from 'kysely';
import type { AlertsTable } from './schema.ts';
import { dynamicQuery, query, type Arg, type SqliteState } from './sql.ts';
import { after, answer, type AnyStatements, type Answer, type Awaitable, type StateExecutor } from './executor.ts';
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
  unresolvedKeys: query('alerts.unresolved-keys', (db) =>
    db.selectFrom('alerts').select(['id', 'device', 'kind', 'key', 'severity']).where('state', '<>', 'resolved'),
  ),
  unresolvedKeysOf: query('alerts.unresolved-keys-of', (db, arg: Arg<{ device: string }>) =>
    db.selectFrom('alerts').select(['id', 'device', 'kind', 'key', 'severity']).where('device', '=', arg('device')).where('state', '<>', 'resolved'),
  ),
  byId: query('alerts.by-id', (db, arg: Arg<{ id: string }>) => db.selectFrom('alerts').selectAll().where('id', '=', arg('id'))),
  unresolvedOf: query('alerts.unresolved-of', (db, arg: Arg<{ device: string; kind: string; key: string }>) =>
    db
      .selectFrom('alerts')
      .selectAll()
      .where('device', '=', arg('device'))
      .where('kind', '=', arg('kind'))
      .where('key', '=', arg('key'))
      .where('state', '<>', 'resolved'),
  ),
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
  open: query(
    'alerts.open',
    (
      db,
      arg: Arg<{ id: string; tenant: string; device: string; kind: string; key: string; severity: Severity; at: string; summary: string; details: string }>,
    ) =>
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
        // the index alerts_one_open: an unresolved alert of (device, kind, key) exists, nothing is written
        .onConflict((oc) => oc.columns(['device', 'kind', 'key']).where('state', '<>', sql.lit('resolved')).doNothing())
        .returningAll(),
  ),
  repeat: query('alerts.repeat', (db, arg: Arg<{ id: string; add: number; at: string; severity: Severity; summary: string; details: string }>) =>
    db
      .updateTable('alerts')
      .set((eb) => ({
        count: eb('count', '+', arg('add')),
        updated_at: arg('at'),
        severity: arg('severity'),
        summary: arg('summary'),
        details: arg('details'),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', arg('id'))
      .returningAll(),
  ),
  acknowledge: query('alerts.acknowledge', (db, arg: Arg<{ id: string; by: string; at: string; note: string | null }>) =>
    db
      .updateTable('alerts')
      .set((eb) => ({
        state: 'acknowledged',
        ack_by: arg('by'),
        ack_at: arg('at'),
        ack_note: arg('note'),
        updated_at: arg('at'),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', arg('id'))
      // only an open alert: of two nodes acknowledging it at once, the second finds it acknowledged and writes nothing
      .where('state', '=', 'open')
      .returningAll(),
  ),
  resolve: query('alerts.resolve', (db, arg: Arg<{ id: string; by: string; at: string; resolution: string }>) =>
    db
      .updateTable('alerts')
      .set((eb) => ({
        state: 'resolved',
        resolved_by: arg('by'),
        resolved_at: arg('at'),
        resolution: arg('resolution'),
        updated_at: arg('at'),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', arg('id'))
      // the first resolution (who, when, why) stands: a second one writes nothing
      .where('state', '<>', 'resolved')
      .returningAll(),
  ),
  openCritical: query('alerts.open-critical', (db) => db.selectFrom('alerts').selectAll().where('state', '=', 'open').where('severity', '=', 'critical')),
  // only an alert still open at the level it was found at: one acknowledged meanwhile (on another node) is
  // not escalated, and two escalation runs at once raise a level once
  escalate: query('alerts.escalate', (db, arg: Arg<{ id: string; at: string; level: number }>) =>
    db
      .updateTable('alerts')
      .set((eb) => ({ escalation: eb('escalation', '+', 1), updated_at: arg('at'), version: eb('version', '+', 1) }))
      .where('id', '=', arg('id'))
      .where('state', '=', 'open')
      .where('escalation', '=', arg('level'))
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

/** What a store method gives on `S` (executor.ts `Answer`). */
type On<S extends StateExecutor, T> = Answer<S, T>;

/** The alerts' rows on the state database `S` (SqliteState: answers at once; PostgresState: Promises). */
export class AlertStore<S extends StateExecutor = SqliteState> {
  private readonly sql: AnyStatements<typeof Q>;

  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
  }

  private answer<T>(work: () => Awaitable<T>): On<S, T> {
    return answer(this.db, work);
  }

  /** Unresolved (open or acknowledged) alerts by what they are about. */
  unresolvedKeys(): On<S, { id: string; device: string; kind: string; key: string; severity: Severity }[]> {
    return this.answer(() => this.sql.unresolvedKeys.all());
  }
  /** The device's unresolved alerts by what they are about (a node taking the device over loads them). */
  unresolvedKeysOf(device: string): On<S, { id: string; device: string; kind: string; key: string; severity: Severity }[]> {
    return this.answer(() => this.sql.unresolvedKeysOf.all({ device }));
  }
  get(id: string): On<S, Alert | undefined> {
    return this.answer(() => after(this.sql.byId.get({ id }), (r) => r && fromRow(r)));
  }
  /** Newest change first. */
  list(f: AlertFilter): On<S, Alert[]> {
    return this.answer(() => (f.tenants?.size === 0 ? [] : after(this.sql.list.all(f), (rows) => rows.map(fromRow))));
  }
  /**
   * Opens the alert, unless an unresolved one of the same (device, kind, key) exists: then that
   * one, `opened` false (another process opened it first, or a redelivered message raised it
   * again), and nothing is written.
   */
  open(
    a: { id: string; tenant: string; device: string; kind: AlertKind; key: string; severity: Severity; summary: string; details: Record<string, unknown> },
    at: string,
  ): On<S, { alert: Alert; opened: boolean }> {
    return this.answer(() => this.openOnce(a, at, 3));
  }
  private openOnce(a: Parameters<AlertStore['open']>[0], at: string, tries: number): Awaitable<{ alert: Alert; opened: boolean }> {
    return after(this.sql.open.get({ ...a, at, details: JSON.stringify(a.details) }), (row) =>
      row
        ? { alert: fromRow(row), opened: true }
        : after(this.sql.unresolvedOf.get({ device: a.device, kind: a.kind, key: a.key }), (existing) => {
            if (existing) return { alert: fromRow(existing), opened: false };
            // resolved between the two statements: open it again
            if (tries <= 1) throw new Error(`alert of ${a.device} ${a.kind} ${a.key}: neither opened nor found open`);
            return this.openOnce(a, at, tries - 1);
          }),
    );
  }
  /** `add` more occurrences (one write for the repeats counted since the last): count and version up, the latest summary and evidence; undefined when the alert is gone. */
  repeat(id: string, r: { severity: Severity; summary: string; details: Record<string, unknown>; add: number }, at: string): On<S, Alert | undefined> {
    return this.answer(() =>
      after(
        this.sql.repeat.get({ id, add: r.add, at, severity: r.severity, summary: r.summary, details: JSON.stringify(r.details) }),
        (row) => row && fromRow(row),
      ),
    );
  }
  /**
   * Acknowledges the alert if it is open; undefined when it is not (acknowledged or resolved by
   * another process first, or gone): nothing is written, its first acknowledgement stands.
   */
  acknowledge(id: string, by: string, note: string | undefined, at: string): On<S, Alert | undefined> {
    return this.answer(() => after(this.sql.acknowledge.get({ id, by, at, note: note ?? null }), (row) => row && fromRow(row)));
  }
  /** Resolves the alert if it is not resolved yet; undefined when it is (or is gone): nothing is written, its first resolution stands. */
  resolve(id: string, by: string, resolution: { reason: string; note?: string }, at: string): On<S, Alert | undefined> {
    return this.answer(() => after(this.sql.resolve.get({ id, by, at, resolution: JSON.stringify(resolution) }), (row) => row && fromRow(row)));
  }
  openCritical(): On<S, Alert[]> {
    return this.answer(() => after(this.sql.openCritical.all(), (rows) => rows.map(fromRow)));
  }
  /** Raises the escalation of the open alert `id` from `level`; undefined when it is no longer open at that level. */
  escalate(id: string, at: string, level: number): On<S, Alert | undefined> {
    return this.answer(() => after(this.sql.escalate.get({ id, at, level }), (row) => row && fromRow(row)));
  }
  /** The tenants' alerts opened before `to` and not resolved before `from` (ISO times), oldest first. */
  history(tenants: readonly string[], from: string, to: string): On<S, AlertTimes[]> {
    return this.answer(() =>
      tenants.length === 0
        ? []
        : after(this.sql.history.all({ tenants, from, to }), (rows) =>
            rows.map((r) => ({ tenant: r.tenant, device: r.device, kind: r.kind, openedAt: r.opened_at, resolvedAt: r.resolved_at })),
          ),
    );
  }
  /** Unresolved alerts counted by tenant, device, kind and severity. */
  unresolvedCounts(): On<S, { tenant: string; device: string; kind: string; severity: string; count: number }[]> {
    return this.answer(() =>
      after(this.sql.unresolvedCounts.all(), (rows) =>
        rows.map((r) => ({ tenant: r.tenant, device: r.device, kind: r.kind, severity: r.severity, count: Number(r.count) })),
      ),
    );
  }
}
