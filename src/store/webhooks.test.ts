// The webhook store and the dead letters on SQLite: the contract they keep on either state
// database (the PostgreSQL run is test/integration/alert-delivery-postgres.test.ts).
import { sqliteStateTarget } from '../../test/support/state-targets.ts';
import { deliveryStoreContract } from '../../test/support/delivery-store-contract.ts';

deliveryStoreContract('SQLite', async () => {
  const target = sqliteStateTarget('webhooks');
  return {
    ...target,
  };
});
