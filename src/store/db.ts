// The embedded state database: one SQLite file (WAL) under MAG_DATA_DIR, versioned migrations.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

/** Each migration runs once, in order, inside a transaction; `PRAGMA user_version` records the last. */
export const MIGRATIONS: string[] = [
  // 1: registry, credentials, findings, alerts, audit
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, created_at TEXT NOT NULL
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL REFERENCES tenants(id), type TEXT NOT NULL,
    serial TEXT NOT NULL, spec TEXT NOT NULL, secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, last_seen_at TEXT, status TEXT
  );
  CREATE INDEX devices_tenant ON devices(tenant);
  CREATE TABLE certificates (
    id INTEGER PRIMARY KEY, device TEXT NOT NULL REFERENCES devices(id), kind TEXT NOT NULL,
    number TEXT NOT NULL, issued_by TEXT NOT NULL, issued_at TEXT NOT NULL, valid_until TEXT NOT NULL,
    correction TEXT, uncertainty REAL, created_at TEXT NOT NULL, created_by TEXT
  );
  CREATE INDEX certificates_device ON certificates(device);
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, tenant TEXT, regions TEXT,
    hash TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT, revoked_at TEXT
  );
  CREATE TABLE rejections (
    id INTEGER PRIMARY KEY, device TEXT NOT NULL, tenant TEXT NOT NULL, topic TEXT NOT NULL, seq INTEGER,
    received_at TEXT NOT NULL, errors TEXT NOT NULL, payload TEXT
  );
  CREATE INDEX rejections_device ON rejections(device, id);
  CREATE TABLE checks (
    device TEXT NOT NULL, seq INTEGER NOT NULL, series TEXT NOT NULL, ts INTEGER NOT NULL,
    result TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (device, seq)
  );
  CREATE INDEX checks_device_ts ON checks(device, ts);
  CREATE TABLE drift (
    device TEXT NOT NULL, series TEXT NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (device, series)
  );
  CREATE TABLE nozzle_totalizers (
    device TEXT NOT NULL, nozzle TEXT NOT NULL, seq INTEGER NOT NULL, totalizer_end REAL NOT NULL,
    PRIMARY KEY (device, nozzle)
  );
  CREATE TABLE alerts (
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL, device TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
    severity TEXT NOT NULL, state TEXT NOT NULL, opened_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    count INTEGER NOT NULL, summary TEXT NOT NULL, details TEXT NOT NULL,
    ack_by TEXT, ack_at TEXT, ack_note TEXT, resolved_by TEXT, resolved_at TEXT, resolution TEXT,
    escalation INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1
  );
  CREATE UNIQUE INDEX alerts_one_open ON alerts(device, kind, key) WHERE state <> 'resolved';
  CREATE INDEX alerts_tenant ON alerts(tenant, state);
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
  );
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY, tenant TEXT, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT
  );
  CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY, webhook TEXT NOT NULL, event TEXT NOT NULL, body TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
    last_status INTEGER, last_error TEXT, created_at TEXT NOT NULL, delivered_at TEXT
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_at);
  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, sink TEXT NOT NULL, reason TEXT NOT NULL, device TEXT,
    tenant TEXT, point TEXT NOT NULL
  );
  `,
  // 2: a tenant's time zone (IANA name), in which its devices' times without a zone are read; NULL: MAG_DEFAULT_TIME_ZONE
  `ALTER TABLE tenants ADD COLUMN time_zone TEXT;`,
];

export function openStateDb(dataDir: string, file = 'mag.db'): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the state database has schema version ${current}, newer than this gateway knows (${MIGRATIONS.length}): upgrade the gateway or restore a backup`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
