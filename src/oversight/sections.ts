// The sections of the overview and the periodic report, in the report's order. Each is a
// provider (figures.ts): to add one, gather its facts (facts.ts), write a provider and list it in
// `sectionProviders`; the overview, the JSON, the XLSX and the PDF then all carry it.
import { periodQuery, type SectionProvider } from './figures.ts';
import { dueSection, enterprisesSection, instrumentsSection } from './sections-standing.ts';
import { alertsSection, checksSection, trendsSection } from './sections-activity.ts';
import { campaignsSection, inspectionsSection } from './sections-inspector.ts';
import { placesSection } from './sections-places.ts';

/**
 * Every section; those whose facts were not gathered (no such store, or not the token's) leave themselves out.
 * The places whose errors lean to their user's favour come after the alerts (the periodic report's only): a
 * finding from the checks, as an alert is, and where the console's overview shows them.
 */
export function sectionProviders(): SectionProvider[] {
  return [
    enterprisesSection,
    instrumentsSection,
    checksSection,
    alertsSection,
    placesSection,
    dueSection,
    trendsSection,
    inspectionsSection,
    campaignsSection,
    lotsSection,
  ];
}

/** Lots of pre-packaged goods judged in the period (from the lots store, when there is one). */
const lotsSection: SectionProvider = {
  id: 'lots',
  build(ctx) {
    const { enterprises } = ctx.facts;
    const tallies = ctx.facts.lots?.inPeriod;
    if (!tallies) return null;
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
