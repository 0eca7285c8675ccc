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
  const query = (/** @type {'xlsx' | 'pdf'} */ format) => () => {
    const [f, tt] = period.value === 'custom' ? [from.value, to.value] : period.value.split('/');
    return { format, from: f, to: tt, region: region.value, lang: reportLang.value };
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
