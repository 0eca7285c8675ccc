// The alerts' store on a real PostgreSQL 15 (MAG_STATE_URL): the same contract as on SQLite
// (test/support/alert-store-contract.ts), with two connections standing for two nodes.
import { afterAll } from 'vitest';
import { postgresStateTarget } from '../support/state-targets.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { alertStoreContract } from '../support/alert-store-contract.ts';
import { PostgresState } from '../../src/store/postgres.ts';

let server: PostgresHandle | undefined;

afterAll(async () => {
  await server?.stop();
});

alertStoreContract('PostgreSQL', async () => {
  server = await startPostgres();
  const url = `postgres://${server.user}@${server.host}:${server.port}/${server.database}`;
  const target = postgresStateTarget(url);
  return {
    ...target,
  };
});
