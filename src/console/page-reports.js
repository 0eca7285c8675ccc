// @ts-check
// The reports page: the measurement-assurance report and an instrument's out-of-tolerance
// impact list, both downloaded as CSV.
import { h, field, select } from './dom.js';
import { t } from './i18n.js';
import { api } from './session.js';
/** @import { Device, List } from './types.js' */
import { downloadButton, errorText, section, tenantName, tenantOptions } from './blocks.js';

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
          const name = await api().download(`/api/v1/devices/${encodeURIComponent(device.value)}/oot-impact`, { format: 'csv' }, `oot-impact-${device.value}.csv`);
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
  api()
    .get('/api/v1/devices')
    .then((/** @type {List<Device>} */ r) => {
      for (const d of r.items) device.append(h('option', { value: d.id }, `${d.id} — ${tenantName(d.tenant)}`));
    })
    .catch(() => undefined);
}
