// @ts-check
// The forms of an inspection record: an instrument examined (with a check against a reference
// standard), a finding, sealing an instrument off, answering and closing a finding, closing the
// record, amending a closed one. Each posts to the API and, once done, calls `done(message)`.
import { h, clear, field, nextId, select } from './dom.js';
import { t, label, fmtNum, fmtSigned, fmtUnit } from './i18n.js';
import { S, api, lastEntry, rememberEntry } from './session.js';
import { decimalInput, decimalValue, errorBox, setDecimal, typeName } from './blocks.js';
import { implausibleIndication } from './package-values.js';
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
        /** @type {ReturnType<typeof request>} */
        let req;
        try {
          req = request();
        } catch (err) {
          out.append(errorBox(err)); // a figure that cannot be read (blocks.js decimalValue): nothing is sent
          return;
        }
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

/**
 * Records an instrument examined: seals, marks, certificate, price display (dispensers), and one check.
 * @param {string} id the record @param {Device[]} devices the enterprise's instruments @param {Done} done
 */
export function itemForm(id, devices, done) {
  // the instrument examined last on this record, so that the page drawn again after an item does not go back to the first
  const last = lastEntry(`inspection:${id}`).device;
  const device = select(
    'device',
    devices.map((d) => /** @type {const} */ ([d.id, `${d.id} — ${typeName(d.type)} (${d.serial})`])),
    devices.some((d) => d.id === last) ? last : devices[0]?.id,
    { required: true },
  );
  const seals = checkbox('sealsIntact', t('sealsIntact'), true);
  const mark = checkbox('verificationMarkValid', t('verificationMarkValid'), true);
  const cert = checkbox('certificateValid', t('certificateValid'), true);
  const price = checkbox('priceDisplayCorrect', t('priceDisplayCorrect'), true);
  // an indication and its reference may be below 0 (a zero point); their U and ΔL not
  const indicated = decimalInput('indicated', { negative: true });
  // required once an indication is entered (the check's other fields are then needed for its verdict)
  const reference = decimalInput('reference', { negative: true });
  const uRef = decimalInput('referenceUncertainty');
  const unit = h('input', { name: 'unit', type: 'text', maxlength: 32, required: true });
  // a gas detector's check names its gas: the gas channel's MPE and unit judge it
  const gas = select('gas', [], '');
  const gasField = field(t('gas'), gas);
  const listId = nextId('standards');
  const standardId = h('input', { name: 'standardId', type: 'text', maxlength: 128, list: listId, autocomplete: 'off' });
  const standardList = h('datalist', { id: listId });
  // a weighing instrument's check by the change-point method (OIML R76): the small weights added
  const deltaL = decimalInput('deltaL');
  const deltaLField = field(`${t('deltaL')} (${t('optional')})`, deltaL, t('deltaLHint'));
  const point = h('input', { name: 'point', type: 'text', maxlength: 64 });
  const notes = h('textarea', { name: 'notes', rows: 2, maxlength: 2000 });
  const typeOf = () => S.types.find((x) => x.id === devices.find((d) => d.id === device.value)?.type);
  // An indication far from its reference is asked about before it is posted: "2006" for "20,06" became a
  // failed check, a critical alert and a line of the printed record, none of which can be taken back.
  const oddConfirm = h('input', { type: 'checkbox', name: 'confirmIndication' });
  const oddText = h('p', {});
  const odd = h(
    'div',
    { class: 'error', role: 'alert', hidden: true },
    oddText,
    h('div', { class: 'field check' }, h('label', {}, oddConfirm, t('confirmIndication'))),
  );
  const figuresChanged = () => {
    odd.hidden = true;
    oddConfirm.checked = false;
  };
  indicated.addEventListener('input', () => {
    const checking = indicated.value.trim() !== '';
    reference.required = checking;
    uRef.required = checking;
    standardId.required = checking;
  });
  indicated.addEventListener('input', figuresChanged);
  reference.addEventListener('input', figuresChanged);
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
    if (first?.lastCalibration && first.unit === unit.value) setDecimal(uRef, first.lastCalibration.uncertainty);
    else if (!chosen) setDecimal(uRef, undefined);
  };
  const fit = () => {
    const type = typeOf();
    // a calibrated type has a calibration label and certificate (hiệu chuẩn), not verification's
    const calibrated = type?.standing === 'calibration';
    /** @type {HTMLElement} */ (mark.el.lastElementChild).textContent = t(calibrated ? 'calibrationMarkValid' : 'verificationMarkValid');
    /** @type {HTMLElement} */ (cert.el.lastElementChild).textContent = t(calibrated ? 'calibrationCertificateValid' : 'certificateValid');
    price.el.hidden = !type?.transactions;
    deltaLField.hidden = type?.quantity !== 'mass';
    // ΔL left from a scale is not sent for a dispenser, and must not keep the form from being sent
    if (deltaLField.hidden && deltaL.value) setDecimal(deltaL, undefined);
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
      const shown = decimalValue(indicated);
      if (shown !== undefined) {
        const ref = decimalValue(reference) ?? 0; // required once an indication is typed
        if (implausibleIndication(shown, ref) && !oddConfirm.checked) {
          const u = fmtUnit(unit.value);
          oddText.textContent = t('indicationOdd', { indicated: `${fmtNum(shown, 6)} ${u}`.trim(), reference: `${fmtNum(ref, 6)} ${u}`.trim() });
          odd.hidden = false;
          odd.scrollIntoView({ block: 'center' });
          oddConfirm.focus({ preventScroll: true });
          return null;
        }
        const dL = deltaLField.hidden ? undefined : decimalValue(deltaL);
        body.checks = [
          {
            indicated: shown,
            reference: ref,
            referenceUncertainty: decimalValue(uRef) ?? 0,
            unit: unit.value.trim(),
            standardId: standardId.value.trim(),
            ...(!gasField.hidden && gas.value ? { gas: gas.value } : {}),
            ...(point.value.trim() ? { point: point.value.trim() } : {}),
            ...(dL !== undefined ? { deltaL: dL } : {}),
          },
        ];
      }
      return { path: `/api/v1/inspections/${encodeURIComponent(id)}/items`, body, fields: itemFields() };
    },
    (/** @type {InspectionItem} */ item) => {
      rememberEntry(`inspection:${id}`, { device: item.device });
      return t('itemRecorded', { device: item.device, verdict: label('iverdict', item.verdict) });
    },
    done,
    field(t('device'), device),
    h('div', { class: 'checks-row' }, seals.el, mark.el, cert.el, price.el),
    check,
    field(`${t('notes')} (${t('optional')})`, notes),
    odd,
  );
}

/**
 * The item form's labels of the API's fields, for a refusal naming them (refusal-words.js): the check's
 * figures are checks.0.indicated…, one check a form.
 * @returns {FieldNames}
 */
const itemFields = () => ({
  device: t('device'),
  notes: t('notes'),
  checks: t('checkTitle'),
  'checks.#.indicated': t('indicated'),
  'checks.#.reference': t('reference'),
  'checks.#.referenceUncertainty': t('referenceUncertainty'),
  'checks.#.unit': t('unit'),
  'checks.#.gas': t('gas'),
  'checks.#.standardId': t('standardId'),
  'checks.#.point': t('point'),
  'checks.#.deltaL': t('deltaL'),
});

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
 * The button that seals off an instrument whose check failed: a `sealed-off` finding saying why. Two
 * steps, as a lot's packages are previewed before they are recorded: the first tap says what sealing
 * off does and asks to confirm, the second posts. The finding stays on the record and the instrument is
 * out of use until verified again: one stray tap on a phone must not do that.
 * @param {string} id @param {InspectionItem} item @param {Done} done
 */
export function sealOffButton(id, item, done) {
  const failed = item.checks.find((c) => c.legal === 'fail');
  const status = h('span', { role: 'status', class: 'muted' });
  const ask = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false' }, `${t('sealOff')} ${item.device}`);
  const confirm = h('button', { type: 'button', class: 'danger' }, t('sealOffConfirm', { device: item.device }));
  const cancel = h('button', { type: 'button' }, t('sealOffCancel'));
  const asking = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-label': t('sealOffConfirm', { device: item.device }), hidden: true },
    h('p', { class: 'warn' }, t('sealOffAsk', { device: item.device })),
    h('div', { class: 'form-actions' }, confirm, cancel),
  );
  /** @param {boolean} open */
  const show = (open) => {
    asking.hidden = !open;
    ask.hidden = open;
    ask.setAttribute('aria-expanded', String(open));
    (open ? cancel : ask).focus();
  };
  ask.addEventListener('click', () => {
    clear(status);
    show(true);
  });
  cancel.addEventListener('click', () => show(false));
  confirm.addEventListener('click', async () => {
    confirm.disabled = cancel.disabled = true;
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
      confirm.disabled = cancel.disabled = false;
    }
  });
  return h('div', { class: 'seal-off' }, h('div', { class: 'form-actions' }, ask), asking, status);
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
