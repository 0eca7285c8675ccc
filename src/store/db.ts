// The embedded state database: one SQLite file (WAL) under MAG_DATA_DIR, migrated at open; or,
// for a cluster, PostgreSQL at MAG_STATE_URL (postgres.ts). Tables, queries and migrations:
// schema.ts, sql.ts, migrations.ts and one store module per table.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteState } from './sql.ts';
import { migrateSqlite } from './migrations.ts';
import { PostgresState, type PostgresStateOptions } from './postgres.ts';

/** The state database the stores run their queries on. */
export type Db = SqliteState;

export function openStateDb(dataDir: string, file = 'mag.db'): Db {
  mkdirSync(dataDir, { recursive: true });
  const connection = new Database(join(dataDir, file));
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  const db = new SqliteState(connection);
  migrateSqlite(db);
  return db;
}

/**
 * Not every store runs on PostgreSQL yet (docs/cluster.md, "Shared state (PostgreSQL)"): what
 * opens the whole state refuses MAG_STATE_URL with this, rather than split it between databases.
 */
export const STATE_URL_NOT_YET =
  'MAG_STATE_URL is set, but the gateway does not run on PostgreSQL yet: every store does, their composition in the gateway does not (docs/cluster.md, "Shared state (PostgreSQL)", "What remains"); unset it to keep the state in SQLite in MAG_DATA_DIR';

/** The state database a configuration names: PostgreSQL at MAG_STATE_URL (migrated, listening), else SQLite in MAG_DATA_DIR. */
export async function openState(dataDir: string, stateUrl: string | undefined, options: PostgresStateOptions = {}): Promise<SqliteState | PostgresState> {
  return stateUrl ? PostgresState.connect(stateUrl, options) : openStateDb(dataDir);
}
