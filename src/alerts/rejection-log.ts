// Messages refused by ingest, kept per device as the evidence behind invalid-data alerts. A
// device sending nothing but invalid messages must not cost a state-database transaction per
// message: the rows are written in batches, REJECTION_FLUSH_MS after the first of a batch (or
// at once past MAX_PENDING rows), so a crash loses at most that second of evidence; the device
// was told on its feedback topic and each refusal is also a `rejection` point in the journal.
import type { Db } from '../store/db.ts';
import { RejectionStore, type Rejected } from '../store/rejections.ts';
import type { Rejection } from '../ingest/ingest.ts';

export const REJECTION_FLUSH_MS = 1000;
/** Rows waiting beyond which they are written at once: under a flood of invalid messages, rows held for a second would outlive the young generation. */
const MAX_PENDING = 500;
/** Stored payloads are cut to this many bytes. */
const MAX_PAYLOAD_BYTES = 4096;
const MINUTE = 60_000;

type NewRejection = Parameters<RejectionStore['insert']>[0];

/** Each device's latest rejection times, a ring (no array made per message). */
interface Recent {
  times: Float64Array;
  next: number;
}

export class RejectionLog {
  private readonly store: RejectionStore;
  private pending: NewRejection[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly recent = new Map<string, Recent>();

  /**
   * `remember`: rejection times kept per device (at least the invalid-data threshold);
   * `onFlushError`: a timed write failed (the rows are kept for the next).
   */
  constructor(
    private readonly db: Db,
    private readonly remember: number,
    private readonly onFlushError: (err: Error) => void = () => {},
  ) {
    this.store = new RejectionStore(db);
  }

  /** Records a message's rejections; how many of the device's messages were rejected in the minute up to `now`, these included. */
  record(device: { id: string; tenant: string }, topic: string, rejections: readonly Rejection[], payload: Buffer, now: Date): number {
    const at = now.toISOString();
    const body = payload.length <= MAX_PAYLOAD_BYTES ? payload.toString('utf8') : `${payload.subarray(0, MAX_PAYLOAD_BYTES).toString('utf8')}…`;
    for (const r of rejections)
      this.pending.push({ device: device.id, tenant: device.tenant, topic, seq: r.seq, receivedAt: at, errors: r.errors, payload: body });
    if (this.pending.length >= MAX_PENDING || this.stopped) this.flush();
    else this.flushSoon();
    return this.countRecent(device.id, rejections.length, now.getTime());
  }

  /** A device's rejections, newest first (what is waiting is written first). */
  of(device: string, limit = 100): Rejected[] {
    this.flush();
    return this.store.of(device, limit);
  }

  /** Writes the waiting rows in one transaction. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    try {
      this.db.transaction(() => {
        for (const r of rows) this.store.insert(r);
      });
    } catch (e) {
      this.pending = rows.concat(this.pending).slice(-MAX_PENDING);
      throw e;
    }
  }

  /** Writes what is waiting; later rejections are written as they come. */
  stop(): void {
    this.stopped = true;
    if (this.db.open) this.flush();
  }

  private flushSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.db.open) return;
      try {
        this.flush();
      } catch (e) {
        this.onFlushError(e as Error);
        this.flushSoon();
      }
    }, REJECTION_FLUSH_MS);
    this.timer.unref();
  }

  private countRecent(device: string, added: number, nowMs: number): number {
    let r = this.recent.get(device);
    if (!r) this.recent.set(device, (r = { times: new Float64Array(this.remember).fill(-Infinity), next: 0 }));
    for (let i = 0; i < added; i++) {
      r.times[r.next] = nowMs;
      r.next = (r.next + 1) % r.times.length;
    }
    let n = 0;
    for (const t of r.times) if (t > nowMs - MINUTE) n++;
    return n;
  }
}
