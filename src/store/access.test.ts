// The API tokens and the audit log on SQLite: the contract they keep on either state database
// (the PostgreSQL run is test/integration/access-postgres.test.ts). Two connections to one file
// stand for the gateway and the `mag` CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDb } from './db.ts';
import type { SqliteState } from './sql.ts';
import { accessContract } from '../../test/support/access-contract.ts';

accessContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-access-'));
  const opened: SqliteState[] = [];
  return {
    open: async () => {
      const db = openStateDb(dir);
      opened.push(db);
      return db;
    },
    execute: async (sql) => {
      opened[0].connection.exec(sql);
    },
    close: async () => {
      for (const db of opened) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
    // another process's commits are seen by data_version, looked at every 2 s
    revokedEverywhereWithinMs: 5000,
  };
});
