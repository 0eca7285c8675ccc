// One schema and one set of queries for both databases: the state migrations run on a real
// PostgreSQL 15, every store query compiled for PostgreSQL is prepared there, and the statements
// of the per-message path run with their conflict rules as on SQLite.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { STORE_QUERIES, compileQuery, type QueryDef } from '../../src/store/sql.ts';
import { MIGRATIONS, migratePostgres, postgresMigrations } from '../../src/store/migrations.ts';
import { openStateDb } from '../../src/store/db.ts';

/** Arguments for the queries whose SQL depends on them: each shape the code can build. */
const DYNAMIC_SAMPLES: Record<string, unknown[]> = {
  'alerts.list': [
    {},
    { state: 'open', severity: 'critical', kind: 'drift', tenant: 'acme', device: 'gd-1', tenants: new Set(['acme', 'beta']), limit: 10 },
    {
      unresolved: true,
      openedFrom: '2026-01-01T00:00:00.000Z',
      openedTo: '2026-02-01T00:00:00.000Z',
      resolvedFrom: '2026-01-01T00:00:00.000Z',
      resolvedTo: '2026-03-01T00:00:00.000Z',
    },
  ],
  'alerts.history': [{ tenants: ['acme', 'beta'], from: '2025-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' }],
  'checks.counts-by-period': [{ bounds: [0, 1000, 2000, 3000], tenants: ['acme'] }],
  'checks.between': [
    { tenants: ['acme'], from: 0, to: 1000, limit: 10 },
    { tenants: ['acme', 'beta'], from: 0, to: 1000, failed: true, type: 'barometer', limit: 10 },
    { tenants: ['acme'], from: 0, to: 1000, failed: false, limit: 10 },
  ],
  'lots.list': [
    {},
    { tenant: 'acme', tenants: new Set(['acme', 'beta']), verdict: 'fail', limit: 10 },
    { judgedFrom: '2026-01-01T00:00:00.000Z', judgedTo: '2026-04-01T00:00:00.000Z' },
  ],
  'lots.tallies': [{ tenants: ['acme', 'beta'], from: '2026-01-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' }],
  'inspections.list': [
    {},
    {
      tenants: new Set(['acme']),
      tenant: 'acme',
      state: 'open',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-12-31T00:00:00.000Z',
      regions: ['VN-BG'],
      limit: 10,
    },
  ],
  'inspection-items.of-inspections': [['BBKT-2026-0001', 'BBKT-2026-0002']],
  'inspection-checks.of-inspections': [['BBKT-2026-0001']],
  'findings.list': [
    {},
    {
      tenants: new Set(['acme']),
      tenant: 'acme',
      inspection: 'BBKT-2026-0001',
      inspections: ['BBKT-2026-0001'],
      device: 'fd-1',
      state: 'open',
      kind: 'sealed-off',
      limit: 10,
    },
  ],
  'campaigns.list': [{}, { regions: ['VN-BG'], from: '2026-01-01', to: '2026-12-31' }],
  'campaign-verifications.in-period': [{ campaigns: ['bg-2026'], from: '2026-01-01T00:00:00.000Z', to: '2026-12-31T00:00:00.000Z' }],
};

let server: PostgresHandle;
let db: Kysely<unknown>;
let pool: pg.Pool;

beforeAll(async () => {
  server = await startPostgres();
  // int8 (ids, epoch-ms times) as numbers, as the SQLite driver gives them: all stay below 2^53.
  pg.types.setTypeParser(pg.types.builtins.INT8, Number);
  pool = new pg.Pool({ ...server.connection, max: 2 });
  db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  // Every store module, so that each registers its queries.
  const dir = join(PACKAGE_ROOT, 'src', 'store');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) await import(pathToFileURL(join(dir, f)).href);
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  await server?.stop();
});

async function run(name: string, args: Record<string, unknown>) {
  const def = STORE_QUERIES.get(name) as QueryDef<Record<string, unknown>, unknown>;
  const c = compileQuery(def, 'postgres', args);
  return pool.query(c.sql, c.parameters);
}

describe('the state store on PostgreSQL', () => {
  it('applies the migrations, making the tables SQLite has (and the cluster members); applying them again changes nothing', async () => {
    await migratePostgres(db);
    await migratePostgres(db);
    expect((await sql<{ name: string }>`select name from kysely_migration`.execute(db)).rows.map((r) => r.name).sort()).toEqual(
      MIGRATIONS.map((m) => m.name).sort(),
    );
    const pgTables = (
      await sql<{
        table_name: string;
      }>`select table_name from information_schema.tables where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(db)
    ).rows.map((r) => r.table_name);
    const dir = mkdtempSync(join(tmpdir(), 'mag-store-'));
    try {
      const sqlite = openStateDb(dir);
      const sqliteTables = (sqlite.connection.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
        (r) => r.name,
      );
      sqlite.close();
      // cluster_members: the nodes of a cluster sharing its partitions, which a single node on SQLite has not
      expect(pgTables).toEqual([...sqliteTables, 'cluster_members'].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const index = (await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'alerts_one_open'`.execute(db)).rows[0];
    expect(index.indexdef).toMatch(/UNIQUE INDEX alerts_one_open ON public\.alerts USING btree \(device, kind, key\) WHERE \(state <> 'resolved'::text\)/);
  });

  it('prepares every store query compiled for PostgreSQL', async () => {
    expect(STORE_QUERIES.size).toBeGreaterThan(40);
    const failures: string[] = [];
    let n = 0;
    for (const [name, def] of STORE_QUERIES) {
      const samples = def.kind === 'fixed' ? [{}] : DYNAMIC_SAMPLES[name];
      if (!samples) {
        failures.push(`${name}: a dynamic query without sample arguments in DYNAMIC_SAMPLES`);
        continue;
      }
      for (const args of samples) {
        const { sql: text } = compileQuery(def as QueryDef<unknown, unknown>, 'postgres', args);
        try {
          await pool.query(`PREPARE store_q${++n} AS ${text}`);
        } catch (e) {
          failures.push(`${name}: ${(e as Error).message}\n  ${text}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('runs the per-message statements with the conflict rules they have on SQLite', async () => {
    const at = '2026-03-01T00:00:00.000Z';
    const check = { device: 'gd-1', seq: 7, series: 'CH4', ts: Date.parse(at), result: '{"seq":7}', receivedAt: at };
    expect((await run('checks.insert', check)).rowCount).toBe(1);
    expect((await run('checks.insert', { ...check, result: '{"replayed":true}' })).rowCount).toBe(0); // a replay is stored once
    // the same seq at a later time: the device's count restarted, a new check
    expect((await run('checks.insert', { ...check, ts: check.ts + 60_000, result: '{"restarted":true}' })).rowCount).toBe(1);
    expect((await run('checks.range', { device: 'gd-1', from: 0, to: 8.64e15, limit: 10 })).rows).toEqual([
      { result: '{"restarted":true}', received_at: at },
      { result: '{"seq":7}', received_at: at },
    ]);
    // reverse traceability finds a check by its standard
    await run('checks.insert', { ...check, seq: 8, result: '{"seq":8}', standardId: 'CYL-9-CO' });
    expect((await run('checks.by-standard', { standardId: 'CYL-9-CO', from: 0, to: 8.64e15, limit: 10 })).rows).toEqual([
      { device: 'gd-1', result: '{"seq":8}', received_at: at },
    ]);

    await run('drift.upsert', { device: 'gd-1', series: 'CH4', state: '{"n":1}', updatedAt: at });
    await run('drift.upsert', { device: 'gd-1', series: 'CH4', state: '{"n":2}', updatedAt: at });
    expect((await run('drift.all', {})).rows).toEqual([{ device: 'gd-1', series: 'CH4', state: '{"n":2}' }]);

    await run('totalizers.upsert', { device: 'fd-1', nozzle: '1', seq: 10, totalizerEnd: 1500.5 });
    await run('totalizers.upsert', { device: 'fd-1', nozzle: '1', seq: 9, totalizerEnd: 1400 }); // older: does not move it back
    expect((await run('totalizers.last', { device: 'fd-1', nozzle: '1' })).rows).toEqual([{ seq: 10, totalizer_end: 1500.5 }]);

    await run('rejections.insert', {
      device: 'gd-1',
      tenant: 'acme',
      topic: 'instruments/gd-1/readings',
      seq: null,
      receivedAt: at,
      errors: '[]',
      payload: '{}',
    });
    expect((await run('rejections.of-device', { device: 'gd-1', limit: 5 })).rows).toMatchObject([{ id: 1, device: 'gd-1', seq: null }]);

    const opened = (
      await run('alerts.open', { id: 'a-1', tenant: 'acme', device: 'gd-1', kind: 'drift', key: 'CH4', severity: 'warning', at, summary: 's', details: '{}' })
    ).rows[0];
    expect(opened).toMatchObject({ id: 'a-1', state: 'open', count: 1, escalation: 0, version: 1 });
    // the repeats counted in memory since the last write, in one statement
    const repeated = (await run('alerts.repeat', { id: 'a-1', add: 3, at, severity: 'critical', summary: 's2', details: '{"n":2}' })).rows[0];
    expect(repeated).toMatchObject({ id: 'a-1', count: 4, version: 2, severity: 'critical', summary: 's2' });
    // one unresolved alert per (device, kind, key): a second open writes nothing (the store reads the open one back)
    expect(
      (await run('alerts.open', { id: 'a-2', tenant: 'acme', device: 'gd-1', kind: 'drift', key: 'CH4', severity: 'warning', at, summary: 's', details: '{}' }))
        .rowCount,
    ).toBe(0);
    await expect(
      pool.query(
        `insert into alerts (id, tenant, device, kind, key, severity, state, opened_at, updated_at, count, summary, details) values ('a-3', 'acme', 'gd-1', 'drift', 'CH4', 'warning', 'open', '${at}', '${at}', 1, 's', '{}')`,
      ),
    ).rejects.toThrow(/alerts_one_open/);
    expect((await run('alerts.unresolved-counts', {})).rows).toEqual([{ tenant: 'acme', device: 'gd-1', kind: 'drift', severity: 'critical', count: 1 }]);

    // a lot's packages: a replayed (device, seq) is stored once, even at another position
    await pool.query(`insert into tenants (id, name, region, created_at) values ('acme', 'Acme', 'VN-HN', '${at}')`);
    await run('lots.insert', {
      id: 'L-1',
      tenant: 'acme',
      product: 'Rice',
      nominal: 500,
      unit: 'g',
      lot_size: 200,
      destructive: 0,
      plan: null,
      measured_unit: null,
      average_tare: null,
      density: null,
      scale: 'cw-1',
      verdict: 'pending',
      judged_at: null,
      created_at: at,
      created_by: null,
    });
    const pkg = { lot: 'L-1', position: 1, kind: 'net', value: 502, device: 'cw-1', seq: 7, client_id: null, ts: Date.parse(at), received_at: at };
    expect((await run('lot-packages.insert', pkg)).rowCount).toBe(1);
    expect((await run('lot-packages.insert', { ...pkg, position: 2 })).rowCount).toBe(0);
    expect((await run('lot-packages.count', { lot: 'L-1' })).rows).toEqual([{ n: 1 }]);
    // the same seq at a later time (the checkweigher's count restarted) is another package
    expect((await run('lot-packages.insert', { ...pkg, position: 2, ts: pkg.ts + 1000 })).rowCount).toBe(1);
  });

  it('migrates a database holding a certificate number twice (stored before numbers were unique): every certificate kept, the number still refused', async () => {
    const url = await createDatabase(server, 'certificate_numbers');
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
    try {
      const before = MIGRATIONS[MIGRATIONS.findIndex((m) => m.name === '0011-certificate-number-once') - 1].name;
      expect((await new Migrator({ db: old, provider: postgresMigrations }).migrateTo(before)).error).toBeUndefined();
      const at = '2026-01-01T00:00:00.000Z';
      await sql`insert into tenants (id, name, region, created_at) values ('acme', 'Acme', 'VN-HN', ${at})`.execute(old);
      await sql`insert into devices (id, tenant, type, serial, spec, secret_hash, created_at) values ('gd-1', 'acme', 'gas-detector', 'SN-1', '{}', 'x', ${at})`.execute(
        old,
      );
      for (const [kind, number] of [
        ['calibration', 'C-1'],
        ['calibration', 'C-1'], // the same again (a retry)
        ['verification', 'C-1'], // other content under that number
        ['verification', 'V-1'],
      ])
        await sql`insert into certificates (device, kind, number, issued_by, issued_at, valid_until, created_at) values ('gd-1', ${kind}, ${number}, 'QUATEST 1', '2026-01-05', '2027-01-05', ${at})`.execute(
          old,
        );
      await sql`insert into standards (id, name, quantity, unit, created_at) values ('CYL-9', 'CH4 cylinder', 'concentration', '%LEL', ${at})`.execute(old);
      for (let i = 0; i < 2; i++)
        await sql`insert into standard_certificates (standard, number, issued_by, issued_at, valid_until, uncertainty, created_at) values ('CYL-9', 'HC-1', 'VMI', '2026-01-05', '2027-01-05', 0.5, ${at})`.execute(
          old,
        );

      await migratePostgres(old);
      const marks = async (table: string) =>
        (
          await sql<{
            id: number;
            number: string;
            duplicate_of: number | null;
          }>`select id::int, number, duplicate_of::int from ${sql.table(table)} order by id`.execute(old)
        ).rows;
      expect(await marks('certificates')).toEqual([
        { id: 1, number: 'C-1', duplicate_of: null },
        { id: 2, number: 'C-1', duplicate_of: 1 },
        { id: 3, number: 'C-1', duplicate_of: 1 },
        { id: 4, number: 'V-1', duplicate_of: null },
      ]);
      expect(await marks('standard_certificates')).toEqual([
        { id: 1, number: 'HC-1', duplicate_of: null },
        { id: 2, number: 'HC-1', duplicate_of: 1 },
      ]);
      for (const number of ['C-1', 'V-1'])
        await expect(
          sql`insert into certificates (device, kind, number, issued_by, issued_at, valid_until, created_at) values ('gd-1', 'verification', ${number}, 'VMI', '2026-03-01', '2027-03-01', ${at})`.execute(
            old,
          ),
        ).rejects.toMatchObject({ code: '23505', constraint: 'certificates_device_number' });
      await expect(
        sql`insert into standard_certificates (standard, number, issued_by, issued_at, valid_until, uncertainty, created_at) values ('CYL-9', 'HC-1', 'VMI', '2026-03-01', '2027-03-01', 0.4, ${at})`.execute(
          old,
        ),
      ).rejects.toMatchObject({ code: '23505', constraint: 'standard_certificates_standard_number' });
    } finally {
      await old.destroy();
    }
  });

  it('migrates webhook deliveries made before migration 12: no next attempt once delivered or dead, a pending one keeps its time', async () => {
    const url = await createDatabase(server, 'delivery_next_at');
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
    try {
      const before = MIGRATIONS[MIGRATIONS.findIndex((m) => m.name === '0012-webhook-delivery-next-at-while-pending') - 1].name;
      expect((await new Migrator({ db: old, provider: postgresMigrations }).migrateTo(before)).error).toBeUndefined();
      const at = Date.parse('2026-03-01T08:00:00Z');
      for (const [state, nextAt] of [
        ['delivered', at],
        ['dead', at + 127_000],
        ['pending', at + 3000],
      ] as const)
        await sql`insert into webhook_deliveries (webhook, event, body, state, attempts, next_at, created_at) values ('w-1', 'alert.opened', '{}', ${state}, 1, ${nextAt}, '2026-03-01T08:00:00.000Z')`.execute(
          old,
        );
      await migratePostgres(old);
      const rows = await sql<{
        id: number;
        state: string;
        next_at: string | null;
      }>`select id::int, state, next_at::text from webhook_deliveries order by id`.execute(old);
      expect(rows.rows).toEqual([
        { id: 1, state: 'delivered', next_at: null },
        { id: 2, state: 'dead', next_at: null },
        { id: 3, state: 'pending', next_at: String(at + 3000) },
      ]);
    } finally {
      await old.destroy();
    }
  });
});
