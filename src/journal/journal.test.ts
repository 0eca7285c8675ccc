// The journal on its own (SQLite on disk): what is acknowledged is on disk, read
// back in order once, released; rows of many appends; a reopened journal finds its backlog.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Journal, JournalFullError } from './journal.ts';
import { SinkRejectedError } from '../sinks/sink.ts';
import type { Point } from '../sinks/sink.ts';

const point = (seq: number): Point => ({
  measurement: 'reading',
  tags: { tenant: 't', device: 'd1' },
  fields: { value: seq / 10, seq },
  ts: 1_790_000_000_000 + seq,
});

describe('journal', () => {
  const dirs: string[] = [];
  const open = (dir: string) => new Journal({ dir, sync: 'full', maxBytes: 10 * 1024 ** 2, commitMs: 2 });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-journal-unit-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('acknowledges after the commit, reads every point back once in order, and keeps the backlog across a reopen', async () => {
    const dir = tempDir();
    const j = open(dir);
    // 1,200 appends of one point and 3 of 300: several rows, one of them over the row size
    const acks: Promise<void>[] = [];
    for (let i = 1; i <= 1200; i++) acks.push(j.append([point(i)], Date.now()));
    for (let k = 0; k < 3; k++)
      acks.push(
        j.append(
          Array.from({ length: 300 }, (_, i) => point(1201 + k * 300 + i)),
          Date.now(),
        ),
      );
    await Promise.all(acks);
    expect(j.backlogPoints).toBe(2100);

    const first = j.read(0, 1000);
    const seqs = Journal.pointsOf(first).map((p) => p.fields.seq);
    expect(seqs.length).toBeGreaterThanOrEqual(1); // at least one row, at most 1,000 points unless one row is bigger
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    j.release(first[first.length - 1].id);
    expect(j.backlogPoints).toBe(2100 - seqs.length);
    j.close();

    const again = open(dir);
    expect(again.backlogPoints).toBe(2100 - seqs.length);
    const rest = Journal.pointsOf(again.read(0, 100_000)).map((p) => p.fields.seq);
    expect(rest).toEqual(Array.from({ length: 2100 - seqs.length }, (_, i) => seqs.length + i + 1));
    await again.append([point(5000)], Date.now());
    const all = again.read(0, 100_000);
    again.release(all[all.length - 1].id);
    expect(again.backlogPoints).toBe(0);
    expect(again.backlogBytes).toBe(0);
    again.close();
  });

  it('commit() is synchronous: after it, everything appended is durable and counted', () => {
    const dir = tempDir();
    const j = open(dir);
    for (let i = 1; i <= 50; i++) void j.append([point(i)], Date.now());
    j.commit();
    expect(j.backlogPoints).toBe(50);
    j.close();
    const again = open(dir);
    expect(again.backlogPoints).toBe(50);
    again.close();
  });

  it('holds the points as the line protocol the sink is sent, and refuses a point line protocol cannot carry at append', async () => {
    const dir = tempDir();
    const j = open(dir);
    await j.append([point(1), { ...point(2), tags: { tenant: 't', device: 'd 1,x' }, fields: { value: 0.5, seq: 2, status: 'ok' } }], Date.now());
    const rows = j.read(0, 10);
    expect(rows.map((r) => r.lines).join('\n')).toBe(
      'reading,device=d1,tenant=t seq=1i,value=0.1 1790000000001\n' + 'reading,device=d\\ 1\\,x,tenant=t seq=2i,status="ok",value=0.5 1790000000002',
    );
    await expect(j.append([{ ...point(3), fields: { value: Number.NaN } }], Date.now())).rejects.toBeInstanceOf(SinkRejectedError);
    await expect(j.append([{ ...point(3), tags: { device: 'ends\\' } }], Date.now())).rejects.toBeInstanceOf(SinkRejectedError);
    expect(j.backlogPoints).toBe(2); // nothing of the refused appends was kept
    j.close();
  });

  it('refuses appends beyond MAG_JOURNAL_MAX_BYTES, synchronously, without keeping any of them', () => {
    const dir = tempDir();
    const j = new Journal({ dir, sync: 'full', maxBytes: 200, commitMs: 2, slowAt: 1 }); // no held acknowledgements near the cap here
    const line = 'reading,device=d1 value=1 1790000000000'; // 39 bytes
    const answers: (Error | null)[] = [];
    for (let i = 0; i < 6; i++) j.appendLines(line, 1, Date.now(), (e) => answers.push(e));
    expect(answers).toHaveLength(1); // the sixth is refused at once; the first five wait for their commit
    expect(answers[0]).toBeInstanceOf(JournalFullError);
    j.commit();
    expect(answers.slice(1)).toEqual([null, null, null, null, null]);
    expect(j.backlogPoints).toBe(5);
    j.close();
  });

  it('waits for the disk only for commits holding a durable append (QoS 0 readings are not); a durable commit syncs what came before it', async () => {
    const dir = tempDir();
    const j = open(dir);
    const appendNotDurable = (seq: number) =>
      new Promise<void>((resolve, reject) =>
        j.appendLines(`reading,device=d1 seq=${seq}i 1790000000${seq}`, 1, Date.now(), (e) => (e ? reject(e) : resolve()), false),
      );
    await Promise.all([appendNotDurable(100), appendNotDurable(101)]);
    expect(j.totals).toMatchObject({ commits: 1, syncedCommits: 0, walSyncs: 0 });
    // SQLite itself never waits for the disk: the journal syncs its write-ahead log after a durable commit
    expect(j.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    // one durable append among non-durable ones: the whole commit is synced before any of it is called back
    await Promise.all([appendNotDurable(102), j.append([point(103)], Date.now()), appendNotDurable(104)]);
    expect(j.totals).toMatchObject({ commits: 2, syncedCommits: 1, walSyncs: 1 });
    await appendNotDurable(105);
    expect(j.totals).toMatchObject({ commits: 3, syncedCommits: 1, walSyncs: 1 });
    expect(j.backlogPoints).toBe(6);
    j.close();
  });
});

describe('journal, durable appends', () => {
  const line = (seq: number) => `reading,device=d1 seq=${seq}i 1790000000${seq}`;

  it('are called back once the write-ahead log holding their commit is synced, not when it is written; commit() syncs at once what still waits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-journal-unit-'));
    const j = new Journal({ dir, sync: 'full', maxBytes: 10 * 1024 ** 2, commitMs: 2 });
    try {
      const answered: string[] = [];
      const atFirstCommit: { answered: number; walSyncs: number; backlog: number }[] = [];
      let second: (() => void) | undefined;
      const secondAnswered = new Promise<void>((resolve) => (second = resolve));
      j.onCommit(() => {
        if (atFirstCommit.length > 0) return;
        // the group commit has written A and counts it (the forwarder may read it) …
        atFirstCommit.push({ answered: answered.length, walSyncs: j.totals.walSyncs, backlog: j.backlogPoints });
        // … and once the commit's callback is over, A's sync is in flight: B, and commit() here
        process.nextTick(() => {
          j.appendLines(line(2), 1, Date.now(), (e) => {
            answered.push(e ? `B ${e.message}` : 'B');
            second?.();
          });
          j.commit();
          answered.push('after commit()');
        });
      });
      j.appendLines(line(1), 1, Date.now(), (e) => answered.push(e ? `A ${e.message}` : 'A'));
      await secondAnswered;
      expect(atFirstCommit).toEqual([{ answered: 0, walSyncs: 0, backlog: 1 }]);
      // commit() answered A (its sync still in flight) and B before it returned
      expect(answered).toEqual(['A', 'B', 'after commit()']);
      // the sync in flight returns later and answers nothing twice
      await new Promise((r) => setTimeout(r, 100));
      expect(answered).toEqual(['A', 'B', 'after commit()']);
      expect(j.totals).toMatchObject({ commits: 2, syncedCommits: 2, walSyncs: 2 });
    } finally {
      j.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('journal, not durable appends', () => {
  it('survive a crash of the process once committed (SIGKILL right after the commit called back)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-journal-crash-'));
    try {
      const out = execFileSync(process.execPath, ['bin/run.mjs', 'test/support/journal-crash-child.ts', dir, '3000'], { encoding: 'utf8' }).trim();
      expect(out).toMatch(/^committed 3000 synced 0 commits \d+$/);
    } catch (e) {
      // the child kills itself: execFileSync throws with its output
      const err = e as { signal?: string; stdout?: string };
      expect(err.signal).toBe('SIGKILL');
      expect(err.stdout).toMatch(/^committed 3000 synced 0 commits \d+/);
    }
    const j = new Journal({ dir, sync: 'full', maxBytes: 64 * 1024 ** 2, commitMs: 2 });
    try {
      const seqs = Journal.pointsOf(j.read(0, 100_000)).map((p) => p.fields.seq);
      expect(seqs).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    } finally {
      j.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('journal written by an earlier version (JSON rows)', () => {
  it('is converted to line protocol at open, in order; a point line protocol cannot carry is handed out as unrenderable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-journal-unit-'));
    try {
      const old = new Database(join(dir, 'journal.db'));
      old.exec('CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, count INTEGER NOT NULL, points TEXT NOT NULL)');
      const ins = old.prepare('INSERT INTO entries (received_at, count, points) VALUES (?, ?, ?)');
      ins.run(1, 2, JSON.stringify([point(1), point(2)]));
      ins.run(2, 2, JSON.stringify([point(3), { ...point(4), tags: { device: 'bad\\' } }]));
      old.close();
      const j = new Journal({ dir, sync: 'full', maxBytes: 10 * 1024 ** 2, commitMs: 2 });
      expect(j.backlogPoints).toBe(3);
      expect(Journal.pointsOf(j.read(0, 100)).map((p) => p.fields.seq)).toEqual([1, 2, 3]);
      expect(j.unrenderable).toHaveLength(1);
      expect(j.unrenderable[0].point.fields.seq).toBe(4);
      expect(j.unrenderable[0].reason).toMatch(/backslash/);
      j.close();
      const again = new Journal({ dir, sync: 'full', maxBytes: 10 * 1024 ** 2, commitMs: 2 });
      expect(again.backlogPoints).toBe(3); // converted once
      expect(again.unrenderable).toHaveLength(0);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
