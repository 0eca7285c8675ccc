// The state database's schema, as migrations written once with Kysely's schema builder and
// dialect-neutral column types: SQLite applies them at open (PRAGMA user_version counts them,
// as it did when migration 1 was raw SQL, so a database made then opens unchanged); PostgreSQL
// applies them through Kysely's Migrator (its own bookkeeping tables).
//
// Types: `text`; `integer` for small counts; `bigint` for epoch-ms times, sequence numbers and
// row ids (SQLite gives every type named *INT* integer affinity); `double precision` for reals.
// Row ids: SQLite's `integer primary key` (the rowid), PostgreSQL's identity column.
import type { Compilable, CreateTableBuilder, Kysely, SchemaModule } from 'kysely';
import { sql } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { queryBuilder, type Dialect, type SqliteState } from './sql.ts';

export interface SchemaMigration {
  name: string;
  /** The statements, in order, built with `schema` for `dialect`. */
  up(schema: SchemaModule, dialect: Dialect): Compilable<unknown>[];
}

function withRowId<T extends string>(t: CreateTableBuilder<T, never>, dialect: Dialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'sqlite'
    ? t.addColumn('id', 'integer', (c) => c.primaryKey())
    : t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

/**
 * Migration 0011: marks each certificate of `table` stored under a number its `owner` (device or
 * standard) had on record already, with the id of the first under that number. Certificates
 * without an earlier one under their number are not written.
 */
function markDuplicateNumbers(table: 'certificates' | 'standard_certificates', owner: 'device' | 'standard', dialect: Dialect): Compilable<unknown> {
  const t = sql.table(table);
  const row = (column: string) => sql.ref(`${table}.${column}`);
  const earlier = (column: string) => sql.ref(`earlier.${column}`);
  const sameNumber = sql`${earlier(owner)} = ${row(owner)} and ${earlier('number')} = ${row('number')}`;
  const update = sql`update ${t} set ${sql.ref('duplicate_of')} = (select min(${earlier('id')}) from ${t} as ${sql.id('earlier')} where ${sameNumber})
    where exists (select 1 from ${t} as ${sql.id('earlier')} where ${sameNumber} and ${earlier('id')} < ${row('id')})`;
  return { compile: () => update.compile(queryBuilder(dialect)) };
}

/** The webhook deliveries' columns as migration 0012 copies them (0001's and 0006's). */
const WEBHOOK_DELIVERIES_0012_COLUMNS = [
  'id',
  'webhook',
  'event',
  'body',
  'state',
  'attempts',
  'next_at',
  'last_status',
  'last_error',
  'created_at',
  'delivered_at',
  'claimed_by',
  'claimed_until',
] as const;

/** The checks table's columns as migration 0007 copies them (0001's and 0003's). */
const CHECKS_0007_COLUMNS = ['device', 'seq', 'series', 'ts', 'result', 'received_at', 'standard_id'] as const;

// Each migration lists its schema statements: long data, not logic.
export const MIGRATIONS: SchemaMigration[] = [
  {
    name: '0001-registry-credentials-findings-alerts-audit',
    up: (s, dialect) => [
      s
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull()),
      s
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text')
        .addColumn('status', 'text'),
      s.createIndex('devices_tenant').on('devices').column('tenant'),
      withRowId(s.createTable('certificates'), dialect)
        .addColumn('device', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('issued_by', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('valid_until', 'text', (c) => c.notNull())
        .addColumn('correction', 'text')
        .addColumn('uncertainty', 'double precision')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text'),
      s.createIndex('certificates_device').on('certificates').column('device'),
      s
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text')
        .addColumn('regions', 'text')
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('revoked_at', 'text'),
      withRowId(s.createTable('rejections'), dialect)
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint')
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('errors', 'text', (c) => c.notNull())
        .addColumn('payload', 'text'),
      s.createIndex('rejections_device').on('rejections').columns(['device', 'id']),
      s
        .createTable('checks')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('series', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('checks_pk', ['device', 'seq']),
      s.createIndex('checks_device_ts').on('checks').columns(['device', 'ts']),
      s
        .createTable('drift')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('series', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('drift_pk', ['device', 'series']),
      s
        .createTable('nozzle_totalizers')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('nozzle', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('totalizer_end', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('nozzle_totalizers_pk', ['device', 'nozzle']),
      s
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('ack_by', 'text')
        .addColumn('ack_at', 'text')
        .addColumn('ack_note', 'text')
        .addColumn('resolved_by', 'text')
        .addColumn('resolved_at', 'text')
        .addColumn('resolution', 'text')
        .addColumn('escalation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)),
      // One unresolved alert per (device, kind, key): a repeat counts on it.
      s.createIndex('alerts_one_open').unique().on('alerts').columns(['device', 'kind', 'key']).where(sql.ref('state'), '<>', 'resolved'),
      s.createIndex('alerts_tenant').on('alerts').columns(['tenant', 'state']),
      withRowId(s.createTable('audit'), dialect)
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull()),
      s
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text'),
      withRowId(s.createTable('webhook_deliveries'), dialect)
        .addColumn('webhook', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_at', 'bigint', (c) => c.notNull())
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text'),
      s.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['state', 'next_at']),
      withRowId(s.createTable('dead_letters'), dialect)
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('sink', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('device', 'text')
        .addColumn('tenant', 'text')
        .addColumn('point', 'text', (c) => c.notNull()),
    ],
  },
  {
    // A tenant's own time zone for device times sent without a zone (docs/field-data.md).
    name: '0002-tenant-time-zone',
    up: (s) => [s.alterTable('tenants').addColumn('time_zone', 'text')],
  },
  {
    // Reference standards and their calibration certificates (docs/contract.md §5), and the standard of each
    // check indexed for reverse traceability (checks stored before are backfilled from their JSON).
    name: '0003-reference-standards',
    up: (s, dialect) => [
      s
        .createTable('standards')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('quantity', 'text', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('kind', 'text')
        .addColumn('class', 'text')
        .addColumn('serial', 'text')
        .addColumn('gas', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text'),
      withRowId(s.createTable('standard_certificates'), dialect)
        .addColumn('standard', 'text', (c) => c.notNull().references('standards.id'))
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('issued_by', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('valid_until', 'text', (c) => c.notNull())
        .addColumn('uncertainty', 'double precision', (c) => c.notNull())
        .addColumn('traceable_to', 'text')
        .addColumn('as_found', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text'),
      s.createIndex('standard_certificates_standard').on('standard_certificates').column('standard'),
      s.alterTable('checks').addColumn('standard_id', 'text'),
      queryBuilder(dialect)
        .updateTable('checks')
        .set({ standard_id: dialect === 'sqlite' ? sql<string>`json_extract(result, '$.standardId')` : sql<string>`(result::json ->> 'standardId')` }),
      s.createIndex('checks_standard_ts').on('checks').columns(['standard_id', 'ts']),
    ],
  },
  {
    // Lots of prepackages and their measured packages (docs/contract.md §6, docs/prepackages.md).
    name: '0004-prepackage-lots',
    up: (s) => [
      s
        .createTable('lots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('nominal', 'double precision', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('lot_size', 'integer', (c) => c.notNull())
        .addColumn('destructive', 'integer', (c) => c.notNull())
        .addColumn('plan', 'text')
        .addColumn('measured_unit', 'text')
        .addColumn('average_tare', 'double precision')
        .addColumn('density', 'double precision')
        .addColumn('scale', 'text')
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('judged_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text'),
      s.createIndex('lots_tenant').on('lots').columns(['tenant', 'verdict']),
      s
        .createTable('lot_packages')
        .addColumn('lot', 'text', (c) => c.notNull().references('lots.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('device', 'text')
        .addColumn('seq', 'bigint')
        .addColumn('client_id', 'text')
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lot_packages_pk', ['lot', 'position']),
      // NULLs are distinct in a unique index (both databases): packages entered by hand have no device/seq.
      s.createIndex('lot_packages_device_seq').unique().on('lot_packages').columns(['device', 'seq']),
      s.createIndex('lot_packages_client_id').unique().on('lot_packages').columns(['lot', 'client_id']),
    ],
  },
  {
    // The inspector's work: on-site inspection records with their instruments, checks, findings
    // and amendments; mobile verification campaigns and the scales verified in them.
    // Over 80 lines: the tables of one migration, declared with Kysely's schema builder.
    name: '0005-inspections-campaigns',
    up: (s, dialect) => [
      s
        .createTable('inspections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('site', 'text')
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('inspectors', 'text', (c) => c.notNull())
        .addColumn('legal_basis', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .addColumn('closed_by', 'text')
        .addColumn('conclusion', 'text')
        .addColumn('record_hash', 'text'),
      s.createIndex('inspections_tenant').on('inspections').columns(['tenant', 'started_at']),
      s.createIndex('inspections_region').on('inspections').columns(['region', 'started_at']),
      withRowId(s.createTable('inspection_items'), dialect)
        .addColumn('inspection', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('facts', 'text', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addColumn('recorded_by', 'text', (c) => c.notNull()),
      s.createIndex('inspection_items_inspection').on('inspection_items').columns(['inspection', 'id']),
      s
        .createTable('inspection_checks')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('inspection', 'text', (c) => c.notNull())
        .addColumn('item', 'bigint', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('inspection_checks_pk', ['device', 'seq']),
      s.createIndex('inspection_checks_item').on('inspection_checks').columns(['inspection', 'item']),
      s
        .createTable('findings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('inspection', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('device', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('action', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('answer', 'text')
        .addColumn('answered_at', 'text')
        .addColumn('answered_by', 'text')
        .addColumn('closed_at', 'text')
        .addColumn('closed_by', 'text')
        .addColumn('close_reason', 'text'),
      s.createIndex('findings_inspection').on('findings').column('inspection'),
      s.createIndex('findings_device_state').on('findings').columns(['device', 'state']),
      withRowId(s.createTable('inspection_amendments'), dialect)
        .addColumn('inspection', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('change', 'text', (c) => c.notNull())
        .addColumn('amended_at', 'text', (c) => c.notNull())
        .addColumn('amended_by', 'text', (c) => c.notNull()),
      s.createIndex('inspection_amendments_inspection').on('inspection_amendments').columns(['inspection', 'id']),
      s
        .createTable('campaigns')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('markets', 'text', (c) => c.notNull())
        .addColumn('starts_on', 'text', (c) => c.notNull())
        .addColumn('ends_on', 'text', (c) => c.notNull())
        .addColumn('team', 'text', (c) => c.notNull())
        .addColumn('authority', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull()),
      withRowId(s.createTable('campaign_verifications'), dialect)
        .addColumn('campaign', 'text', (c) => c.notNull())
        .addColumn('market', 'text', (c) => c.notNull())
        .addColumn('owner_name', 'text', (c) => c.notNull())
        .addColumn('owner_phone', 'text')
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('class', 'text', (c) => c.notNull())
        .addColumn('max', 'double precision', (c) => c.notNull())
        .addColumn('e', 'double precision', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('stamp_number', 'text')
        .addColumn('certificate_number', 'text')
        .addColumn('valid_until', 'text')
        .addColumn('device', 'text')
        .addColumn('tenant', 'text')
        .addColumn('verified_at', 'text', (c) => c.notNull())
        .addColumn('recorded_by', 'text', (c) => c.notNull()),
      s.createIndex('campaign_verifications_campaign').on('campaign_verifications').columns(['campaign', 'id']),
    ],
  },
  {
    // A cluster's nodes share the webhook delivery queue: a node claims the due deliveries it
    // sends (claimed_by, its instance), for a while (claimed_until, epoch ms), so that no other
    // node sends them meanwhile; a claim that expires (its node died) lets another node send
    // them. SQLite's single process never claims: both stay null there. One column per ALTER:
    // SQLite adds one at a time.
    name: '0006-webhook-delivery-claims',
    up: (s) => [s.alterTable('webhook_deliveries').addColumn('claimed_by', 'text'), s.alterTable('webhook_deliveries').addColumn('claimed_until', 'bigint')],
  },
  {
    // A message from an instrument is the same message again (a resend whose PUBACK was lost) when
    // its seq *and* its time are the same: a controller whose seq restarted (firmware reset,
    // battery change) sends new checks and packages under seqs stored before, at later times, and
    // (device, seq) alone took them for replays and dropped them unjudged. SQLite cannot change a
    // primary key in place: the checks table is rebuilt with (device, seq, ts), its rows copied.
    // Its columns are those of 0001 and 0003 written out again, not shared: a released migration
    // never changes.
    name: '0007-message-identity-seq-and-time',
    up: (s, dialect) => [
      s
        .createTable('checks_0007')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('series', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('standard_id', 'text')
        .addPrimaryKeyConstraint('checks_identity_pk', ['device', 'seq', 'ts']),
      queryBuilder(dialect)
        .insertInto('checks_0007' as 'checks')
        .columns(CHECKS_0007_COLUMNS)
        .expression((eb) => eb.selectFrom('checks').select(CHECKS_0007_COLUMNS)),
      s.dropTable('checks'),
      s.alterTable('checks_0007').renameTo('checks'),
      s.createIndex('checks_device_ts').on('checks').columns(['device', 'ts']),
      s.createIndex('checks_standard_ts').on('checks').columns(['standard_id', 'ts']),
      s.dropIndex('lot_packages_device_seq'),
      s.createIndex('lot_packages_device_seq_ts').unique().on('lot_packages').columns(['device', 'seq', 'ts']),
    ],
  },
  {
    // A refused line is kept before its batch counts as written; a batch sent again after a
    // failed keep refuses its lines again, and each is kept once (src/store/dead-letters.ts).
    name: '0008-dead-letter-line-key',
    up: (s) => [
      s.alterTable('dead_letters').addColumn('line_key', 'text'),
      s.createIndex('dead_letters_sink_line_key').unique().on('dead_letters').columns(['sink', 'line_key']),
    ],
  },
  {
    // The nodes of a cluster on shared state and when each last said it was there, by the
    // database's clock (src/cluster/membership.ts): the partitions are shared among them. A
    // single node on SQLite has no cluster to share with: nothing there.
    name: '0009-cluster-members',
    up: (s, dialect) =>
      dialect === 'sqlite'
        ? []
        : [
            s
              .createTable('cluster_members')
              .addColumn('node', 'text', (c) => c.primaryKey())
              .addColumn('seen_at', 'timestamptz', (c) => c.notNull())
              .addColumn('consuming', 'boolean', (c) => c.notNull())
              .addColumn('incarnation', 'text', (c) => c.notNull()),
          ],
  },
  {
    // What an administrative record carries (Nghị định 30/2020/NĐ-CP, Phụ lục I): the issuing
    // authority above the team, the address of the establishment inspected and its representative;
    // and the campaign a record was opened within. All nullable: records made before have none,
    // and their hash (of what they held) is unchanged. One column per ALTER: SQLite adds one at a time.
    name: '0010-inspection-record-parties',
    up: (s) => [
      s.alterTable('inspections').addColumn('authority', 'text'),
      s.alterTable('inspections').addColumn('site_address', 'text'),
      s.alterTable('inspections').addColumn('representative_name', 'text'),
      s.alterTable('inspections').addColumn('representative_position', 'text'),
      s.alterTable('inspections').addColumn('campaign', 'text'),
    ],
  },
  {
    // A certificate number is the issuer's, once per instrument, and once per reference standard:
    // the API refused a number again with other content after reading the ones on record, which
    // two nodes adding it at once both passed. A unique index on (device, number) and on
    // (standard, number) lets the database decide (store/registry.ts answers the second as if it
    // had read the first). A database from before that rule (the API took any number again until
    // e784cd3) may hold a number twice, with the same content or not. Nothing on record is deleted
    // or changed (a certificate is a record; which of two differing ones is right is not for a
    // migration to say), and no statement depends on what is there: each later certificate under
    // a number gets `duplicate_of`, the id of the first, and the unique index leaves those out
    // (partial: `duplicate_of is null`). It holds the first under each number and everything added
    // from now on, so a number on record, duplicated or not, is still refused to a new certificate.
    // One column per ALTER: SQLite adds one at a time.
    name: '0011-certificate-number-once',
    up: (s, dialect) => [
      s.alterTable('certificates').addColumn('duplicate_of', 'bigint'),
      markDuplicateNumbers('certificates', 'device', dialect),
      s.createIndex('certificates_device_number').unique().on('certificates').columns(['device', 'number']).where(sql.ref('duplicate_of'), 'is', null),
      s.alterTable('standard_certificates').addColumn('duplicate_of', 'bigint'),
      markDuplicateNumbers('standard_certificates', 'standard', dialect),
      s
        .createIndex('standard_certificates_standard_number')
        .unique()
        .on('standard_certificates')
        .columns(['standard', 'number'])
        .where(sql.ref('duplicate_of'), 'is', null),
    ],
  },
  {
    // A webhook delivery's `next_at` is when its next attempt is due: none once it is delivered or
    // dead (it was kept, and answered, as if one were coming). PostgreSQL drops the NOT NULL; SQLite
    // cannot, and the table is rebuilt as 0007 rebuilt the checks: its columns (0001's and 0006's)
    // written out again, its rows copied with their ids (the X-Mag-Delivery a receiver has seen).
    name: '0012-webhook-delivery-next-at-while-pending',
    up: (s, dialect) => {
      const forget = queryBuilder(dialect).updateTable('webhook_deliveries').set({ next_at: null }).where('state', '<>', 'pending');
      if (dialect === 'postgres') return [s.alterTable('webhook_deliveries').alterColumn('next_at', (c) => c.dropNotNull()), forget];
      return [
        withRowId(s.createTable('webhook_deliveries_0012'), dialect)
          .addColumn('webhook', 'text', (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_at', 'bigint')
          .addColumn('last_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('delivered_at', 'text')
          .addColumn('claimed_by', 'text')
          .addColumn('claimed_until', 'bigint'),
        queryBuilder(dialect)
          .insertInto('webhook_deliveries_0012' as 'webhook_deliveries')
          .columns(WEBHOOK_DELIVERIES_0012_COLUMNS)
          .expression((eb) => eb.selectFrom('webhook_deliveries').select(WEBHOOK_DELIVERIES_0012_COLUMNS)),
        s.dropTable('webhook_deliveries'),
        s.alterTable('webhook_deliveries_0012').renameTo('webhook_deliveries'),
        s.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['state', 'next_at']),
        forget,
      ];
    },
  },
];

/** Brings a SQLite state database to the latest schema: each migration once, in its own transaction. */
export function migrateSqlite(db: SqliteState): void {
  const current = db.connection.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the state database has schema version ${current}, newer than this gateway knows (${MIGRATIONS.length}): upgrade the gateway or restore a backup`,
    );
  }
  const schema = queryBuilder('sqlite').schema;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      for (const statement of MIGRATIONS[v].up(schema, 'sqlite')) db.execute(statement.compile());
      db.connection.pragma(`user_version = ${v + 1}`);
    });
  }
}

/** The same migrations for Kysely's Migrator (PostgreSQL). */
export const postgresMigrations: MigrationProvider = {
  getMigrations: async () =>
    Object.fromEntries(
      MIGRATIONS.map((m): [string, Migration] => [
        m.name,
        {
          up: async (db: Kysely<unknown>) => {
            for (const statement of m.up(db.schema, 'postgres')) await db.executeQuery(statement.compile());
          },
        },
      ]),
    ),
};

/** Brings a PostgreSQL state database (a Kysely with PostgresDialect) to the latest schema. */
export async function migratePostgres(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: postgresMigrations }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`PostgreSQL state migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
}
