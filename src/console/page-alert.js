// One alert: its summary, acknowledge and resolve, its evidence, the instrument's checks on a
// chart and its drift statistics.
import { h, clear, field, select } from './dom.js';
import { t, label, lang, fmtDate, fmtDateTime, fmtNum, fmtSigned } from './i18n.js';
import { checksChart } from './chart.js';
import { S } from './session.js';
import { DICTS_HAS, badge, chartWidth, driftFacts, errorBox, facts, section, tenantName, verifBadge } from './blocks.js';
import { alertSummary, resolutionNote } from './summaries.js';

const REASONS = ['recalibrated', 'adjusted', 'repaired', 'false-alarm', 'retired', 'other'];
const EVIDENCE_KEYS = [
  ['indicated', 'indicated'],
  ['corrected', 'corrected'],
  ['reference', 'reference'],
  ['error', 'errorValue', true],
  ['mpe', 'mpe'],
  ['uncertainty', 'uncertainty'],
  ['decision', 'decision'],
  ['legal', 'legal'],
  ['regime', 'regime'],
  ['standardId', 'standardId'],
  ['gas', 'gas'],
  ['point', 'point'],
  ['seq', 'seq'],
  ['ts', 'ts'],
];

function evidenceFacts(d) {
  const unit = d.unit ? ` ${d.unit}` : '';
  const rows = [];
  for (const [k, key, signed] of EVIDENCE_KEYS) {
    if (d[k] === undefined || d[k] === null) continue;
    let v = d[k];
    if (k === 'ts') v = fmtDateTime(v);
    else if (k === 'decision' || k === 'legal') v = badge(`dec dec-${v}`, label('decision', v));
    else if (k === 'regime') v = label('regime', v);
    else if (typeof v === 'number' && k !== 'seq') v = (signed ? fmtSigned(v) : fmtNum(v)) + unit;
    rows.push([t(key), v]);
  }
  if (Number.isFinite(d.mpe) && Number.isFinite(d.uncertainty)) rows.push([t('guardBand'), `±${fmtNum(Math.max(0, d.mpe - d.uncertainty))}${unit}`]);
  // the other evidence (tamper, verification, offline, range, rejected data), labelled in the
  // console's language where the field is known, else shown as the API gives it
  const known = new Set([...EVIDENCE_KEYS.map((x) => x[0]), 'unit']);
  for (const [k, v] of Object.entries(d)) {
    if (known.has(k) || v === undefined || v === null) continue;
    const name = DICTS_HAS(`ev.${k}`) ? t(`ev.${k}`) : k;
    let shown;
    if (k === 'verification' && typeof v === 'object') shown = h('span', {}, verifBadge(v), v.validUntil ? ` · ${t('validUntil')} ${fmtDate(v.validUntil)}` : '');
    else if (k === 'verificationDue') shown = fmtDate(v);
    else if (k === 'lastSeenAt' || k === 'at') shown = fmtDateTime(v);
    else if (k === 'status') shown = label('status', v);
    else if (k === 'check' && typeof v === 'string') shown = label('tampercheck', v);
    else if (k === 'topic') shown = h('code', {}, String(v));
    else if (k === 'lastErrors' && Array.isArray(v)) shown = v.map((e) => h('div', {}, h('code', {}, String(e?.path ?? '')), ' ', String(e?.message ?? '')));
    else if (typeof v === 'number') shown = fmtNum(v, 6) + (k === 'value' || k === 'gap' ? unit : '');
    else if (typeof v === 'object') shown = h('code', { class: 'json' }, JSON.stringify(v));
    else shown = String(v);
    rows.push([name, shown]);
  }
  return facts(rows);
}

export async function alertPage(main, id) {
  main.append(h('p', {}, h('a', { href: '#/alerts', class: 'back' }, `← ${t('backToAlerts')}`)), h('p', { class: 'muted' }, t('loading')));
  let a;
  try {
    a = await S.api.get(`/api/v1/alerts/${encodeURIComponent(id)}`);
  } catch (e) {
    main.lastChild.replaceWith(errorBox(e));
    return;
  }
  S.alerts.set(a.id, a);
  const head = h('div');
  const actions = h('div');
  const evidence = h('div');
  main.lastChild.replaceWith(head);
  main.append(actions, evidence);

  const renderHead = () => {
    clear(head).append(
      h('h1', {}, `${label('kind', a.kind)} — ${a.device}`),
      h('p', { class: 'line1' }, badge(`sev sev-${a.severity}`, label('severity', a.severity)), badge(`state state-${a.state}`, label('state', a.state)), ' ', h('span', { id: 'alert-summary', lang: lang() === 'en' || alertSummary(a) !== a.summary ? undefined : 'en' }, alertSummary(a))),
      section(
        t('summary'),
        facts([
          [t('tenant'), tenantName(a.tenant)],
          [t('device'), h('a', { href: `#/instruments/${encodeURIComponent(a.device)}` }, a.device)],
          [t('opened'), fmtDateTime(a.openedAt)],
          [t('updated'), fmtDateTime(a.updatedAt)],
          [t('count'), String(a.count)],
          a.ackBy ? [t('ackBy'), a.ackBy] : null,
          a.ackAt ? [t('ackAt'), fmtDateTime(a.ackAt)] : null,
          a.ackNote ? [t('ackNote'), a.ackNote] : null,
          a.resolvedBy ? [t('resolvedBy'), a.resolvedBy === 'system' ? t('system') : a.resolvedBy] : null,
          a.resolvedAt ? [t('resolvedAt'), fmtDateTime(a.resolvedAt)] : null,
          a.resolution ? [t('resolution'), `${label('reason', a.resolution.reason)}${a.resolution.note ? ` — ${resolutionNote(a.resolution)}` : ''}`] : null,
        ]),
      ),
    );
  };
  const renderActions = (msg) => {
    clear(actions);
    if (a.state === 'resolved') {
      actions.append(h('p', { class: 'ok', role: 'status' }, msg ?? t('alreadyResolved')));
      return;
    }
    const ackNote = h('textarea', { name: 'ackNote', rows: 2, maxlength: 2000 });
    const ackErr = h('div');
    const ackBtn = h('button', { type: 'submit', disabled: a.state !== 'open' }, t('acknowledge'));
    const ackForm = h(
      'form',
      {
        class: 'action',
        'aria-label': t('acknowledge'),
        onsubmit: async (e) => {
          e.preventDefault();
          ackBtn.disabled = true;
          try {
            a = await S.api.post(`/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, ackNote.value.trim() ? { note: ackNote.value.trim() } : {});
            S.alerts.set(a.id, a);
            renderHead();
            renderActions(t('acknowledged'));
          } catch (err) {
            clear(ackErr).append(errorBox(err));
            ackBtn.disabled = false;
          }
        },
      },
      field(`${t('note')} (${t('optional')})`, ackNote),
      ackErr,
      ackBtn,
    );
    const reason = select('reason', [['', t('chooseReason')], ...REASONS.map((r) => [r, label('reason', r)])], '', { required: true });
    const resNote = h('textarea', { name: 'resolveNote', rows: 2, maxlength: 2000 });
    const resErr = h('div');
    const resBtn = h('button', { type: 'submit', class: 'primary' }, t('resolve'));
    const resForm = h(
      'form',
      {
        class: 'action',
        'aria-label': t('resolve'),
        onsubmit: async (e) => {
          e.preventDefault();
          if (!reason.value) {
            reason.focus();
            return;
          }
          resBtn.disabled = true;
          try {
            a = await S.api.post(`/api/v1/alerts/${encodeURIComponent(a.id)}/resolve`, { reason: reason.value, ...(resNote.value.trim() ? { note: resNote.value.trim() } : {}) });
            S.alerts.set(a.id, a);
            renderHead();
            renderActions(t('resolvedOk'));
          } catch (err) {
            clear(resErr).append(errorBox(err));
            resBtn.disabled = false;
          }
        },
      },
      field(t('reason'), reason),
      field(`${t('note')} (${t('optional')})`, resNote),
      resErr,
      resBtn,
    );
    actions.append(section(t('actions'), h('div', { class: 'actions' }, a.state === 'open' ? ackForm : h('p', { class: 'ok', role: 'status' }, msg ?? t('acknowledged')), resForm)));
  };
  renderHead();
  renderActions();
  S.view = {
    onAlert: (x) => {
      if (x.id !== a.id) return;
      const stateChanged = x.state !== a.state;
      a = { ...a, ...x };
      renderHead();
      if (stateChanged) renderActions();
    },
  };

  // the evidence: the alert's own details, then the instrument's checks and drift
  const driftKind = a.kind === 'drift' || a.kind === 'predicted-oot';
  const checkKind = a.kind === 'out-of-tolerance' || a.kind === 'conditional' || driftKind;
  // drift alerts carry the drift statistics as they were when the alert was raised
  const evidenceBody = driftKind && a.details?.points
    ? [driftFacts({ ...a.details, series: a.key || undefined }), a.details.verificationDue ? facts([[t('ev.verificationDue'), fmtDate(a.details.verificationDue)]]) : null]
    : evidenceFacts(a.details ?? {});
  evidence.append(section(a.kind === 'out-of-tolerance' || a.kind === 'conditional' ? t('checkResult') : t('evidence'), evidenceBody));
  const chartBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const driftBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  evidence.append(section(t('checks'), chartBox), section(t('drift'), driftBox));
  const dev = encodeURIComponent(a.device);
  // the alert's series (gas, else test point), as the gateway keys check alerts
  const seriesOf = (c) => c.gas ?? c.point ?? '';
  const series = checkKind ? (typeof a.key === 'string' ? a.key : seriesOf(a.details ?? {})) : '';
  S.api
    .get(`/api/v1/devices/${dev}/checks`, { limit: 500 })
    .then((r) => {
      // the checks of the alert's series (gas / test point) when it has one
      const mine = r.items.filter((c) => !series || seriesOf(c) === series);
      clear(chartBox).append(checksChart(mine, { device: a.device, width: chartWidth() }));
    })
    .catch((e) => clear(chartBox).append(errorBox(e)));
  S.api
    .get(`/api/v1/devices/${dev}/drift`)
    .then((dr) => {
      const s = dr.bySeries?.find((x) => x.series === (series || dr.series)) ?? dr;
      clear(driftBox).append(driftFacts({ ...s, series: s.series ?? dr.series }));
    })
    .catch((e) => clear(driftBox).append(errorBox(e)));
}
