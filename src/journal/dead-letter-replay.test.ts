// Dead letters replayed into a real sink (the embedded store) on a real state database: what the
// sink takes now is written and leaves the dead letters, what it still refuses stays with its
// reason, a device with nothing left kept has its points-refused alert cleared, and a sink that
// cannot be written to (not a refusal) replays nothing and deletes nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertBook } from '../alerts/alert-book.ts';
import { freePort } from '../../test/support/ports.ts';
import { createSink } from '../sinks/create-sink.ts';
import { EmbeddedSink } from '../sinks/embedded.ts';
import { parseLine } from '../sinks/line-protocol-parse.ts';
import { openStateDb, type Db } from '../store/db.ts';
import { AuditLog } from '../store/audit.ts';
import { DeadLetters } from '../store/dead-letters.ts';
import { DeadLetterReplay, ReplayRunningError, ReplaySinkError } from './dead-letter-replay.ts';

const T0 = 1_790_000_000_000;
const AT = new Date(T0 + 60_000);
const reading = (device: string, seq: number) =>
  `reading,device=${device},quantity=pressure,tenant=acme,type=barometer raw=1013.2,seq=${seq}i,status="ok",value=1013.2 ${T0 + seq}`;
/** A measurement the embedded store does not keep: refused again, whatever the replay. */
const poison = `bogus,device=d2,tenant=acme value=1 ${T0 + 9}`;
/** Who asks, as the API names an admin token for the audit log. */
const ASKED = { actor: 'admin:ops:t1', target: '*' };

describe('DeadLetterReplay', () => {
  let dir: string;
  let db: Db;
  let sink: EmbeddedSink;
  let deadLetters: DeadLetters<Db>;
  let alerts: AlertBook;
  let audit: AuditLog<Db>;
  let replay: DeadLetterReplay;

  /** Kept as the forwarder keeps a refused line: the point read back from it, and its alert raised. */
  const keep = (line: string, device: string) => {
    deadLetters.add({ at: AT, sink: 'influxdb-v1', reason: 'field type conflict', device, tenant: 'acme', point: parseLine(line), line });
    alerts.raise({ tenant: 'acme', device, kind: 'points-refused', severity: 'warning', summary: 'refused', details: {}, at: AT });
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mag-replay-'));
    db = openStateDb(dir);
    sink = new EmbeddedSink(join(dir, 'points.db'));
    deadLetters = new DeadLetters(db);
    alerts = new AlertBook(db);
    audit = new AuditLog(db);
    replay = new DeadLetterReplay({ db, deadLetters, audit, sink, alerts, now: () => AT });
  });
  afterEach(async () => {
    alerts.stop();
    await sink.close().catch(() => undefined);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes what the sink takes now, keeps what it still refuses, and clears the alert of a device with nothing left', async () => {
    keep(reading('d1', 1), 'd1');
    keep(reading('d1', 2), 'd1');
    keep(reading('d2', 3), 'd2');
    keep(poison, 'd2');

    const outcome = await replay.replay({ limit: 100 }, ASKED);
    expect(outcome).toEqual({
      replayed: 3,
      stillRefused: [{ id: expect.any(Number), device: 'd2', reason: expect.stringContaining('unknown measurement') }],
      cleared: ['d1'],
      more: false,
    });
    // the three readings are in the store; only the poison is still kept
    expect((await sink.queryReadings({ device: 'd1', limit: 10 })).map((r) => r.seq).sort()).toEqual([1, 2]);
    expect((await sink.queryReadings({ device: 'd2', limit: 10 })).map((r) => r.seq)).toEqual([3]);
    expect(deadLetters.list(10).map((d) => d.device)).toEqual(['d2']);
    expect(deadLetters.list(10)[0].id).toBe(outcome.stillRefused[0].id);
    // d1's alert resolved by the gateway; d2's still open (its poison is still refused)
    expect(alerts.list({ device: 'd1' })).toEqual([
      expect.objectContaining({ kind: 'points-refused', state: 'resolved', resolution: expect.objectContaining({ reason: 'cleared' }) }),
    ]);
    expect(alerts.list({ device: 'd2' })).toEqual([expect.objectContaining({ kind: 'points-refused', state: 'open' })]);
  });

  it("replays one device's, oldest first, `limit` at a time", async () => {
    for (let seq = 1; seq <= 5; seq++) keep(reading('d1', seq), 'd1');
    keep(reading('d3', 1), 'd3');
    expect(await replay.replay({ device: 'd1', limit: 3 }, ASKED)).toMatchObject({ replayed: 3, cleared: [], more: true });
    expect((await sink.queryReadings({ device: 'd1', limit: 10 })).map((r) => r.seq).sort()).toEqual([1, 2, 3]);
    expect(await replay.replay({ device: 'd1', limit: 3 }, ASKED)).toMatchObject({ replayed: 2, cleared: ['d1'], more: false });
    expect(deadLetters.list(10).map((d) => d.device)).toEqual(['d3']); // another device's untouched
  });

  it('replays nothing and deletes nothing when the sink cannot be written to; one replay at a time', async () => {
    keep(reading('d1', 1), 'd1');
    // an InfluxDB that is not there: the write fails (connection refused), which is no refusal of the data
    const down = createSink({ influxUrl: `http://127.0.0.1:${await freePort()}`, influxApi: 'v1', influxDb: 'mag', dataDir: dir, influxTimeoutMs: 2000 });
    await expect(new DeadLetterReplay({ db, deadLetters, audit, sink: down, alerts, now: () => AT }).replay({ limit: 100 }, ASKED)).rejects.toBeInstanceOf(
      ReplaySinkError,
    );
    expect(deadLetters.list(10)).toHaveLength(1);
    expect(alerts.list({ device: 'd1' })[0].state).toBe('open');
    await down.close();

    const first = replay.replay({ limit: 100 }, ASKED);
    await expect(replay.replay({ limit: 100 }, ASKED)).rejects.toBeInstanceOf(ReplayRunningError);
    expect(await first).toMatchObject({ replayed: 1 });
  });

  it('discards the dead letters asked for, names each for the audit, and clears the alert of a device with none left', async () => {
    keep(reading('d1', 1), 'd1');
    keep(reading('d1', 2), 'd1');
    keep(poison, 'd2');
    const [d1b, d1a] = deadLetters.list(10, 'd1'); // newest first
    const [d2] = deadLetters.list(10, 'd2');

    // one of d1's two, an id that is not kept, and one of them twice: d1's alert stays open
    const first = await replay.discard({ ids: [d1a.id, 999_999, d1a.id] }, 'sent with the wrong unit by firmware 2.1', ASKED);
    expect(first).toEqual({
      discarded: 1,
      points: [{ id: d1a.id, device: 'd1', reason: 'field type conflict', measurement: 'reading', seq: 1, ts: new Date(T0 + 1).toISOString() }],
      notFound: [999_999],
      cleared: [],
      more: false,
    });
    expect(deadLetters.list(10).map((d) => d.id)).toEqual([d2.id, d1b.id]);
    expect(alerts.list({ device: 'd1' })[0].state).toBe('open');

    // the rest of d1 by device: its alert cleared with the reason given; d2's untouched
    const second = await replay.discard({ device: 'd1', limit: 1 }, 'sent with the wrong unit by firmware 2.1', ASKED);
    expect(second).toMatchObject({ discarded: 1, points: [{ id: d1b.id, seq: 2 }], notFound: [], cleared: ['d1'], more: true });
    expect(await replay.discard({ device: 'd1', limit: 1 }, 'again', ASKED)).toMatchObject({ discarded: 0, cleared: [], more: false });
    const [d1Alert] = alerts.list({ device: 'd1' });
    expect(d1Alert).toMatchObject({ state: 'resolved', resolution: expect.objectContaining({ reason: 'cleared' }) });
    expect(JSON.stringify(d1Alert.resolution)).toContain('the refused points were discarded: sent with the wrong unit by firmware 2.1');
    expect(deadLetters.list(10).map((d) => d.device)).toEqual(['d2']);
    expect(alerts.list({ device: 'd2' })[0].state).toBe('open');
    expect(deadLetters.get(d1a.id)).toBeUndefined();
    expect(deadLetters.get(d2.id)).toMatchObject({ device: 'd2', reason: 'field type conflict' });
  });

  it('names a discarded point kept only as its line, and does not discard while a replay runs', async () => {
    /** Kept as the forwarder keeps a line it could not read back into a point. */
    const keepLine = (line: string, device: string) =>
      deadLetters.add({ at: AT, sink: 'influxdb-v1', reason: 'bad line', device, tenant: 'acme', point: { line }, line });
    keepLine(reading('d4', 7), 'd4');
    const running = replay.replay({ limit: 100 }, ASKED);
    await expect(replay.discard({ device: 'd4', limit: 10 }, 'no', ASKED)).rejects.toBeInstanceOf(ReplayRunningError);
    await running; // the line is a good reading: the replay wrote it
    keepLine('not line protocol', 'd4');
    const out = await replay.discard({ device: 'd4', limit: 10 }, 'unreadable', ASKED);
    expect(out.points).toEqual([{ id: expect.any(Number), device: 'd4', reason: 'bad line', measurement: null, seq: null, ts: null }]);
  });
  it('deletes and audits in one transaction: the record names what went, and when it cannot be written nothing goes', async () => {
    keep(reading('d1', 1), 'd1');
    keep(reading('d1', 2), 'd1');
    keep(reading('d5', 3), 'd5');
    audit.append('admin:ops:t1', 'tokens.create', 't2', {}, AT); // an entry before, as the log has
    const [d1b, d1a] = deadLetters.list(10, 'd1');

    // The audit log refuses writes (a real SQLite failure, from a trigger): the discard fails
    // and deletes nothing, the replay writes the point to the sink but deletes no dead letter.
    db.connection.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit log refused'); END");
    await expect(replay.discard({ ids: [d1a.id] }, 'test reading', { actor: 'admin:ops:t1', target: 'd1' })).rejects.toThrow('audit log refused');
    await expect(replay.replay({ device: 'd5', limit: 10 }, ASKED)).rejects.toThrow('audit log refused');
    expect(
      deadLetters
        .list(10)
        .map((d) => d.id)
        .sort(),
    ).toEqual([d1a.id, d1b.id, deadLetters.list(1, 'd5')[0].id].sort());
    expect(alerts.list({ device: 'd1' })[0].state).toBe('open');
    expect(alerts.list({ device: 'd5' })[0].state).toBe('open');
    db.connection.exec('DROP TRIGGER refuse_audit');

    // Written: each record names what its transaction deleted, and the chain holds.
    await replay.discard({ ids: [d1a.id, d1b.id] }, 'test reading', { actor: 'admin:ops:t1', target: 'd1' });
    await replay.replay({ device: 'd5', limit: 10 }, { actor: 'admin:ops:t1', target: 'd5' });
    audit.append('admin:ops:t1', 'tokens.revoke', 't2', {}, AT); // a plain append after them chains on
    const entries = audit.list({ limit: 10 });
    expect(entries.map((e) => [e.action, e.actor, e.target])).toEqual([
      ['tokens.revoke', 'admin:ops:t1', 't2'],
      ['dead-letters.replay', 'admin:ops:t1', 'd5'],
      ['dead-letters.discard', 'admin:ops:t1', 'd1'],
      ['tokens.create', 'admin:ops:t1', 't2'],
    ]);
    expect(entries[2].details).toEqual({
      reason: 'test reading',
      discarded: 2,
      points: [
        { id: d1a.id, device: 'd1', reason: 'field type conflict', measurement: 'reading', seq: 1, ts: new Date(T0 + 1).toISOString() },
        { id: d1b.id, device: 'd1', reason: 'field type conflict', measurement: 'reading', seq: 2, ts: new Date(T0 + 2).toISOString() },
      ],
      cleared: ['d1'],
    });
    expect(entries[1].details).toEqual({ replayed: 1, stillRefused: 0, cleared: ['d5'] });
    expect(audit.verifyChain()).toEqual({ ok: true, entries: 4 });
    expect(deadLetters.list(10)).toEqual([]);
  });
});
