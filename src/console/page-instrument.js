// @ts-check
// One instrument: its facts with its earlier sites (and the form that changes its site or use, for
// those who may), alerts, readings, a fuel dispenser's transactions, checks (chart and table), drift
// statistics, certificates (with the form for those who may add them) and rejected messages.
import { h, clear, append, field, select, nextId } from './dom.js';
import { t, label, lang, fmtDate, fmtDateTime, fmtNum, fmtP, fmtSig, fmtSigned, fmtSigSigned, fmtUnit, todayIn } from './i18n.js';
import { checksChart } from './chart.js';
import { S, api } from './session.js';
import {
  badge,
  chartWidth,
  decimalInput,
  decimalValue,
  checksBySeries,
  downloadButton,
  xlsxButton,
  driftFacts,
  driftUnit,
  instrumentStatus,
  latestOfSeries,
  statusBadges,
  pointName,
  quantityName,
  zoneOf,
  errorBox,
  facts,
  section,
  seriesName,
  seriesParts,
  table,
  tenantName,
  typeName,
  verifBadge,
} from './blocks.js';
import { alertItem } from './page-alerts.js';
import { changeAction, intervalText, placementsView, sinceText } from './instrument-change.js';
import { transactionsView } from './transactions.js';
import { CERTIFICATE_KINDS } from './vocabulary.js';
/** @import { Child } from './dom.js' */
/** @import { Alert, Certificate, Check, Device, DeviceDrift, InstrumentType, List, Reading, Rejection, SeriesDrift } from './types.js' */

/** @param {HTMLElement} main @param {string} id */
export async function instrumentPage(main, id) {
  const dev = encodeURIComponent(id);
  const loading = h('p', { class: 'muted' }, t('loading'));
  main.append(h('p', {}, h('a', { href: '#/instruments', class: 'back' }, `← ${t('backToInstruments')}`)), loading);
  /** @type {Device} */
  let d;
  try {
    d = await api().get(`/api/v1/devices/${dev}`);
  } catch (e) {
    loading.replaceWith(errorBox(e));
    return;
  }
  if (!loading.isConnected) return; // another page was opened meanwhile
  S.deviceTypes.set(d.id, d.type); // the unit of its alerts' drift figures
  // A calibrated type (profile projector) is in standing by its calibration certificates.
  const calibrated = S.types.find((x) => x.id === d.type)?.standing === 'calibration';
  // its times and days on its enterprise's clock
  const zone = zoneOf(d.tenant);
  const statusBox = h('span', { class: 'muted' }, t('loading'));
  // after a certificate is added or the site changed, the whole page again: what it says changes with it
  const reload = () => {
    clear(main);
    instrumentPage(main, id);
  };
  // its use in trade, said for a type that lists uses with requirements of their own (a scale: gold trading, purchasing)
  const uses = Object.keys(S.types.find((x) => x.id === d.type)?.tradeUses ?? {});
  const since = sinceText(d, zone);
  loading.replaceWith(
    h('h1', {}, d.id),
    section(
      t('device'),
      facts([
        [t('tenant'), tenantName(d.tenant)],
        [t('type'), typeName(d.type)],
        [t('serial'), d.serial],
        d.model ? [t('model'), d.model] : null,
        d.site || since ? [t('site'), h('span', {}, d.site ?? '—', since ? h('small', { class: 'muted' }, ` (${since})`) : null)] : null,
        uses.length || d.use ? [t('tradeUse'), h('span', {}, d.use ? label('tradeUse', d.use) : t('tradeUseGeneral'))] : null,
        d.expectedIntervalSeconds ? [t('chg.interval'), intervalText(d.expectedIntervalSeconds)] : null,
        d.class ? [t('class'), d.class] : null,
        [calibrated ? label('certkind', 'calibration') : t('verification'), verifBadge(d.verification)],
        // beside the verification, which stays "valid" while the checks fail: what its unresolved alerts say
        [t('instrumentStatus'), statusBox],
        d.sealed
          ? [
              t('sealedOff'),
              h(
                'a',
                { class: 'sealed', href: `#/inspections/${encodeURIComponent(d.sealed.inspection)}` },
                t('sealedSince', { date: fmtDateTime(d.sealed.since, zone), finding: d.sealed.finding }),
              ),
            ]
          : null,
        [t(calibrated ? 'calibrationDue' : 'dueDate'), fmtDate(d.verification?.validUntil, zone)],
        [t('lastSeen'), d.lastSeenAt ? fmtDateTime(d.lastSeenAt, zone) : t('never')],
      ]),
      // where it was before a move: the inspector reads that the scale stood at the market until then
      placementsView(d, zone),
      h(
        'div',
        { class: 'form-actions' },
        // the file the enterprise shows its inspector: certificates, checks with both decisions and their
        // standards' traceability, drift and alerts of the last 12 months, in the reader's language
        downloadButton(t('downloadEvidence'), `/api/v1/devices/${dev}/evidence`, () => ({ lang: lang() }), `evidence-${d.id}.pdf`),
        ' ',
        downloadButton(t('downloadOot'), `/api/v1/devices/${dev}/oot-impact`, { format: 'csv' }, `oot-impact-${d.id}.csv`),
        ' ',
        xlsxButton(`/api/v1/devices/${dev}/oot-impact`, {}, `oot-impact-${d.id}.xlsx`),
      ),
      // where and for what it is used, its model and reporting interval changed (admin, operator)
      changeAction(d, zone, reload),
    ),
  );
  /** A card that shows "loading" until filled. @param {string} title */
  const slot = (title) => {
    const box = h('div', {}, h('p', { class: 'muted' }, t('loading')));
    main.append(section(title, box));
    return box;
  };
  const alertsBox = slot(t('deviceAlerts'));
  const readingsBox = slot(t('readings'));
  // a fuel dispenser's sales, what its tamper alerts are about
  const txBox = S.types.find((x) => x.id === d.type)?.transactions ? slot(t('transactions')) : null;
  const checksBox = slot(t('checks'));
  const driftBox = slot(t('drift'));
  const certBox = slot(t('certificates'));
  const rejBox = slot(t('rejections'));

  fill(alertsBox, api().get('/api/v1/alerts', { device: d.id, limit: 50 }), (/** @type {List<Alert>} */ r) =>
    r.items.length
      ? h(
          'ul',
          { class: 'alerts compact', 'aria-label': t('deviceAlerts') },
          r.items.map((a) => alertItem(a, false)),
        )
      : h('p', { class: 'muted' }, t('noAlerts')),
  );
  /** @type {Promise<List<Alert>>} */
  const unresolved = api().get('/api/v1/alerts', { device: d.id, state: 'unresolved', limit: 500 });
  fill(statusBox, unresolved, (r) => statusBadges(instrumentStatus(d, r.items)));
  fill(readingsBox, api().get(`/api/v1/devices/${dev}/readings`, { limit: 20 }), (/** @type {List<Reading>} */ r) => readingsTable(r, d.type, zone));
  if (txBox) transactionsView(txBox, d.id, zone, driftUnit(d.type));
  /** @type {Promise<List<Check>>} */
  const checks = api().get(`/api/v1/devices/${dev}/checks`, { limit: CHECKS_READ });
  fill(checksBox, checks, (r) => checksView(d.id, r.items, zone));
  // the drift figures said against each series' newest check: a prediction is moot once a check fails; which
  // way each series' errors lean, with the seller-favoured (buyer-favoured) alerts still open on it
  /** @type {Promise<[DeviceDrift, List<Check>, List<Alert>]>} */
  const drift = Promise.all([
    api().get(`/api/v1/devices/${dev}/drift`),
    checks.catch(() => ({ items: [] })),
    unresolved.catch(() => ({ items: /** @type {Alert[]} */ ([]) })),
  ]);
  const rule = S.types.find((x) => x.id === d.type)?.sellerFavour;
  fill(driftBox, drift, ([dr, c, open]) => {
    /** @param {SeriesDrift | undefined} s */
    const lean = (s) =>
      s?.sellerFavour
        ? favourView(
            s.sellerFavour,
            rule,
            open.items.some((a) => FAVOUR_KINDS.includes(a.kind) && a.key === s.series),
          )
        : null;
    return (dr.bySeries?.length ?? 0) > 1
      ? (dr.bySeries ?? []).map((s) =>
          h(
            'div',
            { class: 'series' },
            h('h3', {}, `${t('series')}: ${seriesName(s) || '—'}`),
            driftFacts(s, { unit: driftUnit(d.type, s.gas), zone, latest: latestOfSeries(c.items, s.series) }),
            lean(s),
          ),
        )
      : [
          driftFacts(dr, { unit: driftUnit(d.type, seriesParts(dr.series).gas), zone, latest: latestOfSeries(c.items, dr.series) }),
          lean(dr.bySeries?.find((s) => s.series === dr.series)),
        ];
  });
  fill(certBox, api().get(`/api/v1/devices/${dev}/certificates`), (/** @type {List<Certificate>} */ r) => [
    certificatesTable(r.items, zone),
    S.manage ? certificateForm(dev, reload, calibrated ? 'calibration' : 'verification', S.types.find((x) => x.id === d.type)?.canonicalUnit, zone) : null,
  ]);
  fill(rejBox, api().get(`/api/v1/devices/${dev}/rejections`, { limit: 50 }), (/** @type {List<Rejection>} */ r) => rejectionsTable(r, zone));
}

/** The alerts a series' errors leaning to its user's side open (docs/metrology.md §6). */
const FAVOUR_KINDS = ['seller-favoured', 'buyer-favoured'];

/**
 * Which way a series' errors lean (docs/metrology.md §6, NIST HB44 G-UR.4.1), for a type with a
 * `sellerFavour` rule: how many of its non-zero errors favour the instrument's user (the seller; the buyer
 * for a purchasing scale), the sign test's p and the mean in e/MPE, then how near that is to the alert:
 * too few errors yet, short of the rule's figures, or, in the warning style, a finding (an alert), or an
 * open alert kept by the clearing thresholds.
 * @param {NonNullable<SeriesDrift['sellerFavour']>} f
 * @param {InstrumentType['sellerFavour']} rule the type's (undefined: the console could not read the types)
 * @param {boolean} alertOpen a seller-favoured (buyer-favoured) alert is open on the series
 */
function favourView(f, rule, alertOpen) {
  const party = t(f.favoured === 'buyer' ? 'sf.buyer' : 'sf.seller');
  const k = f.favoured === 'buyer' ? f.onBuyerSide : f.onSellerSide;
  const mean = fmtSigSigned(f.meanErrorMpe, 2, 1e-9);
  const tally = f.checksCounted === 0 ? t('sf.none') : t('sf.lean', { k, m: f.checksCounted, party, p: fmtP(f.pValue), mean });
  // how near the alert: said after the tally, in the figures of the type's rule
  const near =
    f.finding || (f.persists && alertOpen) || !rule || f.checksCounted === 0
      ? ''
      : f.checksCounted < rule.minChecks
        ? t('sf.tooFew', { n: rule.minChecks })
        : t('sf.short', { p: fmtP(rule.maxPValue), mean: fmtSig(rule.minMeanMpe, 2), party });
  const warning = f.finding
    ? t('sf.finding', { party })
    : f.persists && alertOpen
      ? rule
        ? t('sf.persists', { party, p: fmtP(rule.clearPValue ?? rule.maxPValue), mean: fmtSig(rule.clearMeanMpe ?? rule.minMeanMpe, 2) })
        : t('sf.persistsBare', { party })
      : '';
  return h(
    'div',
    { class: 'favour', 'data-seller-favour': f.finding ? 'finding' : f.persists && alertOpen ? 'persists' : 'none' },
    h('p', {}, near ? `${tally} — ${near}` : tally),
    warning ? h('p', { class: 'warn' }, warning) : null,
  );
}

/**
 * Puts what an API call answered in its card, or the error.
 * @template T
 * @param {HTMLElement} box @param {Promise<T>} p @param {(r: T) => Child} f
 */
function fill(box, p, f) {
  return p.then((r) => append(clear(box), [f(r)])).catch((e) => clear(box).append(errorBox(e)));
}

/**
 * The latest readings, each value with its unit: the canonical unit of the type (of the gas's channel
 * for a gas detector, whose rows mix ppm and % vol), in which the gateway stores readings.
 * @param {List<Reading>} r @param {string} type the instrument's type @param {string} zone the enterprise's
 */
function readingsTable(r, type, zone) {
  const quantity = S.types.find((x) => x.id === type)?.quantity;
  return r.items.length
    ? table(
        t('readings'),
        [t('ts'), t('quantity'), t('value'), t('status'), t('seq')],
        r.items.map((x) => {
          const unit = !quantity || x.quantity === quantity ? driftUnit(type, x.tags?.gas) : '';
          return h(
            'tr',
            {},
            // readings come seconds apart: their seconds tell them apart
            h('td', {}, fmtDateTime(x.ts, zone, { seconds: true })),
            h('td', {}, [quantityName(x.quantity), ...Object.values(x.tags ?? {})].join(' · ')),
            h('td', { class: 'num' }, `${fmtNum(x.value, 6)}${unit ? ` ${unit}` : ''}`),
            h('td', {}, label('status', x.status)),
            h('td', { class: 'num' }, String(x.seq ?? '')),
          );
        }),
        { stack: false },
      )
    : h('p', { class: 'muted' }, t('noReadings'));
}

/** How many checks the page reads (the chart draws them all) and how many rows the table shows at a time. */
const CHECKS_READ = 500;
const CHECKS_PAGE = 50;

/**
 * A chart per series (gas, test point, regime), then the checks, the newest 50 first and 50 more at a
 * time, saying how many are shown of how many read. Every figure carries its unit (a gas detector's
 * rows mix ppm, % vol and % LEL); the standard links to its page; why a check is not traceable is
 * written out, not left to a tooltip a phone cannot show.
 * @param {string} device @param {Check[]} items newest first @param {string} zone the enterprise's
 */
function checksView(device, items, zone) {
  const charts = checksBySeries(items).map(([series, checks], _, all) =>
    all.length > 1
      ? h(
          'div',
          { class: 'series' },
          h('h3', {}, `${t('series')}: ${seriesName({ series }) || '—'}`),
          checksChart(checks, { device: `${device} ${seriesName({ series })}`, width: chartWidth(), zone }),
        )
      : checksChart(checks, { device, width: chartWidth(), zone }),
  );
  if (!items.length) return charts;
  const count = h('p', { class: 'muted count', 'data-checks-shown': '' });
  const more = h('button', { type: 'button' });
  const box = h('div');
  let shown = 0;
  const showMore = () => {
    shown = Math.min(items.length, shown + CHECKS_PAGE);
    // on a phone the table scrolls sideways under its sticky time column: the legal verdict, what the
    // reader looks for, comes right after the time rather than eight columns off screen
    const verdictFirst = matchMedia('(max-width: 719px)').matches;
    clear(box).append(
      table(
        t('checks'),
        verdictSecond(
          [
            t('ts'),
            t('indicated'),
            t('reference'),
            t('errorValue'),
            t('mpeShort'),
            t('uncertaintyShort'),
            t('decision'),
            t('legal'),
            t('standard'),
            t('traceable'),
          ],
          verdictFirst,
        ),
        items.slice(0, shown).map(checkRow(zone, verdictFirst)),
        { stack: false, class: 'checks' },
      ),
    );
    count.setAttribute('data-checks-shown', String(shown));
    // the API answers at most CHECKS_READ: more may be stored than were read
    count.textContent = `${t('checksShownOf', { shown, total: items.length })}${items.length >= CHECKS_READ ? ` ${t('checksReadLimit', { n: CHECKS_READ })}` : ''}`;
    more.textContent = t('showMoreChecks', { n: Math.min(CHECKS_PAGE, items.length - shown) });
    more.hidden = shown >= items.length;
  };
  more.addEventListener('click', showMore);
  showMore();
  return [charts, count, box, h('div', { class: 'form-actions' }, more)];
}

/**
 * The checks table's columns with the legal verdict (the 8th) moved second, after the time, when `move`.
 * @template T @param {T[]} columns @param {boolean} move
 */
const verdictSecond = (columns, move) => (move ? [columns[0], columns[7], ...columns.slice(1, 7), ...columns.slice(8)] : columns);

/**
 * A check's row, its figures in its unit.
 * @param {string} zone the enterprise's @param {boolean} [verdictFirst] the legal verdict after the time (a phone)
 */
const checkRow =
  (zone, verdictFirst = false) =>
  (/** @type {Check} */ c) => {
    const u = c.unit ? ` ${fmtUnit(c.unit)}` : '';
    /** @param {unknown} x @param {number} [digits] */
    const q = (x, digits) => (x === null || x === undefined ? '—' : `${fmtNum(x, digits)}${u}`);
    // not traceable: its reason in the reader's words when the console knows its kind, else the gateway's sentence
    const why = c.traceable === false ? (c.traceabilityKind ? label('trace', c.traceabilityKind) : (c.traceabilityIssue ?? '')) : '';
    const gatewayWords = c.traceable === false && !c.traceabilityKind && lang() !== 'en';
    return h(
      'tr',
      { 'data-seq': c.seq },
      verdictSecond(
        [
          h(
            'td',
            {},
            fmtDateTime(c.ts, zone),
            c.gas || c.point ? h('small', { class: 'muted' }, ` ${[c.gas, pointName(c.point)].filter(Boolean).join(' · ')}`) : null,
          ),
          h('td', { class: 'num' }, q(c.indicated, 6)),
          h('td', { class: 'num' }, q(c.reference, 6)),
          h('td', { class: 'num' }, `${fmtSigned(c.error)}${u}`),
          h('td', { class: 'num' }, `±${q(c.mpe)}`),
          // U (k = 2), a ± as the MPE
          h('td', { class: 'num' }, c.uncertainty === null || c.uncertainty === undefined ? '—' : `±${q(c.uncertainty)}`),
          h('td', {}, badge(`dec dec-${c.decision}`, label('decision', c.decision))),
          h('td', {}, badge(`dec dec-${c.legal}`, label('decision', c.legal))),
          h('td', {}, c.standardId ? h('a', { class: 'std', href: `#/standards/${encodeURIComponent(c.standardId)}` }, c.standardId) : '—'),
          // null: judged before standards were registered
          h(
            'td',
            { 'data-traceable': String(c.traceable ?? '') },
            c.traceable === true ? badge('dec dec-pass', t('yes')) : c.traceable === false ? badge('dec dec-fail', t('no')) : '—',
            why ? h('small', { class: 'why', lang: gatewayWords ? 'en' : undefined }, ` ${why}`) : null,
          ),
        ],
        verdictFirst,
      ),
    );
  };

/** @param {Certificate[]} items @param {string} zone the enterprise's */
function certificatesTable(items, zone) {
  return items.length
    ? table(
        t('certificates'),
        [t('certKind'), t('number'), t('issuedBy'), t('issuedAt'), t('validUntil'), t('certUncertainty')],
        items.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, label('certkind', c.kind)),
            h('td', {}, c.number),
            h('td', {}, c.issuedBy),
            h('td', {}, fmtDate(c.issuedAt, zone)),
            h('td', {}, fmtDate(c.validUntil, zone)),
            h('td', { class: 'num' }, c.uncertainty === undefined ? '—' : fmtNum(c.uncertainty)),
          ),
        ),
      )
    : h('p', { class: 'muted' }, t('noCertificates'));
}

/** @param {List<Rejection>} r @param {string} zone the enterprise's */
function rejectionsTable(r, zone) {
  return r.items.length
    ? table(
        t('rejections'),
        [t('receivedAt'), t('topic'), t('seq'), t('errors')],
        r.items.map((x) =>
          h(
            'tr',
            {},
            h('td', {}, fmtDateTime(x.receivedAt, zone, { seconds: true })),
            h('td', {}, h('code', {}, x.topic)),
            h('td', { class: 'num' }, x.seq === undefined || x.seq === null ? '—' : String(x.seq)),
            h(
              'td',
              {},
              (x.errors ?? []).map((e) => h('div', {}, h('code', {}, e.path), ' ', e.message)),
            ),
          ),
        ),
      )
    : h('p', { class: 'muted' }, t('noRejections'));
}

/**
 * The form that adds a certificate; after adding one, says so above the form shown again.
 * @param {string} dev the instrument's id, as in a URL
 * @param {() => void} onDone called once a certificate is added
 * @param {string} defaultKind the kind preselected: the one that keeps this type in standing
 * @param {string} [unit] the type's canonical unit, in which the API takes U and the offset (none: a type with channels of their own units)
 * @param {string} [zone] the enterprise's: the form's today, the days the API reads
 */
function certificateForm(dev, onDone, defaultKind, unit, zone) {
  const out = h('div');
  const kind = select(
    'kind',
    CERTIFICATE_KINDS.map((k) => /** @type {const} */ ([k, label('certkind', k)])),
    defaultKind,
  );
  const number = h('input', { name: 'number', type: 'text', required: true, maxlength: 128 });
  const issuedBy = h('input', { name: 'issuedBy', type: 'text', required: true, maxlength: 200 });
  const today = todayIn(zone);
  const issuedAt = h('input', { name: 'issuedAt', type: 'date', required: true, value: today });
  const validUntil = h('input', { name: 'validUntil', type: 'date', required: true });
  // typed as the reader writes numbers (blocks.js decimalInput); a correction is of either sign
  const uncertainty = decimalInput('uncertainty');
  const offset = decimalInput('offset', { negative: true });
  const gain = decimalInput('gain', { negative: true });
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
        /** @type {Record<string, unknown>} */
        const body = {
          kind: kind.value,
          number: number.value.trim(),
          issuedBy: issuedBy.value.trim(),
          // dates as printed on the certificate: the API reads them as days of the enterprise's zone
          issuedAt: issuedAt.value,
          validUntil: validUntil.value,
        };
        const u = decimalValue(uncertainty);
        if (u !== undefined) body.uncertainty = u;
        /** @type {{ offset?: number, gain?: number }} */
        const correction = { offset: decimalValue(offset), gain: decimalValue(gain) };
        if (correction.offset === undefined) delete correction.offset;
        if (correction.gain === undefined) delete correction.gain;
        if (Object.keys(correction).length) body.correction = correction;
        try {
          /** @type {Certificate & { dueAt?: string, warnings?: string[] }} */
          const c = await api().post(`/api/v1/devices/${dev}/certificates`, body);
          S.flash = t('certificateAdded', { number: c.number });
          // a validity longer than the legal interval: the instrument is due earlier than the certificate says
          S.flashWarning = c.warnings?.length && c.dueAt ? t('certificateCapped', { due: fmtDate(c.dueAt, zone), until: fmtDate(c.validUntil, zone) }) : null;
          onDone();
        } catch (err) {
          out.append(
            errorBox(err, {
              kind: t('certKind'),
              number: t('number'),
              issuedBy: t('issuedBy'),
              issuedAt: t('issuedAt'),
              validUntil: t('validUntil'),
              uncertainty: t('certUncertainty'),
              'correction.offset': t('correctionOffset'),
              'correction.gain': t('correctionGain'),
            }),
          );
          btn.disabled = false;
        }
      },
    },
    field(t('certKind'), kind),
    field(t('number'), number),
    field(t('issuedBy'), issuedBy),
    field(t('issuedAt'), issuedAt),
    field(t('validUntil'), validUntil),
    field(`${t('certUncertainty')}${unit ? ` (${unit})` : ''} (${t('optional')})`, uncertainty),
    field(`${t('correctionOffset')}${unit ? ` (${unit})` : ''} (${t('optional')})`, offset),
    field(`${t('correctionGain')} (${t('optional')})`, gain),
    h('div', { class: 'form-actions' }, btn),
  );
  const flash = S.flash ? h('p', { class: 'ok', role: 'status' }, S.flash) : null;
  const warning = S.flashWarning ? h('p', { class: 'warn', role: 'alert' }, S.flashWarning) : null;
  S.flash = null;
  S.flashWarning = null;
  const id = nextId('cert');
  return h('div', { class: 'subsection' }, flash, warning, h('h3', { id }, t('addCertificate')), form, out);
}
