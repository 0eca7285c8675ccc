// An instrument's readings and checks by period through the API alone (real stores, no broker):
// `from`/`to` given as dates are days of the enterprise's zone, both included; a date-time is that
// instant, one without a zone that wall-clock time in the enterprise's zone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { CheckStore } from '../store/checks.ts';
import type { CheckResult } from '../metrology/types.ts';
import type { Sink } from '../sinks/sink.ts';

const NOW = new Date('2026-04-02T00:00:00Z');
let api: ApiUnderTest;

/**
 * The same four instants for each instrument. Vietnam is UTC+7 (north, the default zone), Tokyo
 * UTC+9 (east, its own zone), neither with daylight saving time.
 */
const TIMES = [
  '2026-02-28T17:30:00Z', // seq 1: 00:30 on 1 March in Vietnam, 02:30 on 1 March in Tokyo
  '2026-03-31T03:00:00Z', // seq 2: 10:00 on 31 March in Vietnam, 12:00 in Tokyo
  '2026-03-31T16:30:00Z', // seq 3: 23:30 on 31 March in Vietnam, 01:30 on 1 April in Tokyo
  '2026-03-31T17:00:00Z', // seq 4: 00:00 on 1 April in Vietnam
];

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  expect((await api.call('POST', '/api/v1/tenants', { body: { id: 'north', name: 'North Gas', region: 'VN-HN' } })).status).toBe(201);
  expect((await api.call('POST', '/api/v1/tenants', { body: { id: 'east', name: 'East Gas', region: 'VN-HN', timeZone: 'Asia/Tokyo' } })).status).toBe(201);
  const checks = new CheckStore(api.db);
  const points = [];
  for (const [device, tenant] of [
    ['baro-n1', 'north'],
    ['baro-e1', 'east'],
  ]) {
    expect((await api.call('POST', '/api/v1/devices', { body: { id: device, tenant, type: 'barometer', serial: `SN-${device}` } })).status).toBe(201);
    for (const [i, iso] of TIMES.entries()) {
      const ts = Date.parse(iso);
      points.push({
        measurement: 'reading' as const,
        tags: { tenant, device, type: 'barometer', quantity: 'pressure' },
        fields: { value: 1013, seq: i + 1 },
        ts,
      });
      const result = { seq: i + 1, ts, decision: 'pass', legal: 'pass', error: 0, mpe: 0.3, uncertainty: 0.05, unit: 'hPa' } as CheckResult;
      checks.insert(device, '', result, NOW.toISOString());
    }
  }
  await (api.deps.readings as unknown as Sink).write(points);
});
afterEach(() => api.close());

describe('readings and checks of an instrument by period', () => {
  for (const what of ['readings', 'checks'] as const) {
    const seqs = async (device: string, q: string) =>
      ((await api.call('GET', `/api/v1/devices/${device}/${what}?${q}`)).body.items as { seq: number }[]).map((x) => x.seq);

    it(`${what}: dates alone are days of the enterprise's zone, the last one through its end`, async () => {
      // 1 March 00:00 to 31 March 24:00 in Vietnam: 2026-02-28T17:00Z ≤ ts ≤ 2026-03-31T16:59:59.999Z;
      // 10:00 on the last day (seq 2) and 23:30 (seq 3) are in (as UTC midnights, neither were, nor seq 1)
      expect(await seqs('baro-n1', 'from=2026-03-01&to=2026-03-31')).toEqual([3, 2, 1]);
      expect(await seqs('baro-n1', 'from=2026-03-31&to=2026-03-31')).toEqual([3, 2]);
      // the enterprise's own zone: in Tokyo the month is 2026-02-28T15:00Z ≤ ts ≤ 2026-03-31T14:59:59.999Z
      expect(await seqs('baro-e1', 'from=2026-03-01&to=2026-03-31')).toEqual([2, 1]);
      expect(await seqs('baro-e1', 'from=2026-04-01')).toEqual([4, 3]);
    });

    it(`${what}: a date-time is that instant, one without a zone the wall-clock time in the enterprise's zone`, async () => {
      expect(await seqs('baro-n1', 'from=2026-03-01&to=2026-03-31T03:00:00Z')).toEqual([2, 1]);
      // 09:59 in Vietnam is 02:59Z, before seq 2; 10:00 there is seq 2's instant (to is included)
      expect(await seqs('baro-n1', 'from=2026-03-01&to=2026-03-31T09:59')).toEqual([1]);
      expect(await seqs('baro-n1', 'from=2026-03-01&to=2026-03-31T10:00:00')).toEqual([2, 1]);
      // 12:00 in Tokyo is seq 2's instant
      expect(await seqs('baro-e1', 'from=2026-03-31T12:00&to=2026-03-31T12:00')).toEqual([2]);
    });
  }
});
