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
    const ingest = new Ingest(
      {
        profile: (t) => profiles.get(t),
        certificates: (d) => registry.certificatesOf(d),
        lastTotalizer: (d, n) => assurance.lastTotalizer(d, n),
        timeZoneOf: () => 'Asia/Ho_Chi_Minh',
      },
      { futureToleranceMs: 300_000, maxBatchReadings: 500, backfillDays: 4000 },
    );
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
    pipeline = new DeviceMessagePipeline({
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
    });
  });

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
    expect(assurance.lastTotalizer('fd-1', '1')).toBe(1200);
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
});
