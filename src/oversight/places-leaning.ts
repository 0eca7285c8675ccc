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
import type { SellerFavourRule, TradeParty } from '../metrology/seller-favour.ts';
import { type PlaceSellerFavour, sellerFavourAtPlace } from '../inspections/seller-favour-at-place.ts';

/** What the judgement needs of an instrument (the registry's device). */
export interface PlaceInstrument {
  tenant: string;
  type: string;
  site?: string;
}

/** One place's judgement for one type (and user). */
export interface PlaceLean extends PlaceSellerFavour {
  tenant: string;
  /** The instruments' `site`; null for those registered without one. */
  site: string | null;
}

/**
 * The places of the checks' instruments, each judged per type (and user) with a rule. `instrumentOf` gives a
 * check's instrument (undefined: no longer registered, left out), `ruleOf` a type's rule, `userOf` an
 * instrument's user in the trade (its use's deviceUser).
 */
export function placesLeaning(
  checks: readonly { device: string; error: number; mpe: number }[],
  instrumentOf: (device: string) => PlaceInstrument | undefined,
  ruleOf: (type: string) => SellerFavourRule | undefined,
  userOf: (device: string) => TradeParty,
): PlaceLean[] {
  const places = new Map<string, { tenant: string; site: string | null; items: Map<string, { device: string; checks: { error: number; mpe: number }[] }> }>();
  for (const c of checks) {
    const d = instrumentOf(c.device);
    if (d === undefined || ruleOf(d.type) === undefined) continue;
    const site = d.site ?? null;
    const key = JSON.stringify([d.tenant, site]);
    let place = places.get(key);
    if (!place) places.set(key, (place = { tenant: d.tenant, site, items: new Map() }));
    let item = place.items.get(c.device);
    if (!item) place.items.set(c.device, (item = { device: c.device, checks: [] }));
    item.checks.push({ error: c.error, mpe: c.mpe });
  }
  const out: PlaceLean[] = [];
  for (const place of places.values()) {
    const judged = sellerFavourAtPlace([...place.items.values()], (device) => instrumentOf(device)?.type, ruleOf, userOf);
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
