// Bounds the dead letters (points the sink refused for good) at MAG_DEAD_LETTERS_MAX. A sink
// refusing everything (a field type changed under a whole fleet) would otherwise fill the state
// database at the message rate, on the disk the journal shares. At the cap a newly refused line
// is not kept: keeping it fails, and with it the write, so its journal entry is not released
// (on a cluster node its messages stay in RabbitMQ) and the forwarder retries with back-off, as
// when the sink is down: the journal fills, then holds back PUBACKs, then refuses QoS 1, and
// nothing acknowledged is lost. Replaying or discarding dead letters makes room.
import type { Awaitable } from '../store/executor.ts';

/** Default of MAG_DEAD_LETTERS_MAX: ~0.6 GB of dead letters (~600 bytes each with influxd's reason, measured). */
export const DEFAULT_DEAD_LETTERS_MAX = 1_000_000;

/**
 * Below the cap, the count is taken again at most this often: other cluster nodes keep dead
 * letters too, and replays and discards remove some. At the cap it is taken at every refusal
 * (paced by the forwarder's back-off).
 */
const RECOUNT_MS = 60_000;

export class DeadLettersFullError extends Error {
  constructor(count: number, max: number) {
    super(
      `the dead-letter store is full (kept: ${count}, MAG_DEAD_LETTERS_MAX: ${max}): the refused point is not released (it stays in ` +
        'the journal, or in RabbitMQ on a cluster node) and the sink is retried until dead letters are replayed or discarded ' +
        '(POST /api/v1/dead-letters/replay or /discard)',
    );
    this.name = 'DeadLettersFullError';
  }
}

export interface CountedDeadLetters {
  count(): Awaitable<number>;
  has(sink: string, line: string): Awaitable<boolean>;
}

export class DeadLetterCap {
  /** Kept as last counted, plus those kept since. */
  private known: number | undefined;
  private countedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: CountedDeadLetters,
    readonly max: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * Before keeping `line` (refused by `sink`): true when it may be kept, false when it is kept
   * already (its batch sent again: nothing to add); throws DeadLettersFullError at the cap.
   */
  async admit(sink: string, line: string): Promise<boolean> {
    if (this.known === undefined || this.known >= this.max || this.clock() - this.countedAt > RECOUNT_MS) {
      this.known = await this.store.count();
      this.countedAt = this.clock();
    }
    if (this.known < this.max) return true;
    if (await this.store.has(sink, line)) return false;
    throw new DeadLettersFullError(this.known, this.max);
  }

  /** A line was kept now (a new dead letter). */
  kept(): void {
    if (this.known !== undefined) this.known++;
  }
}
