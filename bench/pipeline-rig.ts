// The whole per-message path of bench/hotpath.ts's comparison: DeviceMessagePipeline over real
// stores (registry, alert book, assurance state, journal) in a temp dir, one rig per kind of
// reading, so that what a reading's status costs is measured next to what a good one costs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStateDb, type Db } from '../src/store/db.ts';
import { Registry } from '../src/store/registry.ts';
import { AlertBook } from '../src/alerts/alert-book.ts';
import { Assurance } from '../src/alerts/assurance.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import { Journal } from '../src/journal/journal.ts';
import { Outbox } from '../src/broker/outbox.ts';
import { GatewayMetrics } from '../src/metrics.ts';
import { createLogger } from '../src/log.ts';
import { DeviceMessagePipeline } from '../src/pipeline/device-messages.ts';
import { ReferenceStandards } from '../src/alerts/reference-standards.ts';
import type { InstrumentProfile } from '../src/metrology/profile.ts';
import { mixedFleet, mixedMessage, mixedStandards, newMixState, type MixKind, type MixMember, type MixState } from './traffic.ts';

/**
 * verified: in-range readings from instruments with a valid verification certificate;
 * unverified: the same from instruments without one (stored as `unverified`, verification-overdue alert);
 * out-of-range: readings outside the barometer's range (out-of-range alert);
 * invalid: readings whose value is not a number (refused: rejection, feedback, invalid-data alert);
 * mixed: the `mixed` scenario's fleet and messages (bench/traffic.ts: barometers, gas detectors, fuel
 * dispensers, a tenth unverified, checks, out-of-range readings, invalid messages);
 * mixed-valid: the same fleet and messages all valid (every device verified, nothing out of range,
 * failing or invalid): the baseline of what the status of the mixed fleet's messages costs.
 */
export const READING_KINDS = ['verified', 'unverified', 'out-of-range', 'invalid', 'mixed', 'mixed-valid'] as const;
export type ReadingKind = (typeof READING_KINDS)[number];
type PlainKind = Exclude<ReadingKind, 'mixed' | 'mixed-valid'>;

function payload(kind: PlainKind, seq: number, ts: number): Buffer {
  const value = kind === 'out-of-range' ? '1200.5' : kind === 'invalid' ? '"n/a"' : '1013.2';
  return Buffer.from(`{"seq":${seq},"ts":${ts},"quantity":"pressure","value":${value},"unit":"hPa"}`);
}

export interface Rig {
  kind: ReadingKind;
  /**
   * Sends `n` QoS 1 readings spread over the devices, `window` in flight; resolves when all are
   * done with the process CPU (user + system, µs) and wall time (ms) they took, payloads made before.
   */
  send(n: number, window?: number): Promise<{ cpuUs: number; wallMs: number }>;
  /** Statements run that may change the state database since the rig was built, by table. */
  writes(): Map<string, number>;
  alerts: AlertBook;
  close(): void;
}

/**
 * `mixKind` (mixed and mixed-valid only): send only the fleet's messages of that kind (e.g.
 * `transaction-ok`), the others made and skipped so that each device's stream stays as it is.
 */
export function buildRig(kind: ReadingKind, profiles: Map<string, InstrumentProfile>, devices: number, mixKind?: MixKind): Rig {
  const dir = mkdtempSync(join(tmpdir(), `mag-pipeline-${kind}-`));
  const db: Db = openStateDb(dir);
  const registry = new Registry(db);
  const created = new Date('2026-01-01T00:00:00Z');
  registry.createTenant({ id: 'bench', name: 'Bench', region: 'north' }, created);
  const ids: string[] = [];
  const allValid = kind === 'mixed-valid';
  // the all-valid fleet never sends the other kinds: waiting for one would never end
  if (allValid && mixKind !== undefined && !['reading-ok', 'transaction-ok', 'check-pass'].includes(mixKind))
    throw new Error(`--mix-kind ${mixKind}: the all-valid fleet (--only mixed-valid) never sends it; use --only mixed`);
  const fleet: MixMember[] | undefined =
    kind === 'mixed' || allValid
      ? mixedFleet(
          Array.from({ length: devices }, (_, i) => `${kind}-${i}`),
          allValid,
        )
      : undefined;
  const mix: MixState[] = Array.from({ length: devices }, (_, i) => newMixState(i));
  const day = 86_400_000;
  for (let i = 0; i < devices; i++) {
    const id = `${kind}-${i}`;
    registry.createDeviceWithSecretHash({ id, tenant: 'bench', type: fleet?.[i].type ?? 'barometer', serial: `SN-${i}` }, 'unused', created);
    // as bench/processes.ts seeds them: the mixed fleet's unverified devices hold an expired certificate
    const [issuedAt, validUntil] =
      fleet && !fleet[i].verified ? [Date.now() - 375 * day, Date.now() - 10 * day] : [Date.parse('2026-01-01T00:00:00Z'), Date.parse('2099-01-01T00:00:00Z')];
    if (kind !== 'unverified')
      registry.addCertificate(
        id,
        {
          kind: 'verification',
          number: `V-${i}`,
          issuedBy: 'QUATEST 1',
          issuedAt: new Date(issuedAt).toISOString(),
          validUntil: new Date(validUntil).toISOString(),
        },
        'bench',
        created,
      );
    ids.push(id);
  }
  const log = createLogger('error');
  const alerts = new AlertBook(db);
  const assurance = new Assurance(db, registry, alerts, profiles, { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 });
  const standards = new ReferenceStandards(db, registry, alerts, profiles);
  // as bench/run.ts seeds them: the reference standards the mixed fleet's checks name, in force now (when the messages are timed)
  if (fleet) {
    for (const { standard, certificate } of mixedStandards('bench', new Date())) {
      standards.create(standard, 'bench', created);
      standards.addCertificate(standard.id, certificate, 'bench', created);
    }
  }
  // wired as src/gateway.ts wires it
  const ingest = new Ingest(
    {
      profile: (t) => profiles.get(t),
      certificates: (d) => registry.certificatesOf(d),
      lastTotalizer: (d, n) => assurance.totalizerOf(d, n),
      timeZoneOf: () => 'Asia/Ho_Chi_Minh',
      standardOf: (id, tenant) => standards.standardOf(id, tenant),
    },
    { futureToleranceMs: 300_000, maxBatchReadings: 500, backfillDays: 4000 },
  );
  const journal = new Journal({
    dir,
    sync: 'full',
    maxBytes: 2 * 1024 ** 3,
    commitMs: 2,
    callBackWithin: (callBack) =>
      db.batch(callBack, (e) => {
        throw e;
      }),
  });
  const pipeline = new DeviceMessagePipeline({
    registry,
    ingest,
    journal,
    assurance,
    alerts,
    metrics: new GatewayMetrics(),
    outbox: new Outbox(log),
    forwarder: { lastError: undefined },
    log,
    nowMs: Date.now,
    journalSlowAt: 0.8,
  });
  const seqs = new Array<number>(devices).fill(0);
  /** Messages each device sent: its timestamps' offset (with `mixKind` its seq runs ahead, counting the skipped ones). */
  const sent = new Array<number>(devices).fill(0);
  let released = 0;
  const baseline = db.writes();
  return {
    kind,
    alerts,
    async send(n, window = 500) {
      const ts = Date.now() - 60_000;
      const topics: ('readings' | 'checks')[] = [];
      const payloads: Buffer[] = [];
      const senders: number[] = [];
      for (let k = 0; payloads.length < n; k++) {
        const d = k % devices;
        ++seqs[d];
        if (!fleet) {
          senders.push(d);
          payloads.push(payload(kind as PlainKind, seqs[d], ts + seqs[d]));
          continue;
        }
        const m = mixedMessage(fleet[d], mix[d], seqs[d], ts + (mixKind ? sent[d] + 1 : seqs[d]), allValid);
        if (mixKind && m.kind !== mixKind) continue;
        sent[d]++;
        topics[payloads.length] = m.topic;
        senders.push(d);
        payloads.push(Buffer.from(m.payload));
      }
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      for (let i = 0; i < n; i += window) {
        let waiting = 0;
        await new Promise<void>((resolve, reject) => {
          for (let k = i; k < Math.min(n, i + window); k++) {
            waiting++;
            pipeline.onDeviceMessage(ids[senders[k]], topics[k] ?? 'readings', payloads[k], 1, false, (err) => {
              if (err) return reject(err);
              if (--waiting === 0) resolve();
            });
          }
        });
      }
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - wall0;
      // what the forwarder does once the sink has them: otherwise each rig's journal keeps its
      // lines in memory and the old generation's growth lands on whichever rig runs next
      for (let entries = journal.read(released, 5000); entries.length > 0; entries = journal.read(released, 5000)) released = entries[entries.length - 1].id;
      journal.release(released);
      return { cpuUs: cpu.user + cpu.system, wallMs };
    },
    writes() {
      const out = new Map<string, number>();
      for (const [table, count] of db.writes()) if (count - (baseline.get(table) ?? 0) > 0) out.set(table, count - (baseline.get(table) ?? 0));
      return out;
    },
    close() {
      alerts.removeAllListeners();
      journal.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
