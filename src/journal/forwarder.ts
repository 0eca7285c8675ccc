// Drains the journal to the sink in batches; the cursor advances (entries are deleted) only
// after the sink confirms. Transient failures back off and retry forever; lines the sink
// refuses are isolated by splitting the batch and go to the dead-letter store.
import type { Journal } from './journal.ts';
import type { Point, Sink } from '../sinks/sink.ts';
import { writeIsolating } from '../sinks/write-isolating.ts';
import type { Logger } from '../log.ts';

export interface DeadLetterStore {
  /**
   * `point` is the refused line read back (undefined if it cannot be parsed; `line` is kept either
   * way). A Promise (PostgreSQL) is waited for before the entry is released; a failure (thrown or
   * rejected) fails the write, which is sent again, refused again and kept then.
   */
  add(sink: string, reason: string, point: Point | undefined, line: string): void | Promise<void>;
}

export interface ForwarderOptions {
  batch: number;
  retryMaxMs: number;
  retryMinMs?: number;
  /**
   * A batch smaller than `batch` is written at most once per this many ms (default
   * DEFAULT_FLUSH_MS); a full batch goes at once. Without it, at moderate rates the forwarder
   * wrote after every journal commit (hundreds of HTTP writes of a few points per second),
   * which cost the gateway and InfluxDB, on the same cores, far more CPU per point.
   */
  flushMs?: number;
  /**
   * Writes in flight at once (default DEFAULT_CONCURRENCY). InfluxDB takes concurrent writes on
   * several cores: two in flight took ~480k points/s into influxd 1.6 here against ~310k for one,
   * and let a drain overlap the gateway's own work instead of waiting out each round trip.
   * Entries are still released strictly in order.
   */
  concurrency?: number;
}

/** Default of ForwarderOptions.concurrency. */
export const DEFAULT_CONCURRENCY = 2;

interface InFlightWrite {
  /** Last journal entry of the write. */
  lastId: number;
  count: number;
  started: number;
  settled: boolean;
  error: Error | undefined;
}

/** Default of ForwarderOptions.flushMs: at most 20 partial writes per second, ≤ 50 ms added latency. */
export const DEFAULT_FLUSH_MS = 50;

/**
 * A partial batch of at least this share of `batch` is written at once, not held for the flush
 * interval: a write of 1,500 lines or more costs influxd 1.6 no more per point than one of 5,000
 * (~5–6 µs; 500 lines ~7), so holding it only delayed the end of a burst (the last points of a
 * 200,000-reading burst were stored up to ~50 ms later for it). Smaller partial batches, what
 * moderate rates produce, still wait: they are what the flush interval is for.
 */
export const EAGER_PARTIAL = 0.3;

export class Forwarder {
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Entries up to this id are delivered and released. */
  private cursor = 0;
  /** Entries up to this id are delivered or being written. */
  private readCursor = 0;
  /** Writes in flight (and settled ones not yet released), in journal order. */
  private writes: InFlightWrite[] = [];
  private onSettled: (() => void) | undefined;
  private failures = 0;
  /**
   * Set while waiting out a failed write (commits must not cut the wait short) or the flush
   * interval (only a backlog worth an eager write may).
   */
  private holdWake: 'backoff' | 'linger' | undefined;
  private lastWriteAt = -Infinity;
  /** True while the sink accepts writes (for /readyz). */
  sinkHealthy = true;
  lastError: string | undefined;
  readonly totals = { deliveredPoints: 0, deadLetters: 0, batches: 0, failedWrites: 0 };
  /** Points per second over the recent batches (exponentially smoothed). */
  drainRate = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly sink: Sink,
    private readonly deadLetters: DeadLetterStore,
    private readonly log: Logger,
    private readonly opts: ForwarderOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    // A commit wakes an idle forwarder, but not one backing off after a failed write: with the
    // sink down, every commit (one per few ms) used to restart the retry at once, and the
    // re-read and re-serialised batch took most of the event loop from the devices.
    // A forwarder holding a small partial batch for the flush interval is woken once the backlog
    // beyond its writes in flight reaches EAGER_PARTIAL of a batch.
    this.unsubscribe = this.journal.onCommit(() => {
      if (this.holdWake === 'backoff') return;
      if (this.holdWake === 'linger' && this.journal.backlogPoints - this.pointsInFlight() < this.opts.batch * EAGER_PARTIAL) return;
      this.wake?.();
    });
    this.loop = this.run();
  }

  /** Stops after the batch in flight; with `drainMs`, first keeps delivering for up to that long. */
  async stop(drainMs = 0): Promise<void> {
    if (drainMs > 0 && this.journal.backlogPoints > 0 && this.sinkHealthy) {
      const deadline = Date.now() + drainMs;
      while (Date.now() < deadline && this.journal.backlogPoints > 0 && this.sinkHealthy) await sleep(20);
    }
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    const settled = this.onSettled;
    this.onSettled = undefined;
    settled?.();
    await this.loop;
  }

  private async idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
  }

  /** Waits `ms`, woken early by stop() and, as `why` allows, by journal commits. */
  private async idleHeld(ms: number, why: 'backoff' | 'linger'): Promise<void> {
    this.holdWake = why;
    try {
      await this.idle(ms);
    } finally {
      this.holdWake = undefined;
    }
  }

  private async run(): Promise<void> {
    const concurrency = Math.max(1, this.opts.concurrency ?? DEFAULT_CONCURRENCY);
    while (this.running) {
      if (this.writes.some((w) => w.error)) {
        await this.recoverFromFailure();
        continue;
      }
      if (this.writes.length >= concurrency) {
        await this.nextSettled();
        continue;
      }
      const entries = this.journal.read(this.readCursor, this.opts.batch);
      if (entries.length === 0) {
        if (this.writes.length > 0) await this.nextSettled();
        else await this.idle(1000);
        continue;
      }
      let count = 0;
      for (const e of entries) count += e.count;
      // A read stops short of `batch` at a row boundary too: only when it holds the whole rest of
      // the backlog is it a partial batch. (Lingering on every short read held a drain to ~20 writes a second.)
      const partial = count < this.opts.batch && this.journal.backlogPoints - this.pointsInFlight() <= count;
      const small = partial && count < this.opts.batch * EAGER_PARTIAL;
      if (small && this.writes.length > 0) {
        await this.nextSettled(); // more may be committed meanwhile; no small write beside a big one
        continue;
      }
      const flushMs = this.opts.flushMs ?? DEFAULT_FLUSH_MS;
      const linger = this.lastWriteAt + flushMs - performance.now();
      if (small && linger > 0) {
        // Partial batch soon after the last write: let it fill for the rest of the flush interval.
        await this.idleHeld(linger, 'linger');
        continue;
      }
      const lastId = entries[entries.length - 1].id;
      const write: InFlightWrite = { lastId, count, started: performance.now(), settled: false, error: undefined };
      this.lastWriteAt = write.started;
      this.readCursor = lastId;
      this.writes.push(write);
      const lines = entries.length === 1 ? entries[0].lines : entries.map((e) => e.lines).join('\n');
      this.writeIsolating(lines, count).then(
        () => this.settle(write, undefined),
        (e: Error) => this.settle(write, e),
      );
    }
    while (this.writes.length > 0 && this.writes.some((w) => !w.settled)) await this.nextSettled();
  }

  private pointsInFlight(): number {
    let n = 0;
    for (const w of this.writes) n += w.count;
    return n;
  }

  /** Resolves when a write in flight settles (or stop() is called). */
  private nextSettled(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.onSettled = resolve;
    });
  }

  /** A write settled: deliveries are released in journal order, up to the first write still in flight or failed. */
  private settle(write: InFlightWrite, error: Error | undefined): void {
    write.settled = true;
    write.error = error;
    while (this.writes.length > 0 && this.writes[0].settled && !this.writes[0].error) {
      const w = this.writes.shift()!;
      this.journal.release(w.lastId);
      this.cursor = w.lastId;
      this.totals.deliveredPoints += w.count;
      this.totals.batches++;
      const secs = Math.max((performance.now() - w.started) / 1000, 1e-4);
      const rate = w.count / secs;
      this.drainRate = this.drainRate === 0 ? rate : 0.8 * this.drainRate + 0.2 * rate;
      if (!this.sinkHealthy) this.log.info({ sink: this.sink.kind, backlog: this.journal.backlogPoints }, 'sink reachable again; draining the journal');
      this.sinkHealthy = true;
      this.failures = 0;
      this.lastError = undefined;
      // Delivered entries' space goes back to the file system when a backlog is drained (and now and then under steady load).
      if (this.journal.backlogPoints === 0 || this.totals.batches % 200 === 0) this.journal.reclaim();
    }
    const wake = this.onSettled;
    this.onSettled = undefined;
    wake?.();
  }

  /**
   * A write failed (transient: the sink is down or slow): once every write in flight has settled,
   * reading starts again after the last delivered entry (writes that succeeded after the failed
   * one are sent again; InfluxDB and the embedded store keep one point per series and time), after a back-off.
   */
  private async recoverFromFailure(): Promise<void> {
    while (this.writes.some((w) => !w.settled)) await this.nextSettled();
    const failed = this.writes.find((w) => w.error)!;
    this.writes = [];
    this.readCursor = this.cursor;
    this.totals.failedWrites++;
    this.failures++;
    this.lastError = failed.error!.message;
    const wait = Math.min(this.opts.retryMaxMs, (this.opts.retryMinMs ?? 100) * 2 ** Math.min(this.failures - 1, 16));
    if (this.sinkHealthy || this.failures % 10 === 0) {
      this.log.warn(
        { sink: this.sink.kind, err: this.lastError, retryInMs: wait, backlog: this.journal.backlogPoints },
        'sink write failed; the journal keeps the data and the forwarder retries',
      );
    }
    this.sinkHealthy = false;
    if (this.running) await this.idleHeld(wait + Math.random() * wait * 0.2, 'backoff');
  }

  /** Writes the lines; when the sink refuses the batch, splits it to find and dead-letter the bad lines. */
  private writeIsolating(lines: string, count: number): Promise<void> {
    return writeIsolating(this.sink, lines, count, async (point, line, reason) => {
      await this.deadLetters.add(this.sink.kind, reason, point, line);
      this.totals.deadLetters++;
      this.log.warn(
        { sink: this.sink.kind, device: point?.tags.device, measurement: point?.measurement, reason },
        'point refused by the sink; moved to the dead-letter store',
      );
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
