// The RabbitMQ objects of a cluster, declared by every node before it accepts traffic (declaring
// is idempotent; a node declaring them with other arguments than the first one is refused by
// RabbitMQ with PRECONDITION_FAILED, which fails its start with the reason).
//
// - `mag.readings` (direct): device messages, routed by partition key `p<i>` to
//   `mag.readings.p<i>`: quorum queues (replicated, a majority must confirm), single active
//   consumer (one worker judges a partition at a time, in order), bounded by x-max-length with
//   reject-publish (a full queue nacks the publish: the device gets no PUBACK, keeps its data).
// - `mag.to-devices` (fanout): feedback and config for devices; each node binds its own
//   exclusive queue and delivers what concerns devices connected to it.
import type { Channel } from 'amqplib';

export const READINGS_EXCHANGE = 'mag.readings';
export const TO_DEVICES_EXCHANGE = 'mag.to-devices';

export interface TopologyOptions {
  partitions: number;
  /** x-max-length of each partition queue. */
  queueMaxMessages: number;
}

export const partitionKey = (p: number): string => `p${p}`;
export const partitionQueue = (p: number): string => `${READINGS_EXCHANGE}.p${p}`;

/** The queue arguments of a partition (all nodes must agree on them). */
export function partitionQueueArguments(o: TopologyOptions): Record<string, unknown> {
  return { 'x-queue-type': 'quorum', 'x-single-active-consumer': true, 'x-max-length': o.queueMaxMessages, 'x-overflow': 'reject-publish' };
}

/** Declares exchanges, partition queues and their bindings. */
export async function declareTopology(ch: Channel, o: TopologyOptions): Promise<void> {
  await ch.assertExchange(READINGS_EXCHANGE, 'direct', { durable: true });
  await ch.assertExchange(TO_DEVICES_EXCHANGE, 'fanout', { durable: true });
  for (let p = 0; p < o.partitions; p++) {
    await ch.assertQueue(partitionQueue(p), { durable: true, arguments: partitionQueueArguments(o) });
    await ch.bindQueue(partitionQueue(p), READINGS_EXCHANGE, partitionKey(p));
  }
}
