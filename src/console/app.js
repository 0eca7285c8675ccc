// MAG inspector console: alerts (live), instruments, reports. Calls only the public API, with
// the token the user signed in with (sessionStorage, never the URL). What a role sees is what
// the API returns to its token.
import { h, clear, append, field, select, nextId } from './dom.js';
import { t, label, lang, setLang, LANGS, DICTS, fmtDate, fmtDateTime, fmtNum, fmtSigned } from './i18n.js';
import { Api, ApiError } from './api.js';
import { checksChart } from './chart.js';

const TOKEN_KEY = 'mag.console.token';
const CAPS_KEY = 'mag.console.manage';
const STATES = ['open', 'acknowledged', 'resolved'];
const SEVERITIES = ['critical', 'warning', 'info'];
const KINDS = ['out-of-tolerance', 'conditional', 'drift', 'predicted-oot', 'verification-overdue', 'verification-due-soon', 'tamper', 'out-of-range', 'offline', 'invalid-data', 'journal-capacity'];
const REASONS = ['recalibrated', 'adjusted', 'repaired', 'false-alarm', 'retired', 'other'];
const VERIF = ['valid', 'due-soon', 'expired', 'none'];
const MAX_LISTED = 300;

const S = {
  api: null,
  manage: false, // may register instruments and add certificates (admin, operator), as the API answers
  tenants: [],
  types: [],
  alerts: new Map(),
  filters: { state: '', severity: '', kind: '', tenant: '' },
  devFilters: { tenant: '', type: '', status: '' },
  live: 'off',
  stopStream: null,
  view: null, // { onAlert?(alert, change) }
  flash: null, // message shown once on the next render
};

const root = document.getElementById('app');
setLang(lang());

// ── sign-in ──
function signOut(message) {
  S.stopStream?.();
  S.stopStream = null;
  S.api = null;
  S.alerts.clear();
  sessionStorage.clear(); // the token and what it may do
  renderSignIn(message);
}

function langSelect() {
  return h(
    'label',
    { class: 'lang' },
    h('span', {}, t('language')),
    select('lang', LANGS, lang(), {
      onchange: (e) => {
        setLang(e.target.value);
        document.title = t('appTitle');
        if (S.api) renderShell();
        else renderSignIn();
      },
    }),
  );
}

function renderSignIn(message) {
  document.title = t('appTitle');
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const err = h('p', { class: 'error', role: 'alert', hidden: !message }, message ?? '');
  const btn = h('button', { type: 'submit', class: 'primary' }, t('signIn'));
  const form = h(
    'form',
    {
      class: 'signin card',
      'aria-labelledby': 'signin-title',
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        btn.textContent = t('signingIn');
        const ok = await signIn(input.value.trim());
        if (!ok) {
          btn.disabled = false;
          btn.textContent = t('signIn');
          err.textContent = t('badToken');
          err.hidden = false;
          input.focus();
        }
      },
    },
    h('h1', { id: 'signin-title' }, t('appName')),
    h('p', { class: 'muted' }, t('tagline')),
    field(t('token'), input, t('tokenHint')),
    err,
    btn,
  );
  clear(root).append(h('div', { class: 'signin-page' }, h('div', { class: 'signin-tools' }, langSelect()), form));
  input.focus();
}

async function signIn(token) {
  if (!token) return false;
  const api = new Api(token, () => {
    if (S.api === api) signOut(t('sessionEnded'));
  });
  try {
    const tenants = await api.get('/api/v1/tenants');
    const [types, manage] = await Promise.all([api.get('/api/v1/instrument-types').catch(() => ({ items: [] })), mayManage(api, token)]);
    S.api = api;
    S.tenants = tenants.items;
    S.types = types.items;
    S.manage = manage;
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch (e) {
    if (!(e instanceof ApiError)) console.warn(e);
    return false;
  }
  renderShell();
  startStream();
  return true;
}

/**
 * May this token register instruments and add certificates (admin, operator)? Asked of the API:
 * GET /api/v1/me when the gateway has it, else whether GET /api/v1/webhooks (admin, operator,
 * like POST /devices) is allowed. Remembered for the session so the question is asked once.
 */
async function mayManage(api, token) {
  const key = `${CAPS_KEY}:${token.slice(-12)}`;
  const known = sessionStorage.getItem(key);
  if (known === '1' || known === '0') return known === '1';
  let manage;
  const me = await api.raw('GET', '/api/v1/me');
  if (me.ok) {
    const p = await me.json().catch(() => ({}));
    manage = p.role === 'admin' || p.role === 'operator';
  } else {
    await me.body?.cancel();
    manage = await api.allowed('/api/v1/webhooks');
  }
  for (let i = sessionStorage.length - 1; i >= 0; i--) if (sessionStorage.key(i)?.startsWith(CAPS_KEY)) sessionStorage.removeItem(sessionStorage.key(i));
  sessionStorage.setItem(key, manage ? '1' : '0');
  return manage;
}

// ── live alerts ──
function startStream() {
  S.stopStream?.();
  S.stopStream = S.api.stream('/api/v1/alerts/stream', {
    onState: (st) => {
      S.live = st;
      updateLive();
    },
    onEvent: (ev) => {
      if (ev.event !== 'alert') return;
      let a;
      try {
        a = JSON.parse(ev.data);
      } catch {
        return;
      }
      const { change, ...alert } = a;
      const known = S.alerts.get(alert.id);
      if (known && known.updatedAt > alert.updatedAt) return;
      S.alerts.set(alert.id, alert);
      if (change === 'opened') announce(t('newAlert', { kind: label('kind', alert.kind), device: alert.device }));
      S.view?.onAlert?.(alert, change);
    },
  });
}

function updateLive() {
  const el = document.getElementById('live');
  if (!el) return;
  const key = { live: 'live', connecting: 'connecting', reconnecting: 'reconnecting', off: 'offline' }[S.live] ?? 'offline';
  el.textContent = t(key);
  el.className = `live live-${S.live}`;
}

function announce(text) {
  const el = document.getElementById('announce');
  if (el) el.textContent = text;
}

// ── shell and routing ──
function renderShell() {
  document.title = t('appTitle');
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': t('navMain') },
    [
      ['#/alerts', t('alerts')],
      ['#/instruments', t('instruments')],
      ['#/reports', t('reports')],
    ].map(([href, text]) => h('a', { href, 'data-nav': href }, text)),
  );
  const header = h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '#/alerts' }, h('img', { src: '/console/icon.svg', alt: '', width: 24, height: 24 }), h('span', {}, t('appName'))),
    nav,
    h(
      'div',
      { class: 'tools' },
      h('span', { id: 'live', class: 'live', role: 'status' }),
      langSelect(),
      h('button', { type: 'button', class: 'ghost', onclick: () => signOut() }, t('signOut')),
    ),
  );
  clear(root).append(header, h('main', { id: 'main', tabindex: '-1' }), h('div', { id: 'announce', class: 'sr-only', 'aria-live': 'polite', role: 'status' }));
  updateLive();
  route();
}

function route() {
  if (!S.api) return;
  const main = document.getElementById('main');
  if (!main) return;
  const hash = location.hash || '#/alerts';
  const [, section = 'alerts', id] = hash.split('/').map(decodeURIComponent);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.getAttribute('data-nav') === `#/${section}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  S.view = null;
  clear(main);
  if (section === 'alerts' && id) alertPage(main, id);
  else if (section === 'instruments' && id) instrumentPage(main, id);
  else if (section === 'instruments') instrumentsPage(main);
  else if (section === 'reports') reportsPage(main);
  else alertsPage(main);
}
window.addEventListener('hashchange', () => {
  route();
  document.getElementById('main')?.focus({ preventScroll: true });
});

// ── small building blocks ──
const tenantName = (id) => S.tenants.find((x) => x.id === id)?.name ?? id;
/** The instrument type's name: the console's Vietnamese name in Vietnamese, else the profile's. */
const typeName = (id) => (lang() === 'vi' && DICTS.vi[`type.${id}`]) || S.types.find((x) => x.id === id)?.name || (DICTS.en[`type.${id}`] ?? id);
const badge = (cls, text) => h('span', { class: `badge ${cls}` }, text);
const errorText = (e) => {
  if (e instanceof ApiError) {
    if (e.status === 404) return t('notFound');
    if (e.status === 403) return `${t('forbidden')} (${e.message})`;
    // the gateway's messages name their field; older ones did not
    const details = Array.isArray(e.details) ? ` — ${e.details.map((d) => (String(d.message).startsWith(`${d.path} `) ? d.message : `${d.path}: ${d.message}`)).join('; ')}` : '';
    return `${e.message}${details}`;
  }
  return String(e?.message ?? e);
};
const errorBox = (e) => h('p', { class: 'error', role: 'alert' }, errorText(e));
const section = (title, ...children) => {
  const id = nextId('sec');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
};
const facts = (rows) =>
  h(
    'dl',
    { class: 'facts' },
    rows.filter(Boolean).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v ?? '—'))),
  );
function table(caption, headers, rows, opts = {}) {
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
      h('thead', {}, h('tr', {}, headers.map((x) => (Array.isArray(x) ? h('th', { scope: 'col', class: x[1] }, x[0]) : h('th', { scope: 'col' }, x))))),
      h('tbody', {}, rows),
    ),
  );
}
const options = (values, group, allLabel = t('all')) => [['', allLabel], ...values.map((v) => [v, group ? label(group, v) : v])];
const tenantOptions = (allLabel = t('all')) => [['', allLabel], ...S.tenants.map((x) => [x.id, `${x.name} (${x.region})`])];
const typeOptions = (allLabel = t('all')) => [['', allLabel], ...S.types.map((x) => [x.id, typeName(x.id)])];
/** The width a chart in a card of <main> gets, so its text stays legible on a phone. */
const chartWidth = () => Math.max(300, (document.getElementById('main')?.clientWidth ?? 720) - 60);
const DICTS_HAS = (key) => key in DICTS.en;
/** Checks grouped by the gateway's series (gas, else test point): one chart each, as their MPEs differ. */
const checksBySeries = (items) => {
  const groups = new Map();
  for (const c of items) {
    const k = c.gas ?? c.point ?? '';
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(c);
  }
  return groups.size ? [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0])) : [['', []]];
};
const verifBadge = (v) => badge(`verif verif-${v?.state ?? 'none'}`, label('verif', v?.state ?? 'none'));

/** The note of a resolution: a person's note as written; the gateway's own (cleared) notes translated. */
function resolutionNote(r) {
  if (lang() === 'en' || r.reason !== 'cleared') return r.note;
  const m = /^verification (valid|due-soon|expired|none) until (\d{4}-\d{2}-\d{2})$/.exec(r.note);
  if (m) return t('note.verificationUntil', { state: label('verif', m[1]), date: fmtDate(m[2]) });
  if (/^device (reported online|connected)$/.test(r.note)) return t('note.online');
  if (/^new calibration certificate/.test(r.note)) return t('note.newCalibration');
  if (/^EWMA back within/.test(r.note)) return t('note.driftSettled');
  if (/^no out-of-tolerance date predicted/.test(r.note)) return t('note.noPrediction');
  if (/^no verification certificate on record$/.test(r.note)) return t('sum.noCertificate');
  return r.note;
}

/**
 * The alert's summary in the console's language. The API writes it in English; in Vietnamese
 * it is composed again from the alert's evidence (details), falling back to the API's text when
 * the evidence lacks what the sentence needs.
 */
function alertSummary(a) {
  if (lang() === 'en' || !a.summary) return a.summary;
  const d = a.details ?? {};
  const num = (x) => Number.isFinite(x);
  const where = () => {
    const parts = [d.gas && t('sum.gas', { gas: d.gas }), d.point && t('sum.point', { point: d.point })].filter(Boolean);
    return parts.length ? ` (${parts.join(', ')})` : '';
  };
  const unit = d.unit ?? '';
  switch (a.kind) {
    case 'out-of-tolerance':
      if (num(d.error) && num(d.mpe)) return t('sum.check', { decision: label('decision', d.decision), where: where(), error: fmtNum(d.error), mpe: fmtNum(d.mpe), u: fmtNum(d.uncertainty), unit });
      break;
    case 'conditional':
      if (num(d.error) && num(d.mpe)) return t('sum.conditional', { where: where(), error: fmtNum(d.error), mpe: fmtNum(d.mpe), u: fmtNum(d.uncertainty), unit });
      break;
    case 'drift':
      if (d.ewma && d.cusum) {
        const signals = [d.ewma.signal && 'EWMA', d.cusum.signal && 'CUSUM'].filter(Boolean);
        const by = signals.length ? ` (${signals.join(', ')})` : '';
        const series = /^Drift \(([^)]+)\) signalled/.exec(a.summary)?.[1];
        return t('sum.drift', { where: series ? ` (${series})` : '', by, ewma: fmtNum(d.ewma.value), lo: fmtNum(d.ewma.lowerLimit), hi: fmtNum(d.ewma.upperLimit), high: fmtNum(d.cusum.high), low: fmtNum(d.cusum.low), h: fmtNum(d.cusum.threshold) });
      }
      break;
    case 'predicted-oot':
      if (d.predictedOutOfToleranceAt) {
        const series = /^Predicted out of tolerance \(([^)]+)\)/.exec(a.summary)?.[1];
        return t('sum.predicted', { where: series ? ` (${series})` : '', date: fmtDate(d.predictedOutOfToleranceAt), slope: fmtSigned(d.slopePerDay ?? 0, 5), due: d.verificationDue ? t('sum.predictedDue', { date: fmtDate(d.verificationDue) }) : '' });
      }
      break;
    case 'verification-overdue': {
      const v = d.verification ?? {};
      if (d.seq !== undefined) return t('sum.unverifiedReadings', { state: label('verif', v.state ?? 'none'), until: v.validUntil ? t('sum.until', { date: fmtDate(v.validUntil) }) : '' });
      if (v.state === 'expired' && v.validUntil) return t('sum.expired', { date: fmtDate(v.validUntil) });
      if (v.state === 'none' || !v.validUntil) return t('sum.noCertificate');
      break;
    }
    case 'verification-due-soon':
      if (d.verification?.validUntil) return t('sum.dueSoon', { date: fmtDate(d.verification.validUntil) });
      break;
    case 'offline':
      if (d.lastSeenAt) return t('sum.offlineSilent', { time: fmtDateTime(d.lastSeenAt) });
      if (d.state) return t('sum.offlineReported');
      break;
    case 'invalid-data': {
      const n = /^(\d+) rejected/.exec(a.summary)?.[1];
      if (n) return t('sum.invalid', { n });
      break;
    }
    case 'out-of-range':
      if (d.value !== undefined) return t(d.status === 'implausible' ? 'sum.implausible' : 'sum.outOfRange', { value: fmtNum(d.value, 6), unit: d.unit ?? '' });
      break;
    case 'tamper': {
      // the nozzle from the evidence: a nozzle name may hold a colon
      const m = /^(Price|Totalizer) mismatch on nozzle /.exec(a.summary);
      if (m && d.nozzle !== undefined) return t(m[1] === 'Price' ? 'sum.priceTamper' : 'sum.totalizerTamper', { nozzle: String(d.nozzle) });
      break;
    }
    case 'journal-capacity': {
      const p = /(\d+) %/.exec(a.summary)?.[1];
      if (p) return t('sum.journal', { p });
      break;
    }
  }
  return a.summary;
}

// ── alerts list ──
function alertsPage(main) {
  const listEl = h('ul', { class: 'alerts', 'aria-label': t('alerts') });
  const countEl = h('p', { class: 'muted count', 'aria-live': 'polite' });
  const errEl = h('div');
  const filterSel = (name, opts) =>
    field(
      t(name),
      select(name, opts, S.filters[name], {
        onchange: (e) => {
          S.filters[name] = e.target.value;
          load();
        },
      }),
    );
  main.append(
    h('h1', {}, t('alerts')),
    h(
      'form',
      { class: 'filters', 'aria-label': t('filters'), onsubmit: (e) => e.preventDefault() },
      filterSel('state', options(STATES, 'state')),
      filterSel('severity', options(SEVERITIES, 'severity')),
      filterSel('kind', options(KINDS, 'kind')),
      filterSel('tenant', tenantOptions()),
    ),
    errEl,
    countEl,
    listEl,
  );
  const matches = (a) => Object.entries(S.filters).every(([k, v]) => !v || a[k] === v);
  const fresh = new Set();
  const render = () => {
    const items = [...S.alerts.values()].filter(matches).sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1)).slice(0, MAX_LISTED);
    clear(listEl);
    if (!items.length) listEl.append(h('li', { class: 'empty muted' }, t('noAlerts')));
    for (const a of items) listEl.append(alertItem(a, fresh.has(a.id)));
    countEl.textContent = t('shown', { n: items.length });
  };
  const load = async () => {
    clear(errEl);
    try {
      const r = await S.api.get('/api/v1/alerts', { ...S.filters, limit: 500 });
      for (const a of r.items) {
        const known = S.alerts.get(a.id);
        if (!known || known.updatedAt <= a.updatedAt) S.alerts.set(a.id, a);
      }
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

function alertItem(a, fresh) {
  return h(
    'li',
    { class: `alert sev-${a.severity} state-${a.state}${fresh ? ' fresh' : ''}`, 'data-alert-id': a.id, 'data-kind': a.kind, 'data-device': a.device },
    h(
      'a',
      { href: `#/alerts/${encodeURIComponent(a.id)}` },
      h('span', { class: 'line1' }, badge(`sev sev-${a.severity}`, label('severity', a.severity)), badge(`state state-${a.state}`, label('state', a.state)), h('strong', {}, label('kind', a.kind))),
      h('span', { class: 'line2' }, h('span', { class: 'dev' }, a.device), ' · ', tenantName(a.tenant)),
      h('span', { class: 'summary' }, alertSummary(a)),
      h('span', { class: 'meta muted' }, `${t('updated')} ${fmtDateTime(a.updatedAt)}`, a.count > 1 ? ` · ${t('times', { n: a.count })}` : ''),
    ),
  );
}

// ── one alert ──
const EVIDENCE_KEYS = [
  ['indicated', 'indicated'],
  ['corrected', 'corrected'],
  ['reference', 'reference'],
  ['error', 'errorValue', true],
  ['mpe', 'mpe'],
  ['uncertainty', 'uncertainty'],
  ['decision', 'decision'],
  ['legal', 'legal'],
  ['regime', 'regime'],
  ['standardId', 'standardId'],
  ['gas', 'gas'],
  ['point', 'point'],
  ['seq', 'seq'],
  ['ts', 'ts'],
];

function evidenceFacts(d) {
  const unit = d.unit ? ` ${d.unit}` : '';
  const rows = [];
  for (const [k, key, signed] of EVIDENCE_KEYS) {
    if (d[k] === undefined || d[k] === null) continue;
    let v = d[k];
    if (k === 'ts') v = fmtDateTime(v);
    else if (k === 'decision' || k === 'legal') v = badge(`dec dec-${v}`, label('decision', v));
    else if (k === 'regime') v = label('regime', v);
    else if (typeof v === 'number' && k !== 'seq') v = (signed ? fmtSigned(v) : fmtNum(v)) + unit;
    rows.push([t(key), v]);
  }
  if (Number.isFinite(d.mpe) && Number.isFinite(d.uncertainty)) rows.push([t('guardBand'), `±${fmtNum(Math.max(0, d.mpe - d.uncertainty))}${unit}`]);
  // the other evidence (tamper, verification, offline, range, rejected data), labelled in the
  // console's language where the field is known, else shown as the API gives it
  const known = new Set([...EVIDENCE_KEYS.map((x) => x[0]), 'unit']);
  for (const [k, v] of Object.entries(d)) {
    if (known.has(k) || v === undefined || v === null) continue;
    const name = DICTS_HAS(`ev.${k}`) ? t(`ev.${k}`) : k;
    let shown;
    if (k === 'verification' && typeof v === 'object') shown = h('span', {}, verifBadge(v), v.validUntil ? ` · ${t('validUntil')} ${fmtDate(v.validUntil)}` : '');
    else if (k === 'verificationDue') shown = fmtDate(v);
    else if (k === 'lastSeenAt' || k === 'at') shown = fmtDateTime(v);
    else if (k === 'status') shown = label('status', v);
    else if (k === 'check' && typeof v === 'string') shown = label('tampercheck', v);
    else if (k === 'topic') shown = h('code', {}, String(v));
    else if (k === 'lastErrors' && Array.isArray(v)) shown = v.map((e) => h('div', {}, h('code', {}, String(e?.path ?? '')), ' ', String(e?.message ?? '')));
    else if (typeof v === 'number') shown = fmtNum(v, 6) + (k === 'value' || k === 'gap' ? unit : '');
    else if (typeof v === 'object') shown = h('code', { class: 'json' }, JSON.stringify(v));
    else shown = String(v);
    rows.push([name, shown]);
  }
  return facts(rows);
}

function driftFacts(dr) {
  if (!dr || !dr.points) return h('p', { class: 'muted' }, t('noDrift'));
  const sig = (on) => (on ? [' ', badge('sev sev-warning', t('signal'))] : null);
  return facts([
    dr.series ? [t('series'), dr.series] : null,
    [t('points'), String(dr.points)],
    [t('slopePerDay'), dr.slopePerDay === null || dr.slopePerDay === undefined ? '—' : fmtSigned(dr.slopePerDay, 5)],
    dr.ewma ? [t('ewma'), h('span', {}, fmtSigned(dr.ewma.value), sig(dr.ewma.signal))] : null,
    dr.ewma ? [t('ewmaLimits'), `${fmtSigned(dr.ewma.lowerLimit)} … ${fmtSigned(dr.ewma.upperLimit)}`] : null,
    dr.cusum ? [t('cusum'), h('span', {}, `${fmtNum(dr.cusum.high)} / ${fmtNum(dr.cusum.low)}`, sig(dr.cusum.signal))] : null,
    dr.cusum?.threshold !== undefined ? [t('cusumThreshold'), fmtNum(dr.cusum.threshold)] : null,
    dr.tolerance !== null && dr.tolerance !== undefined ? [t('tolerance'), `±${fmtNum(dr.tolerance)}`] : null,
    dr.guardedLimit !== null && dr.guardedLimit !== undefined ? [t('guardedLimit'), `±${fmtNum(dr.guardedLimit)}`] : null,
    [t('predicted'), h('strong', { class: dr.predictedOutOfToleranceAt ? 'warn' : '' }, dr.predictedOutOfToleranceAt ? fmtDate(dr.predictedOutOfToleranceAt) : t('noPrediction'))],
  ]);
}

async function alertPage(main, id) {
  main.append(h('p', {}, h('a', { href: '#/alerts', class: 'back' }, `← ${t('backToAlerts')}`)), h('p', { class: 'muted' }, t('loading')));
  let a;
  try {
    a = await S.api.get(`/api/v1/alerts/${encodeURIComponent(id)}`);
  } catch (e) {
    main.lastChild.replaceWith(errorBox(e));
    return;
  }
  S.alerts.set(a.id, a);
  const head = h('div');
  const actions = h('div');
  const evidence = h('div');
  main.lastChild.replaceWith(head);
  main.append(actions, evidence);

  const renderHead = () => {
    clear(head).append(
      h('h1', {}, `${label('kind', a.kind)} — ${a.device}`),
      h('p', { class: 'line1' }, badge(`sev sev-${a.severity}`, label('severity', a.severity)), badge(`state state-${a.state}`, label('state', a.state)), ' ', h('span', { id: 'alert-summary', lang: lang() === 'en' || alertSummary(a) !== a.summary ? undefined : 'en' }, alertSummary(a))),
      section(
        t('summary'),
        facts([
          [t('tenant'), tenantName(a.tenant)],
          [t('device'), h('a', { href: `#/instruments/${encodeURIComponent(a.device)}` }, a.device)],
          [t('opened'), fmtDateTime(a.openedAt)],
          [t('updated'), fmtDateTime(a.updatedAt)],
          [t('count'), String(a.count)],
          a.ackBy ? [t('ackBy'), a.ackBy] : null,
          a.ackAt ? [t('ackAt'), fmtDateTime(a.ackAt)] : null,
          a.ackNote ? [t('ackNote'), a.ackNote] : null,
          a.resolvedBy ? [t('resolvedBy'), a.resolvedBy === 'system' ? t('system') : a.resolvedBy] : null,
          a.resolvedAt ? [t('resolvedAt'), fmtDateTime(a.resolvedAt)] : null,
          a.resolution ? [t('resolution'), `${label('reason', a.resolution.reason)}${a.resolution.note ? ` — ${resolutionNote(a.resolution)}` : ''}`] : null,
        ]),
      ),
    );
  };
  const renderActions = (msg) => {
    clear(actions);
    if (a.state === 'resolved') {
      actions.append(h('p', { class: 'ok', role: 'status' }, msg ?? t('alreadyResolved')));
      return;
    }
    const ackNote = h('textarea', { name: 'ackNote', rows: 2, maxlength: 2000 });
    const ackErr = h('div');
    const ackBtn = h('button', { type: 'submit', disabled: a.state !== 'open' }, t('acknowledge'));
    const ackForm = h(
      'form',
      {
        class: 'action',
        'aria-label': t('acknowledge'),
        onsubmit: async (e) => {
          e.preventDefault();
          ackBtn.disabled = true;
          try {
            a = await S.api.post(`/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, ackNote.value.trim() ? { note: ackNote.value.trim() } : {});
            S.alerts.set(a.id, a);
            renderHead();
            renderActions(t('acknowledged'));
          } catch (err) {
            clear(ackErr).append(errorBox(err));
            ackBtn.disabled = false;
          }
        },
      },
      field(`${t('note')} (${t('optional')})`, ackNote),
      ackErr,
      ackBtn,
    );
    const reason = select('reason', [['', t('chooseReason')], ...REASONS.map((r) => [r, label('reason', r)])], '', { required: true });
    const resNote = h('textarea', { name: 'resolveNote', rows: 2, maxlength: 2000 });
    const resErr = h('div');
    const resBtn = h('button', { type: 'submit', class: 'primary' }, t('resolve'));
    const resForm = h(
      'form',
      {
        class: 'action',
        'aria-label': t('resolve'),
        onsubmit: async (e) => {
          e.preventDefault();
          if (!reason.value) {
            reason.focus();
            return;
          }
          resBtn.disabled = true;
          try {
            a = await S.api.post(`/api/v1/alerts/${encodeURIComponent(a.id)}/resolve`, { reason: reason.value, ...(resNote.value.trim() ? { note: resNote.value.trim() } : {}) });
            S.alerts.set(a.id, a);
            renderHead();
            renderActions(t('resolvedOk'));
          } catch (err) {
            clear(resErr).append(errorBox(err));
            resBtn.disabled = false;
          }
        },
      },
      field(t('reason'), reason),
      field(`${t('note')} (${t('optional')})`, resNote),
      resErr,
      resBtn,
    );
    actions.append(section(t('actions'), h('div', { class: 'actions' }, a.state === 'open' ? ackForm : h('p', { class: 'ok', role: 'status' }, msg ?? t('acknowledged')), resForm)));
  };
  renderHead();
  renderActions();
  S.view = {
    onAlert: (x) => {
      if (x.id !== a.id) return;
      const stateChanged = x.state !== a.state;
      a = { ...a, ...x };
      renderHead();
      if (stateChanged) renderActions();
    },
  };

  // the evidence: the alert's own details, then the instrument's checks and drift
  const driftKind = a.kind === 'drift' || a.kind === 'predicted-oot';
  const checkKind = a.kind === 'out-of-tolerance' || a.kind === 'conditional' || driftKind;
  // drift alerts carry the drift statistics as they were when the alert was raised
  const evidenceBody = driftKind && a.details?.points
    ? [driftFacts({ ...a.details, series: a.key || undefined }), a.details.verificationDue ? facts([[t('ev.verificationDue'), fmtDate(a.details.verificationDue)]]) : null]
    : evidenceFacts(a.details ?? {});
  evidence.append(section(a.kind === 'out-of-tolerance' || a.kind === 'conditional' ? t('checkResult') : t('evidence'), evidenceBody));
  const chartBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const driftBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  evidence.append(section(t('checks'), chartBox), section(t('drift'), driftBox));
  const dev = encodeURIComponent(a.device);
  // the alert's series (gas, else test point), as the gateway keys check alerts
  const seriesOf = (c) => c.gas ?? c.point ?? '';
  const series = checkKind ? (typeof a.key === 'string' ? a.key : seriesOf(a.details ?? {})) : '';
  S.api
    .get(`/api/v1/devices/${dev}/checks`, { limit: 500 })
    .then((r) => {
      // the checks of the alert's series (gas / test point) when it has one
      const mine = r.items.filter((c) => !series || seriesOf(c) === series);
      clear(chartBox).append(checksChart(mine, { device: a.device, width: chartWidth() }));
    })
    .catch((e) => clear(chartBox).append(errorBox(e)));
  S.api
    .get(`/api/v1/devices/${dev}/drift`)
    .then((dr) => {
      const s = dr.bySeries?.find((x) => x.series === (series || dr.series)) ?? dr;
      clear(driftBox).append(driftFacts({ ...s, series: s.series ?? dr.series }));
    })
    .catch((e) => clear(driftBox).append(errorBox(e)));
}

// ── instruments ──
function instrumentsPage(main) {
  const body = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const sel = (name, opts) =>
    field(
      name === 'status' ? t('verification') : t(name),
      select(name, opts, S.devFilters[name], {
        onchange: (e) => {
          S.devFilters[name] = e.target.value;
          load();
        },
      }),
    );
  main.append(
    h('h1', {}, t('instruments')),
    h('form', { class: 'filters', 'aria-label': t('filters'), onsubmit: (e) => e.preventDefault() }, sel('tenant', tenantOptions()), sel('type', typeOptions()), sel('status', options(VERIF, 'verif'))),
    body,
  );
  if (S.manage) main.append(registerForm(() => load()));
  const load = async () => {
    try {
      const r = await S.api.get('/api/v1/devices', S.devFilters);
      const heads = [t('device'), t('tenant'), t('type'), t('serial'), t('verification'), t('dueDate'), t('lastSeen'), t('predicted')];
      const rows = r.items.map((d) => {
        const p = (d.drift ?? []).map((x) => x.predictedOutOfToleranceAt).filter(Boolean).sort()[0];
        const cells = [
          d.tenant === undefined ? '' : tenantName(d.tenant),
          typeName(d.type),
          d.serial,
          verifBadge(d.verification),
          fmtDate(d.verification?.validUntil),
          d.lastSeenAt ? fmtDateTime(d.lastSeenAt) : t('never'),
          p ? h('span', { class: 'warn' }, fmtDate(p)) : '—',
        ];
        // data-label: on a phone each row is shown as a card with the column names beside the values
        return h(
          'tr',
          { 'data-device': d.id },
          h('th', { scope: 'row' }, h('a', { href: `#/instruments/${encodeURIComponent(d.id)}` }, d.id)),
          cells.map((c, i) => h('td', { 'data-label': heads[i + 1] }, c)),
        );
      });
      clear(body).append(
        r.items.length
          ? table(t('instruments'), heads, rows, { class: 'devices' })
          : h('p', { class: 'muted' }, t('noInstruments')),
      );
    } catch (e) {
      clear(body).append(errorBox(e));
    }
  };
  load();
}

function registerForm(onDone) {
  const out = h('div');
  const inp = (name, attrs = {}) => h('input', { name, type: 'text', ...attrs });
  const id = inp('id', { required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', maxlength: 64, autocomplete: 'off' });
  const tenant = select('tenant', S.tenants.map((x) => [x.id, `${x.name} (${x.region})`]), S.tenants[0]?.id, { required: true });
  const type = select('type', S.types.map((x) => [x.id, typeName(x.id)]), S.types[0]?.id, { required: true });
  const serial = inp('serial', { required: true, maxlength: 128 });
  const model = inp('model', { maxlength: 128 });
  const site = inp('site', { maxlength: 200 });
  const klass = inp('class', { maxlength: 16 });
  const btn = h('button', { type: 'submit', class: 'primary' }, t('registerButton'));
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': t('register'),
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        clear(out);
        const body = { id: id.value.trim(), tenant: tenant.value, type: type.value, serial: serial.value.trim() };
        for (const [k, el] of [['model', model], ['site', site], ['class', klass]]) if (el.value.trim()) body[k] = el.value.trim();
        try {
          const d = await S.api.post('/api/v1/devices', body);
          out.append(secretPanel(d.id, d.secret));
          form.reset();
          onDone?.();
        } catch (err) {
          out.append(errorBox(err));
        } finally {
          btn.disabled = false;
        }
      },
    },
    field(t('id'), id, t('idHint')),
    field(t('tenant'), tenant),
    field(t('type'), type),
    field(t('serial'), serial),
    field(`${t('model')} (${t('optional')})`, model),
    field(`${t('site')} (${t('optional')})`, site),
    field(`${t('class')} (${t('optional')})`, klass),
    h('div', { class: 'form-actions' }, btn),
  );
  return section(t('register'), form, out);
}

/** The MQTT secret, shown once: it lives only in this DOM node until the user dismisses it. */
function secretPanel(id, secret) {
  const code = h('code', { class: 'secret', 'data-secret': '' }, secret);
  const status = h('span', { role: 'status', class: 'muted' });
  const panel = h(
    'div',
    { class: 'secret-panel', role: 'alert' },
    h('p', {}, h('strong', {}, t('registered', { id })), ' ', t('secretOnce', { id })),
    h('p', {}, h('span', { class: 'sr-only' }, `${t('secretLabel')}: `), code),
    h(
      'div',
      { class: 'form-actions' },
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(secret);
              status.textContent = t('copied');
            } catch {
              status.textContent = t('copyFailed');
              const r = document.createRange();
              r.selectNodeContents(code);
              getSelection()?.removeAllRanges();
              getSelection()?.addRange(r);
            }
          },
        },
        t('copy'),
      ),
      h('button', { type: 'button', class: 'primary', onclick: () => panel.remove() }, t('done')),
      status,
    ),
  );
  return panel;
}

async function instrumentPage(main, id) {
  const dev = encodeURIComponent(id);
  main.append(h('p', {}, h('a', { href: '#/instruments', class: 'back' }, `← ${t('backToInstruments')}`)), h('p', { class: 'muted' }, t('loading')));
  let d;
  try {
    d = await S.api.get(`/api/v1/devices/${dev}`);
  } catch (e) {
    main.lastChild.replaceWith(errorBox(e));
    return;
  }
  main.lastChild.replaceWith(
    h('h1', {}, d.id),
    section(
      t('device'),
      facts([
        [t('tenant'), tenantName(d.tenant)],
        [t('type'), typeName(d.type)],
        [t('serial'), d.serial],
        d.model ? [t('model'), d.model] : null,
        d.site ? [t('site'), d.site] : null,
        d.class ? [t('class'), d.class] : null,
        [t('verification'), verifBadge(d.verification)],
        [t('dueDate'), fmtDate(d.verification?.validUntil)],
        [t('lastSeen'), d.lastSeenAt ? fmtDateTime(d.lastSeenAt) : t('never')],
      ]),
      h('div', { class: 'form-actions' }, downloadButton(t('downloadOot'), `/api/v1/devices/${dev}/oot-impact`, { format: 'csv' }, `oot-impact-${d.id}.csv`)),
    ),
  );
  const slot = (title) => {
    const box = h('div', {}, h('p', { class: 'muted' }, t('loading')));
    main.append(section(title, box));
    return box;
  };
  const alertsBox = slot(t('deviceAlerts'));
  const readingsBox = slot(t('readings'));
  const checksBox = slot(t('checks'));
  const driftBox = slot(t('drift'));
  const certBox = slot(t('certificates'));
  const rejBox = slot(t('rejections'));
  const fill = (box, p, f) => p.then((r) => append(clear(box), [f(r)])).catch((e) => clear(box).append(errorBox(e)));

  fill(alertsBox, S.api.get('/api/v1/alerts', { device: d.id, limit: 50 }), (r) =>
    r.items.length ? h('ul', { class: 'alerts compact', 'aria-label': t('deviceAlerts') }, r.items.map((a) => alertItem(a, false))) : h('p', { class: 'muted' }, t('noAlerts')),
  );
  fill(readingsBox, S.api.get(`/api/v1/devices/${dev}/readings`, { limit: 20 }), (r) =>
    r.items.length
      ? table(
          t('readings'),
          [t('ts'), t('quantity'), t('value'), t('status'), t('seq')],
          r.items.map((x) => h('tr', {}, h('td', {}, fmtDateTime(x.ts)), h('td', {}, [x.quantity, ...Object.values(x.tags ?? {})].join(' · ')), h('td', { class: 'num' }, fmtNum(x.value, 6)), h('td', {}, label('status', x.status)), h('td', { class: 'num' }, String(x.seq ?? '')))),
          { stack: false },
        )
      : h('p', { class: 'muted' }, t('noReadings')),
  );
  fill(checksBox, S.api.get(`/api/v1/devices/${dev}/checks`, { limit: 500 }), (r) => [
    checksBySeries(r.items).map(([series, items], _, all) =>
      all.length > 1 ? h('div', { class: 'series' }, h('h3', {}, `${t('series')}: ${series || '—'}`), checksChart(items, { device: `${d.id} ${series}`, width: chartWidth() })) : checksChart(items, { device: d.id, width: chartWidth() }),
    ),
    r.items.length
      ? table(
          t('checks'),
          [t('ts'), t('indicated'), t('reference'), t('errorValue'), t('mpeShort'), t('uncertaintyShort'), t('decision'), t('legal')],
          r.items.slice(0, 50).map((c) =>
            h(
              'tr',
              {},
              h('td', {}, fmtDateTime(c.ts), c.gas || c.point ? h('small', { class: 'muted' }, ` ${[c.gas, c.point].filter(Boolean).join(' · ')}`) : null),
              h('td', { class: 'num' }, fmtNum(c.indicated, 6)),
              h('td', { class: 'num' }, fmtNum(c.reference, 6)),
              h('td', { class: 'num' }, fmtSigned(c.error)),
              h('td', { class: 'num' }, `±${fmtNum(c.mpe)}`),
              h('td', { class: 'num' }, fmtNum(c.uncertainty)),
              h('td', {}, badge(`dec dec-${c.decision}`, label('decision', c.decision))),
              h('td', {}, badge(`dec dec-${c.legal}`, label('decision', c.legal))),
            ),
          ),
          { stack: false },
        )
      : null,
  ]);
  fill(driftBox, S.api.get(`/api/v1/devices/${dev}/drift`), (dr) =>
    dr.bySeries?.length > 1 ? dr.bySeries.map((s) => h('div', { class: 'series' }, h('h3', {}, `${t('series')}: ${s.series || '—'}`), driftFacts(s))) : driftFacts(dr),
  );
  const loadCerts = () =>
    fill(certBox, S.api.get(`/api/v1/devices/${dev}/certificates`), (r) => [
      r.items.length
        ? table(
            t('certificates'),
            [t('certKind'), t('number'), t('issuedBy'), t('issuedAt'), t('validUntil'), t('certUncertainty')],
            r.items.map((c) => h('tr', {}, h('td', {}, label('certkind', c.kind)), h('td', {}, c.number), h('td', {}, c.issuedBy), h('td', {}, fmtDate(c.issuedAt)), h('td', {}, fmtDate(c.validUntil)), h('td', { class: 'num' }, c.uncertainty === undefined ? '—' : fmtNum(c.uncertainty)))),
          )
        : h('p', { class: 'muted' }, t('noCertificates')),
      S.manage ? certificateForm(dev, loadCerts) : null,
    ]);
  loadCerts();
  fill(rejBox, S.api.get(`/api/v1/devices/${dev}/rejections`, { limit: 50 }), (r) =>
    r.items.length
      ? table(
          t('rejections'),
          [t('receivedAt'), t('topic'), t('seq'), t('errors')],
          r.items.map((x) => h('tr', {}, h('td', {}, fmtDateTime(x.receivedAt)), h('td', {}, h('code', {}, x.topic)), h('td', { class: 'num' }, x.seq === undefined || x.seq === null ? '—' : String(x.seq)), h('td', {}, (x.errors ?? []).map((e) => h('div', {}, h('code', {}, e.path), ' ', e.message))))),
        )
      : h('p', { class: 'muted' }, t('noRejections')),
  );
}

function certificateForm(dev, onDone) {
  const out = h('div');
  const kind = select('kind', [['verification', label('certkind', 'verification')], ['calibration', label('certkind', 'calibration')]], 'verification');
  const number = h('input', { name: 'number', type: 'text', required: true, maxlength: 128 });
  const issuedBy = h('input', { name: 'issuedBy', type: 'text', required: true, maxlength: 200 });
  const today = new Date().toISOString().slice(0, 10);
  const issuedAt = h('input', { name: 'issuedAt', type: 'date', required: true, value: today });
  const validUntil = h('input', { name: 'validUntil', type: 'date', required: true });
  const num = (name) => h('input', { name, type: 'number', step: 'any', inputmode: 'decimal' });
  const uncertainty = num('uncertainty');
  const offset = num('offset');
  const gain = num('gain');
  const btn = h('button', { type: 'submit', class: 'primary' }, t('save'));
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': t('addCertificate'),
      onsubmit: async (e) => {
        e.preventDefault();
        clear(out);
        btn.disabled = true;
        const body = { kind: kind.value, number: number.value.trim(), issuedBy: issuedBy.value.trim(), issuedAt: `${issuedAt.value}T00:00:00Z`, validUntil: `${validUntil.value}T00:00:00Z` };
        if (uncertainty.value !== '') body.uncertainty = Number(uncertainty.value);
        const correction = {};
        if (offset.value !== '') correction.offset = Number(offset.value);
        if (gain.value !== '') correction.gain = Number(gain.value);
        if (Object.keys(correction).length) body.correction = correction;
        try {
          const c = await S.api.post(`/api/v1/devices/${dev}/certificates`, body);
          S.flash = t('certificateAdded', { number: c.number });
          onDone();
        } catch (err) {
          out.append(errorBox(err));
          btn.disabled = false;
        }
      },
    },
    field(t('certKind'), kind),
    field(t('number'), number),
    field(t('issuedBy'), issuedBy),
    field(t('issuedAt'), issuedAt),
    field(t('validUntil'), validUntil),
    field(`${t('certUncertainty')} (${t('optional')})`, uncertainty),
    field(`${t('correctionOffset')} (${t('optional')})`, offset),
    field(`${t('correctionGain')} (${t('optional')})`, gain),
    h('div', { class: 'form-actions' }, btn),
  );
  const flash = S.flash ? h('p', { class: 'ok', role: 'status' }, S.flash) : null;
  S.flash = null;
  const id = nextId('cert');
  return h('div', { class: 'subsection' }, flash, h('h3', { id }, t('addCertificate')), form, out);
}

// ── reports ──
function downloadButton(text, path, query, fallback) {
  const status = h('span', { role: 'status', class: 'muted' });
  const btn = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        btn.disabled = true;
        status.textContent = '';
        try {
          const name = await S.api.download(path, typeof query === 'function' ? query() : query, fallback);
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

function reportsPage(main) {
  const tenant = select('tenant', tenantOptions(), '');
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const device = select('device', [['', t('chooseDevice')]], '');
  const ootStatus = h('span', { role: 'status', class: 'muted' });
  const ootBtn = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        if (!device.value) {
          device.focus();
          return;
        }
        ootBtn.disabled = true;
        try {
          const name = await S.api.download(`/api/v1/devices/${encodeURIComponent(device.value)}/oot-impact`, { format: 'csv' }, `oot-impact-${device.value}.csv`);
          ootStatus.textContent = t('downloaded', { file: name });
        } catch (e) {
          ootStatus.textContent = errorText(e);
        } finally {
          ootBtn.disabled = false;
        }
      },
    },
    t('download'),
  );
  main.append(
    h('h1', {}, t('reports')),
    section(
      t('assuranceReport'),
      h('p', { class: 'muted' }, t('assuranceHelp')),
      h('form', { class: 'grid-form', 'aria-label': t('assuranceReport'), onsubmit: (e) => e.preventDefault() }, field(t('tenant'), tenant), field(t('from'), from), field(t('to'), to)),
      h('div', { class: 'form-actions' }, downloadButton(t('download'), '/api/v1/reports/assurance', () => ({ format: 'csv', tenant: tenant.value, from: from.value, to: to.value }), 'assurance.csv')),
    ),
    section(
      t('ootImpact'),
      h('p', { class: 'muted' }, t('ootHelp')),
      h('form', { class: 'grid-form', 'aria-label': t('ootImpact'), onsubmit: (e) => e.preventDefault() }, field(t('device'), device)),
      h('div', { class: 'form-actions' }, ootBtn, ' ', ootStatus),
    ),
  );
  S.api
    .get('/api/v1/devices')
    .then((r) => {
      for (const d of r.items) device.append(h('option', { value: d.id }, `${d.id} — ${tenantName(d.tenant)}`));
    })
    .catch(() => undefined);
}

// ── start ──
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  signIn(saved).then((ok) => {
    if (!ok) signOut(t('sessionEnded'));
  });
} else renderSignIn();
