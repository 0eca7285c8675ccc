// Lots of prepackages and their measured packages. A lot's packages keep the order they arrived
// in (position 1, 2, …): the plans take the first ones as the sample. A package from an instrument
// is stored once per (device, seq, ts) (a resend; a restarted seq at a later time is a new package),
// one entered through the API once per (lot, client id).
import type { Selectable } from 'kysely';
//
// Runs on SQLite (answers at once, as before) or PostgreSQL (Promises): executor.ts. Appends read
// the lot's count before they write: they run inside `serially`, on the store `on(tx)` gives.
import type { LotPackagesTable, LotsTable } from './schema.ts';
import { dynamicQuery, query, type Arg } from './sql.ts';
import { after, answer, type AnyStatements, type Answer, type Awaitable, type StateExecutor } from './executor.ts';

export type LotVerdict = 'pending' | 'pass' | 'fail';

/** A lot as declared (POST /api/v1/lots), with its verdict as last judged. */
export interface StoredLot {
  id: string;
  tenant: string;
  product: string;
  nominal: number;
  unit: string;
  lotSize: number;
  destructive: boolean;
  plan?: string;
  measuredUnit?: string;
  averageTare?: number;
  density?: number;
  scale?: string;
  verdict: LotVerdict;
  judgedAt?: string;
  createdAt: string;
  createdBy?: string;
}

export interface StoredPackage {
  position: number;
  kind: 'net' | 'gross';
  /** In the lot's measured unit. */
  value: number;
  device?: string;
  seq?: number;
  clientId?: string;
  /** epoch ms it was measured. */
  ts: number;
  receivedAt: string;
}

export interface LotFilter {
  tenant?: string;
  /** Only these tenants (a token's visible ones); absent: all. */
  tenants?: ReadonlySet<string>;
  verdict?: LotVerdict;
  /** Judged (verdict pass or fail last set) at or after this ISO instant. */
  judgedFrom?: string;
  /** Judged before this ISO instant. */
  judgedTo?: string;
  limit?: number;
}

/** Lots an enterprise had judged in a period, and how many of them passed. */
export interface LotTallyRow {
  tenant: string;
  lots: number;
  passed: number;
}

type LotRow = Selectable<LotsTable>;
type PackageRow = Selectable<LotPackagesTable>;

function lotFromRow(r: LotRow): StoredLot {
  return {
    id: r.id,
    tenant: r.tenant,
    product: r.product,
    nominal: r.nominal,
    unit: r.unit,
    lotSize: r.lot_size,
    destructive: r.destructive === 1,
    ...(r.plan !== null ? { plan: r.plan } : {}),
    ...(r.measured_unit !== null ? { measuredUnit: r.measured_unit } : {}),
    ...(r.average_tare !== null ? { averageTare: r.average_tare } : {}),
    ...(r.density !== null ? { density: r.density } : {}),
    ...(r.scale !== null ? { scale: r.scale } : {}),
    verdict: r.verdict as LotVerdict,
    ...(r.judged_at !== null ? { judgedAt: r.judged_at } : {}),
    createdAt: r.created_at,
    ...(r.created_by !== null ? { createdBy: r.created_by } : {}),
  };
}

function packageFromRow(r: PackageRow): StoredPackage {
  return {
    position: r.position,
    kind: r.kind,
    value: r.value,
    ...(r.device !== null ? { device: r.device } : {}),
    ...(r.seq !== null ? { seq: Number(r.seq) } : {}),
    ...(r.client_id !== null ? { clientId: r.client_id } : {}),
    ts: Number(r.ts),
    receivedAt: r.received_at,
  };
}

const Q = {
  insert: query('lots.insert', (db, arg: Arg<LotRow>) =>
    db.insertInto('lots').values({
      id: arg('id'),
      tenant: arg('tenant'),
      product: arg('product'),
      nominal: arg('nominal'),
      unit: arg('unit'),
      lot_size: arg('lot_size'),
      destructive: arg('destructive'),
      plan: arg('plan'),
      measured_unit: arg('measured_unit'),
      average_tare: arg('average_tare'),
      density: arg('density'),
      scale: arg('scale'),
      verdict: arg('verdict'),
      judged_at: arg('judged_at'),
      created_at: arg('created_at'),
      created_by: arg('created_by'),
    }),
  ),
  all: query('lots.all', (db) => db.selectFrom('lots').selectAll()),
  byId: query('lots.by-id', (db, arg: Arg<{ id: string }>) => db.selectFrom('lots').selectAll().where('id', '=', arg('id'))),
  list: dynamicQuery('lots.list', (db, f: LotFilter) => {
    let q = db.selectFrom('lots').selectAll();
    if (f.tenant) q = q.where('tenant', '=', f.tenant);
    if (f.tenants) q = q.where('tenant', 'in', [...f.tenants]);
    if (f.verdict) q = q.where('verdict', '=', f.verdict);
    if (f.judgedFrom || f.judgedTo) q = q.where('verdict', 'in', ['pass', 'fail']);
    if (f.judgedFrom) q = q.where('judged_at', '>=', f.judgedFrom);
    if (f.judgedTo) q = q.where('judged_at', '<', f.judgedTo);
    return q
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(f.limit ?? 500);
  }),
  tallies: dynamicQuery('lots.tallies', (db, a: { tenants: readonly string[]; from: string; to: string }) =>
    db
      .selectFrom('lots')
      .select((eb) => ['tenant', eb.fn.countAll().as('lots'), eb.fn.sum(eb.case().when('verdict', '=', 'pass').then(1).else(0).end()).as('passed')])
      .where('tenant', 'in', [...a.tenants])
      .where('verdict', 'in', ['pass', 'fail'])
      .where('judged_at', '>=', a.from)
      .where('judged_at', '<', a.to)
      .groupBy('tenant'),
  ),
  setVerdict: query('lots.set-verdict', (db, arg: Arg<{ id: string; verdict: string; judgedAt: string | null }>) =>
    db
      .updateTable('lots')
      .set({ verdict: arg('verdict'), judged_at: arg('judgedAt') })
      .where('id', '=', arg('id')),
  ),
  packages: query('lot-packages.of-lot', (db, arg: Arg<{ lot: string }>) =>
    db.selectFrom('lot_packages').selectAll().where('lot', '=', arg('lot')).orderBy('position'),
  ),
  count: query('lot-packages.count', (db, arg: Arg<{ lot: string }>) =>
    db
      .selectFrom('lot_packages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('lot', '=', arg('lot')),
  ),
  insertPackage: query('lot-packages.insert', (db, arg: Arg<PackageRow>) =>
    db
      .insertInto('lot_packages')
      .values({
        lot: arg('lot'),
        position: arg('position'),
        kind: arg('kind'),
        value: arg('value'),
        device: arg('device'),
        seq: arg('seq'),
        client_id: arg('client_id'),
        ts: arg('ts'),
        received_at: arg('received_at'),
      })
      .onConflict((oc) => oc.doNothing()),
  ),
  deviceMessage: query('lot-packages.device-message', (db, arg: Arg<{ device: string; seq: number; ts: number }>) =>
    db.selectFrom('lot_packages').select('lot').where('device', '=', arg('device')).where('seq', '=', arg('seq')).where('ts', '=', arg('ts')),
  ),
  sentPackage: query('lot-packages.sent', (db, arg: Arg<{ device: string; seq: number; ts: number }>) =>
    db
      .selectFrom('lot_packages')
      .select(['lot', 'kind', 'value'])
      .where('device', '=', arg('device'))
      .where('seq', '=', arg('seq'))
      .where('ts', '=', arg('ts')),
  ),
};

/** What lots' declarations are announced under (executor.ts `announce` / `watch`): nodes cache them for the message path. */
export const LOTS_TOPIC = 'lots';

export class LotStore<S extends StateExecutor = StateExecutor> {
  private readonly sql: AnyStatements<typeof Q>;

  constructor(
    readonly db: S,
    sql?: AnyStatements<typeof Q>,
  ) {
    this.sql = sql ?? db.statements(Q);
  }

  /** This store inside the transaction `tx` (`serially`); itself on SQLite, where `tx` is the database. */
  on(tx: StateExecutor): LotStore<StateExecutor> {
    return (tx as unknown) === this.db ? (this as LotStore<StateExecutor>) : new LotStore(tx);
  }

  /** Stores a new lot, pending, announced to the other nodes. The caller checks the id is free (the primary key refuses a second). */
  insert(l: Omit<StoredLot, 'verdict' | 'judgedAt'>): Answer<S, StoredLot> {
    const row = {
      id: l.id,
      tenant: l.tenant,
      product: l.product,
      nominal: l.nominal,
      unit: l.unit,
      lot_size: l.lotSize,
      destructive: l.destructive ? 1 : 0,
      plan: l.plan ?? null,
      measured_unit: l.measuredUnit ?? null,
      average_tare: l.averageTare ?? null,
      density: l.density ?? null,
      scale: l.scale ?? null,
      verdict: 'pending',
      judged_at: null,
      created_at: l.createdAt,
      created_by: l.createdBy ?? null,
    };
    return answer(this.db, () =>
      after(
        this.db.atomically(() => [this.sql.insert.run(row), this.db.announce(LOTS_TOPIC)] as const),
        (): StoredLot => ({ ...l, verdict: 'pending' }),
      ),
    );
  }

  get(id: string): Answer<S, StoredLot | undefined> {
    return answer(this.db, () => after(this.sql.byId.get({ id }), (r) => r && lotFromRow(r)));
  }

  /** Every lot (a node's cache of declarations on PostgreSQL). */
  all(): Answer<S, StoredLot[]> {
    return answer(this.db, () => after(this.sql.all.all(), (rows) => rows.map(lotFromRow)));
  }

  /** Newest first. */
  list(f: LotFilter): Answer<S, StoredLot[]> {
    return answer(this.db, () => (f.tenants?.size === 0 ? [] : after(this.sql.list.all(f), (rows) => rows.map(lotFromRow))));
  }

  /** Per tenant: lots judged (pass or fail) with from ≤ judged_at < to (ISO instants), and how many passed. */
  tallies(tenants: readonly string[], from: string, to: string): Answer<S, LotTallyRow[]> {
    return answer(this.db, () =>
      tenants.length === 0
        ? []
        : after(this.sql.tallies.all({ tenants, from, to }), (rows) =>
            rows.map((r) => ({ tenant: r.tenant, lots: Number(r.lots), passed: Number(r.passed ?? 0) })),
          ),
    );
  }

  setVerdict(id: string, verdict: LotVerdict, judgedAt: string | undefined): Answer<S, void> {
    return answer(this.db, () => after(this.sql.setVerdict.run({ id, verdict, judgedAt: judgedAt ?? null }), () => undefined));
  }

  /** The lot's packages in the order they arrived. */
  packagesOf(lot: string): Answer<S, StoredPackage[]> {
    return answer(this.db, () => after(this.sql.packages.all({ lot }), (rows) => rows.map(packageFromRow)));
  }

  count(lot: string): Answer<S, number> {
    return answer(this.db, () => after(this.sql.count.get({ lot }), (r) => Number(r?.n ?? 0)));
  }

  /**
   * Appends a package at the next position; false when it is stored already: the same (device,
   * seq, ts), or the same client id in this lot. Run inside `serially` (on `on(tx)`) with the other
   * appends of the same message, after `lockLot`, so positions stay consecutive.
   */
  append(lot: string, p: Omit<StoredPackage, 'position'>): Awaitable<boolean> {
    const stored = p.device !== undefined && p.seq !== undefined ? this.sql.deviceMessage.get({ device: p.device, seq: p.seq, ts: p.ts }) : undefined;
    return after(stored, (found) =>
      found
        ? false
        : after(this.sql.count.get({ lot }), (c) =>
            after(
              this.sql.insertPackage.run({
                lot,
                position: Number(c?.n ?? 0) + 1,
                kind: p.kind,
                value: p.value,
                device: p.device ?? null,
                seq: p.seq ?? null,
                client_id: p.clientId ?? null,
                ts: p.ts,
                received_at: p.receivedAt,
              }),
              (n) => n > 0,
            ),
          ),
    );
  }

  /**
   * The package a device sent with `seq` at `ts` as stored (index lot_packages_device_seq_ts): what the
   * same message sent again is compared with before it is journaled.
   */
  sentPackage(device: string, seq: number, ts: number): Answer<S, { lot: string; kind: 'net' | 'gross'; value: number } | undefined> {
    return answer(this.db, () => after(this.sql.sentPackage.get({ device, seq, ts }), (r) => r && { lot: r.lot, kind: r.kind, value: r.value }));
  }

  /** Inside `serially`: waits until no other node appends to the lot (PostgreSQL; nothing on SQLite). */
  lockLot(tx: StateExecutor, lot: string): Awaitable<void> {
    return tx.lock(`lot-packages:${lot}`);
  }
}
