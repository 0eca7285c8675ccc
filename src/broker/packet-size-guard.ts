// Refuses an MQTT packet by its announced size, before its bytes arrive: aedes' parser
// buffers a whole packet (up to the protocol's 256 MiB) before anyone may look at it, even
// before CONNECT, so one socket could hold hundreds of MiB of memory.
import type { Duplex } from 'node:stream';

/** Overhead a PUBLISH may add to its payload: the topic (2 + at most 65535 bytes) and the packet id. */
export const PACKET_OVERHEAD_BYTES = 2 + 65535 + 2;

/**
 * Watches the bytes aedes reads from `conn` (a 'data' listener next to aedes' 'readable' one
 * sees each chunk as aedes reads it, without changing the flow) and destroys the connection
 * as soon as a fixed header announces a remaining length above `maxRemainingLength`.
 * A malformed length (more than 4 bytes) is left to aedes' parser, which closes the connection.
 */
export function guardPacketSize(conn: Duplex, maxRemainingLength: number, onRefused: (announced: number) => void): void {
  let state: 'type' | 'length' | 'body' | 'off' = 'type';
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let skip = 0;
  conn.on('data', (chunk: Buffer | string) => {
    if (state === 'off' || typeof chunk === 'string') return;
    let i = 0;
    while (i < chunk.length) {
      if (state === 'body') {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        if (skip === 0) state = 'type';
        continue;
      }
      const b = chunk[i++];
      if (state === 'type') {
        state = 'length';
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
        continue;
      }
      length += (b & 0x7f) * multiplier;
      multiplier *= 128;
      lengthBytes++;
      if (b & 0x80) {
        if (lengthBytes >= 4) {
          state = 'off';
          return;
        }
        continue;
      }
      if (length > maxRemainingLength) {
        state = 'off';
        onRefused(length);
        conn.destroy();
        return;
      }
      skip = length;
      state = skip === 0 ? 'type' : 'body';
    }
  });
}
