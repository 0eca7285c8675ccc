// One instrument's MQTT connection (MQTT 3.1.1 through mqtt.js 5): client id = username = device id,
// password = secret, persistent session, reconnect with exponential back-off, retained last will
// {"state":"offline"}, retained {"state":"online"} on connect, subscribed to its own config and
// feedback, honouring a config lockout (no readings while locked out; checks, packages and status go on).

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { messageLimits, type MessageLimits } from '../src/config.ts';
import type { SimMessage, TopicSuffix } from './models/types.ts';

export interface DeviceClientOptions {
  mqttUrl: string;
  deviceId: string;
  secret: string;
  /** QoS of readings (checks and status are always QoS 1). Default 1. */
  readingsQos?: 0 | 1;
  /** Send the readings of one tick as one `{"readings": [...]}` message (within `limits`). Default true. */
  batchReadings?: boolean;
  /** The gateway's limits a batch keeps within (a larger payload closes the connection). Default: the gateway's defaults. */
  limits?: MessageLimits;
  /** Back-off: first and largest delay between reconnects, ms. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  connectTimeoutMs?: number;
  /** How long connect() waits for the first CONNACK before giving up. Default 20 s. */
  firstConnectWaitMs?: number;
  log?: (line: string) => void;
  /** Extra mqtt.js options (tests). */
  mqttOptions?: Partial<IClientOptions>;
}

export interface DeviceClientStats {
  sent: Record<TopicSuffix, number>;
  /** Publishes confirmed: PUBACK for QoS 1, written for QoS 0. */
  acknowledged: number;
  errors: number;
  /** Readings not sent because the gateway locked the device out. */
  suppressed: number;
  /** Messages the gateway rejected (feedback received). */
  feedback: number;
  connects: number;
  /** Publishes in flight when the connection was dropped on purpose (offline fault). */
  lostInOutage: number;
  /** The delays mqtt.js scheduled before the latest reconnect attempts, oldest first (at most 20). */
  reconnectDelaysMs: number[];
  lastError?: string;
}

export interface Feedback {
  seq?: number;
  topic?: string;
  errors?: { path: string; message: string }[];
}

export interface DeviceConfig {
  verification?: { state: string; validUntil: string | null };
  lockout?: boolean;
}

/**
 * Items of one topic sent together as `{"<key>": [...]}` (one alone as itself): published before
 * the next would take the payload over the gateway's MAG_MAX_PAYLOAD_BYTES, or once it holds
 * MAG_MAX_BATCH_READINGS.
 */
class Batch {
  private readonly items: string[] = [];
  private bytes = 0;
  private readonly overhead: number;

  constructor(
    private readonly key: 'readings' | 'packages',
    private readonly limits: MessageLimits,
    private readonly publish: (text: string) => void,
  ) {
    this.overhead = Buffer.byteLength(`{"${key}":[]}`);
  }

  add(payload: Record<string, unknown>): void {
    const text = JSON.stringify(payload);
    const size = Buffer.byteLength(text);
    // the wrapper, the items so far with a comma after each, and this one
    if (this.items.length > 0 && this.overhead + this.bytes + this.items.length + size > this.limits.maxPayloadBytes) this.flush();
    this.items.push(text);
    this.bytes += size;
    if (this.items.length >= this.limits.maxBatchReadings) this.flush();
  }

  flush(): void {
    if (this.items.length === 0) return;
    this.publish(this.items.length === 1 ? this.items[0] : `{"${this.key}":[${this.items.join(',')}]}`);
    this.items.length = 0;
    this.bytes = 0;
  }
}

export class DeviceClient {
  private client: MqttClient | undefined;
  private delay: number;
  private readonly limits: MessageLimits;
  /** Publishes not yet confirmed, each with the connection it was made on. */
  private readonly unconfirmed = new Set<{ client: MqttClient }>();
  readonly stats: DeviceClientStats = {
    sent: { readings: 0, checks: 0, packages: 0, status: 0 },
    acknowledged: 0,
    errors: 0,
    suppressed: 0,
    feedback: 0,
    connects: 0,
    lostInOutage: 0,
    reconnectDelaysMs: [],
  };
  config: DeviceConfig = {};
  readonly feedback: Feedback[] = [];

  constructor(private readonly o: DeviceClientOptions) {
    this.delay = o.reconnectMinMs ?? 1000;
    this.limits = o.limits ?? messageLimits();
  }

  get id(): string {
    return this.o.deviceId;
  }
  get connected(): boolean {
    return this.client?.connected ?? false;
  }
  /** Publishes not yet confirmed (after close(): never confirmed). */
  get inFlight(): number {
    return this.unconfirmed.size;
  }
  get lockedOut(): boolean {
    return this.config.lockout === true;
  }

  private topic(suffix: string): string {
    return `instruments/${this.o.deviceId}/${suffix}`;
  }

  /** Connect; resolves on the first CONNACK, rejects on a refused connection (bad credentials) or timeout. */
  connect(): Promise<void> {
    if (this.client) return Promise.resolve();
    const min = this.o.reconnectMinMs ?? 1000;
    const max = this.o.reconnectMaxMs ?? 30_000;
    const client = mqtt.connect(this.o.mqttUrl, {
      protocolVersion: 4,
      clientId: this.o.deviceId,
      username: this.o.deviceId,
      password: this.o.secret,
      clean: false,
      keepalive: 30,
      reconnectPeriod: min,
      connectTimeout: this.o.connectTimeoutMs ?? 10_000,
      will: { topic: this.topic('status'), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
      ...this.o.mqttOptions,
    });
    this.client = client;
    client.on('connect', () => {
      this.stats.connects++;
      this.delay = min;
      client.options.reconnectPeriod = min;
      client.subscribe([this.topic('config'), this.topic('feedback')], { qos: 1 }, (err) => {
        if (err) this.fail(`subscribe: ${err.message}`);
      });
      this.publishRaw('status', '{"state":"online"}', 1, true);
    });
    // Exponential back-off (min, 2·min, 4·min, … up to max; back to min once connected). mqtt.js
    // reads reconnectPeriod in its own 'close' listener, registered when the client was built, so
    // this one must run before it.
    client.prependListener('close', () => {
      if (this.client !== client) return; // closed on purpose
      client.options.reconnectPeriod = this.delay;
      this.delay = Math.min(max, this.delay * 2);
    });
    // After mqtt.js scheduled the attempt: record the delay its timer really got.
    client.on('close', () => {
      if (this.client !== client) return;
      const timer = (client as unknown as { reconnectTimer?: { _idleTimeout?: number } }).reconnectTimer;
      this.stats.reconnectDelaysMs.push(typeof timer?._idleTimeout === 'number' ? timer._idleTimeout : (client.options.reconnectPeriod ?? 0));
      if (this.stats.reconnectDelaysMs.length > 20) this.stats.reconnectDelaysMs.shift();
    });
    client.on('error', (err) => this.fail(err.message));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    const waitMs = this.o.firstConnectWaitMs ?? 20_000;
    return new Promise((resolve, reject) => {
      const giveUp = (message: string) => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('error', onError);
        client.end(true);
        this.client = undefined;
        reject(new Error(`device ${this.o.deviceId}: MQTT connection to ${this.o.mqttUrl} failed: ${message}`));
      };
      const timer = setTimeout(() => giveUp(`no CONNACK within ${waitMs} ms (is the gateway's MQTT listener running at that address?)`), waitMs);
      const onConnect = () => {
        clearTimeout(timer);
        client.off('error', onError);
        resolve();
      };
      const onError = (err: Error & { code?: number }) => {
        // Refused credentials (CONNACK 4 or 5) will not improve by retrying.
        if (err.code === 4 || err.code === 5) giveUp(`${err.message} (check the device secret; without an admin token the credentials file is used)`);
      };
      client.once('connect', onConnect);
      client.on('error', onError);
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      this.o.log?.(`${this.o.deviceId}: unparseable message on ${topic}`);
      return;
    }
    if (topic === this.topic('config') && body && typeof body === 'object') {
      const was = this.lockedOut;
      this.config = body as DeviceConfig;
      if (this.lockedOut !== was) this.o.log?.(`${this.o.deviceId}: lockout ${this.lockedOut ? 'on: readings stop' : 'off: readings resume'}`);
    } else if (topic === this.topic('feedback')) {
      this.stats.feedback++;
      if (this.feedback.length < 100) this.feedback.push(body as Feedback);
    }
  }

  private fail(message: string): void {
    this.stats.errors++;
    this.stats.lastError = message;
    this.o.log?.(`${this.o.deviceId}: ${message}`);
  }

  private publishRaw(suffix: TopicSuffix, text: string, qos: 0 | 1, retain = false): void {
    const client = this.client;
    if (!client) return;
    const publish = { client };
    this.unconfirmed.add(publish);
    this.stats.sent[suffix]++;
    client.publish(this.topic(suffix), text, { qos, retain }, (err) => {
      if (!this.unconfirmed.delete(publish)) return; // written off when its connection was dropped
      if (!err) this.stats.acknowledged++;
      else if (client !== this.client)
        this.stats.lostInOutage++; // dropped on purpose (offline fault)
      else this.fail(`publish ${suffix}: ${err.message}`);
    });
  }

  /**
   * Publish what a model produced. Readings are dropped (and counted as suppressed) while locked
   * out. mqtt.js queues while disconnected; with a persistent session QoS 1 messages are resent.
   */
  send(messages: readonly SimMessage[]): void {
    // measured packages of one tick go together as {"packages": [...]}, always QoS 1 (docs/contract.md §2)
    const packages = new Batch('packages', this.limits, (text) => this.publishRaw('packages', text, 1));
    const batch = new Batch('readings', this.limits, (text) => {
      packages.flush();
      this.publishRaw('readings', text, this.o.readingsQos ?? 1);
    });
    const flush = () => {
      packages.flush();
      batch.flush();
    };
    for (const m of messages) {
      if (m.topic === 'readings' && this.lockedOut) {
        this.stats.suppressed++;
        continue;
      }
      if (m.topic === 'readings' && m.raw === undefined && this.o.batchReadings !== false) {
        batch.add(m.payload);
        continue;
      }
      if (m.topic === 'packages' && m.raw === undefined) {
        packages.add(m.payload);
        continue;
      }
      flush();
      const text = m.raw ?? JSON.stringify(m.payload);
      if (m.topic === 'readings') this.publishRaw('readings', text, this.o.readingsQos ?? 1);
      else this.publishRaw(m.topic, text, 1, m.topic === 'status');
    }
    flush();
  }

  /** Drop the connection without DISCONNECT, as a power cut would: the broker publishes the last will. */
  async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // what it had in flight is lost with it (mqtt.js calls back none of them once the stream is destroyed)
    for (const p of this.unconfirmed) {
      if (p.client !== client) continue;
      this.unconfirmed.delete(p);
      this.stats.lostInOutage++;
    }
    await client.endAsync(true);
  }

  /**
   * Publish {"state":"offline"} retained and disconnect: cleanly when everything sent is confirmed;
   * otherwise (the connection closed or lost, or the time up) the connection is destroyed and what
   * was not confirmed stays in inFlight.
   */
  async close(timeoutMs = 5000): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      this.publishRaw('status', '{"state":"offline"}', 1, true);
      await this.confirmed(client, timeoutMs);
    }
    this.client = undefined;
    // A clean end waits until mqtt.js has nothing in flight ('outgoingEmpty'), which a closed
    // connection never gives, and with nothing else left Node exits with 13 (an unsettled await).
    const settled = client.connected && this.inFlight === 0 && Object.keys(client.outgoing).length === 0;
    await client.endAsync(!settled);
  }

  /**
   * Wait until every publish is confirmed, the time is up, or the connection is closed or lost
   * (the gateway closes it on a message it refuses, e.g. over MAG_MAX_PAYLOAD_BYTES: what was in
   * flight is then not confirmed, and counted an error); returns the number still unconfirmed.
   */
  async drain(timeoutMs: number): Promise<number> {
    const client = this.client;
    if (client) await this.confirmed(client, timeoutMs);
    if (this.inFlight > 0 && !client?.connected)
      this.fail(`connection closed with ${this.inFlight} publishes unconfirmed (a payload over the gateway's MAG_MAX_PAYLOAD_BYTES? see the gateway's log)`);
    return this.inFlight;
  }

  /** Until nothing is in flight, `timeoutMs` passed, or `client`'s connection is (or was already) closed or lost. */
  private async confirmed(client: MqttClient, timeoutMs: number): Promise<void> {
    if (this.inFlight > 0 && client.connected) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearInterval(poll);
          clearTimeout(timer);
          client.off('close', done);
          resolve();
        };
        const poll = setInterval(() => {
          if (this.inFlight === 0) done();
        }, 20);
        const timer = setTimeout(done, timeoutMs);
        client.once('close', done);
      });
    }
  }
}
