import { describe, expect, it } from 'vitest';
import { fnv1a32, partitionOf, partitionOwners } from './partition.ts';

describe('partitionOf', () => {
  it('hashes with FNV-1a 32 (the reference test vectors)', () => {
    // Vectors of the FNV reference (http://www.isthe.com/chongo/tech/comp/fnv/, test_fnv.c):
    // "" → the offset basis 0x811c9dc5; "a" → 0xe40c292c; "foobar" → 0xbf9cf968.
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('takes the hash modulo the partition count', () => {
    // 0xe40c292c mod 16 = its last hex digit 0xc = 12; 0xbf9cf968 mod 16 = 8;
    // 0xbf9cf968 = 3214735720, mod 10 = 0; mod 7: 3214735720 = 7 × 459247960 + 0 → 0.
    expect(partitionOf('a', 16)).toBe(12);
    expect(partitionOf('foobar', 16)).toBe(8);
    expect(partitionOf('foobar', 10)).toBe(0);
    expect(partitionOf('foobar', 7)).toBe(0);
    expect(partitionOf('anything', 1)).toBe(0);
  });

  it('hashes the UTF-8 bytes, so every node agrees on ids outside ASCII', () => {
    // "é" is 0xc3 0xa9 in UTF-8: ((0x811c9dc5 ^ 0xc3) × p ^ 0xa9) × p mod 2^32, as the loop computes it.
    let h = Math.imul(0x811c9dc5 ^ 0xc3, 0x01000193) >>> 0;
    h = Math.imul(h ^ 0xa9, 0x01000193) >>> 0;
    expect(fnv1a32('é')).toBe(h);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('a', 0)).toThrow(RangeError);
    expect(() => partitionOf('a', 2.5)).toThrow(RangeError);
  });
});

describe('partitionOwners', () => {
  it('shares the partitions among the members in turn, sorted by id, whatever order they are listed in', () => {
    // 16 partitions, members a, b, c (sorted): p0 a, p1 b, p2 c, p3 a, … p15 a (15 mod 3 = 0):
    // a holds 0,3,6,9,12,15 (6), b 1,4,7,10,13 (5), c 2,5,8,11,14 (5).
    const owners = partitionOwners(['c', 'a', 'b'], 16)!;
    expect(owners.slice(0, 4)).toEqual(['a', 'b', 'c', 'a']);
    expect(owners[15]).toBe('a');
    const share = (n: string) => owners.flatMap((o, p) => (o === n ? [p] : []));
    expect(share('a')).toEqual([0, 3, 6, 9, 12, 15]);
    expect(share('b')).toEqual([1, 4, 7, 10, 13]);
    expect(share('c')).toEqual([2, 5, 8, 11, 14]);
    expect(partitionOwners(['b', 'a', 'c'], 16)).toEqual(owners);
  });

  it('two members get half each; one member all; a name listed twice counts once; none: no owners', () => {
    expect(partitionOwners(['node-2', 'node-1'], 4)).toEqual(['node-1', 'node-2', 'node-1', 'node-2']);
    expect(partitionOwners(['only'], 3)).toEqual(['only', 'only', 'only']);
    expect(partitionOwners(['a', 'a', 'b'], 4)).toEqual(['a', 'b', 'a', 'b']);
    expect(partitionOwners([], 16)).toBeUndefined();
  });
});
