// @ts-check
// What every list page shares: its heading, selects that filter the list and read it again as they
// change, and the list read from the API — "Loading…", then a table of its rows (the page's
// heading names it) or the empty message, or the error; never written into a page opened meanwhile.
import { h, append, clear, field, select } from './dom.js';
import { t } from './i18n.js';
import { errorBox, table, tenantOptions } from './blocks.js';
import { ownEnterpriseOnly } from './session.js';
/** @import { Child } from './dom.js' */

/**
 * The filters form: a select per filter; a change sets `filters[name]` and calls `onChange`.
 * @template {Record<string, string>} F
 * @param {F} filters
 * @param {Array<[name: keyof F & string, label: string, options: Array<[string, string]>]>} selects
 * @param {() => void} onChange
 */
export function filterForm(filters, selects, onChange) {
  return h(
    'form',
    { class: 'filters', 'aria-label': t('filters'), onsubmit: (e) => e.preventDefault() },
    selects.map(([name, text, opts]) =>
      field(
        text,
        select(name, opts, filters[name], {
          onchange: (e) => {
            /** @type {Record<string, string>} */ (filters)[name] = e.target.value;
            onChange();
          },
        }),
      ),
    ),
  );
}

/**
 * The enterprise filter of a list, none for an operator: his token sees one enterprise, whose name
 * would be the select's only choice.
 * @returns {Array<[name: 'tenant', label: string, options: Array<[string, string]>]>}
 */
export const enterpriseFilter = () => (ownEnterpriseOnly() ? [] : [['tenant', t('tenant'), tenantOptions()]]);

/**
 * One load's list, as a page shows it.
 * @typedef {object} Listed
 * @property {Array<string | [string, string]>} heads the table's column names ([name, 'num'] for a numeric column)
 * @property {HTMLTableRowElement[]} rows
 * @property {string} empty the message shown without rows
 * @property {number} [count] shown as "N shown" above the table when given
 * @property {string} [note] said after the count (the period the list covers, that only the newest were read)
 * @property {{ class?: string }} [table] the table's options (a class that styles it)
 */

/**
 * Shows a list page in `main` and loads its list; what the page adds below (a form) it appends itself.
 * @template T
 * @param {HTMLElement} main
 * @param {{ title: string, above?: (reload: () => void) => Child[], read: () => Promise<T>, show: (answer: T) => Listed }} page
 *   title: the heading, which names the table too; above: what comes between the heading and the
 *   list (help, the filters form, filter chips), given what reads the list again; read: the API
 *   call(s) of one load; show: its rows
 * @returns {() => Promise<void>} reads and shows the list again
 */
export function listPage(main, { title, above = () => [], read, show }) {
  const body = h('div', {}, h('p', { class: 'muted' }, t('loading')));
  /** @type {() => Promise<void>} */
  const load = async () => {
    try {
      const answer = await read();
      if (!body.isConnected) return; // another page was opened meanwhile
      const l = show(answer);
      append(clear(body), [
        l.count === undefined ? null : h('p', { class: 'muted count' }, t('shown', { n: l.count }), l.note ? ` ${l.note}` : ''),
        l.rows.length ? table(title, l.heads, l.rows, l.table) : h('p', { class: 'muted' }, l.empty),
      ]);
    } catch (e) {
      if (body.isConnected) clear(body).append(errorBox(e));
    }
  };
  append(main, [h('h1', {}, title), above(() => load()), body]);
  load();
  return load;
}
