// The days alert sentences name are the enterprise's local days (docs/metrology.md §8): a certificate
// valid through the end of 31 March in Vietnam ends at 16:59:59.999Z, a seal set at 06:00 on 1 April
// there is 23:00Z on 31 March. Formatted only when a sentence is written, with the zones' cached
// Intl formatters (ingest/time-zone.ts, through oversight/period.ts).
import { dayOfDate } from '../metrology/traceability.ts';
import { localDay } from '../oversight/period.ts';

/** The day (YYYY-MM-DD) of an ISO 8601 date-time in `zone`; a date alone, or a date that does not parse, as written. */
export function dayIn(zone: string, iso: string): string {
  return dayOfDate(iso, (t) => localDay(zone, t));
}
