// docs/contract.md §7: the cluster settings, and what cluster mode refuses to pretend.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { checkClusterSettings } from './cluster-node.ts';
import { redactUrl, withHeartbeat } from './amqp-link.ts';

describe('cluster settings', () => {
  it('is a single node without MAG_AMQP_URLS, named after the host', () => {
    const c = loadConfig({});
    expect(c.cluster).toEqual({ stateUrl: undefined, amqpUrls: [], nodeId: hostname(), partitions: 16, queueMaxMessages: 1_000_000 });
  });

  it('reads the RabbitMQ cluster as a list of URLs, and the node name', () => {
    const c = loadConfig({ MAG_AMQP_URLS: 'amqp://u:p@r1:5672, amqp://u:p@r2:5672?heartbeat=5', MAG_NODE_ID: 'mag-2', MAG_CLUSTER_PARTITIONS: '32' });
    expect(c.cluster.amqpUrls).toEqual(['amqp://u:p@r1:5672', 'amqp://u:p@r2:5672?heartbeat=5']);
    expect(c.cluster.nodeId).toBe('mag-2');
    expect(c.cluster.partitions).toBe(32);
  });

  it('refuses a URL that is not AMQP, without echoing it (it may hold a password)', () => {
    try {
      loadConfig({ MAG_AMQP_URLS: 'amqp://u:secret@r1,http://r2' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain('MAG_AMQP_URLS: must be a comma-separated list of amqp:// or amqps:// URLs (value hidden)');
      expect((e as Error).message).not.toContain('secret');
    }
  });

  it('refuses shared state without the replicated log, naming both settings; takes both together', () => {
    const alone = loadConfig({ MAG_STATE_URL: 'postgres://mag:pw@db/mag' });
    expect(() => checkClusterSettings(alone)).toThrow(/MAG_STATE_URL is set without MAG_AMQP_URLS/);
    expect(() => checkClusterSettings(alone)).not.toThrow(/pw/);
    expect(() => checkClusterSettings(loadConfig({ MAG_STATE_URL: 'postgres://mag@db/mag', MAG_AMQP_URLS: 'amqp://r1' }))).not.toThrow();
    expect(() => checkClusterSettings(loadConfig({ MAG_AMQP_URLS: 'amqp://r1' }))).not.toThrow();
  });
});

describe('AMQP URLs', () => {
  it('ask for 10 s heartbeats unless they name their own', () => {
    expect(withHeartbeat('amqp://u:p@r1:5672')).toBe('amqp://u:p@r1:5672?heartbeat=10');
    expect(withHeartbeat('amqp://r1/vhost?frameMax=8192')).toBe('amqp://r1/vhost?frameMax=8192&heartbeat=10');
    expect(withHeartbeat('amqp://r1?heartbeat=2')).toBe('amqp://r1?heartbeat=2');
  });

  it('lose their password in logs', () => {
    expect(redactUrl('amqp://mag:s3cret@r1:5672')).toBe('amqp://mag:***@r1:5672');
    expect(redactUrl('amqp://r1:5672')).toBe('amqp://r1:5672');
  });
});
