// The aedes internals the broker patches: all there on the installed aedes (1.2.0), and a
// missing one is named, logged as an error and its patch left off.
import { type AddressInfo, createServer, connect as tcpConnect } from 'node:net';
import { Writable } from 'node:stream';
import { Aedes } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { pino } from 'pino';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'aedes';
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

  it('a client without the batch count-down and the parser aedes 1.2.0 has: the readable guard, the read budget and the publish parse are reported missing', () => {
    // A broker whose clients lack `_nextBatch` and `_parser` (as if an aedes upgrade renamed them); everything else is there.
    const fake: AedesShape = {
      clients: {},
      publish(_packet: unknown, _client: unknown, _done: unknown) {},
      handle: (conn: unknown) => ({ conn, _parsingBatch: 1, close() {} }),
    };
    expect(checkAedesInternals(fake)).toEqual([
      { patch: 'readable_guard', internal: 'Client#_nextBatch' },
      { patch: 'publish_parse', internal: "Client#_parser, mqtt-packet's parser (parse, emit, _list, _stateCounter)" },
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
  it('PUBLISH packets read straight from the socket come out as mqtt-packet parses them, in order, whatever the chunks', () => {
    const internals = new AedesInternals(aedes, capturedLog().log);
    type Spec = { cmd: 'publish'; topic: string; payload: Buffer; qos: 0 | 1; messageId?: number; retain: boolean; dup: boolean } | { cmd: 'pingreq' };
    const publish = fc.record({
      cmd: fc.constant('publish' as const),
      // multi-byte UTF-8 in topics (Vietnamese device ids), payloads long enough for 2- and 3-byte lengths
      topic: fc.string({ unit: fc.constantFrom('a', '/', 'ệ', 'Đ', '0', '+'), maxLength: 40 }),
      payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 120, maxLength: 20_000 })).map((a) => Buffer.from(a)),
      qos: fc.constantFrom(0 as const, 1 as const),
      messageId: fc.integer({ min: 1, max: 65535 }),
      retain: fc.boolean(),
      dup: fc.boolean(),
    });
    const packets = fc.array(fc.oneof({ arbitrary: publish, weight: 6 }, { arbitrary: fc.constant({ cmd: 'pingreq' as const }), weight: 1 }), {
      minLength: 1,
      maxLength: 12,
    });
    /** What a parser emits for the chunks, as plain data; and how often mqtt-packet itself parsed a PUBLISH. */
    const parseAll = (chunks: Buffer[], patched: boolean) => {
      const parser = mqttPacket.parser() as unknown as NodeJS.EventEmitter & { parse(b: Buffer): number; _parsePublish(): void };
      let slowPublishes = 0;
      const parsePublish = parser._parsePublish.bind(parser);
      parser._parsePublish = () => {
        slowPublishes++;
        parsePublish();
      };
      if (patched) internals.guardClient({ _parser: parser } as unknown as Client);
      const out: unknown[] = [];
      parser.on('packet', (p: Record<string, unknown>) => out.push({ ...p, payload: Buffer.isBuffer(p.payload) ? p.payload.toString('hex') : p.payload }));
      parser.on('error', (e: Error) => out.push({ error: e.message }));
      for (const c of chunks) parser.parse(c);
      return { out, slowPublishes };
    };
    fc.assert(
      // chunks from 1 byte (a length cut between its bytes) to several packets
      fc.property(packets, fc.array(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 12 }), (specs: Spec[], cuts) => {
        const wire = Buffer.concat(
          specs.map((p) => (p.cmd === 'publish' && p.qos === 0 ? mqttPacket.generate({ ...p, messageId: undefined }) : mqttPacket.generate(p as never))),
        );
        const chunks: Buffer[] = [];
        let at = 0;
        for (const c of cuts) {
          if (at + c >= wire.length) break;
          chunks.push(wire.subarray(at, at + c));
          at += c;
        }
        chunks.push(wire.subarray(at));
        const plain = parseAll(chunks, false);
        const fast = parseAll(chunks, true);
        expect(fast.out).toEqual(plain.out);
        expect(fast.out).toHaveLength(specs.length);
        // no PUBLISH reaches mqtt-packet's own parsing, however the chunks cut them (a cut one is completed from the next chunk)
        expect(fast.slowPublishes).toBe(0);
      }),
      { numRuns: 300 },
    );
    // and what the parser refuses it still refuses: QoS 3, a length of five bytes
    for (const bad of [Buffer.from([0x36, 3, 0, 1, 0x61]), Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]) {
      expect(parseAll([bad], true).out).toEqual(parseAll([bad], false).out);
      expect(parseAll([bad], true).out).toEqual([{ error: expect.any(String) }]);
    }
  });
  it("a chunk handed to the parser by a packet's handler comes after the rest of the chunk being read", () => {
    const internals = new AedesInternals(aedes, capturedLog().log);
    const pub = (topic: string, messageId: number) =>
      mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from('1'), qos: 1, messageId, retain: false, dup: false });
    const first = Buffer.concat([pub('a/1', 1), pub('a/2', 2), mqttPacket.generate({ cmd: 'pingreq' }), pub('a/3', 3)]);
    const second = Buffer.concat([pub('b/1', 4), pub('b/2', 5)]);
    const order = (patched: boolean) => {
      const parser = mqttPacket.parser() as unknown as NodeJS.EventEmitter & { parse(b: Buffer): number };
      if (patched) internals.guardClient({ _parser: parser } as unknown as Client);
      const seen: string[] = [];
      let handedIn = false;
      parser.on('packet', (p: { cmd: string; topic?: string }) => {
        seen.push(p.topic ?? p.cmd);
        if (!handedIn) {
          handedIn = true;
          parser.parse(second); // re-entrant, from the first packet's handler
        }
      });
      parser.parse(first);
      return seen;
    };
    // (mqtt-packet's parser alone garbles this: it emits a/1 twice and a PUBLISH without its topic)
    expect(order(true)).toEqual(['a/1', 'a/2', 'pingreq', 'a/3', 'b/1', 'b/2']);
  });
});
