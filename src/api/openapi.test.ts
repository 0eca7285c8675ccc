// /openapi.json (and /docs, which renders it) against what the server answers, through the API alone
// (real stores, no broker): every status a request here provokes (a conflict, a retry's 200, a body
// too large, a rate limit) is declared for its route, and every body is what the declared schema
// says, no field left out of it.
import type { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { AuthThrottle } from '../limits.ts';
import type { Sink } from '../sinks/sink.ts';
import { createApi } from './app.ts';
import type { Env } from './http.ts';

const NOW = new Date('2026-03-15T02:30:00Z');

type Schema = { [key: string]: any };
interface Declared {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  responses: Record<string, Declared>;
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Answered {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

let api: ApiUnderTest;
let spec: OpenApi;
/** Every answer of this test, as `call` recorded it. */
let answers: Answered[];

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  answers = [];
  spec = (await api.call('GET', '/openapi.json', { token: null })).body;
});
afterEach(() => api.close());

/** A request (to `app`, else the API under test) with the admin's token unless given; its answer recorded. */
async function call(method: string, path: string, o: { token?: string | null; body?: unknown; raw?: string; app?: Hono<Env> } = {}) {
  const token = o.token === undefined ? ADMIN : o.token;
  const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  const res = await (o.app ?? api.app).request(path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  answers.push({ method, path, status: res.status, body: parsed });
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The operation of /openapi.json that serves `method` `path` (its path parameters filled in). */
function operation(method: string, path: string): Operation | undefined {
  const bare = path.split('?')[0]!;
  for (const [template, ops] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (pattern.test(bare) && ops[method.toLowerCase()]) return ops[method.toLowerCase()];
  }
  return undefined;
}

/** The JSON Schema a response declares for a status. */
function declaredSchema(method: string, path: string, status: number): Schema | undefined {
  return operation(method, path)?.responses[String(status)]?.content?.['application/json']?.schema;
}

/**
 * Where `value` departs from `schema` (the subset of JSON Schema zod writes): a wrong type or enum, a
 * required field missing, or a field the schema does not name (a response may be extended, but then its
 * schema says so).
 */
function departures(schema: Schema, value: unknown, at = '$'): string[] {
  if (typeof schema.$ref === 'string') return departures(spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!, value, at);
  if (schema.anyOf)
    return (schema.anyOf as Schema[]).some((s) => departures(s, value, at).length === 0) ? [] : [`${at}: none of anyOf fits ${JSON.stringify(value)}`];
  if ('const' in schema && value !== schema.const) return [`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [`${at}: ${t} where ${types.join(' or ')} is declared`];
  }
  if (Array.isArray(value) && schema.items) return value.flatMap((v, i) => departures(schema.items, v, `${at}[${i}]`));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const object = value as Record<string, unknown>;
  const out = ((schema.required ?? []) as string[]).filter((k) => !(k in object)).map((k) => `${at}.${k}: required, missing`);
  for (const [k, v] of Object.entries(object)) {
    const property = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (property) out.push(...departures(property, v, `${at}.${k}`));
    else if (schema.properties || schema.additionalProperties === false) out.push(`${at}.${k}: not in the schema`);
  }
  return out;
}

/** Each answer recorded: its status declared for its route, its JSON body as the schema declared for that status says. */
function expectAllDeclared(): void {
  expect(answers.length).toBeGreaterThan(0);
  for (const a of answers) {
    const op = operation(a.method, a.path);
    expect(op, `${a.method} ${a.path} is in /openapi.json`).toBeDefined();
    expect(Object.keys(op!.responses), `${a.method} ${a.path} answered ${a.status}`).toContain(String(a.status));
    const schema = declaredSchema(a.method, a.path, a.status);
    if (schema) expect(departures(schema, a.body), `${a.method} ${a.path} ${a.status}: ${JSON.stringify(a.body).slice(0, 400)}`).toEqual([]);
  }
}

const statuses = (a: Answered[]) => a.map((x) => `${x.method} ${x.path} ${x.status}`);

/** A fuel retailer with a dispenser verified until the end of the year. */
async function station(): Promise<void> {
  expect((await call('POST', '/api/v1/tenants', { body: { id: 'duc-thang', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' } })).status).toBe(201);
  const dispenser = { id: 'fd-1', tenant: 'duc-thang', type: 'fuel-dispenser', serial: 'TK-2020-0041', mmq: 5 };
  expect((await call('POST', '/api/v1/devices', { body: dispenser })).status).toBe(201);
  const certificate = { kind: 'verification', number: 'V-fd-1', issuedBy: 'TĐC Bắc Giang', issuedAt: '2025-12-01', validUntil: '2026-12-01' };
  expect((await call('POST', '/api/v1/devices/fd-1/certificates', { body: certificate })).status).toBe(201);
}

describe('/openapi.json declares what the server answers', () => {
  it("registering an instrument: its one-time secret, its certificate's retry (200) and the conflicts (409)", async () => {
    await station();
    // the answer of a registration names the secret, and says it is shown once; reading the instrument does not
    const registered = declaredSchema('POST', '/api/v1/devices', 201)!;
    expect(registered.required).toContain('secret');
    expect(registered.properties.secret.description).toMatch(/in this answer only/);
    expect(declaredSchema('GET', '/api/v1/devices/fd-1', 200)!.properties).not.toHaveProperty('secret');
    expect(answers.find((a) => a.path === '/api/v1/devices')!.body).toHaveProperty('secret');

    expect((await call('POST', '/api/v1/tenants', { body: { id: 'duc-thang', name: 'Again', region: 'VN-BG' } })).status).toBe(409);
    expect((await call('POST', '/api/v1/devices', { body: { id: 'fd-1', tenant: 'duc-thang', type: 'fuel-dispenser', serial: 'X' } })).status).toBe(409);
    const certificate = { kind: 'verification', number: 'V-fd-1', issuedBy: 'TĐC Bắc Giang', issuedAt: '2025-12-01', validUntil: '2026-12-01' };
    expect((await call('POST', '/api/v1/devices/fd-1/certificates', { body: certificate })).status).toBe(200);
    expect((await call('POST', '/api/v1/devices/fd-1/certificates', { body: { ...certificate, validUntil: '2026-11-30' } })).status).toBe(409);
    expect((await call('PATCH', '/api/v1/devices/fd-1', { body: { site: 'Pump 2' } })).status).toBe(200);
    for (const path of ['/api/v1/devices', '/api/v1/devices/fd-1', '/api/v1/devices/fd-1/certificates', '/api/v1/tenants'])
      expect((await call('GET', path)).status).toBe(200);
    const token = await call('POST', '/api/v1/tokens', { body: { role: 'operator', tenant: 'duc-thang', name: 'station' } });
    expect(token.status).toBe(201);
    expect(declaredSchema('POST', '/api/v1/tokens', 201)!.properties.token.description).toMatch(/in this answer only/);
    expect((await call('GET', '/api/v1/tokens')).status).toBe(200);
    expect((await call('DELETE', `/api/v1/tokens/${token.body.id}`)).status).toBe(200);
    expect((await call('POST', '/api/v1/devices/fd-1/secret')).status).toBe(200);

    // the 409s and the retry say when they happen
    const certificates = operation('POST', '/api/v1/devices/fd-1/certificates')!.responses;
    expect(certificates['200']!.description).toMatch(/retry/);
    expect(certificates['409']!.description).toMatch(/other content/);
    expect(
      departures(declaredSchema('POST', '/api/v1/devices/fd-1/certificates', 200)!, answers.find((a) => a.status === 200 && a.method === 'POST')!.body),
    ).toEqual([]);
    expectAllDeclared();
  });

  it("a reference standard: an id taken (by a standard or an instrument) and a certificate's retry and conflict", async () => {
    await station();
    const pm = { id: 'PM-20L-07', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II', serial: 'BC-07' };
    expect((await call('POST', '/api/v1/standards', { body: pm })).status).toBe(201);
    expect((await call('POST', '/api/v1/standards', { body: pm })).status).toBe(409);
    expect((await call('POST', '/api/v1/standards', { body: { ...pm, id: 'fd-1' } })).status).toBe(409);
    expect((await call('POST', '/api/v1/devices', { body: { id: 'PM-20L-07', tenant: 'duc-thang', type: 'fuel-dispenser', serial: 'Y' } })).status).toBe(409);
    const hc = {
      number: 'HC-07',
      issuedBy: 'VMI',
      issuedAt: '2025-06-01',
      validUntil: '2026-06-01',
      uncertainty: 0.004,
      traceableTo: 'VMI national volume standard',
    };
    expect((await call('POST', '/api/v1/standards/PM-20L-07/certificates', { body: hc })).status).toBe(201);
    expect((await call('POST', '/api/v1/standards/PM-20L-07/certificates', { body: hc })).status).toBe(200);
    expect((await call('POST', '/api/v1/standards/PM-20L-07/certificates', { body: { ...hc, uncertainty: 0.005 } })).status).toBe(409);
    for (const path of ['/api/v1/standards', '/api/v1/standards/PM-20L-07', '/api/v1/standards/PM-20L-07/certificates'])
      expect((await call('GET', path)).status).toBe(200);
    expectAllDeclared();
  });

  it("an inspection's checks, the alert a failing one raises, its acknowledgement and resolution, and a record's closing", async () => {
    await station();
    const pm = { id: 'PM-20L-07', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II' };
    await call('POST', '/api/v1/standards', { body: pm });
    await call('POST', '/api/v1/standards/PM-20L-07/certificates', {
      body: { number: 'HC-07', issuedBy: 'VMI', issuedAt: '2025-06-01', validUntil: '2026-06-01', uncertainty: 0.004 },
    });
    const opened = await call('POST', '/api/v1/inspections', {
      body: { tenant: 'duc-thang', startedAt: '2026-03-15T09:00:00+07:00', inspectors: ['Nguyễn Văn Hùng'] },
    });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    // 20.12 L against 20 L: +0.12 L beyond the in-trade MPE of 0.09 L, a fail and an out-of-tolerance alert
    const proving = (indicated: number) => ({ indicated, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-20L-07', point: 'Qmax' });
    const item = { device: 'fd-1', checks: [proving(20.12), proving(20.05)], sealsIntact: true, verificationMarkValid: true, certificateValid: true };
    expect((await call('POST', `/api/v1/inspections/${id}/items`, { body: item })).status).toBe(201);
    const checks = await call('GET', '/api/v1/devices/fd-1/checks');
    expect(checks.body.items.map((c: { decision: string }) => c.decision).sort()).toEqual(['fail', 'pass']);

    await (api.deps.readings as unknown as Sink).write([
      {
        measurement: 'reading',
        tags: { tenant: 'duc-thang', device: 'fd-1', type: 'fuel-dispenser', quantity: 'volume', nozzle: '1' },
        fields: { value: 20.01, raw: 20.01, seq: 7, status: 'ok' },
        ts: Date.parse('2026-03-15T01:00:00Z'),
      },
    ]);
    expect((await call('GET', '/api/v1/devices/fd-1/readings')).body.items).toHaveLength(1);

    const alerts = await call('GET', '/api/v1/alerts?state=open');
    const alert = alerts.body.items.find((a: { kind: string }) => a.kind === 'out-of-tolerance');
    expect(alert).toBeDefined();
    expect((await call('GET', `/api/v1/alerts/${alert.id}`)).status).toBe(200);
    expect((await call('POST', `/api/v1/alerts/${alert.id}/ack`, { body: { note: 'seen' } })).status).toBe(200);
    expect((await call('POST', `/api/v1/alerts/${alert.id}/ack`, { body: {} })).status).toBe(409);
    const resolution = { reason: 'adjusted', note: 'meter adjusted, checked again at 20.02 L' };
    expect((await call('POST', `/api/v1/alerts/${alert.id}/resolve`, { body: resolution })).status).toBe(200);
    expect((await call('POST', `/api/v1/alerts/${alert.id}/resolve`, { body: resolution })).status).toBe(409);

    expect((await call('POST', `/api/v1/inspections/${id}/amendments`, { body: { reason: 'typo', change: 'site' } })).status).toBe(409);
    expect((await call('POST', `/api/v1/inspections/${id}/close`, { body: {} })).status).toBe(200);
    expect((await call('POST', `/api/v1/inspections/${id}/close`, { body: {} })).status).toBe(409);
    expect((await call('POST', `/api/v1/inspections/${id}/items`, { body: item })).status).toBe(409);
    expect(statuses(answers).filter((s) => s.endsWith(' 409'))).toHaveLength(5);
    expectAllDeclared();
  });

  it("a lot: its answer, a second lot with the same id (409), and the product's schema (a JSON Schema, not {})", async () => {
    expect((await call('POST', '/api/v1/tenants', { body: { id: 'north', name: 'North Rice', region: 'VN-HN' } })).status).toBe(201);
    const checkweigher = { id: 'cw-1', tenant: 'north', type: 'checkweigher', serial: 'CW-1', class: 'XIII', e: 0.0001, max: 1 };
    expect((await call('POST', '/api/v1/devices', { body: checkweigher })).status).toBe(201);
    const certificate = { kind: 'verification', number: 'V-2026-001', issuedBy: 'QUATEST 1', issuedAt: '2026-01-15', validUntil: '2027-01-15' };
    expect((await call('POST', '/api/v1/devices/cw-1/certificates', { body: certificate })).status).toBe(201);
    const rice = { id: 'RICE-A', tenant: 'north', product: 'Gạo ST25 500 g', nominal: 500, unit: 'g', lotSize: 200, scale: 'cw-1' };
    expect((await call('POST', '/api/v1/lots', { body: rice })).status).toBe(201);
    expect((await call('POST', '/api/v1/lots', { body: rice })).status).toBe(409);
    const packages = { items: Array.from({ length: 10 }, (_, i) => ({ net: i % 2 ? 502 : 504 })) };
    expect((await call('POST', '/api/v1/lots/RICE-A/packages', { body: packages })).status).toBe(200);
    for (const path of ['/api/v1/lots', '/api/v1/lots/RICE-A']) expect((await call('GET', path)).status).toBe(200);

    const product = operation('POST', '/api/v1/lots')!.requestBody!.content['application/json']!.schema.properties.product;
    expect(product).toMatchObject({ type: 'string', minLength: 1, maxLength: 128 });
    expect(product.description).toMatch(/product/);
    expectAllDeclared();
  });

  it('a campaign planned twice: 409', async () => {
    const campaign = {
      id: 'LD-HN-2026-03',
      name: 'Chợ Hà Nội',
      region: 'VN-HN',
      markets: [{ name: 'Chợ Đồng Xuân' }],
      from: '2026-03-16',
      to: '2026-03-20',
      team: ['Lê Minh'],
    };
    expect((await call('POST', '/api/v1/campaigns', { body: campaign })).status).toBe(201);
    expect((await call('POST', '/api/v1/campaigns', { body: campaign })).status).toBe(409);
    expectAllDeclared();
  });

  it('a body larger than MAG_MAX_BODY_BYTES: 413 on every route with a body, its limit named', async () => {
    const large = JSON.stringify({ id: 'x', tenant: 'y', type: 'scale', serial: 'z'.repeat(api.deps.security.maxBodyBytes) });
    for (const [method, path] of [
      ['POST', '/api/v1/devices'],
      ['POST', '/api/v1/lots'],
      ['PATCH', '/api/v1/devices/any'],
    ] as const) {
      const r = await call(method, path, { raw: large });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('too_large');
      expect(operation(method, path)!.responses['413']!.description).toContain(`larger than ${api.deps.security.maxBodyBytes} bytes (MAG_MAX_BODY_BYTES)`); // the gateway's own setting, as configured
    }
    expectAllDeclared();
  });

  it("past the token's rate (MAG_API_RATE, MAG_API_BURST) or too many failed authentications: 429 with Retry-After", async () => {
    const limited = createApi({ ...api.deps, security: { ...api.deps.security, apiRate: 1, apiBurst: 1 } });
    expect((await call('GET', '/api/v1/devices', { app: limited })).status).toBe(200);
    const refused = await call('GET', '/api/v1/devices', { app: limited });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    const throttled = createApi({ ...api.deps, authThrottle: new AuthThrottle(1, 60_000) });
    expect((await call('GET', '/api/v1/alerts', { app: throttled, token: 'a-guess' })).status).toBe(401);
    const blocked = await call('GET', '/api/v1/alerts', { app: throttled, token: 'another-guess' });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_failures');

    const declared = operation('GET', '/api/v1/alerts')!.responses['429']!;
    expect(declared.description).toMatch(/MAG_API_RATE.*MAG_AUTH_FAIL_MAX/);
    expect(declared.headers).toHaveProperty('Retry-After');
    expectAllDeclared();
  });

  it('every authenticated route declares 429, every route with a body 413, and every error the shared Error body', async () => {
    const operations = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
    expect(operations.length).toBeGreaterThan(60);
    for (const { route, op } of operations) {
      expect(Object.keys(op.responses), route).toContain('429');
      if (op.requestBody) expect(Object.keys(op.responses), route).toContain('413');
      for (const [status, declared] of Object.entries(op.responses)) {
        expect(declared.description, `${route} ${status}`).not.toBe('');
        if (Number(status) >= 400) expect(declared.content?.['application/json']?.schema, `${route} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    expect(spec.components.schemas.Error!.required).toEqual(['error']);
    // not ready is a 503 with the same body
    expect(Object.keys(spec.paths['/readyz']!.get!.responses)).toEqual(['200', '503']);
    // every answer's media type is one a client can match (type/subtype), a download's each of its forms
    for (const { route, op } of operations)
      for (const type of Object.keys(op.responses['200']?.content ?? op.responses['201']?.content ?? {})) expect(type, route).toMatch(/^[\w.+-]+\/[\w.+-]+$/);
    expect(Object.keys(operation('get', '/api/v1/standards/{id}/impact')!.responses['200']!.content!)).toEqual([
      'application/json',
      'text/csv',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ]);
    // an error answered is the Error schema
    const missing = await call('GET', '/api/v1/devices/nowhere');
    expect(departures({ $ref: '#/components/schemas/Error' }, missing.body)).toEqual([]);
  });
});
