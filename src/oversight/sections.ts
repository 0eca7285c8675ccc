// The sections of the overview and the periodic report, in the report's order. Each is a
// provider (figures.ts): to add one (inspections, campaigns…), write a provider and list it in
// `sectionProviders`; the overview, the JSON, the XLSX and the PDF then all carry it.
import type { AlertTimes } from '../store/alerts.ts';
import { DAY_MS, localDay } from './period.ts';
import { rankReadiness, READINESS_RULES, type LotTally } from './readiness.ts';
import {
  AGE_BUCKETS,
  DUE_HORIZONS,
  VERIFICATION_STATES,
  dueWithin,
  enterpriseStanding,
  medianResolveDays,
  openAt,
  openedIn,
  percent1,
  resolvedIn,
  type FiguresContext,
  type Row,
  type Section,
  type SectionProvider,
} from './figures.ts';

/** The lots store's hook: lots of pre-packaged goods judged per enterprise in [from, to). */
export interface LotsSource {
  tallies(tenants: readonly string[], from: number, to: number): ReadonlyMap<string, LotTally>;
}

/** Sources of sections beyond the core facts; each optional (its section is left out without it). */
export interface SectionSources {
  lots?: LotsSource;
}

export function sectionProviders(sources: SectionSources = {}): SectionProvider[] {
  return [
    enterprisesSection(sources),
    instrumentsSection,
    checksSection,
    alertsSection,
    dueSection,
    trendsSection,
    // inspections and campaigns: their providers go here
    ...(sources.lots ? [lotsSection(sources.lots)] : []),
  ];
}

const iso = (t: number) => new Date(t).toISOString();
/** The period's instants as list filters. */
const periodQuery = (ctx: FiguresContext) => ({ from: iso(ctx.facts.period.from), to: iso(ctx.facts.period.to) });
const live = (ctx: FiguresContext, href: string) => (ctx.live ? href : null);

/** Checks and failures of devices in the period (all months), by a key of the device. */
function checkTotals(ctx: FiguresContext, keyOf: (device: string) => string | undefined): Map<string, { checks: number; failed: number }> {
  const out = new Map<string, { checks: number; failed: number }>();
  for (const c of ctx.facts.checkCounts) {
    const k = keyOf(c.device);
    if (k === undefined) continue;
    const t = out.get(k) ?? { checks: 0, failed: 0 };
    t.checks += c.checks;
    t.failed += c.failed;
    out.set(k, t);
  }
  return out;
}

/** Enterprises by verification standing, and the programme's table: one row per enterprise with its readiness score. */
function enterprisesSection(sources: SectionSources): SectionProvider {
  return {
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
        lots: sources.lots?.tallies(facts.enterprises.map((e) => e.id), asOf - READINESS_RULES.alertWindowDays * DAY_MS, asOf),
      });
      const scoreOf = new Map(ranking.map((r) => [r.tenant, r]));
      const tenantOf = new Map(facts.instruments.map((i) => [i.id, i.tenant]));
      const checks = checkTotals(ctx, (d) => tenantOf.get(d));
      const standings = facts.enterprises.map((e) => enterpriseStanding(facts.instruments.filter((i) => i.tenant === e.id).map((i) => i.state)));
      const rows: Row[] = facts.enterprises.map((e) => {
        const mine = facts.instruments.filter((i) => i.tenant === e.id);
        const count = (s: string) => mine.filter((i) => i.state === s).length;
        const c = checks.get(e.id) ?? { checks: 0, failed: 0 };
        return {
          values: {
            tenant: e.id,
            name: e.name,
            region: e.region,
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
        ],
        tables: [
          {
            id: 'enterprises',
            label: ctx.t('ov.enterprises.table'),
            columns: [
              { id: 'tenant', label: ctx.t('ov.col.tenant'), type: 'text' },
              { id: 'name', label: ctx.t('ov.col.name'), type: 'text' },
              { id: 'region', label: ctx.t('ov.col.region'), type: 'text' },
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
}

/** Instruments by verification state, overall and by type, as of the period's end. */
const instrumentsSection: SectionProvider = {
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
              values: { typeId: type, type: ctx.label('type', type), total: mine.length, ...Object.fromEntries(VERIFICATION_STATES.map((s) => [s, mine.filter((i) => i.state === s).length])) },
              links,
            };
          }),
        },
      ],
    };
  },
};

/** Checks against references made in the period and how many failed (legal decision fail), overall and by type. */
const checksSection: SectionProvider = {
  id: 'checks',
  build(ctx) {
    const typeOf = new Map(ctx.facts.instruments.map((i) => [i.id, i.type]));
    const byType = checkTotals(ctx, (d) => typeOf.get(d));
    let checks = 0;
    let failed = 0;
    for (const c of ctx.facts.checkCounts) {
      checks += c.checks;
      failed += c.failed;
    }
    const q = periodQuery(ctx);
    return {
      id: 'checks',
      label: ctx.t('ov.checks'),
      figures: [
        { id: 'checks', label: ctx.t('ov.checks.checks'), value: checks, unit: 'count', href: ctx.href('/api/v1/checks', q) },
        { id: 'failed', label: ctx.t('ov.checks.failed'), value: failed, unit: 'count', href: ctx.href('/api/v1/checks', { ...q, decision: 'failed' }) },
        { id: 'failRate', label: ctx.t('ov.checks.failRate'), value: percent1(failed, checks), unit: 'percent', href: ctx.href('/api/v1/checks', { ...q, decision: 'failed' }) },
      ],
      tables: [
        {
          id: 'byType',
          label: ctx.t('ov.checks.byType'),
          columns: [
            { id: 'type', label: ctx.t('ov.col.type'), type: 'text' },
            { id: 'checks', label: ctx.t('ov.col.checks'), type: 'count' },
            { id: 'failed', label: ctx.t('ov.col.failed'), type: 'count' },
            { id: 'failRate', label: ctx.t('ov.col.failRate'), type: 'percent' },
          ],
          rows: [...byType.entries()]
            .sort((a, b) => a[0].localeCompare(b[0]))
            .map(([type, c]) => ({
              values: { typeId: type, type: ctx.label('type', type), checks: c.checks, failed: c.failed, failRate: percent1(c.failed, c.checks) },
              links: { checks: ctx.href('/api/v1/checks', { ...q, type }), failed: ctx.href('/api/v1/checks', { ...q, type, decision: 'failed' }) },
            })),
        },
      ],
    };
  },
};

/** [from, to) of an open-alert age bucket as of asOf; an unbounded side is undefined. */
export function ageWindow(asOf: number, minDays: number, maxDays: number): { from?: number; to?: number } {
  return { from: Number.isFinite(maxDays) ? asOf - maxDays * DAY_MS : undefined, to: minDays > 0 ? asOf - minDays * DAY_MS : undefined };
}
const inWindow = (a: AlertTimes, w: { from?: number; to?: number }) => {
  const o = Date.parse(a.openedAt);
  return (w.from === undefined || o >= w.from) && (w.to === undefined || o < w.to);
};

/** Alerts open now (by age and kind), opened and resolved in the period, and how long resolving took. */
const alertsSection: SectionProvider = {
  id: 'alerts',
  build(ctx) {
    const { period, alerts } = ctx.facts;
    const open = alerts.filter((a) => openAt(a, period.asOf));
    const opened = alerts.filter((a) => openedIn(a, period.from, period.to));
    const resolved = alerts.filter((a) => resolvedIn(a, period.from, period.to));
    const openedQ = { openedFrom: iso(period.from), openedTo: iso(period.to) };
    const resolvedQ = { state: 'resolved', resolvedFrom: iso(period.from), resolvedTo: iso(period.to) };
    const kinds = [...new Set([...open, ...opened, ...resolved].map((a) => a.kind))].sort();
    return {
      id: 'alerts',
      label: ctx.t('ov.alerts'),
      figures: [
        { id: 'open', label: ctx.t('ov.alerts.open'), value: open.length, unit: 'count', href: live(ctx, ctx.href('/api/v1/alerts', { state: 'unresolved' })) },
        ...AGE_BUCKETS.map(([id, min, max]) => {
          const w = ageWindow(period.asOf, min, max);
          return {
            id: `age-${id}`,
            label: ctx.t(`ov.age.${id}`),
            value: open.filter((a) => inWindow(a, w)).length,
            unit: 'count' as const,
            href: live(ctx, ctx.href('/api/v1/alerts', { state: 'unresolved', openedFrom: w.from === undefined ? undefined : iso(w.from), openedTo: w.to === undefined ? undefined : iso(w.to) })),
          };
        }),
        { id: 'opened', label: ctx.t('ov.alerts.opened'), value: opened.length, unit: 'count', href: ctx.href('/api/v1/alerts', openedQ) },
        { id: 'resolved', label: ctx.t('ov.alerts.resolved'), value: resolved.length, unit: 'count', href: ctx.href('/api/v1/alerts', resolvedQ) },
        { id: 'medianResolveDays', label: ctx.t('ov.alerts.medianResolveDays'), value: medianResolveDays(alerts, period.from, period.to), unit: 'days', href: ctx.href('/api/v1/alerts', resolvedQ) },
      ],
      tables: [
        {
          id: 'byKind',
          label: ctx.t('ov.alerts.byKind'),
          columns: [
            { id: 'kind', label: ctx.t('ov.col.kind'), type: 'text' },
            { id: 'open', label: ctx.t('ov.col.open'), type: 'count' },
            { id: 'opened', label: ctx.t('ov.col.opened'), type: 'count' },
            { id: 'resolved', label: ctx.t('ov.col.resolved'), type: 'count' },
            { id: 'medianResolveDays', label: ctx.t('ov.col.medianResolveDays'), type: 'days' },
          ],
          rows: kinds.map((kind) => {
            const mine = alerts.filter((a) => a.kind === kind);
            return {
              values: {
                kindId: kind,
                kind: ctx.label('kind', kind),
                open: open.filter((a) => a.kind === kind).length,
                opened: opened.filter((a) => a.kind === kind).length,
                resolved: resolved.filter((a) => a.kind === kind).length,
                medianResolveDays: medianResolveDays(mine, period.from, period.to),
              },
              links: {
                ...(ctx.live ? { open: ctx.href('/api/v1/alerts', { state: 'unresolved', kind }) } : {}),
                opened: ctx.href('/api/v1/alerts', { ...openedQ, kind }),
                resolved: ctx.href('/api/v1/alerts', { ...resolvedQ, kind }),
              },
            };
          }),
        },
      ],
    };
  },
};

/** Instruments whose verification falls due within 30 and 90 days of the period's end. */
const dueSection: SectionProvider = {
  id: 'due',
  build(ctx) {
    const { asOf, zone } = ctx.facts.period;
    const longest = DUE_HORIZONS[DUE_HORIZONS.length - 1];
    const due = ctx.facts.instruments.filter((i) => dueWithin(i, asOf, longest)).sort((a, b) => a.validUntil!.localeCompare(b.validUntil!) || a.id.localeCompare(b.id));
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

/** Month by month: checks made and failed, alerts opened and resolved, median days to resolve. */
const trendsSection: SectionProvider = {
  id: 'trends',
  build(ctx) {
    const { months, checkCounts, alerts } = ctx.facts;
    return {
      id: 'trends',
      label: ctx.t('ov.trends'),
      figures: [],
      tables: [
        {
          id: 'byMonth',
          label: ctx.t('ov.trends.byMonth'),
          columns: [
            { id: 'month', label: ctx.t('ov.col.month'), type: 'month' },
            { id: 'checks', label: ctx.t('ov.col.checks'), type: 'count' },
            { id: 'failed', label: ctx.t('ov.col.failed'), type: 'count' },
            { id: 'alertsOpened', label: ctx.t('ov.col.alertsOpened'), type: 'count' },
            { id: 'alertsResolved', label: ctx.t('ov.col.alertsResolved'), type: 'count' },
            { id: 'medianResolveDays', label: ctx.t('ov.col.medianResolveDays'), type: 'days' },
          ],
          rows: months.map((m, i) => {
            const counts = checkCounts.filter((c) => c.period === i);
            const q = { from: iso(m.from), to: iso(m.to) };
            return {
              values: {
                month: m.key,
                checks: counts.reduce((s, c) => s + c.checks, 0),
                failed: counts.reduce((s, c) => s + c.failed, 0),
                alertsOpened: alerts.filter((a) => openedIn(a, m.from, m.to)).length,
                alertsResolved: alerts.filter((a) => resolvedIn(a, m.from, m.to)).length,
                medianResolveDays: medianResolveDays(alerts, m.from, m.to),
              },
              links: {
                checks: ctx.href('/api/v1/checks', q),
                failed: ctx.href('/api/v1/checks', { ...q, decision: 'failed' }),
                alertsOpened: ctx.href('/api/v1/alerts', { openedFrom: q.from, openedTo: q.to }),
                alertsResolved: ctx.href('/api/v1/alerts', { state: 'resolved', resolvedFrom: q.from, resolvedTo: q.to }),
              },
            };
          }),
        },
      ],
    };
  },
};

/** Lots of pre-packaged goods judged in the period (from the lots store, when there is one). */
function lotsSection(source: LotsSource): SectionProvider {
  return {
    id: 'lots',
    build(ctx) {
      const { period, enterprises } = ctx.facts;
      const tallies = source.tallies(enterprises.map((e) => e.id), period.from, period.to);
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
          { id: 'failed', label: ctx.t('ov.lots.failed'), value: lots - passed, unit: 'count', href: ctx.href('/api/v1/lots', { ...q, result: 'fail' }) },
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
