// The cap on dead letters on a real state database: below it a refused line may be kept, at it a
// new one is refused (a line kept already passes: its batch sent again), room made by a discard
// or another process is seen at the next refusal, and below the cap the count is taken again
// once a minute (other cluster nodes keep dead letters too).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb, type Db } from '../store/db.ts';
import { DeadLetters } from '../store/dead-letters.ts';
import { DeadLetterCap, DeadLettersFullError } from './dead-letter-cap.ts';

const AT = new Date(1_790_000_000_000);
const line = (seq: number) => `reading,device=d1,tenant=acme status=${seq} ${1_790_000_000_000 + seq}`;

describe('DeadLetterCap', () => {
  let dir: string;
  let db: Db;
  let store: DeadLetters<Db>;
  let clock: number;

  /** As the gateway keeps a refused line: admitted first, then added, counted when kept now. */
  const keep = async (cap: DeadLetterCap, seq: number, sink = 'influxdb-v1') => {
    if (!(await cap.admit(sink, line(seq)))) return 'kept already';
    if (store.add({ at: AT, sink, reason: 'field type conflict', device: 'd1', point: { line: line(seq) }, line: line(seq) })) cap.kept();
    return 'kept';
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mag-dl-cap-'));
    db = openStateDb(dir);
    store = new DeadLetters(db);
    clock = 0;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps up to the cap, refuses a new line at it, lets a line kept already pass, and sees room made by a discard', async () => {
    const cap = new DeadLetterCap(store, 2, () => clock);
    expect(await keep(cap, 1)).toBe('kept');
    expect(await keep(cap, 2)).toBe('kept');
    await expect(keep(cap, 3)).rejects.toThrow(DeadLettersFullError);
    await expect(keep(cap, 3)).rejects.toThrow('the dead-letter store is full (kept: 2, MAG_DEAD_LETTERS_MAX: 2)');
    expect(await keep(cap, 2)).toBe('kept already'); // its batch sent again after the failed write
    await expect(keep(cap, 2, 'influxdb-v2')).rejects.toThrow(DeadLettersFullError); // kept per sink: new to this one
    expect(store.count()).toBe(2);
    store.remove(store.oldest(1)[0].id); // discarded
    expect(await keep(cap, 3)).toBe('kept');
    await expect(keep(cap, 4)).rejects.toThrow(DeadLettersFullError);
    expect(store.oldest(10).map((d) => (d.point as { line: string }).line)).toEqual([line(2), line(3)]);
  });

  it("counts again once a minute below the cap: another process's dead letters count", async () => {
    const cap = new DeadLetterCap(store, 3, () => clock);
    expect(await keep(cap, 1)).toBe('kept'); // counted: 0, then 1 kept here
    const other = new DeadLetters(db); // another node on the same database
    other.add({ at: AT, sink: 'influxdb-v1', reason: 'x', point: {}, line: line(10) });
    other.add({ at: AT, sink: 'influxdb-v1', reason: 'x', point: {}, line: line(11) });
    expect(await keep(cap, 2)).toBe('kept'); // not counted again yet: 2 known, 4 in the store
    clock += 61_000;
    await expect(keep(cap, 3)).rejects.toThrow('(kept: 4, MAG_DEAD_LETTERS_MAX: 3)');
  });
});
