// The assurance report, the audit log and the dead-letter store through the API alone (real
// stores, no broker): what each role gets, and 404 for a tenant it may not see.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { CheckStore } from '../store/checks.ts';
import type { CheckResult } from '../metrology/types.ts';

const NOW = new Date('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
let api: ApiUnderTest;
let admin: string;
let op: { north: string };
let insp: { hanoi: string; saigon: string };

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  await api.call('POST', '/api/v1/tenants', { body: { id: 'north', name: 'North Gas', region: 'VN-HN' } });
  await api.call('POST', '/api/v1/tenants', { body: { id: 'south', name: 'South Gas', region: 'VN-SG' } });
  await api.call('POST', '/api/v1/devices', { body: { id: 'baro-n1', tenant: 'north', type: 'barometer', serial: 'SN-1', site: 'Noi Bai' } });
  await api.call('POST', '/api/v1/devices', { body: { id: 'baro-s1', tenant: 'south', type: 'barometer', serial: 'SN-2' } });
  await api.call('POST', '/api/v1/devices/baro-n1/certificates', {
    body: { kind: 'verification', number: 'V-1', issuedBy: 'QUATEST 1', issuedAt: '2026-01-15', validUntil: '2027-01-15' },
  });
  admin = api.token('admin');
  op = { north: api.token('operator', { tenant: 'north' }) };
  insp = { hanoi: api.token('inspector', { regions: ['VN-HN'] }), saigon: api.token('inspector', { regions: ['VN-SG'] }) };
});
afterEach(() => api.close());

describe('assurance report', () => {
  beforeEach(() => {
    // Three checks of baro-n1 in February: pass, pass, fail (the last, on the 20th); one alert open.
    const checks = new CheckStore(api.db);
    const check = (seq: number, day: number, decision: CheckResult['decision']) =>
      checks.insert('baro-n1', '', { seq, ts: Date.parse('2026-02-01T00:00:00Z') + day * DAY, decision } as CheckResult, NOW.toISOString());
    check(1, 0, 'pass');
    check(2, 9, 'pass');
    check(3, 19, 'fail');
    api.deps.alerts.raise({
      tenant: 'north',
      device: 'baro-n1',
      kind: 'out-of-tolerance',
      severity: 'critical',
      summary: 'Check fail',
      details: {},
      at: new Date('2026-02-20T00:00:00Z'),
    });
  });

  it('lists each visible instrument with its verification, check decisions and alerts', async () => {
    // days of Vietnam (UTC+7), both included: from 2026-01-01 00:00 (17:00Z the day before) through 1 March
    const r = await api.call('GET', '/api/v1/reports/assurance?from=2026-01-01&to=2026-03-01', { token: admin });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ generatedAt: NOW.toISOString(), from: '2025-12-31T17:00:00.000Z', to: '2026-03-01T16:59:59.999Z', tenant: null });
    // a check at 01:00 on 1 January in Hà Nội is in the period; one at 23:00 on 31 December is not
    const early = new CheckStore(api.db);
    early.insert('baro-n1', '', { seq: 4, ts: Date.parse('2025-12-31T18:00:00Z'), decision: 'pass' } as CheckResult, NOW.toISOString());
    early.insert('baro-n1', '', { seq: 5, ts: Date.parse('2025-12-31T16:00:00Z'), decision: 'pass' } as CheckResult, NOW.toISOString());
    const again = await api.call('GET', '/api/v1/reports/assurance?from=2026-01-01&to=2026-03-01', { token: admin });
    expect(again.body.items[0]).toMatchObject({ device: 'baro-n1', checks: 4, decisions: { pass: 3, fail: 1 } });
    expect(r.body.items).toEqual([
      {
        tenant: 'north',
        device: 'baro-n1',
        type: 'barometer',
        serial: 'SN-1',
        site: 'Noi Bai',
        verificationState: 'valid',
        verificationDue: '2027-01-15T16:59:59.999Z', // through 2027-01-15 in Vietnam
        checks: 3,
        decisions: { pass: 2, 'conditional-pass': 0, 'conditional-fail': 0, fail: 1 },
        lastCheckAt: '2026-02-20T00:00:00.000Z',
        driftPerDay: null,
        predictedOutOfToleranceAt: null,
        alertsOpened: 1,
        alertsResolved: 0,
        alertsOpen: 1,
      },
      {
        tenant: 'south',
        device: 'baro-s1',
        type: 'barometer',
        serial: 'SN-2',
        site: null,
        verificationState: 'none',
        verificationDue: null,
        checks: 0,
        decisions: { pass: 0, 'conditional-pass': 0, 'conditional-fail': 0, fail: 0 },
        lastCheckAt: null,
        driftPerDay: null,
        predictedOutOfToleranceAt: null,
        alertsOpened: 0,
        alertsResolved: 0,
        alertsOpen: 0,
      },
    ]);
  });

  it('gives each token only its tenants; a tenant it may not see is 404', async () => {
    const devices = async (token: string, q = '') =>
      (await api.call('GET', `/api/v1/reports/assurance${q}`, { token })).body.items.map((x: { device: string }) => x.device);
    expect(await devices(op.north)).toEqual(['baro-n1']);
    expect(await devices(insp.saigon)).toEqual(['baro-s1']);
    expect(await devices(admin, '?tenant=south')).toEqual(['baro-s1']);
    expect((await api.call('GET', '/api/v1/reports/assurance?tenant=south', { token: op.north })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/reports/assurance?tenant=north', { token: insp.saigon })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/reports/assurance?from=2026-03-01&to=2026-02-01', { token: admin })).body.error.details).toEqual([
      { path: 'from', message: 'from must not be after to; received from=2026-03-01, to=2026-02-01' },
    ]);
  });

  it('comes as CSV with one line per instrument', async () => {
    const r = await api.call('GET', '/api/v1/reports/assurance?tenant=north&format=csv&from=2026-01-01', { token: insp.hanoi });
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="assurance-north.csv"');
    const lines = r.text.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      'tenant,device,type,serial,site,verificationState,verificationDue,checks,pass,conditionalPass,conditionalFail,fail,lastCheckAt,driftPerDay,predictedOutOfToleranceAt,alertsOpened,alertsResolved,alertsOpen',
    );
    expect(lines[1]).toBe('north,baro-n1,barometer,SN-1,Noi Bai,valid,2027-01-15T16:59:59.999Z,3,2,0,0,1,2026-02-20T00:00:00.000Z,,,1,0,1');
  });
});

describe('audit log', () => {
  it('admins read all of it; inspectors what concerns their regions; operators none', async () => {
    const actions = (r: { body: { items: { action: string; target: string | null }[] } }) => r.body.items.map((e) => `${e.action} ${e.target}`).reverse();
    expect(actions(await api.call('GET', '/api/v1/audit', { token: admin }))).toEqual([
      'tenant.create north',
      'tenant.create south',
      'device.create baro-n1',
      'device.create baro-s1',
      'certificate.add baro-n1',
    ]);
    expect(actions(await api.call('GET', '/api/v1/audit', { token: insp.hanoi }))).toEqual([
      'tenant.create north',
      'device.create baro-n1',
      'certificate.add baro-n1',
    ]);
    expect((await api.call('GET', '/api/v1/audit', { token: op.north })).status).toBe(403);
    // the refusal itself is audited; pages go back from `before`
    const page = await api.call('GET', '/api/v1/audit?limit=2', { token: admin });
    expect(actions(page)).toEqual(['certificate.add baro-n1', 'api.denied null']);
    expect(page.body.items[0].details).toMatchObject({ method: 'GET', path: '/api/v1/audit', role: 'operator', tenant: 'north' });
    expect(actions(await api.call('GET', `/api/v1/audit?limit=2&before=${page.body.items[1].id}`, { token: admin }))).toEqual([
      'device.create baro-n1',
      'device.create baro-s1',
    ]);
  });

  it('verifies its hash chain, and names the entry edited behind its back', async () => {
    expect((await api.call('GET', '/api/v1/audit/verify', { token: admin })).body).toEqual({ ok: true, entries: 5 });
    expect((await api.call('GET', '/api/v1/audit/verify', { token: insp.hanoi })).status).toBe(403);
    api.db.connection.prepare("UPDATE audit SET actor = 'someone-else' WHERE id = 3").run(); // tampering, outside the stores
    expect((await api.call('GET', '/api/v1/audit/verify', { token: admin })).body).toEqual({
      ok: false,
      entries: 3,
      brokenAt: 3,
      reason: 'content does not match its hash (the row was edited)',
    });
  });
});

describe('dead letters', () => {
  it('admins see the points the sink refused, newest first, with the point as it was', async () => {
    api.deps.deadLetters.add({
      at: NOW,
      sink: 'influx-v1',
      reason: 'field type conflict',
      device: 'baro-n1',
      tenant: 'north',
      point: { measurement: 'reading', fields: { value: 'x' } },
    });
    api.deps.deadLetters.add({ at: NOW, sink: 'influx-v1', reason: 'unparsable line', point: { line: 'reading value=' } });
    const r = await api.call('GET', '/api/v1/dead-letters', { token: admin });
    expect(r.body.items).toEqual([
      { id: 2, at: NOW.toISOString(), sink: 'influx-v1', reason: 'unparsable line', device: null, tenant: null, point: { line: 'reading value=' } },
      {
        id: 1,
        at: NOW.toISOString(),
        sink: 'influx-v1',
        reason: 'field type conflict',
        device: 'baro-n1',
        tenant: 'north',
        point: { measurement: 'reading', fields: { value: 'x' } },
      },
    ]);
    expect((await api.call('GET', '/api/v1/dead-letters?limit=1', { token: admin })).body.items.map((x: { id: number }) => x.id)).toEqual([2]);
    expect((await api.call('GET', '/api/v1/dead-letters', { token: op.north })).status).toBe(403);
    expect((await api.call('GET', '/api/v1/dead-letters', { token: insp.hanoi })).status).toBe(403);
  });
});
