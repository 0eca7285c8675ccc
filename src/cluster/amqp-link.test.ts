// Which RabbitMQ URL a node tries first: nodes named in sequence spread over the RabbitMQ nodes,
// a node always starts on the same one, and a password never shows in what the node reports.
import { describe, expect, it } from 'vitest';
import { firstUrl, redactUrl } from './amqp-link.ts';

describe('firstUrl', () => {
  it('puts nodes named in sequence on different URLs', () => {
    for (const names of [
      ['mag-1', 'mag-2', 'mag-3'],
      ['mag-a', 'mag-b', 'mag-c'],
      ['a', 'b', 'c'],
      ['gateway-08', 'gateway-09', 'gateway-10'],
    ]) {
      const starts = names.map((n) => firstUrl(n, 3));
      expect(new Set(starts).size, names.join(', ')).toBe(3);
      expect(new Set(names.slice(0, 2).map((n) => firstUrl(n, 2))).size, names.join(', ')).toBe(2);
    }
    // by hand: 'a' is 97 → 97 mod 3 = 1; 'mag-1' is 109+97+103+45+49 = 403 → 403 mod 3 = 1
    expect(firstUrl('a', 3)).toBe(1);
    expect(firstUrl('mag-1', 3)).toBe(1);
    expect(firstUrl('mag-2', 3)).toBe(2);
  });

  it('is the same for the same name, and within the list', () => {
    expect(firstUrl('edge-hn-1', 5)).toBe(firstUrl('edge-hn-1', 5));
    for (const n of ['x', 'node.with.dots', 'A'.repeat(64)]) {
      for (const count of [1, 2, 3, 7]) {
        const i = firstUrl(n, count);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThan(count);
      }
    }
    expect(firstUrl('anything', 1)).toBe(0);
  });
});

describe('redactUrl', () => {
  it('hides the password of an AMQP URL and keeps the rest', () => {
    expect(redactUrl('amqp://mag:s3cret@rabbit-2:5672/mag?heartbeat=10')).toBe('amqp://mag:***@rabbit-2:5672/mag?heartbeat=10');
    expect(redactUrl('amqp://127.0.0.1:5672')).toBe('amqp://127.0.0.1:5672');
  });
});
