// The days alert sentences name are the enterprise's local days (docs/metrology.md §8): a certificate
// valid through the end of 31 March in Vietnam ends at 16:59:59.999Z, a seal set at 06:00 on 1 April
// there is 23:00Z on 31 March. Formatted only when a sentence is written, with the zones' cached
// Intl formatters (ingest/time-zone.ts, through oversight/period.ts).
import { localDay } from '../oversight/period.ts';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The day (YYYY-MM-DD) of an ISO 8601 date-time in `zone`; a date alone, or a date that does not parse, as written. */
export function dayIn(zone: string, iso: string): string {
  if (DATE_ONLY.test(iso)) return iso;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? localDay(zone, t) : iso.slice(0, 10);
}
