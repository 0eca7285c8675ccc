// The state schema made by the Kysely migrations is the one the raw-SQL migration 1 made, and a
// database made by that older code opens with its data.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from './db.ts';
import { MIGRATIONS } from './migrations.ts';
import { CertificateOnRecord, Registry } from './registry.ts';
import { StandardStore } from './standards.ts';
import { queryBuilder } from './sql.ts';
import { AuditLog } from './audit.ts';
import { CheckStore } from './checks.ts';
import { Tokens } from './tokens.ts';
import { hashSecret } from './secrets.ts';
import { AlertBook } from '../alerts/alert-book.ts';
import { Assurance } from '../alerts/assurance.ts';
import type { CheckResult } from '../metrology/types.ts';

/** Migration 1 as the gateway shipped it before the Kysely migrations (src/store/db.ts, raw SQL). */
const LEGACY_MIGRATION_1 = `
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
`;

/** SQLite's type affinity of a declared column type (sqlite.org/datatype3.html §3.1). */
function affinity(declared: string): string {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'TEXT';
  if (t === '' || t.includes('BLOB')) return 'BLOB';
  if (/REAL|FLOA|DOUB/.test(t)) return 'REAL';
  return 'NUMERIC';
}

/** What the queries can tell apart of a schema: columns, keys, defaults, indexes, foreign keys. */
function describeSchema(file: string) {
  const db = new Database(file, { readonly: true });
  const norm = (s: string | null) => (s ?? '').replace(/["`]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const out = Object.fromEntries(
    tables.map((t) => {
      const columns = (
        db.prepare(`PRAGMA table_info("${t}")`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[]
      ).map((c) => ({
        name: c.name,
        affinity: affinity(c.type),
        notnull: c.notnull,
        default: c.dflt_value,
        pk: c.pk,
      }));
      const indexes = (db.prepare(`PRAGMA index_list("${t}")`).all() as { name: string; unique: number; origin: string; partial: number }[])
        .filter((i) => i.origin === 'c')
        .map((i) => {
          const sql = (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(i.name) as { sql: string }).sql;
          const where = /\bwhere\b(.*)$/i.exec(sql)?.[1] ?? null;
          return {
            name: i.name,
            unique: i.unique,
            columns: (db.prepare(`PRAGMA index_info("${i.name}")`).all() as { name: string }[]).map((c) => c.name),
            where: where && norm(where),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      const foreignKeys = (db.prepare(`PRAGMA foreign_key_list("${t}")`).all() as { table: string; from: string; to: string }[]).map(
        (f) => `${f.from} → ${f.table}.${f.to}`,
      );
      const rowid = columns.some((c) => c.pk === 1 && c.affinity === 'INTEGER') && !columns.some((c) => c.pk === 2);
      return [t, { columns, indexes, foreignKeys, rowidAlias: rowid }];
    }),
  );
  db.close();
  return out;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mag-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function legacyDatabase(): string {
  const file = join(dir, 'mag.db');
  const db = new Database(file);
  db.exec(LEGACY_MIGRATION_1);
  db.pragma('user_version = 1');
  db.close();
  return file;
}

describe('state migrations', () => {
  it('make on a new database the schema the raw-SQL migration 1 made, plus the later migrations', () => {
    const legacy = describeSchema(legacyDatabase());
    // migration 2: the tenant's own time zone, nullable text
    legacy.tenants.columns.push({ name: 'time_zone', affinity: 'TEXT', notnull: 0, default: null, pk: 0 });
    // migration 3: reference standards, their certificates, and the standard of each check indexed
    const col = (name: string, affinity: string, notnull = 0, pk = 0) => ({ name, affinity, notnull, default: null, pk });
    legacy.checks.columns.push(col('standard_id', 'TEXT'));
    legacy.checks.indexes = [...legacy.checks.indexes, { name: 'checks_standard_ts', unique: 0, columns: ['standard_id', 'ts'], where: null }].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    legacy.standards = {
      columns: [
        col('id', 'TEXT', 0, 1),
        col('tenant', 'TEXT'),
        col('name', 'TEXT', 1),
        col('quantity', 'TEXT', 1),
        col('unit', 'TEXT', 1),
        col('kind', 'TEXT'),
        col('class', 'TEXT'),
        col('serial', 'TEXT'),
        col('gas', 'TEXT'),
        col('created_at', 'TEXT', 1),
        col('created_by', 'TEXT'),
      ],
      indexes: [],
      foreignKeys: ['tenant → tenants.id'],
      rowidAlias: false,
    };
    legacy.standard_certificates = {
      columns: [
        col('id', 'INTEGER', 0, 1),
        col('standard', 'TEXT', 1),
        col('number', 'TEXT', 1),
        col('issued_by', 'TEXT', 1),
        col('issued_at', 'TEXT', 1),
        col('valid_until', 'TEXT', 1),
        col('uncertainty', 'REAL', 1),
        col('traceable_to', 'TEXT'),
        col('as_found', 'TEXT'),
        col('created_at', 'TEXT', 1),
        col('created_by', 'TEXT'),
      ],
      indexes: [{ name: 'standard_certificates_standard', unique: 0, columns: ['standard'], where: null }],
      foreignKeys: ['standard → standards.id'],
      rowidAlias: true,
    };
    // migration 6: who claimed a webhook delivery and until when (a cluster's nodes share the queue)
    legacy.webhook_deliveries.columns.push(col('claimed_by', 'TEXT'), col('claimed_until', 'INTEGER'));
    // migration 12: a webhook delivery's next_at only while it is pending (the table rebuilt, the same otherwise)
    legacy.webhook_deliveries.columns.find((c) => c.name === 'next_at')!.notnull = 0;
    // migration 7: a check is the same check again by (device, seq, ts), no longer (device, seq)
    legacy.checks.columns.find((c) => c.name === 'ts')!.pk = 3;
    // migration 8: a refused line's key, each line kept once per sink
    legacy.dead_letters.columns.push(col('line_key', 'TEXT'));
    legacy.dead_letters.indexes = [
      ...legacy.dead_letters.indexes,
      { name: 'dead_letters_sink_line_key', unique: 1, columns: ['sink', 'line_key'], where: null },
    ];
    // migration 11: a certificate number once per device and per standard (those stored twice before marked, outside the index)
    for (const [table, owner] of [
      ['certificates', 'device'],
      ['standard_certificates', 'standard'],
    ] as const) {
      legacy[table].columns.push(col('duplicate_of', 'INTEGER'));
      legacy[table].indexes = [
        ...legacy[table].indexes,
        { name: `${table}_${owner}_number`, unique: 1, columns: [owner, 'number'], where: 'duplicate_of is null' },
      ].sort((a, b) => a.name.localeCompare(b.name));
    }
    const fresh = join(dir, 'fresh');
    openStateDb(fresh).close();
    const made = describeSchema(join(fresh, 'mag.db'));
    // migration 0005-inspections-campaigns: tables of their own
    for (const t of ['inspections', 'inspection_items', 'inspection_checks', 'findings', 'inspection_amendments', 'campaigns', 'campaign_verifications']) {
      expect(made[t], t).toBeDefined();
      delete made[t];
    }
    // migration 0004: the lots of prepackages and their packages, new tables
    const lotTables = ['lot_packages', 'lots'];
    expect(Object.keys(made).sort()).toEqual([...Object.keys(legacy), ...lotTables].sort());
    expect(made.lot_packages!.indexes.map((i) => [i.name, i.unique, i.columns])).toEqual([
      ['lot_packages_client_id', 1, ['lot', 'client_id']],
      ['lot_packages_device_seq_ts', 1, ['device', 'seq', 'ts']],
    ]);
    expect(made.lot_packages!.foreignKeys).toEqual(['lot → lots.id']);
    for (const table of Object.keys(legacy)) expect(made[table], table).toEqual(legacy[table]);
    const version = new Database(join(fresh, 'mag.db'), { readonly: true });
    expect(version.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    version.close();
  });

  it('open a database made by the raw-SQL migration 1 with its data, and go on writing to it', () => {
    const file = legacyDatabase();
    const old = new Database(file);
    // A registry, an open alert, a check, drift and two audit entries, written as the old code did.
    old.prepare('INSERT INTO tenants (id, name, region, created_at) VALUES (?, ?, ?, ?)').run('acme', 'Acme', 'VN-HN', '2026-01-01T00:00:00.000Z');
    old
      .prepare('INSERT INTO devices (id, tenant, type, serial, spec, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run('gd-1', 'acme', 'gas-detector', 'SN-1', JSON.stringify({ site: 'Depot 3' }), hashSecret('s3cret-s3cret-s3cret'), '2026-01-01T00:00:00.000Z');
    old
      .prepare(
        'INSERT INTO certificates (device, kind, number, issued_by, issued_at, valid_until, correction, uncertainty, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run('gd-1', 'calibration', 'C-1', 'QUATEST 1', '2026-01-01', '2027-01-01', JSON.stringify({ offset: 0.5 }), 0.2, '2026-01-01T00:00:00.000Z', 'admin:a');
    old
      .prepare(
        "INSERT INTO alerts (id, tenant, device, kind, key, severity, state, opened_at, updated_at, count, summary, details) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, 1, ?, ?)",
      )
      .run(
        'a-1',
        'acme',
        'gd-1',
        'out-of-tolerance',
        'CH4',
        'critical',
        '2026-02-01T00:00:00.000Z',
        '2026-02-01T00:00:00.000Z',
        'Check fail',
        JSON.stringify({ seq: 7 }),
      );
    old
      .prepare('INSERT OR IGNORE INTO checks (device, seq, series, ts, result, received_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(
        'gd-1',
        7,
        'CH4',
        Date.parse('2026-02-01T00:00:00Z'),
        JSON.stringify({ seq: 7, ts: Date.parse('2026-02-01T00:00:00Z'), decision: 'fail', standardId: 'CYL-9' }),
        '2026-02-01T00:00:01.000Z',
      );
    old.close();
    const before = openStateDb(dir);
    const audit = new AuditLog(before);
    audit.append('admin:a', 'tenant.create', 'acme', {}, new Date('2026-01-01T00:00:00Z'));
    before.close();

    const db = openStateDb(dir);
    expect(db.connection.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const registry = new Registry(db);
    expect(registry.tenant('acme')).toEqual({ id: 'acme', name: 'Acme', region: 'VN-HN', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(registry.device('gd-1')).toMatchObject({ id: 'gd-1', tenant: 'acme', type: 'gas-detector', serial: 'SN-1', site: 'Depot 3' });
    expect(registry.certificatesOf('gd-1')).toEqual([
      {
        id: 1,
        device: 'gd-1',
        kind: 'calibration',
        number: 'C-1',
        issuedBy: 'QUATEST 1',
        // its dates alone, read in the default zone (Asia/Ho_Chi_Minh): from the day's start, through the day's end
        issuedAt: '2026-01-01T00:00:00.000+07:00',
        validUntil: '2027-01-01T16:59:59.999Z',
        correction: { offset: 0.5 },
        uncertainty: 0.2,
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
    // Row ids go on from the old rows.
    expect(
      registry.addCertificate(
        'gd-1',
        { kind: 'verification', number: 'V-1', issuedBy: 'QUATEST 1', issuedAt: '2026-01-01', validUntil: '2027-01-01' },
        'admin:a',
        new Date(),
      ).id,
    ).toBe(2);

    // The open alert is the one a repeat counts on (deduplicated, not a second row).
    const alerts = new AlertBook(db);
    const repeat = alerts.raise({
      tenant: 'acme',
      device: 'gd-1',
      kind: 'out-of-tolerance',
      key: 'CH4',
      severity: 'critical',
      summary: 'Check fail again',
      details: { seq: 8 },
      at: new Date('2026-02-02T00:00:00Z'),
    });
    expect(repeat).toMatchObject({ change: 'repeated', alert: { id: 'a-1', count: 2, version: 2, summary: 'Check fail again', details: { seq: 8 } } });
    expect(alerts.list({})).toHaveLength(1);

    // The stored check is found (migration 7 copied it into the rebuilt table), its replay is not
    // stored twice, and the same seq at a later time (the device's count restarted) is a new check.
    const checks = new CheckStore(db);
    expect(checks.of('gd-1').map((c) => [c.seq, c.decision, c.receivedAt])).toEqual([[7, 'fail', '2026-02-01T00:00:01.000Z']]);
    expect(checks.insert('gd-1', 'CH4', { seq: 7, ts: Date.parse('2026-02-01T00:00:00Z'), decision: 'fail' } as CheckResult, 'later')).toBe(false);
    expect(checks.insert('gd-1', 'CH4', { seq: 7, ts: Date.parse('2026-03-01T00:00:00Z'), decision: 'pass' } as CheckResult, 'later')).toBe(true);
    expect(checks.of('gd-1').map((c) => [c.seq, c.decision])).toEqual([
      [7, 'pass'],
      [7, 'fail'],
    ]);
    // Its standard is found for reverse traceability (migration 3 filled the new column from the JSON).
    expect(checks.withStandard('CYL-9').map((c) => [c.device, c.seq])).toEqual([['gd-1', 7]]);
    const assurance = new Assurance(db, registry, alerts, new Map(), { dueSoonDays: 30, horizonDays: 90, invalidBurst: 10 });
    expect(assurance.checksOf('gd-1')).toHaveLength(2);

    // The audit chain goes on from the old entry and verifies whole.
    const log = new AuditLog(db);
    log.append('admin:a', 'device.create', 'gd-1', {}, new Date('2026-01-02T00:00:00Z'));
    expect(log.verifyChain()).toEqual({ ok: true, entries: 2 });
    expect(new Tokens(db).list()).toEqual([]);
    db.close();
  });

  it('open a database with webhook deliveries made before migration 12: every one kept with its id and body, no next attempt once delivered or dead', () => {
    const file = join(dir, 'mag.db');
    const old = new Database(file);
    const before = MIGRATIONS.findIndex((m) => m.name === '0012-webhook-delivery-next-at-while-pending');
    for (const m of MIGRATIONS.slice(0, before))
      for (const statement of m.up(queryBuilder('sqlite').schema, 'sqlite')) {
        const c = statement.compile();
        old.prepare(c.sql).run(...(c.parameters as unknown[]));
      }
    old.pragma(`user_version = ${before}`);
    const at = Date.parse('2026-03-01T08:00:00Z');
    const delivery = old.prepare(
      "INSERT INTO webhook_deliveries (id, webhook, event, body, state, attempts, next_at, last_status, last_error, created_at, delivered_at, claimed_by, claimed_until) VALUES (?, 'w-1', 'alert.opened', ?, ?, ?, ?, ?, ?, '2026-03-01T08:00:00.000Z', ?, ?, ?)",
    );
    delivery.run(7, '{"id":7}', 'delivered', 1, at, 204, null, '2026-03-01T08:00:01.000Z', null, null);
    delivery.run(9, '{"id":9}', 'dead', 8, at + 127_000, 503, 'HTTP 503', null, null, null);
    delivery.run(12, '{"id":12}', 'pending', 2, at + 3000, null, 'connect ECONNREFUSED', null, 'node-a', at + 60_000);
    old.close();

    const db = openStateDb(dir);
    expect(db.connection.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(
      db.connection
        .prepare('SELECT id, body, state, attempts, next_at, last_status, last_error, claimed_by, claimed_until FROM webhook_deliveries ORDER BY id')
        .all(),
    ).toEqual([
      { id: 7, body: '{"id":7}', state: 'delivered', attempts: 1, next_at: null, last_status: 204, last_error: null, claimed_by: null, claimed_until: null },
      { id: 9, body: '{"id":9}', state: 'dead', attempts: 8, next_at: null, last_status: 503, last_error: 'HTTP 503', claimed_by: null, claimed_until: null },
      {
        id: 12,
        body: '{"id":12}',
        state: 'pending',
        attempts: 2,
        next_at: at + 3000,
        last_status: null,
        last_error: 'connect ECONNREFUSED',
        claimed_by: 'node-a',
        claimed_until: at + 60_000,
      },
    ]);
    // new deliveries continue the ids (a receiver's X-Mag-Delivery is never given twice), due ones still found by the index
    db.connection
      .prepare("INSERT INTO webhook_deliveries (webhook, event, body, state, next_at, created_at) VALUES ('w-1', 'alert.resolved', '{}', 'pending', ?, 'x')")
      .run(at);
    expect(db.connection.prepare('SELECT max(id) AS id FROM webhook_deliveries').get()).toEqual({ id: 13 });
    expect(db.connection.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'webhook_deliveries'").all()).toEqual([
      { name: 'webhook_deliveries_due' },
    ]);
    db.close();
  });

  it('open a database holding a certificate number twice (stored before numbers were unique): every certificate kept, the number still refused', () => {
    // the schema before migration 0011, made by the migrations before it
    const file = join(dir, 'mag.db');
    const old = new Database(file);
    const before = MIGRATIONS.findIndex((m) => m.name === '0011-certificate-number-once');
    for (const m of MIGRATIONS.slice(0, before))
      for (const statement of m.up(queryBuilder('sqlite').schema, 'sqlite')) {
        const c = statement.compile();
        old.prepare(c.sql).run(...(c.parameters as unknown[]));
      }
    old.pragma(`user_version = ${before}`);
    old.prepare("INSERT INTO tenants (id, name, region, created_at) VALUES ('acme', 'Acme', 'VN-HN', '2026-01-01T00:00:00.000Z')").run();
    old
      .prepare("INSERT INTO devices (id, tenant, type, serial, spec, secret_hash, created_at) VALUES ('gd-1', 'acme', 'gas-detector', 'SN-1', '{}', ?, ?)")
      .run(hashSecret('s3cret-s3cret-s3cret'), '2026-01-01T00:00:00.000Z');
    const certificate = old.prepare(
      "INSERT INTO certificates (device, kind, number, issued_by, issued_at, valid_until, created_at, created_by) VALUES ('gd-1', ?, ?, 'QUATEST 1', ?, ?, ?, 'admin:a')",
    );
    const issued = '2026-01-05T00:00:00.000+07:00';
    const until = '2027-01-05T16:59:59.999Z';
    certificate.run('calibration', 'C-1', issued, until, '2026-01-05T01:00:00.000Z'); // 1
    certificate.run('calibration', 'C-1', issued, until, '2026-01-05T01:00:05.000Z'); // 2: the same again (a retry)
    certificate.run('verification', 'C-1', issued, until, '2026-02-01T00:00:00.000Z'); // 3: other content under that number
    certificate.run('verification', 'V-1', issued, until, '2026-02-01T00:00:00.000Z'); // 4
    old
      .prepare("INSERT INTO standards (id, name, quantity, unit, created_at) VALUES ('CYL-9', 'CH4 cylinder', 'concentration', '%LEL', ?)")
      .run('2026-01-01T00:00:00.000Z');
    const standardCertificate = old.prepare(
      "INSERT INTO standard_certificates (standard, number, issued_by, issued_at, valid_until, uncertainty, created_at) VALUES ('CYL-9', 'HC-1', 'VMI', ?, ?, 0.5, ?)",
    );
    standardCertificate.run(issued, until, '2026-01-02T00:00:00.000Z');
    standardCertificate.run(issued, until, '2026-01-02T00:00:01.000Z');
    old.close();

    const db = openStateDb(dir);
    expect(db.connection.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    // nothing on record deleted or changed; the later ones under a number point at the first
    const marks = (table: string) => db.connection.prepare(`SELECT id, number, duplicate_of FROM ${table} ORDER BY id`).all();
    expect(marks('certificates')).toEqual([
      { id: 1, number: 'C-1', duplicate_of: null },
      { id: 2, number: 'C-1', duplicate_of: 1 },
      { id: 3, number: 'C-1', duplicate_of: 1 },
      { id: 4, number: 'V-1', duplicate_of: null },
    ]);
    expect(marks('standard_certificates')).toEqual([
      { id: 1, number: 'HC-1', duplicate_of: null },
      { id: 2, number: 'HC-1', duplicate_of: 1 },
    ]);
    const registry = new Registry(db);
    expect(registry.certificatesOf('gd-1').map((c) => [c.id, c.number, c.kind])).toEqual([
      [1, 'C-1', 'calibration'],
      [2, 'C-1', 'calibration'],
      [3, 'C-1', 'verification'],
      [4, 'V-1', 'verification'],
    ]);
    expect(new StandardStore(db).certificatesOf('CYL-9').map((c) => c.id)).toEqual([1, 2]);

    // A number on record, duplicated or not, is refused to a new certificate by the database itself
    // (here written past the registry's cache); the first under it is the one the registry compares with.
    const again = (number: string) => () =>
      db.connection
        .prepare(
          "INSERT INTO certificates (device, kind, number, issued_by, issued_at, valid_until, created_at) VALUES ('gd-1', 'verification', ?, 'QUATEST 1', '2026-03-01', '2027-03-01', '2026-03-01T00:00:00.000Z')",
        )
        .run(number);
    expect(again('C-1')).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    expect(again('V-1')).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    expect(() =>
      db.connection
        .prepare(
          "INSERT INTO standard_certificates (standard, number, issued_by, issued_at, valid_until, uncertainty, created_at) VALUES ('CYL-9', 'HC-1', 'VMI', '2026-03-01', '2027-03-01', 0.4, '2026-03-01T00:00:00.000Z')",
        )
        .run(),
    ).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    const retry = { kind: 'calibration' as const, number: 'C-1', issuedBy: 'QUATEST 1', issuedAt: issued, validUntil: until };
    expect(() => registry.addCertificate('gd-1', retry, 'admin:a', new Date())).toThrow(
      expect.objectContaining({ name: 'CertificateOnRecord', sameContent: true, certificate: expect.objectContaining({ id: 1 }) }),
    );
    expect(() => registry.addCertificate('gd-1', { ...retry, uncertainty: 0.1 }, 'admin:a', new Date())).toThrow(CertificateOnRecord);
    expect(registry.addCertificate('gd-1', { ...retry, number: 'C-2' }, 'admin:a', new Date()).id).toBe(5);
    db.close();
  });

  it('refuse a database from a newer gateway, saying what to do', () => {
    const file = join(dir, 'mag.db');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openStateDb(dir)).toThrow(
      new RegExp(`schema version 99, newer than this gateway knows \\(${MIGRATIONS.length}\\): upgrade the gateway or restore a backup`),
    );
  });
});
