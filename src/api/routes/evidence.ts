// GET /api/v1/devices/{id}/evidence: an instrument's measurement-assurance file for a period, as
// PDF (the default) or JSON. The route reads the period and gathers what the stores hold (the same
// queries as GET /devices/{id}, /checks, /drift, /standards/{id} and the alert list); the content is
// src/oversight/instrument-evidence.ts's, the page src/oversight/instrument-evidence-pdf.ts's, laid
// out on the print shop's worker thread (src/oversight/print-shop.ts), off the event loop.
import { z } from 'zod';
import { channelFor, isFieldErrors } from '../../metrology/channel.ts';
import { instrumentEvidence, type EvidenceFacts } from '../../oversight/instrument-evidence.ts';
import { localDate, localDay, isDateOnly, periodBound, startOfLocalDay } from '../../oversight/period.ts';
import { printShop } from '../../oversight/print-shop.ts';
import { printed } from '../printed.ts';
import type { Device } from '../../store/registry.ts';
import {
  ALL_ROLES,
  IsoDate,
  PRINT_SHOP_BUSY,
  badQuery,
  futureFromMessage,
  refuseReversed,
  visibleDevice,
  zoneOf,
  type ApiDeps,
  type RouteTable,
} from '../http.ts';
import { MAX_REPORT_DAYS, MAX_REPORT_YEARS } from './oversight.ts';

/**
 * The most checks one file lists. A period holding more is refused (400) rather than printed in
 * part: a file that leaves checks out proves nothing of them. Checks are made by hand or by a
 * docking station, a few a day at most: 2 000 is years of a busy instrument, about 135 pages, laid
 * out in about 2 s (on the print shop's worker: the event loop goes on; 5 000 took 5 s on one core).
 */
export const MAX_EVIDENCE_CHECKS = 2000;
/**
 * At most this many checks rebuild the drift as of a past instant (those since the certificate in force then,
 * newest first; GET drift `asOf`, a past period's file): a dispenser checked daily for 5 years is ~1,800 a series.
 */
export const MAX_DRIFT_CHECKS = 20_000;
/** The most alerts of the instrument read to find those of the period. */
const MAX_ALERTS = 100_000;

const EvidenceQuery = z.object({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  lang: z.enum(['vi', 'en']).default('vi'),
  format: z.enum(['pdf', 'json']).default('pdf'),
});

/**
 * The period of the file, epoch ms, both ends included, in the enterprise's zone: dates alone are
 * its days (to through its end); to left out is now; from left out is the same day twelve months
 * before to's (the last 12 months). Refused when reversed, not begun, or longer than the
 * assurance report's 5 years.
 */
function evidencePeriod(query: { from?: string; to?: string }, zone: string, now: number): { from: number; to: number } {
  refuseReversed(query, zone);
  const to = query.to ? periodBound(query.to, zone, 'to') - (isDateOnly(query.to) ? 1 : 0) : now;
  const last = localDate(zone, to);
  const from = query.from ? periodBound(query.from, zone, 'from') : startOfLocalDay(zone, last.year - 1, last.month, last.day);
  // from alone: to is now, and a period starting later has not begun
  if (from > to) throw badQuery('from', futureFromMessage(query.from!, zone, now));
  const days = Math.ceil((to - from) / 86_400_000);
  if (days > MAX_REPORT_DAYS)
    throw badQuery(
      query.from !== undefined ? 'from' : 'to',
      `the period ${localDay(zone, from)} to ${localDay(zone, to)} is ${days} days long: an instrument's evidence file covers at most ${MAX_REPORT_YEARS} years (${MAX_REPORT_DAYS} days, as the measurement-assurance report; a year is usual, and the default); give a later from or an earlier to`,
    );
  return { from, to };
}

/** The measuring range of each channel of the device (its own, else its type's), canonical unit. */
function rangesOf(deps: ApiDeps, d: Device): EvidenceFacts['ranges'] {
  const profile = deps.profiles.get(d.type);
  if (!profile) return []; // a type no longer among the profiles: its unit is not known
  const gases = profile.channels ? Object.keys(profile.channels) : [undefined];
  return gases.flatMap((gas) => {
    const ch = channelFor(profile, d, gas === undefined ? {} : { gas });
    return isFieldErrors(ch) ? [] : [{ ...(ch.gas ? { gas: ch.gas } : {}), min: ch.range.min, max: ch.range.max, unit: ch.canonicalUnit }];
  });
}

/** What the file is made of, from the stores, as the routes of the device, its checks, drift, standards and alerts read them. */
async function evidenceFacts(deps: ApiDeps, d: Device, period: { from: number; to: number }, lang: 'vi' | 'en'): Promise<EvidenceFacts> {
  const now = deps.now().getTime();
  const zone = zoneOf(deps, d.tenant);
  const tenant = deps.registry.tenant(d.tenant);
  const profile = deps.profiles.get(d.type);
  // a period over: the drift as it stood at its end, rebuilt from the checks since the certificate then in force
  const past = period.to < now;
  const [checks, drift, alerts] = await Promise.all([
    deps.assurance.checksOf(d.id, period.from, period.to, MAX_EVIDENCE_CHECKS + 1),
    past ? deps.assurance.driftAsOfTime(d, period.to, MAX_DRIFT_CHECKS) : { view: await deps.assurance.driftOf(d.id, profile), complete: true },
    deps.alerts.list({ device: d.id, openedTo: new Date(period.to + 1).toISOString(), limit: MAX_ALERTS }),
  ]);
  if (checks.length > MAX_EVIDENCE_CHECKS)
    throw badQuery(
      'from',
      `the period ${localDay(zone, period.from)} to ${localDay(zone, period.to)} holds more than ${MAX_EVIDENCE_CHECKS} checks of ${d.id}, more than one evidence file lists: give a shorter period (and make one file per part)`,
    );
  // a standard serves its enterprise's instruments and, without a tenant, every enterprise's: another's is not this file's
  const standards = [...new Set(checks.map((c) => c.standardId))].map((id) => {
    const s = deps.standards.get(id);
    return s && (s.tenant === undefined || s.tenant === d.tenant)
      ? { id, standard: s, certificates: deps.standards.certificatesOf(id) }
      : { id, certificates: [] };
  });
  return {
    lang,
    zone,
    generatedAt: now,
    period,
    enterprise: { id: d.tenant, name: tenant?.name ?? d.tenant, region: tenant?.region ?? '' },
    device: d,
    ranges: rangesOf(deps, d),
    standing: profile?.standing ?? 'verification',
    standingAtStart: deps.assurance.verificationOf(d, period.from),
    // the standing as the period ends, or now for a period not over yet
    standingAtEnd: deps.assurance.verificationOf(d, Math.min(period.to, now)),
    certificates: deps.registry.certificatesOf(d.id),
    checks,
    standards,
    drift: drift.view,
    driftAt: past ? period.to : now,
    driftComplete: drift.complete,
    alerts,
  };
}

export function evidenceRoutes(r: RouteTable, deps: ApiDeps): void {
  r.add({
    method: 'get',
    path: '/api/v1/devices/:id/evidence',
    summary:
      "An instrument's measurement-assurance file (Hồ sơ đảm bảo đo lường) for a period (default: the last 12 months; dates are days of the enterprise's zone, both included; at most 5 years): the instrument, its certificates, every check with both decisions and its standard's traceability, the standards used, drift and alerts; PDF (default) or JSON, in `lang` (vi by default)",
    tag: 'reports',
    roles: ALL_ROLES,
    query: EvidenceQuery,
    produces: 'application/pdf or application/json',
    answers: [PRINT_SHOP_BUSY],
    handler: async ({ c, p, params, query }) => {
      const d = visibleDevice(deps, p, params.id);
      const zone = zoneOf(deps, d.tenant);
      const period = evidencePeriod(query, zone, deps.now().getTime());
      const document = instrumentEvidence(await evidenceFacts(deps, d, period, query.lang));
      const from = localDay(zone, period.from);
      const to = localDay(zone, period.to);
      if (query.format === 'json')
        return { device: d.id, tenant: d.tenant, from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), timeZone: zone, document };
      const name = `${query.lang === 'vi' ? 'ho-so-dam-bao-do-luong' : 'assurance-file'}-${d.id}-${from}-${to}`;
      const body = await printed(printShop.evidenceFile(document));
      return c.body(body, 200, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${name}.pdf"` });
    },
  });
}
