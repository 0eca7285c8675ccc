// The topic ACL and the limits on what a connected device sends and receives: a device publishes
// to its own readings/checks/senml/packages/status within MAG_MAX_PAYLOAD_BYTES and MAG_DEVICE_MSG_RATE,
// subscribes to its own feedback/config, and is sent only what the gateway publishes there.
import type { AedesOptions, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from '../log.ts';
import type { TokenBuckets } from '../limits.ts';
import { clientSocket } from './aedes-internals.ts';
import type { BrokerHooks, BrokerOptions, BrokerTotals } from './broker.ts';
import type { DeviceMessageHandoff } from './handoff.ts';
import type { Outbox } from './outbox.ts';
import { DEVICE_TOPICS, SUBSCRIBABLE, parseDeviceTopic, type DeviceTopic } from './topics.ts';

export class AclError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AclError';
  }
}

/**
 * Bytes queued to a device beyond which the gateway's own publications to it (feedback,
 * config) are dropped: a device that stops reading must not hold aedes' delivery slots,
 * which every publisher shares (a full slot table stalls all ingest).
 */
const SLOW_SUBSCRIBER_BYTES = 64 * 1024;

export interface AuthorizeDeps {
  hooks: BrokerHooks;
  opts: BrokerOptions;
  log: Logger;
  totals: BrokerTotals;
  outbox: Outbox;
  handoff: DeviceMessageHandoff;
  /** MAG_DEVICE_MSG_RATE per device, when set. */
  messageRate: TokenBuckets | undefined;
}

/**
 * A device's PUBLISH: the ACL, the payload limit and the message rate, then the handoff to the
 * gateway's pipeline (which journals it before aedes writes the PUBACK). The gateway's own
 * publications (no client) pass. Runs for every message: nothing here allocates but the feedback
 * of a refusal.
 */
export function authorizePublish({ hooks, opts, log, totals, outbox, handoff, messageRate }: AuthorizeDeps): NonNullable<AedesOptions['authorizePublish']> {
  return (client: Client | null, packet: PublishPacket, done) => {
    if (!client) return done(null); // the gateway's own publications (feedback, config)
    const t = parseDeviceTopic(packet.topic);
    if (!t || t.deviceId !== client.id || !DEVICE_TOPICS.has(t.suffix)) {
      totals.aclDenied++;
      hooks.onAclDenied?.(client.id, `publish ${packet.topic}`);
      log.warn({ device: client.id, topic: packet.topic }, 'publish outside the device topics refused; closing the connection');
      hooks.onPublishRefused?.(
        client.id,
        packet.topic,
        `publishing to ${packet.topic} is not allowed: a device publishes only to its own instruments/${client.id}/ readings, checks, senml, packages or status; the connection was closed and nothing of the message was stored`,
        packet.payload as Buffer,
      );
      return done(new AclError(`publish to ${packet.topic} is not allowed`));
    }
    const payload = packet.payload as Buffer;
    if (payload.length > opts.maxPayloadBytes) {
      totals.oversizePayload++;
      log.warn({ device: client.id, topic: packet.topic, bytes: payload.length, max: opts.maxPayloadBytes }, 'payload too large; closing the connection');
      hooks.onPublishRefused?.(
        client.id,
        packet.topic,
        `the message of ${payload.length} bytes is larger than the ${opts.maxPayloadBytes} bytes a message may have (MAG_MAX_PAYLOAD_BYTES): the connection was closed and nothing of it was stored; send it in smaller batches`,
        payload,
      );
      return done(new AclError(`payload of ${payload.length} bytes exceeds ${opts.maxPayloadBytes}`));
    }
    if (t.suffix !== 'status' && packet.retain) packet.retain = false; // only status is retained
    if (packet.qos === 0) {
      const wait = messageRate?.take(client.id) ?? 0;
      if (wait > 0) {
        // QoS 0 over MAG_DEVICE_MSG_RATE (at most once by definition): not stored, reported on feedback.
        totals.rateDropped++;
        const { rate, burst } = opts.deviceMsgRate!;
        outbox.publish(`instruments/${client.id}/feedback`, {
          seq: null,
          topic: packet.topic,
          errors: [
            {
              path: '(message)',
              message: `rate limit: at most ${rate} messages/s with bursts of ${burst} (MAG_DEVICE_MSG_RATE, MAG_DEVICE_MSG_BURST); this QoS 0 message was not stored, send it again in ${wait} s or use QoS 1`,
            },
          ],
        });
        return done(null);
      }
    } else {
      // QoS 1 over MAG_DEVICE_MSG_RATE: held back, never dropped. The message is journaled and
      // acknowledged when the device is within its rate again; aedes reads no more from this
      // device's socket meanwhile, so TCP slows the device down and no other device waits.
      const holdMs = messageRate?.reserve(client.id) ?? 0;
      if (holdMs > 0) {
        totals.rateHeld++;
        setTimeout(() => handoff.accept(client, packet, t.suffix as DeviceTopic, done), holdMs);
        return;
      }
    }
    handoff.accept(client, packet, t.suffix as DeviceTopic, done);
  };
}

/** A device's SUBSCRIBE: its own feedback and config only. */
export function authorizeSubscribe({ hooks, log, totals }: Pick<AuthorizeDeps, 'hooks' | 'log' | 'totals'>): NonNullable<AedesOptions['authorizeSubscribe']> {
  return (client: Client, sub: Subscription, done) => {
    const t = parseDeviceTopic(sub.topic);
    if (!t || t.deviceId !== client.id || !SUBSCRIBABLE.has(t.suffix)) {
      totals.aclDenied++;
      hooks.onAclDenied?.(client.id, `subscribe ${sub.topic}`);
      log.warn({ device: client.id, topic: sub.topic }, 'subscription refused');
      return done(new AclError(`subscription to ${sub.topic} is not allowed`));
    }
    done(null, sub);
  };
}

/**
 * What aedes sends a device: only what the gateway publishes to its own feedback/config, and
 * nothing while the device has stopped reading (SLOW_SUBSCRIBER_BYTES).
 */
export function authorizeForward({ log, totals }: Pick<AuthorizeDeps, 'log' | 'totals'>): NonNullable<AedesOptions['authorizeForward']> {
  return (client: Client, packet) => {
    if (!packet.topic.startsWith(`instruments/${client.id}/`)) return null;
    const conn = clientSocket(client);
    if (conn && (conn.writableNeedDrain || (conn.writableLength ?? 0) > SLOW_SUBSCRIBER_BYTES)) {
      if (totals.slowSubscriberDropped++ % 1000 === 0) {
        log.warn(
          { device: client.id, topic: packet.topic, queuedBytes: conn.writableLength, dropped: totals.slowSubscriberDropped },
          'device is not reading its subscriptions; dropping gateway messages to it',
        );
      }
      return null;
    }
    return packet;
  };
}
