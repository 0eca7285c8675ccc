// Reference standards as the gateway serves them: registered and calibrated through the API, read by
// the check path (standardOf), and traced back from (impact): which instruments a standard served and
// which of their decisions a finding at its calibration puts in doubt. Opens standard-oot alerts.
import { after, answer, settleAll, type Answer, type Awaitable, type StateExecutor } from '../store/executor.ts';
import type { Registry } from '../store/registry.ts';
import { CheckStore, type StoredCheck } from '../store/checks.ts';
import { StandardStore, type StoredStandard, type StoredStandardCertificate } from '../store/standards.ts';
import type { AlertBook } from './alert-book.ts';
import { raiseStandardOot } from './traceability-alerts.ts';
import { dayIn } from './local-day.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import { standardState, type ReferenceStandard, type StandardCertificate, type StandardOfCheck, type StandardStateName } from '../metrology/traceability.ts';
import { closingCalibration, impactPeriod, possibleDecisions, type ImpactBasis, type ImpactPeriod } from '../metrology/standard-impact.ts';
import { conversionFactor, resolveUnit } from '../metrology/units.ts';
import type { GuardedDecision, LegalDecision } from '../metrology/types.ts';

/** One check in a standard's impact, with what its decision could have been. */
export interface ImpactedCheck {
  device: string;
  tenant: string;
  type: string;
  seq: number;
  ts: string;
  gas?: string;
  point?: string;
  reference: number;
  error: number;
  mpe: number;
  uncertainty: number;
  unit: string;
  decision: GuardedDecision;
  legal: LegalDecision;
  traceable: boolean | null;
  /** The calibration that found the standard out of tolerance after this check, if any. */
  finding: string | null;
  /** |asFound.error| + U of that calibration, in the check's unit (null: no finding, or units that do not convert). */
  band: number | null;
  couldChange: boolean;
  possibleDecisions: GuardedDecision[];
  possibleLegal: LegalDecision[];
}

export interface ImpactItem {
  device: string;
  tenant: string;
  type: string;
  checks: number;
  decisions: Record<GuardedDecision, number>;
  legal: Record<LegalDecision, number>;
  firstCheckAt: string;
  lastCheckAt: string;
  couldChange: ImpactedCheck[];
}

export interface StandardImpact {
  standard: string;
  unit: string;
  from: string;
  to: string;
  basis: ImpactBasis;
  finding: { certificate: string; issuedAt: string; asFound: StandardCertificate['asFound'] } | null;
  checks: number;
  instruments: number;
  couldChange: number;
  items: ImpactItem[];
  /** Every check of the period (CSV). */
  rows: ImpactedCheck[];
}

export class ReferenceStandards<S extends StateExecutor = StateExecutor> {
  private readonly store: StandardStore<S>;
  /** The check history, for `impact`. */
  private readonly checks: CheckStore<S>;

  constructor(
    private readonly db: S,
    private readonly registry: Pick<Registry, 'device' | 'zoneInEffect'>,
    private readonly alerts: Pick<AlertBook<S>, 'raise'>,
    private readonly profiles: ReadonlyMap<string, InstrumentProfile>,
  ) {
    this.store = new StandardStore(db);
    this.checks = new CheckStore(db);
  }

  /** Settles when the standards are loaded (at once on SQLite). */
  get loaded() {
    return this.store.loaded;
  }

  /** Stops following other nodes' changes of the standards (PostgreSQL). */
  stop(): void {
    this.store.stop();
  }

  /** For the check path: the standard an instrument of `tenant` may use, with its certificates. */
  standardOf(id: string, tenant: string): StandardOfCheck | undefined {
    const standard = this.store.usableBy(id, tenant);
    return standard ? { standard, certificates: this.store.certificatesOf(id) } : undefined;
  }

  get(id: string): StoredStandard | undefined {
    return this.store.get(id);
  }

  list(): StoredStandard[] {
    return this.store.list();
  }

  create(s: ReferenceStandard, actor: string, now: Date): Answer<S, StoredStandard> {
    return this.store.create(s, actor, now);
  }

  certificatesOf(id: string): readonly StoredStandardCertificate[] {
    return this.store.certificatesOf(id);
  }

  stateOf(id: string, at: number): { state: StandardStateName; validUntil: string | null } {
    return standardState(this.store.certificatesOf(id), at);
  }

  /**
   * Adds a calibration certificate of the standard. When it found the standard out of tolerance, every
   * enterprise whose instruments the standard served since it was last found in tolerance gets a
   * standard-oot alert with its own instruments only.
   */
  addCertificate(id: string, c: StandardCertificate, actor: string, now: Date): Answer<S, StoredStandardCertificate> {
    return answer(this.db, () =>
      after(this.store.addCertificate(id, c, actor, now), (stored) => {
        if (!c.asFound?.outOfTolerance) return stored;
        return after(this.impact(id, Date.parse(stored.issuedAt), {}), (impact) => after(this.tellServedTenants(id, stored, impact, now), () => stored));
      }),
    );
  }

  /** Raises the standard-oot alerts; settled when they are written. */
  private tellServedTenants(id: string, finding: StoredStandardCertificate, impact: StandardImpact, now: Date): Awaitable<unknown> {
    const standard = this.store.get(id)!;
    // the calibration the period starts from, if one does: its day is told to each enterprise in its
    // own zone (an issuedAt given as a date is its day's start in the zone, 17:00Z the day before in
    // Vietnam: its UTC date is the day before)
    const start = Date.parse(impact.from);
    const startedBy = this.store.certificatesOf(id).find((c) => Date.parse(c.issuedAt) === start);
    const byTenant = new Map<string, ImpactItem[]>();
    for (const item of impact.items) {
      const list = byTenant.get(item.tenant);
      if (list) list.push(item);
      else byTenant.set(item.tenant, [item]);
    }
    const raised = [...byTenant].map(([tenant, items]) =>
      raiseStandardOot(
        this.alerts,
        {
          tenant,
          standard: id,
          standardName: standard.name,
          certificate: finding.number,
          issuedBy: finding.issuedBy,
          // in UTC as every time MAG sends (webhooks carry the alert as stored); the certificate keeps its offset
          issuedAt: new Date(finding.issuedAt).toISOString(),
          asFound: finding.asFound!,
          unit: standard.unit,
          uncertainty: finding.uncertainty,
          from: impact.from,
          to: impact.to,
          ...(startedBy ? { since: dayIn(this.registry.zoneInEffect(tenant), startedBy.issuedAt) } : {}),
          checks: items.reduce((n, x) => n + x.checks, 0),
          instruments: items.map((x) => x.device),
          couldChange: items.reduce((n, x) => n + x.couldChange.length, 0),
        },
        now,
      ),
    );
    return settleAll(raised);
  }

  /**
   * Reverse traceability: the checks the standard served in the period (impactPeriod: by default since
   * it was last found in tolerance), grouped by instrument, each with the decisions it could have had
   * given the as-found error of the calibration that followed it. `tenants`: only these enterprises'.
   */
  impact(id: string, now: number, requested: { from?: number; to?: number }, tenants?: ReadonlySet<string>): Answer<S, StandardImpact> {
    const standard = this.store.get(id)!;
    const certs = this.store.certificatesOf(id);
    const period = impactPeriod(certs, now, requested);
    return answer(this.db, () =>
      after(this.checks.withStandard(id, period.from, period.to), (checks) => this.impactOf(standard, certs, period, checks, tenants)),
    );
  }

  private impactOf(
    standard: StoredStandard,
    certs: readonly StoredStandardCertificate[],
    period: ImpactPeriod,
    checks: readonly StoredCheck[],
    tenants: ReadonlySet<string> | undefined,
  ): StandardImpact {
    const rows: ImpactedCheck[] = [];
    for (const c of checks) {
      const d = this.registry.device(c.device);
      if (!d || (tenants && !tenants.has(d.tenant))) continue;
      rows.push(this.reviewed(standard, certs, c, d));
    }
    const groups = new Map<string, ImpactedCheck[]>();
    for (const r of rows) {
      const list = groups.get(r.device);
      if (list) list.push(r);
      else groups.set(r.device, [r]);
    }
    const items = [...groups.values()].map(group).sort((a, b) => a.tenant.localeCompare(b.tenant) || a.device.localeCompare(b.device));
    const f = period.finding;
    return {
      standard: standard.id,
      unit: standard.unit,
      from: new Date(period.from).toISOString(),
      to: new Date(period.to).toISOString(),
      basis: period.basis,
      finding: f ? { certificate: f.number, issuedAt: f.issuedAt, asFound: f.asFound } : null,
      checks: rows.length,
      instruments: items.length,
      couldChange: rows.filter((r) => r.couldChange).length,
      items,
      rows,
    };
  }

  private reviewed(standard: StoredStandard, certs: readonly StandardCertificate[], c: StoredCheck, d: { tenant: string; type: string }): ImpactedCheck {
    const closing = closingCalibration(certs, c.ts);
    const oot = closing?.asFound?.outOfTolerance ? closing : undefined;
    let band: number | null = null;
    if (oot) {
      const aliases = this.profiles.get(d.type)?.unitAliases ?? {};
      const factor = conversionFactor(resolveUnit(standard.unit, aliases), c.unit);
      band = factor === undefined ? null : (Math.abs(oot.asFound!.error) + oot.uncertainty) * Math.abs(factor);
    }
    // a finding whose units do not convert cannot be bounded: every decision stays possible
    const possible = oot ? possibleDecisions(c, band ?? Infinity) : { decisions: [c.decision], legal: [c.legal], couldChange: false };
    const out: ImpactedCheck = {
      device: c.device,
      tenant: d.tenant,
      type: d.type,
      seq: c.seq,
      ts: new Date(c.ts).toISOString(),
      reference: c.reference,
      error: c.error,
      mpe: c.mpe,
      uncertainty: c.uncertainty,
      unit: c.unit,
      decision: c.decision,
      legal: c.legal,
      traceable: c.traceable ?? null,
      finding: oot?.number ?? null,
      band,
      couldChange: possible.couldChange,
      possibleDecisions: possible.decisions,
      possibleLegal: possible.legal,
    };
    if (c.gas !== undefined) out.gas = c.gas;
    if (c.point !== undefined) out.point = c.point;
    return out;
  }
}

function group(rows: ImpactedCheck[]): ImpactItem {
  const decisions: Record<GuardedDecision, number> = { pass: 0, 'conditional-pass': 0, 'conditional-fail': 0, fail: 0 };
  const legal: Record<LegalDecision, number> = { pass: 0, fail: 0 };
  for (const r of rows) {
    decisions[r.decision]++;
    legal[r.legal]++;
  }
  const first = rows[0]!;
  return {
    device: first.device,
    tenant: first.tenant,
    type: first.type,
    checks: rows.length,
    decisions,
    legal,
    firstCheckAt: first.ts,
    lastCheckAt: rows.at(-1)!.ts,
    couldChange: rows.filter((r) => r.couldChange),
  };
}
