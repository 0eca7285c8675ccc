// Checks sent again, through the message path over real stores (SQLite state and journal on disk,
// the instrument profiles of devices/), wired as src/gateway.ts wires it: a replay is acknowledged
// and stored once, other content under its seq and time (or another check of its series at its
// time) is refused before anything of it is journaled, so that the checks API and the time-series
// say the same.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertBook } from '../alerts/alert-book.ts';
import { Assurance } from '../alerts/assurance.ts';
import { PACKAGE_ROOT } from '../config.ts';
import { Ingest } from '../ingest/ingest.ts';
import { Journal, JournalFullError } from '../journal/journal.ts';
import { createLogger } from '../log.ts';
import { GatewayMetrics } from '../metrics.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import { type Db, openStateDb } from '../store/db.ts';
import { Registry } from '../store/registry.ts';
import { DeviceMessagePipeline, type PointLog } from './device-messages.ts';
import { checkDifferences, packageDifferences } from './resends.ts';
import type { CheckResult } from '../metrology/types.ts';

const NOW = Date.parse('2026-12-05T19:00:00.000Z');
const TS = '2026-12-05T18:40:00Z';

describe('checks sent again through the message path', () => {
  let dir: string;
  let db: Db;
  let journal: Journal;
  let alerts: AlertBook;
  let assurance: Assurance;
  let pipeline: DeviceMessagePipeline;
  /** The lines each commit made durable, as the forwarder will send them to the time-series. */
  let journaled: string[];
  /** The next append fails as with a full journal (no PUBACK: the device sends the message again later). */
  let failNext: boolean;
  let feedback: { topic: string; payload: { seq: number | null; errors: { path: string; message: string }[] } }[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mag-resends-test-'));
    db = openStateDb(dir);
    const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
    const registry = new Registry(db);
    const created = new Date(NOW - 86_400_000);
    registry.createTenant({ id: 'acme', name: 'Acme', region: 'VN-HN' }, created);
    registry.createDeviceWithSecretHash({ id: 'a-gas-detector', tenant: 'acme', type: 'gas-detector', serial: 'SN-1' }, 'unused', created);
    registry.createDeviceWithSecretHash(
      { id: 'a-scale', tenant: 'acme', type: 'scale', serial: 'SN-2', class: 'III', e: 0.005, max: 30 } as never,
      'unused',
      created,
    );
    alerts = new AlertBook(db);
    assurance = new Assurance(db, registry, alerts, profiles, { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 });
    const ingest = new Ingest(
      {
        profile: (t) => profiles.get(t),
        certificates: (d) => registry.certificatesOf(d),
        lastTotalizer: (d, n) => assurance.totalizerOf(d, n),
        timeZoneOf: () => 'Asia/Ho_Chi_Minh',
      },
      { futureToleranceMs: 300_000, maxBatchReadings: 500, backfillDays: 4000 },
    );
    journal = new Journal({ dir, sync: 'full', maxBytes: 64 * 1024 ** 2, commitMs: 5, callBackWithin: (callBack) => db.batch(callBack, () => {}) });
    journaled = [];
    failNext = false;
    const recorded: PointLog = {
      appendLines: (lines, count, t, done, durable) => {
        if (failNext) {
          failNext = false;
          return done(new JournalFullError(1, 1));
        }
        journal.appendLines(
          lines,
          count,
          t,
          (err) => {
            if (!err) journaled.push(...lines.split('\n'));
            done(err);
          },
          durable,
        );
      },
      get fill() {
        return journal.fill;
      },
      get backlogBytes() {
        return journal.backlogBytes;
      },
      get capacity() {
        return journal.capacity;
      },
    };
    feedback = [];
    const log = createLogger('error');
    pipeline = new DeviceMessagePipeline({
      registry,
      ingest,
      journal: recorded,
      assurance,
      alerts,
      metrics: new GatewayMetrics(),
      outbox: { publish: (topic, payload) => feedback.push({ topic, payload: payload as never }) },
      forwarder: { lastError: undefined },
      log,
      nowMs: () => NOW,
      journalSlowAt: 0.9,
    });
  });

  afterEach(() => {
    assurance.stop();
    alerts.stop();
    journal.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Publishes each message at once (QoS 1), resolving when all are acknowledged. */
  const sendOn = (topic: 'checks' | 'readings', device: string, ...bodies: unknown[]) =>
    Promise.all(
      bodies.map(
        (b) =>
          new Promise<void>((resolve, reject) =>
            pipeline.onDeviceMessage(device, topic, Buffer.from(JSON.stringify(b)), 1, false, (err) => (err ? reject(err) : resolve())),
          ),
      ),
    );
  const send = (device: string, ...bodies: unknown[]) => sendOn('checks', device, ...bodies);
  const checkLines = () => journaled.filter((l) => l.startsWith('check,'));
  /** CO at 50 ppm: MPE max(5 ppm, 10 %) = 5 ppm. */
  const co = (indicated: number, extra: Record<string, unknown> = {}) => ({
    seq: 20,
    ts: TS,
    gas: 'CO',
    indicated,
    reference: 50,
    referenceUncertainty: 1,
    unit: 'ppm',
    standardId: 'CAL-CO-50',
    ...extra,
  });

  it('refuse other content under a seq and time stored before, on feedback and in the rejections, and journal nothing of it', async () => {
    await send('a-gas-detector', co(52));
    await send('a-gas-detector', co(80));
    const reason = 'seq 20 at 2026-12-05T18:40:00.000Z was received before with other content (indicated 52): a replay must repeat the message as sent';
    expect(feedback).toEqual([
      {
        topic: 'instruments/a-gas-detector/feedback',
        payload: { seq: 20, topic: 'instruments/a-gas-detector/checks', errors: [{ path: 'seq', message: reason }] },
      },
    ]);
    expect(assurance.rejectionsOf('a-gas-detector')).toMatchObject([
      { seq: 20, topic: 'instruments/a-gas-detector/checks', errors: [{ path: 'seq', message: reason }] },
    ]);
    // the API and the time-series both have the check as first sent: pass, error 2
    expect(assurance.checksOf('a-gas-detector').map((c) => [c.seq, c.indicated, c.error, c.legal])).toEqual([[20, 52, 2, 'pass']]);
    expect(checkLines()).toHaveLength(1);
    expect(checkLines()[0]).toMatch(/error=2,.*indicated=52,.*legal="pass"/);
    expect(journaled.some((l) => l.startsWith('rejection,'))).toBe(true);
    expect(alerts.openAlert('a-gas-detector', 'out-of-tolerance', 'CO')).toBeUndefined();
  });

  it('acknowledge a replay as it was sent and store it once: the same point, no alert counted again', async () => {
    await send('a-gas-detector', co(80)); // error 30: out of tolerance
    expect(alerts.openAlert('a-gas-detector', 'out-of-tolerance', 'CO')?.count).toBe(1);
    await send('a-gas-detector', co(80));
    await send('a-gas-detector', co(80));
    expect(feedback).toEqual([]);
    expect(assurance.checksOf('a-gas-detector')).toHaveLength(1);
    expect(alerts.openAlert('a-gas-detector', 'out-of-tolerance', 'CO')?.count).toBe(1);
    expect(new Set(checkLines()).size).toBe(1); // written again, the same point: it overwrites itself
  });

  it('see two sends of one seq and time within one journal commit: the second refused when it differs, a replay when not', async () => {
    await send('a-gas-detector', co(52), co(80), co(52));
    expect(feedback.map((f) => f.payload.errors[0].message)).toEqual([expect.stringContaining('was received before with other content (indicated 52)')]);
    expect(assurance.checksOf('a-gas-detector').map((c) => c.indicated)).toEqual([52]);
    expect(checkLines().every((l) => l.includes('indicated=52,'))).toBe(true);
  });

  it('refuse a second check of one series at one time under another seq (the time-series would merge the two)', async () => {
    const check = (seq: number, extra: Record<string, unknown>) => ({
      seq,
      ts: TS,
      indicated: 10,
      reference: 10,
      referenceUncertainty: 0.0005,
      unit: 'kg',
      standardId: 'M1-10KG',
      ...extra,
    });
    await send('a-scale', check(1, { deltaL: 0.0003 }));
    await send('a-scale', check(6, {}));
    expect(feedback.map((f) => f.payload)).toEqual([
      {
        seq: 6,
        topic: 'instruments/a-scale/checks',
        errors: [
          {
            path: 'ts',
            message:
              'ts 2026-12-05T18:40:00.000Z: another check of this series has this time (seq 1): the time-series keeps one point per series and time; send distinct times',
          },
        ],
      },
    ]);
    expect(assurance.checksOf('a-scale').map((c) => c.seq)).toEqual([1]);
    expect(checkLines()).toHaveLength(1);
    // another test point at that time is another series: stored
    await send('a-scale', check(7, { point: 'Max' }));
    expect(assurance.checksOf('a-scale').map((c) => c.seq)).toEqual([7, 1]);
  });

  it('forget a message the journal refused (no PUBACK): sent again, even changed, it is judged as new', async () => {
    failNext = true;
    await expect(send('a-gas-detector', co(52))).rejects.toThrow(JournalFullError);
    await send('a-gas-detector', co(53));
    expect(feedback).toEqual([]);
    expect(assurance.checksOf('a-gas-detector').map((c) => c.indicated)).toEqual([53]);
    const reading = (value: number) => ({ seq: 5, ts: TS, quantity: 'concentration', gas: 'CO', value, unit: 'ppm' });
    failNext = true;
    await expect(sendOn('readings', 'a-gas-detector', reading(1))).rejects.toThrow(JournalFullError);
    await sendOn('readings', 'a-gas-detector', reading(2));
    expect(feedback).toEqual([]);
    expect(journaled.filter((l) => l.startsWith('reading,'))).toEqual([expect.stringContaining('value=2 ')]);
  });
});

describe('what a check or package sent again says differently', () => {
  const check = { seq: 20, ts: 1, unit: 'ppm', indicated: 52, reference: 50, uncertainty: 1.2, regime: 'inService', standardId: 'S', gas: 'CO' } as CheckResult;

  it('names the first send’s values of what differs, nothing for a replay', () => {
    expect(checkDifferences(check, { ...check })).toEqual([]);
    expect(checkDifferences(check, { ...check, indicated: 80, point: 'span' })).toEqual(['indicated 52', 'no point']);
    expect(checkDifferences({ ...check, adjusted: true }, check)).toEqual(['adjusted true']);
    // derived figures (error, decision) follow from what was sent: not compared
    expect(checkDifferences(check, { ...check, error: 99, decision: 'fail' })).toEqual([]);
  });

  it('compares a package by its lot and its net or gross value', () => {
    const p = { lot: 'L-1', kind: 'net' as const, value: 500 };
    expect(packageDifferences(p, { ...p })).toEqual([]);
    expect(packageDifferences(p, { lot: 'L-2', kind: 'gross', value: 900 })).toEqual(['lot L-1', 'net 500']);
  });
});
