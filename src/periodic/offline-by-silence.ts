// A device that has not spoken for three of its expected intervals is offline: an `offline`
// alert (warning), checked once a minute. The interval is the device's own, else its
// instrument type's, else 10 min.

import type { AlertBook } from '../alerts/alert-book.ts';
import type { Logger } from '../log.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import type { StateExecutor } from '../store/executor.ts';
import { after } from '../store/executor.ts';
import type { Device, Registry } from '../store/registry.ts';
import { Every, type PeriodicWork } from './every.ts';

const DEFAULT_INTERVAL_S = 600;
/** Expected intervals without a message after which a device counts as offline. */
const SILENT_INTERVALS = 3;

/** Milliseconds the device has been silent beyond SILENT_INTERVALS of `intervalMs`, or undefined while it is not. */
export function silentFor(lastSeenAt: string | undefined, intervalMs: number, atMs: number): number | undefined {
  if (!lastSeenAt) return undefined;
  const silent = atMs - Date.parse(lastSeenAt);
  return silent > SILENT_INTERVALS * intervalMs ? silent : undefined;
}

/**
 * On a cluster (`clusterFlushLagMs` set), what every node heard: the times the nodes flushed to
 * the shared database, which trail by up to one flush period, so a device counts as silent only
 * past that lag too. On a single node, its own cache.
 */
export function offlineBySilence(
  registry: Registry,
  profiles: Map<string, InstrumentProfile>,
  alerts: Pick<AlertBook<StateExecutor>, 'raise'>,
  now: () => Date,
  log: Logger,
  clusterFlushLagMs?: number,
): PeriodicWork {
  const judge = (t: Date, lastSeenOf: (d: Device) => string | undefined, lagMs: number) => {
    for (const d of registry.listDevices()) {
      const interval = (d.expectedIntervalSeconds ?? profiles.get(d.type)?.expectedIntervalSeconds ?? DEFAULT_INTERVAL_S) * 1000;
      const lastSeenAt = lastSeenOf(d);
      const silent = silentFor(lastSeenAt, interval, t.getTime() - lagMs);
      if (silent !== undefined) {
        alerts.raise({
          tenant: d.tenant,
          device: d.id,
          kind: 'offline',
          severity: 'warning',
          summary: `No message for ${Math.round((silent + lagMs) / 60000)} min (expected every ${interval / 1000} s)`,
          details: { lastSeenAt },
          at: t,
          throttle: true,
        });
      }
    }
  };
  return new Every(
    60_000,
    () => {
      const t = now();
      if (clusterFlushLagMs === undefined) return judge(t, (d) => d.lastSeenAt, 0);
      return after(registry.lastSeenTimes(), (times) =>
        judge(
          t,
          (d) => {
            const at = times.get(d.id);
            return at === undefined ? undefined : new Date(at).toISOString();
          },
          clusterFlushLagMs,
        ),
      );
    },
    log,
    'detecting silent devices failed',
  );
}
