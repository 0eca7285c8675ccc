// An authorized device publication handed to the gateway's pipeline (ingest → journal). The
// journal commit happens inside authorizePublish, which aedes runs BEFORE it writes the QoS 1
// PUBACK: an acknowledged message is always in the journal.
import type { Client, PublishPacket } from 'aedes';
import type { Logger } from '../log.ts';
import type { BrokerHooks, BrokerTotals } from './broker.ts';
import type { DeviceTopic } from './topics.ts';

export class DeviceMessageHandoff {
  /** When a lost QoS 0 message was last logged (at most once a second). */
  private lastQos0Warning = 0;

  constructor(
    private readonly hooks: BrokerHooks,
    private readonly totals: BrokerTotals,
    private readonly log: Logger,
  ) {}

  /** Hands the message to the pipeline; `done` (aedes' authorizePublish callback) lets a QoS 1/2 PUBACK go once it is journaled. */
  accept(client: Client, packet: PublishPacket, suffix: DeviceTopic, done: (err?: Error | null) => void): void {
    const qos = packet.qos;
    // QoS 0: no PUBACK to wait for. While few appends wait for their commit, aedes reads on at once
    // (the message and its parse die young instead of being held through a commit); beyond that,
    // aedes reads no more from this socket until the commit: the back-pressure that keeps a QoS 0
    // flood out of memory.
    // (Callbacks here are inline and unnamed: the TypeScript loader wraps every named function
    // expression in a per-call __name() that cost ~0.3 µs a message.)
    if (qos === 0 && this.hooks.journalHasRoom?.() === true) {
      try {
        this.hooks.onDeviceMessage(client.id, suffix, packet.payload as Buffer, qos, packet.retain, (e) => {
          if (e) this.qos0Lost(client, e);
        });
      } catch (e) {
        this.qos0Lost(client, e as Error);
      }
      return done(null);
    }
    try {
      this.hooks.onDeviceMessage(client.id, suffix, packet.payload as Buffer, qos, packet.retain, (e) => this.settle(client, packet, done, e));
    } catch (e) {
      this.settle(client, packet, done, e as Error);
    }
  }

  /** A QoS 0 message that was not journaled (journal full, shutting down): logged at most once a second, with the count. */
  private qos0Lost(client: Client, e: Error): void {
    this.totals.qos0NotJournaled++;
    const now = Date.now();
    if (now - this.lastQos0Warning < 1000) return;
    this.lastQos0Warning = now;
    this.log.warn(
      { device: client.id, err: e.message, lostSinceStart: this.totals.qos0NotJournaled },
      'QoS 0 message not journaled (at most once: it is lost)',
    );
  }

  /** A message is journaled (`e` null) or refused: QoS 0 is let go either way, QoS 1/2 refused closes the connection (no PUBACK). */
  private settle(client: Client, packet: PublishPacket, done: (err?: Error | null) => void, e: Error | null): void {
    if (!e) return done(null);
    if (packet.qos === 0) {
      // No PUBACK to hold back, and no reason to close the connection: the message is lost (at most once).
      this.qos0Lost(client, e);
      return done(null);
    }
    this.log.error({ device: client.id, topic: packet.topic, err: e.message }, 'message not journaled; refusing it (no PUBACK)');
    done(e);
  }
}
