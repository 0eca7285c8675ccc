// The unresolved alerts as the message path knows them: looked up for every failing or
// unverified reading, so by device, kind and key in nested maps (no key string made per message),
// each carrying what its repeats and a deferred clear left in memory until the alert book writes
// them (alert-book.ts: at most once a second per alert).
import type { AlertKind, Severity } from './alert-book.ts';

/** Makes an alert's summary and evidence from what it was raised about (when written, not per message). */
export type Describe<T = any> = (subject: T) => { summary: string; details: Record<string, unknown> };

export interface OpenAlert {
  /** On PostgreSQL it may change once: another node had the alert open already (its opening insert answers with that one's id). */
  id: string;
  readonly device: string;
  readonly kind: AlertKind;
  readonly key: string;
  severity: Severity;
  /** In the alert book's list of alerts with something to write. */
  dirty: boolean;
  /** Repeats counted since the last write. */
  unwritten: number;
  /** The latest of them: what it was about, how to describe it, when it was observed. */
  subject: unknown;
  describe: Describe | undefined;
  at: Date | undefined;
  /**
   * A deferred clear (a flapping signal): resolved when written unless raised again before;
   * `since`: performance.now() when it was first asked (the timed flush writes only those standing long enough).
   */
  clear: { reason: string; at: Date; since: number } | undefined;
  /** The alert book's count of its own changes when this was added (PostgreSQL: a reload keeps what was added after it read). */
  added: number;
}

export function openAlert(a: { id: string; device: string; kind: AlertKind; key: string; severity: Severity }): OpenAlert {
  return {
    id: a.id,
    device: a.device,
    kind: a.kind,
    key: a.key,
    severity: a.severity,
    dirty: false,
    unwritten: 0,
    subject: undefined,
    describe: undefined,
    at: undefined,
    clear: undefined,
    added: 0,
  };
}

/** Forgets the repeats and clear just written. */
export function written(a: OpenAlert): void {
  a.dirty = false;
  a.unwritten = 0;
  a.subject = undefined;
  a.describe = undefined;
  a.at = undefined;
  a.clear = undefined;
}

/** Unresolved alerts by device, kind and key. */
export class OpenAlerts {
  private readonly byDevice = new Map<string, Map<string, Map<string, OpenAlert>>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(device: string, kind: string, key: string): OpenAlert | undefined {
    return this.byDevice.get(device)?.get(kind)?.get(key);
  }

  add(a: OpenAlert): void {
    let kinds = this.byDevice.get(a.device);
    if (!kinds) this.byDevice.set(a.device, (kinds = new Map()));
    let keys = kinds.get(a.kind);
    if (!keys) kinds.set(a.kind, (keys = new Map()));
    if (!keys.has(a.key)) this.count++;
    keys.set(a.key, a);
  }

  /** Every one, or the device's. */
  *values(device?: string): IterableIterator<OpenAlert> {
    const devices = device === undefined ? this.byDevice.values() : [this.byDevice.get(device) ?? new Map()];
    for (const kinds of devices) for (const keys of kinds.values()) yield* keys.values();
  }

  delete(a: { device: string; kind: string; key: string }): void {
    const kinds = this.byDevice.get(a.device);
    const keys = kinds?.get(a.kind);
    if (!keys?.delete(a.key)) return;
    this.count--;
    if (keys.size === 0) kinds!.delete(a.kind);
    if (kinds!.size === 0) this.byDevice.delete(a.device);
  }
}
