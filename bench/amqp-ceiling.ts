// RabbitMQ's own ceiling for the cluster benchmark (bench/cluster.ts): what the quorum-queue
// topology of cluster mode takes when nothing but amqplib talks to it. A forked child; one
// command over IPC, { cmd: 'run', urls, messages, window, devices, partitions, queueMaxMessages },
// answered with { type: 'result', ... } once every message has been consumed and acknowledged.
//
// The publishers do what a MAG edge does per message and nothing else: a confirm channel per
// URL given (cluster.ts gives the first RabbitMQ node three times: MAG nodes all connect to the
// first URL of MAG_AMQP_URLS and move on only when it is lost, and the partition queues' leaders
// are on the node that declared them), `persistent` publishes to `mag.readings` with the
// partition of the device (src/cluster/partition.ts) and the edge's headers, `window`
// unconfirmed per channel. The consumer does what a worker does with RabbitMQ and nothing else:
// one channel, every partition queue consumed with the worker's prefetch, acknowledged with
// `multiple` as the worker does once per sink batch: every 5,000 deliveries (MAG_SINK_BATCH's
// default) or 50 ms (the worker's flush). Each ack is a settle command in every quorum queue it
// covers: acking every 200 deliveries made this client slower than a MAG node.
import amqp from 'amqplib';
import { performance } from 'node:perf_hooks';
import { partitionOf } from '../src/cluster/partition.ts';
import { declareTopology, partitionKey, partitionQueue, READINGS_EXCHANGE } from '../src/cluster/topology.ts';
import { readingPayload } from './lib.ts';

interface RunArgs {
  urls: string[];
  messages: number;
  window: number;
  devices: string[];
  partitions: number;
  queueMaxMessages: number;
  /** The worker's prefetch per partition (src/cluster/cluster-node.ts). */
  prefetch: number;
}

async function run(a: RunArgs) {
  const cpu0 = process.cpuUsage();
  const topo = { partitions: a.partitions, queueMaxMessages: a.queueMaxMessages };
  const consumerConn = await amqp.connect(a.urls[0]);
  const cch = await consumerConn.createChannel();
  await declareTopology(cch, topo);
  await cch.prefetch(a.prefetch, false);
  let consumed = 0;
  let last: amqp.ConsumeMessage | undefined;
  let sinceAck = 0;
  let doneAt = 0;
  let resolveDone!: () => void;
  const allConsumed = new Promise<void>((r) => (resolveDone = r));
  const flush = () => {
    if (last) cch.ack(last, true);
    last = undefined;
    sinceAck = 0;
  };
  const flusher = setInterval(flush, 50);
  for (let p = 0; p < a.partitions; p++) {
    await cch.consume(partitionQueue(p), (msg) => {
      if (!msg) return;
      // One channel, deliveries in order: `multiple` acks everything up to this one.
      last = msg;
      consumed++;
      if (++sinceAck >= 5000) flush();
      if (consumed === a.messages) {
        flush();
        doneAt = performance.now();
        resolveDone();
      }
    });
  }

  const pubConns = await Promise.all(a.urls.map((u) => amqp.connect(u)));
  const channels = await Promise.all(pubConns.map((c) => c.createConfirmChannel()));
  const keys = a.devices.map((d) => partitionKey(partitionOf(d, a.partitions)));
  const startedAt = Date.now();
  const t0 = performance.now();
  let next = 0;
  let confirmed = 0;
  let nacked = 0;
  let confirmedAt = 0;
  await Promise.all(
    channels.map(
      (ch, c) =>
        new Promise<void>((resolve) => {
          const quota = Math.floor(a.messages / channels.length) + (c < a.messages % channels.length ? 1 : 0);
          let sent = 0;
          let done = 0;
          let inflight = 0;
          const pump = () => {
            while (inflight < a.window && sent < quota) {
              sent++;
              inflight++;
              const i = next++;
              const device = a.devices[i % a.devices.length];
              const headers = { device, topic: 'readings', qos: 1, receivedAt: Date.now(), node: 'ceiling' };
              ch.publish(READINGS_EXCHANGE, keys[i % keys.length], Buffer.from(readingPayload(i, Date.now())), { persistent: true, headers }, (err) => {
                inflight--;
                done++;
                if (err) nacked++;
                else confirmed++;
                if (done === quota) resolve();
                else pump();
              });
            }
          };
          if (quota === 0) resolve();
          else pump();
        }),
    ),
  );
  confirmedAt = performance.now();
  let timeout: NodeJS.Timeout | undefined;
  const complete = await Promise.race([allConsumed.then(() => true), new Promise<boolean>((r) => (timeout = setTimeout(() => r(false), 120_000)))]);
  clearTimeout(timeout);
  clearInterval(flusher);
  flush();
  const cpu = process.cpuUsage(cpu0);
  await Promise.all([...pubConns, consumerConn].map((c) => c.close().catch(() => undefined)));
  const confirmMs = confirmedAt - t0;
  const consumedMs = (complete ? doneAt : performance.now()) - t0;
  return {
    startedAt,
    messages: a.messages,
    confirmed,
    nacked,
    consumed,
    complete,
    confirmMs: Math.round(confirmMs),
    consumedMs: Math.round(consumedMs),
    confirmRate: Math.round((confirmed / confirmMs) * 1000),
    consumedRate: Math.round((consumed / consumedMs) * 1000),
    clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}

process.on('message', (m: { cmd: string } & RunArgs) => {
  if (m.cmd !== 'run') return;
  run(m).then(
    (r) => process.send!({ type: 'result', ok: true, ...r }),
    (e: Error) => process.send!({ type: 'result', ok: false, error: e.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
