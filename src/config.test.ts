// docs/contract.md §1: every variable parsed; a bad value stops start-up with a message naming it.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readDotEnv } from './config.ts';
import { WEBHOOK_RETRY } from './alerts/notifier.ts';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('loadConfig', () => {
  it('applies the docs/contract.md §1 defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.dataDir).toBe(resolve('./data'));
    expect(c.mqttPort).toBe(1883);
    expect(c.mqttWsPort).toBeUndefined();
    expect(c.mqttsPort).toBeUndefined();
    expect(c.tls).toBeUndefined();
    expect(c.httpPort).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.adminToken).toBeUndefined();
    expect(c.influx).toMatchObject({
      url: undefined,
      api: 'v1',
      db: 'mag',
      user: undefined,
      password: undefined,
      org: undefined,
      bucket: undefined,
      token: undefined,
    });
    expect(c.logLevel).toBe('info');
  });

  it('parses every docs/contract.md §1 variable', () => {
    const c = loadConfig({
      MAG_DATA_DIR: '/var/lib/mag',
      MAG_MQTT_PORT: '11883',
      MAG_MQTT_WS_PORT: '18083',
      MAG_MQTTS_PORT: '18883',
      MAG_TLS_CERT: '/etc/mag/cert.pem',
      MAG_TLS_KEY: '/etc/mag/key.pem',
      MAG_TLS_CA: '/etc/mag/ca.pem',
      MAG_HTTP_PORT: '18080',
      MAG_HOST: '0.0.0.0',
      MAG_ADMIN_TOKEN: 'a-long-enough-admin-token',
      MAG_INFLUX_URL: 'http://influx.example:8086',
      MAG_INFLUX_API: 'v1',
      MAG_INFLUX_DB: 'metrology',
      MAG_INFLUX_USER: 'writer',
      MAG_INFLUX_PASSWORD: 'pw',
      MAG_LOG_LEVEL: 'debug',
    });
    expect(c.dataDir).toBe('/var/lib/mag');
    expect(c.mqttPort).toBe(11883);
    expect(c.mqttWsPort).toBe(18083);
    expect(c.mqttsPort).toBe(18883);
    expect(c.tls).toEqual({ cert: '/etc/mag/cert.pem', key: '/etc/mag/key.pem', ca: '/etc/mag/ca.pem' });
    expect(c.httpPort).toBe(18080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.adminToken).toBe('a-long-enough-admin-token');
    expect(c.influx).toMatchObject({ url: 'http://influx.example:8086', api: 'v1', db: 'metrology', user: 'writer', password: 'pw' });
    expect(c.logLevel).toBe('debug');
  });

  it('parses the v2 target', () => {
    const c = loadConfig({ MAG_INFLUX_URL: 'https://cloud.example', MAG_INFLUX_API: 'v2', MAG_INFLUX_ORG: 'o', MAG_INFLUX_BUCKET: 'b', MAG_INFLUX_TOKEN: 't' });
    expect(c.influx).toMatchObject({ url: 'https://cloud.example', api: 'v2', org: 'o', bucket: 'b', token: 't' });
  });

  it('treats empty values as unset (a .env with blank lines such as MAG_MQTT_PORT=)', () => {
    const c = loadConfig({
      MAG_MQTT_WS_PORT: '',
      MAG_INFLUX_URL: '',
      MAG_ADMIN_TOKEN: '',
      MAG_MQTT_PORT: '',
      MAG_HTTP_PORT: '',
      MAG_INFLUX_API: '',
      MAG_LOG_LEVEL: '',
      MAG_DATA_DIR: '',
    });
    expect(c.mqttPort).toBe(1883);
    expect(c.httpPort).toBe(8080);
    expect(c.influx.api).toBe('v1');
    expect(c.logLevel).toBe('info');
    expect(c.dataDir).toBe(resolve('./data'));
    expect(c.mqttWsPort).toBeUndefined();
    expect(c.influx.url).toBeUndefined();
    expect(c.adminToken).toBeUndefined();
  });

  it('journal back-pressure: 90 % / 200 ms by default, settable, and only within its range', () => {
    expect(loadConfig({}).journal).toMatchObject({ slowAt: 0.9, slowMaxDelayMs: 200 });
    expect(loadConfig({ MAG_JOURNAL_SLOW_AT_PERCENT: '75', MAG_JOURNAL_SLOW_MAX_MS: '1000' }).journal).toMatchObject({ slowAt: 0.75, slowMaxDelayMs: 1000 });
    expect(configError({ MAG_JOURNAL_SLOW_AT_PERCENT: '100' }).message).toMatch(/MAG_JOURNAL_SLOW_AT_PERCENT: must be at most 99/);
    expect(configError({ MAG_JOURNAL_SLOW_MAX_MS: '-5' }).message).toMatch(/MAG_JOURNAL_SLOW_MAX_MS: must be at least 0 \(got/);
  });

  it("webhook retries: 1 s doubling to an hour, 36 attempts by default (the notifier's own defaults), settable, and only within their range", () => {
    expect(loadConfig({}).webhooks).toEqual({ retryBaseMs: 1000, retryMaxMs: 3_600_000, maxAttempts: 36 });
    expect(loadConfig({}).webhooks).toEqual({
      retryBaseMs: WEBHOOK_RETRY.baseDelayMs,
      retryMaxMs: WEBHOOK_RETRY.maxDelayMs,
      maxAttempts: WEBHOOK_RETRY.maxAttempts,
    });
    expect(loadConfig({ MAG_WEBHOOK_RETRY_BASE_MS: '500', MAG_WEBHOOK_RETRY_MAX_MS: '60000', MAG_WEBHOOK_MAX_ATTEMPTS: '100' }).webhooks).toEqual({
      retryBaseMs: 500,
      retryMaxMs: 60_000,
      maxAttempts: 100,
    });
    expect(configError({ MAG_WEBHOOK_RETRY_MAX_MS: '0' }).message).toMatch(/MAG_WEBHOOK_RETRY_MAX_MS: must be greater than 0/);
    expect(configError({ MAG_WEBHOOK_MAX_ATTEMPTS: '101' }).message).toMatch(/MAG_WEBHOOK_MAX_ATTEMPTS: must be at most 100/);
  });

  it('field data: times without a zone in Asia/Ho_Chi_Minh and a 400-day backfill window by default, both settable', () => {
    expect(loadConfig({})).toMatchObject({ defaultTimeZone: 'Asia/Ho_Chi_Minh', limits: { backfillDays: 400 } });
    expect(loadConfig({ MAG_DEFAULT_TIME_ZONE: 'Europe/Berlin', MAG_BACKFILL_DAYS: '30' })).toMatchObject({
      defaultTimeZone: 'Europe/Berlin',
      limits: { backfillDays: 30 },
    });
    expect(configError({ MAG_DEFAULT_TIME_ZONE: 'Hanoi' }).message).toMatch(
      /MAG_DEFAULT_TIME_ZONE: must be an IANA time zone such as Asia\/Ho_Chi_Minh .*\(got "Hanoi"\)/,
    );
    expect(configError({ MAG_BACKFILL_DAYS: '0' }).message).toMatch(/MAG_BACKFILL_DAYS: must be greater than 0/);
  });

  it('ignores unrelated variables', () => {
    expect(() => loadConfig({ PATH: '/bin', MAG_UNKNOWN: 'x' })).not.toThrow();
  });

  it.each([
    ['MAG_MQTT_PORT', 'abc', /MAG_MQTT_PORT: must be a port number from 0 to 65535 \(got "abc"\)/],
    ['MAG_MQTT_PORT', '70000', /MAG_MQTT_PORT: must be a port number from 0 to 65535/],
    ['MAG_MQTT_PORT', '1.5', /MAG_MQTT_PORT: must be a port number/],
    ['MAG_HTTP_PORT', '-1', /MAG_HTTP_PORT: must be a port number from 0 to 65535/],
    ['MAG_MQTT_WS_PORT', 'ws', /MAG_MQTT_WS_PORT: must be a port number/],
    ['MAG_SINK_BATCH', 'many', /MAG_SINK_BATCH: must be a number \(got "many"\)/],
    ['MAG_INFLUX_API', 'v3', /MAG_INFLUX_API: must be one of v1, v2 \(got "v3"\)/],
    ['MAG_LOG_LEVEL', 'loud', /MAG_LOG_LEVEL: must be one of .*info.*debug/],
    ['MAG_INFLUX_URL', 'influx:8086', /MAG_INFLUX_URL: .*http/],
    ['MAG_INFLUX_URL', 'ftp://influx.example', /MAG_INFLUX_URL: must start with http:\/\/ or https:\/\//],
    ['MAG_INFLUX_DB', 'my db', /MAG_INFLUX_DB: must match/],
  ])('%s=%s is refused with a message naming it and what is allowed', (name, value, message) => {
    const e = configError({ [name]: value });
    expect(e.message).toMatch(message);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0].startsWith(`${name}:`)).toBe(true);
  });

  it('does not echo a secret value in the message', () => {
    const e = configError({ MAG_ADMIN_TOKEN: 'short-secret' });
    expect(e.message).toMatch(/MAG_ADMIN_TOKEN: must be at least 16 characters long \(value hidden\)/);
    expect(e.message).not.toContain('short-secret');
  });

  it('names every bad variable at once', () => {
    const e = configError({ MAG_MQTT_PORT: 'abc', MAG_INFLUX_API: 'v3' });
    expect(e.problems.map((p) => p.split(':')[0]).sort()).toEqual(['MAG_INFLUX_API', 'MAG_MQTT_PORT']);
  });

  it('requires org, bucket and token with MAG_INFLUX_API=v2', () => {
    const e = configError({ MAG_INFLUX_URL: 'http://127.0.0.1:8086', MAG_INFLUX_API: 'v2' });
    expect(e.problems.map((p) => p.split(':')[0]).sort()).toEqual(['MAG_INFLUX_BUCKET', 'MAG_INFLUX_ORG', 'MAG_INFLUX_TOKEN']);
    expect(e.message).toMatch(/MAG_INFLUX_TOKEN: is required when MAG_INFLUX_API=v2/);
    const one = configError({ MAG_INFLUX_URL: 'http://127.0.0.1:8086', MAG_INFLUX_API: 'v2', MAG_INFLUX_ORG: 'o', MAG_INFLUX_BUCKET: 'b' });
    expect(one.problems).toEqual([expect.stringMatching(/^MAG_INFLUX_TOKEN: /)]);
  });

  it('requires a certificate and key with MAG_MQTTS_PORT', () => {
    const e = configError({ MAG_MQTTS_PORT: '8883' });
    expect(e.message).toMatch(/MAG_TLS_CERT/);
    expect(e.message).toMatch(/MAG_TLS_KEY/);
  });
});

describe('readDotEnv', () => {
  it('reads KEY=VALUE lines, quotes and export, skipping comments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-env-'));
    try {
      const file = join(dir, '.env');
      writeFileSync(file, '# comment\nMAG_MQTT_PORT=1884\nexport MAG_HOST="0.0.0.0"\nMAG_INFLUX_DB=\'x\'\n\n');
      const env = readDotEnv(file);
      expect(env).toEqual({ MAG_MQTT_PORT: '1884', MAG_HOST: '0.0.0.0', MAG_INFLUX_DB: 'x' });
      expect(loadConfig(env).mqttPort).toBe(1884);
      expect(readDotEnv(join(dir, 'missing'))).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
