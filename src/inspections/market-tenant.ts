// Who a scale verified in a market campaign belongs to (pure). Market traders have no account
// and no registry of their own, so MAG keeps one tenant per market of a region, "Tiểu thương
// <market>": the same market gets the same tenant in every campaign, so a scale verified again
// next year is the same instrument with a new certificate. The trader is kept on the
// verification record (owner name and phone).
import { createHash } from 'node:crypto';
import type { Market } from './types.ts';

/** ASCII slug of a Vietnamese name (diacritics removed, đ → d), at most `max` characters; a longer one is cut and given a short hash of the whole. */
export function slug(text: string, max: number): string {
  const s =
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x';
  if (s.length <= max) return s;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 6);
  return `${s.slice(0, max - 7).replace(/-+$/, '')}-${hash}`;
}

/** The tenant of a market's traders: mkt-<region>-<market[-district]>, e.g. mkt-vn-bg-cho-thuong. */
export function marketTenantId(region: string, market: Market): string {
  return `mkt-${region.toLowerCase()}-${slug(market.district ? `${market.name} ${market.district}` : market.name, 40)}`;
}

/** Its name as the console and reports show it. */
export function marketTenantName(market: Market): string {
  return `Tiểu thương ${market.name}${market.district ? `, ${market.district}` : ''}`;
}

/** The id a verified scale is registered under: sc-<market>-<serial>; `n` > 1 when another instrument holds that id. */
export function scaleDeviceId(market: Market, serial: string, n = 1): string {
  const base = `sc-${slug(market.name, 24)}-${slug(serial, 28)}`;
  return n > 1 ? `${base}-${n}` : base;
}
