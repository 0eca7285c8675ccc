// Times, periods, query strings and bodies as a user sends them, and what the API answers: an
// impossible date is refused, not moved (2026-02-30 was stored as 2 March, 0001-01-01 as 1901);
// a time of something that happened is not ahead of the clock; a period that ends before it
// starts is a 400 on every route; a query number shows what was sent; a body is UTF-8 JSON.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';

/** 09:30 on 15 March 2026 in Vietnam. */
const NOW = new Date('2026-03-15T02:30:00Z');
let api: ApiUnderTest;

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  expect((await api.call('POST', '/api/v1/tenants', { body: { id: 'petrolimex-hn', name: 'Petrolimex Hà Nội', region: 'VN-HN' } })).status).toBe(201);
  const d = await api.call('POST', '/api/v1/devices', { body: { id: 'fd-1', tenant: 'petrolimex-hn', type: 'fuel-dispenser', serial: 'TK-1' } });
  expect(d.status, JSON.stringify(d.body)).toBe(201);
});
afterEach(() => api.close());

const certificate = (issuedAt: string, validUntil = '2027-03-01') => ({
  kind: 'verification',
  number: `V-${issuedAt}`,
  issuedBy: 'TĐC Hà Nội',
  issuedAt,
  validUntil,
});
const details = (r: { body: { error?: { details?: unknown } } }) => r.body.error?.details;

describe('a date that is not one is refused, not moved', () => {
  it('in a body: 2026-02-30, 0001-01-01, "Thu 2026-01-01", 99999-01-01, 24:00, an offset no zone has', async () => {
    const cases: [string, string][] = [
      ['2026-02-30', 'issuedAt is not a calendar date: February 2026 has 28 days; received "2026-02-30"'],
      ['2026-02-29T08:00', 'issuedAt is not a calendar date: February 2026 has 28 days; received "2026-02-29T08:00"'],
      ['0001-01-01', 'issuedAt must have a year from 1970 to 9999; received "0001-01-01"'],
      ['99999-01-01', expect.stringMatching(/^issuedAt must be an ISO 8601 date \(YYYY-MM-DD: 2026-03-31\) or date-time .*; received "99999-01-01"$/) as never],
      ['Thu 2026-01-01', expect.stringMatching(/^issuedAt must be an ISO 8601 date .*; received "Thu 2026-01-01"$/) as never],
      ['2026-01-01T24:00', 'issuedAt is not a time of day: hours run from 00 to 23 (the end of a day is 00:00 of the next); received "2026-01-01T24:00"'],
      ['2026-01-01T08:00+15:00', 'issuedAt has a zone offset that no zone has: offsets run from -12:00 to +14:00; received "2026-01-01T08:00+15:00"'],
    ];
    for (const [issuedAt, message] of cases) {
      const r = await api.call('POST', '/api/v1/devices/fd-1/certificates', { body: certificate(issuedAt) });
      expect(r.status, issuedAt).toBe(400);
      expect(details(r), issuedAt).toEqual([{ path: 'issuedAt', message }]);
    }
    expect((await api.call('GET', '/api/v1/devices/fd-1/certificates')).body.items).toEqual([]);
    // a leap day that exists is taken
    const leap = await api.call('POST', '/api/v1/devices/fd-1/certificates', { body: certificate('2024-02-29') });
    expect(leap.status, JSON.stringify(leap.body)).toBe(201);
    expect(leap.body).toMatchObject({ issuedAt: '2024-02-28T17:00:00.000Z', issuedOn: '2024-02-29' });
  });

  it('an inspection started 0001-01-01 or on 2026-02-30 is refused (it was numbered BBKT-1900-0001)', async () => {
    for (const startedAt of ['0001-01-01', '2026-02-30T08:00']) {
      const r = await api.call('POST', '/api/v1/inspections', { body: { tenant: 'petrolimex-hn', startedAt, inspectors: ['x'] } });
      expect(r.status, startedAt).toBe(400);
      expect(details(r)).toEqual([{ path: 'startedAt', message: expect.stringMatching(/^startedAt (must have a year from 1970|is not a calendar date)/) }]);
    }
  });

  it('a campaign from 2026-02-30 says so (it said "to must not be before from")', async () => {
    const insp = api.token('inspector', { regions: ['VN-HN'] });
    const r = await api.call('POST', '/api/v1/campaigns', {
      token: insp,
      body: { id: 'c1', name: 'Chợ', region: 'VN-HN', markets: [{ name: 'Chợ Hôm' }], from: '2026-02-30', to: '2026-03-01', team: ['A'] },
    });
    expect(r.status).toBe(400);
    expect(details(r)).toEqual([{ path: 'from', message: 'from is not a calendar date: February 2026 has 28 days; received "2026-02-30"' }]);
  });

  it('in a query string too, on every route with dates', async () => {
    for (const path of [
      '/api/v1/devices/fd-1/readings?from=2026-02-30',
      '/api/v1/reports/periodic?from=2026-02-30',
      '/api/v1/reports/assurance?to=Thu%202026-01-01',
      '/api/v1/alerts?openedFrom=0001-01-01',
      '/api/v1/lots?from=2026-13-01',
    ]) {
      const r = await api.call('GET', path);
      expect(r.status, path).toBe(400);
      expect(r.body.error.message).toBe('the query string is invalid');
      expect(details(r), path).toEqual([
        { path: expect.any(String), message: expect.stringMatching(/ (is not a calendar date|must have a year|must be an ISO 8601)/) },
      ]);
    }
  });
});

describe('an inspection record is numbered with the enterprise’s year', () => {
  it('06:00 on 1 January 2026 in Vietnam (still 2025 in UTC) is BBKT-2026-…; records numbered before keep theirs', async () => {
    const open = (startedAt: string) => api.call('POST', '/api/v1/inspections', { body: { tenant: 'petrolimex-hn', startedAt, inspectors: ['x'] } });
    const r = await open('2026-01-01T06:00');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ id: 'BBKT-2026-0001', startedAt: '2025-12-31T23:00:00.000Z' });
    expect(r.body).not.toHaveProperty('yearZone');
    // an instant with a zone: its year in the enterprise's zone too
    expect((await open('2025-12-31T17:30:00Z')).body.id).toBe('BBKT-2026-0002');
    expect((await open('2025-12-31T16:30:00Z')).body.id).toBe('BBKT-2025-0001');
  });
});

describe('a time of something that happened is not ahead of the clock', () => {
  it('a certificate issued in 2030 is refused; one issued today (a date alone) is taken', async () => {
    const r = await api.call('POST', '/api/v1/devices/fd-1/certificates', { body: certificate('2030-01-01', '2031-01-01') });
    expect(r.status).toBe(400);
    expect(details(r)).toEqual([
      {
        path: 'issuedAt',
        message:
          'issuedAt is in the future: it says when this happened, and the gateway\'s clock reads 2026-03-15 09:30 in Asia/Ho_Chi_Minh (300 s of tolerance for a fast clock); received "2030-01-01"',
      },
    ]);
    // 09:34 is within the tolerance, 09:40 not
    expect((await api.call('POST', '/api/v1/devices/fd-1/certificates', { body: certificate('2026-03-15T09:40') })).status).toBe(400);
    expect((await api.call('POST', '/api/v1/devices/fd-1/certificates', { body: certificate('2026-03-15T09:34') })).status).toBe(201);
    expect((await api.call('POST', '/api/v1/devices/fd-1/certificates', { body: certificate('2026-03-15') })).status).toBe(201);
  });

  it("a reference standard's calibration in 2030 is refused", async () => {
    const s = await api.call('POST', '/api/v1/standards', {
      body: { id: 'PM-20', tenant: 'petrolimex-hn', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L' },
    });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    const r = await api.call('POST', '/api/v1/standards/PM-20/certificates', {
      body: { number: 'C-1', issuedBy: 'VMI', issuedAt: '2030-01-01', validUntil: '2031-01-01', uncertainty: 0.004 },
    });
    expect(r.status).toBe(400);
    expect(details(r)).toEqual([{ path: 'issuedAt', message: expect.stringMatching(/^issuedAt is in the future: .*; received "2030-01-01"$/) }]);
  });

  it('an inspection started in 2030 is refused (it was numbered BBKT-2029-0001), and so is a check dated 2030', async () => {
    const future = await api.call('POST', '/api/v1/inspections', { body: { tenant: 'petrolimex-hn', startedAt: '2030-01-01', inspectors: ['x'] } });
    expect(future.status).toBe(400);
    expect(details(future)).toEqual([{ path: 'startedAt', message: expect.stringMatching(/^startedAt is in the future: .*; received "2030-01-01"$/) }]);
    const r = await api.call('POST', '/api/v1/inspections', { body: { tenant: 'petrolimex-hn', startedAt: '2026-03-15T09:00', inspectors: ['x'] } });
    expect(r.status).toBe(201);
    const check = (ts: string) => ({ indicated: 20.02, reference: 20, referenceUncertainty: 0.004, unit: 'L', standardId: 'PM-20', ts });
    const item = (ts: string) => ({
      device: 'fd-1',
      checks: [check('2026-03-15T09:10'), check(ts)],
      sealsIntact: true,
      verificationMarkValid: true,
      certificateValid: true,
    });
    const bad = await api.call('POST', `/api/v1/inspections/${r.body.id}/items`, { body: item('2030-01-01T08:00') });
    expect(bad.status).toBe(400);
    expect(details(bad)).toEqual([
      { path: 'checks.1.ts', message: expect.stringMatching(/^checks\.1\.ts is in the future: .*; received "2030-01-01T08:00"$/) },
    ]);
    expect((await api.call('GET', '/api/v1/devices/fd-1/checks')).body.items).toEqual([]);
    const ok = await api.call('POST', `/api/v1/inspections/${r.body.id}/items`, { body: item('2026-03-15T09:20') });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });
});

describe('a period that ends before it starts', () => {
  it('is a 400 with one message on every route (some answered 200 with an empty list)', async () => {
    const insp = api.token('inspector', { regions: ['VN-HN'] });
    const routes: [string, string, string][] = [
      ['/api/v1/devices/fd-1/readings', 'from', 'to'],
      ['/api/v1/devices/fd-1/checks', 'from', 'to'],
      ['/api/v1/alerts', 'openedFrom', 'openedTo'],
      ['/api/v1/alerts', 'resolvedFrom', 'resolvedTo'],
      ['/api/v1/lots', 'from', 'to'],
      ['/api/v1/inspections', 'from', 'to'],
      ['/api/v1/findings', 'from', 'to'],
      ['/api/v1/campaigns', 'from', 'to'],
      ['/api/v1/checks', 'from', 'to'],
      ['/api/v1/reports/assurance', 'from', 'to'],
      ['/api/v1/reports/periodic', 'from', 'to'],
    ];
    for (const [route, from, to] of routes) {
      const r = await api.call('GET', `${route}?${from}=2026-03-01&${to}=2026-02-01`, { token: insp });
      expect(r.status, route).toBe(400);
      expect(details(r), route).toEqual([{ path: from, message: `${from} must not be after ${to}; received ${from}=2026-03-01, ${to}=2026-02-01` }]);
      // one day, both bounds the same date: that day
      expect((await api.call('GET', `${route}?${from}=2026-03-01&${to}=2026-03-01`, { token: insp })).status, route).toBe(200);
    }
  });

  it('a report from a day still to come names from; to alone is its quarter', async () => {
    const future = await api.call('GET', '/api/v1/reports/periodic?from=2030-01-01');
    expect(future.status).toBe(400);
    expect(details(future)).toEqual([
      {
        path: 'from',
        message: 'from is in the future: the period has not begun (the gateway\'s clock reads 2026-03-15 09:30 in Asia/Ho_Chi_Minh); received "2030-01-01"',
      },
    ]);
    const q4 = await api.call('GET', '/api/v1/reports/periodic?to=2025-12-31');
    expect(q4.status, JSON.stringify(q4.body)).toBe(200);
    expect(q4.body.period).toEqual({ from: '2025-10-01', to: '2025-12-31' });
    // the current quarter, to date
    expect((await api.call('GET', '/api/v1/reports/periodic?to=2026-03-31')).body.period).toEqual({ from: '2026-01-01', to: '2026-03-15' });
    const later = await api.call('GET', '/api/v1/reports/periodic?to=2026-06-30');
    expect(later.status).toBe(400);
    expect(details(later)).toEqual([
      { path: 'to', message: expect.stringMatching(/^to is in a quarter that has not begun \(the report runs from its start, 2026-04-01;/) },
    ]);
    // the checks and the assurance report, from alone in the future
    for (const path of ['/api/v1/checks?from=2030-01-01', '/api/v1/reports/assurance?from=2030-01-01'])
      expect(details(await api.call('GET', path)), path).toEqual([
        { path: 'from', message: expect.stringMatching(/^from is in the future: the period has not begun/) },
      ]);
  });
});

describe('the query string', () => {
  it('a number that is not one shows what was sent (it said "received null")', async () => {
    for (const sent of ['abc', '5abc', 'Infinity', 'NaN', 'true', '1e3', '-1', '2.5'])
      expect(details(await api.call('GET', `/api/v1/alerts?limit=${encodeURIComponent(sent)}`)), sent).toEqual([
        { path: 'limit', message: `limit must be a whole number from 1 to 5000; received "${sent}"` },
      ]);
    expect(details(await api.call('GET', '/api/v1/alerts?limit=6000'))).toEqual([
      { path: 'limit', message: 'limit must be a whole number from 1 to 5000; received 6000' },
    ]);
    expect((await api.call('GET', '/api/v1/alerts?limit=5')).status).toBe(200);
  });

  it('an empty value, a repeated parameter and one the route does not take are refused, naming it', async () => {
    expect(details(await api.call('GET', '/api/v1/devices?dueWithinDays='))).toEqual([
      { path: 'dueWithinDays', message: 'dueWithinDays is empty: give a value or leave it out' },
    ]);
    expect(details(await api.call('GET', '/api/v1/alerts?limit=5&limit=10'))).toEqual([
      { path: 'limit', message: 'limit is given 2 times: give it once; received ["5","10"]' },
    ]);
    const misspelt = await api.call('GET', '/api/v1/devices?tennant=petrolimex-hn');
    expect(misspelt.status).toBe(400);
    expect(details(misspelt)).toEqual([
      {
        path: 'tennant',
        message: expect.stringMatching(
          /^tennant is not a query parameter of this route \(it takes tenant, type, .*dueWithinDays.*\); received "petrolimex-hn"$/,
        ),
      },
    ]);
    expect(details(await api.call('GET', '/api/v1/devices/fd-1/certificates?kind=verification'))).toEqual([
      { path: 'kind', message: 'kind is not a query parameter of this route (it takes none); received "verification"' },
    ]);
  });
});

describe('a request body', () => {
  const post = (body: BodyInit, contentType?: string) =>
    api.app.request('/api/v1/tenants', {
      method: 'POST',
      headers: { authorization: 'Bearer route-test-admin-token-0123456789', ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    });

  it('that is not UTF-8 is refused (Latin-1 "Công ty" was stored as "C�ng ty")', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"id":"ct","name":"C'), Buffer.from([0xf4]), Buffer.from('ng ty","region":"VN-HN"}')]);
    const r = await post(new Uint8Array(latin1), 'application/json; charset=latin1');
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      error: {
        code: 'invalid_encoding',
        message: 'the request body is not UTF-8 text',
        details: [
          {
            path: '(root)',
            message:
              'the request body is not UTF-8 text: byte 0xF4 at offset 20 is not valid UTF-8 (a legacy code page such as Windows-1258 or Latin-1?); send JSON encoded as UTF-8',
          },
        ],
      },
    });
    expect((await api.call('GET', '/api/v1/tenants')).body.items.map((t: { id: string }) => t.id)).toEqual(['petrolimex-hn']);
  });

  it('must be sent as application/json (415 otherwise); charset utf-8 or none', async () => {
    const body = JSON.stringify({ id: 'ct', name: 'Công ty', region: 'VN-HN' });
    for (const type of ['text/plain', undefined, 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const r = await post(body, type);
      expect(r.status, type).toBe(415);
      expect((await r.json()).error, type).toMatchObject({
        code: 'unsupported_media_type',
        message: expect.stringMatching(/^the request body must be JSON sent with Content-Type: application\/json/),
      });
    }
    const ok = await post(body, 'Application/JSON; charset="UTF-8"');
    expect(ok.status).toBe(201);
    expect((await ok.json()).name).toBe('Công ty');
  });
});
