// Which of a device's checks a PostgreSQL node has judged already, so that a replay (the same seq
// at the same time: a resend whose PUBACK was lost) is judged once. On SQLite the insert answers
// that at once; on PostgreSQL the insert is not awaited on the message path, so the node
// remembers. Only each device's newest checks: a device resends from its first unacknowledged
// message, in order, so a replay is always among the newest checks stored for it; remembering
// every check ever stored grew a node's memory with each device's whole history (and loaded all
// of it at every takeover).

/** Checks remembered per device (the newest, by the order they were judged or stored). */
export const JUDGED_CHECKS_PER_DEVICE = 1000;

/** The identities (`checkIdentity`) of a device's newest checks; the oldest is forgotten past `capacity`. */
export class JudgedChecks {
  private readonly ids = new Set<string>();

  /** `newestFirst`: identities of the stored checks, newest first (as loaded at a takeover). */
  constructor(
    newestFirst: readonly string[] = [],
    private readonly capacity = JUDGED_CHECKS_PER_DEVICE,
  ) {
    for (let i = Math.min(newestFirst.length, capacity) - 1; i >= 0; i--) this.ids.add(newestFirst[i]);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Remembers a check judged now, forgetting the oldest remembered past the capacity (a Set iterates in insertion order). */
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }

  get size(): number {
    return this.ids.size;
  }
}
