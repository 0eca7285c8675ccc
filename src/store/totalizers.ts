// The totalizer reading at the end of each nozzle's latest transaction (fuel dispensers): the
// next transaction must start where it ended.
import { query, type Arg, type SqliteState } from './sql.ts';
import { after, answer, isPending, type AnyStatements, type Answer, type StateExecutor } from './executor.ts';

const Q = {
  // A transaction replayed out of order (a lower seq) does not move the totalizer back.
  upsert: query('totalizers.upsert', (db, arg: Arg<{ device: string; nozzle: string; seq: number; totalizerEnd: number }>) =>
    db
      .insertInto('nozzle_totalizers')
      .values({ device: arg('device'), nozzle: arg('nozzle'), seq: arg('seq'), totalizer_end: arg('totalizerEnd') })
      .onConflict((oc) =>
        oc
          .columns(['device', 'nozzle'])
          .doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq'), totalizer_end: eb.ref('excluded.totalizer_end') }))
          .where((eb) => eb('excluded.seq', '>=', eb.ref('nozzle_totalizers.seq'))),
      ),
  ),
  last: query('totalizers.last', (db, arg: Arg<{ device: string; nozzle: string }>) =>
    db.selectFrom('nozzle_totalizers').select(['seq', 'totalizer_end']).where('device', '=', arg('device')).where('nozzle', '=', arg('nozzle')),
  ),
  ofDevice: query('totalizers.of-device', (db, arg: Arg<{ device: string }>) =>
    db.selectFrom('nozzle_totalizers').select(['nozzle', 'seq', 'totalizer_end']).where('device', '=', arg('device')),
  ),
};

/** The nozzles' totalizers on the state database `S` (SqliteState: answers at once; PostgresState: Promises). */
export class TotalizerStore<S extends StateExecutor = SqliteState> {
  private readonly sql: AnyStatements<typeof Q>;

  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
  }

  /** Once per fuel transaction: no closure made on SQLite (the message path's speed). */
  record(device: string, nozzle: string, seq: number, totalizerEnd: number): Answer<S, void> {
    const r = this.sql.upsert.run({ device, nozzle, seq, totalizerEnd });
    return (isPending(r) ? r.then(noop) : undefined) as Answer<S, void>;
  }

  /** The nozzle's latest transaction stored: its seq and totalizerEnd. */
  last(device: string, nozzle: string): Answer<S, { seq: number; end: number } | undefined> {
    return answer(this.db, () => after(this.sql.last.get({ device, nozzle }), (r) => (r ? { seq: r.seq, end: r.totalizer_end } : undefined)));
  }

  /** The device's nozzles with their latest transaction's seq and totalizer (a node taking the device over loads them). */
  ofDevice(device: string): Answer<S, { nozzle: string; seq: number; totalizerEnd: number }[]> {
    return answer(this.db, () =>
      after(this.sql.ofDevice.all({ device }), (rows) => rows.map((r) => ({ nozzle: r.nozzle, seq: r.seq, totalizerEnd: r.totalizer_end }))),
    );
  }
}

function noop(): void {}
