// Messages refused by ingest, kept per device as the evidence behind invalid-data alerts. A
// device sending nothing but invalid messages must not cost a state-database transaction per
// message: the rows are written in batches, REJECTION_FLUSH_MS after the first of a batch (or
// at once past MAX_PENDING rows), so a crash loses at most that second of evidence; the device
// was told on its feedback topic and each refusal is also a `rejection` point in the journal.
// Each device keeps its newest MAG_REJECTIONS_PER_DEVICE rows (the evidence an engineer reads
// back; the counts over time are the `rejection` points): a device sending nothing but invalid
// messages for months must not fill the state database's disk, which the journal shares.
import type { SqliteState } from '../store/sql.ts';
import { after, isPending, type Answer, type Awaitable, type StateExecutor } from '../store/executor.ts';
import { RejectionStore, type Rejected } from '../store/rejections.ts';
import type { Rejection } from '../ingest/ingest.ts';

export const REJECTION_FLUSH_MS = 1000;
/** Rows waiting beyond which they are written at once: under a flood of invalid messages, rows held for a second would outlive the young generation. */
const MAX_PENDING = 500;
/** Stored payloads are cut to this many bytes. */
const MAX_PAYLOAD_BYTES = 4096;
const MINUTE = 60_000;
/** Default of the rows kept per device (MAG_REJECTIONS_PER_DEVICE): as many as GET /devices/{id}/rejections returns at most. */
export const DEFAULT_REJECTIONS_PER_DEVICE = 1000;

type NewRejection = Parameters<RejectionStore['insert']>[0];

/** Each device's latest rejection times, a ring (no array made per message). */
interface Recent {
  times: Float64Array;
  next: number;
  /** The newest time recorded; `ordered`: no time was ever recorded before an earlier one. */
  newest: number;
  ordered: boolean;
}

/** On PostgreSQL the same batches, each in one transaction of its own (outside the worker's write batch: evidence, not state the judging reads). */
export class RejectionLog<S extends StateExecutor = SqliteState> {
  private readonly store: RejectionStore<S>;
  private pending: NewRejection[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly recent = new Map<string, Recent>();
  /** The last receive time made ISO text, and its ms (iso()). */
  private isoMs = Number.NaN;
  private isoText = '';
  /** Rows written or waiting per device since its last prune (a device not in it is pruned at its next flush). */
  private readonly unpruned = new Map<string, number>();
  /** New rows of a device after which its old ones are pruned: a tenth of `keep`, so a device holds at most 1.1 × keep. */
  private readonly pruneEvery: number;

  /**
   * `remember`: rejection times kept per device (at least the invalid-data threshold);
   * `onFlushError`: a timed write failed (the rows are kept for the next).
   */
  constructor(
    private readonly db: S,
    private readonly remember: number,
    private readonly onFlushError: (err: Error) => void = () => {},
    /** Rows kept per device, the newest (MAG_REJECTIONS_PER_DEVICE). */
    private readonly keep: number = DEFAULT_REJECTIONS_PER_DEVICE,
  ) {
    this.store = new RejectionStore(db);
    this.pruneEvery = Math.max(1, Math.ceil(keep / 10));
  }

  /** Records a message's rejections; how many of the device's messages were rejected in the minute up to `now`, these included. */
  record(device: { id: string; tenant: string }, topic: string, rejections: readonly Rejection[], payload: Buffer, now: Date): number {
    const at = this.iso(now);
    const body = payload.length <= MAX_PAYLOAD_BYTES ? payload.toString('utf8') : `${payload.subarray(0, MAX_PAYLOAD_BYTES).toString('utf8')}…`;
    for (const r of rejections)
      this.pending.push({ device: device.id, tenant: device.tenant, topic, seq: r.seq, receivedAt: at, errors: r.errors, payload: body });
    // the first rejection of a device since the start prunes what an earlier run left
    this.unpruned.set(device.id, (this.unpruned.get(device.id) ?? this.pruneEvery) + rejections.length);
    if (this.pending.length >= MAX_PENDING || this.stopped) this.flushNow();
    else this.flushSoon();
    return this.countRecent(device.id, rejections.length, now.getTime());
  }

  /** A device's rejections, newest first (what is waiting is written first). */
  of(device: string, limit = 100): Answer<S, Rejected[]> {
    return after(this.flush() as Awaitable<void>, () => this.store.of(device, limit) as Awaitable<Rejected[]>) as Answer<S, Rejected[]>;
  }

  /** Writes the waiting rows in one transaction. */
  flush(): Answer<S, void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return (this.db.dialect === 'sqlite' ? undefined : Promise.resolve()) as Answer<S, void>;
    const rows = this.pending;
    this.pending = [];
    const putBack = (e: unknown): never => {
      this.pending = rows.concat(this.pending).slice(-MAX_PENDING);
      throw e;
    };
    // each device due with its count now: rows recorded while a PostgreSQL flush is in flight count toward the next prune
    const prune = [...this.unpruned].filter(([, n]) => n >= this.pruneEvery);
    const pruned = () => {
      for (const [device, n] of prune) this.unpruned.set(device, (this.unpruned.get(device) ?? 0) - n);
    };
    if (this.db.dialect !== 'sqlite') {
      return Promise.resolve(
        this.db.atomically(() => [...rows.map((r) => this.store.insert(r)), ...prune.map(([device]) => this.store.prune(device, this.keep))]),
      ).then(pruned, putBack) as Answer<S, void>;
    }
    try {
      (this.db as unknown as SqliteState).transaction(() => {
        for (const r of rows) this.store.insert(r);
        for (const [device] of prune) this.store.prune(device, this.keep);
      });
      pruned();
    } catch (e) {
      putBack(e);
    }
    return undefined as Answer<S, void>;
  }

  /** A flush whose failure is reported, not thrown (the message path does not fail for its evidence). */
  private flushNow(): void {
    try {
      const done = this.flush() as Awaitable<void>;
      if (isPending(done)) done.catch((e) => this.onFlushError(e as Error));
    } catch (e) {
      if (this.db.dialect !== 'sqlite') this.onFlushError(e as Error);
      else throw e;
    }
  }

  /** Writes what is waiting; later rejections are written as they come. */
  stop(): Answer<S, void> {
    this.stopped = true;
    if (this.db.open) return this.flush();
    return (this.db.dialect === 'sqlite' ? undefined : Promise.resolve()) as Answer<S, void>;
  }

  private flushSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.db.open) return;
      const failed = (e: unknown) => {
        this.onFlushError(e as Error);
        this.flushSoon();
      };
      try {
        const done = this.flush() as Awaitable<void>;
        if (isPending(done)) done.catch(failed);
      } catch (e) {
        failed(e);
      }
    }, REJECTION_FLUSH_MS);
    this.timer.unref();
  }

  private countRecent(device: string, added: number, nowMs: number): number {
    let r = this.recent.get(device);
    if (!r) this.recent.set(device, (r = { times: new Float64Array(this.remember).fill(-Infinity), next: 0, newest: -Infinity, ordered: true }));
    if (nowMs < r.newest) r.ordered = false;
    else r.newest = nowMs;
    for (let i = 0; i < added; i++) {
      r.times[r.next] = nowMs;
      r.next = (r.next + 1) % r.times.length;
    }
    // Recorded in time order, the oldest remembered within the minute means all of them are (a
    // device flooding invalid messages: no walk over the ring per message); else count them.
    if (r.ordered && r.times[r.next] > nowMs - MINUTE) return r.times.length;
    let n = 0;
    for (const t of r.times) if (t > nowMs - MINUTE) n++;
    return n;
  }

  /** `now` as ISO 8601, made once per millisecond (a flood's rejections share most of them). */
  private iso(now: Date): string {
    const ms = now.getTime();
    if (ms !== this.isoMs) {
      this.isoMs = ms;
      this.isoText = now.toISOString();
    }
    return this.isoText;
  }
}
