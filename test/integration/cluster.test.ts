// Cluster mode (docs/cluster.md) with the real engines: a 3-node RabbitMQ cluster, influxd,
// PostgreSQL 15 (the shared state, MAG_STATE_URL) and two MAG nodes as child processes sharing
// them. Devices publish QoS 1 readings with seqs; after
// each fault (a MAG node SIGKILLed, a RabbitMQ node SIGKILLed, InfluxDB away for over a minute,
// a worker stalled) InfluxDB must hold every acknowledged seq exactly once, in the device's order.
// Devices are registered once, on either node. The assurance state judged across a takeover
// (drift, alerts) must equal a single node's over the same messages. The cases share the engines
// and run in order. Figures go to stdout.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/cluster/partition.ts';
import { firstUrl } from '../../src/cluster/amqp-link.ts';
import { ClusterDevice } from '../support/cluster-device.ts';
import { createGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { type InfluxdHandle, type InfluxQueryResult, startInfluxd } from '../support/influxd.ts';
import { createDatabase, type PostgresHandle, startPostgres } from '../support/postgres.ts';
import { type RabbitCluster, startRabbitCluster } from '../support/rabbitmq.ts';

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

describe('cluster mode (3 RabbitMQ nodes, PostgreSQL, 2 MAG nodes, real influxd)', () => {
  let rabbit: RabbitCluster;
  let influxd: InfluxdHandle;
  let postgres: PostgresHandle;
  let stateUrl: string;
  const nodes: GatewayProcess[] = [];
  const devices: ClusterDevice[] = [];
  let deviceNo = 0;
  let dayOffset = 0;

  /** Seqs stored for a device, in time order. */
  const storedSeqs = async (id: string) => rows(await influxd.query(`SELECT seq FROM reading WHERE device = '${id}'`)).map((r) => r.seq as number);
  /** Registers a device once, through the API of the first of `on` (alternating), which every node then knows. */
  const device = async (prefix: string, on: GatewayProcess[] = nodes, messageOf?: ConstructorParameters<typeof ClusterDevice>[3]): Promise<ClusterDevice> => {
    const id = `${prefix}-${++deviceNo}`;
    const secret = await on[deviceNo % on.length].device({ id, type: 'barometer' });
    const secrets = new Map(on.map((n) => [n.mqttUrl, secret]));
    // a quarter day apart: the ~40 devices of the file stay in the past (at most 300 s ahead is accepted)
    const base = NOW0 - 30 * DAY + dayOffset++ * (DAY / 4);
    const d = new ClusterDevice(id, secrets, (seq) => base + seq * SEC, messageOf);
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
      MAG_STATE_URL: stateUrl,
    });
    try {
      await gp.start(60_000);
    } catch (e) {
      await gp.destroy();
      throw e;
    }
    return gp;
  };

  /** Partitions each node is the active consumer of, by node id (from `rabbitmqctl list_consumers`). */
  const activeCounts = async (): Promise<Map<string, number>> => {
    const live = rabbit.nodes.findIndex((n) => n.running);
    const out = await rabbit.ctl(live, ['list_consumers', '-q', '--no-table-headers', 'consumer_tag', 'active']);
    const count = new Map<string, number>();
    for (const line of out.split('\n')) {
      const m = /^mag\.([^.\s]+)\.p\d+\s+true/.exec(line.trim());
      if (m) count.set(m[1], (count.get(m[1]) ?? 0) + 1);
    }
    return count;
  };
  /** Partitions each node is the active consumer of, as an object sorted by node id. */
  const shares = async () => Object.fromEntries([...(await activeCounts())].sort());
  /** Waits until each of the two nodes is the active consumer of 8 of the 16 partitions. */
  const sharedEvenly = (message: string, timeout = 30_000) => expect.poll(shares, { timeout, interval: 500, message }).toEqual({ a: 8, b: 8 });
  /** The MAG node whose worker is the single active consumer of most partitions (either, when they share them evenly). */
  const activeNode = async (): Promise<GatewayProcess> => {
    const count = await activeCounts();
    const out = JSON.stringify([...count]);
    const best = [...count].sort((x, y) => y[1] - x[1])[0];
    if (!best) throw new Error(`no active consumer found: ${out}`);
    return nodes[best[0] === 'a' ? 0 : 1];
  };
  /** The node whose worker is the single active consumer of partition `p`. */
  const judgeOf = async (p: number): Promise<GatewayProcess> => {
    const live = rabbit.nodes.findIndex((n) => n.running);
    const out = await rabbit.ctl(live, ['list_consumers', '-q', '--no-table-headers', 'consumer_tag', 'active']);
    const m = new RegExp(`^mag\\.([^.\\s]+)\\.p${p}\\s+true`, 'm').exec(
      out
        .split('\n')
        .map((l) => l.trim())
        .join('\n'),
    );
    if (!m) throw new Error(`no active consumer of partition ${p}: ${out}`);
    return nodes[m[1] === 'a' ? 0 : 1];
  };
  const other = (n: GatewayProcess) => (n === nodes[0] ? nodes[1] : nodes[0]);
  /** Devices streaming `n` seqs each, half connected to each node. */
  const fleet = async (prefix: string, count: number) => {
    const ds: ClusterDevice[] = [];
    for (let i = 0; i < count; i++) {
      const d = await device(prefix);
      await d.connect(nodes[i % 2].mqttUrl);
      ds.push(d);
    }
    return ds;
  };
  /** Devices connected to node `n`. */
  const fleet2 = async (prefix: string, n: GatewayProcess, count: number) => {
    const ds: ClusterDevice[] = [];
    for (let i = 0; i < count; i++) {
      const d = await device(prefix, [n]);
      await d.connect(n.mqttUrl);
      ds.push(d);
    }
    return ds;
  };
  const acked = (ds: ClusterDevice[]) => ds.reduce((n, d) => n + d.acked.size, 0);
  const storedCount = async (prefix: string) =>
    (rows(await influxd.query(`SELECT count(value) FROM reading WHERE device =~ /^${prefix}-/`))[0]?.count as number | undefined) ?? 0;
  const allStored = async (prefix: string, ds: ClusterDevice[], n: number, timeout = 30_000) => {
    await expect
      .poll(() => storedCount(prefix), { timeout, interval: 250, message: `${prefix}: waiting for ${ds.length * n} readings in InfluxDB` })
      .toBe(ds.length * n);
    for (const d of ds) expect(await expectExactlyOnce(d)).toHaveLength(n);
  };

  beforeAll(async () => {
    const t0 = Date.now();
    // Each kept as it comes up, so that afterAll stops what started when another failed.
    const started = await Promise.allSettled([
      startRabbitCluster(3).then((r) => (rabbit = r)),
      startInfluxd().then((i) => (influxd = i)),
      startPostgres().then((p) => (postgres = p)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    stateUrl = await createDatabase(postgres, 'mag_cluster');
    const t1 = Date.now();
    nodes.push(...(await Promise.all([startNode('a'), startNode('b')])));
    console.log(`[cluster] 3 RabbitMQ nodes and influxd up in ${t1 - t0} ms; 2 MAG nodes in ${Date.now() - t1} ms`);
  }, 150_000);

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await Promise.all(nodes.map((n) => n.destroy()));
    await Promise.all([rabbit?.stop(), influxd?.destroy(), postgres?.stop()]);
  }, 60_000);

  it('stores what either node acknowledged; feedback and config reach the node holding the device; auth and ACL still refuse', {
    timeout: 60_000,
  }, async () => {
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

    onA.publishQos0(201); // QoS 0 goes the same way, without waiting for a confirm
    await expect.poll(() => storedSeqs(onA.id), { timeout: 15_000 }).toHaveLength(201);

    const metrics = (await b.call('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/mag_cluster_edge_messages_total\{outcome="confirmed"\} [1-9]/);
    expect(metrics).toContain('mag_cluster_connected 1');

    // Config is sent on every connect, by whichever node the device connects to.
    for (const d of [onA, onB]) await expect.poll(() => d.configs.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(onB.configs[0]).toMatchObject({ verification: { state: 'valid' }, lockout: false });

    // A wrong secret is refused at CONNECT; another device's topic is refused (the connection closes).
    await expect(
      mqtt.connectAsync(b.mqttUrl, { clientId: onA.id, username: onA.id, password: 'not-the-secret', protocolVersion: 4, reconnectPeriod: 0 }),
    ).rejects.toThrow();
    expect(await onB.publishTo(`instruments/${onA.id}/readings`, onB.payload(1))).toBe('closed');
    expect((await storedSeqs(onA.id)).length).toBe(201); // nothing from the refused topic

    // A secret rotated through one node ends the device's session on the other at once; then the
    // old secret is refused and the new one taken by both nodes (one registry).
    const rotating = await device('basic');
    const connectWith = (url: string, password: string | undefined) =>
      mqtt.connectAsync(url, { clientId: rotating.id, username: rotating.id, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 });
    const session = await connectWith(a.mqttUrl, rotating.secrets.get(a.mqttUrl));
    session.on('error', () => undefined);
    const ended = new Promise<'ended'>((resolve) => session.once('close', () => resolve('ended')));
    const rotated = await b.call('POST', `/api/v1/devices/${rotating.id}/secret`);
    expect(rotated.status).toBe(200);
    expect(await Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve('still connected after 10 s'), 10_000))])).toBe('ended');
    const takes = async (url: string, password: string | undefined) => {
      try {
        await (await connectWith(url, password)).endAsync(true);
        return true;
      } catch {
        return false;
      }
    };
    for (const n of nodes) {
      await expect.poll(() => takes(n.mqttUrl, rotated.body.secret as string), { timeout: 10_000, interval: 200 }).toBe(true);
      expect(await takes(n.mqttUrl, rotating.secrets.get(n.mqttUrl))).toBe(false);
    }
  });

  it("the two nodes share the 16 partitions, 8 each by RabbitMQ's count; a node stopped gives its 8 to the other, and takes them back when it returns", {
    timeout: 90_000,
  }, async () => {
    const [a, b] = nodes;
    // Without traffic too: a consumer steps back from what it does not own when the members change.
    await sharedEvenly('each node the active consumer of 8 partitions', 20_000);
    for (const [n, id] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      const p = (await status(n)).cluster.partitions;
      expect(p.members).toEqual(['a', 'b']);
      // partitionOwners: sorted members in turn: a the even partitions, b the odd ones
      expect(p.owned).toEqual(Array.from({ length: 8 }, (_, i) => 2 * i + (id === 'a' ? 0 : 1)));
      expect(p.membersError).toBeNull();
    }
    // Messages of devices on all partitions, both nodes judging; every one stored once, in order.
    const N = 300;
    const ds = await fleet('share', 8);
    expect(new Set(ds.map((d) => partitionOf(d.id, 16) % 2)).size).toBe(2); // devices of both nodes' partitions
    await Promise.all(ds.map((d) => d.stream(N, { window: 10, perSecond: 300 })));
    await allStored('share', ds, N);
    const judged = await Promise.all(nodes.map(async (n) => (await status(n)).cluster.worker.messages as number));
    expect(
      judged.every((m) => m > 0),
      `messages judged by a and b: ${judged}`,
    ).toBe(true);

    // b stops (SIGTERM): it leaves the members, a takes its partitions at once (RabbitMQ's stand-in).
    const stopped = await b.kill('SIGTERM', 20_000);
    expect(stopped.code).toBe(0);
    await expect.poll(shares, { timeout: 20_000, interval: 500 }).toEqual({ a: 16 });
    await expect.poll(async () => (await status(a)).cluster.partitions.members, { timeout: 10_000, interval: 250 }).toEqual(['a']);
    const alone = await fleet2('share-alone', a, 4);
    await Promise.all(alone.map((d) => d.stream(100, { window: 10, perSecond: 300 })));
    await allStored('share-alone', alone, 100);

    // b back: a hands the odd partitions over, between batches, while devices stream; nothing lost, nothing twice.
    const during = await fleet2('share-back', a, 4);
    const streams = Promise.all(during.map((d) => d.stream(1500, { window: 10, perSecond: 150 })));
    await b.start(60_000);
    await sharedEvenly('b takes back its 8 partitions');
    await streams;
    await allStored('share-back', during, 1500);
    const handovers = (await status(a)).cluster.worker.handovers as number;
    console.log(
      `[cluster] partitions shared 8/8; b stopped: a judged all 16; b back: ${handovers} handovers by a while 4 devices streamed, all ${4 * 1500} stored once`,
    );
  });

  it('shared state: checks and fuel transactions judged across the death of the judging node leave the drift, totalizer and alerts a single node gives', {
    timeout: 120_000,
  }, async () => {
    // A barometer's checks (TL 0.3 hPa) with an error rising 0.004 hPa per check, two a day over
    // the last 60 days: drift statistics move with every check and drift alerts open.
    const N = 120;
    const t0 = NOW0 - 61 * DAY;
    const check = (seq: number) => ({
      topic: 'checks',
      payload: JSON.stringify({
        seq,
        ts: new Date(t0 + seq * (DAY / 2)).toISOString(),
        // as the barometer shows it, in 0.01 hPa steps
        indicated: (100_000 + Math.round(0.4 * seq + (seq % 3) * 0.1)) / 100,
        reference: 1000,
        referenceUncertainty: 0.02,
        unit: 'hPa',
        standardId: 'REF-BARO-1',
      }),
    });
    // A fuel dispenser's transactions of 10 L on nozzle 1, each starting where the last ended,
    // except seq 80 (5 L dispensed outside any transaction: totalizer-continuity) and seq 100 (a
    // wrong amount): exactly those two tamper findings, each once, if the totalizer's state
    // crossed the takeover intact.
    const totalizerStart = (seq: number) => 1000 + 10 * (seq - 1) + (seq >= 80 ? 5 : 0);
    const transaction = (seq: number, ts: number) => ({
      topic: 'readings',
      payload: JSON.stringify({
        seq,
        ts,
        quantity: 'volume',
        value: 10,
        unit: 'L',
        nozzle: 1,
        product: 'RON95',
        unitPrice: 23800,
        amount: seq === 100 ? 250000 : 238000,
        totalizerStart: totalizerStart(seq),
        totalizerEnd: totalizerStart(seq) + 10,
      }),
    });
    const d = await device('state', nodes, check);
    // the node judging this device's partition dies (not the one holding its connection)
    const partition = partitionOf(d.id, 16);
    const victim = await judgeOf(partition);
    // the dispenser on the same partition, so that the same takeover moves it
    let k = 0;
    while (partitionOf(`state-fd-${k}`, 16) !== partition) k++;
    const fdId = `state-fd-${k}`;
    const fdSecret = await nodes[0].device({ id: fdId, type: 'fuel-dispenser' });
    const fdTs = (seq: number) => NOW0 - 2 * DAY + seq * 60_000;
    const fd = new ClusterDevice(fdId, new Map(nodes.map((n) => [n.mqttUrl, fdSecret])), fdTs, transaction);
    devices.push(fd);
    await d.connect(other(victim).mqttUrl);
    await fd.connect(other(victim).mqttUrl);
    const streams = Promise.all([d.stream(N, { window: 5, perSecond: 40 }), fd.stream(N, { window: 5, perSecond: 40 })]);
    await expect.poll(() => d.acked.size, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(N / 2);
    await victim.kill('SIGKILL');
    await streams;
    expect(await judgeOf(partition)).toBe(other(victim)); // the survivor judged the rest
    const checksOn = async (n: GatewayProcess) => (await n.call('GET', `/api/v1/devices/${d.id}/checks?limit=1000`)).body.items as { seq: number }[];
    const transactionsOf = async (id: string) => rows(await influxd.query(`SELECT count(volume) FROM "transaction" WHERE device = '${id}'`))[0]?.count;
    await expect.poll(async () => (await checksOn(other(victim))).length, { timeout: 30_000, interval: 250 }).toBe(N);
    await expect.poll(() => transactionsOf(fdId), { timeout: 30_000, interval: 250 }).toBe(N);
    await victim.start(60_000);

    // The same checks and transactions to a single node (its own SQLite state) for reference.
    const single = await createGatewayProcess({});
    try {
      await single.start(60_000);
      const secret = await single.device({ id: d.id, type: 'barometer' });
      const alone = new ClusterDevice(d.id, new Map([[single.mqttUrl, secret]]), d.tsOf, check);
      const fdAlone = new ClusterDevice(fdId, new Map([[single.mqttUrl, await single.device({ id: fdId, type: 'fuel-dispenser' })]]), fdTs, transaction);
      for (const x of [alone, fdAlone]) await x.connect();
      await Promise.all([alone.stream(N, { window: 5, perSecond: 400 }), fdAlone.stream(N, { window: 5, perSecond: 400 })]);
      for (const x of [alone, fdAlone]) await x.close();
      await expect.poll(async () => (await checksOn(single)).length, { timeout: 30_000, interval: 250 }).toBe(N);
      const alertsOf = async (n: GatewayProcess, id: string) =>
        ((await n.call('GET', `/api/v1/alerts?device=${id}&limit=1000`)).body.items as Record<string, any>[])
          .map((a) => `${a.kind} ${a.key} ${a.state} ${a.severity}${a.kind === 'tamper' ? ` ×${a.count} ${JSON.stringify(a.details)}` : ''}`)
          .sort();
      const stateOf = async (n: GatewayProcess) => {
        // Each registration carries a verification certificate issued at its own time, where the
        // drift baseline starts (resetAt): the only field allowed to differ.
        const drift = JSON.parse(JSON.stringify((await n.call('GET', `/api/v1/devices/${d.id}/drift`)).body, (k, v) => (k === 'resetAt' ? undefined : v)));
        return { drift, alerts: await alertsOf(n, d.id), dispenser: await alertsOf(n, fdId) };
      };
      const expected = await stateOf(single);
      expect(expected.alerts.some((a) => a.startsWith('drift ') || a.startsWith('predicted-oot '))).toBe(true);
      expect(expected.drift.points).toBeGreaterThan(0);
      expect(expected.dispenser).toHaveLength(2);
      const continuity = expected.dispenser.find((a) => a.includes('totalizer-continuity'));
      for (const fact of [/×1 /, /"totalizerStart":1795/, /"previousTotalizerEnd":1790/]) expect(continuity).toMatch(fact);
      for (const n of nodes) expect(await stateOf(n)).toEqual(expected);
    } finally {
      await single.destroy();
    }
  });

  it('PostgreSQL restarts mid-stream: every acknowledged reading stored once, the nodes go on', { timeout: 90_000 }, async () => {
    const N = 1200;
    const ds = await fleet('pgrestart', 4);
    const streams = Promise.all(ds.map((d) => d.stream(N, { window: 10, perSecond: 150 })));
    await expect.poll(() => acked(ds), { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(800);
    const ackedAtRestart = acked(ds);
    const t0 = Date.now();
    await postgres.restart(2000);
    await streams;
    await allStored('pgrestart', ds, N, 60_000);
    // the state works again on both nodes: a device registered now connects to either
    const late = await device('pgrestart-late');
    for (const n of nodes) {
      await late.connect(n.mqttUrl);
      await late.close();
    }
    console.log(`[cluster] PostgreSQL restarted (down 2 s): ${ackedAtRestart} acknowledged before; all ${4 * N} stored once ${Date.now() - t0} ms later`);
  });

  it('SIGKILL of a MAG node: its devices move to the other node, which takes its partitions over; back, it takes its share again', {
    timeout: 90_000,
  }, async () => {
    const victim = await activeNode();
    const victimId = victim === nodes[0] ? 'a' : 'b';
    const survivorId = victimId === 'a' ? 'b' : 'a';
    const N = 1500;
    const ds = await fleet('magkill', 4);
    const streams = Promise.all(ds.map((d) => d.stream(N, { window: 10, perSecond: 150 })));
    await expect.poll(() => acked(ds), { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(1200);
    const killed = await victim.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const ackedAtKill = acked(ds);
    const t0 = Date.now();
    await streams;
    await allStored('magkill', ds, N);
    expect(Object.fromEntries(await activeCounts())).toEqual({ [survivorId]: 16 });
    const survivor = await status(other(victim));
    console.log(
      `[cluster] MAG node SIGKILL: ${ackedAtKill} of ${4 * N} acknowledged at the kill; ${ds.reduce((n, d) => n + d.losses, 0)} connections lost; ` +
        `all ${4 * N} stored once ${Date.now() - t0} ms later; the survivor judged ${survivor.cluster.worker.redelivered} redelivered messages`,
    );
    await victim.start(60_000);
    await sharedEvenly('the restarted node takes its 8 partitions back');
  });

  it('SIGKILL of a RabbitMQ node: the majority goes on; unconfirmed messages are refused and sent again', { timeout: 60_000 }, async () => {
    const N = 1500;
    const ds = await fleet('rabbitkill', 4);
    const streams = Promise.all(ds.map((d) => d.stream(N, { window: 10, perSecond: 150 })));
    await expect.poll(() => acked(ds), { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(1200);
    // the RabbitMQ node a is connected to (b is on another: nodes named in sequence spread)
    const rabbitOf = async (n: GatewayProcess) => {
      const port = new URL((await status(n)).cluster.rabbitmq).port;
      return rabbit.nodes.findIndex((r) => String(r.amqpPort) === port);
    };
    const [aOn, bOn] = [await rabbitOf(nodes[0]), await rabbitOf(nodes[1])];
    expect([aOn, bOn]).toEqual([firstUrl('a', 3), firstUrl('b', 3)]);
    expect(aOn).not.toBe(bOn);
    await rabbit.kill(aOn);
    const ackedAtKill = acked(ds);
    const t0 = Date.now();
    await streams;
    await allStored('rabbitkill', ds, N);
    for (const n of nodes) expect((await status(n)).cluster.connected).toBe(true);
    expect(await rabbitOf(nodes[0])).not.toBe(aOn); // a moved to a RabbitMQ node still running
    expect(await rabbitOf(nodes[1])).toBe(bOn);
    console.log(
      `[cluster] RabbitMQ node SIGKILL: ${ackedAtKill} acknowledged at the kill, ${ds.reduce((n, d) => n + d.losses, 0)} connections lost; all ${4 * N} stored once ${Date.now() - t0} ms later`,
    );
  });

  it('InfluxDB away for over a minute: messages wait in the queues up to their cap, devices keep the rest; all stored once after', {
    timeout: 150_000,
  }, async () => {
    const N = 2100; // 70 s at 30/s: the streams end about when InfluxDB returns
    const ds = await fleet('influxdown', 4);
    const streams = Promise.all(ds.map((d) => d.stream(N, { window: 5, perSecond: 30, pauseMs: 1000 })));
    await expect.poll(() => acked(ds), { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(200);
    await influxd.stop();
    const ackedAtStop = acked(ds);
    await new Promise((r) => setTimeout(r, 65_000));
    const ackedDuring = acked(ds) - ackedAtStop;
    const lossesDuring = ds.reduce((n, d) => n + d.losses, 0);
    const refused = (await Promise.all(nodes.map(status))).reduce((n, s) => n + s.cluster.edge.refused, 0);
    expect(ackedDuring).toBeGreaterThan(0); // acknowledged while InfluxDB was away: held by RabbitMQ
    expect(refused).toBeGreaterThan(0); // the partition caps were reached: no PUBACK
    expect(lossesDuring).toBeGreaterThan(0);
    const t0 = Date.now();
    await influxd.restart();
    await streams;
    await allStored('influxdown', ds, N, 60_000);
    console.log(
      `[cluster] InfluxDB away 65 s: ${ackedDuring} messages acknowledged meanwhile (in RabbitMQ), ${refused} refused at the queue cap (${lossesDuring} connections closed, devices kept them); ` +
        `all ${4 * N} stored once ${Date.now() - t0} ms after InfluxDB returned`,
    );
  });

  it('a stalled worker (its process stopped): RabbitMQ ends its connection, the other node takes its partitions over', { timeout: 120_000 }, async () => {
    const stalled = await activeNode();
    const serving = other(stalled);
    const N = 1500;
    const ds: ClusterDevice[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await device('stall');
      await d.connect(serving.mqttUrl);
      ds.push(d);
    }
    const streams = Promise.all(ds.map((d) => d.stream(N, { window: 10, perSecond: 100 })));
    await expect.poll(() => acked(ds), { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(600);
    const stalledId = stalled === nodes[0] ? 'a' : 'b';
    process.kill(stalled.pid!, 'SIGSTOP');
    let takeoverMs: number;
    try {
      const t0 = Date.now();
      const storedAtStop = await storedCount('stall');
      // The edge on the serving node goes on acknowledging; the stalled node's partitions move once
      // RabbitMQ misses its heartbeats, and the serving node's worker stores them.
      await expect
        .poll(async () => (await activeCounts()).get(stalledId) ?? 0, {
          timeout: 45_000,
          interval: 500,
          message: "the stalled node's partitions move to the other",
        })
        .toBe(0);
      takeoverMs = Date.now() - t0;
      await expect.poll(() => storedCount('stall'), { timeout: 30_000, interval: 250 }).toBeGreaterThan(storedAtStop + 300);
    } finally {
      // whatever happened, the process runs again (the next cases use it)
      process.kill(stalled.pid!, 'SIGCONT');
    }
    await streams;
    await allStored('stall', ds, N);
    await expect
      .poll(async () => (await status(stalled)).cluster.connected, { timeout: 20_000, message: 'the stalled node reconnects once it runs again' })
      .toBe(true);
    // its link set up again (a new incarnation): the other node steps back from its share
    const t1 = Date.now();
    await sharedEvenly('the node back takes its 8 partitions again');
    console.log(
      `[cluster] stalled worker (SIGSTOP): the other node stored its partitions' messages within ${takeoverMs} ms; all ${3 * N} stored once; ` +
        `running again, it had its 8 partitions back ${Date.now() - t1} ms after it reconnected`,
    );
  });

  it('SIGTERM: a cluster node stops within seconds and exits 0; the other goes on', { timeout: 30_000 }, async () => {
    const [a, b] = nodes;
    const stopped = await a.kill('SIGTERM', 20_000);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    const d = await device('after', [b]);
    await d.connect(b.mqttUrl);
    await d.stream(100, { window: 10, perSecond: 400 });
    await expect.poll(() => storedSeqs(d.id), { timeout: 15_000 }).toHaveLength(100);
  });
});
