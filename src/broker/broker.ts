// aedes in-process, composed from its parts: authenticate (CONNECT), authorize (the topic ACL
// and the limits on publish, subscribe, forward), the handoff of a device's publication to the
// gateway's pipeline, the listeners (TCP, WebSocket, TLS), the outbox of the gateway's own
// publications, and the patches of aedes internals (checked at start).
import { Aedes } from 'aedes';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Logger } from '../log.ts';
import type { Registry } from '../store/registry.ts';
import { TokenBuckets, type AuthThrottle } from '../limits.ts';
import { AedesInternals } from './aedes-internals.ts';
import { authenticateDevice } from './authenticate.ts';
import { authorizeForward, authorizePublish, authorizeSubscribe } from './authorize.ts';
import { DeviceMessageHandoff } from './handoff.ts';
import { openListeners, type Listeners } from './listeners.ts';
import type { Outbox } from './outbox.ts';
import type { DeviceTopic } from './topics.ts';

export { AclError } from './authorize.ts';
export { parseDeviceTopic, type DeviceTopic } from './topics.ts';

/**
 * mqtt-packet (aedes' packet codec) builds a cache of 65,536 two-byte buffers, one per packet id,
 * when it writes its first packet: ~90 ms of CPU that otherwise lands on the first CONNACK after a
 * start, while every device reconnects (bench/README.md, cold start). One packet written to
 * nowhere builds it before the listeners open. aedes' own copy of mqtt-packet is the one warmed.
 */
function buildPacketIdCache(): void {
  const require = createRequire(import.meta.url);
  const mqttPacket = require(require.resolve('mqtt-packet', { paths: [dirname(require.resolve('aedes'))] })) as {
    writeToStream(packet: object, stream: NodeJS.WritableStream): boolean;
  };
  mqttPacket.writeToStream({ cmd: 'pingresp' }, new PassThrough());
}

export interface BrokerHooks {
  /** Validates, journals and applies one device message; calls `done` once it is durable (or with why it is refused). */
  onDeviceMessage(deviceId: string, topic: DeviceTopic, payload: Buffer, qos: 0 | 1 | 2, retain: boolean, done: (err: Error | null) => void): void;
  /**
   * True while appends waiting for their commit are few: a QoS 0 message (nothing to acknowledge)
   * then lets aedes read on at once instead of waiting for its commit. Without it, QoS 0 always waits.
   */
  journalHasRoom?(): boolean;
  onConnect?(deviceId: string): void;
  onDisconnect?(deviceId: string): void;
  /** CONNECT refused for its credentials, client id or certificate, or because they could not be verified (for the audit log). */
  onAuthFailure?(clientId: string, address: string | undefined, reason: string): void;
  /** Publish or subscribe outside the device's topics (for the audit log). */
  onAclDenied?(deviceId: string, what: string): void;
  /**
   * A device's PUBLISH refused before its payload is read (outside its topics, larger than
   * MAG_MAX_PAYLOAD_BYTES): the connection is closed, so feedback cannot reach the device; the
   * reason is kept with its rejections for the engineer to read back.
   */
  onPublishRefused?(deviceId: string, topic: string, reason: string, payload: Buffer): void;
}

export interface BrokerOptions {
  host: string;
  mqttPort: number;
  mqttWsPort?: number;
  mqttsPort?: number;
  tls?: { cert: string; key: string; ca?: string };
  maxPayloadBytes: number;
  maxTopicLevels?: number;
  /** A device whose socket stays full this long (it stopped reading) is disconnected (default 5000). */
  drainTimeoutMs?: number;
  /** MAG_MAX_CONNECTIONS: CONNECT beyond it is refused with CONNACK 3 (server unavailable). */
  maxConnections?: number;
  /** MAG_DEVICE_MSG_RATE / MAG_DEVICE_MSG_BURST: messages beyond it are rejected to feedback, not stored. */
  deviceMsgRate?: { rate: number; burst: number };
  /** Failed CONNECTs per client address (MAG_AUTH_FAIL_MAX in MAG_AUTH_FAIL_WINDOW_S). */
  authThrottle?: AuthThrottle;
}

/**
 * What the broker refused or dropped since start, one cause per count (GatewayMetrics reads
 * them at scrape time: plain numbers, nothing hashed on the hot path).
 */
export interface BrokerTotals {
  /** CONNECTs refused for their credentials, client id or certificate (they count toward the throttle). */
  authFailed: number;
  /** CONNECTs refused because the credentials could not be verified (an error in the gateway). */
  authErrors: number;
  /** CONNECTs refused by the throttle of failed authentications (MAG_AUTH_FAIL_MAX), without checking them. */
  authThrottled: number;
  /** New sessions refused at MAG_MAX_CONNECTIONS. */
  connectionsOverLimit: number;
  /** Publications and subscriptions outside the device's topics. */
  aclDenied: number;
  /** Connections closed for a packet whose header announced more than the payload limit allows. */
  oversizeAnnounced: number;
  /** PUBLISHes refused for a payload over MAG_MAX_PAYLOAD_BYTES. */
  oversizePayload: number;
  /** QoS 0 messages over MAG_DEVICE_MSG_RATE: not stored, answered on feedback. */
  rateDropped: number;
  /** QoS 1 messages over MAG_DEVICE_MSG_RATE: held back, acknowledged later. */
  rateHeld: number;
  /** Gateway publications not sent to a device whose socket was backed up (it stopped reading). */
  slowSubscriberDropped: number;
  /** QoS 0 messages the pipeline did not journal (journal full, shutting down, device removed): lost. */
  qos0NotJournaled: number;
}

export class Broker {
  aedes!: Aedes;
  ports: Listeners['ports'] = {};
  readonly totals: BrokerTotals = {
    authFailed: 0,
    authErrors: 0,
    authThrottled: 0,
    connectionsOverLimit: 0,
    aclDenied: 0,
    oversizeAnnounced: 0,
    oversizePayload: 0,
    rateDropped: 0,
    rateHeld: 0,
    slowSubscriberDropped: 0,
    qos0NotJournaled: 0,
  };
  /** The patches of aedes internals, and which were left off (set at start). */
  internals: AedesInternals | undefined;
  private listeners: Listeners | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly hooks: BrokerHooks,
    private readonly opts: BrokerOptions,
    /** The gateway's own publications to devices (feedback, config). */
    readonly outbox: Outbox,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { registry, hooks, log, opts, totals, outbox } = this;
    const messageRate = opts.deviceMsgRate ? new TokenBuckets(opts.deviceMsgRate.rate, opts.deviceMsgRate.burst) : undefined;
    const handoff = new DeviceMessageHandoff(hooks, totals, log);
    this.aedes = await Aedes.createBroker({
      id: 'mag',
      maxClientsIdLength: 64,
      maxTopicLevels: opts.maxTopicLevels ?? 8,
      heartbeatInterval: 60_000,
      connectTimeout: 30_000,
      drainTimeout: opts.drainTimeoutMs ?? 5000,
      authenticate: authenticateDevice({ registry, hooks, opts, log, totals, sessions: this }),
      authorizePublish: authorizePublish({ hooks, opts, log, totals, outbox, handoff, messageRate }),
      authorizeSubscribe: authorizeSubscribe({ hooks, log, totals }),
      authorizeForward: authorizeForward({ log, totals }),
    });
    const internals = (this.internals = new AedesInternals(this.aedes, log));
    this.aedes.on('client', (c) => {
      internals.guardClient(c);
      hooks.onConnect?.(c.id);
    });
    this.aedes.on('clientDisconnect', (c) => hooks.onDisconnect?.(c.id));
    outbox.attach(this.aedes);
    buildPacketIdCache();
    this.listeners = await openListeners(this.aedes, opts, totals, log);
    this.ports = this.listeners.ports;
  }

  /** Closes a device's live connection (after its secret was rotated). */
  disconnect(deviceId: string): void {
    this.internals?.client(deviceId)?.close();
  }

  isConnected(deviceId: string): boolean {
    return this.internals?.client(deviceId) !== undefined;
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  /** Stops accepting connections, closes clients, then the broker. */
  async close(): Promise<void> {
    this.listeners?.close();
    if (this.aedes) await new Promise<void>((r) => this.aedes.close(() => r()));
  }
}
