// The assurance state of each instrument: applies ingest outcomes (checks, reading statuses,
// transaction findings, rejections) to the embedded store and opens, repeats or clears alerts.
import type { Db } from '../store/db.ts';
import type { Registry, Device } from '../store/registry.ts';
import { CheckStore, type CheckCount, type StoredCheck } from '../store/checks.ts';
import { DriftStore } from '../store/drift.ts';
import { TotalizerStore } from '../store/totalizers.ts';
import { RejectionStore, type Rejected } from '../store/rejections.ts';
import type { AlertBook, Severity } from './alert-book.ts';
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

export type { StoredCheck, Rejected };

const DAY = 86_400_000;
/** EWMA/CUSUM need a few checks before a signal is evidence of drift rather than one bad check. */
export const MIN_CHECKS_FOR_DRIFT_ALERT = 3;

export function seriesKey(c: { gas?: string; point?: string }): string {
  return c.gas ?? c.point ?? '';
}

export class Assurance {
  private drift = new Map<string, DriftState>(); // device|series
  private readonly checks: CheckStore;
  private readonly driftStore: DriftStore;
  private readonly totalizers: TotalizerStore;
  private readonly rejections: RejectionStore;
  private rejectionTimes = new Map<string, number[]>();
  private verification = new Map<string, string>(); // device → "state|validUntil" last published

  constructor(
    private readonly db: Db,
    private readonly registry: Registry,
    private readonly alerts: AlertBook,
    private readonly profiles: Map<string, InstrumentProfile>,
    private readonly opts: AssuranceOptions,
  ) {
    this.checks = new CheckStore(db);
    this.driftStore = new DriftStore(db);
    this.totalizers = new TotalizerStore(db);
    this.rejections = new RejectionStore(db);
    for (const r of this.driftStore.all()) this.drift.set(`${r.device}|${r.series}`, r.state);
  }

  lastTotalizer(device: string, nozzle: string): number | undefined {
    return this.totalizers.last(device, nozzle);
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
            if (p) this.totalizers.record(device.id, r.tags.nozzle, r.seq, p.fields.totalizerEnd as number);
          }
        }
      });
    }
    for (const f of result.findings) {
      this.alerts.raise({ ...instrument(device), kind: 'tamper', key: `${f.nozzle}:${f.kind}`, severity: 'critical', summary: `${f.kind === 'price' ? 'Price mismatch' : 'Totalizer mismatch'} on nozzle ${f.nozzle}: ${f.message}`, details: { seq: f.seq, ts: new Date(f.ts).toISOString(), nozzle: f.nozzle, ...f.details }, at: now });
    }
    for (const r of result.readings) {
      if (r.status === 'out-of-range' || r.status === 'implausible') {
        this.alerts.raise({ ...instrument(device), kind: 'out-of-range', key: r.quantity + (r.tags.gas ? `:${r.tags.gas}` : ''), severity: 'warning', summary: r.status === 'implausible' ? `Implausible change of ${r.quantity}: ${r.value} ${r.unit}` : `Reading outside the measuring range: ${r.value} ${r.unit}`, details: { seq: r.seq, ts: new Date(r.ts).toISOString(), value: r.value, unit: r.unit, status: r.status }, at: now, throttle: true });
      } else if (r.status === 'unverified') {
        const v = this.verificationOf(device, r.ts);
        this.alerts.raise({ ...instrument(device), kind: 'verification-overdue', severity: 'critical', summary: `Readings from an instrument without valid verification (${v.state}${v.validUntil ? `, valid until ${v.validUntil.slice(0, 10)}` : ''})`, details: { seq: r.seq, ts: new Date(r.ts).toISOString(), verification: v }, at: now, throttle: true });
      }
    }
    if (result.rejections.length > 0) this.recordRejections(device, topic, result.rejections, payload, now);
  }

  private applyCheck(device: Device, profile: InstrumentProfile | undefined, c: CheckResult, at: string, now: Date): void {
    const series = seriesKey(c);
    if (!this.checks.insert(device.id, series, c, at)) return; // replayed seq: stored once, judged once
    const where = [c.gas && `gas ${c.gas}`, c.point && `point ${c.point}`].filter(Boolean).join(', ');
    const evidence = { seq: c.seq, ts: new Date(c.ts).toISOString(), indicated: c.indicated, corrected: c.corrected, reference: c.reference, error: c.error, mpe: c.mpe, uncertainty: c.uncertainty, decision: c.decision, legal: c.legal, regime: c.regime, standardId: c.standardId, unit: c.unit, gas: c.gas, point: c.point };
    if (c.decision === 'fail' || c.decision === 'conditional-fail') {
      this.alerts.raise({ ...instrument(device), kind: 'out-of-tolerance', key: series, severity: 'critical', summary: `Check ${c.decision}${where ? ` (${where})` : ''}: error ${fmt(c.error)} ${c.unit} against MPE ±${fmt(c.mpe)} ${c.unit} (U = ${fmt(c.uncertainty)})`, details: evidence, at: now });
    } else if (c.decision === 'conditional-pass') {
      this.alerts.raise({ ...instrument(device), kind: 'conditional', key: series, severity: 'warning', summary: `Check conditional pass${where ? ` (${where})` : ''}: error ${fmt(c.error)} ${c.unit} is within MPE ±${fmt(c.mpe)} but within the guard band U = ${fmt(c.uncertainty)}`, details: evidence, at: now });
    }
    // drift statistics, incrementally
    const key = `${device.id}|${series}`;
    const params = this.driftParams(profile);
    const prev = this.drift.get(key) ?? emptyDriftState();
    const state = addCheckToDrift(prev, { ts: c.ts, error: c.error, mpe: c.mpe, uncertainty: c.uncertainty }, params);
    this.drift.set(key, state);
    this.driftStore.save(device.id, series, state, at);
    this.judgeDrift(device, series, prev, state, params, now);
  }

  private judgeDrift(device: Device, series: string, prev: DriftState, state: DriftState, params: DriftParams, now: Date): void {
    const s = summarizeDrift(state, params);
    const label = series ? ` (${series})` : '';
    const driftOpen = this.alerts.openAlert(device.id, 'drift', series) !== undefined;
    if (s.points >= MIN_CHECKS_FOR_DRIFT_ALERT && driftAlertShouldBeOpen(s, driftOpen)) {
      const by = [s.ewma.signal && 'EWMA', s.cusum.signal && 'CUSUM'].filter(Boolean).join(' and ');
      this.alerts.raise({ ...instrument(device), kind: 'drift', key: series, severity: 'warning', summary: `Drift${label} signalled by ${by || 'EWMA/CUSUM earlier, not yet settled'}: EWMA ${fmt(s.ewma.value)} (limits ${fmt(s.ewma.lowerLimit)}…${fmt(s.ewma.upperLimit)}), CUSUM +${fmt(s.cusum.high)}/−${fmt(s.cusum.low)} (H ${fmt(s.cusum.threshold)})`, details: { ...s }, at: now });
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
      this.alerts.raise({ ...instrument(device), kind: 'predicted-oot', key: series, severity, summary: `Predicted out of tolerance${label} on ${s.predictedOutOfToleranceAt} (drift ${fmt(s.slopePerDay ?? 0)} per day${due ? `; verification due ${new Date(due).toISOString().slice(0, 10)}` : ''})`, details: { ...s, verificationDue: current.validUntil }, at: now });
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
      this.driftStore.delete(device.id, series);
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
      this.alerts.raise({ ...instrument(device), kind: 'verification-overdue', severity: 'critical', summary: `Verification expired on ${v.validUntil?.slice(0, 10)}`, details: { verification: v }, at: now });
      this.alerts.clear(device.id, 'verification-due-soon', '', 'verification expired (see verification-overdue)', now);
    } else if (v.state === 'none') {
      // No certificate yet: the normal state between registering a device and posting its
      // certificate, so no alert by itself. Readings from it are marked unverified and those
      // raise verification-overdue (apply), which stays open until a certificate arrives.
      this.alerts.clear(device.id, 'verification-due-soon', '', 'no verification certificate on record', now);
    } else {
      this.alerts.clear(device.id, 'verification-overdue', '', `verification ${v.state} until ${v.validUntil?.slice(0, 10)}`, now);
      if (v.state === 'due-soon') {
        this.alerts.raise({ ...instrument(device), kind: 'verification-due-soon', severity: 'info', summary: `Verification due on ${v.validUntil?.slice(0, 10)}`, details: { verification: v }, at: now });
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
      for (const r of rejections) this.rejections.insert({ device: device.id, tenant: device.tenant, topic, seq: r.seq, receivedAt: at, errors: r.errors, payload: body });
    });
    const times = (this.rejectionTimes.get(device.id) ?? []).filter((t) => t > now.getTime() - 60_000);
    for (let i = 0; i < rejections.length; i++) times.push(now.getTime());
    this.rejectionTimes.set(device.id, times.slice(-100));
    if (times.length >= this.opts.invalidBurst) {
      this.alerts.raise({ ...instrument(device), kind: 'invalid-data', severity: 'warning', summary: `${times.length} rejected messages in the last minute`, details: { lastErrors: rejections[rejections.length - 1].errors, topic }, at: now, throttle: true });
    }
  }

  checksOf(device: string, from?: number, to?: number, limit = 1000): StoredCheck[] {
    return this.checks.of(device, from, to, limit);
  }

  /** The tenants' checks counted per device and period (see CheckStore.countsByPeriod). */
  checkCounts(bounds: readonly number[], tenants: readonly string[]): CheckCount[] {
    return this.checks.countsByPeriod(bounds, tenants);
  }

  /** The tenants' checks with from ≤ ts < to, newest first (see CheckStore.between). */
  checksBetween(tenants: readonly string[], from: number, to: number, opts: { failed?: boolean; type?: string; limit?: number } = {}): StoredCheck[] {
    return this.checks.between(tenants, from, to, opts);
  }

  rejectionsOf(device: string, limit = 100): Rejected[] {
    return this.rejections.of(device, limit);
  }
}

/** Who an alert of this instrument belongs to (the first fields of every RaiseAlert). */
function instrument(device: Device): { tenant: string; device: string } {
  return { tenant: device.tenant, device: device.id };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}
