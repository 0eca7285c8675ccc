// Whether an instrument examined during an inspection conforms: pure, from what the inspector
// recorded and the legal decisions of the checks made on it.
import type { CheckResult } from '../metrology/types.ts';
import type { ItemFacts, ItemReason, ItemVerdict } from './types.ts';

/**
 * An instrument conforms when every check made on it passes the in-trade rule (legal decision:
 * simple acceptance against the in-service MPE, docs/metrology.md §4), its seals are intact, its
 * verification mark and certificate are valid and, for a fuel dispenser, the price display is
 * correct (Circular 15/2015/TT-BKHCN). Otherwise it does not, for each of the reasons listed.
 */
export function itemVerdict(
  facts: Omit<ItemFacts, 'verification'>,
  checks: readonly Pick<CheckResult, 'legal'>[],
): { verdict: ItemVerdict; reasons: ItemReason[] } {
  const reasons: ItemReason[] = [];
  if (checks.some((c) => c.legal === 'fail')) reasons.push('check-fail');
  if (!facts.sealsIntact) reasons.push('seals-broken');
  if (!facts.verificationMarkValid) reasons.push('verification-mark-invalid');
  if (!facts.certificateValid) reasons.push('certificate-invalid');
  if (facts.priceDisplayCorrect === false) reasons.push('price-display-wrong');
  return { verdict: reasons.length === 0 ? 'pass' : 'fail', reasons };
}
