// Wall-clock times of an IANA time zone → UTC instants, with the runtime's Intl (its ICU time-zone
// data) rather than a time-zone library or table of our own. Pure: no clock.
//
// A wall-clock time is passed as "local ms": the epoch milliseconds it would be if the zone were
// UTC (Date.UTC of its fields). Its instant is local ms − the zone's offset at that instant; the
// offset depends on the instant, so the candidates are found with the offsets a day before and a
// day after (no zone changes its offset twice within a day), and a candidate is kept only if the
// zone really shows that wall-clock time at it. Hence the two cases a zone with daylight saving
// time has: no candidate (a time skipped when clocks go forward) and two (a time repeated when
// they go back).

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the runtime knows `zone` as a time zone (IANA names such as Asia/Ho_Chi_Minh, Europe/Berlin, UTC). */
export function isTimeZone(zone: string): boolean {
  // Intl also takes offsets such as +07:00 in newer runtimes: a zone here is a name.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Epoch ms of the given UTC fields, years 0–99 included (Date.UTC maps those to 1900–1999). */
export function utcFields(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/** The zone's offset from UTC at instant `t` (ms; positive east of Greenwich), to the second. */
export function offsetAt(zone: string, t: number): number {
  const whole = Math.floor(t / 1000) * 1000;
  const f: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(whole)) f[p.type] = p.value;
  const year = f.era === 'BC' || f.era === 'B' ? 1 - Number(f.year) : Number(f.year);
  return utcFields(year, Number(f.month), Number(f.day), Number(f.hour), Number(f.minute), Number(f.second), 0) - whole;
}

export type ZonedInstant =
  | { kind: 'instant'; ms: number }
  /** The wall-clock time does not exist in the zone (clocks went forward over it). */
  | { kind: 'skipped' }
  /** The wall-clock time happens twice (clocks went back over it): both instants, earlier first. */
  | { kind: 'repeated'; earlier: number; later: number };

/** The instant(s) at which `zone` shows the wall-clock time `localMs` (see the header). */
export function zonedToInstant(zone: string, localMs: number): ZonedInstant {
  const found: number[] = [];
  for (const offset of [offsetAt(zone, localMs - DAY_MS), offsetAt(zone, localMs + DAY_MS)]) {
    const t = localMs - offset;
    if (!found.includes(t) && offsetAt(zone, t) === offset) found.push(t);
  }
  if (found.length === 0) return { kind: 'skipped' };
  if (found.length === 1) return { kind: 'instant', ms: found[0] };
  found.sort((a, b) => a - b);
  return { kind: 'repeated', earlier: found[0], later: found[1] };
}
