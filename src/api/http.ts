// The API's shared plumbing: errors, authentication, visibility, and a route table that
// both registers Hono handlers and generates /openapi.json from the same zod schemas.
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { Principal, Role, Tokens } from '../store/tokens.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { AlertNotifier } from '../alerts/notifier.ts';
import type { AlertBook } from '../alerts/alert-book.ts';
import type { Assurance } from '../alerts/assurance.ts';
import type { ReferenceStandards } from '../alerts/reference-standards.ts';
import type { LotBook } from '../lots/lot-book.ts';
import type { Device, Registry } from '../store/registry.ts';
import type { AuditLog } from '../store/audit.ts';
import type { Awaitable, StateExecutor } from '../store/executor.ts';
import type { DeadLetters } from '../store/dead-letters.ts';
import type { DeadLetterReplay } from '../journal/dead-letter-replay.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import { deviceUserOf, type TradeParty } from '../metrology/seller-favour.ts';
import type { Sink } from '../sinks/sink.ts';
import type { Journal } from '../journal/journal.ts';
import type { Forwarder } from '../journal/forwarder.ts';
import { ConfigSchema, type Config } from '../config.ts';
import type { InspectionService } from '../inspections/inspection-service.ts';
import type { CampaignService } from '../inspections/campaign-service.ts';
import type { Logger } from '../log.ts';
import { getConnInfo } from '@hono/node-server/conninfo';
import { TokenBuckets, type AuthThrottle } from '../limits.ts';
import { PARSE_OPTIONS, describeIssues, shown } from '../ingest/field-errors.ts';
import { LAST_INSTANT, canonicalTime, isDateOnly, localDateTime, localDay, periodBound, timeProblem, validFrom } from '../oversight/period.ts';

/** What /readyz reports on. */
export interface ReadinessSources {
  broker: { readonly ports: { mqtt?: number }; readonly connectedClients: number };
  store: { readonly open: boolean };
  sink: Pick<Sink, 'kind'>;
  journal: Pick<Journal, 'oldestReceivedAt' | 'fill' | 'backlogPoints' | 'backlogBytes' | 'capacity' | 'totals'>;
  forwarder: Pick<Forwarder, 'sinkHealthy' | 'lastError' | 'drainRate' | 'totals'>;
  /** Cluster mode only: the node's link to RabbitMQ and its worker. */
  cluster?: { status(): { connected: boolean } & Record<string, unknown> };
}

/** What the API's routes use, and nothing more. */
export interface ApiDeps {
  registry: Pick<
    Registry,
    | 'tenant'
    | 'listTenants'
    | 'createTenant'
    | 'setTenantTimeZone'
    | 'device'
    | 'listDevices'
    | 'createDevice'
    | 'rotateSecret'
    | 'updateDevice'
    | 'addCertificate'
    | 'certificatesOf'
  >;
  tokens: Pick<Tokens, 'authenticate' | 'create' | 'list' | 'revoke'>;
  audit: Pick<AuditLog, 'append' | 'list' | 'verifyChain'>;
  alerts: Pick<AlertBook<StateExecutor>, 'on' | 'get' | 'list' | 'acknowledge' | 'resolve' | 'resolveFirst' | 'history'>;
  /** The assurance state as the API reads it (and the new drift baseline a certificate starts). */
  assurance: Pick<
    Assurance<StateExecutor>,
    | 'verificationOf'
    | 'driftOf'
    | 'driftAsOfTime'
    | 'checksOf'
    | 'rejectionsOf'
    | 'onCertificate'
    | 'onUseChanged'
    | 'checkCounts'
    | 'checksBetween'
    | 'sequences'
  >;
  /** Reference standards, their certificates and reverse traceability (docs/contract.md §5). */
  standards: Pick<ReferenceStandards, 'get' | 'list' | 'create' | 'certificatesOf' | 'addCertificate' | 'stateOf' | 'impact'>;
  /** Lots of prepackages (docs/contract.md §6); `tallies` feeds the overview, the report and the readiness ranking. */
  lots: Pick<LotBook, 'declare' | 'get' | 'view' | 'list' | 'addPackages' | 'tallies'>;
  notifier: Pick<AlertNotifier, 'since' | 'subscribe' | 'addWebhook' | 'listWebhooks' | 'deliveries' | 'deleteWebhook' | 'redeliver' | 'redeliverDead'>;
  deadLetters: Pick<DeadLetters, 'list'>;
  /** Dead letters sent to the sink again (src/journal/dead-letter-replay.ts). */
  deadLetterReplay: Pick<DeadLetterReplay, 'replay' | 'discard'>;
  profiles: ReadonlyMap<string, InstrumentProfile>;
  /** Readings, from the time-series sink. */
  readings: Pick<Sink, 'queryReadings' | 'queryTransactions'>;
  /** Devices' MQTT sessions (a rotated secret ends the session opened with the old one). */
  sessions: { disconnect(deviceId: string): void };
  readiness: ReadinessSources;
  metrics: Pick<GatewayMetrics, 'registry' | 'httpRequests' | 'authFailures' | 'limitRefused'>;
  /** Failed authentications per client address (shared with MQTT). */
  authThrottle: AuthThrottle;
  security: Config['security'];
  log: Logger;
  now: () => Date;
  /** Zone of the overview's and reports' months and days (MAG_DEFAULT_TIME_ZONE); Asia/Ho_Chi_Minh when absent. */
  timeZone?: string;
  /** How far ahead of `now` a time of something that happened may be (as MAG_FUTURE_TOLERANCE_MS for devices); 5 minutes when absent. */
  futureToleranceMs?: number;
  /** Publishes a device's retained `config` (verification standing) when it changed, or always with `force`. */
  publishConfig: (device: Device, force?: boolean) => void;
  /** On-site inspection records and their findings (the inspector's work). */
  inspections: InspectionService;
  /** Mobile verification campaigns. */
  campaigns: CampaignService;
}

export type Env = { Variables: { principal: Principal } };

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers (Retry-After on 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The TCP peer address of a request (not X-Forwarded-For, which a client can forge). */
export function clientAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // not served by @hono/node-server (app.request in tests)
  }
}

/** 404; `path`: the field of the request that named it (a body's or a query's `tenant`), so that the answer says which. */
export const notFound = (what: string, path?: string) =>
  new ApiError(404, 'not_found', `${what} not found`, path === undefined ? undefined : [{ path, message: `${what} not found, or not visible to this token` }]);

export function errorBody(e: ApiError) {
  return { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
}

/** Field errors naming the field, what is accepted and what was received (parse with PARSE_OPTIONS). */
export function zodDetails(error: z.ZodError, subject = 'the request body') {
  return describeIssues(error, '', subject);
}

/** Whom the errors of an instrument of `type` put to `use` would favour (its user in the trade), as places-leaning.ts asks it. */
export function tradeUser(deps: Pick<ApiDeps, 'profiles'>): (type: string, use: string | undefined) => TradeParty {
  return (type, use) => deviceUserOf(deps.profiles.get(type)?.tradeUses, use);
}

/** Can this principal see data of this tenant? */
export function canSeeTenant(p: Principal, tenantId: string, region: string | undefined): boolean {
  if (p.role === 'admin') return true;
  if (p.role === 'operator') return p.tenant === tenantId;
  return region !== undefined && (p.regions ?? []).includes(region);
}

export function visibleTenantIds(deps: ApiDeps, p: Principal): Set<string> | undefined {
  if (p.role === 'admin') return undefined; // all
  return new Set(
    deps.registry
      .listTenants()
      .filter((t) => canSeeTenant(p, t.id, t.region))
      .map((t) => t.id),
  );
}

/** The device if this principal may see it; 404 otherwise (no existence leak). */
export function visibleDevice(deps: ApiDeps, p: Principal, id: string): Device {
  const d = deps.registry.device(id);
  if (!d) throw notFound(`device ${id}`);
  const t = deps.registry.tenant(d.tenant);
  if (!canSeeTenant(p, d.tenant, t?.region)) throw notFound(`device ${id}`);
  return d;
}

/** A token's holder as the audit log names them: `role:name:token id`. */
export const actorOf = (p: Principal): string => `${p.role}:${p.name}:${p.tokenId}`;

export function requireRole(p: Principal, roles: readonly Role[]): void {
  if (!roles.includes(p.role)) throw new ApiError(403, 'forbidden', `the ${p.role} role may not do this (allowed: ${roles.join(', ')})`);
}

export const ALL_ROLES: readonly Role[] = ['admin', 'operator', 'inspector'];

/**
 * Bearer authentication, the failed-authentication throttle per client address
 * (MAG_AUTH_FAIL_MAX in MAG_AUTH_FAIL_WINDOW_S) and the per-token rate limit (MAG_API_RATE, MAG_API_BURST).
 */
export function bearer(
  deps: ApiDeps,
  /** Audits the failure; the request's refusal waits for it (a Promise on PostgreSQL). */
  onFailure: (c: Context, address: string | undefined, reason: 'missing' | 'invalid') => Awaitable<void>,
): MiddlewareHandler<Env> {
  const sec = deps.security;
  const perToken = new TokenBuckets(sec.apiRate, sec.apiBurst);
  const throttle = deps.authThrottle;
  return async (c, next) => {
    const address = clientAddress(c);
    const wait = throttle.retryAfter(address);
    if (wait > 0) {
      deps.metrics.limitRefused.inc({ limit: 'auth_throttle' });
      deps.metrics.authFailures.inc({ protocol: 'http' });
      throw new ApiError(429, 'too_many_failures', `too many failed authentications from this address; retry in ${wait} s`, undefined, {
        'Retry-After': String(wait),
      });
    }
    const h = c.req.header('authorization');
    const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    if (!m) {
      await onFailure(c, address, 'missing');
      throw new ApiError(401, 'unauthorized', 'missing bearer token: send Authorization: Bearer <token>');
    }
    const p = await deps.tokens.authenticate(m[1]);
    if (!p) {
      throttle.fail(address);
      await onFailure(c, address, 'invalid');
      throw new ApiError(401, 'unauthorized', 'invalid or revoked token');
    }
    const limited = perToken.take(p.tokenId);
    if (limited > 0) {
      deps.metrics.limitRefused.inc({ limit: 'api_rate' });
      throw new ApiError(
        429,
        'rate_limited',
        `rate limit: at most ${sec.apiRate} requests/s per token with bursts of ${sec.apiBurst} (MAG_API_RATE, MAG_API_BURST); retry in ${limited} s`,
        undefined,
        { 'Retry-After': String(limited) },
      );
    }
    c.set('principal', p);
    await next();
  };
}

// ── route table → Hono + OpenAPI ──
type Method = 'get' | 'post' | 'patch' | 'delete';

/**
 * A status a route answers besides its success and the errors every route shares (400, 401, 403,
 * 404, and 413, 415, 429: openapi()): a 409 and when, the 200 of an idempotent retry of a create,
 * a 503. A 2xx carries the route's `response`, any other status the shared `Error` body.
 */
export interface RouteAnswer {
  status: number;
  /** When the route answers it, in words a client can act on. */
  description: string;
}

/** The answer of a route that prints a document (printed.ts) when the print shop's queue is full. */
export const PRINT_SHOP_BUSY: RouteAnswer = {
  status: 503,
  description: 'the print shop is busy (its queue of documents is full; code print-shop-busy): Retry-After says when to try again',
};

/** What a handler may answer: a Response, or when the route declares a `response` schema, a body that schema describes. */
type Answered<R extends z.ZodType | undefined> = R extends z.ZodType ? z.input<R> : unknown;

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, R extends z.ZodType | undefined = undefined> {
  method: Method;
  path: string; // Hono style: /api/v1/devices/:id
  summary: string;
  tag: string;
  roles: readonly Role[] | 'public';
  body?: B;
  query?: Q;
  /** The success's JSON body, as /openapi.json describes it; the handler's answer is type-checked against it. */
  response?: R;
  status?: number;
  /** Statuses beyond the shared ones (RouteAnswer). */
  answers?: readonly RouteAnswer[];
  produces?: string;
  handler: (args: {
    c: Context<Env>;
    p: Principal;
    body: B extends z.ZodType ? z.infer<B> : undefined;
    query: Q extends z.ZodType ? z.infer<Q> : undefined;
    params: Record<string, string>;
  }) => Promise<Response | Answered<R>> | Response | Answered<R>;
}

/** A list as the API answers it: `{"items": [ … ]}` (docs/contract.md §4). */
export const Items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** The body of every error answer (docs/contract.md §4): /openapi.json's `Error` component. */
export const ErrorAnswer = z.object({
  error: z.object({
    code: z
      .string()
      .describe(
        'what kind of refusal: invalid_request, invalid_json, invalid_encoding, unauthorized, forbidden, not_found, conflict, too_large, unsupported_media_type, rate_limited, too_many_failures, sink-unavailable, print-shop-busy, internal',
      ),
    message: z.string().describe('what failed and what to do'),
    details: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('400: each failing field (`path`, dotted; `(root)` for the whole body) and why, naming what is accepted and what was received'),
  }),
});

/** The limits the shared 413 and 429 answers name (config.ts `security`); their defaults when the table is not told. */
export type AnswerLimits = Pick<Config['security'], 'maxBodyBytes' | 'apiRate' | 'apiBurst' | 'authFailMax' | 'authFailWindowMs'>;

/** A response body's JSON Schema: what is listed is there; an answer may carry more (the contract is extended, never narrowed). */
function responseSchema(t: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(t, {
    io: 'output',
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  }) as Record<string, unknown>;
  return schema;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ERROR_REF } },
});
const RETRY_AFTER = { 'Retry-After': { description: 'seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } };

/** The shared answers' limits: as configured when told, else each setting with its default. */
function limitWords(limits: AnswerLimits | undefined) {
  const shape = ConfigSchema.shape;
  const say = (setting: keyof typeof shape, given: number | undefined, unit = '') =>
    given === undefined ? `${setting} (${String(shape[setting].parse(undefined))}${unit} unless configured otherwise)` : `${given}${unit} (${setting})`;
  return {
    body: say('MAG_MAX_BODY_BYTES', limits?.maxBodyBytes, ' bytes'),
    rate: say('MAG_API_RATE', limits?.apiRate),
    burst: say('MAG_API_BURST', limits?.apiBurst),
    failures: say('MAG_AUTH_FAIL_MAX', limits?.authFailMax),
    window: say('MAG_AUTH_FAIL_WINDOW_S', limits && limits.authFailWindowMs / 1000, ' s'),
  };
}

export class RouteTable {
  readonly specs: RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>[] = [];
  constructor(private readonly app: Hono<Env>) {}

  add<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, R extends z.ZodType | undefined = undefined>(
    spec: RouteSpec<B, Q, R>,
  ): void {
    this.specs.push(spec as unknown as RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>);
    this.app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      const p = c.get('principal');
      if (spec.roles !== 'public') requireRole(p, spec.roles);
      let body: unknown = undefined;
      if (spec.body) {
        const text = jsonBodyText(new Uint8Array(await c.req.arrayBuffer()), c.req.header('content-type'));
        let raw: unknown;
        try {
          raw = text === '' ? {} : JSON.parse(text);
        } catch (e) {
          throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON', [{ path: '(root)', message: (e as Error).message }]);
        }
        const r = spec.body.safeParse(raw, PARSE_OPTIONS);
        if (!r.success) throw new ApiError(400, 'invalid_request', 'the request body is invalid', zodDetails(r.error));
        body = r.data;
      }
      const given = queryValues(c.req.queries(), spec.query);
      let query: unknown = undefined;
      if (spec.query) {
        const r = spec.query.safeParse(given, PARSE_OPTIONS);
        if (!r.success) throw new ApiError(400, 'invalid_request', 'the query string is invalid', zodDetails(r.error, 'the query string'));
        query = r.data;
      }
      const out = await spec.handler({ c, p, body: body as never, query: query as never, params: c.req.param() as Record<string, string> });
      if (out instanceof Response) return out;
      return c.json(out as object, (spec.status ?? 200) as 200);
    });
  }

  /**
   * The OpenAPI 3.1 document of the routes: each with its success (and its `response` schema), the
   * errors every route shares, and its own `answers`. `limits`: the values the 413 and 429 answers
   * name (else each setting and its default).
   */
  openapi(info: { title: string; version: string }, limits?: AnswerLimits) {
    const words = limitWords(limits);
    const paths: Record<string, Record<string, unknown>> = {};
    for (const s of this.specs) {
      const path = s.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const params = [...s.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      if (s.query) {
        const js = z.toJSONSchema(s.query, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, schema] of Object.entries(js.properties ?? {}))
          params.push({ name, in: 'query', required: (js.required ?? []).includes(name), schema } as never);
      }
      const authenticated = s.roles !== 'public';
      const success = (description: string) => ({
        description,
        content: Object.fromEntries(
          mediaTypes(s.produces).map((type) => [type, s.response && type === 'application/json' ? { schema: responseSchema(s.response) } : {}]),
        ),
      });
      const status = s.status ?? 200;
      const responses: Record<string, Record<string, unknown>> = {
        [String(status)]: success(status === 201 ? 'Created' : 'OK'),
        '400': errorResponse('invalid input, with the failing fields'),
        ...(authenticated ? { '401': errorResponse('no or bad token'), '403': errorResponse('role not allowed') } : {}),
        '404': errorResponse('not found, or not visible to this token'),
        ...(s.body
          ? {
              '413': errorResponse(`code too_large: the request body is larger than ${words.body}`),
              '415': errorResponse('the body is not sent as application/json'),
            }
          : {}),
        ...(authenticated
          ? {
              '429': errorResponse(
                `too many requests, Retry-After says when to try again. Code rate_limited: more than ${words.rate} a second with bursts of ${words.burst} on this token; code too_many_failures: more than ${words.failures} failed authentications from this address within ${words.window}`,
                RETRY_AFTER,
              ),
            }
          : {}),
      };
      for (const a of s.answers ?? []) {
        const key = String(a.status);
        const given = responses[key];
        if (given) responses[key] = { ...given, description: `${String(given.description)}; ${a.description}` };
        else responses[key] = a.status < 300 ? success(a.description) : errorResponse(a.description);
      }
      paths[path] ??= {};
      paths[path][s.method] = {
        summary: s.summary,
        tags: [s.tag],
        ...(s.roles === 'public' ? { security: [] } : { description: `Roles: ${s.roles.join(', ')}` }),
        ...(params.length ? { parameters: params } : {}),
        ...(s.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(s.body, { io: 'input', unrepresentable: 'any' }) } } } }
          : {}),
        responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
      };
    }
    return {
      openapi: '3.1.0',
      info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: responseSchema(ErrorAnswer) } },
      security: [{ bearer: [] }],
      paths,
    };
  }
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A route's `produces`, written for a reader ("application/json, text/csv or an .xlsx workbook"), as media types. */
export function mediaTypes(produces = 'application/json'): string[] {
  return produces
    .split(/,\s*|\s+or\s+/)
    .map((t) => (/xlsx/.test(t) ? XLSX : t.trim()))
    .filter((t) => /^[\w.+-]+\/[\w.+-]+$/.test(t));
}

export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match ^[A-Za-z0-9_-]{1,64}$');
/** The zone an enterprise's days are counted in: its own, else MAG_DEFAULT_TIME_ZONE, else Vietnam's. */
export function zoneOf(deps: Pick<ApiDeps, 'registry' | 'timeZone'>, tenant: string | null | undefined): string {
  return (tenant ? deps.registry.tenant(tenant)?.timeZone : undefined) ?? deps.timeZone ?? 'Asia/Ho_Chi_Minh';
}

/**
 * A time given to the API: a date alone or a date-time (ISO 8601, a real calendar day and time of
 * 1970–9999, nothing around it: timeProblem), written with T and an upper-case Z (canonicalTime).
 */
export const IsoDate = z
  .string()
  .superRefine((s, ctx) => {
    const problem = timeProblem(s);
    // continue: false: the body's own refinements (validUntil after issuedAt) do not read it as a date
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: s, continue: false });
  })
  .transform(canonicalTime);
export const TimeRange = {
  from: IsoDate.optional(),
  to: IsoDate.optional(),
};

/**
 * The instant a query string or a body names, read in `zone`: a date alone is the start of that
 * day there, a date-time without a zone that wall-clock time there, one with a zone (`Z`,
 * `+07:00`) that instant. Not Date.parse, which takes a date alone as UTC midnight (07:00 in
 * Vietnam) and a date-time without a zone in the server's zone.
 */
export function instantIn(value: string, zone: string): number {
  return Date.parse(validFrom(value, zone)); // validFrom reads it so, and writes it with the zone's offset
}

/**
 * A bound of a period a query string names (`from`, `to`, `openedFrom`…), epoch ms, in `zone`:
 * the zone of the enterprise the route is about, else MAG_DEFAULT_TIME_ZONE (zoneOf). A date
 * alone is a day of the zone, both days of a range included: `from` its start, `to` through its
 * end. A date-time is that instant (instantIn). `side` is how the route compares: `from` (t ≥ it),
 * `before` (t < it: a date alone is the start of the next day) or `through` (t ≤ it: the last
 * millisecond of the day), so from=2026-01-01&to=2026-03-31 is the first quarter either way.
 */
export function queryBound(value: string, zone: string, side: 'from' | 'before' | 'through'): number;
export function queryBound(value: string | undefined, zone: string, side: 'from' | 'before' | 'through'): number | undefined;
export function queryBound(value: string | undefined, zone: string, side: 'from' | 'before' | 'through'): number | undefined {
  if (value === undefined) return undefined;
  if (side === 'from' || !isDateOnly(value)) return instantIn(value, zone);
  return periodBound(value, zone, 'to') - (side === 'through' ? 1 : 0);
}

/** `from`/`to` of a query string as epoch ms in `zone` (queryBound), `to` compared as `end`. */
export function queryRange(query: { from?: string; to?: string }, zone: string, end: 'before' | 'through'): { from?: number; to?: number } {
  return { from: queryBound(query.from, zone, 'from'), to: queryBound(query.to, zone, end) };
}

/**
 * A check as the API answers it (devices/{id}/checks, checks, inspections): its epoch-ms `ts` as
 * an ISO 8601 UTC string, as every time of the API (docs/contract.md).
 */
export function checkView<C extends { ts: number }>(c: C): Omit<C, 'ts'> & { ts: string } {
  return { ...c, ts: new Date(c.ts).toISOString() };
}

/**
 * A stored instant as the API answers it: ISO 8601 UTC (docs/contract.md §4). Certificates keep
 * theirs with the enterprise's offset (validFrom, validThrough); the answer is the same instant in
 * UTC. A string that is not an instant (none is stored so) is answered as stored.
 */
export function utcInstant(stored: string): string {
  const t = Date.parse(stored);
  return Number.isFinite(t) && t <= LAST_INSTANT ? new Date(t).toISOString() : stored;
}

/** A date-time that names its day: a date alone, or a date-time with a numeric offset or none (not `Z`). */
const NAMES_ITS_DAY = /^(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+(?:[+-]\d{2}:?\d{2})?)?$/;

/**
 * A certificate's issuedAt as the API answers it: `issuedAt` the instant in UTC, `issuedOn` the
 * enterprise's calendar day the certificate names (YYYY-MM-DD). The store keeps issuedAt at the
 * enterprise's offset (validFrom: 2026-04-01 → 2026-04-01T00:00:00.000+07:00), so the day is the
 * stored string's own date; one stored in UTC (`Z`) is read as its day in `zone` (the enterprise's).
 */
export function issuedView(stored: string, zone: string): { issuedAt: string; issuedOn: string } {
  const day = NAMES_ITS_DAY.exec(stored);
  const t = Date.parse(stored);
  const issuedOn = day ? day[1]! : Number.isFinite(t) ? localDay(zone, t) : stored.slice(0, 10);
  return { issuedAt: utcInstant(stored), issuedOn };
}

/** queryBound as an ISO 8601 instant (UTC), for the stores that compare stored ISO strings (at most 9999-12-31T23:59:59.999Z: later ones write +010000-… and sort first). */
export function queryBoundIso(value: string | undefined, zone: string, side: 'from' | 'before' | 'through'): string | undefined {
  return value === undefined ? undefined : new Date(Math.min(queryBound(value, zone, side), LAST_INSTANT)).toISOString();
}

/** A 400 about the query string: one parameter and what is wrong with it. */
export const badQuery = (path: string, message: string) => new ApiError(400, 'invalid_request', 'the query string is invalid', [{ path, message }]);

/**
 * Refuses a period that ends before it starts: `from` after `to`, compared as queryBound reads them
 * (a date alone `to` through its end, so from=to=2026-03-01 is that day), in `zone`. Every route
 * with a period says it so; an empty list would read as "nothing happened".
 */
export function refuseReversed(query: Record<string, unknown>, zone: string, [fromName, toName]: readonly [string, string] = ['from', 'to']): void {
  const from = query[fromName];
  const to = query[toName];
  if (typeof from !== 'string' || typeof to !== 'string') return;
  if (queryBound(from, zone, 'from') > queryBound(to, zone, 'through'))
    throw badQuery(fromName, `${fromName} must not be after ${toName}; received ${fromName}=${from}, ${toName}=${to}`);
}

/**
 * Why a period that starts at `value` (the `name` parameter, its end not given: now) is refused: it
 * starts after now. Said so, naming the bound that was sent (it said "must be before to").
 */
export function futureFromMessage(value: string, zone: string, now: number, name = 'from'): string {
  const clock = localDateTime(zone, now);
  return `${name} is in the future: the period has not begun (the gateway's clock reads ${clock.day} ${clock.time} in ${zone}); received ${shown(value)}`;
}

/**
 * Refuses a time of something that happened (a certificate's issuedAt, an inspection's startedAt, a
 * check's ts) ahead of the gateway's clock by more than `futureToleranceMs` (a tablet's clock a little
 * fast): a certificate not yet issued became the instrument's last calibration, a check dated 2030
 * its newest one. A date alone is the start of that day in `zone`: today is accepted.
 */
export function refuseFuture(
  deps: Pick<ApiDeps, 'now' | 'futureToleranceMs'>,
  zone: string,
  times: readonly (readonly [path: string, value: string | undefined])[],
): void {
  const now = deps.now().getTime();
  const tolerance = deps.futureToleranceMs ?? 5 * 60_000;
  const ahead = times.filter(([, v]) => v !== undefined && instantIn(v, zone) > now + tolerance);
  if (ahead.length === 0) return;
  const clock = localDateTime(zone, now);
  throw new ApiError(
    400,
    'invalid_request',
    'the request body is invalid',
    ahead.map(([path, v]) => ({
      path,
      message: `${path} is in the future: it says when this happened, and the gateway's clock reads ${clock.day} ${clock.time} in ${zone} (${tolerance / 1000} s of tolerance for a fast clock); received ${shown(v)}`,
    })),
  );
}

/**
 * A whole number in a query string: digits only (not `5abc`, `1e3`, `Infinity`, an empty value),
 * from `min` to `max`; a refusal shows the text sent (z.coerce.number showed NaN as "null").
 */
export function QueryInt(min: number, max?: number) {
  const accepted = max === undefined ? `must be a whole number, at least ${min}` : `must be a whole number from ${min} to ${max}`;
  const n = z.number().min(min, accepted);
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, accepted)
    .transform(Number)
    .pipe(max === undefined ? n : n.max(max, accepted))
    .meta({ type: 'integer', minimum: min, ...(max === undefined ? {} : { maximum: max }) }); // what /openapi.json says
}

/**
 * The query string as the route's schema reads it, one value a name. Refused, naming each
 * parameter: one the route does not take (a misspelt `tennant` gave the whole list), one given
 * twice (the first was taken silently), one given empty (`limit=` read as 0).
 */
export function queryValues(all: Record<string, string[]>, schema: z.ZodType | undefined): Record<string, string> {
  const accepted = schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
  const problems: { path: string; message: string }[] = [];
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(all)) {
    if (!schema || (accepted && !accepted.includes(name)))
      problems.push({
        path: name,
        message: `${name} is not a query parameter of this route (${accepted?.length ? `it takes ${accepted.join(', ')}` : 'it takes none'}); received ${shown(values[0])}`,
      });
    else if (values.length > 1) problems.push({ path: name, message: `${name} is given ${values.length} times: give it once; received ${shown(values)}` });
    else if (values[0] === '') problems.push({ path: name, message: `${name} is empty: give a value or leave it out` });
    else out[name] = values[0]!;
  }
  if (problems.length) throw new ApiError(400, 'invalid_request', 'the query string is invalid', problems);
  return out;
}

/** The first byte of `b` that is not part of valid UTF-8. */
function firstBadUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const x = b[i]!;
    const n = x < 0x80 ? 0 : x >= 0xc2 && x <= 0xdf ? 1 : x >= 0xe0 && x <= 0xef ? 2 : x >= 0xf0 && x <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    // no overlong forms, no surrogates, nothing past U+10FFFF
    const lo = x === 0xe0 ? 0xa0 : x === 0xf0 ? 0x90 : 0x80;
    const hi = x === 0xed ? 0x9f : x === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k++) {
      const y = b[i + k];
      if (y === undefined || y < (k === 1 ? lo : 0x80) || y > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * A request body as JSON text: UTF-8 (JSON is UTF-8, RFC 8259; Windows-1258 bytes decoded leniently
 * were stored as U+FFFD) sent as application/json (charset utf-8 or none), else 415. An empty body
 * is '' whatever its type (a route whose fields are all optional).
 */
export function jsonBodyText(bytes: Uint8Array, contentType: string | undefined): string {
  if (bytes.length === 0) return '';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstBadUtf8(bytes);
    throw new ApiError(400, 'invalid_encoding', 'the request body is not UTF-8 text', [
      {
        path: '(root)',
        message: `the request body is not UTF-8 text: byte 0x${(bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0')} at offset ${at} is not valid UTF-8 (a legacy code page such as Windows-1258 or Latin-1?); send JSON encoded as UTF-8`,
      },
    ]);
  }
  const [type = '', ...params] = (contentType ?? '').split(';').map((x) => x.trim());
  const charset = params
    .find((x) => /^charset\s*=/i.test(x))
    ?.replace(/^charset\s*=\s*/i, '')
    .replace(/^"(.*)"$/, '$1');
  if (type.toLowerCase() !== 'application/json' || (charset !== undefined && !/^utf-?8$/i.test(charset)))
    throw new ApiError(
      415,
      'unsupported_media_type',
      `the request body must be JSON sent with Content-Type: application/json (charset utf-8 or none); received ${contentType ? shown(contentType) : 'no Content-Type'}`,
    );
  return text;
}
