// writeIsolating on the embedded store (a real sink that refuses a line it cannot keep): the
// refused line goes to `refused`, the rest is written, and the write is done only once the refused
// line is kept; a keep that fails fails the write (the forwarder and the cluster's partition worker
// then send the batch again instead of releasing a point nobody kept).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedSink } from './embedded.ts';
import { writeIsolating } from './write-isolating.ts';

const T0 = 1_790_000_000_000;
const reading = (seq: number) => `reading,device=d1,quantity=pressure,tenant=t,type=barometer raw=1013.2,seq=${seq}i,status="ok",value=1013.2 ${T0 + seq}`;
/** A measurement the store does not keep: refused as the data itself, whatever the retry. */
const poison = `bogus,device=d1 value=1 ${T0 + 4}`;
const batch = [reading(1), reading(2), reading(3), poison, reading(5), reading(6)];

describe('writeIsolating', () => {
  const dirs: string[] = [];
  const sink = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-isolating-'));
    dirs.push(dir);
    return new EmbeddedSink(join(dir, 'points.db'));
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes the good lines, hands the refused one over, and is done only once it is kept', async () => {
    const s = sink();
    const events: string[] = [];
    await writeIsolating(s, batch.join('\n'), batch.length, async (point, line, reason) => {
      events.push(`refused ${point?.measurement} ${reason.includes('unknown measurement')}`);
      expect(line).toBe(poison);
      await new Promise((r) => setTimeout(r, 20));
      events.push('kept');
    });
    events.push('written');
    expect(events).toEqual(['refused bogus true', 'kept', 'written']);
    const stored = await s.queryReadings({ device: 'd1', limit: 10 });
    expect(stored.map((r) => r.seq).sort()).toEqual([1, 2, 3, 5, 6]);
    await s.close();
  });

  it('fails when the refused line cannot be kept, with the keeper’s error', async () => {
    const s = sink();
    await expect(
      writeIsolating(s, batch.join('\n'), batch.length, async () => {
        throw new Error('connection terminated');
      }),
    ).rejects.toThrow('connection terminated');
    await s.close();
  });
});
