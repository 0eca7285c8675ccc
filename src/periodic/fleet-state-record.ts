// The fleet's standing (devices by verification state, unresolved alerts by kind) written as
// `fleet` / `open_alerts` points through the journal, at start and once a minute: dashboards
// read only the time-series store.

import { type AlertBook, DEVICE_ALERT_KINDS } from '../alerts/alert-book.ts';
import type { Assurance } from '../alerts/assurance.ts';
import { fleetStatePoints } from '../alerts/fleet-state.ts';
import type { Journal } from '../journal/journal.ts';
import type { Logger } from '../log.ts';
import { type Awaitable, after, type StateExecutor } from '../store/executor.ts';
import type { Registry } from '../store/registry.ts';
import { Every, type PeriodicWork } from './every.ts';

export class FleetStateRecord implements PeriodicWork {
  private readonly timer: Every;

  constructor(
    private readonly registry: Registry,
    private readonly assurance: Assurance<StateExecutor>,
    private readonly alerts: AlertBook<StateExecutor>,
    private readonly journal: Journal,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {
    this.timer = new Every(60_000, () => this.record(this.now()), log, 'recording the fleet state failed');
  }

  /** Journals the fleet's standing at `t`. */
  record(t: Date): Awaitable<void> {
    const devices = this.registry
      .listDevices()
      .map((d) => ({ id: d.id, tenant: d.tenant, type: d.type, verification: this.assurance.verificationOf(d, t.getTime()).state }));
    return after(this.alerts.unresolvedCounts(), (unresolved) => {
      const points = fleetStatePoints(devices, unresolved, DEVICE_ALERT_KINDS, t.getTime());
      if (points.length > 0) this.journal.append(points, t.getTime()).catch((e: Error) => this.log.warn({ err: e.message }, 'fleet state not journaled'));
    });
  }

  /** Records at once (a failure fails the start), then once a minute. */
  start(): void {
    this.record(this.now());
    this.timer.start();
  }

  stop(): void {
    this.timer.stop();
  }
}
