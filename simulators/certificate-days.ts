// Certificates as they are printed: issued on a day, valid through a day. The simulators used to
// write them as instants at whatever time of day the arithmetic gave, so a demo instrument lapsed
// at 09:23 on its last day. The days are those of the zone the gateway reads the simulated
// enterprises in (they set none: MAG_DEFAULT_TIME_ZONE, Vietnam's by default).
import { localDate, startOfLocalDay } from '../src/oversight/period.ts';

export const CERTIFICATE_ZONE = 'Asia/Ho_Chi_Minh';

/** 00:00 of t's day. */
export function dayStart(t: number, zone = CERTIFICATE_ZONE): number {
  const d = localDate(zone, t);
  return startOfLocalDay(zone, d.year, d.month, d.day);
}

/** The last millisecond of t's day. */
export function dayEnd(t: number, zone = CERTIFICATE_ZONE): number {
  const d = localDate(zone, t);
  return startOfLocalDay(zone, d.year, d.month, d.day + 1) - 1;
}

/** The last millisecond of the day before t's: a certificate that has lapsed by t whatever t's time of day. */
export function endOfDayBefore(t: number, zone = CERTIFICATE_ZONE): number {
  return dayStart(t, zone) - 1;
}
