// Certificate times as the API answers them (docs/contract.md §4: ISO 8601 UTC): an instrument's
// certificate and a reference standard's calibration are stored at the enterprise's offset (the day
// they name, which verification.ts counts the legal interval from), and answered in UTC with that
// day as `issuedOn`. What the gateway decides from them (the legal due day) does not change.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { effectiveVerificationDue } from '../metrology/verification.ts';
import { issuedView, utcInstant } from './http.ts';

const NOW = new Date('2026-07-01T00:00:00Z');
let api: ApiUnderTest;

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  const tenant = { id: 'north', name: 'North Gas', region: 'VN-HN', timeZone: 'Asia/Ho_Chi_Minh' };
  expect((await api.call('POST', '/api/v1/tenants', { body: tenant })).status).toBe(201);
});
afterEach(() => api.close());

/** Sent in UTC: 07:00 on 1 June in Vietnam. */
const AT_UTC = '2026-06-01T00:00:00Z';
/** A date alone: 1 February in Vietnam, from 00:00 there (17:00Z the day before). */
const A_DAY = '2026-02-01';
/** Sent with Vietnam's offset: noon on 31 May 2027 there. */
const UNTIL_WITH_OFFSET = '2027-05-31T12:00:00+07:00';

describe("an instrument's certificate", () => {
  beforeEach(async () => {
    const device = { id: 'baro-1', tenant: 'north', type: 'barometer', serial: 'SN-1' }; // verified every 12 months
    expect((await api.call('POST', '/api/v1/devices', { body: device })).status).toBe(201);
  });

  it('is answered in UTC with the day it was issued in the enterprise, on POST, a retry and GET; stored as before', async () => {
    const body = { kind: 'verification', number: 'V-1', issuedBy: 'QUATEST 1', issuedAt: AT_UTC, validUntil: UNTIL_WITH_OFFSET };
    const first = await api.call('POST', '/api/v1/devices/baro-1/certificates', { body });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const answered = {
      number: 'V-1',
      issuedAt: '2026-06-01T00:00:00.000Z',
      issuedOn: '2026-06-01',
      validUntil: '2027-05-31T05:00:00.000Z',
    };
    // within 12 months of 1 June 2026 in Vietnam: due when it says
    expect(first.body).toMatchObject({ ...answered, dueAt: '2027-05-31T05:00:00.000Z', warnings: [] });

    const second = await api.call('POST', '/api/v1/devices/baro-1/certificates', { body: { ...body, number: 'V-2', issuedAt: A_DAY } });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const fromDay = { number: 'V-2', issuedAt: '2026-01-31T17:00:00.000Z', issuedOn: '2026-02-01', validUntil: '2027-05-31T05:00:00.000Z' };
    // beyond 12 months: due at the end of 1 February 2027 in Vietnam, the legal day counted from the
    // day it names there (read from the UTC answer, it would be 31 January's end in UTC)
    expect(second.body).toMatchObject({ ...fromDay, dueAt: '2027-02-01T16:59:59.999Z' });
    expect(second.body.warnings).toEqual([
      'certificate V-2 is valid until 2027-05-31, longer than the legal verification interval of 12 months: the instrument is due on 2027-02-01 (issued 2026-02-01 + 12 months)',
    ]);

    // the same certificate again: a retry, answered the same way
    const retry = await api.call('POST', '/api/v1/devices/baro-1/certificates', { body: { ...body, number: 'V-2', issuedAt: A_DAY } });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(second.body);

    const list = (await api.call('GET', '/api/v1/devices/baro-1/certificates')).body.items;
    expect(list).toEqual([expect.objectContaining(fromDay), expect.objectContaining(answered)]);
    expect((await api.call('GET', '/api/v1/devices/baro-1')).body.verification).toEqual({ state: 'valid', validUntil: '2027-05-31T05:00:00.000Z' });

    // stored at the enterprise's offset, as the legal due day is counted from: the same due as answered
    const stored = api.deps.registry.certificatesOf('baro-1');
    expect(stored.map((c) => [c.number, c.issuedAt, c.validUntil])).toEqual([
      ['V-1', '2026-06-01T07:00:00.000+07:00', UNTIL_WITH_OFFSET],
      ['V-2', '2026-02-01T00:00:00.000+07:00', UNTIL_WITH_OFFSET],
    ]);
    expect(effectiveVerificationDue(stored[0]!, 12)?.dueAt).toBe(first.body.dueAt);
    expect(effectiveVerificationDue(stored[1]!, 12)?.dueAt).toBe(second.body.dueAt);
  });
});

describe("a reference standard's calibration", () => {
  beforeEach(async () => {
    const standard = { id: 'PM-N', tenant: 'north', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II' };
    expect((await api.call('POST', '/api/v1/standards', { body: standard })).status).toBe(201);
  });

  const calibration = (number: string, issuedAt: string, extra: Record<string, unknown> = {}) => ({
    number,
    issuedBy: 'VMI',
    issuedAt,
    validUntil: UNTIL_WITH_OFFSET,
    uncertainty: 0.004,
    ...extra,
  });

  it('is answered in UTC with the day it was issued, on POST, GET, lastCalibration and the impact finding; stored as before', async () => {
    const fromDay = await api.call('POST', '/api/v1/standards/PM-N/certificates', { body: calibration('HC-1', A_DAY) });
    expect(fromDay.status, JSON.stringify(fromDay.body)).toBe(201);
    const day = { number: 'HC-1', issuedAt: '2026-01-31T17:00:00.000Z', issuedOn: '2026-02-01', validUntil: '2027-05-31T05:00:00.000Z' };
    expect(fromDay.body).toMatchObject(day);
    const retry = await api.call('POST', '/api/v1/standards/PM-N/certificates', { body: calibration('HC-1', A_DAY) });
    expect(retry).toMatchObject({ status: 200, body: fromDay.body });

    const finding = calibration('HC-2', AT_UTC, { asFound: { error: -0.03, outOfTolerance: true } });
    const latest = await api.call('POST', '/api/v1/standards/PM-N/certificates', { body: finding });
    expect(latest.status, JSON.stringify(latest.body)).toBe(201);
    const utc = { number: 'HC-2', issuedAt: '2026-06-01T00:00:00.000Z', issuedOn: '2026-06-01', validUntil: '2027-05-31T05:00:00.000Z' };
    expect(latest.body).toMatchObject(utc);

    expect((await api.call('GET', '/api/v1/standards/PM-N/certificates')).body.items).toEqual([expect.objectContaining(utc), expect.objectContaining(day)]);
    const standard = (await api.call('GET', '/api/v1/standards/PM-N')).body;
    expect(standard).toMatchObject({ state: 'valid', validUntil: '2027-05-31T05:00:00.000Z', lastCalibration: { ...utc, uncertainty: 0.004 } });
    expect((await api.call('GET', '/api/v1/standards')).body.items[0].lastCalibration).toEqual(standard.lastCalibration);
    const impact = (await api.call('GET', '/api/v1/standards/PM-N/impact')).body;
    expect(impact).toMatchObject({
      from: '2026-01-31T17:00:00.000Z',
      to: '2026-06-01T00:00:00.000Z',
      finding: { certificate: 'HC-2', issuedAt: '2026-06-01T00:00:00.000Z', issuedOn: '2026-06-01' },
    });

    expect(api.deps.standards.certificatesOf('PM-N').map((c) => [c.number, c.issuedAt, c.validUntil])).toEqual([
      ['HC-1', '2026-02-01T00:00:00.000+07:00', UNTIL_WITH_OFFSET],
      ['HC-2', '2026-06-01T07:00:00.000+07:00', UNTIL_WITH_OFFSET],
    ]);
  });

  it("of the authority's (no tenant) names the day in the gateway's zone", async () => {
    const authority = { id: 'PM-A', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'I' };
    expect((await api.call('POST', '/api/v1/standards', { body: authority })).status).toBe(201);
    const r = await api.call('POST', '/api/v1/standards/PM-A/certificates', { body: calibration('HC-A', '2026-06-01T20:00:00Z') });
    // 03:00 on 2 June in Vietnam (MAG_DEFAULT_TIME_ZONE by default)
    expect(r.body).toMatchObject({ issuedAt: '2026-06-01T20:00:00.000Z', issuedOn: '2026-06-02' });
  });
});

describe('issuedView', () => {
  it('takes the day from the stored offset, a date alone as its day, and a UTC instant (stored before) in the zone', () => {
    expect(issuedView('2026-04-01T00:00:00.000+07:00', 'Europe/Berlin')).toEqual({ issuedAt: '2026-03-31T17:00:00.000Z', issuedOn: '2026-04-01' });
    expect(issuedView('2026-04-01T00:00:00.000-05:00', 'Asia/Ho_Chi_Minh')).toEqual({ issuedAt: '2026-04-01T05:00:00.000Z', issuedOn: '2026-04-01' });
    expect(issuedView('2026-04-01', 'Asia/Ho_Chi_Minh')).toEqual({ issuedAt: '2026-04-01T00:00:00.000Z', issuedOn: '2026-04-01' });
    expect(issuedView('2026-03-31T17:00:00Z', 'Asia/Ho_Chi_Minh')).toEqual({ issuedAt: '2026-03-31T17:00:00.000Z', issuedOn: '2026-04-01' });
    expect(issuedView('2026-03-31T17:00:00Z', 'UTC')).toEqual({ issuedAt: '2026-03-31T17:00:00.000Z', issuedOn: '2026-03-31' });
    expect(utcInstant('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
  });
});
