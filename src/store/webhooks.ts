// Webhook subscriptions and their durable delivery queue (the notifier sends, this keeps), on
// SQLite or PostgreSQL (executor.ts). A cluster's nodes share the queue: a node claims the due
// deliveries it sends (`claimDue`), so that each is sent by one node; a claim lapses after a
// while, so that a node that died with deliveries in hand does not keep them from the others.
import { sql } from 'kysely';
import { query, type Arg } from './sql.ts';
import { after, answer, type AnyStatements, type Answer, type Awaitable, type StateExecutor } from './executor.ts';

export interface Webhook {
  id: string;
  tenant: string | null;
  url: string;
  events: string[];
  createdAt: string;
}

export interface WebhookDelivery {
  id: number;
  webhook: string;
  event: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  /** When the next attempt is due; null when none will be made (delivered, dead). */
  nextAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** A delivery due to be sent. */
export interface DueDelivery {
  id: number;
  webhook: string;
  body: string;
  attempts: number;
}

/** What other processes are told when the webhooks change (executor.ts `announce` / `watch`): they reload their copy. */
export const WEBHOOKS_TOPIC = 'webhooks';

/** Deliveries sent per round at most. */
const DUE_BATCH = 50;

const DELIVERY_COLUMNS = ['id', 'webhook', 'event', 'state', 'attempts', 'next_at', 'last_status', 'last_error', 'created_at', 'delivered_at'] as const;

function deliveryView(r: {
  id: number;
  webhook: string;
  event: string;
  state: WebhookDelivery['state'];
  attempts: number;
  next_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}): WebhookDelivery {
  return {
    id: r.id,
    webhook: r.webhook,
    event: r.event,
    state: r.state,
    attempts: r.attempts,
    // none is due once delivered or dead, whatever an older node of a cluster upgraded one at a time still writes
    nextAt: r.next_at === null || r.state !== 'pending' ? null : new Date(r.next_at).toISOString(),
    lastStatus: r.last_status ?? null,
    lastError: r.last_error ?? null,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at ?? null,
  };
}

const Q = {
  webhooks: query('webhooks.all', (db) => db.selectFrom('webhooks').select(['id', 'tenant', 'url', 'events', 'secret', 'created_at'])),
  insertWebhook: query(
    'webhooks.insert',
    (db, arg: Arg<{ id: string; tenant: string | null; url: string; events: string; secret: string; createdAt: string; createdBy: string }>) =>
      db.insertInto('webhooks').values({
        id: arg('id'),
        tenant: arg('tenant'),
        url: arg('url'),
        events: arg('events'),
        secret: arg('secret'),
        created_at: arg('createdAt'),
        created_by: arg('createdBy'),
      }),
  ),
  deleteWebhook: query('webhooks.delete', (db, arg: Arg<{ id: string }>) => db.deleteFrom('webhooks').where('id', '=', arg('id'))),
  abandonPending: query('webhook-deliveries.abandon-pending', (db, arg: Arg<{ webhook: string; reason: string }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({ state: 'dead', next_at: null, last_error: arg('reason') })
      .where('webhook', '=', arg('webhook'))
      .where('state', '=', 'pending'),
  ),
  deliveries: query('webhook-deliveries.of-webhook', (db, arg: Arg<{ webhook: string; limit: number }>) =>
    db.selectFrom('webhook_deliveries').select(DELIVERY_COLUMNS).where('webhook', '=', arg('webhook')).orderBy('id', 'desc').limit(arg('limit')),
  ),
  delivery: query('webhook-deliveries.one', (db, arg: Arg<{ webhook: string; id: number }>) =>
    db.selectFrom('webhook_deliveries').select(DELIVERY_COLUMNS).where('id', '=', arg('id')).where('webhook', '=', arg('webhook')),
  ),
  // Sent again from the first attempt, due now, its body as it was (the receiver's delivery id and
  // event id unchanged): only a dead one, decided by the database (two requests at once, or a
  // request and a node's outcome, do not both win). Its last status and error stay until its next attempt.
  redeliver: query('webhook-deliveries.redeliver', (db, arg: Arg<{ webhook: string; id: number; nextAt: number }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({ state: 'pending', attempts: 0, next_at: arg('nextAt'), claimed_by: null, claimed_until: null })
      .where('id', '=', arg('id'))
      .where('webhook', '=', arg('webhook'))
      .where('state', '=', 'dead'),
  ),
  redeliverDead: query('webhook-deliveries.redeliver-dead', (db, arg: Arg<{ webhook: string; nextAt: number }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({ state: 'pending', attempts: 0, next_at: arg('nextAt'), claimed_by: null, claimed_until: null })
      .where('webhook', '=', arg('webhook'))
      .where('state', '=', 'dead')
      .returning('id'),
  ),
  enqueue: query('webhook-deliveries.enqueue', (db, arg: Arg<{ webhook: string; event: string; body: string; nextAt: number; createdAt: string }>) =>
    db.insertInto('webhook_deliveries').values({
      webhook: arg('webhook'),
      event: arg('event'),
      body: arg('body'),
      state: 'pending',
      attempts: 0,
      next_at: arg('nextAt'),
      created_at: arg('createdAt'),
    }),
  ),
  due: query('webhook-deliveries.due', (db, arg: Arg<{ now: number }>) =>
    db
      .selectFrom('webhook_deliveries')
      .select(['id', 'webhook', 'body', 'attempts'])
      .where('state', '=', 'pending')
      .where('next_at', '<=', arg('now'))
      .orderBy('id')
      .limit(DUE_BATCH),
  ),
  // The outcomes below are written only by the process holding the claim (`by`; '' matches an
  // unclaimed row, SQLite's always): a node that stalled past its claim, while another node
  // claimed and sent the delivery, does not overwrite that node's outcome with its own.
  abandon: query('webhook-deliveries.abandon', (db, arg: Arg<{ id: number; reason: string; by: string }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({ state: 'dead', next_at: null, last_error: arg('reason'), claimed_by: null, claimed_until: null })
      .where('id', '=', arg('id'))
      .where((eb) => eb(eb.fn.coalesce('claimed_by', eb.val('')), '=', arg('by'))),
  ),
  delivered: query('webhook-deliveries.delivered', (db, arg: Arg<{ id: number; status: number; at: string; by: string }>) =>
    db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        state: 'delivered',
        attempts: eb('attempts', '+', 1),
        next_at: null,
        last_status: arg('status'),
        last_error: null,
        delivered_at: arg('at'),
        claimed_by: null,
        claimed_until: null,
      }))
      .where('id', '=', arg('id'))
      .where((eb) => eb(eb.fn.coalesce('claimed_by', eb.val('')), '=', arg('by'))),
  ),
  failed: query('webhook-deliveries.failed', (db, arg: Arg<{ id: number; attempts: number; status: number | null; error: string | null; by: string }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({
        state: 'dead',
        attempts: arg('attempts'),
        next_at: null,
        last_status: arg('status'),
        last_error: arg('error'),
        claimed_by: null,
        claimed_until: null,
      })
      .where('id', '=', arg('id'))
      .where((eb) => eb(eb.fn.coalesce('claimed_by', eb.val('')), '=', arg('by'))),
  ),
  retry: query(
    'webhook-deliveries.retry',
    (db, arg: Arg<{ id: number; attempts: number; nextAt: number; status: number | null; error: string | null; by: string }>) =>
      db
        .updateTable('webhook_deliveries')
        .set({ attempts: arg('attempts'), next_at: arg('nextAt'), last_status: arg('status'), last_error: arg('error'), claimed_by: null, claimed_until: null })
        .where('id', '=', arg('id'))
        .where((eb) => eb(eb.fn.coalesce('claimed_by', eb.val('')), '=', arg('by'))),
  ),
};

/**
 * PostgreSQL only (SQLite has no FOR UPDATE, and its one process has nobody to share with): the
 * due deliveries nobody holds, claimed for `by` for `leaseMs` in one statement. SKIP LOCKED lets
 * nodes claiming at the same moment take different rows instead of waiting on each other; a row
 * another node claimed meanwhile is re-checked against the WHERE at its new version and left out.
 * A claim is timed by PostgreSQL's clock, not the claiming node's: a node whose clock runs ahead
 * by more than the lease would otherwise take, and send again, deliveries another node holds.
 */
const DB_NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;
const CLAIMS = {
  claimDue: query('webhook-deliveries.claim-due', (db, arg: Arg<{ now: number; by: string; leaseMs: number }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({ claimed_by: arg('by'), claimed_until: sql<number>`${DB_NOW_MS} + ${arg('leaseMs')}` })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('state', '=', 'pending')
          .where('next_at', '<=', arg('now'))
          .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<=', DB_NOW_MS)]))
          .orderBy('id')
          .limit(DUE_BATCH)
          .forUpdate()
          .skipLocked(),
      )
      .returning(['id', 'webhook', 'body', 'attempts']),
  ),
};

/** Webhooks and deliveries on the state database `S` (SqliteState: answers at once; PostgresState: Promises). */
export class WebhookStore<S extends StateExecutor = StateExecutor> {
  private readonly sql: AnyStatements<typeof Q>;
  private readonly claims: AnyStatements<typeof CLAIMS> | undefined;

  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
    this.claims = db.dialect === 'postgres' ? db.statements(CLAIMS) : undefined;
  }

  private answer<T>(work: () => Awaitable<T>): Answer<S, T> {
    return answer(this.db, work);
  }

  /** Every webhook, with its signing secret. */
  all(): Answer<S, (Webhook & { secret: string })[]> {
    return this.answer(() =>
      after(this.sql.webhooks.all(), (rows) =>
        rows.map((r) => ({ id: r.id, tenant: r.tenant, url: r.url, events: JSON.parse(r.events) as string[], secret: r.secret, createdAt: r.created_at })),
      ),
    );
  }
  /** Adds a webhook, announced to the other processes (WEBHOOKS_TOPIC) in the same transaction. */
  add(w: { id: string; tenant: string | null; url: string; events: string[]; secret: string }, createdBy: string, createdAt: string): Answer<S, void> {
    return this.answer(() =>
      after(
        this.db.atomically(() => [
          this.sql.insertWebhook.run({ ...w, events: JSON.stringify(w.events), createdAt, createdBy }),
          this.db.announce(WEBHOOKS_TOPIC),
        ]),
        () => undefined,
      ),
    );
  }
  /** Deletes a webhook; its pending deliveries become dead letters. Announced like `add`. */
  delete(id: string): Answer<S, void> {
    return this.answer(() =>
      after(
        this.db.atomically(() => [
          this.sql.deleteWebhook.run({ id }),
          this.sql.abandonPending.run({ webhook: id, reason: 'webhook deleted' }),
          this.db.announce(WEBHOOKS_TOPIC),
        ]),
        () => undefined,
      ),
    );
  }

  deliveries(webhook: string, limit: number): Answer<S, WebhookDelivery[]> {
    return this.answer(() => after(this.sql.deliveries.all({ webhook, limit }), (rows) => rows.map(deliveryView)));
  }
  /** One delivery of `webhook`; undefined when it has none of that id. */
  delivery(webhook: string, id: number): Answer<S, WebhookDelivery | undefined> {
    return this.answer(() => after(this.sql.delivery.get({ webhook, id }), (r) => (r ? deliveryView(r) : undefined)));
  }
  /**
   * A dead delivery of `webhook` back in the queue, due at `nextAt` (epoch ms), its attempts from 0
   * and its body unchanged; false when it is not dead (pending, delivered, or none of that id).
   */
  redeliver(webhook: string, id: number, nextAt: number): Answer<S, boolean> {
    return this.answer(() => after(this.sql.redeliver.run({ webhook, id, nextAt }), (n) => n > 0));
  }
  /** Every dead delivery of `webhook` back in the queue as `redeliver` does; their ids, oldest first. */
  redeliverDead(webhook: string, nextAt: number): Answer<S, number[]> {
    return this.answer(() => after(this.sql.redeliverDead.all({ webhook, nextAt }), (rows) => rows.map((r) => Number(r.id)).sort((a, b) => a - b)));
  }
  enqueue(d: { webhook: string; event: string; body: string; nextAt: number; createdAt: string }): Answer<S, void> {
    return this.answer(() => after(this.sql.enqueue.run(d), () => undefined));
  }
  /**
   * Pending deliveries whose time has come (`now`, epoch ms), oldest first, at most 50, for `by`
   * to send. On PostgreSQL they are claimed for `by` for `leaseMs` by the database's clock: no
   * other process gets them meanwhile, and after it they are due again unless `by` wrote their
   * outcome. On SQLite the one process sends them all and nothing is claimed (`by` is '' there).
   */
  claimDue(now: number, by: string, leaseMs: number): Answer<S, DueDelivery[]> {
    return this.answer(() =>
      this.claims ? after(this.claims.claimDue.all({ now, by, leaseMs }), (rows) => rows.sort((a, b) => a.id - b.id)) : this.sql.due.all({ now }),
    );
  }
  /** A delivery that cannot be sent at all (its webhook is gone). `by`: who claimed it. */
  abandon(id: number, reason: string, by: string): Answer<S, void> {
    return this.answer(() => after(this.sql.abandon.run({ id, reason, by }), () => undefined));
  }
  /** Sent; false when `by` no longer held it (its claim lapsed and another process took it). */
  delivered(id: number, status: number, at: string, by: string): Answer<S, boolean> {
    return this.answer(() => after(this.sql.delivered.run({ id, status, at, by }), (n) => n > 0));
  }
  /** The last attempt failed: given up (`nextAt` undefined) or rescheduled; the claim is released either way. */
  failed(id: number, attempts: number, status: number | null, error: string | null, by: string, nextAt?: number): Answer<S, boolean> {
    return this.answer(() =>
      after(
        nextAt === undefined ? this.sql.failed.run({ id, attempts, status, error, by }) : this.sql.retry.run({ id, attempts, nextAt, status, error, by }),
        (n) => n > 0,
      ),
    );
  }
}
