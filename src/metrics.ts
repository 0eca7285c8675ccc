// Prometheus metrics (prom-client): counters on the hot path, gauges read at scrape time.

import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { AEDES_PATCHES } from './broker/aedes-internals.ts';
import type { Gateway } from './gateway.ts';
import { SqliteState } from './store/sql.ts';

export class GatewayMetrics {
  readonly registry = new Registry();
  /**
   * The per-message counts are plain numbers, read into prom-client at scrape time: a labelled
   * `inc()` hashes its labels on every call, which on the hot path cost more than the count.
   */
  private readonly perTopic = new Map<string, { messages: number; rejected: number }>();
  private acceptedPoints = 0;
  readonly messages = counterFrom(this.registry, 'mag_messages_total', 'Device messages received, by topic', 'topic', () =>
    [...this.perTopic].map(([topic, c]) => [topic, c.messages]),
  );
  readonly points = counterFrom(this.registry, 'mag_points_accepted_total', 'Points accepted into the journal', undefined, () => [['', this.acceptedPoints]]);
  readonly rejected = counterFrom(this.registry, 'mag_rejected_total', 'Rejected readings/checks (failed validation), by topic', 'topic', () =>
    [...this.perTopic].map(([topic, c]) => [topic, c.rejected]),
  );
  readonly journalRefused = new Counter({
    name: 'mag_journal_refused_total',
    help: 'Messages refused because the journal reached MAG_JOURNAL_MAX_BYTES',
    registers: [this.registry],
  });
  readonly assuranceErrors = new Counter({
    name: 'mag_assurance_errors_total',
    help: 'Journaled messages whose checks/drift/alerts update failed (the message is still acknowledged and stored; see the error log)',
    registers: [this.registry],
  });
  readonly connects = new Counter({ name: 'mag_mqtt_connects_total', help: 'Successful MQTT connections', registers: [this.registry] });
  /** The broker's counts of `mag_auth_failures_total` and `mag_limit_refused_total` (the API increments those counters directly). */
  private readonly brokerAuthFailures: BrokerCount<'protocol'>[] = [];
  private readonly brokerLimits: BrokerCount<'limit'>[] = [];
  readonly authFailures: Counter<'protocol'> = new Counter({
    name: 'mag_auth_failures_total',
    help: 'Failed authentications: missing or wrong credentials (MQTT: also a client id other than the username, a certificate CN other than the device id). An MQTT CONNECT refused by the throttle is counted under mag_limit_refused_total{limit="auth_throttle"} only, one that could not be verified under mag_mqtt_auth_errors_total',
    labelNames: ['protocol'],
    registers: [this.registry],
    collect: (): void => catchUp(this.authFailures, this.brokerAuthFailures),
  });
  readonly limitRefused: Counter<'limit'> = new Counter({
    name: 'mag_limit_refused_total',
    help: 'Requests refused or held back by a limit, one limit per label: mqtt_connections (CONNECT at MAG_MAX_CONNECTIONS), mqtt_message_rate (QoS 0 over MAG_DEVICE_MSG_RATE, dropped), mqtt_message_rate_held (QoS 1 over it, acknowledged later), api_rate, auth_throttle (MQTT or HTTP, too many failed authentications from the address)',
    labelNames: ['limit'],
    registers: [this.registry],
    collect: (): void => catchUp(this.limitRefused, this.brokerLimits),
  });
  readonly httpRequests = new Counter({
    name: 'mag_http_requests_total',
    help: 'HTTP requests by status class',
    labelNames: ['status'],
    registers: [this.registry],
  });

  /** `node`: this gateway's name (MAG_NODE_ID, else the host's), as `mag_node_info{node}` (the contract's node name in the metrics, without a label on every series). */
  constructor(node?: string) {
    collectDefaultMetrics({ register: this.registry, prefix: 'mag_process_' });
    if (node !== undefined) {
      new Gauge({
        name: 'mag_node_info',
        help: "This gateway's node name (MAG_NODE_ID, else the host's), always 1",
        labelNames: ['node'],
        registers: [this.registry],
      }).set({ node }, 1);
    }
  }

  countMessage(topic: string, points: number, rejections: number): void {
    let c = this.perTopic.get(topic);
    if (!c) this.perTopic.set(topic, (c = { messages: 0, rejected: 0 }));
    c.messages++;
    c.rejected += rejections;
    this.acceptedPoints += points;
  }

  // Over 80 lines: one collector per exported gauge, a list read top to bottom.
  // Either state database (only the SQLite one counts its writes).
  bind(g: Gateway<any>): void {
    const r = this.registry;
    new Gauge({
      name: 'mag_journal_backlog_points',
      help: 'Points in the journal not yet confirmed by the sink',
      registers: [r],
      collect() {
        this.set(g.journal.backlogPoints);
      },
    });
    new Gauge({
      name: 'mag_journal_backlog_bytes',
      help: 'Bytes of undelivered points in the journal',
      registers: [r],
      collect() {
        this.set(g.journal.backlogBytes);
      },
    });
    new Gauge({
      name: 'mag_journal_capacity_bytes',
      help: 'MAG_JOURNAL_MAX_BYTES',
      registers: [r],
      collect() {
        this.set(g.journal.capacity);
      },
    });
    new Gauge({
      name: 'mag_journal_oldest_age_seconds',
      help: 'Age of the oldest undelivered journal entry',
      registers: [r],
      collect() {
        const o = g.journal.oldestReceivedAt();
        this.set(o === undefined ? 0 : Math.max(0, (Date.now() - o) / 1000));
      },
    });
    counterFrom(
      r,
      'mag_journal_commits_total',
      'Journal commits since start; synced="true": waited for the disk (fsync), as every commit holding a QoS 1 message or alert evidence does; "false": only QoS 0 readings, written to the operating system',
      'synced',
      () => [
        ['true', g.journal.totals.syncedCommits],
        ['false', g.journal.totals.commits - g.journal.totals.syncedCommits],
      ],
    );
    new Gauge({
      name: 'mag_sink_drain_rate_points_per_second',
      help: 'Recent rate at which the sink confirms points',
      registers: [r],
      collect() {
        this.set(g.forwarder.drainRate);
      },
    });
    new Gauge({
      name: 'mag_sink_delivered_points',
      help: 'Points confirmed by the sink since start',
      registers: [r],
      collect() {
        this.set(g.forwarder.totals.deliveredPoints);
      },
    });
    new Gauge({
      name: 'mag_sink_writes',
      help: 'Writes confirmed by the sink since start (mag_sink_delivered_points / this: points per write)',
      registers: [r],
      collect() {
        this.set(g.forwarder.totals.batches);
      },
    });
    new Gauge({
      name: 'mag_sink_dead_letters',
      help: 'Points refused by the sink and moved to the dead-letter store since start',
      registers: [r],
      collect() {
        this.set(g.forwarder.totals.deadLetters);
      },
    });
    new Gauge({
      name: 'mag_sink_up',
      help: '1 when the last sink write succeeded',
      registers: [r],
      collect() {
        this.set(g.forwarder.sinkHealthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mag_qos0_not_journaled',
      help: 'QoS 0 messages lost since start because the journal did not take them (full, shutting down, or the device removed meanwhile); QoS 1 is refused instead (no PUBACK)',
      registers: [r],
      collect() {
        this.set(g.broker.totals.qos0NotJournaled);
      },
    });
    new Gauge({
      name: 'mag_mqtt_clients',
      help: 'Connected MQTT clients',
      registers: [r],
      collect() {
        this.set(g.broker.connectedClients);
      },
    });
    counterFrom(
      r,
      'mag_state_writes_total',
      'Statements run on the state database that may change it, by table (SQLite state; none counted on PostgreSQL): alert repeats and rejections are coalesced in memory and written about once a second, so this grows with what changes, not with the message rate',
      'table',
      () => (g.db instanceof SqliteState ? [...g.db.writes()] : []),
    );
    new Gauge({
      name: 'mag_alerts_open',
      help: 'Open or acknowledged alerts',
      registers: [r],
      collect() {
        this.set(g.alerts.openCount());
      },
    });
    new Gauge({
      name: 'mag_devices',
      help: 'Registered devices',
      registers: [r],
      collect() {
        this.set(g.registry.listDevices().length);
      },
    });
    this.bindBroker(g);
    if (g.cluster) this.bindCluster(g.cluster);
  }

  /** Cluster mode: the edge's confirms and refusals, the worker's judged and redelivered messages and its sink, the link. */
  private bindCluster(c: NonNullable<Gateway['cluster']>): void {
    const r = this.registry;
    new Gauge({
      name: 'mag_cluster_connected',
      help: '1 while the node is connected to the RabbitMQ cluster',
      registers: [r],
      collect() {
        this.set(c.link.connected ? 1 : 0);
      },
    });
    counterFrom(
      r,
      'mag_cluster_edge_messages_total',
      'Device messages this node published to RabbitMQ, by outcome: confirmed (then acknowledged to the device), refused (nack at the queue cap, channel lost, no connection: no PUBACK)',
      'outcome',
      () => [
        ['confirmed', c.edge.totals.confirmed],
        ['refused', c.edge.totals.refused],
      ],
    );
    counterFrom(
      r,
      'mag_cluster_worker_messages_total',
      "Messages this node's worker judged, by kind: all, redelivered (judged before by a worker that did not acknowledge them), unjudged (dropped: unknown device, bad headers, a fault)",
      'kind',
      () => [
        ['all', c.worker.totals.messages],
        ['redelivered', c.worker.totals.redelivered],
        ['unjudged', c.worker.totals.unjudged],
      ],
    );
    counterFrom(
      r,
      'mag_cluster_worker_failed_writes_total',
      "Sink writes of this node's worker that failed (retried; nothing acknowledged meanwhile)",
      undefined,
      () => [['', c.worker.totals.failedWrites]],
    );
    new Gauge({
      name: 'mag_cluster_worker_sink_up',
      help: "1 while the worker's last sink write succeeded",
      registers: [r],
      collect() {
        this.set(c.worker.sinkHealthy ? 1 : 0);
      },
    });
  }

  /** The broker's refusals and drops (its totals, one cause each) and the patches of aedes internals it had to leave off. */
  private bindBroker(g: Gateway): void {
    const r = this.registry;
    const t = g.broker.totals;
    this.brokerAuthFailures.push({ labels: { protocol: 'mqtt' }, read: () => t.authFailed, exported: 0 });
    this.brokerLimits.push(
      { labels: { limit: 'auth_throttle' }, read: () => t.authThrottled, exported: 0 },
      { labels: { limit: 'mqtt_connections' }, read: () => t.connectionsOverLimit, exported: 0 },
      { labels: { limit: 'mqtt_message_rate' }, read: () => t.rateDropped, exported: 0 },
      { labels: { limit: 'mqtt_message_rate_held' }, read: () => t.rateHeld, exported: 0 },
    );
    counterFrom(
      r,
      'mag_mqtt_auth_errors_total',
      'MQTT CONNECTs refused because the credentials could not be verified (an error in the gateway, see the error log; not counted toward the throttle)',
      undefined,
      () => [['', t.authErrors]],
    );
    counterFrom(r, 'mag_mqtt_acl_denied_total', 'MQTT publish/subscribe refused by the topic ACL', undefined, () => [['', t.aclDenied]]);
    counterFrom(
      r,
      'mag_mqtt_oversize_refused_total',
      'MQTT connections closed for size, by check: announced (a packet header announced more than MAG_MAX_PAYLOAD_BYTES allows; closed before its bytes arrived), payload (a PUBLISH payload over MAG_MAX_PAYLOAD_BYTES)',
      'check',
      () => [
        ['announced', t.oversizeAnnounced],
        ['payload', t.oversizePayload],
      ],
    );
    counterFrom(
      r,
      'mag_gateway_publications_dropped_total',
      "The gateway's messages to devices (feedback, config) dropped, by reason: subscriber_not_reading (the device's socket was backed up), outbox_full (50,000 feedback messages waiting for aedes)",
      'reason',
      () => [
        ['subscriber_not_reading', t.slowSubscriberDropped],
        ['outbox_full', g.broker.outbox.dropped],
      ],
    );
    new Gauge({
      name: 'mag_broker_internals_missing',
      help: '1 for a patch of aedes internals left off because the installed aedes lacks what it patches (see the error log and src/broker/aedes-internals.ts); 0 when applied',
      labelNames: ['patch'],
      registers: [r],
      collect() {
        const missing = g.broker.internals?.missing;
        for (const patch of AEDES_PATCHES) this.set({ patch }, missing?.has(patch) ? 1 : 0);
      },
    });
  }
}

/** A count kept as a plain number by its owner (the broker's totals), added to a counter at scrape time. */
interface BrokerCount<L extends string> {
  labels: Record<L, string>;
  read: () => number;
  /** What of it the counter already holds. */
  exported: number;
}

/** Adds what each count grew by since the last scrape to `counter` (which others increment directly, so it cannot be reset and refilled). */
function catchUp<L extends string>(counter: Counter<L>, counts: BrokerCount<L>[]): void {
  for (const c of counts) {
    const grown = c.read() - c.exported;
    if (grown > 0) {
      counter.inc(c.labels, grown);
      c.exported += grown;
    }
  }
}

/** A counter whose values come from `read` at scrape time: [label value, total] pairs ('' when unlabelled). */
function counterFrom(registry: Registry, name: string, help: string, label: string | undefined, read: () => [string, number][]): Counter {
  return new Counter({
    name,
    help,
    labelNames: label ? [label] : [],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, total] of read()) {
        if (total === 0 && label) continue;
        if (label) this.inc({ [label]: value }, total);
        else this.inc(total);
      }
    },
  });
}
