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
import type { AlertBook } from '../alerts/alert-book.ts';
import { pointToLine } from '../sinks/line-protocol.ts';
import { parseLine } from '../sinks/line-protocol-parse.ts';
import type { Point, Sink } from '../sinks/sink.ts';
import { writeIsolating } from '../sinks/write-isolating.ts';
import type { DeadLetter, DeadLetters } from '../store/dead-letters.ts';
import type { StateExecutor } from '../store/executor.ts';

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
  deadLetters: DeadLetters<StateExecutor>;
  sink: Sink;
  alerts: Pick<AlertBook<StateExecutor>, 'clear'>;
  now: () => Date;
}

export class DeadLetterReplay {
  private running = false;

  constructor(private readonly deps: DeadLetterReplayDeps) {}

  /**
   * Sends the `limit` oldest dead letters (of `device`, or all) to the sink again. A transient
   * sink error (down, 5xx) is thrown as a ReplaySinkError and nothing is deleted.
   */
  replay(opts: { device?: string; limit: number }): Promise<ReplayOutcome> {
    return this.oneAtATime(() => this.run(opts));
  }

  /**
   * Deletes dead letters for good: the ones of `ids`, or the `limit` oldest of `device`; clears
   * the `points-refused` alert of a device with none left, giving `reason`.
   */
  discard(opts: { ids: readonly number[] } | { device: string; limit: number }, reason: string): Promise<DiscardOutcome> {
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
      const touched = new Set<string>();
      for (const d of letters) {
        if (await deadLetters.remove(d.id)) points.push(named(d));
        else notFound.push(d.id); // gone meanwhile: another node's replay or discard
        if (d.device !== null) touched.add(d.device);
      }
      const cleared = await this.clearEmptied(touched, `the refused points were discarded: ${reason}`);
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

  /** Clears the `points-refused` alert of each of `devices` with no dead letter left, giving `why`; the devices cleared. */
  private async clearEmptied(devices: Iterable<string>, why: string): Promise<string[]> {
    const { deadLetters, alerts, now } = this.deps;
    const cleared: string[] = [];
    for (const d of devices) {
      if (await deadLetters.anyOf(d)) continue;
      await alerts.clear(d, 'points-refused', '', why, now());
      cleared.push(d);
    }
    return cleared;
  }

  private async run({ device, limit }: { device?: string; limit: number }): Promise<ReplayOutcome> {
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
    let replayed = 0;
    const written = new Set<string>();
    for (const [line, ds] of byLine) {
      const reason = refused.get(line);
      for (const d of ds) {
        if (reason !== undefined) {
          stillRefused.push({ id: d.id, device: d.device, reason });
          continue;
        }
        if (await deadLetters.remove(d.id)) replayed++;
        if (d.device !== null) written.add(d.device);
      }
    }
    const cleared = await this.clearEmptied(written, 'the refused points were written to the time-series database (dead letters replayed)');
    stillRefused.sort((a, b) => a.id - b.id);
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
