// The registry on a real PostgreSQL 15, as a cluster's nodes share it (MAG_STATE_URL): the same
// contract as on SQLite (test/support/registry-contract.ts), a device registered by another
// process in this one's cache within a second by LISTEN/NOTIFY, and the state database's
// failures said in terms of the setting.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgresStateTarget } from '../support/state-targets.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { freePort } from '../support/ports.ts';
import { registryContract } from '../support/registry-contract.ts';
import { PostgresState } from '../../src/store/postgres.ts';
import { Registry } from '../../src/store/registry.ts';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { STORE_QUERIES, type QueryDef } from '../../src/store/sql.ts';

const run = promisify(execFile);

/** The registry's own tenant insert (registry.ts), run here by hand. */
const STORE_TENANT_INSERT = STORE_QUERIES.get('tenants.insert') as QueryDef<
  { id: string; name: string; region: string; timeZone: string | null; createdAt: string },
  unknown
>;

let server: PostgresHandle | undefined;
const databases = new Set<string>();

/** The URL of a new, empty database on the test server. */
async function freshDatabase(name: string): Promise<string> {
  server ??= await startPostgres();
  if (!databases.has(name)) {
    const admin = new pg.Client(server.connection);
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    databases.add(name);
  }
  return `postgres://${server.user}@${server.host}:${server.port}/${name}`;
}

afterAll(async () => {
  await server?.stop();
});

registryContract('PostgreSQL', async () => {
  const url = await freshDatabase('registry_contract');
  const target = postgresStateTarget(url);
  return {
    ...target,
    followWithinMs: 1000,
  };
});

describe('registry caches of two processes on PostgreSQL', () => {
  let url: string;
  const opened: PostgresState[] = [];
  const open = async () => {
    const db = await PostgresState.connect(url);
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    url = await freshDatabase('registry_nodes');
  }, 120_000);

  afterAll(async () => {
    for (const db of opened) await db.close();
  });

  it("a device another process registers is in this one's cache within a second, and its secret works here", async () => {
    const here = await Registry.open(await open());
    const changes: number[] = [];
    const following = here.follow(
      () => changes.push(Date.now()),
      (e) => {
        throw e;
      },
    );
    try {
      const { stdout } = await run(process.execPath, ['bin/run.mjs', 'test/support/registry-writer.ts', url, 'acme', 'gd-node-b'], { cwd: PACKAGE_ROOT });
      const written = Date.now(); // committed, its NOTIFY sent, before the child printed
      const { secret } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { secret: string };
      await vi.waitFor(() => expect(here.registeredDevice('gd-node-b')?.tenant).toBe('acme'), { timeout: 1000, interval: 10 });
      expect(Date.now() - written).toBeLessThan(1000);
      expect(here.tenant('acme')?.region).toBe('VN-HN');
      expect(changes.length).toBeGreaterThan(0);
      expect(await here.verifyDeviceSecret('gd-node-b', secret)).toBe(true);
    } finally {
      following.stop();
    }
  });

  it('a registry whose listening connection broke listens again and reloads what it missed meanwhile', async () => {
    const here = await Registry.open(await open());
    const there = await Registry.open(await open());
    const following = here.follow(
      () => {},
      () => {},
    );
    try {
      const admin = new pg.Client(url);
      await admin.connect();
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'mag-listen'");
      await admin.end();
      // announced while nobody listens: lost, yet found once `here` listens again
      await there.createDevice({ id: 'gd-missed', tenant: 'acme', type: 'gas-detector', serial: 'SN-M' }, new Date());
      await vi.waitFor(() => expect(here.registeredDevice('gd-missed')).toBeDefined(), { timeout: 5000, interval: 20 });
    } finally {
      following.stop();
    }
  });
});

describe('the state database on PostgreSQL', () => {
  it('names MAG_STATE_URL, without its password, when the server cannot be reached', async () => {
    const port = await freePort();
    const url = `postgres://mag:s3cret-pw@127.0.0.1:${port}/mag`;
    const failure = await PostgresState.connect(url).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(failure?.message).toMatch(
      new RegExp(`^the state database at MAG_STATE_URL \\(postgres://mag:\\*\\*\\*@127\\.0\\.0\\.1:${port}/mag\\) cannot be reached: .*ECONNREFUSED`),
    );
    expect(failure?.message).not.toContain('s3cret-pw');
  });

  it('runs the statements of one `atomically` all or none', async () => {
    const db = await PostgresState.connect(await freshDatabase('state_atomic'));
    try {
      const registry = await Registry.open(db);
      await registry.createTenant({ id: 'acme', name: 'Acme', region: 'VN-HN' }, new Date());
      // the second insert breaks the key: the first is rolled back with it
      const insert = (id: string) =>
        db.statements({ q: STORE_TENANT_INSERT }).q.run({ id, name: id, region: 'VN-HN', timeZone: null, createdAt: '2026-01-01T00:00:00.000Z' });
      await expect(db.atomically(() => [insert('beta'), insert('acme')])).rejects.toMatchObject({ code: '23505' });
      const reloaded = await Registry.open(db);
      expect(reloaded.listTenants().map((t) => t.id)).toEqual(['acme']);
      await db.atomically(() => [insert('beta'), insert('gamma')]);
      expect((await Registry.open(db)).listTenants().map((t) => t.id)).toEqual(['acme', 'beta', 'gamma']);
    } finally {
      await db.close();
    }
  });
});
