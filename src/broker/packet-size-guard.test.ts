// The MQTT packet size guard reads fixed headers from the bytes as they arrive, in chunks cut
// anywhere: it must never close a connection that only sends packets within the limit, and
// must close one as soon as a header announces more.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { guardPacketSize } from './packet-size-guard.ts';
import { remainingLength } from '../../test/support/mqtt-bytes.ts';

const packetOf = (type: number, length: number) => Buffer.concat([Buffer.from([type, ...remainingLength(length)]), Buffer.alloc(length, 0x61)]);

/** Feeds `bytes` cut at `cuts` through the guard; resolves with what it refused (undefined: nothing). */
async function feed(bytes: Buffer, cuts: number[], max: number): Promise<number | undefined> {
  const conn = new PassThrough();
  let refused: number | undefined;
  guardPacketSize(conn, max, (n) => (refused = n));
  conn.on('readable', () => {
    while (conn.read() !== null) {
      /* the consumer, as aedes reads */
    }
  });
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (conn.destroyed) break;
    if (p > from) conn.write(bytes.subarray(from, p));
    from = p;
    await new Promise((r) => setImmediate(r));
  }
  return refused;
}

describe('guardPacketSize', () => {
  const MAX = 300;
  const lengths = fc.array(fc.oneof(fc.integer({ min: 0, max: 127 }), fc.integer({ min: 128, max: MAX })), { minLength: 1, maxLength: 12 });

  it('never refuses packets within the limit, however the stream is cut', async () => {
    await fc.assert(
      fc.asyncProperty(lengths, fc.array(fc.nat(), { maxLength: 20 }), async (ls, cuts) => {
        const bytes = Buffer.concat(ls.map((l, i) => packetOf(i % 2 ? 0x30 : 0x32, l)));
        expect(await feed(bytes, cuts, MAX)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('refuses the first packet announcing more, whatever came before and however it is cut', async () => {
    await fc.assert(
      fc.asyncProperty(lengths, fc.integer({ min: MAX + 1, max: 268_435_455 }), fc.array(fc.nat(), { maxLength: 20 }), async (ls, big, cuts) => {
        const bytes = Buffer.concat([...ls.map((l) => packetOf(0x30, l)), Buffer.from([0x30, ...remainingLength(big)]), Buffer.alloc(10)]);
        expect(await feed(bytes, cuts, MAX)).toBe(big);
      }),
      { numRuns: 200 },
    );
  });

  it('leaves a malformed length (5 bytes) to the MQTT parser', async () => {
    expect(await feed(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]), [], MAX)).toBeUndefined();
  });
});
