// The state databases the stores' contracts run on: SQLite files in a temporary directory, or a
// real PostgreSQL (test/support/postgres.ts). Each `open` is another connection to the same
// database, standing for another process (the `mag` CLI, another node).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDb } from '../../src/store/db.ts';
import type { SqliteState } from '../../src/store/sql.ts';
import { PostgresState } from '../../src/store/postgres.ts';

export interface StateTarget<S> {
  /** Another connection to the same database. */
  open(): Promise<S>;
  /** Closes every connection opened (and removes the SQLite files). */
  close(): Promise<void>;
  /** The connections opened so far, first first. */
  readonly opened: readonly S[];
}

/** A SQLite state database in a new temporary directory named after `name`. */
export function sqliteStateTarget(name: string): StateTarget<SqliteState> {
  const dir = mkdtempSync(join(tmpdir(), `mag-${name}-`));
  const opened: SqliteState[] = [];
  return {
    opened,
    open: async () => {
      const db = openStateDb(dir);
      opened.push(db);
      return db;
    },
    close: async () => {
      for (const db of opened) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Connections to the PostgreSQL database at `url`. */
export function postgresStateTarget(url: string): StateTarget<PostgresState> {
  const opened: PostgresState[] = [];
  return {
    opened,
    open: async () => {
      const db = await PostgresState.connect(url);
      opened.push(db);
      return db;
    },
    close: async () => {
      for (const db of opened) await db.close();
    },
  };
}
