// The README's first command, as a user runs it: `npm run demo` (= `node bin/mag.mjs demo`) in a
// child process. It prints the console, docs and MQTT URLs with working tokens, serves the console,
// the simulated fleet's alerts appear in the API (a failed lot of prepackages among them), and SIGTERM
// (Ctrl-C) stops it cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { freePort } from '../support/ports.ts';

describe('npm run demo', () => {
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mag-demo-'));
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints the URLs and tokens, serves the console, shows the fleet's alerts, and stops on SIGTERM", { timeout: 120_000 }, async () => {
    const httpPort = await freePort();
    const mqttPort = await freePort();
    child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/mag.mjs'), 'demo'], {
      cwd: dir,
      env: { ...process.env, MAG_DATA_DIR: join(dir, 'data'), MAG_HTTP_PORT: String(httpPort), MAG_MQTT_PORT: String(mqttPort), MAG_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    await vi.waitFor(
      () => {
        if (child!.exitCode !== null) return; // it stopped: the next line shows what it printed
        expect(out, 'waiting for the demo to print its tokens').toMatch(/inspector token\s+\S+/);
      },
      { timeout: 60_000, interval: 100 },
    ); // it writes a year of history first (simulators/demo-history.ts)
    expect(out, 'the demo printed its tokens').toMatch(/inspector token\s+\S+/);
    const api = `http://127.0.0.1:${httpPort}`;
    expect(out).toContain(`console         ${api}/`);
    expect(out).toContain(`API docs        ${api}/docs`);
    expect(out).toContain(`MQTT            mqtt://127.0.0.1:${mqttPort}`);
    const admin = /admin token\s+(\S+)/.exec(out)![1];
    const inspector = /inspector token\s+(\S+)/.exec(out)![1];

    const page = await fetch(`${api}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html[\s\S]*MAG/i);

    // the simulated fleet registers itself and its instruments start raising alerts
    const kinds = new Set<string>();
    await expect
      .poll(
        async () => {
          const r = await fetch(`${api}/api/v1/alerts`, { headers: { authorization: `Bearer ${inspector}` } });
          expect(r.status).toBe(200);
          for (const a of ((await r.json()) as { items: { kind: string }[] }).items) kinds.add(a.kind);
          return [...kinds];
        },
        { message: "waiting for the fleet's verification-overdue, out-of-tolerance and lot-fail alerts", timeout: 60_000, interval: 1000 },
      )
      .toEqual(expect.arrayContaining(['verification-overdue', 'out-of-tolerance', 'lot-fail']));
    // a year of history: the inspector's overview has months of checks and alerts to show
    expect(out).toMatch(/demo history \d{4}-\d{2}-\d{2} → \d{4}-\d{2}-\d{2}: \d+ checks/);
    const overview = (await (await fetch(`${api}/api/v1/overview`, { headers: { authorization: `Bearer ${inspector}` } })).json()) as {
      sections: { id: string; tables: { rows: { values: { checks?: number } }[] }[] }[];
    };
    const months = overview.sections.find((s) => s.id === 'trends')!.tables[0].rows.filter((r) => (r.values.checks ?? 0) > 0);
    expect(months.length).toBeGreaterThanOrEqual(8);
    const devices = await fetch(`${api}/api/v1/devices`, { headers: { authorization: `Bearer ${admin}` } });
    expect(((await devices.json()) as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(10);
    // the inspector's token has every region of the demo fleet: it sees every enterprise the admin does
    // (Bắc Ninh's profile projector shop among them), the market traders' tenants of its campaign too
    const tenants = async (token: string) =>
      ((await (await fetch(`${api}/api/v1/tenants`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { id: string }[] }).items
        .map((t) => t.id)
        .sort();
    const seen = await tenants(inspector);
    expect(seen).toEqual(await tenants(admin));
    expect(seen).toEqual(expect.arrayContaining(['bn-cokhi', 'bacgiang-cho', 'mkt-vn-bg-cho-chu-phuong-chu']));
    expect(out).toMatch(/inspector token\s+\S+\s+\(regions VN-BG, VN-BN, VN-HN, VN-TN, VN-TTH\)/);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
