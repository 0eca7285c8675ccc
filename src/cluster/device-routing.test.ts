// The device routing of two nodes joined by an in-memory stand-in for the `mag.to-devices`
// fanout (the real one is exercised by test/integration/cluster.test.ts): a device's session is
// ended on the node holding it, whichever node was asked.
import type { ChannelModel } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { DeviceRouting } from './device-routing.ts';

type Consumer = (msg: { content: Buffer } | null) => void;

/** A fanout exchange: what one node's channel publishes, every node's queue receives. */
function fanout() {
  const consumers: Consumer[] = [];
  const connection = {
    createChannel: async () => ({
      on: () => {},
      once: () => {},
      assertQueue: async () => ({ queue: `q${consumers.length}` }),
      bindQueue: async () => {},
      consume: async (_queue: string, onMessage: Consumer) => {
        consumers.push(onMessage);
      },
      publish: (_exchange: string, _key: string, content: Buffer) => {
        // delivered later, as RabbitMQ would
        for (const c of consumers) queueMicrotask(() => c({ content }));
        return true;
      },
    }),
    close: async () => {},
  } as unknown as ChannelModel;
  return connection;
}

/** A node: its routing, the devices connected to its broker, what its broker published and which sessions it ended. */
function node(id: string, connected: string[]) {
  const sessions = new Set(connected);
  const published: string[] = [];
  const ended: string[] = [];
  const routing = new DeviceRouting(
    { publish: (topic) => published.push(topic) },
    (device) => sessions.has(device),
    id,
    createLogger('silent'),
    (device) => {
      if (sessions.delete(device)) ended.push(device);
    },
  );
  return { routing, published, ended };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('ending a device session across nodes', () => {
  it('ends the session on the node holding it when another node is asked (a secret rotated there)', async () => {
    const bus = fanout();
    const a = node('a', []);
    const b = node('b', ['gd-1', 'gd-2']);
    await a.routing.setup(bus);
    await b.routing.setup(bus);

    a.routing.disconnect('gd-1');
    await settle();

    expect(b.ended).toEqual(['gd-1']); // gd-2 keeps its session
    expect(a.ended).toEqual([]);
    expect(b.published).toEqual([]); // nothing is published to the device
  });

  it('ends a session held on the node asked at once, and on the others too (a device may linger on a node it left)', async () => {
    const bus = fanout();
    const a = node('a', ['gd-1']);
    const b = node('b', ['gd-1']);
    await a.routing.setup(bus);
    await b.routing.setup(bus);

    a.routing.disconnect('gd-1');
    expect(a.ended).toEqual(['gd-1']);
    await settle();
    expect(b.ended).toEqual(['gd-1']);
  });

  it('still routes feedback and config as before', async () => {
    const bus = fanout();
    const a = node('a', []);
    const b = node('b', ['gd-1']);
    await a.routing.setup(bus);
    await b.routing.setup(bus);

    a.routing.publish('instruments/gd-1/feedback', { ok: true });
    await settle();
    expect(b.published).toEqual(['instruments/gd-1/feedback']);
    expect(b.ended).toEqual([]);
  });

  it('ends the local session even while the link to RabbitMQ is down, and counts the notice to the others as dropped', () => {
    const a = node('a', ['gd-1']);
    a.routing.disconnect('gd-1');
    expect(a.ended).toEqual(['gd-1']);
    expect(a.routing.totals.dropped).toBe(1);
  });
});
