// @ts-check
// Reference standards: the list with their calibration state (and the registration form for those who
// may register), and one standard: its facts, its calibration certificates (and the form to add one),
// and its impact, the instruments it served and the decisions a finding at its calibration puts in doubt.
import { h, clear, append, field, select } from './dom.js';
import { t, label, fmtDate, fmtNum, todayIn, fmtUnit, regionName } from './i18n.js';
import { S, api } from './session.js';
import { badge, decimalInput, decimalValue, errorBox, facts, options, quantityName, section, table, tenantName, zoneOf } from './blocks.js';
import { filterForm, listPage } from './list-page.js';
import { asFoundText, impactSection } from './standard-impact.js';
import { STANDARD_KINDS } from './vocabulary.js';

/** A standard's calibration state (GET /api/v1/standards/:id). */
const STANDARD_STATES = ['valid', 'expired', 'none'];
/** @import { List, Standard, StandardCertificate } from './types.js' */

/** The standard's owner: its enterprise, or the authority. @param {string | null} tenant */
const ownerName = (tenant) => (tenant === null ? t('standardAuthority') : tenantName(tenant));
/** Calibration state, coloured like a verification state. @param {Standard} s */
const stateBadge = (s) => badge(`verif verif-${s.state}`, label('sstate', s.state));
/** The role of the signed-in token (the authority's standards are the admin's), asked once per page. */
async function isAdmin() {
  try {
    return (await api().get('/api/v1/me')).role === 'admin';
  } catch {
    return false;
  }
}

/** @param {HTMLElement} main */
export function standardsPage(main) {
  const filters = { tenant: '', kind: '', state: '' };
  /** @type {Array<[string, string]>} */
  const owners = [['', t('all')], ...S.tenants.map((x) => /** @type {[string, string]} */ ([x.id, x.name]))];
  const load = listPage(main, {
    title: t('standards'),
    above: (reload) => [
      h('p', { class: 'muted' }, t('standardsHelp')),
      filterForm(
        filters,
        [
          ['tenant', t('standardOwner'), owners],
          ['kind', t('standardKind'), options(STANDARD_KINDS, 'skind')],
          ['state', t('state'), options(STANDARD_STATES, 'sstate')],
        ],
        reload,
      ),
    ],
    read: () => api().get('/api/v1/standards', filters),
    show: (/** @type {List<Standard>} */ r) => ({
      heads: [t('standardIdLabel'), t('standardName'), t('standardOwner'), t('quantity'), t('standardKind'), t('state'), t('validUntil'), t('lastCalibration')],
      rows: r.items.map((s) =>
        h(
          'tr',
          { 'data-standard': s.id },
          h('th', { scope: 'row' }, h('a', { href: `#/standards/${encodeURIComponent(s.id)}` }, s.id)),
          h('td', {}, s.name),
          h('td', {}, ownerName(s.tenant)),
          h('td', {}, `${quantityName(s.quantity)} (${fmtUnit(s.unit)})${s.gas ? ` · ${s.gas}` : ''}`),
          h('td', {}, s.kind ? label('skind', s.kind) : '—'),
          h('td', {}, stateBadge(s)),
          h('td', {}, fmtDate(s.validUntil, zoneOf(s.tenant))),
          h(
            'td',
            {},
            s.lastCalibration
              ? [s.lastCalibration.number, s.lastCalibration.asFound?.outOfTolerance ? [' ', badge('dec dec-fail', t('outOfTolerance'))] : null]
              : '—',
          ),
        ),
      ),
      empty: t('noStandards'),
      table: { class: 'standards' },
    }),
  });
  if (S.manage) isAdmin().then((admin) => main.isConnected && main.append(registerForm(admin, load)));
}

/** @param {boolean} admin may register the authority's @param {() => void} onDone */
function registerForm(admin, onDone) {
  const out = h('div');
  /** @param {string} name @param {Record<string, unknown>} [attrs] */
  const inp = (name, attrs = {}) => h('input', { name, type: 'text', autocomplete: 'off', ...attrs });
  const id = inp('id', { required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', maxlength: 64 });
  /** @type {Array<[string, string]>} */
  const owners = [
    ...(admin ? [/** @type {[string, string]} */ (['', t('standardAuthority')])] : []),
    ...S.tenants.map((x) => /** @type {[string, string]} */ ([x.id, `${x.name} (${regionName(x.region)})`])),
  ];
  const owner = select('tenant', owners, owners[0]?.[0] ?? '');
  const name = inp('name', { required: true, maxlength: 200 });
  const quantities = [...new Set(S.types.map((x) => x.quantity).filter((q) => typeof q === 'string'))].sort();
  const quantity = select(
    'quantity',
    quantities.map((q) => /** @type {[string, string]} */ ([/** @type {string} */ (q), quantityName(/** @type {string} */ (q))])),
    quantities[0],
    { required: true },
  );
  const unit = inp('unit', { required: true, maxlength: 32, placeholder: 'L, kg, hPa, ppm, mg/L' });
  const kind = select('kind', options(STANDARD_KINDS, 'skind', '—'), '');
  const klass = inp('class', { maxlength: 16 });
  const serial = inp('serial', { maxlength: 128 });
  const gas = inp('gas', { maxlength: 32 });
  const btn = h('button', { type: 'submit', class: 'primary' }, t('registerButton'));
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': t('registerStandard'),
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        clear(out);
        /** @type {Record<string, string>} */
        const body = { id: id.value.trim(), name: name.value.trim(), quantity: quantity.value, unit: unit.value.trim() };
        for (const [k, el] of /** @type {const} */ ([
          ['tenant', owner],
          ['kind', kind],
          ['class', klass],
          ['serial', serial],
          ['gas', gas],
        ]))
          if (el.value.trim()) body[k] = el.value.trim();
        try {
          /** @type {Standard} */
          const s = await api().post('/api/v1/standards', body);
          out.append(h('p', { class: 'ok', role: 'status' }, t('standardRegistered', { id: s.id })));
          form.reset();
          onDone();
        } catch (err) {
          out.append(errorBox(err));
        } finally {
          btn.disabled = false;
        }
      },
    },
    field(t('standardIdLabel'), id, t('standardIdHint')),
    field(t('standardOwner'), owner),
    field(t('standardName'), name),
    field(t('quantity'), quantity),
    field(t('unit'), unit),
    field(`${t('standardKind')} (${t('optional')})`, kind),
    field(`${t('class')} (${t('optional')})`, klass),
    field(`${t('serial')} (${t('optional')})`, serial),
    field(`${t('gas')} (${t('optional')})`, gas),
    h('div', { class: 'form-actions' }, btn),
  );
  return section(t('registerStandard'), form, out);
}

/** @param {HTMLElement} main @param {string} id */
export async function standardPage(main, id) {
  const sid = encodeURIComponent(id);
  const loading = h('p', { class: 'muted' }, t('loading'));
  main.append(h('p', {}, h('a', { href: '#/standards', class: 'back' }, `← ${t('backToStandards')}`)), loading);
  /** @type {Standard} */
  let s;
  try {
    s = await api().get(`/api/v1/standards/${sid}`);
  } catch (e) {
    loading.replaceWith(errorBox(e));
    return;
  }
  if (!loading.isConnected) return; // another page was opened meanwhile
  loading.replaceWith(
    h('h1', {}, `${s.id} — ${s.name}`),
    section(
      t('standard'),
      facts([
        [t('standardOwner'), ownerName(s.tenant)],
        [t('quantity'), quantityName(s.quantity)],
        [t('unit'), fmtUnit(s.unit)],
        s.kind ? [t('standardKind'), label('skind', s.kind)] : null,
        s.class ? [t('class'), s.class] : null,
        s.serial ? [t('serial'), s.serial] : null,
        s.gas ? [t('gas'), s.gas] : null,
        [t('state'), stateBadge(s)],
        [t('validUntil'), fmtDate(s.validUntil, zoneOf(s.tenant))],
      ]),
    ),
  );
  const certBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const impactBox = h('div');
  const impact = impactSection(s, impactBox);
  main.append(section(t('standardCertificates'), certBox), impact.card);
  const mayCalibrate = S.manage && (s.tenant !== null || (await isAdmin()));
  // a new calibration may be a finding: the impact is asked again
  const calibrated = () => {
    loadCerts();
    impact.load();
  };
  const loadCerts = () =>
    api()
      .get(`/api/v1/standards/${sid}/certificates`)
      .then((/** @type {List<StandardCertificate>} */ r) =>
        append(clear(certBox), [
          certificatesTable(r.items, fmtUnit(s.unit), zoneOf(s.tenant)),
          mayCalibrate ? certificateForm(sid, calibrated, zoneOf(s.tenant)) : null,
        ]),
      )
      .catch((e) => clear(certBox).append(errorBox(e)));
  loadCerts();
}

/** @param {StandardCertificate[]} items @param {string} unit @param {string} zone the owner's (the authority's: the gateway's default) */
function certificatesTable(items, unit, zone) {
  return items.length
    ? table(
        t('standardCertificates'),
        [t('number'), t('issuedBy'), t('issuedAt'), t('validUntil'), t('certUncertainty'), t('traceableTo'), t('asFound')],
        items.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, c.number),
            h('td', {}, c.issuedBy),
            h('td', {}, fmtDate(c.issuedAt, zone)),
            h('td', {}, fmtDate(c.validUntil, zone)),
            h('td', { class: 'num' }, `${fmtNum(c.uncertainty, 6)} ${unit}`),
            h('td', {}, c.traceableTo ?? '—'),
            h('td', {}, asFoundText(c.asFound, unit)),
          ),
        ),
      )
    : h('p', { class: 'muted' }, t('noCertificates'));
}

/** @param {string} sid the standard's id, as in a URL @param {() => void} onDone @param {string} zone the owner's: the form's today */
function certificateForm(sid, onDone, zone) {
  const out = h('div');
  const number = h('input', { name: 'number', type: 'text', required: true, maxlength: 128 });
  const issuedBy = h('input', { name: 'issuedBy', type: 'text', required: true, maxlength: 200 });
  const issuedAt = h('input', { name: 'issuedAt', type: 'date', required: true, value: todayIn(zone) });
  const validUntil = h('input', { name: 'validUntil', type: 'date', required: true });
  const uncertainty = decimalInput('uncertainty', { required: true });
  const traceableTo = h('input', { name: 'traceableTo', type: 'text', maxlength: 300 });
  // an error found before adjustment: of either sign
  const asFoundError = decimalInput('asFoundError', { negative: true });
  const oot = h('input', { name: 'asFoundOot', type: 'checkbox' });
  const btn = h('button', { type: 'submit', class: 'primary' }, t('save'));
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': t('addStandardCertificate'),
      onsubmit: async (e) => {
        e.preventDefault();
        clear(out);
        btn.disabled = true;
        /** @type {Record<string, unknown>} */
        const body = {
          number: number.value.trim(),
          issuedBy: issuedBy.value.trim(),
          // dates as printed on the certificate: the API reads them as days of the enterprise's zone
          issuedAt: issuedAt.value,
          validUntil: validUntil.value,
          uncertainty: decimalValue(uncertainty),
        };
        if (traceableTo.value.trim()) body.traceableTo = traceableTo.value.trim();
        const found = decimalValue(asFoundError);
        if (found !== undefined || oot.checked) body.asFound = { error: found ?? 0, outOfTolerance: oot.checked };
        try {
          /** @type {StandardCertificate} */
          const c = await api().post(`/api/v1/standards/${sid}/certificates`, body);
          S.flash = t('standardCertificateAdded', { number: c.number }); // shown above the form drawn again
          onDone();
        } catch (err) {
          out.append(errorBox(err));
        } finally {
          btn.disabled = false;
        }
      },
    },
    field(t('number'), number),
    field(t('issuedBy'), issuedBy),
    field(t('issuedAt'), issuedAt),
    field(t('validUntil'), validUntil),
    field(t('certUncertainty'), uncertainty),
    field(`${t('traceableTo')} (${t('optional')})`, traceableTo),
    field(`${t('asFoundError')} (${t('optional')})`, asFoundError),
    h('label', { class: 'checkbox' }, oot, t('asFoundOot')),
    h('div', { class: 'form-actions' }, btn),
  );
  const flash = S.flash ? h('p', { class: 'ok', role: 'status' }, S.flash) : null;
  S.flash = null;
  return h('div', { class: 'subsection' }, flash, h('h3', {}, t('addStandardCertificate')), form, out);
}
