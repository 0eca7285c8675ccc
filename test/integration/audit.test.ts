// Issue 4, audit: every change (device, certificate, token, alert ack/resolve, webhook) is in
// GET /api/v1/audit, hash-chained; `mag audit verify` exits 0 on the untouched chain and non-zero,
// naming the entry, after one row of the SQLite `audit` table is edited directly.
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, assert, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const MAG = resolve(import.meta.dirname, '../../bin/mag.mjs');

function auditVerify(dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAG, 'audit', 'verify'],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MAG_DATA_DIR: dataDir, MAG_LOG_LEVEL: 'silent' }, cwd: dataDir, timeout: 60_000 },
      (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('audit log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mag-audit-'));
  let t: TestGateway;
  let inspector: string;
  let operator: string;

  beforeAll(async () => {
    t = await startTestGateway({}, dir);
  });
  afterAll(async () => {
    await t?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records who did what, when, for devices, certificates, tokens, alerts and webhooks, hash-chained', async () => {
    const secret = await t.device({ id: 'bar-au', type: 'barometer' }); // tenant.create, device.create, certificate.add
    inspector = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-HN'], name: 'inspector Hoa' })).body.token;
    operator = (await t.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'acme', name: 'acme ops' })).body.token;
    const c = await t.connect('bar-au', secret);
    await c.publishAsync(
      'instruments/bar-au/checks',
      JSON.stringify({
        seq: 1,
        ts: new Date(Date.now() - 1000).toISOString(),
        indicated: 1013.7,
        reference: 1013.2,
        referenceUncertainty: 0.04,
        unit: 'hPa',
        standardId: 'REF-1',
      }),
      { qos: 1 },
    );
    const alert = await vi.waitFor(async () => {
      const a = (await t.call('GET', '/api/v1/alerts?device=bar-au&kind=out-of-tolerance')).body.items[0];
      assert(a, 'waiting for the out-of-tolerance alert');
      return a;
    }, 30_000);
    expect((await t.call('POST', `/api/v1/alerts/${alert.id}/ack`, { note: 'seen' }, inspector)).status).toBe(200);
    expect((await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, { reason: 'adjusted', note: 'zero re-set' }, inspector)).status).toBe(200);
    const hook = await t.call(
      'POST',
      '/api/v1/webhooks',
      { url: 'http://127.0.0.1:9/hook', events: ['alert.opened'], secret: 'whsec-0123456789abcdef' },
      operator,
    );
    expect(hook.status).toBe(201);

    // Changes the gateway makes by itself: an offline status opens an alert, online clears it; an
    // unacknowledged critical alert escalates.
    await c.publishAsync('instruments/bar-au/status', '{"state":"offline"}', { qos: 1, retain: true });
    const offline = await vi.waitFor(async () => {
      const a = (await t.call('GET', '/api/v1/alerts?device=bar-au&kind=offline')).body.items[0];
      assert(a, 'waiting for the offline alert');
      return a;
    }, 30_000);
    await c.publishAsync('instruments/bar-au/status', '{"state":"online"}', { qos: 1, retain: true });
    await expect
      .poll(async () => (await t.call('GET', `/api/v1/alerts/${offline.id}`)).body.state, { message: 'waiting for offline cleared', timeout: 30_000 })
      .toBe('resolved');
    await c.publishAsync(
      'instruments/bar-au/checks',
      JSON.stringify({
        seq: 2,
        ts: new Date(Date.now() - 1000).toISOString(),
        indicated: 1013.7,
        reference: 1013.2,
        referenceUncertainty: 0.04,
        unit: 'hPa',
        standardId: 'REF-1',
        point: 'P2',
      }),
      { qos: 1 },
    );
    const critical = await vi.waitFor(async () => {
      const a = (await t.call('GET', '/api/v1/alerts?device=bar-au&kind=out-of-tolerance&state=open')).body.items[0];
      assert(a, 'waiting for the second out-of-tolerance alert');
      return a;
    }, 30_000);
    expect(t.gateway.alerts.escalate(new Date(Date.now() + 5 * 3600_000), 4 * 3600_000).map((a) => a.id)).toContain(critical.id);

    const r = await t.call('GET', '/api/v1/audit?limit=100');
    expect(r.status).toBe(200);
    const items = r.body.items as {
      id: number;
      at: string;
      actor: string;
      action: string;
      target: string | null;
      details: any;
      prevHash: string;
      hash: string;
    }[];
    const find = (action: string, target?: string) => items.find((e) => e.action === action && (target === undefined || e.target === target));
    expect(find('device.create', 'bar-au')).toMatchObject({ actor: expect.stringMatching(/^admin:/), details: { tenant: 'acme', type: 'barometer' } });
    expect(find('certificate.add', 'bar-au')).toMatchObject({ details: { kind: 'verification', number: 'V-bar-au' } });
    expect(items.find((e) => e.action === 'token.create' && e.details.name === 'inspector Hoa')).toMatchObject({
      actor: expect.stringMatching(/^admin:/),
      details: { role: 'inspector', regions: ['VN-HN'] },
    });
    expect(items.find((e) => e.action === 'token.create' && e.details.name === 'acme ops')).toMatchObject({ details: { role: 'operator', tenant: 'acme' } });
    expect(find('alert.ack', alert.id)).toMatchObject({ actor: expect.stringContaining('inspector Hoa'), details: { note: 'seen', device: 'bar-au' } });
    expect(find('alert.resolve', alert.id)).toMatchObject({
      actor: expect.stringContaining('inspector Hoa'),
      details: { reason: 'adjusted', note: 'zero re-set' },
    });
    expect(find('webhook.create', hook.body.id)).toMatchObject({ actor: expect.stringContaining('acme ops'), details: { tenant: 'acme' } });
    expect(find('alert.open', alert.id)).toMatchObject({ actor: 'system', details: { device: 'bar-au', kind: 'out-of-tolerance', severity: 'critical' } });
    expect(find('alert.open', offline.id)).toMatchObject({ actor: 'system', details: { device: 'bar-au', kind: 'offline' } });
    expect(find('alert.clear', offline.id)).toMatchObject({
      actor: 'system',
      details: { device: 'bar-au', kind: 'offline', resolution: { reason: 'cleared' } },
    });
    expect(find('alert.escalate', critical.id)).toMatchObject({ actor: 'system', details: { device: 'bar-au', escalation: 1, key: 'P2' } });
    // Exactly one entry per change (not one per API instance), and none for the people's resolve.
    expect(items.filter((e) => e.action === 'alert.open' && e.target === alert.id)).toHaveLength(1);
    expect(items.filter((e) => e.target === alert.id && e.action === 'alert.clear')).toEqual([]);
    for (const e of items) expect(Date.parse(e.at), `${e.action} at`).not.toBeNaN();
    // Newest first; each entry carries the previous one's hash.
    for (let i = 0; i + 1 < items.length; i++) {
      expect(items[i].id).toBeGreaterThan(items[i + 1].id);
      expect(items[i].prevHash).toBe(items[i + 1].hash);
    }
    expect(items[items.length - 1].prevHash).toBe('0'.repeat(64));

    // Inspectors read it (their regions' tenants); operators may not.
    const asInspector = await t.call('GET', '/api/v1/audit', undefined, inspector);
    expect(asInspector.status).toBe(200);
    expect(asInspector.body.items.some((e: { action: string }) => e.action === 'alert.resolve')).toBe(true);
    const elsewhere = (await t.call('POST', '/api/v1/tokens', { role: 'inspector', regions: ['VN-SG'], name: 'inspector south' })).body.token;
    const asElsewhere = await t.call('GET', '/api/v1/audit', undefined, elsewhere);
    expect(asElsewhere.status).toBe(200);
    expect(asElsewhere.body.items.filter((e: { action: string }) => e.action.startsWith('alert.') || e.action.startsWith('device.'))).toEqual([]);
    expect((await t.call('GET', '/api/v1/audit', undefined, operator)).status).toBe(403);
    expect((await t.call('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('`mag audit verify` exits 0 on the untouched chain and non-zero naming the edited entry', async () => {
    await t.stop();
    const ok = await auditVerify(dir);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/intact/);

    const db = new Database(join(dir, 'mag.db'));
    const row = db.prepare("SELECT id, details FROM audit WHERE action = 'alert.resolve'").get() as { id: number; details: string };
    const edited = JSON.stringify({ ...JSON.parse(row.details), reason: 'false-alarm' });
    expect(db.prepare('UPDATE audit SET details = ? WHERE id = ?').run(edited, row.id).changes).toBe(1);
    db.close();

    const bad = await auditVerify(dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(new RegExp(`\\b${row.id}\\b`));
    expect(bad.stdout + bad.stderr).toMatch(/edited|BROKEN/i);
  });
});
