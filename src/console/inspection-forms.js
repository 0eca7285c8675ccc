// @ts-check
// The forms of an inspection record: an instrument examined (with a check against a reference
// standard), a finding, sealing an instrument off, answering and closing a finding, closing the
// record, amending a closed one. Each posts to the API and, once done, calls `done(message)`.
import { h, clear, field, nextId, select } from './dom.js';
import { t, label, fmtNum, fmtSigned, fmtUnit } from './i18n.js';
import { S, api } from './session.js';
import { errorBox, typeName } from './blocks.js';
import { FINDING_KINDS } from './vocabulary.js';
/** @import { Device, Finding, InspectionItem, Standard } from './types.js' */
/** @import { FieldNames } from './refusal-words.js' */

/** @typedef {(message: string) => void} Done */

/** A labelled checkbox (the label wraps it). @param {string} name @param {string} text @param {boolean} checked */
export const checkbox = (name, text, checked) => {
  const input = h('input', { type: 'checkbox', name, checked });
  return { input, el: h('label', { class: 'check' }, input, h('span', {}, text)) };
};

/**
 * A form that posts `body()` to `path`; on success `done(message(answer))`, else the API's error below it,
 * naming the fields the API refused by the form's labels (`fields`, the body's field → its label).
 * @param {string} title its accessible name
 * @param {string} buttonText
 * @param {() => { path: string, body: unknown, fields?: FieldNames } | null} request null: nothing to send
 * @param {(answer: any) => string} message
 * @param {Done} done
 * @param {...HTMLElement} fields
 */
export function postForm(title, buttonText, request, message, done, ...fields) {
  const out = h('div');
  const btn = h('button', { type: 'submit', class: 'primary' }, buttonText);
  const form = h(
    'form',
    {
      class: 'grid-form',
      'aria-label': title,
      onsubmit: async (e) => {
        e.preventDefault();
        clear(out);
        const req = request();
        if (!req) return;
        btn.disabled = true;
        try {
          done(message(await api().post(req.path, req.body)));
        } catch (err) {
          out.append(errorBox(err, req.fields));
          btn.disabled = false;
        }
      },
    },
    ...fields,
    h('div', { class: 'form-actions' }, btn),
    out,
  );
  return form;
}

/** @param {string} name @param {string} [value] @param {Record<string, unknown>} [attrs] */
const num = (name, value = '', attrs = {}) => h('input', { name, type: 'number', step: 'any', inputmode: 'decimal', value, ...attrs });

/**
 * Records an instrument examined: seals, marks, certificate, price display (dispensers), and one check.
 * @param {string} id the record @param {Device[]} devices the enterprise's instruments @param {Done} done
 */
export function itemForm(id, devices, done) {
  const device = select(
    'device',
    devices.map((d) => /** @type {const} */ ([d.id, `${d.id} — ${typeName(d.type)} (${d.serial})`])),
    devices[0]?.id,
    { required: true },
  );
  const seals = checkbox('sealsIntact', t('sealsIntact'), true);
  const mark = checkbox('verificationMarkValid', t('verificationMarkValid'), true);
  const cert = checkbox('certificateValid', t('certificateValid'), true);
  const price = checkbox('priceDisplayCorrect', t('priceDisplayCorrect'), true);
  const indicated = num('indicated');
  // required once an indication is entered (the check's other fields are then needed for its verdict)
  const reference = num('reference');
  const uRef = num('referenceUncertainty', '', { min: 0 });
  const unit = h('input', { name: 'unit', type: 'text', maxlength: 32, required: true });
  // a gas detector's check names its gas: the gas channel's MPE and unit judge it
  const gas = select('gas', [], '');
  const gasField = field(t('gas'), gas);
  const listId = nextId('standards');
  const standardId = h('input', { name: 'standardId', type: 'text', maxlength: 128, list: listId, autocomplete: 'off' });
  const standardList = h('datalist', { id: listId });
  // a weighing instrument's check by the change-point method (OIML R76): the small weights added
  const deltaL = num('deltaL', '', { min: 0 });
  const deltaLField = field(`${t('deltaL')} (${t('optional')})`, deltaL, t('deltaLHint'));
  const point = h('input', { name: 'point', type: 'text', maxlength: 64 });
  const notes = h('textarea', { name: 'notes', rows: 2, maxlength: 2000 });
  const typeOf = () => S.types.find((x) => x.id === devices.find((d) => d.id === device.value)?.type);
  indicated.addEventListener('input', () => {
    const checking = indicated.value !== '';
    reference.required = checking;
    uRef.required = checking;
    standardId.required = checking;
  });
  /** @type {Standard[]} */
  let standards = [];
  // The standards fit for this type (and gas): its quantity; the one whose calibration is in force first.
  // The inspector's kit is rarely more than one per quantity, so it is offered, with its certificate's U.
  const fitting = () => {
    const type = typeOf();
    return standards
      .filter((x) => x.quantity === type?.quantity && (!x.gas || !gas.value || x.gas === gas.value))
      .sort((a, b) => Number(b.state === 'valid') - Number(a.state === 'valid'));
  };
  const offerStandards = () => {
    const list = fitting();
    clear(standardList);
    standardList.append(...list.map((x) => h('option', { value: x.id }, x.name)));
    const chosen = list.find((x) => x.id === standardId.value);
    const first = chosen ?? list[0];
    if (!chosen) standardId.value = first?.id ?? '';
    // its calibration's U where it is in the check's unit (a stage micrometer's U in µm is not a U in mm)
    if (first?.lastCalibration && first.unit === unit.value) uRef.value = String(first.lastCalibration.uncertainty);
    else if (!chosen) uRef.value = '';
  };
  const fit = () => {
    const type = typeOf();
    // a calibrated type has a calibration label and certificate (hiệu chuẩn), not verification's
    const calibrated = type?.standing === 'calibration';
    /** @type {HTMLElement} */ (mark.el.lastElementChild).textContent = t(calibrated ? 'calibrationMarkValid' : 'verificationMarkValid');
    /** @type {HTMLElement} */ (cert.el.lastElementChild).textContent = t(calibrated ? 'calibrationCertificateValid' : 'certificateValid');
    price.el.hidden = !type?.transactions;
    deltaLField.hidden = type?.quantity !== 'mass';
    const gases = type?.channels ? Object.keys(type.channels) : [];
    gasField.hidden = gases.length === 0;
    gas.required = gases.length > 0;
    if (gas.options.length !== gases.length || gases.some((g, i) => gas.options[i].value !== g)) {
      clear(gas);
      gas.append(...gases.map((g) => h('option', { value: g }, g)));
    }
    unit.value = (gases.length ? type?.channels?.[gas.value]?.canonicalUnit : type?.canonicalUnit) ?? '';
    offerStandards();
  };
  gas.addEventListener('change', fit);
  api()
    .get('/api/v1/standards')
    .then((/** @type {{ items: Standard[] }} */ r) => {
      standards = r.items;
      offerStandards();
    })
    .catch(() => {}); // the list only helps: the id can be typed
  device.addEventListener('change', fit);
  fit();
  const check = h(
    'fieldset',
    { class: 'check-set' },
    h('legend', {}, t('checkTitle')),
    h('p', { class: 'hint' }, t('checkHint')),
    h(
      'div',
      { class: 'grid-form' },
      field(t('indicated'), indicated),
      field(t('reference'), reference),
      field(t('referenceUncertainty'), uRef),
      field(t('unit'), unit),
      gasField,
      field(t('standardId'), standardId),
      standardList,
      field(`${t('point')} (${t('optional')})`, point),
      deltaLField,
    ),
  );
  return postForm(
    t('recordItem'),
    t('recordItemButton'),
    () => {
      /** @type {Record<string, unknown>} */
      const body = { device: device.value, sealsIntact: seals.input.checked, verificationMarkValid: mark.input.checked, certificateValid: cert.input.checked };
      if (!price.el.hidden) body.priceDisplayCorrect = price.input.checked;
      if (notes.value.trim()) body.notes = notes.value.trim();
      if (indicated.value !== '') {
        body.checks = [
          {
            indicated: Number(indicated.value),
            reference: Number(reference.value),
            referenceUncertainty: Number(uRef.value || 0),
            unit: unit.value.trim(),
            standardId: standardId.value.trim(),
            ...(!gasField.hidden && gas.value ? { gas: gas.value } : {}),
            ...(point.value.trim() ? { point: point.value.trim() } : {}),
            ...(!deltaLField.hidden && deltaL.value !== '' ? { deltaL: Number(deltaL.value) } : {}),
          },
        ];
      }
      return { path: `/api/v1/inspections/${encodeURIComponent(id)}/items`, body };
    },
    (/** @type {InspectionItem} */ item) => t('itemRecorded', { device: item.device, verdict: label('iverdict', item.verdict) }),
    done,
    field(t('device'), device),
    h('div', { class: 'checks-row' }, seals.el, mark.el, cert.el, price.el),
    check,
    field(`${t('notes')} (${t('optional')})`, notes),
  );
}

/** Notes a finding. @param {string} id @param {Device[]} devices @param {Done} done */
export function findingForm(id, devices, done) {
  const kind = select(
    'kind',
    FINDING_KINDS.map((k) => /** @type {const} */ ([k, label('finding', k)])),
    'violation',
  );
  const device = select('device', [['', t('none')], ...devices.map((d) => /** @type {const} */ ([d.id, `${d.id} — ${typeName(d.type)}`]))], '');
  const description = h('textarea', { name: 'description', required: true, rows: 2, maxlength: 2000 });
  const action = h('input', { name: 'action', type: 'text', maxlength: 1000 });
  return postForm(
    t('addFinding'),
    t('addFindingButton'),
    () => ({
      path: `/api/v1/inspections/${encodeURIComponent(id)}/findings`,
      body: {
        kind: kind.value,
        description: description.value.trim(),
        ...(device.value ? { device: device.value } : {}),
        ...(action.value.trim() ? { action: action.value.trim() } : {}),
      },
    }),
    (/** @type {Finding} */ f) => `${f.id}: ${label('finding', f.kind)}.`,
    done,
    field(t('findingKind'), kind),
    field(`${t('device')} (${t('optional')})`, device),
    field(t('description'), description),
    field(`${t('actionTaken')} (${t('optional')})`, action),
  );
}

/**
 * The button that seals off an instrument whose check failed: a `sealed-off` finding saying why.
 * @param {string} id @param {InspectionItem} item @param {Done} done
 */
export function sealOffButton(id, item, done) {
  const failed = item.checks.find((c) => c.legal === 'fail');
  const status = h('span', { role: 'status', class: 'muted' });
  const btn = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      onclick: async () => {
        btn.disabled = true;
        const description = failed
          ? t('sealOffDescription', { device: item.device, error: fmtSigned(failed.error), mpe: fmtNum(failed.mpe), unit: fmtUnit(failed.unit) })
          : `${item.device}: ${item.reasons.map((r) => label('itemreason', r)).join('; ')}`;
        try {
          /** @type {Finding} */
          const f = await api().post(`/api/v1/inspections/${encodeURIComponent(id)}/findings`, {
            device: item.device,
            kind: 'sealed-off',
            description,
            action: t('sealOffAction'),
          });
          done(`${f.id}: ${label('finding', f.kind)} — ${item.device}.`);
        } catch (e) {
          status.append(errorBox(e));
          btn.disabled = false;
        }
      },
    },
    `${t('sealOff')} ${item.device}`,
  );
  return h('div', { class: 'form-actions' }, btn, status);
}

/** The enterprise's answer to a finding not answered yet (an answer stays as given). @param {Finding} f @param {Done} done */
export function answerForm(f, done) {
  const text = h('textarea', { name: 'answer', required: true, rows: 2, maxlength: 4000 });
  return postForm(
    `${t('answer')} ${f.id}`,
    t('answerButton'),
    () => ({ path: `/api/v1/findings/${encodeURIComponent(f.id)}/answer`, body: { text: text.value.trim() }, fields: { text: t('answer') } }),
    () => `${f.id}: ${label('fstate', 'answered')}.`,
    done,
    field(t('answer'), text),
  );
}

/** Closes a finding with the reason. @param {Finding} f @param {Done} done */
export function closeFindingForm(f, done) {
  const reason = h('input', { name: 'reason', type: 'text', required: true, maxlength: 2000 });
  return postForm(
    `${t('closeFinding')} ${f.id}`,
    t('closeFindingButton'),
    () => ({ path: `/api/v1/findings/${encodeURIComponent(f.id)}/close`, body: { reason: reason.value.trim() }, fields: { reason: t('closeReason') } }),
    () => `${f.id}: ${label('fstate', 'closed')}.`,
    done,
    field(t('closeReason'), reason),
  );
}

/** Closes the record. @param {string} id @param {Done} done */
export function closeRecordForm(id, done) {
  const conclusion = h('textarea', { name: 'conclusion', rows: 3, maxlength: 4000 });
  return postForm(
    t('closeRecord'),
    t('closeRecord'),
    () => ({
      path: `/api/v1/inspections/${encodeURIComponent(id)}/close`,
      body: conclusion.value.trim() ? { conclusion: conclusion.value.trim() } : {},
      fields: { conclusion: t('conclusion') },
    }),
    () => `${id}: ${label('istate', 'closed')}.`,
    done,
    field(`${t('conclusion')} (${t('optional')})`, conclusion, t('closeRecordHint')),
  );
}

/** Amends a closed record. @param {string} id @param {Done} done */
export function amendmentForm(id, done) {
  const reason = h('input', { name: 'reason', type: 'text', required: true, maxlength: 2000 });
  const change = h('textarea', { name: 'change', required: true, rows: 2, maxlength: 8000 });
  return postForm(
    t('addAmendment'),
    t('amendButton'),
    () => ({
      path: `/api/v1/inspections/${encodeURIComponent(id)}/amendments`,
      body: { reason: reason.value.trim(), change: change.value.trim() },
      fields: { reason: t('reason'), change: t('correction') },
    }),
    () => t('amendments'),
    done,
    field(t('reason'), reason),
    field(t('correction'), change),
  );
}
