// @ts-check
// Where and for what an instrument is used, on its page: its earlier sites (the placements a dated
// move keeps), and for those who may change it (admin, operator) the form that changes its site, use,
// model and reporting interval (PATCH /api/v1/devices/{id}, docs/contract.md): either the instrument
// moved on a day (its checks before that day stay with the earlier site and use) or the record was
// wrong and is corrected. Only what differs is sent; the API's reasons are said beside the fields.
import { h, clear, field, nextId, select } from './dom.js';
import { t, label, lang, DICTS, fmtDate, todayIn } from './i18n.js';
import { ApiError } from './api.js';
import { errorBox } from './blocks.js';
import { fieldMessage, refusalInVietnamese } from './refusal-words.js';
import { S, api } from './session.js';
/** @import { Key } from './i18n.js' */
/** @import { FieldNames } from './refusal-words.js' */
/** @import { Device, InstrumentType } from './types.js' */

/** The interval's units the form offers, in seconds, largest last. */
const UNITS = /** @type {const} */ ([
  ['s', 1],
  ['min', 60],
  ['h', 3600],
]);
/** The longest interval the API takes (30 days), in seconds. */
const MAX_INTERVAL_S = 30 * 86400;
/** The gateway's interval for a type whose profile names none (src/periodic/offline-by-silence.ts). */
const DEFAULT_INTERVAL_S = 600;

/** @param {Device} d */
const typeOf = (d) => /** @type {InstrumentType | undefined} */ (S.types.find((x) => x.id === d.type));
/** The uses in trade with requirements of their own the type lists (profile tradeUses): none for most types. @param {Device} d */
const usesOf = (d) => Object.keys(typeOf(d)?.tradeUses ?? {});

/** A use in a sentence or a list: "thu mua"; no use, "mua bán thông thường". @param {string | undefined} use */
export const useShort = (use) => (use === undefined ? t('tradeUseGeneral') : (DICTS[lang()][`tradeUseShort.${use}`] ?? label('tradeUse', use)));

/**
 * An interval said in the largest unit it is a whole number of: "10 phút một lần"; `alone`: "10 phút".
 * @param {number} seconds @param {{ alone?: boolean }} [opts]
 */
export function intervalText(seconds, { alone = false } = {}) {
  const [unit, f] = unitOf(seconds);
  return t(alone ? 'chg.duration' : 'chg.every', { n: seconds / f, unit: t(/** @type {Key} */ (`chg.unit.${unit}`)) });
}
/** @param {number} seconds @returns {readonly [string, number]} */
const unitOf = (seconds) => [...UNITS].reverse().find(([, f]) => seconds % f === 0) ?? UNITS[0];

/** The enterprise's day of an instant, YYYY-MM-DD (what a date input holds). @param {string} iso @param {string} zone */
const dayOf = (iso, zone) => fmtDate(iso, zone).split('/').reverse().join('-');
/** The day after a YYYY-MM-DD day. @param {string} day */
const dayAfter = (day) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
};

/** Since when the instrument is at its site: the day of its last move, undefined when it never moved. @param {Device} d @param {string} zone */
export const sinceText = (d, zone) => {
  const last = d.placements?.at(-1)?.until;
  return last ? t('chg.since', { day: fmtDate(last, zone) }) : undefined;
};

/**
 * Its earlier sites and uses, oldest first, each with the days it was there (the first from its
 * registration, which is not said: until its move); null when it never moved.
 * @param {Device} d @param {string} zone the enterprise's: the days are its
 */
export function placementsView(d, zone) {
  const placements = d.placements ?? [];
  if (!placements.length) return null;
  const uses = usesOf(d).length > 0 || placements.some((p) => p.use !== undefined);
  const id = nextId('placements');
  return h(
    'div',
    { class: 'placements' },
    h('h3', { id }, t('chg.earlier')),
    h(
      'ol',
      { 'aria-labelledby': id },
      placements.map((p, i) => {
        const until = fmtDate(p.until, zone);
        const from = i > 0 ? fmtDate(placements[i - 1].until, zone) : undefined;
        return h(
          'li',
          { 'data-placement': p.until },
          h('strong', { class: p.site ? undefined : 'muted' }, p.site ?? t('chg.noSite')),
          uses ? ` · ${useShort(p.use)}` : null,
          ' · ',
          h('span', { class: 'when' }, from ? t('chg.between', { from, until }) : t('chg.until', { day: until })),
        );
      }),
    ),
  );
}

/** What the page says once after a change, when it is shown again: the instrument's id and the words. @type {{ device: string, text: string } | null} */
let saved = null;

/**
 * The action "change site or use" with its form, folded until asked for; null for a token that may not
 * change instruments (an inspector's). After a change the page is shown again with what the API answered.
 * @param {Device} d
 * @param {string} zone the enterprise's: the form's today, the day the API reads a move on
 * @param {() => void} onDone shows the page again
 */
export function changeAction(d, zone, onDone) {
  const said = saved?.device === d.id ? h('p', { class: 'ok', role: 'status' }, saved.text) : null;
  saved = null;
  if (!S.manage) return said;
  const panel = h('div', { class: 'subsection change', hidden: true, id: nextId('change') });
  const open = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': panel.id, 'data-change': '' }, t('chg.open'));
  /** @param {boolean} shown */
  const unfold = (shown) => {
    panel.hidden = !shown;
    open.setAttribute('aria-expanded', String(shown));
    if (shown) {
      clear(panel).append(...changeForm(d, zone, onDone, () => unfold(false)));
      panel.querySelector('input')?.focus();
    } else open.focus();
  };
  open.addEventListener('click', () => unfold(panel.hidden));
  return h('div', {}, said, h('div', { class: 'form-actions' }, open), panel);
}

/**
 * A field whose text is checked as it is typed: the reason, in the reader's words, said under it
 * once it is left or the form sent (as blocks.js decimalInput), and kept from being sent.
 * @param {HTMLInputElement} input @param {() => string} problem '' when the text is fine
 */
function checked(input, problem) {
  const reason = h('small', { class: 'field-error', id: nextId(`${input.name}-error`), hidden: true });
  const check = () => {
    const why = problem();
    input.setCustomValidity(why);
    return why;
  };
  const say = () => sayBeside(input, reason, check());
  input.addEventListener('input', () => {
    if (!check()) say();
  });
  input.addEventListener('change', say);
  input.addEventListener('invalid', say);
  return { input, check, reason };
}

/**
 * Says why under a control (none: takes it away), marking the control as the one at fault.
 * @param {HTMLElement} control @param {HTMLElement} reason its small.field-error @param {string} why
 */
function sayBeside(control, reason, why) {
  if (why && !reason.isConnected) {
    // under the control, in its field (the interval's under its figure and unit)
    const inline = control.parentElement?.classList.contains('inline') ? control.parentElement : null;
    (inline ?? control).after(reason);
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), reason.id].filter(Boolean).join(' '));
  }
  reason.textContent = why;
  reason.hidden = !why;
  if (why) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

/** Takes a reason said under a control away, with its mark. @param {HTMLElement} control @param {HTMLElement} reason */
function unsay(control, reason) {
  const ids = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x && x !== reason.id);
  if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
  else control.removeAttribute('aria-describedby');
  control.removeAttribute('aria-invalid');
  reason.remove();
}

/**
 * The form's fields, prefilled with what the instrument's record says, its choice of move or correction
 * (asked only when the site or use changes), its buttons and where its refusals are said.
 * @param {Device} d @param {string} zone @param {() => void} onDone @param {() => void} onCancel
 * @returns {HTMLElement[]}
 */
function changeForm(d, zone, onDone, onCancel) {
  const out = h('div');
  const site = h('input', { name: 'site', type: 'text', maxlength: 200, value: d.site ?? '', autocomplete: 'off' });
  const model = h('input', { name: 'model', type: 'text', maxlength: 128, value: d.model ?? '', autocomplete: 'off' });
  // a use in trade with requirements of its own (profile tradeUses), else none: hidden for a type that lists none
  const uses = usesOf(d);
  if (d.use !== undefined && !uses.includes(d.use)) uses.push(d.use); // a use the type no longer lists stays choosable
  const use = select('use', [['', t('tradeUseGeneral')], ...uses.map((k) => /** @type {const} */ ([k, label('tradeUse', k)]))], d.use ?? '');
  const useField = field(t('tradeUse'), use);
  useField.hidden = uses.length === 0;

  // the interval in the unit it reads best in (600 s: 10 minutes), typed as a whole number
  const given = d.expectedIntervalSeconds;
  const [unit0, f0] = given === undefined ? UNITS[1] : unitOf(given);
  const unit = select(
    'intervalUnit',
    UNITS.map(([u]) => /** @type {const} */ ([u, t(/** @type {Key} */ (`chg.unit.${u}`))])),
    unit0,
    { 'aria-label': t('chg.intervalUnit') },
  );
  const factor = () => UNITS.find(([u]) => u === unit.value)?.[1] ?? 1;
  const amount = checked(
    h('input', {
      name: 'expectedIntervalSeconds',
      type: 'text',
      inputmode: 'numeric',
      autocomplete: 'off',
      value: given === undefined ? '' : String(given / f0),
    }),
    () => {
      const v = amount.input.value.trim();
      const max = Math.floor(MAX_INTERVAL_S / factor());
      return v === '' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max)
        ? ''
        : t('chg.intervalWhole', { unit: unit.selectedOptions[0]?.textContent ?? '', max });
    },
  );
  unit.addEventListener('change', () => amount.input.dispatchEvent(new Event('change')));
  const intervalId = nextId('interval');
  amount.input.id = intervalId;
  const hint = h(
    'small',
    { class: 'hint', id: nextId('interval-hint') },
    t('chg.intervalHint', { interval: intervalText(typeOf(d)?.expectedIntervalSeconds ?? DEFAULT_INTERVAL_S, { alone: true }) }),
  );
  amount.input.setAttribute('aria-describedby', hint.id);
  const intervalField = h(
    'div',
    { class: 'field' },
    h('label', { for: intervalId }, t('chg.interval')),
    h('div', { class: 'inline' }, amount.input, unit),
    hint,
  );
  /** The interval in seconds as typed, undefined when empty. */
  const seconds = () => (amount.input.value.trim() === '' ? undefined : Number(amount.input.value.trim()) * factor());

  // moved (on a day) or corrected: asked when the site or use changes, as they say where its checks belong
  const lastMove = d.placements?.at(-1)?.until;
  const today = todayIn(zone);
  const earliest = lastMove ? dayAfter(dayOf(lastMove, zone)) : undefined;
  const why = h('fieldset', { class: 'check-set why', hidden: true, disabled: true });
  const moved = h('input', { type: 'radio', name: 'why', value: 'moved' });
  const corrected = h('input', { type: 'radio', name: 'why', value: 'corrected' });
  const day = checked(h('input', { name: 'movedAt', type: 'date', value: today, max: today, min: earliest }), () => {
    if (!moved.checked) return '';
    if (!day.input.value) return t('chg.dayNeeded');
    if (day.input.value > today) return t('chg.dayAhead', { today: fmtDate(today) });
    if (earliest && day.input.value < earliest && lastMove) return t('chg.dayBeforeLast', { day: fmtDate(lastMove, zone) });
    return '';
  });
  const dayField = field(t('chg.movedOn'), day.input);
  // neither chosen: said under the choice, which the fieldset's legend names
  const whyReason = h('p', { class: 'field-error', id: nextId('why-error'), hidden: true });
  why.setAttribute('aria-describedby', whyReason.id);
  /** @param {string} text */
  const sayWhy = (text) => {
    whyReason.textContent = text;
    whyReason.hidden = !text;
  };
  const choose = () => {
    dayField.hidden = !moved.checked;
    day.input.disabled = !moved.checked;
    day.check();
    if (moved.checked || corrected.checked) sayWhy('');
  };
  moved.addEventListener('change', choose);
  corrected.addEventListener('change', choose);
  why.append(
    h('legend', {}, t('chg.why')),
    h('p', { class: 'hint' }, t('chg.whyHint')),
    h('label', { class: 'check' }, moved, t('chg.moved')),
    dayField,
    h('label', { class: 'check' }, corrected, t('chg.corrected')),
    whyReason,
  );
  choose();

  /** What the form says now, as the record would hold it (empty: absent). */
  const wanted = () => ({
    site: site.value.trim() || undefined,
    use: useField.hidden ? d.use : use.value || undefined,
    model: model.value.trim() || undefined,
    expectedIntervalSeconds: seconds(),
  });
  const moves = () => {
    const w = wanted();
    return w.site !== d.site || w.use !== d.use;
  };
  const askWhy = () => {
    const shown = moves();
    why.hidden = !shown;
    why.disabled = !shown;
  };
  site.addEventListener('input', askWhy);
  use.addEventListener('change', askWhy);

  const btn = h('button', { type: 'submit', class: 'primary' }, t('save'));
  const cancel = h('button', { type: 'button', onclick: onCancel }, t('chg.cancel'));
  /** Where each field the API names is said: its control (`e`, `max`: what the use asks of the scale, beside the use). @type {Record<string, HTMLElement>} */
  const controls = { site, use, model, expectedIntervalSeconds: amount.input, movedAt: day.input, e: use, max: use, class: use };
  /** @type {FieldNames} */
  const names = {
    site: t('site'),
    use: t('tradeUse'),
    model: t('model'),
    expectedIntervalSeconds: t('chg.interval'),
    movedAt: t('chg.movedOn'),
  };
  /** @type {Array<[HTMLElement, HTMLElement]>} the reasons the API gave under their fields (control, reason): taken away at the next try */
  let reasons = [];
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': t('chg.title'),
      onsubmit: async (e) => {
        e.preventDefault();
        clear(out);
        for (const [control, reason] of reasons) unsay(control, reason);
        reasons = [];
        const w = wanted();
        /** @type {Record<string, unknown>} */
        const body = {};
        for (const k of /** @type {const} */ (['site', 'use', 'model', 'expectedIntervalSeconds'])) if (w[k] !== d[k]) body[k] = w[k] ?? null; // null removes it
        if (!Object.keys(body).length) {
          out.append(h('p', { class: 'muted', role: 'status' }, t('chg.nothing')));
          return;
        }
        if (moves()) {
          if (!moved.checked && !corrected.checked) {
            sayWhy(t('chg.chooseWhy'));
            moved.focus();
            return;
          }
          if (moved.checked) body.movedAt = day.input.value; // a day: its start in the enterprise's zone
        }
        btn.disabled = true;
        try {
          /** @type {Device} */
          const changed = await api().req('PATCH', `/api/v1/devices/${encodeURIComponent(d.id)}`, body);
          saved = {
            device: d.id,
            text:
              body.movedAt !== undefined ? t('chg.savedMove', { id: changed.id, day: fmtDate(String(body.movedAt)) }) : t('chg.savedFix', { id: changed.id }),
          };
          onDone();
        } catch (err) {
          out.append(refusalBeside(err, controls, names, zone, (control, reason) => reasons.push([control, reason])));
          out.querySelector('[role="alert"]')?.scrollIntoView({ block: 'nearest' });
          /** @type {HTMLElement | null} */ (form.querySelector('[aria-invalid="true"]'))?.focus();
        } finally {
          btn.disabled = false;
        }
      },
    },
    h('p', { class: 'hint' }, t('chg.intro')),
    field(t('site'), site),
    useField,
    field(t('model'), model),
    intervalField,
    why,
    h('div', { class: 'form-actions' }, btn, cancel),
  );
  return [h('h3', {}, t('chg.title')), form, out];
}

/**
 * A refusal of the change: each reason the API gave for a field the form has said under that field (in
 * Vietnamese as refusal-words.js and this route's own words tell it; in English as the API wrote it), and
 * a box under the form with what happened, the reasons about no field, and the API's own words for support.
 * A 409: someone changed the instrument meanwhile; the page read again shows what it now says.
 * @param {unknown} err @param {Record<string, HTMLElement>} controls the form's control of each field the API names
 * @param {FieldNames} names the form's labels of those fields @param {string} zone the enterprise's
 * @param {(control: HTMLElement, reason: HTMLElement) => void} said each reason put under a field
 */
function refusalBeside(err, controls, names, zone, said) {
  if (!(err instanceof ApiError)) return errorBox(err, names);
  if (err.status === 409)
    return h(
      'div',
      { class: 'error', role: 'alert' },
      h('p', {}, t('chg.conflict')),
      h('div', { class: 'form-actions' }, h('button', { type: 'button', onclick: () => location.reload() }, t('chg.reload'))),
    );
  const details = Array.isArray(err.details) ? /** @type {Array<{ path?: unknown, message?: unknown }>} */ (err.details) : [];
  /** @type {typeof details} */
  const rest = [];
  for (const x of details) {
    const path = typeof x?.path === 'string' ? x.path : '';
    const control = controls[path];
    if (!control || control.closest('[hidden], fieldset:disabled')) {
      rest.push(x);
      continue;
    }
    const message = String(x.message ?? '');
    const reason = h('small', { class: 'field-error', id: nextId(`${path}-error`), 'data-path': path });
    // in Vietnamese a sentence of its own under the field; in English as the API wrote it, which names the field first
    sayBeside(control, reason, lang() === 'vi' ? capitalized(changeRefusalInVietnamese(path, message, names, zone)) : message);
    said(control, reason);
  }
  const placed = details.length - rest.length;
  const shown = new ApiError(err.status, err.code, err.message, rest);
  if (lang() !== 'vi') {
    const lines = rest.map((x) =>
      String(x.message).startsWith(`${x.path} `) || String(x.path).startsWith('(') ? String(x.message) : `${x.path}: ${x.message}`,
    );
    return h(
      'div',
      { class: 'error', role: 'alert' },
      h('p', {}, placed ? `${capitalized(err.message)}. ${t('chg.seeFields')}` : err.message),
      lines.length
        ? h(
            'ul',
            {},
            lines.map((l) => h('li', {}, l)),
          )
        : null,
    );
  }
  const told = refusalInVietnamese(shown, names);
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('p', {}, placed ? `${told.lead} ${t('chg.seeFields')}` : told.lead),
    told.lines.length
      ? h(
          'ul',
          {},
          told.lines.map((l) => h('li', {}, l.field ? [h('strong', {}, l.field), `: ${l.text}`] : l.text)),
        )
      : null,
    // the API's own words, every reason of them, for whoever the reader asks for help
    h(
      'details',
      { class: 'technical' },
      h('summary', {}, t('technicalDetails')),
      h('p', { lang: 'en' }, `HTTP ${err.status} ${err.code}`),
      h(
        'ul',
        { lang: 'en' },
        [err.message, ...details.map((x) => String(x.message))].map((m) => h('li', {}, m)),
      ),
    ),
  );
}

/** @param {string} s */
const capitalized = (s) => s.charAt(0).toUpperCase() + s.slice(1);
/** A figure with the Vietnamese decimal comma. @param {string} x */
const viNum = (x) => x.replace(/^(-?\d+)\.(\d+)$/, '$1,$2');
/** "Circular 22/2013/TT-BKHCN Article 4(1)" as a Vietnamese reader cites it; another basis as written. @param {string} basis */
const viBasis = (basis) => basis.replace(/^Circular (\S+) Article (\d+)\((\d+)\)$/, 'Thông tư $1, Điều $2 khoản $3');
/** "above 0.2 and up to 3 kg" → "trên 0,2 đến 3 kg". @param {string} c */
const viCapacities = (c) =>
  c
    .replace(/\b(\d+)\.(\d+)\b/g, '$1,$2')
    .replace(/^above (\S+) and up to /, 'trên $1 đến ')
    .replace(/^up to /, 'đến ')
    .replace(/^above /, 'trên ');

/**
 * This route's own refusals in Vietnamese (src/api/routes/registry.ts, src/metrology/registration.ts
 * tradeUseErrors, channel.ts), each pattern anchored as in refusal-words.js: what none knows is told by
 * refusal-words.js, and what that does not know either is left to the technical details.
 * @type {Array<[RegExp, (m: RegExpExecArray, zone: string) => string]>}
 */
const CHANGE_PATTERNS = [
  [
    /^e (\S+) (\S+) is too coarse for (\S+): a scale of Max (\S+) \S+ \(capacities (.+?)\) must have e at most (\S+) \S+(?: \((\S+) mg\))? \((.+?); devices\/\S+ tradeUses\); register a finer scale, or check e and max$/,
    (m) =>
      `cân có e = ${viNum(m[1])} ${m[2]}, quá lớn để dùng cho ${useShort(m[3])}: cân có Max ${viNum(m[4])} ${m[2]} (mức cân ${viCapacities(m[5])}) phải có e không lớn hơn ${viNum(m[6])} ${m[2]}${m[7] ? ` (${m[7]} mg)` : ''} (${viBasis(m[8])}). Hãy dùng cân có độ chia nhỏ hơn, hoặc kiểm tra lại e và Max đã đăng ký`,
  ],
  [
    /^\S+ is not after the instrument's last move \((\S+)\): moves are recorded in order$/,
    (m, zone) => `phải sau lần chuyển gần nhất (ngày ${fmtDate(m[1], zone)}): các lần chuyển được ghi theo thứ tự thời gian`,
  ],
  [/^movedAt dates a move: give the new site or use with it\b/, () => 'chỉ ghi khi phương tiện được chuyển đi: hãy nhập địa điểm hoặc mục đích sử dụng mới'],
  [
    /^use must be one of (.+) for \S+ \(or left out\)(?:; received .*)?$/s,
    (m) => `phải là một trong: ${m[1].split(', ').map(useShort).join(', ')}, hoặc để trống (mua bán thông thường)`,
  ],
];

/**
 * One reason of a refused change in Vietnamese: this route's words, else refusal-words.js's.
 * @param {string} path @param {string} message @param {FieldNames} names @param {string} zone
 */
export function changeRefusalInVietnamese(path, message, names, zone) {
  for (const [re, tell] of CHANGE_PATTERNS) {
    const m = re.exec(message);
    if (m) return tell(m, zone);
  }
  return fieldMessage(path, message, names).text;
}
