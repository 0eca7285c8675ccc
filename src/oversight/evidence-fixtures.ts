// The instrument evidence file's test facts (instrument-evidence.test.ts, print-shop.test.ts): a fuel
// dispenser's year in Hà Nội, a conditionally passing check at Qmax and the alert it raised.
import type { Alert } from '../alerts/alert-book.ts';
import type { CheckResult } from '../metrology/types.ts';

// 01/04/2025 00:00 to 31/03/2026 23:59:59.999 in Hà Nội (UTC+7)
export const FROM = Date.parse('2025-03-31T17:00:00.000Z');
export const TO = Date.parse('2026-03-31T16:59:59.999Z');

/** A check of 20 L at Qmax, conditionally passing: |e| = 0.146 between TL − U = 0.143 and TL = 0.15. */
export const CHECK: CheckResult = {
  seq: 7,
  ts: Date.parse('2025-03-31T17:30:00Z'), // 00:30 on 1 April in Hà Nội, 31 March in UTC
  unit: 'L',
  indicated: 20.146,
  corrected: 20.146,
  reference: 20,
  error: 0.146,
  relativeError: 0.0073,
  mpe: 0.15,
  uncertainty: 0.007,
  en: 20.9,
  legal: 'pass',
  decision: 'conditional-pass',
  regime: 'inService',
  standardId: 'PM-1',
  point: 'Qmax',
  traceable: true,
  standardCertificate: 'HC-1',
};

export const ALERT: Alert = {
  id: 'a2',
  tenant: 'north',
  device: 'fd-1',
  kind: 'conditional',
  key: 'point=Qmax,regime=inService',
  severity: 'warning',
  state: 'resolved',
  openedAt: '2025-03-31T17:30:00.000Z',
  updatedAt: '2025-04-02T03:00:00.000Z',
  count: 1,
  summary: 'Conditional pass at Qmax',
  details: {},
  escalation: 0,
  version: 3,
  ackBy: 'operator:Nguyễn Văn An',
  ackAt: '2025-04-01T02:15:00.000Z',
  ackNote: 'đã kiểm tra lại vòi 2',
  resolvedBy: 'system',
  resolvedAt: '2025-04-02T03:00:00.000Z',
  resolution: { reason: 'cleared', note: 'a later check passed' },
};
