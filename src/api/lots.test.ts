// Lots of prepackages through the API alone (real stores, no broker): declaring a lot, entering its
// packages by hand, reading its verdict, who may do what. The lots are worked out by hand below
// from OIML R87 Table 1 (T) and the EU/UK reference test (UK SI 2006/659 Sch. 2), the default plan
// of devices/prepackages/sampling-plans.json.
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';

const NOW = new Date('2026-03-01T00:00:00Z');
let api: ApiUnderTest;
let op: { north: string; south: string };
let insp: { hanoi: string; saigon: string };

const certificate = { kind: 'verification', number: 'V-2026-001', issuedBy: 'QUATEST 1', issuedAt: '2026-01-15', validUntil: '2027-01-15' };

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  await api.call('POST', '/api/v1/tenants', { body: { id: 'north', name: 'North Rice', region: 'VN-HN' } });
  await api.call('POST', '/api/v1/tenants', { body: { id: 'south', name: 'South Milk', region: 'VN-SG' } });
  // A checkweigher of class XIII with e = 0.1 g, and a market scale with the scale profile's e = 50 g.
  await api.call('POST', '/api/v1/devices', { body: { id: 'cw-n1', tenant: 'north', type: 'checkweigher', serial: 'CW-1', class: 'XIII', e: 0.0001, max: 1 } });
  await api.call('POST', '/api/v1/devices', { body: { id: 'sc-market', tenant: 'north', type: 'scale', serial: 'SC-1', class: 'III' } });
  await api.call('POST', '/api/v1/devices', { body: { id: 'cw-s1', tenant: 'south', type: 'checkweigher', serial: 'CW-2', class: 'XIII', e: 0.0001, max: 1 } });
  for (const d of ['cw-n1', 'sc-market', 'cw-s1']) await api.call('POST', `/api/v1/devices/${d}/certificates`, { body: certificate });
  op = { north: api.token('operator', { tenant: 'north' }), south: api.token('operator', { tenant: 'south' }) };
  insp = { hanoi: api.token('inspector', { regions: ['VN-HN'] }), saigon: api.token('inspector', { regions: ['VN-SG'] }) };
});
afterEach(() => api.close());

/** 200 bags of rice labelled 500 g, weighed on the checkweigher. */
const rice = (id = 'RICE-A', extra: Record<string, unknown> = {}) => ({
  id,
  tenant: 'north',
  product: 'Gạo ST25 500 g',
  nominal: 500,
  unit: 'g',
  lotSize: 200,
  scale: 'cw-n1',
  ...extra,
});
/** What a lot-fail summary says of a verdict under the default plan, which is not Vietnam's (Circular 21/2014, unconfirmed). */
const UNDER_EU = 'under plan "EU/UK reference test, single sampling" (not yet under Circular 21/2014/TT-BKHCN)';
/** Nets alternating 502 and 504 g (odd positions 502): mean 503 over any even count. */
const alternating = (n: number, low = 502, high = 504) => Array.from({ length: n }, (_, i) => ({ net: i % 2 === 0 ? low : high }));

describe('declaring a lot', () => {
  it('answers at once the sample size and T, and the weighing instrument it will be measured on', async () => {
    const r = await api.call('POST', '/api/v1/lots', { token: op.north, body: rice() });
    expect(r.status).toBe(201);
    // T = 3 % of 500 g = 15 g (R87 Table 1, 300–500 g); a lot of 200 (100–500): T1 check on 50 packages,
    // accept 3; mean of the first 30 ≥ Qn − 0.503·s (UK SI 2006/659 Sch. 2 paras 3.3–3.5, 4.5).
    expect(r.body).toMatchObject({
      id: 'RICE-A',
      tenant: 'north',
      product: 'Gạo ST25 500 g',
      nominal: 500,
      unit: 'g',
      lotSize: 200,
      sampleSize: 50,
      tolerableDeficiency: 15,
      allowedT1: 3,
      measured: 0,
      mean: null,
      averageLimit: null,
      verdict: 'pending',
      plan: 'eu-reference-single',
    });
    // The checkweigher: 500 g = 0.5 kg = 5000e at e = 0.1 g, class XIII band 2000e–10000e: 1.5e = 0.15 g on
    // verification, 0.3 g in service; T/5 = 3 g, so it is fine enough.
    expect(r.body.scale).toMatchObject({ id: 'cw-n1', suitable: true, mpe: 0.3, limit: 3 });
    expect(r.body.scale.reason).toMatch(/MPE 0.3 g is within T\/5 = 3 g/);
    expect((await api.deps.audit.list({ limit: 5 })).find((e) => e.action === 'lot.declare')).toMatchObject({
      target: 'RICE-A',
      details: { tenant: 'north', nominal: 500, scale: 'cw-n1' },
    });
  });

  it('refuses a declaration the plans cannot judge, with every reason; a second lot with the same id is a conflict', async () => {
    const bad = await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('RICE-B', { nominal: 3, lotSize: 50, destructive: true }) });
    expect(bad.status).toBe(400);
    const messages = bad.body.error.details.map((d: { message: string }) => d.message);
    // 3 g is below the 5 g of R87 Table 1; the destructive rule starts at 100 packages.
    expect(messages).toEqual([expect.stringMatching(/Qn = 3 g is outside the table/), expect.stringMatching(/no destructive rule for a lot of 50 packages/)]);
    const volume = await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('RICE-C', { unit: 'mL', measuredUnit: 'g' }) });
    expect(volume.body.error.details[0].message).toMatch(/need the product's density/);
    const oz = await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('RICE-D', { unit: 'oz' }) });
    expect(oz.body.error.details).toEqual([{ path: 'unit', message: 'unit must be one of "g", "kg", "mL", "L"; received "oz"' }]);
    expect((await api.call('POST', '/api/v1/lots', { token: op.north, body: rice() })).status).toBe(201);
    expect((await api.call('POST', '/api/v1/lots', { token: op.north, body: rice() })).status).toBe(409);
  });

  it('refuses a density no product has: above osmium, 22.59 g/cm³, or not above 0', async () => {
    const milk = (density: unknown) => rice('MILK', { product: 'Sữa tươi 1 L', nominal: 1, unit: 'L', measuredUnit: 'g', density });
    for (const density of [1e300, 22.7, 0, -1.03, 1e-300]) {
      const r = await api.call('POST', '/api/v1/lots', { token: op.north, body: milk(density) });
      expect(r.status, String(density)).toBe(400);
      expect(r.body.error.details).toEqual([
        { path: 'density', message: expect.stringMatching(/^density must be a density in g\/mL from 0\.00001 to 22\.6: /) },
      ]);
    }
    expect(await api.deps.lots.get('MILK')).toBeUndefined();
    const ok = await api.call('POST', '/api/v1/lots', { token: op.north, body: milk(1.03) });
    expect(ok.status).toBe(201);
    expect(ok.body.density).toBe(1.03);
  });

  it("refuses a scale that is not the tenant's instrument; only admins and the tenant's operators declare", async () => {
    const other = await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('RICE-E', { scale: 'cw-s1' }) });
    expect(other.body.error.details).toEqual([{ path: 'scale', message: 'scale must be a registered instrument of enterprise north; received "cw-s1"' }]);
    // nor one that does not weigh: its packages would be refused (as over MQTT), the lot never filled
    await api.call('POST', '/api/v1/devices', { body: { id: 'baro-n1', tenant: 'north', type: 'barometer', serial: 'B-1' } });
    const baro = await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('RICE-B', { scale: 'baro-n1' }) });
    expect(baro.status).toBe(400);
    expect(baro.body.error.details).toEqual([
      {
        path: 'scale',
        message: expect.stringMatching(/^scale must be a weighing instrument \(a scale or a checkweigher, whose type measures mass\): baro-n1 is a /),
      },
    ]);
    expect(await api.deps.lots.get('RICE-B')).toBeUndefined();
    expect((await api.call('POST', '/api/v1/lots', { token: op.south, body: rice() })).status).toBe(404);
    expect((await api.call('POST', '/api/v1/lots', { token: insp.hanoi, body: rice() })).status).toBe(403);
  });
});

describe('entering packages by hand', () => {
  beforeEach(async () => {
    expect((await api.call('POST', '/api/v1/lots', { token: op.north, body: rice() })).status).toBe(201);
  });

  it('keeps the lot pending until the sample is in, then passes a clean lot', async () => {
    const part = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items: alternating(30) } });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ measured: 30, verdict: 'pending', added: 30, repeated: 0 });
    expect(part.body.reasons.at(-1)).toBe('30 of 50 packages measured; the lot is judged once 50 are in.');
    expect(part.body.notes.at(-1)).toEqual({ key: 'sampleIncomplete', values: { measured: 30, sampleSize: 50 } });
    const done = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items: alternating(20) } });
    // Mean of the first 30: 503 g; s = √(30 × 1² / 29) = 1.017095 g; limit 500 − 0.503 × 1.01709 = 499.48840 g.
    // No package below 500 − 15 = 485 g: no T1, no T2.
    expect(done.body).toMatchObject({ measured: 50, sampleSize: 50, verdict: 'pass', t1: 0, t2: 0, mean: 503 });
    expect(done.body.stdDev).toBeCloseTo(1.017095, 6);
    expect(done.body.averageLimit).toBeCloseTo(499.4884, 4);
    expect(done.body.reasons).toContain('Mean of 30 packages 503 g meets Qn − λ·s = 500 g − 0.503 × 1.02 g = 499.49 g.');
    expect(done.body.reasons.at(-2)).toBe('The lot passes.');
    // judged under the default EU/UK plan, a sampled lot says the verdict is not the Circular's (whose plan is unconfirmed)
    expect(done.body.reasons.at(-1)).toMatch(/^This verdict is under plan "EU\/UK reference test, single sampling", not under Circular 21\/2014\/TT-BKHCN/);
    // the same reasons as data, one each in the same order, numbers as numbers (the console tells them in Vietnamese)
    expect(done.body.notes).toHaveLength(done.body.reasons.length);
    expect(done.body.notes.map((n: { key: string }) => n.key)).toEqual([
      'tolerableDeficiencyPercent',
      'plan',
      't1Accepted',
      'meanMeetsLimit',
      'lotPasses',
      'circular21Sampled',
    ]);
    expect(done.body.notes[0]).toEqual({
      key: 'tolerableDeficiencyPercent',
      values: { T: 15, Qn: 500, unit: 'g', amount: 3, from: 300, to: 500, baseUnit: 'g' },
    });
    expect(done.body.notes[3]).toEqual({ key: 'meanMeetsLimit', values: { n: 30, mean: 503, Qn: 500, unit: 'g', lambda: 0.503, s: 1.02, limit: 499.49 } });
    const read = await api.call('GET', '/api/v1/lots/RICE-A', { token: insp.hanoi });
    expect(read.body.notes).toEqual(done.body.notes);
    expect((await api.call('GET', '/api/v1/lots', { token: insp.hanoi })).body.items[0].notes).toEqual(done.body.notes);
    expect(api.deps.alerts.list({ kind: 'lot-fail' })).toEqual([]);
  });

  it('fails a lot with one package short by more than 2T and opens a lot-fail alert with the evidence', async () => {
    const items = alternating(50);
    items[9] = { net: 469 }; // package 10: 31 g short, more than 2T = 30 g
    const r = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items } });
    expect(r.body).toMatchObject({ verdict: 'fail', t1: 1, t2: 1, t1Positions: [10], t2Positions: [10] });
    expect(r.body.reasons).toContain('1 package short by more than 2T = 30 g (T2): package 10 in the order received; no T2 package is allowed.');
    expect(r.body.notes).toContainEqual({ key: 't2Packages', values: { n: 1, twoT: 30, unit: 'g', positions: '10' } });
    expect(r.body.notes.at(-2)).toEqual({ key: 'lotFails', values: {} });
    const [alert] = api.deps.alerts.list({ kind: 'lot-fail' });
    expect(alert).toMatchObject({ tenant: 'north', device: 'cw-n1', key: 'RICE-A', severity: 'critical', state: 'open' });
    expect(alert!.summary).toBe(`Lot RICE-A (Gạo ST25 500 g, Qn 500 g) fails ${UNDER_EU}: 1 package short by more than 2T`);
    expect(alert!.details).toMatchObject({
      lot: 'RICE-A',
      plan: 'eu-reference-single',
      planName: 'EU/UK reference test, single sampling',
      planUnconfirmed: false,
      vietnamesePlan: false,
      t1: 1,
      t2: 1,
      allowedT1: 3,
      tolerableDeficiency: 15,
      shortPackages: [{ position: 10, net: 469, shortBy: 31, t2: true }],
    });
    // the packer's operator and the inspectors of its province see it; others do not
    const seen = async (token: string) => (await api.call('GET', `/api/v1/alerts?kind=lot-fail`, { token })).body.items.length;
    expect([await seen(op.north), await seen(insp.hanoi), await seen(op.south), await seen(insp.saigon)]).toEqual([1, 1, 0, 0]);
  });

  it('fails a lot with more T1 packages than the plan accepts', async () => {
    const items = alternating(50);
    // packages 31–34 at 484 g: 16 g short, more than T = 15 g but not 2T; outside the mean sample of 30.
    for (const i of [30, 31, 32, 33]) items[i] = { net: 484 };
    const r = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items } });
    expect(r.body).toMatchObject({ verdict: 'fail', t1: 4, t2: 0, allowedT1: 3, t1Positions: [31, 32, 33, 34], mean: 503 });
    expect(r.body.reasons).toContain('4 packages short by more than T (T1) among the first 50; the plan allows at most 3 and rejects at 4.');
    expect(api.deps.alerts.list({ kind: 'lot-fail' })[0]!.summary).toBe(
      `Lot RICE-A (Gạo ST25 500 g, Qn 500 g) fails ${UNDER_EU}: 4 T1 packages (the plan allows 3)`,
    );
  });

  it('fails a lot whose mean is below Qn − λ·s', async () => {
    // nets alternating 497 and 499 g: mean of the first 30 = 498 g, s = 1.01709 g, limit 499.48840 g > 498.
    const r = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items: alternating(50, 497, 499) } });
    expect(r.body).toMatchObject({ verdict: 'fail', t1: 0, t2: 0, mean: 498 });
    expect(r.body.averageLimit).toBeCloseTo(499.4884, 4);
    expect(r.body.reasons).toContain('Mean of 30 packages 498 g is below Qn − λ·s = 500 g − 0.503 × 1.02 g = 499.49 g.');
    const [alert] = api.deps.alerts.list({ kind: 'lot-fail' });
    expect(alert!.summary).toBe(`Lot RICE-A (Gạo ST25 500 g, Qn 500 g) fails ${UNDER_EU}: mean 498 g below 499.49 g`);
    // the figures as the reasons write them (0.01 g), which the console's Vietnamese summary shows; the lot keeps them whole
    expect(alert!.details).toMatchObject({ mean: 498, stdDev: 1.02, averageLimit: 499.49 });
  });

  it('writes a mean and its limit with the decimals that tell them apart', async () => {
    // nets alternating 494.1 and 501.9 g: mean of the first 30 = 498 g, s = 3.9 × √(30/29) = 3.96667 g,
    // limit 500 − 0.503 × 3.96667 = 498.00476 g: to 0.01 g both read 498 g, to 0.001 g 498 and 498.005
    const r = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items: alternating(50, 494.1, 501.9) } });
    expect(r.body).toMatchObject({ verdict: 'fail', t1: 0, t2: 0 });
    expect(r.body.averageLimit).toBeCloseTo(498.00476, 5);
    const [alert] = api.deps.alerts.list({ kind: 'lot-fail' });
    expect(alert!.summary).toBe(`Lot RICE-A (Gạo ST25 500 g, Qn 500 g) fails ${UNDER_EU}: mean 498 g below 498.005 g`);
    expect(alert!.details).toMatchObject({ mean: 498, stdDev: 3.967, averageLimit: 498.005 });
  });

  it("says a verdict under Vietnam's plan, whose figures are unconfirmed, is that plan's", async () => {
    await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('RICE-VN', { plan: 'vn-circular-21-2014' }) });
    const items = alternating(50);
    items[9] = { net: 469 }; // package 10: 31 g short, more than 2T = 30 g
    const r = await api.call('POST', '/api/v1/lots/RICE-VN/packages', { token: op.north, body: { items } });
    expect(r.body).toMatchObject({ verdict: 'fail', plan: 'vn-circular-21-2014', planUnconfirmed: true });
    const [alert] = api.deps.alerts.list({ kind: 'lot-fail' });
    expect(alert!.summary).toBe(
      'Lot RICE-VN (Gạo ST25 500 g, Qn 500 g) fails under Circular 21/2014/TT-BKHCN (some figures of its plan unconfirmed): 1 package short by more than 2T',
    );
    expect(alert!.details).toMatchObject({ plan: 'vn-circular-21-2014', planUnconfirmed: true, vietnamesePlan: true });
  });

  it('stores a package sent again (same client id or position) once, and refuses a gap or an unusable package', async () => {
    const first = await api.call('POST', '/api/v1/lots/RICE-A/packages', {
      token: op.north,
      body: {
        items: [
          { net: 502, id: 'bag-1' },
          { net: 504, position: 2 },
        ],
      },
    });
    expect(first.body).toMatchObject({ measured: 2, added: 2, repeated: 0 });
    const again = await api.call('POST', '/api/v1/lots/RICE-A/packages', {
      token: op.north,
      body: {
        items: [
          { net: 502, id: 'bag-1' },
          { net: 504, position: 2 },
          { net: 503, position: 3 },
        ],
      },
    });
    expect(again.body).toMatchObject({ measured: 3, added: 1, repeated: 2 });
    const gap = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items: [{ net: 500, position: 9 }] } });
    expect(gap.body.error.details).toEqual([
      { path: 'items.0.position', message: 'items.0.position would leave a gap: the lot has 3 packages so far, so the next is 4; received 9' },
    ]);
    const gross = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items: [{ gross: 514.9 }] } });
    expect(gross.body.error.details).toEqual([
      {
        path: 'items.0.gross',
        message:
          "items.0.gross needs the lot's average tare (R87 Annex B), and lot RICE-A was declared without averageTare: send net, or declare the lot with its average tare; received 514.9",
      },
    ]);
    const both = await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items: [{ net: 500, gross: 512 }] } });
    expect(both.body.error.details).toEqual([{ path: 'items.0.gross', message: 'items.0.gross must not be sent with net: send one of them; received 512' }]);
    expect((await api.call('GET', '/api/v1/lots/RICE-A', { token: op.north })).body.measured).toBe(3);
  });

  it('counts the packages the lot holds when a batch repeats a client id sent before: a gap names them', async () => {
    const post = (items: unknown[]) => api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.north, body: { items } });
    expect(
      (
        await post([
          { net: 502, id: 'bag-1' },
          { net: 504, id: 'bag-2' },
        ])
      ).body,
    ).toMatchObject({ measured: 2, added: 2 });
    // bag-1 is stored already: it takes no place, so the lot still has 2 and the next is 3
    for (const position of [4, 5]) {
      const gap = await post([
        { net: 502, id: 'bag-1' },
        { net: 500, position },
      ]);
      expect(gap.status).toBe(400);
      expect(gap.body.error.details).toEqual([
        { path: 'items.1.position', message: `items.1.position would leave a gap: the lot has 2 packages so far, so the next is 3; received ${position}` },
      ]);
    }
    // a client id repeated within the batch takes one place
    const batch = await post([
      { net: 502, id: 'bag-1' },
      { net: 503, id: 'bag-3' },
      { net: 503, id: 'bag-3' },
      { net: 501, position: 4 },
    ]);
    expect(batch.body).toMatchObject({ measured: 4, added: 2, repeated: 2 });
  });

  it("is refused to inspectors (403) and to other tenants' operators (404)", async () => {
    expect((await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: insp.hanoi, body: { items: [{ net: 500 }] } })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/lots/RICE-A/packages', { token: op.south, body: { items: [{ net: 500 }] } })).status).toBe(404);
  });
});

describe('what a lot takes: no more packages than it holds, a resend that repeats the package, magnitudes that can be one', () => {
  const post = (lot: string, items: unknown[]) => api.call('POST', `/api/v1/lots/${lot}/packages`, { token: op.north, body: { items } });
  const measured = async (lot: string) => (await api.call('GET', `/api/v1/lots/${lot}`, { token: op.north })).body.measured;

  it('refuses packages beyond the declared lot size, whole request, and keeps those beyond the sample', async () => {
    expect((await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('FULL-1', { lotSize: 100 }) })).status).toBe(201);
    // 98 packages: the sample is the first 50, the other 48 are kept (evidence) but not used
    expect((await post('FULL-1', alternating(98))).body).toMatchObject({ measured: 98, verdict: 'pass', added: 98 });
    // 23 more would make 121 (the audit's lot): items.2 would be the 101st
    const over = await post('FULL-1', alternating(23));
    expect(over.status).toBe(400);
    expect(over.body.error.details).toEqual([
      {
        path: 'items.2',
        message:
          'items.2 would be package 101 of lot FULL-1, declared with lotSize 100, and a lot takes no more packages than that: it has 98 so far and takes 2 more, and this request brings 23 new ones; none was added',
      },
    ]);
    expect(await measured('FULL-1')).toBe(98);
    expect((await post('FULL-1', alternating(2))).body).toMatchObject({ measured: 100, added: 2 });
    expect((await post('FULL-1', [{ net: 502 }])).body.error.details).toEqual([
      {
        path: 'items.0',
        message:
          'items.0 would be package 101 of lot FULL-1, declared with lotSize 100, and a lot takes no more packages than that: it has 100 already; none was added',
      },
    ]);
    // a resend of the 100th (504 g, the second of the last pair) is still a repeat, not a package beyond the lot
    expect((await post('FULL-1', [{ net: 504, position: 100 }])).body).toMatchObject({ measured: 100, added: 0, repeated: 1 });
  });

  it('refuses a resend of a client id or a position with another value, naming the value stored; an identical one is a repeat', async () => {
    await api.call('POST', '/api/v1/lots', { token: op.north, body: rice() });
    expect((await post('RICE-A', [{ net: 498, id: 'P-1' }])).body).toMatchObject({ measured: 1, added: 1 });
    // the audit's 498, then 470, then 300 under one id: each later one refused, naming the 498 g stored
    for (const net of [470, 300]) {
      const again = await post('RICE-A', [{ net, id: 'P-1' }]);
      expect(again.status).toBe(400);
      expect(again.body.error.details).toEqual([
        {
          path: 'items.0.id',
          message: 'items.0.id "P-1" was received before, as package 1 of the lot, with other content (net 498): a resend must repeat the package as sent',
        },
      ]);
    }
    expect((await post('RICE-A', [{ net: 498, id: 'P-1' }])).body).toMatchObject({ measured: 1, added: 0, repeated: 1 });
    // within one request, and by position
    expect(
      (
        await post('RICE-A', [
          { net: 503, id: 'P-2' },
          { net: 505, id: 'P-2' },
        ])
      ).body.error.details,
    ).toEqual([
      { path: 'items.1.id', message: 'items.1.id "P-2" was received in items.0 with other content (net 503): a resend must repeat the package as sent' },
    ]);
    expect((await post('RICE-A', [{ net: 497, position: 1 }])).body.error.details).toEqual([
      { path: 'items.0.position', message: 'items.0.position 1 holds a package with other content (net 498): a resend must repeat the package as sent' },
    ]);
    expect(await measured('RICE-A')).toBe(1);
  });

  it('refuses an average tare of 10 × Qn or more, and a net or gross beyond 10 × Qn (+ the tare)', async () => {
    // the audit's tare of 1e9 g on a 500 g lot (it gave a mean of −999 999 400 g)
    const tare = await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('TARE-1', { averageTare: 1e9 }) });
    expect(tare.status).toBe(400);
    expect(tare.body.error.details).toEqual([
      {
        path: '(lot)',
        message:
          'The average tare 1000000000 g must be less than 10 × Qn = 10 × 500 g = 5000 g: packaging that outweighs its contents ten times over is a unit slip (g for kg) or a typo, not a tare to subtract; if it is real, weigh the packages net.',
      },
    ]);
    expect((await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('TARE-2', { averageTare: 12.4 }) })).status).toBe(201);
    // 10 × 500 = 5000 g net; 5000 + 12.4 = 5012.4 g gross
    const beyond = await post('TARE-2', [{ gross: 514.9 }, { net: 1e308 }, { gross: 5012.5 }]);
    expect(beyond.status).toBe(400);
    const why = 'a package of ten times its nominal quantity is not one of this lot (a unit slip such as kg for g, or a typo)';
    expect(beyond.body.error.details).toEqual([
      { path: 'items.1.net', message: `items.1.net must be at most 5000 g (10 × Qn = 10 × 500 g): ${why}; received 1e+308` },
      {
        path: 'items.2.gross',
        message: `items.2.gross must be at most 5012.4 g (10 × Qn + the average tare = 10 × 500 g + 12.4 g): ${why}; received 5012.5`,
      },
    ]);
    expect(await measured('TARE-2')).toBe(0);
    expect((await post('TARE-2', [{ gross: 5012.4 }, { net: 5000 }])).body).toMatchObject({ measured: 2, added: 2 });
  });

  it('never stores more than the lot holds when packages come from an instrument either', async () => {
    await api.call('POST', '/api/v1/lots', { token: op.north, body: rice('FULL-2', { lotSize: 100 }) });
    // as the MQTT path records them once journaled; the message path refuses such packages first where it can tell (SQLite)
    const record = (first: number, n: number) =>
      api.deps.lots.recordPackages(
        'cw-n1',
        Array.from({ length: n }, (_, i) => ({
          lot: 'FULL-2',
          seq: first + i,
          ts: NOW.getTime() - 200_000 + (first + i) * 1000,
          kind: 'net' as const,
          value: 502,
          net: 502,
        })),
        NOW,
      );
    // the packages past the size come back, for the caller (Assurance.apply) to refuse with a reason
    expect((await record(1, 101)).map((p) => p.seq)).toEqual([101]);
    expect(await measured('FULL-2')).toBe(100);
    expect((await record(102, 1)).map((p) => p.seq)).toEqual([102]);
    expect(await measured('FULL-2')).toBe(100);
  });
});

describe('reading lots', () => {
  it('each token lists the lots it may see, filtered by verdict; one it may not see is 404', async () => {
    await api.call('POST', '/api/v1/lots', { body: rice() });
    await api.call('POST', '/api/v1/lots', { body: { ...rice('MILK-1'), tenant: 'south', product: 'Sữa 1 L', nominal: 1, unit: 'L', scale: undefined } });
    await api.call('POST', '/api/v1/lots/RICE-A/packages', { body: { items: alternating(50) } });
    const ids = async (token: string, q = '') => (await api.call('GET', `/api/v1/lots${q}`, { token })).body.items.map((l: { id: string }) => l.id).sort();
    expect(await ids(api.token('admin'))).toEqual(['MILK-1', 'RICE-A']);
    expect(await ids(op.north)).toEqual(['RICE-A']);
    expect(await ids(insp.saigon)).toEqual(['MILK-1']);
    expect(await ids(api.token('admin'), '?verdict=pass')).toEqual(['RICE-A']);
    expect(await ids(api.token('admin'), '?verdict=pending')).toEqual(['MILK-1']);
    expect(await ids(op.north, '?tenant=south')).toEqual([]);
    // one province's lots (the periodic report's lots figure of VN-SG links here), within what the token sees
    expect(await ids(api.token('admin'), '?region=VN-SG')).toEqual(['MILK-1']);
    expect(await ids(api.token('admin'), '?region=VN-HN')).toEqual(['RICE-A']);
    expect(await ids(insp.saigon, '?region=VN-HN')).toEqual([]);
    expect((await api.call('GET', '/api/v1/lots/RICE-A', { token: insp.saigon })).status).toBe(404);
    // MILK-1 names no instrument: its fitness cannot be shown.
    const milk = (await api.call('GET', '/api/v1/lots/MILK-1', { token: insp.saigon })).body;
    expect(milk).toMatchObject({ tolerableDeficiency: 0.015, scale: { id: null, suitable: false } }); // 1.5 % of 1000 mL = 15 mL
  });

  it('reads from/to given as dates as days of the zone, the last one through its end', async () => {
    await api.call('POST', '/api/v1/lots', { body: rice() });
    await api.call('POST', '/api/v1/lots/RICE-A/packages', { body: { items: alternating(50) } });
    const ids = async (q: string) => (await api.call('GET', `/api/v1/lots?${q}`)).body.items.map((l: { id: string }) => l.id);
    // judged at 00:00Z on 1 March: 07:00 that day in Vietnam (UTC+7), so on the last day of from=2026-02-01&to=2026-03-01
    expect(await ids('from=2026-02-01&to=2026-03-01')).toEqual(['RICE-A']);
    expect(await ids('tenant=north&from=2026-03-01&to=2026-03-01')).toEqual(['RICE-A']);
    expect(await ids('from=2026-02-01&to=2026-02-28')).toEqual([]);
    expect(await ids('from=2026-03-02')).toEqual([]);
    // a date-time without a zone is the wall-clock time there: 07:00 is the judgement's instant (to excluded)
    expect(await ids('from=2026-03-01T06:59&to=2026-03-01T07:00')).toEqual([]);
    expect(await ids('from=2026-03-01T07:00&to=2026-03-01T07:01')).toEqual(['RICE-A']);
  });

  it('says when the weighing instrument is too coarse, and still judges the lot', async () => {
    await api.call('POST', '/api/v1/lots', { body: rice('RICE-M', { scale: 'sc-market' }) });
    const r = await api.call('POST', '/api/v1/lots/RICE-M/packages', { body: { items: alternating(50) } });
    // The market scale: e = 0.05 kg, 500 g = 10e, class III band up to 500e: 0.5e = 25 g, 50 g in service > T/5 = 3 g.
    expect(r.body).toMatchObject({ verdict: 'pass', scale: { id: 'sc-market', suitable: false, mpe: 50, limit: 3 } });
    expect(r.body.reasons.at(-1)).toMatch(
      /^The weighing instrument is not fit for this lot, so the measurements are not legal evidence: Instrument sc-market \(class III, e = 50 g\), in service at the load 500 g: MPE 50 g exceeds T\/5 = 3 g/,
    );
    expect(r.body.notes).toHaveLength(r.body.reasons.length);
    expect(r.body.notes.at(-1)).toEqual({ key: 'instrumentUnfit', values: { instrument: 'sc-market', reason: r.body.scale.reason } });
  });
});

describe('the assurance report', () => {
  it('lists the lots of the period after the instruments, in JSON and as a second CSV table', async () => {
    await api.call('POST', '/api/v1/lots', { body: rice() });
    await api.call('POST', '/api/v1/lots/RICE-A/packages', { body: { items: alternating(50, 497, 499) } });
    const json = await api.call('GET', '/api/v1/reports/assurance?tenant=north', { token: insp.hanoi });
    expect(json.body.lots).toEqual([
      expect.objectContaining({
        lot: 'RICE-A',
        tenant: 'north',
        product: 'Gạo ST25 500 g',
        nominal: 500,
        unit: 'g',
        lotSize: 200,
        sampleSize: 50,
        measured: 50,
        verdict: 'fail',
        t1: 0,
        t2: 0,
        mean: 498,
        tolerableDeficiency: 15,
        scale: 'cw-n1',
        scaleSuitable: true,
        declaredAt: NOW.toISOString(),
        judgedAt: NOW.toISOString(),
      }),
    ]);
    expect((await api.call('GET', '/api/v1/reports/assurance', { token: insp.saigon })).body.lots).toEqual([]);
    const csv = await api.call('GET', '/api/v1/reports/assurance?tenant=north&format=csv', { token: insp.hanoi });
    const [devices, lots] = csv.text.split('\r\n\r\n');
    expect(devices!.split('\r\n')).toHaveLength(3); // header, cw-n1, sc-market
    expect(lots!.trim().split('\r\n')).toEqual([
      'lot,tenant,product,nominal,unit,lotSize,sampleSize,measured,verdict,t1,t2,allowedT1,mean,averageLimit,tolerableDeficiency,scale,scaleSuitable,declaredAt,judgedAt',
      expect.stringMatching(
        /^RICE-A,north,Gạo ST25 500 g,500,g,200,50,50,fail,0,0,3,498,499\.48\d+,15,cw-n1,true,2026-03-01T00:00:00\.000Z,2026-03-01T00:00:00\.000Z$/,
      ),
    ]);

    // the workbook: the instruments' sheet, then the lots' with typed cells and times in Vietnam (00:00Z is 07:00 there)
    const res = await api.app.request('/api/v1/reports/assurance?tenant=north&format=xlsx', { headers: { authorization: `Bearer ${insp.hanoi}` } });
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="assurance-north.xlsx"');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets.map((w) => w.name)).toEqual(['assurance-north', 'lots']);
    expect(wb.worksheets[0]!.rowCount).toBe(3);
    const lotSheet = wb.getWorksheet('lots')!;
    const head = (lotSheet.getRow(1).values as unknown[]).slice(1);
    expect(head.slice(-2)).toEqual(['declaredAt (Asia/Ho_Chi_Minh)', 'judgedAt (Asia/Ho_Chi_Minh)']);
    const row = (lotSheet.getRow(2).values as unknown[]).slice(1);
    expect(row.slice(0, 13)).toEqual(['RICE-A', 'north', 'Gạo ST25 500 g', 500, 'g', 200, 50, 50, 'fail', 0, 0, 3, 498]);
    expect(row[13]).toBeCloseTo(499.4884, 4); // averageLimit, a number
    expect(row.slice(-2)).toEqual([new Date(Date.UTC(2026, 2, 1, 7)), new Date(Date.UTC(2026, 2, 1, 7))]);
  });
});

// Every instrument that weighed a lot is judged for it (docs/prepackages.md). The packages are recorded as the MQTT
// path records them once journaled (LotBook.recordPackages): this is what the audit's lot AUD-LOT-4 held.
// T = 15 g, T/5 = 3 g (Qn 500 g). cw-n1: class XIII, e = 0.1 g, 500 g = 5000e, 1.5e = 0.15 g, 0.3 g in service;
// sc-market: class III, e = 50 g, 500 g = 10e, 0.5e = 25 g, 50 g in service > 3 g.
describe('the instruments that weighed a lot', () => {
  const cwFit = 'Instrument cw-n1 (class XIII, e = 0.1 g), in service at the load 500 g: MPE 0.3 g is within T/5 = 3 g.';
  const marketUnfit = 'Instrument sc-market (class III, e = 50 g), in service at the load 500 g: MPE 50 g exceeds T/5 = 3 g; use a finer instrument.';
  // the same sentences as data (docs/prepackages.md, the notes of a fitness)
  const atLoad = { load: 500, measuredUnit: 'g', limit: 3, unit: 'g' };
  const cwNote = { key: 'mpeWithinLimit', values: { instrument: 'cw-n1', class: 'XIII', e: 0.1, mpe: 0.3, ...atLoad } };
  const marketNote = { key: 'mpeExceedsLimit', values: { instrument: 'sc-market', class: 'III', e: 50, mpe: 50, ...atLoad } };
  /** Nets sent by `device` as packages seq `first`…, weighed a second apart before NOW. */
  const sent = (device: string, lot: string, nets: number[], first = 1) =>
    api.deps.lots.recordPackages(
      device,
      nets.map((net, i) => ({ lot, seq: first + i, ts: NOW.getTime() - 100_000 + (first + i) * 1000, kind: 'net' as const, value: net, net })),
      NOW,
    );
  const nets = (n: number, low = 502, high = 504) => alternating(n, low, high).map((p) => p.net);

  it('judges each one: 1 package on the checkweigher, 49 on a market scale too coarse; the verdict stands with the finding', async () => {
    await api.call('POST', '/api/v1/lots', { body: rice('AUD-LOT-4', { scale: undefined }) });
    const all = nets(50);
    await sent('cw-n1', 'AUD-LOT-4', all.slice(0, 1));
    await sent('sc-market', 'AUD-LOT-4', all.slice(1), 2);
    const r = await api.call('GET', '/api/v1/lots/AUD-LOT-4', { token: insp.hanoi });
    // the same nets as RICE-A's clean lot: mean 503 g ≥ 499.49 g, no T1
    expect(r.body).toMatchObject({ verdict: 'pass', measured: 50, t1: 0, t2: 0, mean: 503 });
    expect(r.body.instruments).toEqual([
      { id: 'cw-n1', suitable: true, mpe: 0.3, limit: 3, reason: cwFit, note: cwNote, packages: 1, inSample: 1, declared: false },
      { id: 'sc-market', suitable: false, mpe: 50, limit: 3, reason: marketUnfit, note: marketNote, packages: 49, inSample: 49, declared: false },
    ]);
    expect(r.body.scale).toEqual({ id: 'sc-market', suitable: false, mpe: 50, limit: 3, reason: marketUnfit, note: marketNote });
    expect(r.body.notes).toHaveLength(r.body.reasons.length);
    expect(r.body.notes.at(-3)).toEqual({ key: 'lotPasses', values: {} });
    expect(r.body.notes.at(-1)).toEqual({ key: 'instrumentUnfitPackages', values: { instrument: 'sc-market', n: 49, measured: 50, reason: marketUnfit } });
    expect(r.body.reasons.at(-1)).toBe(
      `Instrument sc-market weighed 49 of the 50 packages of the sample and is not fit for this lot, so its weighings are not legal evidence: ${marketUnfit}`,
    );
    // the report's lot says the instrument is not fit
    const report = await api.call('GET', '/api/v1/reports/assurance?tenant=north', { token: insp.hanoi });
    expect(report.body.lots).toEqual([expect.objectContaining({ lot: 'AUD-LOT-4', verdict: 'pass', scale: 'sc-market', scaleSuitable: false })]);
  });

  it('puts the finding in the lot-fail alert of a failed lot weighed on several instruments', async () => {
    await api.call('POST', '/api/v1/lots', { body: rice('AUD-LOT-5', { scale: undefined }) });
    // nets 497/499 g: mean 498 g < 500 − 0.503 × 1.017 = 499.49 g
    const all = nets(50, 497, 499);
    await sent('cw-n1', 'AUD-LOT-5', all.slice(0, 40));
    await sent('sc-market', 'AUD-LOT-5', all.slice(40), 41);
    const [alert] = api.deps.alerts.list({ kind: 'lot-fail' });
    expect(alert).toMatchObject({ device: 'sc-market', key: 'AUD-LOT-5' });
    expect(alert!.details).toMatchObject({ scale: 'sc-market', scaleSuitable: false });
    const details = alert!.details as { reasons: string[]; notes: { key: string }[] };
    expect(details.notes.map((n) => n.key).slice(-3)).toEqual(['lotFails', 'circular21Sampled', 'instrumentUnfitPackages']);
    expect(details.reasons.at(-1)).toMatch(/^Instrument sc-market weighed 10 of the 50 packages of the sample and is not fit for this lot/);
  });

  it('names packages another instrument sent for a lot that declared its scale (stored before they were refused)', async () => {
    await api.call('POST', '/api/v1/lots', { body: rice('AUD-LOT-3') });
    const all = nets(50);
    await sent('cw-n1', 'AUD-LOT-3', all.slice(0, 48));
    await sent('sc-market', 'AUD-LOT-3', all.slice(48), 49);
    const r = await api.call('GET', '/api/v1/lots/AUD-LOT-3', { token: op.north });
    expect(
      r.body.instruments.map((i: { id: string; packages: number; declared: boolean; suitable: boolean }) => [i.id, i.packages, i.declared, i.suitable]),
    ).toEqual([
      ['cw-n1', 48, true, true],
      ['sc-market', 2, false, false],
    ]);
    expect(r.body.notes.slice(-2)).toEqual([
      { key: 'instrumentNotDeclared', values: { instrument: 'sc-market', n: 2, scale: 'cw-n1' } },
      { key: 'instrumentUnfitPackages', values: { instrument: 'sc-market', n: 2, measured: 50, reason: marketUnfit } },
    ]);
    // packages typed in count as the declared scale's
    const typed = await api.call('POST', '/api/v1/lots', { body: rice('TYPED-1') });
    expect(typed.body.instruments).toEqual([
      { id: 'cw-n1', suitable: true, mpe: 0.3, limit: 3, reason: cwFit, note: cwNote, packages: 0, inSample: 0, declared: true },
    ]);
    const done = await api.call('POST', '/api/v1/lots/TYPED-1/packages', { body: { items: alternating(50) } });
    expect(done.body.instruments).toEqual([expect.objectContaining({ id: 'cw-n1', packages: 50, inSample: 50, suitable: true })]);
    expect(done.body.notes.at(-2)).toEqual({ key: 'lotPasses', values: {} });
  });
});
