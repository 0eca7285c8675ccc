// A year of history for the demo fleet, so that the overview, the readiness ranking and the
// periodic report have months to show when `mag demo` starts: the fleet's enterprises and
// instruments registered a year back, their earlier verification certificates, and their checks
// over the months before the live simulation (which replays the last 120 days) with the alerts
// those checks raise — out of tolerance in a few episodes, conditional passes, drift — and their
// resolution by the enterprises, some quicker than others. Beside the instruments, the year of
// the inspector's work (demo-history-inspector.ts: on-site inspections a quarter, a market
// campaign) and the packer's lots of the last months (demo-history-lots.ts), which run up to
// shortly before now: they are not part of the live simulation, which replays instruments only.
//
// The history goes through the gateway's own path: each check payload comes from the instrument
// model, is judged by Ingest (the metrology core) and applied by Assurance (checks store, drift,
// alerts), at its own simulated time; inspections, campaigns and lots through their services.
// Deterministic: the same fleet and `now` give the same rows.
import type { Db } from '../src/store/db.ts';
import { Registry, type Device } from '../src/store/registry.ts';
import { AuditLog } from '../src/store/audit.ts';
import { DriftStore } from '../src/store/drift.ts';
import { type Alert, AlertBook } from '../src/alerts/alert-book.ts';
import { Assurance, type AssuranceOptions, SERIES_ALERT_KINDS } from '../src/alerts/assurance.ts';
import { Ingest, type IngestOptions } from '../src/ingest/ingest.ts';
import { InspectionStore } from '../src/store/inspections.ts';
import { LotBook } from '../src/lots/lot-book.ts';
import type { LotRules } from '../src/metrology/sampling-plans.ts';
import { loadLotRules } from '../src/metrology/sampling-plans-loader.ts';
import { PACKAGE_ROOT } from '../src/config.ts';
import { join } from 'node:path';
import { validateDevice } from '../src/metrology/index.ts';
import { addCalendarMonths } from '../src/metrology/verification.ts';
import type { InstrumentProfile } from '../src/metrology/profile.ts';
import { expandDevices, fleetTiming, type DevicePlan, type ParsedFleet } from './fleet-file.ts';
import { buildDevices, certificatesFor, verificationMonthsOf } from './fleet.ts';
import { dayEnd, dayStart } from './certificate-days.ts';
import { DeviceFaults, type FaultSpec } from './faults.ts';
import { MODELS } from './models/index.ts';
import { DAY_MS } from './models/types.ts';
import { createRng, deriveSeed, type Rng } from './prng.ts';
import { planInspectorsYear } from './demo-history-inspector.ts';
import { planLots } from './demo-history-lots.ts';
import { Agenda } from './demo-agenda.ts';

export interface DemoHistoryOptions {
  fleet: ParsedFleet;
  profiles: ReadonlyMap<string, InstrumentProfile>;
  /** The real now (ms); the history ends where the live simulation's timeline starts. */
  now: number;
  /** Months of history before now (default 12). */
  months?: number;
  alerts?: AssuranceOptions;
  limits?: IngestOptions;
  /** Sampling plans of prepackages (the profiles directory's); the package's own when absent. */
  samplingPlans?: LotRules;
}

export interface DemoHistory {
  seeded: boolean;
  from: string;
  to: string;
  certificates: number;
  checks: number;
  alertsOpened: number;
  alertsResolved: number;
  /** On-site inspections (all closed) and the findings noted in them. */
  inspections: number;
  findings: number;
  /** Scales verified in the market campaign, and how many passed. */
  verified: number;
  passed: number;
  /** Lots of prepackages judged, and how many failed. */
  lots: number;
  lotsFailed: number;
}

/** History checks are numbered from here, above any seq the simulated devices send (they count from 1). */
export const HISTORY_SEQ_BASE = 900_000_000;
/** How long each enterprise of the fleet takes to resolve an out-of-tolerance alert, days (by tenant order). */
const RESPONSE_DAYS = [2, 6, 14, 30];

const DEFAULT_ALERTS: AssuranceOptions = { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 };
const DEFAULT_LIMITS: IngestOptions = { futureToleranceMs: 300_000, maxBatchReadings: 1000, backfillDays: 400 };

interface PendingResolution {
  at: number;
  device: string;
  kind: 'out-of-tolerance' | 'conditional';
  series: string;
}

/**
 * Writes the history into the state database unless the fleet's first enterprise is registered
 * already (a demo started before, or the user's own data). Runs in one transaction.
 */
export function seedDemoHistory(db: Db, o: DemoHistoryOptions): DemoHistory {
  const registry = new Registry(db);
  const historyStart = addCalendarMonths(o.now, -(o.months ?? 12));
  const historyEnd = o.now - fleetTiming(o.fleet).spanMs; // where the live simulation starts
  const result: DemoHistory = {
    seeded: false,
    from: new Date(historyStart).toISOString(),
    to: new Date(historyEnd).toISOString(),
    certificates: 0,
    checks: 0,
    alertsOpened: 0,
    alertsResolved: 0,
    inspections: 0,
    findings: 0,
    verified: 0,
    passed: 0,
    lots: 0,
    lotsFailed: 0,
  };
  if (o.fleet.tenants.length === 0 || registry.tenant(o.fleet.tenants[0].id)) return result;
  const plans = expandDevices(o.fleet);
  const { profiles, alerts, lots, assurance, ingest } = gatewayParts(db, registry, o);
  alerts.on('change', (_a, change) => {
    if (change === 'opened') result.alertsOpened++;
    if (change === 'resolved') result.alertsResolved++;
  });
  db.transaction(() => {
    const registered = new Date(historyStart - 30 * DAY_MS);
    for (const t of o.fleet.tenants) registry.createTenant(t, registered);
    const devices = new Map<string, Device>();
    for (const p of plans) {
      const profile = profiles.get(p.type);
      const registration = p.registration as unknown as Device;
      const problems = profile ? validateDevice(profile, registration) : [{ path: 'type', message: `no profile for ${p.type}` }];
      if (problems.length) throw new Error(`demo history: device ${p.id}: ${problems.map((x) => `${x.path}: ${x.message}`).join('; ')}`);
      // an instrument that moved: registered where it stood, then moved on its day (its earlier checks stay there)
      const created = registry.createDevice(p.movedFrom ? { ...registration, site: p.movedFrom.site } : registration, registered).device;
      const moved =
        p.movedFrom && registry.updateDevice(p.id, { site: registration.site ?? null, movedAt: new Date(o.now - p.movedFrom.daysAgo * DAY_MS).toISOString() });
      devices.set(p.id, moved || created);
      result.certificates += registerCertificates(registry, p, historyStart, historyEnd, o.now);
    }
    replayChecks(o, plans, devices, { registry, alerts, assurance, ingest }, historyStart, historyEnd, result);
    adjustWhereLiveRunStarts(alerts, historyEnd);
    // The instruments were adjusted at their current verification, where the live simulation starts them
    // again: their drift statistics start again there, before the inspectors' checks of the year are
    // judged (those come after every model check, out of time order: judged against the series as the
    // year left it, one check could reopen an alert of the instrument before its adjustment).
    restartDriftWhereLiveRunStarts(db, alerts, new Date(historyEnd));
    assurance.resync();
    const agenda = new Agenda();
    planInspectorsYear(o.fleet, plans, o.now, historyStart, { db, registry, alerts, assurance, audit: new AuditLog(db), profiles }, agenda, result);
    const judged = { lots: 0, failed: 0 };
    planLots(plans, o.fleet.seed, o.now, historyEnd, HISTORY_SEQ_BASE, { lots, alerts, assurance, ingest, devices }, agenda, judged);
    agenda.run();
    result.lots = judged.lots;
    result.lotsFailed = judged.failed;
    // What the inspectors' checks of the live months added to the statistics: the live simulation starts them again.
    restartDriftWhereLiveRunStarts(db, alerts, new Date(historyEnd));
    // the repeats the book counted in memory (written at most once a wall-clock second per alert):
    // written now, so that the history is the same whatever the machine's speed, and with it
    alerts.flush();
    new AuditLog(db).append('demo', 'demo.history', null, { ...result, seeded: true }, new Date(o.now));
  });
  result.seeded = true;
  return result;
}

/** The gateway's parts the history writes through: its alert book, lots, Assurance and Ingest, on `db`. */
function gatewayParts(db: Db, registry: Registry, o: Pick<DemoHistoryOptions, 'profiles' | 'alerts' | 'limits' | 'samplingPlans'>) {
  const profiles = new Map(o.profiles);
  const options = o.alerts ?? DEFAULT_ALERTS;
  const alerts = new AlertBook(db);
  const lots = new LotBook(db, registry, profiles, o.samplingPlans ?? loadLotRules(join(PACKAGE_ROOT, 'devices')), alerts, options);
  const assurance = new Assurance(db, registry, alerts, profiles, options, lots, new InspectionStore(db));
  const ingest = new Ingest(
    {
      profile: (t) => profiles.get(t),
      certificates: (d) => registry.certificatesOf(d),
      lastTotalizer: (d, n) => assurance.totalizerOf(d, n),
      timeZoneOf: () => 'Asia/Ho_Chi_Minh',
      lot: (id) => lots.lotForPackages(id),
    },
    o.limits ?? DEFAULT_LIMITS,
  );
  return { profiles, alerts, lots, assurance, ingest };
}

export interface LiveChecksOptions extends Pick<DemoHistoryOptions, 'fleet' | 'profiles' | 'now' | 'alerts' | 'limits'> {
  /** The devices whose checks are written. */
  devices: readonly string[];
}

/**
 * The checks the live run sends over its span up to `now` (fleet.ts: the same models, seeds, start and faults) for
 * the `devices` named, judged by Ingest and applied by Assurance at their own time, written straight into the state
 * database after seedDemoHistory: for a test that stands in for `mag demo` with its history alone, which stops where
 * the live run starts, and needs some instruments' live months (GET /places judges the last 90 days). Their checks
 * only: no readings, no status. Returns how many checks were written.
 */
export function seedLiveChecks(db: Db, o: LiveChecksOptions): number {
  const registry = new Registry(db);
  const { alerts, assurance, ingest } = gatewayParts(db, registry, o);
  const plans = expandDevices(o.fleet).filter((p) => o.devices.includes(p.id));
  const messages: { at: number; device: string; payload: Record<string, unknown> }[] = [];
  for (const d of buildDevices(o.fleet, plans, o.now - fleetTiming(o.fleet).spanMs))
    for (const m of d.faults.transform(d.model.next(o.now)))
      if (m.topic === 'checks' && !m.raw) messages.push({ at: m.at, device: d.plan.id, payload: m.payload });
  messages.sort((a, b) => a.at - b.at || a.device.localeCompare(b.device));
  let written = 0;
  db.transaction(() => {
    for (const m of messages) {
      const device = registry.device(m.device);
      if (!device) throw new Error(`live checks: device ${m.device} is not registered (seed the demo history first)`);
      const body = JSON.stringify(m.payload);
      const outcome = ingest.handle(device, 'checks', body, m.at);
      assurance.apply(device, `instruments/${m.device}/checks`, outcome, Buffer.from(body), new Date(m.at));
      written += outcome.checks.length;
    }
    alerts.flush();
  });
  return written;
}

/** What an enterprise writes when it resolves an alert of an instrument adjusted where the live run starts. */
export const ADJUSTED_NOTE = 'demo history: instrument adjusted at its verification; the live checks after it pass';

/**
 * The instruments were adjusted at their current verification, where the live simulation starts
 * them again in tolerance (a drifting model starts from no error): an out-of-tolerance or
 * conditional alert still open there (a slow drift's, failing since months, or one whose
 * enterprise had not yet got round to it after a passing check) is resolved then by its
 * enterprise, as adjusted; the live run's checks, which pass, come after it. Left open, it would
 * stand beside the live months' passing checks and the inspection that finds the instrument
 * conforming (demo-history-inspector.ts).
 */
function adjustWhereLiveRunStarts(alerts: AlertBook, at: number): void {
  for (const a of alerts.list({ unresolved: true, limit: 100_000 }) as Alert[]) {
    if (a.kind !== 'out-of-tolerance' && a.kind !== 'conditional') continue;
    alerts.resolve(a.id, `operator:${a.tenant}`, { reason: 'adjusted', note: ADJUSTED_NOTE }, new Date(Math.max(at, Date.parse(a.openedAt))));
  }
}

/** The gateway's note where the live run restarts an instrument's drift statistics. */
const RESTARTED_NOTE = 'instrument adjusted at its verification: drift statistics restarted';

/**
 * Every drift series deleted (the next check starts a new one) and the alerts the series raised cleared at
 * `at`, or when opened if later (by an inspector's check of the live months).
 */
function restartDriftWhereLiveRunStarts(db: Db, alerts: AlertBook, at: Date): void {
  const store = new DriftStore(db);
  for (const r of store.all()) store.delete(r.device, r.series);
  for (const a of alerts.list({ unresolved: true, limit: 100_000 }) as Alert[]) {
    if (!(SERIES_ALERT_KINDS as readonly string[]).includes(a.kind)) continue;
    alerts.clear(a.device, a.kind, a.key, RESTARTED_NOTE, new Date(Math.max(at.getTime(), Date.parse(a.openedAt))));
  }
}

/** The device's current verification certificate (as the fleet runner posts it) and the ones before it back to the history's start. */
function registerCertificates(registry: Registry, p: DevicePlan, historyStart: number, historyEnd: number, now: number): number {
  const spanMs = now - historyEnd;
  const current = certificatesFor(p, historyEnd, now, spanMs).find((c) => c.kind === 'verification');
  if (!current || p.verification === false) return 0;
  const months = verificationMonthsOf(p);
  const chain: { issuedAt: number; validUntil: number; number: string }[] = [
    { issuedAt: Date.parse(String(current.issuedAt)), validUntil: Date.parse(String(current.validUntil)), number: String(current.number) },
  ];
  while (chain[0].issuedAt > historyStart) {
    const validUntil = dayEnd(chain[0].issuedAt); // renewed the day it fell due
    const issuedAt = dayStart(addCalendarMonths(chain[0].issuedAt, -months));
    const d = new Date(issuedAt);
    chain.unshift({ issuedAt, validUntil, number: `KD-${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}-${p.registration.serial}` });
  }
  for (const c of chain) {
    registry.addCertificate(
      p.id,
      {
        kind: 'verification',
        number: c.number,
        issuedBy: p.verification.issuedBy,
        issuedAt: new Date(c.issuedAt).toISOString(),
        validUntil: new Date(c.validUntil).toISOString(),
      },
      'demo',
      new Date(c.issuedAt),
    );
  }
  return chain.length;
}

/** An out-of-tolerance episode for about one instrument in three: the indication 20 % off for 3–9 days. */
function episodes(rng: Rng, spanDays: number) {
  if (spanDays < 30 || !rng.chance(0.35)) return [];
  return [{ kind: 'step' as const, afterDays: rng.uniform(10, spanDays - 20), forDays: rng.uniform(3, 9), relative: rng.chance(0.5) ? 0.2 : -0.2 }];
}

/**
 * The fleet's faults of a device that it has had all along: a `step` from day 0 without an end is a constant bias
 * of the instrument (a purchasing scale that weighs light, dispensers set a little in the station's favour), which
 * it had over the year before the live run too. The other faults are events of the live run's timeline (a step at
 * day 45, a tamper from day 15) and stay there.
 */
export function standingBiases(p: Pick<DevicePlan, 'faults'>): FaultSpec[] {
  return p.faults.filter((f) => f.kind === 'step' && f.afterDays === 0 && f.forDays === undefined);
}

interface Parts {
  registry: Registry;
  alerts: AlertBook;
  assurance: Assurance;
  ingest: Ingest;
}

/**
 * Every instrument's checks from its model, in time order across the fleet, judged and applied at
 * their own time; a day's verification review at each local noon; alerts of a failed or
 * conditional check resolved by the enterprise some days after the next passing check.
 * One sequence of events over ~60 lines, on purpose: the order of checks, reviews and
 * resolutions in time is the point.
 */
function replayChecks(o: DemoHistoryOptions, plans: DevicePlan[], devices: Map<string, Device>, x: Parts, from: number, to: number, result: DemoHistory): void {
  const spanDays = (to - from) / DAY_MS;
  const messages: { at: number; device: string; payload: Record<string, unknown> }[] = [];
  for (const p of plans) {
    const rng = createRng(deriveSeed(o.fleet.seed, `${p.id}#history`));
    const faults = new DeviceFaults([...episodes(rng, spanDays), ...standingBiases(p)], from, rng);
    // readings are not replayed (one a week keeps the model's cost down), and a gas detector's
    // bump tests are kept weekly, not daily: the seed stays a few seconds long
    const params = p.type === 'gas-detector' ? { ...p.params, bumpEveryDays: 7 } : p.params;
    const model = MODELS[p.type].create(
      { deviceId: p.id, startMs: from, rng, readingIntervalMs: 7 * DAY_MS, checkIntervalMs: p.checkIntervalMs, faults },
      params,
    );
    for (const m of model.next(to)) if (m.topic === 'checks' && !m.raw) messages.push({ at: m.at, device: p.id, payload: m.payload });
  }
  messages.sort((a, b) => a.at - b.at || a.device.localeCompare(b.device));
  const tenantOrder = new Map(o.fleet.tenants.map((t, i) => [t.id, i]));
  const resolveRng = createRng(deriveSeed(o.fleet.seed, 'history#resolutions'));
  const pending: PendingResolution[] = [];
  const seq = new Map<string, number>();
  let nextReview = from - (from % DAY_MS) + DAY_MS + 5 * 3_600_000; // 12:00 in Hà Nội
  const settle = (until: number) => {
    pending.sort((a, b) => a.at - b.at);
    while (pending.length && pending[0].at <= until) {
      const r = pending.shift()!;
      const open = x.alerts.openAlert(r.device, r.kind, r.series);
      if (open)
        x.alerts.resolve(
          open.id,
          `operator:${open.tenant}`,
          { reason: r.kind === 'out-of-tolerance' ? 'adjusted' : 'other', note: 'demo history' },
          new Date(r.at),
        );
    }
  };
  for (const m of messages) {
    while (nextReview <= m.at) {
      settle(nextReview);
      for (const d of devices.values()) x.assurance.reviewVerification(d, new Date(nextReview));
      nextReview += DAY_MS;
    }
    settle(m.at);
    const device = devices.get(m.device)!;
    const n = (seq.get(m.device) ?? HISTORY_SEQ_BASE) + 1;
    seq.set(m.device, n);
    const body = JSON.stringify({ ...m.payload, seq: n });
    const outcome = x.ingest.handle(device, 'checks', body, m.at);
    x.assurance.apply(device, `instruments/${m.device}/checks`, outcome, Buffer.from(body), new Date(m.at));
    for (const c of outcome.checks) {
      result.checks++;
      if (c.decision !== 'pass') continue;
      const series = c.gas ?? c.point ?? '';
      const days = RESPONSE_DAYS[(tenantOrder.get(device.tenant) ?? 0) % RESPONSE_DAYS.length] * resolveRng.uniform(0.5, 1.5);
      for (const kind of ['out-of-tolerance', 'conditional'] as const) {
        if (x.alerts.openAlert(m.device, kind, series) && !pending.some((p) => p.device === m.device && p.kind === kind && p.series === series))
          pending.push({ at: m.at + days * DAY_MS, device: m.device, kind, series });
      }
    }
  }
  // those due later are resolved where the live run starts (adjustWhereLiveRunStarts)
  settle(to);
}
