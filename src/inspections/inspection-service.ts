// Over 400 lines: one service per inspection record (open, items, findings, close, amend) with
// the record hash; on two databases its methods chain results with `after`.
// On-site inspections as the inspector does them: open a record at an enterprise, examine its
// instruments (checks judged with the in-trade rule go into each instrument's check history, so
// alerts and drift see them), note findings (sealing an instrument off), close the record, and
// correct a closed one only by amendments. Every action is in the audit log with its actor.
// The routes decide who may ask; this shell does what is asked and refuses what the record
// does not allow (Refusal).
// On SQLite every method answers at once (the demo history records inside one transaction); on
// PostgreSQL with Promises: the routes await them.
import { createHash } from 'node:crypto';
import type { Assurance } from '../alerts/assurance.ts';
import { after, answer, isPending, type Answer, type Awaitable, type StateExecutor } from '../store/executor.ts';
import type { AuditLog } from '../store/audit.ts';
import type { Device, Registry } from '../store/registry.ts';
import { SealedOffAlready, type FindingFilter, type InspectionFilter, type InspectionStore, type NewInspection } from '../store/inspections.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import type { CheckResult, FieldError } from '../metrology/types.ts';
import { channelUnitFactor, evaluateCheck } from '../metrology/check.ts';
import { channelFor, isFieldErrors } from '../metrology/channel.ts';
import { channelMpe } from '../metrology/mpe.ts';
import { unitText } from '../metrology/units.ts';
import { type StandardOfCheck, judgedWithStandard } from '../metrology/traceability.ts';
import type { Point } from '../sinks/sink.ts';
import type { Logger } from '../log.ts';
import { localDay, validFrom } from '../oversight/period.ts';
import { provinceOf } from '../oversight/provinces.ts';
import { itemVerdict } from './verdict.ts';
import { alertsAtInspection } from './alerts-at-inspection.ts';
import type { Alert } from '../alerts/alert-book.ts';
import type { InspectionSummary } from './summary.ts';
import type { Amendment, Campaign, Finding, FindingKind, Inspection, InspectionItem, InspectionRecord, ItemFacts, Seal } from './types.ts';

/** What the record does not allow: the route answers it as 400, 404 or 409. */
export class Refusal extends Error {
  constructor(
    readonly kind: 'invalid' | 'not-found' | 'conflict',
    message: string,
    readonly details?: FieldError[],
  ) {
    super(message);
  }
}

export interface InspectionCheckInput {
  indicated: number;
  reference: number;
  referenceUncertainty: number;
  unit: string;
  standardId: string;
  point?: string;
  gas?: string;
  /** Scales, OIML R76 change-point method: the small weights added (docs/metrology.md §3), as a device's check. */
  deltaL?: number;
  /** When the check was made (read as startedAt is); now when absent. */
  ts?: string;
}

export interface ItemInput {
  device: string;
  checks?: InspectionCheckInput[];
  sealsIntact: boolean;
  verificationMarkValid: boolean;
  certificateValid: boolean;
  priceDisplayCorrect?: boolean;
  notes?: string;
}

export interface FindingInput {
  device?: string;
  kind: FindingKind;
  description: string;
  action?: string;
}

export interface InspectionServiceDeps<S extends StateExecutor = StateExecutor> {
  store: InspectionStore<S>;
  registry: Pick<Registry, 'tenant' | 'device' | 'certificatesOf'>;
  assurance: Pick<Assurance, 'recordCheck' | 'verificationOf'>;
  audit: Pick<AuditLog, 'append'>;
  profiles: ReadonlyMap<string, InstrumentProfile>;
  /** Publishes the device's retained `config` (lockout while sealed). */
  publishConfig: (device: Device, force?: boolean) => void;
  /** The reference standard a check cites, for its traceability (docs/metrology.md §8), as ingest judges a device's. */
  standardOf?: (id: string, tenant: string) => StandardOfCheck | undefined;
  /** Writes points to the time series (the journal); absent: the checks stay in the state store only. */
  recordPoints?: (points: Point[]) => Promise<void>;
  log?: Logger;
  now: () => Date;
  /** Zone of the printed record's times for tenants without their own (MAG_DEFAULT_TIME_ZONE). */
  defaultTimeZone?: string;
}

export class InspectionService<S extends StateExecutor = StateExecutor> {
  readonly defaultTimeZone: string;

  constructor(private readonly deps: InspectionServiceDeps<S>) {
    this.defaultTimeZone = deps.defaultTimeZone ?? 'Asia/Ho_Chi_Minh';
  }

  private get store(): InspectionStore<S> {
    return this.deps.store;
  }

  /** What `work` gives, as the store's database gives it (executor.ts `answer`). */
  private answer<T>(work: () => Awaitable<T>): Answer<S, T> {
    return answer(this.deps.store.db, work);
  }

  private audit(actor: string, action: string, target: string, details: Record<string, unknown>): void {
    this.deps.audit.append(actor, action, target, details, this.deps.now());
  }

  /** The zone of an enterprise's times: its own, else the default (MAG_DEFAULT_TIME_ZONE). */
  private zoneOf(tenant: string): string {
    return this.deps.registry.tenant(tenant)?.timeZone ?? this.defaultTimeZone;
  }

  /**
   * The instant a body's time names at `tenant`: a date-time without a zone is that wall-clock time
   * in the enterprise's zone (not the server's), a date alone the start of that day there, one with
   * a zone that instant (validFrom).
   */
  private instantAt(tenant: string, value: string): number {
    return Date.parse(validFrom(value, this.zoneOf(tenant)));
  }

  /**
   * Opens a record at an existing tenant (the caller has checked that the actor may); startedAt as
   * instantAt reads it. Opened within `campaign` (one the caller may see), the record names it and,
   * without an authority of its own, takes the campaign's; the enterprise must be in its region.
   */
  open(
    input: Omit<NewInspection, 'region' | 'openedBy' | 'campaign'>,
    actor: string,
    campaign?: Pick<Campaign, 'id' | 'region' | 'authority' | 'from' | 'to'>,
  ): Answer<S, Inspection> {
    return this.answer(() => {
      const tenant = this.deps.registry.tenant(input.tenant);
      if (!tenant) throw new Refusal('not-found', `tenant ${input.tenant} not found`);
      const startedAt = this.instantAt(tenant.id, input.startedAt);
      if (campaign) {
        // one province under two codes (ISO's VN-54 and the letter alias VN-BG) is one region
        const province = (code: string) => provinceOf(code)?.code ?? code;
        const problems: FieldError[] = [];
        if (province(campaign.region) !== province(tenant.region))
          problems.push({ path: 'campaign', message: `campaign ${campaign.id} is in region ${campaign.region}, enterprise ${tenant.id} in ${tenant.region}` });
        const day = localDay(this.zoneOf(tenant.id), startedAt);
        if (day < campaign.from || day > campaign.to)
          problems.push({ path: 'startedAt', message: `${day} is outside campaign ${campaign.id} (${campaign.from} to ${campaign.to})` });
        if (problems.length > 0) throw new Refusal('invalid', 'the request body is invalid', problems);
      }
      const authority = input.authority ?? campaign?.authority;
      const opened = this.store.open(
        {
          ...input,
          ...(authority !== undefined ? { authority } : {}),
          ...(campaign ? { campaign: campaign.id } : {}),
          startedAt: new Date(startedAt).toISOString(),
          region: tenant.region,
          openedBy: actor,
        },
        this.deps.now(),
      );
      return after(opened as Awaitable<Inspection>, (i) => {
        this.audit(actor, 'inspection.open', i.id, {
          tenant: i.tenant,
          site: i.site,
          siteAddress: i.siteAddress,
          authority: i.authority,
          campaign: i.campaign,
          representative: i.representative,
          startedAt: i.startedAt,
          inspectors: i.inspectors,
          legalBasis: i.legalBasis,
        });
        return i;
      });
    });
  }

  inspection(id: string): Answer<S, Inspection | undefined> {
    return this.store.inspection(id);
  }

  record(id: string): Answer<S, InspectionRecord | undefined> {
    return this.store.record(id);
  }

  private openRecord(id: string, store: InspectionStore<StateExecutor> = this.store): Awaitable<Inspection> {
    return after(store.inspection(id), (i) => {
      if (!i) throw new Refusal('not-found', `inspection ${id} not found`);
      if (i.state !== 'open')
        throw new Refusal('conflict', `inspection ${id} is closed: correct it with an amendment (POST /api/v1/inspections/${id}/amendments)`);
      return i;
    });
  }

  private deviceOf(i: Inspection, id: string, path: string): Device {
    const d = this.deps.registry.device(id);
    if (!d || d.tenant !== i.tenant)
      throw new Refusal('invalid', 'the request body is invalid', [{ path, message: `${path} ${id} is not an instrument of ${i.tenant}` }]);
    return d;
  }

  /**
   * Records an examined instrument. Each check is evaluated as a check the device sent would be,
   * in the in-service regime (the in-trade MPE: e.g. ±0.45 % for a fuel dispenser), stored in the
   * device's check history with the next seq of its inspection series, and judged there (alerts,
   * drift). Nothing is stored when one check is invalid.
   */
  async addItem(inspectionId: string, input: ItemInput, actor: string): Promise<InspectionItem> {
    const { item, device } = await this.storeItem(inspectionId, input, actor);
    await this.recordCheckPoints(device, item.inspection, item.checks);
    return item;
  }

  /** addItem without the checks' points in the time series: synchronous, so that it can run inside a transaction (the demo history's). */
  recordItem(inspectionId: string, input: ItemInput, actor: string): Answer<S, InspectionItem> {
    return this.answer(() => after(this.storeItem(inspectionId, input, actor), ({ item }) => item));
  }

  private storeItem(inspectionId: string, input: ItemInput, actor: string): Awaitable<{ item: InspectionItem; device: Device }> {
    return this.whileOpen(inspectionId, (st, i) => this.storeItemOf(st, i, input, actor));
  }

  /**
   * `work` on the record `id` in one transaction under its lock, once it is found open: a record
   * another node is closing meanwhile is closed when this reads it, and refused.
   */
  private whileOpen<T>(id: string, work: (st: InspectionStore<StateExecutor>, i: Inspection) => Awaitable<T>): Awaitable<T> {
    return this.store.serially((st) => after(st.lockRecord(id), () => after(this.openRecord(id, st), (i) => work(st, i)))) as Awaitable<T>;
  }

  private storeItemOf(st: InspectionStore<StateExecutor>, i: Inspection, input: ItemInput, actor: string): Awaitable<{ item: InspectionItem; device: Device }> {
    const device = this.deviceOf(i, input.device, 'device');
    const profile = this.deps.profiles.get(device.type);
    if (!profile)
      throw new Refusal('invalid', 'the request body is invalid', [{ path: 'device', message: `instrument type ${device.type} has no profile in devices/` }]);
    if (input.priceDisplayCorrect !== undefined && !profile.transactions) {
      throw new Refusal('invalid', 'the request body is invalid', [
        { path: 'priceDisplayCorrect', message: `priceDisplayCorrect applies to instruments that sell by price (fuel dispensers); ${device.type} does not` },
      ]);
    }
    const now = this.deps.now();
    const checks = this.evaluateChecks(device, profile, input.checks ?? [], now);
    // MAG's alerts on it unresolved now, before this visit's checks are judged (what they raise is on
    // the record as the checks themselves): with the registry's standing, the facts of the inspection
    const unresolved = st.alertsUnresolvedAt(device.id, now) as Awaitable<Alert[]>;
    const stored = after(unresolved, (alerts) => {
      const facts: ItemFacts = {
        sealsIntact: input.sealsIntact,
        verificationMarkValid: input.verificationMarkValid,
        certificateValid: input.certificateValid,
        ...(input.priceDisplayCorrect !== undefined ? { priceDisplayCorrect: input.priceDisplayCorrect } : {}),
        ...(input.notes ? { notes: input.notes } : {}),
        verification: this.deps.assurance.verificationOf(device, now.getTime()),
        unresolvedAlerts: alertsAtInspection(alerts, now),
      };
      // the verdict is the inspector's: their checks and what they saw, not MAG's alerts (the record shows those beside it)
      const { verdict, reasons } = itemVerdict(facts, checks);
      // the item and its checks in the instrument's history: both or neither
      return st.addItem({ inspection: i.id, device: device.id, facts, verdict, reasons, recordedBy: actor }, checks, now, (numbered) => {
        for (const c of numbered) this.deps.assurance.recordCheck(device, c, now);
      }) as Awaitable<InspectionItem>;
    });
    return after(stored, (item) => {
      const { verdict, reasons } = item;
      this.audit(actor, 'inspection.item', i.id, {
        tenant: i.tenant,
        device: device.id,
        item: item.id,
        verdict,
        reasons,
        checks: item.checks.map((c) => ({ seq: c.seq, error: c.error, mpe: c.mpe, legal: c.legal })),
        unresolvedAlerts: item.facts.unresolvedAlerts?.map((a) => ({ id: a.id, kind: a.kind, since: a.since })),
      });
      return { item, device };
    });
  }

  private evaluateChecks(device: Device, profile: InstrumentProfile, inputs: InspectionCheckInput[], now: Date): Omit<CheckResult, 'seq'>[] {
    const errors: FieldError[] = [];
    const out: Omit<CheckResult, 'seq'>[] = [];
    inputs.forEach((c, n) => {
      const ts = c.ts === undefined ? now.getTime() : this.instantAt(device.tenant, c.ts);
      const input = {
        seq: 0,
        ts,
        indicated: c.indicated,
        reference: c.reference,
        referenceUncertainty: c.referenceUncertainty,
        unit: c.unit,
        standardId: c.standardId,
        regime: 'inService' as const,
        ...(c.point !== undefined ? { point: c.point } : {}),
        ...(c.gas !== undefined ? { gas: c.gas } : {}),
        ...(c.deltaL !== undefined ? { deltaL: c.deltaL } : {}),
      };
      const bounds = checkBoundErrors(profile, device, c);
      if (bounds.length) {
        errors.push(...bounds.map((e) => ({ path: `checks.${n}.${e.path}`, message: e.message })));
        return;
      }
      const metrology = { profile, device, certificates: this.deps.registry.certificatesOf(device.id) };
      const r = evaluateCheck(metrology, input);
      if (!r.ok) errors.push(...r.errors.map((e) => ({ path: `checks.${n}.${e.path}`, message: e.message })));
      else {
        // the inspector's standard is judged as a device's is: traceable, or an untraceable-check alert; and
        // the check with the certificate's U where less was declared. The issue names the enterprise's days.
        const result = this.deps.standardOf
          ? judgedWithStandard(metrology, input, r.result, this.deps.standardOf(c.standardId, device.tenant), (t) => localDay(this.zoneOf(device.tenant), t))
          : r.result;
        const { seq: _seq, ...rest } = result;
        out.push(rest);
      }
    });
    if (errors.length) throw new Refusal('invalid', 'a check is not a valid test of this instrument', errors);
    return out;
  }

  /** The checks as `check` points in the time series too (dashboards read InfluxDB), marked with the inspection. */
  private async recordCheckPoints(device: Device, inspection: string, checks: CheckResult[]): Promise<void> {
    if (!this.deps.recordPoints || checks.length === 0) return;
    const points: Point[] = checks.map((c) => ({
      measurement: 'check',
      tags: { tenant: device.tenant, device: device.id, type: device.type, ...(c.gas ? { gas: c.gas } : {}), ...(c.point ? { point: c.point } : {}) },
      fields: {
        indicated: c.indicated,
        reference: c.reference,
        error: c.error,
        mpe: c.mpe,
        uncertainty: c.uncertainty,
        decision: c.decision,
        legal: c.legal,
        seq: c.seq,
        regime: c.regime,
        ...(c.deltaL !== undefined ? { deltaL: c.deltaL } : {}),
        inspection,
      },
      ts: c.ts,
    }));
    try {
      await this.deps.recordPoints(points);
    } catch (e) {
      // The record and the check history hold them; only the dashboards miss them.
      this.deps.log?.warn({ inspection, device: device.id, err: (e as Error).message }, 'inspection checks not written to the time series');
    }
  }

  /** Notes a finding; a `sealed-off` one seals its instrument off (lockout) until it is closed. */
  addFinding(inspectionId: string, input: FindingInput, actor: string): Answer<S, Finding> {
    return this.answer(() => this.whileOpen(inspectionId, (st, i) => this.addFindingTo(st, i, input, actor)));
  }

  private addFindingTo(st: InspectionStore<StateExecutor>, i: Inspection, input: FindingInput, actor: string): Awaitable<Finding> {
    const device = input.device === undefined ? undefined : this.deviceOf(i, input.device, 'device');
    if (input.kind === 'sealed-off') {
      if (!device)
        throw new Refusal('invalid', 'the request body is invalid', [{ path: 'device', message: 'a sealed-off finding names the instrument sealed off' }]);
    }
    // a second seal of the instrument is refused by the store, which reads the open one under the instrument's lock
    const added = refusingSecondSeal(
      () =>
        st.addFinding(
          {
            inspection: i.id,
            tenant: i.tenant,
            ...(device ? { device: device.id } : {}),
            kind: input.kind,
            description: input.description,
            ...(input.action ? { action: input.action } : {}),
            openedBy: actor,
          },
          this.deps.now(),
        ) as Awaitable<Finding>,
    );
    return after(added, (f) => {
      this.audit(actor, 'inspection.finding', i.id, {
        tenant: i.tenant,
        finding: f.id,
        device: f.device,
        kind: f.kind,
        description: f.description,
        action: f.action,
      });
      if (device && f.kind === 'sealed-off') this.deps.publishConfig(device, true);
      return f;
    });
  }

  finding(id: string): Answer<S, Finding | undefined> {
    return this.store.finding(id);
  }

  list(f: InspectionFilter): Answer<S, Inspection[]> {
    return this.store.list(f);
  }

  findings(f: FindingFilter): Answer<S, Finding[]> {
    return this.store.findings(f);
  }

  /** The inspections started in [from, to] in `regions` (all when absent), with their instruments, checks and findings (for the periodic report). */
  inspectionSummary(from: Date | string, to: Date | string, regions?: readonly string[], tenants?: readonly string[]): Answer<S, InspectionSummary> {
    return this.store.inspectionSummary(from, to, regions, tenants);
  }

  /**
   * The enterprise's answer to a finding that is neither closed nor answered. An answer stays as
   * given (the record prints it, the hash of a closed record leaves it out): a second one is refused
   * (conflict) unless it says exactly the same, a retry answered with the finding as it is.
   */
  answerFinding(id: string, answer: string, actor: string): Answer<S, Finding> {
    return this.answer(() =>
      after(this.store.finding(id) as Awaitable<Finding | undefined>, (found) => {
        if (!found) throw new Refusal('not-found', `finding ${id} not found`);
        // under the record's lock: of two answers sent at once, the second finds the first
        const answered = this.store.serially((st) =>
          after(st.lockRecord(found.inspection), () =>
            after(st.finding(id), (f): Awaitable<{ finding: Finding; repeated: boolean }> => {
              if (!f) throw new Refusal('not-found', `finding ${id} not found`);
              if (f.state === 'closed') throw new Refusal('conflict', `finding ${id} is closed`);
              if (f.answer !== undefined) {
                if (f.answer === answer) return { finding: f, repeated: true };
                throw new Refusal(
                  'conflict',
                  `finding ${id} was answered already by ${personOf(f.answeredBy ?? '')} at ${f.answeredAt}; an answer stays as given on the record: what was done since goes to the inspector, who closes the finding or notes a new one`,
                );
              }
              return after(st.answer(id, answer, actor, this.deps.now()) as Awaitable<Finding | undefined>, (g) => {
                if (!g) throw new Refusal('conflict', `finding ${id} is closed`);
                return { finding: g, repeated: false };
              });
            }),
          ),
        );
        return after(answered as Awaitable<{ finding: Finding; repeated: boolean }>, ({ finding: f, repeated }) => {
          if (!repeated) this.audit(actor, 'finding.answer', f.inspection, { tenant: f.tenant, finding: f.id, device: f.device, answer });
          return f;
        });
      }),
    );
  }

  /** Closes a finding with the inspector's reason; a seal it placed is lifted. */
  closeFinding(id: string, reason: string, actor: string): Answer<S, Finding> {
    return this.answer(() =>
      after(this.store.closeFinding(id, reason, actor, this.deps.now()) as Awaitable<Finding | undefined>, (f) => {
        if (!f) return this.findingRefusal(id);
        this.audit(actor, 'finding.close', f.inspection, { tenant: f.tenant, finding: f.id, device: f.device, kind: f.kind, reason });
        const device = f.kind === 'sealed-off' && f.device ? this.deps.registry.device(f.device) : undefined;
        if (device) this.deps.publishConfig(device, true);
        return f;
      }),
    );
  }

  /** Throws why the finding cannot change: closed, or unknown. */
  private findingRefusal(id: string): Awaitable<never> {
    return after(this.store.finding(id) as Awaitable<Finding | undefined>, (f): never => {
      throw f ? new Refusal('conflict', `finding ${id} is closed`) : new Refusal('not-found', `finding ${id} not found`);
    });
  }

  sealOf(device: string): Seal | undefined {
    return this.store.sealOf(device);
  }

  /** Closes the record: from now on it changes only by amendments. Its SHA-256 is kept and printed. */
  // One transaction, under the record's lock: the hash covers exactly what the record holds
  // when it closes (another node adding an item or a finding waits, then finds it closed).
  close(id: string, conclusion: string | undefined, actor: string): Answer<S, InspectionRecord> {
    const now = this.deps.now();
    const closing = this.store.serially((st) =>
      after(st.lockRecord(id), () =>
        after(this.openRecord(id, st), () =>
          after(st.record(id), (draft) => {
            const closed = { ...draft!, state: 'closed' as const, closedAt: now.toISOString(), closedBy: actor, ...(conclusion ? { conclusion } : {}) };
            const hash = recordHash(closed);
            return after(st.close(id, now, actor, conclusion, hash), (ok) => {
              if (!ok) throw new Refusal('conflict', `inspection ${id} is closed already`);
              return after(st.record(id), (record) => ({ draft: draft!, hash, record: record! }));
            });
          }),
        ),
      ),
    );
    return this.answer(() =>
      after(closing as Awaitable<{ draft: InspectionRecord; hash: string; record: InspectionRecord }>, ({ draft, hash, record }) => {
        this.audit(actor, 'inspection.close', id, {
          tenant: draft.tenant,
          conclusion,
          recordHash: hash,
          items: draft.items.length,
          findings: draft.findings.length,
        });
        return record;
      }),
    );
  }

  /** A correction of a closed record, kept beside it (the record itself never changes). */
  amend(id: string, input: { reason: string; change: unknown }, actor: string): Answer<S, Amendment> {
    return this.answer(() =>
      after(this.store.inspection(id) as Awaitable<Inspection | undefined>, (i) => {
        if (!i) throw new Refusal('not-found', `inspection ${id} not found`);
        if (i.state !== 'closed')
          throw new Refusal('conflict', `inspection ${id} is still open: record the change directly; amendments correct a closed record`);
        return after(
          this.store.amend({ inspection: id, reason: input.reason, change: input.change, amendedBy: actor }, this.deps.now()) as Awaitable<Amendment>,
          (a) => {
            this.audit(actor, 'inspection.amend', id, { tenant: i.tenant, amendment: a.id, reason: a.reason, change: a.change });
            return a;
          },
        );
      }),
    );
  }
}

/** The person of an actor as recorded (`role:name:token` → name), as the printed record names people. */
function personOf(actor: string): string {
  const parts = actor.split(':');
  return parts.length >= 3 ? parts.slice(1, -1).join(':') : actor;
}

/** How many times its largest magnitude an instrument's check values may reach: beyond, no display shows them. */
const BEYOND_RANGE = 10;
/** How many in-service MPEs below zero an indication of a quantity that is never negative may lie (a zero error, never more). */
const BELOW_ZERO_MPES = 10;

/**
 * Why a check's values cannot be this instrument's, or [] (each message starts with its field): a
 * reference below zero for a quantity that is never negative (the channel's range starts at 0 or
 * above: volume, mass, concentration, absolute pressure); an indication below zero by more than
 * BELOW_ZERO_MPES in-service MPEs at the reference (a zero error is a few); an indication or a
 * reference beyond BEYOND_RANGE times the range's largest magnitude; a reference uncertainty
 * larger than that magnitude. All in the channel's canonical unit; a channel or unit that does not
 * resolve is left to evaluateCheck to refuse.
 */
export function checkBoundErrors(profile: InstrumentProfile, device: Device, c: InspectionCheckInput): FieldError[] {
  const ch = channelFor(profile, device, c.gas === undefined ? {} : { gas: c.gas });
  if (isFieldErrors(ch)) return [];
  const unit = channelUnitFactor(ch, c.unit);
  if ('path' in unit) return [];
  const canonical = unitText(ch.canonicalUnit);
  const { min, max } = ch.range;
  const range = `${min} to ${max} ${canonical}${ch.gas ? ` (${ch.gas})` : ''}`;
  const sent = (x: number) => `${x} ${c.unit}${unit.factor === 1 ? '' : ` (${x * unit.factor} ${canonical})`}`;
  const errors: FieldError[] = [];
  const reference = c.reference * unit.factor;
  const indicated = c.indicated * unit.factor;
  const largest = Math.max(Math.abs(min), Math.abs(max));
  const what = `a ${profile.id} measures ${ch.quantity}, which is never negative (range ${range})`;
  if (min >= 0 && reference < 0) errors.push({ path: 'reference', message: `reference ${sent(c.reference)} is negative: ${what}` });
  if (min >= 0 && indicated < 0 && reference >= 0) {
    let mpe: number | undefined;
    try {
      mpe = channelMpe(ch, reference, 'inService', c.point);
    } catch {
      mpe = undefined; // a reference or point the rule cannot judge (below the MMQ, no test point…): evaluateCheck says why
    }
    if (mpe !== undefined && -indicated > BELOW_ZERO_MPES * mpe)
      errors.push({
        path: 'indicated',
        message: `indicated ${sent(c.indicated)} is below zero by more than ${BELOW_ZERO_MPES} times the in-service MPE (±${Number(mpe.toPrecision(6))} ${canonical}): ${what}; only a zero error shows below zero`,
      });
  }
  for (const [key, v, raw] of [
    ['indicated', indicated, c.indicated],
    ['reference', reference, c.reference],
  ] as const)
    if (Math.abs(v) > BEYOND_RANGE * largest)
      errors.push({
        path: key,
        message: `${key} ${sent(raw)} is far beyond what the instrument reads (range ${range}): at most ${BEYOND_RANGE * largest} ${canonical} in magnitude; check the value and its unit`,
      });
  const u = c.referenceUncertainty * Math.abs(unit.factor);
  if (u > largest)
    errors.push({
      path: 'referenceUncertainty',
      message: `referenceUncertainty ${sent(c.referenceUncertainty)} is larger than anything the instrument reads (range ${range}): the standard's U (k = 2) is a small part of the value, in the check unit`,
    });
  return errors;
}

/** A record as stored, or as the API answers it (its checks' ts as ISO 8601 strings): recordHash reads both. */
export type HashedRecord = Omit<InspectionRecord, 'items'> & {
  items: (Omit<InspectionItem, 'checks'> & { checks: (Omit<CheckResult, 'ts'> & { ts: number | string })[] })[];
};

/**
 * SHA-256 (hex) of what a closed record says: its header, instruments and checks, and the
 * findings as noted (not their later answers and closing), in canonical JSON (keys sorted), so
 * anyone can recompute it from GET /api/v1/inspections/{id} at any time. A check's `ts` is hashed
 * as its epoch milliseconds, the number the record stores (Date.parse of the ISO 8601 string the
 * API shows: the API's times are ISO strings, the hash was defined before they were), so a record
 * hashes the same read from the store or from the API, and one closed before hashes as it did.
 * A member the record lacks is left out, not written null: a record closed before the header had
 * `authority`, `siteAddress`, `representative` and `campaign` (migration 0010) hashes as it did then,
 * and so does one whose items were recorded before their facts kept MAG's `unresolvedAlerts`.
 */
export function recordHash(r: HashedRecord & { sellerFavourAtPlace?: unknown }): string {
  // sellerFavourAtPlace: what the API derives from the checks when it answers (seller-favour-at-place.ts), not what the record says
  const { recordHash: _h, amendments: _a, sellerFavourAtPlace: _s, findings, items, ...content } = r;
  const stored = items.map((item) => ({ ...item, checks: item.checks.map((c) => ({ ...c, ts: typeof c.ts === 'string' ? Date.parse(c.ts) : c.ts })) }));
  const noted = findings.map((f) => ({
    id: f.id,
    inspection: f.inspection,
    tenant: f.tenant,
    device: f.device,
    kind: f.kind,
    description: f.description,
    action: f.action,
    openedAt: f.openedAt,
    openedBy: f.openedBy,
  }));
  return createHash('sha256')
    .update(canonicalJson({ ...content, items: stored, findings: noted }))
    .digest('hex');
}

/** JSON with object keys sorted and undefined members left out. */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (x !== null && typeof x === 'object') {
    const entries = Object.entries(x as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(x);
}

/** The instrument sealed off already (by this record, another one, or another node: the store decides) answers 409. */
function refusingSecondSeal<T>(add: () => Awaitable<T>): Awaitable<T> {
  const refusal = (e: unknown) => (e instanceof SealedOffAlready ? new Refusal('conflict', e.message) : e);
  let added: Awaitable<T>;
  try {
    added = add();
  } catch (e) {
    throw refusal(e);
  }
  return isPending(added)
    ? added.catch((e: unknown) => {
        throw refusal(e);
      })
    : added;
}
