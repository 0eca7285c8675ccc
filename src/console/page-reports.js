// @ts-check
// The reports page: the periodic report for a quarter or any period (XLSX, PDF), the
// measurement-assurance report and an instrument's out-of-tolerance impact list (CSV).
import { h, field, select } from './dom.js';
import { t, lang, LANGS, regionName, todayIn } from './i18n.js';
import { S, api, ownEnterpriseOnly } from './session.js';
/** @import { Device, List } from './types.js' */
import { downloadButton, errorText, section, tenantName, tenantOptions, xlsxButton } from './blocks.js';

/** @param {HTMLElement} main */
export function reportsPage(main) {
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
          const name = await api().download(
            `/api/v1/devices/${encodeURIComponent(device.value)}/oot-impact`,
            { format: 'csv' },
            `oot-impact-${device.value}.csv`,
          );
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
    periodicReport(),
    section(
      t('assuranceReport'),
      h('p', { class: 'muted' }, t('assuranceHelp')),
      h(
        'form',
        { class: 'grid-form', 'aria-label': t('assuranceReport'), onsubmit: (e) => e.preventDefault() },
        // an operator's report is of his own enterprise
        ownEnterpriseOnly() ? null : field(t('tenant'), tenant),
        field(t('from'), from),
        field(t('to'), to),
      ),
      h(
        'div',
        { class: 'form-actions' },
        downloadButton(
          t('download'),
          '/api/v1/reports/assurance',
          () => ({ format: 'csv', tenant: tenant.value, from: from.value, to: to.value }),
          'assurance.csv',
        ),
        ' ',
        xlsxButton('/api/v1/reports/assurance', () => ({ tenant: tenant.value, from: from.value, to: to.value }), 'assurance.xlsx'),
      ),
    ),
    section(
      t('ootImpact'),
      h('p', { class: 'muted' }, t('ootHelp')),
      h('form', { class: 'grid-form', 'aria-label': t('ootImpact'), onsubmit: (e) => e.preventDefault() }, field(t('device'), device)),
      h('div', { class: 'form-actions' }, ootBtn, ' ', ootStatus),
    ),
  );
  api()
    .get('/api/v1/devices')
    .then((/** @type {List<Device>} */ r) => {
      for (const d of r.items) device.append(h('option', { value: d.id }, `${d.id} — ${tenantName(d.tenant)}`));
    })
    .catch(() => undefined);
}

/**
 * The quarters to offer: the current one (to date) and the four before it, newest first, as
 * [value "from/to", label].
 * @param {string} today YYYY-MM-DD, on the clock of the report's zone (the gateway's default), not this browser's
 * @returns {Array<[string, string]>}
 */
export function quarterPresets(today) {
  /** @type {Array<[string, string]>} */
  const out = [];
  let y = Number(today.slice(0, 4));
  let q = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  for (let i = 0; i < 5; i++) {
    const first = (q - 1) * 3 + 1;
    const last = new Date(Date.UTC(y, first + 2, 0)).getUTCDate();
    out.push([`${y}-${pad(first)}-01/${y}-${pad(first + 2)}-${pad(last)}`, t('pr.quarter', { q, year: y })]);
    q -= 1;
    if (q === 0) {
      q = 4;
      y -= 1;
    }
  }
  return out;
}

/** The periodic report: a quarter (or another period), a region, the report's language; XLSX or PDF. */
function periodicReport() {
  const presets = quarterPresets(todayIn());
  const period = select('period', [...presets, ['custom', t('pr.custom')]], presets[1][0]);
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const custom = h('div', { class: 'grid-form custom-period', hidden: true }, field(t('from'), from), field(t('to'), to));
  period.addEventListener('change', () => (custom.hidden = period.value !== 'custom'));
  const region = select('region', [['', t('allRegions')], ...S.regions.map((r) => /** @type {[string, string]} */ ([r, regionName(r)]))], '');
  const reportLang = select('reportLang', LANGS, lang());
  const head = letterheadFields();
  const query = (/** @type {'xlsx' | 'pdf'} */ format) => () => {
    const [f, tt] = period.value === 'custom' ? [from.value, to.value] : period.value.split('/');
    return { format, from: f, to: tt, region: region.value, lang: reportLang.value, ...head.values() };
  };
  return section(
    t('pr.title'),
    h('p', { class: 'muted' }, t('pr.help')),
    h(
      'form',
      { class: 'grid-form', 'aria-label': t('pr.title'), onsubmit: (e) => e.preventDefault() },
      field(t('pr.period'), period),
      field(t('region'), region),
      field(t('pr.reportLang'), reportLang),
      head.element,
    ),
    custom,
    h(
      'div',
      { class: 'form-actions' },
      downloadButton(t('pr.downloadXlsx'), '/api/v1/reports/periodic', query('xlsx'), 'periodic-report.xlsx'),
      downloadButton(t('pr.downloadPdf'), '/api/v1/reports/periodic', query('pdf'), 'periodic-report.pdf'),
    ),
  );
}

/** Where the issuing body, its superior, the place, the recipients and the signer are remembered in this browser. */
const LETTERHEAD_KEY = 'mag.reportLetterhead';

/**
 * The administrative report's head and foot (Nghị định 30/2020/NĐ-CP): the issuing body and its superior, the
 * number, the place, the recipients (a line each) and the signer with their title (a line each, as "KT. GIÁM ĐỐC"
 * over "PHÓ GIÁM ĐỐC"). Left empty, the PDF prints dots to fill in by hand. All but the number are the same from
 * one report to the next, so they are remembered in this browser. Lengths as the API bounds them (LETTERHEAD_LIMITS).
 */
function letterheadFields() {
  /** @type {Record<string, unknown>} */
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(LETTERHEAD_KEY) ?? '{}') ?? {};
  } catch {
    /* nothing remembered */
  }
  const remembered = (/** @type {string} */ name) => {
    const v = saved[name];
    return typeof v === 'string' ? v : '';
  };
  const line = (/** @type {string} */ name, /** @type {number} */ maxlength) =>
    /** @type {HTMLInputElement} */ (h('input', { type: 'text', name, maxlength, autocomplete: 'off', value: remembered(name) }));
  const lines = (/** @type {string} */ name, /** @type {number} */ rows) => {
    const el = /** @type {HTMLTextAreaElement} */ (h('textarea', { name, rows }));
    el.value = remembered(name);
    return el;
  };
  const authority = line('authority', 120);
  const parentAuthority = line('parentAuthority', 120);
  const number = line('number', 60);
  const place = line('place', 60);
  const recipients = lines('recipients', 4);
  const signer = line('signer', 100);
  const signerTitle = lines('signerTitle', 2);
  const kept = { authority, parentAuthority, place, recipients, signer, signerTitle };
  const remember = () => {
    try {
      localStorage.setItem(LETTERHEAD_KEY, JSON.stringify(Object.fromEntries(Object.entries(kept).map(([k, el]) => [k, el.value]))));
    } catch {
      /* storage refused (private browsing): not remembered */
    }
  };
  for (const el of Object.values(kept)) el.addEventListener('change', remember);
  /** The non-empty lines of a text area, trimmed. */
  const linesOf = (/** @type {HTMLTextAreaElement} */ el) =>
    el.value
      .split(/\r?\n/)
      .map((x) => x.trim())
      .filter((x) => x !== '');
  const element = h(
    'details',
    { class: 'letterhead' },
    h('summary', {}, t('pr.letterhead')),
    h('p', { class: 'muted' }, t('pr.letterheadHelp')),
    h(
      'div',
      { class: 'grid-form' },
      field(t('pr.parentAuthority'), parentAuthority, t('pr.parentAuthorityHint')),
      field(t('pr.authority'), authority, t('pr.authorityHint')),
      field(t('pr.number'), number, t('pr.numberHint')),
      field(t('pr.place'), place, t('pr.placeHint')),
      field(t('pr.recipients'), recipients, t('pr.linesHint')),
      field(t('pr.signer'), signer),
      field(t('pr.signerTitle'), signerTitle, t('pr.signerTitleHint')),
    ),
  );
  return {
    element,
    /** The query's letterhead parameters; an empty one is left out of the query (dots on the page). */
    values: () => ({
      authority: authority.value.trim(),
      parentAuthority: parentAuthority.value.trim(),
      number: number.value.trim(),
      place: place.value.trim(),
      recipients: linesOf(recipients).join(';'),
      signer: signer.value.trim(),
      signerTitle: linesOf(signerTitle).join('\n'),
    }),
  };
}
