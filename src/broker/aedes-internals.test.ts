// The aedes internals the broker patches: all there on the installed aedes (1.2.0), and a
// missing one is named, logged as an error and its patch left off.
import { Writable } from 'node:stream';
import { Aedes } from 'aedes';
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
});
