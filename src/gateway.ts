// Composition root: store → sink → journal → forwarder → ingest → broker → API.
import { serve, type ServerType } from '@hono/node-server';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { openStateDb, type Db } from './store/db.ts';
import { Registry, type Device } from './store/registry.ts';
import { Tokens } from './store/tokens.ts';
import { AuditLog } from './store/audit.ts';
import { AlertBook, DEVICE_ALERT_KINDS } from './alerts/alert-book.ts';
import { fleetStatePoints, rejectionPoint } from './alerts/fleet-state.ts';
import { Assurance } from './alerts/assurance.ts';
import { loadProfiles } from './metrology/profile-loader.ts';
import type { InstrumentProfile } from './metrology/profile.ts';
import { createSink } from './sinks/create-sink.ts';
import type { Sink, Point } from './sinks/sink.ts';
import { pointToLine, toLineProtocol } from './sinks/line-protocol.ts';
import { Journal, JournalFullError } from './journal/journal.ts';
import { Forwarder } from './journal/forwarder.ts';
import { Ingest, type IngestResult, type MessageKind } from './ingest/ingest.ts';
import { Broker, type DeviceTopic } from './broker/broker.ts';
import { GatewayMetrics } from './metrics.ts';
import { createApi } from './api/app.ts';
import { AlertNotifier } from './alerts/notifier.ts';
import { StatusSchema, parsePayload } from './ingest/payloads.ts';
import { AuthThrottle } from './limits.ts';

export interface GatewayOptions {
  log?: Logger;
  /** The clock (tests inject one). */
  now?: () => Date;
}

export interface Gateway {
  config: Config;
  ports: { mqtt: number; http: number; ws?: number; mqtts?: number };
  db: Db;
  registry: Registry;
  tokens: Tokens;
  audit: AuditLog;
  alerts: AlertBook;
  assurance: Assurance;
  journal: Journal;
  forwarder: Forwarder;
  sink: Sink;
  broker: Broker;
  profiles: Map<string, InstrumentProfile>;
  log: Logger;
  /** Failed authentications per client address (MQTT and API share it). */
  authThrottle: AuthThrottle;
  /** Re-evaluates verification of every device now (normally once a minute). */
  reviewVerifications(): void;
  /** Writes the fleet's standing (devices by verification state, unresolved alerts by kind) as `fleet` / `open_alerts` points; runs every minute. */
  recordFleetState(at: Date): void;
  /** Graceful stop: stop accepting, commit in-flight journal writes, flush to the sink within `drainMs`. */
  stop(drainMs?: number): Promise<void>;
}

/**
 * Appends waiting for a commit below which a QoS 0 message does not wait for its own (see
 * BrokerHooks.journalHasRoom): one or two commits' worth at full speed.
 */
const UNWAITED_QOS0_MAX_UNCOMMITTED = 2000;

export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const log = options.log ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  /** now() in epoch ms, without a Date per message on the hot path. */
  const nowMs = options.now ? () => options.now!().getTime() : Date.now;
  const profiles = loadProfiles(config.profilesDir);
  const db = openStateDb(config.dataDir);
  const registry = new Registry(db);
  const tokens = new Tokens(db);
  tokens.setBootstrapAdmin(config.adminToken);
  const audit = new AuditLog(db);
  const alerts = new AlertBook(db);
  const assurance = new Assurance(db, registry, alerts, profiles, config.alerts);
  const sink = createSink({
    influxUrl: config.influx.url,
    influxApi: config.influx.api,
    influxDb: config.influx.db,
    influxUser: config.influx.user,
    influxPassword: config.influx.password,
    influxOrg: config.influx.org,
    influxBucket: config.influx.bucket,
    influxToken: config.influx.token,
    dataDir: config.dataDir,
  });
  try {
    await sink.init();
  } catch (e) {
    log.warn({ sink: sink.kind, err: (e as Error).message }, 'time-series sink not reachable at start; journaling until it is');
  }
  const journal = new Journal({ dir: config.dataDir, ...config.journal });
  const insertDeadLetter = db.prepare('INSERT INTO dead_letters (at, sink, reason, device, tenant, point) VALUES (?, ?, ?, ?, ?, ?)');
  for (const u of journal.unrenderable) {
    // Points of a journal from an earlier version that line protocol cannot carry (converted at open).
    insertDeadLetter.run(now().toISOString(), sink.kind, u.reason, u.point.tags?.device ?? null, u.point.tags?.tenant ?? null, JSON.stringify(u.point));
    log.warn({ device: u.point.tags?.device, reason: u.reason }, 'journaled point of an earlier version cannot be written as line protocol; moved to the dead-letter store');
  }
  const forwarder = new Forwarder(
    journal,
    sink,
    {
      add: (kind: string, reason: string, p: Point | undefined, line: string) =>
        insertDeadLetter.run(now().toISOString(), kind, reason, p?.tags.device ?? null, p?.tags.tenant ?? null, JSON.stringify(p ?? { line })),
    },
    log,
    config.sink,
  );
  const ingest = new Ingest(
    {
      profile: (t) => profiles.get(t),
      certificates: (d) => registry.certificatesOf(d),
      lastTotalizer: (d, n) => assurance.lastTotalizer(d, n),
      timeZoneOf: (t) => registry.tenant(t)?.timeZone ?? config.defaultTimeZone,
    },
    config.limits,
  );
  const metrics = new GatewayMetrics();
  const authThrottle = new AuthThrottle(config.security.authFailMax, config.security.authFailWindowMs);

  let broker!: Broker;
  const publishConfig = (device: Device, force = false) => {
    const standing = assurance.reviewVerification(device, now(), force);
    if (standing) broker.publish(`instruments/${device.id}/config`, standing, true);
  };

  /** Line protocol for the points; a point it cannot carry becomes a rejection (the device is told) instead of a dead letter later. */
  const render = (points: Point[], result: Pick<IngestResult, 'rejections'>): { lines: string; count: number } => {
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
  };

  const onDeviceMessage = (deviceId: string, topic: DeviceTopic, payload: Buffer, qos: number, _retain: boolean, done: (err: Error | null) => void): void => {
    const device = registry.registeredDevice(deviceId);
    if (!device) return done(new Error(`device ${deviceId} is no longer registered`));
    const t = nowMs();
    registry.markSeen(deviceId, t);
    if (topic === 'status') {
      handleStatus(device, payload, new Date(t));
      return done(null);
    }
    const result = ingest.handle(device, topic as MessageKind, payload, t);
    let batch = result.points.length > 0 ? render(result.points, result) : { lines: '', count: 0 };
    metrics.countMessage(topic, batch.count, result.rejections.length);
    if (result.rejections.length > 0) {
      // Rejected messages are counted as time series too (dashboards read only InfluxDB).
      const rejected = render([rejectionPoint(device, topic, result.rejections, t)], result);
      if (rejected.count > 0) batch = batch.count > 0 ? { lines: batch.lines + '\n' + rejected.lines, count: batch.count + 1 } : rejected;
    }
    if (batch.count === 0) {
      applyOutcome(device, topic, result, payload, new Date(t));
      return done(null);
    }
    if (journal.fill > config.journal.slowAt) raiseJournalCapacity(new Date(t));
    // (Callbacks on this path are inline and unnamed: the TypeScript loader wraps every named
    // function expression in a per-call __name() that cost ~0.3 µs a message.)
    if (assurance.hasNothingToApply(result)) {
      // The common reading: nothing for the assurance state, so nothing of the message is held
      // until the commit but its line (what is held through a commit outlives V8's young generation).
      // A QoS 0 one acknowledges nothing (at most once), so its commit does not wait for the disk.
      journal.appendLines(
        batch.lines,
        batch.count,
        t,
        (err) => {
          if (err instanceof JournalFullError) metrics.journalRefused.inc();
          done(err);
        },
        qos > 0,
      );
      return;
    }
    // Durable whatever the QoS: checks, drift and alerts are built on these points (evidence).
    journal.appendLines(batch.lines, batch.count, t, (err) => {
      if (err) {
        if (err instanceof JournalFullError) metrics.journalRefused.inc();
        return done(err);
      }
      applyOutcome(device, topic, result, payload, new Date(t));
      done(null);
    });
  };

  /** Checks, drift and alerts; feedback for what was refused. Runs once the message's points are journaled. */
  function applyOutcome(device: Device, topic: DeviceTopic, result: IngestResult, payload: Buffer, receivedAt: Date): void {
    const deviceId = device.id;
    try {
      assurance.apply(device, `instruments/${deviceId}/${topic}`, result, payload, receivedAt);
    } catch (e) {
      // The points are durably journaled: the message must be acknowledged (a refusal would close the
      // connection and the device would redeliver it forever). The failed state update is made loud instead.
      metrics.assuranceErrors.inc();
      log.error({ device: deviceId, topic, err: (e as Error).message, stack: (e as Error).stack }, 'updating checks/drift/alerts failed for a journaled message; it is acknowledged and stored');
    }
    if (result.rejections.length > 0) {
      for (const r of result.rejections) broker.publish(`instruments/${deviceId}/feedback`, { seq: r.seq ?? null, topic: `instruments/${deviceId}/${topic}`, errors: r.errors });
    }
  }

  const handleStatus = (device: Device, payload: Buffer, at: Date) => {
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
      assurance.apply(device, `instruments/${device.id}/status`, { points: [], readings: [], checks: [], findings: [], rejections: [{ errors }] }, payload, at);
      broker.publish(`instruments/${device.id}/feedback`, { seq: null, topic: `instruments/${device.id}/status`, errors });
      return;
    }
    if (state === 'offline') {
      assurance.raise(device, 'offline', '', 'warning', 'Device reported offline (status / last will)', { state, at: at.toISOString() }, at, false);
    } else if (state === 'online') {
      alerts.clear(device.id, 'offline', '', 'device reported online', at);
    }
  };

  let lastCapacityAlert = 0;
  const raiseJournalCapacity = (at: Date) => {
    if (at.getTime() - lastCapacityAlert < 60_000) return;
    lastCapacityAlert = at.getTime();
    log.warn({ bytes: journal.backlogBytes, cap: journal.capacity }, `journal above ${Math.round(config.journal.slowAt * 100)} % of MAG_JOURNAL_MAX_BYTES (MAG_JOURNAL_SLOW_AT_PERCENT): acknowledgements are held back`);
    // A gateway-wide alert, visible to admins (tenant "_gateway").
    alerts.raise({ tenant: '_gateway', device: '_journal', kind: 'journal-capacity', severity: 'critical', summary: `Journal at ${Math.round(journal.fill * 100)} % of its cap; the sink is not draining it`, details: { bytes: journal.backlogBytes, cap: journal.capacity, sinkError: forwarder.lastError } }, at);
  };

  broker = new Broker(
    registry,
    {
      onDeviceMessage,
      journalHasRoom: () => journal.uncommitted < UNWAITED_QOS0_MAX_UNCOMMITTED && journal.fill <= config.journal.slowAt,
      onConnect: (id) => {
        metrics.connects.inc();
        const d = registry.device(id);
        if (d) {
          registry.markSeen(id, now().getTime());
          alerts.clear(id, 'offline', '', 'device connected', now());
        }
      },
      onAuthFailure: (clientId, address, reason) => {
        metrics.authFailures.inc({ protocol: 'mqtt' });
        audit.append(`mqtt:${address ?? 'unknown'}`, 'mqtt.connect.refused', clientId.slice(0, 64), { reason }, now());
      },
      onAclDenied: (id, what) => {
        metrics.aclDenied.inc();
        audit.append(`device:${id}`, 'mqtt.acl.denied', id, { what }, now());
      },
      onLimit: (limit) => {
        metrics.limitRefused.inc({ limit });
        if (limit === 'auth_throttle') metrics.authFailures.inc({ protocol: 'mqtt' });
      },
    },
    {
      host: config.host, mqttPort: config.mqttPort, mqttWsPort: config.mqttWsPort, mqttsPort: config.mqttsPort, tls: config.tls, maxPayloadBytes: config.limits.maxPayloadBytes,
      maxTopicLevels: config.security.maxTopicLevels, maxConnections: config.security.maxConnections,
      deviceMsgRate: { rate: config.security.deviceMsgRate, burst: config.security.deviceMsgBurst }, authThrottle,
    },
    log,
  );
  await broker.start();
  forwarder.start();

  const notifier = new AlertNotifier(db, alerts, registry, log, now, { maxAttempts: config.webhooks.maxAttempts, baseDelayMs: config.webhooks.retryBaseMs });
  notifier.start();

  /** The fleet's standing (verification states, unresolved alerts by kind) as time series, through the journal. */
  const recordFleetState = (t: Date) => {
    const devices = registry.listDevices().map((d) => ({ id: d.id, tenant: d.tenant, type: d.type, verification: assurance.verificationOf(d, t.getTime()).state }));
    const points = fleetStatePoints(devices, alerts.unresolvedCounts(), DEVICE_ALERT_KINDS, t.getTime());
    if (points.length > 0) journal.append(points, t.getTime()).catch((e: Error) => log.warn({ err: e.message }, 'fleet state not journaled'));
  };

  // Verification standing: at start, then once a minute; offline by silence; escalation.
  const reviewVerifications = () => {
    for (const d of registry.listDevices()) publishConfig(d);
  };
  reviewVerifications();
  recordFleetState(now());
  const minute = setInterval(() => {
    try {
      reviewVerifications();
      registry.flushLastSeen();
      const t = now();
      for (const d of registry.listDevices()) {
        const interval = (d.expectedIntervalSeconds ?? profiles.get(d.type)?.expectedIntervalSeconds ?? 600) * 1000;
        if (d.lastSeenAt && t.getTime() - Date.parse(d.lastSeenAt) > 3 * interval) {
          assurance.raise(d, 'offline', '', 'warning', `No message for ${Math.round((t.getTime() - Date.parse(d.lastSeenAt)) / 60000)} min (expected every ${interval / 1000} s)`, { lastSeenAt: d.lastSeenAt }, t, true);
        }
      }
      alerts.escalate(t, config.alerts.escalationMinutes * 60_000);
      recordFleetState(t);
    } catch (e) {
      log.error({ err: (e as Error).message }, 'periodic review failed');
    }
  }, 60_000);
  minute.unref();
  // Tenants and devices registered by `mag tenant add` / `mag device add` in another process.
  const registrySync = setInterval(() => {
    try {
      if (registry.syncWithDisk()) reviewVerifications();
    } catch (e) {
      log.error({ err: (e as Error).message }, 'reloading the registry failed');
    }
  }, 2000);
  registrySync.unref();

  const gateway: Gateway = {
    config,
    ports: { mqtt: broker.ports.mqtt!, http: 0, ws: broker.ports.ws, mqtts: broker.ports.mqtts },
    db,
    registry,
    tokens,
    audit,
    alerts,
    assurance,
    journal,
    forwarder,
    sink,
    broker,
    profiles,
    log,
    authThrottle,
    reviewVerifications,
    recordFleetState,
    stop: async () => {},
  };

  const app = createApi({ gateway, metrics, notifier, now, publishConfig });
  metrics.bind(gateway);
  let http: ServerType;
  const httpPort = await new Promise<number>((resolve, reject) => {
    const tlsOpts = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : undefined;
    http = serve(
      { fetch: app.fetch, port: config.httpPort, hostname: config.host, ...(tlsOpts ? { createServer: createHttpsServer, serverOptions: tlsOpts } : {}) },
      (info) => resolve(info.port),
    );
    http.once('error', reject);
  });
  gateway.ports.http = httpPort;
  log.info({ mqtt: gateway.ports.mqtt, http: httpPort, ws: gateway.ports.ws, mqtts: gateway.ports.mqtts, sink: sink.kind, dataDir: config.dataDir, profiles: [...profiles.keys()] }, 'MAG gateway started');

  let stopped = false;
  gateway.stop = async (drainMs = 5000) => {
    if (stopped) return;
    stopped = true;
    clearInterval(minute);
    clearInterval(registrySync);
    notifier.stop();
    await broker.close();
    journal.commit();
    await forwarder.stop(drainMs);
    // Close the listener, then every connection still open: an SSE stream never ends on its own,
    // so waiting for close() before closing connections would hang the stop (clients resume with Last-Event-ID).
    const httpClosed = new Promise<void>((r) => http.close(() => r()));
    (http as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    await httpClosed;
    journal.close();
    registry.flushLastSeen();
    await sink.close();
    db.close();
    log.info({ backlog: journal.backlogPoints }, 'MAG gateway stopped');
  };
  return gateway;
}
