// @ts-check
// Lots of prepackages (docs/contract.md §6): the list filtered by enterprise and verdict with the form to
// declare a lot, and one lot filling as its packages arrive (polled while it is pending, and
// reloaded when its lot-fail alert comes on the live stream): sample, T1/T2, mean against its
// limit, the verdict with its reasons, the weighing instrument's fitness, and a form to enter
// packages by hand.
import { h, clear, field, select } from './dom.js';
import { t, label, fmtDateTime, fmtNum } from './i18n.js';
import { S, api } from './session.js';
import { badge, errorBox, facts, options, section, tenantName, tenantOptions } from './blocks.js';
import { filterForm, listPage } from './list-page.js';
import { LOT_VERDICTS } from './vocabulary.js';
/** @import { Attrs } from './dom.js' */
/** @import { Device, List, Lot } from './types.js' */

const UNITS = ['g', 'kg', 'mL', 'L'];
/** How often a pending lot is read again while its page is shown. */
const POLL_MS = 2000;

/** @param {string} v */
const verdictBadge = (v) => badge(`verdict verdict-${v}`, label('verdict', v));
/** A quantity in the lot's unit. @param {number | null | undefined} x @param {string} unit */
const qty = (x, unit) => (x === null || x === undefined ? '—' : `${fmtNum(x, unit === 'kg' || unit === 'L' ? 5 : 2)} ${unit}`);

/** @param {HTMLElement} main */
export function lotsPage(main) {
  const filters = { tenant: '', verdict: '' };
  listPage(main, {
    title: t('lots'),
    above: (reload) => [
      filterForm(
        filters,
        [
          ['tenant', t('tenant'), tenantOptions()],
          ['verdict', t('verdict'), options(LOT_VERDICTS, 'verdict')],
        ],
        reload,
      ),
    ],
    read: () => api().get('/api/v1/lots', filters),
    show: (/** @type {List<Lot>} */ r) => {
      const heads = [t('lot'), t('tenant'), t('product'), t('nominal'), t('measured'), t('verdict'), t('t1Short'), t('t2Short')];
      const rows = r.items.map((l) =>
        h(
          'tr',
          { 'data-lot': l.id },
          h('th', { scope: 'row' }, h('a', { href: `#/lots/${encodeURIComponent(l.id)}` }, l.id)),
          [
            tenantName(l.tenant),
            l.product,
            qty(l.nominal, l.unit),
            t('progress', { m: l.measured, n: l.sampleSize }),
            verdictBadge(l.verdict),
            `${l.t1} / ${l.allowedT1}`,
            String(l.t2),
          ].map((c, i) => h('td', { 'data-label': heads[i + 1] }, c)),
        ),
      );
      return { heads, rows, empty: t('noLots') };
    },
  });
  if (S.manage) main.append(declareForm());
}

/** The declaration form (admins and operators); on success it opens the new lot. */
// Over 80 lines: the form's fields, one h() each, and its submit.
function declareForm() {
  const out = h('div');
  /** @param {string} name @param {Attrs} [attrs] */
  const inp = (name, attrs = {}) => h('input', { name, type: 'text', ...attrs });
  const num = (/** @type {string} */ name, /** @type {Attrs} */ attrs = {}) =>
    inp(name, { type: 'number', step: 'any', min: '0', inputmode: 'decimal', ...attrs });
  const id = inp('id', { required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', maxlength: 64, autocomplete: 'off' });
  const tenant = select(
    'tenant',
    S.tenants.map((x) => /** @type {const} */ ([x.id, `${x.name} (${x.region})`])),
    S.tenants[0]?.id,
    { required: true },
  );
  const product = inp('product', { required: true, maxlength: 128 });
  const nominal = num('nominal', { required: true });
  const unit = select(
    'unit',
    UNITS.map((u) => /** @type {const} */ ([u, u])),
    'g',
  );
  const lotSize = num('lotSize', { required: true, step: '1', min: '1', inputmode: 'numeric' });
  const scale = select('scale', [['', t('noScale')]], '');
  const averageTare = num('averageTare');
  const density = num('density');
  const destructive = h('input', { name: 'destructive', type: 'checkbox' });
  const btn = h('button', { type: 'submit', class: 'primary' }, t('declareButton'));
  // the tenant's weighing instruments (types that measure mass) as the scale to name
  const massTypes = new Set(S.types.filter((x) => x.quantity === 'mass').map((x) => x.id));
  /** @type {Device[]} */
  let devices = [];
  const fillScales = () => {
    clear(scale).append(
      h('option', { value: '' }, t('noScale')),
      ...devices.filter((d) => d.tenant === tenant.value && massTypes.has(d.type)).map((d) => h('option', { value: d.id }, `${d.id} (${d.serial})`)),
    );
  };
  tenant.addEventListener('change', fillScales);
  api()
    .get('/api/v1/devices')
    .then((/** @type {List<Device>} */ r) => {
      devices = r.items;
      fillScales();
    })
    .catch(() => undefined);
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': t('declareLot'),
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        clear(out);
        /** @type {Record<string, unknown>} */
        const b = {
          id: id.value.trim(),
          tenant: tenant.value,
          product: product.value.trim(),
          nominal: Number(nominal.value),
          unit: unit.value,
          lotSize: Number(lotSize.value),
        };
        if (scale.value) b.scale = scale.value;
        if (averageTare.value !== '') b.averageTare = Number(averageTare.value);
        if (density.value !== '') b.density = Number(density.value);
        if (destructive.checked) b.destructive = true;
        try {
          /** @type {Lot} */
          const lot = await api().post('/api/v1/lots', b);
          S.flash = t('declared', { id: lot.id, n: lot.sampleSize, t: qty(lot.tolerableDeficiency, lot.unit) });
          location.hash = `#/lots/${encodeURIComponent(lot.id)}`;
        } catch (err) {
          out.append(refusal(err));
          btn.disabled = false;
        }
      },
    },
    field(t('lotId'), id, t('lotIdHint')),
    field(t('tenant'), tenant),
    field(t('product'), product),
    field(t('nominal'), nominal),
    field(t('unit'), unit),
    field(t('lotSize'), lotSize),
    field(`${t('scaleInstrument')} (${t('optional')})`, scale),
    field(`${t('averageTare')} (${t('optional')})`, averageTare, t('averageTareHint')),
    field(`${t('density')} (${t('optional')})`, density),
    h('div', { class: 'field check' }, h('label', {}, destructive, ' ', t('destructive'))),
    h('div', { class: 'form-actions' }, btn),
  );
  return section(t('declareLot'), form, out);
}

/** The API's refusal: each reason on its own line (a lot the plans cannot judge has several). @param {unknown} e */
function refusal(e) {
  const details = /** @type {{ details?: unknown }} */ (e).details;
  if (!Array.isArray(details)) return errorBox(e);
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('p', {}, String(/** @type {Error} */ (e).message)),
    h(
      'ul',
      {},
      details.map((d) => h('li', {}, String(d?.message ?? d))),
    ),
  );
}

/** @param {HTMLElement} main @param {string} id */
export async function lotPage(main, id) {
  const path = `/api/v1/lots/${encodeURIComponent(id)}`;
  const loading = h('p', { class: 'muted' }, t('loading'));
  main.append(h('p', {}, h('a', { href: '#/lots', class: 'back' }, `← ${t('backToLots')}`)), loading);
  const view = h('div', { 'data-lot-view': id });
  const flash = S.flash ? h('p', { class: 'ok', role: 'status' }, S.flash) : null;
  S.flash = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const show = (/** @type {Lot} */ lot) => {
    clear(view).append(...lotSections(lot));
    clearTimeout(timer);
    if (lot.verdict === 'pending') timer = setTimeout(refresh, POLL_MS);
  };
  const refresh = async () => {
    if (!view.isConnected) return; // the page was left: stop polling
    try {
      show(await api().get(path));
    } catch (e) {
      clear(view).append(errorBox(e));
    }
  };
  /** @type {Lot} */
  let lot;
  try {
    lot = await api().get(path);
  } catch (e) {
    loading.replaceWith(errorBox(e));
    return;
  }
  if (!loading.isConnected) return; // another page was opened meanwhile
  loading.replaceWith(h('h1', {}, `${t('lot')} ${lot.id}`), flash ?? '', view);
  show(lot);
  if (S.manage) main.append(packagesForm(lot, show));
  // a lot-fail alert on the live stream: the verdict is in
  S.view = { onAlert: (a) => (a.kind === 'lot-fail' && a.key === lot.id ? void refresh() : undefined) };
}

/** @param {Lot} l */
function lotSections(l) {
  const progress = Math.min(1, l.sampleSize ? l.measured / l.sampleSize : 0);
  return [
    h(
      'p',
      { class: 'line1 lot-verdict' },
      verdictBadge(l.verdict),
      h('span', { 'data-measured': String(l.measured) }, t('progress', { m: l.measured, n: l.sampleSize })),
    ),
    h(
      'progress',
      {
        class: 'lot-progress',
        max: String(l.sampleSize),
        value: String(Math.min(l.measured, l.sampleSize)),
        'aria-label': t('progress', { m: l.measured, n: l.sampleSize }),
      },
      `${Math.round(progress * 100)} %`,
    ),
    section(
      t('lot'),
      facts([
        [t('tenant'), tenantName(l.tenant)],
        [t('product'), l.product],
        [t('nominal'), qty(l.nominal, l.unit)],
        [t('tolerableDeficiency'), qty(l.tolerableDeficiency, l.unit)],
        [t('lotSize'), String(l.lotSize)],
        [t('plan'), h('span', {}, h('code', {}, l.plan), l.planUnconfirmed ? [' ', badge('sev sev-warning', t('unconfirmed'))] : null)],
        [t('sampleSize'), String(l.sampleSize)],
        l.averageTare !== undefined ? [t('averageTare'), qty(l.averageTare, l.measuredUnit ?? l.unit)] : null,
        l.density !== undefined ? [t('density'), `${fmtNum(l.density)} g/mL`] : null,
        [t('declaredAt'), fmtDateTime(l.createdAt)],
        l.judgedAt ? [t('judgedAt'), fmtDateTime(l.judgedAt)] : null,
      ]),
    ),
    section(
      t('verdict'),
      facts([
        [t('verdict'), verdictBadge(l.verdict)],
        [
          t('t1Count'),
          h(
            'span',
            { class: l.t1 > l.allowedT1 ? 'warn' : '' },
            t('t1Of', { n: l.t1, max: l.allowedT1 }),
            l.t1Positions.length ? ` — ${t('positions', { list: l.t1Positions.join(', ') })}` : '',
          ),
        ],
        [
          t('t2Count'),
          h('span', { class: l.t2 > 0 ? 'warn' : '' }, String(l.t2), l.t2Positions.length ? ` — ${t('positions', { list: l.t2Positions.join(', ') })}` : ''),
        ],
        [t('mean'), qty(l.mean, l.unit)],
        [t('stdDev'), qty(l.stdDev, l.unit)],
        [
          t('averageLimit'),
          h('span', { class: l.mean !== null && l.averageLimit !== null && l.mean < l.averageLimit ? 'warn' : '' }, qty(l.averageLimit, l.unit)),
        ],
      ]),
      h('h3', {}, t('reasons')),
      h('p', { class: 'muted hint' }, t('reasonsAsWritten')),
      h(
        'ol',
        { class: 'reasons', lang: 'en' },
        l.reasons.map((r) => h('li', {}, r)),
      ),
    ),
    section(
      t('scaleInstrument'),
      facts([
        [t('device'), l.scale.id ? h('a', { href: `#/instruments/${encodeURIComponent(l.scale.id)}` }, l.scale.id) : '—'],
        [t('fitness'), badge(l.scale.suitable ? 'verdict verdict-pass' : 'verdict verdict-fail', t(l.scale.suitable ? 'fit' : 'unfit'))],
        l.scale.mpe !== undefined ? [t('mpeAtLoad'), qty(l.scale.mpe, l.unit)] : null,
        l.scale.limit !== undefined ? [t('mpeLimit'), qty(l.scale.limit, l.unit)] : null,
        [t('reason'), h('span', { lang: 'en' }, l.scale.reason)],
      ]),
    ),
  ];
}

/**
 * Packages entered by hand: net or gross values, in the lot's measured unit.
 * @param {Lot} lot @param {(lot: Lot) => void} onAdded
 */
function packagesForm(lot, onAdded) {
  const unit = lot.measuredUnit ?? lot.unit;
  const values = h('textarea', { name: 'values', rows: 4, required: true, inputmode: 'decimal', spellcheck: 'false' });
  const kind = select(
    'kind',
    [
      ['net', label('weighing', 'net')],
      ['gross', label('weighing', 'gross')],
    ],
    'net',
  );
  const out = h('div');
  const btn = h('button', { type: 'submit', class: 'primary' }, t('add'));
  const form = h(
    'form',
    {
      class: 'action',
      'aria-label': t('addPackages'),
      onsubmit: async (e) => {
        e.preventDefault();
        clear(out);
        const numbers = values.value
          .split(/[\s,;]+/)
          .filter(Boolean)
          .map(Number);
        if (!numbers.length || numbers.some((x) => !Number.isFinite(x))) {
          out.append(h('p', { class: 'error', role: 'alert' }, t('badNumbers')));
          values.focus();
          return;
        }
        btn.disabled = true;
        try {
          /** @type {Lot & { added: number }} */
          const r = await api().post(`/api/v1/lots/${encodeURIComponent(lot.id)}/packages`, { items: numbers.map((x) => ({ [kind.value]: x })) });
          out.append(h('p', { class: 'ok', role: 'status' }, t('added', { n: r.added })));
          values.value = '';
          onAdded(r);
        } catch (err) {
          out.append(refusal(err));
        } finally {
          btn.disabled = false;
        }
      },
    },
    field(t('measurement'), kind),
    field(t('packageValues', { unit }), values, t('packagesHint', { unit })),
    out,
    btn,
  );
  return section(t('addPackages'), form);
}
