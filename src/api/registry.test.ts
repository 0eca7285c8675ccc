// Tenants, devices and certificates through the API alone (real stores, no broker): who may do
// what, and what a token that may not see a resource gets (404, as for one that does not exist).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';

const NOW = new Date('2026-03-01T00:00:00Z');
let api: ApiUnderTest;
let op: { north: string; south: string };
let insp: { hanoi: string; saigon: string };

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  for (const t of [
    { id: 'north', name: 'North Gas', region: 'VN-HN' },
    { id: 'south', name: 'South Gas', region: 'VN-SG' },
  ]) {
    expect((await api.call('POST', '/api/v1/tenants', { body: t })).status).toBe(201);
  }
  op = { north: api.token('operator', { tenant: 'north' }), south: api.token('operator', { tenant: 'south' }) };
  insp = { hanoi: api.token('inspector', { regions: ['VN-HN'] }), saigon: api.token('inspector', { regions: ['VN-SG'] }) };
});
afterEach(() => api.close());

const device = (id: string, tenant: string) => ({ id, tenant, type: 'barometer', serial: `SN-${id}` });
const certificate = { kind: 'verification', number: 'V-2026-001', issuedBy: 'QUATEST 1', issuedAt: '2026-01-15', validUntil: '2027-01-15' };

describe('tenants', () => {
  it('an admin registers one; a second with the same id is a conflict; others may not register', async () => {
    const r = await api.call('POST', '/api/v1/tenants', { body: { id: 'east', name: 'East', region: 'VN-DN' } });
    expect(r).toMatchObject({ status: 201, body: { id: 'east', name: 'East', region: 'VN-DN', createdAt: NOW.toISOString() } });
    expect((await api.call('POST', '/api/v1/tenants', { body: { id: 'east', name: 'Again', region: 'VN-DN' } })).status).toBe(409);
    expect((await api.call('POST', '/api/v1/tenants', { token: op.north, body: { id: 'west', name: 'W', region: 'VN-HN' } })).status).toBe(403);
    expect(
      (await api.call('POST', '/api/v1/tenants', { body: { id: 'bad id', name: 'x', region: 'Hanoi' } })).body.error.details
        .map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['id', 'region']);
  });

  it('each token lists the tenants it may see: all, its own, or those in its regions', async () => {
    const ids = async (token: string) => (await api.call('GET', '/api/v1/tenants', { token })).body.items.map((t: { id: string }) => t.id);
    expect(await ids(api.token('admin'))).toEqual(['north', 'south']);
    expect(await ids(op.south)).toEqual(['south']);
    expect(await ids(insp.hanoi)).toEqual(['north']);
    expect((await api.call('GET', '/api/v1/tenants', { token: null })).status).toBe(401);
  });
});

describe('devices', () => {
  it('an operator registers one in its own tenant and gets the MQTT secret once; not in another tenant', async () => {
    const r = await api.call('POST', '/api/v1/devices', { token: op.north, body: device('baro-n1', 'north') });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: 'baro-n1',
      tenant: 'north',
      type: 'barometer',
      serial: 'SN-baro-n1',
      verification: { state: 'none' },
      lastSeenAt: null,
    });
    expect(r.body.secret).toMatch(/^\S{20,}$/);
    expect((await api.call('GET', '/api/v1/devices/baro-n1', { token: op.north })).body.secret).toBeUndefined();
    // another tenant's: answered as if the tenant did not exist
    const other = await api.call('POST', '/api/v1/devices', { token: op.north, body: device('baro-s9', 'south') });
    expect(other).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'tenant south not found' } } });
    // the answer names the field, as a 400 does, for an admin's typo as for another's tenant
    expect(other.body.error.details).toEqual([{ path: 'tenant', message: 'tenant south not found, or not visible to this token' }]);
    const typo = await api.call('POST', '/api/v1/devices', { body: device('baro-x', 'nrth') });
    expect(typo).toMatchObject({ status: 404, body: { error: { details: [{ path: 'tenant' }] } } });
    expect((await api.call('POST', '/api/v1/devices', { token: insp.hanoi, body: device('baro-n2', 'north') })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/devices', { body: device('baro-n1', 'north') })).status).toBe(409);
  });

  it('refuses a device its instrument type does not know, saying which types there are', async () => {
    const r = await api.call('POST', '/api/v1/devices', { body: { ...device('x-1', 'north'), type: 'thermometer' } });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]).toMatchObject({ path: 'type', message: expect.stringContaining('barometer') });
  });

  it("is visible to its tenant's operator, inspectors of its region and admins; 404 to everyone else", async () => {
    await api.call('POST', '/api/v1/devices', { body: device('baro-n1', 'north') });
    await api.call('POST', '/api/v1/devices', { body: device('baro-s1', 'south') });
    const status = async (token: string) => (await api.call('GET', '/api/v1/devices/baro-n1', { token })).status;
    expect(await status(api.token('admin'))).toBe(200);
    expect(await status(op.north)).toBe(200);
    expect(await status(insp.hanoi)).toBe(200);
    expect(await status(op.south)).toBe(404);
    expect(await status(insp.saigon)).toBe(404);
    const missing = await api.call('GET', '/api/v1/devices/ghost', { token: op.south });
    const hidden = await api.call('GET', '/api/v1/devices/baro-n1', { token: op.south });
    expect(hidden.body.error.message.replace('baro-n1', 'X')).toBe(missing.body.error.message.replace('ghost', 'X'));
    const list = async (token: string) => (await api.call('GET', '/api/v1/devices', { token })).body.items.map((d: { id: string }) => d.id);
    expect(await list(api.token('admin'))).toEqual(['baro-n1', 'baro-s1']);
    expect(await list(op.south)).toEqual(['baro-s1']);
    expect(await list(insp.hanoi)).toEqual(['baro-n1']);
  });

  it("rotating the secret ends the device's MQTT session and is refused to inspectors", async () => {
    await api.call('POST', '/api/v1/devices', { body: device('baro-n1', 'north') });
    const r = await api.call('POST', '/api/v1/devices/baro-n1/secret', { token: op.north });
    expect(r.status).toBe(200);
    expect(api.disconnected).toEqual(['baro-n1']);
    expect((await api.call('POST', '/api/v1/devices/baro-n1/secret', { token: insp.hanoi })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/devices/baro-n1/secret', { token: op.south })).status).toBe(404);
    expect(api.disconnected).toEqual(['baro-n1']);
  });
});

describe('changing a device', () => {
  const trail = async (id: string) =>
    (await api.deps.audit.list({ limit: 50 })).filter((e) => e.target === id && e.action === 'device.update').map((e) => e.details);

  it('an operator corrects its site and model, removes one with null; a retry changes nothing; each change audited with what it was', async () => {
    await api.call('POST', '/api/v1/devices', { token: op.north, body: { ...device('baro-n1', 'north'), site: 'Kho Đông Anh', model: 'PTB-330' } });
    const r = await api.call('PATCH', '/api/v1/devices/baro-n1', { token: op.north, body: { site: 'Kho Đông Anh, nhà B', model: null } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ id: 'baro-n1', serial: 'SN-baro-n1', site: 'Kho Đông Anh, nhà B' });
    expect(r.body.model).toBeUndefined();
    expect(r.body.placements).toBeUndefined(); // a correction, not a move
    expect((await api.call('GET', '/api/v1/devices/baro-n1', { token: insp.hanoi })).body.site).toBe('Kho Đông Anh, nhà B');
    expect((await api.call('PATCH', '/api/v1/devices/baro-n1', { token: op.north, body: { site: 'Kho Đông Anh, nhà B', model: null } })).status).toBe(200);
    expect(await trail('baro-n1')).toEqual([{ changes: { site: { from: 'Kho Đông Anh', to: 'Kho Đông Anh, nhà B' }, model: { from: 'PTB-330', to: null } } }]);
  });

  it('with movedAt, keeps where and for what it was in service before (placements); moves are dated, in order, not ahead of the clock', async () => {
    const scale = { id: 'sc-n1', tenant: 'north', type: 'scale', serial: 'TM-60', class: 'III', e: 0.02, max: 60, site: 'Chợ Long Biên, sạp 12' };
    expect((await api.call('POST', '/api/v1/devices', { token: op.north, body: scale })).status).toBe(201);
    // a date alone is the start of that day in the enterprise's zone (Vietnam, UTC+7)
    const moved = await api.call('PATCH', '/api/v1/devices/sc-n1', {
      token: op.north,
      body: { site: 'Điểm thu mua nông sản Gia Lâm', use: 'purchasing', movedAt: '2026-02-10' },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({
      site: 'Điểm thu mua nông sản Gia Lâm',
      use: 'purchasing',
      placements: [{ until: '2026-02-09T17:00:00.000Z', site: 'Chợ Long Biên, sạp 12' }],
    });
    expect(await trail('sc-n1')).toEqual([
      {
        changes: { site: { from: 'Chợ Long Biên, sạp 12', to: 'Điểm thu mua nông sản Gia Lâm' }, use: { from: null, to: 'purchasing' } },
        movedAt: '2026-02-09T17:00:00.000Z',
      },
    ]);
    const refused = async (body: unknown) => {
      const r = await api.call('PATCH', '/api/v1/devices/sc-n1', { token: op.north, body });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      return r.body.error.details;
    };
    expect(await refused({ site: 'Chợ Gia Lâm', movedAt: '2026-02-01T08:00:00+07:00' })).toEqual([
      { path: 'movedAt', message: "2026-02-01T08:00:00+07:00 is not after the instrument's last move (2026-02-09T17:00:00.000Z): moves are recorded in order" },
    ]);
    expect((await refused({ site: 'Chợ Gia Lâm', movedAt: '2026-03-02' }))[0]).toMatchObject({ path: 'movedAt' }); // tomorrow
    expect(await refused({ movedAt: '2026-02-20' })).toEqual([
      {
        path: '(root)',
        message: 'the request body must name at least one of site, use, model, expectedIntervalSeconds (null removes one); received {"movedAt":"2026-02-20"}',
      },
    ]);
    expect(await refused({ model: 'X', movedAt: '2026-02-20' })).toEqual([
      { path: 'movedAt', message: 'movedAt dates a move: give the new site or use with it; received "2026-02-20"' },
    ]);
    // identity and metrology are the certificates' instrument's
    expect(await refused({ serial: 'OTHER', e: 0.01 })).toEqual([
      {
        path: 'serial',
        message:
          'serial is not changed here: an instrument\'s identity and metrology are those its certificates name (a repaired or replaced instrument is registered as one); only site, use, model, expectedIntervalSeconds and movedAt are; received "OTHER"',
      },
      expect.objectContaining({ path: 'e' }),
    ]);
    expect(await refused({ use: 'silver' })).toEqual([
      { path: 'use', message: 'use must be one of gold-trading, purchasing for scale (or left out); received "silver"' },
    ]);
    // a 20 g scale interval is far too coarse for gold (Circular 22/2013: e ≤ 1 g above 10 kg)
    expect((await refused({ use: 'gold-trading' }))[0]).toMatchObject({
      path: 'e',
      message: expect.stringMatching(/^e 0\.02 kg is too coarse for gold-trading/),
    });
    // a second move, later: two placements, oldest first
    const again = await api.call('PATCH', '/api/v1/devices/sc-n1', {
      token: op.north,
      body: { site: 'Chợ Gia Lâm', use: null, movedAt: '2026-02-25T06:00:00+07:00' },
    });
    expect(again.body.placements).toEqual([
      { until: '2026-02-09T17:00:00.000Z', site: 'Chợ Long Biên, sạp 12' },
      { until: '2026-02-24T23:00:00.000Z', site: 'Điểm thu mua nông sản Gia Lâm', use: 'purchasing' },
    ]);
    expect(again.body.use).toBeUndefined();
  });

  it("is refused to inspectors (403) and to another enterprise's operator (404)", async () => {
    await api.call('POST', '/api/v1/devices', { body: device('baro-n1', 'north') });
    expect((await api.call('PATCH', '/api/v1/devices/baro-n1', { token: insp.hanoi, body: { site: 'x' } })).status).toBe(403);
    expect((await api.call('PATCH', '/api/v1/devices/baro-n1', { token: op.south, body: { site: 'x' } })).status).toBe(404);
    expect((await api.call('PATCH', '/api/v1/devices/nope', { body: { site: 'x' } })).status).toBe(404);
    expect(await trail('baro-n1')).toEqual([]);
  });
});

// A gold shop's class II balance (OIML R76-1): Max 220 g, e = d = 0.01 g, n = 0.22 / 0.00001 = 22 000 (Table 3:
// 100 to 100 000 for 1 mg ≤ e ≤ 50 mg). Table 6, class II: 1e for 5 000e < m ≤ 20 000e; in service (as an
// inspection judges) 2 × that: 2e = 0.02 g at 100 g (10 000e) and at 200 g (20 000e, the band's inclusive limit).
describe('a class II balance', () => {
  const balance = { id: 'bal-n1', tenant: 'north', type: 'scale', serial: 'AU-220', class: 'II', e: 0.00001, max: 0.22 };

  it('is registered with its class, e and Max; e = 0.1 g with Max 200 g (n = 2 000 < 5 000) is refused by Table 3', async () => {
    const r = await api.call('POST', '/api/v1/devices', { token: op.north, body: balance });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ id: 'bal-n1', type: 'scale', class: 'II', e: 0.00001, max: 0.22 });
    const coarse = await api.call('POST', '/api/v1/devices', { token: op.north, body: { ...balance, id: 'bal-n2', e: 0.0001, max: 0.2 } });
    expect(coarse.status).toBe(400);
    expect(coarse.body.error.details).toEqual([
      {
        path: 'max',
        message:
          'max/e = 0.2 kg / 0.0001 kg = 2000 verification scale intervals; class II has from 5 000 to 100 000 (from 5 000 when e ≥ 0.1 g) (OIML R76-1 Table 3): check max, e and the class',
      },
    ]);
  });

  it('registered for gold trading: a 0.01 g balance of Max 220 g fits (Circular 22/2013: e ≤ 10 mg above 200 g to 3 kg), e = 0.1 g at Max 2 kg is refused, an unknown use too', async () => {
    // Max 220 g is above 200 g: e ≤ 10 mg = 0.00001 kg, so the jeweller's 0.01 g balance fits
    const fits = await api.call('POST', '/api/v1/devices', { token: op.north, body: { ...balance, id: 'bal-g1', use: 'gold-trading' } });
    expect(fits.status, JSON.stringify(fits.body)).toBe(201);
    expect(fits.body).toMatchObject({ id: 'bal-g1', use: 'gold-trading' });
    expect((await api.call('GET', '/api/v1/devices/bal-g1', { token: op.north })).body.use).toBe('gold-trading');
    // e = 0.1 g at Max 2 kg: n = 20 000 fits class II's Table 3 (e ≥ 0.1 g: 5 000 to 100 000); the circular allows 10 mg there
    const coarse = await api.call('POST', '/api/v1/devices', { token: op.north, body: { ...balance, id: 'bal-g2', e: 0.0001, max: 2, use: 'gold-trading' } });
    expect(coarse.status).toBe(400);
    expect(coarse.body.error.details).toEqual([
      {
        path: 'e',
        message:
          'e 0.0001 kg is too coarse for gold-trading: a scale of Max 2 kg (capacities above 0.2 and up to 3 kg) must have e at most 0.00001 kg (10 mg) (Circular 22/2013/TT-BKHCN Article 4(1); devices/scale.json tradeUses); register a finer scale, or check e and max',
      },
    ]);
    const unknown = await api.call('POST', '/api/v1/devices', { token: op.north, body: { ...balance, id: 'bal-g3', use: 'silver' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([
      { path: 'use', message: 'use must be one of gold-trading, purchasing for scale (or left out); received "silver"' },
    ]);
  });

  it("registered for purchasing (a buyer's scale): accepted with no e requirement of its own, its drift judged for the buyer's favour", async () => {
    const produce = { id: 'sc-mua1', tenant: 'north', type: 'scale', serial: 'TM-150-07', class: 'III', e: 0.05, max: 150, use: 'purchasing' };
    const r = await api.call('POST', '/api/v1/devices', { token: op.north, body: produce });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ id: 'sc-mua1', use: 'purchasing' });
    // its checks are judged for errors in the buyer's favour (buyer-favoured: src/alerts/assurance.test.ts)
    expect((await api.call('GET', '/api/v1/devices/sc-mua1', { token: op.north })).body.use).toBe('purchasing');
  });

  it("has its checks judged by its class's load band: an inspector's change-point checks at 100 g and 200 g, in grams", async () => {
    expect((await api.call('POST', '/api/v1/devices', { token: op.north, body: balance })).status).toBe(201);
    await api.call('POST', '/api/v1/devices/bal-n1/certificates', { token: op.north, body: certificate });
    const opening = { tenant: 'north', site: 'Tiệm vàng, phố Hàng Bạc', startedAt: '2026-03-01T06:30:00+07:00', inspectors: ['Nguyễn Văn Hùng'] };
    const opened = await api.call('POST', '/api/v1/inspections', { token: insp.hanoi, body: opening });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const weight = (indicated: number, reference: number, deltaL: number) => ({
      indicated,
      reference,
      deltaL,
      referenceUncertainty: 0.0005,
      unit: 'g',
      standardId: 'W-F1-SET',
    });
    const r = await api.call('POST', `/api/v1/inspections/${opened.body.id}/items`, {
      token: insp.hanoi,
      body: {
        device: 'bal-n1',
        // 100 g: E = 100.01 + 0.005 − 0.004 − 100 = +0.011 g ≤ 0.02 g − U (0.0005 g): pass
        // 200 g: E = 199.98 + 0.005 − 0.010 − 200 = −0.025 g > 0.02 g + U: fail (1.5e × 2 = 0.03 g would have passed it)
        checks: [weight(100.01, 100, 0.004), weight(199.98, 200, 0.01)],
        sealsIntact: true,
        verificationMarkValid: true,
        certificateValid: true,
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const [at100, at200] = r.body.checks;
    expect(at100).toMatchObject({ regime: 'inService', legal: 'pass', decision: 'pass' });
    expect(at100.error).toBeCloseTo(0.000011, 15);
    expect(at100.mpe).toBeCloseTo(0.00002, 15);
    expect(at200).toMatchObject({ regime: 'inService', legal: 'fail', decision: 'fail' });
    expect(at200.error).toBeCloseTo(-0.000025, 15);
    expect(at200.mpe).toBeCloseTo(0.00002, 15);
    expect(r.body.verdict).toBe('fail');
  });
});

describe('certificates', () => {
  it('a verification certificate makes the device valid until its date, and its new standing is published', async () => {
    await api.call('POST', '/api/v1/devices', { body: device('baro-n1', 'north') });
    expect(api.published).toEqual([{ device: 'baro-n1', state: 'none' }]);
    const r = await api.call('POST', '/api/v1/devices/baro-n1/certificates', { token: op.north, body: certificate });
    expect(r).toMatchObject({
      status: 201,
      // dates alone are days in Vietnam (UTC+7, the default zone): issued from 00:00 there (stored
      // with its offset, answered in UTC with the day); valid through 23:59:59.999 there, 16:59:59.999Z
      body: {
        id: 1,
        device: 'baro-n1',
        kind: 'verification',
        number: 'V-2026-001',
        issuedAt: '2026-01-14T17:00:00.000Z',
        issuedOn: '2026-01-15',
        validUntil: '2027-01-15T16:59:59.999Z',
        createdAt: NOW.toISOString(),
      },
    });
    expect(api.published).toEqual([
      { device: 'baro-n1', state: 'none' },
      { device: 'baro-n1', state: 'valid' },
    ]);
    expect((await api.call('GET', '/api/v1/devices/baro-n1', { token: insp.hanoi })).body.verification).toMatchObject({
      state: 'valid',
      validUntil: '2027-01-15T16:59:59.999Z',
    });
    await api.call('POST', '/api/v1/devices/baro-n1/certificates', {
      body: { ...certificate, number: 'V-2027-001', issuedAt: '2026-02-25', validUntil: '2027-02-25' }, // issued before now (one ahead of the clock is refused)
    });
    const list = await api.call('GET', '/api/v1/devices/baro-n1/certificates', { token: insp.hanoi });
    expect(list.body.items.map((c: { number: string }) => c.number)).toEqual(['V-2027-001', 'V-2026-001']); // newest first
  });

  it("only admins and the tenant's operators add them; others see 403 or 404", async () => {
    await api.call('POST', '/api/v1/devices', { body: device('baro-n1', 'north') });
    expect((await api.call('POST', '/api/v1/devices/baro-n1/certificates', { token: insp.hanoi, body: certificate })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/devices/baro-n1/certificates', { token: op.south, body: certificate })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/devices/baro-n1/certificates', { token: insp.saigon })).status).toBe(404);
    const bad = await api.call('POST', '/api/v1/devices/baro-n1/certificates', { body: { ...certificate, validUntil: '2025-01-01' } });
    expect(bad.body.error.details).toEqual([{ path: 'validUntil', message: 'validUntil must be after issuedAt; received "2025-01-01"' }]);
    expect(api.deps.registry.certificatesOf('baro-n1')).toEqual([]);
  });
});
