// @ts-check
// Enterprise readiness (GET /api/v1/readiness): for an inspector, the ranking per region with the
// parts of each score, to choose Project 996 candidates, downloadable as CSV; for an operator, his
// own enterprise's score, part by part with what raises it (a rank among one is no news to him, and
// choosing candidates is not his to do).
import { h, field, select } from './dom.js';
import { t, lang, label, fmtNum, regionName } from './i18n.js';
import { S, api, ownEnterpriseOnly } from './session.js';
import { badge, downloadButton, filterChips, xlsxButton } from './blocks.js';
import { listPage } from './list-page.js';
/** @import { Readiness, ReadinessPart } from './types.js' */

const PARTS = /** @type {const} */ (['verification', 'checksOnSchedule', 'alertsHandled', 'lotsPassed']);

/** @param {HTMLElement} main @param {URLSearchParams} params region; verification: only enterprises of that standing (an overview figure) */
export function readinessPage(main, params) {
  if (ownEnterpriseOnly()) return ownReadiness(main);
  const region = params.get('region') ?? '';
  const standing = params.get('verification') ?? '';
  const help = h('p', { class: 'muted' });
  const regions = /** @type {Array<[string, string]>} */ ([
    ['', t('allRegions')],
    ...S.regions.map((r) => /** @type {[string, string]} */ ([r, regionName(r)])),
  ]);
  listPage(main, {
    title: t('rd.title'),
    above: () => [
      help,
      h(
        'form',
        { class: 'filters', 'aria-label': t('filters'), onsubmit: (e) => e.preventDefault() },
        S.regions.length > 1
          ? field(
              t('region'),
              select('region', regions, region, { onchange: (e) => (location.hash = e.target.value ? `#/readiness?region=${e.target.value}` : '#/readiness') }),
            )
          : null,
        h(
          'div',
          { class: 'field field-action' },
          downloadButton(t('rd.downloadCsv'), '/api/v1/readiness', () => ({ format: 'csv', region, lang: lang() }), 'readiness.csv'),
          ' ',
          xlsxButton('/api/v1/readiness', () => ({ region, lang: lang() }), 'readiness.xlsx'),
        ),
      ),
      filterChips(params, '#/readiness'),
    ],
    read: () => api().get('/api/v1/readiness', { region }),
    show: (/** @type {Readiness} */ r) => {
      const w = r.rules.weights;
      help.textContent = t('rd.help', {
        verification: w.verification,
        checks: w.checksOnSchedule,
        alerts: w.alertsHandled,
        lots: w.lotsPassed,
        days: r.rules.checkWithinDays,
      });
      const items = r.items.filter((i) => !standing || i.standing === standing);
      // the enterprise's name heads its row (a card on a phone); its rank comes first on a wide screen
      const rows = items.map((i) =>
        h(
          'tr',
          { 'data-tenant': i.tenant },
          h('td', { class: 'rank' }, i.rank === null ? '—' : String(i.rank)),
          h('th', { scope: 'row' }, h('a', { href: `#/instruments?tenant=${encodeURIComponent(i.tenant)}` }, i.name)),
          h('td', {}, regionName(i.region)),
          h(
            'td',
            { class: 'num' },
            i.score === null
              ? '—'
              : h(
                  'span',
                  { class: 'score' },
                  h('strong', {}, fmtNum(i.score, 0)),
                  h('span', { class: 'meter', 'aria-hidden': 'true' }, h('span', { class: `fill fill-${Math.round((i.score ?? 0) / 10)}` })),
                ),
          ),
          h('td', {}, badge(`verif verif-${i.standing}`, label('verif', i.standing))),
          PARTS.map((p) => h('td', { class: 'num' }, part(i.parts[p]))),
        ),
      );
      /** @type {Array<string | [string, string]>} */
      const heads = [
        t('rd.rank'),
        t('ov.col.name'),
        t('ov.col.region'),
        [t('rd.score'), 'num'],
        t('rd.standing'),
        ...PARTS.map((p) => /** @type {[string, string]} */ ([t(`rd.part.${p}`), 'num'])),
      ];
      return { heads, rows, empty: t('rd.none'), table: { class: 'readiness' } };
    },
  });
}

/** A part of a score: its share and what it is a share of; n/a without a basis. @param {ReadinessPart} p */
function part(p) {
  if (p.share === null) return h('span', { class: 'muted' }, t('rd.noBasis'));
  return h('span', {}, `${fmtNum(p.share, 1)} %`, h('small', { class: 'muted' }, ` (${p.numerator}/${p.denominator})`));
}

/**
 * An operator's own readiness: the score and standing, then each part with its weight, where it stands
 * and what raises it.
 * @param {HTMLElement} main
 */
function ownReadiness(main) {
  const help = h('p', { class: 'muted' });
  listPage(main, {
    title: t('rd.ownTitle'),
    above: () => [help],
    read: () => api().get('/api/v1/readiness'),
    show: (/** @type {Readiness} */ r) => {
      const w = r.rules.weights;
      const i = r.items[0];
      help.textContent = t('rd.ownHelp');
      if (!i) return { heads: [], rows: [], empty: t('rd.ownNone') };
      main.querySelector('.own-score')?.remove();
      help.after(
        h(
          'p',
          { class: 'own-score', 'data-tenant': i.tenant },
          `${t('rd.ownScore', { name: i.name })} `,
          i.score === null ? h('strong', {}, '—') : h('strong', { class: 'score' }, `${fmtNum(i.score, 0)}/100`),
          ' · ',
          badge(`verif verif-${i.standing}`, label('verif', i.standing)),
        ),
      );
      const rows = PARTS.map((p) =>
        h(
          'tr',
          { 'data-part': p },
          h('th', { scope: 'row' }, t(`rd.part.${p}`)),
          h('td', { class: 'num' }, `${w[p]} %`),
          h('td', { class: 'num' }, part(i.parts[p])),
          h(
            'td',
            {},
            t(`rd.raise.${p}`, {
              days: r.rules.checkWithinDays,
              drift: r.rules.alertDeadlineDays.drift ?? '—',
              oot: r.rules.alertDeadlineDays['out-of-tolerance'] ?? '—',
            }),
          ),
        ),
      );
      return { heads: [t('rd.part'), [t('rd.weight'), 'num'], [t('rd.now'), 'num'], t('rd.raise')], rows, empty: t('rd.ownNone') };
    },
  });
}
