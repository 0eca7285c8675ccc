// `mag`'s store commands on a cluster's shared state (MAG_STATE_URL, a real PostgreSQL 15): a
// tenant, a device and a token registered once from the command line are in the database every
// node reads, and the audit chain they appended verifies.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresState } from '../../src/store/postgres.ts';
import { Registry } from '../../src/store/registry.ts';
import { Tokens } from '../../src/store/tokens.ts';
import { createDatabase, type PostgresHandle, startPostgres } from '../support/postgres.ts';

const run = promisify(execFile);
const MAG = join(import.meta.dirname, '..', '..', 'bin', 'mag.mjs');

describe('mag store commands on PostgreSQL (MAG_STATE_URL)', () => {
  let postgres: PostgresHandle;
  let stateUrl: string;
  let dataDir: string;
  const cli = (...args: string[]) =>
    run(process.execPath, [MAG, ...args], {
      env: { ...process.env, MAG_DATA_DIR: dataDir, MAG_STATE_URL: stateUrl, MAG_AMQP_URLS: 'amqp://127.0.0.1:1', MAG_LOG_LEVEL: 'silent' },
    });

  beforeAll(async () => {
    postgres = await startPostgres();
    stateUrl = await createDatabase(postgres, 'mag_cli');
    dataDir = mkdtempSync(join(tmpdir(), 'mag-cli-pg-'));
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers a tenant, a device and a token in the shared state, and verifies the audit chain there', { timeout: 60_000 }, async () => {
    await cli('tenant', 'add', '--id', 'petro-hn', '--name', 'Petrolimex Hà Nội', '--region', 'VN-HN');
    const device = await cli('device', 'add', '--id', 'fd-cli-1', '--tenant', 'petro-hn', '--type', 'fuel-dispenser', '--serial', 'TK-1');
    const secret = device.stdout.trim().split('\n').at(-1)!;
    const token = (await cli('token', 'create', '--role', 'operator', '--tenant', 'petro-hn', '--name', 'operator petro-hn')).stdout.trim();

    const db = await PostgresState.connect(stateUrl);
    const tokens = new Tokens(db);
    try {
      const registry = await Registry.open(db);
      expect(registry.tenant('petro-hn')).toMatchObject({ name: 'Petrolimex Hà Nội', region: 'VN-HN' });
      expect(registry.device('fd-cli-1')).toMatchObject({ tenant: 'petro-hn', type: 'fuel-dispenser', serial: 'TK-1' });
      expect(await registry.verifyDeviceSecret('fd-cli-1', secret)).toBe(true);
      expect(await registry.verifyDeviceSecret('fd-cli-1', 'not-the-secret-0123456789')).toBe(false);
      expect(await tokens.authenticate(token)).toMatchObject({ role: 'operator', tenant: 'petro-hn' });
    } finally {
      tokens.close();
      await db.close();
    }
    // three entries, appended by three processes, one chain
    expect((await cli('audit', 'verify')).stdout).toBe('audit chain intact: 3 entries\n');
    // a device id taken already is refused with the reason, nothing half-written
    await expect(cli('device', 'add', '--id', 'fd-cli-1', '--tenant', 'petro-hn', '--type', 'fuel-dispenser', '--serial', 'TK-2')).rejects.toMatchObject({
      stderr: expect.stringMatching(/^mag: .*fd-cli-1/),
    });
  });

  it('names the unreachable state database without its password', { timeout: 30_000 }, async () => {
    const down = `postgres://mag:s3cret@127.0.0.1:${postgres.port + 1}/mag`;
    const r = run(process.execPath, [MAG, 'tenant', 'add', '--id', 'x', '--name', 'x', '--region', 'VN-HN'], {
      env: { ...process.env, MAG_DATA_DIR: dataDir, MAG_STATE_URL: down, MAG_AMQP_URLS: 'amqp://127.0.0.1:1', MAG_LOG_LEVEL: 'silent' },
    });
    await expect(r).rejects.toMatchObject({
      stderr: expect.stringMatching(/^mag: could not open the state: the state database at MAG_STATE_URL \(postgres:\/\/mag:\*\*\*@/),
    });
    await expect(r).rejects.not.toMatchObject({ stderr: expect.stringContaining('s3cret') });
  });
});
