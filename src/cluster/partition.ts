// Which partition queue carries a device's messages. Every node must compute the same answer
// for the same device and partition count, whatever its version of Node: FNV-1a (32 bits) of
// the device id's UTF-8 bytes, modulo the count. A device's messages all go to one partition,
// so one worker at a time judges them, in the order the device sent them.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32 bits, of a string's UTF-8 bytes (http://www.isthe.com/chongo/tech/comp/fnv/). */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** The partition (0 … partitions − 1) of a device's messages. */
export function partitionOf(deviceId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return fnv1a32(deviceId) % partitions;
}

/**
 * Which node should judge each partition (index p → node id): the members sorted by id, in
 * turn (p mod their count), so that every node holding the same list computes the same owners
 * and each member gets its share, within one. No members: no owner (undefined).
 */
export function partitionOwners(members: readonly string[], partitions: number): string[] | undefined {
  if (members.length === 0) return undefined;
  const sorted = [...new Set(members)].sort();
  return Array.from({ length: partitions }, (_, p) => sorted[p % sorted.length]);
}
