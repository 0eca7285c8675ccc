// The Hono application: public health/metrics/docs routes, bearer auth on /api/v1, uniform errors.
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { ApiError, RouteTable, actorOf, bearer, errorBody, type ApiDeps, type Env } from './http.ts';
import { registryRoutes } from './routes/registry.ts';
import { measurementRoutes } from './routes/measurements.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { alertRoutes } from './routes/alerts.ts';
import { reportRoutes } from './routes/reports.ts';
import { standardRoutes } from './routes/standards.ts';
import { lotRoutes } from './routes/lots.ts';
import { inspectionRoutes } from './routes/inspections.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { oversightRoutes } from './routes/oversight.ts';
import { evidenceRoutes } from './routes/evidence.ts';
import { docsPage } from './docs.ts';
import { ConflictError } from '../store/registry.ts';
import { AuthThrottle } from '../limits.ts';
import { mountConsole } from '../console/serve.ts';

// Long on purpose: the middleware chain and the public routes in the order a request meets them.
export function createApi(deps: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', secureHeaders({ crossOriginResourcePolicy: 'same-origin' }));
  app.use('*', async (c, next) => {
    await next();
    deps.metrics.httpRequests.inc({ status: `${Math.floor(c.res.status / 100)}xx` });
  });
  const sec = deps.security;
  if (sec.corsOrigins.length > 0)
    app.use('/api/*', cors({ origin: sec.corsOrigins.includes('*') ? '*' : sec.corsOrigins, allowHeaders: ['Authorization', 'Content-Type'], maxAge: 600 }));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: sec.maxBodyBytes,
      onError: () => {
        throw new ApiError(413, 'too_large', `the request body exceeds ${sec.maxBodyBytes} bytes (MAG_MAX_BODY_BYTES)`);
      },
    }),
  );

  app.onError(async (e, c) => {
    if (e instanceof ApiError) {
      const p = c.get('principal');
      if (e.status === 403 && p)
        await deps.audit.append(actorOf(p), 'api.denied', null, { method: c.req.method, path: c.req.path, role: p.role, tenant: p.tenant }, deps.now());
      return c.json(errorBody(e), e.status, e.headers);
    }
    // a store's refusal of a write that raced another (a route that did not expect one): the client's to retry
    if (e instanceof ConflictError) return c.json({ error: { code: 'conflict', message: e.message } }, 409);
    deps.log.error({ err: e.message, stack: e.stack, path: c.req.path }, 'unhandled API error');
    return c.json({ error: { code: 'internal', message: 'internal error; see the gateway log' } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  const status = deps.readiness;
  app.get('/readyz', (c) => {
    const oldest = status.journal.oldestReceivedAt();
    const journalFull = status.journal.fill >= 1;
    const cluster = status.cluster?.status();
    const body = {
      ready: status.broker.ports.mqtt !== undefined && status.store.open && !journalFull && (cluster?.connected ?? true),
      broker: { listening: status.broker.ports.mqtt !== undefined, clients: status.broker.connectedClients },
      store: { open: status.store.open },
      sink: { kind: status.sink.kind, up: status.forwarder.sinkHealthy, lastError: status.forwarder.lastError ?? null },
      journal: {
        backlogPoints: status.journal.backlogPoints,
        backlogBytes: status.journal.backlogBytes,
        capacityBytes: status.journal.capacity,
        oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
        drainRatePointsPerSecond: Math.round(status.forwarder.drainRate),
        mode: status.forwarder.sinkHealthy ? 'forwarding' : 'journaling',
        // since the gateway started: committed to the journal, and confirmed by the sink
        committedPoints: status.journal.totals.appendedPoints,
        deliveredPoints: status.forwarder.totals.deliveredPoints,
      },
      ...(cluster ? { cluster } : {}),
    };
    return c.json(body, body.ready ? 200 : 503);
  });
  mountConsole(app); // the inspector console at / (before the API's bearer middleware)
  app.get('/metrics', async (c) => c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }));

  const api = new Hono<Env>();
  // Only /api/* needs a token: /openapi.json and /docs (registered below) are public, and an
  // unknown path answers 404, not 401.
  // A request without a token is not a guess (it does not close the throttle), but each would write
  // an audit row: at most MAG_AUTH_FAIL_MAX of them per address per window are audited, the rest
  // only counted, so anonymous requests cannot flood the audit log.
  const anonymousAudit = new AuthThrottle(sec.authFailMax, sec.authFailWindowMs);
  api.use(
    '/api/*',
    bearer(deps, (c, address, reason) => {
      deps.metrics.authFailures.inc({ protocol: 'http' });
      if (reason === 'missing') {
        if (anonymousAudit.retryAfter(address) > 0) return;
        anonymousAudit.fail(address);
      }
      return deps.audit.append(
        `http:${address ?? 'unknown'}`,
        'api.auth.failed',
        null,
        { path: c.req.path, reason: reason === 'missing' ? 'no bearer token' : 'invalid or revoked token' },
        deps.now(),
      );
    }),
  );
  const table = new RouteTable(api);
  registryRoutes(table, deps);
  measurementRoutes(table, deps);
  transactionRoutes(table, deps);
  alertRoutes(table, deps);
  reportRoutes(table, deps);
  standardRoutes(table, deps);
  lotRoutes(table, deps);
  inspectionRoutes(table, deps);
  campaignRoutes(table, deps);
  oversightRoutes(table, deps);
  evidenceRoutes(table, deps);
  app.route('/', api);

  const openapi = table.openapi({ title: 'MAG, the Measurement Assurance Gateway', version: '1' }, sec);
  const publicRoutes: [string, string, string][] = [
    ['/healthz', 'Liveness', 'application/json'],
    ['/readyz', 'Readiness: broker, store, sink and journal backlog (503 when not ready)', 'application/json'],
    ['/metrics', 'Prometheus metrics', 'text/plain'],
    ['/openapi.json', 'This OpenAPI document', 'application/json'],
    ['/docs', 'Human-readable API documentation', 'text/html'],
  ];
  for (const [path, summary, type] of publicRoutes) {
    const responses: Record<string, unknown> = { '200': { description: 'OK', content: { [type]: {} } } };
    if (path === '/readyz') responses['503'] = { description: 'not ready: the same body, `ready` false and what is not', content: { [type]: {} } };
    openapi.paths[path] = { get: { summary, tags: ['operations'], security: [], responses } };
  }
  app.get('/openapi.json', (c) => c.json(openapi));
  app.get('/docs', (c) => c.html(docsPage()));
  return app;
}
