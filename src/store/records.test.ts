// The inspector's records (standards, lots, inspections, campaigns) on SQLite: the contract they
// keep on either state database (the PostgreSQL run is test/integration/records-postgres.test.ts).
import { sqliteStateTarget } from '../../test/support/state-targets.ts';
import { recordsContract } from '../../test/support/records-contract.ts';

recordsContract('SQLite', async () => {
  const target = sqliteStateTarget('records');
  return {
    ...target,
  };
});
