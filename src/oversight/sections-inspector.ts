// The inspector's own work in the period: on-site inspections (records, instruments examined,
// non-conformities, findings) and mobile verification campaigns (scales verified on markets).
// Their figures come from the inspection and campaign stores' summaries, gathered with the fleet facts (facts.ts).
import { regionColumn, regionValues, type SectionProvider } from './figures.ts';

/** Inspections started in the period at the enterprises in scope. */
export const inspectionsSection: SectionProvider = {
  id: 'inspections',
  build(ctx) {
    const { period } = ctx.facts;
    const s = ctx.facts.inspections;
    if (!s) return null;
    // an inspection's `to` is inclusive in the store: the period's last instant is to − 1 ms
    const q = { from: new Date(period.from).toISOString(), to: new Date(period.to - 1).toISOString() };
    return {
      id: 'inspections',
      label: ctx.t('ov.inspections'),
      figures: [
        { id: 'inspections', label: ctx.t('ov.inspections.inspections'), value: s.inspections, unit: 'count', href: ctx.href('/api/v1/inspections', q) },
        { id: 'findings', label: ctx.t('ov.inspections.findings'), value: s.findings.total, unit: 'count', href: ctx.href('/api/v1/findings', q) },
        // the findings' state is today's, whatever the period: their lists are today's too
        {
          id: 'openFindings',
          label: ctx.t('ov.inspections.openFindings'),
          value: s.findings.byState.open,
          unit: 'count',
          href: ctx.href('/api/v1/findings', { ...q, state: 'open' }),
        },
        {
          id: 'answeredFindings',
          label: ctx.t('ov.inspections.answeredFindings'),
          value: s.findings.byState.answered,
          unit: 'count',
          href: ctx.href('/api/v1/findings', { ...q, state: 'answered' }),
        },
      ],
      tables: [
        {
          // instruments examined and found non-conforming: counted from the records' items, which no list gives
          id: 'byRegion',
          label: ctx.t('ov.inspections.byRegion'),
          columns: [
            regionColumn(ctx),
            { id: 'inspections', label: ctx.t('ov.col.inspections'), type: 'count' },
            { id: 'instruments', label: ctx.t('ov.col.instruments'), type: 'count' },
            { id: 'nonConforming', label: ctx.t('ov.col.nonConforming'), type: 'count' },
            { id: 'findings', label: ctx.t('ov.col.findings'), type: 'count' },
          ],
          rows: s.byRegion.map((r) => ({
            values: {
              ...regionValues(ctx, r.region),
              inspections: r.inspections,
              instruments: r.instruments,
              nonConforming: r.nonConforming,
              findings: r.findings,
            },
          })),
        },
      ],
    };
  },
};

/**
 * Mobile verification campaigns overlapping the period, and the scales verified in it. Campaigns
 * belong to regions (their markets' tenants are made by the campaign): the region asked for, else
 * the token's (an inspector's; all for an admin).
 */
export const campaignsSection: SectionProvider = {
  id: 'campaigns',
  build(ctx) {
    const { period } = ctx.facts;
    const s = ctx.facts.campaigns;
    if (!s) return null;
    const from = new Date(period.from);
    const to = new Date(period.to - 1);
    return {
      id: 'campaigns',
      label: ctx.t('ov.campaigns'),
      figures: [
        {
          id: 'campaigns',
          label: ctx.t('ov.campaigns.campaigns'),
          value: s.campaigns,
          unit: 'count',
          href: ctx.href('/api/v1/campaigns', { from: from.toISOString(), to: to.toISOString() }),
        },
      ],
      tables: [
        {
          id: 'byCampaign',
          label: ctx.t('ov.campaigns.byCampaign'),
          columns: [
            { id: 'name', label: ctx.t('ov.col.campaign'), type: 'text' },
            regionColumn(ctx),
            { id: 'verified', label: ctx.t('ov.col.verified'), type: 'count' },
            { id: 'passed', label: ctx.t('ov.col.passed'), type: 'count' },
            { id: 'failed', label: ctx.t('ov.col.failed'), type: 'count' },
          ],
          rows: s.byCampaign.map((c) => ({
            values: { campaign: c.campaign, name: c.name, ...regionValues(ctx, c.region), verified: c.verified, passed: c.passed, failed: c.failed },
          })),
        },
      ],
    };
  },
};
