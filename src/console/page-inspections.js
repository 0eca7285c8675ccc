// @ts-check
// The inspection records page: the records this token may see (an operator: its own), filtered
// by state and enterprise, and the form that opens a record (inspectors and admins).
import { h, clear, field, select } from './dom.js';
import { t, label, fmtDateTime, nowOnClock, regionName } from './i18n.js';
import { S, api, mayInspect, ownEnterpriseOnly } from './session.js';
import { badge, errorBox, options, section, tenantName, zoneOf } from './blocks.js';
import { enterpriseFilter, filterForm, listPage } from './list-page.js';
import { INSPECTION_STATES } from './vocabulary.js';
/** @import { Campaign, Inspection, InspectionListEntry, List } from './types.js' */

const filters = { state: '', tenant: '' };

/** @param {HTMLElement} main */
export function inspectionsPage(main) {
  listPage(main, {
    title: t('inspections'),
    above: (reload) => [filterForm(filters, [['state', t('state'), options(INSPECTION_STATES, 'istate')], ...enterpriseFilter()], reload)],
    read: () => api().get('/api/v1/inspections', filters),
    show: (/** @type {List<InspectionListEntry>} */ r) => ({
      heads: [
        t('inspection'),
        ...(ownEnterpriseOnly() ? [] : [t('tenant')]),
        t('site'),
        t('startedAt'),
        t('state'),
        [t('itemsTitle'), 'num'],
        [t('nonConformingInstruments'), 'num'],
        t('findingsTitle'),
      ],
      rows: r.items.map(row),
      empty: t('noInspections'),
    }),
  });
  if (mayInspect()) main.append(openForm());
}

/**
 * A record in the list: its time on its enterprise's clock, the instruments not conforming, its
 * findings open, answered and closed: the list's `openFindings` counts the open and the answered ones,
 * `answeredFindings` the answered ones, `findings` all, so the closed are what is left. A record whose
 * only finding is closed says "1 đã đóng", not "—", which reads as nothing found.
 * @param {InspectionListEntry} i
 */
function row(i) {
  const replied = i.answeredFindings ?? 0;
  const open = (i.openFindings ?? 0) - replied;
  const closed = Math.max(0, (i.findings ?? 0) - (i.openFindings ?? 0));
  const findings = [
    open ? badge('sev sev-warning', `${open} ${label('fstate', 'open')}`) : null,
    replied ? badge('sev sev-info', `${replied} ${label('fstate', 'answered')}`) : null,
    closed ? badge('fstate-closed', `${closed} ${label('fstate', 'closed')}`) : null,
  ]
    .filter(Boolean)
    .flatMap((b, n) => (n ? [' ', b] : [b]));
  return h(
    'tr',
    { 'data-inspection': i.id },
    h('th', { scope: 'row' }, h('a', { href: `#/inspections/${encodeURIComponent(i.id)}` }, i.id)),
    ownEnterpriseOnly() ? null : h('td', {}, tenantName(i.tenant)),
    h('td', {}, i.site ?? '—'),
    // the record's time on the station's clock (its enterprise's zone), as the printed record gives it
    h('td', {}, fmtDateTime(i.startedAt, zoneOf(i.tenant))),
    h('td', {}, badge(`istate istate-${i.state}`, label('istate', i.state))),
    h('td', { class: 'num' }, String(i.instruments ?? 0)),
    h('td', { class: 'num' }, i.nonConforming ? badge('dec dec-fail', String(i.nonConforming)) : '0'),
    h('td', { 'data-findings': `${open}/${replied}/${closed}` }, findings.length ? findings : '—'),
  );
}

/** Opens a record at an enterprise of the inspector's regions, then shows it. */
function openForm() {
  const out = h('div');
  const tenant = select(
    'tenant',
    S.tenants.map((x) => /** @type {const} */ ([x.id, `${x.name} (${regionName(x.region)})`])),
    S.tenants[0]?.id,
    { required: true },
  );
  const site = h('input', { name: 'site', type: 'text', maxlength: 200 });
  const siteAddress = h('input', { name: 'siteAddress', type: 'text', maxlength: 500, autocomplete: 'street-address' });
  const authority = h('input', { name: 'authority', type: 'text', maxlength: 200 });
  const representativeName = h('input', { name: 'representativeName', type: 'text', maxlength: 200 });
  const representativePosition = h('input', { name: 'representativePosition', type: 'text', maxlength: 200 });
  // the campaign the record is opened within: those of the enterprise's region; its authority is the record's when none is typed
  /** @type {Campaign[]} */
  let campaigns = [];
  const campaign = select('campaign', [['', t('none')]], '');
  const offerCampaigns = () => {
    const region = S.tenants.find((x) => x.id === tenant.value)?.region;
    const chosen = campaign.value;
    clear(campaign).append(
      h('option', { value: '' }, t('none')),
      ...campaigns.filter((c) => c.region === region).map((c) => h('option', { value: c.id, selected: c.id === chosen }, `${c.name} (${c.id})`)),
    );
    showAuthority();
  };
  const showAuthority = () => {
    authority.placeholder = campaigns.find((c) => c.id === campaign.value)?.authority ?? '';
  };
  campaign.addEventListener('change', showAuthority);
  // a position names the representative's: the name is then needed
  representativePosition.addEventListener('input', () => {
    representativeName.required = representativePosition.value.trim() !== '';
  });
  api()
    .get('/api/v1/campaigns')
    .then((/** @type {List<Campaign>} */ r) => {
      campaigns = r.items;
      offerCampaigns();
    })
    .catch(() => {}); // no campaigns offered: a record is opened outside one
  const startedAt = h('input', { name: 'startedAt', type: 'datetime-local', required: true, value: nowOnClock(zoneOf(tenant.value)) });
  // the default follows the enterprise chosen (its zone), until the inspector types a time
  let typed = false;
  startedAt.addEventListener('input', () => {
    typed = true;
  });
  tenant.addEventListener('change', () => {
    if (!typed) startedAt.value = nowOnClock(zoneOf(tenant.value));
    offerCampaigns();
  });
  const inspectors = h('textarea', { name: 'inspectors', required: true, rows: 2 }, S.me?.name ?? '');
  const legalBasis = h('input', { name: 'legalBasis', type: 'text', maxlength: 1000, value: 'Thông tư 15/2015/TT-BKHCN' });
  const btn = h('button', { type: 'submit', class: 'primary' }, t('openInspectionButton'));
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': t('openInspection'),
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        clear(out);
        /** @type {Record<string, unknown>} */
        // the time as typed, without a zone: the API reads it on the enterprise's clock, whatever this browser's zone
        const body = { tenant: tenant.value, startedAt: startedAt.value, inspectors: lines(inspectors.value) };
        if (site.value.trim()) body.site = site.value.trim();
        if (siteAddress.value.trim()) body.siteAddress = siteAddress.value.trim();
        if (campaign.value) body.campaign = campaign.value;
        if (authority.value.trim()) body.authority = authority.value.trim();
        if (representativeName.value.trim())
          body.representative = {
            name: representativeName.value.trim(),
            ...(representativePosition.value.trim() ? { position: representativePosition.value.trim() } : {}),
          };
        if (legalBasis.value.trim()) body.legalBasis = legalBasis.value.trim();
        try {
          /** @type {Inspection} */
          const i = await api().post('/api/v1/inspections', body);
          S.flash = t('inspectionOpened', { id: i.id });
          location.hash = `#/inspections/${encodeURIComponent(i.id)}`;
        } catch (err) {
          out.append(errorBox(err));
          btn.disabled = false;
        }
      },
    },
    field(t('tenant'), tenant),
    field(`${t('site')} (${t('optional')})`, site),
    field(`${t('siteAddress')} (${t('optional')})`, siteAddress),
    field(`${t('campaign')} (${t('optional')})`, campaign),
    field(`${t('recordAuthority')} (${t('optional')})`, authority, t('recordAuthorityHint')),
    field(`${t('representativeName')} (${t('optional')})`, representativeName),
    field(`${t('representativePosition')} (${t('optional')})`, representativePosition),
    field(t('startedAt'), startedAt),
    field(t('inspectorsField'), inspectors, t('oneNamePerLine')),
    field(`${t('legalBasis')} (${t('optional')})`, legalBasis),
    h('div', { class: 'form-actions' }, btn),
  );
  return section(t('openInspection'), form, out);
}

/** The non-empty lines of a text area. @param {string} text */
export const lines = (text) =>
  text
    .split(/\r?\n/)
    .map((x) => x.trim())
    .filter(Boolean);
