// @ts-check
// One alert: its summary, acknowledge and resolve, its evidence, the instrument's checks on a
// chart and its drift statistics.
import { h, clear, field, select } from './dom.js';
import { t, label, lang, fmtDate, fmtDateTime, fmtNum, fmtSigned, fmtU, fmtUnit } from './i18n.js';
import { checksChart } from './chart.js';
import { S, api } from './session.js';
import {
  DICTS_HAS,
  actorName,
  badge,
  chartWidth,
  driftFacts,
  driftUnit,
  errorBox,
  facts,
  latestOfSeries,
  options,
  pointName,
  section,
  seriesKeyOf,
  seriesParts,
  table,
  tenantName,
  verifBadge,
  zoneOf,
} from './blocks.js';
import { alertKind, alertSummary, resolutionNote } from './summaries.js';
import { PERSON_RESOLUTION_REASONS } from './vocabulary.js';
import { planLabel, reasonsList } from './page-lots.js';
/** @import { Child } from './dom.js' */
/** @import { Key } from './i18n.js' */
/** @import { Alert, AlertDetails, Check, DeadLetter, Device, DeviceDrift, List, Lot, Verification } from './types.js' */

/** @type {Array<[field: string, label: Key, signed?: boolean]>} the check's evidence, in this order */
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
  ['correctedError', 'correctedError', true],
  ['correctedUncertainty', 'correctedUncertainty'],
  ['calibrationCertificate', 'calibrationCertificate'],
  ['deltaL', 'deltaL'],
  ['adjusted', 'adjusted'],
  ['standardId', 'standardId'],
  ['gas', 'gas'],
  ['point', 'point'],
  ['seq', 'seq'],
  ['ts', 'ts'],
];

/** @param {AlertDetails} d @param {string} zone the enterprise's: its clock and calendar */
function evidenceFacts(d, zone) {
  const unit = d.unit ? ` ${fmtUnit(d.unit)}` : '';
  /** @type {Array<[string, Child]>} */
  const rows = [];
  for (const [k, key, signed] of EVIDENCE_KEYS) {
    const v = d[k];
    if (v === undefined || v === null) continue;
    /** @type {Child} */
    let shown;
    if (k === 'ts') shown = fmtDateTime(/** @type {string} */ (v), zone);
    else if (k === 'point') shown = pointName(String(v));
    else if (k === 'decision' || k === 'legal') shown = badge(`dec dec-${v}`, label('decision', String(v)));
    else if (k === 'regime') shown = label('regime', String(v));
    else if (k === 'adjusted') shown = v === true ? t('adjustedYes') : String(v);
    // the MPE and U are bounds either side, written ±0,3 hPa as on the checks table and the certificate
    else if (typeof v === 'number' && k === 'mpe') shown = `±${fmtNum(v)}${unit}`;
    // U is stated as a record states it, two significant digits (GUM §7.2.6), as the summary above it
    else if (typeof v === 'number' && (k === 'uncertainty' || k === 'correctedUncertainty')) shown = `${fmtU(v)}${unit}`;
    else if (typeof v === 'number' && k !== 'seq') shown = (signed ? fmtSigned(v) : fmtNum(v)) + unit;
    else shown = /** @type {string | number} */ (v);
    rows.push([t(key), shown]);
  }
  if (Number.isFinite(d.mpe) && Number.isFinite(d.uncertainty))
    rows.push([t('guardBand'), `±${fmtNum(Math.max(0, /** @type {number} */ (d.mpe) - /** @type {number} */ (d.uncertainty)))}${unit}`]);
  // the other evidence (tamper, verification, offline, range, rejected data), labelled in the
  // console's language where the field is known, else shown as the API gives it
  const known = new Set([...EVIDENCE_KEYS.map((x) => x[0]), 'unit', 'dueBasis', 'notes']);
  // a type kept in standing by calibration: its "verification" is its calibration
  const calibrated = d.dueBasis === 'calibration' || /** @type {Verification | undefined} */ (d.verification)?.basis === 'calibration';
  for (const [k, v] of Object.entries(d)) {
    if (known.has(k) || v === undefined || v === null) continue;
    // a lot's product is what is packed, not a dispenser's fuel (ev.product)
    const evKey =
      k === 'product' && d.lot !== undefined
        ? 'product'
        : calibrated && k === 'verification'
          ? 'certkind.calibration'
          : calibrated && k === 'verificationDue'
            ? 'calibrationDue'
            : `ev.${k}`;
    const name = DICTS_HAS(evKey) ? t(evKey) : k;
    /** @type {Child} */
    let shown;
    if (k === 'verification' && typeof v === 'object') {
      const ver = /** @type {Verification} */ (v);
      shown = h('span', {}, verifBadge(ver), ver.validUntil ? ` · ${t('validUntil')} ${fmtDate(ver.validUntil, zone)}` : '');
    } else if (k === 'verificationDue') shown = fmtDate(/** @type {string} */ (v), zone);
    else if (k === 'lastSeenAt' || k === 'at') shown = fmtDateTime(/** @type {string} */ (v), zone);
    else if (k === 'status') shown = label('status', String(v));
    // an offline alert's reported state
    else if (k === 'state' && (v === 'offline' || v === 'online')) shown = label('devstate', v);
    else if (k === 'check' && typeof v === 'string') shown = label('tampercheck', v);
    else if (k === 'topic') shown = h('code', {}, String(v));
    else if (k === 'lastErrors' && Array.isArray(v)) shown = v.map((e) => h('div', {}, h('code', {}, String(e?.path ?? '')), ' ', String(e?.message ?? '')));
    else if (typeof v === 'boolean') shown = v ? t('yes') : t('no');
    else if (k === 'traceabilityKind') shown = label('trace', String(v));
    else if (k === 'favoured' && (v === 'seller' || v === 'buyer'))
      shown = t(`pl.${v}`); // whom a seller-/buyer-favoured alert's rule watches
    else if (k === 'standard') shown = h('a', { href: `#/standards/${encodeURIComponent(String(v))}` }, String(v));
    else if (k === 'asFound' && typeof v === 'object') {
      const f = /** @type {{ error: number, outOfTolerance: boolean }} */ (v);
      shown = `${fmtSigned(f.error)}${unit} · ${f.outOfTolerance ? t('outOfTolerance') : t('inTolerance')}`;
    } else if (k === 'issuedAt') shown = fmtDate(String(v), zone);
    else if ((k === 'from' || k === 'to') && typeof v === 'string') shown = fmtDateTime(v, zone);
    else if (k === 'tenant' && typeof v === 'string') shown = tenantName(v);
    else if (k === 'plan' && typeof v === 'string') shown = planLabel(v);
    // a lot-fail's reasons, told from their notes in the reader's language as on the lot's page
    else if (k === 'reasons' && Array.isArray(v) && Array.isArray(d.notes))
      shown = reasonsList({ reasons: v.map(String), notes: /** @type {Lot['notes']} */ (d.notes) });
    else if (k === 'reasons' && Array.isArray(v))
      shown = h(
        'ol',
        { class: 'reasons', lang: 'en' },
        v.map((r) => h('li', {}, String(r))),
      );
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) shown = v.join(', ');
    else if (k === 'shortPackages' && Array.isArray(v))
      shown = v.map((p) =>
        h('div', {}, `${t('positions', { list: p?.position })}: ${fmtNum(p?.net, 6)}${unit} (−${fmtNum(p?.shortBy, 6)}${unit}${p?.t2 ? ', T2' : ''})`),
      );
    else if (k === 'scaleSuitable') shown = t(v ? 'fit' : 'unfit');
    else if (['nominal', 'tolerableDeficiency', 'mean', 'stdDev', 'averageLimit'].includes(k) && typeof v === 'number')
      shown = fmtNum(v, d.unit === 'kg' || d.unit === 'L' ? 5 : 2) + unit; // a lot's quantities, as its page writes them
    else if (k === 'meanError' && typeof v === 'number')
      shown = fmtSigned(v) + unit; // a seller-favoured alert's mean, signed
    else if (typeof v === 'number') shown = fmtNum(v, 6) + (k === 'value' || k === 'gap' ? unit : '');
    else if (typeof v === 'object') shown = h('code', { class: 'json' }, JSON.stringify(v));
    else shown = String(v);
    rows.push([name, shown]);
  }
  return facts(rows);
}

/** @param {HTMLElement} main @param {string} id */
export async function alertPage(main, id) {
  const loading = h('p', { class: 'muted' }, t('loading'));
  main.append(h('p', {}, h('a', { href: '#/alerts', class: 'back' }, `← ${t('backToAlerts')}`)), loading);
  /** @type {Alert} */
  let a;
  try {
    a = await api().get(`/api/v1/alerts/${encodeURIComponent(id)}`);
  } catch (e) {
    loading.replaceWith(errorBox(e));
    return;
  }
  if (!loading.isConnected) return; // another page was opened meanwhile
  S.alerts.set(a.id, a);
  // a drift alert's figures are in its instrument's unit: its type, when not known yet
  if ((a.kind === 'drift' || a.kind === 'predicted-oot') && !S.deviceTypes.has(a.device)) {
    await api()
      .get(`/api/v1/devices/${encodeURIComponent(a.device)}`)
      .then((/** @type {Device} */ d) => S.deviceTypes.set(d.id, d.type))
      .catch(() => undefined); // shown without the unit
    if (!loading.isConnected) return;
  }
  const head = h('div');
  const actions = h('div');
  const evidence = h('div');
  loading.replaceWith(head);
  main.append(actions, evidence);

  const renderHead = () => clear(head).append(...alertHead(a));
  /** @param {string} [msg] what was just done */
  const renderActions = (msg) =>
    clear(actions).append(
      alertActions(a, msg, (changed, done) => {
        a = changed;
        S.alerts.set(a.id, a);
        renderHead();
        renderActions(done);
      }),
    );
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
  showEvidence(evidence, a);
}

/** The alert's heading, state and summary facts. @param {Alert} a */
function alertHead(a) {
  const zone = zoneOf(a.tenant);
  return [
    h('h1', {}, `${alertKind(a)} — ${a.device}`),
    h(
      'p',
      { class: 'line1' },
      badge(`sev sev-${a.severity}`, label('severity', a.severity)),
      badge(`state state-${a.state}`, label('state', a.state)),
      ' ',
      h('span', { id: 'alert-summary', lang: lang() === 'en' || alertSummary(a) !== a.summary ? undefined : 'en' }, alertSummary(a)),
    ),
    section(
      t('summary'),
      facts([
        [t('tenant'), tenantName(a.tenant)],
        // a standard-oot alert is about a reference standard (its device is the standard's id); a lot-fail
        // alert without a weighing instrument is carried by the lot itself (device "lot:<id>")
        a.kind === 'standard-oot'
          ? [t('standard'), h('a', { href: `#/standards/${encodeURIComponent(a.device)}` }, a.device)]
          : a.device.startsWith('lot:')
            ? null
            : [t('device'), h('a', { href: `#/instruments/${encodeURIComponent(a.device)}` }, a.device)],
        a.kind === 'lot-fail' && a.key ? [t('lot'), h('a', { href: `#/lots/${encodeURIComponent(a.key)}` }, t('openLot', { lot: a.key }))] : null,
        // used while sealed off: the record whose finding sealed it
        a.kind === 'sealed-in-use' && typeof a.details.inspection === 'string'
          ? [t('inspection'), h('a', { href: `#/inspections/${encodeURIComponent(a.details.inspection)}` }, a.details.inspection)]
          : null,
        [t('opened'), fmtDateTime(a.openedAt, zone)],
        [t('updated'), fmtDateTime(a.updatedAt, zone)],
        [t('count'), String(a.count)],
        a.ackBy ? [t('ackBy'), actorName(a.ackBy)] : null,
        a.ackAt ? [t('ackAt'), fmtDateTime(a.ackAt, zone)] : null,
        a.ackNote ? [t('ackNote'), a.ackNote] : null,
        a.resolvedBy ? [t('resolvedBy'), actorName(a.resolvedBy)] : null,
        a.resolvedAt ? [t('resolvedAt'), fmtDateTime(a.resolvedAt, zone)] : null,
        a.resolution
          ? [
              t('resolution'),
              `${label('reason', a.resolution.reason)}${a.resolution.note ? ` — ${resolutionNote({ ...a.resolution, note: a.resolution.note })}` : ''}`,
            ]
          : null,
      ]),
    ),
  ];
}

/**
 * Acknowledge (while open) and resolve, or what was done once resolved.
 * @param {Alert} a
 * @param {string | undefined} msg what was just done
 * @param {(changed: Alert, done: string) => void} onChanged the API's answer to an action, and what was done
 */
function alertActions(a, msg, onChanged) {
  if (a.state === 'resolved') return h('p', { class: 'ok', role: 'status' }, msg ?? t('alreadyResolved'));
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
          onChanged(
            await api().post(`/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, ackNote.value.trim() ? { note: ackNote.value.trim() } : {}),
            t('acknowledged'),
          );
        } catch (err) {
          clear(ackErr).append(errorBox(err, { note: t('note') }));
          ackBtn.disabled = false;
        }
      },
    },
    field(`${t('note')} (${t('optional')})`, ackNote),
    ackErr,
    ackBtn,
  );
  const reason = select('reason', options(PERSON_RESOLUTION_REASONS, 'reason', t('chooseReason')), '', { required: true });
  // a critical alert is resolved with a note saying what was done (the API refuses it without)
  const noteRequired = a.severity === 'critical';
  const resNote = h('textarea', { name: 'resolveNote', rows: 2, maxlength: 2000, ...(noteRequired ? { required: true } : {}) });
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
        if (noteRequired && !resNote.value.trim()) {
          resNote.focus();
          return;
        }
        resBtn.disabled = true;
        try {
          onChanged(
            await api().post(`/api/v1/alerts/${encodeURIComponent(a.id)}/resolve`, {
              reason: reason.value,
              ...(resNote.value.trim() ? { note: resNote.value.trim() } : {}),
            }),
            t('resolvedOk'),
          );
        } catch (err) {
          clear(resErr).append(errorBox(err, { reason: t('reason'), note: t('note') }));
          resBtn.disabled = false;
        }
      },
    },
    field(t('reason'), reason),
    field(`${t('note')} (${t(noteRequired ? 'noteRequiredCritical' : 'optional')})`, resNote),
    resErr,
    resBtn,
  );
  return section(
    t('actions'),
    h('div', { class: 'actions' }, a.state === 'open' ? ackForm : h('p', { class: 'ok', role: 'status' }, msg ?? t('acknowledged')), resForm),
  );
}

/**
 * The evidence: the alert's own details, then the instrument's checks and drift.
 * @param {HTMLElement} evidence @param {Alert} a
 */
function showEvidence(evidence, a) {
  const driftKind = a.kind === 'drift' || a.kind === 'predicted-oot';
  const checkKind = a.kind === 'out-of-tolerance' || a.kind === 'conditional' || driftKind;
  const zone = zoneOf(a.tenant);
  /** the unit of a series' drift figures @param {string | null | undefined} series */
  const unitOf = (series) => driftUnit(S.deviceTypes.get(a.device), seriesParts(series).gas);
  // drift alerts carry the drift statistics as they were when the alert was raised
  const evidenceBody =
    driftKind && a.details?.points
      ? [
          // as they were when raised: once resolved, the day is told, not said against today
          driftFacts({ ...a.details, series: a.key || undefined }, { unit: unitOf(a.key), zone, live: a.state !== 'resolved' }),
          a.details.verificationDue
            ? facts([[t(a.details.dueBasis === 'calibration' ? 'calibrationDue' : 'ev.verificationDue'), fmtDate(a.details.verificationDue, zone)]])
            : null,
        ]
      : evidenceFacts(a.details ?? {}, zone);
  evidence.append(section(a.kind === 'out-of-tolerance' || a.kind === 'conditional' ? t('checkResult') : t('evidence'), evidenceBody));
  if (a.kind === 'points-refused') {
    // what was refused, not how the instrument measures: the points kept, and what an admin can do with them
    evidence.append(deadLettersSection(a, zone));
    return;
  }
  if (a.kind === 'standard-oot') return; // no instrument: its impact is on the standard's page
  if (a.kind === 'lot-fail') return; // the lot's own page shows its packages; the instrument's checks are not the evidence
  const chartBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const driftBox = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  evidence.append(section(t('checks'), chartBox), section(t('drift'), driftBox));
  const dev = encodeURIComponent(a.device);
  // The alert's series as the gateway keys it: a drift alert by its drift series (gas, test point,
  // regime), a check alert by the gas, else the test point (its own check's series in its evidence).
  const d = a.details ?? {};
  /** @param {{ gas?: string, point?: string }} c */
  const gasOrPoint = (c) => c.gas ?? c.point ?? '';
  const key = typeof a.key === 'string' ? a.key : '';
  // a seller- or buyer-favoured alert is keyed by its drift series too (its errors lean one way)
  const seriesKind = driftKind || a.kind === 'seller-favoured' || a.kind === 'buyer-favoured';
  const series = seriesKind ? key : checkKind && (d.gas !== undefined || d.point !== undefined || d.regime !== undefined) ? seriesKeyOf(d) : '';
  /** @param {Check} c */
  const inSeries = (c) => (series ? seriesKeyOf(c) === series : !checkKind || gasOrPoint(c) === key);
  /** @type {Promise<List<Check>>} */
  const checks = api().get(`/api/v1/devices/${dev}/checks`, { limit: 500 });
  checks
    .then((r) => {
      // the checks of the alert's series when it has one
      const mine = r.items.filter(inSeries);
      clear(chartBox).append(checksChart(mine, { device: a.device, width: chartWidth(), zone }));
    })
    .catch((e) => clear(chartBox).append(errorBox(e)));
  // the drift figures now, said against the series' newest check: "already beyond the MPE" outdoes a predicted day
  Promise.all([api().get(`/api/v1/devices/${dev}/drift`), checks.catch(() => ({ items: [] }))])
    .then((/** @type {[DeviceDrift, List<Check>]} */ [dr, c]) => {
      const s = dr.bySeries?.find((x) => x.series === (series || dr.series)) ?? dr;
      const key = s.series ?? dr.series;
      clear(driftBox).append(driftFacts({ ...s, series: key }, { unit: unitOf(key), zone, latest: latestOfSeries(c.items, key) }));
    })
    .catch((e) => clear(driftBox).append(errorBox(e)));
}

/**
 * A points-refused alert's points, kept as dead letters: an admin sends them to the time-series
 * database again once the cause is removed, or discards those that will never be stored, with a
 * reason (POST /api/v1/dead-letters/replay and …/discard; both audited). The API clears the alert
 * once none of the device's points is left. Others are told who can act.
 * @param {Alert} a @param {string} zone the enterprise's (the gateway's own: its default)
 */
function deadLettersSection(a, zone) {
  if (S.me?.role !== 'admin') return section(t('dl.title'), h('p', { class: 'muted' }, t('dl.adminOnly')));
  const list = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  const status = h('div', { role: 'status' });
  const actions = h('div', { class: 'actions', hidden: true });
  // the gateway's own points (device _sink) carry no instrument: the section acts on all dead letters, those listed by id
  const device = a.device.startsWith('_') ? undefined : a.device;
  /** @type {number[]} */
  let shown = [];
  const load = () =>
    api()
      .get('/api/v1/dead-letters', { ...(device ? { device } : {}), limit: DEAD_LETTERS_SHOWN })
      .then((/** @type {List<DeadLetter>} */ r) => {
        shown = r.items.map((x) => x.id);
        clear(list).append(deadLettersTable(r.items, zone));
        actions.hidden = r.items.length === 0; // nothing left to send or discard
      })
      .catch((e) => clear(list).append(errorBox(e)));
  /** @param {string} path @param {Record<string, unknown>} body @param {(r: any) => string} said @param {HTMLButtonElement} btn */
  const act = async (path, body, said, btn) => {
    btn.disabled = true;
    clear(status);
    try {
      const r = await api().post(path, body);
      await load(); // the list as it is now, then what was done: the two agree when the status shows
      status.append(h('p', { class: 'ok' }, said(r), r.cleared?.includes(a.device) ? ` ${t('dl.cleared')}` : r.more ? ` ${t('dl.more')}` : ''));
    } catch (e) {
      status.append(errorBox(e));
    } finally {
      btn.disabled = false;
    }
  };
  const replayBtn = h('button', { type: 'submit', class: 'primary' }, t('dl.replay'));
  const replayForm = h(
    'form',
    {
      class: 'action',
      'aria-label': t('dl.replay'),
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        act(
          '/api/v1/dead-letters/replay',
          device ? { device } : {},
          (r) => t('dl.replayed', { replayed: r.replayed, refused: r.stillRefused.length }),
          /** @type {HTMLButtonElement} */ (replayBtn),
        );
      },
    },
    h('p', { class: 'muted' }, t('dl.replayHelp')),
    replayBtn,
  );
  const reason = h('textarea', { name: 'discardReason', rows: 2, maxlength: 500, required: true });
  const discardBtn = h('button', { type: 'submit' }, t('dl.discard'));
  const discardForm = h(
    'form',
    {
      class: 'action',
      'aria-label': t('dl.discard'),
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        const why = reason.value.trim();
        if (!why) {
          reason.focus();
          return;
        }
        act(
          '/api/v1/dead-letters/discard',
          device ? { device, reason: why } : { ids: shown, reason: why },
          (r) => t('dl.discarded', { n: r.discarded }),
          /** @type {HTMLButtonElement} */ (discardBtn),
        );
      },
    },
    field(t('dl.discardReason'), reason),
    discardBtn,
  );
  actions.append(replayForm, discardForm);
  load();
  return section(t('dl.title'), list, status, actions);
}

/** Dead letters shown on the alert's page (the API lists up to 5,000; replay and discard take 1,000 at a time). */
const DEAD_LETTERS_SHOWN = 100;

/** @param {DeadLetter[]} items @param {string} zone */
function deadLettersTable(items, zone) {
  if (!items.length) return h('p', { class: 'muted' }, t('dl.none'));
  const rows = items.map((x) => {
    const p = /** @type {{ measurement?: string, fields?: Record<string, unknown>, ts?: number } | null} */ (x.point);
    return h(
      'tr',
      {},
      h('td', {}, typeof p?.ts === 'number' ? fmtDateTime(new Date(p.ts).toISOString(), zone, { seconds: true }) : '—'),
      h('td', {}, p?.measurement ?? '—'),
      h('td', { class: 'num' }, p?.fields?.seq === undefined ? '—' : String(p.fields.seq)),
      h('td', {}, h('code', {}, x.reason)),
      h('td', {}, fmtDateTime(x.at, zone, { seconds: true })),
    );
  });
  return h(
    'div',
    {},
    h('p', {}, items.length < DEAD_LETTERS_SHOWN ? t('dl.count', { n: items.length }) : t('dl.countMore', { n: items.length })),
    table(t('dl.table'), [t('dl.time'), t('dl.measurement'), [t('seq'), 'num'], t('dl.reason'), t('dl.keptAt')], rows),
  );
}
