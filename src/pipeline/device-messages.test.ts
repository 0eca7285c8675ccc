// The message path over real stores (SQLite state and journal on disk, the instrument profiles of
// devices/), wired as src/gateway.ts wires it: what a fuel dispenser's transactions leave in the
// state database once the journal commit that acknowledges them is done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertBook } from '../alerts/alert-book.ts';
import { Assurance } from '../alerts/assurance.ts';
import { Outbox } from '../broker/outbox.ts';
import { PACKAGE_ROOT } from '../config.ts';
import { Ingest } from '../ingest/ingest.ts';
import { Journal } from '../journal/journal.ts';
import { createLogger } from '../log.ts';
import { GatewayMetrics } from '../metrics.ts';
import { loadProfiles } from '../metrology/profile-loader.ts';
import { type Db, openStateDb } from '../store/db.ts';
import { Registry } from '../store/registry.ts';
import { DeviceMessagePipeline } from './device-messages.ts';

const NOW = Date.parse('2026-03-01T08:00:00.000Z');

describe('a fuel dispenser’s transactions through the message path', () => {
  let dir: string;
  let db: Db;
  let journal: Journal;
  let alerts: AlertBook;
  let assurance: Assurance;
  let pipeline: DeviceMessagePipeline;
  let metrics: GatewayMetrics;
  /** A new message path on the same state database, journal and assurance state (the gateway restarted): nothing in Ingest's memory. */
  let restart: () => void;
  const stateErrors: Error[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mag-pipeline-test-'));
    db = openStateDb(dir);
    const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
    const registry = new Registry(db);
    const created = new Date(NOW - 86_400_000);
    registry.createTenant({ id: 'acme', name: 'Acme', region: 'VN-HN' }, created);
    registry.createDeviceWithSecretHash({ id: 'fd-1', tenant: 'acme', type: 'fuel-dispenser', serial: 'SN-1' }, 'unused', created);
    registry.addCertificate(
      'fd-1',
      { kind: 'verification', number: 'V-1', issuedBy: 'QUATEST 1', issuedAt: '2026-01-01T00:00:00Z', validUntil: '2099-01-01T00:00:00Z' },
      'test',
      created,
    );
    alerts = new AlertBook(db);
    assurance = new Assurance(db, registry, alerts, profiles, { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 });
    const ingest = newIngest(profiles, registry);
    // a long group-commit window: every message below is appended before the one commit
    journal = new Journal({
      dir,
      sync: 'full',
      maxBytes: 64 * 1024 ** 2,
      commitMs: 5,
      callBackWithin: (callBack) => db.batch(callBack, (e) => stateErrors.push(e)),
    });
    const log = createLogger('error');
    metrics = new GatewayMetrics();
    restart = () => {
      pipeline = new DeviceMessagePipeline({ ...deps, ingest: newIngest(profiles, registry) });
    };
    const deps = {
      registry,
      ingest,
      journal,
      assurance,
      alerts,
      metrics,
      outbox: new Outbox(log),
      forwarder: { lastError: undefined },
      log,
      nowMs: () => NOW,
      journalSlowAt: 0.9,
    };
    pipeline = new DeviceMessagePipeline(deps);
  });

  function newIngest(profiles: ReturnType<typeof loadProfiles>, registry: Registry): Ingest {
    return new Ingest(
      {
        profile: (t) => profiles.get(t),
        certificates: (d) => registry.certificatesOf(d),
        lastTotalizer: (d, n) => assurance.totalizerOf(d, n),
        timeZoneOf: () => 'Asia/Ho_Chi_Minh',
      },
      { futureToleranceMs: 300_000, maxBatchReadings: 500, backfillDays: 4000 },
    );
  }

  afterEach(() => {
    alerts.stop();
    journal.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Nozzle 1's transactions of 10 L from `start` on (totalizers in litres), seqs from `seq`. */
  function transactions(seq: number, start: number, n: number): Buffer[] {
    return Array.from({ length: n }, (_, i) => {
      const from = start + 10 * i;
      return Buffer.from(
        JSON.stringify({
          seq: seq + i,
          ts: NOW - 60_000 + seq + i,
          quantity: 'volume',
          value: 10,
          unit: 'L',
          nozzle: '1',
          product: 'RON95',
          unitPrice: 23_450,
          amount: 234_500,
          totalizerStart: from,
          totalizerEnd: from + 10,
        }),
      );
    });
  }

  /** Sends the payloads at once (QoS 1) and resolves when every one is acknowledged, with what another connection reads then. */
  async function acknowledged(payloads: Buffer[]): Promise<{ stored: { seq: number; totalizer_end: number }[] }> {
    await Promise.all(
      payloads.map(
        (p) => new Promise<void>((resolve, reject) => pipeline.onDeviceMessage('fd-1', 'readings', p, 1, false, (err) => (err ? reject(err) : resolve()))),
      ),
    );
    const other = new Database(join(dir, 'mag.db'), { readonly: true });
    try {
      return { stored: other.prepare("SELECT seq, totalizer_end FROM nozzle_totalizers WHERE device = 'fd-1' AND nozzle = '1'").all() as never };
    } finally {
      other.close();
    }
  }

  it('leave the nozzle’s latest totalizer in the state database by the time they are acknowledged, written once per journal commit', async () => {
    const writes = () => db.writes().get('totalizers') ?? 0;
    const before = writes();
    expect((await acknowledged(transactions(1, 1000, 20))).stored).toEqual([{ seq: 20, totalizer_end: 1200 }]);
    expect(writes() - before).toBe(1);
    expect(assurance.totalizerOf('fd-1', '1')).toEqual({ seq: 20, end: 1200 });
    expect(stateErrors).toEqual([]);
  });

  it('audit the next transaction against the totalizer kept, whichever commit wrote it, and still open a tamper alert on a gap', async () => {
    await acknowledged(transactions(1, 1000, 5));
    // 5 L dispensed outside any transaction between seq 5 (ended at 1050) and seq 6
    const { stored } = await acknowledged(transactions(6, 1055, 3));
    expect(stored).toEqual([{ seq: 8, totalizer_end: 1085 }]);
    const tamper = alerts.openAlert('fd-1', 'tamper', '1:tamper');
    expect(tamper?.details).toMatchObject({ seq: 6, nozzle: '1', totalizerStart: 1055, previousTotalizerEnd: 1050 });
    expect(stateErrors).toEqual([]);
  });

  const tamperAlerts = () => db.connection.prepare("SELECT details FROM alerts WHERE device = 'fd-1' AND kind = 'tamper'").all() as { details: string }[];

  it('open no tamper alert for a transaction sent again (its PUBACK lost) or late, and audit the next one against the latest totalizer', async () => {
    const sent = transactions(1, 1000, 5); // seq 1-5: 1000 → 1050
    await acknowledged(sent);
    // seq 5 again (ended at 1050: against itself it would look like the totalizer going back by 10 L),
    // seq 3 late (1020 → 1030), then seq 6 going on from 1050
    await acknowledged([sent[4]]);
    await acknowledged([sent[2]]);
    const { stored } = await acknowledged(transactions(6, 1050, 1));
    expect(tamperAlerts()).toEqual([]);
    expect(stored).toEqual([{ seq: 6, totalizer_end: 1060 }]);
    // and a real gap after all that is still found, against seq 6's end
    await acknowledged(transactions(7, 1065, 1));
    expect(alerts.openAlert('fd-1', 'tamper', '1:tamper')?.details).toMatchObject({ seq: 7, totalizerStart: 1065, previousTotalizerEnd: 1060 });
  });

  it('audit the transactions of a controller that restarted its seq count against the latest totalizer, gap included', async () => {
    await acknowledged(transactions(101, 1000, 3)); // seq 101-103 → 1030
    // the controller restarts: seq 1, 2 at later times, going on from 1030; then 5 L outside any transaction
    const restarted = (seq: number, start: number) => {
      const [p] = transactions(seq, start, 1);
      const body = JSON.parse(p.toString()) as { ts: number };
      body.ts = NOW - 1000 + seq; // after seq 103's time (NOW − 60,000 + 103)
      return Buffer.from(JSON.stringify(body));
    };
    await acknowledged([restarted(1, 1030)]);
    expect(tamperAlerts()).toEqual([]);
    await acknowledged([restarted(2, 1045)]);
    expect(alerts.openAlert('fd-1', 'tamper', '1:tamper')?.details).toMatchObject({ seq: 2, totalizerStart: 1045, previousTotalizerEnd: 1040 });
  });

  it('judge a transaction sent again the same way as the first time: a true gap is found again, not a false one', async () => {
    await acknowledged(transactions(1, 1000, 2)); // → 1020
    const gap = transactions(3, 1025, 1); // 5 L outside any transaction
    await acknowledged(gap);
    await acknowledged(gap);
    const found = tamperAlerts().map((r) => JSON.parse(r.details) as Record<string, unknown>);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ seq: 3, totalizerStart: 1025, previousTotalizerEnd: 1020 });
  });

  it('open no tamper alert for a transaction sent again after a restart (the latest totalizer read back from the state database)', async () => {
    const sent = transactions(1, 1000, 5);
    await acknowledged(sent);
    // the gateway restarted: a new Ingest, nothing in memory; the device sends seq 5 again, then 4, then seq 6
    restart();
    await acknowledged([sent[4]]);
    await acknowledged([sent[3]]);
    await acknowledged(transactions(6, 1050, 1));
    expect(tamperAlerts()).toEqual([]);
  });
  it("repeat a failing check's out-of-tolerance alert in memory: twenty failing checks of one point, each stored, open it once and count in it", async () => {
    // 0.5 L on a 20 L proving measure: 2.5 %, far outside the dispenser's MPE
    const failing = Array.from({ length: 20 }, (_, i) =>
      Buffer.from(
        JSON.stringify({
          seq: 500 + i,
          ts: NOW - 30_000 + i,
          standardId: 'REF-20L',
          indicated: 20.5,
          reference: 20,
          referenceUncertainty: 0.004,
          unit: 'L',
          point: 'Qmax',
        }),
      ),
    );
    const alertWrites = () => db.writes().get('alerts') ?? 0;
    const before = alertWrites();
    await Promise.all(
      failing.map(
        (p) => new Promise<void>((resolve, reject) => pipeline.onDeviceMessage('fd-1', 'checks', p, 1, false, (err) => (err ? reject(err) : resolve()))),
      ),
    );
    // every check kept with its evidence; the alerts they raise opened once each (out of
    // tolerance, and untraceable: no standard REF-20L is registered), their repeats counted
    const checks = new Database(join(dir, 'mag.db'), { readonly: true });
    try {
      expect(checks.prepare("SELECT count(*) AS n FROM checks WHERE device = 'fd-1' AND json_extract(result, '$.decision') = 'fail'").get()).toEqual({ n: 20 });
    } finally {
      checks.close();
    }
    expect(alertWrites() - before).toBeLessThanOrEqual(4);
    // what the API reads: every failing check counted (the pending repeats written first)
    const [oot] = alerts.list({ device: 'fd-1', kind: 'out-of-tolerance' });
    expect(oot).toMatchObject({ state: 'open', severity: 'critical', count: 20 });
    expect(oot.details).toMatchObject({ seq: 519, decision: 'fail' });
  });
});
