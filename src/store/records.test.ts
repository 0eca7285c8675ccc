// The inspector's records (standards, lots, inspections, campaigns) on SQLite: the contract they
// keep on either state database (the PostgreSQL run is test/integration/records-postgres.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDb } from './db.ts';
import type { SqliteState } from './sql.ts';
import { recordsContract } from '../../test/support/records-contract.ts';

recordsContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-records-'));
  const opened: SqliteState[] = [];
  return {
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
});
