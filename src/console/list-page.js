// @ts-check
// What every list page shares: its heading, selects that filter the list and read it again as they
// change, and the list read from the API — "Loading…", then a table of its rows (the page's
// heading names it) or the empty message, or the error; never written into a page opened meanwhile.
import { h, append, clear, field, select } from './dom.js';
import { t, fmtNum } from './i18n.js';
import { errorBox, labelCells, table, tenantOptions } from './blocks.js';
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
 * @property {Paged} [paged] a long list shown a page at a time: `rows` is its first page
 */

/**
 * A list shown `step` rows at a time, in the order read (the checks: newest first): "Showing 50 of 811"
 * above the table, and below it a button that adds the next rows (their cells named for a phone's cards),
 * moves the focus to the first of them and says the new count (a status, which screen readers announce).
 * @typedef {object} Paged
 * @property {number} step rows a page
 * @property {number} total the rows there are
 * @property {(from: number, to: number) => HTMLTableRowElement[]} rows the rows from `from` to before `to`, built when shown
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
      const list = l.rows.length ? table(title, l.heads, l.rows, l.table) : h('p', { class: 'muted' }, l.empty);
      const paged = l.paged && l.paged.total > l.rows.length ? l.paged : undefined;
      // paged, the count is a status: what "show more" adds is announced
      const count = l.count === undefined ? null : h('p', { class: 'muted count', role: paged ? 'status' : null });
      /** @param {string} n */
      const say = (n) => {
        if (count) count.textContent = l.note ? `${n} ${l.note}` : n;
      };
      say(t('shown', { n: l.count ?? l.rows.length }));
      append(clear(body), [count, list, paged ? showMore(list, l.heads, paged, l.rows.length, say) : null]);
    } catch (e) {
      if (body.isConnected) clear(body).append(errorBox(e));
    }
  };
  append(main, [h('h1', {}, title), above(() => load()), body]);
  load();
  return load;
}

/**
 * Below a paged list: "Showing 50 of 811" and the button that shows the next rows, both gone once all are.
 * @param {HTMLElement} list the table's region @param {Listed['heads']} heads @param {Paged} paged
 * @param {number} first the rows shown at first @param {(count: string) => void} say says the count above the list
 */
function showMore(list, heads, paged, first, say) {
  let shown = first;
  const tally = h('span', { class: 'muted' });
  const button = h('button', { type: 'button', class: 'show-more' });
  const update = () => {
    const count = t('shownOf', { n: fmtNum(shown), total: fmtNum(paged.total) });
    say(count);
    tally.textContent = count;
    button.textContent = t('showMore', { n: fmtNum(Math.min(paged.step, paged.total - shown)) });
  };
  const wrap = h('p', { class: 'form-actions more-rows' }, button, tally);
  button.addEventListener('click', () => {
    const rows = paged.rows(shown, Math.min(shown + paged.step, paged.total));
    labelCells(heads, rows);
    list.querySelector('tbody')?.append(...rows);
    shown += rows.length;
    update();
    if (shown >= paged.total) wrap.remove();
    // where the new rows begin, for a keyboard or a screen reader to read on from
    const cell = rows[0]?.cells[0];
    if (cell) {
      cell.tabIndex = -1;
      cell.focus();
    }
  });
  update();
  return wrap;
}
