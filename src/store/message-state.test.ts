// The message path's stores (checks, drift, totalizers) on SQLite: the contract they keep on
// PostgreSQL too (test/support/message-state-contract.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageStateContract } from '../../test/support/message-state-contract.ts';
import { openStateDb, type Db } from './db.ts';

messageStateContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-msgstate-'));
  const opened: Db[] = [];
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
