// The aedes internals the broker patches: all there on the installed aedes (1.2.0), and a
// missing one is named, logged as an error and its patch left off.
import { type AddressInfo, createServer, connect as tcpConnect } from 'node:net';
import { Writable } from 'node:stream';
import { Aedes } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AedesInternals, checkAedesInternals, type AedesShape } from './aedes-internals.ts';

/** A logger whose lines are kept, parsed. */
function capturedLog() {
  const lines: { level: number; msg: string; patch?: string; internal?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('aedes internals', () => {
  let aedes: Aedes;
  beforeAll(async () => {
    aedes = await Aedes.createBroker({ id: 'internals-test' });
  });
  afterAll(() => new Promise<void>((r) => aedes.close(() => r())));

  it('are all found on the installed aedes', () => {
    expect(checkAedesInternals(aedes as unknown as AedesShape)).toEqual([]);
    const { log, lines } = capturedLog();
    const internals = new AedesInternals(aedes, log);
    expect([...internals.missing]).toEqual([]);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a client without the batch count-down aedes 1.2.0 has: the readable guard and the read budget are reported missing', () => {
    // A broker whose clients lack `_nextBatch` (as if an aedes upgrade renamed it); everything else is there.
    const fake: AedesShape = {
      clients: {},
      publish(_packet: unknown, _client: unknown, _done: unknown) {},
      handle: (conn: unknown) => ({ conn, _parsingBatch: 1, close() {} }),
    };
    expect(checkAedesInternals(fake)).toEqual([
      { patch: 'readable_guard', internal: 'Client#_nextBatch' },
      { patch: 'read_budget', internal: 'Client#_nextBatch reading with conn.read(null)' },
    ]);
  });

  it('a broker without its clients map and with another publish signature: both named, logged as errors, publish left unpatched', () => {
    const publish = (_packet: unknown, _done: unknown) => {};
    const fake = { publish, handle: aedes.handle } as unknown as Aedes;
    const { log, lines } = capturedLog();
    const internals = new AedesInternals(fake, log);
    expect([...internals.missing].sort()).toEqual(['clients_map', 'skip_device_delivery']);
    expect(lines.filter((l) => l.level === 50).map((l) => [l.patch, l.internal])).toEqual([
      ['skip_device_delivery', 'Aedes#publish(packet, client, done)'],
      ['clients_map', 'Aedes#clients'],
    ]);
    expect((fake as unknown as { publish: unknown }).publish).toBe(publish);
    expect(internals.client('anyone')).toBeUndefined();
  });

  it("a device's PUBACKs go in aedes' order, each for its message id, and a packet after them follows them on the wire", async () => {
    const broker = await Aedes.createBroker({ id: 'puback-order-test' });
    new AedesInternals(broker, capturedLog().log);
    const writes: number[] = []; // the size of each write aedes made to the device's socket
    const server = createServer((s) => {
      const write = s.write.bind(s) as (chunk: Buffer) => boolean;
      (s as unknown as { write: (chunk: Buffer) => boolean }).write = (chunk: Buffer) => {
        writes.push(chunk.length);
        return write(chunk);
      };
      broker.handle(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = tcpConnect((server.address() as AddressInfo).port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (b) => received.push(b));
    try {
      const ids = [1, 2, 255, 256, 300, 65535, 7];
      const bytes = Buffer.concat([
        mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'dev-order', clean: true, keepalive: 60 }),
        ...ids.map((messageId) =>
          mqttPacket.generate({ cmd: 'publish', topic: 't/x', payload: Buffer.from('1'), qos: 1, messageId, retain: false, dup: false }),
        ),
        mqttPacket.generate({ cmd: 'pingreq' }),
      ]);
      socket.write(bytes);
      const expected = Buffer.concat([
        Buffer.from([0x20, 2, 0, 0]), // CONNACK, accepted
        ...ids.map((id) => Buffer.from([0x40, 2, id >> 8, id & 0xff])), // PUBACK of each, in order
        Buffer.from([0xd0, 0]), // PINGRESP after them
      ]);
      const deadline = Date.now() + 5000;
      while (Buffer.concat(received).length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(Buffer.concat(received).toString('hex')).toBe(expected.toString('hex'));
      // the seven PUBACKs in one write of 28 bytes (not three writes each)
      expect(writes).toContain(28);
    } finally {
      socket.destroy();
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
