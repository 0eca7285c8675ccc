// The forwarder on its own: a real journal on disk, and a sink that answers when the test says
// so, to show what the integration tests cannot order at will: several writes in flight, entries
// released strictly in journal order, a failed write sending everything after the last delivered
// entry again, and a refused line isolated and dead-lettered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from './journal.ts';
import { Forwarder } from './forwarder.ts';
import {
  SinkRejectedError,
  type Point,
  type ReadingQuery,
  type Sink,
  type StoredReading,
  type StoredTransaction,
  type TransactionQuery,
} from '../sinks/sink.ts';
import { createLogger } from '../log.ts';

interface Call {
  lines: string;
  count: number;
  answer(error?: Error): void;
}

/** A sink whose every write waits until the test answers it. */
class HeldSink implements Sink {
  readonly kind = 'held';
  calls: Call[] = [];
  private waiters: (() => void)[] = [];
  async init(): Promise<void> {}
  async write(points: Point[]): Promise<void> {
    void points;
    throw new Error('not used: the forwarder sends lines');
  }
  writeLines(lines: string, count: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.calls.push({ lines, count, answer: (e) => (e ? reject(e) : resolve()) });
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async ping(): Promise<boolean> {
    return true;
  }
  async queryReadings(q: ReadingQuery): Promise<StoredReading[]> {
    void q;
    return [];
  }
  async queryTransactions(q: TransactionQuery): Promise<StoredTransaction[]> {
    void q;
    return [];
  }
  async close(): Promise<void> {}
  /** Waits until `n` writes have been made in all. */
  async writes(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }
}

const line = (seq: number) => `reading,device=d1 seq=${seq}i,value=${seq / 10} ${1_790_000_000_000 + seq}`;
const seqs = (c: Call) => c.lines.split('\n').map((l) => Number(/seq=(\d+)i/.exec(l)![1]));
const tick = () => new Promise((r) => setTimeout(r, 10));
/** Readings `from`…`to`, one point each, in one journal commit. */
const commitSeqs = (journal: Journal, from: number, to: number) => {
  for (let i = from; i <= to; i++) journal.appendLines(line(i), 1, Date.now(), () => undefined);
  journal.commit();
};

describe('forwarder', () => {
  const dirs: string[] = [];
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-forwarder-unit-'));
    dirs.push(dir);
    return new Journal({ dir, sync: 'normal', maxBytes: 10 * 1024 ** 2, commitMs: 2 });
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const log = createLogger('error');

  it('keeps two writes in flight and releases entries in journal order, whichever answers first', async () => {
    const journal = open();
    for (let i = 1; i <= 30; i++) journal.appendLines(line(i), 1, Date.now(), () => undefined);
    journal.commit(); // one row of 30 points
    for (let i = 31; i <= 60; i++) journal.appendLines(line(i), 1, Date.now(), () => undefined);
    journal.commit(); // a second row
    const sink = new HeldSink();
    const fw = new Forwarder(journal, sink, { add: () => undefined }, log, { batch: 30, retryMaxMs: 1000, concurrency: 2, flushMs: 0 });
    fw.start();
    await sink.writes(2);
    expect(sink.calls.map(seqs)).toEqual([Array.from({ length: 30 }, (_, i) => i + 1), Array.from({ length: 30 }, (_, i) => i + 31)]);
    sink.calls[1].answer(); // the later write first: nothing may be released before the earlier one
    await tick();
    expect(journal.backlogPoints).toBe(60);
    expect(fw.totals.deliveredPoints).toBe(0);
    sink.calls[0].answer();
    await tick();
    expect(journal.backlogPoints).toBe(0);
    expect(fw.totals.deliveredPoints).toBe(60);
    await fw.stop();
    journal.close();
  });

  it('holds a small partial batch for the flush interval, but writes one of EAGER_PARTIAL of a batch at once', { timeout: 5_000 }, async () => {
    const journal = open();
    const commit = (from: number, to: number) => commitSeqs(journal, from, to);
    const sink = new HeldSink();
    const fw = new Forwarder(journal, sink, { add: () => undefined }, log, { batch: 100, retryMaxMs: 1000, concurrency: 2, flushMs: 60_000 });
    fw.start();
    commit(1, 5);
    await sink.writes(1); // the first write is not held: nothing was written within the interval
    sink.calls[0].answer();
    await tick();
    commit(6, 10);
    commit(11, 25); // 20 points waiting, below 30 (EAGER_PARTIAL of 100): held
    for (let i = 0; i < 3; i++) await tick();
    expect(sink.calls).toHaveLength(1);
    commit(26, 40); // 35 waiting: written without waiting out the minute
    await sink.writes(2);
    expect(seqs(sink.calls[1])).toEqual(Array.from({ length: 35 }, (_, i) => i + 6));
    sink.calls[1].answer();
    await tick();
    expect(journal.backlogPoints).toBe(0);
    await fw.stop();
    journal.close();
  });

  it('writes a partial batch of EAGER_PARTIAL of a batch beside a write in flight', { timeout: 5_000 }, async () => {
    const journal = open();
    const commit = (from: number, to: number) => commitSeqs(journal, from, to);
    commit(1, 100); // a full batch
    commit(101, 135); // the rest of a burst: 35 points
    const sink = new HeldSink();
    const fw = new Forwarder(journal, sink, { add: () => undefined }, log, { batch: 100, retryMaxMs: 1000, concurrency: 2, flushMs: 0 });
    fw.start();
    await sink.writes(2); // the 35 went out while the 100 were still in flight
    expect(sink.calls.map((c) => c.count)).toEqual([100, 35]);
    sink.calls[1].answer();
    sink.calls[0].answer();
    await tick();
    expect(journal.backlogPoints).toBe(0);
    await fw.stop();
    journal.close();
  });

  it('after a failed write sends everything after the last delivered entry again, then delivers it once', async () => {
    const journal = open();
    for (const from of [1, 11, 21]) {
      for (let i = from; i < from + 10; i++) journal.appendLines(line(i), 1, Date.now(), () => undefined);
      journal.commit();
    }
    const sink = new HeldSink();
    const fw = new Forwarder(journal, sink, { add: () => undefined }, log, { batch: 10, retryMaxMs: 20, retryMinMs: 10, concurrency: 2, flushMs: 0 });
    fw.start();
    await sink.writes(2);
    sink.calls[0].answer(); // 1–10 delivered
    await sink.writes(3); // 21–30 goes out beside 11–20
    sink.calls[1].answer(new Error('HTTP 503'));
    sink.calls[2].answer(); // succeeded, but after the failed one: sent again
    await sink.writes(4);
    expect(journal.backlogPoints).toBe(20);
    expect(fw.sinkHealthy).toBe(false);
    expect(seqs(sink.calls[3])[0]).toBe(11);
    sink.calls[3].answer();
    await sink.writes(5);
    expect(seqs(sink.calls[4])[0]).toBe(21);
    sink.calls[4].answer();
    await tick();
    expect(journal.backlogPoints).toBe(0);
    expect(fw.totals.failedWrites).toBe(1);
    expect(fw.sinkHealthy).toBe(true);
    await fw.stop();
    journal.close();
  });

  it('isolates a refused line, dead-letters it read back as a point, and delivers the rest', async () => {
    const journal = open();
    for (let i = 1; i <= 8; i++) journal.appendLines(line(i), 1, Date.now(), () => undefined);
    journal.commit();
    const refuse = (c: Call) => (seqs(c).includes(5) ? c.answer(new SinkRejectedError('field type conflict')) : c.answer());
    const sink = new HeldSink();
    const dead: { point: Point | undefined; line: string; reason: string }[] = [];
    const fw = new Forwarder(journal, sink, { add: (_k, reason, point, l) => void dead.push({ point, line: l, reason }) }, log, {
      batch: 100,
      retryMaxMs: 1000,
      concurrency: 2,
      flushMs: 0,
    });
    fw.start();
    for (let answered = 0; journal.backlogPoints > 0; ) {
      await Promise.race([sink.writes(answered + 1), tick()]);
      while (answered < sink.calls.length) refuse(sink.calls[answered++]);
      await tick();
    }
    expect(dead).toHaveLength(1);
    expect(dead[0].line).toBe(line(5));
    expect(dead[0].point?.fields.seq).toBe(5);
    expect(dead[0].reason).toMatch(/field type conflict/);
    const delivered = sink.calls.filter((c) => !seqs(c).includes(5)).flatMap(seqs);
    expect(new Set(delivered)).toEqual(new Set([1, 2, 3, 4, 6, 7, 8]));
    await fw.stop();
    journal.close();
  });

  it('releases a refused line only once it is kept: a dead-letter store that fails (its database restarting) holds the batch, sent again', async () => {
    const journal = open();
    for (let i = 1; i <= 4; i++) journal.appendLines(line(i), 1, Date.now(), () => undefined);
    journal.commit();
    const sink = new HeldSink();
    const kept: string[] = [];
    let down = true;
    const store = {
      add: async (_k: string, _reason: string, _p: Point | undefined, l: string) => {
        await tick();
        if (down) throw new Error('connection terminated');
        kept.push(l);
      },
    };
    const fw = new Forwarder(journal, sink, store, log, { batch: 100, retryMinMs: 20, retryMaxMs: 20, concurrency: 1, flushMs: 0 });
    fw.start();
    const refuse = (c: Call) => (seqs(c).includes(3) ? c.answer(new SinkRejectedError('field type conflict')) : c.answer());
    let answered = 0;
    const answerAll = async () => {
      await Promise.race([sink.writes(answered + 1), tick()]);
      while (answered < sink.calls.length) refuse(sink.calls[answered++]);
      await tick();
    };
    for (let i = 0; i < 200 && fw.totals.failedWrites === 0; i++) await answerAll();
    expect(fw.totals.failedWrites, 'the write whose refused line could not be kept failed').toBeGreaterThan(0);
    // the line could not be kept: nothing released, every point still journaled
    expect(journal.backlogPoints).toBe(4);
    expect(fw.totals.deadLetters).toBe(0);
    down = false;
    while (journal.backlogPoints > 0) await answerAll();
    expect(kept).toEqual([line(3)]);
    expect(fw.totals.deadLetters).toBe(1);
    await fw.stop();
    journal.close();
  });
});
