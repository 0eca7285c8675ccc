// The device topic parser of the broker's ACL (instruments/{deviceId}/{suffix}): one scan, no
// split, and exactly the topics that split('/') into three parts with the first `instruments`
// and a non-empty device id.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDeviceTopic } from './broker.ts';

function bySplit(topic: string): { deviceId: string; suffix: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'instruments' || parts[1] === '') return undefined;
  return { deviceId: parts[1], suffix: parts[2] };
}

describe('parseDeviceTopic', () => {
  it('reads the device id and the suffix, and refuses every other shape', () => {
    expect(parseDeviceTopic('instruments/baro-1/readings')).toEqual({ deviceId: 'baro-1', suffix: 'readings' });
    for (const t of ['instruments//readings', 'instruments/a', 'instruments/a/b/c', '/instruments/a/b', 'instrumentsX/a/b', 'x/a/b', '']) {
      expect(parseDeviceTopic(t), t).toBeUndefined();
    }
  });

  it('agrees with splitting on "/" for any topic', () => {
    const segment = fc.constantFrom('instruments', '', 'a', 'baro-1', 'readings', 'x/y', '/', 'instruments/');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), fc.string({ maxLength: 12 }), (parts, tail) => {
        const topic = parts.join('/') + tail;
        expect(parseDeviceTopic(topic)).toEqual(bySplit(topic));
      }),
      { numRuns: 2000 },
    );
  });
});
