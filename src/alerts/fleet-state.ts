// The fleet's standing as time series, for dashboards that read only InfluxDB (Grafana's fleet
// overview): devices by verification state, unresolved alerts by kind, rejected messages. Pure:
// the gateway's minute review and its message handler turn state into points; the journal and the
// sink carry them like any reading.
import type { Point } from '../sinks/sink.ts';
import type { VerificationState } from '../metrology/types.ts';

export interface DeviceStanding {
  id: string;
  tenant: string;
  type: string;
  verification: VerificationState['state'];
}

/** Unresolved (open or acknowledged) alerts of one device, kind and severity. */
export interface UnresolvedAlerts {
  tenant: string;
  device: string;
  kind: string;
  severity: string;
  count: number;
}

/**
 * One `fleet` point per device (tags tenant, device, type; fields verification, openAlerts,
 * criticalAlerts) and one `open_alerts` point per tenant and alert kind (field open), zeros
 * included, so that `last()` over a time range shows the standing now, not the last non-zero one.
 */
export function fleetStatePoints(devices: readonly DeviceStanding[], unresolved: readonly UnresolvedAlerts[], kinds: readonly string[], at: number): Point[] {
  const perDevice = new Map<string, { open: number; critical: number }>();
  const perTenantKind = new Map<string, number>();
  for (const u of unresolved) {
    const d = perDevice.get(u.device) ?? { open: 0, critical: 0 };
    d.open += u.count;
    if (u.severity === 'critical') d.critical += u.count;
    perDevice.set(u.device, d);
    const k = `${u.tenant}\u0000${u.kind}`;
    perTenantKind.set(k, (perTenantKind.get(k) ?? 0) + u.count);
  }
  const points: Point[] = [];
  const tenants = new Set<string>();
  for (const d of devices) {
    tenants.add(d.tenant);
    const a = perDevice.get(d.id) ?? { open: 0, critical: 0 };
    points.push({
      measurement: 'fleet',
      tags: { tenant: d.tenant, device: d.id, type: d.type },
      fields: { verification: d.verification, openAlerts: a.open, criticalAlerts: a.critical },
      ts: at,
    });
  }
  for (const u of unresolved) tenants.add(u.tenant);
  for (const tenant of [...tenants].sort()) {
    for (const kind of kinds) {
      points.push({ measurement: 'open_alerts', tags: { tenant, kind }, fields: { open: perTenantKind.get(`${tenant}\u0000${kind}`) ?? 0 }, ts: at });
    }
  }
  return points;
}

/** One `rejection` point for a message the gateway refused (tags tenant, device, type, topic; fields count, reason). */
export function rejectionPoint(
  device: { id: string; tenant: string; type: string },
  topic: string,
  rejections: readonly { errors: readonly { path: string; message: string }[] }[],
  at: number,
): Point {
  const first = rejections[0]?.errors[0];
  return {
    measurement: 'rejection',
    tags: { tenant: device.tenant, device: device.id, type: device.type, topic },
    fields: { count: rejections.length, reason: first ? `${first.path}: ${first.message}`.slice(0, 200) : 'rejected' },
    ts: at,
  };
}
