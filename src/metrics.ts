// Prometheus metrics (prom-client): counters on the hot path, gauges read at scrape time.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Gateway } from './gateway.ts';

export class GatewayMetrics {
  readonly registry = new Registry();
  /**
   * The per-message counts are plain numbers, read into prom-client at scrape time: a labelled
   * `inc()` hashes its labels on every call, which on the hot path cost more than the count.
   */
  private readonly perTopic = new Map<string, { messages: number; rejected: number }>();
  private acceptedPoints = 0;
  readonly messages = counterFrom(this.registry, 'mag_messages_total', 'Device messages received, by topic', 'topic', () => [...this.perTopic].map(([topic, c]) => [topic, c.messages]));
  readonly points = counterFrom(this.registry, 'mag_points_accepted_total', 'Points accepted into the journal', undefined, () => [['', this.acceptedPoints]]);
  readonly rejected = counterFrom(this.registry, 'mag_rejected_total', 'Rejected readings/checks (failed validation), by topic', 'topic', () => [...this.perTopic].map(([topic, c]) => [topic, c.rejected]));
  readonly journalRefused = new Counter({ name: 'mag_journal_refused_total', help: 'Messages refused because the journal reached MAG_JOURNAL_MAX_BYTES', registers: [this.registry] });
  readonly assuranceErrors = new Counter({ name: 'mag_assurance_errors_total', help: 'Journaled messages whose checks/drift/alerts update failed (the message is still acknowledged and stored; see the error log)', registers: [this.registry] });
  readonly connects = new Counter({ name: 'mag_mqtt_connects_total', help: 'Successful MQTT connections', registers: [this.registry] });
  readonly authFailures = new Counter({ name: 'mag_auth_failures_total', help: 'Failed authentications', labelNames: ['protocol'], registers: [this.registry] });
  readonly limitRefused = new Counter({ name: 'mag_limit_refused_total', help: 'Requests refused or held back by a limit (mqtt_connections, mqtt_message_rate: QoS 0 dropped, mqtt_message_rate_held: QoS 1 acknowledged later, api_rate, auth_throttle)', labelNames: ['limit'], registers: [this.registry] });
  readonly aclDenied = new Counter({ name: 'mag_mqtt_acl_denied_total', help: 'MQTT publish/subscribe refused by the topic ACL', registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'mag_http_requests_total', help: 'HTTP requests by status class', labelNames: ['status'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mag_process_' });
  }

  countMessage(topic: string, points: number, rejections: number): void {
    let c = this.perTopic.get(topic);
    if (!c) this.perTopic.set(topic, (c = { messages: 0, rejected: 0 }));
    c.messages++;
    c.rejected += rejections;
    this.acceptedPoints += points;
  }

  bind(g: Gateway): void {
    const r = this.registry;
    new Gauge({ name: 'mag_journal_backlog_points', help: 'Points in the journal not yet confirmed by the sink', registers: [r], collect() { this.set(g.journal.backlogPoints); } });
    new Gauge({ name: 'mag_journal_backlog_bytes', help: 'Bytes of undelivered points in the journal', registers: [r], collect() { this.set(g.journal.backlogBytes); } });
    new Gauge({ name: 'mag_journal_capacity_bytes', help: 'MAG_JOURNAL_MAX_BYTES', registers: [r], collect() { this.set(g.journal.capacity); } });
    new Gauge({
      name: 'mag_journal_oldest_age_seconds',
      help: 'Age of the oldest undelivered journal entry',
      registers: [r],
      collect() {
        const o = g.journal.oldestReceivedAt();
        this.set(o === undefined ? 0 : Math.max(0, (Date.now() - o) / 1000));
      },
    });
    counterFrom(r, 'mag_journal_commits_total', 'Journal commits since start; synced="true": waited for the disk (fsync), as every commit holding a QoS 1 message or alert evidence does; "false": only QoS 0 readings, written to the operating system', 'synced', () => [
      ['true', g.journal.totals.syncedCommits],
      ['false', g.journal.totals.commits - g.journal.totals.syncedCommits],
    ]);
    new Gauge({ name: 'mag_sink_drain_rate_points_per_second', help: 'Recent rate at which the sink confirms points', registers: [r], collect() { this.set(g.forwarder.drainRate); } });
    new Gauge({ name: 'mag_sink_delivered_points', help: 'Points confirmed by the sink since start', registers: [r], collect() { this.set(g.forwarder.totals.deliveredPoints); } });
    new Gauge({ name: 'mag_sink_dead_letters', help: 'Points refused by the sink and moved to the dead-letter store since start', registers: [r], collect() { this.set(g.forwarder.totals.deadLetters); } });
    new Gauge({ name: 'mag_sink_up', help: '1 when the last sink write succeeded', registers: [r], collect() { this.set(g.forwarder.sinkHealthy ? 1 : 0); } });
    new Gauge({ name: 'mag_qos0_not_journaled', help: 'QoS 0 messages lost since start because the journal refused them (full, or shutting down); QoS 1 is refused instead (no PUBACK)', registers: [r], collect() { this.set(g.broker.totals.qos0NotJournaled); } });
    new Gauge({ name: 'mag_mqtt_clients', help: 'Connected MQTT clients', registers: [r], collect() { this.set(g.broker.connectedClients); } });
    new Gauge({ name: 'mag_alerts_open', help: 'Open or acknowledged alerts', registers: [r], collect() { this.set(g.alerts.openCount()); } });
    new Gauge({ name: 'mag_devices', help: 'Registered devices', registers: [r], collect() { this.set(g.registry.listDevices().length); } });
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
