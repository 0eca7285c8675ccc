// The instrument evidence file's test facts (instrument-evidence.test.ts, print-shop.test.ts): a fuel
// dispenser's year in Hà Nội, a conditionally passing check at Qmax and the alert it raised; drift
// series, one leaning to the seller's side (docs/metrology.md §6).
import type { Alert } from '../alerts/alert-book.ts';
import type { SellerFavourView, SeriesDriftView } from '../metrology/drift.ts';
import type { CheckResult } from '../metrology/types.ts';
import type { EvidenceFacts } from './instrument-evidence.ts';

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

/** A drift series as GET /devices/{id}/drift gives it: 9 points at Qmax in service, no signal, a drift of +0.000123456 L a day. */
export function driftSeries(over: Partial<SeriesDriftView> = {}): SeriesDriftView {
  return {
    series: 'point=Qmax,regime=inService',
    points: 9,
    ewma: { value: 0.01, upperLimit: 0.05, lowerLimit: -0.05, signal: false },
    cusum: { high: 0, low: 0, threshold: 0.25, signal: false },
    slopePerDay: 0.000123456,
    predictedOutOfToleranceAt: null,
    alarm: false,
    ...over,
  } as SeriesDriftView;
}

/**
 * A dispenser series' errors leaning the seller's way (docs/metrology.md §6): 5 of 5 checks above the
 * reference, p = 1/32 = 0.03125, a mean of 0.084375 L = 0.5625 of the 0.15 L MPE: a finding.
 */
export const SELLER_FAVOURED: SellerFavourView = {
  checksCounted: 5,
  onSellerSide: 5,
  onBuyerSide: 0,
  favoured: 'seller',
  pValue: 1 / 32,
  meanErrorMpe: 0.5625,
  meanError: 0.084375,
  finding: true,
  persists: true,
};

/** The dispenser's facts for the year: certificates in force and issued, the check, its standard, two alerts (one resolved before the period). */
export function evidenceFacts(over: Partial<EvidenceFacts> = {}): EvidenceFacts {
  return {
    lang: 'vi',
    zone: 'Asia/Ho_Chi_Minh',
    generatedAt: Date.parse('2026-03-15T05:00:00Z'),
    period: { from: FROM, to: TO },
    enterprise: { id: 'north', name: 'Công ty Xăng dầu Bắc', region: 'VN-HN' },
    device: { id: 'fd-1', type: 'fuel-dispenser', serial: 'SN-0042', class: '0.5', site: 'Cửa hàng số 5' },
    ranges: [{ min: 0, max: 9999.99, unit: 'L' }],
    standing: 'verification',
    standingAtStart: { state: 'valid', validUntil: '2025-04-30T16:59:59.999Z' },
    standingAtEnd: { state: 'none', validUntil: null },
    certificates: [
      // ended on 31/03/2025, the day before the period: not the file's
      { kind: 'verification', number: 'KĐ-2023-09', issuedBy: 'QUATEST 1', issuedAt: '2023-04-01T00:00:00.000+07:00', validUntil: '2025-03-31T16:59:59.999Z' },
      { kind: 'verification', number: 'KĐ-2024-01', issuedBy: 'QUATEST 1', issuedAt: '2024-04-01T00:00:00.000+07:00', validUntil: '2025-04-30T16:59:59.999Z' },
      // issued at the first instant of the period
      {
        kind: 'calibration',
        number: 'HC-2025-9',
        issuedBy: 'VMI',
        issuedAt: '2025-04-01T00:00:00.000+07:00',
        validUntil: '2026-03-31T16:59:59.999Z',
        uncertainty: 0.01,
      },
    ],
    checks: [CHECK],
    standards: [
      {
        id: 'PM-1',
        standard: { id: 'PM-1', tenant: 'north', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II' },
        certificates: [
          {
            number: 'HC-1',
            issuedBy: 'VMI',
            issuedAt: '2025-01-10T00:00:00.000+07:00',
            validUntil: '2026-01-09T16:59:59.999Z',
            uncertainty: 0.004,
            traceableTo: 'VMI',
          },
        ],
      },
    ],
    drift: { bySeries: [] },
    alerts: [
      // resolved the day before the period began: not the file's
      { ...ALERT, id: 'a1', openedAt: '2025-03-01T01:00:00.000Z', resolvedAt: '2025-03-31T16:00:00.000Z' },
      ALERT,
    ],
    ...over,
  };
}
