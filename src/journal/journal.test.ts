// The journal on its own (SQLite on disk, both writers): what is acknowledged is on disk, read
// back in order once, released; rows of many appends; a reopened journal finds its backlog.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from './journal.ts';
import type { Point } from '../sinks/sink.ts';

const point = (seq: number): Point => ({ measurement: 'reading', tags: { tenant: 't', device: 'd1' }, fields: { value: seq / 10, seq }, ts: 1_790_000_000_000 + seq });

describe.each(['inline', 'thread'] as const)('journal, writer %s', (writer) => {
  const dirs: string[] = [];
  const open = (dir: string) => new Journal({ dir, sync: 'full', maxBytes: 10 * 1024 ** 2, commitMs: 2, writer });
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('acknowledges after the commit, reads every point back once in order, and keeps the backlog across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-journal-unit-'));
    dirs.push(dir);
    const j = open(dir);
    // 1,200 appends of one point and 3 of 300: several rows, one of them over the row size
    const acks: Promise<void>[] = [];
    for (let i = 1; i <= 1200; i++) acks.push(j.append([point(i)], Date.now()));
    for (let k = 0; k < 3; k++) acks.push(j.append(Array.from({ length: 300 }, (_, i) => point(1201 + k * 300 + i)), Date.now()));
    await Promise.all(acks);
    expect(j.backlogPoints).toBe(2100);

    const first = j.read(0, 1000);
    const seqs = first.flatMap((e) => e.points.map((p) => p.fields.seq));
    expect(seqs.length).toBeGreaterThanOrEqual(1); // at least one row, at most 1,000 points unless one row is bigger
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    j.release(first[first.length - 1].id);
    expect(j.backlogPoints).toBe(2100 - seqs.length);
    j.close();

    const again = open(dir);
    expect(again.backlogPoints).toBe(2100 - seqs.length);
    const rest = again.read(0, 100_000).flatMap((e) => e.points.map((p) => p.fields.seq));
    expect(rest).toEqual(Array.from({ length: 2100 - seqs.length }, (_, i) => seqs.length + i + 1));
    await again.append([point(5000)], Date.now());
    const all = again.read(0, 100_000);
    again.release(all[all.length - 1].id);
    expect(again.backlogPoints).toBe(0);
    expect(again.backlogBytes).toBe(0);
    again.close();
  });

  it('commit() is synchronous: after it, everything appended is durable and counted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-journal-unit-'));
    dirs.push(dir);
    const j = open(dir);
    for (let i = 1; i <= 50; i++) void j.append([point(i)], Date.now());
    j.commit();
    expect(j.backlogPoints).toBe(50);
    j.close();
    const again = open(dir);
    expect(again.backlogPoints).toBe(50);
    again.close();
  });
});
