// Over 400 lines: one class applies every kind of outcome (checks, statuses, transactions, packages,
// rejections) with the caches they share; the stores, drift and alert rules already live apart.
// The assurance state of each instrument: applies ingest outcomes (checks, reading statuses,
// transaction findings, rejections) to the embedded store and opens, repeats or clears alerts.
//
// On PostgreSQL (a cluster) judging stays synchronous and in memory (drift states, open alerts,
// totalizers, the seqs of the checks judged); only the writes go to the database, into the
// partition worker's write batch. A node holds the state of the devices it has loaded
// (`loadDevice`: at the first message of a device in a consumer's tenure, and again after
// another node announced a change of the device's state on ASSURANCE_CHANNEL).
import { unitText } from '../metrology/units.ts';
import { statedUncertainty } from '../metrology/decimal.ts';
import type { SqliteState } from '../store/sql.ts';
import type { PostgresState, WriteBatch } from '../store/postgres.ts';
import { after, type Answer, type Awaitable, type StateExecutor } from '../store/executor.ts';
import { type Registry, type Device, placementAt } from '../store/registry.ts';
import { CheckStore, checkIdentity, type CheckCount, type StoredCheck } from '../store/checks.ts';
import { JUDGED_CHECKS_PER_DEVICE, JudgedChecks } from './judged-checks.ts';
import { DriftStore } from '../store/drift.ts';
import { TotalizerStore } from '../store/totalizers.ts';
import { LotStore } from '../store/lots.ts';
import type { Rejected } from '../store/rejections.ts';
import { SequenceTracker } from '../ingest/sequence.ts';
import { RejectionLog } from './rejection-log.ts';
import type { AlertBook, Severity } from './alert-book.ts';
import type { AcceptedReading, IngestResult, Rejection } from '../ingest/ingest.ts';
import type { Certificate, CheckResult, VerificationState } from '../metrology/types.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import {
  DEFAULT_DRIFT_PARAMS,
  deviceDriftView,
  driftAfterCheck,
  driftAlertShouldBeOpen,
  driftSeriesKey,
  emptyDriftState,
  parseDriftSeriesKey,
  rebuildDrift,
  driftAsOf,
  adjustedElsewhere,
  adjustmentScope,
  resetDrift,
  sellerFavourOf,
  summarizeDrift,
  type DeviceDriftView,
  type DriftParams,
  type DriftState,
  type DriftSummary,
  type SellerFavourView,
} from '../metrology/drift.ts';
import { deviceUserOf, favourAlertKind, type SellerFavourRule } from '../metrology/seller-favour.ts';
import { citationsFor } from '../metrology/sources.ts';
import { standingOf, standingWord } from '../metrology/index.ts';
import { judgeCheckTraceability } from './traceability-alerts.ts';
import { dayIn } from './local-day.ts';
import { localDay } from '../oversight/period.ts';
import type { DayOf } from '../metrology/traceability.ts';
import type { LotBook } from '../lots/lot-book.ts';

export interface AssuranceOptions {
  dueSoonDays: number;
  horizonDays: number;
  invalidBurst: number;
  /** Rejected messages kept per device (MAG_REJECTIONS_PER_DEVICE; default 1000). */
  rejectionsPerDevice?: number;
}

export type { StoredCheck, Rejected };

const DAY = 86_400_000;

/** The enterprise's local day of an instant (YYYY-MM-DD in `zone`), as the drift core names its predicted day. */
const localDayIn =
  (zone: string): DayOf =>
  (t) =>
    localDay(zone, t);
/** EWMA/CUSUM need a few checks before a signal is evidence of drift rather than one bad check. */
export const MIN_CHECKS_FOR_DRIFT_ALERT = 3;

/** The key of a check's out-of-tolerance and conditional alerts: one open alert per (device, kind, gas/point), docs/contract.md §4. */
export function checkAlertKey(c: { gas?: string; point?: string }): string {
  return c.gas ?? c.point ?? '';
}

/** The series of a check as people read it: "gas CO, point span, in service". */
export function seriesLabel(c: { gas?: string; point?: string; regime?: string }): string {
  return [c.gas !== undefined && `gas ${c.gas}`, c.point !== undefined && `point ${c.point}`, c.regime === 'verification' ? 'verification' : 'in service']
    .filter(Boolean)
    .join(', ');
}

/** Where a node says it changed a device's assurance state outside the message path (payload `{ device, from }`). */
export const ASSURANCE_CHANNEL = 'mag_assurance';

/** What Assurance needs of PostgreSQL beyond a StateExecutor: a write batch (its API-side changes commit as one). */
type Batching = Pick<PostgresState, 'writeBatch' | 'into' | 'notify' | 'listenOn' | 'instanceId'>;

export class Assurance<S extends StateExecutor = SqliteState> {
  private drift = new Map<string, DriftState>(); // device|series
  private readonly checks: CheckStore<S>;
  private readonly driftStore: DriftStore<S>;
  private readonly totalizers: TotalizerStore<S>;
  private readonly rejections: RejectionLog<S>;
  /** PostgreSQL: each loaded device's newest checks judged (a replay is judged once, as the insert tells on SQLite). */
  private readonly judgedChecks = new Map<string, JudgedChecks>();
  /** PostgreSQL: each loaded device's nozzles' latest totalizer, device|nozzle. */
  private readonly totalizerCache = new Map<string, { seq: number; end: number }>();
  /**
   * SQLite: the nozzles' latest totalizers recorded in the state batch in progress (the journal
   * commit's: SqliteState.atBatchEnd), device|nozzle; written once at its end, in the same
   * transaction as every other state write of the messages that commit acknowledges.
   */
  private readonly unwrittenTotalizers = new Map<string, { device: string; nozzle: string; seq: number; end: number }>();
  /** PostgreSQL: devices whose state another node changed since they were loaded here. */
  private readonly stale = new Set<string>();
  private verification = new Map<string, string>(); // device → "state|validUntil" last published
  /** A timed write of what the message path left in memory (rejections) failed; kept for the next. */
  onFlushError: (err: Error) => void = () => {};
  /** The devices' seq numbering on this node: gaps and steps back (GET /devices/{id} `sequence`). */
  readonly sequences = new SequenceTracker();

  constructor(
    private readonly db: S,
    private readonly registry: Registry<any>,
    private readonly alerts: AlertBook<S>,
    private readonly profiles: Map<string, InstrumentProfile>,
    private readonly opts: AssuranceOptions,
    /** Where measured prepackages go (the `packages` topic); without it they are not applied. */
    private readonly lots?: Pick<LotBook, 'recordPackages'>,
    /** Instruments sealed off by an inspector (open `sealed-off` finding): their `config` says lockout. */
    private readonly seals?: { sealOf(device: string): { finding: string; inspection: string; since: string } | undefined },
  ) {
    this.checks = new CheckStore(db);
    this.driftStore = new DriftStore(db);
    this.totalizers = new TotalizerStore(db);
    this.rejections = new RejectionLog(db, Math.max(100, opts.invalidBurst), (err) => this.onFlushError(err), opts.rejectionsPerDevice);
    if (db.dialect !== 'sqlite') return; // devices are loaded as they are taken over (loadDevice)
    for (const r of (this.driftStore as unknown as DriftStore<SqliteState>).all()) {
      // A series named before series were kept per (gas, point, regime) cannot be told apart: its
      // statistics restart with the next check of each new series.
      if (parseDriftSeriesKey(r.series) === undefined) this.driftStore.delete(r.device, r.series);
      else this.drift.set(`${r.device}|${r.series}`, r.state);
    }
  }

  private get pg(): Batching | undefined {
    return this.db.dialect === 'sqlite' ? undefined : (this.db as unknown as Batching);
  }

  /** The statements `fn` issues in one transaction: SQLite's; on PostgreSQL into the write batch in hand (the worker's), if any. */
  private inTransaction(fn: () => void): void {
    if (this.db.dialect === 'sqlite') (this.db as unknown as SqliteState).transaction(fn);
    else fn();
  }

  /** The nozzle's latest transaction judged: its seq and totalizerEnd (what Ingest audits the next one against). */
  totalizerOf(device: string, nozzle: string): { seq: number; end: number } | undefined {
    const key = `${device}|${nozzle}`;
    if (this.db.dialect !== 'sqlite') return this.totalizerCache.get(key);
    return this.unwrittenTotalizers.get(key) ?? (this.totalizers as unknown as TotalizerStore<SqliteState>).last(device, nozzle);
  }

  /**
   * The device's checks stored with the time `ts`, for the message path to compare a check sent at
   * that time with them before journaling it (src/pipeline/resends.ts). SQLite only: on PostgreSQL the
   * lookup would wait on the database within the message path, so undefined (not known).
   */
  storedChecksAt(device: string, ts: number): readonly CheckResult[] | undefined {
    if (this.db.dialect !== 'sqlite') return undefined;
    return (this.checks as unknown as CheckStore<SqliteState>).at(device, ts);
  }

  /** The package the device sent with `seq` at `ts`, as stored in its lot; SQLite only, as storedChecksAt. */
  storedPackage(device: string, seq: number, ts: number): { lot: string; kind: 'net' | 'gross'; value: number } | undefined {
    if (this.db.dialect !== 'sqlite') return undefined;
    this.lotStore ??= new LotStore(this.db as unknown as SqliteState);
    return this.lotStore.sentPackage(device, seq, ts);
  }
  private lotStore: LotStore<SqliteState> | undefined;

  /**
   * PostgreSQL: the device's state as stored (drift states, totalizers, the seqs of its checks,
   * its open alerts), replacing what this node held of it: before the first message of the
   * device a node judges after taking its partition over, and after another node changed it.
   */
  async loadDevice(device: string): Promise<void> {
    this.stale.delete(device);
    const [drift, totalizers, judged] = await Promise.all([
      this.driftStore.ofDevice(device),
      this.totalizers.ofDevice(device),
      this.checks.identitiesOf(device, JUDGED_CHECKS_PER_DEVICE),
      this.alerts.loadDevice(device),
    ]);
    for (const key of [...this.drift.keys()]) if (key.startsWith(`${device}|`)) this.drift.delete(key);
    for (const r of drift) if (parseDriftSeriesKey(r.series) !== undefined) this.drift.set(`${device}|${r.series}`, r.state);
    for (const key of [...this.totalizerCache.keys()]) if (key.startsWith(`${device}|`)) this.totalizerCache.delete(key);
    for (const t of totalizers) this.totalizerCache.set(`${device}|${t.nozzle}`, { seq: t.seq, end: t.totalizerEnd });
    this.judgedChecks.set(device, new JudgedChecks(judged));
  }

  /**
   * SQLite: what this book holds in memory of the device (or of every device), read again from the
   * database after a transaction that changed it was rolled back: its drift states and open alerts.
   */
  resync(device?: string): void {
    if (this.db.dialect !== 'sqlite') return; // PostgreSQL: loadDevice before the device's next judgement
    const store = this.driftStore as unknown as DriftStore<SqliteState>;
    for (const key of [...this.drift.keys()]) if (device === undefined || key.startsWith(`${device}|`)) this.drift.delete(key);
    for (const r of device === undefined ? store.all() : store.ofDevice(device))
      if (parseDriftSeriesKey(r.series) !== undefined) this.drift.set(`${r.device}|${r.series}`, r.state);
    this.alerts.reload(device).catch((e) => this.onFlushError(e as Error));
    for (const listener of this.resyncListeners) listener(device);
  }

  /** Called after resync(device?), for what others hold of the state (the message path's resend screening). */
  onResync(listener: (device?: string) => void): void {
    this.resyncListeners.push(listener);
  }
  private readonly resyncListeners: ((device?: string) => void)[] = [];

  /** PostgreSQL: true when another node changed the device's state since this one loaded it (load it again before judging). */
  isStale(device: string): boolean {
    return this.stale.has(device);
  }

  /** PostgreSQL: hears other nodes' announcements of devices changed (ASSURANCE_CHANNEL) and marks them stale. */
  async followDevices(): Promise<{ stop(): void }> {
    const pg = this.pg;
    if (!pg) return { stop() {} };
    return pg.listenOn(ASSURANCE_CHANNEL, (payload) => {
      try {
        const m = JSON.parse(payload) as { device?: unknown; from?: unknown };
        if (typeof m.device === 'string' && m.from !== pg.instanceId) this.stale.add(m.device);
      } catch {
        // not one of ours
      }
    });
  }

  /** PostgreSQL: `fn`'s writes in one write batch, committed, then announced as a change of the device. */
  private async committed(device: string, fn: () => void): Promise<void> {
    const pg = this.pg!;
    const wb: WriteBatch = pg.writeBatch();
    pg.into(wb, fn);
    await wb.commit();
    await pg.notify(ASSURANCE_CHANNEL, JSON.stringify({ device, from: pg.instanceId }));
  }

  /**
   * The drift parameters of an instrument type: its profile's `drift` block (devices/*.json).
   * The alert horizon is MAG_ALERT_HORIZON_DAYS unless the profile sets one other than the
   * default (90 days), which then wins for that type.
   */
  driftParams(profile: InstrumentProfile | undefined): DriftParams {
    const cached = profile ? this.paramsByProfile.get(profile) : this.paramsWithoutProfile;
    if (cached) return cached;
    const d = profile?.drift; // parsed with every default filled in (DriftParametersSchema)
    const horizonDays = d && d.horizonDays !== DEFAULT_DRIFT_PARAMS.horizonDays ? d.horizonDays : this.opts.horizonDays;
    const params: DriftParams = Object.freeze({ ...DEFAULT_DRIFT_PARAMS, ...d, horizonDays });
    if (profile) this.paramsByProfile.set(profile, params);
    else this.paramsWithoutProfile = params;
    return params;
  }
  private readonly paramsByProfile = new WeakMap<InstrumentProfile, DriftParams>();
  private paramsWithoutProfile: DriftParams | undefined;

  /**
   * summarizeDrift of a series state, computed once per state object, parameters and zone: each check
   * needs the summary of its series after it and, for predicted-oot, before it, which is the
   * summary the check before computed (~90 µs each: the regression and Student t behind the
   * predicted date). States are never changed in place (driftAfterCheck makes new ones). The
   * predicted day is the enterprise's local day (`zone`: its zone in effect).
   */
  private summaryOf(state: DriftState, params: DriftParams, zone: string): DriftSummary {
    const hit = this.summaries.get(state);
    if (hit && hit.params === params && hit.zone === zone) return hit.summary;
    const summary = summarizeDrift(state, params, localDayIn(zone));
    this.summaries.set(state, { params, zone, summary });
    return summary;
  }
  private readonly summaries = new WeakMap<DriftState, { params: DriftParams; zone: string; summary: DriftSummary }>();

  /** True when apply() would change nothing: readings only, all `ok`, no nozzle, nothing refused. */
  hasNothingToApply(device: Device, result: IngestResult): boolean {
    if (result.checks.length > 0 || result.findings.length > 0 || result.rejections.length > 0 || result.packages?.length) return false;
    if (this.seals?.sealOf(device.id) && result.readings.length > 0) return false;
    for (const r of result.readings) if (r.status !== 'ok' || r.tags.nozzle) return false;
    return true;
  }

  /**
   * When all apply() would do for the message is record a nozzle's totalizer (one fuel
   * transaction, `ok`, without findings), what recordTotalizer needs: the pipeline then holds
   * only that through the journal commit, not the message's outcome.
   */
  totalizerOnly(device: Device, result: IngestResult): { nozzle: string; seq: number; end: number } | undefined {
    if (device.type !== 'fuel-dispenser' || result.readings.length !== 1 || this.seals?.sealOf(device.id)) return undefined;
    if (result.checks.length > 0 || result.findings.length > 0 || result.rejections.length > 0 || result.packages?.length) return undefined;
    const r = result.readings[0];
    const nozzle = r.tags.nozzle;
    if (!nozzle || r.status !== 'ok') return undefined;
    const end = totalizerEndOf(result, r.seq);
    return end === undefined ? undefined : { nozzle, seq: r.seq, end };
  }

  /** Applies one message's outcome. Runs after the points are in the journal. */
  apply(device: Device, topic: string, result: IngestResult, payload: Buffer, now: Date): void {
    if (result.checks.length > 0) {
      const at = now.toISOString();
      const profile = this.profiles.get(device.type);
      // A check's writes (the check, its drift state, its alerts) stand or fall together: on SQLite
      // a savepoint within the journal commit's batch. A message without one needs none.
      this.inTransaction(() => {
        for (const c of result.checks) this.applyCheck(device, profile, c, at, now);
      });
    }
    if (device.type === 'fuel-dispenser') {
      for (const r of result.readings) {
        const end = r.tags.nozzle ? totalizerEndOf(result, r.seq) : undefined;
        if (end !== undefined) this.recordTotalizer(device.id, r.tags.nozzle, r.seq, end);
      }
    }
    if (result.packages?.length && this.lots) {
      // A package the message path let through but the lot had no room for when appended (another
      // message filled it meanwhile; on PostgreSQL the path cannot count): acknowledged and its point
      // stored, so it is refused here, where the engineer reads it (rejections; feedback on SQLite).
      after(this.lots.recordPackages(device.id, result.packages, now), (full) => {
        if (full.length === 0) return;
        const refused = full.map((p) => ({
          seq: p.seq,
          errors: [
            {
              path: 'lot',
              message: `lot ${p.lot} holds its lotSize packages already: the package seq ${p.seq} came after the lot was full and is not part of it`,
            },
          ],
        }));
        result.rejections.push(...refused);
        this.recordRejections(device, topic, refused, payload, now);
      });
    }
    for (const f of result.findings) {
      this.alerts.raise({
        tenant: device.tenant,
        device: device.id,
        kind: 'tamper',
        key: `${f.nozzle}:${f.kind}`,
        severity: 'critical',
        summary: `${f.kind === 'price' ? 'Price mismatch' : 'Totalizer mismatch'} on nozzle ${f.nozzle}: ${f.message}`,
        details: { seq: f.seq, ts: new Date(f.ts).toISOString(), nozzle: f.nozzle, ...f.details },
        at: now,
        throttle: true,
      });
    }
    for (const r of result.readings) if (r.status !== 'ok') this.readingStatusAlert(device, r, now);
    if (result.rejections.length > 0) this.recordRejections(device, topic, result.rejections, payload, now);
    if (result.readings.length > 0 || result.packages?.length) {
      const seal = this.seals?.sealOf(device.id);
      if (seal) this.sealedInUse(device, seal, topic, result, now);
    }
  }

  /**
   * An instrument sealed off by an inspector (an open `sealed-off` finding: out of use until the
   * finding is closed; its `config` says lockout) that goes on measuring: readings, transactions
   * or packages of one. Stored as sent (evidence); one critical alert per instrument, each further
   * message counted, with the latest one's seq and time. It stays open when the seal is lifted:
   * use while sealed is a fact for the inspector to deal with, not a state that passes.
   */
  private sealedInUse(device: Device, seal: { finding: string; inspection: string; since: string }, topic: string, result: IngestResult, now: Date): void {
    const first = result.readings[0] ?? result.packages?.[0];
    this.alerts.raiseFrom({
      tenant: device.tenant,
      device: device.id,
      kind: 'sealed-in-use',
      severity: 'critical',
      at: now,
      subject: { tenant: device.tenant, seal, topic, seq: first?.seq, ts: first?.ts, transactions: result.points.some((p) => p.measurement === 'transaction') },
      describe: this.describeSealedInUse,
    });
  }

  /**
   * A check made outside the device's own messages (an inspector's, on site): stored in the
   * device's check history and judged like one it sent (alerts, drift). Its `seq` must not be
   * one the device uses (inspection checks count down from −1).
   */
  recordCheck(device: Device, c: CheckResult, now: Date): Answer<S, void> {
    const at = now.toISOString();
    const judge = () => this.applyCheck(device, this.profiles.get(device.type), c, at, now);
    if (this.db.dialect === 'sqlite') {
      try {
        return (this.db as unknown as SqliteState).transaction(judge) as Answer<S, void>;
      } catch (e) {
        // The transaction rolled back what it wrote, not what it changed in memory (an alert opened,
        // a drift state): left so, every later check of the device failed on "alert … not found",
        // its acknowledged MQTT checks included, until a restart.
        this.resync(device.id);
        throw e;
      }
    }
    // an API-side check on a cluster: judged on the device's state as stored, then announced
    return this.loadDevice(device.id).then(() => this.committed(device.id, judge)) as Answer<S, void>;
  }

  /**
   * The nozzle's totalizer after the transaction `seq`, once its message is journaled. On SQLite
   * kept in memory and written at the end of the journal commit's state batch (one upsert per
   * nozzle and commit instead of one per transaction; at once outside a batch).
   */
  recordTotalizer(device: string, nozzle: string, seq: number, totalizerEnd: number): void {
    if (this.db.dialect === 'sqlite') {
      const key = `${device}|${nozzle}`;
      const held = this.unwrittenTotalizers.get(key);
      // a transaction replayed out of order (a lower seq) does not move the totalizer back, as the upsert says
      if (!held) this.unwrittenTotalizers.set(key, { device, nozzle, seq, end: totalizerEnd });
      else if (seq >= held.seq) {
        held.seq = seq;
        held.end = totalizerEnd;
      }
      (this.db as unknown as SqliteState).atBatchEnd(this.writeTotalizers);
      return;
    }
    // the cache follows the latest transaction judged (messages of a device come in order)
    const cached = this.totalizerCache.get(`${device}|${nozzle}`);
    if (!cached || seq >= cached.seq) this.totalizerCache.set(`${device}|${nozzle}`, { seq, end: totalizerEnd });
    quiet(this.totalizers.record(device, nozzle, seq, totalizerEnd));
  }

  /** SQLite: the totalizers recorded since the last write; each taken out before its upsert (a failed one is reported once, not retried forever). */
  private readonly writeTotalizers = (): void => {
    const store = this.totalizers as unknown as TotalizerStore<SqliteState>;
    for (const [key, t] of this.unwrittenTotalizers) {
      this.unwrittenTotalizers.delete(key);
      store.record(t.device, t.nozzle, t.seq, t.end);
    }
  };

  /** Stores the check; false for a replay, the same seq at the same time (stored, and judged, once). */
  private insertCheck(device: string, series: string, c: CheckResult, at: string): boolean {
    if (this.db.dialect === 'sqlite') return (this.checks as unknown as CheckStore<SqliteState>).insert(device, series, c, at);
    let judged = this.judgedChecks.get(device);
    if (!judged) this.judgedChecks.set(device, (judged = new JudgedChecks()));
    const id = checkIdentity(c.seq, c.ts);
    if (judged.has(id)) return false;
    judged.add(id);
    quiet(this.checks.insert(device, series, c, at));
    return true;
  }

  /**
   * The alert a reading's status raises (out-of-range, verification-overdue), or counts once more:
   * once per message of a failing or unverified instrument, so the alert's summary and evidence
   * are made only when written (raiseFrom), and its fields are written out rather than spread
   * from a helper (a spread into a literal cost ~3.5 µs, more than the rest of the message; so
   * every alert here names its tenant and device itself).
   */
  private readingStatusAlert(device: Device, r: AcceptedReading, now: Date): void {
    if (r.status === 'out-of-range' || r.status === 'implausible') {
      this.alerts.raiseFrom({
        tenant: device.tenant,
        device: device.id,
        kind: 'out-of-range',
        key: r.tags.gas ? `${r.quantity}:${r.tags.gas}` : r.quantity,
        severity: 'warning',
        at: now,
        subject: r,
        describe: describeOutOfRange,
      });
    } else if (r.status === 'unverified') {
      this.alerts.raiseFrom({
        tenant: device.tenant,
        device: device.id,
        kind: 'verification-overdue',
        severity: 'critical',
        at: now,
        subject: r,
        describe: this.describeUnverified,
      });
    }
  }

  private readonly describeUnverified = (r: AcceptedReading): { summary: string; details: Record<string, unknown> } => {
    const device = this.registry.registeredDevice(r.tags.device);
    const v = device ? this.verificationOf(device, r.ts) : { state: 'none' as const, validUntil: null };
    return {
      summary: `Readings from an instrument without valid ${standingWord(v)} (${v.state}${device && v.validUntil ? `, valid until ${dayIn(this.registry.zoneInEffect(device.tenant), v.validUntil)}` : ''})`,
      details: { seq: r.seq, ts: new Date(r.ts).toISOString(), verification: v },
    };
  };

  /** The days these sentences name are the enterprise's (docs/metrology.md §8); made only when the alert is written. */
  private readonly describePredictedOot = (p: {
    tenant: string;
    series: string;
    s: DriftSummary;
    due?: number;
    validUntil: string | null;
    basis?: 'calibration';
  }): { summary: string; details: Record<string, unknown> } => {
    const { s, due } = p;
    // due: validUntil's instant
    const dueDay = due && p.validUntil ? dayIn(this.registry.zoneInEffect(p.tenant), p.validUntil) : undefined;
    return {
      summary: `Predicted out of tolerance${seriesSuffix(p.series)} on ${s.predictedOutOfToleranceAt} (drift ${fmt(s.slopePerDay ?? 0)} per day${dueDay ? `; ${standingWord(p)} due ${dueDay}` : ''})`,
      details: { ...s, verificationDue: p.validUntil, ...(p.basis ? { dueBasis: p.basis } : {}) },
    };
  };

  private readonly describeSealedInUse = (u: {
    tenant: string;
    seal: { finding: string; inspection: string; since: string };
    topic: string;
    seq?: number;
    ts?: number;
    transactions: boolean;
  }): { summary: string; details: Record<string, unknown> } => ({
    summary: `Sealed off by finding ${u.seal.finding} (inspection ${u.seal.inspection}) since ${dayIn(this.registry.zoneInEffect(u.tenant), u.seal.since)}, yet it ${u.transactions ? 'records transactions' : 'sends measurements'}`,
    details: {
      finding: u.seal.finding,
      inspection: u.seal.inspection,
      sealedSince: u.seal.since,
      topic: u.topic,
      seq: u.seq ?? null,
      ts: u.ts === undefined ? null : new Date(u.ts).toISOString(),
    },
  });

  private applyCheck(device: Device, profile: InstrumentProfile | undefined, c: CheckResult, at: string, now: Date): void {
    // One series per (gas, test point, regime), docs/metrology.md §5: the checks column, the drift state and the drift alerts' key.
    const series = driftSeriesKey(c);
    if (!this.insertCheck(device.id, series, c, at)) return; // a replay: stored once, judged once
    const where = seriesLabel(c);
    const evidence = {
      seq: c.seq,
      ts: new Date(c.ts).toISOString(),
      indicated: c.indicated,
      corrected: c.corrected,
      reference: c.reference,
      error: c.error,
      mpe: c.mpe,
      uncertainty: c.uncertainty,
      decision: c.decision,
      legal: c.legal,
      regime: c.regime,
      standardId: c.standardId,
      unit: c.unit,
      gas: c.gas,
      point: c.point,
      // the calibration view (reported, not judged) and the R76 change-point weights, where they apply
      correctedError: c.correctedError,
      correctedUncertainty: c.correctedUncertainty,
      calibrationCertificate: c.calibrationCertificate,
      deltaL: c.deltaL,
      adjusted: c.adjusted,
      // traceability of the check (docs/metrology.md §8): null for checks stored before it was judged
      traceable: c.traceable ?? null,
      traceabilityIssue: c.traceabilityIssue,
    };
    if (c.decision === 'fail' || c.decision === 'conditional-fail') {
      this.alerts.raise({
        tenant: device.tenant,
        device: device.id,
        kind: 'out-of-tolerance',
        key: checkAlertKey(c),
        severity: 'critical',
        summary: `Check ${c.decision} (${where}): error ${fmt(c.error)} ${unitText(c.unit)} against MPE ±${fmt(c.mpe)} ${unitText(c.unit)} (U = ${fmt(statedUncertainty(c.uncertainty))} ${unitText(c.unit)})`,
        details: evidence,
        at: now,
        // a further failing check of the same point repeats it: counted in memory, written within
        // a second (issue 17); the check itself is stored at once with its evidence
        throttle: true,
      });
    } else if (c.decision === 'conditional-pass') {
      this.alerts.raise({
        tenant: device.tenant,
        device: device.id,
        kind: 'conditional',
        key: checkAlertKey(c),
        severity: 'warning',
        summary: `Check conditional pass (${where}): error ${fmt(c.error)} ${unitText(c.unit)} is within MPE ±${fmt(c.mpe)} ${unitText(c.unit)} but within the guard band U = ${fmt(statedUncertainty(c.uncertainty))} ${unitText(c.unit)}`,
        details: evidence,
        at: now,
        throttle: true,
      });
    }
    judgeCheckTraceability(
      this.alerts as unknown as AlertBook, // its results are not read: either database
      device,
      c,
      now,
    );
    // Drift statistics, incrementally: the check is judged within its series; after an adjustment
    // (`adjusted`) the stored series starts a new baseline from it.
    const key = `${device.id}|${series}`;
    const params = this.driftParams(profile);
    const prev = this.drift.get(key) ?? this.newSeries(device);
    const { judged, next } = driftAfterCheck(prev, { ts: c.ts, error: c.error, mpe: c.mpe, uncertainty: c.uncertainty, adjusted: c.adjusted }, params);
    this.drift.set(key, next);
    quiet(this.driftStore.save(device.id, series, next, at));
    if (next !== judged) {
      // Adjusted: the series' alerts (drift, predicted-oot, seller- and buyer-favoured) speak of the instrument before the adjustment, which
      // no longer exists, and the new baseline has no checks to judge yet; so they clear (and the as-found
      // state opens none), as after a certificate. GET drift shows the restarted series. The check's own
      // decision as found (out-of-tolerance, conditional) stands: that alert was raised above.
      const note = `instrument adjusted at check ${c.seq} (${new Date(c.ts).toISOString()}; found ${c.decision}): drift statistics restarted`;
      for (const kind of SERIES_ALERT_KINDS) this.alerts.clear(device.id, kind, series, note, now);
      // the instrument was adjusted, not only this test point: its other series of the same scope (every
      // point and regime; a gas detector's same gas) start their baseline again from this check too
      for (const [other, state] of [...this.drift]) {
        if (!other.startsWith(`${device.id}|`) || other === key) continue;
        const otherSeries = other.slice(device.id.length + 1);
        if (!adjustmentScope(series, otherSeries)) continue;
        const restarted = adjustedElsewhere(state, c.ts);
        if (restarted === state) continue;
        this.drift.set(other, restarted);
        quiet(this.driftStore.save(device.id, otherSeries, restarted, at));
        for (const kind of SERIES_ALERT_KINDS) this.alerts.clear(device.id, kind, otherSeries, note, now);
      }
      return;
    }
    this.judgeDrift(device, series, prev, judged, params, now);
  }

  private judgeDrift(device: Device, series: string, prev: DriftState, state: DriftState, params: DriftParams, now: Date): void {
    const zone = this.registry.zoneInEffect(device.tenant);
    const s = this.summaryOf(state, params, zone);
    const driftOpen = this.alerts.isOpen(device.id, 'drift', series);
    if (s.points >= MIN_CHECKS_FOR_DRIFT_ALERT && driftAlertShouldBeOpen(s, driftOpen)) {
      // a repeat at each further check is counted in memory, its summary and evidence made and
      // written within a second (issue 17)
      this.alerts.raiseFrom({
        tenant: device.tenant,
        device: device.id,
        kind: 'drift',
        key: series,
        severity: 'warning',
        at: now,
        subject: { series, s },
        describe: describeDrift,
      });
    } else {
      this.alerts.clear(device.id, 'drift', series, 'EWMA back within its limits and CUSUM below H/2, or the shift below half the alarm threshold', now);
    }
    // predicted-oot: opened only when the latest two checks both give a date worth an alert (one
    // check's chance line through quantised errors is not evidence), cleared only when neither does.
    const current = this.alertablePrediction(device, s, params, now, zone);
    const previous = prev.n > 0 ? this.alertablePrediction(device, this.summaryOf(prev, params, zone), params, now, zone) : null;
    const open = this.alerts.isOpen(device.id, 'predicted-oot', series);
    if (current && (previous || open)) {
      const severity: Severity = current.predicted - now.getTime() <= 7 * DAY ? 'critical' : 'warning';
      this.alerts.raiseFrom({
        tenant: device.tenant,
        device: device.id,
        kind: 'predicted-oot',
        key: series,
        severity,
        at: now,
        subject: { tenant: device.tenant, series, s, due: current.due, validUntil: current.validUntil, basis: current.basis },
        describe: this.describePredictedOot,
      });
    } else if (!current && !previous) {
      this.alerts.clear(
        device.id,
        'predicted-oot',
        series,
        `no out-of-tolerance date predicted within the horizon or before the ${this.profiles.get(device.type)?.standing === 'calibration' ? 'calibration' : 'verification'} due date (two checks in a row)`,
        now,
      );
    }
    const rule = this.profiles.get(device.type)?.sellerFavour;
    if (rule) this.judgeSellerFavour(device, series, state, rule, now);
  }

  /**
   * seller-favoured, or buyer-favoured for an instrument its use says a buyer works (docs/metrology.md §6):
   * open while the series' errors lean to its user's side under the type's rule (./seller-favour.ts), one
   * per series like drift, each further check counted on it; cleared by the first check after which they no
   * longer lean that way by the rule's clearing thresholds (and, as drift, by a certificate or an
   * adjustment, which restart the series).
   */
  private judgeSellerFavour(device: Device, series: string, state: DriftState, rule: SellerFavourRule, now: Date): void {
    const profile = this.profiles.get(device.type);
    const favoured = deviceUserOf(profile?.tradeUses, device.use);
    const kind = favourAlertKind(favoured);
    const f = sellerFavourOf(state, rule, favoured);
    const open = this.alerts.isOpen(device.id, kind, series);
    if (f.finding || (open && f.persists)) {
      this.alerts.raiseFrom({
        tenant: device.tenant,
        device: device.id,
        kind,
        key: series,
        severity: 'warning',
        at: now,
        subject: { series, f, rule, mpe: state.lastMpe, unit: seriesUnit(profile, series), source: sellerFavourSource(profile) },
        describe: describeSellerFavoured,
      });
    } else if (open) {
      const side = f.favoured === 'seller' ? f.onSellerSide : f.onBuyerSide;
      this.alerts.clear(
        device.id,
        kind,
        series,
        `errors no longer favour the ${f.favoured} beyond the rule: ${side} of ${f.checksCounted} non-zero errors on the ${f.favoured}'s side (sign test p = ${fmt(f.pValue)}), mean ${fmt(f.meanErrorMpe)} of the MPE`,
        now,
      );
    }
  }

  /**
   * The predicted date when it falls within the alert horizon or on or before the verification due
   * day: both days of the enterprise's `zone` (the predicted day is its local day, validUntil the
   * last millisecond of its last valid day there).
   */
  private alertablePrediction(
    device: Device,
    s: DriftSummary,
    params: DriftParams,
    now: Date,
    zone: string,
  ): { predicted: number; due?: number; validUntil: string | null; basis?: 'calibration' } | null {
    if (!s.predictedOutOfToleranceAt) return null;
    // the predicted day's UTC midnight: for the horizon and the severity, a few hours either way
    const predicted = Date.parse(s.predictedOutOfToleranceAt);
    const v = this.verificationOf(device, now.getTime());
    const due = v.validUntil ? Date.parse(v.validUntil) : undefined;
    const withinHorizon = predicted - now.getTime() <= params.horizonDays * DAY;
    const beforeDue = v.validUntil ? s.predictedOutOfToleranceAt <= dayIn(zone, v.validUntil) : false;
    return withinHorizon || beforeDue ? { predicted, due, validUntil: v.validUntil ?? null, basis: v.basis } : null;
  }

  /**
   * A verification or calibration certificate starts a new baseline at its issuedAt in every series of
   * the device (docs/metrology.md §5). A certificate registered after checks made since its issue date re-feeds
   * those checks (rebuildDrift); a series whose baseline started later already (a later certificate or
   * adjustment) is left as it is. Drift alerts clear; a rebuilt series is judged again.
   */
  onCertificate(device: Device, cert: Pick<Certificate, 'kind' | 'number' | 'issuedAt'>, now: Date): Answer<S, void> {
    const at = Date.parse(cert.issuedAt);
    if (!Number.isFinite(at)) return (this.db.dialect === 'sqlite' ? undefined : Promise.resolve()) as Answer<S, void>;
    if (this.db.dialect === 'sqlite') {
      this.restartDrift(device, cert, at, (this.checks as unknown as CheckStore<SqliteState>).of(device.id, at, undefined, Number.MAX_SAFE_INTEGER), now);
      return undefined as Answer<S, void>;
    }
    // a cluster: on the device's state as stored, committed as one, announced to the node judging the device
    return (async () => {
      await this.loadDevice(device.id);
      const checks = await this.checks.of(device.id, at, undefined, Number.MAX_SAFE_INTEGER);
      await this.committed(device.id, () => this.restartDrift(device, cert, at, checks, now));
    })() as Answer<S, void>;
  }

  /**
   * The instrument's use in trade changed (PATCH /devices/{id}): whom its errors would favour may change with
   * it (a scale moved from a stall to a purchasing point serves the buyer). The alerts of the earlier user's
   * favour clear, and each series is judged at once for the new user's: the checks are the instrument's,
   * wherever it stood, and a scale that weighs light weighs light at a purchasing point too.
   */
  onUseChanged(device: Device, from: string | undefined, now: Date): Answer<S, void> {
    const profile = this.profiles.get(device.type);
    const rule = profile?.sellerFavour;
    const was = deviceUserOf(profile?.tradeUses, from);
    const is = deviceUserOf(profile?.tradeUses, device.use);
    const judge = () => {
      if (!rule || was === is) return;
      const note = `the instrument's use changed (${from ?? 'none'} → ${device.use ?? 'none'}): its errors are judged for the ${is}'s favour from now on`;
      this.inTransaction(() => {
        for (const [key, state] of this.drift) {
          if (!key.startsWith(`${device.id}|`)) continue;
          const series = key.slice(device.id.length + 1);
          this.alerts.clear(device.id, favourAlertKind(was), series, note, now);
          this.judgeSellerFavour(device, series, state, rule, now);
        }
      });
    };
    if (this.db.dialect === 'sqlite') {
      judge();
      return undefined as Answer<S, void>;
    }
    return (async () => {
      await this.loadDevice(device.id);
      await this.committed(device.id, judge);
    })() as Answer<S, void>;
  }

  /** onCertificate with the device's checks since the certificate's issue, newest first. */
  private restartDrift(device: Device, cert: Pick<Certificate, 'kind' | 'number' | 'issuedAt'>, at: number, checks: StoredCheck[], now: Date): void {
    const params = this.driftParams(this.profiles.get(device.type));
    const since = new Map<string, StoredCheck[]>(); // per series, oldest first
    const adjustments: { series: string; ts: number }[] = [];
    for (const c of checks.reverse()) {
      const k = driftSeriesKey(c);
      const list = since.get(k);
      if (list) list.push(c);
      else since.set(k, [c]);
      if (c.adjusted === true) adjustments.push({ series: k, ts: c.ts });
    }
    // the adjustments since `at` recorded by checks of a series' siblings restart it again when re-fed
    const adjustedElsewhereOf = (series: string) => adjustments.filter((a) => a.series !== series && adjustmentScope(a.series, series)).map((a) => a.ts);
    const note = `new ${cert.kind} certificate ${cert.number} (issued ${cert.issuedAt}): drift statistics restarted`;
    this.inTransaction(() => {
      for (const [key, state] of [...this.drift]) {
        if (!key.startsWith(`${device.id}|`)) continue;
        if (state.resetAt !== null && state.resetAt > at) continue;
        const series = key.slice(device.id.length + 1);
        const later = since.get(series) ?? [];
        const elsewhere = adjustedElsewhereOf(series);
        const next = later.length > 0 || elsewhere.length > 0 ? rebuildDrift(later, at, cert.kind, params, elsewhere) : resetDrift(state, at, cert.kind);
        this.drift.set(key, next);
        quiet(this.driftStore.save(device.id, series, next, now.toISOString()));
        for (const kind of SERIES_ALERT_KINDS) this.alerts.clear(device.id, kind, series, note, now);
        if (later.length > 0) {
          const before = later.length > 1 ? rebuildDrift(later.slice(0, -1), at, cert.kind, params, elsewhere) : resetDrift(state, at, cert.kind);
          this.judgeDrift(device, series, before, next, params, now);
        }
      }
    });
  }

  /**
   * The state a device's new series starts from: a baseline at the latest certificate's issuedAt, as
   * onCertificate gives its existing series, so that a check older than it counts in no baseline
   * whichever arrived first, the certificate or the (backfilled) check.
   */
  private newSeries(device: Device): DriftState {
    let latest: { at: number; kind: Certificate['kind'] } | undefined;
    for (const c of this.registry.certificatesOf(device.id)) {
      const at = Date.parse(c.issuedAt);
      if (Number.isFinite(at) && (latest === undefined || at > latest.at)) latest = { at, kind: c.kind };
    }
    return latest === undefined ? emptyDriftState() : resetDrift(emptyDriftState(), latest.at, latest.kind);
  }

  /**
   * GET /devices/{id}/drift: the series nearest its limit and every series (docs/contract.md §4), the
   * predicted days those of the device's enterprise's zone in effect, as its predicted-oot alerts name them.
   */
  driftOf(deviceId: string, profile: InstrumentProfile | undefined): Answer<S, DeviceDriftView> {
    const device = this.registry.registeredDevice(deviceId);
    const dayOf = localDayIn(this.registry.zoneInEffect(device?.tenant ?? ''));
    const favoured = deviceUserOf(profile?.tradeUses, device?.use);
    if (this.db.dialect === 'sqlite') {
      const series: { key: string; state: DriftState }[] = [];
      for (const [key, state] of this.drift) if (key.startsWith(`${deviceId}|`)) series.push({ key: key.slice(deviceId.length + 1), state });
      return deviceDriftView(series, this.driftParams(profile), dayOf, profile?.sellerFavour, favoured) as Answer<S, DeviceDriftView>;
    }
    // a cluster: as stored (the node judging the device writes each check's state in its batch)
    return after(this.driftStore.ofDevice(deviceId) as Awaitable<{ series: string; state: DriftState }[]>, (rows) =>
      deviceDriftView(
        rows.filter((r) => parseDriftSeriesKey(r.series) !== undefined).map((r) => ({ key: r.series, state: r.state })),
        this.driftParams(profile),
        dayOf,
        profile?.sellerFavour,
        favoured,
      ),
    ) as Answer<S, DeviceDriftView>;
  }

  /**
   * The device's drift as it stood at `asOf` (the end of a past period), rebuilt from its checks since the
   * latest certificate issued by then (driftAsOf): what GET drift answered then, as far as the checks and
   * certificates now on record say, whom its errors favoured judged by its use then. At most `limit` checks
   * are read (newest first); `complete` is false when the baseline held more, and the view is of the newest.
   */
  driftAsOfTime(device: Device, asOf: number, limit: number): Answer<S, { view: DeviceDriftView; complete: boolean }> {
    const profile = this.profiles.get(device.type);
    let baseline: { at: number; reason: Certificate['kind'] } | null = null;
    for (const c of this.registry.certificatesOf(device.id)) {
      const at = Date.parse(c.issuedAt);
      if (Number.isFinite(at) && at <= asOf && (baseline === null || at > baseline.at)) baseline = { at, reason: c.kind };
    }
    const use = placementAt(device, asOf).use;
    const params = this.driftParams(profile);
    return after(this.checks.of(device.id, baseline?.at ?? 0, asOf, limit + 1) as Awaitable<StoredCheck[]>, (checks) => ({
      view: deviceDriftView(
        driftAsOf(checks.slice(0, limit), baseline, asOf, params),
        params,
        localDayIn(this.registry.zoneInEffect(device.tenant)),
        profile?.sellerFavour,
        deviceUserOf(profile?.tradeUses, use),
      ),
      complete: checks.length <= limit,
    })) as Answer<S, { view: DeviceDriftView; complete: boolean }>;
  }

  /** Verification standing at `at`, a certificate claiming longer than the type's legal interval capped at it (docs/metrology.md §3.6). */
  verificationOf(device: Device, at: number): VerificationState {
    return standingOf([...this.registry.certificatesOf(device.id)], at, this.profiles.get(device.type), device, this.opts.dueSoonDays);
  }

  /**
   * Re-evaluates a device's verification standing; returns the retained `config` payload when it
   * changed since last published (or `force`), and opens/clears verification alerts.
   */
  reviewVerification(
    device: Device,
    now: Date,
    force = false,
  ): { verification: VerificationState; lockout: boolean; seal?: { finding: string; inspection: string; since: string } } | undefined {
    const v = this.verificationOf(device, now.getTime());
    // the alert kinds are the contract's; their words say what keeps this type in standing
    const word = standingWord(v);
    const Word = word === 'calibration' ? 'Calibration' : 'Verification';
    const seal = this.seals?.sealOf(device.id);
    const sig = `${v.state}|${v.validUntil}|${seal?.finding ?? ''}`;
    if (!force && this.verification.get(device.id) === sig) return undefined;
    this.verification.set(device.id, sig);
    // the day it ends, in the enterprise's zone (the sentences below name it; validUntil is the instant)
    const until = v.validUntil ? dayIn(this.registry.zoneInEffect(device.tenant), v.validUntil) : undefined;
    if (v.state === 'expired') {
      this.alerts.raise({
        tenant: device.tenant,
        device: device.id,
        kind: 'verification-overdue',
        severity: 'critical',
        summary: `${Word} expired on ${until}`,
        details: { verification: v },
        at: now,
      });
      this.alerts.clear(device.id, 'verification-due-soon', '', `${word} expired (see verification-overdue)`, now);
    } else if (v.state === 'none') {
      // No certificate yet: the normal state between registering a device and posting its
      // certificate, so no alert by itself. Readings from it are marked unverified and those
      // raise verification-overdue (apply), which stays open until a certificate arrives.
      this.alerts.clear(device.id, 'verification-due-soon', '', `no ${word} certificate on record`, now);
    } else {
      this.alerts.clear(device.id, 'verification-overdue', '', `${word} ${v.state} until ${until}`, now);
      if (v.state === 'due-soon') {
        this.alerts.raise({
          tenant: device.tenant,
          device: device.id,
          kind: 'verification-due-soon',
          severity: 'info',
          summary: `${Word} due on ${until}`,
          details: { verification: v },
          at: now,
        });
      } else {
        this.alerts.clear(device.id, 'verification-due-soon', '', `${word} valid until ${until}`, now);
      }
    }
    // Sealed off by an inspector: locked out until the finding is closed, whatever the verification.
    return { verification: v, lockout: v.state === 'expired' || seal !== undefined, ...(seal ? { seal } : {}) };
  }

  /**
   * A message the broker refused before the pipeline saw it (outside the device's topics, over the
   * payload limit): kept with the device's rejections, since its connection is closed and the
   * device cannot be told on feedback. A client id that is no registered device keeps nothing.
   */
  recordRefusedPublish(deviceId: string, topic: string, reason: string, payload: Buffer, now: Date): void {
    const device = this.registry.device(deviceId);
    if (!device) return;
    this.recordRejections(device, topic, [{ errors: [{ path: '(message)', message: reason }] }], payload, now);
  }

  private recordRejections(device: Device, topic: string, rejections: Rejection[], payload: Buffer, now: Date): void {
    const lastMinute = this.rejections.record(device, topic, rejections, payload, now);
    if (lastMinute >= this.opts.invalidBurst) {
      this.alerts.raise({
        tenant: device.tenant,
        device: device.id,
        kind: 'invalid-data',
        severity: 'warning',
        summary: `${lastMinute} rejected messages in the last minute`,
        details: { lastErrors: rejections[rejections.length - 1].errors, topic },
        at: now,
        throttle: true,
      });
    }
  }

  /** Writes the rejections waiting in memory (written a second after they come otherwise); later ones are written as they come. */
  stop(): Answer<S, void> {
    return this.rejections.stop();
  }

  checksOf(device: string, from?: number, to?: number, limit = 1000): Answer<S, StoredCheck[]> {
    return this.checks.of(device, from, to, limit);
  }

  /** The tenants' checks counted per device and period (see CheckStore.countsByPeriod). */
  checkCounts(bounds: readonly number[], tenants: readonly string[]): Answer<S, CheckCount[]> {
    return this.checks.countsByPeriod(bounds, tenants);
  }

  /** The tenants' checks with from ≤ ts < to, newest first (see CheckStore.between). */
  checksBetween(
    tenants: readonly string[],
    from: number,
    to: number,
    opts: { failed?: boolean; type?: string; limit?: number } = {},
  ): Answer<S, StoredCheck[]> {
    return this.checks.between(tenants, from, to, opts);
  }

  rejectionsOf(device: string, limit = 100): Answer<S, Rejected[]> {
    return this.rejections.of(device, limit);
  }
}

/** The totalizer at the end of the transaction `seq` (its `transaction` point). */
function totalizerEndOf(result: IngestResult, seq: number): number | undefined {
  for (const p of result.points) {
    if (p.measurement === 'transaction' && p.fields.seq === seq) return typeof p.fields.totalizerEnd === 'number' ? p.fields.totalizerEnd : undefined;
  }
  return undefined;
}

/** ` (gas CO, point span, in service)`, or nothing for a series key of an older form. */
function seriesSuffix(series: string): string {
  const id = parseDriftSeriesKey(series);
  return id ? ` (${seriesLabel(id)})` : '';
}

function describeDrift({ series, s }: { series: string; s: DriftSummary }): { summary: string; details: Record<string, unknown> } {
  const by = [s.ewma.signal && 'EWMA', s.cusum.signal && 'CUSUM'].filter(Boolean).join(' and ');
  return {
    summary: `Drift${seriesSuffix(series)} signalled by ${by || 'EWMA/CUSUM earlier, not yet settled'}: EWMA ${fmt(s.ewma.value)} (limits ${fmt(s.ewma.lowerLimit)}…${fmt(s.ewma.upperLimit)}), CUSUM +${fmt(s.cusum.high)}/−${fmt(s.cusum.low)} (H ${fmt(s.cusum.threshold)})`,
    details: { ...s },
  };
}

/** The canonical unit of a series' figures: its gas channel's, else the type's. */
function seriesUnit(profile: InstrumentProfile | undefined, series: string): string | undefined {
  const gas = parseDriftSeriesKey(series)?.gas;
  return gas !== undefined ? profile?.channels?.[gas]?.canonicalUnit : profile?.canonicalUnit;
}

/**
 * The alerts of a drift series, which speak of the instrument since its baseline: a certificate or an
 * adjustment restarts the series and clears them.
 */
export const SERIES_ALERT_KINDS = ['drift', 'predicted-oot', 'seller-favoured', 'buyer-favoured'] as const;

/** Where the seller-favour rule comes from, as the profile cites it (devices/*.json sources./sellerFavour). */
function sellerFavourSource(profile: InstrumentProfile | undefined): string {
  const cited = profile ? citationsFor(profile, '/sellerFavour').map((c) => c.source) : [];
  return cited.length > 0 ? cited.join('; ') : 'NIST Handbook 44, General Code, G-UR.4.1';
}

function describeSellerFavoured(p: { series: string; f: SellerFavourView; rule: SellerFavourRule; mpe: number | null; unit?: string; source: string }): {
  summary: string;
  details: Record<string, unknown>;
} {
  const { f, rule } = p;
  const unit = p.unit ? ` ${unitText(p.unit)}` : '';
  const signed = (x: number) => `${x > 0 ? '+' : ''}${fmt(x)}`;
  const side = f.favoured === 'seller' ? f.onSellerSide : f.onBuyerSide;
  return {
    summary: `Errors favour the ${f.favoured}${seriesSuffix(p.series)}: ${side} of ${f.checksCounted} checks on the ${f.favoured}'s side (sign test p = ${fmt(f.pValue)}), mean ${signed(f.meanError)}${unit} (${fmt(Math.abs(f.meanErrorMpe))} of the MPE); NIST HB44 G-UR.4.1`,
    details: {
      series: p.series,
      ...parseDriftSeriesKey(p.series),
      favoured: f.favoured,
      checksCounted: f.checksCounted,
      onSellerSide: f.onSellerSide,
      onBuyerSide: f.onBuyerSide,
      pValue: f.pValue,
      meanErrorMpe: f.meanErrorMpe,
      meanError: f.meanError,
      ...(p.unit ? { unit: p.unit } : {}),
      mpe: p.mpe,
      rule: {
        errorSign: rule.errorSign,
        minChecks: rule.minChecks,
        maxPValue: rule.maxPValue,
        minMeanMpe: rule.minMeanMpe,
        clearPValue: rule.clearPValue ?? rule.maxPValue,
        clearMeanMpe: rule.clearMeanMpe ?? rule.minMeanMpe,
      },
      source: p.source,
    },
  };
}

function describeOutOfRange(r: AcceptedReading): { summary: string; details: Record<string, unknown> } {
  return {
    summary:
      r.status === 'implausible'
        ? `Implausible change of ${r.quantity}: ${r.value} ${unitText(r.unit)}`
        : `Reading outside the measuring range: ${r.value} ${unitText(r.unit)}`,
    details: { seq: r.seq, ts: new Date(r.ts).toISOString(), value: r.value, unit: r.unit, status: r.status },
  };
}

/**
 * A write whose answer the judging does not read: on PostgreSQL its failure is the write batch's
 * (commit() rejects with it), not an unhandled rejection of its own. Nothing on SQLite.
 */
function quiet(v: unknown): void {
  if (v instanceof Promise) v.catch(() => {});
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}
