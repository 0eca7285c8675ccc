// @ts-check
// The checks an overview figure counts (GET /api/v1/checks with its filters): when, which
// instrument, its error against the MPE, and the decision.
import { h } from './dom.js';
import { t, label, fmtDateTime, fmtNum, fmtSigned, fmtUnit } from './i18n.js';
import { S, api } from './session.js';
import { badge, filterChips, pointName, tenantName, zoneOf } from './blocks.js';
import { listPage } from './list-page.js';
/** @import { Device, List, ListedCheck } from './types.js' */

/** @param {HTMLElement} main @param {URLSearchParams} params */
export function checksPage(main, params) {
  /** @type {Record<string, string>} */
  const query = Object.fromEntries(params.entries());
  listPage(main, {
    title: t('checksList'),
    above: () => [filterChips(params, '#/checks')],
    read: () =>
      Promise.all([api().get('/api/v1/checks', { limit: 1000, ...query }), api().get('/api/v1/devices', { region: query.region, tenant: query.tenant })]),
    show: ([checks, devs]) => {
      /** @type {List<ListedCheck>} */
      const r = checks;
      /** @type {List<Device>} */
      const devices = devs;
      const tenantOf = new Map(devices.items.map((d) => [d.id, d.tenant]));
      for (const d of devices.items) S.deviceTypes.set(d.id, d.type);
      const rows = r.items.map((c) =>
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
          h('td', {}, tenantName(tenantOf.get(c.device) ?? '')),
          h('td', { class: 'num' }, `${fmtSigned(c.error)} ${fmtUnit(c.unit)}`),
          h('td', { class: 'num' }, `±${fmtNum(c.mpe)}`),
          h('td', { class: 'num' }, fmtNum(c.uncertainty)),
          h('td', {}, badge(`dec-${c.decision}`, label('decision', c.decision))),
        ),
      );
      return {
        heads: [t('ts'), t('device'), t('tenant'), [t('errorValue'), 'num'], [t('mpeShort'), 'num'], [t('uncertaintyShort'), 'num'], t('decision')],
        rows,
        empty: t('noChecksMatch'),
        count: r.items.length,
      };
    },
  });
}
