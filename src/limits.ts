// Rate limits, kept in memory: token buckets (per device, per API token) and a throttle of
// failed authentications per client address. Pure bookkeeping; the clock is injectable.

/** One token bucket per key: `ratePerSecond` sustained, `burst` at once. */
export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private takes = 0;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly clock: () => number = Date.now,
  ) {}

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
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.buckets.set(key, b);
    return b;
  }

  /** Forgets buckets that have refilled (idle keys). */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(k);
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
