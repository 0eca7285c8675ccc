// Rate limits, kept in memory: token buckets (per device, per API token) and a throttle of
// failed authentications per client address. Pure bookkeeping; the clock is injectable.

/** How long a key is idle before its (full) bucket may be forgotten. */
const SWEEP_IDLE_MS = 60_000;

/** One token bucket per key: `ratePerSecond` sustained, `burst` at once. */
export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private takes = 0;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Keys that hold a bucket now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token; 0 when allowed, else the whole seconds until the next token (≥ 1). */
  take(key: string): number {
    const b = this.refilled(key);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerSecond));
  }

  /**
   * Reserves one token even when none is left (the bucket goes into debt, so reservations queue in
   * order); returns the milliseconds until that token exists, 0 when it is there now.
   */
  reserve(key: string): number {
    const b = this.refilled(key);
    b.tokens -= 1;
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens / this.ratePerSecond) * 1000);
  }

  /** The key's bucket with the tokens earned since it was last used (at most `burst`). */
  private refilled(key: string): { tokens: number; at: number } {
    const now = this.clock();
    if (++this.takes % 10_000 === 0) this.sweep(now);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    return b;
  }

  /**
   * Forgets the buckets of keys idle for a minute that have refilled: a new bucket starts full,
   * so nothing changes for them, and the map does not grow with keys seen once. A key in use
   * keeps its bucket (with thousands of devices each sending every few seconds, dropping every
   * full bucket made a new object per device per sweep, promoted to V8's old generation).
   */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      if (now - b.at >= SWEEP_IDLE_MS && b.tokens + ((now - b.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(k);
    }
  }
}

/**
 * Failed authentications per client address in a fixed window: after `maxFailures` in
 * `windowMs`, further attempts from that address are refused until the window ends.
 */
export class AuthThrottle {
  private windows = new Map<string, { start: number; failures: number }>();

  constructor(
    readonly maxFailures: number,
    readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** 0 when this address may try to authenticate, else the seconds to wait. */
  retryAfter(address: string | undefined): number {
    const now = this.clock();
    const w = this.windows.get(address ?? 'unknown');
    if (!w || now - w.start >= this.windowMs || w.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  /** Records one failed authentication from this address. */
  fail(address: string | undefined): void {
    const now = this.clock();
    const key = address ?? 'unknown';
    if (this.windows.size > 100_000) for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) this.windows.set(key, { start: now, failures: 1 });
    else w.failures++;
  }
}
