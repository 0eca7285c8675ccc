// Work the gateway does on a timer. Each unit starts and stops on its own, so the composition
// root can stop them in the order shutdown needs; the timers never keep the process alive.
import type { Logger } from '../log.ts';

/** A unit of periodic work. */
export interface PeriodicWork {
  start(): void;
  /** Stops the timer; what the unit owes before the gateway closes (a last flush) is done by then. */
  stop(): void;
}

/**
 * Runs `work` every `everyMs`; a failure is logged with `failure` and the next run comes as
 * planned. Work that answers with a Promise (on PostgreSQL) is not started again before it settles.
 */
export class Every implements PeriodicWork {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly everyMs: number,
    private readonly work: () => unknown,
    private readonly log: Logger,
    private readonly failure: string,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      try {
        const done = this.work();
        if (done instanceof Promise) {
          this.running = true;
          done.catch((e: Error) => this.log.error({ err: e.message }, this.failure)).finally(() => (this.running = false));
        }
      } catch (e) {
        this.log.error({ err: (e as Error).message }, this.failure);
      }
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
