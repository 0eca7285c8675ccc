// Checks against a reference, one row per (device, seq, ts): a replayed message (the same seq at
// the same time) is stored once; a seq used again at another time (a controller whose count
// restarted) is a new check.
import { dynamicQuery, query, type Arg, type QueryBuilder, type SqliteState } from './sql.ts';
import { after, answer, type AnyStatements, type Answer, type Awaitable, type StateExecutor } from './executor.ts';
import type { CheckResult } from '../metrology/types.ts';

export interface StoredCheck extends CheckResult {
  device: string;
  receivedAt: string;
}

/** Checks of one device in one period: how many, and how many failed (legal decision fail). */
export interface CheckCount {
  /** Index of the period: bounds[period] ≤ ts < bounds[period + 1]. */
  period: number;
  device: string;
  checks: number;
  failed: number;
}

/**
 * Out of tolerance: the guarded decision is fail or conditional fail, i.e. the legal decision is
 * fail (|error| > MPE). Matched in the stored JSON, which CheckStore.insert always writes with
 * JSON.stringify (no spaces): one LIKE per decision is dialect-neutral where a JSON path is not.
 */
const FAILED_PATTERNS = ['%"decision":"fail"%', '%"decision":"conditional-fail"%'] as const;

/** The checks of the tenants' devices with from ≤ ts < to (the join gives each check its tenant). */
function checksOfTenants(db: QueryBuilder, tenants: readonly string[], from: number, to: number) {
  return db
    .selectFrom('checks')
    .innerJoin('devices', 'devices.id', 'checks.device')
    .where('devices.tenant', 'in', [...tenants])
    .where('checks.ts', '>=', from)
    .where('checks.ts', '<', to);
}

const Q = {
  insert: query(
    'checks.insert',
    (db, arg: Arg<{ device: string; seq: number; series: string; ts: number; result: string; receivedAt: string; standardId?: string | null }>) =>
      db
        .insertInto('checks')
        .values({
          device: arg('device'),
          seq: arg('seq'),
          series: arg('series'),
          ts: arg('ts'),
          result: arg('result'),
          received_at: arg('receivedAt'),
          standard_id: arg('standardId'),
        })
        .onConflict((oc) => oc.columns(['device', 'seq', 'ts']).doNothing()),
  ),
  at: query('checks.at', (db, arg: Arg<{ device: string; ts: number }>) =>
    db.selectFrom('checks').select('result').where('device', '=', arg('device')).where('ts', '=', arg('ts')),
  ),
  identitiesOf: query('checks.identities-of', (db, arg: Arg<{ device: string; limit: number }>) =>
    db.selectFrom('checks').select(['seq', 'ts']).where('device', '=', arg('device')).orderBy('ts', 'desc').orderBy('seq', 'desc').limit(arg('limit')),
  ),
  range: query('checks.range', (db, arg: Arg<{ device: string; from: number; to: number; limit: number }>) =>
    db
      .selectFrom('checks')
      .select(['result', 'received_at'])
      .where('device', '=', arg('device'))
      .where('ts', '>=', arg('from'))
      .where('ts', '<=', arg('to'))
      .orderBy('ts', 'desc')
      .limit(arg('limit')),
  ),
  byStandard: query('checks.by-standard', (db, arg: Arg<{ standardId: string; from: number; to: number; limit: number }>) =>
    db
      .selectFrom('checks')
      .select(['device', 'result', 'received_at'])
      .where('standard_id', '=', arg('standardId'))
      .where('ts', '>=', arg('from'))
      .where('ts', '<=', arg('to'))
      .orderBy('ts')
      .limit(arg('limit')),
  ),
  countsByPeriod: dynamicQuery('checks.counts-by-period', (db, a: { bounds: readonly number[]; tenants: readonly string[] }) =>
    checksOfTenants(db, a.tenants, a.bounds[0], a.bounds[a.bounds.length - 1])
      .select((eb) => {
        // the period of each check from the ascending bounds, as parameters (no SQL date functions)
        let period = eb.case().when('checks.ts', '<', a.bounds[1]).then(0);
        for (let i = 1; i < a.bounds.length - 1; i++) period = period.when('checks.ts', '<', a.bounds[i + 1]).then(i);
        const failed = eb
          .case()
          .when(eb.or(FAILED_PATTERNS.map((p) => eb('checks.result', 'like', p))))
          .then(1)
          .else(0)
          .end();
        return [period.end().as('period'), 'checks.device as device', eb.fn.countAll().as('checks'), eb.fn.sum(failed).as('failed')];
      })
      .groupBy(['period', 'checks.device'])
      .orderBy('period')
      .orderBy('checks.device'),
  ),
  between: dynamicQuery('checks.between', (db, a: { tenants: readonly string[]; from: number; to: number; failed?: boolean; type?: string; limit: number }) => {
    let q = checksOfTenants(db, a.tenants, a.from, a.to).select(['checks.device as device', 'checks.result as result', 'checks.received_at as received_at']);
    if (a.type !== undefined) q = q.where('devices.type', '=', a.type);
    if (a.failed !== undefined) {
      q = q.where((eb) => {
        const failed = eb.or(FAILED_PATTERNS.map((p) => eb('checks.result', 'like', p)));
        return a.failed ? failed : eb.not(failed);
      });
    }
    return q.orderBy('checks.ts', 'desc').limit(a.limit);
  }),
};

/** What makes a device's check the same check again: its seq and its time (epoch ms). */
export function checkIdentity(seq: number, ts: number): string {
  return `${seq}@${ts}`;
}

/** The checks on the state database `S` (SqliteState: answers at once; PostgresState: Promises). */
export class CheckStore<S extends StateExecutor = SqliteState> {
  private readonly sql: AnyStatements<typeof Q>;

  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
  }

  private answer<T>(work: () => Awaitable<T>): Answer<S, T> {
    return answer(this.db, work);
  }

  /** Stores a check; false when the device's check with its `seq` and `ts` is stored already (a replay). */
  insert(device: string, series: string, c: CheckResult, receivedAt: string): Answer<S, boolean> {
    return this.answer(() =>
      after(
        this.sql.insert.run({ device, seq: c.seq, series, ts: c.ts, result: JSON.stringify(c), receivedAt, standardId: c.standardId ?? null }),
        (n) => n > 0,
      ),
    );
  }

  /**
   * The device's checks stored with the time `ts` (epoch ms; index checks_device_ts): what a check
   * sent at that time is compared with before it is journaled (a replay of one, or another check of
   * its series at the same time).
   */
  at(device: string, ts: number): Answer<S, CheckResult[]> {
    return this.answer(() => after(this.sql.at.all({ device, ts }), (rows) => rows.map((r) => JSON.parse(r.result) as CheckResult)));
  }

  /** `checkIdentity` of the device's `limit` newest checks stored, newest first (what a node taking the device over knows is judged already). */
  identitiesOf(device: string, limit: number): Answer<S, string[]> {
    return this.answer(() => after(this.sql.identitiesOf.all({ device, limit }), (rows) => rows.map((r) => checkIdentity(Number(r.seq), Number(r.ts)))));
  }

  /** A device's checks with `from` ≤ ts ≤ `to` (epoch ms), newest first. */
  of(device: string, from = 0, to = 8.64e15, limit = 1000): Answer<S, StoredCheck[]> {
    return this.answer(() =>
      after(this.sql.range.all({ device, from, to, limit }), (rows) =>
        rows.map((r) => ({ ...(JSON.parse(r.result) as CheckResult), device, receivedAt: r.received_at })),
      ),
    );
  }

  /** The checks made with a reference standard with `from` ≤ ts ≤ `to` (epoch ms), oldest first, of every device. */
  withStandard(standardId: string, from = 0, to = 8.64e15, limit = 100_000): Answer<S, StoredCheck[]> {
    return this.answer(() =>
      after(this.sql.byStandard.all({ standardId, from, to, limit }), (rows) =>
        rows.map((r) => ({ ...(JSON.parse(r.result) as CheckResult), device: r.device, receivedAt: r.received_at })),
      ),
    );
  }

  /**
   * Checks of the tenants' devices counted per device and period, the periods given by ascending
   * bounds (epoch ms; period i is bounds[i] ≤ ts < bounds[i + 1]). Devices without a check in a
   * period have no row for it.
   */
  countsByPeriod(bounds: readonly number[], tenants: readonly string[]): Answer<S, CheckCount[]> {
    return this.answer(() =>
      bounds.length < 2 || tenants.length === 0
        ? []
        : after(this.sql.countsByPeriod.all({ bounds, tenants }), (rows) =>
            rows.map((r) => ({ period: Number(r.period), device: r.device, checks: Number(r.checks), failed: Number(r.failed ?? 0) })),
          ),
    );
  }

  /**
   * The tenants' checks with from ≤ ts < to, newest first; `failed` keeps only failed (true) or
   * not failed (false) ones, `type` those of one instrument type.
   */
  between(tenants: readonly string[], from: number, to: number, opts: { failed?: boolean; type?: string; limit?: number } = {}): Answer<S, StoredCheck[]> {
    return this.answer(() =>
      tenants.length === 0
        ? []
        : after(this.sql.between.all({ tenants, from, to, failed: opts.failed, type: opts.type, limit: opts.limit ?? 1000 }), (rows) =>
            rows.map((r) => ({ ...(JSON.parse(r.result) as CheckResult), device: r.device, receivedAt: r.received_at })),
          ),
    );
  }
}
