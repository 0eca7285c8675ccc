// A check or a package sent again. The same message (its seq at its time, with the same content)
// is a replay: acknowledged, stored once and judged once. Other content under a seq and time
// received before, or another check or package of the same time-series series at the same time,
// is refused like any invalid message, before anything of it is journaled: the time-series keeps
// one point per series and time, so the later point would replace (or merge into) the first while
// the checks, the lots and the alerts keep the first (docs/contract.md §2).
//
// A message is compared with the checks and packages screened and not yet settled (in flight: the
// journal commit after which their state is written is still to come, so two messages of one group
// commit see each other), with each series' latest one in this process, and on SQLite with the
// state database (the device's checks at that time; its package of that seq and time). Readings
// and transactions, far more frequent, are screened in Ingest on their series' latest reading,
// without a query per reading.
import type { CheckResult } from '../metrology/types.ts';
import type { Device } from '../store/registry.ts';
import type { Point } from '../sinks/sink.ts';
import { checkPoint, replayRefusal, type IngestResult } from '../ingest/ingest.ts';
import type { AcceptedPackage } from '../ingest/packages.ts';

/** A package as it is compared: its lot, net or gross, and the value in the lot's measured unit. */
export interface PackageContent {
  lot: string;
  kind: 'net' | 'gross';
  value: number;
}

/** What the state database holds of a device's messages (Assurance); undefined where it cannot be asked on the message path (PostgreSQL). */
export interface SentBefore {
  storedChecksAt(device: string, ts: number): readonly CheckResult[] | undefined;
  storedPackage(device: string, seq: number, ts: number): PackageContent | undefined;
}

type SentPackage = PackageContent & { seq: number; ts: number };

/** Series whose latest check or package is remembered; all are forgotten at once past this (as Ingest's series keys). */
const MAX_LATEST = 10_000;

/** What a check sent says, compared between two sends of one seq and time (derived figures follow from these). */
const CHECK_CONTENT = ['indicated', 'reference', 'uncertainty', 'unit', 'standardId', 'gas', 'point', 'regime', 'deltaL', 'adjusted'] as const;

/** What the check received first says that `again` (the same seq at the same time) does not, in the first one's values; [] when it repeats it. */
export function checkDifferences(first: CheckResult, again: CheckResult): string[] {
  const out: string[] = [];
  for (const k of CHECK_CONTENT) {
    if (first[k] === again[k]) continue;
    if (k === 'adjusted') out.push(`adjusted ${first.adjusted === true}`);
    else if (k === 'uncertainty') out.push(`expanded uncertainty U ${first.uncertainty}`);
    else out.push(first[k] === undefined ? `no ${k}` : `${k} ${String(first[k])}`);
  }
  return out;
}

/** The same for a package: its lot, and its net or gross value. */
export function packageDifferences(first: PackageContent, again: PackageContent): string[] {
  const out: string[] = [];
  if (first.lot !== again.lot) out.push(`lot ${first.lot}`);
  if (first.kind !== again.kind || first.value !== again.value) out.push(`${first.kind} ${first.value}`);
  return out;
}

/** A check's time-series series (measurement `check`): its device's tags and its gas and point; the regime is a field. */
function checkSeries(device: string, c: CheckResult): string {
  return `${device}\u0000check\u0000${c.gas ?? ''}\u0000${c.point ?? ''}`;
}

function sameCheckSeries(a: CheckResult, b: CheckResult): boolean {
  return a.gas === b.gas && a.point === b.point;
}

function packageSeries(device: string, lot: string): string {
  return `${device}\u0000package\u0000${lot}`;
}

function sameTimeRefusal(what: string, ts: number, seq: number): { path: string; message: string } {
  return {
    path: 'ts',
    message: `ts ${new Date(ts).toISOString()}: another ${what} has this time (seq ${seq}): the time-series keeps one point per series and time; send distinct times`,
  };
}

/** The check and package replays and collisions of the device messages in flight and stored. */
export class Resends {
  /** Screened and not yet settled, by `device\0ts`. */
  private readonly checksInFlight = new Map<string, CheckResult[]>();
  private readonly packagesInFlight = new Map<string, SentPackage[]>();
  /** Each series' check or package with the latest time accepted in this process. */
  private readonly latestChecks = new Map<string, CheckResult>();
  private readonly latestPackages = new Map<string, SentPackage>();

  constructor(private readonly before: SentBefore) {}

  /**
   * Takes out of `result` its checks and packages sent before: a replay's check is judged no more
   * and its point is made again from the check as received first (the time-series then says what
   * the API says); a replayed package is appended no more (its point, the same, overwrites itself);
   * a refused one leaves its point out and becomes a rejection. What is left is in flight until
   * `settle`.
   */
  screen(device: Device, result: IngestResult): void {
    if (result.checks.length > 0) result.checks = result.checks.filter((c) => this.screenCheck(device, c, result));
    if (result.packages !== undefined && result.packages.length > 0) result.packages = result.packages.filter((p) => this.screenPackage(device, p, result));
  }

  /**
   * The message screened is journaled and its state written (`stored`), or its journal append
   * failed: what it held is no longer in flight, and if it was not stored it is no series' latest
   * (the device sends it again, to be judged as new).
   */
  settle(deviceId: string, result: IngestResult, stored: boolean): void {
    for (const c of result.checks) {
      unlist(this.checksInFlight, `${deviceId}\u0000${c.ts}`, c);
      const series = checkSeries(deviceId, c);
      if (!stored && this.latestChecks.get(series) === c) this.latestChecks.delete(series);
    }
    for (const p of result.packages ?? []) {
      unlist(this.packagesInFlight, `${deviceId}\u0000${p.ts}`, p);
      const series = packageSeries(deviceId, p.lot);
      if (!stored && this.latestPackages.get(series) === p) this.latestPackages.delete(series);
    }
  }

  /** Forgets every device's latest checks and packages (a state batch whose commit failed). */
  forgetAll(): void {
    this.latestChecks.clear();
    this.latestPackages.clear();
  }

  /** Forgets the device's latest checks and packages (a cluster node loading its state again: a batch whose commit failed is judged again). */
  forgetDevice(deviceId: string): void {
    const prefix = `${deviceId}\u0000`;
    for (const key of this.latestChecks.keys()) if (key.startsWith(prefix)) this.latestChecks.delete(key);
    for (const key of this.latestPackages.keys()) if (key.startsWith(prefix)) this.latestPackages.delete(key);
  }

  /** False when the check is taken out of the message (a replay, or refused). */
  private screenCheck(device: Device, c: CheckResult, result: IngestResult): boolean {
    const at = `${device.id}\u0000${c.ts}`;
    const series = checkSeries(device.id, c);
    const flying = this.checksInFlight.get(at);
    const latest = this.latestChecks.get(series);
    const known: CheckResult[] = flying ? [...flying] : [];
    if (latest !== undefined && latest.ts === c.ts) known.push(latest);
    known.push(...(this.before.storedChecksAt(device.id, c.ts) ?? []));
    const same = known.find((k) => k.seq === c.seq);
    if (same !== undefined) {
      const differences = checkDifferences(same, c);
      if (differences.length === 0) replacePoint(result.points, (p) => isPointOf(p, 'check', c.seq, c.ts), checkPoint(device, same));
      else refuse(result, (p) => isPointOf(p, 'check', c.seq, c.ts), c.seq, { path: 'seq', message: replayRefusal('seq', c.seq, c.ts, differences) });
      return false;
    }
    const other = known.find((k) => sameCheckSeries(k, c));
    if (other !== undefined) {
      const where = [c.gas !== undefined && `gas ${c.gas}`, c.point !== undefined && `point ${c.point}`].filter(Boolean).join(', ');
      refuse(result, (p) => isPointOf(p, 'check', c.seq, c.ts), c.seq, sameTimeRefusal(`check of this series${where ? ` (${where})` : ''}`, c.ts, other.seq));
      return false;
    }
    if (flying) flying.push(c);
    else this.checksInFlight.set(at, [c]);
    if (latest === undefined || c.ts >= latest.ts) remember(this.latestChecks, series, c);
    return true;
  }

  private screenPackage(device: Device, p: AcceptedPackage, result: IngestResult): boolean {
    const at = `${device.id}\u0000${p.ts}`;
    const series = packageSeries(device.id, p.lot);
    const flying = this.packagesInFlight.get(at);
    const latest = this.latestPackages.get(series);
    const known: SentPackage[] = flying ? [...flying] : [];
    if (latest !== undefined && latest.ts === p.ts) known.push(latest);
    const stored = this.before.storedPackage(device.id, p.seq, p.ts);
    if (stored !== undefined) known.push({ ...stored, seq: p.seq, ts: p.ts });
    const pointOf = (pt: Point) => isPointOf(pt, 'package', p.seq, p.ts) && pt.tags.lot === p.lot;
    const same = known.find((k) => k.seq === p.seq);
    if (same !== undefined) {
      const differences = packageDifferences(same, p);
      if (differences.length > 0) refuse(result, pointOf, p.seq, { path: 'seq', message: replayRefusal('seq', p.seq, p.ts, differences) });
      return false; // a replay: its point, the same as the first one's, overwrites it
    }
    const other = known.find((k) => k.lot === p.lot);
    if (other !== undefined) {
      refuse(result, pointOf, p.seq, sameTimeRefusal(`package of lot ${p.lot}`, p.ts, other.seq));
      return false;
    }
    if (flying) flying.push(p);
    else this.packagesInFlight.set(at, [p]);
    if (latest === undefined || p.ts >= latest.ts) remember(this.latestPackages, series, p);
    return true;
  }
}

function isPointOf(p: Point, measurement: string, seq: number, ts: number): boolean {
  return p.measurement === measurement && p.fields.seq === seq && p.ts === ts;
}

/** Index of the last point that `matches` (of two items of one message, the later is the one sent again), or −1. */
function lastIndex(points: Point[], matches: (p: Point) => boolean): number {
  for (let i = points.length - 1; i >= 0; i--) if (matches(points[i])) return i;
  return -1;
}

function replacePoint(points: Point[], matches: (p: Point) => boolean, by: Point): void {
  const i = lastIndex(points, matches);
  if (i >= 0) points[i] = by;
}

/** The item's point left out, and the item refused with `error`. */
function refuse(result: IngestResult, matches: (p: Point) => boolean, seq: number, error: { path: string; message: string }): void {
  const i = lastIndex(result.points, matches);
  if (i >= 0) result.points.splice(i, 1);
  result.rejections.push({ seq, errors: [error] });
}

function remember<T>(latest: Map<string, T>, series: string, item: T): void {
  if (latest.size >= MAX_LATEST && !latest.has(series)) latest.clear();
  latest.set(series, item);
}

function unlist<T>(inFlight: Map<string, T[]>, key: string, item: T): void {
  const list = inFlight.get(key);
  if (!list) return;
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) inFlight.delete(key);
}
