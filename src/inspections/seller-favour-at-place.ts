// Which way the errors lean at one place of business, from the checks an inspection record holds (pure).
// NIST Handbook 44, G-UR.4.1, speaks of "equipment in service at a single place of business" found in
// error predominantly in the direction favourable to its user: exactly what an inspector's own checks of
// a station's dispensers (or a shop's scales) on one record show. Each instrument's own series is judged
// over time by the same rule (src/metrology/seller-favour.ts, the `seller-favoured` alert); this judges
// the place, across its instruments of one type, on the day: a station whose eight nozzles are all a
// little in the station's favour, each within tolerance, has no instrument whose series says so yet.
//
// Per type with a `sellerFavour` rule (devices/*.json): every check of the record's instruments of that
// type counts once; an exact 0 counts for neither side; the mean is of e/MPE over all of them. The
// rule's thresholds (at least minChecks non-zero errors, one-sided sign test p ≤ maxPValue, mean ≥
// minMeanMpe of the MPE on the seller's side) are the type's, as for a series. Scales at a purchasing point
// (their use's deviceUser the buyer) are judged apart from the sellers' scales of the same type, for the
// buyer's favour: a market's stall scales and its produce buyer's scale lean, if at all, opposite ways.
// No clearing margin here: a record is judged once, not opened and cleared. Derived when the record is
// read or printed, from its checks (fingerprinted with it) and the type's rule as it is then.
import { judgeSellerFavour, type SellerFavourJudgement, type SellerFavourRule, type TradeParty } from '../metrology/seller-favour.ts';
import type { InspectionItem } from './types.ts';

export interface PlaceSellerFavour extends Omit<SellerFavourJudgement, 'persists'> {
  /** The instrument type the checks are of. */
  type: string;
  /** The record's instruments of this type (and user) with at least one check. */
  instruments: number;
  /** Their checks, those with an error of exactly 0 included (checksCounted leaves them out). */
  checks: number;
  /** The type's rule the checks were judged by. */
  rule: SellerFavourRule;
}

/**
 * One judgement per instrument type (and user: seller or buyer) of the record that has a `sellerFavour` rule
 * and at least one check, in the order they first appear on the record. `typeOf` names an instrument's type
 * (undefined: not in the registry any more, left out); `ruleOf` the type's rule (undefined: the type is not
 * judged for it); `userOf` the instrument's user in the trade (its registered use; the seller by default).
 */
export function sellerFavourAtPlace(
  items: readonly { device: string; checks: readonly Pick<InspectionItem['checks'][number], 'error' | 'mpe'>[] }[],
  typeOf: (device: string) => string | undefined,
  ruleOf: (type: string) => SellerFavourRule | undefined,
  userOf: (device: string) => TradeParty = () => 'seller',
): PlaceSellerFavour[] {
  const byType = new Map<
    string,
    { type: string; favoured: TradeParty; rule: SellerFavourRule; instruments: number; above: number; below: number; sum: number; n: number }
  >();
  for (const item of items) {
    const type = typeOf(item.device);
    const rule = type === undefined ? undefined : ruleOf(type);
    if (type === undefined || rule === undefined || item.checks.length === 0) continue;
    const favoured = userOf(item.device);
    const key = `${type}|${favoured}`;
    let t = byType.get(key);
    if (!t) byType.set(key, (t = { type, favoured, rule, instruments: 0, above: 0, below: 0, sum: 0, n: 0 }));
    t.instruments++;
    for (const c of item.checks) {
      if (c.error > 0) t.above++;
      else if (c.error < 0) t.below++;
      // the checks were judged with an MPE > 0 (check.ts refuses a test point without one)
      t.sum += c.mpe > 0 ? c.error / c.mpe : 0;
      t.n++;
    }
  }
  return [...byType.values()].map((t) => {
    const { persists: _, ...j } = judgeSellerFavour({ positiveErrors: t.above, negativeErrors: t.below, meanError: t.sum / t.n }, t.rule, t.favoured);
    return { type: t.type, instruments: t.instruments, checks: t.n, rule: t.rule, ...j };
  });
}
