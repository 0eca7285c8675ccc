import { createHmac } from 'node:crypto';
import { createRng } from '../../simulators/prng.ts';
import { describe, expect, it, vi } from 'vitest';
import { eventsAfter, nextEventId, nominalRetryDelayMs, RESUME_MARGIN_MS, retryDelayMs, retrySpanMs, signBody, WEBHOOK_RETRY } from './notifier.ts';

describe('webhook retry schedule', () => {
  const uncapped = { baseDelayMs: 1000, maxDelayMs: Number.MAX_SAFE_INTEGER };

  it('doubles per failed attempt from the base, within ±20 % jitter', () => {
    for (let attempts = 1; attempts <= 8; attempts++) {
      const nominal = 1000 * 2 ** (attempts - 1); // 1 s, 2 s, 4 s, … 128 s
      expect(retryDelayMs(attempts, uncapped, 0)).toBe(Math.round(nominal * 0.8));
      expect(retryDelayMs(attempts, uncapped, 0.5)).toBe(nominal);
      expect(retryDelayMs(attempts, uncapped, 0.999999)).toBe(Math.round(nominal * 1.1999996));
    }
  });

  it('waits min(base · 2^(n−1), max) ± 20 % after the n-th failed attempt: by default 1 s doubling to 2048 s, then an hour', () => {
    // by hand: 1, 2, 4, …, 2048 s after attempts 1 … 12; 4096 s > 3600 s from attempt 13 on
    const seconds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600, 3600];
    seconds.forEach((s, i) => {
      const n = i + 1;
      expect(nominalRetryDelayMs(n, WEBHOOK_RETRY), `attempt ${n}`).toBe(s * 1000);
      expect(retryDelayMs(n, WEBHOOK_RETRY, 0), `attempt ${n}, shortest`).toBe(s * 800);
      expect(retryDelayMs(n, WEBHOOK_RETRY, 0.5), `attempt ${n}, middle`).toBe(s * 1000);
      expect(retryDelayMs(n, WEBHOOK_RETRY, 0.999999), `attempt ${n}, longest`).toBe(Math.round(s * 1000 * 1.1999996));
    });
    // the cap holds however many attempts (MAG_WEBHOOK_MAX_ATTEMPTS up to 100): the hour, never more
    expect(retryDelayMs(35, WEBHOOK_RETRY, 0.5)).toBe(3_600_000);
    expect(retryDelayMs(99, WEBHOOK_RETRY, 0.999999)).toBe(Math.round(3_600_000 * 1.1999996));
    // a cap below the base: every wait is the cap
    expect(nominalRetryDelayMs(1, { baseDelayMs: 5000, maxDelayMs: 2000 })).toBe(2000);
  });

  it('tries for a day by default: 36 attempts, the last 24 h 8 min 15 s after the first (before jitter)', () => {
    expect(WEBHOOK_RETRY).toEqual({ maxAttempts: 36, baseDelayMs: 1000, maxDelayMs: 3_600_000 });
    // 1 + 2 + … + 2048 s = 4095 s, then 23 waits of an hour = 82 800 s: 86 895 s
    expect(retrySpanMs(WEBHOOK_RETRY)).toBe(86_895_000);
    expect(retrySpanMs({ ...WEBHOOK_RETRY, maxAttempts: 13 })).toBe(4_095_000); // the doubling alone, ~68 min
    expect(retrySpanMs({ ...WEBHOOK_RETRY, maxAttempts: 1 })).toBe(0);
    // the schedule before: 8 attempts, 1 + 2 + … + 64 s = 127 s
    expect(retrySpanMs({ maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: Number.MAX_SAFE_INTEGER })).toBe(127_000);
  });

  it('jitters: delays for the same attempt spread over the ±20 % band, never outside it', () => {
    // Math.random from a seeded generator: with real randomness the mean of 2000 delays (standard
    // error 1600/√12/√2000 = 10.3 ms) missed 4000 ± 50 (4.8 standard errors) once in ~775 000 runs.
    const random = vi.spyOn(Math, 'random').mockImplementation(createRng(2026).next); // seeded (mulberry32): the same draws every run
    const delays = Array.from({ length: 2000 }, () => retryDelayMs(3, WEBHOOK_RETRY)); // nominal 4 s
    expect(random).toHaveBeenCalledTimes(2000); // the jitter is Math.random's
    random.mockRestore();
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(3200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4800);
    expect(new Set(delays).size).toBeGreaterThan(500);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(Math.abs(mean - 4000)).toBeLessThan(50);
    // Even the shortest delay of attempt n+1 is longer than the mean delay of attempt n (while doubling).
    expect(retryDelayMs(4, WEBHOOK_RETRY, 0)).toBeGreaterThan(retryDelayMs(3, WEBHOOK_RETRY, 0.5));
  });

  it('signs the exact body with HMAC-SHA256 as sha256=<hex>', () => {
    const body = '{"event":"alert.opened","id":1}';
    expect(signBody('whsec-0123456789abcdef', body)).toBe('sha256=' + createHmac('sha256', 'whsec-0123456789abcdef').update(body).digest('hex'));
    expect(signBody('whsec-0123456789abcdef', body + ' ')).not.toBe(signBody('whsec-0123456789abcdef', body));
  });
});

describe('live event ids and resuming (Last-Event-ID)', () => {
  it('ids are the time in ms × 1000, one more than the last when the clock gives no later one', () => {
    const t = Date.UTC(2026, 11, 5, 4, 0, 0); // 1,796,443,200,000 ms
    expect(nextEventId(0, t)).toBe(1_796_443_200_000_000);
    expect(nextEventId(1_796_443_200_000_000, t)).toBe(1_796_443_200_000_001); // same ms
    expect(nextEventId(1_796_443_200_000_001, t - 1000)).toBe(1_796_443_200_000_002); // clock stepped back 1 s
    expect(nextEventId(1_796_443_200_000_002, t + 1)).toBe(1_796_443_200_001_000);
    expect(Number.isSafeInteger(nextEventId(0, Date.UTC(2200, 0, 1)))).toBe(true);
  });

  // A ring of one node: events 1 s apart, ids as nextEventId gives them.
  const s = 1_000_000; // 1 s in id units
  const ring = [10, 11, 12, 13, 14, 15, 16, 17].map((sec) => ({ id: sec * s, name: `e${sec}` }));
  const names = (es: { name: string }[]) => es.map((e) => e.name);

  it('resumes after the last event exactly when this node gave it', () => {
    expect(names(eventsAfter(ring, 12 * s))).toEqual(['e13', 'e14', 'e15', 'e16', 'e17']);
    expect(eventsAfter(ring, 17 * s)).toEqual([]);
    expect(names(eventsAfter(ring, 10 * s))).toHaveLength(7);
  });

  it("replays from RESUME_MARGIN_MS before an id of another node's (or one no longer held): nothing after it is missed", () => {
    expect(RESUME_MARGIN_MS).toBe(5000);
    // another node's id at 15.5 s: this node's events after 10.5 s (15.5 − 5), e11 … e17
    expect(names(eventsAfter(ring, 15.5 * s))).toEqual(['e11', 'e12', 'e13', 'e14', 'e15', 'e16', 'e17']);
    // an id older than the ring (evicted): all of it
    expect(names(eventsAfter(ring, 3 * s))).toHaveLength(8);
    // an id far ahead (a node whose clock runs ahead by more than the margin): nothing, said in docs/cluster.md
    expect(eventsAfter(ring, 30 * s)).toEqual([]);
  });
});
