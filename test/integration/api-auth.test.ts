// docs/contract.md §4: bearer authentication, roles and tenant/region visibility, input errors,
// and the unauthenticated routes, against the real HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

/** Every route of docs/contract.md §4 and §5 (OpenAPI path style). */
const CONTRACT_ROUTES: [string, string][] = [
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/metrics'],
  ['get', '/openapi.json'],
  ['get', '/docs'],
  ['post', '/api/v1/tenants'],
  ['get', '/api/v1/tenants'],
  ['post', '/api/v1/tokens'],
  ['get', '/api/v1/instrument-types'],
  ['post', '/api/v1/devices'],
  ['get', '/api/v1/devices'],
  ['get', '/api/v1/devices/{id}'],
  ['post', '/api/v1/devices/{id}/secret'],
  ['post', '/api/v1/devices/{id}/certificates'],
  ['get', '/api/v1/devices/{id}/certificates'],
  ['get', '/api/v1/devices/{id}/readings'],
  ['get', '/api/v1/devices/{id}/checks'],
  ['get', '/api/v1/devices/{id}/drift'],
  ['get', '/api/v1/devices/{id}/rejections'],
  ['get', '/api/v1/alerts'],
  ['get', '/api/v1/alerts/{id}'],
  ['post', '/api/v1/alerts/{id}/ack'],
  ['post', '/api/v1/alerts/{id}/resolve'],
  ['get', '/api/v1/alerts/stream'],
  ['post', '/api/v1/webhooks'],
  ['get', '/api/v1/webhooks'],
  ['delete', '/api/v1/webhooks/{id}'],
  ['get', '/api/v1/reports/assurance'],
  ['get', '/api/v1/audit'],
  // §5 reference standards
  ['post', '/api/v1/standards'],
  ['get', '/api/v1/standards'],
  ['get', '/api/v1/standards/{id}'],
  ['post', '/api/v1/standards/{id}/certificates'],
  ['get', '/api/v1/standards/{id}/certificates'],
  ['get', '/api/v1/standards/{id}/impact'],
];

const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };
const paths = (details: { path: string }[]) => details.map((d) => d.path);

describe('HTTP API authentication and authorization', () => {
  let gw: TestGateway;
  let operator: string;
  let inspector: string;

  const token = async (body: Record<string, unknown>): Promise<string> => {
    const r = await gw.call('POST', '/api/v1/tokens', body);
    expect(r.status).toBe(201);
    expect(typeof r.body.token).toBe('string');
    return r.body.token as string;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ MAG_NODE_ID: 'mag-auth-1' });
    await gw.device({ id: 'north-1', type: 'barometer', tenant: 'north', region: 'VN-HN' });
    await gw.device({ id: 'north-2', type: 'scale', tenant: 'north', region: 'VN-HN', extra: { e: 0.05, max: 150 } });
    await gw.device({ id: 'south-1', type: 'barometer', tenant: 'south', region: 'VN-SG' });
    await gw.device({ id: 'central-1', type: 'gas-detector', tenant: 'central', region: 'VN-DN' });
    operator = await token({ role: 'operator', tenant: 'north', name: 'north operator' });
    inspector = await token({ role: 'inspector', regions: ['VN-HN', 'VN-DN'], name: 'inspector HN+DN' });
  });

  afterAll(async () => {
    await gw?.destroy();
  });

  describe('401', () => {
    it('without a token', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/devices'],
        ['GET', '/api/v1/tenants'],
        ['POST', '/api/v1/devices'],
        ['GET', '/api/v1/devices/north-1/readings'],
      ]) {
        const r = await gw.call(method, path, undefined, '');
        expect(r.status, `${method} ${path}`).toBe(401);
        expect(r.body).toEqual(errorShape);
      }
    });

    it('with a bad, malformed or revoked token', async () => {
      expect((await gw.call('GET', '/api/v1/devices', undefined, 'not-a-token')).status).toBe(401);
      expect((await gw.call('GET', '/api/v1/devices', undefined, 'mag_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
      const basic = await fetch(`${gw.api}/api/v1/devices`, { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
      expect(basic.status).toBe(401);
      expect(await basic.json()).toEqual(errorShape);

      const t = await gw.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'south', name: 'short-lived' });
      expect((await gw.call('GET', '/api/v1/devices', undefined, t.body.token)).status).toBe(200);
      expect((await gw.call('DELETE', `/api/v1/tokens/${t.body.id}`)).status).toBe(200);
      const revoked = await gw.call('GET', '/api/v1/devices', undefined, t.body.token);
      expect(revoked.status).toBe(401);
      expect(revoked.body).toEqual(errorShape);
    });
  });

  it('a token created with POST /api/v1/tokens works, and is returned only once', async () => {
    const r = await gw.call('POST', '/api/v1/tokens', { role: 'admin', name: 'second admin' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ token: expect.any(String), role: 'admin', name: 'second admin' });
    const me = await gw.call('GET', '/api/v1/tenants', undefined, r.body.token);
    expect(me.status).toBe(200);
    expect(me.body.items.map((t: { id: string }) => t.id).sort()).toEqual(['central', 'north', 'south']);
    const list = await gw.call('GET', '/api/v1/tokens');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(r.body.token);
    expect(list.body.items.some((t: { name: string }) => t.name === 'second admin')).toBe(true);
  });

  describe('operator: one tenant', () => {
    it('lists only its tenant and its devices', async () => {
      const tenants = await gw.call('GET', '/api/v1/tenants', undefined, operator);
      expect(tenants.body.items.map((t: { id: string }) => t.id)).toEqual(['north']);
      const devices = await gw.call('GET', '/api/v1/devices', undefined, operator);
      expect(devices.status).toBe(200);
      expect(devices.body.items.map((d: { id: string }) => d.id).sort()).toEqual(['north-1', 'north-2']);
      const filtered = await gw.call('GET', '/api/v1/devices?tenant=south', undefined, operator);
      expect(filtered.body.items).toEqual([]);
    });

    it('gets 404 for another tenant device, whatever the route', async () => {
      expect((await gw.call('GET', '/api/v1/devices/north-1', undefined, operator)).status).toBe(200);
      for (const [method, path, body] of [
        ['GET', '/api/v1/devices/south-1'],
        ['GET', '/api/v1/devices/south-1/readings'],
        ['GET', '/api/v1/devices/south-1/checks'],
        ['GET', '/api/v1/devices/south-1/drift'],
        ['GET', '/api/v1/devices/south-1/rejections'],
        ['GET', '/api/v1/devices/south-1/certificates'],
        ['POST', '/api/v1/devices/south-1/secret'],
        [
          'POST',
          '/api/v1/devices/south-1/certificates',
          { kind: 'verification', number: 'X', issuedBy: 'Y', issuedAt: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' },
        ],
        ['GET', '/api/v1/devices/no-such-device'],
      ] as [string, string, unknown?][]) {
        const r = await gw.call(method, path, body, operator);
        expect(r.status, `${method} ${path}`).toBe(404);
        expect(r.body).toEqual(errorShape);
      }
      // the same message for a device that exists elsewhere and one that does not exist
      const a = await gw.call('GET', '/api/v1/devices/south-1', undefined, operator);
      const b = await gw.call('GET', '/api/v1/devices/nope-1', undefined, operator);
      expect(a.body.error.message.replace('south-1', 'X')).toBe(b.body.error.message.replace('nope-1', 'X'));
    });

    it('registers devices in its own tenant only', async () => {
      const own = await gw.call('POST', '/api/v1/devices', { id: 'north-3', tenant: 'north', type: 'barometer', serial: 'SN-N3' }, operator);
      expect(own.status).toBe(201);
      expect(typeof own.body.secret).toBe('string');
      const other = await gw.call('POST', '/api/v1/devices', { id: 'south-9', tenant: 'south', type: 'barometer', serial: 'SN-S9' }, operator);
      expect([403, 404]).toContain(other.status);
      // answered as for a tenant that does not exist, naming the field
      expect(other.body).toEqual({
        error: { ...errorShape.error, details: [{ path: 'tenant', message: 'tenant south not found, or not visible to this token' }] },
      });
      expect((await gw.call('GET', '/api/v1/devices/south-9')).status).toBe(404);
    });

    it('may not create tenants or tokens, nor read the audit log (403)', async () => {
      for (const [method, path, body] of [
        ['POST', '/api/v1/tenants', { id: 'x', name: 'x', region: 'VN-HN' }],
        ['POST', '/api/v1/tokens', { role: 'admin', name: 'escalate' }],
        ['GET', '/api/v1/audit'],
      ] as [string, string, unknown?][]) {
        const r = await gw.call(method, path, body, operator);
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(r.body).toEqual(errorShape);
      }
    });
  });

  describe('inspector: the tenants of its regions, read-only', () => {
    it('sees the tenants and devices of its regions only', async () => {
      const tenants = await gw.call('GET', '/api/v1/tenants', undefined, inspector);
      expect(tenants.body.items.map((t: { id: string }) => t.id).sort()).toEqual(['central', 'north']);
      const devices = await gw.call('GET', '/api/v1/devices', undefined, inspector);
      expect(devices.body.items.map((d: { id: string }) => d.id).sort()).toEqual(['central-1', 'north-1', 'north-2', 'north-3']);
      expect((await gw.call('GET', '/api/v1/devices/central-1/readings', undefined, inspector)).status).toBe(200);
      const hidden = await gw.call('GET', '/api/v1/devices/south-1', undefined, inspector);
      expect(hidden.status).toBe(404);
      expect(hidden.body).toEqual(errorShape);
      expect((await gw.call('GET', '/api/v1/devices/south-1/checks', undefined, inspector)).status).toBe(404);
    });

    it('cannot create devices, rotate secrets or add certificates (403)', async () => {
      for (const [method, path, body] of [
        ['POST', '/api/v1/devices', { id: 'north-8', tenant: 'north', type: 'barometer', serial: 'SN-N8' }],
        ['POST', '/api/v1/devices/north-1/secret'],
        [
          'POST',
          '/api/v1/devices/north-1/certificates',
          { kind: 'verification', number: 'X', issuedBy: 'Y', issuedAt: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' },
        ],
        ['POST', '/api/v1/tenants', { id: 'x', name: 'x', region: 'VN-HN' }],
        ['POST', '/api/v1/tokens', { role: 'admin', name: 'escalate' }],
      ] as [string, string, unknown?][]) {
        const r = await gw.call(method, path, body, inspector);
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(r.body).toEqual(errorShape);
      }
      expect((await gw.call('GET', '/api/v1/devices/north-8')).status).toBe(404);
    });

    it('reads the audit log', async () => {
      const r = await gw.call('GET', '/api/v1/audit', undefined, inspector);
      expect(r.status).toBe(200);
      expect(Array.isArray(r.body.items)).toBe(true);
    });
  });

  describe('400 with the failing fields', () => {
    const bad = async (method: string, path: string, body: unknown) => {
      const r = await gw.call(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
      for (const d of r.body.error.details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
      return paths(r.body.error.details);
    };

    it('device', async () => {
      expect(await bad('POST', '/api/v1/devices', { id: 'bad id!', tenant: 'north', type: 'barometer' })).toEqual(expect.arrayContaining(['id', 'serial']));
      expect(await bad('POST', '/api/v1/devices', { id: 'x'.repeat(65), tenant: 'north', type: 'barometer', serial: 'S', range: { min: 10, max: 1 } })).toEqual(
        expect.arrayContaining(['id', 'range']),
      );
      expect(await bad('POST', '/api/v1/devices', { id: 'north-9', tenant: 'north', type: 'teapot', serial: 'S' })).toEqual(['type']);
      expect(await bad('POST', '/api/v1/devices', { id: 'north-9', tenant: 'north', type: 'barometer', serial: 'S', colour: 'red' })).toEqual(
        expect.arrayContaining([expect.stringMatching(/colour|\(root\)/)]),
      );
    });

    it('tenant, token, certificate', async () => {
      expect(await bad('POST', '/api/v1/tenants', { id: 'ok', name: '', region: 'Hanoi' })).toEqual(expect.arrayContaining(['name', 'region']));
      expect(await bad('POST', '/api/v1/tokens', { role: 'operator', name: 'x' })).toEqual(['tenant']);
      expect(await bad('POST', '/api/v1/tokens', { role: 'inspector', name: 'x' })).toEqual(['regions']);
      expect(await bad('POST', '/api/v1/tokens', { role: 'root', name: 'x' })).toEqual(['role']);
      expect(
        await bad('POST', '/api/v1/devices/north-1/certificates', {
          kind: 'verification',
          number: 'X',
          issuedBy: 'Y',
          issuedAt: 'soon',
          validUntil: '2027-01-01T00:00:00Z',
        }),
      ).toEqual(['issuedAt']);
      expect(
        await bad('POST', '/api/v1/devices/north-1/certificates', {
          kind: 'verification',
          number: 'X',
          issuedBy: 'Y',
          issuedAt: '2027-01-01T00:00:00Z',
          validUntil: '2026-01-01T00:00:00Z',
        }),
      ).toEqual(['validUntil']);
    });

    it('query strings', async () => {
      expect(await bad('GET', '/api/v1/devices/north-1/readings?limit=abc', undefined)).toEqual(['limit']);
      expect(await bad('GET', '/api/v1/devices/north-1/readings?from=yesterday', undefined)).toEqual(['from']);
    });

    it('a body that is not JSON', async () => {
      const r = await gw.call('POST', '/api/v1/tenants', '{"id": ');
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject(errorShape);
    });

    it('a conflict is 409', async () => {
      const r = await gw.call('POST', '/api/v1/devices', { id: 'north-1', tenant: 'north', type: 'barometer', serial: 'S' });
      expect(r.status).toBe(409);
      expect(r.body).toEqual(errorShape);
    });
  });

  describe('unauthenticated routes', () => {
    it('/healthz, /readyz, /metrics, /docs answer without a token', async () => {
      const health = await fetch(`${gw.api}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${gw.api}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true });
      const metrics = await fetch(`${gw.api}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
      const text = await metrics.text();
      expect(text).toMatch(/^mag_rejected_total|^# HELP mag_/m);
      expect(text).toMatch(/^mag_node_info\{node="mag-auth-1"\} 1$/m); // MAG_NODE_ID (contract §7)
      const docs = await fetch(`${gw.api}/docs`);
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-type')).toMatch(/text\/html/);
      expect(await docs.text()).toContain('/openapi.json');
      const unknown = await fetch(`${gw.api}/no-such-page`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual(errorShape);
    });

    it('/openapi.json is valid JSON with a path for every route of docs/contract.md §4', async () => {
      const res = await fetch(`${gw.api}/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const spec = JSON.parse(await res.text());
      expect(spec.openapi).toMatch(/^3\./);
      expect(spec.info.title).toEqual(expect.any(String));
      const missing = CONTRACT_ROUTES.filter(([m, p]) => !spec.paths?.[p]?.[m]).map(([m, p]) => `${m.toUpperCase()} ${p}`);
      expect(missing).toEqual([]);
      for (const p of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) expect(spec.paths[p].get.security, p).toEqual([]);
    });
  });
});
