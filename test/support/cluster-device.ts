// A simulated device for cluster tests: publishes readings at QoS 1 with a window of messages
// awaiting their PUBACK, tracks which seqs got one, and when its connection is lost (its node
// died, a message was refused) reconnects to the next node of the cluster and sends again what
// was not acknowledged, in order: what a real device with an MQTT library does.
// The device holds a secret per node URL: the same one everywhere when the nodes share their
// state in PostgreSQL (MAG_STATE_URL), one per node when each keeps its own.
import mqtt, { type MqttClient } from 'mqtt';

export class ClusterDevice {
  readonly sent = new Set<number>();
  readonly acked = new Set<number>();
  /** Connections lost or refused while streaming. */
  losses = 0;
  /** Feedback messages received (topic `instruments/<id>/feedback`). */
  readonly feedback: unknown[] = [];
  /** Config messages received (`instruments/<id>/config`, retained). */
  readonly configs: unknown[] = [];
  private client: MqttClient | undefined;
  private node = 0;

  constructor(
    readonly id: string,
    /** MQTT URL → this device's secret on that node. */
    readonly secrets: Map<string, string>,
    /** The reading's time for a seq: fixed, so a resent reading overwrites its own point. */
    readonly tsOf: (seq: number) => number,
    /** What seq `seq` sends: by default a pressure reading on `readings`. */
    private readonly messageOf?: (seq: number, ts: number) => { topic: string; payload: string },
  ) {}

  get url(): string {
    return [...this.secrets.keys()][this.node % this.secrets.size];
  }

  /** Connects to the current node (or to `url`), subscribed to its feedback and config. */
  async connect(url?: string): Promise<void> {
    if (url) this.node = [...this.secrets.keys()].indexOf(url);
    await this.client?.endAsync(true).catch(() => undefined);
    const c = await mqtt.connectAsync(this.url, {
      clientId: this.id,
      username: this.id,
      password: this.secrets.get(this.url),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    c.setMaxListeners(0);
    c.on('error', () => undefined);
    c.on('message', (topic, payload) => (topic.endsWith('/config') ? this.configs : this.feedback).push(JSON.parse(payload.toString())));
    await c.subscribeAsync([`instruments/${this.id}/feedback`, `instruments/${this.id}/config`], { qos: 1 });
    this.client = c;
  }

  payload(seq: number): string {
    return JSON.stringify({ seq, ts: this.tsOf(seq), quantity: 'pressure', value: 1000 + (seq % 100) / 10, unit: 'hPa' });
  }

  /** Publishes any payload at QoS 1 on a topic suffix; resolves on PUBACK. */
  publishRaw(suffix: string, payload: string): Promise<void> {
    const c = this.client;
    if (!c?.connected) return Promise.reject(new Error(`${this.id} not connected`));
    return new Promise((resolve, reject) => {
      const onClose = () => reject(new Error(`${this.id}: connection closed before PUBACK`));
      c.once('close', onClose);
      c.publish(`instruments/${this.id}/${suffix}`, payload, { qos: 1 }, (err) => {
        c.off('close', onClose);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Publishes on any topic at QoS 1: `acked` on PUBACK, `closed` if the gateway closed the connection instead (a refused topic). */
  publishTo(topic: string, payload: string): Promise<'acked' | 'closed'> {
    const c = this.client;
    if (!c?.connected) return Promise.reject(new Error(`${this.id} not connected`));
    return new Promise((resolve) => {
      c.once('close', () => resolve('closed'));
      c.publish(topic, payload, { qos: 1 }, (err) => {
        if (!err) resolve('acked');
      });
    });
  }

  /** Publishes a reading at QoS 0 (nothing acknowledged: at most once). */
  publishQos0(seq: number): void {
    this.sent.add(seq);
    this.client?.publish(`instruments/${this.id}/readings`, this.payload(seq), { qos: 0 });
  }

  private async publishOne(seq: number): Promise<void> {
    this.sent.add(seq);
    const m = this.messageOf?.(seq, this.tsOf(seq)) ?? { topic: 'readings', payload: this.payload(seq) };
    await this.publishRaw(m.topic, m.payload);
    this.acked.add(seq);
  }

  /**
   * Streams seqs 1…n, `perSecond` at most, `window` awaiting their PUBACK; on a lost connection
   * moves to the next node after `pauseMs` and resends the unacknowledged seqs. Resolves when
   * every seq is acknowledged or `shouldStop()`.
   */
  async stream(n: number, opts: { window: number; perSecond: number; pauseMs?: number; shouldStop?: () => boolean }): Promise<void> {
    const t0 = Date.now();
    let paced = 0;
    while (!opts.shouldStop?.()) {
      const pending: number[] = [];
      for (let s = 1; s <= n; s++) if (!this.acked.has(s)) pending.push(s);
      if (pending.length === 0) return;
      try {
        if (!this.client?.connected) await this.connect();
        let next = 0;
        let failed: Error | undefined;
        const lane = async () => {
          while (!failed && !opts.shouldStop?.() && next < pending.length) {
            // The seq is taken when its slot is due, not before: lanes whose waits end out of
            // order (a timer, a late lane finding its slot past) still send in seq order, as
            // one device does; drift statistics (EWMA) depend on the order.
            const due = t0 + (paced++ * 1000) / opts.perSecond - Date.now();
            if (due > 0) await new Promise((r) => setTimeout(r, due));
            if (failed || next >= pending.length) break;
            const seq = pending[next++];
            await this.publishOne(seq).catch((e: Error) => {
              failed ??= e;
            });
          }
        };
        await Promise.all(Array.from({ length: opts.window }, lane));
        if (failed) throw failed;
      } catch {
        this.losses++;
        await this.client?.endAsync(true).catch(() => undefined);
        this.node++;
        await new Promise((r) => setTimeout(r, opts.pauseMs ?? 300));
      }
    }
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true).catch(() => undefined);
  }
}
