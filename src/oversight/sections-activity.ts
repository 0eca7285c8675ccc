// Sections of what happened within the period: checks against references, alerts (with the
// ones open at its end by age), and month by month trends.
import type { AlertTimes } from '../store/alerts.ts';
import { DAY_MS } from './period.ts';
import {
  AGE_BUCKETS,
  checkTotals,
  iso,
  live,
  medianResolveDays,
  openAt,
  openedIn,
  percent1,
  periodQuery,
  resolvedIn,
  type SectionProvider,
} from './figures.ts';

/** Checks against references made in the period and how many failed (legal decision fail), overall and by type. */
export const checksSection: SectionProvider = {
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
        {
          id: 'failRate',
          label: ctx.t('ov.checks.failRate'),
          value: percent1(failed, checks),
          unit: 'percent',
          href: ctx.href('/api/v1/checks', { ...q, decision: 'failed' }),
        },
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
export const alertsSection: SectionProvider = {
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
            href: live(
              ctx,
              ctx.href('/api/v1/alerts', {
                state: 'unresolved',
                openedFrom: w.from === undefined ? undefined : iso(w.from),
                openedTo: w.to === undefined ? undefined : iso(w.to),
              }),
            ),
          };
        }),
        { id: 'opened', label: ctx.t('ov.alerts.opened'), value: opened.length, unit: 'count', href: ctx.href('/api/v1/alerts', openedQ) },
        { id: 'resolved', label: ctx.t('ov.alerts.resolved'), value: resolved.length, unit: 'count', href: ctx.href('/api/v1/alerts', resolvedQ) },
        {
          id: 'medianResolveDays',
          label: ctx.t('ov.alerts.medianResolveDays'),
          value: medianResolveDays(alerts, period.from, period.to),
          unit: 'days',
          href: ctx.href('/api/v1/alerts', resolvedQ),
        },
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

/** Month by month: checks made and failed, alerts opened and resolved, median days to resolve. */
export const trendsSection: SectionProvider = {
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
