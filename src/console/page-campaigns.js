// @ts-check
// Mobile verification campaigns (kiểm định lưu động): the campaigns of the token's regions with
// their tally, and the form that plans one over a region's markets.
import { h, field, select } from './dom.js';
import { t, fmtDays, todayIn, regionName } from './i18n.js';
import { S, api, mayInspect } from './session.js';
import { section } from './blocks.js';
import { listPage } from './list-page.js';
import { postForm } from './inspection-forms.js';
import { lines } from './page-inspections.js';
/** @import { Campaign, List } from './types.js' */

/**
 * Why the page shows nothing to this token: campaigns are the authority's (admins and inspectors plan
 * and read them, docs/contract.md); an enterprise's operator reaching #/campaigns by a link is told so
 * and where its own results are, instead of a 403 above a form it may not send. Null for those who may.
 */
export function campaignsNotForRole() {
  if (!S.me || mayInspect()) return null; // role unknown (an older gateway): the API says what is refused
  return h(
    'div',
    { class: 'notice', role: 'note', 'data-not-for-role': S.me.role },
    h('p', {}, t('campaignsNotForRole')),
    h(
      'p',
      {},
      t('campaignsWhereInstead'),
      ' ',
      h('a', { href: '#/instruments' }, t('instruments')),
      ', ',
      h('a', { href: '#/inspections' }, t('inspections')),
      '.',
    ),
  );
}

/** @param {HTMLElement} main */
export function campaignsPage(main) {
  const refused = campaignsNotForRole();
  if (refused) {
    main.append(h('h1', {}, t('campaigns')), refused);
    return;
  }
  listPage(main, {
    title: t('campaigns'),
    read: () => api().get('/api/v1/campaigns'),
    show: (/** @type {List<Campaign>} */ r) => ({
      heads: [t('campaignName'), t('region'), t('period'), t('markets'), t('verified'), t('passed'), t('failed')],
      rows: r.items.map((c) =>
        h(
          'tr',
          { 'data-campaign': c.id },
          h('th', { scope: 'row' }, h('a', { href: `#/campaigns/${encodeURIComponent(c.id)}` }, c.name)),
          h('td', {}, regionName(c.region)),
          h('td', {}, fmtDays(c.from, c.to)),
          h('td', { class: 'num' }, `${c.marketsVisited ?? 0}/${c.markets.length}`),
          h('td', { class: 'num' }, String(c.verified ?? 0)),
          h('td', { class: 'num' }, String(c.passed ?? 0)),
          h('td', { class: 'num' }, String(c.failed ?? 0)),
        ),
      ),
      empty: t('noCampaigns'),
    }),
  });
  main.append(planForm());
}

function planForm() {
  const id = h('input', { name: 'id', type: 'text', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', maxlength: 64, autocomplete: 'off' });
  const name = h('input', { name: 'name', type: 'text', required: true, maxlength: 200 });
  const regions = S.me?.regions ?? [];
  const region = regions.length
    ? select(
        'region',
        regions.map((x) => /** @type {const} */ ([x, regionName(x)])),
        regions[0],
        { required: true },
      )
    : h('input', { name: 'region', type: 'text', required: true, pattern: '[A-Z]{2}-[A-Z0-9]{1,3}', placeholder: 'VN-BG' });
  // a campaign's days are the gateway's default zone's (docs/contract.md)
  const today = todayIn();
  const from = h('input', { name: 'from', type: 'date', required: true, value: today });
  const to = h('input', { name: 'to', type: 'date', required: true });
  const markets = h('textarea', { name: 'markets', required: true, rows: 4 });
  const team = h('textarea', { name: 'team', required: true, rows: 2 }, S.me?.name ?? '');
  const authority = h('input', { name: 'authority', type: 'text', maxlength: 200 });
  const form = postForm(
    t('planCampaign'),
    t('planButton'),
    () => ({
      path: '/api/v1/campaigns',
      body: {
        id: id.value.trim(),
        name: name.value.trim(),
        region: region.value.trim(),
        from: from.value,
        to: to.value,
        markets: lines(markets.value).map((l) => {
          const [market, district] = l.split(';').map((x) => x.trim());
          return district ? { name: market, district } : { name: market };
        }),
        team: lines(team.value),
        ...(authority.value.trim() ? { authority: authority.value.trim() } : {}),
      },
    }),
    (/** @type {Campaign} */ c) => {
      S.flash = t('campaignPlanned', { id: c.id });
      location.hash = `#/campaigns/${encodeURIComponent(c.id)}`;
      return S.flash;
    },
    () => undefined,
    field(t('campaignId'), id, t('campaignIdHint')),
    field(t('campaignName'), name),
    field(t('region'), region),
    field(t('from'), from),
    field(t('to'), to),
    field(t('markets'), markets, t('marketsHint')),
    field(t('team'), team, t('oneNamePerLine')),
    field(`${t('issuingAuthority')} (${t('optional')})`, authority),
  );
  return section(t('planCampaign'), form);
}
