// Dead letters written again. A point the sink refused for good is kept as a dead letter (the
// forwarder, src/store/dead-letters.ts) and counted in its device's `points-refused` alert; once
// an engineer has removed the cause (a field type conflict: the conflicting data dropped, say),
// the admin replays them: each kept point is sent to the sink again, the ones it takes are
// deleted from the dead letters, the ones it still refuses stay with the sink's reason, and a
// device with none left has its `points-refused` alert cleared. Replaying is idempotent (InfluxDB
// keeps one point per series and time), so a replay interrupted, or run on two nodes at once,
// only writes a point twice.
//
// A point that can never be stored (its cause cannot be removed, or it is wrong and the site
// says so) is discarded instead: deleted from the dead letters by an admin giving the reason,
// what was discarded named (device, measurement, seq, time) for the audit record, and the
// device's `points-refused` alert cleared once none of its points is left. Without it the alert
// stayed open for good and the dead letters grew with every such point.
//
// Both delete dead letters and append their audit record in one transaction: a state database
// failing between the two would otherwise leave points gone with no record of who removed them.
import type { AlertBook } from '../alerts/alert-book.ts';
import { pointToLine } from '../sinks/line-protocol.ts';
import { parseLine } from '../sinks/line-protocol-parse.ts';
import type { Point, Sink } from '../sinks/sink.ts';
import { writeIsolating } from '../sinks/write-isolating.ts';
import type { AuditLog } from '../store/audit.ts';
import { type DeadLetter, DeadLetters } from '../store/dead-letters.ts';
import { after, settleAll, type StateExecutor } from '../store/executor.ts';

export interface ReplayOutcome {
  /** Points the sink took (their dead letters deleted). */
  replayed: number;
  /** Dead letters still refused (kept), with the sink's reason now. */
  stillRefused: { id: number; device: string | null; reason: string }[];
  /** Devices whose `points-refused` alert was cleared (none of their points left). */
  cleared: string[];
  /** As many dead letters as `limit` were read: more may be left for another replay. */
  more: boolean;
}

/** What a discard deleted, and what it found. */
export interface DiscardOutcome {
  discarded: number;
  /** The points discarded, named for the audit record: no dead letter to read them from afterwards. */
  points: DiscardedPoint[];
  /** Ids asked for that are not kept (never were, or replayed or discarded since). */
  notFound: number[];
  /** Devices whose `points-refused` alert was cleared (none of their points left). */
  cleared: string[];
  /** By device: as many dead letters as `limit` were discarded, more may be left. */
  more: boolean;
}

export interface DiscardedPoint {
  id: number;
  device: string | null;
  /** The sink's reason for refusing it. */
  reason: string;
  measurement: string | null;
  seq: number | null;
  /** The point's time, ISO 8601; null when the kept line cannot be read back. */
  ts: string | null;
}

/** A replay or a discard is running in this process: one at a time. */
export class ReplayRunningError extends Error {
  constructor() {
    super('a replay or discard of the dead letters is running; try again when it has finished');
    this.name = 'ReplayRunningError';
  }
}

/** The sink could not be written to (down, 5xx, timeout: not a refusal of the data): nothing was replayed or deleted. */
export class ReplaySinkError extends Error {
  constructor(cause: Error) {
    super(`the time-series database could not be written to; nothing was replayed: ${cause.message}`);
    this.name = 'ReplaySinkError';
  }
}

export interface DeadLetterReplayDeps {
  /**
   * The state database of the dead letters and the audit log: a replay's or a discard's
   * deletions and its audit record are one transaction on it (a deletion never goes unaudited).
   */
  db: StateExecutor;
  deadLetters: DeadLetters<StateExecutor>;
  audit: Pick<AuditLog<StateExecutor>, 'appendWithin'>;
  sink: Sink;
  alerts: Pick<AlertBook<StateExecutor>, 'clear'>;
  now: () => Date;
}

/** Who asked, for the audit record: the actor as the audit log names them, and the device or '*'. */
export interface AskedBy {
  actor: string;
  target: string;
}

export class DeadLetterReplay {
  private running = false;

  constructor(private readonly deps: DeadLetterReplayDeps) {}

  /**
   * Sends the `limit` oldest dead letters (of `device`, or all) to the sink again. A transient
   * sink error (down, 5xx) is thrown as a ReplaySinkError and nothing is deleted.
   */
  replay(opts: { device?: string; limit: number }, asked: AskedBy): Promise<ReplayOutcome> {
    return this.oneAtATime(() => this.run(opts, asked));
  }

  /**
   * Deletes dead letters for good: the ones of `ids`, or the `limit` oldest of `device`; clears
   * the `points-refused` alert of a device with none left, giving `reason`.
   */
  discard(opts: { ids: readonly number[] } | { device: string; limit: number }, reason: string, asked: AskedBy): Promise<DiscardOutcome> {
    return this.oneAtATime(async () => {
      const { deadLetters } = this.deps;
      const notFound: number[] = [];
      let letters: DeadLetter[];
      if ('ids' in opts) {
        letters = [];
        for (const id of new Set(opts.ids)) {
          const d = await deadLetters.get(id);
          if (d === undefined) notFound.push(id);
          else letters.push(d);
        }
      } else letters = await deadLetters.oldest(opts.limit, opts.device);
      const points: DiscardedPoint[] = [];
      const emptied = await this.removeAudited(letters, asked, 'dead-letters.discard', (removed, emptied) => {
        letters.forEach((d, i) => {
          if (removed[i]) points.push(named(d));
          else notFound.push(d.id); // gone meanwhile: another node's replay or discard
        });
        return { reason, discarded: points.length, points, cleared: emptied };
      });
      const cleared = await this.clearAlerts(emptied, `the refused points were discarded: ${reason}`);
      notFound.sort((a, b) => a - b);
      return { discarded: points.length, points, notFound, cleared, more: 'device' in opts && letters.length === opts.limit };
    });
  }

  /** Runs a replay or a discard; throws ReplayRunningError while another runs in this process. */
  private async oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    if (this.running) throw new ReplayRunningError();
    this.running = true;
    try {
      return await work();
    } finally {
      this.running = false;
    }
  }

  /**
   * Deletes `letters` and appends the audit record `action` in one transaction; `details` is
   * given which letters were deleted here (false: gone meanwhile) and the devices of `letters`
   * with none left. Returns those devices.
   */
  private async removeAudited(
    letters: readonly DeadLetter[],
    asked: AskedBy,
    action: string,
    details: (removed: readonly boolean[], emptied: string[]) => Record<string, unknown>,
  ): Promise<string[]> {
    const { db, audit, now } = this.deps;
    const devices = [...new Set(letters.flatMap((d) => (d.device === null ? [] : [d.device])))];
    return await db.serially((tx) => {
      const store = new DeadLetters(tx);
      return after(settleAll(letters.map((d) => store.remove(d.id))), (removed) =>
        after(settleAll(devices.map((d) => store.anyOf(d))), (left) => {
          const emptied = devices.filter((_, i) => !left[i]);
          return after(audit.appendWithin(tx, asked.actor, action, asked.target, details(removed, emptied), now()), () => emptied);
        }),
      );
    });
  }

  /** Clears the `points-refused` alert of each of `devices` (none of their points left), giving `why`. */
  private async clearAlerts(devices: readonly string[], why: string): Promise<string[]> {
    const { alerts, now } = this.deps;
    for (const d of devices) await alerts.clear(d, 'points-refused', '', why, now());
    return [...devices];
  }

  private async run({ device, limit }: { device?: string; limit: number }, asked: AskedBy): Promise<ReplayOutcome> {
    const { deadLetters, sink } = this.deps;
    const letters = await deadLetters.oldest(limit, device);
    const stillRefused: ReplayOutcome['stillRefused'] = [];
    // Letters by line: the same line is sent once (kept once per sink, but possibly under two sinks).
    const byLine = new Map<string, DeadLetter[]>();
    for (const d of letters) {
      const line = lineOf(d.point);
      if (typeof line !== 'string') {
        stillRefused.push({ id: d.id, device: d.device, reason: line.error });
        continue;
      }
      const same = byLine.get(line);
      if (same) same.push(d);
      else byLine.set(line, [d]);
    }
    const refused = new Map<string, string>();
    if (byLine.size > 0) {
      const lines = [...byLine.keys()];
      try {
        await writeIsolating(sink, lines.join('\n'), lines.length, (_point, line, reason) => {
          refused.set(line, reason);
        });
      } catch (e) {
        throw new ReplaySinkError(e as Error);
      }
    }
    const written: DeadLetter[] = [];
    for (const [line, ds] of byLine) {
      const reason = refused.get(line);
      for (const d of ds) {
        if (reason === undefined) written.push(d);
        else stillRefused.push({ id: d.id, device: d.device, reason });
      }
    }
    stillRefused.sort((a, b) => a.id - b.id);
    let replayed = 0;
    const emptied = await this.removeAudited(written, asked, 'dead-letters.replay', (removed, emptied) => {
      replayed = removed.filter(Boolean).length;
      return { replayed, stillRefused: stillRefused.length, cleared: emptied };
    });
    const cleared = await this.clearAlerts(emptied, 'the refused points were written to the time-series database (dead letters replayed)');
    return { replayed, stillRefused, cleared, more: letters.length === limit };
  }
}

/** A discarded dead letter named by what identifies its point: from the point kept, or read back from its line. */
function named(d: DeadLetter): DiscardedPoint {
  const line = keptLine(d.point);
  let point = (d.point ?? {}) as Partial<Point>;
  if (line !== undefined) {
    try {
      point = parseLine(line);
    } catch {
      point = {};
    }
  }
  const seq = point.fields?.seq;
  return {
    id: d.id,
    device: d.device,
    reason: d.reason,
    measurement: typeof point.measurement === 'string' ? point.measurement : null,
    seq: typeof seq === 'number' ? seq : null,
    ts: typeof point.ts === 'number' && Number.isFinite(point.ts) ? new Date(point.ts).toISOString() : null,
  };
}

/** The line protocol of a kept point: as refused (`{line}`), or rendered again from the point read back. */
function lineOf(point: unknown): string | { error: string } {
  const line = keptLine(point);
  if (line !== undefined) return line;
  try {
    return pointToLine(point as Point);
  } catch (e) {
    return { error: `cannot be written as line protocol: ${(e as Error).message}` };
  }
}

/** The line of a dead letter kept only as the line the sink refused (`{line}`, no point read back from it). */
function keptLine(point: unknown): string | undefined {
  if (point === null || typeof point !== 'object' || 'measurement' in point) return undefined;
  const line = (point as { line?: unknown }).line;
  return typeof line === 'string' ? line : undefined;
}
