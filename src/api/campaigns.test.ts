// Mobile verification campaigns through the API alone: the Bắc Giang inspector plans a campaign
// over market scales, records scales verified on the spot; a scale that passes becomes a
// registered instrument of its market's tenant with its certificate.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { effectiveVerificationDue } from '../metrology/verification.ts';

const NOW = new Date('2026-03-15T02:30:00Z');
let now = NOW;
let api: ApiUnderTest;
let insp: { bg: string; hn: string };

beforeEach(() => {
  now = NOW;
  api = apiUnderTest({ now: () => now });
  insp = { bg: api.token('inspector', { regions: ['VN-BG'] }), hn: api.token('inspector', { regions: ['VN-HN'] }) };
});
afterEach(() => api.close());

const plan = {
  id: 'bg-2026-q1',
  name: 'Kiểm định cân tại chợ, quý I/2026',
  region: 'VN-BG',
  markets: [
    { name: 'Chợ Thương', district: 'TP Bắc Giang' },
    { name: 'Chợ Kép', district: 'Lạng Giang' },
    { name: 'Chợ Chũ', district: 'Lục Ngạn' },
  ],
  from: '2026-03-01',
  to: '2026-03-31',
  team: ['Nguyễn Văn Hùng', 'Lê Minh Tuấn'],
  authority: 'Chi cục TĐC Bắc Giang',
};
const scale = (serial: string, extra: Record<string, unknown> = {}) => ({
  market: 'Chợ Thương',
  owner: { name: 'Nguyễn Thị Hoa', phone: '0912 345 678' },
  serial,
  type: 'scale',
  class: 'IIII',
  max: 60,
  e: 0.2,
  result: 'pass',
  stampNumber: `T-${serial}`,
  ...extra,
});

async function planned(): Promise<void> {
  const r = await api.call('POST', '/api/v1/campaigns', { token: insp.bg, body: plan });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

describe('a mobile verification campaign', () => {
  it('is planned by an inspector of its region over listed markets', async () => {
    const r = await api.call('POST', '/api/v1/campaigns', { token: insp.bg, body: plan });
    expect(r).toMatchObject({
      status: 201,
      body: { id: 'bg-2026-q1', region: 'VN-BG', from: '2026-03-01', to: '2026-03-31', markets: plan.markets, createdBy: expect.stringMatching(/^inspector:/) },
    });
    expect((await api.call('POST', '/api/v1/campaigns', { token: insp.bg, body: plan })).status).toBe(409);
    const elsewhere = await api.call('POST', '/api/v1/campaigns', { token: insp.hn, body: { ...plan, id: 'x' } });
    expect(elsewhere.body.error.details[0]).toMatchObject({ path: 'region' });
    const twice = await api.call('POST', '/api/v1/campaigns', { token: insp.bg, body: { ...plan, id: 'y', markets: [plan.markets[0], plan.markets[0]] } });
    expect(twice.body.error.details).toEqual([{ path: 'markets', message: 'each market is listed once; repeated: Chợ Thương' }]);
    expect((await api.call('POST', '/api/v1/campaigns', { token: api.token('operator', { tenant: 'x' }), body: plan })).status).toBe(403);
    expect((await api.call('GET', '/api/v1/campaigns', { token: insp.hn })).body.items).toEqual([]);
    expect((await api.call('GET', '/api/v1/campaigns/bg-2026-q1', { token: insp.hn })).status).toBe(404);
  });

  it("registers a scale that passes under its market's tenant, with its verification certificate", async () => {
    await planned();
    const r = await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', { token: insp.bg, body: scale('NS-2201') });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      result: 'pass',
      market: 'Chợ Thương',
      owner: { name: 'Nguyễn Thị Hoa' },
      device: 'sc-cho-thuong-ns-2201',
      tenant: 'mkt-vn-bg-cho-thuong-tp-bac-giang',
      certificateNumber: 'T-NS-2201',
    });
    // tracked like any other instrument: its tenant, its certificate (12 months, the scale profile's interval), its standing
    const t = (await api.call('GET', '/api/v1/tenants', { token: insp.bg })).body.items;
    expect(t).toEqual([expect.objectContaining({ id: 'mkt-vn-bg-cho-thuong-tp-bac-giang', name: 'Tiểu thương Chợ Thương, TP Bắc Giang', region: 'VN-BG' })]);
    const d = await api.call('GET', '/api/v1/devices/sc-cho-thuong-ns-2201', { token: insp.bg });
    expect(d.body).toMatchObject({
      type: 'scale',
      serial: 'NS-2201',
      class: 'IIII',
      e: 0.2,
      max: 60,
      site: 'Chợ Thương, TP Bắc Giang',
      verification: { state: 'valid', validUntil: '2027-03-15T16:59:59.999Z' }, // through 15 March 2027 in Vietnam
    });
    const certs = (await api.call('GET', '/api/v1/devices/sc-cho-thuong-ns-2201/certificates')).body.items;
    expect(certs).toEqual([
      // issued now (09:30 in Vietnam), answered in UTC with the day it names there
      expect.objectContaining({
        kind: 'verification',
        number: 'T-NS-2201',
        issuedBy: 'Chi cục TĐC Bắc Giang',
        issuedAt: '2026-03-15T02:30:00.000Z',
        issuedOn: '2026-03-15',
      }),
    ]);
    expect(api.published).toContainEqual({ device: 'sc-cho-thuong-ns-2201', state: 'valid' });
    // verified again (a later visit): the same instrument, a second certificate
    const again = await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', {
      token: insp.bg,
      body: scale('NS-2201', { certificateNumber: 'GCN-88', validUntil: '2027-03-10' }),
    });
    expect(again.body).toMatchObject({ device: 'sc-cho-thuong-ns-2201', certificateNumber: 'GCN-88', validUntil: '2027-03-10T16:59:59.999Z' }); // through the day in Vietnam
    expect((await api.call('GET', '/api/v1/devices/sc-cho-thuong-ns-2201/certificates')).body.items).toHaveLength(2);
  });

  it('a stamp number is taken once per scale: the same verification sent again is a retry, another one under that number a 409 saying what to give', async () => {
    await planned();
    const path = '/api/v1/campaigns/bg-2026-q1/verifications';
    const first = await api.call('POST', path, { token: insp.bg, body: scale('NS-31', { verifiedAt: '2026-03-10T08:00:00+07:00' }) });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    // the same request again (a retry after a lost answer): the certificate on record, none added
    const retry = await api.call('POST', path, { token: insp.bg, body: scale('NS-31', { verifiedAt: '2026-03-10T08:00:00+07:00' }) });
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body.certificate).toMatchObject({ id: first.body.certificate.id, number: 'T-NS-31' });
    // verified again later the same month under the same stamp number: refused, not a second certificate T-NS-31
    const later = await api.call('POST', path, { token: insp.bg, body: scale('NS-31', { verifiedAt: '2026-03-12T08:00:00+07:00' }) });
    expect(later.status, JSON.stringify(later.body)).toBe(409);
    expect(later.body.error.message).toMatch(
      /^certificate T-NS-31 of sc-cho-thuong-ns-31 is on record already .* with other content.*; give this verification its own certificateNumber or stampNumber$/,
    );
    expect((await api.call('GET', '/api/v1/devices/sc-cho-thuong-ns-31/certificates')).body.items.map((c: { number: string }) => c.number)).toEqual([
      'T-NS-31',
    ]);
  });

  it("never registers a scale under a reference standard's id: it takes the next free one, as when another instrument holds it", async () => {
    await planned();
    // a standard-oot alert carries the standard's id as its device: POST /devices refuses that id (409), and so does a campaign
    const std = { id: 'sc-cho-thuong-ns-7', name: 'Quả cân chuẩn 20 kg', quantity: 'mass', unit: 'kg', kind: 'weights' };
    expect((await api.call('POST', '/api/v1/standards', { body: std })).status).toBe(201);
    const r = await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', { token: insp.bg, body: scale('NS-7') });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ device: 'sc-cho-thuong-ns-7-2', instrument: { id: 'sc-cho-thuong-ns-7-2', serial: 'NS-7' } });
    expect((await api.call('GET', '/api/v1/devices/sc-cho-thuong-ns-7')).status).toBe(404);
    // verified again: found under the id it was given
    const again = await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', { token: insp.bg, body: scale('NS-7', { stampNumber: 'T-NS-7b' }) });
    expect(again.body).toMatchObject({ device: 'sc-cho-thuong-ns-7-2', certificateNumber: 'T-NS-7b' });
    expect((await api.call('GET', '/api/v1/devices')).body.items.map((d: { id: string }) => d.id)).toEqual(['sc-cho-thuong-ns-7-2']);
  });

  it('verifies a spring-dial scale for 24 months, others for 12; a validity beyond the legal interval is refused (Circular 03/2024)', async () => {
    await planned();
    const path = '/api/v1/campaigns/bg-2026-q1/verifications';
    // verified 2026-03-15 02:30: a scale's interval ends 2027-03-15, a spring-dial scale's 2028-03-15
    const long = await api.call('POST', path, { token: insp.bg, body: scale('NS-3301', { validUntil: '2028-03-15' }) });
    expect(long.status).toBe(400);
    expect(long.body.error.details).toEqual([
      {
        path: 'validUntil',
        message:
          'validUntil 2028-03-15 is beyond the legal verification interval of this scale, 12 months from verifiedAt 2026-03-15: at most 2027-03-15 (a spring-dial scale is verified for 24 months: give "construction": "spring-dial") (Circular 03/2024/TT-BKHCN)',
      },
    ]);
    expect((await api.call('GET', '/api/v1/devices/sc-cho-thuong-ns-3301', { token: insp.bg })).status).toBe(404);
    const spring = await api.call('POST', path, { token: insp.bg, body: scale('NS-3301', { construction: 'spring-dial' }) });
    expect(spring.status, JSON.stringify(spring.body)).toBe(201);
    expect((await api.call('GET', '/api/v1/devices/sc-cho-thuong-ns-3301', { token: insp.bg })).body).toMatchObject({
      construction: 'spring-dial',
      verification: { state: 'valid', validUntil: '2028-03-15T16:59:59.999Z' },
    });
    // verified again later as another construction: refused, its interval follows its registration
    const other = await api.call('POST', path, { token: insp.bg, body: scale('NS-3301') });
    expect(other.body.error.details).toEqual([
      {
        path: 'construction',
        message: 'scale sc-cho-thuong-ns-3301 is registered as spring-dial, and its verification interval follows that; received none',
      },
    ]);
    // a campaign planned with instants keeps their days in Vietnam: 20:00Z on 31 March is 03:00 on 1 April there
    const q2 = await api.call('POST', '/api/v1/campaigns', {
      token: insp.bg,
      body: { ...plan, id: 'bg-2026-q2', from: '2026-03-31T20:00:00Z', to: '2026-06-30T16:00:00Z' },
    });
    expect(q2.body).toMatchObject({ from: '2026-04-01', to: '2026-06-30' });
    const typo = await api.call('POST', path, { token: insp.bg, body: scale('NS-3302', { construction: 'spring' }) });
    expect(typo.body.error.details).toEqual([
      { path: 'construction', message: 'construction must be one of spring-dial for scale (or left out); received "spring"' },
    ]);
  });

  it("reads a verifiedAt given as a date alone as that day in Vietnam: the certificate's issue and legal due days are that day's", async () => {
    await planned();
    const path = '/api/v1/campaigns/bg-2026-q1/verifications';
    // 1 March 2026 starts at 2026-02-28T17:00Z in Vietnam (UTC+7), not at UTC midnight (07:00 there)
    const day = await api.call('POST', path, { token: insp.bg, body: scale('NS-4401', { verifiedAt: '2026-03-01' }) });
    expect(day.status, JSON.stringify(day.body)).toBe(201);
    // 12 months: valid through 1 March 2027 there, which ends at 2027-03-01T16:59:59.999Z
    expect(day.body).toMatchObject({
      verifiedAt: '2026-02-28T17:00:00.000Z',
      validUntil: '2027-03-01T16:59:59.999Z',
      certificate: { issuedAt: '2026-02-28T17:00:00.000Z', issuedOn: '2026-03-01', validUntil: '2027-03-01T16:59:59.999Z' },
    });
    // the legal due day the standing counts from the certificate (as stored, at Vietnam's offset) is that day too, and nothing is cut back
    const stored = (device: string) => api.deps.registry.certificatesOf(device)[0]!;
    expect(stored(day.body.device).issuedAt).toBe('2026-03-01T00:00:00.000+07:00');
    expect(effectiveVerificationDue(stored(day.body.device), 12)).toEqual({
      dueAt: '2027-03-01T16:59:59.999Z',
      legalDueAt: '2027-03-01T16:59:59.999Z',
      capped: false,
    });
    // a date-time without a zone is the wall-clock time there: 01:30 on 1 March is 2026-02-28T18:30Z
    const early = await api.call('POST', path, { token: insp.bg, body: scale('NS-4402', { verifiedAt: '2026-03-01T01:30' }) });
    expect(early.body).toMatchObject({
      verifiedAt: '2026-02-28T18:30:00.000Z',
      validUntil: '2027-03-01T16:59:59.999Z',
      certificate: { issuedAt: '2026-02-28T18:30:00.000Z', issuedOn: '2026-03-01' },
    });
    expect(effectiveVerificationDue(stored(early.body.device), 12)?.legalDueAt).toBe('2027-03-01T16:59:59.999Z');
    // a campaign planned with date-times without a zone keeps their days there (23:30 on 31 March is 16:30Z)
    const q2 = await api.call('POST', '/api/v1/campaigns', {
      token: insp.bg,
      body: { ...plan, id: 'bg-2026-q2', from: '2026-03-31T23:30', to: '2026-06-30T23:30' },
    });
    expect(q2.body).toMatchObject({ from: '2026-03-31', to: '2026-06-30' });
    const ids = async (q: string) => (await api.call('GET', `/api/v1/campaigns?${q}`, { token: insp.bg })).body.items.map((c: { id: string }) => c.id);
    expect(await ids('from=2026-06-30T23:30')).toEqual(['bg-2026-q2']);
  });

  it('refuses a verifiedAt outside the campaign or ahead of the clock (a certificate issued in the future)', async () => {
    await planned();
    const path = '/api/v1/campaigns/bg-2026-q1/verifications';
    // the campaign runs 1–31 March 2026; now is 2026-03-15T09:30 in Vietnam
    const before = await api.call('POST', path, { token: insp.bg, body: scale('NS-5501', { verifiedAt: '2026-02-28' }) });
    expect(before.status).toBe(400);
    expect(before.body.error.details).toEqual([
      { path: 'verifiedAt', message: 'verifiedAt 2026-02-28 is outside campaign bg-2026-q1 (2026-03-01 to 2026-03-31)' },
    ]);
    const ahead = await api.call('POST', path, { token: insp.bg, body: scale('NS-5502', { verifiedAt: '2026-03-16' }) });
    expect(ahead.status).toBe(400);
    expect(ahead.body.error.details).toEqual([{ path: 'verifiedAt', message: 'verifiedAt 2026-03-16 is in the future' }]);
    // within a few minutes of the clock (a tablet a little fast) it is taken
    const soon = await api.call('POST', path, { token: insp.bg, body: scale('NS-5503', { verifiedAt: '2026-03-15T02:33:00Z' }) });
    expect(soon.status).toBe(201);
    expect((await api.call('GET', '/api/v1/campaigns/bg-2026-q1', { token: insp.bg })).body.verifications.map((v: { serial: string }) => v.serial)).toEqual([
      'NS-5503',
    ]);
  });

  it('records a scale that fails without registering it, and refuses what does not fit', async () => {
    await planned();
    const fail = await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', {
      token: insp.bg,
      body: scale('DH-9', { result: 'fail', market: 'Chợ Kép', stampNumber: undefined }),
    });
    expect(fail.status).toBe(201);
    expect(fail.body.device).toBeUndefined();
    expect(fail.body.instrument).toBeUndefined();
    expect((await api.call('GET', '/api/v1/devices')).body.items).toEqual([]);
    const market = await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', { token: insp.bg, body: scale('X1', { market: 'Chợ Lớn' }) });
    expect(market.body.error.details[0]).toMatchObject({ path: 'market', message: expect.stringContaining('Chợ Thương, Chợ Kép, Chợ Chũ') });
    const cls = await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', { token: insp.bg, body: scale('X2', { class: 'II' }) });
    expect(cls.status).toBe(400);
    expect((await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', { token: insp.hn, body: scale('X3') })).status).toBe(404);
    expect((await api.call('POST', '/api/v1/campaigns/nope/verifications', { token: insp.bg, body: scale('X4') })).status).toBe(404);
  });

  it("lists a campaign in a period by the period's days in Vietnam: one ending 31 December is not in the first quarter", async () => {
    const december = { ...plan, id: 'bg-2025-12', from: '2025-12-20', to: '2025-12-31' };
    expect((await api.call('POST', '/api/v1/campaigns', { token: insp.bg, body: december })).status).toBe(201);
    const ids = async (q: string) => (await api.call('GET', `/api/v1/campaigns?${q}`, { token: insp.bg })).body.items.map((c: { id: string }) => c.id);
    // 2026-01-01 00:00 in Hà Nội is 2025-12-31T17:00Z: its UTC day is still December
    expect(await ids('from=2025-12-31T17:00:00Z&to=2026-03-31T16:59:59Z')).toEqual([]);
    expect(await ids('from=2026-01-01&to=2026-03-31')).toEqual([]);
    expect(await ids('from=2025-12-31T16:59:00Z')).toEqual(['bg-2025-12']); // 23:59 on 31 December there
  });

  it('sums up verified, passed and failed, by market (each planned one) and by class', async () => {
    await planned();
    for (const body of [
      scale('A1'),
      scale('A2', { result: 'fail' }),
      scale('B1', { market: 'Chợ Kép', class: 'III', e: 0.01, max: 30 }),
      scale('B2', { market: 'Chợ Kép', class: 'III', e: 0.01, max: 30 }),
    ]) {
      expect((await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', { token: insp.bg, body })).status).toBe(201);
    }
    const s = await api.call('GET', '/api/v1/campaigns/bg-2026-q1/summary', { token: insp.bg });
    expect(s.body).toEqual({
      campaign: 'bg-2026-q1',
      name: plan.name,
      region: 'VN-BG',
      from: '2026-03-01',
      to: '2026-03-31',
      verified: 4,
      passed: 3,
      failed: 1,
      marketsPlanned: 3,
      marketsVisited: 2,
      devicesRegistered: 3,
      byMarket: [
        { market: 'Chợ Thương', district: 'TP Bắc Giang', verified: 2, passed: 1, failed: 1 },
        { market: 'Chợ Kép', district: 'Lạng Giang', verified: 2, passed: 2, failed: 0 },
        { market: 'Chợ Chũ', district: 'Lục Ngạn', verified: 0, passed: 0, failed: 0 },
      ],
      byClass: [
        { class: 'III', verified: 2, passed: 2, failed: 0 },
        { class: 'IIII', verified: 2, passed: 1, failed: 1 },
      ],
    });
    expect((await api.call('GET', '/api/v1/campaigns', { token: insp.bg })).body.items).toMatchObject([
      { id: 'bg-2026-q1', verified: 4, passed: 3, failed: 1, marketsVisited: 2 },
    ]);
    // the period's figures for the periodic report
    expect(api.deps.campaigns.campaignSummary('2026-03-01T00:00:00Z', '2026-03-31T23:59:59Z', ['VN-BG'])).toMatchObject({
      campaigns: 1,
      verified: 4,
      passed: 3,
      failed: 1,
      marketsPlanned: 3,
      marketsVisited: 2,
      devicesRegistered: 3,
    });
    expect(api.deps.campaigns.campaignSummary('2026-03-01T00:00:00Z', '2026-03-31T23:59:59Z', ['VN-HN'])).toMatchObject({ campaigns: 0, verified: 0 });
    expect(api.deps.campaigns.campaignSummary('2026-04-01T00:00:00Z', '2026-04-30T00:00:00Z')).toMatchObject({ campaigns: 0, verified: 0 });
  });
});

describe('an inspection record opened within a campaign', () => {
  it("names the campaign and, without an authority of its own, prints the campaign's; refuses a campaign it may not see or of another region", async () => {
    await planned();
    // the market's tenant, made by the first scale verified there
    const verified = await api.call('POST', '/api/v1/campaigns/bg-2026-q1/verifications', { token: insp.bg, body: scale('S-1') });
    expect(verified.status, JSON.stringify(verified.body)).toBe(201);
    const tenant = 'mkt-vn-bg-cho-thuong-tp-bac-giang';
    const opening = { tenant, startedAt: '2026-03-15T09:30:00+07:00', inspectors: ['Nguyễn Văn Hùng'], campaign: 'bg-2026-q1' };
    const within = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: opening });
    expect(within.status, JSON.stringify(within.body)).toBe(201);
    expect(within.body).toMatchObject({ campaign: 'bg-2026-q1', authority: 'Chi cục TĐC Bắc Giang' });
    expect((await api.call('GET', `/api/v1/inspections/${within.body.id}`, { token: insp.bg })).body).toMatchObject({
      campaign: 'bg-2026-q1',
      authority: 'Chi cục TĐC Bắc Giang',
    });
    // its own authority is the record's
    const own = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, authority: 'Sở Khoa học và Công nghệ tỉnh Bắc Giang' } });
    expect(own.body).toMatchObject({ campaign: 'bg-2026-q1', authority: 'Sở Khoa học và Công nghệ tỉnh Bắc Giang' });
    // a campaign without an authority gives none (its name is no authority)
    const { authority: _none, ...unnamed } = plan;
    expect((await api.call('POST', '/api/v1/campaigns', { token: insp.bg, body: { ...unnamed, id: 'bg-2026-q2' } })).status).toBe(201);
    const noAuthority = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, campaign: 'bg-2026-q2' } });
    expect(noAuthority.body.campaign).toBe('bg-2026-q2');
    expect(noAuthority.body).not.toHaveProperty('authority');
    // unknown, or of a region the token does not cover: the same answer
    const unknown = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, campaign: 'nope' } });
    expect(unknown).toMatchObject({ status: 400, body: { error: { details: [{ path: 'campaign', message: 'campaign nope not found' }] } } });
    expect((await api.call('POST', '/api/v1/campaigns', { body: { ...plan, id: 'hn-2026', region: 'VN-HN' } })).status).toBe(201);
    const hidden = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, campaign: 'hn-2026' } });
    expect(hidden).toMatchObject({ status: 400, body: { error: { details: [{ path: 'campaign', message: 'campaign hn-2026 not found' }] } } });
    // an admin sees every campaign, but a record is within one of its enterprise's region only
    const elsewhere = await api.call('POST', '/api/v1/inspections', { body: { ...opening, campaign: 'hn-2026' } });
    expect(elsewhere).toMatchObject({
      status: 400,
      body: { error: { details: [{ path: 'campaign', message: `campaign hn-2026 is in region VN-HN, enterprise ${tenant} in VN-BG` }] } },
    });
    // within the campaign's days only, on the enterprise's clock: 00:30 on 1 April in Vietnam is 31 March in UTC
    now = new Date('2026-04-01T05:00:00Z'); // noon on 1 April: neither start is ahead of the clock
    const late = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, startedAt: '2026-04-01T00:30:00+07:00' } });
    expect(late).toMatchObject({
      status: 400,
      body: { error: { details: [{ path: 'startedAt', message: '2026-04-01 is outside campaign bg-2026-q1 (2026-03-01 to 2026-03-31)' }] } },
    });
    const lastEvening = await api.call('POST', '/api/v1/inspections', { token: insp.bg, body: { ...opening, startedAt: '2026-03-31T23:30:00+07:00' } });
    expect(lastEvening.status, JSON.stringify(lastEvening.body)).toBe(201);
    // the province under ISO's code (VN-54) is the campaign's VN-BG
    expect((await api.call('POST', '/api/v1/campaigns', { body: { ...plan, id: 'bg-iso', region: 'VN-54' } })).status).toBe(201);
    expect((await api.call('POST', '/api/v1/inspections', { body: { ...opening, campaign: 'bg-iso' } })).status).toBe(201);
  });
});
