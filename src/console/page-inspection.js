// @ts-check
// One inspection record: its parties, the instruments examined with their checks and verdicts,
// findings, the closing and amendments, and the printed record (PDF). Inspectors and admins act
// on it while it is open; the enterprise's operator reads it and answers its findings.
import { h, clear, append } from './dom.js';
import { t, label, fmtDateTime, fmtNum, fmtP, fmtSigSigned, fmtSigned, fmtUnit } from './i18n.js';
import { S, api, mayInspect } from './session.js';
import { actorName, badge, downloadButton, errorBox, facts, pointName, section, seriesName, seriesParts, table, tenantName, typeName } from './blocks.js';
import { alertKind, alertSummary } from './summaries.js';
import { amendmentForm, answerForm, closeFindingForm, closeRecordForm, findingForm, itemForm, sealOffButton } from './inspection-forms.js';
/** @import { Alert, Device, Finding, InspectionItem, InspectionRecord, List } from './types.js' */

/** @param {HTMLElement} main @param {string} id */
export async function inspectionPage(main, id) {
  const box = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  main.append(h('p', {}, h('a', { href: '#/inspections', class: 'back' }, `← ${t('backToInspections')}`)), box);
  /** Shows the record again (after an action), with what was done said once above it. @param {string} [message] */
  const load = async (message) => {
    try {
      /** @type {InspectionRecord} */
      const r = await api().get(`/api/v1/inspections/${encodeURIComponent(id)}`);
      /** @type {List<Device>} */
      const devices = await api()
        .get('/api/v1/devices', { tenant: r.tenant })
        .catch(() => ({ items: [] }));
      if (!box.isConnected) return; // another page was opened meanwhile
      const flash = message ?? S.flash;
      S.flash = null;
      append(clear(box), [flash ? h('p', { class: 'ok', role: 'status' }, flash) : null, record(r, devices.items, (m) => load(m))]);
    } catch (e) {
      if (box.isConnected) clear(box).append(errorBox(e));
    }
  };
  await load();
}

/** The zone of the record shown: its enterprise's. @type {string | undefined} */
let stationZone;
/** @param {string | null | undefined} iso */
const atStation = (iso) => fmtDateTime(iso, stationZone);

/**
 * @param {InspectionRecord} r @param {Device[]} devices the enterprise's instruments
 * @param {(message: string) => void} done re-shows the record after an action
 */
function record(r, devices, done) {
  // the record's times on the station's clock (the enterprise's zone), as the printed record gives them
  stationZone = S.tenants.find((x) => x.id === r.tenant)?.zoneInEffect;
  const inspect = mayInspect();
  const open = r.state === 'open';
  const answerer = S.me?.role === 'operator' || S.me?.role === 'admin';
  const dev = (/** @type {string} */ id) => devices.find((d) => d.id === id);
  const path = `/api/v1/inspections/${encodeURIComponent(r.id)}/record.pdf`;
  return [
    h('h1', {}, `${t('inspection')} ${r.id}`),
    section(
      t('inspection'),
      S.me?.role === 'operator' ? h('p', { class: 'muted' }, t('readOnly')) : null,
      facts([
        [t('state'), badge(`istate istate-${r.state}`, label('istate', r.state))],
        r.authority ? [t('recordAuthority'), r.authority] : null,
        [t('tenant'), tenantName(r.tenant)],
        r.site ? [t('site'), r.site] : null,
        r.siteAddress ? [t('siteAddress'), r.siteAddress] : null,
        r.representative
          ? [t('representative'), r.representative.position ? `${r.representative.name}, ${r.representative.position}` : r.representative.name]
          : null,
        // operators do not see campaigns: the id alone
        r.campaign ? [t('campaign'), inspect ? h('a', { href: `#/campaigns/${encodeURIComponent(r.campaign)}` }, r.campaign) : r.campaign] : null,
        [t('startedAt'), atStation(r.startedAt)],
        [t('inspectorsField'), r.inspectors.join(', ')],
        r.legalBasis ? [t('legalBasis'), r.legalBasis] : null,
        r.closedAt ? [t('closedAt'), `${atStation(r.closedAt)} · ${actorName(r.closedBy)}`] : null,
        r.conclusion ? [t('conclusion'), r.conclusion] : null,
        r.recordHash ? [t('recordHash'), h('code', { class: 'hash' }, r.recordHash)] : null,
      ]),
      h(
        'div',
        { class: 'form-actions' },
        downloadButton(t('downloadPdf'), path, { lang: 'vi' }, `${r.id}.pdf`),
        downloadButton(t('downloadPdfEn'), path, { lang: 'en' }, `${r.id}-en.pdf`),
      ),
    ),
    section(
      t('itemsTitle'),
      r.items.length ? r.items.map((item) => itemView(r, item, dev(item.device), inspect && open, done)) : h('p', { class: 'muted' }, t('noItems')),
      placeLean(r),
      inspect && open && devices.length ? h('div', { class: 'subsection' }, h('h3', {}, t('recordItem')), itemForm(r.id, devices, done)) : null,
    ),
    section(
      t('findingsTitle'),
      r.findings.length
        ? h(
            'ul',
            { class: 'findings' },
            r.findings.map((f) => findingView(f, inspect, answerer, done)),
          )
        : h('p', { class: 'muted' }, t('noFindingsYet')),
      inspect && open ? h('div', { class: 'subsection' }, h('h3', {}, t('addFinding')), findingForm(r.id, devices, done)) : null,
    ),
    inspect && open ? section(t('closeRecord'), closeRecordForm(r.id, done)) : null,
    r.state === 'closed' && (r.amendments.length || inspect)
      ? section(
          t('amendments'),
          r.amendments.map((a) =>
            h(
              'div',
              { class: 'amendment' },
              h('p', {}, h('strong', {}, `#${a.id} ${a.reason}`), ' ', h('span', { class: 'muted' }, `${atStation(a.amendedAt)} · ${actorName(a.amendedBy)}`)),
              h('p', {}, typeof a.change === 'string' ? a.change : JSON.stringify(a.change)),
            ),
          ),
          inspect ? h('div', { class: 'subsection' }, h('h3', {}, t('addAmendment')), amendmentForm(r.id, done)) : null,
        )
      : null,
  ];
}

/**
 * An instrument examined: what it is, the verdict and why, what the inspector saw, its checks.
 * @param {InspectionRecord} r @param {InspectionItem} item @param {Device | undefined} d
 * @param {boolean} act may seal it off @param {(message: string) => void} done
 */
function itemView(r, item, d, act, done) {
  const yes = (/** @type {boolean | undefined} */ v) => (v ? '✓' : '✗');
  const f = item.facts;
  const sealed = d?.sealed;
  // a calibrated type's label and certificate are calibration's (hiệu chuẩn), as on the printed record
  const calibrated = f.verification?.basis === 'calibration' || S.types.find((x) => x.id === d?.type)?.standing === 'calibration';
  const reason = (/** @type {string} */ x) =>
    label(calibrated && (x === 'verification-mark-invalid' || x === 'certificate-invalid') ? 'itemreason-calibration' : 'itemreason', x);
  return h(
    'div',
    { class: `item verdict-${item.verdict}`, 'data-item': String(item.id), 'data-device': item.device },
    h(
      'h3',
      {},
      h('a', { href: `#/instruments/${encodeURIComponent(item.device)}` }, item.device),
      d ? ` — ${typeName(d.type)} (${d.serial})` : '',
      ' ',
      badge(`dec dec-${item.verdict}`, label('iverdict', item.verdict)),
      // the verdict is the inspector's; an out-of-tolerance alert left unresolved is said beside a "conforms", as on the printed record
      item.verdict === 'pass' && (f.unresolvedAlerts ?? []).some((a) => a.kind === 'out-of-tolerance')
        ? [' ', badge('sev sev-critical unresolved-oot', t('unresolvedOutOfTolerance'))]
        : null,
      sealed ? [' ', badge('sev sev-critical', t('sealedOff'))] : null,
    ),
    item.reasons.length ? h('p', { class: 'warn' }, item.reasons.map(reason).join('; ')) : null,
    facts([
      [t('sealsIntact'), yes(f.sealsIntact)],
      [t(calibrated ? 'calibrationMarkValid' : 'verificationMarkValid'), yes(f.verificationMarkValid)],
      [t(calibrated ? 'calibrationCertificateValid' : 'certificateValid'), yes(f.certificateValid)],
      f.priceDisplayCorrect === undefined ? null : [t('priceDisplayCorrect'), yes(f.priceDisplayCorrect)],
      f.notes ? [t('notes'), f.notes] : null,
    ]),
    alertsAtInspection(r, item),
    item.checks.length
      ? table(
          `${t('checks')} ${item.device}`,
          [t('point'), t('standardId'), t('indicated'), t('reference'), t('errorValue'), t('mpeShort'), t('uncertaintyShort'), t('legal')],
          item.checks.map((c) =>
            h(
              'tr',
              {},
              h('td', {}, c.point ? pointName(c.point) : (c.gas ?? '—')),
              h('td', {}, c.standardId),
              h('td', { class: 'num' }, `${fmtNum(c.indicated, 6)} ${fmtUnit(c.unit)}`),
              h('td', { class: 'num' }, `${fmtNum(c.reference, 6)} ${fmtUnit(c.unit)}`),
              h('td', { class: 'num' }, c.relativeError === null ? fmtSigned(c.error) : `${fmtSigned(c.error)} (${fmtSigned(100 * c.relativeError, 3)} %)`),
              h('td', { class: 'num' }, `±${fmtNum(c.mpe)}`),
              h('td', { class: 'num' }, fmtNum(c.uncertainty)),
              h('td', {}, badge(`dec dec-${c.legal}`, label('decision', c.legal))),
            ),
          ),
        )
      : null,
    sealed ? h('p', { class: 'sealed' }, t('sealedSince', { date: atStation(sealed.since), finding: sealed.finding })) : null,
    act && item.verdict === 'fail' && !sealed ? sealOffButton(r.id, item, done) : null,
  );
}

/**
 * MAG's alerts on the instrument unresolved when it was entered on the record, as the record keeps
 * them (kind, test point or gas, since when, what): nothing for an item recorded before MAG kept them.
 * @param {InspectionRecord} r @param {InspectionItem} item
 */
function alertsAtInspection(r, item) {
  const f = item.facts;
  const alerts = f.unresolvedAlerts;
  if (!alerts) return null;
  if (alerts.length === 0) return h('p', { class: 'muted item-alerts' }, t('alertsAtInspectionNone'));
  return h(
    'div',
    { class: 'item-alerts' },
    h('p', {}, h('strong', {}, t('alertsAtInspection'))),
    h(
      'ul',
      {},
      alerts.map((a) => {
        // the alert as the console's alert pages tell it: its evidence here is the check it was raised for
        const told = /** @type {Alert} */ (
          /** @type {unknown} */ ({
            kind: a.kind,
            key: a.key ?? '',
            tenant: r.tenant,
            summary: a.summary,
            details: { ...a.check, verification: f.verification },
          })
        );
        const where = a.key === undefined ? '' : seriesParts(a.key).regime ? seriesName({ series: a.key }) : a.key;
        return h(
          'li',
          { 'data-alert': a.id, 'data-kind': a.kind },
          badge(`sev sev-${a.severity}`, alertKind(told)),
          where ? ` ${where}` : '',
          ` · ${t('alertAtInspectionSince', { date: atStation(a.since) })}`,
          a.state === 'acknowledged' ? ` · ${t('alertAtInspectionAcknowledged')}` : '',
          `: ${alertSummary(told)}`,
        );
      }),
    ),
  );
}

/**
 * A finding with its lifecycle, and what this token may do with it.
 * @param {Finding} f @param {boolean} inspect may close it @param {boolean} answerer may answer it
 * @param {(message: string) => void} done
 */
function findingView(f, inspect, answerer, done) {
  const live = f.state !== 'closed';
  return h(
    'li',
    { class: `finding finding-${f.kind} fstate-${f.state}`, 'data-finding': f.id },
    h(
      'p',
      { class: 'line1' },
      badge(`finding-kind kind-${f.kind}`, label('finding', f.kind)),
      badge(`fstate fstate-${f.state}`, label('fstate', f.state)),
      h('strong', {}, f.id),
      f.device ? h('span', { class: 'dev' }, f.device) : null,
    ),
    h('p', {}, f.description),
    facts([
      f.action ? [t('actionTaken'), f.action] : null,
      [t('opened'), `${atStation(f.openedAt)} · ${actorName(f.openedBy)}`],
      f.answer ? [t('answer'), `${f.answer} (${atStation(f.answeredAt)} · ${actorName(f.answeredBy)})`] : null,
      f.closeReason ? [t('closeReason'), `${f.closeReason} (${atStation(f.closedAt)} · ${actorName(f.closedBy)})`] : null,
    ]),
    // answered once: the answer above (what, when, who) stands on the record, and the API refuses another (409)
    live && answerer && !f.answer ? answerForm(f, done) : null,
    live && inspect ? closeFindingForm(f, done) : null,
  );
}

/**
 * Which way the errors of the record's checks lean at this place of business, per type with a rule (the API's
 * sellerFavourAtPlace; NIST HB44 G-UR.4.1): the tally, and the finding when the type's rule holds.
 * @param {InspectionRecord} r
 */
function placeLean(r) {
  const judged = r.sellerFavourAtPlace ?? [];
  if (judged.length === 0) return null;
  return h(
    'div',
    { class: 'place-lean', 'data-place-lean': '' },
    judged.map((j) => [
      h(
        'p',
        {},
        t('placeLean', {
          type: j.favoured === 'buyer' ? t('usedByBuyer', { type: typeName(j.type) }) : typeName(j.type),
          k: j.onSellerSide,
          m: j.checksCounted,
          buyer: j.onBuyerSide,
          mean: fmtSigSigned(j.meanErrorMpe, 2),
          p: fmtP(j.pValue),
        }),
      ),
      j.finding ? h('p', { class: 'warn' }, t(j.favoured === 'buyer' ? 'placeFavoursBuyer' : 'placeFavoursSeller')) : null,
    ]),
  );
}
