// The worker of a cluster node: consumes every partition queue, one channel each (single
// active consumer: one node at a time judges a partition, the others wait to take it over when
// its connection dies), judges each message with the same pipeline a single node runs (ingest →
// points → assurance → feedback), writes a batch's points to the sink, and only then
// acknowledges the batch to RabbitMQ. The sink down: the batch is retried with a back-off and
// nothing more is acknowledged; RabbitMQ stops delivering at the prefetch and the queues fill
// up to their cap.
//
// A redelivered message (the worker died between the sink write and the ack) is judged again:
// its points are the same (the edge's receive time travels with it) and overwrite themselves.
//
// Sharing the partitions (`balance(owners)`, from the cluster's members on shared state): a
// partition this node judges but another member owns is handed over between batches, when
// nothing of it is judged and unacknowledged: its channel is closed (what was received and not
// judged goes back to RabbitMQ, which gives it, in order, to the next consumer waiting: the
// owner) and the node subscribes again, behind the owner, as its stand-in should it die. A
// partition is kept at least HOLD_MS once it came to this node, so that nodes whose views of the
// members differ for a moment do not pass it to and fro. RabbitMQ's single active consumer
// stays the guard: whatever the views, one consumer at a time receives a partition.
//
// On a shared state database (PostgreSQL, `judgeWith(pipeline, state)`), per batch: the messages
// are judged in delivery order with every statement of the judging queued into one write batch,
// which commits (one transaction) before the sink write; a failed commit acknowledges nothing
// and the batch is judged again once its devices' state is reloaded. The first message of a
// device in a consumer's tenure (a channel: a partition moves only when its consumer goes away)
// waits for the device's state to load from the database: another node may have judged it
// before. A redelivered message's checks already stored are not judged again (their seqs come
// with the device's state).
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { DeviceTopic } from '../broker/topics.ts';
import type { Logger } from '../log.ts';
import type { DeviceMessagePipeline, PointLog } from '../pipeline/device-messages.ts';
import type { Sink } from '../sinks/sink.ts';
import { writeIsolating, type RefusedLine } from '../sinks/write-isolating.ts';
import { partitionQueue } from './topology.ts';
import type { DeviceMessageHeaders } from './edge-publisher.ts';
import type { PostgresState } from '../store/postgres.ts';

/** What the worker needs of a shared state database: a write batch per batch of messages. */
export type SharedState = Pick<PostgresState, 'writeBatch' | 'into'>;

export interface WorkerOptions {
  nodeId: string;
  partitions: number;
  /** Unacknowledged deliveries per partition (RabbitMQ's prefetch, per consumer). */
  prefetch: number;
  /** Points per sink write (MAG_SINK_BATCH). */
  batch: number;
  /** A partial batch waits at most this long for more messages. */
  flushMs: number;
  retryMinMs: number;
  /** MAG_SINK_RETRY_MAX_MS. */
  retryMaxMs: number;
  /** A partition that came to this node is kept at least this long before it goes to its owner (default HOLD_MS). */
  holdMs?: number;
}

/** A partition's consumer on its own channel: its deliveries are acknowledged on it and dropped when it closes (RabbitMQ redelivers them). */
interface Consumption {
  ch: Channel;
  open: boolean;
  partition: number;
  /** When its first message came (performance.now()): from then this node is the partition's active consumer. */
  activeSince: number | undefined;
  /** Closed on purpose (handed over): the connection stays. */
  releasing: boolean;
}

/**
 * A partition that came to this node is kept at least this long before it is handed over to its
 * owner, ms: nodes whose views of the members differ for a beat would otherwise pass it to and fro.
 */
export const HOLD_MS = 5000;

interface Delivery {
  msg: ConsumeMessage;
  on: Consumption;
}

export class PartitionWorker {
  private received: Delivery[] = [];
  private firstReceivedAt = 0;
  private running = false;
  /** True while a failed write backs off: arrivals must not cut the wait short. */
  private holding = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lines: string[] = [];
  private count = 0;
  /** The durable step of the worker's pipeline: the batch being collected (the message is durable in RabbitMQ already). */
  readonly pointLog: PointLog = {
    appendLines: (lines, count, _t, done) => {
      this.lines.push(lines);
      this.count += count;
      done(null);
    },
    fill: 0,
    backlogBytes: 0,
    capacity: Number.POSITIVE_INFINITY,
  };
  private accept: DeviceMessagePipeline['accept'] | undefined;
  private pipeline: DeviceMessagePipeline | undefined;
  private shared: SharedState | undefined;
  /** Shared state: the consumption (channel) in whose tenure each device's state was loaded. */
  private readonly tenure = new Map<string, Consumption>();
  sinkHealthy = true;
  lastError: string | undefined;
  readonly totals = { messages: 0, redelivered: 0, points: 0, batches: 0, failedWrites: 0, unjudged: 0, failedCommits: 0, deviceLoads: 0, handovers: 0 };
  /** The connection the consumers are on (the latest set up). */
  private conn: ChannelModel | undefined;
  /** Each partition's consumer on the current connection. */
  private readonly consumers: (Consumption | undefined)[] = [];
  /** Each partition's owner among the members (undefined: no sharing, whoever RabbitMQ chooses judges). */
  private owners: string[] | undefined;
  /** The owners changed since the last handover: every consumer of a partition owned elsewhere steps back once. */
  private ownersChanged = false;
  /** Connections set up so far: the generation of the consumers (the node's incarnation). */
  setups = 0;

  constructor(
    private readonly sink: Sink,
    private readonly refused: RefusedLine,
    private readonly opts: WorkerOptions,
    private readonly log: Logger,
  ) {}

  /** The pipeline judging messages (built on `pointLog`); `shared`: the state database when it is PostgreSQL (the pipeline's). */
  judgeWith(pipeline: DeviceMessagePipeline, shared?: SharedState): void {
    this.accept = pipeline.accept;
    this.pipeline = pipeline;
    this.shared = shared;
  }

  /** AmqpLink setup: a consumer of every partition, each on its own channel. */
  readonly setup = async (conn: ChannelModel): Promise<void> => {
    this.setups++;
    this.conn = conn;
    for (let p = 0; p < this.opts.partitions; p++) await this.subscribe(conn, p);
    this.ownersChanged = true; // new consumers, perhaps active on partitions owned elsewhere: they step back once
  };

  private async subscribe(conn: ChannelModel, p: number): Promise<void> {
    const ch = await conn.createChannel();
    const on: Consumption = { ch, open: true, partition: p, activeSince: undefined, releasing: false };
    ch.on('error', (e: Error) => this.log.warn({ err: e.message, partition: p }, 'RabbitMQ consumer channel error'));
    ch.once('close', () => {
      on.open = false;
      // Not judged yet: RabbitMQ gives them to the partition's next consumer, in order.
      this.received = this.received.filter((d) => d.on !== on);
      // Closed by RabbitMQ (a channel error, an ack not within its consumer_timeout): the whole
      // link reconnects and sets every part up again rather than leave a partition unconsumed.
      if (!on.releasing) conn.close().catch(() => undefined);
    });
    await ch.prefetch(this.opts.prefetch, false);
    this.consumers[p] = on;
    await ch.consume(
      partitionQueue(p),
      (msg) => {
        if (!msg) return; // consumer cancelled by RabbitMQ (queue deleted); the link reconnects on close
        // Sent before a handover's close reached RabbitMQ: it gives them, unacknowledged, to the owner.
        if (!on.open) return;
        on.activeSince ??= performance.now();
        if (this.received.length === 0) this.firstReceivedAt = performance.now();
        this.received.push({ msg, on });
        // The loop wakes for a first message (to start its linger) or a full batch, not while a failed write backs off.
        if (!this.holding && (this.received.length === 1 || this.received.length === this.opts.batch)) this.wake?.();
      },
      { consumerTag: `mag.${this.opts.nodeId}.p${p}`, noAck: false },
    );
  }

  /** The owner of each partition (the members changed), or undefined: no sharing. Applied between batches. */
  balance(owners: string[] | undefined): void {
    this.owners = owners;
    this.ownersChanged = true;
    if (!this.holding) this.wake?.();
  }

  /** Partitions this node judges now (its consumer received from them) and those it owns. */
  partitions(): { judging: number[]; owned: number[] | null } {
    const judging: number[] = [];
    for (const on of this.consumers) if (on?.open && on.activeSince !== undefined) judging.push(on.partition);
    const owned = this.owners ? this.owners.flatMap((o, p) => (o === this.opts.nodeId ? [p] : [])) : null;
    return { judging, owned };
  }

  /**
   * Between batches: a partition owned by another member steps back (its channel closed, its
   * consumer subscribed again behind the owner) when it came to this node at least `holdMs` ago,
   * and, once after the owners changed, when no message of it came yet: RabbitMQ does not tell a
   * consumer that it became the active one, so an idle partition's consumer may be active without
   * knowing it, and stepping back costs a consumer that is not active nothing.
   */
  private async handOver(): Promise<void> {
    const owners = this.owners;
    const conn = this.conn;
    if (!owners || !conn) return;
    const idleToo = this.ownersChanged;
    this.ownersChanged = false;
    const now = performance.now();
    for (const on of [...this.consumers]) {
      if (!on?.open) continue;
      const owner = owners[on.partition];
      if (owner === undefined || owner === this.opts.nodeId) continue;
      if (on.activeSince === undefined ? !idleToo : now - on.activeSince < (this.opts.holdMs ?? HOLD_MS)) continue;
      on.releasing = true;
      on.open = false;
      this.received = this.received.filter((d) => d.on !== on);
      if (on.activeSince !== undefined) {
        this.totals.handovers++;
        this.log.info({ partition: on.partition, owner }, 'handing a partition over to its owner');
      }
      await on.ch.close().catch(() => undefined);
      if (!this.running || this.conn !== conn) return;
      try {
        await this.subscribe(conn, on.partition); // behind the owner: its stand-in
      } catch (e) {
        this.log.warn({ partition: on.partition, err: (e as Error).message }, 'subscribing again after a handover failed; reconnecting');
        await conn.close().catch(() => undefined);
        return;
      }
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in hand: acknowledged if the sink takes it now, else left to RabbitMQ to deliver again. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.handOver();
      if (!this.running) break;
      if (this.received.length === 0) {
        await this.idle(1000);
        continue;
      }
      const linger = this.firstReceivedAt + this.opts.flushMs - performance.now();
      if (this.received.length < this.opts.batch && linger > 0) {
        await this.idle(linger);
        continue;
      }
      const batch = this.shared ? await this.judgeBatchShared(this.shared) : this.judgeBatch();
      if (batch.length > 0) await this.store(batch);
    }
  }

  /** Judges received messages in order until a batch's worth of points; returns them. */
  private judgeBatch(): Delivery[] {
    this.lines = [];
    this.count = 0;
    let n = 0;
    while (n < this.received.length && this.count < this.opts.batch) this.judge(this.received[n++]);
    const batch = this.received.slice(0, n);
    this.received = this.received.slice(n);
    if (this.received.length > 0) this.firstReceivedAt = performance.now() - this.opts.flushMs;
    return batch;
  }

  /**
   * judgeBatch on a shared state database: each device's state loaded first where this tenure
   * has not loaded it (or another node changed it), the judging's statements into one write
   * batch, committed before the batch goes on to the sink. Nothing when the commit fails: the
   * messages go back in front, their devices to be loaded again, after a pause.
   */
  private async judgeBatchShared(shared: SharedState): Promise<Delivery[]> {
    this.lines = [];
    this.count = 0;
    const wb = shared.writeBatch();
    const taken: Delivery[] = [];
    let pause = false;
    while (this.received.length > 0 && this.count < this.opts.batch) {
      const d = this.received[0];
      const device = (d.msg.properties.headers as Partial<DeviceMessageHeaders> | undefined)?.device;
      if (typeof device === 'string' && (this.tenure.get(device) !== d.on || this.pipeline!.isStale(device))) {
        // The load reads after the alert book's writes in flight, which include this batch's:
        // commit what is judged first, the device is loaded at the head of the next batch.
        if (taken.length > 0) break;
        try {
          this.totals.deviceLoads++;
          await this.pipeline!.reloadDevice(device);
          this.tenure.set(device, d.on);
        } catch (e) {
          this.lastError = (e as Error).message;
          this.log.warn({ device, err: this.lastError }, "loading a device's state from the state database failed; its messages wait");
          pause = true;
          break;
        }
        continue; // received[0] again: its channel may have closed meanwhile
      }
      this.received.shift();
      taken.push(d);
      shared.into(wb, () => this.judge(d));
    }
    try {
      await wb.commit();
    } catch (e) {
      this.totals.failedCommits++;
      this.lastError = (e as Error).message;
      this.log.warn(
        { err: this.lastError, messages: taken.length },
        'writing the judged state failed; nothing acknowledged, the batch is judged again on its devices reloaded',
      );
      for (const d of taken) {
        const device = (d.msg.properties.headers as Partial<DeviceMessageHeaders> | undefined)?.device;
        if (typeof device === 'string') this.tenure.delete(device);
      }
      this.received = taken.filter((d) => d.on.open).concat(this.received);
      this.lines = [];
      this.count = 0;
      await this.idle(this.opts.retryMinMs);
      return [];
    }
    if (this.received.length > 0) this.firstReceivedAt = performance.now() - this.opts.flushMs;
    if (pause) await this.idle(this.opts.retryMinMs);
    return taken;
  }

  private judge(d: Delivery): void {
    this.totals.messages++;
    if (d.msg.fields.redelivered) this.totals.redelivered++;
    const h = d.msg.properties.headers as Partial<DeviceMessageHeaders> | undefined;
    if (!h || typeof h.device !== 'string' || typeof h.topic !== 'string' || typeof h.receivedAt !== 'number') {
      this.totals.unjudged++;
      this.log.error({ headers: h }, 'message in a partition queue without device, topic or receivedAt headers; acknowledged and dropped');
      return;
    }
    try {
      this.accept!(h.device, h.topic as DeviceTopic, d.msg.content, Number(h.qos ?? 1), h.receivedAt, (err) => {
        if (err) {
          this.totals.unjudged++;
          this.log.warn({ device: h.device, topic: h.topic, err: err.message }, 'message acknowledged by an edge could not be judged here; dropped');
        }
      });
    } catch (e) {
      // A fault in the pipeline: acknowledging it is better than redelivering it forever to every node in turn.
      this.totals.unjudged++;
      this.log.error(
        { device: h.device, topic: h.topic, err: (e as Error).message, stack: (e as Error).stack },
        'judging a message failed; it is acknowledged and dropped',
      );
    }
  }

  /** Writes the batch's points (retrying while its channel is open), then acknowledges it. */
  private async store(batch: Delivery[]): Promise<void> {
    const lines = this.lines.join('\n');
    const count = this.count;
    let failures = 0;
    while (count > 0) {
      try {
        await writeIsolating(this.sink, lines, count, this.refused);
        if (!this.sinkHealthy) this.log.info({ sink: this.sink.kind }, 'sink reachable again; acknowledging to RabbitMQ');
        this.sinkHealthy = true;
        this.lastError = undefined;
        break;
      } catch (e) {
        this.totals.failedWrites++;
        this.lastError = (e as Error).message;
        if (this.sinkHealthy || ++failures % 10 === 0) {
          this.log.warn(
            { sink: this.sink.kind, err: this.lastError, points: count },
            'sink write failed; the messages stay in RabbitMQ unacknowledged and the worker retries',
          );
        }
        this.sinkHealthy = false;
        if (!batch.some((d) => d.on.open)) return; // redelivered to whoever consumes next
        if (!this.running) return;
        const wait = Math.min(this.opts.retryMaxMs, this.opts.retryMinMs * 2 ** Math.min(failures, 16));
        this.holding = true;
        await this.idle(wait + Math.random() * wait * 0.2);
        this.holding = false;
      }
    }
    this.totals.points += count;
    this.totals.batches++;
    // One ack per channel, for everything up to its last delivery here: deliveries are handled in order.
    const last = new Map<Consumption, ConsumeMessage>();
    for (const d of batch) last.set(d.on, d.msg);
    for (const [on, msg] of last) {
      if (!on.open) continue;
      try {
        on.ch.ack(msg, true);
      } catch (e) {
        this.log.warn(
          { err: (e as Error).message },
          'acknowledging to RabbitMQ failed (channel closed); the messages are redelivered and overwrite their points',
        );
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}
