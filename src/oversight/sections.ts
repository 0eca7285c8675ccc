// The sections of the overview and the periodic report, in the report's order. Each is a
// provider (figures.ts): to add one (inspections, campaigns…), write a provider and list it in
// `sectionProviders`; the overview, the JSON, the XLSX and the PDF then all carry it.
import type { LotTally } from './readiness.ts';
import { periodQuery, type SectionProvider } from './figures.ts';
import { dueSection, enterprisesSection, instrumentsSection } from './sections-standing.ts';
import { alertsSection, checksSection, trendsSection } from './sections-activity.ts';
import { campaignsSection, inspectionsSection, type CampaignsSource, type InspectionsSource } from './sections-inspector.ts';

/** The lots store's hook: lots of pre-packaged goods judged per enterprise in [from, to). */
export interface LotsSource {
  tallies(tenants: readonly string[], from: number, to: number): ReadonlyMap<string, LotTally>;
}

/** Sources of sections beyond the core facts; each optional (its section is left out without it). */
export interface SectionSources {
  lots?: LotsSource;
  inspections?: InspectionsSource;
  /** Absent for an operator's figures (campaigns are the authority's, per region). */
  campaigns?: CampaignsSource;
  /** The regions whose campaigns count when no region is asked for: an inspector's; undefined: all (an admin). */
  campaignRegions?: readonly string[];
}

export function sectionProviders(sources: SectionSources = {}): SectionProvider[] {
  return [
    enterprisesSection(sources),
    instrumentsSection,
    checksSection,
    alertsSection,
    dueSection,
    trendsSection,
    ...(sources.inspections ? [inspectionsSection(sources.inspections)] : []),
    ...(sources.campaigns ? [campaignsSection(sources.campaigns, sources.campaignRegions)] : []),
    ...(sources.lots ? [lotsSection(sources.lots)] : []),
  ];
}

/** Lots of pre-packaged goods judged in the period (from the lots store, when there is one). */
function lotsSection(source: LotsSource): SectionProvider {
  return {
    id: 'lots',
    build(ctx) {
      const { period, enterprises } = ctx.facts;
      const tallies = source.tallies(
        enterprises.map((e) => e.id),
        period.from,
        period.to,
      );
      let lots = 0;
      let passed = 0;
      for (const t of tallies.values()) {
        lots += t.lots;
        passed += t.passed;
      }
      const q = periodQuery(ctx);
      return {
        id: 'lots',
        label: ctx.t('ov.lots'),
        figures: [
          { id: 'lots', label: ctx.t('ov.lots.lots'), value: lots, unit: 'count', href: ctx.href('/api/v1/lots', q) },
          { id: 'failed', label: ctx.t('ov.lots.failed'), value: lots - passed, unit: 'count', href: ctx.href('/api/v1/lots', { ...q, verdict: 'fail' }) },
        ],
        tables: [
          {
            id: 'byEnterprise',
            label: ctx.t('ov.lots.byEnterprise'),
            columns: [
              { id: 'name', label: ctx.t('ov.col.name'), type: 'text' },
              { id: 'lots', label: ctx.t('ov.col.lots'), type: 'count' },
              { id: 'failed', label: ctx.t('ov.col.failed'), type: 'count' },
            ],
            rows: enterprises
              .filter((e) => (tallies.get(e.id)?.lots ?? 0) > 0)
              .map((e) => {
                const t = tallies.get(e.id)!;
                return { values: { tenant: e.id, name: e.name, lots: t.lots, failed: t.lots - t.passed } };
              }),
          },
        ],
      };
    },
  };
}
