// The inspector's work: the overview (landing figures), the enterprise readiness ranking, the
// periodic report (JSON, XLSX, PDF) and the checks list the figures link to. One builder
// (src/oversight/) makes every figure; these routes only pick the scope, the period and the format.
// The report's PDF and XLSX are laid out on the print shop's worker thread (src/oversight/print-shop.ts).
import { z } from 'zod';
import {
  ALL_ROLES,
  ApiError,
  Id,
  IsoDate,
  PRINT_SHOP_BUSY,
  QueryInt,
  badQuery,
  checkView,
  futureFromMessage,
  tradeUser,
  notFound,
  refuseReversed,
  visibleTenantIds,
  type ApiDeps,
  type RouteTable,
} from '../http.ts';
import { tableDownload } from '../table-file.ts';
import { provinceName, provinceOf } from '../../oversight/provinces.ts';
import { Region } from './registry.ts';
import type { Principal } from '../../store/tokens.ts';
import type { Tenant } from '../../store/registry.ts';
import { buildFigures, hrefWith, type FleetFigures } from '../../oversight/figures.ts';
import { gatherFacts, scopeTenants, type FactSources } from '../../oversight/facts.ts';
import { sectionProviders } from '../../oversight/sections.ts';
import { lastTwelveMonths, localDate, localDateTime, localDay, periodBound, previousQuarter, startOfLocalDay, type Period } from '../../oversight/period.ts';
import { PART_IDS, READINESS_RULES, rankReadiness, type ReadinessItem } from '../../oversight/readiness.ts';
import { labeller, translate, type Lang } from '../../oversight/labels.ts';
import { printShop } from '../../oversight/print-shop.ts';
import type { PlaceLean } from '../../oversight/places-leaning.ts';
import { judgePlaces, placeChecks, PLACES_MAX_CHECKS, type PlacesSource } from '../../oversight/places-of-period.ts';
import { printed } from '../printed.ts';
import { LETTERHEAD_LIMITS as LIMITS } from '../../oversight/letterhead.ts';
import { Text } from './bounds.ts';

/** The zone of months and days when the gateway does not say (MAG_DEFAULT_TIME_ZONE's default). */
const DEFAULT_ZONE = 'Asia/Ho_Chi_Minh';
const LangParam = z.enum(['vi', 'en']).default('en');

/** What a printed line cannot carry: C0 and C1 control characters, DEL, the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const NO_CONTROLS =
  'must not hold control characters (a tab, a line break: U+0000–U+001F, U+007F–U+009F, U+2028, U+2029): the printed report would misplace them';
/** A line the report prints as sent: no control characters (checked before trimming), trimmed, not empty, at most `max` characters. */
const PrintedLine = (max: number) =>
  z
    .string()
    .refine((s) => !CONTROL.test(s), NO_CONTROLS)
    .pipe(Text(max));

/**
 * The letterhead's fields of the periodic report (PDF and XLSX; checked for JSON too): the issuing body,
 * its superior, the number, the signer and their title, the recipients, the place (LETTERHEAD_LIMITS).
 */
const LetterheadQuery = {
  authority: PrintedLine(LIMITS.authority).optional(),
  parentAuthority: PrintedLine(LIMITS.parentAuthority).optional(),
  number: PrintedLine(LIMITS.number).optional(),
  signer: PrintedLine(LIMITS.signer).optional(),
  // "KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC": the one field a line feed (%0A) may break into lines
  signerTitle: z
    .string()
    .refine(
      (s) => !CONTROL.test(s.replaceAll('\n', '')),
      `may break into lines with a line feed (%0A), at most ${LIMITS.signerTitleLines}, but must not hold another control character (a tab, a carriage return: U+0000–U+001F, U+007F–U+009F, U+2028, U+2029)`,
    )
    .pipe(Text(LIMITS.signerTitle))
    .refine(
      (s) => s.split('\n').filter((l) => l.trim() !== '').length <= LIMITS.signerTitleLines,
      `must be at most ${LIMITS.signerTitleLines} lines, as "KT. GIÁM ĐỐC%0APHÓ GIÁM ĐỐC" is 2`,
    )
    .transform((s) => s.split('\n'))
    .optional(),
  // ;-separated (the route takes each parameter once): "Bộ Khoa học và Công nghệ;UBND tỉnh Bắc Ninh"
  recipients: z
    .string()
    .refine((s) => !CONTROL.test(s), NO_CONTROLS)
    .transform((s) =>
      s
        .split(';')
        .map((r) => r.trim())
        .filter((r) => r !== ''),
    )
    .pipe(
      z
        .array(z.string().max(LIMITS.recipient))
        .min(1, 'must name at least one recipient, separated by ";"')
        .max(LIMITS.recipients, `must name at most ${LIMITS.recipients} recipients, separated by ";"`),
    )
    .optional(),
  place: PrintedLine(LIMITS.place).optional(),
};

/** The enterprises in scope: visible to the token, in `region` if given (a region an inspector does not cover is 404). */
function scope(deps: ApiDeps, p: Principal, region: string | undefined): Tenant[] {
  // a mistyped code would answer a report of zeros, titled with the code as if it were a province
  if (region && provinceOf(region) === undefined && !deps.registry.listTenants().some((t) => t.region === region)) {
    const message = `region ${region} is neither a province of src/oversight/provinces-vn.json (e.g. VN-HN, VN-54) nor the region of a registered enterprise`;
    throw new ApiError(400, 'invalid_request', message, [{ path: 'region', message }]);
  }
  if (region && p.role === 'inspector' && !(p.regions ?? []).includes(region)) throw notFound(`region ${region}`);
  return scopeTenants(deps.registry, visibleTenantIds(deps, p), region);
}

/** The stores the readiness ranking reads. */
function sources(deps: ApiDeps): FactSources {
  return {
    registry: deps.registry,
    verificationOf: (d, at) => deps.assurance.verificationOf(d, at),
    checkCounts: (bounds, tenants) => deps.assurance.checkCounts(bounds, tenants),
    alertHistory: (tenants, from, to) => deps.alerts.history(tenants, from, to),
    lots: deps.lots,
  };
}

/** What judges the places of business of a period (GET /places, the periodic report's `places` section). */
function placesSource(deps: ApiDeps): PlacesSource {
  return {
    checksBetween: (tenants, from, to, opts) => deps.assurance.checksBetween(tenants, from, to, opts),
    instrumentOf: (id) => deps.registry.device(id),
    ruleOf: (type) => deps.profiles.get(type)?.sellerFavour,
    userOf: tradeUser(deps),
  };
}

/**
 * The figures of a period; `now` is when the request came (figures as of it link to today's lists).
 * `places`: judge the places of business on the period's checks (the periodic report's section).
 */
export async function figuresFor(
  deps: ApiDeps,
  p: Principal,
  tenants: Tenant[],
  region: string | null,
  period: Period,
  lang: Lang,
  now: number,
  { places = false }: { places?: boolean } = {},
): Promise<FleetFigures> {
  const facts = await gatherFacts(
    {
      ...sources(deps),
      inspections: deps.inspections,
      // campaigns are the authority's work: operators get 403 on their routes, and no figures of them
      campaigns: p.role === 'operator' ? undefined : deps.campaigns,
      campaignRegions: p.role === 'admin' ? undefined : (p.regions ?? []),
      places: places ? placesSource(deps) : undefined,
    },
    tenants,
    region,
    period,
  );
  return buildFigures(sectionProviders(), { facts, ...labeller(lang), live: period.asOf >= now, href: hrefWith(region) }, now);
}

/** The start of the calendar quarter of the zone that instant t is in. */
function quarterStart(zone: string, t: number): number {
  const { year, month } = localDate(zone, t);
  return startOfLocalDay(zone, year, month - ((month - 1) % 3), 1);
}

/**
 * from/to of a report: days of the zone (to included) or instants. Neither: the last full quarter;
 * from alone: through today; to alone: from the start of its quarter (to=2026-06-30: the second quarter).
 */
function reportPeriod(query: { from?: string; to?: string }, zone: string, now: number): { period: Period; days: { from: string; to: string } } {
  refuseReversed(query, zone);
  const q = previousQuarter(now, zone);
  const from = query.from
    ? periodBound(query.from, zone, 'from')
    : query.to
      ? quarterStart(zone, periodBound(query.to, zone, 'to') - 1)
      : periodBound(q.from, zone, 'from');
  // a period reaching into the future ends now: its months to come have nothing to count yet
  const to = Math.min(periodBound(query.to ?? (query.from ? localDay(zone, now) : q.to), zone, 'to'), now);
  if (!(from < to)) throw emptyPeriod(query, zone, now, from);
  // A periodic report is a quarter, a half-year or a year; a few years side by side still make sense,
  // a century does not (its month-by-month trends alone took minutes and megabytes, the event loop blocked)
  const days = Math.ceil((to - from) / 86_400_000);
  if (days > MAX_REPORT_DAYS)
    throw badQuery(
      query.from !== undefined ? 'from' : 'to',
      `the period ${localDay(zone, from)} to ${localDay(zone, to - 1)} is ${days} days long: a periodic report covers at most ${MAX_REPORT_YEARS} years (${MAX_REPORT_DAYS} days; a quarter, a half-year or a year is usual); give a later from or an earlier to`,
    );
  return { period: { from, to, asOf: to, zone }, days: { from: localDay(zone, from), to: localDay(zone, to - 1) } };
}

/** The longest period a periodic report covers: 5 years, every leap day included (5 × 366 days). */
export const MAX_REPORT_YEARS = 5;
export const MAX_REPORT_DAYS = MAX_REPORT_YEARS * 366;

/**
 * Why a period with from ≥ to (after refuseReversed) is refused, naming a bound that was sent: from
 * in the future (to not given: now), to alone in a quarter not begun, or two equal instants.
 */
function emptyPeriod(query: { from?: string; to?: string }, zone: string, now: number, from: number) {
  if (query.from !== undefined && query.to !== undefined && from < now)
    return badQuery('from', `from must be before to: the period is empty; received from=${query.from}, to=${query.to}`);
  if (query.from !== undefined) return badQuery('from', futureFromMessage(query.from, zone, now));
  const clock = localDateTime(zone, now);
  return badQuery(
    'to',
    `to is in a quarter that has not begun (the report runs from its start, ${localDay(zone, from)}; the gateway's clock reads ${clock.day} ${clock.time} in ${zone}): send from as well; received "${query.to}"`,
  );
}

// Over 80 lines: a table of routes, one r.add each (their work is in src/oversight/).
export function oversightRoutes(r: RouteTable, deps: ApiDeps): void {
  const zone = () => deps.timeZone ?? DEFAULT_ZONE;

  r.add({
    method: 'get',
    path: '/api/v1/overview',
    summary:
      "The inspector's overview: enterprises and instruments by verification state and type, open alerts by kind and age, verification due in 30/90 days, checks and alerts month by month for the last 12 months; each figure with the API query listing it (`href`)",
    tag: 'oversight',
    roles: ALL_ROLES,
    query: z.object({ region: Region.optional(), lang: LangParam }),
    handler: async ({ p, query }) => {
      const now = deps.now().getTime();
      return figuresFor(deps, p, scope(deps, p, query.region), query.region ?? null, lastTwelveMonths(now, zone()), query.lang, now);
    },
  });

  r.add({
    method: 'get',
    path: '/api/v1/reports/periodic',
    summary:
      "Periodic report of the enterprises in scope for a period (default: the last full quarter): the overview's sections and figures, as JSON, XLSX (a sheet per section) or PDF; headers in `lang`. The PDF is laid out as an administrative report (Nghị định 30/2020/NĐ-CP): `authority`, `parentAuthority`, `number`, `place`, `recipients` (`;`-separated), `signer` and `signerTitle` print in its head and foot (and on the XLSX cover), dots to fill in by hand where left out",
    tag: 'reports',
    roles: ALL_ROLES,
    query: z.object({
      from: IsoDate.optional(),
      to: IsoDate.optional(),
      region: Region.optional(),
      lang: LangParam,
      format: z.enum(['json', 'xlsx', 'pdf']).default('json'),
      ...LetterheadQuery,
    }),
    produces: 'application/json, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/pdf',
    answers: [PRINT_SHOP_BUSY],
    handler: async ({ c, p, query }) => {
      const now = deps.now().getTime();
      const { period, days } = reportPeriod(query, zone(), now);
      const figures = await figuresFor(deps, p, scope(deps, p, query.region), query.region ?? null, period, query.lang, now, { places: true });
      if (query.format === 'json') return { ...figures, period: days };
      const name = `${query.lang === 'vi' ? 'bao-cao-dinh-ky' : 'periodic-report'}-${query.region ?? 'all'}-${days.from}-${days.to}`;
      if (query.format === 'xlsx') {
        const body = await printed(printShop.periodicReportXlsx(figures, query.lang, days, query));
        return c.body(body, 200, {
          'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          'content-disposition': `attachment; filename="${name}.xlsx"`,
        });
      }
      const body = await printed(printShop.periodicReportPdf(figures, query.lang, { period: days, letterhead: query }));
      return c.body(body, 200, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${name}.pdf"` });
    },
  });

  r.add({
    method: 'get',
    path: '/api/v1/readiness',
    summary:
      'Enterprise readiness (Project 996 candidates): a score 0–100 per enterprise with its parts (valid verification, checks on schedule, drift and out-of-tolerance alerts resolved in time, lots passed) and the rules, ranked within each region',
    tag: 'oversight',
    roles: ALL_ROLES,
    query: z.object({ region: Region.optional(), lang: LangParam, format: z.enum(['json', 'csv', 'xlsx']).default('json') }),
    produces: 'application/json, text/csv or an .xlsx workbook',
    handler: async ({ c, p, query }) => {
      const now = deps.now().getTime();
      const tenants = scope(deps, p, query.region);
      // the standing now: no months to count, only instruments, recent checks, alerts and lots
      const facts = await gatherFacts(sources(deps), tenants, query.region ?? null, { from: now, to: now, asOf: now, zone: zone() });
      const items = rankReadiness({
        asOf: now,
        enterprises: facts.enterprises,
        instruments: facts.instruments,
        recentChecks: facts.recentChecks,
        alerts: facts.alerts,
        lots: facts.lots?.recent,
        // instruments never heard from (a market trader's scale) are not scored on checks they cannot send
        telemetry: facts.telemetry,
      });
      if (query.format !== 'json')
        return tableDownload(c, query.format, { name: `readiness-${query.region ?? 'all'}`, timeZone: zone(), ...readinessTable(items, query.lang) });
      return {
        generatedAt: new Date(now).toISOString(),
        region: query.region ?? null,
        rules: { ...READINESS_RULES, lotsStore: deps.lots !== undefined },
        items,
      };
    },
  });

  r.add({
    method: 'get',
    path: '/api/v1/checks',
    summary: "Checks of the visible instruments with from ≤ ts < to (default: the last 30 days), newest first; what the overview's check figures count",
    tag: 'checks',
    roles: ALL_ROLES,
    query: z.object({
      ...CHECKS_SCOPE,
      type: z.string().max(64).optional(),
      decision: z.enum(['failed', 'passed']).optional(),
      limit: QueryInt(1, 100000).default(1000),
    }),
    handler: async ({ p, query }) => {
      const { from, to, tenants } = checksInScope(deps, p, query, 30);
      const checks = await deps.assurance.checksBetween(tenants, from, to, {
        failed: query.decision === undefined ? undefined : query.decision === 'failed',
        type: query.type,
        limit: query.limit,
      });
      const items = checks.map(checkView);
      return { items };
    },
  });

  r.add({
    method: 'get',
    path: '/api/v1/places',
    summary:
      "Places of business (an enterprise's site) whose instruments' checks in from ≤ ts < to (default: the last 90 days) lean to their user's favour: per place, type and user (the seller; the buyer for a scale registered for purchasing), the type's seller-favour rule over all the checks there (NIST HB44 G-UR.4.1: the equipment at one place of business; docs/metrology.md §6), findings first. `findings=true` lists the findings only",
    tag: 'oversight',
    roles: ALL_ROLES,
    query: z.object({
      ...CHECKS_SCOPE,
      findings: z.enum(['true', 'false']).optional(),
      lang: LangParam,
      format: z.enum(['json', 'csv', 'xlsx']).default('json'),
    }),
    produces: 'application/json, text/csv or an .xlsx workbook',
    handler: async ({ c, p, query }) => {
      const { from, to, tenants } = checksInScope(deps, p, query, PLACES_DEFAULT_DAYS);
      const source = placesSource(deps);
      const { checks, more } = await placeChecks(source, tenants, from, to);
      if (more)
        throw badQuery(
          'from',
          `the period holds more than ${PLACES_MAX_CHECKS} checks of the enterprises in scope: shorten it (from, to) or name a region or tenant`,
        );
      const judged = judgePlaces(source, checks);
      const items = query.findings === 'true' ? judged.filter((j) => j.finding) : judged;
      if (query.format !== 'json')
        return tableDownload(c, query.format, { name: `places-${query.region ?? query.tenant ?? 'all'}`, timeZone: zone(), ...placesTable(items, query.lang) });
      return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), checks: checks.length, items };
    },
  });
}

/** The query parameters checksInScope reads. */
const CHECKS_SCOPE = { from: IsoDate.optional(), to: IsoDate.optional(), region: Region.optional(), tenant: Id.optional() };

/**
 * The period and the enterprises of a checks query (GET /checks, GET /places): from ≤ ts < to, `days` before
 * now by default (to alone: the `days` before it); the visible enterprises of the region, or the one named.
 */
function checksInScope(
  deps: ApiDeps,
  p: Principal,
  query: { from?: string; to?: string; region?: string; tenant?: string },
  days: number,
): { from: number; to: number; tenants: string[] } {
  const zone = deps.timeZone ?? DEFAULT_ZONE;
  const now = deps.now().getTime();
  refuseReversed(query, zone);
  const to = query.to ? periodBound(query.to, zone, 'to') : now + 1;
  const from = query.from ? periodBound(query.from, zone, 'from') : (query.to ? to : now) - days * 86_400_000;
  if (!(from < to)) throw emptyPeriod(query, zone, now, from);
  const tenants = scope(deps, p, query.region)
    .filter((t) => !query.tenant || t.id === query.tenant)
    .map((t) => t.id);
  return { from, to, tenants };
}

/** The default period of GET /places: a quarter's worth of checks, enough for a station's monthly self-checks to count. */
const PLACES_DEFAULT_DAYS = 90;

/** The places as a table, headers in `lang`. */
function placesTable(items: readonly PlaceLean[], lang: Lang): { header: string[]; rows: unknown[][] } {
  const { t, label } = labeller(lang);
  const header = [
    t('ov.col.tenant'),
    t('pl.site'),
    t('pl.type'),
    t('pl.favoured'),
    t('pl.instruments'),
    t('pl.checks'),
    t('pl.onSeller'),
    t('pl.onBuyer'),
    t('pl.meanMpe'),
    'p',
    t('pl.finding'),
  ];
  const rows = items.map((i) => [
    i.tenant,
    i.site ?? '',
    label('type', i.type),
    t(`pl.${i.favoured}`),
    i.instruments,
    i.checks,
    i.onSellerSide,
    i.onBuyerSide,
    i.meanErrorMpe,
    i.pValue,
    i.finding ? t('pl.yes') : t('pl.no'),
  ]);
  return { header, rows };
}

/** The ranking as a table: the province by name with its code beside it, headers in `lang`. */
function readinessTable(items: ReadinessItem[], lang: Lang): { header: string[]; rows: unknown[][] } {
  const t = (k: string) => translate(lang, k);
  const header = [
    t('ov.col.region'),
    t('ov.col.regionCode'),
    t('rd.rank'),
    t('ov.col.tenant'),
    t('ov.col.name'),
    t('rd.score'),
    t('rd.standing'),
    t('ov.col.instruments'),
  ];
  for (const id of PART_IDS) header.push(`${t(`rd.part.${id}`)} (%)`, `${t(`rd.part.${id}`)} (n/N)`);
  const rows = items.map((i) => [
    provinceName(i.region, lang),
    i.region,
    i.rank,
    i.tenant,
    i.name,
    i.score,
    translate(lang, `ov.state.${i.standing}`),
    i.instruments,
    ...PART_IDS.flatMap((id) => [i.parts[id].share, i.parts[id].denominator > 0 ? `${i.parts[id].numerator}/${i.parts[id].denominator}` : null]),
  ]);
  return { header, rows };
}
