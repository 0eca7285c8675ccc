// @ts-check
// Lots of prepackages (docs/contract.md §6): the list filtered by enterprise and verdict with the form to
// declare a lot, and one lot filling as its packages arrive (polled while it is pending, and
// reloaded when its lot-fail alert comes on the live stream): sample, T1/T2, mean against its
// limit, the verdict with its reasons, the weighing instruments' fitness (each one that weighed
// packages), and a form to enter packages by hand.
import { h, clear, field, select } from './dom.js';
import { t, label, lang, DICTS, fmtDate, fmtDateTime, fmtNum, fmtUnit, regionName } from './i18n.js';
import { S, api, ownEnterpriseOnly } from './session.js';
import { badge, decimalInput, decimalValue, errorBox, facts, options, section, table, tenantName, typeName, zoneOf } from './blocks.js';
import { enterpriseFilter, filterForm, listPage } from './list-page.js';
import { LOT_VERDICTS } from './vocabulary.js';
import { implausiblePackages, readPackageValues } from './package-values.js';
/** @import { Attrs, Child } from './dom.js' */
/** @import { Device, List, Lot } from './types.js' */
/** @import { FieldNames } from './refusal-words.js' */

const UNITS = ['g', 'kg', 'mL', 'L'];
/** How often a pending lot is read again while its page is shown. */
const POLL_MS = 2000;

/** The Vietnamese plan's id in the sampling plans (devices/prepackages/sampling-plans.json). */
const VN_PLAN = 'vn-circular-21-2014';
/** A plan by name in the reader's language ("eu-reference-single" → its name), else its id. @param {string} id */
export const planLabel = (id) => DICTS[lang()][`planName.${id}`] ?? DICTS.en[`planName.${id}`] ?? id;
/** A plan's short name beside a verdict ("EU/UK"), else its name. @param {string} id */
const planShort = (id) => DICTS[lang()][`planShort.${id}`] ?? planLabel(id);
/**
 * What a lot's verdict is under, when it is not plainly Vietnam's rule: another plan (the lot's
 * `plan`; its `circular21Sampled` or `circular21WholeLot` note says the Circular 21/2014 plan may judge
 * otherwise), or the Vietnamese plan while its figures are unconfirmed (`planUnconfirmed`). Null for a
 * pending lot.
 * @param {Pick<Lot, 'verdict' | 'plan' | 'planUnconfirmed' | 'notes'>} l
 */
const verdictBasis = (l) => {
  if (l.verdict === 'pending') return null;
  const plan = planShort(l.plan);
  if (l.plan !== VN_PLAN) return t((l.notes ?? []).some((n) => n.key === 'circular21WholeLot') ? 'verdictUnderPlanVnFails' : 'verdictUnderPlan', { plan });
  return l.planUnconfirmed ? t('verdictUnconfirmedPlan', { plan }) : null;
};
/**
 * A lot's verdict: its badge and, when it is not plainly Vietnam's rule, the plan it is under.
 * @param {Pick<Lot, 'verdict' | 'plan' | 'planUnconfirmed' | 'notes'>} l
 */
const verdictBadge = (l) => {
  const basis = verdictBasis(l);
  return h(
    'span',
    { class: 'verdict-of-lot' },
    badge(`verdict verdict-${l.verdict}`, label('verdict', l.verdict)),
    basis ? h('small', { class: 'verdict-basis' }, ` (${basis})`) : null,
  );
};
/** How far the lot is measured: "Đã đo 85 đơn vị (mẫu 50, cỡ lô 300)". @param {Lot} l @param {'progress' | 'progressShort'} [key] */
const progressText = (l, key = 'progress') => t(key, { m: fmtNum(l.measured), n: fmtNum(l.sampleSize), size: fmtNum(l.lotSize) });
/** A quantity in the lot's unit. @param {number | null | undefined} x @param {string} unit */
const qty = (x, unit) => (x === null || x === undefined ? '—' : `${fmtNum(x, unit === 'kg' || unit === 'L' ? 5 : 2)} ${unit}`);

/** @param {HTMLElement} main */
export function lotsPage(main) {
  const filters = { tenant: '', verdict: '' };
  listPage(main, {
    title: t('lots'),
    above: (reload) => [filterForm(filters, [...enterpriseFilter(), ['verdict', t('verdict'), options(LOT_VERDICTS, 'verdict')]], reload)],
    read: () => api().get('/api/v1/lots', filters),
    show: (/** @type {List<Lot>} */ r) => {
      const heads = [
        t('lot'),
        ...(ownEnterpriseOnly() ? [] : [t('tenant')]),
        t('product'),
        t('nominal'),
        t('measured'),
        t('verdict'),
        t('t1Short'),
        t('t2Short'),
      ];
      const rows = r.items.map((l) =>
        h(
          'tr',
          { 'data-lot': l.id },
          h('th', { scope: 'row' }, h('a', { href: `#/lots/${encodeURIComponent(l.id)}` }, l.id)),
          [
            ...(ownEnterpriseOnly() ? [] : [tenantName(l.tenant)]),
            l.product,
            qty(l.nominal, l.unit),
            progressText(l, 'progressShort'),
            verdictBadge(l),
            `${l.t1} / ${l.allowedT1}`,
            String(l.t2),
          ].map((c, i) => h('td', { 'data-label': heads[i + 1] }, c)),
        ),
      );
      return { heads, rows, empty: t('noLots') };
    },
  });
  if (S.manage) main.append(declareForm());
}

/** The declaration form (admins and operators); on success it opens the new lot. */
// Over 80 lines: the form's fields, one h() each, and its submit.
function declareForm() {
  const out = h('div');
  /** @param {string} name @param {Attrs} [attrs] */
  const inp = (name, attrs = {}) => h('input', { name, type: 'text', ...attrs });
  const id = inp('id', { required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', maxlength: 64, autocomplete: 'off' });
  const tenant = select(
    'tenant',
    S.tenants.map((x) => /** @type {const} */ ([x.id, `${x.name} (${regionName(x.region)})`])),
    S.tenants[0]?.id,
    { required: true },
  );
  const product = inp('product', { required: true, maxlength: 128 });
  // typed as the reader writes numbers (blocks.js decimalInput): "12,5" g, not 125 g
  const nominal = decimalInput('nominal', { required: true });
  const unit = select(
    'unit',
    UNITS.map((u) => /** @type {const} */ ([u, u])),
    'g',
  );
  // a count: a whole number, which the number input's step checks
  const lotSize = inp('lotSize', { type: 'number', required: true, step: '1', min: '1', inputmode: 'numeric' });
  const scale = select('scale', [['', t('noScale')]], '');
  const averageTare = decimalInput('averageTare');
  const density = decimalInput('density');
  const destructive = h('input', { name: 'destructive', type: 'checkbox' });
  const btn = h('button', { type: 'submit', class: 'primary' }, t('declareButton'));
  // the tenant's weighing instruments (types that measure mass) as the scale to name
  const massTypes = new Set(S.types.filter((x) => x.quantity === 'mass').map((x) => x.id));
  /** @type {Device[]} */
  let devices = [];
  const fillScales = () => {
    clear(scale).append(
      h('option', { value: '' }, t('noScale')),
      ...devices.filter((d) => d.tenant === tenant.value && massTypes.has(d.type)).map((d) => h('option', { value: d.id }, `${d.id} (${d.serial})`)),
    );
  };
  tenant.addEventListener('change', fillScales);
  api()
    .get('/api/v1/devices')
    .then((/** @type {List<Device>} */ r) => {
      devices = r.items;
      fillScales();
    })
    .catch(() => undefined);
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': t('declareLot'),
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        clear(out);
        /** @type {Record<string, unknown>} */
        const b = {
          id: id.value.trim(),
          tenant: tenant.value,
          product: product.value.trim(),
          nominal: decimalValue(nominal),
          unit: unit.value,
          lotSize: Number(lotSize.value),
        };
        if (scale.value) b.scale = scale.value;
        const tare = decimalValue(averageTare);
        const rho = decimalValue(density);
        if (tare !== undefined) b.averageTare = tare;
        if (rho !== undefined) b.density = rho;
        if (destructive.checked) b.destructive = true;
        try {
          /** @type {Lot} */
          const lot = await api().post('/api/v1/lots', b);
          S.flash = t('declared', { id: lot.id, n: lot.sampleSize, t: qty(lot.tolerableDeficiency, lot.unit) });
          location.hash = `#/lots/${encodeURIComponent(lot.id)}`;
        } catch (err) {
          out.append(errorBox(err, declareFields()));
          btn.disabled = false;
        }
      },
    },
    field(t('lotId'), id, t('lotIdHint')),
    // an operator declares for his own enterprise, the select's only choice
    ownEnterpriseOnly() ? null : field(t('tenant'), tenant),
    field(t('product'), product),
    field(t('nominal'), nominal),
    field(t('unit'), unit),
    field(t('lotSize'), lotSize),
    field(`${t('scaleInstrument')} (${t('optional')})`, scale),
    field(`${t('averageTare')} (${t('optional')})`, averageTare, t('averageTareHint')),
    field(`${t('density')} (${t('optional')})`, density),
    h('div', { class: 'field check' }, h('label', {}, destructive, ' ', t('destructive'))),
    h('div', { class: 'form-actions' }, btn),
  );
  return section(t('declareLot'), form, out);
}

/**
 * The declaration form's labels of the API's fields, for a refusal naming them; "(lot)" is a reason
 * the sampling plans give about the lot as declared.
 * @returns {FieldNames}
 */
const declareFields = () => ({
  id: t('lotId'),
  tenant: t('tenant'),
  product: t('product'),
  nominal: t('nominal'),
  unit: t('unit'),
  lotSize: t('lotSize'),
  scale: t('scaleInstrument'),
  averageTare: t('averageTare'),
  density: t('density'),
  '(lot)': t('lot'),
});

/** @param {HTMLElement} main @param {string} id */
export async function lotPage(main, id) {
  const path = `/api/v1/lots/${encodeURIComponent(id)}`;
  const loading = h('p', { class: 'muted' }, t('loading'));
  main.append(h('p', {}, h('a', { href: '#/lots', class: 'back' }, `← ${t('backToLots')}`)), loading);
  const view = h('div', { 'data-lot-view': id });
  const flash = S.flash ? h('p', { class: 'ok', role: 'status' }, S.flash) : null;
  S.flash = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const show = (/** @type {Lot} */ lot) => {
    clear(view).append(...lotSections(lot));
    clearTimeout(timer);
    if (lot.verdict === 'pending') timer = setTimeout(refresh, POLL_MS);
  };
  const refresh = async () => {
    if (!view.isConnected) return; // the page was left: stop polling
    try {
      show(await api().get(path));
    } catch (e) {
      clear(view).append(errorBox(e));
    }
  };
  /** @type {Lot} */
  let lot;
  try {
    lot = await api().get(path);
  } catch (e) {
    loading.replaceWith(errorBox(e));
    return;
  }
  if (!loading.isConnected) return; // another page was opened meanwhile
  loading.replaceWith(h('h1', {}, `${t('lot')} ${lot.id}`), flash ?? '', view);
  show(lot);
  if (S.manage) main.append(packagesForm(lot, show));
  // a lot-fail alert on the live stream: the verdict is in
  S.view = { onAlert: (a) => (a.kind === 'lot-fail' && a.key === lot.id ? void refresh() : undefined) };
}

/** @param {Lot} l */
function lotSections(l) {
  const progress = Math.min(1, l.sampleSize ? l.measured / l.sampleSize : 0);
  return [
    h('p', { class: 'line1 lot-verdict' }, verdictBadge(l), ' ', h('span', { 'data-measured': String(l.measured) }, progressText(l))),
    h(
      'progress',
      {
        class: 'lot-progress',
        max: String(l.sampleSize),
        value: String(Math.min(l.measured, l.sampleSize)),
        'aria-label': progressText(l),
      },
      `${Math.round(progress * 100)} %`,
    ),
    section(
      t('lot'),
      facts([
        [t('tenant'), tenantName(l.tenant)],
        [t('product'), l.product],
        [t('nominal'), qty(l.nominal, l.unit)],
        [t('tolerableDeficiency'), qty(l.tolerableDeficiency, l.unit)],
        [t('lotSize'), String(l.lotSize)],
        [t('plan'), h('span', { 'data-plan': l.plan }, planLabel(l.plan), l.planUnconfirmed ? [' ', badge('sev sev-warning', t('unconfirmed'))] : null)],
        [t('sampleSize'), String(l.sampleSize)],
        l.averageTare !== undefined ? [t('averageTare'), qty(l.averageTare, l.measuredUnit ?? l.unit)] : null,
        l.density !== undefined ? [t('density'), `${fmtNum(l.density)} g/mL`] : null,
        [t('declaredAt'), fmtDateTime(l.createdAt, zoneOf(l.tenant))],
        l.judgedAt ? [t('judgedAt'), fmtDateTime(l.judgedAt, zoneOf(l.tenant))] : null,
      ]),
    ),
    section(
      t('verdict'),
      facts([
        [t('verdict'), verdictBadge(l)],
        [
          t('t1Count'),
          h(
            'span',
            { class: l.t1 > l.allowedT1 ? 'warn' : '' },
            t('t1Of', { n: l.t1, max: l.allowedT1 }),
            l.t1Positions.length ? ` — ${t('positions', { list: l.t1Positions.join(', ') })}` : '',
          ),
        ],
        [
          t('t2Count'),
          h('span', { class: l.t2 > 0 ? 'warn' : '' }, String(l.t2), l.t2Positions.length ? ` — ${t('positions', { list: l.t2Positions.join(', ') })}` : ''),
        ],
        [t('mean'), qty(l.mean, l.unit)],
        [t('stdDev'), qty(l.stdDev, l.unit)],
        [
          t('averageLimit'),
          h('span', { class: l.mean !== null && l.averageLimit !== null && l.mean < l.averageLimit ? 'warn' : '' }, qty(l.averageLimit, l.unit)),
        ],
      ]),
      h('h3', {}, t('reasons')),
      reasonsList(l),
    ),
    section(
      t('scaleInstrument'),
      facts([
        [t('device'), l.scale.id ? h('a', { href: `#/instruments/${encodeURIComponent(l.scale.id)}` }, l.scale.id) : '—'],
        [t('fitness'), badge(l.scale.suitable ? 'verdict verdict-pass' : 'verdict verdict-fail', t(l.scale.suitable ? 'fit' : 'unfit'))],
        l.scale.mpe !== undefined ? [t('mpeAtLoad'), qty(l.scale.mpe, l.unit)] : null,
        l.scale.limit !== undefined ? [t('mpeLimit'), qty(l.scale.limit, l.unit)] : null,
        [t('reason'), fitnessReason(l.scale)],
      ]),
      instrumentsTable(l),
    ),
  ];
}

/**
 * Every instrument that weighed packages of the lot (and the declared one), each judged for the lot, when
 * there is more than one: how many packages it weighed, how many of them are in the sample, its fitness.
 * @param {Lot} l
 */
function instrumentsTable(l) {
  const list = l.instruments ?? [];
  if (list.length < 2) return null;
  const heads = [t('device'), t('packagesWeighed'), t('packagesInSample'), t('fitness'), t('mpeAtLoad'), t('mpeLimit'), t('reason')];
  const rows = list.map((i) =>
    h(
      'tr',
      { 'data-instrument': i.id ?? '' },
      h(
        'th',
        { scope: 'row' },
        i.id ? h('a', { href: `#/instruments/${encodeURIComponent(i.id)}` }, i.id) : t('noInstrument'),
        i.declared ? [' ', badge('sev sev-info', t('declaredScale'))] : null,
      ),
      [
        fmtNum(i.packages),
        fmtNum(i.inSample),
        badge(i.suitable ? 'verdict verdict-pass' : 'verdict verdict-fail', t(i.suitable ? 'fit' : 'unfit')),
        i.mpe !== undefined ? qty(i.mpe, l.unit) : '—',
        i.limit !== undefined ? qty(i.limit, l.unit) : '—',
        fitnessReason(i),
      ].map((c, k) => h('td', { 'data-label': heads[k + 1] }, c)),
    ),
  );
  return [h('h3', {}, t('instrumentsUsed')), table(t('instrumentsUsed'), heads, rows)];
}

/**
 * The verdict's reasons in the reader's language, told from their notes (the API's reasons are
 * English sentences written from the same notes); a note this console does not know is shown as
 * the API wrote it, marked as English, with the hint that says so.
 * @param {Pick<Lot, 'reasons' | 'notes'>} l
 */
export function reasonsList(l) {
  const lines = l.reasons.map((reason, i) => {
    const note = l.notes?.[i];
    const told = note ? tellNote('lotNote', NOTE_VARS, note.key, /** @type {Record<string, string | number>} */ (note.values)) : null;
    return told ? h('li', { 'data-note': note?.key }, told) : h('li', { lang: 'en', 'data-note': note?.key }, reason);
  });
  const asWritten = lines.some((li) => li.lang === 'en');
  return [asWritten ? h('p', { class: 'muted hint' }, t('reasonsAsWritten')) : null, h('ol', { class: 'reasons' }, lines)];
}

/** A figure of a note, rounded as the gateway wrote it: all its decimals, in the reader's locale. @param {unknown} x */
const fig = (x) => fmtNum(x, 9);
/** @param {unknown} x @param {unknown} unit */
const figUnit = (x, unit) => `${fig(x)} ${unit}`;
/** "1 package" / "3 packages". @param {unknown} n */
const packagesCount = (n) => t(n === 1 ? 'lotNote.package' : 'lotNote.packages', { n: fmtNum(n) });
/** Text of the plans file (names, clauses, notes) as written there, in English. @param {unknown} text */
const asWritten = (text) => h('span', { lang: 'en' }, String(text));
/**
 * The source of a plan's figures (the plans file's citation, in English) with the words around the
 * citation in Vietnamese: "UK SI 2006/659 Sch. 2 paras 3.3–3.5 (n = 50, số chấp nhận 3, số loại bỏ 4) và
 * 4.5 (n = 30, trung bình ≥ Qn − 0,503 s)"; the provisions cited stay as written (a reader looks them up
 * so), a Vietnamese Circular is named in Vietnamese. A source with words this console cannot tell is
 * shown as written, marked as English.
 * @param {string} source
 */
function citation(source) {
  if (lang() === 'en') return asWritten(source);
  /** @type {Array<[RegExp, string]>} */
  const words = [
    [/\(n = (\d+), accept (\d+), reject (\d+)\)/g, '(n = $1, số chấp nhận $2, số loại bỏ $3)'],
    [/\((\d+) \+ (\d+): (\d+)\/(\d+), then (\d+)\/(\d+)\)/g, '($1 + $2: chấp nhận/loại bỏ $3/$4, sau đó $5/$6)'],
    [/\(100 % test\)/g, '(đo toàn bộ lô)'],
    [/\(defective packages do not exceed (\d+) %\)/g, '(đơn vị hàng không đạt không quá $1 %)'],
    [/\(not retrieved; R87 Table 2 figures\)/g, '(chưa tra cứu được văn bản; số liệu theo OIML R87 Bảng 2)'],
    [/\(via vietpat\.vn summary\)/g, '(theo bản tóm tắt trên vietpat.vn)'],
    [/correction factor (\d+)\.(\d+)/g, 'hệ số hiệu chỉnh $1,$2'],
    [/(\d+) T1 allowed/g, 'cho phép $1 đơn vị T1'],
    [/Qn − (\d+)\.(\d+) s/g, 'Qn − $1,$2 s'],
    [/\bmean ≥/g, 'trung bình ≥'],
    [/; mean ≥/g, '; trung bình ≥'],
    [/ as UK SI/g, ' theo UK SI'],
    [/ and /g, ' và '],
    [/^Circular (\S+) Annex/, 'Thông tư $1 Phụ lục'],
    [/\bOIML R87 Table (\d+)/g, 'OIML R87 Bảng $1'],
  ];
  const told = words.reduce((text, [re, vi]) => text.replace(re, vi), source);
  // what is left must be the citation itself: the names of provisions, no English sentence
  const english =
    /\b(accept|reject|then|and|mean|test|defective|packages|allowed|correction|factor|not|retrieved|figures|via|summary|as|same|plans|published|double|sampling|destructive|requirements|assessment|procedure)\b/;
  return english.test(told) ? asWritten(source) : h('span', { class: 'citation' }, told);
}

/**
 * A weighing instrument's fitness for the lot in the reader's language, told from its note (`scale.note`,
 * `instruments[].note`: the form of the sentence and its figures, src/metrology/lot-instrument.ts) as
 * `fitNote.{key}`; a fitness without a note this console knows is shown as the API wrote it (`reason`),
 * marked English.
 * @param {Pick<Lot['scale'], 'reason' | 'note'>} fitness
 * @returns {Child}
 */
function fitnessReason({ reason, note }) {
  const told = note ? tellNote('fitNote', FITNESS_VARS, note.key, /** @type {Record<string, string | number>} */ (note.values)) : null;
  return told ? h('span', { 'data-reason': 'told', 'data-note': note?.key }, told) : h('span', { lang: 'en' }, reason);
}

/** "0.1 g" → "0,1 g" @param {unknown} x @param {unknown} unit */
const q = (x, unit) => `${fig(x)} ${fmtUnit(String(unit))}`;
/** The MPE at the load against T/5: the instrument named with its class and e when it has them. @param {Record<string, string | number>} v */
const atLoad = (v) => {
  const what = [
    Object.hasOwn(v, 'class') ? t('fitNote.class', { class: v.class }) : null,
    Object.hasOwn(v, 'e') ? `e = ${q(v.e, v.measuredUnit)}` : null,
  ].filter(Boolean);
  return {
    instrument: String(v.instrument),
    what: what.length ? ` (${what.join(', ')})` : '',
    load: q(v.load, v.measuredUnit),
    mpe: q(v.mpe, v.unit),
    limit: q(v.limit, v.unit),
  };
};
/**
 * What each fitness note's sentence (`fitNote.{key}`) is filled with, from the note's values.
 * @type {Record<string, (v: Record<string, string | number>) => Record<string, Child>>}
 */
const FITNESS_VARS = {
  noInstrument: () => ({}),
  unregistered: (v) => ({ instrument: String(v.instrument) }),
  notWeighing: (v) => ({ instrument: String(v.instrument), type: typeName(String(v.type)) }),
  unverified: (v) => ({ instrument: String(v.instrument), state: label('verif', String(v.state)) }),
  unverifiedUntil: (v) => ({ instrument: String(v.instrument), state: label('verif', String(v.state)), validUntil: fmtDate(String(v.validUntil)) }),
  notWeighed: (v) => ({ instrument: String(v.instrument), measuredUnit: fmtUnit(String(v.measuredUnit)) }),
  loadUnknown: (v) => ({ instrument: String(v.instrument), unit: fmtUnit(String(v.unit)), measuredUnit: fmtUnit(String(v.measuredUnit)) }),
  overCapacity: (v) => ({ instrument: String(v.instrument), load: q(v.load, v.measuredUnit), max: q(v.max, v.maxUnit) }),
  mpeUnknown: (v) => ({ instrument: String(v.instrument), problem: asWritten(v.problem) }),
  mpeWithinLimit: atLoad,
  mpeExceedsLimit: atLoad,
  lotNotJudgeable: (v) => ({ problems: asWritten(v.problems) }),
};

/** A plan's name in the reader's language when the console knows the plan, else as the plans file names it. @param {Record<string, string | number>} v */
const planName = (v) => {
  const known = lang() === 'en' ? undefined : DICTS[lang()][`planName.${v.planId}`];
  return known ?? (lang() === 'en' ? String(v.plan) : asWritten(v.plan));
};

/**
 * What each note's sentence (`lotNote.{key}`) is filled with, from the note's values.
 * @type {Record<string, (v: Record<string, string | number>) => Record<string, Child>>}
 */
const NOTE_VARS = {
  tolerableDeficiencyPercent: (v) => ({
    T: figUnit(v.T, v.unit),
    Qn: figUnit(v.Qn, v.unit),
    amount: fig(v.amount),
    from: fig(v.from),
    to: fig(v.to),
    baseUnit: v.baseUnit,
  }),
  tolerableDeficiencyAbsolute: (v) => NOTE_VARS.tolerableDeficiencyPercent(v),
  plan: (v) => {
    const stages = Array.from({ length: Number(v.stages) }, (_, k) => {
      const [n, accept, reject] = [v[`sample${k + 1}`], v[`accept${k + 1}`], v[`reject${k + 1}`]];
      const stage = t(Number(reject) > Number(accept) + 1 ? 'lotNote.planStageReject' : 'lotNote.planStage', { n: fmtNum(n), accept, reject });
      return k === 0 ? stage : t('lotNote.planThen', { stage });
    });
    const mean = t(v.lambda === 0 ? 'lotNote.planMeanAll' : 'lotNote.planMeanFirst', { n: fmtNum(v.meanSample), lambda: fig(v.lambda) });
    return { plan: planName(v), stages: stages.join(', '), mean, source: citation(String(v.source)) };
  },
  planUnconfirmed: (v) => ({ note: asWritten(v.note) }),
  lotAboveOffLineMax: (v) => ({ lotSize: fmtNum(v.lotSize), max: fmtNum(v.max) }),
  t2Packages: (v) => ({
    count: packagesCount(v.n),
    twoT: figUnit(v.twoT, v.unit),
    positions: t(v.n === 1 ? 'lotNote.position' : 'lotNote.positions', { list: v.positions }),
  }),
  t1RejectedEarly: (v) => ({ n: v.n, measured: fmtNum(v.measured), reject: v.reject, sampleSize: fmtNum(v.sampleSize) }),
  t1Accepted: (v) => ({ count: packagesCount(v.n), sampleSize: fmtNum(v.sampleSize), accept: v.accept }),
  t1Rejected: (v) => ({ count: packagesCount(v.n), sampleSize: fmtNum(v.sampleSize), accept: v.accept, reject: v.reject }),
  t1SecondSample: (v) => ({ count: packagesCount(v.n), sampleSize: fmtNum(v.sampleSize), accept: v.accept, reject: v.reject, next: fmtNum(v.next) }),
  meanMeetsNominal: (v) => ({ n: fmtNum(v.n), mean: figUnit(v.mean, v.unit), Qn: figUnit(v.Qn, v.unit) }),
  meanBelowNominal: (v) => NOTE_VARS.meanMeetsNominal(v),
  meanMeetsLimit: (v) => ({
    ...NOTE_VARS.meanMeetsNominal(v),
    lambda: fig(v.lambda),
    s: figUnit(v.s, v.unit),
    limit: figUnit(v.limit, v.unit),
  }),
  meanBelowLimit: (v) => NOTE_VARS.meanMeetsLimit(v),
  packagesUnused: (v) => ({ count: packagesCount(v.n), sampleSize: fmtNum(v.sampleSize) }),
  sampleIncomplete: (v) => ({ measured: fmtNum(v.measured), sampleSize: fmtNum(v.sampleSize) }),
  cannotPass: () => ({}),
  lotPasses: () => ({}),
  lotFails: () => ({}),
  circular21WholeLot: (v) => ({ plan: planName(v), count: packagesCount(v.accept), percent: fig(v.percent), t1: fmtNum(v.t1) }),
  circular21Sampled: (v) => ({ plan: planName(v) }),
  instrumentUnfit: (v) => ({ instrument: v.instrument || '—', reason: asWritten(v.reason) }),
  instrumentUnfitPackages: (v) => ({ instrument: String(v.instrument), n: fmtNum(v.n), measured: fmtNum(v.measured), reason: asWritten(v.reason) }),
  packagesWithoutInstrument: (v) => ({ n: fmtNum(v.n), measured: fmtNum(v.measured) }),
  instrumentNotDeclared: (v) => ({ instrument: String(v.instrument), count: packagesCount(v.n), scale: String(v.scale) }),
  notJudgeable: (v) => ({ problems: asWritten(v.problems) }),
};

/**
 * A note's sentence in the reader's language (`{kind}.{key}` filled with its values by `table`: `lotNote`
 * and NOTE_VARS for a lot's reasons, `fitNote` and FITNESS_VARS for an instrument's fitness), or null when
 * the console does not know the key or the note lacks a value its sentence needs.
 * @param {'lotNote' | 'fitNote'} kind
 * @param {Record<string, (v: Record<string, string | number>) => Record<string, Child>>} table
 * @param {string} key @param {Record<string, string | number>} values @returns {Child[] | null}
 */
function tellNote(kind, table, key, values) {
  const template = DICTS[lang()][`${kind}.${key}`] ?? DICTS.en[`${kind}.${key}`];
  const varsOf = Object.hasOwn(table, key) ? table[key] : undefined;
  if (!template || !varsOf || !values) return null;
  // a value the sentence reads but the note lacks throws: the API's sentence is shown instead
  const strict = new Proxy(values, {
    get: (o, k) => {
      if (typeof k === 'string' && !Object.hasOwn(o, k)) throw new RangeError(`note ${key} has no ${k}`);
      return o[/** @type {string} */ (k)];
    },
  });
  /** @type {Record<string, Child>} */
  let vars;
  try {
    vars = varsOf(strict);
  } catch {
    return null;
  }
  const parts = template.split(/\{(\w+)\}/).map((p, i) => (i % 2 === 0 ? p : vars[p]));
  return parts.some((p) => p === undefined) ? null : parts;
}

/**
 * Packages entered by hand: net or gross values, in the lot's measured unit, read in the reader's
 * notation (package-values.js: "501,2" is one package in Vietnamese). Recorded packages cannot be
 * taken back, so the form first shows what will be recorded ("3 giá trị: 501,2 g; 499,8 g; 500,5 g"),
 * asks to confirm the values that do not look like a package of the lot (0, or further than half of Qn
 * from it), and sends only once the reader confirms; changing the text or the kind drops the preview.
 * @param {Lot} lot @param {(lot: Lot) => void} onAdded
 */
function packagesForm(lot, onAdded) {
  const unit = lot.measuredUnit ?? lot.unit;
  const values = h('textarea', { name: 'values', rows: 4, required: true, inputmode: 'decimal', spellcheck: 'false' });
  const kind = select(
    'kind',
    [
      ['net', label('weighing', 'net')],
      ['gross', label('weighing', 'gross')],
    ],
    'net',
  );
  const out = h('div');
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'primary' }, t('previewPackages'));
  const drop = () => {
    clear(preview);
    clear(out);
  };
  values.addEventListener('input', drop);
  kind.addEventListener('change', drop);
  /** @param {number} x */
  const figure = (x) => `${fmtNum(x, 6)} ${unit}`;
  /** Sends the values shown, once confirmed. @param {number[]} numbers @param {'net' | 'gross'} as @param {HTMLButtonElement} send */
  const record = async (numbers, as, send) => {
    send.disabled = true;
    clear(out);
    try {
      /** @type {Lot & { added: number }} */
      const r = await api().post(`/api/v1/lots/${encodeURIComponent(lot.id)}/packages`, { items: numbers.map((x) => ({ [as]: x })) });
      clear(preview);
      out.append(h('p', { class: 'ok', role: 'status' }, t('added', { n: r.added })));
      values.value = '';
      onAdded(r);
    } catch (err) {
      out.append(errorBox(err)); // a package refused is named by its line: items.5 is "Đơn vị hàng thứ 6" (refusal-words.js)
      send.disabled = false;
    }
  };
  const form = h(
    'form',
    {
      class: 'action',
      'aria-label': t('addPackages'),
      onsubmit: (e) => {
        e.preventDefault();
        drop();
        const read = readPackageValues(values.value, lang());
        if (!read.ok) {
          const why =
            read.problem === 'point'
              ? t('decimalComma', { piece: read.piece ?? '', fixed: (read.piece ?? '').replace('.', ',') })
              : read.problem === 'negative'
                ? t('negativePackage', { piece: read.piece ?? '' })
                : read.problem === 'number'
                  ? t('notANumber', { piece: read.piece ?? '' })
                  : t('badNumbers');
          out.append(h('p', { class: 'error', role: 'alert' }, why));
          values.focus();
          return;
        }
        const numbers = read.values;
        const as = kind.value === 'gross' ? 'gross' : 'net';
        const odd = implausiblePackages(numbers, lot, as);
        const send = h('button', { type: 'button', class: 'primary' }, t('recordPackages', { n: numbers.length }));
        const confirm = h('input', { type: 'checkbox', name: 'confirmOdd' });
        if (odd.suspect.length) {
          send.disabled = true;
          confirm.addEventListener('change', () => {
            send.disabled = !confirm.checked;
          });
        }
        send.addEventListener('click', () => record(numbers, as, send));
        const range = odd.low !== undefined && odd.high !== undefined ? t('plausibleRange', { low: figure(Math.max(0, odd.low)), high: figure(odd.high) }) : '';
        preview.append(
          h(
            'div',
            { class: 'subsection', role: 'region', 'aria-label': t('previewTitle') },
            h('h3', {}, t('previewTitle')),
            h(
              'p',
              { 'data-preview': numbers.length },
              t('nValues', { n: numbers.length }),
              ': ',
              numbers.flatMap((x, i) => [i ? '; ' : '', odd.suspect.includes(i) ? h('strong', { class: 'crit' }, figure(x)) : figure(x)]),
              ` (${label('weighing', as)})`,
            ),
            odd.suspect.length
              ? h(
                  'div',
                  { class: 'error', role: 'alert' },
                  h('p', {}, t('oddPackages', { n: odd.suspect.length, list: odd.suspect.map((i) => `${i + 1} (${figure(numbers[i])})`).join(', '), range })),
                  h('div', { class: 'field check' }, h('label', {}, confirm, t('confirmOddPackages'))),
                )
              : null,
            h('p', { class: 'muted' }, t('cannotUndoPackages')),
            h(
              'div',
              { class: 'form-actions' },
              send,
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  onclick: () => {
                    drop();
                    values.focus();
                  },
                },
                t('editValues'),
              ),
            ),
          ),
        );
        (odd.suspect.length ? confirm : send).focus();
      },
    },
    field(t('measurement'), kind),
    field(t('packageValues', { unit }), values, t('packagesHint', { unit })),
    out,
    btn,
    preview,
  );
  return section(t('addPackages'), form);
}
