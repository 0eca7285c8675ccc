// Accelerated simulated time that never runs ahead of real time.
// simulated = start + (wall elapsed × acceleration), capped at the real now, where
// start = wall start − duration × acceleration: the timeline lies in the past and reaches
// (at most) the real now when the run ends — the gateway rejects readings from the future.

export interface SimClockOptions {
  /** Wall-clock length of the run, seconds. Infinity: run until stopped (see backfillMs). */
  durationSeconds: number;
  /** Simulated seconds per wall second (≥ 1 is typical; 1 = real time). */
  acceleration: number;
  /** Real time the run starts, ms (default Date.now() at creation). */
  wallStartMs?: number;
  /** For an endless run: how far in the past the timeline starts (default one hour of wall time × acceleration). */
  backfillMs?: number;
}

export interface SimClock {
  readonly startMs: number;
  /** Last simulated instant of the run (the wall start for a finite run; Infinity for an endless one). */
  readonly endMs: number;
  readonly acceleration: number;
  readonly wallStartMs: number;
  /** Simulated time at the given real time (default now). Never later than that real time. */
  now(wallMs?: number): number;
  /** Whether a finite run is over at the given real time. */
  finished(wallMs?: number): boolean;
}

export function createSimClock(o: SimClockOptions): SimClock {
  if (!(o.acceleration > 0) || !Number.isFinite(o.acceleration)) {
    throw new Error(`acceleration must be a finite number > 0, got ${o.acceleration}`);
  }
  if (!(o.durationSeconds > 0)) throw new Error(`durationSeconds must be > 0, got ${o.durationSeconds}`);
  const wallStartMs = o.wallStartMs ?? Date.now();
  const finite = Number.isFinite(o.durationSeconds);
  const spanMs = finite ? o.durationSeconds * 1000 * o.acceleration : (o.backfillMs ?? 3_600_000 * o.acceleration);
  const startMs = Math.floor(wallStartMs - spanMs);
  const endMs = finite ? wallStartMs : Infinity;
  return {
    startMs,
    endMs,
    acceleration: o.acceleration,
    wallStartMs,
    now(wallMs = Date.now()) {
      const elapsed = Math.max(0, wallMs - wallStartMs);
      return Math.min(startMs + elapsed * o.acceleration, wallMs, endMs);
    },
    finished(wallMs = Date.now()) {
      return finite && wallMs - wallStartMs >= o.durationSeconds * 1000;
    },
  };
}
