// @ts-check
// One mobile verification campaign: its plan and tally (by market, by class), the form that
// records a scale verified on the spot, and the scales verified (a passed one links to the
// instrument it became).
import { h, clear, append, field, select } from './dom.js';
import { t, label, fmtDate, fmtDays, fmtNum, todayIn, regionName } from './i18n.js';
import { S, api } from './session.js';
import { badge, errorBox, facts, section, table } from './blocks.js';
import { postForm } from './inspection-forms.js';
import { campaignsNotForRole } from './page-campaigns.js';
/** @import { Campaign, CampaignSummary, CampaignVerification, Device, Tally } from './types.js' */

/** @param {HTMLElement} main @param {string} id */
export async function campaignPage(main, id) {
  const refused = campaignsNotForRole();
  if (refused) {
    main.append(h('h1', {}, t('campaigns')), refused);
    return;
  }
  const box = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  main.append(h('p', {}, h('a', { href: '#/campaigns', class: 'back' }, `← ${t('backToCampaigns')}`)), box);
  /** @param {string} [message] */
  const load = async (message) => {
    try {
      const path = `/api/v1/campaigns/${encodeURIComponent(id)}`;
      /** @type {[Campaign & { verifications: CampaignVerification[] }, CampaignSummary]} */
      const [c, s] = await Promise.all([api().get(path), api().get(`${path}/summary`)]);
      if (!box.isConnected) return;
      const flash = message ?? S.flash;
      S.flash = null;
      append(clear(box), [flash ? h('p', { class: 'ok', role: 'status' }, flash) : null, campaign(c, s, (m) => load(m))]);
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
 * @param {(message: string) => void} done
 */
function campaign(c, s, done) {
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
    section(t('recordVerification'), verificationForm(c, done)),
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

/** Records a scale verified at one of the campaign's markets. @param {Campaign} c @param {(message: string) => void} done */
function verificationForm(c, done) {
  const market = select(
    'market',
    c.markets.map((m) => /** @type {const} */ ([m.name, m.district ? `${m.name} (${m.district})` : m.name])),
    c.markets[0]?.name,
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
  const klass = select(
    'class',
    (classes.length ? classes : ['III', 'IIII']).map((c) => /** @type {const} */ ([c, c])),
    'IIII',
  );
  const max = h('input', { name: 'max', type: 'number', step: 'any', min: 0, required: true, inputmode: 'decimal', value: '30' });
  const e = h('input', { name: 'e', type: 'number', step: 'any', min: 0, required: true, inputmode: 'decimal', value: '0.1' });
  // the constructions whose legal interval differs (a spring-dial scale: 24 months), from the scale's type
  const construction = select(
    'construction',
    [
      ['', t('constructionOther', { months: scaleType?.verificationIntervalMonths ?? 12 })],
      ...Object.entries(scaleType?.verificationIntervalMonthsByConstruction ?? {}).map(
        ([k, months]) => /** @type {[string, string]} */ ([k, t('constructionMonths', { construction: label('construction', k), months })]),
      ),
    ],
    '',
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
  const verifiedOn = h('input', { name: 'verifiedOn', type: 'date', required: true, value: today, max: today });
  // sent once the inspector picks a day (untouched: now, its time of day kept)
  let picked = false;
  verifiedOn.addEventListener('input', () => {
    picked = true;
  });
  return postForm(
    t('recordVerification'),
    t('recordVerificationButton'),
    () => ({
      path: `/api/v1/campaigns/${encodeURIComponent(c.id)}/verifications`,
      body: {
        market: market.value,
        owner: { name: owner.value.trim(), ...(phone.value.trim() ? { phone: phone.value.trim() } : {}) },
        serial: serial.value.trim(),
        type: 'scale',
        class: klass.value,
        max: Number(max.value),
        e: Number(e.value),
        ...(construction.value ? { construction: construction.value } : {}),
        result: result.value,
        ...(stamp.value.trim() ? { stampNumber: stamp.value.trim() } : {}),
        ...(certificate.value.trim() ? { certificateNumber: certificate.value.trim() } : {}),
        ...(validUntil.value ? { validUntil: validUntil.value } : {}),
        // untouched: now (its time of day kept); a day picked: that day in the campaign's zone
        ...(verifiedOn.value && picked ? { verifiedAt: verifiedOn.value } : {}),
      },
    }),
    (/** @type {CampaignVerification & { instrument?: Device }} */ v) =>
      [
        t('verificationRecorded', { serial: v.serial, result: label('result', v.result) }),
        v.device ? t('registeredAs', { id: v.device, date: fmtDate(v.validUntil) }) : '',
      ]
        .filter(Boolean)
        .join(' '),
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
}
