// The assurance state of each instrument: applies ingest outcomes (checks, reading statuses,
// transaction findings, rejections) to the embedded store and opens, repeats or clears alerts.
import type { Db } from '../store/db.ts';
import type { Registry, Device } from '../store/registry.ts';
import type { AlertBook, AlertKind, Severity } from './alert-book.ts';
import type { IngestResult, Rejection } from '../ingest/ingest.ts';
import type { CheckResult, VerificationState } from '../metrology/types.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import { DEFAULT_DRIFT_PARAMS, addCheckToDrift, driftAlertShouldBeOpen, emptyDriftState, summarizeDrift, type DriftParams, type DriftState, type DriftSummary } from '../metrology/drift.ts';
import { verificationState } from '../metrology/index.ts';

export interface AssuranceOptions {
  dueSoonDays: number;
  horizonDays: number;
  invalidBurst: number;
}

export interface StoredCheck extends CheckResult {
  device: string;
  receivedAt: string;
}

export interface Rejected {
  id: number;
  device: string;
  topic: string;
  seq?: number;
  receivedAt: string;
  errors: { path: string; message: string }[];
}

const DAY = 86_400_000;
/** EWMA/CUSUM need a few checks before a signal is evidence of drift rather than one bad check. */
export const MIN_CHECKS_FOR_DRIFT_ALERT = 3;
/** Alerts raised from every reading are written at most this often per alert; repeats are counted meanwhile. */
const REPEAT_WRITE_MS = 10_000;

export function seriesKey(c: { gas?: string; point?: string }): string {
  return c.gas ?? c.point ?? '';
}

export class Assurance {
  private drift = new Map<string, DriftState>(); // device|series
  private insertCheck;
  private upsertDrift;
  private insertRejection;
  private upsertTotalizer;
  private rejectionTimes = new Map<string, number[]>();
  private repeatThrottle = new Map<string, { at: number; pending: number }>();
  private verification = new Map<string, string>(); // device → "state|validUntil" last published

  constructor(
    private readonly db: Db,
    private readonly registry: Registry,
    private readonly alerts: AlertBook,
    private readonly profiles: Map<string, InstrumentProfile>,
    private readonly opts: AssuranceOptions,
  ) {
    this.insertCheck = db.prepare('INSERT OR IGNORE INTO checks (device, seq, series, ts, result, received_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.upsertDrift = db.prepare('INSERT INTO drift (device, series, state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(device, series) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at');
    this.insertRejection = db.prepare('INSERT INTO rejections (device, tenant, topic, seq, received_at, errors, payload) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.upsertTotalizer = db.prepare('INSERT INTO nozzle_totalizers (device, nozzle, seq, totalizer_end) VALUES (?, ?, ?, ?) ON CONFLICT(device, nozzle) DO UPDATE SET seq = excluded.seq, totalizer_end = excluded.totalizer_end WHERE excluded.seq >= nozzle_totalizers.seq');
    for (const r of db.prepare('SELECT device, series, state FROM drift').all() as { device: string; series: string; state: string }[]) {
      this.drift.set(`${r.device}|${r.series}`, JSON.parse(r.state));
    }
  }

  lastTotalizer(device: string, nozzle: string): number | undefined {
    const r = this.db.prepare('SELECT totalizer_end FROM nozzle_totalizers WHERE device = ? AND nozzle = ?').get(device, nozzle) as { totalizer_end: number } | undefined;
    return r?.totalizer_end;
  }

  /**
   * The drift parameters of an instrument type: its profile's `drift` block (devices/*.json).
   * The alert horizon is MAG_ALERT_HORIZON_DAYS unless the profile sets one other than the
   * default (90 days), which then wins for that type.
   */
  driftParams(profile: InstrumentProfile | undefined): DriftParams {
    const d = profile?.drift; // parsed with every default filled in (DriftParametersSchema)
    const horizonDays = d && d.horizonDays !== DEFAULT_DRIFT_PARAMS.horizonDays ? d.horizonDays : this.opts.horizonDays;
    return { ...DEFAULT_DRIFT_PARAMS, ...d, horizonDays };
  }

  /** True when apply() would change nothing: readings only, all `ok`, no nozzle, nothing refused. */
  hasNothingToApply(result: IngestResult): boolean {
    if (result.checks.length > 0 || result.findings.length > 0 || result.rejections.length > 0) return false;
    for (const r of result.readings) if (r.status !== 'ok' || r.tags.nozzle) return false;
    return true;
  }

  /** Applies one message's outcome. Runs after the points are in the journal. */
  apply(device: Device, topic: string, result: IngestResult, payload: Buffer, now: Date): void {
    if (result.checks.length > 0 || result.findings.length > 0 || result.readings.some((r) => r.tags.nozzle)) {
      const at = now.toISOString();
      const profile = this.profiles.get(device.type);
      this.db.transaction(() => {
        for (const c of result.checks) this.applyCheck(device, profile, c, at, now);
        for (const r of result.readings) {
          if (r.tags.nozzle && device.type === 'fuel-dispenser') {
            const p = result.points.find((x) => x.measurement === 'transaction' && x.fields.seq === r.seq);
            if (p) this.upsertTotalizer.run(device.id, r.tags.nozzle, r.seq, p.fields.totalizerEnd as number);
          }
        }
      })();
    }
    for (const f of result.findings) {
      this.raise(device, 'tamper', `${f.nozzle}:${f.kind}`, 'critical', `${f.kind === 'price' ? 'Price mismatch' : 'Totalizer mismatch'} on nozzle ${f.nozzle}: ${f.message}`, { seq: f.seq, ts: new Date(f.ts).toISOString(), nozzle: f.nozzle, ...f.details }, now, false);
    }
    for (const r of result.readings) {
      if (r.status === 'out-of-range' || r.status === 'implausible') {
        this.raise(device, 'out-of-range', r.quantity + (r.tags.gas ? `:${r.tags.gas}` : ''), 'warning', r.status === 'implausible' ? `Implausible change of ${r.quantity}: ${r.value} ${r.unit}` : `Reading outside the measuring range: ${r.value} ${r.unit}`, { seq: r.seq, ts: new Date(r.ts).toISOString(), value: r.value, unit: r.unit, status: r.status }, now, true);
      } else if (r.status === 'unverified') {
        const v = this.verificationOf(device, r.ts);
        this.raise(device, 'verification-overdue', '', 'critical', `Readings from an instrument without valid verification (${v.state}${v.validUntil ? `, valid until ${v.validUntil.slice(0, 10)}` : ''})`, { seq: r.seq, ts: new Date(r.ts).toISOString(), verification: v }, now, true);
      }
    }
    if (result.rejections.length > 0) this.recordRejections(device, topic, result.rejections, payload, now);
  }

  private applyCheck(device: Device, profile: InstrumentProfile | undefined, c: CheckResult, at: string, now: Date): void {
    const series = seriesKey(c);
    const inserted = this.insertCheck.run(device.id, c.seq, series, c.ts, JSON.stringify(c), at).changes > 0;
    if (!inserted) return; // replayed seq: stored once, judged once
    const where = [c.gas && `gas ${c.gas}`, c.point && `point ${c.point}`].filter(Boolean).join(', ');
    const evidence = { seq: c.seq, ts: new Date(c.ts).toISOString(), indicated: c.indicated, corrected: c.corrected, reference: c.reference, error: c.error, mpe: c.mpe, uncertainty: c.uncertainty, decision: c.decision, legal: c.legal, regime: c.regime, standardId: c.standardId, unit: c.unit, gas: c.gas, point: c.point };
    if (c.decision === 'fail' || c.decision === 'conditional-fail') {
      this.raise(device, 'out-of-tolerance', series, 'critical', `Check ${c.decision}${where ? ` (${where})` : ''}: error ${fmt(c.error)} ${c.unit} against MPE ±${fmt(c.mpe)} ${c.unit} (U = ${fmt(c.uncertainty)})`, evidence, now, false);
    } else if (c.decision === 'conditional-pass') {
      this.raise(device, 'conditional', series, 'warning', `Check conditional pass${where ? ` (${where})` : ''}: error ${fmt(c.error)} ${c.unit} is within MPE ±${fmt(c.mpe)} but within the guard band U = ${fmt(c.uncertainty)}`, evidence, now, false);
    }
    // drift statistics, incrementally
    const key = `${device.id}|${series}`;
    const params = this.driftParams(profile);
    const prev = this.drift.get(key) ?? emptyDriftState();
    const state = addCheckToDrift(prev, { ts: c.ts, error: c.error, mpe: c.mpe, uncertainty: c.uncertainty }, params);
    this.drift.set(key, state);
    this.upsertDrift.run(device.id, series, JSON.stringify(state), at);
    this.judgeDrift(device, series, prev, state, params, now);
  }

  private judgeDrift(device: Device, series: string, prev: DriftState, state: DriftState, params: DriftParams, now: Date): void {
    const s = summarizeDrift(state, params);
    const label = series ? ` (${series})` : '';
    const driftOpen = this.alerts.openAlert(device.id, 'drift', series) !== undefined;
    if (s.points >= MIN_CHECKS_FOR_DRIFT_ALERT && driftAlertShouldBeOpen(s, driftOpen)) {
      const by = [s.ewma.signal && 'EWMA', s.cusum.signal && 'CUSUM'].filter(Boolean).join(' and ');
      this.raise(device, 'drift', series, 'warning', `Drift${label} signalled by ${by || 'EWMA/CUSUM earlier, not yet settled'}: EWMA ${fmt(s.ewma.value)} (limits ${fmt(s.ewma.lowerLimit)}…${fmt(s.ewma.upperLimit)}), CUSUM +${fmt(s.cusum.high)}/−${fmt(s.cusum.low)} (H ${fmt(s.cusum.threshold)})`, { ...s }, now, false);
    } else {
      this.alerts.clear(device.id, 'drift', series, 'EWMA back within its limits and CUSUM below H/2, or the shift below half the alarm threshold', now);
    }
    // predicted-oot: opened only when the latest two checks both give a date worth an alert (one
    // check's chance line through quantised errors is not evidence), cleared only when neither does.
    const current = this.alertablePrediction(device, s, params, now);
    const previous = prev.n > 0 ? this.alertablePrediction(device, summarizeDrift(prev, params), params, now) : null;
    const open = this.alerts.openAlert(device.id, 'predicted-oot', series) !== undefined;
    if (current && (previous || open)) {
      const { predicted, due } = current;
      const severity: Severity = predicted - now.getTime() <= 7 * DAY ? 'critical' : 'warning';
      this.raise(device, 'predicted-oot', series, severity, `Predicted out of tolerance${label} on ${s.predictedOutOfToleranceAt} (drift ${fmt(s.slopePerDay ?? 0)} per day${due ? `; verification due ${new Date(due).toISOString().slice(0, 10)}` : ''})`, { ...s, verificationDue: current.validUntil }, now, false);
    } else if (!current && !previous) {
      this.alerts.clear(device.id, 'predicted-oot', series, 'no out-of-tolerance date predicted within the horizon or before the verification due date (two checks in a row)', now);
    }
  }

  /** The predicted date when it falls within the alert horizon or before the verification due date. */
  private alertablePrediction(device: Device, s: DriftSummary, params: DriftParams, now: Date): { predicted: number; due?: number; validUntil: string | null } | null {
    if (!s.predictedOutOfToleranceAt) return null;
    const predicted = Date.parse(s.predictedOutOfToleranceAt);
    const v = this.verificationOf(device, now.getTime());
    const due = v.validUntil ? Date.parse(v.validUntil) : undefined;
    const withinHorizon = predicted - now.getTime() <= params.horizonDays * DAY;
    return withinHorizon || (due !== undefined && predicted < due) ? { predicted, due, validUntil: v.validUntil ?? null } : null;
  }

  /** A new calibration certificate starts a new baseline: drift statistics restart, their alerts clear. */
  onCalibration(device: Device, now: Date): void {
    for (const key of [...this.drift.keys()]) {
      if (!key.startsWith(`${device.id}|`)) continue;
      const series = key.slice(device.id.length + 1);
      this.drift.delete(key);
      this.db.prepare('DELETE FROM drift WHERE device = ? AND series = ?').run(device.id, series);
      this.alerts.clear(device.id, 'drift', series, 'new calibration certificate: drift statistics restarted', now);
      this.alerts.clear(device.id, 'predicted-oot', series, 'new calibration certificate: drift statistics restarted', now);
    }
  }

  driftOf(deviceId: string, profile: InstrumentProfile | undefined): { series: string; summary: DriftSummary }[] {
    const out: { series: string; summary: DriftSummary }[] = [];
    for (const [key, state] of this.drift) {
      if (!key.startsWith(`${deviceId}|`)) continue;
      out.push({ series: key.slice(deviceId.length + 1), summary: summarizeDrift(state, this.driftParams(profile)) });
    }
    return out.sort((a, b) => a.series.localeCompare(b.series));
  }

  verificationOf(device: Device, at: number): VerificationState {
    const profile = this.profiles.get(device.type);
    return verificationState([...this.registry.certificatesOf(device.id)], at, profile?.dueSoonDays ?? this.opts.dueSoonDays);
  }

  /**
   * Re-evaluates a device's verification standing; returns the retained `config` payload when it
   * changed since last published (or `force`), and opens/clears verification alerts.
   */
  reviewVerification(device: Device, now: Date, force = false): { verification: VerificationState; lockout: boolean } | undefined {
    const v = this.verificationOf(device, now.getTime());
    const sig = `${v.state}|${v.validUntil}`;
    if (!force && this.verification.get(device.id) === sig) return undefined;
    this.verification.set(device.id, sig);
    if (v.state === 'expired') {
      this.raise(device, 'verification-overdue', '', 'critical', `Verification expired on ${v.validUntil?.slice(0, 10)}`, { verification: v }, now, false);
      this.alerts.clear(device.id, 'verification-due-soon', '', 'verification expired (see verification-overdue)', now);
    } else if (v.state === 'none') {
      // No certificate yet: the normal state between registering a device and posting its
      // certificate, so no alert by itself. Readings from it are marked unverified and those
      // raise verification-overdue (apply), which stays open until a certificate arrives.
      this.alerts.clear(device.id, 'verification-due-soon', '', 'no verification certificate on record', now);
    } else {
      this.alerts.clear(device.id, 'verification-overdue', '', `verification ${v.state} until ${v.validUntil?.slice(0, 10)}`, now);
      if (v.state === 'due-soon') {
        this.raise(device, 'verification-due-soon', '', 'info', `Verification due on ${v.validUntil?.slice(0, 10)}`, { verification: v }, now, false);
      } else {
        this.alerts.clear(device.id, 'verification-due-soon', '', `verification valid until ${v.validUntil?.slice(0, 10)}`, now);
      }
    }
    return { verification: v, lockout: v.state === 'expired' };
  }

  private recordRejections(device: Device, topic: string, rejections: Rejection[], payload: Buffer, now: Date): void {
    const at = now.toISOString();
    const body = payload.length <= 4096 ? payload.toString('utf8') : `${payload.subarray(0, 4096).toString('utf8')}…`;
    this.db.transaction(() => {
      for (const r of rejections) this.insertRejection.run(device.id, device.tenant, topic, r.seq ?? null, at, JSON.stringify(r.errors), body);
    })();
    const times = (this.rejectionTimes.get(device.id) ?? []).filter((t) => t > now.getTime() - 60_000);
    for (let i = 0; i < rejections.length; i++) times.push(now.getTime());
    this.rejectionTimes.set(device.id, times.slice(-100));
    if (times.length >= this.opts.invalidBurst) {
      this.raise(device, 'invalid-data', '', 'warning', `${times.length} rejected messages in the last minute`, { lastErrors: rejections[rejections.length - 1].errors, topic }, now, true);
    }
  }

  /** Raises an alert; with `throttle`, repeats are written at most every REPEAT_WRITE_MS. */
  raise(device: Device, kind: AlertKind, key: string, severity: Severity, summary: string, details: Record<string, unknown>, now: Date, throttle: boolean): void {
    if (throttle && this.alerts.openAlert(device.id, kind, key) !== undefined) {
      const k = `${device.id}|${kind}|${key}`;
      const t = this.repeatThrottle.get(k);
      if (t && now.getTime() - t.at < REPEAT_WRITE_MS) {
        t.pending++;
        return;
      }
      this.repeatThrottle.set(k, { at: now.getTime(), pending: 0 });
    }
    this.alerts.raise({ tenant: device.tenant, device: device.id, kind, key, severity, summary, details }, now);
  }

  checksOf(device: string, from?: number, to?: number, limit = 1000): StoredCheck[] {
    const rows = this.db
      .prepare('SELECT result, received_at FROM checks WHERE device = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC LIMIT ?')
      .all(device, from ?? 0, to ?? 8.64e15, limit) as { result: string; received_at: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.result) as CheckResult), device, receivedAt: r.received_at }));
  }

  rejectionsOf(device: string, limit = 100): Rejected[] {
    const rows = this.db.prepare('SELECT * FROM rejections WHERE device = ? ORDER BY id DESC LIMIT ?').all(device, limit) as {
      id: number;
      device: string;
      topic: string;
      seq: number | null;
      received_at: string;
      errors: string;
    }[];
    return rows.map((r) => ({ id: r.id, device: r.device, topic: r.topic, ...(r.seq !== null ? { seq: r.seq } : {}), receivedAt: r.received_at, errors: JSON.parse(r.errors) }));
  }
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}
