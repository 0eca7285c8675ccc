// The parties of an inspection record (migration 0010) on a real PostgreSQL 15: the same contract
// as on SQLite (test/support/inspection-parties-contract.ts), with a record closed before the
// migration stored in a database of its own migrated to 0009 first.
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { afterAll } from 'vitest';
import { postgresStateTarget } from '../support/state-targets.ts';
import { createDatabase, startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { inspectionPartiesContract } from '../support/inspection-parties-contract.ts';
import { MIGRATIONS, postgresMigrations } from '../../src/store/migrations.ts';
import { PostgresState } from '../../src/store/postgres.ts';

let server: PostgresHandle | undefined;

afterAll(async () => {
  await server?.stop();
});

inspectionPartiesContract('PostgreSQL', async () => {
  server = await startPostgres();
  const target = postgresStateTarget(`postgres://${server.user}@${server.host}:${server.port}/${server.database}`);
  const legacy: PostgresState[] = [];
  return {
    open: target.open,
    upgraded: async (rows) => {
      const url = await createDatabase(server!, `legacy_${legacy.length}`);
      const db = new Kysely<Record<string, Record<string, unknown>>>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
      });
      try {
        const last = MIGRATIONS[MIGRATIONS.findIndex((m) => m.name.startsWith('0010-')) - 1]!.name;
        const { error } = await new Migrator({ db, provider: postgresMigrations }).migrateTo(last);
        if (error) throw error;
        for (const [table, list] of Object.entries(rows)) await db.insertInto(table).values(list).execute();
      } finally {
        await db.destroy();
      }
      const state = await PostgresState.connect(url);
      legacy.push(state);
      return state;
    },
    close: async () => {
      for (const s of legacy) await s.close();
      await target.close();
    },
  };
});
