// The registry on SQLite: the contract it keeps on either state database (the PostgreSQL run is
// test/integration/registry-postgres.test.ts). Two connections to one file stand for the
// gateway and the `mag` CLI.
import { sqliteStateTarget } from '../../test/support/state-targets.ts';
import { registryContract } from '../../test/support/registry-contract.ts';

registryContract('SQLite', async () => {
  const target = sqliteStateTarget('registry');
  return {
    ...target,
    // data_version is looked at every 2 s
    followWithinMs: 5000,
  };
});
