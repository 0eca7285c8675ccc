// The registry on SQLite: the contract it keeps on either state database (the PostgreSQL run is
// test/integration/registry-postgres.test.ts). Two connections to one file stand for the
// gateway and the `mag` CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDb } from './db.ts';
import type { SqliteState } from './sql.ts';
import { registryContract } from '../../test/support/registry-contract.ts';

registryContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-registry-'));
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
    // data_version is looked at every 2 s
    followWithinMs: 5000,
  };
});
