import { describe, expect, it } from 'vitest';
import { noticeOf, parseNotice } from './alert-events-relay.ts';
import type { Alert } from './alert-book.ts';

const alert: Alert = {
  id: '6f1c0a52-1b7e-4a43-9d2a-0c6f0a3e8f11',
  tenant: 'acme',
  device: 'gd-1',
  kind: 'drift',
  key: 'CH4',
  severity: 'warning',
  state: 'open',
  openedAt: '2026-03-01T08:00:00.000Z',
  updatedAt: '2026-03-01T08:00:00.000Z',
  count: 1,
  summary: 'CH4 drifting',
  // evidence can be large: it does not travel, the other nodes read the alert back
  details: { samples: Array.from({ length: 5000 }, (_, i) => i) },
  escalation: 0,
  version: 3,
};

describe('alert change notices between nodes', () => {
  it('name the alert, the change, its version and the node, far under the 8000-byte NOTIFY limit whatever the evidence', () => {
    const payload = noticeOf(alert, 'acknowledged', 'b2c4e1d0-0000-4000-8000-000000000001');
    expect(Buffer.byteLength(payload)).toBeLessThan(200);
    expect(parseNotice(payload)).toEqual({ alert: alert.id, change: 'acknowledged', version: 3, from: 'b2c4e1d0-0000-4000-8000-000000000001' });
  });

  it('ignore what is not a notice (another program on the channel)', () => {
    for (const payload of [
      '',
      'hello',
      '{}',
      '{"alert":"a","change":"deleted","version":1,"from":"x"}',
      '{"alert":1,"change":"opened","version":1,"from":"x"}',
      'null',
    ]) {
      expect(parseNotice(payload)).toBeUndefined();
    }
  });
});
