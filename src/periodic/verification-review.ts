// Each device's verification standing (valid, due soon, expired…), re-evaluated at start and once
// a minute: its alerts follow, and the device is sent its standing as retained `config` when it
// changed.

import type { Assurance } from '../alerts/assurance.ts';
import type { Logger } from '../log.ts';
import type { DeviceOutbox } from '../pipeline/device-messages.ts';
import type { StateExecutor } from '../store/executor.ts';
import type { Device, Registry } from '../store/registry.ts';
import { Every, type PeriodicWork } from './every.ts';

export class VerificationReview implements PeriodicWork {
  private readonly timer: Every;

  constructor(
    private readonly registry: Registry,
    private readonly assurance: Assurance<StateExecutor>,
    private readonly outbox: DeviceOutbox,
    private readonly now: () => Date,
    log: Logger,
  ) {
    this.timer = new Every(60_000, () => this.reviewAll(), log, 'reviewing verifications failed');
  }

  /** Reviews one device; its standing is published when it changed (always with `force`). */
  publishConfig(device: Device, force = false): void {
    const standing = this.assurance.reviewVerification(device, this.now(), force);
    if (standing) this.outbox.publish(`instruments/${device.id}/config`, standing, true);
  }

  /** Reviews every registered device now. */
  reviewAll(): void {
    for (const d of this.registry.listDevices()) this.publishConfig(d);
  }

  /** Reviews at once (a failure fails the start), then once a minute. */
  start(): void {
    this.reviewAll();
    this.timer.start();
  }

  stop(): void {
    this.timer.stop();
  }
}
