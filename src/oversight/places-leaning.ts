// Which way the errors lean at each place of business over a period, from its instruments' own checks
// (pure). NIST Handbook 44 G-UR.4.1 speaks of the equipment at one place of business found in error
// predominantly in its user's favour (docs/metrology.md §6): an inspection record judges the checks the
// inspector made there on the day (src/inspections/seller-favour-at-place.ts); this judges, with the same
// rule, the checks the enterprise's instruments sent over weeks, so that an inspector sees before a visit
// which stations' nozzles, or which market's scales, all lean a little their user's way.
//
// A place is an enterprise's `site` (the registry's free text, as the enterprise wrote it; instruments
// without one make up the enterprise's place with `site: null`). Within a place, every check of the period
// of each type with a `sellerFavour` rule counts once, grouped by type and by whom the instrument's use
// says it serves (a purchasing scale apart, for the buyer's favour). Adjusted checks count with their
// as-found error, as they were found. Places are listed findings first, then by p (most one-sided first).
// An instrument that moved (its registry `placements`) counts each check where and for what it was in
// service at the check's time: a scale's checks at the stall stay with the market when it goes to the
// purchasing point, and count there for the seller.
import type { SellerFavourRule, TradeParty } from '../metrology/seller-favour.ts';
import { type PlaceSellerFavour, sellerFavourAtPlace } from '../inspections/seller-favour-at-place.ts';
import { type Placed, type Placement, placementAt } from '../store/registry.ts';

/** What the judgement needs of an instrument (the registry's device). */
export interface PlaceInstrument extends Placed {
  tenant: string;
  type: string;
  /** Earlier placements, oldest first: the site and use it had until each `until` (ISO instant). */
  placements?: readonly Placement[];
}

/** One place's judgement for one type (and user). */
export interface PlaceLean extends PlaceSellerFavour {
  tenant: string;
  /** The instruments' `site`; null for those registered without one. */
  site: string | null;
}

/**
 * The places of the checks' instruments, each judged per type (and user) with a rule. `instrumentOf` gives a
 * check's instrument (undefined: no longer registered, left out), `ruleOf` a type's rule, `userOf` the user in
 * the trade of an instrument of a type put to a use (the use's deviceUser).
 */
export function placesLeaning(
  checks: readonly { device: string; ts: number; error: number; mpe: number }[],
  instrumentOf: (device: string) => PlaceInstrument | undefined,
  ruleOf: (type: string) => SellerFavourRule | undefined,
  userOf: (type: string, use: string | undefined) => TradeParty,
): PlaceLean[] {
  type Item = { device: string; type: string; user: TradeParty; checks: { error: number; mpe: number }[] };
  const places = new Map<string, { tenant: string; site: string | null; items: Map<string, Item> }>();
  for (const c of checks) {
    const d = instrumentOf(c.device);
    if (d === undefined || ruleOf(d.type) === undefined) continue;
    const at = placementAt(d, c.ts);
    const site = at.site ?? null;
    const user = userOf(d.type, at.use);
    const key = JSON.stringify([d.tenant, site]);
    let place = places.get(key);
    if (!place) places.set(key, (place = { tenant: d.tenant, site, items: new Map() }));
    // an instrument put to another use at the same place counts apart for each user
    const itemKey = `${user}|${c.device}`;
    let item = place.items.get(itemKey);
    if (!item) place.items.set(itemKey, (item = { device: itemKey, type: d.type, user, checks: [] }));
    item.checks.push({ error: c.error, mpe: c.mpe });
  }
  const out: PlaceLean[] = [];
  for (const place of places.values()) {
    const items = place.items;
    const judged = sellerFavourAtPlace(
      [...items.values()],
      (key) => items.get(key)?.type,
      ruleOf,
      (key) => items.get(key)?.user ?? 'seller',
    );
    for (const j of judged) out.push({ tenant: place.tenant, site: place.site, ...j });
  }
  return out.sort(
    (a, b) =>
      Number(b.finding) - Number(a.finding) ||
      a.pValue - b.pValue ||
      a.tenant.localeCompare(b.tenant) ||
      (a.site ?? '').localeCompare(b.site ?? '') ||
      a.type.localeCompare(b.type) ||
      a.favoured.localeCompare(b.favoured),
  );
}
