// Dead letters written again. A point the sink refused for good is kept as a dead letter (the
// forwarder, src/store/dead-letters.ts) and counted in its device's `points-refused` alert; once
// an engineer has removed the cause (a field type conflict: the conflicting data dropped, say),
// the admin replays them: each kept point is sent to the sink again, the ones it takes are
// deleted from the dead letters, the ones it still refuses stay with the sink's reason, and a
// device with none left has its `points-refused` alert cleared. Replaying is idempotent (InfluxDB
// keeps one point per series and time), so a replay interrupted, or run on two nodes at once,
// only writes a point twice.
import type { AlertBook } from '../alerts/alert-book.ts';
import { pointToLine } from '../sinks/line-protocol.ts';
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

/** A replay is running in this process: one at a time. */
export class ReplayRunningError extends Error {
  constructor() {
    super('a replay of the dead letters is running; try again when it has finished');
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
  async replay(opts: { device?: string; limit: number }): Promise<ReplayOutcome> {
    if (this.running) throw new ReplayRunningError();
    this.running = true;
    try {
      return await this.run(opts);
    } finally {
      this.running = false;
    }
  }

  private async run({ device, limit }: { device?: string; limit: number }): Promise<ReplayOutcome> {
    const { deadLetters, sink, alerts, now } = this.deps;
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
    const cleared: string[] = [];
    for (const d of written) {
      if (await deadLetters.anyOf(d)) continue;
      await alerts.clear(d, 'points-refused', '', 'the refused points were written to the time-series database (dead letters replayed)', now());
      cleared.push(d);
    }
    stillRefused.sort((a, b) => a.id - b.id);
    return { replayed, stillRefused, cleared, more: letters.length === limit };
  }
}

/** The line protocol of a kept point: as refused (`{line}`), or rendered again from the point read back. */
function lineOf(point: unknown): string | { error: string } {
  if (point !== null && typeof point === 'object' && typeof (point as { line?: unknown }).line === 'string' && !('measurement' in point)) {
    return (point as { line: string }).line;
  }
  try {
    return pointToLine(point as Point);
  } catch (e) {
    return { error: `cannot be written as line protocol: ${(e as Error).message}` };
  }
}
