// The places of business whose instruments' errors lean to their user's favour over the period (NIST
// Handbook 44 G-UR.4.1; docs/metrology.md §6): each enterprise site judged on all its instruments' checks
// of the period, as GET /api/v1/places judges them (places-of-period.ts gathers the judgement with the
// fleet facts). The report carries how many places were judged and lists those with a finding; the
// overview does not gather it (the console shows GET /places under its alerts).
import { iso, type SectionProvider } from './figures.ts';
import { localDateTime, numericDate } from './period.ts';

/** The places judged in the period and those whose errors lean to their user's favour (the periodic report's). */
export const placesSection: SectionProvider = {
  id: 'places',
  build(ctx) {
    const places = ctx.facts.places;
    if (!places) return null;
    const { period, enterprises } = ctx.facts;
    const names = new Map(enterprises.map((e) => [e.id, e.name]));
    const findings = places.judged.filter((p) => p.finding);
    // the checks judged: all of the period's, or, past the limit, those from `places.from` on, which GET /places then judges alike
    const q = { from: iso(places.from), to: iso(period.to) };
    const count = new Intl.NumberFormat(ctx.lang === 'vi' ? 'vi-VN' : 'en-GB');
    const notes = [ctx.t('ov.places.rule')];
    if (places.more) {
      const { day, time } = localDateTime(period.zone, places.from);
      notes.push(
        ctx.t('ov.places.more', {
          max: count.format(places.max),
          n: count.format(places.checks),
          from: ctx.t('report.atTime', { time, date: numericDate(day) }),
        }),
      );
    }
    return {
      id: 'places',
      label: ctx.t('ov.places'),
      notes,
      figures: [
        { id: 'places', label: ctx.t('ov.places.places'), value: places.judged.length, unit: 'count', href: ctx.href('/api/v1/places', q) },
        {
          id: 'findings',
          label: ctx.t('ov.places.findings'),
          value: findings.length,
          unit: 'count',
          href: ctx.href('/api/v1/places', { ...q, findings: 'true' }),
        },
        // every check read, those of types without a rule (no place) among them: GET /places's own `checks`
        { id: 'checks', label: ctx.t('ov.places.checks'), value: places.checks, unit: 'count', href: null },
      ],
      tables: [
        {
          id: 'findings',
          label: ctx.t('ov.places.table'),
          columns: [
            { id: 'name', label: ctx.t('ov.col.name'), type: 'text' },
            { id: 'site', label: ctx.t('pl.site'), type: 'text' },
            { id: 'type', label: ctx.t('pl.type'), type: 'text' },
            { id: 'favoured', label: ctx.t('pl.favoured'), type: 'text' },
            { id: 'k', label: ctx.t('ov.places.col.k'), type: 'count' },
            { id: 'm', label: ctx.t('ov.places.col.m'), type: 'count' },
            { id: 'pValue', label: ctx.t('ov.places.col.p'), type: 'pValue' },
            { id: 'meanErrorMpe', label: ctx.t('pl.meanMpe'), type: 'mpeFraction' },
          ],
          // findings in placesLeaning's order: the most one-sided first
          rows: findings.map((p) => ({
            values: {
              tenant: p.tenant,
              name: names.get(p.tenant) ?? p.tenant,
              site: p.site ?? ctx.t('pl.noSite'),
              typeId: p.type,
              type: ctx.label('type', p.type),
              favouredId: p.favoured,
              favoured: ctx.t(`pl.${p.favoured}`),
              k: p.favoured === 'buyer' ? p.onBuyerSide : p.onSellerSide,
              m: p.checksCounted,
              pValue: p.pValue,
              meanErrorMpe: p.meanErrorMpe,
            },
          })),
        },
      ],
    };
  },
};
