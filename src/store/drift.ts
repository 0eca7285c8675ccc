// The drift statistics of each (device, series), as the incremental state metrology/drift.ts keeps.
import { query, type Arg, type SqliteState } from './sql.ts';
import { after, answer, isPending, type AnyStatements, type Answer, type Awaitable, type StateExecutor } from './executor.ts';
import { migrateDriftState, type DriftState } from '../metrology/drift.ts';

const Q = {
  all: query('drift.all', (db) => db.selectFrom('drift').select(['device', 'series', 'state'])),
  ofDevice: query('drift.of-device', (db, arg: Arg<{ device: string }>) =>
    db.selectFrom('drift').select(['device', 'series', 'state']).where('device', '=', arg('device')),
  ),
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

type StoredDrift = { device: string; series: string; state: DriftState };

function fromRows(rows: { device: string; series: string; state: string }[]): StoredDrift[] {
  return rows.map((r) => ({ device: r.device, series: r.series, state: migrateDriftState(JSON.parse(r.state)) }));
}

/** The drift states on the state database `S` (SqliteState: answers at once; PostgresState: Promises). */
export class DriftStore<S extends StateExecutor = SqliteState> {
  private readonly sql: AnyStatements<typeof Q>;

  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
  }

  /** Every stored state, in the current format (a state of an older format starts a new baseline). */
  all(): Answer<S, StoredDrift[]> {
    return answer(this.db, () => after(this.sql.all.all(), fromRows));
  }

  /** The device's stored states (a node taking the device over loads them). */
  ofDevice(device: string): Answer<S, StoredDrift[]> {
    return answer(this.db, () => after(this.sql.ofDevice.all({ device }), fromRows));
  }

  save(device: string, series: string, state: DriftState, updatedAt: string): Answer<S, void> {
    const r = this.sql.upsert.run({ device, series, state: JSON.stringify(state), updatedAt });
    return (isPending(r) ? r.then(noop) : undefined) as Answer<S, void>;
  }

  delete(device: string, series: string): Answer<S, void> {
    return answer(this.db, (): Awaitable<void> => after(this.sql.delete.run({ device, series }), () => {}));
  }
}

function noop(): void {}
