// Webhook subscriptions and their durable delivery queue (the notifier sends, this keeps).
import type { Db } from './db.ts';
import { query, type Arg, type Statements } from './sql.ts';

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
  nextAt: string;
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

/** Deliveries sent per round at most. */
const DUE_BATCH = 50;

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
      .set({ state: 'dead', last_error: arg('reason') })
      .where('webhook', '=', arg('webhook'))
      .where('state', '=', 'pending'),
  ),
  deliveries: query('webhook-deliveries.of-webhook', (db, arg: Arg<{ webhook: string; limit: number }>) =>
    db.selectFrom('webhook_deliveries').selectAll().where('webhook', '=', arg('webhook')).orderBy('id', 'desc').limit(arg('limit')),
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
  abandon: query('webhook-deliveries.abandon', (db, arg: Arg<{ id: number; reason: string }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({ state: 'dead', last_error: arg('reason') })
      .where('id', '=', arg('id')),
  ),
  delivered: query('webhook-deliveries.delivered', (db, arg: Arg<{ id: number; status: number; at: string }>) =>
    db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ state: 'delivered', attempts: eb('attempts', '+', 1), last_status: arg('status'), last_error: null, delivered_at: arg('at') }))
      .where('id', '=', arg('id')),
  ),
  failed: query('webhook-deliveries.failed', (db, arg: Arg<{ id: number; attempts: number; status: number | null; error: string | null }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({ state: 'dead', attempts: arg('attempts'), last_status: arg('status'), last_error: arg('error') })
      .where('id', '=', arg('id')),
  ),
  retry: query('webhook-deliveries.retry', (db, arg: Arg<{ id: number; attempts: number; nextAt: number; status: number | null; error: string | null }>) =>
    db
      .updateTable('webhook_deliveries')
      .set({ attempts: arg('attempts'), next_at: arg('nextAt'), last_status: arg('status'), last_error: arg('error') })
      .where('id', '=', arg('id')),
  ),
};

export class WebhookStore {
  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
  }

  /** Every webhook, with its signing secret. */
  all(): (Webhook & { secret: string })[] {
    return this.sql.webhooks
      .all()
      .map((r) => ({ id: r.id, tenant: r.tenant, url: r.url, events: JSON.parse(r.events), secret: r.secret, createdAt: r.created_at }));
  }
  add(w: { id: string; tenant: string | null; url: string; events: string[]; secret: string }, createdBy: string, createdAt: string): void {
    this.sql.insertWebhook.run({ ...w, events: JSON.stringify(w.events), createdAt, createdBy });
  }
  /** Deletes a webhook; its pending deliveries become dead letters. */
  delete(id: string): void {
    this.sql.deleteWebhook.run({ id });
    this.sql.abandonPending.run({ webhook: id, reason: 'webhook deleted' });
  }

  deliveries(webhook: string, limit: number): WebhookDelivery[] {
    return this.sql.deliveries.all({ webhook, limit }).map((r) => ({
      id: r.id,
      webhook: r.webhook,
      event: r.event,
      state: r.state,
      attempts: r.attempts,
      nextAt: new Date(r.next_at).toISOString(),
      lastStatus: r.last_status ?? null,
      lastError: r.last_error ?? null,
      createdAt: r.created_at,
      deliveredAt: r.delivered_at ?? null,
    }));
  }
  enqueue(d: { webhook: string; event: string; body: string; nextAt: number; createdAt: string }): void {
    this.sql.enqueue.run(d);
  }
  /** Pending deliveries whose time has come, oldest first, at most 50. */
  due(now: number): DueDelivery[] {
    return this.sql.due.all({ now });
  }
  /** A delivery that cannot be sent at all (its webhook is gone). */
  abandon(id: number, reason: string): void {
    this.sql.abandon.run({ id, reason });
  }
  delivered(id: number, status: number, at: string): void {
    this.sql.delivered.run({ id, status, at });
  }
  /** The last attempt failed: given up (`nextAt` undefined) or rescheduled. */
  failed(id: number, attempts: number, status: number | null, error: string | null, nextAt?: number): void {
    if (nextAt === undefined) this.sql.failed.run({ id, attempts, status, error });
    else this.sql.retry.run({ id, attempts, nextAt, status, error });
  }
}
