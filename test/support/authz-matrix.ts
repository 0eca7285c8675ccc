// Over 400 lines: one table, a row per route of the app, and the fixtures its cells need.
// Issue 6: the authorization matrix. EVERY route of the HTTP app (enumerated from the Hono app
// itself and from /openapi.json, so a new route without a row here fails) × every kind of caller:
// admin, operator of the resource's tenant, operator of another tenant, inspector whose regions
// hold the tenant, inspector of other regions, no token, bad token. Each cell is a real request
// against a real gateway; resources of other tenants answer 404, never 403, and a denied request
// answers exactly as it would for a resource that does not exist (no existence leak).
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from './gateway.ts';
import { currentVerification } from './certificates.ts';
import { createApi } from '../../src/api/app.ts';
import type { ApiDeps } from '../../src/api/http.ts';
import { CONSOLE_ASSETS } from '../../src/console/serve.ts';

const WHO = ['admin', 'opOwn', 'opOther', 'inspIn', 'inspOut', 'none', 'bad'] as const;
type Who = (typeof WHO)[number];

/** The marker of the resources under test: tenant `north` (VN-HN) and its devices. */
const OWN = 'north';
const DEV = 'north-dev-1';
const DEV_SECRET_ROUTE = 'north-dev-2';
/** A fuel dispenser of tenant north: the type that has transactions. */
const DEV_FUEL = 'north-fuel-1';
/** A reference standard of tenant north. */
const STD = 'north-std-1';

interface Req {
  path: string;
  body?: unknown;
}
interface Row {
  /** `METHOD /hono/path/:param`, as the app registers it. */
  route: string;
  /** Expected status per caller (none and bad default to 401 on /api/*). */
  expect: Partial<Record<Who, number>>;
  /** The concrete request for a caller (fresh resources for cells that change state). */
  req(who: Who): Req | Promise<Req>;
  /** The same request aimed at a resource that does not exist: a denied cell must answer the same. */
  ghost?(who: Who): Req;
  /** After a denied cell: the resource is untouched. */
  intact?(): Promise<void>;
  sse?: boolean;
  redirect?: boolean;
}

const api = (admin: number, opOwn: number, opOther: number, inspIn: number, inspOut: number): Partial<Record<Who, number>> => ({
  admin,
  opOwn,
  opOther,
  inspIn,
  inspOut,
  none: 401,
  bad: 401,
});
const everyone = (s: number): Partial<Record<Who, number>> => Object.fromEntries(WHO.map((w) => [w, s]));

/** What the gateway under test runs on: extra settings, and how to stop what was started for them. */
export interface MatrixServices {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The matrix against a gateway started with what `services` gives: a single node (nothing), or a
 * cluster node (RabbitMQ and PostgreSQL). The answers must be the same.
 */
export function authorizationMatrix(where: string, services: () => Promise<MatrixServices>): void {
  describe(`authorization matrix: every route × every caller (${where})`, () => {
    let started: MatrixServices | undefined;
    let gw: TestGateway;
    const tokens = {} as Record<Who, string>;
    let device: MqttClient;
    const alerts: string[] = [];
    let sharedAlert = '';
    let sharedWebhook = '';
    /** A dead delivery of the shared webhook that only denied cells aim at: it stays dead. */
    let sharedDead = 0;
    let sharedToken = '';
    // the inspector's work on tenant north (VN-HN): an open record with a finding, a closed record, a campaign
    let sharedInspection = '';
    let closedInspection = '';
    let sharedFinding = '';
    const CAMPAIGN = 'hn-campaign';
    let seq = 0;
    let counter = 0;
    const fresh = (prefix: string) => `${prefix}-${++counter}`;

    const certificate = { ...currentVerification('M', 'barometer'), number: 'V-M' };
    const standard = (id: string, tenant?: string) => ({
      id,
      ...(tenant ? { tenant } : {}),
      name: 'Reference barometer',
      quantity: 'pressure',
      unit: 'hPa',
      kind: 'reference-barometer',
    });
    const standardCertificate = { number: 'HC-M', issuedBy: 'VMI', issuedAt: '2026-01-01T00:00:00Z', validUntil: '2099-01-01T00:00:00Z', uncertainty: 0.05 };
    const webhook = (tenant?: string) => ({
      url: 'https://hooks.example/mag',
      events: ['alert.*'],
      secret: 'a-webhook-secret-of-16+',
      ...(tenant ? { tenant } : {}),
    });
    const newWebhook = async () => {
      const r = await gw.call('POST', '/api/v1/webhooks', webhook(OWN));
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    /**
     * A dead delivery of the shared webhook, the newest but `except`: every delivery dies at its
     * first failure here (MAG_WEBHOOK_MAX_ATTEMPTS=1; hooks.example does not resolve), and one
     * sent again dies again.
     */
    const deadDelivery = (except?: number): Promise<number> =>
      vi.waitFor(
        async () => {
          const d = (await deliveriesOfShared()).find((x) => x.state === 'dead' && x.id !== except);
          assert(d, 'waiting for a dead delivery of the shared webhook');
          return d.id;
        },
        { timeout: 30_000, interval: 100 },
      );
    const deliveriesOfShared = async () =>
      (await gw.call('GET', `/api/v1/webhooks/${sharedWebhook}/deliveries`)).body.items as { id: number; state: string; attempts: number }[];
    const newToken = async () => {
      const r = await gw.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-SG'], name: fresh('throwaway') });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    /** An open out-of-tolerance alert on DEV, one per test point, from a failing check over MQTT. */
    const openAlert = async (): Promise<string> => {
      const point = fresh('P');
      await device.publishAsync(
        `instruments/${DEV}/checks`,
        JSON.stringify({
          seq: ++seq,
          ts: new Date().toISOString(),
          indicated: 1010,
          reference: 1000,
          referenceUncertainty: 0.01,
          unit: 'hPa',
          standardId: 'STD-1',
          point,
        }),
        { qos: 1 },
      );
      return vi.waitFor(
        async () => {
          const a = (await gw.call('GET', `/api/v1/alerts?device=${DEV}&state=open`)).body.items.find((x: { key?: string }) => x.key === point);
          assert(a, `waiting for an alert opened for test point ${point}`);
          return a.id as string;
        },
        { timeout: 5000, interval: 25 },
      );
    };
    const alertState = async (id: string) => (await gw.call('GET', `/api/v1/alerts/${id}`)).body.state as string;
    const lot = (tenant: string) => ({ id: fresh('north-lot'), tenant, product: 'Gạo 500 g', nominal: 500, unit: 'g', lotSize: 200 });
    const newLot = async () => {
      const r = await gw.call('POST', '/api/v1/lots', lot(OWN));
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    let sharedLot = '';
    const newInspection = async (): Promise<string> => {
      const r = await gw.call('POST', '/api/v1/inspections', { tenant: OWN, startedAt: new Date().toISOString(), inspectors: ['Nguyễn Văn Hùng'] });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const newFinding = async (): Promise<string> => {
      const r = await gw.call('POST', `/api/v1/inspections/${sharedInspection}/findings`, { kind: 'observation', description: fresh('seen') });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const item = { device: DEV, sealsIntact: true, verificationMarkValid: true, certificateValid: true };
    const scale = { market: 'Chợ Hôm', owner: { name: 'Trần Thị Mai' }, serial: 'HN-1', type: 'scale', class: 'IIII', max: 30, e: 0.1, result: 'fail' };
    const inspectionState = async (id: string) => (await gw.call('GET', `/api/v1/inspections/${id}`)).body.state as string;

    // ── the matrix ──
    const rows: Row[] = [
      // public: the same for every caller, a bad token changes nothing
      { route: 'GET /healthz', expect: everyone(200), req: () => ({ path: '/healthz' }) },
      { route: 'GET /readyz', expect: everyone(200), req: () => ({ path: '/readyz' }) },
      { route: 'GET /metrics', expect: everyone(200), req: () => ({ path: '/metrics' }) },
      { route: 'GET /openapi.json', expect: everyone(200), req: () => ({ path: '/openapi.json' }) },
      { route: 'GET /docs', expect: everyone(200), req: () => ({ path: '/docs' }) },
      { route: 'GET /', expect: everyone(200), req: () => ({ path: '/' }) },
      { route: 'GET /index.html', expect: everyone(200), req: () => ({ path: '/index.html' }) },
      // every asset of the console, as served (one module per page), and the vocabulary written from the gateway's lists
      ...[...CONSOLE_ASSETS, 'vocabulary.js'].map((f): Row => ({ route: `GET /console/${f}`, expect: everyone(200), req: () => ({ path: `/console/${f}` }) })),
      // the same under the console's version (src/console/serve.ts): any version answers today's files
      {
        route: 'GET /console/:version{v-[A-Za-z0-9_-]{1,32}}/:name',
        expect: everyone(200),
        req: () => ({ path: '/console/v-any/app.js' }),
      },
      { route: 'GET /favicon.ico', expect: everyone(301), req: () => ({ path: '/favicon.ico' }), redirect: true },

      // tenants and tokens: admin only (everyone lists the tenants it may see)
      {
        route: 'POST /api/v1/tenants',
        expect: api(201, 403, 403, 403, 403),
        req: () => ({ path: '/api/v1/tenants', body: { id: fresh('t'), name: 'T', region: 'VN-CT' } }),
      },
      { route: 'GET /api/v1/tenants', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/tenants' }) },
      // (on tenant central: a denied request's path is audited, and inspectors of the denied operator's region read it)
      {
        route: 'PATCH /api/v1/tenants/:id',
        expect: api(200, 403, 403, 403, 403),
        req: () => ({ path: '/api/v1/tenants/central', body: { timeZone: 'Asia/Ho_Chi_Minh' } }),
      },
      {
        route: 'POST /api/v1/tokens',
        expect: api(201, 403, 403, 403, 403),
        req: () => ({ path: '/api/v1/tokens', body: { role: 'admin', name: fresh('escalate') } }),
      },
      { route: 'GET /api/v1/tokens', expect: api(200, 403, 403, 403, 403), req: () => ({ path: '/api/v1/tokens' }) },
      {
        route: 'DELETE /api/v1/tokens/:id',
        expect: api(200, 403, 403, 403, 403),
        req: async (who) => ({ path: `/api/v1/tokens/${who === 'admin' ? await newToken() : sharedToken}` }),
        ghost: () => ({ path: '/api/v1/tokens/0123456789ab' }),
        intact: async () => {
          const t = (await gw.call('GET', '/api/v1/tokens')).body.items.find((x: { id: string }) => x.id === sharedToken);
          expect(t.revokedAt).toBeNull();
        },
      },
      { route: 'GET /api/v1/me', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/me' }) },
      { route: 'GET /api/v1/instrument-types', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/instrument-types' }) },

      // devices and certificates of tenant north
      {
        route: 'POST /api/v1/devices',
        expect: api(201, 201, 404, 403, 403),
        req: () => ({ path: '/api/v1/devices', body: { id: fresh('north-new'), tenant: OWN, type: 'barometer', serial: 'SN-X' } }),
        ghost: () => ({ path: '/api/v1/devices', body: { id: fresh('north-new'), tenant: 'ghost-tenant', type: 'barometer', serial: 'SN-X' } }),
      },
      { route: 'GET /api/v1/devices', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/devices' }) },
      {
        route: 'GET /api/v1/devices/:id',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/devices/${DEV}` }),
        ghost: () => ({ path: '/api/v1/devices/ghost-dev' }),
      },
      {
        route: 'PATCH /api/v1/devices/:id',
        expect: api(200, 200, 404, 403, 403),
        // a model of its own per caller: a real change each time, and a denied one would show
        req: (who) => ({ path: `/api/v1/devices/${DEV}`, body: { model: fresh(`model-${who}`) } }),
        ghost: (who) => ({ path: '/api/v1/devices/ghost-dev', body: { model: fresh(`model-${who}`) } }),
        intact: async () => {
          const model: string | undefined = (await gw.call('GET', `/api/v1/devices/${DEV}`)).body.model;
          expect(model ?? '').not.toMatch(/^model-(opOther|inspIn|inspOut|none|bad)-/);
        },
      },
      {
        route: 'POST /api/v1/devices/:id/secret',
        expect: api(200, 200, 404, 403, 403),
        req: () => ({ path: `/api/v1/devices/${DEV_SECRET_ROUTE}/secret` }),
        ghost: () => ({ path: '/api/v1/devices/ghost-dev/secret' }),
      },
      {
        route: 'POST /api/v1/devices/:id/certificates',
        expect: api(201, 201, 404, 403, 403),
        // a number once per instrument (the same content again answers 200): each caller its own
        req: () => ({ path: `/api/v1/devices/${DEV}/certificates`, body: { ...certificate, number: fresh('V-M') } }),
        ghost: () => ({ path: '/api/v1/devices/ghost-dev/certificates', body: certificate }),
      },
      ...['certificates', 'readings', 'checks', 'drift', 'rejections', 'oot-impact', 'evidence'].map(
        (sub): Row => ({
          route: `GET /api/v1/devices/:id/${sub}`,
          expect: api(200, 200, 404, 200, 404),
          req: () => ({ path: `/api/v1/devices/${DEV}/${sub}` }),
          ghost: () => ({ path: `/api/v1/devices/ghost-dev/${sub}` }),
        }),
      ),
      {
        route: 'GET /api/v1/devices/:id/transactions',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/devices/${DEV_FUEL}/transactions` }),
        ghost: () => ({ path: '/api/v1/devices/ghost-dev/transactions' }),
      },

      // alerts of a north device
      { route: 'GET /api/v1/alerts', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/alerts' }) },
      { route: 'GET /api/v1/alerts/stream', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/alerts/stream' }), sse: true },
      {
        route: 'GET /api/v1/alerts/:id',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/alerts/${sharedAlert}` }),
        ghost: () => ({ path: `/api/v1/alerts/${randomUUID()}` }),
      },
      {
        route: 'POST /api/v1/alerts/:id/ack',
        expect: api(200, 200, 404, 200, 404),
        req: async (who) => ({ path: `/api/v1/alerts/${['admin', 'opOwn', 'inspIn'].includes(who) ? alerts.pop() : sharedAlert}/ack`, body: { note: 'seen' } }),
        ghost: () => ({ path: `/api/v1/alerts/${randomUUID()}/ack`, body: { note: 'seen' } }),
        intact: async () => expect(await alertState(sharedAlert)).toBe('open'),
      },
      {
        route: 'POST /api/v1/alerts/:id/resolve',
        expect: api(200, 200, 404, 200, 404),
        req: async (who) => ({
          path: `/api/v1/alerts/${['admin', 'opOwn', 'inspIn'].includes(who) ? alerts.pop() : sharedAlert}/resolve`,
          body: { reason: 'recalibrated', note: 'certificate HC-1' },
        }),
        ghost: () => ({ path: `/api/v1/alerts/${randomUUID()}/resolve`, body: { reason: 'recalibrated', note: 'certificate HC-1' } }),
        intact: async () => expect(await alertState(sharedAlert)).toBe('open'),
      },

      // webhooks of tenant north
      {
        route: 'POST /api/v1/webhooks',
        expect: api(201, 201, 404, 403, 403),
        req: () => ({ path: '/api/v1/webhooks', body: webhook(OWN) }),
        ghost: () => ({ path: '/api/v1/webhooks', body: webhook('ghost-tenant') }),
      },
      { route: 'GET /api/v1/webhooks', expect: api(200, 200, 200, 403, 403), req: () => ({ path: '/api/v1/webhooks' }) },
      {
        route: 'GET /api/v1/webhooks/:id/deliveries',
        expect: api(200, 200, 404, 403, 403),
        req: () => ({ path: `/api/v1/webhooks/${sharedWebhook}/deliveries` }),
        ghost: () => ({ path: `/api/v1/webhooks/${randomUUID()}/deliveries` }),
      },
      {
        route: 'POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
        expect: api(200, 200, 404, 403, 403),
        req: async (who) => ({
          path: `/api/v1/webhooks/${sharedWebhook}/deliveries/${['admin', 'opOwn'].includes(who) ? await deadDelivery(sharedDead) : sharedDead}/redeliver`,
        }),
        ghost: () => ({ path: `/api/v1/webhooks/${randomUUID()}/deliveries/${sharedDead}/redeliver` }),
        intact: async () => expect((await deliveriesOfShared()).find((d) => d.id === sharedDead)).toMatchObject({ state: 'dead', attempts: 1 }),
      },
      {
        route: 'POST /api/v1/webhooks/:id/redeliver-dead',
        expect: api(200, 200, 404, 403, 403),
        req: async (who) => ({ path: `/api/v1/webhooks/${['admin', 'opOwn'].includes(who) ? await newWebhook() : sharedWebhook}/redeliver-dead` }),
        ghost: () => ({ path: `/api/v1/webhooks/${randomUUID()}/redeliver-dead` }),
        intact: async () => expect((await deliveriesOfShared()).find((d) => d.id === sharedDead)).toMatchObject({ state: 'dead', attempts: 1 }),
      },
      {
        route: 'DELETE /api/v1/webhooks/:id',
        expect: api(200, 200, 404, 403, 403),
        req: async (who) => ({ path: `/api/v1/webhooks/${['admin', 'opOwn'].includes(who) ? await newWebhook() : sharedWebhook}` }),
        ghost: () => ({ path: `/api/v1/webhooks/${randomUUID()}` }),
        intact: async () => {
          const items = (await gw.call('GET', '/api/v1/webhooks')).body.items as { id: string }[];
          expect(items.map((w) => w.id)).toContain(sharedWebhook);
        },
      },

      // reference standards of tenant north (the authority's are every caller's to read)
      {
        route: 'POST /api/v1/standards',
        expect: api(201, 201, 404, 403, 403),
        req: () => ({ path: '/api/v1/standards', body: standard(fresh('north-new'), OWN) }),
        ghost: () => ({ path: '/api/v1/standards', body: standard(fresh('north-new'), 'ghost-tenant') }),
      },
      { route: 'GET /api/v1/standards', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/standards' }) },
      {
        route: 'GET /api/v1/standards/:id',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/standards/${STD}` }),
        ghost: () => ({ path: '/api/v1/standards/ghost-dev' }),
      },
      {
        route: 'POST /api/v1/standards/:id/certificates',
        expect: api(201, 201, 404, 403, 403),
        req: () => ({ path: `/api/v1/standards/${STD}/certificates`, body: { ...standardCertificate, number: fresh('HC-M') } }),
        ghost: () => ({ path: '/api/v1/standards/ghost-dev/certificates', body: standardCertificate }),
      },
      ...['certificates', 'impact'].map(
        (sub): Row => ({
          route: `GET /api/v1/standards/:id/${sub}`,
          expect: api(200, 200, 404, 200, 404),
          req: () => ({ path: `/api/v1/standards/${STD}/${sub}` }),
          ghost: () => ({ path: `/api/v1/standards/ghost-dev/${sub}` }),
        }),
      ),
      // lots of prepackages of tenant north
      {
        route: 'POST /api/v1/lots',
        expect: api(201, 201, 404, 403, 403),
        req: () => ({ path: '/api/v1/lots', body: lot(OWN) }),
        ghost: () => ({ path: '/api/v1/lots', body: lot('ghost-tenant') }),
      },
      { route: 'GET /api/v1/lots', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/lots' }) },
      {
        route: 'GET /api/v1/lots/:id',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/lots/${sharedLot}` }),
        ghost: () => ({ path: '/api/v1/lots/ghost-lot' }),
      },
      {
        route: 'POST /api/v1/lots/:id/packages',
        expect: api(200, 200, 404, 403, 403),
        req: async (who) => ({
          path: `/api/v1/lots/${['admin', 'opOwn'].includes(who) ? await newLot() : sharedLot}/packages`,
          body: { items: [{ net: 500 }] },
        }),
        ghost: () => ({ path: '/api/v1/lots/ghost-lot/packages', body: { items: [{ net: 500 }] } }),
        intact: async () => expect((await gw.call('GET', `/api/v1/lots/${sharedLot}`)).body.measured).toBe(0),
      },
      // inspection records of tenant north: inspectors of its region and admins act, its operator reads and answers
      {
        route: 'POST /api/v1/inspections',
        expect: api(201, 403, 403, 201, 404),
        req: () => ({ path: '/api/v1/inspections', body: { tenant: OWN, startedAt: new Date().toISOString(), inspectors: ['A'] } }),
        ghost: () => ({ path: '/api/v1/inspections', body: { tenant: 'ghost-tenant', startedAt: new Date().toISOString(), inspectors: ['A'] } }),
      },
      { route: 'GET /api/v1/inspections', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/inspections' }) },
      {
        route: 'GET /api/v1/inspections/:id',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/inspections/${sharedInspection}` }),
        ghost: () => ({ path: '/api/v1/inspections/BBKT-2099-9999' }),
      },
      {
        route: 'GET /api/v1/inspections/:id/record.pdf',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/inspections/${sharedInspection}/record.pdf` }),
        ghost: () => ({ path: '/api/v1/inspections/BBKT-2099-9999/record.pdf' }),
      },
      {
        route: 'POST /api/v1/inspections/:id/items',
        expect: api(201, 403, 403, 201, 404),
        req: () => ({ path: `/api/v1/inspections/${sharedInspection}/items`, body: item }),
        ghost: () => ({ path: '/api/v1/inspections/BBKT-2099-9999/items', body: item }),
      },
      {
        route: 'POST /api/v1/inspections/:id/findings',
        expect: api(201, 403, 403, 201, 404),
        req: () => ({ path: `/api/v1/inspections/${sharedInspection}/findings`, body: { kind: 'observation', description: 'x' } }),
        ghost: () => ({ path: '/api/v1/inspections/BBKT-2099-9999/findings', body: { kind: 'observation', description: 'x' } }),
      },
      {
        route: 'POST /api/v1/inspections/:id/close',
        expect: api(200, 403, 403, 200, 404),
        req: async (who) => ({ path: `/api/v1/inspections/${['admin', 'inspIn'].includes(who) ? await newInspection() : sharedInspection}/close`, body: {} }),
        ghost: () => ({ path: '/api/v1/inspections/BBKT-2099-9999/close', body: {} }),
        intact: async () => expect(await inspectionState(sharedInspection)).toBe('open'),
      },
      {
        route: 'POST /api/v1/inspections/:id/amendments',
        expect: api(201, 403, 403, 201, 404),
        req: () => ({ path: `/api/v1/inspections/${closedInspection}/amendments`, body: { reason: 'r', change: 'c' } }),
        ghost: () => ({ path: '/api/v1/inspections/BBKT-2099-9999/amendments', body: { reason: 'r', change: 'c' } }),
      },
      { route: 'GET /api/v1/findings', expect: api(200, 200, 200, 200, 200), req: () => ({ path: '/api/v1/findings' }) },
      {
        route: 'GET /api/v1/findings/:id',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/findings/${sharedFinding}` }),
        ghost: () => ({ path: '/api/v1/findings/BBKT-2099-9999-F1' }),
      },
      {
        route: 'POST /api/v1/findings/:id/answer',
        expect: api(200, 200, 404, 403, 403),
        req: () => ({ path: `/api/v1/findings/${sharedFinding}/answer`, body: { text: 'đã khắc phục' } }),
        ghost: () => ({ path: '/api/v1/findings/BBKT-2099-9999-F1/answer', body: { text: 'x' } }),
      },
      {
        route: 'POST /api/v1/findings/:id/close',
        expect: api(200, 403, 403, 200, 404),
        req: async (who) => ({
          path: `/api/v1/findings/${['admin', 'inspIn'].includes(who) ? await newFinding() : sharedFinding}/close`,
          body: { reason: 'done' },
        }),
        ghost: () => ({ path: '/api/v1/findings/BBKT-2099-9999-F1/close', body: { reason: 'done' } }),
        intact: async () => expect((await gw.call('GET', `/api/v1/findings/${sharedFinding}`)).body.state).not.toBe('closed'),
      },
      // mobile verification campaigns of region VN-HN: its inspectors and admins; operators never (another region's token: 400 naming the region)
      {
        route: 'POST /api/v1/campaigns',
        expect: api(201, 403, 403, 201, 400),
        req: () => ({
          path: '/api/v1/campaigns',
          body: { id: fresh('camp'), name: 'C', region: 'VN-HN', markets: [{ name: 'Chợ Hôm' }], from: '2026-01-01', to: '2026-12-31', team: ['A'] },
        }),
      },
      { route: 'GET /api/v1/campaigns', expect: api(200, 403, 403, 200, 200), req: () => ({ path: '/api/v1/campaigns' }) },
      {
        route: 'GET /api/v1/campaigns/:id',
        expect: api(200, 403, 403, 200, 404),
        req: () => ({ path: `/api/v1/campaigns/${CAMPAIGN}` }),
        ghost: () => ({ path: '/api/v1/campaigns/ghost-campaign' }),
      },
      {
        route: 'GET /api/v1/campaigns/:id/summary',
        expect: api(200, 403, 403, 200, 404),
        req: () => ({ path: `/api/v1/campaigns/${CAMPAIGN}/summary` }),
        ghost: () => ({ path: '/api/v1/campaigns/ghost-campaign/summary' }),
      },
      {
        route: 'POST /api/v1/campaigns/:id/verifications',
        expect: api(201, 403, 403, 201, 404),
        req: () => ({ path: `/api/v1/campaigns/${CAMPAIGN}/verifications`, body: scale }),
        ghost: () => ({ path: '/api/v1/campaigns/ghost-campaign/verifications', body: scale }),
      },

      // reports, audit, reliability
      {
        route: 'GET /api/v1/reports/assurance',
        expect: api(200, 200, 404, 200, 404),
        req: () => ({ path: `/api/v1/reports/assurance?tenant=${OWN}` }),
        ghost: () => ({ path: '/api/v1/reports/assurance?tenant=ghost-tenant' }),
      },
      // the inspector's overview, ranking, periodic report and checks list: each token its own scope; a region an inspector does not cover is 404
      { route: 'GET /api/v1/overview', expect: api(200, 200, 200, 200, 404), req: () => ({ path: '/api/v1/overview?region=VN-HN' }) },
      { route: 'GET /api/v1/readiness', expect: api(200, 200, 200, 200, 404), req: () => ({ path: '/api/v1/readiness?region=VN-HN' }) },
      { route: 'GET /api/v1/reports/periodic', expect: api(200, 200, 200, 200, 404), req: () => ({ path: '/api/v1/reports/periodic?region=VN-HN' }) },
      { route: 'GET /api/v1/checks', expect: api(200, 200, 200, 200, 404), req: () => ({ path: '/api/v1/checks?region=VN-HN' }) },
      { route: 'GET /api/v1/places', expect: api(200, 200, 200, 200, 404), req: () => ({ path: '/api/v1/places?region=VN-HN' }) },
      { route: 'GET /api/v1/audit', expect: api(200, 403, 403, 200, 200), req: () => ({ path: '/api/v1/audit' }) },
      { route: 'GET /api/v1/audit/verify', expect: api(200, 403, 403, 403, 403), req: () => ({ path: '/api/v1/audit/verify' }) },
      { route: 'GET /api/v1/dead-letters', expect: api(200, 403, 403, 403, 403), req: () => ({ path: '/api/v1/dead-letters' }) },
      {
        route: 'POST /api/v1/dead-letters/replay',
        expect: api(200, 403, 403, 403, 403),
        req: () => ({ path: '/api/v1/dead-letters/replay', body: { device: fresh('nothing-kept') } }),
      },
      {
        route: 'POST /api/v1/dead-letters/discard',
        expect: api(200, 403, 403, 403, 403),
        req: () => ({ path: '/api/v1/dead-letters/discard', body: { device: fresh('nothing-kept'), reason: 'the matrix' } }),
      },
    ];

    const send = async (method: string, r: Req, token: string | undefined, opts: { sse?: boolean; redirect?: boolean } = {}) => {
      const ctl = new AbortController();
      const res = await fetch(gw.api + r.path, {
        method,
        signal: ctl.signal,
        redirect: opts.redirect ? 'manual' : 'follow',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: r.body === undefined ? undefined : JSON.stringify(r.body),
      });
      if (opts.sse && res.status === 200) {
        // A live stream never ends: the first event is enough.
        const reader = res.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        ctl.abort();
        return { status: res.status, text: first, type: res.headers.get('content-type') ?? '' };
      }
      return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
    };

    beforeAll(async () => {
      // Many bad-token cells come from one address: keep the failed-authentication throttle out of the way.
      started = await services();
      // Webhook deliveries die at their first failure: the redelivery cells have dead ones at hand.
      gw = await startTestGateway({ MAG_AUTH_FAIL_MAX: '100000', MAG_WEBHOOK_MAX_ATTEMPTS: '1', ...started.env });
      const secret = await gw.device({ id: DEV, type: 'barometer', tenant: OWN, region: 'VN-HN' });
      await gw.device({ id: DEV_SECRET_ROUTE, type: 'barometer', tenant: OWN, region: 'VN-HN' });
      await gw.device({ id: DEV_FUEL, type: 'fuel-dispenser', tenant: OWN, region: 'VN-HN' });
      await gw.device({ id: 'south-dev-1', type: 'barometer', tenant: 'south', region: 'VN-SG' });
      await gw.device({ id: 'central-dev-1', type: 'barometer', tenant: 'central', region: 'VN-DN' });
      const token = async (body: Record<string, unknown>) => {
        const r = await gw.call('POST', '/api/v1/tokens', body);
        expect(r.status).toBe(201);
        return r.body.token as string;
      };
      tokens.admin = ADMIN_TOKEN;
      tokens.opOwn = await token({ role: 'operator', tenant: OWN, name: 'op-own' });
      tokens.opOther = await token({ role: 'operator', tenant: 'south', name: 'op-other' });
      tokens.inspIn = await token({ role: 'inspector', regions: ['VN-HN'], name: 'insp-in' });
      tokens.inspOut = await token({ role: 'inspector', regions: ['VN-SG', 'VN-DN'], name: 'insp-out' });
      tokens.bad = 'mag_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      sharedToken = await newToken();
      sharedWebhook = await newWebhook();
      expect((await gw.call('POST', '/api/v1/standards', standard(STD, OWN))).status).toBe(201);
      expect((await gw.call('POST', '/api/v1/standards', standard('AUTH-STD-1'))).status).toBe(201);
      sharedLot = await newLot();

      device = await gw.connect(DEV, secret);
      await device.publishAsync(
        `instruments/${DEV}/readings`,
        JSON.stringify({ seq: ++seq, ts: new Date().toISOString(), quantity: 'pressure', value: 1013.2, unit: 'hPa' }),
        { qos: 1 },
      );
      sharedAlert = await openAlert();
      sharedInspection = await newInspection();
      sharedFinding = await newFinding();
      closedInspection = await newInspection();
      expect((await gw.call('POST', `/api/v1/inspections/${closedInspection}/close`, {})).status).toBe(200);
      expect(
        (
          await gw.call('POST', '/api/v1/campaigns', {
            id: CAMPAIGN,
            name: 'Chợ Hà Nội',
            region: 'VN-HN',
            markets: [{ name: 'Chợ Hôm' }],
            from: '2026-01-01',
            to: '2026-12-31',
            team: ['A'],
          })
        ).status,
      ).toBe(201);
      for (let i = 0; i < 6; i++) alerts.push(await openAlert()); // one per allowed ack/resolve cell
      // the oldest dead delivery, once another is dead too (the allowed redelivery cells take that one)
      sharedDead = await vi.waitFor(
        async () => {
          const dead = (await deliveriesOfShared()).filter((d) => d.state === 'dead');
          assert(dead.length >= 2, 'waiting for two dead deliveries of the shared webhook');
          return dead[dead.length - 1]!.id;
        },
        { timeout: 30_000, interval: 100 },
      );
    }, 120_000);

    afterAll(async () => {
      await gw?.destroy();
      await started?.stop();
    });

    it('has a row for every route the app serves and every route of /openapi.json, and none more', async () => {
      // Only the route table is read: the app needs no more of its dependencies than it touches when built.
      const g = gw.gateway;
      const app = createApi({
        ...g,
        security: g.config.security,
        metrics: undefined as never,
        notifier: undefined as never,
        now: () => new Date(),
        publishConfig: () => undefined,
      } as unknown as ApiDeps);
      const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
      const spec = JSON.parse((await send('GET', { path: '/openapi.json' }, undefined)).text) as { paths: Record<string, Record<string, unknown>> };
      const documented = new Set(
        Object.entries(spec.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{([A-Za-z]+)\}/g, ':$1')}`)),
      );
      const inMatrix = new Set(rows.map((r) => r.route));
      expect(
        [...served].filter((r) => !inMatrix.has(r)),
        'served routes without a matrix row',
      ).toEqual([]);
      expect(
        [...documented].filter((r) => !inMatrix.has(r)),
        'documented routes without a matrix row',
      ).toEqual([]);
      expect(
        [...inMatrix].filter((r) => !served.has(r)),
        'matrix rows for routes that do not exist',
      ).toEqual([]);
      // every API route is documented (the console's static files are not part of the API)
      expect([...served].filter((r) => r.includes('/api/') && !documented.has(r))).toEqual([]);
      for (const r of rows) expect(Object.keys(r.expect).sort(), r.route).toEqual([...WHO].sort());
    });

    it.each(rows.map((r) => [r.route, r] as const))('%s', async (route, row) => {
      const method = route.split(' ')[0];
      const failures: string[] = [];
      for (const who of WHO) {
        const want = row.expect[who]!;
        const r = await row.req(who);
        const got = await send(method, r, who === 'none' ? undefined : tokens[who], row);
        if (got.status !== want) {
          failures.push(`${who}: expected ${want}, got ${got.status} ${got.text.slice(0, 200)}`);
          continue;
        }
        if (want >= 400) {
          // a structured error, never a stack or an internal detail
          const body = JSON.parse(got.text);
          expect(body, `${who} ${route}`).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
          if (row.ghost && (want === 403 || want === 404)) {
            // denied on a real resource = the answer for a resource that does not exist
            const g = row.ghost(who);
            const other = await send(method, g, tokens[who]);
            const scrub = (s: string) =>
              JSON.parse(s)
                .error.message.replace(/[A-Za-z0-9_-]{8,}/g, 'X')
                .replace(/north-new-\d+|north|ghost-tenant|ghost-dev/g, 'X');
            if (other.status !== want) failures.push(`${who}: ${want} on the real resource but ${other.status} on a missing one (existence leak)`);
            else expect(scrub(other.text), `${who} ${route}: same message for a real and a missing resource`).toBe(scrub(got.text));
          }
          if (row.intact && want !== 401) await row.intact();
        }
        if (want < 300 && (who === 'opOther' || who === 'inspOut') && route.includes('/api/')) {
          // nothing of tenant north reaches a caller who may not see it
          if (got.text.includes(OWN)) failures.push(`${who}: ${route} answered data of tenant ${OWN}: ${got.text.slice(0, 300)}`);
        }
        if (row.sse && want === 200) expect(got.type).toMatch(/text\/event-stream/);
      }
      expect(failures, route).toEqual([]);
    });

    it('GET /api/v1/me answers who the token is, and nothing secret', async () => {
      const me = async (who: Who) => (await gw.call('GET', '/api/v1/me', undefined, tokens[who])).body;
      expect(await me('admin')).toEqual({ id: 'bootstrap', role: 'admin', name: 'MAG_ADMIN_TOKEN' });
      expect(await me('opOwn')).toEqual({ id: expect.any(String), role: 'operator', tenant: OWN, name: 'op-own' });
      expect(await me('inspIn')).toEqual({ id: expect.any(String), role: 'inspector', regions: ['VN-HN'], name: 'insp-in' });
      expect(await me('inspOut')).toEqual({ id: expect.any(String), role: 'inspector', regions: ['VN-SG', 'VN-DN'], name: 'insp-out' });
      for (const who of ['opOwn', 'opOther', 'inspIn', 'inspOut'] as const) {
        const body = await me(who);
        expect(tokens[who].startsWith(`mag_${body.id}_`)).toBe(true);
        expect(JSON.stringify(body)).not.toContain(tokens[who].slice(`mag_${body.id}_`.length));
      }
      const spec = (await gw.call('GET', '/openapi.json', undefined, '')).body;
      expect(spec.paths['/api/v1/me'].get.responses['200'].content['application/json'].schema.properties).toHaveProperty('role');
      // a revoked token is no one
      const t = await gw.call('POST', '/api/v1/tokens', { role: 'operator', tenant: OWN, name: 'revoked-soon' });
      expect((await gw.call('GET', '/api/v1/me', undefined, t.body.token)).status).toBe(200);
      await gw.call('DELETE', `/api/v1/tokens/${t.body.id}`);
      expect((await gw.call('GET', '/api/v1/me', undefined, t.body.token)).status).toBe(401);
    });

    it('lists answer only what the caller may see', async () => {
      const ids = async (who: Who, path: string) =>
        ((await gw.call('GET', path, undefined, tokens[who])).body.items as { id?: string; tenant?: string; device?: string }[])
          .map((x) => x.tenant ?? x.id)
          .sort();
      expect(await ids('opOwn', '/api/v1/tenants')).toEqual([OWN]);
      expect(await ids('opOther', '/api/v1/tenants')).toEqual(['south']);
      expect(await ids('inspIn', '/api/v1/tenants')).toEqual([OWN]);
      expect(new Set(await ids('inspOut', '/api/v1/tenants'))).toEqual(new Set(['central', 'south']));
      expect(new Set(await ids('opOwn', '/api/v1/devices'))).toEqual(new Set([OWN]));
      expect(new Set(await ids('inspOut', '/api/v1/devices'))).toEqual(new Set(['central', 'south']));
      expect(new Set(await ids('inspIn', '/api/v1/alerts'))).toEqual(new Set([OWN]));
      expect(await ids('opOther', '/api/v1/alerts')).not.toContain(OWN);
      expect(await ids('inspOut', '/api/v1/alerts')).not.toContain(OWN);
      expect(await ids('opOther', '/api/v1/webhooks')).toEqual([]);
      // a filter naming another tenant narrows to nothing, it never widens
      expect((await gw.call('GET', `/api/v1/devices?tenant=${OWN}`, undefined, tokens.opOther)).body.items).toEqual([]);
      expect((await gw.call('GET', `/api/v1/alerts?tenant=${OWN}`, undefined, tokens.inspOut)).body.items).toEqual([]);
      expect((await gw.call('GET', `/api/v1/alerts?device=${DEV}`, undefined, tokens.opOther)).body.items).toEqual([]);
    });

    it('the live alert stream carries an alert only to those who may see it', async () => {
      const streams = {} as Record<'opOwn' | 'opOther' | 'inspIn' | 'inspOut', { text: string; stop: () => void }>;
      for (const who of ['opOwn', 'opOther', 'inspIn', 'inspOut'] as const) {
        const ctl = new AbortController();
        const res = await fetch(`${gw.api}/api/v1/alerts/stream`, { headers: { authorization: `Bearer ${tokens[who]}` }, signal: ctl.signal });
        expect(res.status).toBe(200);
        const s = { text: '', stop: () => ctl.abort() };
        streams[who] = s;
        void (async () => {
          const reader = res.body!.getReader();
          const dec = new TextDecoder();
          for (;;) {
            const r = await reader.read().catch(() => ({ done: true, value: undefined }));
            if (r.done) return;
            s.text += dec.decode(r.value);
          }
        })();
      }
      const id = await openAlert();
      await expect
        .poll(() => ({ opOwn: streams.opOwn.text.includes(id), inspIn: streams.inspIn.text.includes(id) }), {
          message: 'waiting for the alert on the streams allowed to see it',
          timeout: 5000,
          interval: 20,
        })
        .toEqual({ opOwn: true, inspIn: true });
      expect(streams.opOwn.text).toContain(id);
      expect(streams.inspIn.text).toContain(id);
      await new Promise((r) => setTimeout(r, 200));
      for (const who of ['opOther', 'inspOut'] as const) {
        expect(streams[who].text, who).toContain('event: ready');
        expect(streams[who].text, who).not.toContain(id);
        expect(streams[who].text, who).not.toContain(DEV);
      }
      for (const s of Object.values(streams)) s.stop();
    });

    it('an operator webhook is its own tenant’s: created without a tenant it lands in the operator’s', async () => {
      const r = await gw.call('POST', '/api/v1/webhooks', webhook(), tokens.opOther);
      expect(r.status).toBe(201);
      expect(r.body.tenant).toBe('south');
      expect((await gw.call('GET', `/api/v1/webhooks/${r.body.id}/deliveries`, undefined, tokens.opOwn)).status).toBe(404);
      expect((await gw.call('DELETE', `/api/v1/webhooks/${r.body.id}`, undefined, tokens.opOwn)).status).toBe(404);
      expect((await gw.call('DELETE', `/api/v1/webhooks/${r.body.id}`, undefined, tokens.opOther)).status).toBe(200);
    });
  });
}
