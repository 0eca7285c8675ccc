// Delivers alert changes: a replayable in-memory event log for Server-Sent Events, and a
// durable webhook delivery queue (in the state database) with signed, retried deliveries.
import { createHmac } from 'node:crypto';
import type { Db } from '../store/db.ts';
import type { AlertBook, Alert, AlertChange } from './alert-book.ts';
import type { Registry } from '../store/registry.ts';
import type { Logger } from '../log.ts';

export interface AlertEvent {
  id: number;
  change: AlertChange;
  alert: Alert;
}

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
  private webhooks: (Webhook & { secret: string })[] = [];

  constructor(
    private readonly db: Db,
    private readonly alerts: AlertBook,
    private readonly registry: Registry,
    private readonly log: Logger,
    private readonly now: () => Date,
    private readonly retry = { maxAttempts: MAX_ATTEMPTS, baseDelayMs: BASE_DELAY_MS },
  ) {
    // Event ids continue across restarts: they start after the highest alert version sum seen.
    this.nextId = Date.now();
    this.loadWebhooks();
    alerts.on('change', (alert, change) => this.onChange(alert, change));
  }

  start(): void {
    this.timer = setInterval(() => void this.deliverDue(), 500);
    this.timer.unref();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private loadWebhooks(): void {
    this.webhooks = (this.db.prepare('SELECT * FROM webhooks').all() as { id: string; tenant: string | null; url: string; events: string; secret: string; created_at: string }[]).map((r) => ({
      id: r.id,
      tenant: r.tenant,
      url: r.url,
      events: JSON.parse(r.events),
      secret: r.secret,
      createdAt: r.created_at,
    }));
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
    this.db.prepare('INSERT INTO webhooks (id, tenant, url, events, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)').run(w.id, w.tenant, w.url, JSON.stringify(w.events), w.secret, createdAt, createdBy);
    this.loadWebhooks();
    return { id: w.id, tenant: w.tenant, url: w.url, events: w.events, createdAt };
  }
  listWebhooks(): Webhook[] {
    return this.webhooks.map(({ secret: _s, ...w }) => w);
  }
  deleteWebhook(id: string): void {
    this.db.prepare('DELETE FROM webhooks WHERE id = ?').run(id);
    this.db.prepare("UPDATE webhook_deliveries SET state = 'dead', last_error = 'webhook deleted' WHERE webhook = ? AND state = 'pending'").run(id);
    this.loadWebhooks();
  }
  deliveries(webhook: string, limit = 100): WebhookDelivery[] {
    return (this.db.prepare('SELECT * FROM webhook_deliveries WHERE webhook = ? ORDER BY id DESC LIMIT ?').all(webhook, limit) as Record<string, unknown>[]).map((r) => ({
      id: r.id as number,
      webhook: r.webhook as string,
      event: r.event as string,
      state: r.state as WebhookDelivery['state'],
      attempts: r.attempts as number,
      nextAt: new Date(r.next_at as number).toISOString(),
      lastStatus: (r.last_status as number | null) ?? null,
      lastError: (r.last_error as string | null) ?? null,
      createdAt: r.created_at as string,
      deliveredAt: (r.delivered_at as string | null) ?? null,
    }));
  }

  private enqueueWebhooks(e: AlertEvent): void {
    const name = `alert.${e.change}`;
    const matching = this.webhooks.filter((w) => (w.tenant === null || w.tenant === e.alert.tenant) && (w.events.includes(name) || w.events.includes('alert.*') || w.events.includes('*')));
    if (matching.length === 0) return;
    const body = JSON.stringify({ event: name, id: e.id, at: this.now().toISOString(), alert: e.alert });
    const stmt = this.db.prepare("INSERT INTO webhook_deliveries (webhook, event, body, state, attempts, next_at, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)");
    for (const w of matching) stmt.run(w.id, name, body, Date.now(), this.now().toISOString());
    setImmediate(() => void this.deliverDue());
  }

  /** Sends every due delivery once; failures are rescheduled with exponential back-off and jitter. */
  async deliverDue(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      const due = this.db.prepare("SELECT id, webhook, body, attempts FROM webhook_deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY id LIMIT 50").all(Date.now()) as {
        id: number;
        webhook: string;
        body: string;
        attempts: number;
      }[];
      await Promise.all(due.map((d) => this.deliver(d)));
    } finally {
      this.delivering = false;
    }
  }

  private async deliver(d: { id: number; webhook: string; body: string; attempts: number }): Promise<void> {
    const w = this.webhooks.find((x) => x.id === d.webhook);
    if (!w) {
      this.db.prepare("UPDATE webhook_deliveries SET state = 'dead', last_error = 'webhook deleted' WHERE id = ?").run(d.id);
      return;
    }
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(w.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mag-signature': signBody(w.secret, d.body), 'x-mag-delivery': String(d.id), 'user-agent': 'mag-gateway' },
        body: d.body,
        signal: AbortSignal.timeout(10_000),
        redirect: 'manual',
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        this.db.prepare("UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL, delivered_at = ? WHERE id = ?").run(status, this.now().toISOString(), d.id);
        return;
      }
      error = `HTTP ${res.status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const attempts = d.attempts + 1;
    if (attempts >= this.retry.maxAttempts) {
      this.db.prepare("UPDATE webhook_deliveries SET state = 'dead', attempts = ?, last_status = ?, last_error = ? WHERE id = ?").run(attempts, status, error, d.id);
      this.log.warn({ webhook: w.id, delivery: d.id, attempts, err: error }, 'webhook delivery failed for good (dead letter)');
      return;
    }
    const delay = retryDelayMs(attempts, this.retry.baseDelayMs);
    this.db.prepare('UPDATE webhook_deliveries SET attempts = ?, next_at = ?, last_status = ?, last_error = ? WHERE id = ?').run(attempts, Date.now() + delay, status, error, d.id);
  }
}
