// The MQTT edge of a cluster node: a device's message goes to its partition queue in RabbitMQ,
// and `done` (which lets aedes send the PUBACK) waits for RabbitMQ's publisher confirm: an
// acknowledged message is replicated on a majority of the quorum queue's members. A nack (the
// queue is full: reject-publish) or a lost channel refuses the message: no PUBACK, the
// connection closes, the device keeps the message and sends it again (as with a full journal).
//
// The message carries what the worker needs to judge it exactly as this node would have: the
// device, topic, QoS and the time this node received it (a redelivery renders the same points).
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { BrokerHooks } from '../broker/broker.ts';
import type { DeviceTopic } from '../broker/topics.ts';
import type { Logger } from '../log.ts';
import { reconnectOnChannelLoss } from './amqp-link.ts';
import { partitionOf } from './partition.ts';
import { READINGS_EXCHANGE, partitionKey } from './topology.ts';

/** Headers of a device message in a partition queue. */
export interface DeviceMessageHeaders {
  device: string;
  topic: DeviceTopic;
  qos: number;
  /** Epoch ms at the receiving edge. */
  receivedAt: number;
  /** The edge node (for logs). */
  node: string;
}

/** Unconfirmed publishes below which a QoS 0 message does not wait for its confirm (BrokerHooks.journalHasRoom). */
const UNWAITED_QOS0_MAX_UNCONFIRMED = 2000;

export interface EdgeOptions {
  nodeId: string;
  partitions: number;
  /** How long a message waits for a channel while the node reconnects to the cluster, before it is refused. */
  holdMs: number;
  nowMs: () => number;
}

export class EdgePublisher {
  private channel: ConfirmChannel | undefined;
  private unconfirmed = 0;
  /** Messages waiting for a channel while the connection is re-established. */
  private waiting: { publish: (ch: ConfirmChannel) => void; refuse: (e: Error) => void; until: number }[] = [];
  private holdTimer: NodeJS.Timeout | undefined;
  /** Messages confirmed, refused (nack or channel lost) since start. */
  readonly totals = { confirmed: 0, refused: 0 };

  constructor(
    private readonly opts: EdgeOptions,
    private readonly log: Logger,
  ) {}

  /** AmqpLink setup: a confirm channel on the new connection; messages held meanwhile go out on it. */
  readonly setup = async (conn: ChannelModel): Promise<void> => {
    const ch = await conn.createConfirmChannel();
    reconnectOnChannelLoss(conn, ch);
    ch.on('error', (e: Error) => this.log.warn({ err: e.message }, 'RabbitMQ publish channel error'));
    ch.once('close', () => {
      if (this.channel === ch) this.channel = undefined;
    });
    this.channel = ch;
    const held = this.waiting;
    this.waiting = [];
    for (const w of held) w.publish(ch);
  };

  /** BrokerHooks.onDeviceMessage: publish to the device's partition; `done` on RabbitMQ's confirm. */
  readonly onDeviceMessage: BrokerHooks['onDeviceMessage'] = (deviceId, topic, payload, qos, _retain, done) => {
    const headers: DeviceMessageHeaders = { device: deviceId, topic, qos, receivedAt: this.opts.nowMs(), node: this.opts.nodeId };
    const key = partitionKey(partitionOf(deviceId, this.opts.partitions));
    const publish = (ch: ConfirmChannel) => {
      this.unconfirmed++;
      try {
        ch.publish(READINGS_EXCHANGE, key, payload, { persistent: true, headers }, (err: unknown) => {
          this.unconfirmed--;
          if (err) {
            this.totals.refused++;
            return done(new Error(`RabbitMQ did not confirm the message (${err instanceof Error ? err.message : 'nack: the partition queue is full'})`));
          }
          this.totals.confirmed++;
          done(null);
        });
      } catch (e) {
        // the channel closed under us: amqplib throws instead of calling back
        this.unconfirmed--;
        this.totals.refused++;
        done(new Error(`RabbitMQ channel closed: ${(e as Error).message}`));
      }
    };
    if (this.channel) return publish(this.channel);
    this.hold(publish, done);
  };

  /** BrokerHooks.journalHasRoom: few publishes wait for their confirm. */
  readonly hasRoom = (): boolean => this.channel !== undefined && this.unconfirmed < UNWAITED_QOS0_MAX_UNCONFIRMED;

  /** No channel (reconnecting): the message waits up to `holdMs` for one, then is refused. */
  private hold(publish: (ch: ConfirmChannel) => void, done: (err: Error | null) => void): void {
    this.waiting.push({ publish, refuse: (e) => done(e), until: this.opts.nowMs() + this.opts.holdMs });
    this.holdTimer ??= setInterval(() => {
      const now = this.opts.nowMs();
      const expired = this.waiting.filter((w) => w.until <= now);
      if (expired.length > 0) {
        this.waiting = this.waiting.filter((w) => w.until > now);
        this.totals.refused += expired.length;
        for (const w of expired) w.refuse(new Error('not connected to the RabbitMQ cluster'));
      }
      if (this.waiting.length === 0) {
        clearInterval(this.holdTimer);
        this.holdTimer = undefined;
      }
    }, 200);
  }

  /** Refuses what still waits for a channel (at stop). */
  close(): void {
    clearInterval(this.holdTimer);
    this.holdTimer = undefined;
    const held = this.waiting;
    this.waiting = [];
    for (const w of held) w.refuse(new Error('the node is stopping'));
  }
}
