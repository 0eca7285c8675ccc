// @ts-check
// Small building blocks the pages share: names, badges, errors, cards, fact lists, tables,
// filter options, the drift statistics and the download button.
import { h, nextId } from './dom.js';
import {
  t,
  label,
  lang,
  DICTS,
  defaultZone,
  figureAsWritten,
  fmtDate,
  fmtDateTime,
  fmtSig,
  fmtSigSigned,
  fmtUnit,
  negligibleAgainst,
  regionName,
  todayIn,
} from './i18n.js';
import { ApiError } from './api.js';
import { figureForInput, readDecimal } from './package-values.js';
import { refusalInVietnamese } from './refusal-words.js';
import { S, api } from './session.js';
/** @import { Child } from './dom.js' */
/** @import { Key } from './i18n.js' */
/** @import { Query } from './api.js' */
/** @import { FieldNames, Refusal } from './refusal-words.js' */
/** @import { Alert, Check, Device, Drift, Tenant, Verification } from './types.js' */

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
/**
 * A person as the gateway records who acted (an alert's ackBy, a finding's answeredBy…): `role:name`
 * or `role:name:tokenId` (src/api/http.ts actorOf; the token id 12 hex digits, "bootstrap" for
 * MAG_ADMIN_TOKEN; the demo's history writes "demo"), or `system` for the gateway itself. Said as the
 * name with the side it acts for: "Quản lý tayninh-xd (doanh nghiệp)", "Nguyễn Văn Thắng (kiểm tra viên)";
 * the token id, the last part when it is one word, is left out (it names a credential, not a person), as
 * the printed inspection record leaves it out (src/inspections/record-pdf.ts actorName). A string of
 * another shape is shown as recorded.
 * @param {string | null | undefined} actor
 */
export const actorName = (actor) => {
  if (!actor) return '—';
  if (actor === 'system') return t('system');
  const m = /^(admin|operator|inspector):(.+?)(?::[^\s:]+)?$/s.exec(actor);
  if (!m) return actor;
  return `${m[2]} (${label('actor', m[1])})`;
};
/** @param {string} cls @param {string} text */
export const badge = (cls, text) => h('span', { class: `badge ${cls}` }, text);
/**
 * The field errors of an English refusal: the gateway's messages name their field; older ones did not.
 * @param {unknown} details
 * @returns {string[]}
 */
const englishDetails = (details) =>
  Array.isArray(details)
    ? details.map((d) =>
        // "(lot)", "(root)": a reason about the whole request, said without a field
        String(d?.message).startsWith(`${d?.path} `) || String(d?.path).startsWith('(') ? String(d?.message) : `${d?.path}: ${d?.message}`,
      )
    : [];
/** A fetch that never reached the gateway (offline, the gateway down): fetch rejects with a TypeError. @param {unknown} e */
const unreachable = (e) => e instanceof TypeError && !(e instanceof ApiError);
/**
 * A refusal as refusal-words.js reads it: the API's, or a network failure as status 0; undefined for
 * the console's own errors (already in the reader's language).
 * @param {unknown} e
 * @returns {Refusal | undefined}
 */
const refusalOf = (e) =>
  e instanceof ApiError
    ? { status: e.status, code: e.code, message: e.message, details: e.details }
    : unreachable(e)
      ? { status: 0, code: 'network', message: String(/** @type {Error} */ (e).message) }
      : undefined;
/**
 * What went wrong, for the person, as one line (a status text): in Vietnamese the lead and the
 * reasons told (refusal-words.js); in English the API's refusal with its field errors.
 * @param {unknown} e @param {FieldNames} [fields] the form's labels of the API's fields
 */
export const errorText = (e, fields) => {
  const r = refusalOf(e);
  if (r && lang() === 'vi') {
    const told = refusalInVietnamese(r, fields);
    return [told.lead, ...told.lines.map((l) => (l.field ? `${l.field}: ${l.text}` : l.text))].join(' — ');
  }
  if (e instanceof ApiError) {
    if (e.status === 404) return t('notFound');
    if (e.status === 403) return `${t('forbidden')} (${e.message})`;
    const details = englishDetails(e.details);
    return details.length ? `${e.message} — ${details.join('; ')}` : e.message;
  }
  return String(/** @type {{ message?: unknown } | null | undefined} */ (e)?.message ?? e);
};
/**
 * What went wrong, as a box: the lead, then each reason on its own line. In Vietnamese the reasons
 * name the form's fields by its labels (`fields`) and the API's English, kept for support, is folded
 * under "Chi tiết kỹ thuật"; in English the API's message and its field errors as sent.
 * @param {unknown} e @param {FieldNames} [fields] the form's labels of the API's fields (refusal-words.js)
 */
export const errorBox = (e, fields) => {
  const r = refusalOf(e);
  if (r && lang() === 'vi') {
    const told = refusalInVietnamese(r, fields);
    const english = [r.message, ...englishDetails(r.details)];
    return h(
      'div',
      { class: 'error', role: 'alert' },
      h('p', {}, told.lead),
      told.lines.length
        ? h(
            'ul',
            {},
            told.lines.map((l) => h('li', {}, l.field ? [h('strong', {}, l.field), `: ${l.text}`] : l.text)),
          )
        : null,
      // the API's own words, for whoever the reader asks for help; the status says which kind of refusal it was
      r.status === 0
        ? null
        : h(
            'details',
            { class: 'technical' },
            h('summary', {}, t('technicalDetails')),
            h('p', { lang: 'en' }, `HTTP ${r.status} ${r.code}`),
            h(
              'ul',
              { lang: 'en' },
              english.map((x) => h('li', {}, x)),
            ),
          ),
    );
  }
  const details = e instanceof ApiError && e.status !== 404 && e.status !== 403 ? englishDetails(e.details) : [];
  if (!details.length) return h('p', { class: 'error', role: 'alert' }, errorText(e));
  // several reasons (a lot the plans cannot judge, packages refused): each on its own line
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('p', {}, /** @type {ApiError} */ (e).message),
    h(
      'ul',
      {},
      details.map((x) => h('li', {}, x)),
    ),
  );
};
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
  labelCells(headers, rows);
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
 * Gives each cell of `rows` its column's name (data-label), which a phone shows beside the value when
 * the table is cards; rows added to a table later (a list shown a page at a time) are named the same way.
 * @param {Array<string | [name: string, cls: string]>} headers @param {Child[]} rows <tr>s
 */
export function labelCells(headers, rows) {
  const names = headers.map((x) => (Array.isArray(x) ? x[0] : x));
  for (const tr of rows.flat()) {
    if (!(tr instanceof HTMLTableRowElement)) continue;
    [...tr.cells].forEach((cell, i) => {
      if (cell.tagName === 'TD' && !cell.hasAttribute('data-label') && names[i] !== undefined) cell.setAttribute('data-label', names[i]);
    });
  }
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

/** The alert kinds that name an instrument's state by themselves, worst first: its badge in the status column. */
const STATUS_KINDS = /** @type {const} */ (['out-of-tolerance', 'tamper', 'sealed-in-use']);

/**
 * An instrument's state from its unresolved alerts (GET /api/v1/alerts?state=unresolved: one request
 * for a whole list), beside its verification: an instrument whose checks fail again and again is
 * still "verified" until its certificate runs out. `rank` orders a list worst first.
 * @param {Pick<Device, 'sealed'>} d @param {Alert[]} unresolved its alerts, open or acknowledged
 */
export function instrumentStatus(d, unresolved) {
  const critical = unresolved.filter((a) => a.severity === 'critical').length;
  const warning = unresolved.filter((a) => a.severity === 'warning').length;
  const kinds = STATUS_KINDS.filter((k) => unresolved.some((a) => a.kind === k));
  const sealed = !!d.sealed;
  const rank = (sealed ? 1000 : 0) + (kinds.includes('out-of-tolerance') ? 500 : 0) + (kinds.includes('tamper') ? 250 : 0) + critical * 10 + warning;
  return { critical, warning, kinds, sealed, rank };
}

/**
 * The status as badges: sealed off, out of tolerance, tampered with, then how many critical and
 * warning alerts are unresolved; "no unresolved alert" when there are none.
 * @param {ReturnType<typeof instrumentStatus>} st
 */
export function statusBadges(st) {
  /** @type {Child[]} */
  const parts = [];
  if (st.sealed) parts.push(badge('sev sev-critical', t('sealedOff')));
  for (const k of st.kinds) if (k !== 'sealed-in-use' || !st.sealed) parts.push(badge('sev sev-critical', label('istatus', k)));
  const counts = [st.critical ? t('nCritical', { n: st.critical }) : '', st.warning ? t('nWarning', { n: st.warning }) : ''].filter(Boolean).join(' · ');
  if (counts) parts.push(h('small', { class: st.critical ? 'crit' : 'warn' }, counts));
  if (!parts.length) return h('span', { class: 'muted', 'data-status': 'ok' }, t('noUnresolvedAlerts'));
  return h(
    'span',
    { class: 'status', 'data-status': st.kinds[0] ?? (st.sealed ? 'sealed' : st.critical ? 'critical' : 'warning') },
    parts.flatMap((p, i) => (i ? [' ', p] : [p])),
  );
}

/**
 * A predicted out-of-tolerance day, marked when it is already past on the enterprise's calendar.
 * @param {string} day YYYY-MM-DD @param {string} [zone] the enterprise's
 */
export const predictedDay = (day, zone) => (day < todayIn(zone) ? `${fmtDate(day)} (${t('datePast')})` : fmtDate(day));

/** Decisions whose measured error is beyond the MPE (the guarded `fail`, and `conditional-fail`, beyond it but within U). */
const BEYOND_MPE = new Set(['fail', 'conditional-fail']);
/** @param {{ decision?: string } | null | undefined} check */
export const beyondMpe = (check) => !!check?.decision && BEYOND_MPE.has(check.decision);

/**
 * The newest check of a drift series among an instrument's checks (newest first, as the API sends
 * them): whether it already fails says more than a predicted day.
 * @param {Check[]} checks @param {string | null | undefined} series the drift series' key
 */
export const latestOfSeries = (checks, series) => (series ? checks.find((c) => seriesKeyOf(c) === series) : checks[0]);

/**
 * What the drift figures predict, said against where the instrument stands now: "Đã vượt sai số" when
 * its newest check of the series is already beyond the MPE (a prediction is moot), "Đã đến ngày dự báo —
 * cần kiểm tra bằng chuẩn ngay" when the day is past and the checks still pass (or are not at hand), else
 * the day.
 * @param {string | null | undefined} predicted YYYY-MM-DD
 * @param {{ zone?: string, latest?: Check, live?: boolean }} opts latest: the series' newest check; live:
 *   false for figures kept as they were (an alert's evidence once resolved), whose day is only told
 * @returns {{ text: string, state: 'exceeded' | 'reached' | 'predicted' | 'none' }}
 */
export function predictionState(predicted, { zone, latest, live = true }) {
  if (live && beyondMpe(latest)) return { text: t('mpeExceeded'), state: 'exceeded' };
  if (!predicted) return { text: t('noPrediction'), state: 'none' };
  if (live && predicted < todayIn(zone)) return { text: t('predictionReached', { date: fmtDate(predicted) }), state: 'reached' };
  return { text: fmtDate(predicted), state: 'predicted' };
}

/**
 * The EWMA with its limits and signal: the drift endpoint answers the value as `ewma` with `ewmaLimits` and
 * `ewmaSignal` beside it (CONTRACT §4), a drift alert's evidence keeps them as one object.
 * @param {Drift} dr @returns {{ value: number, lowerLimit: number, upperLimit: number, signal: boolean } | null}
 */
function ewmaOf(dr) {
  if (typeof dr.ewma === 'number' && 'ewmaLimits' in dr && dr.ewmaLimits)
    return { value: dr.ewma, lowerLimit: dr.ewmaLimits.lower, upperLimit: dr.ewmaLimits.upper, signal: Boolean(dr.ewmaSignal) };
  return dr.ewma && typeof dr.ewma === 'object' ? dr.ewma : null;
}

/**
 * The drift statistics of a series: its figures to 3 significant digits in their unit (a figure below
 * a millionth of the MPE shown as 0: floating-point noise), and the day it is predicted out of
 * tolerance, said against the newest check when the page has it (predictionState).
 * @param {Drift | null | undefined} dr
 * @param {{ unit?: string, zone?: string, latest?: Check, live?: boolean }} [opts] unit: the series' (driftUnit); zone: the
 *   enterprise's; latest: the series' newest check; live: false for figures kept from the past
 */
export function driftFacts(dr, { unit = '', zone, latest, live = true } = {}) {
  if (!dr || !dr.points) return h('p', { class: 'muted' }, t('noDrift'));
  /** @param {boolean | undefined} on */
  const sig = (on) => (on ? [' ', badge('sev sev-warning', t('signal'))] : null);
  // a device without checks has the bare { high: 0, low: 0 } (no threshold, no signal)
  const cusum = dr.cusum && 'threshold' in dr.cusum ? dr.cusum : undefined;
  const u = unit ? ` ${unit}` : '';
  const noise = negligibleAgainst(dr.tolerance);
  /** @param {unknown} x */
  const q = (x) => `${fmtSig(x, 3, noise)}${u}`;
  /** @param {unknown} x */
  const signedNum = (x) => fmtSigSigned(x, 3, noise);
  /** @param {unknown} x */
  const signed = (x) => `${signedNum(x)}${u}`;
  const predicted = dr.predictedOutOfToleranceAt;
  const said = predictionState(predicted, { zone, latest, live });
  const ewma = ewmaOf(dr);
  return facts([
    dr.series ? [t('series'), seriesName(dr)] : null,
    [t('points'), String(dr.points)],
    [t('slopePerDay'), dr.slopePerDay === null || dr.slopePerDay === undefined ? '—' : signed(dr.slopePerDay)],
    // a steady bias found after the reset: the level the EWMA and CUSUM measure a shift from
    dr.mu0 ? [t('baselineLevel'), signed(dr.mu0)] : null,
    ewma ? [t('ewma'), h('span', {}, signed(ewma.value), sig(ewma.signal))] : null,
    ewma ? [t('ewmaLimits'), `${signedNum(ewma.lowerLimit)} … ${signedNum(ewma.upperLimit)}${u}`] : null,
    dr.cusum ? [t('cusum'), h('span', {}, `${fmtSig(dr.cusum.high, 3, noise)} / ${fmtSig(dr.cusum.low, 3, noise)}${u}`, sig(cusum?.signal))] : null,
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
          {
            class: said.state === 'none' ? '' : said.state === 'predicted' ? 'warn' : 'crit',
            'data-predicted': predicted ?? null,
            'data-prediction': said.state,
          },
          said.text,
        ),
        // the check that already fails: when, so that the reader finds it in the table
        said.state === 'exceeded' && latest ? h('small', { class: 'muted' }, ` (${t('latestCheckFailed', { at: fmtDateTime(latest.ts, zone) })})`) : null,
        said.state === 'predicted' && dr.predictionConfidence
          ? h('small', { class: 'muted' }, ` (${t('predictionBound', { p: fmtSig(dr.predictionConfidence * 100) })})`)
          : null,
      ),
    ],
  ]);
}

/**
 * Why a decimal field's text cannot be read, in the reader's words; '' when it can (or is empty: `required` says that).
 * @param {HTMLInputElement} input
 */
const decimalProblem = (input) => {
  const r = readDecimal(input.value, lang(), { negative: 'negative' in input.dataset });
  if (r.ok || r.problem === 'empty') return '';
  const piece = r.piece ?? input.value.trim();
  if (r.problem === 'point') return t('decimalComma', { piece, fixed: piece.replace('.', ',') });
  if (r.problem === 'comma') return t('decimalPoint', { piece, fixed: piece.includes('.') ? piece.replace(/,/g, '') : piece.replace(',', '.') });
  if (r.problem === 'negative') return t('belowZero', { piece });
  return t('notAFigure', { piece });
};

/**
 * A field for a decimal figure typed by hand (an indication, a scale interval, an uncertainty), read as
 * the reader writes numbers (package-values.js readDecimal): text with the phone's decimal keypad, not a
 * number input, whose browser set to English dropped the comma of "20,06" and gave 2006. What cannot be
 * read keeps the form from being sent (the field's validity) and is said under the field once it is left
 * or the form sent; decimalValue reads it.
 * @param {string} name
 * @param {{ value?: number, negative?: boolean, required?: boolean }} [opts] value: prefilled, in the
 *   reader's notation; negative: a figure below 0 is one of the field's values (an indication, an offset)
 */
export function decimalInput(name, { value, negative = false, required = false } = {}) {
  const input = h('input', { name, type: 'text', inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false', required });
  if (value !== undefined) input.value = figureForInput(value, lang());
  if (negative) input.dataset.negative = '';
  const reason = h('small', { class: 'field-error', id: nextId(`${name}-error`), hidden: true });
  const check = () => {
    const why = decimalProblem(input);
    input.setCustomValidity(why);
    return why;
  };
  const say = () => {
    const why = check();
    if (why && !reason.isConnected) {
      input.after(reason);
      input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), reason.id].filter(Boolean).join(' '));
    }
    reason.textContent = why;
    reason.hidden = !why;
    if (why) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  // the reason is said when the field is left or the form sent, not at each key ("20," on its way to "20,06"), and goes once mended
  input.addEventListener('input', () => {
    if (!check()) say();
  });
  input.addEventListener('change', say);
  input.addEventListener('invalid', say);
  return input;
}

/** Fills a decimalInput with a figure, in the reader's notation. @param {HTMLInputElement} input @param {number | undefined} x undefined: empties it */
export function setDecimal(input, x) {
  input.value = x === undefined ? '' : figureForInput(x, lang());
  input.dispatchEvent(new Event('input'));
}

/**
 * The figure of a decimalInput, undefined when it is empty. Its validity keeps a form with a text that
 * cannot be read from being sent; should one be read all the same, it throws what the field says rather
 * than give a figure that was not typed.
 * @param {HTMLInputElement} input
 */
export function decimalValue(input) {
  const r = readDecimal(input.value, lang(), { negative: 'negative' in input.dataset });
  if (r.ok) return r.value;
  if (r.problem === 'empty') return undefined;
  input.dispatchEvent(new Event('change'));
  throw new Error(decimalProblem(input));
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
        // a report of a year of checks takes a while on a phone's network: the button says it is at work
        status.textContent = t('downloading');
        btn.setAttribute('aria-busy', 'true');
        try {
          const name = await api().download(path, typeof query === 'function' ? query() : query, fallback);
          status.textContent = t('downloaded', { file: name });
        } catch (e) {
          status.textContent = errorText(e);
        } finally {
          btn.disabled = false;
          btn.removeAttribute('aria-busy');
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
