// The totalizer reading at the end of each nozzle's latest transaction (fuel dispensers): the
// next transaction must start where it ended.
import type { Db } from './db.ts';
import { query, type Arg, type Statements } from './sql.ts';

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
    db.selectFrom('nozzle_totalizers').select('totalizer_end').where('device', '=', arg('device')).where('nozzle', '=', arg('nozzle')),
  ),
};

export class TotalizerStore {
  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
  }

  record(device: string, nozzle: string, seq: number, totalizerEnd: number): void {
    this.sql.upsert.run({ device, nozzle, seq, totalizerEnd });
  }

  last(device: string, nozzle: string): number | undefined {
    return this.sql.last.get({ device, nozzle })?.totalizer_end;
  }
}
