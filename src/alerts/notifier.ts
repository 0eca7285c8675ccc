// Delivers alert changes: a replayable in-memory event log for Server-Sent Events, and a
// durable webhook delivery queue (in the state database) with signed, retried deliveries.
import { createHmac } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { WebhookStore, type DueDelivery, type Webhook, type WebhookDelivery } from '../store/webhooks.ts';
import type { AlertBook, Alert, AlertChange } from './alert-book.ts';
import type { Registry } from '../store/registry.ts';
import type { Logger } from '../log.ts';

export interface AlertEvent {
  id: number;
  change: AlertChange;
  alert: Alert;
}

export type { Webhook, WebhookDelivery };

/** Webhook event names: `alert.opened`, `alert.repeated`, `alert.acknowledged`, `alert.resolved`, `alert.escalated`; `alert.*` or `*` for all. */
export const WEBHOOK_EVENTS = ['alert.opened', 'alert.repeated', 'alert.acknowledged', 'alert.resolved', 'alert.escalated', 'alert.*', '*'] as const;

const RING = 2000;
const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 1000;

/**
 * Delay before the next attempt after `attempts` failed ones: exponential back-off
 * base · 2^(attempts − 1) with ±20 % jitter (so receivers that come back are not hit by every
 * queued delivery at once). `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, baseDelayMs: number, random: number = Math.random()): number {
  return Math.round(baseDelayMs * 2 ** (attempts - 1) * (0.8 + random * 0.4));
}

export function signBody(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

export class AlertNotifier {
  private events: AlertEvent[] = [];
  private nextId: number;
  private subscribers = new Set<(e: AlertEvent) => void>();
  private timer: NodeJS.Timeout | undefined;
  private delivering = false;
  private stopped = false;
  private webhooks: (Webhook & { secret: string })[] = [];
  private readonly store: WebhookStore;

  constructor(
    db: Db,
    private readonly alerts: AlertBook,
    private readonly registry: Registry,
    private readonly log: Logger,
    private readonly now: () => Date,
    private readonly retry = { maxAttempts: MAX_ATTEMPTS, baseDelayMs: BASE_DELAY_MS },
  ) {
    // Event ids continue across restarts: they start after the highest alert version sum seen.
    this.nextId = Date.now();
    this.store = new WebhookStore(db);
    this.loadWebhooks();
    alerts.on('change', (alert, change) => this.onChange(alert, change));
  }

  start(): void {
    this.timer = setInterval(() => void this.deliverDue(), 500);
    this.timer.unref();
  }
  /** Stops delivering; changes still made (the alert book's last flush) are queued for the next start. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.stopped = true;
  }

  private loadWebhooks(): void {
    this.webhooks = this.store.all();
  }

  private onChange(alert: Alert, change: AlertChange): void {
    const e: AlertEvent = { id: this.nextId++, change, alert };
    this.events.push(e);
    if (this.events.length > RING) this.events.splice(0, this.events.length - RING);
    for (const s of this.subscribers) s(e);
    this.enqueueWebhooks(e);
  }

  /** Events after `lastEventId` still in the ring (for Last-Event-ID resume). */
  since(lastEventId: number): AlertEvent[] {
    return this.events.filter((e) => e.id > lastEventId);
  }

  subscribe(fn: (e: AlertEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  // ── webhooks ──
  addWebhook(w: { id: string; tenant: string | null; url: string; events: string[]; secret: string }, createdBy: string): Webhook {
    const createdAt = this.now().toISOString();
    this.store.add(w, createdBy, createdAt);
    this.loadWebhooks();
    return { id: w.id, tenant: w.tenant, url: w.url, events: w.events, createdAt };
  }
  listWebhooks(): Webhook[] {
    return this.webhooks.map(({ secret: _s, ...w }) => w);
  }
  deleteWebhook(id: string): void {
    this.store.delete(id);
    this.loadWebhooks();
  }
  deliveries(webhook: string, limit = 100): WebhookDelivery[] {
    return this.store.deliveries(webhook, limit);
  }

  private enqueueWebhooks(e: AlertEvent): void {
    const name = `alert.${e.change}`;
    const matching = this.webhooks.filter(
      (w) => (w.tenant === null || w.tenant === e.alert.tenant) && (w.events.includes(name) || w.events.includes('alert.*') || w.events.includes('*')),
    );
    if (matching.length === 0) return;
    const body = JSON.stringify({ event: name, id: e.id, at: this.now().toISOString(), alert: e.alert });
    for (const w of matching) this.store.enqueue({ webhook: w.id, event: name, body, nextAt: Date.now(), createdAt: this.now().toISOString() });
    if (!this.stopped) setImmediate(() => void this.deliverDue());
  }

  /** Sends every due delivery once; failures are rescheduled with exponential back-off and jitter. */
  async deliverDue(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      await Promise.all(this.store.due(Date.now()).map((d) => this.deliver(d)));
    } finally {
      this.delivering = false;
    }
  }

  private async deliver(d: DueDelivery): Promise<void> {
    const w = this.webhooks.find((x) => x.id === d.webhook);
    if (!w) {
      this.store.abandon(d.id, 'webhook deleted');
      return;
    }
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(w.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mag-signature': signBody(w.secret, d.body),
          'x-mag-delivery': String(d.id),
          'user-agent': 'mag-gateway',
        },
        body: d.body,
        signal: AbortSignal.timeout(10_000),
        redirect: 'manual',
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        this.store.delivered(d.id, status, this.now().toISOString());
        return;
      }
      error = `HTTP ${res.status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const attempts = d.attempts + 1;
    if (attempts >= this.retry.maxAttempts) {
      this.store.failed(d.id, attempts, status, error);
      this.log.warn({ webhook: w.id, delivery: d.id, attempts, err: error }, 'webhook delivery failed for good (dead letter)');
      return;
    }
    const delay = retryDelayMs(attempts, this.retry.baseDelayMs);
    this.store.failed(d.id, attempts, status, error, Date.now() + delay);
  }
}
