// What the webhook store and the dead letters promise on either state database
// (src/store/webhooks.ts, src/store/dead-letters.ts; a discard of dead letters audited in its
// own transaction), run on SQLite (src/store/webhooks.test.ts) and on a real PostgreSQL 15
// (test/integration/alert-delivery-postgres.test.ts). Two stores opened on the same database
// stand for two processes (two nodes of a cluster).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookStore } from '../../src/store/webhooks.ts';
import { DeadLetters } from '../../src/store/dead-letters.ts';
import { AuditLog } from '../../src/store/audit.ts';
import { AlertBook } from '../../src/alerts/alert-book.ts';
import { DeadLetterReplay } from '../../src/journal/dead-letter-replay.ts';
import { EmbeddedSink } from '../../src/sinks/embedded.ts';
import type { StateExecutor } from '../../src/store/executor.ts';

export interface DeliveryStoreTarget {
  /** Another connection to the same state database. */
  open(): Promise<StateExecutor>;
  close(): Promise<void>;
}

const AT = '2026-03-01T08:00:00.000Z';
const T0 = Date.parse(AT);

export function deliveryStoreContract(name: string, setup: () => Promise<DeliveryStoreTarget>): void {
  describe(`webhook store and dead letters on ${name}`, () => {
    let target: DeliveryStoreTarget;
    let dbA: StateExecutor;
    let dbB: StateExecutor;
    let a: WebhookStore;
    let b: WebhookStore;

    beforeAll(async () => {
      target = await setup();
      dbA = await target.open();
      dbB = await target.open();
      a = new WebhookStore(dbA);
      b = new WebhookStore(dbB);
    }, 120_000);

    afterAll(async () => {
      await target?.close();
    });

    /** The claimant each database's one process uses: SQLite's claims nothing (''). */
    const by = (db: StateExecutor, node: string) => (db.dialect === 'sqlite' ? '' : node);

    it('keeps webhooks with their secrets, as every process reads them', async () => {
      await a.add({ id: 'w-1', tenant: null, url: 'http://127.0.0.1:1/hook', events: ['alert.*'], secret: 'whsec-0123456789abcdef' }, 'admin:ops', AT);
      await a.add({ id: 'w-2', tenant: 'acme', url: 'http://127.0.0.1:1/acme', events: ['alert.opened'], secret: 'whsec-acme-0123456789' }, 'operator:lan', AT);
      expect((await b.all()).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: 'w-1', tenant: null, url: 'http://127.0.0.1:1/hook', events: ['alert.*'], secret: 'whsec-0123456789abcdef', createdAt: AT },
        { id: 'w-2', tenant: 'acme', url: 'http://127.0.0.1:1/acme', events: ['alert.opened'], secret: 'whsec-acme-0123456789', createdAt: AT },
      ]);
    });

    it('gives the due deliveries oldest first, not those whose time has not come, and records each outcome', async () => {
      for (const [event, nextAt] of [
        ['alert.opened', T0],
        ['alert.acknowledged', T0 + 1],
        ['alert.resolved', T0 + 60_000],
      ] as const) {
        await a.enqueue({ webhook: 'w-1', event, body: `{"event":"${event}"}`, nextAt, createdAt: AT });
      }
      const due = await b.claimDue(T0 + 1000, by(dbB, 'node-b'), 60_000);
      expect(due.map((d) => [d.webhook, d.body, d.attempts])).toEqual([
        ['w-1', '{"event":"alert.opened"}', 0],
        ['w-1', '{"event":"alert.acknowledged"}', 0],
      ]);
      expect(await b.delivered(due[0].id, 204, AT, by(dbB, 'node-b'))).toBe(true);
      expect(await b.failed(due[1].id, 1, 503, 'HTTP 503', by(dbB, 'node-b'), T0 + 2000)).toBe(true);
      const history = await a.deliveries('w-1', 10);
      expect(history.map((h) => [h.event, h.state, h.attempts, h.lastStatus, h.lastError, h.nextAt])).toEqual([
        ['alert.resolved', 'pending', 0, null, null, new Date(T0 + 60_000).toISOString()],
        ['alert.acknowledged', 'pending', 1, 503, 'HTTP 503', new Date(T0 + 2000).toISOString()],
        ['alert.opened', 'delivered', 1, 204, null, null], // no attempt is due any more
      ]);
      expect(history[2].deliveredAt).toBe(AT);
      // the rescheduled one is due again at its time, the delivered one never
      expect((await a.claimDue(T0 + 2000, by(dbA, 'node-a'), 60_000)).map((d) => [d.body, d.attempts])).toEqual([['{"event":"alert.acknowledged"}', 1]]);
    });

    it('dead-letters a delivery given up, and the pending ones of a deleted webhook', async () => {
      const [retried] = (await a.deliveries('w-1', 10)).filter((h) => h.event === 'alert.acknowledged');
      expect(await a.failed(retried.id, 8, null, 'connect ECONNREFUSED', by(dbA, 'node-a'))).toBe(true);
      await a.enqueue({ webhook: 'w-2', event: 'alert.opened', body: '{}', nextAt: T0, createdAt: AT });
      await b.delete('w-2');
      expect((await a.all()).map((w) => w.id)).toEqual(['w-1']);
      expect((await a.deliveries('w-2', 10)).map((h) => [h.state, h.lastError, h.nextAt])).toEqual([['dead', 'webhook deleted', null]]);
      // a dead delivery has no next attempt: nextAt null (a pending one keeps its time)
      expect((await a.deliveries('w-1', 10)).map((h) => [h.event, h.state, h.nextAt])).toEqual([
        ['alert.resolved', 'pending', new Date(T0 + 60_000).toISOString()],
        ['alert.acknowledged', 'dead', null],
        ['alert.opened', 'delivered', null],
      ]);
    });

    it('sends a dead delivery again, due then, from its first attempt, with its body and id; never a pending or delivered one', async () => {
      const history = await a.deliveries('w-1', 10);
      const state = (s: string) => history.find((h) => h.state === s)!;
      const [dead, pending, delivered] = [state('dead'), state('pending'), state('delivered')];
      expect(await b.redeliver('w-1', pending.id, T0 + 5000)).toBe(false);
      expect(await b.redeliver('w-1', delivered.id, T0 + 5000)).toBe(false);
      expect(await b.redeliver('w-2', dead.id, T0 + 5000)).toBe(false); // not a delivery of that webhook
      expect(await b.redeliver('w-1', dead.id + 1000, T0 + 5000)).toBe(false); // none of that id
      expect(await b.delivery('w-1', dead.id + 1000)).toBeUndefined();
      expect(await b.redeliver('w-1', dead.id, T0 + 5000)).toBe(true);
      expect(await a.redeliver('w-1', dead.id, T0 + 6000)).toBe(false); // the second of two requests at once: the first stands
      // pending from its first attempt, due then; why it died stays until its next attempt
      expect(await a.delivery('w-1', dead.id)).toEqual({ ...dead, state: 'pending', attempts: 0, nextAt: new Date(T0 + 5000).toISOString() });
      expect(await a.delivery('w-1', pending.id)).toEqual(pending);
      expect(await a.delivery('w-1', delivered.id)).toEqual(delivered);
      // due then, not before, to whichever process claims it, the body as first queued
      expect(await a.claimDue(T0 + 4999, by(dbA, 'node-a'), 60_000)).toEqual([]);
      const due = await a.claimDue(T0 + 5000, by(dbA, 'node-a'), 60_000);
      expect(due.map((d) => [d.id, d.body, d.attempts])).toEqual([[dead.id, '{"event":"alert.acknowledged"}', 0]]);
      expect(await a.delivered(dead.id, 200, AT, by(dbA, 'node-a'))).toBe(true);
      expect(await b.delivery('w-1', dead.id)).toMatchObject({ state: 'delivered', attempts: 1, nextAt: null, lastStatus: 200, lastError: null });
    });

    it('sends every dead delivery of a webhook again, those of no other webhook', async () => {
      await a.add({ id: 'w-3', tenant: 'acme', url: 'http://127.0.0.1:1/w3', events: ['alert.*'], secret: 'whsec-w3-0123456789ab' }, 'admin:ops', AT);
      await a.add({ id: 'w-4', tenant: 'acme', url: 'http://127.0.0.1:1/w4', events: ['alert.*'], secret: 'whsec-w4-0123456789ab' }, 'admin:ops', AT);
      for (const [webhook, event] of [
        ['w-3', 'alert.opened'],
        ['w-3', 'alert.escalated'],
        ['w-4', 'alert.opened'],
      ] as const)
        await a.enqueue({ webhook, event, body: `{"event":"${event}","hook":"${webhook}"}`, nextAt: T0 - 1000, createdAt: AT });
      const claimed = await b.claimDue(T0 - 1000, by(dbB, 'node-b'), 60_000);
      expect(claimed).toHaveLength(3);
      for (const d of claimed) expect(await b.failed(d.id, 36, 503, 'HTTP 503', by(dbB, 'node-b'))).toBe(true);
      expect(await a.redeliverDead('w-4-none', T0)).toEqual([]);
      const ids = await a.redeliverDead('w-3', T0);
      expect(ids).toEqual(claimed.filter((d) => d.webhook === 'w-3').map((d) => d.id));
      expect(await b.redeliverDead('w-3', T0)).toEqual([]); // none dead any more
      expect((await b.deliveries('w-3', 10)).map((h) => [h.event, h.state, h.attempts, h.nextAt])).toEqual([
        ['alert.escalated', 'pending', 0, new Date(T0).toISOString()],
        ['alert.opened', 'pending', 0, new Date(T0).toISOString()],
      ]);
      expect((await b.deliveries('w-4', 10)).map((h) => [h.state, h.nextAt])).toEqual([['dead', null]]);
      expect((await a.claimDue(T0, by(dbA, 'node-a'), 60_000)).map((d) => d.id)).toEqual(ids);
    });

    it('keeps the points the sink refused, newest first, readable by every process', async () => {
      const here = new DeadLetters(dbA);
      const there = new DeadLetters(dbB);
      await here.add({ at: new Date(AT), sink: 'influx-v2', reason: 'field type conflict', device: 'gd-1', tenant: 'acme', point: { fields: { CH4: 1.2 } } });
      await there.add({ at: new Date(T0 + 1000), sink: 'influx-v1', reason: 'unparsable line', point: { line: 'reading value=' } });
      expect((await here.list(10)).map(({ id: _id, ...d }) => d)).toEqual([
        { at: new Date(T0 + 1000).toISOString(), sink: 'influx-v1', reason: 'unparsable line', device: null, tenant: null, point: { line: 'reading value=' } },
        { at: AT, sink: 'influx-v2', reason: 'field type conflict', device: 'gd-1', tenant: 'acme', point: { fields: { CH4: 1.2 } } },
      ]);
      expect(await there.list(1)).toHaveLength(1);
    });

    it("lists a device's, and reads one by its id, until it is removed", async () => {
      const here = new DeadLetters(dbA);
      const there = new DeadLetters(dbB);
      for (const [device, at] of [
        ['gd-7', T0],
        ['gd-8', T0 + 1000],
        ['gd-7', T0 + 2000],
      ] as const) {
        await here.add({
          at: new Date(at),
          sink: 'influx-v1',
          reason: 'field type conflict',
          device,
          tenant: 'acme',
          point: { line: `reading,device=${device} v=1 ${at}` },
        });
      }
      const mine = await there.list(10, 'gd-7');
      expect(mine.map((d) => [d.device, d.at])).toEqual([
        ['gd-7', new Date(T0 + 2000).toISOString()],
        ['gd-7', new Date(T0).toISOString()],
      ]);
      expect(await there.list(1, 'gd-7')).toHaveLength(1);
      expect(await there.get(mine[1].id)).toEqual(mine[1]);
      expect(await here.remove(mine[1].id)).toBe(true);
      expect(await there.get(mine[1].id)).toBeUndefined();
      expect(await there.remove(mine[1].id)).toBe(false);
      expect((await there.list(10, 'gd-8')).map((d) => d.device)).toEqual(['gd-8']);
    });

    it('keeps a refused line once, whichever process refuses it again (its batch sent again)', async () => {
      const here = new DeadLetters(dbA);
      const there = new DeadLetters(dbB);
      const line = 'reading,device=gd-1 CH4="high" 1790000000000';
      const refused = (sink: string, at: number) => ({ at: new Date(at), sink, reason: 'refused again', device: 'gd-1', point: { line }, line });
      const before = await there.count();
      expect(await there.has('influx-v1', line)).toBe(false);
      // add() tells whether the line was kept now (what the points-refused alert counts)
      expect(await here.add(refused('influx-v1', T0))).toBe(true);
      expect(await here.add(refused('influx-v1', T0 + 1000))).toBe(false); // the same batch sent again after a failed write
      expect(await there.add(refused('influx-v1', T0 + 2000))).toBe(false); // redelivered to another node
      expect(await there.add(refused('influx-v2', T0 + 3000))).toBe(true); // another sink's refusal is its own
      expect(await here.add({ at: new Date(T0 + 4000), sink: 'influx-v1', reason: 'unparsable', point: { line: 'x' } })).toBe(true); // no line known: always kept
      expect(await here.add({ at: new Date(T0 + 5000), sink: 'influx-v1', reason: 'unparsable', point: { line: 'x' } })).toBe(true);
      const mine = (await there.list(20)).filter((d) => d.reason === 'refused again' || d.reason === 'unparsable');
      expect(mine.map((d) => [d.sink, d.at])).toEqual([
        ['influx-v1', new Date(T0 + 5000).toISOString()],
        ['influx-v1', new Date(T0 + 4000).toISOString()],
        ['influx-v2', new Date(T0 + 3000).toISOString()],
        ['influx-v1', AT],
      ]);
      // what the cap on dead letters (src/journal/dead-letter-cap.ts) asks: how many, and whether a line is kept already
      expect(await there.count()).toBe(before + 4);
      expect(await there.has('influx-v1', line)).toBe(true);
      expect(await here.has('influx-v2', line)).toBe(true);
      expect(await here.has('influx-v3', line)).toBe(false);
      expect(await here.has('influx-v1', 'x')).toBe(false); // kept without its line: not found by it
    });
    it("discards and audits in one transaction, another process's audit entries around it, the chain whole", async () => {
      const here = new DeadLetters(dbA);
      const auditA = new AuditLog(dbA);
      const auditB = new AuditLog(dbB);
      const line = (seq: number) => `reading,device=gd-9,tenant=acme status=${seq} ${T0 + seq}`;
      for (const seq of [1, 2])
        await here.add({ at: new Date(T0), sink: 'influx-v1', reason: 'field type conflict', device: 'gd-9', point: { line: line(seq) }, line: line(seq) });
      const ids = (await here.list(10, 'gd-9')).map((d) => d.id);
      await auditB.append('admin:ops:t1', 'tokens.create', 't2', {}, new Date(T0)); // another node's entry before
      const alerts = new AlertBook(dbA);
      const sink = new EmbeddedSink(':memory:'); // not written to by a discard
      const replay = new DeadLetterReplay({ db: dbA, deadLetters: here, audit: auditA, sink, alerts, now: () => new Date(T0) });
      const out = await replay.discard({ ids }, 'installer test readings', { actor: 'admin:ops:t1', target: '*' });
      alerts.stop();
      await sink.close();
      expect(out).toMatchObject({ discarded: 2, notFound: [], cleared: ['gd-9'] });
      await auditB.append('admin:ops:t1', 'tokens.revoke', 't2', {}, new Date(T0)); // and after
      const [after, discard, before] = await auditB.list({ limit: 3 });
      expect([after.action, discard.action, before.action]).toEqual(['tokens.revoke', 'dead-letters.discard', 'tokens.create']);
      expect(discard.details).toMatchObject({ reason: 'installer test readings', discarded: 2, cleared: ['gd-9'] });
      expect((discard.details.points as { id: number }[]).map((p) => p.id).sort()).toEqual([...ids].sort());
      expect(discard.prevHash).toBe(before.hash);
      expect(after.prevHash).toBe(discard.hash);
      expect(await here.list(10, 'gd-9')).toEqual([]);
      expect(await auditA.verifyChain()).toMatchObject({ ok: true });
    });
  });
}
