// @ts-check
// The checks an overview figure counts (GET /api/v1/checks with its filters): when, which
// instrument, its error against the MPE, and the decision; newest first, 50 at a time.
import { h } from './dom.js';
import { t, label, fmtDateTime, fmtDays, fmtNum, fmtSigned, fmtU, fmtUnit, todayIn } from './i18n.js';
import { S, api, ownEnterpriseOnly } from './session.js';
import { badge, filterChips, pointName, tenantName, zoneOf } from './blocks.js';
import { filterForm, listPage } from './list-page.js';
/** @import { Device, List, ListedCheck } from './types.js' */

/** The periods the page offers when the link that opened it names none, in days back from today. */
const PERIODS = ['30', '90', '365', '730'];
/**
 * The checks shown at a time, newest first: a month of a province's checks is hundreds (811 in the demo, a
 * page 227,000 px tall on a phone as cards); "Show 50 more" below them adds the next.
 */
const STEP = 50;

/**
 * The day `days` days before today, on the gateway's calendar: the period's first day (YYYY-MM-DD).
 * @param {number} days
 */
const daysBack = (days) => new Date(Date.parse(`${todayIn()}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);

/**
 * Opened bare (from the menu or by URL), the page reads a period it names: the last 30 days, as the
 * API does by default, with a choice of longer ones; said above the list, so that an empty list reads
 * "none in the last 30 days", not "none at all" while the instruments have a thousand older ones. A
 * link from an overview figure brings its own period, kept as it is.
 * @param {HTMLElement} main @param {URLSearchParams} params
 */
export function checksPage(main, params) {
  /** @type {Record<string, string>} */
  const query = Object.fromEntries(params.entries());
  const linked = query.from !== undefined || query.to !== undefined;
  const period = { days: '30' };
  const limit = 1000;
  const span = () => (linked ? {} : { from: daysBack(Number(period.days)), to: todayIn() });
  listPage(main, {
    title: t('checksList'),
    above: (reload) => [
      linked ? null : filterForm(period, [['days', t('period'), PERIODS.map((d) => /** @type {[string, string]} */ ([d, t('lastNDays', { n: d })]))]], reload),
      filterChips(params, '#/checks'),
    ],
    read: () =>
      Promise.all([api().get('/api/v1/checks', { limit, ...query, ...span() }), api().get('/api/v1/devices', { region: query.region, tenant: query.tenant })]),
    show: ([checks, devs]) => {
      /** @type {List<ListedCheck>} */
      const r = checks;
      /** @type {List<Device>} */
      const devices = devs;
      const tenantOf = new Map(devices.items.map((d) => [d.id, d.tenant]));
      for (const d of devices.items) S.deviceTypes.set(d.id, d.type);
      /** @param {ListedCheck} c */
      const row = (c) =>
        h(
          'tr',
          { 'data-device': c.device },
          // each check on its own enterprise's clock: the list spans enterprises
          h('th', { scope: 'row' }, fmtDateTime(c.ts, zoneOf(tenantOf.get(c.device)))),
          h(
            'td',
            {},
            h('a', { href: `#/instruments/${encodeURIComponent(c.device)}` }, c.device),
            c.gas || c.point ? h('small', { class: 'muted' }, ` ${[c.gas, pointName(c.point)].filter(Boolean).join(' · ')}`) : null,
          ),
          ownEnterpriseOnly() ? null : h('td', {}, tenantName(tenantOf.get(c.device) ?? '')),
          h('td', { class: 'num' }, `${fmtSigned(c.error)} ${fmtUnit(c.unit)}`),
          h('td', { class: 'num' }, `±${fmtNum(c.mpe)} ${fmtUnit(c.unit)}`),
          h('td', { class: 'num' }, c.uncertainty === null || c.uncertainty === undefined ? '—' : `${fmtU(c.uncertainty)} ${fmtUnit(c.unit)}`),
          h('td', {}, badge(`dec-${c.decision}`, label('decision', c.decision))),
        );
      const { from, to } = span();
      const within = from && to ? t('checksInPeriod', { period: fmtDays(from, to), n: period.days }) : '';
      return {
        heads: [
          t('ts'),
          t('device'),
          ...(ownEnterpriseOnly() ? [] : [t('tenant')]),
          [t('errorValue'), 'num'],
          [t('mpeShort'), 'num'],
          [t('uncertaintyShort'), 'num'],
          t('decision'),
        ],
        rows: r.items.slice(0, STEP).map(row),
        paged: { step: STEP, total: r.items.length, rows: (first, end) => r.items.slice(first, end).map(row) },
        empty: within ? `${t('noChecksInPeriod', { n: period.days })} ${t('chooseLongerPeriod')}` : t('noChecksMatch'),
        // the API answers the newest `limit`: said when the period holds more
        count: r.items.length,
        note: [within, r.items.length >= limit ? t('newestOnly', { n: fmtNum(limit) }) : ''].filter(Boolean).join(' '),
      };
    },
  });
}
