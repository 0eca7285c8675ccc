// @ts-check
// The signed-in session, shared by the shell and its pages: the API client for the token, what
// the token may see and do, the alerts known so far (kept current by the live stream).
/** @import { Api, StreamState } from './api.js' */
/** @import { Alert, InstrumentType, Me, Tenant, View } from './types.js' */

/**
 * @type {{
 *   api: Api | null,
 *   manage: boolean,
 *   me: Me | null,
 *   role: string,
 *   regions: string[],
 *   tenants: Tenant[],
 *   types: InstrumentType[],
 *   alerts: Map<string, Alert>,
 *   deviceTypes: Map<string, string>,
 *   filters: { state: string, severity: string, kind: string, tenant: string },
 *   devFilters: { tenant: string, type: string, status: string },
 *   live: StreamState,
 *   stopStream: (() => void) | null,
 *   view: View | null,
 *   flash: string | null,
 *   flashWarning: string | null,
 * }}
 */
export const S = {
  api: null,
  manage: false, // may register instruments and add certificates (admin, operator), as the API answers
  me: null, // the token's role, tenant and regions (GET /api/v1/me): who may inspect, plan campaigns, answer findings
  role: '', // admin, operator or inspector (GET /api/v1/me); '' when the gateway does not say
  regions: [], // the regions the overview may be narrowed to: an inspector's own, else those of the visible enterprises
  tenants: [],
  types: [],
  alerts: new Map(),
  deviceTypes: new Map(), // the type of each instrument listed so far: the unit of an alert's drift figures
  filters: { state: '', severity: '', kind: '', tenant: '' },
  devFilters: { tenant: '', type: '', status: '' },
  live: 'off',
  stopStream: null,
  view: null, // { onAlert?(alert, change) }
  flash: null, // message shown once on the next render
  flashWarning: null, // and a warning beside it (a certificate's validity cut back to the legal interval)
};

/** The signed-in session's API client: pages are shown, and their forms used, only while signed in. */
export function api() {
  if (!S.api) throw new Error('signed out');
  return S.api;
}

/**
 * Does this token act for one enterprise? An operator's does (GET /api/v1/me: its tenant): its lists
 * then neither filter nor show by enterprise (one name on every row), and its pages speak of its own.
 */
export const ownEnterpriseOnly = () => S.me?.role === 'operator';

/** May this token inspect (open records, note findings) and run campaigns? Admins and inspectors. */
export const mayInspect = () => S.me?.role === 'admin' || S.me?.role === 'inspector';

const ENTRY_KEY = 'mag.console.entry.';

/**
 * What the last entry of a form chose (a campaign's market and class, an inspection's instrument), for
 * the next entry to start from: a scale after another at the same market. Kept for the session in
 * sessionStorage, as a phone that drops a tab in the background reloads it; sign-out clears it.
 * @param {string} form the form and what it is for: `campaign:bg-2026-cho`
 * @returns {Record<string, string>}
 */
export function lastEntry(form) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(ENTRY_KEY + form) ?? '{}');
    return kept && typeof kept === 'object' ? kept : {};
  } catch {
    return {}; // storage unavailable, or not ours: the form's own defaults
  }
}

/** Keeps what an entry chose, once the gateway recorded it. @param {string} form @param {Record<string, string>} values */
export function rememberEntry(form, values) {
  try {
    sessionStorage.setItem(ENTRY_KEY + form, JSON.stringify(values));
  } catch {
    /* storage unavailable: the next entry starts from the form's defaults */
  }
}
