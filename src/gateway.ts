// Composition root: store → sink → journal → forwarder → ingest → broker → pipeline → periodic
// work → API. It wires the parts and stops them in order; the work is theirs.
import { AlertBook } from './alerts/alert-book.ts';
import { Assurance } from './alerts/assurance.ts';
import { AlertNotifier } from './alerts/notifier.ts';
import { ReferenceStandards } from './alerts/reference-standards.ts';
import { createApi } from './api/app.ts';
import { Broker, type BrokerOptions } from './broker/broker.ts';
import { Outbox } from './broker/outbox.ts';
import { ClusterNode, checkClusterSettings } from './cluster/cluster-node.ts';
import { AdvisoryLeadership, alone, whileLeading } from './cluster/leadership.ts';
import type { Config } from './config.ts';
import { HttpListener } from './http-listener.ts';
import { Ingest } from './ingest/ingest.ts';
import { CampaignService } from './inspections/campaign-service.ts';
import { InspectionService } from './inspections/inspection-service.ts';
import { Forwarder } from './journal/forwarder.ts';
import { Journal } from './journal/journal.ts';
import { AuthThrottle } from './limits.ts';
import { createLogger, type Logger } from './log.ts';
import { LotBook } from './lots/lot-book.ts';
import { GatewayMetrics } from './metrics.ts';
import type { InstrumentProfile } from './metrology/profile.ts';
import { loadProfiles } from './metrology/profile-loader.ts';
import { loadLotRules } from './metrology/sampling-plans-loader.ts';
import { alertEscalation } from './periodic/alert-escalation.ts';
import { FleetStateRecord } from './periodic/fleet-state-record.ts';
import { LastSeenFlush } from './periodic/last-seen-flush.ts';
import { offlineBySilence } from './periodic/offline-by-silence.ts';
import { registrySync } from './periodic/registry-sync.ts';
import { VerificationReview } from './periodic/verification-review.ts';
import { DeviceMessagePipeline } from './pipeline/device-messages.ts';
import { createSink } from './sinks/create-sink.ts';
import type { Point, Sink } from './sinks/sink.ts';
import { AuditLog } from './store/audit.ts';
import { CampaignStore } from './store/campaigns.ts';
import { openStateDb } from './store/db.ts';
import { DeadLetters } from './store/dead-letters.ts';
import { DeadLetterReplay } from './journal/dead-letter-replay.ts';
import { DeadLetterCap, DeadLettersFullError } from './journal/dead-letter-cap.ts';
import { type Awaitable, isPending, type StateExecutor } from './store/executor.ts';
import { InspectionStore } from './store/inspections.ts';
import { PostgresState } from './store/postgres.ts';
import { type Device, Registry } from './store/registry.ts';
import type { SqliteState } from './store/sql.ts';
import { Tokens } from './store/tokens.ts';

export interface GatewayOptions {
  log?: Logger;
  /** The clock (tests inject one). */
  now?: () => Date;
}

/** A running gateway on its state database `S`: SQLite (a single node), or PostgreSQL (a cluster node sharing its state). */
export interface Gateway<S extends StateExecutor = SqliteState> {
  config: Config;
  ports: { mqtt: number; http: number; ws?: number; mqtts?: number };
  db: S;
  registry: Registry<S>;
  tokens: Tokens<S>;
  audit: AuditLog<S>;
  alerts: AlertBook<S>;
  assurance: Assurance<S>;
  /** Cluster mode (MAG_AMQP_URLS set): the node's link to RabbitMQ, edge, worker, routing; undefined on a single node. */
  cluster: ClusterNode | undefined;
  /** Reference standards: registered, read by the check path, traced back from. */
  standards: ReferenceStandards<S>;
  /** Lots of prepackages (docs/contract.md §6). */
  lots: LotBook<S>;
  /** On-site inspection records and findings; their summary for a period: `inspections.inspectionSummary`. */
  inspections: InspectionService<S>;
  /** Mobile verification campaigns. */
  campaigns: CampaignService<S>;
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
  recordFleetState(at: Date): Awaitable<void>;
  /** Graceful stop: stop accepting, commit in-flight journal writes, flush to the sink within `drainMs`. */
  stop(drainMs?: number): Promise<void>;
}

/**
 * Appends waiting for a commit below which a QoS 0 message does not wait for its own (see
 * BrokerHooks.journalHasRoom): one or two commits' worth at full speed.
 */
const UNWAITED_QOS0_MAX_UNCOMMITTED = 2000;

/**
 * A gateway on the state its configuration names: PostgreSQL at MAG_STATE_URL (a cluster node,
 * sharing its state with the others), else SQLite in MAG_DATA_DIR. What `mag start` runs.
 */
export async function startConfiguredGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway<SqliteState> | Gateway<PostgresState>> {
  if (!config.cluster.stateUrl) return startGateway(config, options);
  checkClusterSettings(config);
  const log = options.log ?? createLogger(config.logLevel, config.cluster.nodeId);
  const db = await PostgresState.connect(config.cluster.stateUrl, {
    onError: (err) => log.warn({ err: err.message }, 'a PostgreSQL connection failed; it is replaced'),
  });
  try {
    return await compose(config, db, { ...options, log });
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** A gateway on SQLite state in MAG_DATA_DIR: a single node, or a cluster node keeping its state apart (the tests, the demo). */
export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  checkClusterSettings(config);
  if (config.cluster.stateUrl) throw new Error('MAG_STATE_URL is set: a gateway on PostgreSQL state starts with startConfiguredGateway');
  const db = openStateDb(config.dataDir);
  try {
    return await compose(config, db, options);
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Builds and starts the gateway on `db`. One sequence over ~100 lines, on purpose: each part is
 * built from the ones above it, and `stop` undoes them in the order shutdown needs; split into
 * helpers, that order would be harder to see. The stores give values on SQLite and Promises on
 * PostgreSQL; what is written without being waited for (audit entries of refused devices,
 * deferred alert clears) reports its failure to the log. Dead letters are waited for (keepRefused).
 */
async function compose<S extends SqliteState | PostgresState>(config: Config, db: S, options: GatewayOptions): Promise<Gateway<S>> {
  const log = options.log ?? createLogger(config.logLevel, config.cluster.nodeId);
  const now = options.now ?? (() => new Date());
  /** now() in epoch ms, without a Date per message on the hot path. */
  const nowMs = options.now ? () => options.now!().getTime() : Date.now;
  const profiles = loadProfiles(config.profilesDir);
  // the sampling plans and the table of T, as data in the profiles directory
  const samplingPlans = loadLotRules(config.profilesDir);
  const unwaited = (what: string) => failureLogged(log, what);
  // PostgreSQL: a write nobody waits for (an alert raised by periodic work, say) that fails while
  // the database restarts is logged, not a crash of the node; the state it missed is written again
  // by the next message or run, as after any failed write.
  // The stack tells such a write from a fault of another kind that this handler also catches.
  const unwaitedFailure = (reason: unknown) =>
    log.error(
      { err: reason instanceof Error ? reason.message : String(reason), stack: reason instanceof Error ? reason.stack : undefined },
      'a state write not waited for failed',
    );
  if (db instanceof PostgresState) process.on('unhandledRejection', unwaitedFailure);
  const registry = await Registry.open(db, config.defaultTimeZone);
  const tokens = new Tokens(db);
  tokens.setBootstrapAdmin(config.adminToken);
  const audit = new AuditLog(db, (err, entry) =>
    log.error({ err: err.message, audit: entry }, 'an audit entry could not be written to the state database; this log line keeps it'),
  );
  const alerts = await AlertBook.open(db, (err) => log.error({ err: err.message }, 'writing alert repeats failed; kept in memory for the next try'));
  const lots = new LotBook(db, registry, profiles, samplingPlans, alerts, config.alerts);
  const inspectionStore = new InspectionStore(db);
  const assurance = new Assurance(db, registry, alerts, profiles, config.alerts, lots, inspectionStore);
  assurance.onFlushError = (err) => log.error({ err: err.message }, 'writing rejected messages failed; kept in memory for the next try');
  const standards = new ReferenceStandards(db, registry, alerts, profiles);
  await Promise.all([lots.loaded, inspectionStore.loaded, standards.loaded]);
  // PostgreSQL: devices another node judged since this one loaded them are loaded again before their next message.
  const followingDevices = await assurance.followDevices();
  const metrics = new GatewayMetrics(config.cluster.nodeId);
  const { sink, journal, forwarder, deadLetters, keepRefusedLine } = await openDelivery(config, db, metrics, alerts, now, log, () => assurance.resync());
  const ingest = new Ingest(
    {
      profile: (t) => profiles.get(t),
      certificates: (d) => registry.certificatesOf(d),
      lastTotalizer: (d, n) => assurance.totalizerOf(d, n),
      timeZoneOf: (t) => registry.tenant(t)?.timeZone ?? config.defaultTimeZone,
      standardOf: (id, tenant) => standards.standardOf(id, tenant),
      lot: (id) => lots.lotForPackages(id),
    },
    config.limits,
  );
  const authThrottle = new AuthThrottle(config.security.authFailMax, config.security.authFailWindowMs);
  const outbox = new Outbox(log);
  // Cluster mode: device messages go to RabbitMQ at the edge and are judged by a partition worker
  // (its batch is the pipeline's durable step); feedback and config go to the node holding the device.
  const cluster =
    config.cluster.amqpUrls.length > 0
      ? new ClusterNode(config, {
          sink,
          log,
          nowMs,
          localOutbox: outbox,
          isConnectedHere: (id) => broker.isConnected(id),
          endSessionHere: (id) => broker.disconnect(id),
          refused: (p, line, reason) => keepRefusedLine(sink.kind, reason, p, line),
          // on shared state the nodes share the partitions among them
          stateUrl: db instanceof PostgresState ? config.cluster.stateUrl : undefined,
        })
      : undefined;
  const deviceOutbox = cluster?.routing ?? outbox;
  const pipeline = new DeviceMessagePipeline({
    registry,
    ingest,
    journal: cluster?.worker.pointLog ?? journal,
    assurance,
    alerts,
    metrics,
    outbox: deviceOutbox,
    forwarder,
    log,
    nowMs,
    journalSlowAt: config.journal.slowAt,
  });
  // On PostgreSQL a batch's judging goes into one write batch, committed before its points are written.
  cluster?.worker.judgeWith(pipeline, db instanceof PostgresState ? db : undefined);
  const clearedOnConnect = unwaited('clearing the offline alert of a device that connected failed');

  const broker: Broker = new Broker(
    registry,
    {
      onDeviceMessage: cluster ? cluster.edge.onDeviceMessage : pipeline.onDeviceMessage,
      journalHasRoom: cluster ? cluster.edge.hasRoom : () => journal.uncommitted < UNWAITED_QOS0_MAX_UNCOMMITTED && journal.fill <= config.journal.slowAt,
      onConnect: (id) => {
        metrics.connects.inc();
        cluster?.routing.resendConfig(id);
        const d = registry.device(id);
        if (d) {
          registry.markSeen(id, now().getTime());
          // deferred: a connect/disconnect storm keeps one offline alert counting, not one per cycle
          clearedOnConnect(alerts.clear(id, 'offline', '', 'device connected', now(), true));
        }
      },
      onAuthFailure: (clientId, address, reason) =>
        audit.append(`mqtt:${address ?? 'unknown'}`, 'mqtt.connect.refused', clientId.slice(0, 64), { reason }, now()),
      onAclDenied: (id, what) => audit.append(`device:${id}`, 'mqtt.acl.denied', id, { what }, now()),
      onPublishRefused: (id, topic, reason, payload) => assurance.recordRefusedPublish(id, topic, reason, payload, now()),
    },
    brokerOptions(config, authThrottle),
    outbox,
    log,
  );
  await cluster?.start(); // the queues are declared before the broker accepts a message
  await broker.start();
  forwarder.start();

  const notifier = await AlertNotifier.open(db, alerts, registry, log, now, {
    maxAttempts: config.webhooks.maxAttempts,
    baseDelayMs: config.webhooks.retryBaseMs,
    maxDelayMs: config.webhooks.retryMaxMs,
  });
  notifier.start();

  // Periodic work. The last-seen flush stops apart: once no message can arrive any more.
  const verifications = new VerificationReview(registry, assurance, deviceOutbox, now, log);
  const publishConfig = (device: Device, force?: boolean) => verifications.publishConfig(device, force);
  const inspections = new InspectionService({
    store: inspectionStore,
    registry,
    assurance,
    audit,
    profiles,
    publishConfig,
    log,
    now,
    defaultTimeZone: config.defaultTimeZone,
    standardOf: (id, tenant) => standards.standardOf(id, tenant),
    recordPoints: (points) => journal.append(points, nowMs()),
  });
  const campaigns = new CampaignService({ store: new CampaignStore(db), registry, audit, profiles, publishConfig, now, timeZone: config.defaultTimeZone });
  const fleetState = new FleetStateRecord(registry, assurance, alerts, journal, now, log);
  const lastSeen = new LastSeenFlush(registry, log);
  // On a cluster the fleet-wide units run on one node, the holder of an advisory lock (the
  // verification review publishes each device's config once, fleet standing is recorded once);
  // every node follows the registry. Last-seen times reach the shared state a flush later.
  const leadership = db instanceof PostgresState ? new AdvisoryLeadership(config.cluster.stateUrl!, log) : alone();
  if (leadership instanceof AdvisoryLeadership) await leadership.start();
  const periodic = [
    whileLeading(leadership, verifications),
    whileLeading(leadership, offlineBySilence(registry, profiles, alerts, now, log, db instanceof PostgresState ? LastSeenFlush.PERIOD_MS : undefined)),
    whileLeading(leadership, alertEscalation(alerts, config.alerts.escalationMinutes, now, log)),
    whileLeading(leadership, fleetState),
    registrySync(registry, () => verifications.reviewAll(), log),
  ];
  for (const unit of periodic) unit.start();
  lastSeen.start();

  const http = new HttpListener({ host: config.host, port: config.httpPort, tls: config.tls });
  let stopped = false;
  /** Stops accepting, commits in-flight journal writes, flushes to the sink within `drainMs`, then closes the stores. */
  const stop = async (drainMs = 5000): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const unit of periodic) unit.stop();
    await leadership.stop();
    followingDevices.stop();
    notifier.stop();
    await broker.close();
    await cluster?.stop();
    journal.commit();
    await forwarder.stop(drainMs);
    await http.close();
    journal.close();
    await lastSeen.stop();
    // what the last messages left in memory: alert repeats, deferred clears, rejections
    for (const held of [assurance, alerts]) {
      try {
        await held.stop();
      } catch (e) {
        log.error({ err: (e as Error).message }, 'writing the last alert repeats or rejections at stop failed; the alerts themselves are stored');
      }
    }
    await sink.close();
    tokens.close();
    await db.close();
    process.off('unhandledRejection', unwaitedFailure);
    log.info({ backlog: journal.backlogPoints }, 'MAG gateway stopped');
  };

  const gateway: Gateway<S> = {
    config,
    ports: { mqtt: broker.ports.mqtt!, http: 0, ws: broker.ports.ws, mqtts: broker.ports.mqtts },
    db,
    registry,
    tokens,
    audit,
    alerts,
    assurance,
    cluster,
    standards,
    lots,
    inspections,
    campaigns,
    journal,
    forwarder,
    sink,
    broker,
    profiles,
    log,
    authThrottle,
    reviewVerifications: () => verifications.reviewAll(),
    recordFleetState: (at) => fleetState.record(at),
    stop,
  };
  const app = createApi({
    futureToleranceMs: config.limits.futureToleranceMs,
    registry,
    tokens,
    audit,
    alerts,
    assurance,
    standards,
    lots,
    notifier,
    deadLetters,
    deadLetterReplay: new DeadLetterReplay({ db, deadLetters, audit, sink, alerts, now }),
    profiles,
    readings: sink,
    sessions: cluster ? { disconnect: (id) => cluster.routing.disconnect(id) } : broker,
    readiness: { broker, store: db, sink, journal, forwarder, cluster },
    metrics,
    authThrottle,
    security: config.security,
    log,
    now,
    timeZone: config.defaultTimeZone,
    publishConfig,
    inspections,
    campaigns,
  });
  metrics.bind(gateway);
  gateway.ports.http = await http.listen(app.fetch);
  log.info(
    {
      node: cluster ? config.cluster.nodeId : undefined,
      mqtt: gateway.ports.mqtt,
      http: gateway.ports.http,
      ws: gateway.ports.ws,
      mqtts: gateway.ports.mqtts,
      sink: sink.kind,
      dataDir: config.dataDir,
      profiles: [...profiles.keys()],
    },
    'MAG gateway started',
  );
  return gateway;
}

/** The time-series sink, the journal before it and the forwarder between them; points refused by the sink go to the dead-letter store. */
async function openDelivery<S extends SqliteState | PostgresState>(
  config: Config,
  db: S,
  metrics: GatewayMetrics,
  alerts: AlertBook<S>,
  now: () => Date,
  log: Logger,
  /** What the state batch changed in memory is to be read again (its commit failed). */
  resyncState: () => void,
): Promise<{ sink: Sink; journal: Journal; forwarder: Forwarder; deadLetters: DeadLetters<S>; keepRefusedLine: RefusedLineKeeper }> {
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
  // The checks, totalizers and alerts of the messages one commit acknowledges are written in one
  // state transaction (one commit, not one per message: a fuel dispenser's every transaction writes its totalizer).
  const onStateCommitError = (e: Error) => {
    metrics.assuranceErrors.inc();
    log.error({ err: e.message }, 'committing the checks/drift/alerts of journaled messages failed; they are acknowledged and stored');
    // what the batch changed in memory is no longer what the database holds
    resyncState();
  };
  // On PostgreSQL (a cluster node) the journal holds only the node's own points (fleet standing,
  // inspection records), whose acknowledgements write no state: nothing to wrap.
  const sqlite = db instanceof PostgresState ? undefined : (db as SqliteState);
  const journal = new Journal({
    dir: config.dataDir,
    ...config.journal,
    callBackWithin: sqlite ? (callBack) => sqlite.batch(callBack, onStateCommitError) : (callBack) => callBack(),
  });
  const deadLetters = new DeadLetters(db);
  for (const u of journal.unrenderable) {
    // Points of a journal from an earlier version that line protocol cannot carry (converted at open).
    await deadLetters.add({ at: now(), sink: sink.kind, reason: u.reason, device: u.point.tags?.device, tenant: u.point.tags?.tenant, point: u.point });
    log.warn(
      { device: u.point.tags?.device, reason: u.reason },
      'journaled point of an earlier version cannot be written as line protocol; moved to the dead-letter store',
    );
  }
  const alertFailed = 'raising a points-refused alert failed';
  const keepRefusedLine = keepRefused(
    deadLetters,
    new DeadLetterCap(deadLetters, config.sink.deadLettersMax),
    refusedPointsAlert(alerts, failureLogged(log, alertFailed), (e) => log.error({ err: e.message }, alertFailed)),
    now,
  );
  const forwarder = new Forwarder(journal, sink, { add: keepRefusedLine }, log, config.sink);
  return { sink, journal, forwarder, deadLetters, keepRefusedLine };
}

/**
 * Keeps a line the sink refused as a dead letter, for the forwarder and the cluster's partition
 * worker, which wait for it before the line's batch counts as written: a failure (the state
 * database restarting) fails the write, which is sent again and refused again, and the line is
 * kept then (once: src/store/dead-letters.ts).
 */
type RefusedLineKeeper = (sink: string, reason: string, p: Point | undefined, line: string) => void | Promise<void>;

/** Tells of a point kept as a dead letter for the first time (not again when its batch is sent again). */
type RefusedPointKept = (sink: string, reason: string, p: Point | undefined, line: string, at: Date) => void;

function keepRefused(deadLetters: DeadLetters, cap: DeadLetterCap, kept: RefusedPointKept, now: () => Date): RefusedLineKeeper {
  return async (sink, reason, p, line) => {
    const at = now();
    let keptNow: boolean;
    try {
      // at the cap this throws DeadLettersFullError, which fails the write as it is
      if (!(await cap.admit(sink, line))) return;
      keptNow = await deadLetters.add({ at, sink, reason, device: p?.tags.device, tenant: p?.tags.tenant, point: p ?? { line }, line });
    } catch (e) {
      if (e instanceof DeadLettersFullError) throw e;
      throw new Error(`keeping a point the sink refused as a dead letter failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (keptNow) {
      cap.kept();
      kept(sink, reason, p, line, at);
    }
  };
}

/** Longest refused line quoted in a points-refused alert's details (the dead letter keeps it whole). */
const REFUSED_LINE_QUOTED = 1000;

/**
 * A `points-refused` alert for the device whose point the sink refused for good (a field type
 * conflict, say): without it only an admin reading the dead letters would know that acknowledged
 * readings are missing from InfluxDB; the operator sees it among the device's alerts, repeats
 * counted (throttled) while its points keep being refused. A point of the gateway's own (no
 * device or tenant tag) raises it for `_gateway`/`_sink`, admins only. Raised after the dead
 * letter is kept, and not waited for: the dead letter is the evidence; a failed raise is logged.
 */
function refusedPointsAlert(alerts: AlertBook<StateExecutor>, raised: (written: unknown) => void, failed: (e: Error) => void): RefusedPointKept {
  return (sink, reason, p, line, at) => {
    const device = p?.tags.device;
    const tenant = p?.tags.tenant;
    const own = device === undefined || tenant === undefined;
    const when = p ? new Date(p.ts) : undefined;
    // never fails the keeping: the dead letter is kept, and its write counts as done
    try {
      raised(
        alerts.raise({
          tenant: own ? '_gateway' : tenant,
          device: own ? '_sink' : device,
          kind: 'points-refused',
          severity: 'warning',
          summary: `${own ? "The gateway's own points" : `Points of ${device}`} refused for good by the time-series database: ${reason}; kept as dead letters`,
          details: {
            sink,
            reason,
            // a time beyond what a Date holds (a reason to refuse it) is quoted as the number it is
            ...(p && when ? { measurement: p.measurement, ts: Number.isFinite(when.getTime()) ? when.toISOString() : p.ts } : {}),
            ...(p?.fields.seq !== undefined ? { seq: p.fields.seq } : {}),
            line: line.length > REFUSED_LINE_QUOTED ? `${line.slice(0, REFUSED_LINE_QUOTED)}…` : line,
          },
          at,
          throttle: true,
        }),
      );
    } catch (e) {
      failed(e as Error);
    }
  };
}

/** For a store write nobody waits for: on PostgreSQL (a Promise) its failure is logged as `what`; on SQLite it has happened. */
function failureLogged(log: Logger, what: string): (written: unknown) => void {
  return (written) => {
    if (isPending(written)) written.catch((e: Error) => log.error({ err: e.message }, what));
  };
}

function brokerOptions(config: Config, authThrottle: AuthThrottle): BrokerOptions {
  return {
    host: config.host,
    mqttPort: config.mqttPort,
    mqttWsPort: config.mqttWsPort,
    mqttsPort: config.mqttsPort,
    tls: config.tls,
    maxPayloadBytes: config.limits.maxPayloadBytes,
    maxTopicLevels: config.security.maxTopicLevels,
    maxConnections: config.security.maxConnections,
    deviceMsgRate: { rate: config.security.deviceMsgRate, burst: config.security.deviceMsgBurst },
    authThrottle,
  };
}
