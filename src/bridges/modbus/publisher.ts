// Publishes the outbox to MAG as the device: MQTT 3.1.1, client id = username = device id,
// readings at QoS 1, one reading a message, up to `maxInFlight` awaiting their PUBACK. A reading
// leaves the outbox only on its PUBACK. What was handed to mqtt.js before a disconnection is
// resent by mqtt.js after it reconnects; what was still in the outbox when the bridge stopped is
// published again after it starts. MAG stores a replayed seq once.
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../log.ts';
import type { Outbox } from './outbox.ts';

export interface PublisherOptions {
  mqttUrl: string;
  deviceId: string;
  secret: string;
  caFile?: string;
  maxInFlight: number;
  reconnectMs: number;
  log: Logger;
}

export interface PublisherStats {
  published: number;
  acknowledged: number;
  /** Messages MAG rejected and explained on the feedback topic. */
  rejected: number;
  connects: number;
}

const OFFLINE = '{"state":"offline"}';

export class MagPublisher {
  private client: MqttClient | undefined;
  /** Seqs handed to mqtt.js and not acknowledged yet. */
  private readonly inFlight = new Set<number>();
  /** Highest seq handed to mqtt.js by this process. */
  private cursor = 0;
  private stopping = false;
  private lastError: string | undefined;
  readonly stats: PublisherStats = { published: 0, acknowledged: 0, rejected: 0, connects: 0 };

  constructor(
    private readonly outbox: Outbox,
    private readonly o: PublisherOptions,
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const { deviceId } = this.o;
    const client = mqtt.connect(this.o.mqttUrl, {
      protocolVersion: 4,
      clientId: deviceId,
      username: deviceId,
      password: this.o.secret,
      clean: true,
      keepalive: 30,
      reconnectPeriod: this.o.reconnectMs,
      connectTimeout: 10_000,
      will: { topic: this.topic('status'), payload: Buffer.from(OFFLINE), qos: 1, retain: true },
      ...(this.o.caFile ? { ca: readFileSync(this.o.caFile) } : {}),
    });
    this.client = client;
    let subscribed = false;
    client.on('connect', () => {
      this.stats.connects++;
      this.lastError = undefined;
      this.o.log.info({ mqttUrl: this.o.mqttUrl, buffered: this.outbox.size }, 'connected to MAG');
      client.publish(this.topic('status'), '{"state":"online"}', { qos: 1, retain: true });
      if (!subscribed) {
        subscribed = true; // mqtt.js subscribes again by itself after a reconnection
        client.subscribe(this.topic('feedback'), { qos: 1 }, (err) => {
          if (err) this.o.log.warn({ err: err.message }, 'could not subscribe to MAG feedback; rejected readings will not be logged');
        });
      }
      this.pump();
    });
    client.on('message', (topic, payload) => this.onFeedback(topic, payload));
    client.on('error', (err: Error & { code?: number }) => {
      const hint = err.code === 4 || err.code === 5 ? ': MAG refused the credentials; check mag.deviceId and the secret' : '';
      const message = `${err.message}${hint}`;
      if (message !== this.lastError) this.o.log.error({ mqttUrl: this.o.mqttUrl, err: message }, 'MQTT connection to MAG failed; retrying');
      this.lastError = message;
    });
    client.on('close', () => {
      if (!this.stopping && this.stats.connects > 0 && this.lastError === undefined) {
        this.lastError = 'connection closed';
        this.o.log.warn({ buffered: this.outbox.size }, 'lost the connection to MAG; readings are kept in the buffer until it is back');
      }
    });
  }

  /** Hands buffered readings to mqtt.js, oldest first, while the in-flight window has room. */
  pump(): void {
    const client = this.client;
    if (!client?.connected || this.stopping) return;
    const max = this.o.maxInFlight;
    while (this.inFlight.size < max) {
      const rows = this.outbox.after(this.cursor, max);
      if (rows.length === 0) return;
      for (const row of rows) {
        if (this.inFlight.size >= max) return;
        this.cursor = row.seq;
        if (this.inFlight.has(row.seq)) continue;
        this.publish(client, row.seq, row.payload);
      }
    }
  }

  private publish(client: MqttClient, seq: number, payload: string): void {
    this.inFlight.add(seq);
    this.stats.published++;
    client.publish(this.topic('readings'), payload, { qos: 1 }, (err) => {
      this.inFlight.delete(seq);
      if (err) {
        // Not acknowledged: it stays in the outbox. Unless the bridge is stopping, send it again.
        if (!this.stopping) {
          this.o.log.warn({ seq, err: err.message }, 'publication not acknowledged; it stays buffered and is sent again');
          this.cursor = Math.min(this.cursor, seq - 1);
          setTimeout(() => this.pump(), this.o.reconnectMs).unref();
        }
        return;
      }
      this.outbox.acknowledge(seq);
      this.stats.acknowledged++;
      this.pump();
    });
  }

  private onFeedback(topic: string, payload: Buffer): void {
    if (topic !== this.topic('feedback')) return;
    this.stats.rejected++;
    let body: unknown = payload.toString('utf8');
    try {
      body = JSON.parse(body as string);
    } catch {
      /* logged raw */
    }
    this.o.log.warn({ feedback: body }, 'MAG rejected a message from this bridge: check the quantity, unit and fields of the register mapping');
  }

  private topic(suffix: string): string {
    return `instruments/${this.o.deviceId}/${suffix}`;
  }

  /** Says offline (retained) if connected, then disconnects. Unacknowledged readings stay in the outbox. */
  async stop(timeoutMs = 3000): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    if (client.connected) {
      await Promise.race([
        new Promise<void>((resolve) => client.publish(this.topic('status'), OFFLINE, { qos: 1, retain: true }, () => resolve())),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
    }
    await client.endAsync(true).catch(() => undefined);
    this.client = undefined;
  }
}
