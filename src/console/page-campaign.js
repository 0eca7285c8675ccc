// @ts-check
// One mobile verification campaign: its plan and tally (by market, by class), the form that
// records a scale verified on the spot, and the scales verified (a passed one links to the
// instrument it became).
import { h, clear, append, field, select } from './dom.js';
import { t, label, fmtDate, fmtDays, fmtNum, todayIn, regionName } from './i18n.js';
import { S, api, lastEntry, rememberEntry } from './session.js';
import { badge, decimalInput, decimalValue, errorBox, facts, section, table } from './blocks.js';
import { postForm } from './inspection-forms.js';
import { campaignsNotForRole } from './page-campaigns.js';
/** @import { Campaign, CampaignSummary, CampaignVerification, Device, Tally } from './types.js' */
/** @import { FieldNames } from './refusal-words.js' */

/** @param {HTMLElement} main @param {string} id */
export async function campaignPage(main, id) {
  const refused = campaignsNotForRole();
  if (refused) {
    main.append(h('h1', {}, t('campaigns')), refused);
    return;
  }
  const box = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  main.append(h('p', {}, h('a', { href: '#/campaigns', class: 'back' }, `← ${t('backToCampaigns')}`)), box);
  /**
   * @param {string} [message] said above the page
   * @param {string} [recorded] a scale just recorded: said beside the form's button, where the inspector's
   *   eyes are, the form ready for the next scale (its owner first)
   */
  const load = async (message, recorded) => {
    try {
      const path = `/api/v1/campaigns/${encodeURIComponent(id)}`;
      /** @type {[Campaign & { verifications: CampaignVerification[] }, CampaignSummary]} */
      const [c, s] = await Promise.all([api().get(path), api().get(`${path}/summary`)]);
      if (!box.isConnected) return;
      const flash = message ?? S.flash;
      S.flash = null;
      append(clear(box), [flash ? h('p', { class: 'ok', role: 'status' }, flash) : null, campaign(c, s, (m) => load(undefined, m), recorded)]);
      if (recorded) {
        box.querySelector('.recorded')?.scrollIntoView({ block: 'center' });
        /** @type {HTMLInputElement | null} */ (box.querySelector('input[name="owner"]'))?.focus({ preventScroll: true });
      }
    } catch (e) {
      if (box.isConnected) clear(box).append(errorBox(e));
    }
  };
  await load();
}

/** @param {string} caption @param {string} first its first column @param {Array<[string, Tally]>} rows */
const tallyTable = (caption, first, rows) =>
  table(
    caption,
    [first, t('verified'), t('passed'), t('failed')],
    rows.map(([name, x]) =>
      h(
        'tr',
        { 'data-row': name },
        h('th', { scope: 'row' }, name),
        h('td', { class: 'num' }, String(x.verified)),
        h('td', { class: 'num' }, String(x.passed)),
        h('td', { class: 'num' }, String(x.failed)),
      ),
    ),
  );

/**
 * @param {Campaign & { verifications: CampaignVerification[] }} c @param {CampaignSummary} s
 * @param {(message: string) => void} done @param {string} [recorded] the scale just recorded, said beside the form's button
 */
function campaign(c, s, done, recorded) {
  return [
    h('h1', {}, c.name),
    section(
      t('summary'),
      facts([
        [t('region'), regionName(c.region)],
        [t('period'), fmtDays(c.from, c.to)],
        [t('team'), c.team.join(', ')],
        c.authority ? [t('issuingAuthority'), c.authority] : null,
        [t('verified'), h('strong', { 'data-tally': 'verified' }, String(s.verified))],
        [t('passed'), h('strong', { 'data-tally': 'passed' }, String(s.passed))],
        [t('failed'), h('strong', { 'data-tally': 'failed' }, String(s.failed))],
        [t('marketsVisited'), `${s.marketsVisited}/${s.marketsPlanned}`],
        [t('devicesRegistered'), String(s.devicesRegistered)],
      ]),
      h('h3', {}, t('byMarket')),
      tallyTable(
        t('byMarket'),
        t('market'),
        s.byMarket.map((m) => [m.district ? `${m.market} (${m.district})` : m.market, m]),
      ),
      s.byClass.length
        ? [
            h('h3', {}, t('byClass')),
            tallyTable(
              t('byClass'),
              t('class'),
              s.byClass.map((k) => [k.class, k]),
            ),
          ]
        : null,
    ),
    section(t('recordVerification'), verificationForm(c, done, recorded)),
    section(
      t('verifications'),
      c.verifications.length
        ? table(
            t('verifications'),
            [t('serial'), t('market'), t('scaleOwner'), t('class'), t('result'), t('stampNumber'), t('validUntil'), t('device')],
            [...c.verifications]
              .reverse()
              .map((v) =>
                h(
                  'tr',
                  { 'data-serial': v.serial },
                  h('th', { scope: 'row' }, v.serial),
                  h('td', {}, v.market),
                  h('td', {}, v.owner.phone ? `${v.owner.name} (${v.owner.phone})` : v.owner.name),
                  h('td', {}, `${v.class} · Max ${fmtNum(v.max)} kg · e ${fmtNum(v.e)} kg`),
                  h('td', {}, badge(`dec dec-${v.result}`, label('result', v.result))),
                  h('td', {}, v.stampNumber ?? '—'),
                  h('td', {}, fmtDate(v.validUntil)),
                  h('td', {}, v.device ? h('a', { href: `#/instruments/${encodeURIComponent(v.device)}` }, v.device) : '—'),
                ),
              ),
          )
        : h('p', { class: 'muted' }, t('noVerifications')),
    ),
  ];
}

/**
 * Records a scale verified at one of the campaign's markets. The page is drawn again after each scale: the
 * form starts from the last one's market, class, construction and day (typed from the paper record), as
 * the next scale is most often the next stall's; the owner, serial and figures are the scale's own.
 * @param {Campaign} c @param {(message: string) => void} done @param {string} [recorded] the scale just recorded
 */
function verificationForm(c, done, recorded) {
  const entry = `campaign:${c.id}`;
  const last = lastEntry(entry);
  const market = select(
    'market',
    c.markets.map((m) => /** @type {const} */ ([m.name, m.district ? `${m.name} (${m.district})` : m.name])),
    c.markets.some((m) => m.name === last.market) ? last.market : c.markets[0]?.name,
    { required: true },
  );
  /** @param {string} name @param {Record<string, unknown>} [attrs] */
  const text = (name, attrs = {}) => h('input', { name, type: 'text', ...attrs });
  const owner = text('owner', { required: true, maxlength: 200 });
  const phone = text('phone', { type: 'tel', maxlength: 32 });
  const serial = text('serial', { required: true, maxlength: 128 });
  const scaleType = S.types.find((x) => x.id === 'scale');
  // the accuracy classes the scale's type knows (devices/scale.json: I, II, III, IIII); a market scale is most often IIII
  const classes = Object.keys(/** @type {{ classes?: Record<string, unknown> } | undefined} */ (scaleType?.mpe?.verification)?.classes ?? {});
  const classList = classes.length ? classes : ['III', 'IIII'];
  const klass = select(
    'class',
    classList.map((c) => /** @type {const} */ ([c, c])),
    last.class && classList.includes(last.class) ? last.class : 'IIII',
  );
  // typed as the inspector writes numbers: "0,05" in Vietnamese (a number input of a browser set to English made it 5)
  const max = decimalInput('max', { required: true, value: 30 });
  const e = decimalInput('e', { required: true, value: 0.1 });
  // the constructions whose legal interval differs (a spring-dial scale: 24 months), from the scale's type
  const constructions = Object.entries(scaleType?.verificationIntervalMonthsByConstruction ?? {});
  const construction = select(
    'construction',
    [
      ['', t('constructionOther', { months: scaleType?.verificationIntervalMonths ?? 12 })],
      ...constructions.map(([k, months]) => /** @type {[string, string]} */ ([k, t('constructionMonths', { construction: label('construction', k), months })])),
    ],
    constructions.some(([k]) => k === last.construction) ? last.construction : '',
  );
  const result = select(
    'result',
    [
      ['pass', label('result', 'pass')],
      ['fail', label('result', 'fail')],
    ],
    'pass',
  );
  const stamp = text('stampNumber', { maxlength: 64 });
  const certificate = text('certificateNumber', { maxlength: 128 });
  const validUntil = h('input', { name: 'validUntil', type: 'date' });
  // results typed in from the paper record later: the day of the verification, which the certificate is issued on
  const today = todayIn(); // the campaign's zone: the gateway's default
  // a day picked for the last scale (typed in from the paper record) is the next one's too, never one ahead of today
  const lastDay = last.verifiedOn && last.verifiedOn <= today ? last.verifiedOn : undefined;
  const verifiedOn = h('input', { name: 'verifiedOn', type: 'date', required: true, value: lastDay ?? today, max: today });
  // sent once the inspector picks a day (untouched: now, its time of day kept)
  let picked = lastDay !== undefined;
  verifiedOn.addEventListener('input', () => {
    picked = true;
  });
  /** @type {Record<string, string>} */
  let chosen = {};
  const form = postForm(
    t('recordVerification'),
    t('recordVerificationButton'),
    () => {
      chosen = {
        market: market.value,
        class: klass.value,
        construction: construction.value,
        ...(picked && verifiedOn.value ? { verifiedOn: verifiedOn.value } : {}),
      };
      return {
        path: `/api/v1/campaigns/${encodeURIComponent(c.id)}/verifications`,
        body: {
          market: market.value,
          owner: { name: owner.value.trim(), ...(phone.value.trim() ? { phone: phone.value.trim() } : {}) },
          serial: serial.value.trim(),
          type: 'scale',
          class: klass.value,
          max: decimalValue(max),
          e: decimalValue(e),
          ...(construction.value ? { construction: construction.value } : {}),
          result: result.value,
          ...(stamp.value.trim() ? { stampNumber: stamp.value.trim() } : {}),
          ...(certificate.value.trim() ? { certificateNumber: certificate.value.trim() } : {}),
          ...(validUntil.value ? { validUntil: validUntil.value } : {}),
          // untouched: now (its time of day kept); a day picked: that day in the campaign's zone
          ...(verifiedOn.value && picked ? { verifiedAt: verifiedOn.value } : {}),
        },
        fields: verificationFields(),
      };
    },
    (/** @type {CampaignVerification & { instrument?: Device }} */ v) => {
      rememberEntry(entry, chosen);
      return [
        t('verificationRecorded', { serial: v.serial, result: label('result', v.result) }),
        v.device ? t('registeredAs', { id: v.device, date: fmtDate(v.validUntil) }) : '',
      ]
        .filter(Boolean)
        .join(' ');
    },
    done,
    field(t('market'), market),
    field(t('scaleOwner'), owner),
    field(`${t('ownerPhone')} (${t('optional')})`, phone),
    field(t('serial'), serial),
    field(t('class'), klass),
    field(t('maxCapacity'), max),
    field(t('scaleInterval'), e),
    field(t('construction'), construction),
    field(t('verifiedOn'), verifiedOn),
    field(t('result'), result),
    field(`${t('stampNumber')} (${t('optional')})`, stamp),
    field(`${t('certificateNumber')} (${t('optional')})`, certificate),
    field(`${t('validUntil')} (${t('optional')})`, validUntil),
  );
  // the scale just recorded, said beside the button the inspector tapped (the page above is far off on a phone)
  if (recorded) form.querySelector('.form-actions')?.append(h('p', { class: 'ok recorded', role: 'status' }, recorded));
  return form;
}

/**
 * The form's labels of the API's fields, for a refusal naming them (refusal-words.js), max and e above all:
 * OIML R76-1 Table 3 refuses what does not fit the class.
 * @returns {FieldNames}
 */
const verificationFields = () => ({
  market: t('market'),
  'owner.name': t('scaleOwner'),
  'owner.phone': t('ownerPhone'),
  serial: t('serial'),
  class: t('class'),
  max: t('maxCapacity'),
  e: t('scaleInterval'),
  construction: t('construction'),
  verifiedAt: t('verifiedOn'),
  result: t('result'),
  stampNumber: t('stampNumber'),
  certificateNumber: t('certificateNumber'),
  validUntil: t('validUntil'),
});
