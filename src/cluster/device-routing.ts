// Feedback and config reach a device on whichever node holds its connection: a publication for
// a device connected here goes to the local broker; any other goes to the `mag.to-devices`
// fanout, which every node consumes with its own exclusive queue, delivering only to devices
// connected to it. Nothing is kept for a device connected nowhere (at most once, as QoS 1
// feedback to a device without a session), except its config: each node remembers the last
// config it saw for a device and sends it again, retained, whenever the device connects to it.
// The same fanout tells the node holding a device's MQTT session to end it (`disconnect`: its
// secret was rotated on another node).
import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from '../log.ts';
import { reconnectOnChannelLoss } from './amqp-link.ts';
import type { DeviceOutbox } from '../pipeline/device-messages.ts';
import { TO_DEVICES_EXCHANGE } from './topology.ts';

/** A publication for a device (no `kind`: the only kind there was at first). */
interface RoutedPublication {
  kind?: 'publish';
  topic: string;
  payload: unknown;
  retain: boolean;
  from: string;
}

/** End the device's MQTT session wherever it is open. */
interface RoutedDisconnect {
  kind: 'disconnect';
  device: string;
  from: string;
}

type Routed = RoutedPublication | RoutedDisconnect;

/** `instruments/<id>/<suffix>` → id. */
function deviceOf(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts[0] === 'instruments' && parts.length === 3 ? parts[1] : undefined;
}

export class DeviceRouting implements DeviceOutbox {
  private channel: Channel | undefined;
  /** Last config seen per device (own and other nodes'), sent again on connect. */
  private readonly configs = new Map<string, unknown>();
  readonly totals = { routed: 0, delivered: 0, dropped: 0 };

  constructor(
    /** The broker's own outbox on this node. */
    private readonly local: DeviceOutbox,
    private readonly isConnectedHere: (deviceId: string) => boolean,
    private readonly nodeId: string,
    private readonly log: Logger,
    /** Ends the device's MQTT session on this node's broker, if it has one (`disconnect`). */
    private readonly endSessionHere: (deviceId: string) => void = () => {},
  ) {}

  /** AmqpLink setup: this node's exclusive queue on the fanout. */
  readonly setup = async (conn: ChannelModel): Promise<void> => {
    const ch = await conn.createChannel();
    reconnectOnChannelLoss(conn, ch);
    ch.on('error', (e: Error) => this.log.warn({ err: e.message }, 'RabbitMQ device-routing channel error'));
    ch.once('close', () => {
      if (this.channel === ch) this.channel = undefined;
    });
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await ch.bindQueue(queue, TO_DEVICES_EXCHANGE, '');
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        let m: Routed;
        try {
          m = JSON.parse(msg.content.toString('utf8')) as Routed;
        } catch (e) {
          this.log.warn({ err: (e as Error).message }, 'unreadable message on the device-routing fanout; dropped');
          return;
        }
        if (m.from === this.nodeId) return;
        if (m.kind === 'disconnect') this.endSessionHere(m.device);
        else this.deliverHere(m.topic, m.payload, m.retain);
      },
      { noAck: true },
    );
    this.channel = ch;
  };

  /** DeviceOutbox: to the device, wherever it is connected. */
  publish(topic: string, payload: unknown, retain = false): void {
    const device = deviceOf(topic);
    if (device !== undefined && this.deliverHere(topic, payload, retain)) return;
    this.route({ topic, payload, retain, from: this.nodeId }, topic);
  }

  /**
   * Ends the device's MQTT session wherever it is open: here, and on every other node (a device
   * may still hold a session on a node it left). A rotated secret ends the session opened with
   * the old one, whichever node took the rotation.
   */
  disconnect(deviceId: string): void {
    this.endSessionHere(deviceId);
    if (!this.route({ kind: 'disconnect', device: deviceId, from: this.nodeId }, `instruments/${deviceId} (disconnect)`))
      this.log.warn({ device: deviceId }, "could not tell the other nodes to end the device's MQTT session (no RabbitMQ channel)");
  }

  /** To the fanout, for the other nodes; false when dropped (counted) for want of a channel. */
  private route(m: Routed, what: string): boolean {
    const ch = this.channel;
    if (!ch) {
      this.totals.dropped++;
      return false;
    }
    try {
      ch.publish(TO_DEVICES_EXCHANGE, '', Buffer.from(JSON.stringify(m)));
      this.totals.routed++;
      return true;
    } catch (e) {
      this.totals.dropped++;
      this.log.warn({ topic: what, err: (e as Error).message }, 'routing a message to a device failed; dropped');
      return false;
    }
  }

  /** Sends the device's last known config again (on connect). */
  resendConfig(deviceId: string): void {
    const config = this.configs.get(deviceId);
    if (config !== undefined) this.local.publish(`instruments/${deviceId}/config`, config, true);
  }

  /** Publishes locally if the device is connected here; remembers configs either way. */
  private deliverHere(topic: string, payload: unknown, retain: boolean): boolean {
    const device = deviceOf(topic);
    if (device === undefined) return false;
    if (retain && topic.endsWith('/config')) this.configs.set(device, payload);
    if (!this.isConnectedHere(device)) return false;
    this.local.publish(topic, payload, retain);
    this.totals.delivered++;
    return true;
  }
}
