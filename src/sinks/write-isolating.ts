// A write of line protocol that the sink may refuse in part: when it refuses the batch
// (SinkRejectedError: the data itself is wrong, retrying cannot help), the batch is split in
// halves until the refused lines are found; each goes to `refused` and the rest is written.
// Any other error is transient and thrown for the caller to retry the whole write.
import { SinkRejectedError, type Point, type Sink } from './sink.ts';
import { parseLine, splitLines } from './line-protocol-parse.ts';

/**
 * A line the sink refused: `point` is the line read back (undefined if it cannot be parsed). What
 * it returns is waited for: the batch counts as written only once every refused line is kept (a
 * failure fails the write, which is tried again, so a refused point is never dropped unkept).
 */
export type RefusedLine = (point: Point | undefined, line: string, reason: string) => void | Promise<void>;

export async function writeIsolating(sink: Sink, lines: string, count: number, refused: RefusedLine): Promise<void> {
  try {
    await sink.writeLines(lines, count);
  } catch (e) {
    if (!(e instanceof SinkRejectedError)) throw e;
    await isolate(sink, splitLines(lines), e, refused);
  }
}

async function isolate(sink: Sink, lines: string[], refusal: SinkRejectedError, refused: RefusedLine): Promise<void> {
  if (lines.length === 1) {
    let point: Point | undefined;
    try {
      point = parseLine(lines[0]);
    } catch {
      point = undefined;
    }
    await refused(point, lines[0], refusal.message);
    return;
  }
  const mid = Math.ceil(lines.length / 2);
  for (const half of [lines.slice(0, mid), lines.slice(mid)]) {
    try {
      await sink.writeLines(half.join('\n'), half.length);
    } catch (e) {
      if (!(e instanceof SinkRejectedError)) throw e;
      await isolate(sink, half, e, refused);
    }
  }
}
