// Messages refused by ingest and why, per device (the evidence behind invalid-data alerts).
import { query, type Arg, type SqliteState } from './sql.ts';
import { after, answer, type AnyStatements, type Answer, type Awaitable, type StateExecutor } from './executor.ts';

export interface Rejected {
  id: number;
  device: string;
  topic: string;
  seq?: number;
  receivedAt: string;
  errors: { path: string; message: string }[];
}

const Q = {
  insert: query(
    'rejections.insert',
    (db, arg: Arg<{ device: string; tenant: string; topic: string; seq: number | null; receivedAt: string; errors: string; payload: string }>) =>
      db.insertInto('rejections').values({
        device: arg('device'),
        tenant: arg('tenant'),
        topic: arg('topic'),
        seq: arg('seq'),
        received_at: arg('receivedAt'),
        errors: arg('errors'),
        payload: arg('payload'),
      }),
  ),
  ofDevice: query('rejections.of-device', (db, arg: Arg<{ device: string; limit: number }>) =>
    db
      .selectFrom('rejections')
      .select(['id', 'device', 'topic', 'seq', 'received_at', 'errors'])
      .where('device', '=', arg('device'))
      .orderBy('id', 'desc')
      .limit(arg('limit')),
  ),
  // Everything of the device older than its `keep` newest (the index on device, id finds the cut).
  prune: query('rejections.prune', (db, arg: Arg<{ device: string; keep: number }>) =>
    db
      .deleteFrom('rejections')
      .where('device', '=', arg('device'))
      .where('id', '<=', (eb) =>
        eb.selectFrom('rejections').select('id').where('device', '=', arg('device')).orderBy('id', 'desc').limit(1).offset(arg('keep')),
      ),
  ),
};

/** The rejections on the state database `S` (SqliteState: answers at once; PostgresState: Promises). */
export class RejectionStore<S extends StateExecutor = SqliteState> {
  private readonly sql: AnyStatements<typeof Q>;

  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
  }

  /** `payload`: the message as received (the caller shortens it). */
  insert(r: {
    device: string;
    tenant: string;
    topic: string;
    seq: number | undefined;
    receivedAt: string;
    errors: Rejected['errors'];
    payload: string;
  }): Answer<S, void> {
    return answer(this.db, (): Awaitable<void> => after(this.sql.insert.run({ ...r, seq: r.seq ?? null, errors: JSON.stringify(r.errors) }), () => {}));
  }

  /** Deletes all but the device's `keep` newest rejections. */
  prune(device: string, keep: number): Answer<S, void> {
    return answer(this.db, (): Awaitable<void> => after(this.sql.prune.run({ device, keep }), () => {}));
  }

  /** A device's rejections, newest first. */
  of(device: string, limit = 100): Answer<S, Rejected[]> {
    return answer(this.db, () =>
      after(this.sql.ofDevice.all({ device, limit }), (rows) =>
        rows.map((r) => ({
          id: r.id,
          device: r.device,
          topic: r.topic,
          ...(r.seq !== null ? { seq: r.seq } : {}),
          receivedAt: r.received_at,
          errors: JSON.parse(r.errors) as Rejected['errors'],
        })),
      ),
    );
  }
}
