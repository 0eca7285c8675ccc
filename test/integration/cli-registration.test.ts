// The README's first walk-through: the gateway runs, and in another terminal the operator
// registers an enterprise and an instrument with the `mag` CLI on the same data directory; the
// instrument connects at once with the printed secret, and its reading is served by the API.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const run = promisify(execFile);
const MAG = join(import.meta.dirname, '..', '..', 'bin', 'mag.mjs');

describe('the mag CLI beside a running gateway', () => {
  let t: TestGateway;
  const cli = (dataDir: string, ...args: string[]) =>
    run(process.execPath, [MAG, ...args], { env: { ...process.env, MAG_DATA_DIR: dataDir, MAG_LOG_LEVEL: 'silent' } });

  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('a tenant and a device added by the CLI can connect and publish at once, and are visible in the API', async () => {
    await cli(t.dataDir, 'tenant', 'add', '--id', 'petro-hn', '--name', 'Petrolimex Hà Nội', '--region', 'VN-HN');
    const { stdout } = await cli(t.dataDir, 'device', 'add', '--id', 'baro-cli-1', '--tenant', 'petro-hn', '--type', 'barometer', '--serial', 'PTB330-1');
    const secret = stdout.trim().split('\n').at(-1)!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{22,}$/);

    // connects immediately: the gateway picks up the CLI's commit on the first CONNECT
    const c = await t.connect('baro-cli-1', secret);
    await c.publishAsync(
      'instruments/baro-cli-1/readings',
      JSON.stringify({ seq: 1, ts: new Date(Date.now() - 60_000).toISOString(), quantity: 'pressure', value: 101.342, unit: 'kPa' }),
      { qos: 1 },
    );
    await t.drained();

    const dev = await t.call('GET', '/api/v1/devices/baro-cli-1');
    expect(dev.status).toBe(200);
    expect(dev.body).toMatchObject({ id: 'baro-cli-1', tenant: 'petro-hn', type: 'barometer', serial: 'PTB330-1' });
    const tenants = await t.call('GET', '/api/v1/tenants');
    expect(tenants.body.items.map((x: { id: string }) => x.id)).toContain('petro-hn');
    const readings = await t.call('GET', '/api/v1/devices/baro-cli-1/readings');
    expect(readings.body.items).toHaveLength(1);
    expect(readings.body.items[0]).toMatchObject({ seq: 1, value: 1013.42 });
  });

  it('a wrong secret for a CLI-registered device is still refused, and a token made by the CLI works', async () => {
    await expect(t.connect('baro-cli-1', 'not-the-secret-0123456789')).rejects.toThrow(/bad user name or password|Not authorized|refused/i);
    const { stdout } = await cli(t.dataDir, 'token', 'create', '--role', 'operator', '--tenant', 'petro-hn', '--name', 'operator petro-hn');
    const token = stdout.trim().split('\n').at(-1)!;
    const list = await t.call('GET', '/api/v1/devices', undefined, token);
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual(['baro-cli-1']);
    // a typo would make a token that sees nothing, silently: refused as the API refuses it
    await expect(cli(t.dataDir, 'token', 'create', '--role', 'operator', '--tenant', 'petro-hm', '--name', 'x')).rejects.toThrow(
      /--tenant petro-hm: no such enterprise/,
    );
    await expect(cli(t.dataDir, 'token', 'create', '--role', 'inspector', '--regions', 'VN-HN,vn-bg', '--name', 'x')).rejects.toThrow(
      /--regions: "vn-bg" is not a province code of ISO 3166-2:VN/,
    );
    await expect(cli(t.dataDir, 'token', 'create', '--role', 'admin', '--tenant', 'petro-hn', '--name', 'x')).rejects.toThrow(
      /--tenant goes only with --role operator/,
    );
    // a well-formed code that is no province (the API refuses it too)
    await expect(cli(t.dataDir, 'token', 'create', '--role', 'inspector', '--regions', 'VN-XX', '--name', 'x')).rejects.toThrow(
      /--regions: "VN-XX" is not a province code of ISO 3166-2:VN/,
    );
    // a scale whose e does not fit its max and class: max/e = 30 kg / 0.001 kg = 30 000 > 10 000 (class III, OIML R76-1 Table 3)
    await expect(
      cli(
        t.dataDir,
        'device',
        'add',
        '--id',
        'sc-bad',
        '--tenant',
        'petro-hn',
        '--type',
        'scale',
        '--serial',
        'S-1',
        '--class',
        'III',
        '--e',
        '0.001',
        '--max',
        '30',
      ),
    ).rejects.toThrow(/max\/e = 30 kg \/ 0\.001 kg = 30000 verification scale intervals; class III has from 100 to 10 000/);
  });

  it('a tenant added with --time-zone has it (local times of its devices are read in it); an unknown zone is refused', async () => {
    await cli(t.dataDir, 'tenant', 'add', '--id', 'stadtwerke', '--name', 'Stadtwerke', '--region', 'VN-HN', '--time-zone', 'Europe/Berlin');
    await t.gateway.registry.catchUp();
    expect((await t.call('GET', '/api/v1/tenants')).body.items.find((x: { id: string }) => x.id === 'stadtwerke')).toMatchObject({ timeZone: 'Europe/Berlin' });
    await expect(cli(t.dataDir, 'tenant', 'add', '--id', 'nowhere', '--region', 'VN-HN', '--time-zone', 'Hanoi')).rejects.toThrow(
      /--time-zone must be an IANA time zone/,
    );
  });

  it('a market scale added with its e, Max and construction is judged by them; a bad figure is refused', async () => {
    await cli(
      t.dataDir,
      ...['device', 'add', '--id', 'sc-cli-1', '--tenant', 'petro-hn', '--type', 'scale', '--serial', 'CAN-1'],
      ...['--class', 'IIII', '--e', '0.1', '--max', '30', '--construction', 'spring-dial'],
    );
    await t.gateway.registry.catchUp();
    expect((await t.call('GET', '/api/v1/devices/sc-cli-1')).body).toMatchObject({ class: 'IIII', e: 0.1, max: 30, construction: 'spring-dial' });
    await expect(
      cli(t.dataDir, 'device', 'add', '--id', 'sc-cli-2', '--tenant', 'petro-hn', '--type', 'scale', '--serial', 'CAN-2', '--e', '0'),
    ).rejects.toThrow(/--e must be a positive number \(in kg\), got "0"/);
    await expect(
      cli(t.dataDir, 'device', 'add', '--id', 'sc-cli-3', '--tenant', 'petro-hn', '--type', 'barometer', '--serial', 'B-3', '--construction', 'spring-dial'),
    ).rejects.toThrow(/construction is not used for barometer/);
  });
});
