// Delivers alert changes: a replayable in-memory event log for Server-Sent Events, and a
// durable webhook delivery queue (in the state database) with signed, retried deliveries.
//
// On SQLite (one node) as it always was. On PostgreSQL (a cluster) each alert change reaches
// everyone once, whichever node made it: the node where it changed queues its webhook deliveries
// and emits it to its own SSE subscribers; the other nodes get it through the alert-events relay
// (alert-events-relay.ts) and emit it to theirs; any node's timer sends due deliveries, each
// claimed by one node (store/webhooks.ts `claimDue`). Every node keeps the webhooks in memory,
// reloaded when another node announces a change of them.
import { createHmac, randomUUID } from 'node:crypto';
import { WebhookStore, WEBHOOKS_TOPIC, type DueDelivery, type Webhook, type WebhookDelivery } from '../store/webhooks.ts';
import { AlertStore } from '../store/alerts.ts';
import { after, answer, isPending, settleAll, type Answer, type Awaitable, type StateExecutor, type Watching } from '../store/executor.ts';
import type { Alert, AlertChange } from './alert-book.ts';
import { AlertEventsRelay, hasChannels, type ChannelListening } from './alert-events-relay.ts';
import type { Registry } from '../store/registry.ts';
import type { Logger } from '../log.ts';

export interface AlertEvent {
  id: number;
  change: AlertChange;
  alert: Alert;
}

export type { Webhook, WebhookDelivery };

/** What a redelivery did: sent again (`before`: the dead delivery), or not, the delivery as it is. */
export type Redelivery = { redelivered: true; before: WebhookDelivery; delivery: WebhookDelivery } | { redelivered: false; delivery: WebhookDelivery };

/** What the notifier hears alert changes from: the alert book of this node. */
export interface AlertChanges {
  on(event: 'change', listener: (alert: Alert, change: AlertChange) => void): unknown;
}

/** Webhook event names: `alert.opened`, `alert.repeated`, `alert.acknowledged`, `alert.resolved`, `alert.escalated`; `alert.*` or `*` for all. */
export const WEBHOOK_EVENTS = ['alert.opened', 'alert.repeated', 'alert.acknowledged', 'alert.resolved', 'alert.escalated', 'alert.*', '*'] as const;

const RING = 2000;
/**
 * A resume from an event id this node did not give (another node's, a client moved by a load
 * balancer) replays what came here from this long before it: ids are times, so the events after
 * it on any node are among them, whatever the relay's delay or the nodes' clocks within it.
 */
export const RESUME_MARGIN_MS = 5000;
/**
 * The webhook retry schedule by default (config.ts has the same defaults): 1 s doubling to 2048 s,
 * then hourly, 36 attempts in all: the last one 86 895 s (24 h 8 min 15 s) after the first, give
 * or take the jitter. A receiver restarting, or down for most of a day, still gets its alerts.
 */
export const WEBHOOK_RETRY: RetrySchedule = { maxAttempts: 36, baseDelayMs: 1000, maxDelayMs: 3_600_000 };
/** How often the due deliveries are looked for. */
const DELIVERY_POLL_MS = 500;
/**
 * How long a node holds the deliveries it claimed (PostgreSQL): past the 10 s an attempt may
 * take, with room for a slow database; a node that died with them is replaced after this.
 */
const CLAIM_MS = 60_000;
/** An attempt is abandoned (and counted as failed) after this. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * The next event id: the time in ms × 1000, or the last id + 1 when that is not later (several
 * events in one ms, the clock stepped back). Ids increase on a node and continue across restarts,
 * and ids of different nodes are comparable as times (docs/cluster.md).
 */
export function nextEventId(lastId: number, nowMs: number): number {
  const t = nowMs * 1000;
  return t > lastId ? t : lastId + 1;
}

/**
 * The events to replay to a client whose last event was `lastId`, from a ring in id order: those
 * after it when the ring holds it (this node gave it); otherwise (another node's id, or one the
 * ring no longer holds) those from RESUME_MARGIN_MS before it on, some perhaps seen already.
 */
export function eventsAfter<E extends { id: number }>(ring: readonly E[], lastId: number): E[] {
  let lo = 0;
  let hi = ring.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const id = ring[mid].id;
    if (id === lastId) return ring.slice(mid + 1);
    if (id < lastId) lo = mid + 1;
    else hi = mid - 1;
  }
  const from = lastId - RESUME_MARGIN_MS * 1000;
  return ring.filter((e) => e.id > from);
}

export interface DeliveryOptions {
  /** Due deliveries are looked for this often (ms). */
  pollMs?: number;
  /** A claim on deliveries lapses after this (ms; PostgreSQL). */
  claimMs?: number;
}

/** How a failed delivery is tried again (MAG_WEBHOOK_MAX_ATTEMPTS, MAG_WEBHOOK_RETRY_BASE_MS, MAG_WEBHOOK_RETRY_MAX_MS). */
export interface RetrySchedule {
  /** Attempts in all, the first included; after the last failed one the delivery is dead. */
  maxAttempts: number;
  /** The wait after the first failed attempt; doubled after each further one… */
  baseDelayMs: number;
  /** …up to this. */
  maxDelayMs: number;
}

/** The wait after `attempts` failed attempts before jitter: min(base · 2^(attempts − 1), max). */
export function nominalRetryDelayMs(attempts: number, schedule: Pick<RetrySchedule, 'baseDelayMs' | 'maxDelayMs'>): number {
  return Math.min(schedule.baseDelayMs * 2 ** (attempts - 1), schedule.maxDelayMs);
}

/**
 * Delay before the next attempt after `attempts` failed ones: exponential back-off
 * min(base · 2^(attempts − 1), max) with ±20 % jitter (so receivers that come back are not hit by
 * every queued delivery at once). `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, schedule: Pick<RetrySchedule, 'baseDelayMs' | 'maxDelayMs'>, random: number = Math.random()): number {
  return Math.round(nominalRetryDelayMs(attempts, schedule) * (0.8 + random * 0.4));
}

/** From the first attempt to the last, without jitter: the waits after attempts 1 … maxAttempts − 1. */
export function retrySpanMs(schedule: RetrySchedule): number {
  let total = 0;
  for (let n = 1; n < schedule.maxAttempts; n++) total += nominalRetryDelayMs(n, schedule);
  return total;
}

export function signBody(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** The notifier on the state database `S` (SqliteState: webhook changes answer at once; PostgresState: Promises). */
export class AlertNotifier<S extends StateExecutor = StateExecutor> {
  private events: AlertEvent[] = [];
  private lastId = 0;
  private subscribers = new Set<(e: AlertEvent) => void>();
  private timer: NodeJS.Timeout | undefined;
  private delivering = false;
  private stopped = false;
  private webhooks: (Webhook & { secret: string })[] = [];
  /** Typed for either database inside (its answers awaited); the public methods give them as `S` does. */
  private readonly store: WebhookStore<StateExecutor>;
  /** Reloads of the webhooks started, and the newest one applied: an older read finishing last is dropped. */
  private reloads = 0;
  private appliedReload = 0;
  private readonly loaded: Awaitable<void>;
  private watching: Watching | undefined;
  private relay: AlertEventsRelay | undefined;
  /** This process's mark on the deliveries it claims (PostgreSQL); '' on SQLite, whose one process claims nothing. */
  private readonly claimant: string;
  private readonly pollMs: number;
  private readonly claimMs: number;

  /** On SQLite ready when this returns; on PostgreSQL use `AlertNotifier.open`, which also relays live events between nodes. */
  constructor(
    private readonly db: S,
    alerts: AlertChanges,
    private readonly registry: Pick<Registry, 'device' | 'tenant'>,
    private readonly log: Logger,
    private readonly now: () => Date,
    private readonly retry: RetrySchedule = WEBHOOK_RETRY,
    delivery: DeliveryOptions = {},
  ) {
    this.store = new WebhookStore<StateExecutor>(db);
    this.claimant = db.dialect === 'sqlite' ? '' : hasChannels(db) ? db.instanceId : randomUUID();
    this.pollMs = delivery.pollMs ?? DELIVERY_POLL_MS;
    this.claimMs = delivery.claimMs ?? CLAIM_MS;
    this.loaded = this.loadWebhooks();
    // seen by `open`, which rejects with it; not an unhandled rejection when constructed without it
    if (isPending(this.loaded)) this.loaded.catch(() => {});
    // SQLite: one process adds and deletes webhooks (the API's), its copy is always current.
    if (db.dialect !== 'sqlite') this.watching = db.watch(WEBHOOKS_TOPIC, () => this.reloadWebhooks());
    alerts.on('change', (alert, change) => this.onChange(alert, change));
  }

  /**
   * A notifier with its webhooks loaded; on PostgreSQL it also listens for the alert changes of
   * the other nodes, for this node's SSE subscribers.
   */
  static async open<S extends StateExecutor>(
    db: S,
    alerts: AlertChanges,
    registry: Registry,
    log: Logger,
    now: () => Date,
    retry?: RetrySchedule,
    delivery?: DeliveryOptions,
  ): Promise<AlertNotifier<S>> {
    const n = new AlertNotifier(db, alerts, registry, log, now, retry, delivery);
    await n.loaded;
    if (hasChannels(db)) await n.relayBetweenNodes(db);
    return n;
  }

  private async relayBetweenNodes(db: ChannelListening & S): Promise<void> {
    const alerts = new AlertStore<StateExecutor>(db);
    this.relay = await AlertEventsRelay.start(db, {
      read: async (id) => alerts.get(id),
      emit: (alert, change) => this.emitHere(alert, change),
      onError: (err, notice) =>
        this.log.warn({ alert: notice?.alert, change: notice?.change, err: err.message }, 'an alert change of another node not relayed'),
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.deliverDue(), this.pollMs);
    this.timer.unref();
  }
  /**
   * Stops delivering and hearing other nodes' changes; changes still made here (the alert
   * book's last flush) are queued for the next start, and told to the other nodes.
   */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.stopped = true;
    this.watching?.stop();
    this.relay?.stop();
  }

  private loadWebhooks(): Awaitable<void> {
    const reload = ++this.reloads;
    return after(this.store.all(), (webhooks) => {
      if (reload < this.appliedReload) return;
      this.appliedReload = reload;
      this.webhooks = webhooks;
    });
  }

  /** Another node changed the webhooks. */
  private reloadWebhooks(): void {
    try {
      const loading = this.loadWebhooks();
      if (isPending(loading)) loading.catch((e: Error) => this.log.error({ err: e.message }, 'reloading the webhooks failed; the next change reloads them'));
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'reloading the webhooks failed; the next change reloads them');
    }
  }

  /** A change made on this node: to its subscribers, its webhooks, and the other nodes. */
  private onChange(alert: Alert, change: AlertChange): void {
    const e = this.emitHere(alert, change);
    this.enqueueWebhooks(e);
    if (this.relay && this.db.open) {
      this.relay
        .publish(alert, change)
        .catch((err: Error) => this.log.warn({ alert: alert.id, change, err: err.message }, 'alert change not told to the other nodes'));
    }
  }

  /** To this node's SSE subscribers (and the ring they resume from). */
  private emitHere(alert: Alert, change: AlertChange): AlertEvent {
    this.lastId = nextEventId(this.lastId, Date.now());
    const e: AlertEvent = { id: this.lastId, change, alert };
    this.events.push(e);
    if (this.events.length > RING) this.events.splice(0, this.events.length - RING);
    for (const s of this.subscribers) s(e);
    return e;
  }

  /** Events to replay after `lastEventId` (Last-Event-ID resume): eventsAfter. */
  since(lastEventId: number): AlertEvent[] {
    return eventsAfter(this.events, lastEventId);
  }

  subscribe(fn: (e: AlertEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  // ── webhooks ──
  addWebhook(w: { id: string; tenant: string | null; url: string; events: string[]; secret: string }, createdBy: string): Answer<S, Webhook> {
    const createdAt = this.now().toISOString();
    return answer(this.db, () =>
      after(this.store.add(w, createdBy, createdAt), () =>
        after(this.loadWebhooks(), () => ({ id: w.id, tenant: w.tenant, url: w.url, events: w.events, createdAt })),
      ),
    );
  }
  listWebhooks(): Webhook[] {
    return this.webhooks.map(({ secret: _s, ...w }) => w);
  }
  deleteWebhook(id: string): Answer<S, void> {
    return answer(this.db, () => after(this.store.delete(id), () => this.loadWebhooks()));
  }
  deliveries(webhook: string, limit = 100): Answer<S, WebhookDelivery[]> {
    return answer(this.db, () => this.store.deliveries(webhook, limit));
  }

  /**
   * Sends a dead delivery of `webhook` again: pending, due now, from its first attempt, with the
   * body and delivery id it had (a receiver that got it before knows it again). On a cluster any
   * node's timer may take it. `redelivered` with the delivery before and after; otherwise the
   * delivery as it is (pending: it is being tried by itself; delivered); undefined when the
   * webhook has no delivery of that id.
   */
  redeliver(webhook: string, id: number): Answer<S, Redelivery | undefined> {
    return answer(this.db, () =>
      after(this.store.delivery(webhook, id), (before) => {
        if (!before) return undefined;
        if (before.state !== 'dead') return { redelivered: false, delivery: before };
        return after(this.store.redeliver(webhook, id, Date.now()), (done) =>
          after(this.store.delivery(webhook, id), (now): Redelivery | undefined => {
            if (!now) return undefined; // deleted meanwhile: its webhook is gone
            if (!done) return { redelivered: false, delivery: now }; // another request sent it again first
            this.deliverSoon();
            return { redelivered: true, before, delivery: now };
          }),
        );
      }),
    );
  }

  /** Every dead delivery of `webhook` sent again as `redeliver` sends one; their ids, oldest first. */
  redeliverDead(webhook: string): Answer<S, number[]> {
    return answer(this.db, () =>
      after(this.store.redeliverDead(webhook, Date.now()), (ids) => {
        if (ids.length > 0) this.deliverSoon();
        return ids;
      }),
    );
  }

  /** A round of deliveries at once rather than at the next poll (unless stopped). */
  private deliverSoon(): void {
    if (!this.stopped) setImmediate(() => void this.deliverDue());
  }

  /**
   * What the alert is about, as the registry has it when the event is queued: the instrument (where it
   * stands, for what) and its enterprise, so that a receiver (an inspector's SMS or chat relay) can say
   * "the dispenser at CHXD Gò Dầu" without asking the API. Absent for an alert whose device is not a
   * registered instrument of its enterprise (a reference standard's, a lot's).
   */
  private subjectOf(a: Alert): { instrument?: Record<string, string>; enterprise?: { id: string; name: string; region: string } } {
    const d = this.registry.device(a.device);
    const t = this.registry.tenant(a.tenant);
    const optional = (k: 'model' | 'site' | 'use') => (d?.[k] !== undefined ? { [k]: d[k] } : {});
    return {
      ...(d && d.tenant === a.tenant
        ? { instrument: { id: d.id, type: d.type, serial: d.serial, ...optional('model'), ...optional('site'), ...optional('use') } }
        : {}),
      ...(t ? { enterprise: { id: t.id, name: t.name, region: t.region } } : {}),
    };
  }

  private enqueueWebhooks(e: AlertEvent): void {
    const name = `alert.${e.change}`;
    const matching = this.webhooks.filter(
      (w) => (w.tenant === null || w.tenant === e.alert.tenant) && (w.events.includes(name) || w.events.includes('alert.*') || w.events.includes('*')),
    );
    if (matching.length === 0) return;
    const body = JSON.stringify({ event: name, id: e.id, at: this.now().toISOString(), alert: e.alert, ...this.subjectOf(e.alert) });
    const queued = settleAll(
      matching.map((w) => this.store.enqueue({ webhook: w.id, event: name, body, nextAt: Date.now(), createdAt: this.now().toISOString() })),
    );
    const deliverSoon = () => this.deliverSoon();
    if (isPending(queued)) {
      queued.then(deliverSoon, (err: Error) => this.log.error({ alert: e.alert.id, event: name, err: err.message }, 'queueing webhook deliveries failed'));
    } else deliverSoon();
  }

  /**
   * Sends every due delivery once (on PostgreSQL those this node claimed: no other node sends
   * them meanwhile); failures are rescheduled with exponential back-off and jitter.
   */
  async deliverDue(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      const nowMs = Date.now();
      const due = await this.store.claimDue(nowMs, this.claimant, this.claimMs);
      await Promise.all(due.map((d) => this.deliver(d)));
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'sending webhook deliveries failed; tried again at the next round');
    } finally {
      this.delivering = false;
    }
  }

  private async deliver(d: DueDelivery): Promise<void> {
    let w = this.webhooks.find((x) => x.id === d.webhook);
    if (!w) {
      // added on another node a moment ago, before its announcement reached this one
      await this.loadWebhooks();
      w = this.webhooks.find((x) => x.id === d.webhook);
    }
    if (!w) {
      await this.store.abandon(d.id, 'webhook deleted', this.claimant);
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
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        redirect: 'manual',
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        if (!(await this.store.delivered(d.id, status, this.now().toISOString(), this.claimant))) this.lostClaim(d);
        return;
      }
      error = `HTTP ${res.status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const attempts = d.attempts + 1;
    if (attempts >= this.retry.maxAttempts) {
      if (!(await this.store.failed(d.id, attempts, status, error, this.claimant))) this.lostClaim(d);
      this.log.warn({ webhook: w.id, delivery: d.id, attempts, err: error }, 'webhook delivery failed for good (dead letter)');
      return;
    }
    const delay = retryDelayMs(attempts, this.retry);
    if (!(await this.store.failed(d.id, attempts, status, error, this.claimant, Date.now() + delay))) this.lostClaim(d);
  }

  /** This node held the delivery past its claim (stalled): another node took it, and its outcome stands. */
  private lostClaim(d: DueDelivery): void {
    this.log.warn({ webhook: d.webhook, delivery: d.id }, 'webhook delivery attempted after this node’s claim lapsed; another node’s outcome kept');
  }
}
