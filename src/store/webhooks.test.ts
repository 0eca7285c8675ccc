// The webhook store and the dead letters on SQLite: the contract they keep on either state
// database (the PostgreSQL run is test/integration/alert-delivery-postgres.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDb } from './db.ts';
import type { SqliteState } from './sql.ts';
import { deliveryStoreContract } from '../../test/support/delivery-store-contract.ts';

deliveryStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-webhooks-'));
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
