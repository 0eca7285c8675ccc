// @ts-check
// The overview, an inspector's landing page: how the province is doing. Tiles with the figures
// of GET /api/v1/overview, bars of the instruments' verification states, the 12-month trend of
// checks failed and alerts opened; every figure links to the console page listing it.
import { h, clear, field, select } from './dom.js';
import { t, lang, fmtDate, fmtDateTime, fmtMonth, fmtNum, fmtP, fmtSigSigned, regionName, setDefaultZone } from './i18n.js';
import { S, api, ownEnterpriseOnly } from './session.js';
import { barChart, trendChart } from './chart.js';
import { chartWidth, consoleHref, errorBox, section, table, typeName } from './blocks.js';
/** @import { Child } from './dom.js' */
/** @import { Figure, FigureSection, FigureTable, Figures, PlaceLean } from './types.js' */

/** The landing page shows what is wrong first; sections it does not know go last, as they come. */
const ORDER = ['instruments', 'alerts', 'due', 'trends', 'checks', 'enterprises'];
/** Colour of a figure's tile by what it means. */
const TONE = /** @type {Record<string, string>} */ ({
  valid: 'ok',
  'due-soon': 'warn',
  expired: 'crit',
  none: 'muted',
  'age-7to30d': 'warn',
  'age-over30d': 'crit',
  failed: 'crit',
  due30: 'warn',
});

/** @param {HTMLElement} main @param {URLSearchParams} params */
export function overviewPage(main, params) {
  const region = params.get('region') ?? '';
  const body = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const asOf = h('p', { class: 'muted as-of' });
  const regions = /** @type {Array<[string, string]>} */ ([
    ['', t('allRegions')],
    ...S.regions.map((r) => /** @type {[string, string]} */ ([r, regionName(r)])),
  ]);
  main.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('overview')),
      S.regions.length > 1
        ? h(
            'form',
            { class: 'region-pick', 'aria-label': t('filters'), onsubmit: (e) => e.preventDefault() },
            field(
              t('region'),
              select('region', regions, region, { onchange: (e) => (location.hash = e.target.value ? `#/overview?region=${e.target.value}` : '#/overview') }),
            ),
          )
        : null,
    ),
    asOf,
    body,
  );
  api()
    .get('/api/v1/overview', { region, lang: lang() })
    .then((/** @type {Figures} */ f) => {
      if (!body.isConnected) return; // another page was opened meanwhile
      // the overview's months and days are those of the gateway's default zone, which it names
      setDefaultZone(f.timeZone);
      asOf.textContent = t('ov.asOf', { time: fmtDateTime(f.asOf, f.timeZone) });
      // an operator's enterprises section is his own enterprise once more: its instruments, alerts and
      // checks are the sections above, its score the readiness page
      const sections = [...f.sections].filter((s) => !(ownEnterpriseOnly() && s.id === 'enterprises')).sort((a, b) => rank(a.id) - rank(b.id));
      // the places leaning their user's way come after the alerts: what an inspector plans a visit by
      const rendered = sections.map(renderSection);
      const at = sections.findIndex((x) => x.id === 'alerts');
      rendered.splice(at < 0 ? rendered.length : at + 1, 0, placesSection(region));
      clear(body).append(...rendered);
    })
    .catch((e) => body.isConnected && clear(body).append(errorBox(e)));
}

/** Days of checks GET /api/v1/places judges by default (PLACES_DEFAULT_DAYS in src/api/routes/oversight.ts). */
const PLACES_DAYS = 90;

/**
 * The places of business whose instruments' checks of the last 90 days lean to their user's favour (GET
 * /api/v1/places?findings=true; NIST HB44 G-UR.4.1), filled in when they come.
 * @param {string} region
 */
function placesSection(region) {
  const content = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const card = section(t('pl.title'), h('p', { class: 'muted' }, t('pl.intro', { days: PLACES_DAYS })), content);
  card.setAttribute('data-section', 'places');
  api()
    .get('/api/v1/places', { findings: 'true', ...(region ? { region } : {}) })
    .then((/** @type {{ items: PlaceLean[] }} */ r) => {
      if (!content.isConnected) return;
      if (r.items.length === 0) return void clear(content).append(h('p', { class: 'muted' }, t('pl.none')));
      /** @type {Array<string | [string, string]>} */
      const heads = [
        t('ov.col.tenant'),
        t('pl.site'),
        t('pl.type'),
        t('pl.favoured'),
        [t('pl.instruments'), 'num'],
        [t('pl.checks'), 'num'],
        [t('pl.onSeller'), 'num'],
        [t('pl.onBuyer'), 'num'],
        [t('pl.meanMpe'), 'num'],
        ['p', 'num'],
      ];
      const rows = r.items.map((i) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, h('a', { href: `#/instruments?tenant=${encodeURIComponent(i.tenant)}` }, i.tenant)),
          h('td', {}, i.site ?? t('pl.noSite')),
          h('td', {}, typeName(i.type)),
          h('td', {}, t(`pl.${i.favoured}`)),
          h('td', { class: 'num' }, String(i.instruments)),
          h('td', { class: 'num' }, String(i.checks)),
          h('td', { class: 'num' }, String(i.onSellerSide)),
          h('td', { class: 'num' }, String(i.onBuyerSide)),
          h('td', { class: 'num' }, fmtSigSigned(i.meanErrorMpe, 2)),
          h('td', { class: 'num' }, fmtP(i.pValue)),
        ),
      );
      clear(content).append(table(t('pl.title'), heads, rows, { stack: true }));
    })
    .catch((e) => content.isConnected && clear(content).append(errorBox(e)));
  return card;
}

/** @param {string} id */
const rank = (id) => (ORDER.includes(id) ? ORDER.indexOf(id) : ORDER.length);

/** @param {Figure} f */
function figureText(f) {
  if (f.value === null) return '—';
  const n = fmtNum(f.value, 1);
  return f.unit === 'percent' ? `${n} %` : f.unit === 'days' ? `${n} ${t('report.days')}` : n;
}

/** A figure as a tile, a link to its list when it has one. @param {string} sectionId @param {Figure} f */
function tile(sectionId, f) {
  const href = consoleHref(f.href);
  const attrs = { class: `tile tone-${TONE[f.id] ?? 'plain'}`, 'data-figure': `${sectionId}.${f.id}` };
  const inner = [h('span', { class: 'tile-value' }, figureText(f)), h('span', { class: 'tile-label' }, f.label)];
  return href ? h('a', { ...attrs, href, title: t('ov.link') }, inner) : h('div', attrs, inner);
}

/** @param {FigureSection} s */
function renderSection(s) {
  /** @type {Child[]} */
  const parts = [];
  if (s.figures.length)
    parts.push(
      h(
        'div',
        { class: 'tiles' },
        s.figures.map((f) => tile(s.id, f)),
      ),
    );
  if (s.id === 'instruments') parts.push(statesChart(s));
  if (s.id === 'trends') parts.push(trend(s));
  for (const tb of s.tables) {
    if (s.id === 'trends') parts.push(h('details', { class: 'more' }, h('summary', {}, tb.label), figureTable(tb)));
    else parts.push(h('h3', {}, tb.label), figureTable(tb));
  }
  const card = section(s.label, ...parts);
  card.setAttribute('data-section', s.id);
  return card;
}

/** Bars of the instruments' verification states, each a link to its list. @param {FigureSection} s */
function statesChart(s) {
  const states = s.figures.filter((f) => f.id !== 'total');
  const total = s.figures.find((f) => f.id === 'total')?.value ?? 0;
  return barChart(
    states.map((f) => ({ label: f.label, value: f.value ?? 0, cls: `tone-${TONE[f.id] ?? 'plain'}`, href: consoleHref(f.href) })),
    {
      title: t('ov.chartStates'),
      desc: t('ov.chartStatesDesc', { n: total, parts: states.map((f) => `${f.label} ${f.value}`).join(', ') }),
      width: Math.min(chartWidth(), 640),
    },
  );
}

/** The month-by-month line of checks failed and alerts opened. @param {FigureSection} s */
function trend(s) {
  const rows = s.tables.find((x) => x.id === 'byMonth')?.rows ?? [];
  const months = rows.map((r) => String(r.values.month));
  const col = (/** @type {string} */ id) => rows.map((r) => Number(r.values[id] ?? 0));
  const failed = col('failed');
  const opened = col('alertsOpened');
  const sum = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0);
  return trendChart(
    months,
    [
      { label: t('ov.checks.failed'), cls: 'series-failed', values: failed },
      { label: t('ov.alerts.opened'), cls: 'series-opened', values: opened },
    ],
    {
      title: t('ov.chartTrend'),
      desc: t('ov.chartTrendDesc', {
        from: fmtMonth(months[0] ?? ''),
        to: fmtMonth(months[months.length - 1] ?? ''),
        checks: sum(failed),
        alerts: sum(opened),
      }),
      width: chartWidth(),
    },
  );
}

/** A table of a section, its counts linking to their lists. @param {FigureTable} tb */
function figureTable(tb) {
  const heads = tb.columns.map((c) => (c.type === 'text' ? c.label : /** @type {[string, string]} */ ([c.label, 'num'])));
  const rows = tb.rows.map((r) =>
    h(
      'tr',
      {},
      tb.columns.map((c, i) => {
        const v = r.values[c.id];
        const text =
          v === null || v === undefined
            ? '—'
            : c.type === 'month'
              ? fmtMonth(String(v))
              : c.type === 'date'
                ? fmtDate(String(v))
                : typeof v === 'number'
                  ? fmtNum(v, 1)
                  : v;
        const href = consoleHref(r.links?.[c.id]);
        const content = href ? h('a', { href }, text) : text;
        return i === 0 ? h('th', { scope: 'row' }, content) : h('td', { class: c.type === 'text' ? '' : 'num' }, content);
      }),
    ),
  );
  // counts by one label (type, kind, month) stay a table on a phone, scrolling if they must;
  // lists of instruments or enterprises become cards
  const counts = tb.columns.slice(1).every((c) => c.type !== 'text');
  return rows.length ? table(tb.label, heads, rows, { stack: !counts, class: 'figures' }) : h('p', { class: 'muted' }, t('report.noRows'));
}
