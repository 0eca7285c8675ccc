// `mag <command> --help` prints that command's usage and exits 0, rather than "Unknown option
// '--help'" (exit 2) or, for `start`, starting a gateway.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAG = resolve(import.meta.dirname, '../../bin/mag.mjs');
// a data directory of its own: a refused command opens the state before it reads its options
const dir = mkdtempSync(join(tmpdir(), 'mag-cli-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mag(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAG, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MAG_DATA_DIR: dir, MAG_LOG_LEVEL: 'silent' }, cwd: dir, timeout: 30_000 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('mag <command> --help', () => {
  it('prints the usage of that command only', async () => {
    const device = await mag(['device', 'add', '--help']);
    expect(device).toMatchObject({ code: 0, stderr: '' });
    expect(device.stdout).toContain('device add --id <id> --tenant <tenant> --type <type> --serial <serial>');
    expect(device.stdout).toContain('[--mmq <MMQ>]');
    expect(device.stdout).not.toContain('token create');
    const token = await mag(['token', '-h']);
    expect(token.code).toBe(0);
    expect(token.stdout).toContain('token create --role <admin|operator|inspector>');
    // a gateway is not started to answer it
    const start = await mag(['start', '--help']);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('run the gateway');
    // an unknown option is still refused
    expect((await mag(['device', 'add', '--colour', 'red'])).code).toBe(2);
  });
});
