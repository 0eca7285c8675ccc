// Picks the time-series sink from the configuration (docs/contract.md §1):
// no MAG_INFLUX_URL → the embedded SQLite store at `${dataDir}/timeseries.db`;
// MAG_INFLUX_API=v1 → InfluxDB 1.x (`/write` + InfluxQL); v2 → the `/api/v2/write` API.

import { join } from 'node:path';
import { EmbeddedSink } from './embedded.ts';
import { InfluxV1Sink } from './influx-v1.ts';
import { InfluxV2Sink } from './influx-v2.ts';
import type { Sink } from './sink.ts';

export interface SinkConfig {
  influxUrl?: string;
  influxApi: 'v1' | 'v2';
  influxDb: string;
  influxUser?: string;
  influxPassword?: string;
  influxOrg?: string;
  influxBucket?: string;
  influxToken?: string;
  dataDir: string;
  /** Per-request timeout for InfluxDB in ms (default 10 000). */
  influxTimeoutMs?: number;
}

/** File name of the embedded store inside the data directory. */
export const EMBEDDED_DB_FILE = 'timeseries.db';

export function createSink(config: SinkConfig): Sink {
  if (!config.influxUrl) return new EmbeddedSink(join(config.dataDir, EMBEDDED_DB_FILE));
  if (config.influxApi === 'v2') {
    if (!config.influxBucket) {
      throw new Error('MAG_INFLUX_BUCKET is required when MAG_INFLUX_API=v2 (the bucket, or the database on InfluxDB 3)');
    }
    return new InfluxV2Sink({
      url: config.influxUrl,
      org: config.influxOrg,
      bucket: config.influxBucket,
      token: config.influxToken,
      timeoutMs: config.influxTimeoutMs,
    });
  }
  if (config.influxApi !== 'v1') throw new Error(`MAG_INFLUX_API must be v1 or v2, got ${JSON.stringify(config.influxApi)}`);
  return new InfluxV1Sink({
    url: config.influxUrl,
    database: config.influxDb,
    username: config.influxUser,
    password: config.influxPassword,
    timeoutMs: config.influxTimeoutMs,
  });
}
