// @ts-check
// Small building blocks the pages share: names, badges, errors, cards, fact lists, tables,
// filter options, the drift statistics and the download button.
import { h, nextId } from './dom.js';
import { t, label, lang, DICTS, defaultZone, figureAsWritten, fmtDate, fmtDateTime, fmtSig, fmtSigSigned, fmtUnit, regionName, todayIn } from './i18n.js';
import { ApiError } from './api.js';
import { S, api } from './session.js';
/** @import { Child } from './dom.js' */
/** @import { Key } from './i18n.js' */
/** @import { Query } from './api.js' */
/** @import { Check, Drift, Tenant, Verification } from './types.js' */

/** @param {string} id */
export const tenantName = (id) => S.tenants.find((x) => x.id === id)?.name ?? id;
/**
 * The IANA zone an enterprise's times and days are read in (its `zoneInEffect`, GET /api/v1/tenants),
 * else the gateway's default zone: what belongs to no enterprise the console knows (the gateway's own
 * alerts, campaigns) is on the gateway's clock, never this browser's.
 * @param {string | null | undefined} id
 */
export const zoneOf = (id) => {
  const x = id ? S.tenants.find((e) => e.id === id) : undefined;
  return x?.zoneInEffect ?? x?.timeZone ?? defaultZone();
};
/**
 * The gateway's default zone as the enterprises listed show it: the zone in effect of one without a
 * zone of its own is MAG_DEFAULT_TIME_ZONE (docs/contract.md, tenants); undefined when every one has its own.
 * @param {Tenant[]} tenants
 */
export const defaultZoneOf = (tenants) => tenants.find((x) => !x.timeZone && x.zoneInEffect)?.zoneInEffect;
/** The instrument type's name: the console's Vietnamese name in Vietnamese, else the profile's. @param {string} id */
export const typeName = (id) => (lang() === 'vi' && DICTS.vi[`type.${id}`]) || S.types.find((x) => x.id === id)?.name || (DICTS.en[`type.${id}`] ?? id);
/** @param {string} cls @param {string} text */
export const badge = (cls, text) => h('span', { class: `badge ${cls}` }, text);
/** What went wrong, for the person: the API's refusal with its field errors, else the error's message. @param {unknown} e */
export const errorText = (e) => {
  if (e instanceof ApiError) {
    if (e.status === 404) return t('notFound');
    if (e.status === 403) return `${t('forbidden')} (${e.message})`;
    // the gateway's messages name their field; older ones did not
    const details = Array.isArray(e.details)
      ? ` — ${e.details.map((d) => (String(d.message).startsWith(`${d.path} `) ? d.message : `${d.path}: ${d.message}`)).join('; ')}`
      : '';
    return `${e.message}${details}`;
  }
  return String(/** @type {{ message?: unknown } | null | undefined} */ (e)?.message ?? e);
};
/** @param {unknown} e */
export const errorBox = (e) => h('p', { class: 'error', role: 'alert' }, errorText(e));
/** A card with a heading. @param {string} title @param {...Child} children */
export const section = (title, ...children) => {
  const id = nextId('sec');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
};
/**
 * A list of facts (name: value); null rows are left out, a missing value shows as —.
 * @param {Array<[name: string, value: Child] | null | false | undefined>} rows
 */
export const facts = (rows) =>
  h(
    'dl',
    { class: 'facts' },
    rows.filter((r) => !!r).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v ?? '—'))),
  );
/**
 * @param {string} caption
 * @param {Array<string | [name: string, cls: string]>} headers a column's name, or its name and class
 * @param {Child[]} rows <tr>s
 * @param {{ stack?: boolean, class?: string }} [opts] stack: false keeps the table a table on a phone
 */
export function table(caption, headers, rows, opts = {}) {
  // a table becomes cards on a phone (.stack), each cell carrying its column's name; long
  // numeric series (readings, checks) stay tables that scroll sideways in their own region
  const names = headers.map((x) => (Array.isArray(x) ? x[0] : x));
  for (const tr of rows.flat()) {
    if (!(tr instanceof HTMLTableRowElement)) continue;
    [...tr.cells].forEach((cell, i) => {
      if (cell.tagName === 'TD' && !cell.hasAttribute('data-label') && names[i] !== undefined) cell.setAttribute('data-label', names[i]);
    });
  }
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h(
      'table',
      { class: `${opts.stack === false ? '' : 'stack '}${opts.class ?? ''}`.trim() },
      h('caption', { class: 'sr-only' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((x) => (Array.isArray(x) ? h('th', { scope: 'col', class: x[1] }, x[0]) : h('th', { scope: 'col' }, x))),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}
/**
 * A filter's options: all, then each value with its label in the group.
 * @param {readonly string[]} values @param {string} [group] @param {string} [allLabel]
 * @returns {Array<[string, string]>}
 */
export const options = (values, group, allLabel = t('all')) => [
  ['', allLabel],
  ...values.map((v) => /** @type {[string, string]} */ ([v, group ? label(group, v) : v])),
];
/** @returns {Array<[string, string]>} */
export const tenantOptions = (allLabel = t('all')) => [
  ['', allLabel],
  ...S.tenants.map((x) => /** @type {[string, string]} */ ([x.id, `${x.name} (${regionName(x.region)})`])),
];
/** @returns {Array<[string, string]>} */
export const typeOptions = (allLabel = t('all')) => [['', allLabel], ...S.types.map((x) => /** @type {[string, string]} */ ([x.id, typeName(x.id)]))];
/** The width a chart in a card of <main> gets, so its text stays legible on a phone. */
export const chartWidth = () => Math.max(300, (document.getElementById('main')?.clientWidth ?? 720) - 60);
/** Has English (so every language) this key? @param {string} key @returns {key is Key} */
export const DICTS_HAS = (key) => key in DICTS.en;
/** @param {string} s */
const escapePart = (s) => s.replace(/[\\,=]/g, (c) => `\\${c}`);
/**
 * The gateway's drift series of a check (docs/metrology.md §5, driftSeriesKey): "gas=CO,point=span,regime=inService".
 * @param {{ gas?: string, point?: string, regime?: string }} c
 */
export const seriesKeyOf = (c) =>
  [c.gas !== undefined && `gas=${escapePart(c.gas)}`, c.point !== undefined && `point=${escapePart(c.point)}`, `regime=${c.regime ?? 'inService'}`]
    .filter(Boolean)
    .join(',');
/**
 * The parts of a series key (the inverse of seriesKeyOf; {} for another string).
 * @param {string | null | undefined} key
 * @returns {{ gas?: string, point?: string, regime?: string }}
 */
export const seriesParts = (key) => {
  /** @type {Record<string, string>} */
  const out = {};
  for (const part of (key ?? '').match(/(?:\\.|[^,\\])+/g) ?? []) {
    const m = /^(gas|point|regime)=(.*)$/s.exec(part);
    if (!m) return {};
    out[m[1]] = m[2].replace(/\\(.)/gs, '$1');
  }
  return out;
};
/**
 * A series as people read it: "CO · span · in service".
 * @param {{ gas?: string, point?: string, regime?: string, series?: string | null }} s its parts, or its key as `series`
 */
export const seriesName = (s) => {
  const p = s.regime ? s : seriesParts(s.series);
  return p.regime ? [p.gas, pointName(p.point), label('regime', p.regime)].filter(Boolean).join(' · ') : (s.series ?? '');
};
/**
 * A test point as the reader says it: its known words in the reader's language ("bump" → "kiểm tra phản
 * ứng" / "bump test", "wet-bath-0.250" → "khí chuẩn ướt 0,250", "GB-50mm" → "căn mẫu 50 mm" / "gauge block
 * 50 mm"), its figures kept; a name the console does not know as the instrument sends it.
 * @param {string | null | undefined} point
 */
export const pointName = (point) => {
  if (!point) return '';
  const words = DICTS[lang()];
  const known = words[`point.${point}`];
  if (known) return known;
  // a word and a figure with its unit: wet-bath-0.250, dry-gas-0.800, GB-50mm, SM-10mm
  const m = /^([A-Za-z][A-Za-z-]*?)-(\d+(?:\.\d+)?)([A-Za-z%]*)$/.exec(point);
  const word = m ? words[`point.${m[1]}`] : undefined;
  return m && word ? `${word} ${figureAsWritten(m[2])}${m[3] ? ` ${m[3]}` : ''}` : point;
};
/** A reading's quantity in the reader's words ("concentration" → "nồng độ"), else as the gateway names it. @param {string | null | undefined} q */
export const quantityName = (q) => (q ? label('quantity', q) : '');
/**
 * The unit of an instrument's drift figures: the canonical unit of its type (of the gas's channel for a
 * gas detector), as the drift API gives its figures (docs/contract.md, drift), written as people write it.
 * @param {string | null | undefined} type the instrument's type id @param {string | null | undefined} [gas]
 */
export const driftUnit = (type, gas) => {
  const p = S.types.find((x) => x.id === type);
  if (!p) return '';
  const channel = gas && p.channels ? p.channels[gas] : undefined;
  return fmtUnit(channel?.canonicalUnit ?? p.canonicalUnit ?? '');
};
/**
 * Checks grouped by the gateway's series (gas, test point, regime): one chart each, as their MPEs differ.
 * @param {Check[]} items
 * @returns {Array<[series: string, checks: Check[]]>}
 */
export const checksBySeries = (items) => {
  /** @type {Map<string, Check[]>} */
  const groups = new Map();
  for (const c of items) {
    const k = seriesKeyOf(c);
    const group = groups.get(k) ?? [];
    if (!groups.has(k)) groups.set(k, group);
    group.push(c);
  }
  return groups.size ? [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0])) : [['', []]];
};
/**
 * The state of an instrument's standing: a calibrated type with no certificate is "not calibrated".
 * @param {Partial<Verification> | null | undefined} v
 */
export function standingLabel(v) {
  const state = v?.state ?? 'none';
  return v?.basis === 'calibration' && state === 'none' ? label('sstate', 'none') : label('verif', state);
}

/** @param {Verification | null | undefined} v */
export const verifBadge = (v) => badge(`verif verif-${v?.state ?? 'none'}`, standingLabel(v));

/**
 * A predicted out-of-tolerance day, marked when it is already past on the enterprise's calendar.
 * @param {string} day YYYY-MM-DD @param {string} [zone] the enterprise's
 */
export const predictedDay = (day, zone) => (day < todayIn(zone) ? `${fmtDate(day)} (${t('datePast')})` : fmtDate(day));

/**
 * The drift statistics of a series: its figures to 3 significant digits in their unit, and the day
 * it is predicted out of tolerance (marked when already past).
 * @param {Drift | null | undefined} dr
 * @param {{ unit?: string, zone?: string }} [opts] unit: the series' (driftUnit); zone: the enterprise's
 */
export function driftFacts(dr, { unit = '', zone } = {}) {
  if (!dr || !dr.points) return h('p', { class: 'muted' }, t('noDrift'));
  /** @param {boolean | undefined} on */
  const sig = (on) => (on ? [' ', badge('sev sev-warning', t('signal'))] : null);
  // a device without checks has the bare { high: 0, low: 0 } (no threshold, no signal)
  const cusum = dr.cusum && 'threshold' in dr.cusum ? dr.cusum : undefined;
  const u = unit ? ` ${unit}` : '';
  /** @param {unknown} x */
  const q = (x) => `${fmtSig(x)}${u}`;
  /** @param {unknown} x */
  const signed = (x) => `${fmtSigSigned(x)}${u}`;
  const predicted = dr.predictedOutOfToleranceAt;
  const past = !!predicted && predicted < todayIn(zone);
  return facts([
    dr.series ? [t('series'), seriesName(dr)] : null,
    [t('points'), String(dr.points)],
    [t('slopePerDay'), dr.slopePerDay === null || dr.slopePerDay === undefined ? '—' : signed(dr.slopePerDay)],
    // a steady bias found after the reset: the level the EWMA and CUSUM measure a shift from
    dr.mu0 ? [t('baselineLevel'), signed(dr.mu0)] : null,
    dr.ewma ? [t('ewma'), h('span', {}, signed(dr.ewma.value), sig(dr.ewma.signal))] : null,
    dr.ewma ? [t('ewmaLimits'), `${fmtSigSigned(dr.ewma.lowerLimit)} … ${fmtSigSigned(dr.ewma.upperLimit)}${u}`] : null,
    dr.cusum ? [t('cusum'), h('span', {}, `${fmtSig(dr.cusum.high)} / ${fmtSig(dr.cusum.low)}${u}`, sig(cusum?.signal))] : null,
    cusum ? [t('cusumThreshold'), q(cusum.threshold)] : null,
    dr.tolerance !== null && dr.tolerance !== undefined ? [t('tolerance'), `±${q(dr.tolerance)}`] : null,
    dr.guardedLimit !== null && dr.guardedLimit !== undefined ? [t('guardedLimit'), `±${q(dr.guardedLimit)}`] : null,
    [
      t('predicted'),
      h(
        'span',
        {},
        h(
          'strong',
          { class: predicted ? 'warn' : '', 'data-predicted': predicted ?? null },
          predicted ? fmtDate(predicted) : t('noPrediction'),
          past ? ` (${t('datePast')})` : '',
        ),
        predicted && dr.predictionConfidence
          ? h('small', { class: 'muted' }, ` (${t('predictionBound', { p: fmtSig(dr.predictionConfidence * 100) })})`)
          : null,
      ),
    ],
  ]);
}

/**
 * A button that downloads a file with the session's token, and says what it got.
 * @param {string} text @param {string} path
 * @param {Query | (() => Query)} query the query, or how to read it from a form when clicked
 * @param {string} fallback the file's name when the answer does not give one
 */
export function downloadButton(text, path, query, fallback) {
  const status = h('span', { role: 'status', class: 'muted' });
  const btn = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        btn.disabled = true;
        status.textContent = '';
        try {
          const name = await api().download(path, typeof query === 'function' ? query() : query, fallback);
          status.textContent = t('downloaded', { file: name });
        } catch (e) {
          status.textContent = errorText(e);
        } finally {
          btn.disabled = false;
        }
      },
    },
    text,
  );
  return h('span', { class: 'download' }, btn, ' ', status);
}

/**
 * The same table as an Excel workbook, beside its CSV button: Excel opens a CSV with the region's list
 * separator (a Vietnamese Windows splits on ';'), the workbook has typed cells and times on the
 * enterprise's clock.
 * @param {string} path
 * @param {Record<string, unknown> | (() => Record<string, unknown>)} query the CSV's query; format becomes xlsx
 * @param {string} fallback
 */
export function xlsxButton(path, query, fallback) {
  return downloadButton(t('downloadXlsx'), path, () => ({ ...(typeof query === 'function' ? query() : query), format: 'xlsx' }), fallback);
}

/** Console pages of the API's lists: a figure's `href` becomes the page showing that list. */
const LIST_PAGES = [
  [/^\/api\/v1\/devices\/([^/?]+)$/, '#/instruments/'],
  [/^\/api\/v1\/devices(\?.*)?$/, '#/instruments'],
  [/^\/api\/v1\/alerts(\?.*)?$/, '#/alerts'],
  [/^\/api\/v1\/checks(\?.*)?$/, '#/checks'],
  [/^\/api\/v1\/(?:tenants|readiness)(\?.*)?$/, '#/readiness'],
];
/**
 * The console page listing what an API query lists, with the same filters; null for none.
 * @param {string | null | undefined} href
 * @returns {string | null}
 */
export function consoleHref(href) {
  if (!href) return null;
  for (const [re, page] of /** @type {Array<[RegExp, string]>} */ (LIST_PAGES)) {
    const m = re.exec(href);
    if (m) return page.endsWith('/') ? `${page}${m[1]}` : `${page}${m[1] ?? ''}`;
  }
  return null;
}

/**
 * The filters a page was opened with (from an overview figure), shown as chips with a way back
 * to the whole list; nothing when there are none.
 * @param {URLSearchParams} params @param {string} page the page's hash without filters
 */
export function filterChips(params, page) {
  const entries = [...params.entries()].filter(([, v]) => v !== '');
  if (!entries.length) return null;
  /** @param {string} k @param {string} v */
  const value = (k, v) => {
    if (/From$|To$|^from$|^to$/.test(k) && /T\d{2}:/.test(v)) return fmtDateTime(v, zoneOf(params.get('tenant')));
    if (k === 'state') return label('state', v);
    if (k === 'kind') return label('kind', v);
    if (k === 'verification' || k === 'status') return label('verif', v);
    if (k === 'decision') return label('decision', v);
    if (k === 'tenant') return tenantName(v);
    if (k === 'type') return typeName(v);
    return v;
  };
  return h(
    'p',
    { class: 'chips', role: 'status' },
    h('span', { class: 'muted' }, t('filteredBy')),
    entries.map(([k, v]) => h('span', { class: 'chip', 'data-filter': k }, `${DICTS_HAS(`fl.${k}`) ? t(/** @type {Key} */ (`fl.${k}`)) : k}: ${value(k, v)}`)),
    h('a', { href: page }, t('clearFilters')),
  );
}
