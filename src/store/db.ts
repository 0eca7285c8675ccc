// The embedded state database: one SQLite file (WAL) under MAG_DATA_DIR, migrated at open.
// Tables, queries and migrations: schema.ts, sql.ts, migrations.ts and one store module per table.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteState } from './sql.ts';
import { migrateSqlite } from './migrations.ts';

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
