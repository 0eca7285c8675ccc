// The embedded state database: one SQLite file (WAL) under MAG_DATA_DIR, migrated at open; or,
// for a cluster, PostgreSQL at MAG_STATE_URL (postgres.ts). Tables, queries and migrations:
// schema.ts, sql.ts, migrations.ts and one store module per table.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrateSqlite } from './migrations.ts';
import { PostgresState, type PostgresStateOptions } from './postgres.ts';
import { SqliteState } from './sql.ts';

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

/** The state database a configuration names: PostgreSQL at MAG_STATE_URL (migrated, listening), else SQLite in MAG_DATA_DIR. */
export async function openState(dataDir: string, stateUrl: string | undefined, options: PostgresStateOptions = {}): Promise<SqliteState | PostgresState> {
  return stateUrl ? PostgresState.connect(stateUrl, options) : openStateDb(dataDir);
}
