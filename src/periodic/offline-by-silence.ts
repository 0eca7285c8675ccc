// A device that has not spoken for three of its expected intervals is offline: an `offline`
// alert (warning), checked once a minute. The interval is the device's own, else its
// instrument type's, else 10 min.
import type { AlertBook } from '../alerts/alert-book.ts';
import type { Logger } from '../log.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import type { Registry } from '../store/registry.ts';
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

export function offlineBySilence(registry: Registry, profiles: Map<string, InstrumentProfile>, alerts: AlertBook, now: () => Date, log: Logger): PeriodicWork {
  return new Every(
    60_000,
    () => {
      const t = now();
      for (const d of registry.listDevices()) {
        const interval = (d.expectedIntervalSeconds ?? profiles.get(d.type)?.expectedIntervalSeconds ?? DEFAULT_INTERVAL_S) * 1000;
        const silent = silentFor(d.lastSeenAt, interval, t.getTime());
        if (silent !== undefined) {
          alerts.raise({
            tenant: d.tenant,
            device: d.id,
            kind: 'offline',
            severity: 'warning',
            summary: `No message for ${Math.round(silent / 60000)} min (expected every ${interval / 1000} s)`,
            details: { lastSeenAt: d.lastSeenAt },
            at: t,
            throttle: true,
          });
        }
      }
    },
    log,
    'detecting silent devices failed',
  );
}
