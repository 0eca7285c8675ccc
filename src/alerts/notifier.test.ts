import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { retryDelayMs, signBody } from './notifier.ts';

describe('webhook retry schedule', () => {
  it('doubles per failed attempt from the base, within ±20 % jitter', () => {
    for (let attempts = 1; attempts <= 8; attempts++) {
      const nominal = 1000 * 2 ** (attempts - 1); // 1 s, 2 s, 4 s, … 128 s
      expect(retryDelayMs(attempts, 1000, 0)).toBe(Math.round(nominal * 0.8));
      expect(retryDelayMs(attempts, 1000, 0.5)).toBe(nominal);
      expect(retryDelayMs(attempts, 1000, 0.999999)).toBe(Math.round(nominal * 1.1999996));
    }
  });

  it('jitters: delays for the same attempt spread over the ±20 % band, never outside it', () => {
    const delays = Array.from({ length: 2000 }, () => retryDelayMs(3, 1000)); // nominal 4 s
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(3200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4800);
    expect(new Set(delays).size).toBeGreaterThan(500);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(Math.abs(mean - 4000)).toBeLessThan(50);
    // Even the shortest delay of attempt n+1 is longer than the mean delay of attempt n.
    expect(retryDelayMs(4, 1000, 0)).toBeGreaterThan(retryDelayMs(3, 1000, 0.5));
  });

  it('signs the exact body with HMAC-SHA256 as sha256=<hex>', () => {
    const body = '{"event":"alert.opened","id":1}';
    expect(signBody('whsec-0123456789abcdef', body)).toBe('sha256=' + createHmac('sha256', 'whsec-0123456789abcdef').update(body).digest('hex'));
    expect(signBody('whsec-0123456789abcdef', body + ' ')).not.toBe(signBody('whsec-0123456789abcdef', body));
  });
});
