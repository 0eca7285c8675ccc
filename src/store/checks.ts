// Checks against a reference, one row per (device, seq): a replayed message is stored once.
import type { Db } from './db.ts';
import { query, type Arg, type Statements } from './sql.ts';
import type { CheckResult } from '../metrology/types.ts';

export interface StoredCheck extends CheckResult {
  device: string;
  receivedAt: string;
}

const Q = {
  insert: query('checks.insert', (db, arg: Arg<{ device: string; seq: number; series: string; ts: number; result: string; receivedAt: string; standardId?: string | null }>) =>
    db
      .insertInto('checks')
      .values({ device: arg('device'), seq: arg('seq'), series: arg('series'), ts: arg('ts'), result: arg('result'), received_at: arg('receivedAt'), standard_id: arg('standardId') })
      .onConflict((oc) => oc.columns(['device', 'seq']).doNothing()),
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
};

export class CheckStore {
  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
  }

  /** Stores a check; false when the device's `seq` is stored already (a replay). */
  insert(device: string, series: string, c: CheckResult, receivedAt: string): boolean {
    return this.sql.insert.run({ device, seq: c.seq, series, ts: c.ts, result: JSON.stringify(c), receivedAt, standardId: c.standardId ?? null }) > 0;
  }

  /** A device's checks with `from` ≤ ts ≤ `to` (epoch ms), newest first. */
  of(device: string, from = 0, to = 8.64e15, limit = 1000): StoredCheck[] {
    return this.sql.range.all({ device, from, to, limit }).map((r) => ({ ...(JSON.parse(r.result) as CheckResult), device, receivedAt: r.received_at }));
  }

  /** The checks made with a reference standard with `from` ≤ ts ≤ `to` (epoch ms), oldest first, of every device. */
  withStandard(standardId: string, from = 0, to = 8.64e15, limit = 100_000): StoredCheck[] {
    return this.sql.byStandard.all({ standardId, from, to, limit }).map((r) => ({ ...(JSON.parse(r.result) as CheckResult), device: r.device, receivedAt: r.received_at }));
  }
}
