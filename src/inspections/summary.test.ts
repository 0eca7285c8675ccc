// The inspector's work summed up for a period: what the periodic report shows of inspections
// and campaigns.
import { describe, expect, it } from 'vitest';
import { summariseCampaign, summariseCampaigns, summariseInspections } from './summary.ts';
import type { Campaign, Inspection } from './types.ts';

const period = { from: '2026-01-01T00:00:00.000Z', to: '2026-03-31T23:59:59.000Z', regions: null };
const inspection = (id: string, tenant: string, region: string, state: 'open' | 'closed' = 'closed'): Inspection => ({
  id,
  tenant,
  region,
  state,
  startedAt: '2026-02-01T00:00:00.000Z',
  inspectors: ['A'],
  openedBy: 'x',
  createdAt: '2026-02-01T00:00:00.000Z',
});

describe('summariseInspections', () => {
  it('counts records, instruments and their verdicts, checks, reasons and findings, by region', () => {
    const s = summariseInspections(
      period,
      [inspection('I1', 'a', 'VN-BG'), inspection('I2', 'a', 'VN-BG', 'open'), inspection('I3', 'b', 'VN-HN')],
      [
        { inspection: 'I1', verdict: 'fail', reasons: ['check-fail', 'seals-broken'], checks: [{ legal: 'fail' }, { legal: 'pass' }] as never },
        { inspection: 'I1', verdict: 'pass', reasons: [], checks: [{ legal: 'pass' }] as never },
        { inspection: 'I3', verdict: 'fail', reasons: ['certificate-invalid'], checks: [] },
        { inspection: 'elsewhere', verdict: 'fail', reasons: ['check-fail'], checks: [] }, // not in the period's records: left out
      ],
      [
        { inspection: 'I1', kind: 'sealed-off', state: 'closed' },
        { inspection: 'I3', kind: 'violation', state: 'open' },
        { inspection: 'I3', kind: 'observation', state: 'answered' },
      ],
    );
    expect(s).toEqual({
      ...period,
      inspections: 3,
      open: 1,
      closed: 2,
      tenants: 2,
      instruments: 3,
      conforming: 1,
      nonConforming: 2,
      checks: { total: 3, pass: 2, fail: 1 },
      reasons: { 'check-fail': 1, 'seals-broken': 1, 'verification-mark-invalid': 0, 'certificate-invalid': 1, 'price-display-wrong': 0 },
      findings: { total: 3, byKind: { violation: 1, 'sealed-off': 1, observation: 1 }, byState: { open: 1, answered: 1, closed: 1 } },
      byRegion: [
        { region: 'VN-BG', inspections: 2, instruments: 2, nonConforming: 1, findings: 1 },
        { region: 'VN-HN', inspections: 1, instruments: 1, nonConforming: 1, findings: 2 },
      ],
    });
  });
});

const campaign = (id: string, markets: string[]): Campaign => ({
  id,
  name: id,
  region: 'VN-BG',
  markets: markets.map((name) => ({ name })),
  from: '2026-03-01',
  to: '2026-03-31',
  team: ['A'],
  createdAt: '',
  createdBy: '',
});

describe('summariseCampaign', () => {
  it('lists every planned market (visited or not), then any other market recorded, and classes sorted', () => {
    const s = summariseCampaign(campaign('c', ['Chợ Thương', 'Chợ Kép']), [
      { market: 'Chợ Kép', class: 'IIII', result: 'pass', device: 'd1' },
      { market: 'Chợ Kép', class: 'IIII', result: 'pass', device: 'd1' }, // the same scale verified twice: one instrument
      { market: 'Chợ Mới', class: 'III', result: 'fail' },
    ]);
    expect(s).toMatchObject({ verified: 3, passed: 2, failed: 1, marketsPlanned: 2, marketsVisited: 2, devicesRegistered: 1 });
    expect(s.byMarket.map((m) => [m.market, m.verified])).toEqual([
      ['Chợ Thương', 0],
      ['Chợ Kép', 2],
      ['Chợ Mới', 1],
    ]);
    expect(s.byClass).toEqual([
      { class: 'III', verified: 1, passed: 0, failed: 1 },
      { class: 'IIII', verified: 2, passed: 2, failed: 0 },
    ]);
  });

  it('sums campaigns of a period, with their classes together', () => {
    const s = summariseCampaigns(
      period,
      [campaign('c1', ['A', 'B']), campaign('c2', ['C'])],
      [
        { campaign: 'c1', market: 'A', class: 'III', result: 'pass', device: 'd1' },
        { campaign: 'c2', market: 'C', class: 'III', result: 'fail' },
        { campaign: 'c2', market: 'C', class: 'IIII', result: 'pass', device: 'd2' },
      ],
    );
    expect(s).toMatchObject({ campaigns: 2, verified: 3, passed: 2, failed: 1, marketsPlanned: 3, marketsVisited: 2, devicesRegistered: 2 });
    expect(s.byCampaign).toEqual([
      { campaign: 'c1', name: 'c1', region: 'VN-BG', verified: 1, passed: 1, failed: 0 },
      { campaign: 'c2', name: 'c2', region: 'VN-BG', verified: 2, passed: 1, failed: 1 },
    ]);
    expect(s.byClass).toEqual([
      { class: 'III', verified: 2, passed: 1, failed: 1 },
      { class: 'IIII', verified: 1, passed: 1, failed: 0 },
    ]);
  });
});
