// @ts-check
// The instruments page: the list with verification state, filtered by enterprise, type and
// verification state (and by region and due date when an overview figure links here); the
// registration form for those who may register.
import { h, clear, field, select } from './dom.js';
import { t, fmtDate, fmtDateTime } from './i18n.js';
import { S, api } from './session.js';
/** @import { Attrs } from './dom.js' */
/** @import { Device, List } from './types.js' */
import { badge, errorBox, filterChips, options, section, tenantName, tenantOptions, typeName, typeOptions, verifBadge } from './blocks.js';
import { filterForm, listPage } from './list-page.js';
import { VERIFICATION_STATES } from './vocabulary.js';

/** @param {HTMLElement} main @param {URLSearchParams} [params] filters from the link that opened the page */
export function instrumentsPage(main, params = new URLSearchParams()) {
  /** @type {{ region?: string, dueWithinDays?: string }} filters only a link brings */
  const extra = {};
  if ([...params.keys()].length) {
    S.devFilters.tenant = params.get('tenant') ?? '';
    S.devFilters.type = params.get('type') ?? '';
    S.devFilters.status = params.get('verification') ?? params.get('status') ?? '';
    for (const k of /** @type {const} */ (['region', 'dueWithinDays'])) {
      const v = params.get(k);
      if (v) extra[k] = v;
    }
  }
  const load = listPage(main, {
    title: t('instruments'),
    above: (reload) => [
      filterForm(
        S.devFilters,
        [
          ['tenant', t('tenant'), tenantOptions()],
          ['type', t('type'), typeOptions()],
          ['status', t('verification'), options(VERIFICATION_STATES, 'verif')],
        ],
        reload,
      ),
      filterChips(params, '#/instruments'),
    ],
    read: () => api().get('/api/v1/devices', { ...S.devFilters, ...extra }),
    show: (/** @type {List<Device>} */ r) => {
      const heads = [t('device'), t('tenant'), t('type'), t('serial'), t('verification'), t('dueDate'), t('lastSeen'), t('predicted')];
      const rows = r.items.map((d) => {
        const p = (d.drift ?? [])
          .map((x) => x.predictedOutOfToleranceAt)
          .filter(Boolean)
          .sort()[0];
        const cells = [
          d.tenant === undefined ? '' : tenantName(d.tenant),
          typeName(d.type),
          d.serial,
          d.sealed ? h('span', {}, verifBadge(d.verification), ' ', badge('sev sev-critical', t('sealedOff'))) : verifBadge(d.verification),
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
      return { heads, rows, empty: t('noInstruments'), count: r.items.length, table: { class: 'devices' } };
    },
  });
  if (S.manage) main.append(registerForm(() => load()));
}

/** @param {() => void} onDone called once an instrument is registered */
function registerForm(onDone) {
  const out = h('div');
  /** @param {string} name @param {Attrs} [attrs] */
  const inp = (name, attrs = {}) => h('input', { name, type: 'text', ...attrs });
  const id = inp('id', { required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', maxlength: 64, autocomplete: 'off' });
  const tenant = select(
    'tenant',
    S.tenants.map((x) => /** @type {const} */ ([x.id, `${x.name} (${x.region})`])),
    S.tenants[0]?.id,
    { required: true },
  );
  const type = select(
    'type',
    S.types.map((x) => /** @type {const} */ ([x.id, typeName(x.id)])),
    S.types[0]?.id,
    { required: true },
  );
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
        /** @type {Record<string, string>} */
        const body = { id: id.value.trim(), tenant: tenant.value, type: type.value, serial: serial.value.trim() };
        for (const [k, el] of /** @type {const} */ ([
          ['model', model],
          ['site', site],
          ['class', klass],
        ]))
          if (el.value.trim()) body[k] = el.value.trim();
        try {
          /** @type {Device & { secret: string }} */
          const d = await api().post('/api/v1/devices', body);
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

/**
 * The MQTT secret, shown once: it lives only in this DOM node until the user dismisses it.
 * @param {string} id @param {string} secret
 */
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
