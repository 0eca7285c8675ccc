// @ts-check
// MAG inspector console: alerts (live), instruments, reference standards, lots of prepackages, reports. Calls only the public API, with
// the token the user signed in with (sessionStorage, never the URL). What a role sees is what
// the API returns to its token. This module is the shell: sign-in, the live alert stream, the
// header and the router; each page is its own module (page-*.js).
import { h, clear, field, select } from './dom.js';
import { t, lang, setLang, setDefaultZone, LANGS } from './i18n.js';
import { Api, ApiError } from './api.js';
import { S, mayInspect } from './session.js';
import { alertsPage } from './page-alerts.js';
import { alertPage } from './page-alert.js';
import { alertKind } from './summaries.js';
import { defaultZoneOf } from './blocks.js';
import { instrumentsPage } from './page-instruments.js';
import { instrumentPage } from './page-instrument.js';
import { reportsPage } from './page-reports.js';
import { standardsPage, standardPage } from './page-standards.js';
import { lotsPage, lotPage } from './page-lots.js';
import { inspectionsPage } from './page-inspections.js';
import { inspectionPage } from './page-inspection.js';
import { campaignsPage } from './page-campaigns.js';
import { campaignPage } from './page-campaign.js';
import { overviewPage } from './page-overview.js';
import { readinessPage } from './page-readiness.js';
import { checksPage } from './page-checks.js';
/** @import { Key } from './i18n.js' */
/** @import { StreamState } from './api.js' */
/** @import { Alert, InstrumentType, List, Me, Tenant } from './types.js' */

const TOKEN_KEY = 'mag.console.token';
const CAPS_KEY = 'mag.console.manage';

const root = /** @type {HTMLElement} */ (document.getElementById('app'));
setLang(lang());

// ── sign-in ──
/** @param {string} [message] why, shown on the sign-in form */
function signOut(message) {
  S.stopStream?.();
  S.stopStream = null;
  S.api = null;
  S.me = null;
  S.alerts.clear();
  S.deviceTypes.clear();
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

/** @param {string} [message] */
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

/** @param {string} token @returns {Promise<boolean>} whether the API accepted it */
async function signIn(token) {
  if (!token) return false;
  const api = new Api(token, () => {
    if (S.api === api) signOut(t('sessionEnded'));
  });
  try {
    /** @type {List<Tenant>} */
    const tenants = await api.get('/api/v1/tenants');
    /** @type {[List<InstrumentType>, WhoAmI]} */
    const [types, who] = await Promise.all([api.get('/api/v1/instrument-types').catch(() => ({ items: [] })), whoAmI(api, token)]);
    S.api = api;
    S.tenants = tenants.items;
    S.types = types.items;
    S.manage = who.manage;
    S.me = who.me;
    S.role = who.role;
    S.regions = who.regions ?? [...new Set(tenants.items.map((x) => x.region))].sort();
    // times and days are shown on the enterprises' clocks; what belongs to none on the gateway's (its default zone)
    setDefaultZone(defaultZoneOf(tenants.items));
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch (e) {
    if (!(e instanceof ApiError)) console.warn(e);
    return false;
  }
  renderShell();
  startStream(api);
  return true;
}

/** @typedef {{ manage: boolean, role: string, regions?: string[], me: Me | null }} WhoAmI */

/**
 * Who is this token: its role, an inspector's regions, and may it register instruments and add
 * certificates (admin, operator)? Asked of the API: GET /api/v1/me when the gateway has it, else
 * whether GET /api/v1/webhooks (admin, operator, like POST /devices) is allowed. Remembered for
 * the session so the question is asked once.
 */
/** @param {Api} api @param {string} token @returns {Promise<WhoAmI>} */
async function whoAmI(api, token) {
  const key = `${CAPS_KEY}:${token.slice(-12)}`;
  try {
    const known = JSON.parse(sessionStorage.getItem(key) ?? 'null');
    if (known && typeof known.manage === 'boolean' && 'me' in known) return known;
  } catch {
    /* not remembered */
  }
  /** @type {WhoAmI} */
  let me;
  const res = await api.raw('GET', '/api/v1/me');
  if (res.ok) {
    const p = await res.json().catch(() => ({}));
    me = {
      manage: p.role === 'admin' || p.role === 'operator',
      role: String(p.role ?? ''),
      ...(Array.isArray(p.regions) ? { regions: p.regions } : {}),
      me: p.role ? p : null,
    };
  } else {
    await res.body?.cancel();
    me = { manage: await api.allowed('/api/v1/webhooks'), role: '', me: null };
  }
  for (let i = sessionStorage.length - 1; i >= 0; i--) {
    const k = sessionStorage.key(i);
    if (k?.startsWith(CAPS_KEY)) sessionStorage.removeItem(k);
  }
  sessionStorage.setItem(key, JSON.stringify(me));
  return me;
}

/** Where signing in lands: the overview for inspectors and admins, the alerts for operators. */
const landing = () => (S.role === 'inspector' || S.role === 'admin' ? '#/overview' : '#/alerts');

// ── live alerts ──
/** @param {Api} api the signed-in session's */
function startStream(api) {
  S.stopStream?.();
  S.stopStream = api.stream('/api/v1/alerts/stream', {
    onState: (st) => {
      S.live = st;
      updateLive();
    },
    onEvent: (ev) => {
      if (ev.event !== 'alert') return;
      /** @type {Alert & { change: string }} */
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
      if (change === 'opened') announce(t('newAlert', { kind: alertKind(alert), device: alert.device }));
      S.view?.onAlert?.(alert, change);
    },
  });
}

function updateLive() {
  const el = document.getElementById('live');
  if (!el) return;
  /** @type {Record<StreamState, Key>} */
  const keys = { live: 'live', connecting: 'connecting', reconnecting: 'reconnecting', off: 'offline' };
  const key = keys[S.live] ?? 'offline';
  el.textContent = t(key);
  el.className = `live live-${S.live}`;
}

/** Read out by screen readers. @param {string} text */
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
      ['#/overview', t('overview')],
      ['#/alerts', t('alerts')],
      ['#/instruments', t('instruments')],
      ['#/standards', t('standards')],
      ['#/lots', t('lots')],
      ['#/inspections', t('inspections')],
      ...(mayInspect() ? [['#/campaigns', t('campaigns')]] : []),
      ['#/readiness', t('readiness')],
      ['#/reports', t('reports')],
    ].map(([href, text]) => h('a', { href, 'data-nav': href }, text)),
  );
  const header = h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: landing() }, h('img', { src: '/console/icon.svg', alt: '', width: 24, height: 24 }), h('span', {}, t('appName'))),
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

/**
 * The page's link scrolled into the middle of the header's links where they scroll sideways (a phone),
 * so that "Kiểm định lưu động" opened is not off the screen's edge; the page itself does not move.
 * @param {HTMLElement} link
 */
function showInNav(link) {
  const nav = link.parentElement;
  if (!nav || nav.scrollWidth <= nav.clientWidth) return;
  const offset = link.getBoundingClientRect().left - nav.getBoundingClientRect().left;
  nav.scrollLeft += offset - (nav.clientWidth - link.offsetWidth) / 2;
}

function route() {
  if (!S.api) return;
  const main = document.getElementById('main');
  if (!main) return;
  // #/section/id?filters — the filters a figure of the overview links with
  const [path, query = ''] = (location.hash || landing()).split('?');
  const [, section = 'alerts', id] = path.split('/').map(decodeURIComponent);
  const params = new URLSearchParams(query);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.getAttribute('data-nav') === `#/${section}`) {
      a.setAttribute('aria-current', 'page');
      showInNav(/** @type {HTMLElement} */ (a));
    } else a.removeAttribute('aria-current');
  }
  S.view = null;
  clear(main);
  if (section === 'alerts' && id) alertPage(main, id);
  else if (section === 'instruments' && id) instrumentPage(main, id);
  else if (section === 'instruments') instrumentsPage(main, params);
  else if (section === 'standards' && id) standardPage(main, id);
  else if (section === 'standards') standardsPage(main);
  else if (section === 'lots' && id) lotPage(main, id);
  else if (section === 'lots') lotsPage(main);
  else if (section === 'inspections' && id) inspectionPage(main, id);
  else if (section === 'inspections') inspectionsPage(main);
  else if (section === 'campaigns' && id) campaignPage(main, id);
  else if (section === 'campaigns') campaignsPage(main);
  else if (section === 'reports') reportsPage(main);
  else if (section === 'overview') overviewPage(main, params);
  else if (section === 'readiness') readinessPage(main, params);
  else if (section === 'checks') checksPage(main, params);
  else alertsPage(main, params);
}
window.addEventListener('hashchange', () => {
  route();
  document.getElementById('main')?.focus({ preventScroll: true });
});

// ── start ──
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  signIn(saved).then((ok) => {
    if (!ok) signOut(t('sessionEnded'));
  });
} else renderSignIn();
