// aedes in-process: device authentication, topic ACL, listeners (TCP, WebSocket, TLS).
// The durable journal commit happens inside authorizePublish, which aedes runs BEFORE it
// writes the QoS 1 PUBACK: an acknowledged message is always in the journal.
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../log.ts';
import type { Registry } from '../store/registry.ts';
import { TokenBuckets, type AuthThrottle } from '../limits.ts';
import { PACKET_OVERHEAD_BYTES, guardPacketSize } from './packet-size-guard.ts';

export type DeviceTopic = 'readings' | 'checks' | 'senml' | 'status';
const DEVICE_TOPICS: ReadonlySet<string> = new Set(['readings', 'checks', 'senml', 'status']);
const SUBSCRIBABLE: ReadonlySet<string> = new Set(['feedback', 'config']);

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
  /** Failed CONNECT (for metrics and the audit log). */
  onAuthFailure?(clientId: string, address: string | undefined, reason: string): void;
  onAclDenied?(deviceId: string, what: string): void;
  /** A connection or message refused by a limit (MAG_MAX_CONNECTIONS, MAG_DEVICE_MSG_RATE, the auth throttle). */
  onLimit?(limit: 'mqtt_connections' | 'mqtt_message_rate' | 'mqtt_message_rate_held' | 'auth_throttle', clientId: string, address: string | undefined): void;
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

export class AclError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AclError';
  }
}

/** `instruments/{deviceId}/{suffix}` → parts, or undefined. */
export function parseDeviceTopic(topic: string): { deviceId: string; suffix: string } | undefined {
  if (!topic.startsWith('instruments/')) return undefined;
  const slash = topic.indexOf('/', 12);
  if (slash <= 12 || topic.indexOf('/', slash + 1) !== -1) return undefined;
  return { deviceId: topic.slice(12, slash), suffix: topic.slice(slash + 1) };
}

function authError(message: string, returnCode: number): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

/**
 * Bytes queued to a device beyond which the gateway's own publications to it (feedback,
 * config) are dropped: a device that stops reading must not hold aedes' delivery slots,
 * which every publisher shares (a full slot table stalls all ingest).
 */
const SLOW_SUBSCRIBER_BYTES = 64 * 1024;
/** The gateway's publications in aedes at a time (its emitter holds 100 in delivery; see publish()). */
const MAX_IN_DELIVERY = 50;
/** The gateway's publications waiting for aedes beyond which feedback is dropped. */
const MAX_OUTBOX = 50_000;

export class Broker {
  aedes!: Aedes;
  private servers: (Server | HttpServer)[] = [];
  private wss: WebSocketServer | undefined;
  readonly ports: { mqtt?: number; ws?: number; mqtts?: number } = {};
  readonly totals = { connectRefused: 0, aclDenied: 0, oversize: 0, rateLimited: 0, slowSubscriberDropped: 0, qos0NotJournaled: 0 };
  private messageRate: TokenBuckets | undefined;
  /** When a lost QoS 0 message was last logged (at most once a second). */
  private lastQos0Warning = 0;
  /** The gateway's publications waiting for aedes, from outboxHead on (see publish()). */
  private outbox: { topic: string; payload: Buffer; retain: boolean }[] = [];
  private outboxHead = 0;
  private inDelivery = 0;
  private pumping = false;

  constructor(
    private readonly registry: Registry,
    private readonly hooks: BrokerHooks,
    private readonly opts: BrokerOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { registry, hooks, log, opts } = this;
    this.messageRate = opts.deviceMsgRate ? new TokenBuckets(opts.deviceMsgRate.rate, opts.deviceMsgRate.burst) : undefined;
    this.aedes = await Aedes.createBroker({
      id: 'mag',
      maxClientsIdLength: 64,
      maxTopicLevels: opts.maxTopicLevels ?? 8,
      heartbeatInterval: 60_000,
      connectTimeout: 30_000,
      drainTimeout: opts.drainTimeoutMs ?? 5000,
      authenticate: (client: Client, username, password, done) => {
        const address = remoteAddress(client);
        const fail = (reason: string, code: number) => {
          this.totals.connectRefused++;
          hooks.onAuthFailure?.(client.id, address, reason);
          log.warn({ clientId: client.id.slice(0, 64), address, reason }, 'MQTT connection refused');
          done(authError(reason, code) as never, false);
        };
        const wait = opts.authThrottle?.retryAfter(address) ?? 0;
        if (wait > 0) {
          // Refused quickly, without hashing and without an audit row per attempt.
          this.totals.connectRefused++;
          hooks.onLimit?.('auth_throttle', client.id, address);
          log.warn({ clientId: client.id.slice(0, 64), address, retryAfterSeconds: wait }, 'MQTT connection refused: too many failed authentications from this address');
          return done(authError(`too many failed authentications from this address; retry in ${wait} s`, 5) as never, false);
        }
        if (opts.maxConnections !== undefined && this.aedes.connectedClients >= opts.maxConnections && !clientsOf(this.aedes)[client.id]) {
          hooks.onLimit?.('mqtt_connections', client.id, address);
          log.warn({ clientId: client.id.slice(0, 64), address, max: opts.maxConnections }, 'MQTT connection refused: MAG_MAX_CONNECTIONS reached');
          return done(authError('server unavailable: MAG_MAX_CONNECTIONS reached', 3) as never, false);
        }
        const failAuth = (reason: string, code: number) => {
          opts.authThrottle?.fail(address);
          fail(reason, code);
        };
        if (!username || username !== client.id) return failAuth('client id must equal the username (the device id)', 4);
        const tlsCn = tlsCommonName(client);
        if (tlsCn === null && opts.tls?.ca) return failAuth('the client certificate has no CN (it must be the device id)', 5);
        if (typeof tlsCn === 'string' && tlsCn !== client.id) return failAuth('the client certificate CN does not match the device id', 5);
        if (!password) return failAuth('bad username or password', 4);
        registry.verifyDeviceSecret(username, password.toString('utf8')).then(
          (ok) => (ok ? done(null, true) : failAuth('bad username or password', 4)),
          (e: Error) => fail(`authentication error: ${e.message}`, 3),
        );
      },
      authorizePublish: (client: Client | null, packet: PublishPacket, done) => {
        if (!client) return done(null); // the gateway's own publications (feedback, config)
        const t = parseDeviceTopic(packet.topic);
        if (!t || t.deviceId !== client.id || !DEVICE_TOPICS.has(t.suffix)) {
          this.totals.aclDenied++;
          hooks.onAclDenied?.(client.id, `publish ${packet.topic}`);
          log.warn({ device: client.id, topic: packet.topic }, 'publish outside the device topics refused; closing the connection');
          return done(new AclError(`publish to ${packet.topic} is not allowed`));
        }
        const payload = packet.payload as Buffer;
        if (payload.length > opts.maxPayloadBytes) {
          this.totals.oversize++;
          log.warn({ device: client.id, topic: packet.topic, bytes: payload.length, max: opts.maxPayloadBytes }, 'payload too large; closing the connection');
          return done(new AclError(`payload of ${payload.length} bytes exceeds ${opts.maxPayloadBytes}`));
        }
        if (t.suffix !== 'status' && packet.retain) packet.retain = false; // only status is retained
        if (packet.qos === 0) {
          const wait = this.messageRate?.take(client.id) ?? 0;
          if (wait > 0) {
            // QoS 0 over MAG_DEVICE_MSG_RATE (at most once by definition): not stored, reported on feedback.
            this.totals.rateLimited++;
            hooks.onLimit?.('mqtt_message_rate', client.id, remoteAddress(client));
            const { rate, burst } = opts.deviceMsgRate!;
            this.publish(`instruments/${client.id}/feedback`, {
              seq: null,
              topic: packet.topic,
              errors: [{ path: '(message)', message: `rate limit: at most ${rate} messages/s with bursts of ${burst} (MAG_DEVICE_MSG_RATE, MAG_DEVICE_MSG_BURST); this QoS 0 message was not stored, send it again in ${wait} s or use QoS 1` }],
            });
            return done(null);
          }
        } else {
          // QoS 1 over MAG_DEVICE_MSG_RATE: held back, never dropped. The message is journaled and
          // acknowledged when the device is within its rate again; aedes reads no more from this
          // device's socket meanwhile, so TCP slows the device down and no other device waits.
          const holdMs = this.messageRate?.reserve(client.id) ?? 0;
          if (holdMs > 0) {
            this.totals.rateLimited++;
            hooks.onLimit?.('mqtt_message_rate_held', client.id, remoteAddress(client));
            setTimeout(() => this.acceptDeviceMessage(client, packet, t.suffix as DeviceTopic, done), holdMs);
            return;
          }
        }
        this.acceptDeviceMessage(client, packet, t.suffix as DeviceTopic, done);
      },
      authorizeSubscribe: (client: Client, sub: Subscription, done) => {
        const t = parseDeviceTopic(sub.topic);
        if (!t || t.deviceId !== client.id || !SUBSCRIBABLE.has(t.suffix)) {
          this.totals.aclDenied++;
          hooks.onAclDenied?.(client.id, `subscribe ${sub.topic}`);
          log.warn({ device: client.id, topic: sub.topic }, 'subscription refused');
          return done(new AclError(`subscription to ${sub.topic} is not allowed`));
        }
        done(null, sub);
      },
      // Devices only receive what the gateway publishes to their own feedback/config; nothing
      // is queued to a device that has stopped reading (SLOW_SUBSCRIBER_BYTES).
      authorizeForward: (client: Client, packet) => {
        if (!packet.topic.startsWith(`instruments/${client.id}/`)) return null;
        const conn = (client as unknown as { conn?: { writableLength?: number; writableNeedDrain?: boolean } }).conn;
        if (conn && (conn.writableNeedDrain || (conn.writableLength ?? 0) > SLOW_SUBSCRIBER_BYTES)) {
          if (this.totals.slowSubscriberDropped++ % 1000 === 0) {
            log.warn({ device: client.id, topic: packet.topic, queuedBytes: conn.writableLength, dropped: this.totals.slowSubscriberDropped }, 'device is not reading its subscriptions; dropping gateway messages to it');
          }
          return null;
        }
        return packet;
      },
    });
    skipDeliveryOfDevicePublications(this.aedes);
    // Every listener goes through the size guard: a packet announcing more than the payload limit
    // closes its connection before aedes buffers it.
    const aedesHandle = this.aedes.handle;
    const handle = ((conn: Parameters<typeof aedesHandle>[0], req?: Parameters<typeof aedesHandle>[1]) => {
      guardPacketSize(conn as never, opts.maxPayloadBytes + PACKET_OVERHEAD_BYTES, (announced) => {
        this.totals.oversize++;
        log.warn({ address: (conn as { remoteAddress?: string }).remoteAddress, announced, max: opts.maxPayloadBytes }, 'MQTT packet larger than the payload limit announced; closing the connection');
      });
      return aedesHandle(conn, req as never);
    }) as typeof aedesHandle;
    this.aedes.on('client', (c) => {
      guardReadable(c);
      hooks.onConnect?.(c.id);
    });
    this.aedes.on('clientDisconnect', (c) => hooks.onDisconnect?.(c.id));

    const tcp = createServer(handle);
    this.ports.mqtt = await listen(tcp, opts.mqttPort, opts.host);
    this.servers.push(tcp);
    if (opts.mqttWsPort !== undefined) {
      const http = createHttpServer();
      this.wss = new WebSocketServer({ server: http });
      this.wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => ws.terminate());
        handle(stream, req);
      });
      this.ports.ws = await listen(http, opts.mqttWsPort, opts.host);
      this.servers.push(http);
    }
    if (opts.mqttsPort !== undefined && opts.tls) {
      const tls = createTlsServer(
        {
          cert: readFileSync(opts.tls.cert),
          key: readFileSync(opts.tls.key),
          ...(opts.tls.ca ? { ca: readFileSync(opts.tls.ca), requestCert: true, rejectUnauthorized: true } : {}),
        },
        handle,
      );
      this.ports.mqtts = await listen(tls, opts.mqttsPort, opts.host);
      this.servers.push(tls);
    }
  }

  /** Hands an authorized device message to ingest; a QoS 1/2 PUBACK waits for its journal commit. */
  private acceptDeviceMessage(client: Client, packet: PublishPacket, suffix: DeviceTopic, done: (err?: Error | null) => void): void {
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
      this.hooks.onDeviceMessage(client.id, suffix, packet.payload as Buffer, qos, packet.retain, (e) => this.settleMessage(client, packet, done, e));
    } catch (e) {
      this.settleMessage(client, packet, done, e as Error);
    }
  }

  /** A QoS 0 message that was not journaled (journal full, shutting down): logged at most once a second, with the count. */
  private qos0Lost(client: Client, e: Error): void {
    this.totals.qos0NotJournaled++;
    const now = Date.now();
    if (now - this.lastQos0Warning < 1000) return;
    this.lastQos0Warning = now;
    this.log.warn({ device: client.id, err: e.message, lostSinceStart: this.totals.qos0NotJournaled }, 'QoS 0 message not journaled (at most once: it is lost)');
  }

  /** A message is journaled (`e` null) or refused: QoS 0 is let go either way, QoS 1/2 refused closes the connection (no PUBACK). */
  private settleMessage(client: Client, packet: PublishPacket, done: (err?: Error | null) => void, e: Error | null): void {
    if (!e) return done(null);
    if (packet.qos === 0) {
      // No PUBACK to hold back, and no reason to close the connection: the message is lost (at most once).
      this.qos0Lost(client, e);
      return done(null);
    }
    this.log.error({ device: client.id, topic: packet.topic, err: e.message }, 'message not journaled; refusing it (no PUBACK)');
    done(e);
  }

  /** Publishes from the gateway to a device topic (feedback, retained config). */
  publish(topic: string, payload: unknown, retain = false): void {
    // aedes hands publications to its emitter, which keeps at most 100 in delivery (each completes
    // on a later tick), queues the rest and drains that queue recursively: a device sending batch
    // after batch of invalid readings (one feedback message per rejected reading) overflowed the
    // stack. So the gateway keeps its own outbox and has at most MAX_IN_DELIVERY publications in
    // aedes at a time; beyond MAX_OUTBOX waiting (devices that do not read their feedback make
    // the deliveries wait), feedback is dropped and counted. Retained config always goes.
    if (!retain && this.outbox.length - this.outboxHead >= MAX_OUTBOX) {
      if (this.totals.slowSubscriberDropped++ % 1000 === 0) {
        this.log.warn({ topic, waiting: this.outbox.length - this.outboxHead, dropped: this.totals.slowSubscriberDropped }, 'gateway messages to devices are backed up; dropping feedback');
      }
      return;
    }
    this.outbox.push({ topic, payload: Buffer.from(JSON.stringify(payload)), retain });
    this.pumpOutbox();
  }

  /** Hands waiting publications to aedes while fewer than MAX_IN_DELIVERY are in it; a loop, not a recursion, when they complete at once. */
  private pumpOutbox(): void {
    if (this.pumping || !this.aedes) return;
    this.pumping = true;
    try {
      while (this.inDelivery < MAX_IN_DELIVERY && this.outboxHead < this.outbox.length) {
        const m = this.outbox[this.outboxHead];
        this.outbox[this.outboxHead++] = undefined as never;
        this.inDelivery++;
        this.aedes.publish({ cmd: 'publish', topic: m.topic, payload: m.payload, qos: 1, retain: m.retain, dup: false }, (err) => {
          if (err) this.log.warn({ topic: m.topic, err: err.message }, 'gateway publish failed');
          this.inDelivery--;
          this.pumpOutbox();
        });
      }
      if (this.outboxHead === this.outbox.length) {
        this.outbox = [];
        this.outboxHead = 0;
      } else if (this.outboxHead > 1024 && this.outboxHead * 2 > this.outbox.length) {
        this.outbox = this.outbox.slice(this.outboxHead);
        this.outboxHead = 0;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Closes a device's live connection (after its secret was rotated). */
  disconnect(deviceId: string): void {
    if (this.aedes) clientsOf(this.aedes)[deviceId]?.close();
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  /** Stops accepting connections, closes clients, then the broker. */
  async close(): Promise<void> {
    for (const s of this.servers) s.close();
    this.wss?.close();
    if (this.aedes) await new Promise<void>((r) => this.aedes.close(() => r()));
    this.servers = [];
  }
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

/** aedes keeps connected clients by id; its typings omit the map. */
function clientsOf(aedes: Aedes): Record<string, Client | undefined> {
  return (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
}

function remoteAddress(client: Client): string | undefined {
  const conn = (client as unknown as { conn?: { remoteAddress?: string } }).conn;
  return conn?.remoteAddress;
}

/** The client certificate's CN; undefined when not over TLS, null over TLS without a CN. */
function tlsCommonName(client: Client): string | null | undefined {
  const conn = (client as unknown as { conn?: TLSSocket }).conn;
  if (!conn || typeof (conn as TLSSocket).getPeerCertificate !== 'function') return undefined;
  const cert = (conn as TLSSocket).getPeerCertificate();
  if (!cert || !cert.subject) return null;
  const cn = cert.subject.CN;
  return (Array.isArray(cn) ? cn[0] : cn) ?? null;
}

/**
 * A device's publication ends in authorizePublish, which hands it to ingest (journaled before any
 * PUBACK). Nothing can be subscribed to it: a device may subscribe to its own `feedback` and
 * `config` only, and a device may not publish there. aedes' delivery pipeline after it (a Packet
 * copy, the retained store, the offline queues, topic matching, the `publish` event) would run for
 * no one, at ~5 % of the gateway's CPU under a flood; so publications that come from a client end
 * there, and a device's retained `status` is not kept in aedes' memory (the gateway has it). The
 * gateway's own publications (feedback, config: no client) and aedes' `$SYS` ones go through.
 */
function skipDeliveryOfDevicePublications(aedes: Aedes): void {
  type Publish = (packet: PublishPacket, client?: Client | null | ((e?: Error) => void), done?: (e?: Error | null) => void) => void;
  const deliver = aedes.publish as unknown as Publish;
  (aedes as unknown as { publish: Publish }).publish = function (this: Aedes, packet, client, done) {
    if (client && typeof client === 'object') return done?.(null);
    return deliver.call(this, packet, client, done);
  };
}

/**
 * aedes reads a socket's buffered bytes in batches: it parses every packet in a read, and reads
 * again once each of them has called back (`_parsingBatch` counts them down). But its `readable`
 * listener is that same count-down, so every `readable` event that arrives while a batch is still
 * being journaled (new bytes from the device) takes one off the count, and the next read starts
 * before the batch is done: a fast publisher gets batch after batch in flight, held in memory,
 * and the journal's back-pressure leaks. After CONNECT (the first read needs the original
 * listener), `readable` is answered only when no batch is in flight; the batch's last callback
 * reads on as before. Left as it is if aedes' internals are not what this expects.
 */
function guardReadable(client: Client): void {
  const c = client as unknown as { conn?: NodeJS.EventEmitter & { read?: (n?: number | null) => unknown }; _nextBatch?: () => void; _parsingBatch?: number };
  const conn = c.conn;
  const next = c._nextBatch;
  if (!conn || typeof next !== 'function' || typeof c._parsingBatch !== 'number' || typeof conn.read !== 'function' || !conn.listeners('readable').includes(next)) return;
  conn.removeListener('readable', next);
  const resume = () => {
    if ((c._parsingBatch ?? 0) <= 0) next();
  };
  conn.on('readable', resume);
  // aedes reads the socket with read(null): within this turn's budget it reads, past it the bytes
  // stay buffered and the read is made again in a later turn (see READS_PER_TURN).
  const read = conn.read.bind(conn);
  conn.read = (n?: number | null) => {
    if (n === null && !takeRead()) {
      deferred.push(resume);
      return null;
    }
    return read(n);
  };
}

/**
 * Socket reads (each up to 64 KiB, ~650 readings) the broker makes in one event-loop turn.
 * Under a flood, every device's socket is readable at once and one turn used to parse them all
 * (~30,000 messages from 50 devices, ~200 ms): the sink's responses, timers and the HTTP API
 * waited for it, and the journal's delivery to InfluxDB fell behind the ingest. Past the budget,
 * reads wait for the next turn, in order.
 */
const READS_PER_TURN = 24;
let readsThisTurn = 0;
let turnScheduled = false;
const deferred: (() => void)[] = [];

function takeRead(): boolean {
  if (!turnScheduled) {
    turnScheduled = true;
    setImmediate(nextTurn);
  }
  return readsThisTurn++ < READS_PER_TURN;
}

function nextTurn(): void {
  turnScheduled = false;
  readsThisTurn = 0;
  const waiting = deferred.splice(0);
  for (const resume of waiting) resume();
}
