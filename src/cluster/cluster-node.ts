// Cluster mode of one node (docs/cluster.md): its AMQP link to the RabbitMQ cluster, the
// topology declared before the broker listens, the edge publisher (device messages → partition
// queues, PUBACK on confirm), the partition worker (judge → sink → ack) and the routing of
// feedback and config to the node holding a device's connection. gateway.ts composes it.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { DeviceOutbox } from '../pipeline/device-messages.ts';
import type { Sink } from '../sinks/sink.ts';
import type { RefusedLine } from '../sinks/write-isolating.ts';
import { AmqpLink } from './amqp-link.ts';
import { DeviceRouting } from './device-routing.ts';
import { EdgePublisher } from './edge-publisher.ts';
import { ClusterMembership } from './membership.ts';
import { partitionOwners } from './partition.ts';
import { PartitionWorker } from './partition-worker.ts';
import { declareTopology } from './topology.ts';

/** How long the node waits for the RabbitMQ cluster at start before it gives up. */
const START_TIMEOUT_MS = 60_000;
/** How long a device message waits for a channel while the node reconnects to another RabbitMQ node. */
const EDGE_HOLD_MS = 10_000;
/** Unacknowledged deliveries per partition at this node's worker. */
const PREFETCH_PER_PARTITION = 1000;

export interface ClusterNodeDeps {
  sink: Sink;
  /** Where points the sink refuses go (the dead-letter store). */
  refused: RefusedLine;
  /** The broker's own outbox on this node. */
  localOutbox: DeviceOutbox;
  /** True if the device's MQTT connection is on this node. */
  isConnectedHere: (deviceId: string) => boolean;
  /** Ends the device's MQTT session if it is on this node (a rotated secret, told by any node). */
  endSessionHere: (deviceId: string) => void;
  log: Logger;
  nowMs: () => number;
  /** The shared state database's URL (MAG_STATE_URL): the nodes share the partitions among them. Without it the first node to consume judges them all. */
  stateUrl?: string;
}

/**
 * Refuses settings that do not make a cluster, with what to do instead: shared state without
 * the replicated log would judge one device's messages on several nodes at once, out of order.
 */
export function checkClusterSettings(config: Config): void {
  if (config.cluster.stateUrl === undefined) return;
  if (config.cluster.amqpUrls.length === 0) {
    throw new Error(
      'MAG_STATE_URL is set without MAG_AMQP_URLS: shared state in PostgreSQL is for cluster mode, where RabbitMQ gives each device one worker at a time (docs/cluster.md); set MAG_AMQP_URLS too, or unset MAG_STATE_URL to keep the state in SQLite in MAG_DATA_DIR',
    );
  }
}

export class ClusterNode {
  readonly link: AmqpLink;
  readonly edge: EdgePublisher;
  readonly worker: PartitionWorker;
  readonly routing: DeviceRouting;
  readonly membership: ClusterMembership | undefined;

  constructor(
    private readonly config: Config,
    deps: ClusterNodeDeps,
  ) {
    const { nodeId, amqpUrls, partitions, queueMaxMessages } = config.cluster;
    const log = deps.log.child({ node: nodeId });
    this.link = new AmqpLink(amqpUrls, nodeId, log);
    this.edge = new EdgePublisher({ nodeId, partitions, holdMs: EDGE_HOLD_MS, nowMs: deps.nowMs }, log);
    this.worker = new PartitionWorker(
      deps.sink,
      deps.refused,
      { nodeId, partitions, prefetch: PREFETCH_PER_PARTITION, batch: config.sink.batch, flushMs: 50, retryMinMs: 100, retryMaxMs: config.sink.retryMaxMs },
      log,
    );
    this.routing = new DeviceRouting(deps.localOutbox, deps.isConnectedHere, nodeId, log, deps.endSessionHere);
    // In this order on every (re)connection: the topology first, then the parts using it.
    this.link.use(async (conn) => {
      const ch = await conn.createChannel();
      try {
        await declareTopology(ch, { partitions, queueMaxMessages });
      } catch (e) {
        throw new Error(
          `declaring the cluster's queues failed (do all nodes share MAG_CLUSTER_PARTITIONS and MAG_CLUSTER_QUEUE_MAX_MESSAGES?): ${(e as Error).message}`,
        );
      }
      await ch.close();
    });
    this.link.use(this.edge.setup);
    this.link.use(this.routing.setup);
    this.link.use(this.worker.setup);
    if (deps.stateUrl) {
      const startedAt = Date.now().toString(36);
      const membership = new ClusterMembership(
        deps.stateUrl,
        nodeId,
        () => this.link.connected,
        () => `${startedAt}.${this.worker.setups}`,
        log,
      );
      membership.follow((members) => this.worker.balance(partitionOwners(members, partitions)));
      this.membership = membership;
    }
  }

  /** Connects, declares the topology and starts consuming; the broker may listen once it resolves. */
  async start(): Promise<void> {
    await this.link.start(START_TIMEOUT_MS);
    this.worker.start();
    await this.membership?.start();
  }

  /** After the broker closed: refuses what waits for a channel, finishes the batch in hand, closes the link (unacknowledged deliveries go back to their queues). */
  async stop(): Promise<void> {
    await this.membership?.stop(); // the others take its partitions at their next beat
    this.edge.close();
    await this.worker.stop();
    await this.link.close();
  }

  /** For /readyz. */
  status(): {
    node: string;
    connected: boolean;
    /** The RabbitMQ URL connected to (password hidden); null without a link. */
    rabbitmq: string | null;
    sinkUp: boolean;
    sinkError: string | null;
    edge: EdgePublisher['totals'];
    worker: PartitionWorker['totals'];
    routing: DeviceRouting['totals'];
    partitions: { judging: number[]; owned: number[] | null; members: string[] | null; membersError: string | null };
  } {
    return {
      node: this.config.cluster.nodeId,
      connected: this.link.connected,
      rabbitmq: this.link.url ?? null,
      sinkUp: this.worker.sinkHealthy,
      sinkError: this.worker.lastError ?? null,
      edge: this.edge.totals,
      worker: this.worker.totals,
      routing: this.routing.totals,
      partitions: {
        ...this.worker.partitions(),
        members: this.membership ? this.membership.members : null,
        membersError: this.membership?.lastError ?? null,
      },
    };
  }
}
