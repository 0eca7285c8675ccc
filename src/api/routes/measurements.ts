// Readings, checks, drift, rejections and the out-of-tolerance impact of one instrument.
import { z } from 'zod';
import { ALL_ROLES, IsoDate, Items, QueryInt, checkView, queryRange, refuseReversed, visibleDevice, zoneOf, type ApiDeps, type RouteTable } from '../http.ts';
import { tableDownload } from '../table-file.ts';
import { driftAnswer } from '../../metrology/drift.ts';
import { isDateOnly, periodBound } from '../../oversight/period.ts';
import { MAX_DRIFT_CHECKS } from './evidence.ts';

/** from ≤ ts ≤ to; dates alone are days of the device's enterprise's zone, both included. */
export const RangeQuery = z.object({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit: QueryInt(1, 10000).default(100),
});

/** A reading as the sink answers it (StoredReading). */
export const ReadingAnswer = z.object({
  ts: z.string(),
  seq: z.number(),
  quantity: z.string(),
  value: z.number().describe('the corrected value, canonical unit'),
  raw: z.number().describe('the value as sent'),
  status: z.string().describe('ok, unverified, out-of-range or implausible'),
  tags: z.record(z.string(), z.string()).describe('gas, nozzle, product… as sent'),
});

/** A judged check as the API answers it (checkView of a StoredCheck): every number in the canonical `unit`. */
export const CheckAnswer = z.object({
  device: z.string(),
  seq: z.number(),
  ts: z.string(),
  receivedAt: z.string(),
  unit: z.string(),
  indicated: z.number(),
  corrected: z.number().describe("the indication with the calibration certificate's correction applied; not judged"),
  reference: z.number(),
  error: z.number().describe('the error judged'),
  relativeError: z.number().nullable().describe('error / |reference|; null when the reference is 0'),
  mpe: z.number(),
  uncertainty: z.number().describe('U (k = 2) of the check'),
  correctedError: z.number().optional(),
  correctedUncertainty: z.number().optional(),
  calibrationCertificate: z.string().optional(),
  en: z.number(),
  legal: z.enum(['pass', 'fail']),
  decision: z.enum(['pass', 'conditional-pass', 'conditional-fail', 'fail']).describe('the guarded decision (ILAC-G8)'),
  regime: z.enum(['verification', 'inService']),
  standardId: z.string(),
  gas: z.string().optional(),
  point: z.string().optional(),
  deltaL: z.number().optional(),
  adjusted: z.boolean().optional(),
  traceable: z.boolean().nullable().describe('null on checks stored before they were judged against the registered standards'),
  traceabilityIssue: z.string().optional(),
  traceabilityKind: z.string().optional(),
  standardCertificate: z.string().optional(),
  testUncertaintyRatio: z.number().optional(),
  referenceUncertaintyFromCertificate: z.number().optional(),
});

// Over 80 lines: a table of routes, one r.add each.
export function measurementRoutes(r: RouteTable, deps: ApiDeps): void {
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id/readings',
    summary: 'Readings, newest first (from the configured sink)',
    tag: 'readings',
    roles: ALL_ROLES,
    query: RangeQuery,
    response: Items(ReadingAnswer),
    handler: async ({ p, params, query }) => {
      const d = visibleDevice(deps, p, params.id);
      refuseReversed(query, zoneOf(deps, d.tenant));
      const { from, to } = queryRange(query, zoneOf(deps, d.tenant), 'through');
      const items = await deps.readings.queryReadings({ device: d.id, from, to, limit: query.limit });
      return { items };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id/checks',
    summary: 'Checks with their MPE, uncertainty, legal and guarded decisions and traceability, newest first',
    tag: 'checks',
    roles: ALL_ROLES,
    query: RangeQuery.extend({ limit: QueryInt(1, 100000).default(1000) }),
    response: Items(CheckAnswer),
    handler: async ({ p, params, query }) => {
      const d = visibleDevice(deps, p, params.id);
      refuseReversed(query, zoneOf(deps, d.tenant));
      const { from, to } = queryRange(query, zoneOf(deps, d.tenant), 'through');
      const checks = await deps.assurance.checksOf(d.id, from, to, query.limit);
      // traceable: null on checks stored before they were judged against the registered standards (unknown)
      const items = checks.map((c) => checkView({ ...c, traceable: c.traceable ?? null }));
      return { items };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id/drift',
    summary:
      "Drift statistics (EWMA, CUSUM, slope, predicted out-of-tolerance date); with `asOf` (a date alone: the end of that day in the enterprise's zone) as they stood then, rebuilt from the checks since the certificate in force at that time",
    tag: 'drift',
    roles: ALL_ROLES,
    query: z.object({ asOf: IsoDate.optional() }),
    handler: async ({ p, params, query }) => {
      const d = visibleDevice(deps, p, params.id);
      // The figures of the series nearest its limit, and every series per (gas, point, regime), canonical unit.
      if (query.asOf === undefined) return { device: d.id, ...driftAnswer(await deps.assurance.driftOf(d.id, deps.profiles.get(d.type))) };
      const zone = zoneOf(deps, d.tenant);
      const asOf = Math.min(periodBound(query.asOf, zone, 'to') - (isDateOnly(query.asOf) ? 1 : 0), deps.now().getTime());
      const { view, complete } = await deps.assurance.driftAsOfTime(d, asOf, MAX_DRIFT_CHECKS);
      return { device: d.id, asOf: new Date(asOf).toISOString(), complete, ...driftAnswer(view) };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id/rejections',
    summary: 'Rejected messages and why',
    tag: 'rejections',
    roles: ALL_ROLES,
    query: z.object({ limit: QueryInt(1, 1000).default(100) }),
    handler: async ({ p, params, query }) => ({ items: await deps.assurance.rejectionsOf(visibleDevice(deps, p, params.id).id, query.limit) }),
  });
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id/oot-impact',
    summary: 'Readings since the last passing check before the latest out-of-tolerance finding (ISO/IEC 17025 look-back)',
    tag: 'checks',
    roles: ALL_ROLES,
    query: z.object({ format: z.enum(['json', 'csv', 'xlsx']).default('json'), limit: QueryInt(1, 100000).default(10000) }),
    produces: 'application/json, text/csv or an .xlsx workbook',
    handler: async ({ c, p, params, query }) => {
      const d = visibleDevice(deps, p, params.id);
      const checks = await deps.assurance.checksOf(d.id, undefined, undefined, 100000); // newest first
      const finding = checks.find((x) => x.decision === 'fail' || x.decision === 'conditional-fail');
      // The look-back runs to the last pass of the finding's own series (gas, test point, regime:
      // docs/metrology.md §5): another gas's or point's pass says nothing of this one. A gas
      // detector's readings of that gas only.
      const sameSeries = (x: (typeof checks)[number]) => !!finding && x.gas === finding.gas && x.point === finding.point && x.regime === finding.regime;
      const lastPass = finding
        ? checks.find((x) => x.ts < finding.ts && (x.decision === 'pass' || x.decision === 'conditional-pass') && sameSeries(x))
        : undefined;
      const from = lastPass?.ts ?? 0;
      const to = finding?.ts ?? 0;
      const readings = finding
        ? await deps.readings.queryReadings({ device: d.id, from, to, limit: query.limit, ...(finding.gas !== undefined ? { gas: finding.gas } : {}) })
        : [];
      if (query.format !== 'json') {
        // a column per tag the readings carry (gas, nozzle, product, …), as sent: csvCell quotes and defuses them
        const tagKeys = [...new Set(readings.flatMap((x) => Object.keys(x.tags)))].sort();
        return tableDownload(c, query.format, {
          name: `oot-impact-${d.id}`,
          header: ['ts', 'seq', 'quantity', 'value', 'raw', 'status', ...tagKeys],
          rows: readings.map((x) => [x.ts, x.seq, x.quantity, x.value, x.raw, x.status, ...tagKeys.map((k) => x.tags[k])]),
          instants: ['ts'],
          timeZone: zoneOf(deps, d.tenant),
        });
      }
      return {
        device: d.id,
        finding: finding ? { ...finding, ts: new Date(finding.ts).toISOString() } : null,
        lastPassingCheck: lastPass ? { ...lastPass, ts: new Date(lastPass.ts).toISOString() } : null,
        from: finding ? new Date(from).toISOString() : null,
        to: finding ? new Date(to).toISOString() : null,
        items: readings,
      };
    },
  });
}
