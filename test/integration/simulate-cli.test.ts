// Issue 7: `mag simulate --fleet <file>` as a user runs it (a child process of bin/mag.mjs) against
// a real gateway: first with an admin token (registers and writes the credentials file), then
// with the credentials file alone.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';

function mag(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/mag.mjs'), ...args], { env, cwd: PACKAGE_ROOT });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mag simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-simcli-'));
  const fleetFile = join(dir, 'fleet.json');
  const credentials = join(dir, 'credentials.json');
  let t: TestGateway;
  const env = () => {
    const e: NodeJS.ProcessEnv = { ...process.env };
    delete e.MAG_ADMIN_TOKEN;
    return e;
  };

  beforeAll(async () => {
    t = await startTestGateway();
    writeFileSync(
      fleetFile,
      JSON.stringify({
        name: 'cli',
        seed: 5,
        simulatedDays: 10,
        durationSeconds: 3,
        tickMs: 100,
        tenants: [{ id: 'cli-hn', name: 'CLI Hà Nội', region: 'VN-HN' }],
        devices: [
          { tenant: 'cli-hn', type: 'barometer', id: 'cli-baro', readingInterval: '1h', checkInterval: '2d' },
          { tenant: 'cli-hn', type: 'scale', id: 'cli-scale', readingInterval: '2h', checkInterval: '2d' },
        ],
      }),
    );
  });
  afterAll(async () => {
    await t?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with --admin-token registers the fleet, publishes, writes the credentials and exits 0', async () => {
    const r = await mag(
      ['simulate', '--fleet', fleetFile, '--url', t.api, '--mqtt', t.mqttUrl, '--admin-token', ADMIN_TOKEN, '--credentials', credentials],
      env(),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n'))).report;
    expect(report).toMatchObject({ fleet: 'cli', devices: 2, connected: 2, errors: 0, unacknowledged: 0 });
    expect(report.sent.readings).toBeGreaterThan(0);
    expect(
      JSON.parse(readFileSync(credentials, 'utf8'))
        .devices.map((d: { id: string }) => d.id)
        .sort(),
    ).toEqual(['cli-baro', 'cli-scale']);
    expect((await t.call('GET', '/api/v1/devices/cli-baro/readings?limit=1000')).body.items.length).toBeGreaterThan(100);
    expect((await t.call('GET', '/api/v1/devices/cli-scale/certificates')).body.items.length).toBeGreaterThan(0);
  });

  it('with --credentials alone (no token) runs the registered devices again', async () => {
    const before = (await t.call('GET', '/api/v1/devices/cli-baro/readings?limit=5000')).body.items.length;
    const r = await mag(['simulate', '--fleet', fleetFile, '--url', t.api, '--mqtt', t.mqttUrl, '--credentials', credentials, '--duration', '2'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n'))).report).toMatchObject({ connected: 2, errors: 0 });
    // The same simulated timeline replays the same seqs (stored once); the run ends at a later now, so a few more.
    expect((await t.call('GET', '/api/v1/devices/cli-baro/readings?limit=5000')).body.items.length).toBeGreaterThanOrEqual(before);
  });

  it('a wrong secret in the credentials file fails with a message naming the device and the way out', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        devices: [
          { id: 'cli-baro', secret: 'wrong-secret-wrong-secret' },
          { id: 'cli-scale', secret: 'wrong-secret-wrong-secret' },
        ],
      }),
    );
    const r = await mag(['simulate', '--fleet', fleetFile, '--url', t.api, '--mqtt', t.mqttUrl, '--credentials', bad, '--duration', '1'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cli-(baro|scale)/);
    expect(r.stderr).toMatch(/secret|credentials/i);
  });
});
