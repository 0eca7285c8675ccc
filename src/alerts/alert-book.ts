// Alerts: one open alert per (device, kind, key); a repeat increments `count`. Every change is
// emitted (SSE, webhooks) and written to the audit log by the caller's hooks.
//
// Alerts raised from every message (reading statuses, rejections, tamper findings, offline
// flapping: `throttle`) would cost a state-database write and an event per message: their
// repeats are counted in memory and written, with one `repeated` event, at most once per
// REPEAT_FLUSH_MS per alert. The alert itself is written when it opens, so a crash loses no
// alert, only up to REPEAT_FLUSH_MS of its count and latest evidence. Reads through the book
// see every counted repeat: get() and openAlert() add what is pending, list() writes it first.
//
// On PostgreSQL (a cluster) the same book: `raise` still decides at once from the open alerts in
// memory; the opening insert (or a written repeat, or a clear) is issued at once, into the
// partition worker's write batch while it judges, and the `change` event fires when it answers
// (committed). Acknowledge, resolve and escalate (the API, on any node) are awaited and
// announced under ALERTS_TOPIC; every book reloads its open alerts when another node announces.
// Of two nodes acknowledging (or resolving) one alert at once, the database keeps the first: the
// store writes only over an open (unresolved) alert, and the second reads what the first wrote.
// Over 400 lines: the two databases' paths of one lifecycle stay side by side.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { SqliteState } from '../store/sql.ts';
import { after, isPending, type Answer, type Awaitable, type StateExecutor, type Watching } from '../store/executor.ts';
import { AlertStore, type AlertTimes } from '../store/alerts.ts';
import { OpenAlerts, openAlert, written, type Describe, type OpenAlert } from './open-alerts.ts';

export const ALERT_KINDS = [
  'out-of-tolerance',
  'conditional',
  'drift',
  'predicted-oot',
  'seller-favoured',
  'buyer-favoured',
  'verification-overdue',
  'verification-due-soon',
  'tamper',
  'out-of-range',
  'offline',
  'invalid-data',
  'untraceable-check',
  'standard-oot',
  'lot-fail',
  'sealed-in-use',
  'points-refused',
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

/** What the book announces its API-side changes under (executor.ts `announce` / `watch`). */
export const ALERTS_TOPIC = 'alerts';

export type Raised = { alert: Alert; change: 'opened' | 'repeated' };

/** A second acknowledgement of an alert: the first (who, when, the note) stands. */
export class AlreadyAcknowledged extends Error {
  constructor(readonly alert: Alert) {
    super(`alert ${alert.id} is already acknowledged by ${alert.ackBy ?? 'someone'} at ${alert.ackAt ?? 'an unknown time'}`);
    this.name = 'AlreadyAcknowledged';
  }
}

/** The alert as read again after an acknowledgement that wrote nothing: acknowledged by another process first (AlreadyAcknowledged), or resolved (answered as it is). */
function notAcknowledged(id: string, stored: Alert | undefined): Alert {
  const alert = found(id, stored);
  if (alert.state === 'acknowledged') throw new AlreadyAcknowledged(alert);
  return alert;
}

/** A resolution asked for as the first (the API's): the alert was resolved before, by someone else or by this request's twin; its first resolution stands. */
export class AlreadyResolved extends Error {
  constructor(readonly alert: Alert) {
    super(`alert ${alert.id} is already resolved by ${alert.resolvedBy ?? 'someone'} at ${alert.resolvedAt ?? 'an unknown time'}`);
    this.name = 'AlreadyResolved';
  }
}

/** The alert as read again after a resolution that wrote nothing: the first resolution stands; `first` asks to be told (AlreadyResolved). */
function notResolved(id: string, stored: Alert | undefined, first: boolean): Alert {
  const alert = found(id, stored);
  if (first) throw new AlreadyResolved(alert);
  return alert;
}

function found(id: string, alert: Alert | undefined): Alert {
  if (!alert) throw new Error(`alert ${id} not found`);
  return alert;
}

/** The alert book on the state database `S` (SqliteState: as a single node always ran; PostgresState: see the top of this file). */
export class AlertBook<S extends StateExecutor = SqliteState> extends EventEmitter<{ change: [Alert, AlertChange] }> {
  private readonly store: AlertStore<S>;
  /** The unresolved alerts: the hot path never queries for dedup. */
  private readonly open = new OpenAlerts();
  /** Open alerts with repeats or a deferred clear not yet written. */
  private dirty: OpenAlert[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** PostgreSQL: the book's writes not answered yet (a reload reads after them). */
  private readonly pending = new Set<Promise<unknown>>();
  /** PostgreSQL: the book's own changes of its open alerts, counted (OpenAlert.added; a reload keeps what came after its read). */
  private changes = 0;
  /** PostgreSQL: ids resolved here while a reload was reading. */
  private resolvedDuringReload: Set<string> | undefined;
  private readonly loaded: Awaitable<void>;
  private readonly watching: Watching | undefined;

  /**
   * `onFlushError`: a timed flush failed (what it held stays in memory, tried again a second
   * later); on PostgreSQL also a write of the message path or a reload that failed. On SQLite
   * the open alerts are loaded when this returns; on PostgreSQL use `await AlertBook.open(db)`.
   */
  constructor(
    private readonly db: S,
    private readonly onFlushError: (err: Error) => void = () => {},
  ) {
    super();
    this.store = new AlertStore(db);
    if (db.dialect === 'sqlite') {
      for (const r of this.sqlite.unresolvedKeys()) this.open.add(openAlert({ ...r, kind: r.kind as AlertKind }));
      this.loaded = undefined;
    } else {
      this.loaded = this.reload();
      this.watching = db.watch(ALERTS_TOPIC, () => {
        this.reload().catch((e) => this.onFlushError(e as Error));
      });
    }
  }

  /** A book with its open alerts loaded (on either database). */
  static async open<S extends StateExecutor>(db: S, onFlushError?: (err: Error) => void): Promise<AlertBook<S>> {
    const book = new AlertBook(db, onFlushError);
    await book.loaded;
    return book;
  }

  private get pg(): boolean {
    return this.db.dialect !== 'sqlite';
  }

  /** PostgreSQL: `p` counted among the book's writes in flight until it settles; failures reported, not left unhandled. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, (e) => {
      done();
      this.onFlushError(e as Error);
    });
    return p;
  }

  /**
   * PostgreSQL: the unresolved alerts as stored (all, or the device's), after this book's writes
   * in flight. What this book added or resolved while it read is kept as it is in memory, and so
   * is the record of an alert still open (its repeats counted in memory).
   */
  async reload(device?: string): Promise<void> {
    const resolved = (this.resolvedDuringReload ??= new Set());
    const since = this.changes;
    try {
      await Promise.allSettled([...this.pending]);
      const rows = await (device === undefined ? this.store.unresolvedKeys() : this.store.unresolvedKeysOf(device));
      const stored = new Set(rows.map((r) => r.id));
      for (const e of [...this.open.values(device)]) if (!stored.has(e.id) && e.added <= since) this.open.delete(e);
      for (const r of rows) {
        if (resolved.has(r.id)) continue;
        const cur = this.open.get(r.device, r.kind, r.key);
        if (cur?.id === r.id || (cur && cur.added > since)) continue;
        this.open.add(openAlert({ ...r, kind: r.kind as AlertKind }));
      }
    } finally {
      if (this.resolvedDuringReload === resolved) this.resolvedDuringReload = undefined;
    }
  }

  /** The alert with its repeats not yet written counted. */
  get(id: string): Answer<S, Alert | undefined> {
    return this.answerOf(after(this.store.get(id) as Awaitable<Alert | undefined>, (a) => this.withUnwritten(id, a)));
  }

  private withUnwritten(id: string, a: Alert | undefined): Alert | undefined {
    const e = a && this.open.get(a.device, a.kind, a.key);
    if (!a || !e || e.id !== id || e.unwritten === 0) return a;
    const { summary, details } = e.describe!(e.subject);
    return { ...a, count: a.count + e.unwritten, summary, details, updatedAt: e.at!.toISOString(), version: a.version + 1 };
  }

  private answerOf<T>(v: Awaitable<T>): Answer<S, T> {
    return v as Answer<S, T>;
  }

  openAlert(device: string, kind: AlertKind, key = ''): Answer<S, Alert | undefined> {
    const e = this.open.get(device, kind, key);
    return e ? this.get(e.id) : this.answerOf(this.pg ? Promise.resolve(undefined) : undefined);
  }

  /** True when an alert of (device, kind, key) is open in memory (what the message path judges by, on either database). */
  isOpen(device: string, kind: AlertKind, key = ''): boolean {
    return this.open.get(device, kind, key) !== undefined;
  }

  /** Repeats not yet written are written first, so the list's counts and order are those of every repeat. */
  list(f: AlertFilter): Answer<S, Alert[]> {
    return this.answerOf(after(this.flush(), () => this.store.list(f) as Awaitable<Alert[]>));
  }

  /** When the tenants' alerts opened and resolved, for those open at some time in [from, to) (figures and reports). */
  history(tenants: readonly string[], from: string, to: string): Answer<S, AlertTimes[]> {
    return this.store.history(tenants, from, to);
  }

  /**
   * Opens an alert, or counts a repeat of the open one (raising its severity if higher);
   * undefined when a throttled repeat was counted in memory (written at the next flush). On
   * PostgreSQL decided at once the same way, the write issued at once and answered (with the
   * `change` event) when it commits.
   */
  raise(a: RaiseAlert): Answer<S, Raised | undefined> | undefined {
    const key = a.key ?? '';
    const open = this.open.get(a.device, a.kind, key);
    if (open && a.throttle && this.counted(open, a.severity, a, asRaised, a.at)) return undefined;
    if (this.pg) return this.answerOf(this.raiseOnPostgres(a, key, open));
    if (open) {
      // written now, with the repeats counted in memory before it
      if (SEVERITY_RANK[a.severity] > SEVERITY_RANK[open.severity]) open.severity = a.severity;
      const alert = this.sqlite.repeat(
        open.id,
        { severity: open.severity, summary: a.summary, details: a.details, add: 1 + open.unwritten },
        a.at.toISOString(),
      );
      open.unwritten = 0;
      open.clear = undefined;
      if (alert) {
        this.emit('change', alert, 'repeated');
        return this.answerOf({ alert, change: 'repeated' as const });
      }
      this.open.delete(open); // its row is gone: this opens a new one
    }
    const { alert, opened } = this.sqlite.open(
      { id: randomUUID(), tenant: a.tenant, device: a.device, kind: a.kind, key, severity: a.severity, summary: a.summary, details: a.details },
      a.at.toISOString(),
    );
    this.open.add(openAlert(alert));
    if (!opened) return this.raise(a); // another process opened it first (a message redelivered to it): this repeats it
    this.emit('change', alert, 'opened');
    return this.answerOf({ alert, change: 'opened' as const });
  }

  private get sqlite(): AlertStore<SqliteState> {
    return this.store as unknown as AlertStore<SqliteState>;
  }

  /**
   * raise() on PostgreSQL: the open alerts in memory change at once (the next message is judged
   * by them); the write goes out now and the event fires when it answers. An opening that finds
   * the alert open already (opened by another node: a device this one has not loaded) takes that
   * one's id and counts as its repeat.
   */
  private raiseOnPostgres(a: RaiseAlert, key: string, open: OpenAlert | undefined): Promise<Raised | undefined> {
    const at = a.at.toISOString();
    if (open) {
      if (SEVERITY_RANK[a.severity] > SEVERITY_RANK[open.severity]) open.severity = a.severity;
      const add = 1 + open.unwritten;
      open.unwritten = 0;
      open.clear = undefined;
      const written = this.store.repeat(open.id, { severity: open.severity, summary: a.summary, details: a.details, add }, at) as Promise<Alert | undefined>;
      return this.track(
        written.then((alert) => {
          if (!alert) return undefined; // resolved meanwhile by another node: the reload forgets it
          this.emit('change', alert, 'repeated');
          return { alert, change: 'repeated' as const };
        }),
      );
    }
    const e = openAlert({ id: randomUUID(), device: a.device, kind: a.kind, key, severity: a.severity });
    e.added = ++this.changes;
    this.open.add(e);
    const opening = this.store.open(
      { id: e.id, tenant: a.tenant, device: a.device, kind: a.kind, key, severity: a.severity, summary: a.summary, details: a.details },
      at,
    ) as Promise<{ alert: Alert; opened: boolean }>;
    return this.track(
      opening.then(({ alert, opened }): Awaitable<Raised | undefined> => {
        if (opened) {
          this.emit('change', alert, 'opened');
          return { alert, change: 'opened' };
        }
        e.id = alert.id;
        return after(
          this.store.repeat(alert.id, { severity: e.severity, summary: a.summary, details: a.details, add: 1 }, at) as Promise<Alert | undefined>,
          (repeated) => {
            if (!repeated) return undefined;
            this.emit('change', repeated, 'repeated');
            return { alert: repeated, change: 'repeated' as const };
          },
        );
      }),
    );
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

  /**
   * Acknowledges an open alert. An acknowledged one throws AlreadyAcknowledged (its first
   * acknowledgement, who, when and the note, stands); a resolved one is answered as it is. The
   * database decides between two processes acknowledging at once (store `acknowledge` writes only
   * over an open alert): the one that wrote nothing reads the alert again and answers so too.
   */
  acknowledge(id: string, by: string, note: string | undefined, now: Date): Answer<S, Alert> {
    if (this.pg) return this.answerOf(this.acknowledgeOnPostgres(id, by, note, now));
    const cur = this.current(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state === 'acknowledged') throw new AlreadyAcknowledged(cur);
    if (cur.state !== 'open') return this.answerOf(cur);
    const alert = this.sqlite.acknowledge(id, by, note, now.toISOString());
    if (!alert) return this.answerOf(notAcknowledged(id, this.sqlite.get(id))); // another process (the CLI) was first
    this.emit('change', alert, 'acknowledged');
    return this.answerOf(alert);
  }

  private async acknowledgeOnPostgres(id: string, by: string, note: string | undefined, now: Date): Promise<Alert> {
    const cur = await this.currentOnPostgres(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state === 'acknowledged') throw new AlreadyAcknowledged(cur);
    if (cur.state !== 'open') return cur;
    const [alert] = await this.db.atomically(() => [this.store.acknowledge(id, by, note, now.toISOString()), this.db.announce(ALERTS_TOPIC)] as const);
    // another node acknowledged or resolved it since the read: its change stands
    if (!alert) return notAcknowledged(id, (await this.store.get(id)) as Alert | undefined);
    this.emit('change', alert, 'acknowledged');
    return alert;
  }

  /** Resolves an unresolved alert; a resolved one is answered as it is, its first resolution (who, when, why) standing. */
  resolve(id: string, by: string, resolution: { reason: string; note?: string }, now: Date): Answer<S, Alert> {
    return this.resolveAs(id, by, resolution, now, false);
  }

  /**
   * The API's resolve: as `resolve`, but an alert resolved before (by another request, node or the CLI,
   * since the caller read it) throws AlreadyResolved, told by whether this call wrote the resolution
   * (not by comparing who and when: one actor's two requests in one millisecond would read as its own).
   */
  resolveFirst(id: string, by: string, resolution: { reason: string; note?: string }, now: Date): Answer<S, Alert> {
    return this.resolveAs(id, by, resolution, now, true);
  }

  private resolveAs(id: string, by: string, resolution: { reason: string; note?: string }, now: Date, first: boolean): Answer<S, Alert> {
    if (this.pg) return this.answerOf(this.resolveOnPostgres(id, by, resolution, now, first));
    const cur = this.current(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state === 'resolved') return this.answerOf(notResolved(id, cur, first));
    const alert = this.sqlite.resolve(id, by, resolution, now.toISOString());
    this.open.delete(cur);
    if (!alert) return this.answerOf(notResolved(id, this.sqlite.get(id), first)); // another process (the CLI) resolved it first
    this.emit('change', alert, 'resolved');
    return this.answerOf(alert);
  }

  /** The API's resolve on PostgreSQL: awaited, announced (the node judging the device forgets the alert). */
  private async resolveOnPostgres(id: string, by: string, resolution: { reason: string; note?: string }, now: Date, first: boolean): Promise<Alert> {
    const cur = await this.currentOnPostgres(id);
    if (!cur) throw new Error(`alert ${id} not found`);
    if (cur.state === 'resolved') return notResolved(id, cur, first);
    this.forget(cur.device, cur.kind, cur.key, id);
    const [alert] = await this.db.atomically(() => [this.store.resolve(id, by, resolution, now.toISOString()), this.db.announce(ALERTS_TOPIC)] as const);
    // another node resolved it since the read: its resolution stands
    if (!alert) return notResolved(id, (await this.store.get(id)) as Alert | undefined, first);
    this.emit('change', alert, 'resolved');
    return alert;
  }

  /** PostgreSQL: the open alert `id` of (device, kind, key) out of memory, and out of what a reload reading now brings back. */
  private forget(device: string, kind: string, key: string, id: string): void {
    const e = this.open.get(device, kind, key);
    if (e?.id === id) this.open.delete(e);
    this.resolvedDuringReload?.add(id);
    this.changes++;
  }

  /**
   * The alert as stored, after writing what is pending for it (before a change of its state): its
   * own repeats and deferred clear only, not every alert's (a drift alert clears at a check, and a
   * flush of the whole book there cost as much as the timed one, many times a second).
   */
  private current(id: string): Alert | undefined {
    const cur = this.sqlite.get(id);
    const e = cur && this.open.get(cur.device, cur.kind, cur.key);
    if (!e?.dirty || e.id !== id) return cur;
    this.flushAlert(e);
    return this.sqlite.get(id);
  }

  /** What flushOnSqlite does, for one alert: its repeats written, then its deferred clear. */
  private flushAlert(e: OpenAlert): void {
    const repeated = this.writeRepeats(e);
    const i = this.dirty.indexOf(e);
    if (i >= 0) this.dirty.splice(i, 1);
    const clear = e.clear;
    written(e);
    for (const alert of repeated) this.emit('change', alert, 'repeated');
    if (clear) this.resolve(e.id, 'system', { reason: 'cleared', note: clear.reason }, clear.at);
  }

  private async currentOnPostgres(id: string): Promise<Alert | undefined> {
    const cur = await this.store.get(id);
    const e = cur && this.open.get(cur.device, cur.kind, cur.key);
    if (!e?.dirty || e.id !== id) return cur;
    await this.flush();
    return (await this.store.get(id)) as Alert | undefined;
  }

  /**
   * Resolves the open alert of (device, kind, key) if any, e.g. when its signal clears.
   * `deferred` (a signal that flaps, such as a device's connection): resolved at the next flush
   * unless raised again before, which then counts as a repeat of the same alert; undefined.
   */
  clear(device: string, kind: AlertKind, key: string, reason: string, now: Date, deferred = false): Answer<S, Alert | undefined> | undefined {
    const e = this.open.get(device, kind, key);
    if (!e) return undefined;
    if (deferred && !this.stopped) {
      this.markDirty(e);
      e.clear = { reason, at: now, since: e.clear?.since ?? performance.now() };
      return undefined;
    }
    if (this.pg) return this.answerOf(this.clearOnPostgres(e, reason, now));
    return this.resolve(e.id, 'system', { reason: 'cleared', note: reason }, now);
  }

  /**
   * A clear on PostgreSQL, decided by the node judging the device: out of memory at once, the
   * resolve issued now (into the worker's write batch while it judges), its event when it answers.
   * Repeats counted in memory are written with it.
   */
  private clearOnPostgres(e: OpenAlert, reason: string, now: Date): Promise<Alert | undefined> {
    const at = now.toISOString();
    const repeats =
      e.unwritten > 0 ? this.store.repeat(e.id, { severity: e.severity, ...e.describe!(e.subject), add: e.unwritten }, e.at!.toISOString()) : undefined;
    if (e.dirty) this.dirty = this.dirty.filter((d) => d !== e);
    written(e);
    this.forget(e.device, e.kind, e.key, e.id);
    const resolved = this.store.resolve(e.id, 'system', { reason: 'cleared', note: reason }, at) as Promise<Alert | undefined>;
    return this.track(
      Promise.all([repeats, resolved]).then(([, alert]) => {
        // undefined: resolved on another node meanwhile (the API), whose resolution stands
        if (alert) this.emit('change', alert, 'resolved');
        return alert;
      }),
    );
  }

  /**
   * Writes the repeats counted in memory (one statement and one `repeated` event per alert, in
   * one transaction), then the deferred clears. Runs REPEAT_FLUSH_MS after the first repeat it
   * writes; call it before reading the alerts' table by other means. When the write fails,
   * everything stays in memory for the next. `minClearAgeMs` (the timed flush): deferred clears
   * younger than that are kept for the next flush, their repeats written.
   */
  flush(minClearAgeMs = 0): Answer<S, void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dirty.length === 0) return this.answerOf(this.pg ? Promise.resolve() : undefined);
    if (this.pg) return this.answerOf(this.flushOnPostgres(minClearAgeMs));
    this.flushOnSqlite(minClearAgeMs);
    return undefined as Answer<S, void>;
  }

  private flushOnSqlite(minClearAgeMs: number): void {
    const batch = this.dirty;
    const t = performance.now();
    const young = new Set(minClearAgeMs > 0 ? batch.filter((e) => e.clear && t - e.clear.since < minClearAgeMs) : []);
    const repeated = (this.db as unknown as SqliteState).transaction(() => batch.flatMap((e) => this.writeRepeats(e, young.has(e))));
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

  /** PostgreSQL: the device's open alerts as stored (a node taking the device over). */
  loadDevice(device: string): Promise<void> {
    return this.reload(device);
  }

  /**
   * The flush on PostgreSQL: the repeats in one transaction, then the deferred clears (each
   * resolved, announced to no one: the device's judging node is this one). When the write fails
   * the counts go back into memory for the next flush.
   */
  private async flushOnPostgres(minClearAgeMs: number): Promise<void> {
    const batch = this.dirty;
    this.dirty = [];
    const t = performance.now();
    const young = new Set(minClearAgeMs > 0 ? batch.filter((e) => e.clear && t - e.clear.since < minClearAgeMs) : []);
    const taken = batch.map((e) => ({ e, unwritten: e.unwritten, subject: e.subject, describe: e.describe, at: e.at, clear: e.clear }));
    for (const e of batch) written(e);
    let results: (Alert | undefined)[];
    try {
      results = (await this.track(
        Promise.resolve(
          this.db.atomically(() =>
            taken.map(({ e, unwritten, subject, describe, at }) =>
              unwritten === 0 ? undefined : this.store.repeat(e.id, { severity: e.severity, ...describe!(subject), add: unwritten }, at!.toISOString()),
            ),
          ),
        ),
      )) as (Alert | undefined)[];
    } catch (err) {
      for (const w of taken) {
        w.e.unwritten += w.unwritten;
        w.e.subject ??= w.subject;
        w.e.describe ??= w.describe;
        w.e.at ??= w.at;
        w.e.clear ??= w.clear;
        if (w.e.unwritten > 0 || w.e.clear) this.markDirty(w.e);
      }
      throw err;
    }
    taken.forEach((w, i) => {
      const alert = results[i];
      if (alert && (!w.clear || young.has(w.e))) this.emit('change', alert, 'repeated');
    });
    const clears: Promise<unknown>[] = [];
    for (const w of taken) {
      if (!w.clear) continue;
      if (young.has(w.e)) {
        if (!w.e.clear) w.e.clear = w.clear; // not raised again meanwhile
        this.markDirty(w.e);
      } else if (!w.e.clear && w.e.unwritten === 0 && this.open.get(w.e.device, w.e.kind, w.e.key) === w.e) {
        clears.push(this.clearOnPostgres(w.e, w.clear.reason, w.clear.at));
      }
    }
    await Promise.all(clears);
  }

  /** Stops the timed flush and writes what is pending; later repeats are written as they come. */
  stop(): Answer<S, void> {
    this.stopped = true;
    clearTimeout(this.flushTimer);
    this.watching?.stop();
    if (this.db.open) return this.flush();
    return this.answerOf(this.pg ? Promise.resolve() : undefined);
  }

  /** The alert as written with its repeats; none when it has none, is about to be cleared (its `resolved` tells) or is gone. */
  private writeRepeats(e: OpenAlert, clearKept = false): Alert[] {
    if (e.unwritten === 0) return [];
    const { summary, details } = e.describe!(e.subject);
    const alert = this.sqlite.repeat(e.id, { severity: e.severity, summary, details, add: e.unwritten }, e.at!.toISOString());
    return alert && (!e.clear || clearKept) ? [alert] : [];
  }

  private flushSoon(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (!this.db.open) return;
      const failed = (e: unknown) => {
        this.onFlushError(e as Error);
        this.flushSoon();
      };
      try {
        const done = this.flush(DEFERRED_CLEAR_MIN_MS) as Awaitable<void>;
        if (isPending(done)) done.catch(failed);
      } catch (e) {
        failed(e);
      }
    }, REPEAT_FLUSH_MS);
    this.flushTimer.unref();
  }

  /** Open critical alerts not acknowledged within `afterMs`: raise the escalation level and notify again. */
  escalate(now: Date, afterMs: number): Answer<S, Alert[]> {
    if (this.pg) return this.answerOf(this.escalateOnPostgres(now, afterMs));
    this.flush();
    const out: Alert[] = [];
    for (const a of this.sqlite.openCritical()) {
      const dueAt = Date.parse(a.openedAt) + afterMs * (a.escalation + 1);
      if (now.getTime() < dueAt) continue;
      const alert = this.sqlite.escalate(a.id, now.toISOString(), a.escalation);
      if (!alert) continue; // acknowledged or escalated by another process since it was read
      this.emit('change', alert, 'escalated');
      out.push(alert);
    }
    return this.answerOf(out);
  }

  private async escalateOnPostgres(now: Date, afterMs: number): Promise<Alert[]> {
    await this.flush();
    const out: Alert[] = [];
    for (const a of await this.store.openCritical()) {
      const dueAt = Date.parse(a.openedAt) + afterMs * (a.escalation + 1);
      if (now.getTime() < dueAt) continue;
      const [alert] = await this.db.atomically(() => [this.store.escalate(a.id, now.toISOString(), a.escalation), this.db.announce(ALERTS_TOPIC)] as const);
      if (!alert) continue; // acknowledged on another node, or escalated by another run, since it was read
      this.emit('change', alert, 'escalated');
      out.push(alert);
    }
    return out;
  }

  openCount(): number {
    return this.open.size;
  }

  /** Unresolved (open or acknowledged) alerts counted by tenant, device, kind and severity. */
  unresolvedCounts(): Answer<S, { tenant: string; device: string; kind: string; severity: string; count: number }[]> {
    return this.store.unresolvedCounts();
  }
}
