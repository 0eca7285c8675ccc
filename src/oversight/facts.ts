// Gathers the facts the figures count, from the registry, the checks store and the alert book,
// for one scope (the enterprises a token may see, narrowed to a region) and one period.
import type { Device, Registry, Tenant } from '../store/registry.ts';
import type { AlertTimes } from '../store/alerts.ts';
import type { CheckCount } from '../store/checks.ts';
import type { VerificationState } from '../metrology/types.ts';
import { DAY_MS, monthsOf, type Period } from './period.ts';
import { READINESS_RULES } from './readiness.ts';
import type { FleetFacts } from './figures.ts';

/** Where the facts come from (the API's stores, narrowed to what is read here). */
export interface FactSources {
  registry: Pick<Registry, 'listTenants' | 'listDevices'>;
  verificationOf(device: Device, at: number): VerificationState;
  checkCounts(bounds: readonly number[], tenants: readonly string[]): CheckCount[];
  alertHistory(tenants: readonly string[], from: string, to: string): AlertTimes[];
}

/** The enterprises in scope: those visible (undefined: all), in `region` when one is given. */
export function scopeTenants(registry: Pick<Registry, 'listTenants'>, visible: ReadonlySet<string> | undefined, region: string | undefined): Tenant[] {
  return registry.listTenants().filter((t) => (!visible || visible.has(t.id)) && (!region || t.region === region));
}

export function gatherFacts(src: FactSources, tenants: readonly Tenant[], region: string | null, period: Period): FleetFacts {
  const ids = tenants.map((t) => t.id);
  const inScope = new Set(ids);
  const months = monthsOf(period);
  const instruments = src.registry
    .listDevices()
    .filter((d) => inScope.has(d.tenant))
    .map((d) => {
      const v = src.verificationOf(d, period.asOf);
      return { id: d.id, tenant: d.tenant, type: d.type, state: v.state, validUntil: v.validUntil };
    });
  const lookBack = period.asOf - READINESS_RULES.checkWithinDays * DAY_MS;
  const recentChecks = new Map<string, number>();
  for (const c of src.checkCounts([lookBack, period.asOf + 1], ids)) recentChecks.set(c.device, c.checks);
  const alertsFrom = Math.min(period.from, period.asOf - READINESS_RULES.alertWindowDays * DAY_MS);
  return {
    period,
    region,
    months,
    enterprises: tenants.map((t) => ({ id: t.id, name: t.name, region: t.region })),
    instruments,
    checkCounts: months.length ? src.checkCounts([...months.map((m) => m.from), months[months.length - 1].to], ids) : [],
    recentChecks,
    alerts: src.alertHistory(ids, new Date(alertsFrom).toISOString(), new Date(period.to).toISOString()),
  };
}
