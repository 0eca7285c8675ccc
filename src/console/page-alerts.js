// @ts-check
// The alerts page: the live list, filtered by state, severity, kind and enterprise, and by the
// region and opening or resolution times an overview figure links with.
import { h, clear } from './dom.js';
import { t, label, fmtDateTime } from './i18n.js';
import { S, api, ownEnterpriseOnly } from './session.js';
/** @import { Alert, Device, List } from './types.js' */
import { badge, errorBox, filterChips, options, tenantName, zoneOf } from './blocks.js';
import { enterpriseFilter, filterForm } from './list-page.js';
import { alertKind, alertSummary } from './summaries.js';
import { ALERT_KINDS, ALERT_STATES, SEVERITIES } from './vocabulary.js';

const MAX_LISTED = 300;

/** Filters beyond the form's, which only a link brings (an overview figure). */
const EXTRA = /** @type {const} */ (['region', 'openedFrom', 'openedTo', 'resolvedFrom', 'resolvedTo']);

/** @param {HTMLElement} main @param {URLSearchParams} [params] filters from the link that opened the page */
export function alertsPage(main, params = new URLSearchParams()) {
  /** @type {Partial<Record<(typeof EXTRA)[number], string>>} */
  const extra = {};
  if ([...params.keys()].length) {
    for (const k of /** @type {const} */ (['state', 'severity', 'kind', 'tenant'])) S.filters[k] = params.get(k) ?? '';
    for (const k of EXTRA) {
      const v = params.get(k);
      if (v) extra[k] = k === 'region' ? v : new Date(v).toISOString();
    }
  }
  const listEl = h('ul', { class: 'alerts', 'aria-label': t('alerts') });
  const countEl = h('p', { class: 'muted count', 'aria-live': 'polite' });
  const errEl = h('div');
  const states = options(ALERT_STATES, 'state');
  main.append(
    h('h1', {}, t('alerts')),
    filterForm(
      S.filters,
      [
        ['state', t('state'), [...states.slice(0, 1), ['unresolved', label('state', 'unresolved')], ...states.slice(1)]],
        ['severity', t('severity'), options(SEVERITIES, 'severity')],
        ['kind', t('kind'), options(ALERT_KINDS, 'kind')],
        ...enterpriseFilter(),
      ],
      () => load(),
    ),
    filterChips(params, '#/alerts') ?? '',
    errEl,
    countEl,
    listEl,
  );
  /** @param {Alert} a */
  const matches = (a) =>
    Object.entries(S.filters).every(
      ([k, v]) => !v || (k === 'state' && v === 'unresolved' ? a.state !== 'resolved' : a[/** @type {keyof typeof S.filters} */ (k)] === v),
    ) &&
    (!extra.region || S.tenants.find((x) => x.id === a.tenant)?.region === extra.region) &&
    (!extra.openedFrom || a.openedAt >= extra.openedFrom) &&
    (!extra.openedTo || a.openedAt < extra.openedTo) &&
    (!extra.resolvedFrom || (!!a.resolvedAt && a.resolvedAt >= extra.resolvedFrom)) &&
    (!extra.resolvedTo || (!!a.resolvedAt && a.resolvedAt < extra.resolvedTo));
  /** @type {Set<string>} alerts opened or repeated since the page was shown */
  const fresh = new Set();
  const render = () => {
    const items = [...S.alerts.values()]
      .filter(matches)
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))
      .slice(0, MAX_LISTED);
    clear(listEl);
    if (!items.length) listEl.append(h('li', { class: 'empty muted' }, t('noAlerts')));
    for (const a of items) listEl.append(alertItem(a, fresh.has(a.id)));
    countEl.textContent = t('shown', { n: items.length });
  };
  const load = async () => {
    clear(errEl);
    try {
      /** @type {List<Alert>} */
      const r = await api().get('/api/v1/alerts', { ...S.filters, ...extra, limit: 500 });
      for (const a of r.items) {
        const known = S.alerts.get(a.id);
        if (!known || known.updatedAt <= a.updatedAt) S.alerts.set(a.id, a);
      }
      // the drift figures of a summary are in its instrument's unit: the types of those not known yet
      if (r.items.some((a) => (a.kind === 'drift' || a.kind === 'predicted-oot') && !S.deviceTypes.has(a.device)))
        await api()
          .get('/api/v1/devices')
          .then((/** @type {List<Device>} */ d) => {
            for (const x of d.items) S.deviceTypes.set(x.id, x.type);
          })
          .catch(() => undefined) // summaries without the unit
          .finally(() => {
            // asked once: an instrument not listed (the gateway's own, or gone) stays without a unit
            for (const a of r.items) if (!S.deviceTypes.has(a.device)) S.deviceTypes.set(a.device, '');
          });
    } catch (e) {
      errEl.append(errorBox(e));
    }
    render();
  };
  S.view = {
    onAlert: (a, change) => {
      if (change === 'opened' || change === 'repeated') fresh.add(a.id);
      render();
    },
  };
  render();
  load();
}

/** An alert in a list, linking to its page. @param {Alert} a @param {boolean} fresh just opened or repeated */
export function alertItem(a, fresh) {
  return h(
    'li',
    { class: `alert sev-${a.severity} state-${a.state}${fresh ? ' fresh' : ''}`, 'data-alert-id': a.id, 'data-kind': a.kind, 'data-device': a.device },
    h(
      'a',
      { href: `#/alerts/${encodeURIComponent(a.id)}` },
      h(
        'span',
        { class: 'line1' },
        badge(`sev sev-${a.severity}`, label('severity', a.severity)),
        badge(`state state-${a.state}`, label('state', a.state)),
        h('strong', {}, alertKind(a)),
      ),
      h('span', { class: 'line2' }, h('span', { class: 'dev' }, a.device), ownEnterpriseOnly() ? '' : [' · ', tenantName(a.tenant)]),
      h('span', { class: 'summary' }, alertSummary(a)),
      h(
        'span',
        { class: 'meta muted' },
        `${t('updated')} ${fmtDateTime(a.updatedAt, zoneOf(a.tenant))}`,
        a.count > 1 ? ` · ${t('times', { n: a.count })}` : '',
      ),
    ),
  );
}
