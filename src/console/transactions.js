// @ts-check
// A fuel dispenser's recent transactions on its page (GET /api/v1/devices/{id}/transactions): what an
// inspector reads behind a tamper alert (a totalizer that moved between two sales, an amount other
// than volume × unit price) and what an operator reconciles a shift with. The newest 50, of one
// nozzle when one is chosen; the figures as stored, in the reader's notation.
import { h, clear } from './dom.js';
import { t, lang, fmtDateTime, fmtNum } from './i18n.js';
import { api } from './session.js';
import { downloadButton, errorBox, table, xlsxButton } from './blocks.js';
import { filterForm } from './list-page.js';
/** @import { List } from './types.js' */
/** @import { StoredTransaction } from '../sinks/sink.ts' */

const SHOWN = 50;

/**
 * Fills `box` with the dispenser's newest transactions, a nozzle choice once it has sold from more
 * than one, and the same rows as a file.
 * @param {HTMLElement} box @param {string} device @param {string} zone the enterprise's @param {string} unit the volume's (L)
 */
export function transactionsView(box, device, zone, unit) {
  const path = `/api/v1/devices/${encodeURIComponent(device)}/transactions`;
  const u = unit ? ` (${unit})` : '';
  /** the nozzle chosen ('': all) */
  const chosen = { nozzle: '' };
  const query = () => ({ limit: SHOWN, ...(chosen.nozzle ? { nozzle: chosen.nozzle } : {}) });
  const rows = h('div');
  /** @param {StoredTransaction[]} items */
  const show = (items) =>
    clear(rows).append(
      // the API answers the newest SHOWN: said when there may be more
      items.length >= SHOWN ? h('p', { class: 'muted' }, t('transactionsNewest', { n: SHOWN })) : '',
      items.length
        ? table(
            t('transactions'),
            [
              t('ts'),
              t('ev.nozzle'),
              t('ev.product'),
              [`${t('ev.volume')}${u}`, 'num'],
              [t('ev.unitPrice'), 'num'],
              [t('ev.amount'), 'num'],
              [`${t('ev.totalizerStart')}${u}`, 'num'],
              [`${t('ev.totalizerEnd')}${u}`, 'num'],
              [t('seq'), 'num'],
            ],
            items.map((x) =>
              h(
                'tr',
                { 'data-seq': x.seq },
                h('td', {}, fmtDateTime(x.ts, zone, { seconds: true })),
                h('td', {}, x.nozzle),
                h('td', {}, x.product),
                h('td', { class: 'num' }, fmtNum(x.volume)),
                h('td', { class: 'num' }, fmtNum(x.unitPrice)),
                h('td', { class: 'num' }, fmtNum(x.amount)),
                h('td', { class: 'num' }, fmtNum(x.totalizerStart)),
                h('td', { class: 'num' }, fmtNum(x.totalizerEnd)),
                h('td', { class: 'num' }, String(x.seq)),
              ),
            ),
            { stack: false, class: 'transactions' },
          )
        : h('p', { class: 'muted' }, t('noTransactions')),
    );
  /** @param {unknown} e */
  const failed = (e) => clear(box).append(errorBox(e));
  api()
    .get(path, query())
    .then((/** @type {List<StoredTransaction>} */ r) => {
      // the nozzles of the newest sales: a choice only when there are several
      const nozzles = [...new Set(r.items.map((x) => x.nozzle))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      const picker =
        nozzles.length > 1
          ? filterForm(chosen, [['nozzle', t('ev.nozzle'), [['', t('allNozzles')], ...nozzles.map((n) => /** @type {[string, string]} */ ([n, n]))]]], () =>
              api()
                .get(path, query())
                .then((x) => show(x.items), failed),
            )
          : null;
      clear(box).append(
        ...[picker, rows].filter((x) => x !== null),
        h(
          'div',
          { class: 'form-actions' },
          downloadButton(t('downloadTransactions'), path, () => ({ ...query(), format: 'csv', lang: lang() }), `transactions-${device}.csv`),
          ' ',
          xlsxButton(path, () => ({ ...query(), lang: lang() }), `transactions-${device}.xlsx`),
        ),
      );
      show(r.items);
    })
    .catch(failed);
}
