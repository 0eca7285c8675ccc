// The drift statistics of each (device, series), as the incremental state metrology/drift.ts keeps.
import type { Db } from './db.ts';
import { query, type Arg, type Statements } from './sql.ts';
import { migrateDriftState, type DriftState } from '../metrology/drift.ts';

const Q = {
  all: query('drift.all', (db) => db.selectFrom('drift').select(['device', 'series', 'state'])),
  upsert: query('drift.upsert', (db, arg: Arg<{ device: string; series: string; state: string; updatedAt: string }>) =>
    db
      .insertInto('drift')
      .values({ device: arg('device'), series: arg('series'), state: arg('state'), updated_at: arg('updatedAt') })
      .onConflict((oc) =>
        oc.columns(['device', 'series']).doUpdateSet((eb) => ({ state: eb.ref('excluded.state'), updated_at: eb.ref('excluded.updated_at') })),
      ),
  ),
  delete: query('drift.delete', (db, arg: Arg<{ device: string; series: string }>) =>
    db.deleteFrom('drift').where('device', '=', arg('device')).where('series', '=', arg('series')),
  ),
};

export class DriftStore {
  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
  }

  /** Every stored state, in the current format (a state of an older format starts a new baseline). */
  all(): { device: string; series: string; state: DriftState }[] {
    return this.sql.all.all().map((r) => ({ device: r.device, series: r.series, state: migrateDriftState(JSON.parse(r.state)) }));
  }

  save(device: string, series: string, state: DriftState, updatedAt: string): void {
    this.sql.upsert.run({ device, series, state: JSON.stringify(state), updatedAt });
  }

  delete(device: string, series: string): void {
    this.sql.delete.run({ device, series });
  }
}
