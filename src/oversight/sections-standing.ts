// Sections of the standing as of the period's end: enterprises (the programme's table, with
// readiness), instruments by verification state and type, verification falling due.
import { DAY_MS, localDay } from './period.ts';
import { rankReadiness } from './readiness.ts';
import {
  DUE_HORIZONS,
  VERIFICATION_STATES,
  checkTotals,
  dueWithin,
  enterpriseStanding,
  live,
  openAt,
  periodQuery,
  regionColumn,
  regionValues,
  type Row,
  type SectionProvider,
} from './figures.ts';

/** Enterprises by verification standing, and the programme's table: one row per enterprise with its readiness score. */
// Over 80 lines: the section's figures and its table's columns, declared as data.
export const enterprisesSection: SectionProvider = {
  id: 'enterprises',
  build(ctx) {
    const { facts } = ctx;
    const asOf = facts.period.asOf;
    const ranking = rankReadiness({
      asOf,
      enterprises: facts.enterprises,
      instruments: facts.instruments,
      recentChecks: facts.recentChecks,
      alerts: facts.alerts,
      lots: facts.lots?.recent,
      telemetry: facts.telemetry,
    });
    const scoreOf = new Map(ranking.map((r) => [r.tenant, r]));
    const tenantOf = new Map(facts.instruments.map((i) => [i.id, i.tenant]));
    const checks = checkTotals(ctx, (d) => tenantOf.get(d));
    // an enterprise's standing is its instruments': one without any on record has none to count
    // (it was counted under "some never verified", which told the province of instruments that do not exist)
    const owned = facts.enterprises.map((e) => facts.instruments.filter((i) => i.tenant === e.id));
    const standings = owned.filter((mine) => mine.length > 0).map((mine) => enterpriseStanding(mine.map((i) => i.state)));
    const rows: Row[] = facts.enterprises.map((e) => {
      const mine = facts.instruments.filter((i) => i.tenant === e.id);
      const count = (s: string) => mine.filter((i) => i.state === s).length;
      const c = checks.get(e.id) ?? { checks: 0, failed: 0 };
      return {
        values: {
          tenant: e.id,
          name: e.name,
          ...regionValues(ctx, e.region),
          instruments: mine.length,
          valid: count('valid'),
          'due-soon': count('due-soon'),
          expired: count('expired'),
          none: count('none'),
          openAlerts: facts.alerts.filter((a) => a.tenant === e.id && openAt(a, asOf)).length,
          checks: c.checks,
          failed: c.failed,
          score: scoreOf.get(e.id)?.score ?? null,
        },
        links: {
          instruments: ctx.href('/api/v1/devices', { tenant: e.id }),
          ...(ctx.live ? Object.fromEntries(VERIFICATION_STATES.map((s) => [s, ctx.href('/api/v1/devices', { tenant: e.id, verification: s })])) : {}),
          ...(ctx.live ? { openAlerts: ctx.href('/api/v1/alerts', { tenant: e.id, state: 'unresolved' }) } : {}),
          checks: ctx.href('/api/v1/checks', { tenant: e.id, ...periodQuery(ctx) }),
          failed: ctx.href('/api/v1/checks', { tenant: e.id, ...periodQuery(ctx), decision: 'failed' }),
          score: ctx.href('/api/v1/readiness', {}),
        },
      };
    });
    return {
      id: 'enterprises',
      label: ctx.t('ov.enterprises'),
      figures: [
        { id: 'total', label: ctx.t('ov.enterprises.total'), value: facts.enterprises.length, unit: 'count', href: ctx.href('/api/v1/tenants') },
        ...VERIFICATION_STATES.map((s) => ({
          id: s,
          label: ctx.t(`ov.standing.${s}`),
          value: standings.filter((x) => x === s).length,
          unit: 'count' as const,
          href: live(ctx, ctx.href('/api/v1/tenants', { verification: s })),
        })),
        {
          id: 'noInstruments',
          label: ctx.t('ov.standing.noInstruments'),
          value: owned.filter((mine) => mine.length === 0).length,
          unit: 'count' as const,
          href: live(ctx, ctx.href('/api/v1/tenants', { instruments: 'none' })),
        },
      ],
      tables: [
        {
          id: 'enterprises',
          label: ctx.t('ov.enterprises.table'),
          columns: [
            { id: 'tenant', label: ctx.t('ov.col.tenant'), type: 'text' },
            { id: 'name', label: ctx.t('ov.col.name'), type: 'text' },
            regionColumn(ctx),
            { id: 'instruments', label: ctx.t('ov.col.instruments'), type: 'count' },
            ...VERIFICATION_STATES.map((s) => ({ id: s, label: ctx.t(`ov.state.${s}`), type: 'count' as const })),
            { id: 'openAlerts', label: ctx.t('ov.col.openAlerts'), type: 'count' },
            { id: 'checks', label: ctx.t('ov.col.checks'), type: 'count' },
            { id: 'failed', label: ctx.t('ov.col.failed'), type: 'count' },
            { id: 'score', label: ctx.t('ov.col.score'), type: 'score' },
          ],
          rows,
        },
      ],
    };
  },
};

/** Instruments by verification state, overall and by type, as of the period's end. */
export const instrumentsSection: SectionProvider = {
  id: 'instruments',
  build(ctx) {
    const all = ctx.facts.instruments;
    const types = [...new Set(all.map((i) => i.type))].sort();
    return {
      id: 'instruments',
      label: ctx.t('ov.instruments'),
      figures: [
        { id: 'total', label: ctx.t('ov.instruments.total'), value: all.length, unit: 'count', href: ctx.href('/api/v1/devices') },
        ...VERIFICATION_STATES.map((s) => ({
          id: s,
          label: ctx.t(`ov.state.${s}`),
          value: all.filter((i) => i.state === s).length,
          unit: 'count' as const,
          href: live(ctx, ctx.href('/api/v1/devices', { verification: s })),
        })),
      ],
      tables: [
        {
          id: 'byType',
          label: ctx.t('ov.instruments.byType'),
          columns: [
            { id: 'type', label: ctx.t('ov.col.type'), type: 'text' },
            { id: 'total', label: ctx.t('ov.col.instruments'), type: 'count' },
            ...VERIFICATION_STATES.map((s) => ({ id: s, label: ctx.t(`ov.state.${s}`), type: 'count' as const })),
          ],
          rows: types.map((type) => {
            const mine = all.filter((i) => i.type === type);
            const links: Record<string, string> = { total: ctx.href('/api/v1/devices', { type }) };
            if (ctx.live) for (const s of VERIFICATION_STATES) links[s] = ctx.href('/api/v1/devices', { type, verification: s });
            return {
              values: {
                typeId: type,
                type: ctx.label('type', type),
                total: mine.length,
                ...Object.fromEntries(VERIFICATION_STATES.map((s) => [s, mine.filter((i) => i.state === s).length])),
              },
              links,
            };
          }),
        },
      ],
    };
  },
};

/** Instruments whose verification falls due within 30 and 90 days of the period's end. */
export const dueSection: SectionProvider = {
  id: 'due',
  build(ctx) {
    const { asOf, zone } = ctx.facts.period;
    const longest = DUE_HORIZONS[DUE_HORIZONS.length - 1];
    const due = ctx.facts.instruments
      .filter((i) => dueWithin(i, asOf, longest))
      .sort((a, b) => a.validUntil!.localeCompare(b.validUntil!) || a.id.localeCompare(b.id));
    const names = new Map(ctx.facts.enterprises.map((e) => [e.id, e.name]));
    return {
      id: 'due',
      label: ctx.t('ov.due'),
      figures: DUE_HORIZONS.map((days) => ({
        id: `due${days}`,
        label: ctx.t(`ov.due.due${days}`),
        value: ctx.facts.instruments.filter((i) => dueWithin(i, asOf, days)).length,
        unit: 'count' as const,
        href: live(ctx, ctx.href('/api/v1/devices', { dueWithinDays: days })),
      })),
      tables: [
        {
          id: 'due',
          label: ctx.t('ov.due.table'),
          columns: [
            { id: 'device', label: ctx.t('ov.col.device'), type: 'text' },
            { id: 'tenant', label: ctx.t('ov.col.name'), type: 'text' },
            { id: 'type', label: ctx.t('ov.col.type'), type: 'text' },
            { id: 'validUntil', label: ctx.t('ov.col.validUntil'), type: 'date' },
            { id: 'daysLeft', label: ctx.t('ov.col.daysLeft'), type: 'days' },
          ],
          rows: due.map((i) => ({
            values: {
              device: i.id,
              tenantId: i.tenant,
              tenant: names.get(i.tenant) ?? i.tenant,
              typeId: i.type,
              type: ctx.label('type', i.type),
              validUntil: localDay(zone, Date.parse(i.validUntil!)),
              daysLeft: Math.floor((Date.parse(i.validUntil!) - asOf) / DAY_MS),
            },
            links: { device: `/api/v1/devices/${encodeURIComponent(i.id)}` },
          })),
        },
      ],
    };
  },
};
