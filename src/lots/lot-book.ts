// Over 400 lines: the lot book is one aggregate (declare, append, judge, view) whose every step
// reads and writes the same lot; on two databases its methods chain results with `after`.
// Lots of prepackages: declared through the API, filled with measured packages from a weighing
// instrument over MQTT (once journaled) or through the API, judged again at every append, and a
// `lot-fail` alert opened when the verdict turns to fail. The judgement is the pure core's
// (src/metrology/prepackages.ts); this keeps the lots, their packages and the alert.
// On SQLite every method answers at once (the message path records packages synchronously); on
// PostgreSQL with Promises, and each node keeps the lots' declarations for the message path,
// reloaded when another node announces one ('lots').

import type { AlertBook } from '../alerts/alert-book.ts';
import type { AcceptedPackage, LotForPackages } from '../ingest/packages.ts';
import {
  type InstrumentFitness,
  type InstrumentUse,
  type LotInstruments,
  type LotViewNote,
  lotInstruments,
  lotViewNoteText,
} from '../metrology/lot-instrument.ts';
import {
  judgeLot,
  type LotDeclaration,
  type LotJudgement,
  type LotNote,
  LotNotJudgeableError,
  lotNote,
  type PackageMeasurement,
  packageLimitProblem,
  packageLimits,
  packageNet,
  planLot,
  VIETNAMESE_PLAN,
} from '../metrology/prepackages.ts';
import { packageDifferences, type PackageContent } from '../pipeline/resends.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import type { LotRules } from '../metrology/sampling-plans.ts';
import { clean } from '../metrology/tolerable-deficiency.ts';
import type { FieldError } from '../metrology/types.ts';
import { standingOf } from '../metrology/verification.ts';
import { localDay } from '../oversight/period.ts';
import { type Answer, type Awaitable, after, answer, isPending, refusedAs, type StateExecutor, type Watching } from '../store/executor.ts';
import { LOTS_TOPIC, type LotFilter, LotStore, type LotVerdict, type StoredLot, type StoredPackage } from '../store/lots.ts';
import type { Registry } from '../store/registry.ts';

export type { LotVerdict, StoredLot };

/** POST /api/v1/lots. */
export interface NewLot {
  id: string;
  tenant: string;
  product: string;
  nominal: number;
  unit: string;
  lotSize: number;
  destructive?: boolean;
  scale?: string;
  averageTare?: number;
  density?: number;
  plan?: string;
  measuredUnit?: string;
}

/** One package of POST /api/v1/lots/{id}/packages, in the lot's measured unit. */
export type NewPackage = PackageMeasurement & {
  /** The client's id for it: a package sent again with the same id is stored once. */
  id?: string;
  /** The position (1-based) it takes in the lot: one already filled is taken for a repeat and skipped (refused when it says otherwise). */
  position?: number;
};

/** GET /api/v1/lots/{id} (docs/contract.md §6, with what MAG adds). */
export interface LotView {
  id: string;
  tenant: string;
  product: string;
  nominal: number;
  unit: string;
  lotSize: number;
  destructive: boolean;
  plan: string;
  planUnconfirmed: boolean;
  measuredUnit?: string;
  averageTare?: number;
  density?: number;
  sampleSize: number;
  measured: number;
  mean: number | null;
  stdDev: number | null;
  tolerableDeficiency: number;
  t1: number;
  t2: number;
  allowedT1: number;
  averageLimit: number | null;
  verdict: LotVerdict;
  reasons: string[];
  /** The reasons as data, one per reason in the same order: `key` names the sentence, `values` its figures (docs/prepackages.md). */
  notes: LotViewNote[];
  /** Positions (1-based, in the order received) of the sample's T1 and T2 packages. */
  t1Positions: number[];
  t2Positions: number[];
  /** The lot's weighing instrument; when an instrument that weighed packages of the sample is not fit, the first such one. */
  scale: InstrumentFitness;
  /** Every instrument that weighed packages of the lot (and the declared scale), each judged for the lot, with its packages. */
  instruments: InstrumentUse[];
  createdAt: string;
  judgedAt: string | null;
}

export class LotConflictError extends Error {}

/** A request that cannot be applied: the fields and why, as the API answers 400. */
export class LotRequestError extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
  }
}

export interface LotBookOptions {
  /** Days before a verification's due date it counts as due soon (MAG_DUE_SOON_DAYS; a profile's own wins). */
  dueSoonDays: number;
}

/** `fn` of each item in turn, each after the previous one settled: synchronous on SQLite. */
function inOrder<T>(items: readonly T[], fn: (item: T, i: number) => Awaitable<void>): Awaitable<void> {
  let i = 0;
  const next = (): Awaitable<void> => {
    while (i < items.length) {
      const n = i++;
      const r = fn(items[n]!, n);
      if (isPending(r)) return r.then(next);
    }
  };
  return next();
}

export class LotBook<S extends StateExecutor = StateExecutor> {
  private readonly store: LotStore<S>;
  /** Declarations are never changed: what ingest needs of each is kept once worked out. */
  private readonly forIngest = new Map<string, LotForPackages>();
  /**
   * PostgreSQL: every lot's declaration, for the message path (which cannot wait on the
   * database); loaded at open, reloaded on another node's announcement. SQLite reads a lot
   * from the database on first use instead, as it always did.
   */
  private declarations: Map<string, StoredLot> | undefined;
  private loadedVersion = -1;
  /**
   * SQLite: the packages each lot held when the message path last asked (lotForPackages' `noRoomFor`), read
   * once per message instead of once per package; forgotten whenever packages are appended to the lot.
   */
  private readonly counts = new Map<string, number>();
  private readonly watching: Watching | undefined;
  /** Settles when the declarations are loaded (at once on SQLite). */
  readonly loaded: Awaitable<void>;

  constructor(
    private readonly db: S,
    private readonly registry: Pick<Registry, 'registeredDevice' | 'certificatesOf' | 'tenant' | 'zoneInEffect'>,
    private readonly profiles: ReadonlyMap<string, InstrumentProfile>,
    private readonly plans: LotRules,
    private readonly alerts: Pick<AlertBook<StateExecutor>, 'raise'>,
    private readonly opts: LotBookOptions,
  ) {
    this.store = new LotStore(db);
    if (db.dialect === 'postgres') {
      this.loaded = this.loadDeclarations();
      this.watching = db.watch(LOTS_TOPIC, () => void this.catchUp());
    } else this.loaded = undefined;
  }

  /** Stops following other nodes' lots (PostgreSQL). */
  stop(): void {
    this.watching?.stop();
  }

  private loadDeclarations(): Awaitable<void> {
    const version = this.db.version(LOTS_TOPIC);
    return after(this.store.all(), (lots) => {
      this.declarations = new Map(lots.map((l) => [l.id, l]));
      this.loadedVersion = version;
    });
  }

  /** Reloads the declarations when another node announced a lot since they were loaded (PostgreSQL). */
  catchUp(): Awaitable<void> {
    if (this.db.dialect !== 'postgres' || this.db.version(LOTS_TOPIC) === this.loadedVersion) return;
    return after(this.loadDeclarations(), () => undefined);
  }

  /** Declares a lot; refuses it (LotRequestError) with planLot's reasons or a scale that is not the tenant's instrument. */
  declare(l: NewLot, actor: string, now: Date): Answer<S, LotView> {
    return answer(this.db, () => {
      const planned = planLot(declarationOf(l), this.plans);
      const errors: FieldError[] = planned.ok ? [] : planned.reasons.map((message) => ({ path: '(lot)', message }));
      if (l.scale !== undefined) {
        const d = this.registry.registeredDevice(l.scale);
        const profile = d && this.profiles.get(d.type);
        if (!d || d.tenant !== l.tenant)
          errors.push({ path: 'scale', message: `scale must be a registered instrument of enterprise ${l.tenant}; received "${l.scale}"` });
        // as packages sent over MQTT by such an instrument are refused (src/ingest/packages.ts): the lot
        // could never take a weighing from its declared instrument
        else if (profile && profile.quantity !== 'mass')
          errors.push({
            path: 'scale',
            message: `scale must be a weighing instrument (a scale or a checkweigher, whose type measures mass): ${l.scale} is a ${profile.name}`,
          });
      }
      if (errors.length > 0) throw new LotRequestError('the lot cannot be declared', errors);
      return after(this.store.get(l.id), (existing) => {
        if (existing) throw new LotConflictError(`lot ${l.id} already exists`);
        // refused by the primary key too when another node declared the id meanwhile; a lot declared
        // without a plan keeps the plan it was declared under (the default then), so that its views,
        // CSV and report judge it by the same plan after the default changes
        const inserted = refusedAs(
          () =>
            this.store.insert({
              ...l,
              plan: l.plan ?? this.plans.defaultPlan,
              destructive: l.destructive ?? false,
              createdAt: now.toISOString(),
              createdBy: actor,
            }),
          () => new LotConflictError(`lot ${l.id} already exists`),
        );
        return after(inserted, (stored) => {
          this.declarations?.set(stored.id, stored);
          return this.viewOf(this.store, stored, now);
        });
      });
    });
  }

  get(id: string): Answer<S, StoredLot | undefined> {
    return this.store.get(id);
  }

  view(id: string, now: Date): Answer<S, LotView | undefined> {
    return answer(this.db, () => after(this.store.get(id), (l) => l && this.viewOf(this.store, l, now)));
  }

  /** Newest first. */
  list(f: LotFilter, now: Date): Answer<S, LotView[]> {
    return answer(this.db, () => after(this.store.list(f), (lots) => settleEach(lots.map((l) => this.viewOf(this.store, l, now)))));
  }

  /** Per enterprise: lots judged with from ≤ judgedAt < to (epoch ms) and how many passed (the overview, the report, readiness). */
  tallies(tenants: readonly string[], from: number, to: number): Answer<S, Map<string, { lots: number; passed: number }>> {
    return answer(this.db, () =>
      after(this.store.tallies(tenants, new Date(from).toISOString(), new Date(to).toISOString()), (rows) => {
        const out = new Map<string, { lots: number; passed: number }>();
        for (const r of rows) out.set(r.tenant, { lots: r.lots, passed: r.passed });
        return out;
      }),
    );
  }

  /** What ingest needs to take packages for lot `id` (undefined: no such lot, or on PostgreSQL not announced here yet). */
  lotForPackages(id: string): LotForPackages | undefined {
    let x = this.forIngest.get(id);
    if (x) return x;
    const l = this.declarations ? this.declarations.get(id) : (this.store.get(id) as StoredLot | undefined);
    if (!l) return undefined;
    const planned = planLot(declarationOf(l), this.plans);
    if (!planned.ok) return undefined; // declared under other plans: it cannot be judged, so it takes nothing
    const limits = packageLimits(declarationOf(l));
    x = {
      id: l.id,
      tenant: l.tenant,
      product: l.product,
      nominal: l.nominal,
      unit: l.unit,
      measuredUnit: l.measuredUnit ?? l.unit,
      averageTare: l.averageTare,
      ...(l.scale !== undefined ? { scale: l.scale } : {}),
      tolerableDeficiency: planned.tolerableDeficiency,
      toLotUnit: planned.toLotUnit,
      lotSize: l.lotSize,
      ...(limits ? { limits } : {}),
      noRoomFor: (device, p, earlier) => this.noRoomFor(l, device, p, earlier),
    };
    this.forIngest.set(id, x);
    return x;
  }

  /**
   * For the message path: the packages lot `l` holds, stored and `earlier` in the message (those not sent before),
   * when they make its size already and the package `p` of `device` is not one it holds (a resend takes no new
   * place); undefined when the lot has room. SQLite only: on PostgreSQL the count would wait on the database
   * within the message path, so undefined, and the appends keep the lot to its size (recordPackages).
   */
  private noRoomFor(
    l: StoredLot,
    device: string,
    p: { seq: number; ts: number },
    earlier: readonly AcceptedPackage[],
  ): { stored: number; earlier: number } | undefined {
    if (this.db.dialect !== 'sqlite') return undefined;
    let held = this.counts.get(l.id);
    if (held === undefined) {
      if (this.counts.size >= 10_000) this.counts.clear();
      this.counts.set(l.id, (held = this.store.count(l.id) as number));
    }
    if (held + earlier.length < l.lotSize) return undefined; // room even if every earlier package is new
    const sent = (q: { seq: number; ts: number }) => (this.store.sentPackage(device, q.seq, q.ts) as unknown) !== undefined;
    const fresh = earlier.filter((q) => q.lot === l.id && !sent(q)).length;
    return held + fresh >= l.lotSize && !sent(p) ? { stored: held, earlier: fresh } : undefined;
  }

  /**
   * Packages entered through the API, appended in order. One sent before (the same client id, or a position
   * already filled) is skipped when it repeats the package stored, refused when it says otherwise; one past the
   * lot's size is refused. Refuses the whole request (LotRequestError) when one item is refused or unusable.
   */
  addPackages(id: string, items: readonly NewPackage[], now: Date): Answer<S, { lot: LotView; added: number; repeated: number }> {
    return answer(this.db, () =>
      after(this.store.get(id), (l) => {
        if (!l) throw new Error(`lot ${id} not found`);
        const unusable = itemProblems(l, items);
        const receivedAt = now.toISOString();
        this.counts.delete(id);
        const appended = this.db.serially((tx) => {
          const st = this.store.on(tx);
          // what the lot holds, read under its lock, decides which items are new, repeated or refused
          return after(st.lockLot(tx, id), () =>
            after(st.packagesOf(id), (stored) => {
              const { fresh, problems } = placeItems(l, stored, items);
              if (unusable.length + problems.length > 0) throw new LotRequestError('the packages cannot be added', [...unusable, ...problems]);
              let added = 0;
              const each = (p: NewPackage) =>
                after(st.append(id, { ...contentOf(p), clientId: p.id, ts: now.getTime(), receivedAt }), (ok) => {
                  if (ok) added++;
                });
              return after(inOrder(fresh, each), () => after(added > 0 ? this.judge(st, l, now) : undefined, () => added));
            }),
          );
        });
        return after(appended, (added) => {
          this.counts.delete(id);
          return after(this.view(id, now), (lot) => ({ lot: lot!, added, repeated: items.length - added }));
        });
      }),
    );
  }

  /**
   * Packages from an instrument over MQTT, once journaled: appended to their lots (a replay, the same seq at
   * the same time, once). On SQLite done when this returns (undefined); on PostgreSQL a Promise that settles when
   * the packages and the verdicts are stored.
   */
  recordPackages(device: string, packages: readonly AcceptedPackage[], now: Date): Awaitable<AcceptedPackage[]> {
    const receivedAt = now.toISOString();
    /** Packages the lot had no room for when they came to be appended: the caller reports them. */
    const full: AcceptedPackage[] = [];
    // every node's appends to a lot wait on one lock, taken in the order of the lots' ids (no deadlock)
    const lots = [...new Set(packages.map((p) => p.lot))].sort();
    for (const lot of lots) this.counts.delete(lot);
    const recorded = this.db.serially((tx) => {
      const st = this.store.on(tx);
      const found = new Map<string, StoredLot>();
      const held = new Map<string, number>();
      const touched = new Map<string, StoredLot>();
      const locked = inOrder(lots, (lot) =>
        after(st.lockLot(tx, lot), () =>
          after(st.get(lot), (l) => {
            if (l) found.set(lot, l);
            return l && after(st.count(lot), (n) => void held.set(lot, n));
          }),
        ),
      );
      const appended = after(locked, () =>
        inOrder(packages, (p) => {
          const l = found.get(p.lot);
          // Never beyond the lot's size. The message path refused such a package with feedback when it could
          // tell (SQLite); one it could not (PostgreSQL, or a message of another device in flight) stops here.
          if (!l) return;
          if (held.get(p.lot)! >= l.lotSize) return void full.push(p);
          return after(st.append(p.lot, { kind: p.kind, value: p.value, device, seq: p.seq, ts: p.ts, receivedAt }), (ok) => {
            if (!ok) return;
            touched.set(p.lot, l);
            held.set(p.lot, held.get(p.lot)! + 1);
          });
        }),
      );
      return after(appended, () => inOrder([...touched.values()], (l) => this.judge(st, l, now)));
    });
    return after(recorded, () => {
      for (const lot of lots) this.counts.delete(lot);
      return full;
    });
  }

  /** Judges the lot on its packages; stores a changed verdict and opens `lot-fail` when it turns to fail. */
  private judge(st: LotStore<StateExecutor>, l: StoredLot, now: Date): Awaitable<void> {
    return after(st.packagesOf(l.id), (packages) => {
      let j: LotJudgement;
      try {
        j = judgeLot({ ...declarationOf(l), packages: packages.map(measurementOf) }, this.plans);
      } catch (e) {
        // stored before a rule refused it (a plan changed, a package beyond the limits): the lot keeps its
        // verdict and its view says why it cannot be judged; the packages are kept as evidence
        if (e instanceof LotNotJudgeableError) return;
        throw e;
      }
      if (j.verdict === l.verdict) return;
      return after(st.setVerdict(l.id, j.verdict, j.verdict === 'pending' ? undefined : now.toISOString()), () => {
        if (j.verdict === 'fail') this.raiseLotFail(l, j, packages, now);
      });
    });
  }

  /** Opens `lot-fail` for a lot whose verdict turned to fail. */
  private raiseLotFail(l: StoredLot, j: LotJudgement, packages: readonly StoredPackage[], now: Date): void {
    const { scale, notes: instrumentNotes } = this.instrumentsOf(l, packages, now, j.sampleSize);
    // the judgement's reasons and what the lot's view adds about its instruments
    const notes = [...j.notes, ...instrumentNotes];
    // The lot's instrument carries the alert (`scale`: an unfit one that weighed the sample, when there is one); without one, the lot itself does.
    const device = scale.id ?? `lot:${l.id}`;
    const planned = planLot(declarationOf(l), this.plans);
    const netOf = (p: StoredPackage) => (planned.ok ? packageNet(measurementOf(p), declarationOf(l), planned.toLotUnit) : p.value);
    const short = j.t1Packages.map((i) => {
      const p = packages[i]!;
      const net = netOf(p);
      return {
        position: i + 1,
        net,
        shortBy: Number((l.nominal - net).toPrecision(12)),
        t2: j.t2Packages.includes(i),
        ...(p.device ? { device: p.device, seq: p.seq } : {}),
        ...(p.clientId ? { id: p.clientId } : {}),
      };
    });
    // the mean and its limit as the lot's reasons and view write them: 0.01 g (0.00001 kg), with the decimals that tell them apart
    const m = meanFigures(j.notes);
    const findings = [
      j.t2 > 0 && `${j.t2} package${j.t2 === 1 ? '' : 's'} short by more than 2T`,
      j.t1 > j.allowedT1 && `${j.t1} T1 package${j.t1 === 1 ? '' : 's'} (the plan allows ${j.allowedT1})`,
      m && m.mean < m.limit && `mean ${m.mean} ${l.unit} below ${m.limit} ${l.unit}`,
    ].filter(Boolean);
    // a verdict under another plan than Vietnam's (Circular 21/2014, unconfirmed in the plans file) says so
    const planName = this.plans.plans.find((p) => p.id === j.plan)?.name ?? j.plan;
    const under =
      j.plan !== VIETNAMESE_PLAN
        ? ` under plan "${planName}" (${this.plans.vietnamesePlanConfirmed ? 'not' : 'not yet'} under Circular 21/2014/TT-BKHCN)`
        : j.planUnconfirmed
          ? ` under Circular 21/2014/TT-BKHCN (some figures of its plan unconfirmed)`
          : '';
    this.alerts.raise({
      tenant: l.tenant,
      device,
      kind: 'lot-fail',
      key: l.id,
      severity: 'critical',
      summary: `Lot ${l.id} (${l.product}, Qn ${l.nominal} ${l.unit}) fails${under}: ${findings.join('; ') || 'see the reasons'}`,
      details: {
        lot: l.id,
        product: l.product,
        nominal: l.nominal,
        unit: l.unit,
        lotSize: l.lotSize,
        plan: j.plan,
        planName,
        planUnconfirmed: j.planUnconfirmed,
        // false: the verdict is another plan's than the Circular's, whose sample and verdict may differ
        vietnamesePlan: j.plan === VIETNAMESE_PLAN,
        sampleSize: j.sampleSize,
        measured: j.measured,
        tolerableDeficiency: j.tolerableDeficiency,
        t1: j.t1,
        t2: j.t2,
        allowedT1: j.allowedT1,
        shortPackages: short,
        // as the summary and the reasons write them (the lot's view has them unrounded)
        mean: m?.mean ?? cleaned(j.mean),
        stdDev: m?.s ?? cleaned(j.stdDev),
        averageLimit: m?.limit ?? cleaned(j.averageLimit),
        scale: scale.id,
        scaleSuitable: scale.suitable,
        reasons: notes.map(lotViewNoteText),
        // the same reasons as notes, which the console tells in the reader's language
        notes,
      },
      at: now,
    });
  }

  private viewOf(st: LotStore<S>, l: StoredLot, now: Date): Awaitable<LotView> {
    return after(st.packagesOf(l.id) as Awaitable<StoredPackage[]>, (packages) => this.viewWith(l, packages, now));
  }

  private viewWith(l: StoredLot, packages: readonly StoredPackage[], now: Date): LotView {
    let j: LotJudgement;
    try {
      j = judgeLot({ ...declarationOf(l), packages: packages.map(measurementOf) }, this.plans);
    } catch (e) {
      // The sampling plans changed since the lot was declared: shown with its stored verdict and why it cannot be judged again.
      const note = lotNote('notJudgeable', { problems: e instanceof LotNotJudgeableError ? e.problems.join(' ') : (e as Error).message });
      const { scale, instruments } = this.instrumentsOf(l, packages, now, packages.length);
      return {
        ...declared(l),
        plan: l.plan ?? this.plans.defaultPlan,
        planUnconfirmed: false,
        sampleSize: 0,
        measured: packages.length,
        mean: null,
        stdDev: null,
        tolerableDeficiency: 0,
        t1: 0,
        t2: 0,
        allowedT1: 0,
        averageLimit: null,
        verdict: l.verdict,
        reasons: [lotViewNoteText(note)],
        notes: [note],
        t1Positions: [],
        t2Positions: [],
        scale,
        instruments,
        createdAt: l.createdAt,
        judgedAt: l.judgedAt ?? null,
      };
    }
    // the quantity verdict stands; the notes say which weighings are not legal evidence (docs/prepackages.md)
    const { scale, instruments, notes: instrumentNotes } = this.instrumentsOf(l, packages, now, j.sampleSize);
    const notes: LotViewNote[] = [...j.notes, ...instrumentNotes];
    return {
      ...declared(l),
      plan: j.plan,
      planUnconfirmed: j.planUnconfirmed,
      sampleSize: j.sampleSize,
      measured: j.measured,
      mean: cleaned(j.mean),
      stdDev: cleaned(j.stdDev),
      tolerableDeficiency: j.tolerableDeficiency,
      t1: j.t1,
      t2: j.t2,
      allowedT1: j.allowedT1,
      averageLimit: cleaned(j.averageLimit),
      verdict: j.verdict,
      reasons: notes.map(lotViewNoteText),
      notes,
      t1Positions: j.t1Packages.map((i) => i + 1),
      t2Positions: j.t2Packages.map((i) => i + 1),
      scale,
      instruments,
      createdAt: l.createdAt,
      judgedAt: l.judgedAt ?? null,
    };
  }

  /**
   * Every weighing instrument of the lot judged for it (src/metrology/lot-instrument.ts): the declared one and each
   * one that sent packages, verified when its packages of the sample were weighed and fine enough for T; the first
   * `sampleSize` packages are the sample. Before any package, the lot's instrument as it stands `now`.
   */
  private instrumentsOf(l: StoredLot, packages: readonly StoredPackage[], now: Date, sampleSize: number): LotInstruments {
    const planned = planLot(declarationOf(l), this.plans);
    const certificates = new Map<string, ReturnType<Registry['certificatesOf']>>();
    return lotInstruments({
      lot: declarationOf(l),
      T: planned.ok ? planned.tolerableDeficiency : planned.reasons.join(' '),
      scale: l.scale,
      packages,
      sampleSize,
      now: now.getTime(),
      instrument: (id) => {
        const device = this.registry.registeredDevice(id);
        return { device, profile: device && this.profiles.get(device.type) };
      },
      // judged as the instrument's readings are (Assurance.verificationOf)
      verificationAt: (id, at) => {
        const device = this.registry.registeredDevice(id);
        if (!device) return undefined;
        let certs = certificates.get(id);
        if (!certs) certificates.set(id, (certs = this.registry.certificatesOf(id)));
        return standingOf([...certs], at, this.profiles.get(device.type), device, this.opts.dueSoonDays);
      },
      dayOf: (t) => localDay(this.registry.zoneInEffect(l.tenant), t),
    });
  }
}

/** The values of views, together: at once when none is a Promise (SQLite). */
function settleEach<T>(values: Awaitable<T>[]): Awaitable<T[]> {
  return values.some(isPending) ? Promise.all(values) : (values as T[]);
}

function declarationOf(l: NewLot | StoredLot): LotDeclaration {
  return {
    nominal: l.nominal,
    unit: l.unit,
    lotSize: l.lotSize,
    destructive: l.destructive,
    plan: l.plan,
    measuredUnit: l.measuredUnit,
    averageTare: l.averageTare,
    density: l.density,
  };
}

function declared(l: StoredLot) {
  return {
    id: l.id,
    tenant: l.tenant,
    product: l.product,
    nominal: l.nominal,
    unit: l.unit,
    lotSize: l.lotSize,
    destructive: l.destructive,
    ...(l.measuredUnit !== undefined ? { measuredUnit: l.measuredUnit } : {}),
    ...(l.averageTare !== undefined ? { averageTare: l.averageTare } : {}),
    ...(l.density !== undefined ? { density: l.density } : {}),
  };
}

/**
 * The mean and its limit (Qn − λ·s, or Qn) as the lot's mean note writes them (prepackages.ts meanNote: to
 * 0.01 g or mL, 0.00001 kg or L, with the decimals that tell the two apart), and s with them; null before the
 * mean sample is complete.
 */
function meanFigures(notes: readonly LotNote[]): { mean: number; limit: number; s?: number } | null {
  for (const n of notes) {
    if (n.key === 'meanBelowLimit' || n.key === 'meanMeetsLimit') return { mean: n.values.mean, limit: n.values.limit, s: n.values.s };
    if (n.key === 'meanBelowNominal' || n.key === 'meanMeetsNominal') return { mean: n.values.mean, limit: n.values.Qn };
  }
  return null;
}

/** A statistic without binary noise (500.7199999999999 → 500.72). */
function cleaned(x: number | null): number | null {
  return x === null ? null : clean(x);
}

function measurementOf(p: StoredPackage): PackageMeasurement {
  return p.kind === 'net' ? { net: p.value } : { gross: p.value };
}

/** A package's content as a resend is compared (src/pipeline/resends.ts): net or gross, and the value in the measured unit. */
function contentOf(p: NewPackage | StoredPackage): { kind: 'net' | 'gross'; value: number } {
  if ('kind' in p) return { kind: p.kind, value: p.value };
  return 'net' in p ? { kind: 'net', value: p.net } : { kind: 'gross', value: p.gross };
}

/** What of the items cannot be a package of the lot at all: a gross weighing without average tare, a net or gross beyond 10 × Qn (+ tare). */
function itemProblems(l: StoredLot, items: readonly NewPackage[]): FieldError[] {
  const problems: FieldError[] = [];
  const limits = packageLimits(declarationOf(l));
  for (const [i, p] of items.entries()) {
    const { kind, value } = contentOf(p);
    const path = `items.${i}.${kind}`;
    if (!(Number.isFinite(value) && value >= 0)) {
      problems.push({ path, message: `${path} must be a finite number ≥ 0; received ${value}` });
      continue;
    }
    // as a device's package is answered (src/ingest/packages.ts)
    if (kind === 'gross' && l.averageTare === undefined)
      problems.push({
        path,
        message: `${path} needs the lot's average tare (R87 Annex B), and lot ${l.id} was declared without averageTare: send net, or declare the lot with its average tare; received ${value}`,
      });
    const beyond = limits && packageLimitProblem(limits, kind, value);
    if (beyond) problems.push({ path, message: `${path} ${beyond}; received ${value}` });
  }
  return problems;
}

/**
 * Which items are new packages of the lot, in order, given the packages it holds (`stored`). An item at a filled
 * position, or with a client id the lot or an earlier item has, is a resend: skipped when it repeats that package
 * (net or gross, and the value), refused when it says otherwise (as a device's resend is, src/pipeline/resends.ts).
 * A position past the next leaves a gap; a new package past the lot's size is refused.
 */
function placeItems(l: StoredLot, stored: readonly StoredPackage[], items: readonly NewPackage[]): { fresh: NewPackage[]; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const fresh: NewPackage[] = [];
  const content = (c: { kind: 'net' | 'gross'; value: number }): PackageContent => ({ lot: l.id, ...c });
  // by position (index + 1), the lot's packages then the request's new ones; by client id, where each came from
  const at = stored.map((p) => content(contentOf(p)));
  const byId = new Map<string, { content: PackageContent; where: string }>();
  for (const p of stored)
    if (p.clientId !== undefined) byId.set(p.clientId, { content: at[p.position - 1]!, where: `before, as package ${p.position} of the lot,` });
  const resent = (i: number, field: string, first: PackageContent, again: PackageContent, what: string) => {
    const differences = packageDifferences(first, again);
    if (differences.length > 0)
      problems.push({
        path: `items.${i}.${field}`,
        message: `items.${i}.${field} ${what} with other content (${differences.join(', ')}): a resend must repeat the package as sent`,
      });
  };
  let beyond: number | undefined;
  let over = 0;
  for (const [i, p] of items.entries()) {
    const mine = content(contentOf(p));
    const next = at.length + 1;
    const known = p.id === undefined ? undefined : byId.get(p.id);
    if (p.position !== undefined && p.position < next) resent(i, 'position', at[p.position - 1]!, mine, `${p.position} holds a package`);
    else if (p.position !== undefined && p.position > next)
      problems.push({
        path: `items.${i}.position`,
        message: `items.${i}.position would leave a gap: the lot has ${next - 1} packages so far, so the next is ${next}; received ${p.position}`,
      });
    else if (known) resent(i, 'id', known.content, mine, `${JSON.stringify(p.id)} was received ${known.where}`);
    else if (next > l.lotSize) {
      beyond ??= i;
      over++;
    } else {
      at.push(mine);
      fresh.push(p);
      if (p.id !== undefined) byId.set(p.id, { content: mine, where: `in items.${i}` });
    }
  }
  if (beyond !== undefined) {
    const room = l.lotSize - stored.length;
    const held =
      room > 0
        ? `it has ${stored.length} so far and takes ${room} more, and this request brings ${fresh.length + over} new ones`
        : `it has ${stored.length} already`;
    problems.push({
      path: `items.${beyond}`,
      message: `items.${beyond} would be package ${Math.max(stored.length, l.lotSize) + 1} of lot ${l.id}, declared with lotSize ${l.lotSize}, and a lot takes no more packages than that: ${held}; none was added`,
    });
  }
  return { fresh, problems };
}
