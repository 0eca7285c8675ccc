// A device's message once the broker has accepted it: ingest (parse, validate, evaluate) →
// line protocol → journal → assurance state (checks, drift, alerts) → feedback to the device for
// what was refused. `status` messages set or clear the device's offline alert.
//
// The "journal" is the durable step, a port: the local journal on a single node; in cluster mode
// the partition worker's batch (the message is already durable in RabbitMQ; the worker writes the
// batch to the sink, then acknowledges it there). See src/cluster/partition-worker.ts.
//
// This is the hot path: once per device message. No Date per message (epoch ms from `nowMs`),
// and the callbacks are inline and unnamed: the TypeScript loader wraps every named function
// expression in a per-call __name() that cost ~0.3 µs a message.
import type { Device, Registry } from '../store/registry.ts';
import type { AlertBook } from '../alerts/alert-book.ts';
import { rejectionPoint } from '../alerts/fleet-state.ts';
import type { Assurance } from '../alerts/assurance.ts';
import type { Point } from '../sinks/sink.ts';
import { pointToLine, toLineProtocol } from '../sinks/line-protocol.ts';
import { JournalFullError, type Journal } from '../journal/journal.ts';
import type { Forwarder } from '../journal/forwarder.ts';
import type { Ingest, IngestResult, MessageKind } from '../ingest/ingest.ts';
import { StatusSchema, parsePayload } from '../ingest/payloads.ts';
import type { DeviceTopic } from '../broker/topics.ts';
import type { Outbox } from '../broker/outbox.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { Resends } from './resends.ts';
import type { Logger } from '../log.ts';

/** Where a message's rendered points become durable: the journal (single node) or a cluster worker's batch. */
export type PointLog = Pick<Journal, 'appendLines' | 'fill' | 'backlogBytes' | 'capacity'>;
/** Feedback and config to devices: the broker's outbox (single node) or routed to the node holding the connection (cluster). */
export type DeviceOutbox = Pick<Outbox, 'publish'>;

/** A `journal-capacity` alert is raised at most this often while the journal stays above `slowAt`. */
const CAPACITY_ALERT_EVERY_MS = 60_000;

export interface DeviceMessageDeps {
  registry: Registry;
  ingest: Ingest;
  journal: PointLog;
  /** On either state database (a cluster's worker: PostgreSQL, its writes into the worker's write batch). */
  assurance: Assurance<any>;
  alerts: AlertBook<any>;
  metrics: GatewayMetrics;
  /** Feedback to devices. */
  outbox: DeviceOutbox;
  /** Its last error goes into the journal-capacity alert. */
  forwarder: Pick<Forwarder, 'lastError'>;
  log: Logger;
  /** The clock in epoch ms (no Date per message). */
  nowMs: () => number;
  /** Fraction of MAG_JOURNAL_MAX_BYTES above which acknowledgements are held back and the journal-capacity alert opens. */
  journalSlowAt: number;
}

export class DeviceMessagePipeline {
  private readonly registry: Registry;
  private readonly ingest: Ingest;
  private readonly journal: PointLog;
  private readonly assurance: Assurance<any>;
  private readonly metrics: GatewayMetrics;
  private readonly outbox: DeviceOutbox;
  private readonly nowMs: () => number;
  /** Checks and packages sent before: screened before their points are journaled. */
  private readonly resends: Resends;
  private lastCapacityAlert = 0;

  constructor(private readonly deps: DeviceMessageDeps) {
    this.registry = deps.registry;
    this.ingest = deps.ingest;
    this.journal = deps.journal;
    this.assurance = deps.assurance;
    this.metrics = deps.metrics;
    this.outbox = deps.outbox;
    this.nowMs = deps.nowMs;
    this.resends = new Resends(deps.assurance);
    // a state batch whose commit failed: checks remembered as judged were rolled back, a resend is new
    deps.assurance.onResync((device) => (device === undefined ? this.resends.forgetAll() : this.resends.forgetDevice(device)));
  }

  /**
   * A cluster (PostgreSQL): the device's state as stored, replacing what this node held of it
   * (drift, totalizers, checks judged, open alerts; the ingest's totalizer of each nozzle): before
   * judging a device taken over from another node, or changed by one.
   */
  async reloadDevice(deviceId: string): Promise<void> {
    this.ingest.forgetDevice(deviceId);
    // what this node remembers of the messages judged (perhaps in a batch whose commit failed) goes too
    const device = this.registry.registeredDevice(deviceId);
    if (device) this.ingest.forgetLatestReadings(device);
    this.resends.forgetDevice(deviceId);
    await this.assurance.loadDevice(deviceId);
  }

  /** A cluster: true when another node changed the device's state since this one loaded it. */
  isStale(deviceId: string): boolean {
    return this.assurance.isStale(deviceId);
  }

  /** BrokerHooks.onDeviceMessage: `done` once the message's points are durable, or with why it is refused. */
  readonly onDeviceMessage = (
    deviceId: string,
    topic: DeviceTopic,
    payload: Buffer,
    qos: number,
    _retain: boolean,
    done: (err: Error | null) => void,
  ): void => {
    this.accept(deviceId, topic, payload, qos, this.nowMs(), done);
  };

  /**
   * One message received at `t` (epoch ms): the gateway's clock on a single node, the receiving
   * edge's in a cluster (so a redelivered message renders the same points).
   */
  readonly accept = (deviceId: string, topic: DeviceTopic, payload: Buffer, qos: number, t: number, done: (err: Error | null) => void): void => {
    const device = this.registry.registeredDevice(deviceId);
    if (!device) return done(new Error(`device ${deviceId} is no longer registered`));
    this.registry.markSeen(deviceId, t);
    if (topic === 'status') {
      this.applyStatus(device, payload, new Date(t));
      return done(null);
    }
    const result = this.ingest.handle(device, topic as MessageKind, payload, t);
    // A check or package sent before is a replay or refused before anything of it is journaled (readings: in Ingest).
    if (result.checks.length > 0 || result.packages !== undefined) this.resends.screen(device, result);
    if (topic !== 'senml') {
      // gap detection on the numbering: the seqs of what is stored (SenML's seq defaults to its time)
      const points = result.points;
      for (let i = 0; i < points.length; i++) {
        const p = points[i]!;
        // a fuel transaction is a reading point and a transaction point of one seq: counted once
        if (p.measurement === 'transaction') continue;
        const seq = p.fields.seq;
        if (typeof seq === 'number') this.assurance.sequences.note(deviceId, topic, seq, t);
      }
    }
    let batch = result.points.length > 0 ? this.render(result.points, result) : { lines: '', count: 0 };
    this.metrics.countMessage(topic, batch.count, result.rejections.length);
    if (result.rejections.length > 0) {
      // Rejected messages are counted as time series too (dashboards read only InfluxDB).
      const rejected = this.render([rejectionPoint(device, topic, result.rejections, t)], result);
      if (rejected.count > 0) batch = batch.count > 0 ? { lines: batch.lines + '\n' + rejected.lines, count: batch.count + 1 } : rejected;
    }
    if (batch.count === 0) {
      this.applyOutcome(device, topic, result, payload, new Date(t));
      this.resends.settle(device.id, result, true);
      return done(null);
    }
    if (this.journal.fill > this.deps.journalSlowAt) this.raiseJournalCapacity(t);
    // What each kind of message holds until its commit is the callback made by one of the methods
    // below, each in a scope of its own: a closure made here would share this function's context
    // with the others, and so hold `result` and `payload` whichever path was taken (and what is
    // held through a commit outlives V8's young generation).
    if (this.assurance.hasNothingToApply(device, result)) return this.appendReading(batch.lines, batch.count, t, qos, device, done);
    const totalizer = this.assurance.totalizerOnly(device, result);
    if (totalizer !== undefined) return this.appendTransaction(batch.lines, batch.count, t, device, totalizer, done);
    this.appendWithOutcome(batch.lines, batch.count, device, topic, result, payload, t, done);
  };

  /**
   * The common reading: nothing for the assurance state, so nothing of the message is held until
   * the commit but its line. A QoS 0 one acknowledges nothing (at most once), so its commit does
   * not wait for the disk. One the journal refuses leaves no series' latest reading behind: sent
   * again, it is judged as new (Ingest.forgetLatestReadings).
   */
  private appendReading(lines: string, count: number, t: number, qos: number, device: Device, done: (err: Error | null) => void): void {
    this.journal.appendLines(
      lines,
      count,
      t,
      (err) => {
        if (err) {
          if (err instanceof JournalFullError) this.metrics.journalRefused.inc();
          this.ingest.forgetLatestReadings(device);
        }
        done(err);
      },
      qos > 0,
    );
  }

  /**
   * A fuel transaction without findings: all it changes is its nozzle's totalizer, so only that is
   * held until the commit. Durable whatever the QoS, as every message with state built on it.
   */
  private appendTransaction(
    lines: string,
    count: number,
    t: number,
    device: Device,
    totalizer: { nozzle: string; seq: number; end: number },
    done: (err: Error | null) => void,
  ): void {
    this.journal.appendLines(lines, count, t, (err) => {
      if (err) {
        if (err instanceof JournalFullError) this.metrics.journalRefused.inc();
        this.ingest.forgetLatestReadings(device);
        return done(err);
      }
      try {
        this.assurance.recordTotalizer(device.id, totalizer.nozzle, totalizer.seq, totalizer.end);
      } catch (e) {
        this.stateFailed(device.id, 'readings', e as Error);
      }
      done(null);
    });
  }

  /** Durable whatever the QoS: checks, drift and alerts are built on these points (evidence). */
  private appendWithOutcome(
    lines: string,
    count: number,
    device: Device,
    topic: DeviceTopic,
    result: IngestResult,
    payload: Buffer,
    t: number,
    done: (err: Error | null) => void,
  ): void {
    this.journal.appendLines(lines, count, t, (err) => {
      if (err) {
        if (err instanceof JournalFullError) this.metrics.journalRefused.inc();
        // not journaled: the device sends it again, and it must then be judged as new
        this.resends.settle(device.id, result, false);
        this.ingest.forgetLatestReadings(device);
        return done(err);
      }
      this.applyOutcome(device, topic, result, payload, new Date(t));
      this.resends.settle(device.id, result, true);
      done(null);
    });
  }

  /** Line protocol for the points; a point it cannot carry becomes a rejection (the device is told) instead of a dead letter later. */
  private render(points: Point[], result: Pick<IngestResult, 'rejections'>): { lines: string; count: number } {
    try {
      return { lines: toLineProtocol(points), count: points.length };
    } catch {
      const lines: string[] = [];
      for (const p of points) {
        try {
          lines.push(pointToLine(p));
        } catch (e) {
          const seq = typeof p.fields.seq === 'number' ? p.fields.seq : undefined;
          result.rejections.push({ seq, errors: [{ path: '(point)', message: `cannot be stored: ${(e as Error).message}` }] });
        }
      }
      return { lines: lines.join('\n'), count: lines.length };
    }
  }

  /** Checks, drift and alerts; feedback for what was refused. Runs once the message's points are journaled. */
  private applyOutcome(device: Device, topic: DeviceTopic, result: IngestResult, payload: Buffer, receivedAt: Date): void {
    const deviceId = device.id;
    try {
      this.assurance.apply(device, `instruments/${deviceId}/${topic}`, result, payload, receivedAt);
    } catch (e) {
      this.stateFailed(deviceId, topic, e as Error);
    }
    if (result.rejections.length > 0) {
      for (const r of result.rejections)
        this.outbox.publish(`instruments/${deviceId}/feedback`, { seq: r.seq ?? null, topic: `instruments/${deviceId}/${topic}`, errors: r.errors });
    }
  }

  /**
   * The points are durably journaled: the message must be acknowledged (a refusal would close the
   * connection and the device would redeliver it forever). The failed state update is made loud instead.
   */
  private stateFailed(deviceId: string, topic: DeviceTopic, e: Error): void {
    this.metrics.assuranceErrors.inc();
    this.deps.log.error(
      { device: deviceId, topic, err: e.message, stack: e.stack },
      'updating checks/drift/alerts failed for a journaled message; it is acknowledged and stored',
    );
  }

  /** `status`: offline (a device's own report or its last will) raises the offline alert, online clears it; anything else is refused on feedback. */
  private applyStatus(device: Device, payload: Buffer, at: Date): void {
    let state: string | undefined;
    let errors: { path: string; message: string }[] = [];
    try {
      const parsed = parsePayload(StatusSchema, JSON.parse(payload.toString('utf8')), '', 'the status');
      if (parsed.ok) state = parsed.data.state;
      else errors = parsed.errors;
    } catch (e) {
      errors = [{ path: '(root)', message: `the status is not valid JSON (${(e as Error).message}): send {"state": "online" | "offline" | …}` }];
    }
    if (!state) {
      this.assurance.apply(
        device,
        `instruments/${device.id}/status`,
        { points: [], readings: [], checks: [], findings: [], rejections: [{ errors }] },
        payload,
        at,
      );
      this.outbox.publish(`instruments/${device.id}/feedback`, { seq: null, topic: `instruments/${device.id}/status`, errors });
      return;
    }
    if (state === 'offline') {
      this.deps.alerts.raise({
        tenant: device.tenant,
        device: device.id,
        kind: 'offline',
        severity: 'warning',
        summary: 'Device reported offline (status / last will)',
        details: { state, at: at.toISOString() },
        at,
        throttle: true,
      });
    } else if (state === 'online') {
      // deferred, as on connect: a device flapping between the two keeps one alert counting
      this.deps.alerts.clear(device.id, 'offline', '', 'device reported online', at, true);
    }
  }

  /** The journal is above `journalSlowAt` of its cap: a warning and a gateway-wide alert, at most once a minute. */
  private raiseJournalCapacity(atMs: number): void {
    if (atMs - this.lastCapacityAlert < CAPACITY_ALERT_EVERY_MS) return;
    this.lastCapacityAlert = atMs;
    const { journal, deps } = this;
    deps.log.warn(
      { bytes: journal.backlogBytes, cap: journal.capacity },
      `journal above ${Math.round(deps.journalSlowAt * 100)} % of MAG_JOURNAL_MAX_BYTES (MAG_JOURNAL_SLOW_AT_PERCENT): acknowledgements are held back`,
    );
    // A gateway-wide alert, visible to admins (tenant "_gateway").
    deps.alerts.raise({
      tenant: '_gateway',
      device: '_journal',
      kind: 'journal-capacity',
      severity: 'critical',
      summary: `Journal at ${Math.round(journal.fill * 100)} % of its cap; the sink is not draining it`,
      details: { bytes: journal.backlogBytes, cap: journal.capacity, sinkError: deps.forwarder.lastError },
      at: new Date(atMs),
    });
  }
}
