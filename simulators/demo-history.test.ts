// The demo's year of history: written once, the same for the same `now`, judged by the gateway's
// own rules, and enough for the overview to have months to show.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStateDb, type Db } from '../src/store/db.ts';
import { Registry } from '../src/store/registry.ts';
import { AlertBook } from '../src/alerts/alert-book.ts';
import { CheckStore } from '../src/store/checks.ts';
import { verificationState } from '../src/metrology/verification.ts';
import { loadProfiles } from '../src/metrology/profile-loader.ts';
import { PACKAGE_ROOT } from '../src/config.ts';
import { loadFleet } from './fleet-file.ts';
import { HISTORY_SEQ_BASE, seedDemoHistory } from './demo-history.ts';

const NOW = Date.parse('2026-03-15T05:00:00Z');
const DAY = 86_400_000;
const fleet = await loadFleet(join(PACKAGE_ROOT, 'simulators/fleets/demo.json'));
const profiles = loadProfiles(join(PACKAGE_ROOT, 'devices'));
const dirs: string[] = [];
function freshDb(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'mag-history-'));
  dirs.push(dir);
  return openStateDb(dir);
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const rows = (db: Db, sql: string) => db.connection.prepare(sql).all() as Record<string, unknown>[];

describe('the demo history', () => {
  const db = freshDb();
  const h = seedDemoHistory(db, { fleet, profiles, now: NOW });

  it('covers the year before the live simulation\'s 120 days, every month with checks', () => {
    expect(h).toMatchObject({ seeded: true, from: '2025-03-15T05:00:00.000Z', to: new Date(NOW - 120 * DAY).toISOString() });
    const months = rows(db, "select strftime('%Y-%m', ts / 1000, 'unixepoch') m, count(*) n from checks group by m order by m").map((r) => r.m);
    expect(months).toEqual(['2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11']);
    expect(h.checks).toBeGreaterThan(1000);
    // numbered above the live devices' own seq, so none of their checks is taken for a replay
    expect(rows(db, 'select min(seq) s from checks')[0].s).toBe(HISTORY_SEQ_BASE + 1);
  });

  it('registers the fleet a year back, with an unbroken chain of verification certificates', () => {
    const registry = new Registry(db);
    expect(registry.listTenants().map((t) => t.id)).toEqual(fleet.tenants.map((t) => t.id).sort());
    for (const d of registry.listDevices()) {
      expect(Date.parse(d.createdAt)).toBeLessThan(NOW - 365 * DAY);
      const certs = registry.certificatesOf(d.id);
      for (let t = NOW - 360 * DAY; t < NOW - 120 * DAY; t += 10 * DAY) expect(verificationState(certs, t, 30).state, `${d.id} on ${new Date(t).toISOString()}`).toMatch(/^(valid|due-soon)$/);
    }
  });

  it('raises alerts as the gateway would and has the enterprises resolve most of them', () => {
    const alerts = new AlertBook(db).list({ limit: 5000 });
    const checks = new CheckStore(db);
    const kinds = new Set(alerts.map((a) => a.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['out-of-tolerance', 'drift', 'verification-due-soon']));
    // an out-of-tolerance alert opens at a failing check of its device and series
    for (const a of alerts.filter((x) => x.kind === 'out-of-tolerance')) {
      const at = Date.parse(a.openedAt);
      const c = checks.of(a.device, at, at, 10).find((x) => (x.gas ?? x.point ?? '') === a.key);
      expect(c?.decision, `${a.device} ${a.key} ${a.openedAt}`).toMatch(/fail$/);
    }
    const resolved = alerts.filter((a) => a.resolvedAt);
    expect(resolved.length / alerts.length).toBeGreaterThan(0.8);
    for (const a of resolved) expect(Date.parse(a.resolvedAt!)).toBeGreaterThanOrEqual(Date.parse(a.openedAt));
    expect(alerts.every((a) => Date.parse(a.openedAt) < NOW - 120 * DAY)).toBe(true);
    // the drift statistics start again with the live simulation
    expect(rows(db, 'select count(*) n from drift')[0].n).toBe(0);
  });

  it('is written once, and the same again for the same now', () => {
    expect(seedDemoHistory(db, { fleet, profiles, now: NOW }).seeded).toBe(false);
    const other = freshDb();
    seedDemoHistory(other, { fleet, profiles, now: NOW });
    const facts = (x: Db) => ({
      checks: rows(x, 'select device, seq, ts, result from checks order by device, seq'),
      alerts: rows(x, 'select device, kind, key, severity, opened_at, resolved_at, count from alerts order by device, kind, key, opened_at'),
      certificates: rows(x, 'select device, number, issued_at, valid_until from certificates order by device, number'),
    });
    expect(facts(other)).toEqual(facts(db));
  });
});
