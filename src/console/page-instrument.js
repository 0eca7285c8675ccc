// One instrument: its facts, alerts, readings, checks (chart and table), drift statistics,
// certificates (with the form for those who may add them) and rejected messages.
import { h, clear, append, field, select, nextId } from './dom.js';
import { t, label, fmtDate, fmtDateTime, fmtNum, fmtSigned } from './i18n.js';
import { checksChart } from './chart.js';
import { S } from './session.js';
import { badge, chartWidth, checksBySeries, downloadButton, driftFacts, errorBox, facts, section, table, tenantName, typeName, verifBadge } from './blocks.js';
import { alertItem } from './page-alerts.js';

export async function instrumentPage(main, id) {
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
