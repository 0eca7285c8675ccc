// A fuel dispenser's transactions read back from the time-series sink (the `transaction`
// measurement, docs/contract.md §3): what an inspector looks at behind a `tamper` alert (a
// totalizer jump, an amount other than volume × unit price) and what an operator reconciles a
// shift against. Stored fields only: the audit's findings are the alerts', not recomputed here.
import { z } from 'zod';
import { ALL_ROLES, ApiError, Items, queryRange, refuseReversed, visibleDevice, zoneOf, type ApiDeps, type RouteTable } from '../http.ts';
import { tableDownload } from '../table-file.ts';
import { RangeQuery } from './measurements.ts';
import { translate, type Lang } from '../../oversight/labels.ts';
import { unitText } from '../../metrology/units.ts';
import { TAG_VALUE_MAX } from '../../ingest/wire-fields.ts';
import type { StoredTransaction } from '../../sinks/sink.ts';

/** from ≤ ts ≤ to as GET /devices/{id}/readings reads them (dates alone: days of the enterprise's zone, both included). */
const TransactionsQuery = RangeQuery.extend({
  nozzle: z
    .string()
    .max(TAG_VALUE_MAX, `must be a nozzle as the dispenser sends it, its number or name of at most ${TAG_VALUE_MAX} characters`)
    .optional()
    .describe('only the transactions of this nozzle (`1` and a nozzle sent as "1" are the same)'),
  format: z.enum(['json', 'csv', 'xlsx']).default('json'),
  lang: z.enum(['vi', 'en']).default('en').describe('the language of the CSV and workbook headers'),
});

/** A transaction as the API answers it (StoredTransaction): volume and totalizers in the canonical unit (L). */
export const TransactionAnswer = z.object({
  ts: z.string(),
  seq: z.number(),
  nozzle: z.string(),
  product: z.string(),
  volume: z.number().describe('canonical unit (L)'),
  unitPrice: z.number().describe('price per litre as the dispenser sent it'),
  amount: z.number().describe('the amount the dispenser showed'),
  totalizerStart: z.number().describe("the nozzle's totalizer before, canonical unit"),
  totalizerEnd: z.number().describe("the nozzle's totalizer after, canonical unit"),
});

/** The transactions as a table, headers in `lang` (the console's words), volumes in `unit`. */
function transactionsTable(items: readonly StoredTransaction[], lang: Lang, unit: string | undefined): { header: string[]; rows: unknown[][] } {
  const t = (key: string) => translate(lang, key);
  const u = unit ? ` (${unit})` : '';
  const header = [
    t('ts'),
    t('seq'),
    t('ev.nozzle'),
    t('ev.product'),
    `${t('ev.volume')}${u}`,
    t('ev.unitPrice'),
    t('ev.amount'),
    `${t('ev.totalizerStart')}${u}`,
    `${t('ev.totalizerEnd')}${u}`,
  ];
  const rows = items.map((x) => [x.ts, x.seq, x.nozzle, x.product, x.volume, x.unitPrice, x.amount, x.totalizerStart, x.totalizerEnd]);
  return { header, rows };
}

export function transactionRoutes(r: RouteTable, deps: ApiDeps): void {
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id/transactions',
    summary:
      "A fuel dispenser's transactions (nozzle, product, volume, unit price, amount, totalizers), newest first, from the configured sink; 400 for a type whose readings are not transactions",
    tag: 'readings',
    roles: ALL_ROLES,
    query: TransactionsQuery,
    response: Items(TransactionAnswer),
    produces: 'application/json, text/csv or an .xlsx workbook',
    handler: async ({ c, p, params, query }) => {
      const d = visibleDevice(deps, p, params.id);
      const profile = deps.profiles.get(d.type);
      if (!profile?.transactions) {
        const types = [...deps.profiles.values()].filter((x) => x.transactions).map((x) => x.id);
        const message = `instrument ${d.id} is a ${d.type}, whose readings are not transactions: only ${types.join(', ') || 'no type here'} record them; read its readings at /api/v1/devices/${d.id}/readings`;
        throw new ApiError(400, 'invalid_request', message, [{ path: 'id', message }]);
      }
      const zone = zoneOf(deps, d.tenant);
      refuseReversed(query, zone);
      const { from, to } = queryRange(query, zone, 'through');
      const items = await deps.readings.queryTransactions({
        device: d.id,
        from,
        to,
        limit: query.limit,
        ...(query.nozzle !== undefined ? { nozzle: query.nozzle } : {}),
      });
      if (query.format !== 'json') {
        const table = transactionsTable(items, query.lang, profile.canonicalUnit === undefined ? undefined : unitText(profile.canonicalUnit));
        return tableDownload(c, query.format, {
          name: `transactions-${d.id}`,
          ...table,
          instants: [table.header[0]],
          timeZone: zone,
        });
      }
      return { items };
    },
  });
}
