// @ts-check
// Tiny DOM helpers: elements are built with createElement and text nodes, never innerHTML, so
// nothing the API returns can become markup.
const SVG_NS = 'http://www.w3.org/2000/svg';
const PROPS = new Set(['value', 'checked', 'disabled', 'required', 'selected', 'hidden', 'multiple', 'readOnly']);

/**
 * What may be put in an element: nodes, text (numbers become text), nested arrays; null,
 * undefined and false are left out.
 * @typedef {Node | string | number | null | undefined | false | ChildList} Child
 * @typedef {Child[]} ChildList
 */

/**
 * Attributes (true: present, false/null/undefined: absent), the properties in PROPS, and
 * on<event> functions, which become listeners. The console listens for change on <select>s only.
 * @typedef {{
 *   [name: string]: unknown,
 *   onclick?(e: MouseEvent): void,
 *   onchange?(e: Event & { target: HTMLSelectElement }): void,
 *   onsubmit?(e: SubmitEvent): void,
 * }} Attrs
 */

/**
 * @template {Element} E
 * @param {E} el
 * @param {Attrs | null | undefined} attrs
 * @param {Child[]} children
 * @returns {E}
 */
function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), /** @type {EventListener} */ (v));
    else if (PROPS.has(k)) Object.assign(el, { [k]: v });
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/**
 * @template {Element} E
 * @param {E} el
 * @param {Child[]} children
 * @returns {E}
 */
export function append(el, children) {
  for (const c of /** @type {unknown[]} */ (children).flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * h('a', {href: '#/x', class: 'y'}, 'text', child, [more])
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/**
 * The same for SVG elements.
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/**
 * @template {Node} N
 * @param {N} el
 * @returns {N}
 */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let uid = 0;
export const nextId = (prefix = 'f') => `${prefix}-${++uid}`;

/**
 * A labelled form field: <div class="field"><label for=id>label</label><control id=id></div>
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  const id = control.id || nextId(control.name || 'f');
  control.id = id;
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

/**
 * @param {string} name
 * @param {ReadonlyArray<readonly [value: string, label: string]>} options
 * @param {string | undefined} value the option selected
 * @param {Attrs} [attrs]
 */
export function select(name, options, value, attrs = {}) {
  return h(
    'select',
    { name, ...attrs },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  );
}
