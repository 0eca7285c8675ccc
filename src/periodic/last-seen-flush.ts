// When each device last spoke is kept in memory on the hot path and written to the state
// database once a minute, and once more when the gateway stops.
import type { Logger } from '../log.ts';
import type { Registry } from '../store/registry.ts';
import type { Awaitable } from '../store/executor.ts';
import { Every, type PeriodicWork } from './every.ts';

export class LastSeenFlush implements PeriodicWork {
  /** How often the times are written: how far the shared state's may trail (cluster mode). */
  static readonly PERIOD_MS = 60_000;
  private readonly timer: Every;

  constructor(
    private readonly registry: Registry,
    log: Logger,
  ) {
    this.timer = new Every(LastSeenFlush.PERIOD_MS, () => registry.flushLastSeen(), log, 'writing last-seen times failed');
  }

  start(): void {
    this.timer.start();
  }

  /** Stops the timer and writes what the devices' last messages left in memory: stop it once no message can arrive. */
  stop(): Awaitable<void> {
    this.timer.stop();
    return this.registry.flushLastSeen();
  }
}
