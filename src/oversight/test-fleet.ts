// A small fleet for the figures' and readiness tests: five instruments of four enterprises in two
// provinces, ten checks, six alerts, on 15 March 2026 at noon in Hà Nội (05:00 UTC).
import type { FleetFacts } from './figures.ts';
import { lastTwelveMonths, monthsOf } from './period.ts';

const ZONE = 'Asia/Ho_Chi_Minh';
const NOW = Date.parse('2026-03-15T05:00:00Z');
const period = lastTwelveMonths(NOW, ZONE);

const alert = (tenant: string, device: string, kind: string, openedAt: string, resolvedAt: string | null = null) => ({
  tenant,
  device,
  kind,
  openedAt,
  resolvedAt,
});

export const SMALL_FLEET: FleetFacts = {
  period,
  region: null,
  months: monthsOf(period),
  enterprises: [
    { id: 'north', name: 'North Fuel', region: 'VN-HN' },
    { id: 'hill', name: 'Hill Market', region: 'VN-HN' },
    { id: 'south', name: 'South Airport', region: 'VN-SG' },
    { id: 'empty', name: 'Empty Co', region: 'VN-HN' },
  ],
  instruments: [
    { id: 'n1', tenant: 'north', type: 'barometer', state: 'valid', validUntil: '2027-01-15T00:00:00.000Z' },
    { id: 'n2', tenant: 'north', type: 'scale', state: 'due-soon', validUntil: '2026-04-01T00:00:00.000Z' },
    { id: 'n3', tenant: 'north', type: 'barometer', state: 'valid', validUntil: '2026-05-20T00:00:00.000Z' },
    { id: 'h1', tenant: 'hill', type: 'scale', state: 'expired', validUntil: '2026-01-01T00:00:00.000Z' },
    { id: 's1', tenant: 'south', type: 'barometer', state: 'none', validUntil: null },
  ],
  // months: 0 = April 2025 … 10 = February 2026, 11 = March 2026
  checkCounts: [
    { period: 0, device: 's1', checks: 1, failed: 0 },
    { period: 10, device: 'n1', checks: 3, failed: 1 },
    { period: 11, device: 'h1', checks: 4, failed: 2 },
    { period: 11, device: 'n1', checks: 2, failed: 0 },
  ],
  recentChecks: new Map([
    ['n1', 5],
    ['h1', 4],
  ]),
  alerts: [
    alert('south', 's1', 'offline', '2025-12-01T00:00:00.000Z', '2025-12-11T00:00:00.000Z'), // a5: 10 days
    alert('hill', 'h1', 'verification-overdue', '2026-01-01T00:00:00.000Z'), // a3: open 73 days
    alert('north', 'n2', 'drift', '2026-02-01T00:00:00.000Z', '2026-02-25T00:00:00.000Z'), // a6: 24 days (late: drift 14)
    alert('north', 'n1', 'out-of-tolerance', '2026-02-20T00:00:00.000Z', '2026-02-23T00:00:00.000Z'), // a1: 3 days (in time: 7)
    alert('hill', 'h1', 'out-of-tolerance', '2026-03-10T00:00:00.000Z'), // a2: open 5 d 5 h
    alert('north', 'n1', 'drift', '2026-03-15T00:00:00.000Z'), // a4: open 5 h
  ],
};
