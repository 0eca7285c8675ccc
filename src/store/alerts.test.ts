// The alerts' store on SQLite: the contract it keeps on either state database (the PostgreSQL
// run is test/integration/alerts-postgres.test.ts), and what the alert book makes of an alert
// another process opened first.
import { afterEach, describe, expect, it } from 'vitest';
import { AlertBook } from '../alerts/alert-book.ts';
import { sqliteStateTarget } from '../../test/support/state-targets.ts';
import { alertStoreContract } from '../../test/support/alert-store-contract.ts';

const sqliteTarget = () => sqliteStateTarget('alerts');

alertStoreContract('SQLite', async () => sqliteTarget());

describe('the alert book, when another process opened the alert first', () => {
  const target = sqliteTarget();
  afterEach(() => target.close());

  it('counts its raise as a repeat of that alert instead of opening a second one (a message judged twice)', async () => {
    const here = new AlertBook(await target.open());
    const there = new AlertBook(await target.open()); // loaded before `here` opened the alert
    const raise = (book: AlertBook, at: string) =>
      book.raise({ tenant: 'acme', device: 'gd-1', kind: 'drift', key: 'CH4', severity: 'warning', summary: 'CH4 drifting', details: {}, at: new Date(at) });
    expect(raise(here, '2026-03-01T08:00:00.000Z')?.change).toBe('opened');
    const again = raise(there, '2026-03-01T08:00:01.000Z');
    expect(again).toMatchObject({ change: 'repeated', alert: { count: 2, state: 'open' } });
    expect(here.list({ device: 'gd-1' })).toHaveLength(1);
    expect(there.openAlert('gd-1', 'drift', 'CH4')?.id).toBe(again?.alert.id);
  });
});
