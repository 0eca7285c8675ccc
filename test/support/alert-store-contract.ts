// What the alerts' store promises on either state database (src/store/alerts.ts), run on SQLite
// (src/store/alerts.test.ts) and on a real PostgreSQL 15 (test/integration/alerts-postgres.test.ts).
// Two stores opened on the same database stand for two processes (two nodes of a cluster, one
// of which is judging a message redelivered to it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/store/alerts.ts';
import type { StateExecutor } from '../../src/store/executor.ts';

export interface AlertStoreTarget {
  /** Another connection to the same state database. */
  open(): Promise<StateExecutor>;
  close(): Promise<void>;
}

const AT = '2026-03-01T08:00:00.000Z';
const LATER = '2026-03-01T09:00:00.000Z';

function drift(id: string, device = 'gd-1') {
  return {
    id,
    tenant: 'acme',
    device,
    kind: 'drift' as const,
    key: 'CH4',
    severity: 'warning' as const,
    summary: 'CH4 drifting',
    details: { slopePerDay: 0.02 },
  };
}

export function alertStoreContract(name: string, setup: () => Promise<AlertStoreTarget>): void {
  describe(`alert store on ${name}`, () => {
    let target: AlertStoreTarget;
    let a: AlertStore<StateExecutor>;
    let b: AlertStore<StateExecutor>;

    beforeAll(async () => {
      target = await setup();
      a = new AlertStore(await target.open());
      b = new AlertStore(await target.open());
    }, 120_000);

    afterAll(async () => {
      await target?.close();
    });

    it('opens one unresolved alert per device, kind and key: a second open, here or in another process, gives back the first and writes nothing', async () => {
      const first = await a.open(drift('a-1'), AT);
      expect(first).toEqual({
        opened: true,
        alert: {
          id: 'a-1',
          tenant: 'acme',
          device: 'gd-1',
          kind: 'drift',
          key: 'CH4',
          severity: 'warning',
          state: 'open',
          openedAt: AT,
          updatedAt: AT,
          count: 1,
          summary: 'CH4 drifting',
          details: { slopePerDay: 0.02 },
          escalation: 0,
          version: 1,
        },
      });
      expect(await a.open(drift('a-2'), LATER)).toMatchObject({ opened: false, alert: { id: 'a-1', count: 1, updatedAt: AT } });
      expect(await b.open(drift('a-3'), LATER)).toMatchObject({ opened: false, alert: { id: 'a-1', count: 1 } });
      expect(await a.get('a-2')).toBeUndefined();
      expect((await a.unresolvedKeys()).filter((k) => k.device === 'gd-1')).toEqual([
        { id: 'a-1', device: 'gd-1', kind: 'drift', key: 'CH4', severity: 'warning' },
      ]);
    });

    it('two processes opening the same alert at the same moment make one row, and both get it', async () => {
      const [x, y] = await Promise.all([a.open(drift('race-a', 'gd-2'), AT), b.open(drift('race-b', 'gd-2'), AT)]);
      expect([x.opened, y.opened].sort()).toEqual([false, true]);
      expect(x.alert.id).toBe(y.alert.id);
      expect((await a.list({ device: 'gd-2' })).map((r) => r.id)).toEqual([x.alert.id]);
    });

    it('counts repeats, acknowledges and resolves; once resolved, the next open is a new alert', async () => {
      const repeated = await b.repeat('a-1', { severity: 'critical', summary: 'CH4 drifting fast', details: { slopePerDay: 0.05 }, add: 3 }, LATER);
      expect(repeated).toMatchObject({
        id: 'a-1',
        count: 4,
        version: 2,
        severity: 'critical',
        summary: 'CH4 drifting fast',
        details: { slopePerDay: 0.05 },
        updatedAt: LATER,
      });
      expect(await a.repeat('nothing', { severity: 'warning', summary: 's', details: {}, add: 1 }, LATER)).toBeUndefined();
      expect(await a.acknowledge('a-1', 'operator:lan', 'checking the sensor', LATER)).toMatchObject({
        state: 'acknowledged',
        ackBy: 'operator:lan',
        ackNote: 'checking the sensor',
        version: 3,
      });
      // acknowledged is still unresolved: no second alert
      expect(await b.open(drift('a-4'), LATER)).toMatchObject({ opened: false, alert: { id: 'a-1', state: 'acknowledged' } });
      expect(await a.resolve('a-1', 'admin:ops', { reason: 'adjusted' }, LATER)).toMatchObject({
        state: 'resolved',
        resolvedBy: 'admin:ops',
        resolution: { reason: 'adjusted' },
        resolvedAt: LATER,
      });
      expect(await b.open(drift('a-5'), LATER)).toMatchObject({ opened: true, alert: { id: 'a-5', count: 1, state: 'open' } });
    });

    it('lists, counts (numbers) and tells when alerts opened and resolved', async () => {
      const unresolved = (await a.list({ tenant: 'acme', unresolved: true })).map((r) => r.id);
      expect(unresolved).toHaveLength(2); // gd-2's and the new one of gd-1
      expect(unresolved).toContain('a-5');
      expect(await a.list({ tenants: new Set() })).toEqual([]);
      const counts = await b.unresolvedCounts();
      expect(counts.filter((c) => c.device === 'gd-1')).toEqual([{ tenant: 'acme', device: 'gd-1', kind: 'drift', severity: 'warning', count: 1 }]);
      const history = await a.history(['acme'], AT, '2026-03-02T00:00:00.000Z');
      expect(history.filter((h) => h.device === 'gd-1')).toEqual([
        { tenant: 'acme', device: 'gd-1', kind: 'drift', openedAt: AT, resolvedAt: LATER },
        { tenant: 'acme', device: 'gd-1', kind: 'drift', openedAt: LATER, resolvedAt: null },
      ]);
      expect(await a.history([], AT, LATER)).toEqual([]);
    });

    it('acknowledges only an open alert and resolves only an unresolved one: the first stands, a later one writes nothing', async () => {
      const { alert } = await a.open(drift('once-1', 'gd-3'), AT);
      expect(await a.acknowledge(alert.id, 'operator:lan', 'first', AT)).toMatchObject({ state: 'acknowledged', ackBy: 'operator:lan', version: 2 });
      expect(await b.acknowledge(alert.id, 'inspector:an', 'second', LATER)).toBeUndefined();
      expect(await b.resolve(alert.id, 'admin:ops', { reason: 'adjusted' }, LATER)).toMatchObject({ state: 'resolved', resolvedBy: 'admin:ops', version: 3 });
      expect(await a.resolve(alert.id, 'system', { reason: 'cleared', note: 'signal back' }, '2026-03-01T10:00:00.000Z')).toBeUndefined();
      expect(await a.acknowledge(alert.id, 'inspector:an', 'late', LATER)).toBeUndefined();
      expect(await b.get(alert.id)).toMatchObject({
        state: 'resolved',
        ackBy: 'operator:lan',
        ackAt: AT,
        ackNote: 'first',
        resolvedBy: 'admin:ops',
        resolvedAt: LATER,
        resolution: { reason: 'adjusted' },
        updatedAt: LATER,
        version: 3,
      });
      expect(await a.acknowledge('nothing', 'operator:lan', undefined, LATER)).toBeUndefined();
    });

    it('two processes acknowledging, then resolving, one alert at the same moment: one of each writes, the other writes nothing', async () => {
      const { alert } = await a.open(drift('race-ack', 'gd-4'), AT);
      const acks = await Promise.all([a.acknowledge(alert.id, 'operator:a', 'from a', LATER), b.acknowledge(alert.id, 'operator:b', 'from b', LATER)]);
      const acked = acks.filter((x) => x !== undefined);
      expect(acked).toHaveLength(1);
      const resolutions = await Promise.all([
        a.resolve(alert.id, 'operator:a', { reason: 'adjusted' }, LATER),
        b.resolve(alert.id, 'operator:b', { reason: 'repaired' }, LATER),
      ]);
      const resolved = resolutions.filter((x) => x !== undefined);
      expect(resolved).toHaveLength(1);
      expect(await a.get(alert.id)).toEqual({ ...resolved[0], ackBy: acked[0]!.ackBy, ackNote: acked[0]!.ackNote, version: 3 });
    });

    it('escalates only an open alert at the level it was found at: two runs at once raise it once, and an acknowledged one not at all', async () => {
      const { alert } = await a.open(drift('esc-1', 'gd-5'), AT);
      const runs = await Promise.all([a.escalate(alert.id, LATER, 0), b.escalate(alert.id, LATER, 0)]);
      expect(runs.filter((x) => x !== undefined).map((x) => x!.escalation)).toEqual([1]);
      expect(await b.escalate(alert.id, LATER, 0)).toBeUndefined(); // found at level 0 by a run that read it before
      expect(await b.escalate(alert.id, LATER, 1)).toMatchObject({ escalation: 2 });
      await a.acknowledge(alert.id, 'operator:lan', undefined, LATER);
      expect(await b.escalate(alert.id, LATER, 2)).toBeUndefined();
      expect(await a.get(alert.id)).toMatchObject({ state: 'acknowledged', escalation: 2 });
    });
  });
}
