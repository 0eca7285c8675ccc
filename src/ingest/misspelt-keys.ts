// A field the gateway knows, sent under a slightly wrong name. Devices may send keys of their own
// beside the contract's (METROLOGY.md §7: a barometer's trend and error flags, a docking station's
// cylinder lot, a scale's stable flag), and those are left out quietly; but a key one letter or a
// case away from a known optional field is almost always that field misspelt, and leaving it out
// changes the verdict without a word: `"regim": "verification"` judged a check against the wider
// in-service MPE (a fail passed), `"nozle": 2` or `"totaliserStart"` put a transaction on the wrong
// nozzle or without its totalizer. Such a message is refused, naming the field meant, so the
// integrator fixes the spelling; nothing acknowledged is lost (the rejection keeps the message).
//
// Near: the same letters once case, `_`, `-` and spaces are ignored ("unit_price", "DeltaL",
// "Seq"), or, for names of 4 letters or more, one letter added, dropped, changed or two swapped
// (`regim`, `nozle`, `totaliserStart`), two for names of 8 or more (`adjust`, `standard`). A key
// counts only while the field it is near is absent: `points` beside `point` is the device's own.
import type { FieldError } from '../metrology/types.ts';

/** The fields of one kind of message, with what each unknown key was found near (computed once per key). */
export class KnownKeys {
  private readonly names: Set<string>;
  private readonly folded: { name: string; fold: string }[];
  private readonly near = new Map<string, string | null>();

  constructor(names: Iterable<string>) {
    this.names = new Set(names);
    this.folded = [...this.names].map((name) => ({ name, fold: fold(name) }));
  }

  has(key: string): boolean {
    return this.names.has(key);
  }

  /** The known field `key` looks like a misspelling of; undefined when it is known or near none. */
  nearestTo(key: string): string | undefined {
    if (this.names.has(key)) return undefined;
    let found = this.near.get(key);
    if (found === undefined) {
      found = nearest(key, this.folded);
      // a device sends a handful of keys of its own: a bound only against a flood of random names
      if (this.near.size >= 4096) this.near.clear();
      this.near.set(key, found);
    }
    return found ?? undefined;
  }
}

/**
 * The misspelt fields of a message (an object parsed from JSON): one error per key near an absent known field.
 * `what` names the message ("a check"), `prefix` the message's path in a batch.
 */
export function misspeltKeys(raw: unknown, known: KnownKeys, what: string, prefix = ''): FieldError[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const r = raw as Record<string, unknown>;
  let errors: FieldError[] | undefined;
  for (const key in r) {
    if (known.has(key)) continue;
    const meant = known.nearestTo(key);
    if (meant === undefined || r[meant] !== undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    (errors ??= []).push({
      path,
      message: `${path} is not a field of ${what}: did you mean "${meant}"? (Sent under another name it would be left out, and the message judged without it.)`,
    });
  }
  return errors ?? [];
}

function fold(s: string): string {
  return s.toLowerCase().replace(/[\s_-]/g, '');
}

function nearest(key: string, known: readonly { name: string; fold: string }[]): string | null {
  const k = fold(key);
  if (k.length === 0) return null;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const { name, fold: f } of known) {
    if (f === k) return name;
    if (f.length < 4 || k.length < 4) continue;
    const allowed = f.length >= 8 ? 2 : 1;
    if (Math.abs(f.length - k.length) > allowed) continue;
    const d = editDistance(k, f, allowed);
    if (d <= allowed && d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein with adjacent swaps), stopping once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  const n = b.length;
  let before = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let row = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let smallest = row[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      row[j] = d;
      if (d < smallest) smallest = d;
    }
    if (smallest > limit) return smallest;
    [before, prev, row] = [prev, row, before];
  }
  return prev[n];
}
