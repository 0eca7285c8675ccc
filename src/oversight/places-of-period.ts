// The places of business of a period, judged from the check store: what GET /api/v1/places lists and what
// the periodic report's `places` section prints (sections-places.ts). One reading of the checks (those of
// the enterprises in scope with from ≤ ts < to, newest first, at most PLACES_MAX_CHECKS) and one judgement
// (placesLeaning, with the registry's instruments, the profiles' rules and the instruments' users), so that
// the list and the report say the same of a place. Past the limit the route refuses the period; the
// report, which must not fail for one section, judges the newest checks and says from when.
import type { StoredCheck } from '../store/checks.ts';
import type { Awaitable } from '../store/executor.ts';
import { type PlaceLean, placesLeaning } from './places-leaning.ts';

/** At most this many checks are judged at once (the checks list's own largest page). */
export const PLACES_MAX_CHECKS = 100_000;

/** placesLeaning's lookups, as it declares them. */
type Lookups = Parameters<typeof placesLeaning>;

/** Where the checks come from and what judges them (the API's stores and profiles). */
export interface PlacesSource {
  /** The enterprises' checks with from ≤ ts < to, newest first, at most `limit` (the check store's `between`). */
  checksBetween(tenants: readonly string[], from: number, to: number, opts: { limit: number }): Awaitable<StoredCheck[]>;
  /** A check's instrument (the registry's device); undefined: no longer registered, its checks left out. */
  instrumentOf: Lookups[1];
  /** A type's seller-favour rule; undefined: the type is not judged. */
  ruleOf: Lookups[2];
  /** Whose favour is watched: the instrument's user in the trade (its use's deviceUser). */
  userOf: Lookups[3];
}

/** The checks of a period to judge. */
export interface PlaceChecks {
  /** As the store gives them (each with its `ts`), newest first. */
  checks: StoredCheck[];
  /** The period held more than the limit: `checks` are the newest, every one with the `from` below ≤ ts < to. */
  more: boolean;
  /** The instant the checks start from: the period's own, or a later one when it held more. */
  from: number;
}

/**
 * The checks of the enterprises with from ≤ ts < to, at most `max`. When the period holds more, the newest
 * of them down to, not including, the instant of the first one left out: every check of an instant is
 * judged or none is, so that the checks judged are exactly those from the next millisecond on (`from`),
 * which GET /places with that `from` judges alike.
 */
export async function placeChecks(src: PlacesSource, tenants: readonly string[], from: number, to: number, max = PLACES_MAX_CHECKS): Promise<PlaceChecks> {
  const read = await src.checksBetween(tenants, from, to, { limit: max + 1 });
  if (read.length <= max) return { checks: read, more: false, from };
  const cut = read[max].ts;
  return { checks: read.slice(0, max).filter((c) => c.ts > cut), more: true, from: cut + 1 };
}

/** The places of the checks' instruments, judged per type and user (placesLeaning, its order). */
export function judgePlaces(src: PlacesSource, checks: readonly StoredCheck[]): PlaceLean[] {
  return placesLeaning(checks, src.instrumentOf, src.ruleOf, src.userOf);
}

/** What the periodic report's `places` section prints (gathered with the fleet facts, facts.ts). */
export interface PlacesFacts {
  /** One per place, type and user with a check judged, findings first (placesLeaning's order). */
  judged: PlaceLean[];
  /** The checks read and judged (those of types without a rule, or of instruments no longer registered, make no place). */
  checks: number;
  /** The period held more than `max` checks: the places were judged on the newest, those from `from` on. */
  more: boolean;
  /** The first instant of the checks judged: the period's from, or later when it held more. */
  from: number;
  max: number;
}

/** The places of the enterprises' checks with from ≤ ts < to, judged on at most `max` of them (the newest). */
export async function placesOfPeriod(src: PlacesSource, tenants: readonly string[], from: number, to: number, max = PLACES_MAX_CHECKS): Promise<PlacesFacts> {
  const read = await placeChecks(src, tenants, from, to, max);
  return { judged: judgePlaces(src, read.checks), checks: read.checks.length, more: read.more, from: read.from, max };
}
