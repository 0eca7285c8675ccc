// The measurement-assurance report (instruments, then lots of prepackages), the audit log and the dead-letter store.
import { z } from 'zod';
import {
  ApiError,
  ALL_ROLES,
  Id,
  IsoDate,
  QueryInt,
  actorOf,
  badQuery,
  canSeeTenant,
  futureFromMessage,
  notFound,
  refuseReversed,
  visibleTenantIds,
  zoneOf,
  type ApiDeps,
  type RouteTable,
} from '../http.ts';
import { isDateOnly, localDay, periodBound } from '../../oversight/period.ts';
import { MAX_REPORT_DAYS, MAX_REPORT_YEARS } from './oversight.ts';
import { tableDownload } from '../table-file.ts';
import { ReplayRunningError, ReplaySinkError } from '../../journal/dead-letter-replay.ts';

const LOT_COLUMNS = [
  'lot',
  'tenant',
  'product',
  'nominal',
  'unit',
  'lotSize',
  'sampleSize',
  'measured',
  'verdict',
  't1',
  't2',
  'allowedT1',
  'mean',
  'averageLimit',
  'tolerableDeficiency',
  'scale',
  'scaleSuitable',
  'declaredAt',
  'judgedAt',
] as const;

/** The lots of prepackages declared in [from, to] that the token may see, oldest first. */
async function lotRows(deps: ApiDeps, visible: Set<string> | undefined, tenant: string | undefined, from: number, to: number, now: Date) {
  const lots = await deps.lots.list({ tenants: visible, tenant, limit: 100000 }, now);
  return lots
    .filter((l) => Date.parse(l.createdAt) >= from && Date.parse(l.createdAt) <= to)
    .reverse()
    .map((l) => ({
      lot: l.id,
      tenant: l.tenant,
      product: l.product,
      nominal: l.nominal,
      unit: l.unit,
      lotSize: l.lotSize,
      sampleSize: l.sampleSize,
      measured: l.measured,
      verdict: l.verdict,
      t1: l.t1,
      t2: l.t2,
      allowedT1: l.allowedT1,
      mean: l.mean,
      averageLimit: l.averageLimit,
      tolerableDeficiency: l.tolerableDeficiency,
      scale: l.scale.id,
      scaleSuitable: l.scale.suitable,
      declaredAt: l.createdAt,
      judgedAt: l.judgedAt,
    }));
}

const ReportQuery = z.object({
  tenant: Id.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  format: z.enum(['json', 'csv', 'xlsx']).default('json'),
});

// Long on purpose: a table of route registrations (one r.add per route), each small; splitting it would scatter one resource.
export function reportRoutes(r: RouteTable, deps: ApiDeps): void {
  r.add({
    method: 'get',
    path: '/api/v1/reports/assurance',
    summary: 'Measurement-assurance report of an enterprise (or every visible one)',
    tag: 'reports',
    roles: ALL_ROLES,
    query: ReportQuery,
    produces: 'application/json, text/csv or an .xlsx workbook',
    handler: async ({ c, p, query }) => {
      const now = deps.now();
      // A date alone is a day of the enterprise's zone (the default zone for several), both days
      // included, as the periodic report and GET /checks read them; a date-time is that instant.
      const zone = zoneOf(deps, query.tenant);
      refuseReversed(query, zone);
      const to = query.to ? periodBound(query.to, zone, 'to') - (isDateOnly(query.to) ? 1 : 0) : now.getTime();
      const from = query.from ? periodBound(query.from, zone, 'from') : to - 365 * 86_400_000;
      // the standing as the period ends (now for a period not over yet)
      const asOf = Math.min(to, now.getTime());
      // from alone: to is now, and a period starting later has not begun
      if (from > to) throw badQuery('from', futureFromMessage(query.from!, zone, now.getTime()));
      // At most as long as a periodic report: a century of checks, alerts and lots held the event loop.
      const days = Math.ceil((to - from) / 86_400_000);
      if (days > MAX_REPORT_DAYS)
        throw badQuery(
          query.from !== undefined ? 'from' : 'to',
          `the period ${localDay(zone, from)} to ${localDay(zone, to)} is ${days} days long: a measurement-assurance report covers at most ${MAX_REPORT_YEARS} years (${MAX_REPORT_DAYS} days; a year is usual, and the default); give a later from or an earlier to`,
        );
      if (query.tenant) {
        const t = deps.registry.tenant(query.tenant);
        if (!t || !canSeeTenant(p, t.id, t.region)) throw notFound(`tenant ${query.tenant}`, 'tenant');
      }
      const visible = visibleTenantIds(deps, p);
      const devices = deps.registry.listDevices().filter((d) => (!visible || visible.has(d.tenant)) && (!query.tenant || d.tenant === query.tenant));
      const alerts = await deps.alerts.list({ tenants: visible, tenant: query.tenant, limit: 100000 });
      const rows = await Promise.all(
        devices.map(async (d) => {
          const v = deps.assurance.verificationOf(d, asOf);
          const [checks, drift] = await Promise.all([deps.assurance.checksOf(d.id, from, to, 100000), deps.assurance.driftOf(d.id, deps.profiles.get(d.type))]);
          const decisions = { pass: 0, 'conditional-pass': 0, 'conditional-fail': 0, fail: 0 } as Record<string, number>;
          for (const ch of checks) decisions[ch.decision]++;
          const predicted = drift.predictedOutOfToleranceAt;
          const slope = drift.slopePerDay;
          const mine = alerts.filter((a) => a.device === d.id);
          return {
            tenant: d.tenant,
            device: d.id,
            type: d.type,
            serial: d.serial,
            site: d.site ?? null,
            verificationState: v.state,
            verificationDue: v.validUntil,
            checks: checks.length,
            decisions,
            lastCheckAt: checks[0] ? new Date(checks[0].ts).toISOString() : null,
            driftPerDay: slope,
            predictedOutOfToleranceAt: predicted,
            alertsOpened: mine.filter((a) => Date.parse(a.openedAt) >= from && Date.parse(a.openedAt) <= to).length,
            alertsResolved: mine.filter((a) => a.resolvedAt && Date.parse(a.resolvedAt) >= from && Date.parse(a.resolvedAt) <= to).length,
            alertsOpen: mine.filter((a) => a.state !== 'resolved').length,
          };
        }),
      );
      const lots = await lotRows(deps, visible, query.tenant, from, to, now);
      if (query.format !== 'json') {
        const header = [
          'tenant',
          'device',
          'type',
          'serial',
          'site',
          'verificationState',
          'verificationDue',
          'checks',
          'pass',
          'conditionalPass',
          'conditionalFail',
          'fail',
          'lastCheckAt',
          'driftPerDay',
          'predictedOutOfToleranceAt',
          'alertsOpened',
          'alertsResolved',
          'alertsOpen',
        ];
        return tableDownload(c, query.format, {
          name: `assurance-${query.tenant ?? 'all'}`,
          timeZone: zoneOf(deps, query.tenant),
          header,
          instants: ['verificationDue', 'lastCheckAt'],
          // each row's times on its own enterprise's clock (the report of every visible enterprise may span zones)
          zoneOfRow: (row) => zoneOf(deps, row[0] as string),
          rows: rows.map((x) => [
            x.tenant,
            x.device,
            x.type,
            x.serial,
            x.site,
            x.verificationState,
            x.verificationDue,
            x.checks,
            x.decisions.pass,
            x.decisions['conditional-pass'],
            x.decisions['conditional-fail'],
            x.decisions.fail,
            x.lastCheckAt,
            x.driftPerDay,
            x.predictedOutOfToleranceAt,
            x.alertsOpened,
            x.alertsResolved,
            x.alertsOpen,
          ]),
          // The lots of the period follow the instruments: a second table after an empty line in CSV, a sheet in the workbook.
          more: [
            {
              name: 'lots',
              header: LOT_COLUMNS,
              instants: ['declaredAt', 'judgedAt'],
              zoneOfRow: (row) => zoneOf(deps, row[1] as string),
              rows: lots.map((l) => LOT_COLUMNS.map((k) => l[k])),
            },
          ],
        });
      }
      return {
        generatedAt: now.toISOString(),
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        tenant: query.tenant ?? null,
        items: rows,
        lots,
      };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/audit',
    summary: 'Who did what, when (hash-chained)',
    tag: 'audit',
    roles: ['admin', 'inspector'],
    query: z.object({ limit: QueryInt(1, 5000).default(200), before: QueryInt(0).optional() }),
    handler: async ({ p, query }) => {
      let items = await deps.audit.list({ limit: query.limit, before: query.before });
      if (p.role === 'inspector') {
        const visible = visibleTenantIds(deps, p)!;
        items = items.filter((e) => {
          // The device is the target (device, certificate) or named in the details (alert ack/resolve).
          const d =
            (e.target ? deps.registry.device(e.target) : undefined) ??
            (typeof e.details.device === 'string' ? deps.registry.device(e.details.device) : undefined);
          const tenant = d?.tenant ?? (e.details.tenant as string | undefined) ?? (e.target && deps.registry.tenant(e.target) ? e.target : undefined);
          return tenant !== undefined && visible.has(tenant);
        });
      }
      return { items };
    },
  });
  r.add({
    method: 'get',
    path: '/api/v1/audit/verify',
    summary: 'Walks the audit hash chain',
    tag: 'audit',
    roles: ['admin'],
    handler: () => deps.audit.verifyChain(),
  });
  r.add({
    method: 'get',
    path: '/api/v1/dead-letters',
    summary: 'Points the sink refused (poison data)',
    tag: 'reliability',
    roles: ['admin'],
    query: z.object({ limit: QueryInt(1, 5000).default(100), device: z.string().min(1).max(128).optional() }),
    handler: async ({ query }) => ({
      items: await deps.deadLetters.list(query.limit, query.device),
    }),
  });
  r.add({
    method: 'post',
    path: '/api/v1/dead-letters/replay',
    summary: 'Sends the points the sink refused to it again, once their cause is removed',
    tag: 'reliability',
    roles: ['admin'],
    body: ReplayBody,
    answers: [
      { status: 409, description: 'a replay or discard of the dead letters is running: try again when it has finished' },
      { status: 503, description: 'the time-series database could not be written to (down, 5xx, timeout): nothing was replayed or deleted' },
    ],
    handler: async ({ p, body }) => {
      // audited (dead-letters.replay) in the transaction that deletes the points written
      try {
        return await deps.deadLetterReplay.replay({ device: body.device, limit: body.limit }, { actor: actorOf(p), target: body.device ?? '*' });
      } catch (e) {
        if (e instanceof ReplayRunningError) throw new ApiError(409, 'conflict', e.message);
        if (e instanceof ReplaySinkError) throw new ApiError(503, 'sink-unavailable', e.message);
        throw e; // the state database failing: the points written overwrite themselves when replayed again
      }
    },
  });
  r.add({
    method: 'post',
    path: '/api/v1/dead-letters/discard',
    summary: 'Deletes points the sink refused for good, giving the reason (audited)',
    tag: 'reliability',
    roles: ['admin'],
    body: DiscardBody,
    answers: [{ status: 409, description: 'a replay or discard of the dead letters is running: try again when it has finished' }],
    handler: async ({ p, body }) => {
      // audited (dead-letters.discard, naming every point) in the transaction that deletes them
      try {
        const which = body.ids ? { ids: body.ids } : { device: body.device!, limit: body.limit };
        return await deps.deadLetterReplay.discard(which, body.reason, { actor: actorOf(p), target: body.device ?? '*' });
      } catch (e) {
        if (e instanceof ReplayRunningError) throw new ApiError(409, 'conflict', e.message);
        throw e;
      }
    },
  });
}

/** Either the dead letters' ids, or a device (its `limit` oldest); the reason goes to the audit record and the alert's clearing. */
const DiscardBody = z
  .strictObject({
    ids: z.array(z.number().int().positive()).min(1).max(1000).optional(),
    device: z.string().min(1).max(128).optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
    reason: z.string().trim().min(1, 'must say why the points are discarded: it is empty or only spaces').max(500),
  })
  .superRefine((b, ctx) => {
    // each issue with the field's own value (not the whole body with its defaults)
    if (b.ids !== undefined && b.device !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['ids'],
        input: b.ids,
        message: `must not be given with device: give either ids (the dead letters to discard) or device (its oldest, up to limit)`,
      });
    if (b.ids === undefined && b.device === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['ids'],
        input: undefined,
        message: "names the dead letters to discard: give it, or device (that device's oldest dead letters, up to limit)",
      });
  });

const ReplayBody = z.strictObject({
  device: z.string().min(1).max(128).optional(),
  limit: z.number().int().min(1).max(10_000).default(1000),
});
