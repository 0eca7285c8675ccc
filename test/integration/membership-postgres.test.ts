// The members of a cluster on shared state (src/cluster/membership.ts), on a real PostgreSQL 15
// with the gateway's migrations: the nodes that beat and consume, sorted; a node that stops
// leaves at once, one that stalls once its row is stale; a node back with a new incarnation is a
// change even under the same name; a node whose link to RabbitMQ is down gets no partitions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterMembership } from '../../src/cluster/membership.ts';
import { partitionOwners } from '../../src/cluster/partition.ts';
import { createLogger } from '../../src/log.ts';
import { PostgresState } from '../../src/store/postgres.ts';
import { createDatabase, type PostgresHandle, startPostgres } from '../support/postgres.ts';

const BEAT = { beatMs: 100, staleMs: 600 };
const log = createLogger('silent');
let server: PostgresHandle;
let url: string;

beforeAll(async () => {
  server = await startPostgres();
  url = await createDatabase(server, 'membership');
  await (await PostgresState.connect(url)).close(); // the migrations: cluster_members
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** A node's membership with its link state and incarnation settable, and every list it was told. */
function node(id: string) {
  const state = { consuming: true, incarnation: '1' };
  const m = new ClusterMembership(
    url,
    id,
    () => state.consuming,
    () => state.incarnation,
    log,
    BEAT,
  );
  const told: string[][] = [];
  m.follow((members) => told.push(members));
  return { m, state, told };
}

const settle = () => new Promise((r) => setTimeout(r, 4 * BEAT.beatMs));

describe('cluster membership on PostgreSQL', () => {
  it('lists the nodes that beat and consume; a stopped node leaves at once, a stalled one once stale; a new incarnation is a change', async () => {
    const b = node('node-b');
    const a = node('node-a');
    const c = node('node-c');
    await Promise.all([b.m.start(), a.m.start(), c.m.start()]);
    await settle();
    for (const n of [a, b, c]) expect(n.m.members).toEqual(['node-a', 'node-b', 'node-c']);
    // 16 partitions over the three: a 6, b 5, c 5, the same on every node
    const owners = partitionOwners(a.m.members, 16)!;
    expect(owners.filter((o) => o === 'node-a')).toHaveLength(6);
    expect(partitionOwners(c.m.members, 16)).toEqual(owners);

    // c's link to RabbitMQ goes down: it is no member while it cannot consume
    c.state.consuming = false;
    await settle();
    expect(a.m.members).toEqual(['node-a', 'node-b']);
    expect(c.m.members).toEqual(['node-a', 'node-b']);
    c.state.consuming = true;
    await settle();
    expect(a.m.members).toEqual(['node-a', 'node-b', 'node-c']);

    // c's link set up again (new consumers): the same names, told again
    const toldBefore = b.told.length;
    c.state.incarnation = '2';
    await settle();
    expect(b.told.length).toBe(toldBefore + 1);
    expect(b.told.at(-1)).toEqual(['node-a', 'node-b', 'node-c']);

    // b stops: its row goes, the others know at their next beat
    await b.m.stop();
    await settle();
    expect(a.m.members).toEqual(['node-a', 'node-c']);

    // c stalls (stops beating without leaving): still a member until its row is stale
    await c.m.stop().catch(() => undefined);
    const stalled = new ClusterMembership(
      url,
      'node-d',
      () => true,
      () => '1',
      log,
      BEAT,
    );
    await stalled.start();
    await settle();
    expect(a.m.members).toEqual(['node-a', 'node-d']);
    // stalled: no more beats (its timer cleared without deleting the row, as a frozen process)
    (stalled as unknown as { stopped: boolean }).stopped = true;
    await new Promise((r) => setTimeout(r, BEAT.staleMs + 3 * BEAT.beatMs));
    expect(a.m.members).toEqual(['node-a']);
    expect(a.m.lastError).toBeUndefined();
    await a.m.stop();
    await stalled.stop();
  });

  it('keeps the last members it read while the database cannot be reached, and says why', async () => {
    const a = node('solo-a');
    await a.m.start();
    await settle();
    expect(a.m.members).toEqual(['solo-a']);
    const seen: { error: string | undefined; members: string[] }[] = [];
    const sample = setInterval(() => seen.push({ error: a.m.lastError, members: a.m.members }), 25);
    await server.restart(1500);
    await expect.poll(() => a.m.lastError, { timeout: 10_000, interval: 50 }).toBeUndefined();
    clearInterval(sample);
    // while it was down the beats failed with the reason kept, and the members stayed
    expect(seen.some((s) => s.error !== undefined)).toBe(true);
    for (const s of seen) expect(s.members).toEqual(['solo-a']);
    await a.m.stop();
  }, 30_000);
});
