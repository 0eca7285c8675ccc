// Alerts: list, evidence, acknowledge, resolve, the live SSE stream, and webhooks.
import { z } from 'zod';
import { streamSSE } from 'hono/streaming';
import { randomUUID } from 'node:crypto';
import { ALERT_KINDS, AlreadyAcknowledged, AlreadyResolved, RESOLUTION_REASONS, type Alert } from '../../alerts/alert-book.ts';
import { WEBHOOK_EVENTS, type WebhookDelivery } from '../../alerts/notifier.ts';
import {
  ApiError,
  ALL_ROLES,
  Id,
  IsoDate,
  Items,
  QueryInt,
  canSeeTenant,
  notFound,
  queryBoundIso,
  refuseReversed,
  utcInstant,
  visibleTenantIds,
  zoneOf,
  type ApiDeps,
  type RouteTable,
} from '../http.ts';
import { Region } from './registry.ts';
import { noRepeats } from './bounds.ts';
import type { Principal } from '../../store/tokens.ts';

/** A date alone is a day of the zone (the tenant's or device's enterprise's, else the default), both days included; a date-time the instant. */
const AlertTime = IsoDate;
const AlertQuery = z.object({
  /** `unresolved`: open or acknowledged. */
  state: z.enum(['open', 'acknowledged', 'resolved', 'unresolved']).optional(),
  severity: z.enum(['info', 'warning', 'critical']).optional(),
  kind: z.enum(ALERT_KINDS).optional(),
  tenant: Id.optional(),
  device: Id.optional(),
  region: Region.optional(),
  /** Opened at or after. */
  openedFrom: AlertTime.optional(),
  /** Opened before. */
  openedTo: AlertTime.optional(),
  /** Resolved at or after. */
  resolvedFrom: AlertTime.optional(),
  /** Resolved before. */
  resolvedTo: AlertTime.optional(),
  limit: QueryInt(1, 5000).default(500),
});
const StreamQuery = z.object({
  /** Seconds of quiet before a `: heartbeat` comment (keeps proxies from closing the stream). */
  heartbeat: QueryInt(1, 60).default(15),
  /** Resume point for clients that cannot send the Last-Event-ID header. */
  lastEventId: z.string().regex(/^\d+$/).optional(),
});
const AckBody = z.strictObject({ note: z.string().max(2000).optional() });
const ResolveBody = z.strictObject({
  reason: z.enum(RESOLUTION_REASONS.filter((r) => r !== 'cleared') as [string, ...string[]]),
  note: z.string().max(2000).optional(),
});

export const WebhookBody = z.strictObject({
  url: z
    .string()
    .max(2000)
    .refine((u) => {
      // The WHATWG parser strips surrounding spaces and drops tabs/newlines inside: such a URL
      // would be stored and shown as sent (header injection in a log or a UI) but called as parsed.
      if (/[\s\x00-\x1f\x7f]/.test(u)) return false;
      try {
        const x = new URL(u);
        return (x.protocol === 'http:' || x.protocol === 'https:') && !x.username && !x.password;
      } catch {
        return false;
      }
    }, 'must be an http(s) URL without credentials, spaces or control characters in it'),
  events: noRepeats(z.array(z.enum(WEBHOOK_EVENTS)).min(1), 'event').default(['alert.*']),
  secret: z.string().min(16, 'must be at least 16 characters').max(256),
  tenant: Id.optional(),
});

/** A webhook delivery as the API answers it (store/webhooks.ts WebhookDelivery). */
export const WebhookDeliveryAnswer = z.object({
  id: z.number().describe('the X-Mag-Delivery header of its requests, the same when it is sent again'),
  webhook: z.string(),
  event: z.string(),
  state: z.enum(['pending', 'delivered', 'dead']),
  attempts: z.number().describe('attempts made (since it was last sent again)'),
  nextAt: z.string().nullable().describe('when the next attempt is due; null when delivered or dead'),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});

/** An alert as the API answers it (alertView). */
export const AlertAnswer = z.object({
  id: z.string(),
  tenant: z.string(),
  device: z.string().describe("the instrument, or a standard-oot alert's standard"),
  kind: z.enum(ALERT_KINDS),
  key: z.string().optional().describe('the gas or test point it is about; absent when none'),
  severity: z.enum(['info', 'warning', 'critical']),
  state: z.enum(['open', 'acknowledged', 'resolved']),
  openedAt: z.string(),
  updatedAt: z.string(),
  count: z.number().describe('times it was raised while unresolved'),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()).describe('the evidence, by kind (docs/contract.md §4)'),
  escalation: z.number(),
  ackBy: z.string().optional(),
  ackAt: z.string().optional(),
  ackNote: z.string().optional(),
  resolvedBy: z.string().optional(),
  resolvedAt: z.string().optional(),
  resolution: z.object({ reason: z.string(), note: z.string().optional() }).optional(),
});

export function alertView(a: Alert) {
  const { key, escalation, version, ackNote, ...rest } = a;
  // a standard-oot alert names the calibration that found the standard out of tolerance: raised before its
  // issuedAt was written in UTC, it kept the certificate's stored offset; answered in UTC, as every time
  const details = a.kind === 'standard-oot' && typeof a.details.issuedAt === 'string' ? { ...a.details, issuedAt: utcInstant(a.details.issuedAt) } : a.details;
  return { ...rest, details, ...(key ? { key } : {}), escalation, ...(ackNote ? { ackNote } : {}) };
}

/** 409 for a delivery asked to be sent again that is not dead: what it is, and what to do. */
function notDead(d: WebhookDelivery): ApiError {
  return d.state === 'delivered'
    ? new ApiError(409, 'conflict', `delivery ${d.id} is delivered already (${d.deliveredAt ?? 'at an unknown time'}, HTTP ${d.lastStatus ?? '?'})`)
    : new ApiError(
        409,
        'conflict',
        `delivery ${d.id} is pending: ${d.attempts} attempt(s) failed, the next at ${d.nextAt ?? 'an unknown time'}; it is tried again by itself (only a dead one is sent again)`,
      );
}

/** 409 for an alert resolved before this request: its first resolution (who, when) stands and is named. */
function resolvedAlready(a: Alert): ApiError {
  return new ApiError(409, 'conflict', `alert ${a.id} is already resolved by ${a.resolvedBy ?? 'someone'} at ${a.resolvedAt ?? 'an unknown time'}`);
}

function canSeeAlert(deps: ApiDeps, p: Principal, a: Alert): boolean {
  if (p.role === 'admin') return true;
  const t = deps.registry.tenant(a.tenant);
  return canSeeTenant(p, a.tenant, t?.region);
}

/** Alert books whose system-made changes are already written to the audit log (one listener each). */
const audited = new WeakSet<object>();

/**
 * Audit trail of the changes the gateway makes to alerts by itself: opened, resolved when the
 * signal clears (actor `system`), escalated. People's acknowledgements and resolutions are audited
 * by their routes below, with the token that made them. Repeats only bump `count` and `updatedAt`
 * on the alert and are not audited one by one (a failing instrument would flood the chain).
 */
function auditSystemChanges(deps: ApiDeps): void {
  if (audited.has(deps.alerts)) return;
  audited.add(deps.alerts);
  deps.alerts.on('change', (a, change) => {
    if (change !== 'opened' && change !== 'escalated' && !(change === 'resolved' && a.resolvedBy === 'system')) return;
    const details: Record<string, unknown> = { device: a.device, tenant: a.tenant, kind: a.kind, severity: a.severity };
    if (a.key) details.key = a.key;
    if (change === 'opened') details.summary = a.summary;
    if (change === 'escalated') details.escalation = a.escalation;
    if (change === 'resolved') details.resolution = a.resolution;
    const action = `alert.${change === 'opened' ? 'open' : change === 'resolved' ? 'clear' : 'escalate'}`;
    // nobody awaits this entry: a failed append (PostgreSQL) is logged, not an unhandled rejection
    Promise.resolve(deps.audit.append('system', action, a.id, details, deps.now())).catch((err: Error) =>
      deps.log.error({ err: err.message, alert: a.id, action }, 'audit append of an alert change failed'),
    );
  });
}

// Long on purpose: a table of route registrations (one r.add per route), each small; splitting it would scatter one resource.
export function alertRoutes(r: RouteTable, deps: ApiDeps): void {
  auditSystemChanges(deps);
  const actor = (p: Principal) => `${p.role}:${p.name}`;
  const visibleAlert = async (p: Principal, id: string): Promise<Alert> => {
    const a = await deps.alerts.get(id);
    if (!a || !canSeeAlert(deps, p, a)) throw notFound(`alert ${id}`);
    return a;
  };

  r.add({
    method: 'get',
    path: '/api/v1/alerts',
    summary: 'Alerts visible to this token, newest change first',
    tag: 'alerts',
    roles: ALL_ROLES,
    query: AlertQuery,
    response: Items(AlertAnswer),
    handler: async ({ p, query }) => {
      const { state, region, openedFrom, openedTo, resolvedFrom, resolvedTo, ...rest } = query;
      const zone = zoneOf(deps, query.tenant ?? (query.device ? deps.registry.device(query.device)?.tenant : undefined));
      refuseReversed(query, zone, ['openedFrom', 'openedTo']);
      refuseReversed(query, zone, ['resolvedFrom', 'resolvedTo']);
      const times = {
        openedFrom: queryBoundIso(openedFrom, zone, 'from'),
        openedTo: queryBoundIso(openedTo, zone, 'before'),
        resolvedFrom: queryBoundIso(resolvedFrom, zone, 'from'),
        resolvedTo: queryBoundIso(resolvedTo, zone, 'before'),
      };
      let tenants = visibleTenantIds(deps, p);
      if (region)
        tenants = new Set(
          deps.registry
            .listTenants()
            .filter((t) => t.region === region && (!tenants || tenants.has(t.id)))
            .map((t) => t.id),
        );
      const states = state === 'unresolved' ? { unresolved: true } : { state };
      const alerts = await deps.alerts.list({ ...rest, ...times, ...states, tenants });
      return { items: alerts.map(alertView) };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/alerts/stream',
    summary:
      'Server-Sent Events: `event: alert` as alerts open or change (Last-Event-ID resumes); a `: heartbeat` comment after `heartbeat` seconds of quiet (default 15, 1–60)',
    tag: 'alerts',
    roles: ALL_ROLES,
    produces: 'text/event-stream',
    query: StreamQuery,
    handler: ({ c, p, query }) => {
      const last = Number(c.req.header('last-event-id') ?? query.lastEventId ?? NaN);
      const heartbeatMs = query.heartbeat * 1000;
      return streamSSE(c, async (stream) => {
        const queue: { id: number; data: string }[] = [];
        let wake: (() => void) | undefined;
        const push = (e: { id: number; change: string; alert: Alert }) => {
          if (!canSeeAlert(deps, p, e.alert)) return;
          queue.push({ id: e.id, data: JSON.stringify({ ...alertView(e.alert), change: e.change }) });
          wake?.();
        };
        if (Number.isFinite(last)) for (const e of deps.notifier.since(last)) push(e);
        const unsubscribe = deps.notifier.subscribe(push);
        let closed = false;
        stream.onAbort(() => {
          closed = true;
          unsubscribe();
          wake?.();
        });
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ at: deps.now().toISOString() }) });
        while (!closed) {
          while (queue.length) {
            const e = queue.shift()!;
            await stream.writeSSE({ event: 'alert', id: String(e.id), data: e.data });
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, heartbeatMs);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
          if (!closed && queue.length === 0) await stream.write(': heartbeat\n\n');
        }
        unsubscribe();
      });
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/alerts/:id',
    summary: 'One alert with its evidence',
    tag: 'alerts',
    roles: ALL_ROLES,
    response: AlertAnswer,
    handler: async ({ p, params }) => alertView(await visibleAlert(p, params.id)),
  });
  r.add({
    method: 'post',
    path: '/api/v1/alerts/:id/ack',
    summary: 'Acknowledge an alert',
    tag: 'alerts',
    roles: ['admin', 'operator', 'inspector'],
    body: AckBody,
    response: AlertAnswer,
    answers: [{ status: 409, description: 'the alert is acknowledged already (the first acknowledgement stands, named) or resolved' }],
    handler: async ({ p, params, body }) => {
      const a = await visibleAlert(p, params.id);
      if (a.state === 'resolved') throw resolvedAlready(a);
      // the first acknowledgement stands (who, when, its note): a second is refused, not audited
      const already = (x: Alert) =>
        new ApiError(409, 'conflict', `alert ${x.id} is already acknowledged by ${x.ackBy} at ${x.ackAt}; resolve it, with a note if there is more to say`);
      if (a.state === 'acknowledged') throw already(a);
      let out: Alert;
      try {
        out = await deps.alerts.acknowledge(a.id, actor(p), body.note, deps.now());
      } catch (e) {
        // another request (or node) acknowledged it since the read above: the database kept the first
        if (e instanceof AlreadyAcknowledged) throw already(e.alert);
        throw e;
      }
      if (out.state === 'resolved') throw resolvedAlready(out); // resolved since the read
      await deps.audit.append(`${actor(p)}:${p.tokenId}`, 'alert.ack', a.id, { note: body.note, device: a.device, kind: a.kind }, deps.now());
      return alertView(out);
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/alerts/:id/resolve',
    summary: 'Resolve an alert with a reason',
    tag: 'alerts',
    roles: ['admin', 'operator', 'inspector'],
    body: ResolveBody,
    response: AlertAnswer,
    answers: [{ status: 409, description: 'the alert is resolved already: its first resolution (who, when) stands and is named' }],
    handler: async ({ p, params, body }) => {
      const a = await visibleAlert(p, params.id);
      if (a.state === 'resolved') throw resolvedAlready(a);
      // A critical alert (out of tolerance, tampering, a lapsed verification in use…) closed by a person
      // says what was done: the inspector reading the history later sees the evidence (a certificate
      // number, the adjustment made, why it was a false alarm), not only a reason picked from a list.
      if (a.severity === 'critical' && !body.note?.trim())
        throw new ApiError(400, 'invalid_request', 'the request body is invalid', [
          {
            path: 'note',
            message: `a critical alert (${a.kind}) is resolved with a note saying what was done: the adjustment or repair, the new certificate's number, or why it was a false alarm`,
          },
        ]);
      let out: Alert;
      try {
        out = await deps.alerts.resolveFirst(a.id, actor(p), { reason: body.reason, note: body.note }, deps.now());
      } catch (e) {
        // resolved by another request (or node) since the read above: the first resolution stands, this one wrote nothing
        if (e instanceof AlreadyResolved) throw resolvedAlready(e.alert);
        throw e;
      }
      await deps.audit.append(
        `${actor(p)}:${p.tokenId}`,
        'alert.resolve',
        a.id,
        { reason: body.reason, note: body.note, device: a.device, kind: a.kind },
        deps.now(),
      );
      return alertView(out);
    },
  });

  // ── webhooks ──
  const visibleWebhook = (p: Principal, id: string) => {
    const w = deps.notifier.listWebhooks().find((x) => x.id === id);
    if (!w || (p.role !== 'admin' && w.tenant !== p.tenant)) throw notFound(`webhook ${id}`);
    return w;
  };
  r.add({
    method: 'post',
    path: '/api/v1/webhooks',
    summary: 'Subscribe a URL to alert events (signed X-Mag-Signature: sha256=<hex HMAC of body>)',
    tag: 'webhooks',
    roles: ['admin', 'operator'],
    body: WebhookBody,
    status: 201,
    handler: async ({ p, body }) => {
      let tenant: string | null = body.tenant ?? null;
      if (p.role === 'operator') {
        if (tenant && tenant !== p.tenant) throw notFound(`tenant ${tenant}`, 'tenant');
        tenant = p.tenant!;
      } else if (tenant && !deps.registry.tenant(tenant)) throw notFound(`tenant ${tenant}`, 'tenant');
      const w = await deps.notifier.addWebhook({ id: randomUUID(), tenant, url: body.url, events: body.events, secret: body.secret }, actor(p));
      await deps.audit.append(`${actor(p)}:${p.tokenId}`, 'webhook.create', w.id, { url: w.url, events: w.events, tenant }, deps.now());
      return w;
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/webhooks',
    summary: 'Webhooks',
    tag: 'webhooks',
    roles: ['admin', 'operator'],
    handler: ({ p }) => ({ items: deps.notifier.listWebhooks().filter((w) => p.role === 'admin' || w.tenant === p.tenant) }),
  });
  r.add({
    method: 'get',
    path: '/api/v1/webhooks/:id/deliveries',
    summary: 'Delivery history of a webhook',
    tag: 'webhooks',
    roles: ['admin', 'operator'],
    response: Items(WebhookDeliveryAnswer),
    handler: async ({ p, params }) => ({ items: await deps.notifier.deliveries(visibleWebhook(p, params.id).id) }),
  });
  r.add({
    method: 'post',
    path: '/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    summary:
      'Send a dead delivery again: pending at once, from its first attempt, with its body and X-Mag-Delivery unchanged (the receiver recognises one it got before)',
    tag: 'webhooks',
    roles: ['admin', 'operator'],
    response: WebhookDeliveryAnswer,
    answers: [{ status: 409, description: 'the delivery is pending (it is being tried by itself) or delivered already' }],
    handler: async ({ p, params }) => {
      const w = visibleWebhook(p, params.id);
      const missing = () => notFound(`delivery ${params.deliveryId} of webhook ${w.id}`);
      if (!/^\d{1,15}$/.test(params.deliveryId)) throw missing();
      const out = await deps.notifier.redeliver(w.id, Number(params.deliveryId));
      if (!out) throw missing();
      if (!out.redelivered) throw notDead(out.delivery);
      const { before } = out;
      await deps.audit.append(
        `${actor(p)}:${p.tokenId}`,
        'webhook.redeliver',
        w.id,
        { deliveries: [before.id], event: before.event, attempts: before.attempts, lastStatus: before.lastStatus, lastError: before.lastError },
        deps.now(),
      );
      return out.delivery;
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/webhooks/:id/redeliver-dead',
    summary: 'Send every dead delivery of a webhook again, as the redelivery of one does; `deliveries` are their ids, oldest first',
    tag: 'webhooks',
    roles: ['admin', 'operator'],
    response: z.object({ webhook: z.string(), redelivered: z.number(), deliveries: z.array(z.number()) }),
    handler: async ({ p, params }) => {
      const w = visibleWebhook(p, params.id);
      const ids = await deps.notifier.redeliverDead(w.id);
      if (ids.length > 0) await deps.audit.append(`${actor(p)}:${p.tokenId}`, 'webhook.redeliver', w.id, { deliveries: ids }, deps.now());
      return { webhook: w.id, redelivered: ids.length, deliveries: ids };
    },
  });
  r.add({
    method: 'delete',
    path: '/api/v1/webhooks/:id',
    summary: 'Delete a webhook',
    tag: 'webhooks',
    roles: ['admin', 'operator'],
    handler: async ({ p, params }) => {
      const w = visibleWebhook(p, params.id);
      await deps.notifier.deleteWebhook(w.id);
      await deps.audit.append(`${actor(p)}:${p.tokenId}`, 'webhook.delete', w.id, { url: w.url }, deps.now());
      return { id: w.id, deleted: true };
    },
  });
}
