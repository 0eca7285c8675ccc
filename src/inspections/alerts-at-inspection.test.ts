// MAG's alerts as an inspection record keeps them: those unresolved when the instrument was
// entered on it, with the check a check's alert speaks of; and a "conforms" beside an
// out-of-tolerance alert left unresolved.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert-book.ts';
import { alertsAtInspection, conformsWithUnresolvedOutOfTolerance } from './alerts-at-inspection.ts';
import { recordHash } from './inspection-service.ts';
import type { InspectionRecord, ItemFacts } from './types.ts';

const AT = new Date('2026-01-31T01:50:00.000Z');

const alert = (id: string, a: Partial<Alert>): Alert => ({
  id,
  tenant: 'petrolimex-hn',
  device: 'hn-fd-drift',
  kind: 'out-of-tolerance',
  key: 'Qmax',
  severity: 'critical',
  state: 'open',
  openedAt: '2025-06-12T03:00:00.000Z',
  updatedAt: '2025-06-12T03:00:00.000Z',
  count: 1,
  summary: 'Check fail (point Qmax, in service): error 0.1 L against MPE ±0.09 L (U = 0.007)',
  details: {},
  escalation: 0,
  version: 1,
  ...a,
});

describe('alertsAtInspection', () => {
  it('keeps the alerts opened by then and not resolved by then, oldest first, as they stood then', () => {
    const evidence = {
      seq: 41,
      ts: '2025-06-12T03:00:00.000Z',
      indicated: 20.1,
      reference: 20,
      error: 0.1,
      mpe: 0.09,
      uncertainty: 0.007,
      decision: 'fail',
      legal: 'fail',
      regime: 'inService',
      unit: 'L',
      point: 'Qmax',
      standardId: 'PM-20L-01',
    };
    const kept = alertsAtInspection(
      [
        // acknowledged before the inspection, resolved after it (a history written later reads it so)
        alert('oot', {
          state: 'resolved',
          details: evidence,
          ackAt: '2025-06-13T01:00:00.000Z',
          ackBy: 'operator:x:t',
          resolvedAt: '2026-02-10T00:00:00.000Z',
          resolvedBy: 'operator:x:t',
        }),
        alert('due', { kind: 'verification-due-soon', key: '', severity: 'warning', openedAt: '2026-01-02T00:00:00.000Z', ackAt: '2026-02-01T00:00:00.000Z' }),
        // resolved before the inspection, opened after it, opened at the very instant: out, out, in
        alert('old', { kind: 'drift', key: 'point=Qmax,regime=inService', resolvedAt: '2025-12-01T00:00:00.000Z' }),
        alert('later', { kind: 'tamper', key: '', openedAt: '2026-01-31T01:50:00.001Z' }),
        alert('now', { kind: 'offline', key: '', severity: 'warning', openedAt: AT.toISOString(), summary: 'No message for 2 h' }),
        alert('oot', { details: evidence }), // the same alert read twice (a retry): once
      ],
      AT,
    );
    expect(kept).toEqual([
      {
        id: 'oot',
        kind: 'out-of-tolerance',
        key: 'Qmax',
        severity: 'critical',
        state: 'acknowledged',
        since: '2025-06-12T03:00:00.000Z',
        summary: 'Check fail (point Qmax, in service): error 0.1 L against MPE ±0.09 L (U = 0.007)',
        check: { at: '2025-06-12T03:00:00.000Z', error: 0.1, mpe: 0.09, uncertainty: 0.007, unit: 'L', decision: 'fail', point: 'Qmax', regime: 'inService' },
      },
      // no key, acknowledged only after the inspection: open then, and no check
      {
        id: 'due',
        kind: 'verification-due-soon',
        severity: 'warning',
        state: 'open',
        since: '2026-01-02T00:00:00.000Z',
        summary: 'Check fail (point Qmax, in service): error 0.1 L against MPE ±0.09 L (U = 0.007)',
      },
      { id: 'now', kind: 'offline', severity: 'warning', state: 'open', since: AT.toISOString(), summary: 'No message for 2 h' },
    ]);
  });

  it('takes no check from a check alert whose evidence lacks one', () => {
    const [a] = alertsAtInspection([alert('x', { details: { error: 0.1, mpe: 0.09, unit: 'L' } })], AT);
    expect(a).not.toHaveProperty('check');
  });
});

describe('conformsWithUnresolvedOutOfTolerance', () => {
  const facts = (kinds: Alert['kind'][] | undefined): ItemFacts => ({
    sealsIntact: true,
    verificationMarkValid: true,
    certificateValid: true,
    verification: { state: 'valid', validUntil: '2026-12-01T16:59:59.999Z' },
    ...(kinds
      ? {
          unresolvedAlerts: kinds.map((kind, i) => ({
            id: `a${i}`,
            kind,
            severity: 'critical' as const,
            state: 'open' as const,
            since: '2025-06-12T03:00:00.000Z',
            summary: '',
          })),
        }
      : {}),
  });
  it('is said of a conforming instrument with an unresolved out-of-tolerance alert only', () => {
    expect(conformsWithUnresolvedOutOfTolerance({ verdict: 'pass', facts: facts(['conditional', 'out-of-tolerance']) })).toBe(true);
    expect(conformsWithUnresolvedOutOfTolerance({ verdict: 'pass', facts: facts(['conditional', 'drift']) })).toBe(false);
    // not conforming: the reasons say why already
    expect(conformsWithUnresolvedOutOfTolerance({ verdict: 'fail', facts: facts(['out-of-tolerance']) })).toBe(false);
    // recorded before MAG kept the alerts
    expect(conformsWithUnresolvedOutOfTolerance({ verdict: 'pass', facts: facts(undefined) })).toBe(false);
  });

  it('leaves the fingerprint of an item recorded before the alerts were kept as it was; a new item hashes them', () => {
    const record = (f: ItemFacts): InspectionRecord => ({
      id: 'BBKT-2026-0001',
      tenant: 'cxd',
      region: 'VN-BG',
      startedAt: '2026-03-15T02:30:00.000Z',
      inspectors: ['Nguyễn Văn Hùng'],
      state: 'closed',
      openedBy: 'inspector:Hùng:t',
      createdAt: '2026-03-15T02:30:00.000Z',
      closedAt: '2026-03-15T04:00:00.000Z',
      closedBy: 'inspector:Hùng:t',
      items: [
        {
          id: 1,
          inspection: 'BBKT-2026-0001',
          device: 'fd-1',
          facts: f,
          verdict: 'pass',
          reasons: [],
          checks: [],
          recordedAt: '2026-03-15T03:06:00.000Z',
          recordedBy: 'inspector:Hùng:t',
        },
      ],
      findings: [],
      amendments: [],
    });
    const before = facts(undefined);
    // the canonical JSON leaves an absent member out: the old item's hash does not see the new field
    expect(recordHash(record({ ...before, unresolvedAlerts: undefined }))).toBe(recordHash(record(before)));
    expect(recordHash(record({ ...before, unresolvedAlerts: [] }))).not.toBe(recordHash(record(before)));
    expect(recordHash(record(facts(['out-of-tolerance'])))).not.toBe(recordHash(record({ ...before, unresolvedAlerts: [] })));
  });
});
