// The message path's stores (checks, drift, totalizers) on SQLite: the contract they keep on
// PostgreSQL too (test/support/message-state-contract.ts).
import { sqliteStateTarget } from '../../test/support/state-targets.ts';
import { messageStateContract } from '../../test/support/message-state-contract.ts';

messageStateContract('SQLite', async () => {
  const target = sqliteStateTarget('msgstate');
  return {
    ...target,
  };
});
