// The API tokens and the audit log on SQLite: the contract they keep on either state database
// (the PostgreSQL run is test/integration/access-postgres.test.ts). Two connections to one file
// stand for the gateway and the `mag` CLI.
import { sqliteStateTarget } from '../../test/support/state-targets.ts';
import { accessContract } from '../../test/support/access-contract.ts';

accessContract('SQLite', async () => {
  const target = sqliteStateTarget('access');
  return {
    ...target,
    execute: async (sql) => {
      target.opened[0].connection.exec(sql);
    },
    // another process's commits are seen by data_version, looked at every 2 s
    revokedEverywhereWithinMs: 5000,
  };
});
