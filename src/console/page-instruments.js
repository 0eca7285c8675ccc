// @ts-check
// The instruments page: the list with verification state, filtered by enterprise, type and
// verification state (and by region and due date when an overview figure links here); the
// registration form for those who may register.
import { h, clear, field, nextId, select } from './dom.js';
import { t, label, lang, DICTS, figureAsWritten, fmtDate, fmtDateTime, fmtNum, fmtUnit, regionName } from './i18n.js';
import { S, api, ownEnterpriseOnly } from './session.js';
/** @import { Attrs, Child } from './dom.js' */
/** @import { Alert, Device, List } from './types.js' */
import {
  decimalInput,
  decimalValue,
  errorBox,
  setDecimal,
  filterChips,
  instrumentStatus,
  options,
  predictionState,
  section,
  statusBadges,
  tenantName,
  typeName,
  typeOptions,
  verifBadge,
  zoneOf,
} from './blocks.js';
import { enterpriseFilter, filterForm, listPage } from './list-page.js';
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
  // A search among the instruments listed (their id, serial, site, model), as an inspector at a station
  // looks for the one in front of him by the serial on its plate: the list is read once, the rows filtered here.
  const search = h('input', { type: 'search', name: 'q', autocomplete: 'off', enterkeyhint: 'search', spellcheck: 'false' });
  const none = h('p', { class: 'muted count', role: 'status', hidden: true });
  const findRows = () => {
    const words = searchable(search.value).split(/\s+/).filter(Boolean);
    let shown = 0;
    const rows = main.querySelectorAll('tr[data-search]');
    for (const tr of rows) {
      const hit = words.every((w) => (tr.getAttribute('data-search') ?? '').includes(w));
      /** @type {HTMLElement} */ (tr).hidden = !hit;
      if (hit) shown++;
    }
    // what the search leaves, said where the list's count is no longer what is seen
    const q = search.value.trim();
    none.textContent = shown ? t('instrumentsMatching', { n: shown, q }) : t('noInstrumentsMatch', { q });
    none.hidden = !(rows.length && words.length);
  };
  search.addEventListener('input', findRows);
  const load = listPage(main, {
    title: t('instruments'),
    above: (reload) => [
      filterForm(
        S.devFilters,
        [...enterpriseFilter(), ['type', t('type'), typeOptions()], ['status', t('verification'), options(VERIFICATION_STATES, 'verif')]],
        reload,
      ),
      h('form', { class: 'search', role: 'search', onsubmit: (e) => e.preventDefault() }, field(t('searchInstruments'), search)),
      filterChips(params, '#/instruments'),
      none,
    ],
    // the unresolved alerts of every instrument listed, in one request: each row's status, worst first
    read: () =>
      Promise.all([
        api().get('/api/v1/devices', { ...S.devFilters, ...extra }),
        api()
          .get('/api/v1/alerts', { state: 'unresolved', limit: 5000, ...(S.devFilters.tenant ? { tenant: S.devFilters.tenant } : {}) })
          .catch(() => null),
      ]),
    show: (/** @type {[List<Device>, List<Alert> | null]} */ [r, alerts]) => {
      const heads = [
        t('device'),
        t('instrumentStatus'),
        ...(ownEnterpriseOnly() ? [] : [t('tenant')]),
        t('type'),
        t('serial'),
        t('verification'),
        t('dueDate'),
        t('lastSeen'),
        t('predicted'),
      ];
      for (const d of r.items) S.deviceTypes.set(d.id, d.type);
      /** @type {Map<string, Alert[]>} */
      const byDevice = new Map();
      for (const a of alerts?.items ?? []) byDevice.set(a.device, [...(byDevice.get(a.device) ?? []), a]);
      const listed = r.items
        .map((d, i) => ({ d, i, status: instrumentStatus(d, byDevice.get(d.id) ?? []) }))
        // worst first, else in the API's order
        .sort((a, b) => b.status.rank - a.status.rank || a.i - b.i);
      const rows = listed.map(({ d, status }) => {
        const p = (d.drift ?? [])
          .map((x) => x.predictedOutOfToleranceAt)
          .filter(Boolean)
          .sort()[0];
        // a day already past said as such (blocks.js predictionState); whether a check fails now is the status
        // column's, from the alerts: the list has no checks at hand
        const said = p ? predictionState(p, { zone: zoneOf(d.tenant) }) : null;
        // [class, content]: the enterprise's and the type's names given room to be read (styles.css table.devices)
        /** @type {Array<[string | null, Child]>} */
        const cells = [
          [null, alerts ? statusBadges(status) : h('span', { class: 'muted' }, '—')],
          ...(ownEnterpriseOnly() ? [] : [/** @type {[string, string]} */ (['tenant', d.tenant === undefined ? '' : tenantName(d.tenant)])]),
          ['type', typeName(d.type)],
          [null, d.serial],
          [null, verifBadge(d.verification)],
          [null, fmtDate(d.verification?.validUntil, zoneOf(d.tenant))],
          [null, d.lastSeenAt ? fmtDateTime(d.lastSeenAt, zoneOf(d.tenant)) : t('never')],
          [null, said ? h('span', { class: said.state === 'reached' ? 'crit' : 'warn', 'data-prediction': said.state }, said.text) : '—'],
        ];
        // data-label: on a phone each row is shown as a card with the column names beside the values
        return h(
          'tr',
          { 'data-device': d.id, 'data-search': searchable([d.id, d.serial, d.site, d.model].filter(Boolean).join(' ')) },
          h('th', { scope: 'row' }, h('a', { href: `#/instruments/${encodeURIComponent(d.id)}` }, d.id)),
          cells.map(([cls, c], i) => h('td', { class: cls, 'data-label': heads[i + 1] }, c)),
        );
      });
      queueMicrotask(findRows); // the list read again (a filter changed) is searched as typed
      return { heads, rows, empty: t('noInstruments'), count: r.items.length, table: { class: 'devices' } };
    },
  });
  if (S.manage) main.append(registerForm(() => load()));
}

/**
 * A text as a search compares it: lower case, without the Vietnamese marks ("Cột số 2" is found by
 * "cot so 2", as typed on a keyboard without them).
 * @param {string} text
 */
const searchable = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd').toLowerCase();

/**
 * An accuracy class as the form offers it, with the MPE the type's profile (GET /api/v1/instrument-types)
 * gives it: "Cấp A (MPE ±0,1 hPa)", "mặc định của loại (MPE ±0,3 hPa)", "Cấp III (MPE 0,5 e … 1,5 e)",
 * "Cấp 0,5 (MPE ±0,5 %)", "Cấp 2 (MPE Q1 ±5 %, Q2–Q4 ±2 %)". A class key the console has no word for is shown as the profile writes it.
 * @param {string} c the class key @param {string | undefined} kind the rule's kind (byClass, accuracyClass, scaleIntervals, byTestPoint)
 * @param {unknown} rule the class's rule @param {string} unit the type's canonical unit
 */
function classLabel(c, kind, rule, unit) {
  const words = DICTS[lang()];
  const name =
    c === 'default' ? t('classDefault') : (words[`class.${c}`] ?? (/^[0-9.]+$/.test(c) ? t('classNamed', { c: figureAsWritten(c) }) : t('classNamed', { c })));
  /** @type {string} */
  let mpe = '';
  const r = /** @type {{ kind?: string, value?: number, percent?: number } | number | Array<{ mpeE: number }> | undefined} */ (rule);
  if (kind === 'accuracyClass' && typeof r === 'number') mpe = `±${fmtNum(r)} %`;
  else if (kind === 'scaleIntervals' && Array.isArray(r) && r.length) mpe = `±${fmtNum(r[0].mpeE)} e … ±${fmtNum(r[r.length - 1].mpeE)} e`;
  else if (r && typeof r === 'object' && !Array.isArray(r) && r.kind === 'absolute' && Number.isFinite(r.value)) mpe = `±${fmtNum(r.value)} ${fmtUnit(unit)}`;
  else if (r && typeof r === 'object' && !Array.isArray(r) && r.kind === 'relative' && Number.isFinite(r.percent)) mpe = `±${fmtNum(r.percent)} %`;
  else if (kind === 'byTestPoint' && r && typeof r === 'object' && !Array.isArray(r)) {
    // a water meter's flow zones by test point: consecutive points with one limit joined, "Q1 ±5 %, Q2–Q4 ±2 %"
    /** @type {Array<[string, string, string]>} first point, last point, limit */
    const runs = [];
    for (const [p, pr] of Object.entries(/** @type {Record<string, { kind?: string, value?: number, percent?: number }>} */ (r))) {
      const lim = pr?.kind === 'relative' ? `±${fmtNum(pr.percent)} %` : pr?.kind === 'absolute' ? `±${fmtNum(pr.value)} ${fmtUnit(unit)}` : '';
      const last = runs[runs.length - 1];
      if (last && last[2] === lim) last[1] = p;
      else runs.push([p, p, lim]);
    }
    mpe = runs
      .filter(([, , lim]) => lim)
      .map(([a, b, lim]) => `${a === b ? a : `${a}–${b}`} ${lim}`)
      .join(', ');
  }
  return mpe ? `${name} (${t('mpeShort')} ${mpe})` : name;
}

/** @param {() => void} onDone called once an instrument is registered */
function registerForm(onDone) {
  const out = h('div');
  /** @param {string} name @param {Attrs} [attrs] */
  const inp = (name, attrs = {}) => h('input', { name, type: 'text', ...attrs });
  const id = inp('id', { required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', maxlength: 64, autocomplete: 'off' });
  const tenant = select(
    'tenant',
    S.tenants.map((x) => /** @type {const} */ ([x.id, `${x.name} (${regionName(x.region)})`])),
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
  // What sets the instrument's MPE and legal interval, as its type asks for it (a scale judged with
  // the type's defaults, e = 0.05 kg on 0–150 kg, passes a 30 kg, e = 10 g scale 40 g short)
  const klass = select('class', [], '');
  const klassField = field(t('class'), klass);
  // typed as the reader writes numbers (blocks.js decimalInput): "0,005" kg, not 5
  const num = (/** @type {string} */ name) => decimalInput(name);
  const eInput = num('e');
  const eField = field(t('scaleIntervalIn', { unit: '' }), eInput);
  const max = num('max');
  const maxField = field(t('maxIn', { unit: '' }), max);
  const construction = select('construction', [], '');
  const constructionField = field(t('construction'), construction);
  // a use in trade with requirements of its own (profile tradeUses): a gold shop's balance must have a fine enough e
  const use = select('use', [], '');
  const useField = field(t('tradeUse'), use);
  const mmq = num('mmq');
  const mmqHint = h('small', { class: 'hint', id: nextId('mmq-hint') });
  mmq.setAttribute('aria-describedby', mmqHint.id);
  const mmqField = field(`${t('mmqIn', { unit: '' })} (${t('optional')})`, mmq);
  mmqField.append(mmqHint);
  /** @param {HTMLElement} f @param {string} text */
  const relabel = (f, text) => {
    const l = f.querySelector('label');
    if (l) l.textContent = text;
  };
  /** @param {HTMLSelectElement} sel @param {ReadonlyArray<readonly [string, string]>} options @param {string} value */
  const refill = (sel, options, value) => {
    clear(sel);
    sel.append(...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  };
  const fit = () => {
    const p = S.types.find((x) => x.id === type.value);
    const v = /** @type {{ kind?: string, classes?: Record<string, unknown>, defaultClass?: string, defaultMmq?: number } | undefined} */ (
      p?.mpe?.verification
    );
    const unit = p?.canonicalUnit ?? '';
    const classes = Object.keys(v?.classes ?? {});
    klassField.hidden = classes.length === 0;
    refill(
      klass,
      classes.map((c) => /** @type {const} */ ([c, classLabel(c, v?.kind, v?.classes?.[c], unit)])),
      v?.defaultClass ?? classes[0] ?? '',
    );
    const weighing = v?.kind === 'scaleIntervals';
    eField.hidden = maxField.hidden = !weighing;
    eInput.required = max.required = weighing;
    relabel(eField, t('scaleIntervalIn', { unit }));
    relabel(maxField, t('maxIn', { unit }));
    const uses = Object.keys(/** @type {{ tradeUses?: Record<string, unknown> } | undefined} */ (p)?.tradeUses ?? {});
    useField.hidden = uses.length === 0;
    refill(use, [['', t('tradeUseGeneral')], ...uses.map((k) => /** @type {const} */ ([k, label('tradeUse', k)]))], '');
    const constructions = Object.entries(p?.verificationIntervalMonthsByConstruction ?? {});
    constructionField.hidden = constructions.length === 0;
    // "Kiểu cân" is a scale's word; a water meter's construction is mechanical or electronic
    relabel(constructionField, weighing ? t('construction') : t('constructionOfInstrument'));
    refill(
      construction,
      [
        ['', t('constructionOther', { months: p?.verificationIntervalMonths ?? 12 })],
        ...constructions.map(([k, months]) => /** @type {const} */ ([k, t('constructionMonths', { construction: label('construction', k), months })])),
      ],
      '',
    );
    mmqField.hidden = v?.defaultMmq === undefined;
    relabel(mmqField, `${t('mmqIn', { unit })} (${t('optional')})`);
    mmqHint.textContent = v?.defaultMmq === undefined ? '' : t('mmqHint', { mmq: v.defaultMmq, unit });
    // a figure left in a field this type does not ask for is not sent, and must not keep the form from being sent
    for (const [el, f] of /** @type {const} */ ([
      [eInput, eField],
      [max, maxField],
      [mmq, mmqField],
    ]))
      if (f.hidden && el.value) setDecimal(el, undefined);
  };
  type.addEventListener('change', fit);
  fit();
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
        /** @type {Record<string, string | number>} */
        const body = { id: id.value.trim(), tenant: tenant.value, type: type.value, serial: serial.value.trim() };
        for (const [k, el] of /** @type {const} */ ([
          ['model', model],
          ['site', site],
        ]))
          if (el.value.trim()) body[k] = el.value.trim();
        if (!klassField.hidden && klass.value) body.class = klass.value;
        for (const [k, el, f] of /** @type {const} */ ([
          ['e', eInput, eField],
          ['max', max, maxField],
          ['mmq', mmq, mmqField],
        ]))
          if (!f.hidden) {
            const x = decimalValue(el);
            if (x !== undefined) body[k] = x;
          }
        if (!constructionField.hidden && construction.value) body.construction = construction.value;
        if (!useField.hidden && use.value) body.use = use.value;
        try {
          /** @type {Device & { secret: string }} */
          const d = await api().post('/api/v1/devices', body);
          out.append(secretPanel(d.id, d.secret));
          form.reset();
          fit();
          onDone?.();
        } catch (err) {
          const unit = S.types.find((x) => x.id === type.value)?.canonicalUnit ?? '';
          out.append(
            errorBox(err, {
              id: t('id'),
              type: t('type'),
              serial: t('serial'),
              model: t('model'),
              site: t('site'),
              class: t('class'),
              e: t('scaleIntervalIn', { unit }),
              max: t('maxIn', { unit }),
              mmq: t('mmqIn', { unit }),
              construction: t('construction'),
            }),
          );
        } finally {
          btn.disabled = false;
        }
      },
    },
    field(t('id'), id, t('idHint')),
    // an operator registers for his own enterprise, the select's only choice
    ownEnterpriseOnly() ? null : field(t('tenant'), tenant),
    field(t('type'), type),
    field(t('serial'), serial),
    field(`${t('model')} (${t('optional')})`, model),
    field(`${t('site')} (${t('optional')})`, site),
    klassField,
    maxField,
    eField,
    constructionField,
    useField,
    mmqField,
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
