// Over 400 lines: the record, items, checks, findings and amendments are one aggregate whose
// writes share transactions; its queries are the bulk of the file.
// On-site inspection records: the record, the instruments examined (items) with the checks made
// on them, findings and amendments. A closed record is never updated (the queries that change a
// record or add to it require state 'open'); findings live on until closed.
//
// Checks made during inspections get their own seq series per device, counting down from −1
// (−1, −2, …), allocated here: devices number their own checks from 0 upwards (docs/contract.md §2), so
// the two series share the checks table (keyed by device, seq and time) without colliding, and an
// inspection check is told from a device's by its sign.
//
// Runs on SQLite (answers at once, as before) or PostgreSQL (Promises): executor.ts. What reads
// before it writes (the next record number, the next check seq, the next finding number) runs in
// `serially` under a lock another node would take for the same number; the seals, read on every
// message, are cached and reloaded on another node's announcement ('seals').
import type { Selectable } from 'kysely';
import type { FindingsTable, InspectionAmendmentsTable, InspectionItemsTable, InspectionsTable } from './schema.ts';
import { dynamicQuery, query, type Arg } from './sql.ts';
import { after, answer, isPending, settleAll, type AnyStatements, type Answer, type Awaitable, type StateExecutor, type Watching } from './executor.ts';
import type { CheckResult } from '../metrology/types.ts';
import type { Alert } from '../alerts/alert-book.ts';
import { AlertStore } from './alerts.ts';
import { summariseInspections, type InspectionSummary } from '../inspections/summary.ts';
import { localDate } from '../oversight/period.ts';
import type {
  Amendment,
  Finding,
  FindingKind,
  FindingState,
  Inspection,
  InspectionItem,
  InspectionState,
  ItemFacts,
  ItemReason,
  ItemVerdict,
  Seal,
} from '../inspections/types.ts';

export interface InspectionFilter {
  /** Only these tenants (what a token may see); undefined: all. */
  tenants?: ReadonlySet<string>;
  tenant?: string;
  state?: InspectionState;
  /** started_at within [from, to] (ISO). */
  from?: string;
  to?: string;
  regions?: readonly string[];
  limit?: number;
}

export interface FindingFilter {
  tenants?: ReadonlySet<string>;
  tenant?: string;
  inspection?: string;
  /** Findings of any of these inspections. */
  inspections?: readonly string[];
  device?: string;
  state?: FindingState;
  kind?: FindingKind;
  limit?: number;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function inspectionFromRow(r: Selectable<InspectionsTable>): Inspection {
  const i: Inspection = {
    id: r.id,
    tenant: r.tenant,
    region: r.region,
    startedAt: r.started_at,
    inspectors: JSON.parse(r.inspectors),
    state: r.state,
    openedBy: r.opened_by,
    createdAt: r.created_at,
  };
  // what a record made before migration 0010 lacks stays absent: its hash is of what it held
  if (r.site !== null) i.site = r.site;
  if (r.site_address !== null) i.siteAddress = r.site_address;
  if (r.authority !== null) i.authority = r.authority;
  if (r.campaign !== null) i.campaign = r.campaign;
  if (r.representative_name !== null)
    i.representative = { name: r.representative_name, ...(r.representative_position !== null ? { position: r.representative_position } : {}) };
  if (r.legal_basis !== null) i.legalBasis = r.legal_basis;
  if (r.closed_at !== null) i.closedAt = r.closed_at;
  if (r.closed_by !== null) i.closedBy = r.closed_by;
  if (r.conclusion !== null) i.conclusion = r.conclusion;
  if (r.record_hash !== null) i.recordHash = r.record_hash;
  return i;
}

function findingFromRow(r: Selectable<FindingsTable>): Finding {
  const f: Finding = {
    id: r.id,
    inspection: r.inspection,
    tenant: r.tenant,
    kind: r.kind,
    description: r.description,
    state: r.state,
    openedAt: r.opened_at,
    openedBy: r.opened_by,
  };
  const extra: Partial<Finding> = {
    device: opt(r.device),
    action: opt(r.action),
    answer: opt(r.answer),
    answeredAt: opt(r.answered_at),
    answeredBy: opt(r.answered_by),
    closedAt: opt(r.closed_at),
    closedBy: opt(r.closed_by),
    closeReason: opt(r.close_reason),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) Object.assign(f, { [k]: v });
  return f;
}

function amendmentFromRow(r: Selectable<InspectionAmendmentsTable>): Amendment {
  return { id: Number(r.id), inspection: r.inspection, reason: r.reason, change: JSON.parse(r.change), amendedAt: r.amended_at, amendedBy: r.amended_by };
}

const Q = {
  lastIdOfYear: query('inspections.last-id-of-year', (db, arg: Arg<{ pattern: string }>) =>
    db.selectFrom('inspections').select('id').where('id', 'like', arg('pattern')).orderBy('id', 'desc').limit(1),
  ),
  insert: query('inspections.insert', (db, arg: Arg<Omit<Selectable<InspectionsTable>, 'closed_at' | 'closed_by' | 'conclusion' | 'record_hash'>>) =>
    db.insertInto('inspections').values({
      id: arg('id'),
      tenant: arg('tenant'),
      region: arg('region'),
      site: arg('site'),
      site_address: arg('site_address'),
      authority: arg('authority'),
      representative_name: arg('representative_name'),
      representative_position: arg('representative_position'),
      campaign: arg('campaign'),
      started_at: arg('started_at'),
      inspectors: arg('inspectors'),
      legal_basis: arg('legal_basis'),
      state: arg('state'),
      opened_by: arg('opened_by'),
      created_at: arg('created_at'),
    }),
  ),
  byId: query('inspections.by-id', (db, arg: Arg<{ id: string }>) => db.selectFrom('inspections').selectAll().where('id', '=', arg('id'))),
  list: dynamicQuery('inspections.list', (db, f: InspectionFilter) => {
    let q = db.selectFrom('inspections').selectAll();
    if (f.tenants) q = q.where('tenant', 'in', [...f.tenants, '']);
    if (f.tenant) q = q.where('tenant', '=', f.tenant);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.from) q = q.where('started_at', '>=', f.from);
    if (f.to) q = q.where('started_at', '<=', f.to);
    if (f.regions) q = q.where('region', 'in', [...f.regions, '']);
    return q
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit ?? 1000);
  }),
  close: query('inspections.close', (db, arg: Arg<{ id: string; closedAt: string; closedBy: string; conclusion: string | null; hash: string }>) =>
    db
      .updateTable('inspections')
      .set({ state: 'closed', closed_at: arg('closedAt'), closed_by: arg('closedBy'), conclusion: arg('conclusion'), record_hash: arg('hash') })
      .where('id', '=', arg('id'))
      .where('state', '=', 'open'),
  ),
  insertItem: query('inspection-items.insert', (db, arg: Arg<Omit<Selectable<InspectionItemsTable>, 'id'>>) =>
    db
      .insertInto('inspection_items')
      .values({
        inspection: arg('inspection'),
        device: arg('device'),
        facts: arg('facts'),
        verdict: arg('verdict'),
        reasons: arg('reasons'),
        recorded_at: arg('recorded_at'),
        recorded_by: arg('recorded_by'),
      })
      .returning('id'),
  ),
  items: query('inspection-items.of-inspection', (db, arg: Arg<{ inspection: string }>) =>
    db.selectFrom('inspection_items').selectAll().where('inspection', '=', arg('inspection')).orderBy('id'),
  ),
  itemsOf: dynamicQuery('inspection-items.of-inspections', (db, ids: readonly string[]) =>
    db
      .selectFrom('inspection_items')
      .selectAll()
      .where('inspection', 'in', [...ids, ''])
      .orderBy('id'),
  ),
  lowestSeq: query('inspection-checks.lowest-seq', (db, arg: Arg<{ device: string }>) =>
    db
      .selectFrom('inspection_checks')
      .select((eb) => eb.fn.min('seq').as('seq'))
      .where('device', '=', arg('device')),
  ),
  insertCheck: query('inspection-checks.insert', (db, arg: Arg<{ device: string; seq: number; inspection: string; item: number; result: string }>) =>
    db
      .insertInto('inspection_checks')
      .values({ device: arg('device'), seq: arg('seq'), inspection: arg('inspection'), item: arg('item'), result: arg('result') }),
  ),
  checks: query('inspection-checks.of-inspection', (db, arg: Arg<{ inspection: string }>) =>
    db.selectFrom('inspection_checks').select(['item', 'result']).where('inspection', '=', arg('inspection')).orderBy('item').orderBy('seq', 'desc'),
  ),
  checksOf: dynamicQuery('inspection-checks.of-inspections', (db, ids: readonly string[]) =>
    db
      .selectFrom('inspection_checks')
      .select(['item', 'result'])
      .where('inspection', 'in', [...ids, ''])
      .orderBy('item')
      .orderBy('seq', 'desc'),
  ),
  findingCount: query('findings.count-of-inspection', (db, arg: Arg<{ inspection: string }>) =>
    db
      .selectFrom('findings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('inspection', '=', arg('inspection')),
  ),
  insertFinding: query(
    'findings.insert',
    (
      db,
      arg: Arg<Pick<Selectable<FindingsTable>, 'id' | 'inspection' | 'tenant' | 'device' | 'kind' | 'description' | 'action' | 'opened_at' | 'opened_by'>>,
    ) =>
      db.insertInto('findings').values({
        id: arg('id'),
        inspection: arg('inspection'),
        tenant: arg('tenant'),
        device: arg('device'),
        kind: arg('kind'),
        description: arg('description'),
        action: arg('action'),
        state: 'open',
        opened_at: arg('opened_at'),
        opened_by: arg('opened_by'),
      }),
  ),
  finding: query('findings.by-id', (db, arg: Arg<{ id: string }>) => db.selectFrom('findings').selectAll().where('id', '=', arg('id'))),
  findings: dynamicQuery('findings.list', (db, f: FindingFilter) => {
    let q = db.selectFrom('findings').selectAll();
    if (f.tenants) q = q.where('tenant', 'in', [...f.tenants, '']);
    if (f.tenant) q = q.where('tenant', '=', f.tenant);
    if (f.inspection) q = q.where('inspection', '=', f.inspection);
    if (f.inspections) q = q.where('inspection', 'in', [...f.inspections, '']);
    if (f.device) q = q.where('device', '=', f.device);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.kind) q = q.where('kind', '=', f.kind);
    return q
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit ?? 1000);
  }),
  openSealOf: query('findings.open-seal-of', (db, arg: Arg<{ device: string }>) =>
    db.selectFrom('findings').select(['id']).where('kind', '=', 'sealed-off').where('state', '<>', 'closed').where('device', '=', arg('device')).limit(1),
  ),
  openSeals: query('findings.open-seals', (db) =>
    db
      .selectFrom('findings')
      .select(['id', 'inspection', 'device', 'opened_at'])
      .where('kind', '=', 'sealed-off')
      .where('state', '<>', 'closed')
      .where('device', 'is not', null),
  ),
  answer: query('findings.answer', (db, arg: Arg<{ id: string; answer: string; at: string; by: string }>) =>
    db
      .updateTable('findings')
      .set({ state: 'answered', answer: arg('answer'), answered_at: arg('at'), answered_by: arg('by') })
      .where('id', '=', arg('id'))
      .where('state', '<>', 'closed'),
  ),
  closeFinding: query('findings.close', (db, arg: Arg<{ id: string; reason: string; at: string; by: string }>) =>
    db
      .updateTable('findings')
      .set({ state: 'closed', close_reason: arg('reason'), closed_at: arg('at'), closed_by: arg('by') })
      .where('id', '=', arg('id'))
      .where('state', '<>', 'closed'),
  ),
  insertAmendment: query('inspection-amendments.insert', (db, arg: Arg<Omit<Selectable<InspectionAmendmentsTable>, 'id'>>) =>
    db
      .insertInto('inspection_amendments')
      .values({ inspection: arg('inspection'), reason: arg('reason'), change: arg('change'), amended_at: arg('amended_at'), amended_by: arg('amended_by') })
      .returning('id'),
  ),
  amendments: query('inspection-amendments.of-inspection', (db, arg: Arg<{ inspection: string }>) =>
    db.selectFrom('inspection_amendments').selectAll().where('inspection', '=', arg('inspection')).orderBy('id'),
  ),
};

export type NewInspection = Omit<Inspection, 'state' | 'createdAt' | 'closedAt' | 'closedBy' | 'conclusion' | 'recordHash' | 'id'> & {
  /**
   * The zone of the year in the record's number: the enterprise's (the API's zoneOf). Absent: UTC's
   * year of startedAt, which numbered a record started at 06:00 on 1 January 2026 in Vietnam BBKT-2025-….
   */
  yearZone?: string;
};

/** What a change of the seals is announced under (executor.ts `announce` / `watch`). */
export const SEALS_TOPIC = 'seals';

/** A `sealed-off` finding for an instrument that an open one seals off already (whichever node or record placed it). */
export class SealedOffAlready extends Error {
  constructor(
    readonly device: string,
    readonly finding: string,
  ) {
    super(`instrument ${device} is sealed off already (finding ${finding})`);
  }
}

/** `fn` of each item in turn, each after the previous one settled: synchronous on SQLite. */
function inOrder<T>(items: readonly T[], fn: (item: T) => Awaitable<void>): Awaitable<void> {
  let i = 0;
  const next = (): Awaitable<void> => {
    while (i < items.length) {
      const r = fn(items[i++]!);
      if (isPending(r)) return r.then(next);
    }
  };
  return next();
}

/** What the store and its views inside transactions (`serially`) share. */
interface Shared {
  /** Instruments sealed off, by device: read at every verification review (lockout), so kept in memory. */
  seals: Map<string, Seal>;
  loadedVersion: number;
  /** Seals this process placed or lifted (after their commit): a reload read before one of them must not replace it. */
  localChanges: number;
}

export class InspectionStore<S extends StateExecutor = StateExecutor> {
  private readonly sql: AnyStatements<typeof Q>;
  private readonly shared: Shared;
  private readonly watching: Watching | undefined;
  /** The alerts' own store on this database (or transaction), made when first asked: it owns their rows. */
  private alertRows: AlertStore<StateExecutor> | undefined;
  /** Settles when the seals are loaded (at once on SQLite). */
  readonly loaded: Awaitable<void>;

  constructor(
    readonly db: S,
    inside?: { sql: AnyStatements<typeof Q>; shared: Shared },
  ) {
    this.sql = inside?.sql ?? db.statements(Q);
    this.shared = inside?.shared ?? { seals: new Map(), loadedVersion: -1, localChanges: 0 };
    if (inside) {
      this.loaded = undefined;
      return;
    }
    this.loaded = this.loadSeals();
    if (db.dialect === 'postgres')
      this.watching = db.watch(SEALS_TOPIC, () => {
        if (db.version(SEALS_TOPIC) !== this.shared.loadedVersion) void this.loadSeals();
      });
  }

  /** Stops following other nodes' seals (PostgreSQL). */
  stop(): void {
    this.watching?.stop();
  }

  private loadSeals(): Awaitable<void> {
    const version = this.db.version(SEALS_TOPIC);
    const changes = this.shared.localChanges;
    return after(this.sql.openSeals.all(), (rows) => {
      // a seal of this process committed while the rows were read may be missing from them: read again
      if (this.shared.localChanges !== changes) return this.loadSeals();
      const seals = new Map<string, Seal>();
      for (const r of rows) if (r.device) seals.set(r.device, { finding: r.id, inspection: r.inspection, since: r.opened_at });
      this.shared.seals = seals;
      this.shared.loadedVersion = version;
    });
  }

  /**
   * `fn` in one transaction on the store as seen inside it: it may read before it writes (the
   * service closes a record on what it read of it). SQLite: `fn` must not await (executor.ts).
   */
  serially<T>(fn: (store: InspectionStore<StateExecutor>) => Awaitable<T>): Answer<S, T> {
    return answer(this.db, () => this.db.serially((tx) => fn(this.on(tx))));
  }

  private on(tx: StateExecutor): InspectionStore<StateExecutor> {
    return (tx as unknown) === this.db
      ? (this as InspectionStore<StateExecutor>)
      : new InspectionStore<StateExecutor>(tx, { sql: tx.statements(Q), shared: this.shared });
  }

  /**
   * Opens a record numbered BBKT-<year of startedAt in yearZone>-<nnnn>, the next number of that year
   * (one node at a time takes it). Records numbered before keep their numbers.
   */
  open(opening: NewInspection, now: Date): Answer<S, Inspection> {
    const { yearZone, ...i } = opening;
    const year = yearZone === undefined ? i.startedAt.slice(0, 4) : String(localDate(yearZone, Date.parse(i.startedAt)).year);
    return this.serially((st) =>
      after(st.db.lock(`inspection-numbers:${year}`), () =>
        after(st.sql.lastIdOfYear.get({ pattern: `BBKT-${year}-%` }), (r) => {
          const last = r?.id;
          const n = last ? Number(last.slice(last.lastIndexOf('-') + 1)) + 1 : 1;
          const id = `BBKT-${year}-${String(n).padStart(4, '0')}`;
          const created: Inspection = { ...i, id, state: 'open', createdAt: now.toISOString() };
          const row = {
            id,
            tenant: i.tenant,
            region: i.region,
            site: i.site ?? null,
            site_address: i.siteAddress ?? null,
            authority: i.authority ?? null,
            representative_name: i.representative?.name ?? null,
            representative_position: i.representative?.position ?? null,
            campaign: i.campaign ?? null,
            started_at: i.startedAt,
            inspectors: JSON.stringify(i.inspectors),
            legal_basis: i.legalBasis ?? null,
            state: 'open' as const,
            opened_by: i.openedBy,
            created_at: created.createdAt,
          };
          return after(st.sql.insert.run(row), () => created);
        }),
      ),
    );
  }

  inspection(id: string): Answer<S, Inspection | undefined> {
    return answer(this.db, () => after(this.sql.byId.get({ id }), (r) => (r ? inspectionFromRow(r) : undefined)));
  }

  list(f: InspectionFilter = {}): Answer<S, Inspection[]> {
    return answer(this.db, () => after(this.sql.list.all(f), (rows) => rows.map(inspectionFromRow)));
  }

  /** The record with its items (and their checks), findings and amendments. */
  record(id: string): Answer<S, (Inspection & { items: InspectionItem[]; findings: Finding[]; amendments: Amendment[] }) | undefined> {
    return answer(this.db, () =>
      after(this.inspection(id) as Awaitable<Inspection | undefined>, (i) =>
        !i
          ? undefined
          : after(
              settleAll([
                this.items(id) as Awaitable<InspectionItem[]>,
                this.findings({ inspection: id }) as Awaitable<Finding[]>,
                this.sql.amendments.all({ inspection: id }),
              ] as const),
              ([items, findings, amendments]) => ({ ...i, items, findings: [...findings].reverse(), amendments: amendments.map(amendmentFromRow) }),
            ),
      ),
    );
  }

  /**
   * MAG's alerts on `device` unresolved at `at`: opened at or before it and not resolved by then
   * (unresolved still, or resolved since), read through the alerts' store. Inside `serially`, in
   * the transaction that records the instrument examined.
   */
  alertsUnresolvedAt(device: string, at: Date): Answer<S, Alert[]> {
    // ISO 8601 UTC as toISOString writes it compares as text: opened before `at` + 1 ms, resolved at or after it
    const after1ms = new Date(at.getTime() + 1).toISOString();
    this.alertRows ??= new AlertStore<StateExecutor>(this.db);
    const rows = this.alertRows;
    return answer(this.db, () =>
      after(
        settleAll([
          rows.list({ device, unresolved: true, openedTo: after1ms, limit: 1000 }) as Awaitable<Alert[]>,
          rows.list({ device, state: 'resolved', openedTo: after1ms, resolvedFrom: after1ms, limit: 1000 }) as Awaitable<Alert[]>,
        ] as const),
        ([unresolved, resolvedSince]) => [...unresolved, ...resolvedSince],
      ),
    );
  }

  /** Closes an open record; false when it was closed already. */
  close(id: string, at: Date, by: string, conclusion: string | undefined, hash: string): Answer<S, boolean> {
    return answer(this.db, () =>
      after(this.sql.close.run({ id, closedAt: at.toISOString(), closedBy: by, conclusion: conclusion ?? null, hash }), (n) => n > 0),
    );
  }

  /** Inside `serially`: throws SealedOffAlready when an open finding seals `device` off, as stored (the instrument locked first on PostgreSQL). */
  sealedOffAlready(device: string): Awaitable<void> {
    return after(this.db.lock(`seal:${device}`), () =>
      after(this.sql.openSealOf.get({ device }), (open) => {
        if (open) throw new SealedOffAlready(device, open.id);
      }),
    );
  }

  /** Inside `serially`: waits until no other node changes the record `id` (PostgreSQL; nothing on SQLite). */
  lockRecord(id: string): Awaitable<void> {
    return this.db.lock(`inspection:${id}`);
  }

  /**
   * Records an examined instrument and the checks made on it, numbering the checks in the
   * device's inspection series (−1, −2, …; see the top of this file). The checks are given
   * without seq; they come back with theirs. `alsoInTransaction` runs in the same transaction
   * with the numbered checks on SQLite (the service puts them into the device's check history
   * there); on PostgreSQL once the item is stored, on its own store's connection.
   */
  addItem(
    item: { inspection: string; device: string; facts: ItemFacts; verdict: ItemVerdict; reasons: ItemReason[]; recordedBy: string },
    checks: readonly Omit<CheckResult, 'seq'>[],
    at: Date,
    alsoInTransaction?: (numbered: CheckResult[]) => Awaitable<void>,
  ): Answer<S, InspectionItem> {
    const recordedAt = at.toISOString();
    return this.serially((st) =>
      after(settleAll([st.lockRecord(item.inspection), st.db.lock(`inspection-checks:${item.device}`)] as const), () =>
        after(
          st.sql.insertItem.get({
            inspection: item.inspection,
            device: item.device,
            facts: JSON.stringify(item.facts),
            verdict: item.verdict,
            reasons: JSON.stringify(item.reasons),
            recorded_at: recordedAt,
            recorded_by: item.recordedBy,
          }),
          (row) =>
            after(st.sql.lowestSeq.get({ device: item.device }), (lowest) => {
              const id = Number(row!.id);
              let seq = Math.min(0, Number(lowest?.seq ?? 0));
              const numbered: CheckResult[] = checks.map((c) => ({ ...c, seq: --seq }) as CheckResult);
              const stored = inOrder(numbered, (check) =>
                after(
                  st.sql.insertCheck.run({ device: item.device, seq: check.seq, inspection: item.inspection, item: id, result: JSON.stringify(check) }),
                  () => undefined,
                ),
              );
              return after(stored, () => after(alsoInTransaction?.(numbered), (): InspectionItem => ({ id, ...item, checks: numbered, recordedAt })));
            }),
        ),
      ),
    );
  }

  items(inspection: string): Answer<S, InspectionItem[]> {
    return answer(this.db, () =>
      after(settleAll([this.sql.items.all({ inspection }), this.sql.checks.all({ inspection })] as const), ([rows, checks]) => this.withChecks(rows, checks)),
    );
  }

  private withChecks(rows: Selectable<InspectionItemsTable>[], checks: { item: number; result: string }[]): InspectionItem[] {
    const byItem = new Map<number, CheckResult[]>();
    for (const c of checks) {
      const list = byItem.get(Number(c.item)) ?? [];
      list.push(JSON.parse(c.result) as CheckResult);
      byItem.set(Number(c.item), list);
    }
    return rows.map((r) => ({
      id: Number(r.id),
      inspection: r.inspection,
      device: r.device,
      facts: JSON.parse(r.facts) as ItemFacts,
      verdict: r.verdict,
      reasons: JSON.parse(r.reasons) as ItemReason[],
      checks: byItem.get(Number(r.id)) ?? [],
      recordedAt: r.recorded_at,
      recordedBy: r.recorded_by,
    }));
  }

  /** Opens a finding numbered <inspection>-F<n>; a sealed-off one seals its instrument until closed (announced to the other nodes). */
  addFinding(
    f: { inspection: string; tenant: string; device?: string; kind: FindingKind; description: string; action?: string; openedBy: string },
    at: Date,
  ): Answer<S, Finding> {
    const openedAt = at.toISOString();
    const seals = f.kind === 'sealed-off' && f.device !== undefined;
    const written = this.serially((st) =>
      after(st.lockRecord(f.inspection), () =>
        // One open seal per instrument, decided in the transaction under the instrument's lock: of two
        // records (or two nodes) sealing it at once, one succeeds.
        after(seals ? st.sealedOffAlready(f.device!) : undefined, () =>
          after(st.sql.findingCount.get({ inspection: f.inspection }), (c) => {
            const id = `${f.inspection}-F${Number(c?.n ?? 0) + 1}`;
            const row = {
              id,
              inspection: f.inspection,
              tenant: f.tenant,
              device: f.device ?? null,
              kind: f.kind,
              description: f.description,
              action: f.action ?? null,
              opened_at: openedAt,
              opened_by: f.openedBy,
            };
            return after(st.sql.insertFinding.run(row), () =>
              after(seals ? st.db.announce(SEALS_TOPIC) : undefined, () => after(st.finding(id), (found) => found!)),
            );
          }),
        ),
      ),
    );
    return answer(this.db, () =>
      after(written as Awaitable<Finding>, (found) => {
        if (seals) {
          this.shared.seals.set(f.device!, { finding: found.id, inspection: f.inspection, since: openedAt });
          this.shared.localChanges++;
        }
        return found;
      }),
    );
  }

  finding(id: string): Answer<S, Finding | undefined> {
    return answer(this.db, () => after(this.sql.finding.get({ id }), (r) => (r ? findingFromRow(r) : undefined)));
  }

  findings(f: FindingFilter = {}): Answer<S, Finding[]> {
    return answer(this.db, () => after(this.sql.findings.all(f), (rows) => rows.map(findingFromRow)));
  }

  /** The operator's answer; undefined when the finding is closed (or unknown). */
  answer(id: string, answer_: string, by: string, at: Date): Answer<S, Finding | undefined> {
    return answer(this.db, () => after(this.sql.answer.run({ id, answer: answer_, by, at: at.toISOString() }), (n) => (n > 0 ? this.finding(id) : undefined)));
  }

  /** Closes a finding (and lifts its seal, announced to the other nodes); undefined when it was closed already (or unknown). */
  closeFinding(id: string, reason: string, by: string, at: Date): Answer<S, Finding | undefined> {
    return answer(this.db, () =>
      after(this.sql.closeFinding.run({ id, reason, by, at: at.toISOString() }), (n) =>
        n === 0
          ? undefined
          : after(this.finding(id) as Awaitable<Finding | undefined>, (f) => {
              if (!f?.device || this.shared.seals.get(f.device)?.finding !== id) return f;
              this.shared.seals.delete(f.device);
              this.shared.localChanges++;
              return after(this.db.announce(SEALS_TOPIC), () => f);
            }),
      ),
    );
  }

  /** The open seal on an instrument, if any. */
  sealOf(device: string): Seal | undefined {
    return this.shared.seals.get(device);
  }

  amend(a: Omit<Amendment, 'id' | 'amendedAt'>, at: Date): Answer<S, Amendment> {
    const amendedAt = at.toISOString();
    const row = { inspection: a.inspection, reason: a.reason, change: JSON.stringify(a.change), amended_at: amendedAt, amended_by: a.amendedBy };
    return answer(this.db, () => after(this.sql.insertAmendment.get(row), (r) => ({ ...a, id: Number(r!.id), amendedAt })));
  }

  /**
   * The inspector's work in a period, for the periodic report: the inspections started in
   * [from, to] in `regions` (all when absent), their instruments, checks and findings.
   */
  inspectionSummary(from: Date | string, to: Date | string, regions?: readonly string[], tenants?: readonly string[]): Answer<S, InspectionSummary> {
    const period = { from: iso(from), to: iso(to), regions: regions ? [...regions] : null };
    return answer(this.db, () => {
      if (tenants?.length === 0) return summariseInspections(period, [], [], []);
      const listed = this.list({ from: period.from, to: period.to, regions, tenants: tenants && new Set(tenants), limit: 1_000_000 }) as Awaitable<
        Inspection[]
      >;
      return after(listed, (inspections) => {
        const ids = inspections.map((i) => i.id);
        if (!ids.length) return summariseInspections(period, inspections, [], []);
        return after(
          settleAll([
            this.sql.itemsOf.all(ids),
            this.sql.checksOf.all(ids),
            this.findings({ inspections: ids, limit: 1_000_000 }) as Awaitable<Finding[]>,
          ] as const),
          ([rows, checks, findings]) => summariseInspections(period, inspections, this.withChecks(rows, checks), findings),
        );
      });
    });
  }
}

const iso = (t: Date | string) => (typeof t === 'string' ? new Date(t).toISOString() : t.toISOString());
