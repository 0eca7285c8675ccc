import { describe, expect, it } from 'vitest';
import { auditTransaction, transactionAuditOptions, type Transaction } from './transaction.ts';
import { T0, profile } from './test-fixtures.ts';

const opts = transactionAuditOptions(profile('fuel-dispenser')); // priceRounding 1, volumeTolerance 0.01 L

function tx(extra: Partial<Transaction> = {}): Transaction {
  // 25.30 L × 20 000 đ/L = 506 000 đ; totalizer 1000.00 → 1025.30
  return {
    seq: 5,
    ts: T0,
    nozzle: '2',
    product: 'RON95',
    volume: 25.3,
    unitPrice: 20000,
    amount: 506000,
    totalizerStart: 1000,
    totalizerEnd: 1025.3,
    ...extra,
  };
}

describe('auditTransaction', () => {
  it('a consistent transaction has no findings', () => {
    expect(auditTransaction(tx(), 1000, opts)).toEqual([]);
    expect(auditTransaction(tx(), undefined, opts)).toEqual([]);
  });

  it('price: amount 507 000 ≠ 25.3 × 20 000 = 506 000 (difference 1000 > 1)', () => {
    const f = auditTransaction(tx({ amount: 507000 }), 1000, opts);
    expect(f).toHaveLength(1);
    expect(f[0]!.kind).toBe('price');
    expect(f[0]!.details).toMatchObject({ expectedAmount: 506000, difference: 1000 });
  });

  it('amount within rounding (506 000.8) is fine', () => {
    expect(auditTransaction(tx({ amount: 506000.8 }), 1000, opts)).toEqual([]);
  });

  it('pay-by-amount: 50 000 đ at 23 800 đ/L shows 2.10 L (= 49 980 đ); allowed 1 + 23 800 × 0.01/2 = 120 đ', () => {
    const preset = tx({ volume: 2.1, unitPrice: 23800, amount: 50000, totalizerStart: 1000, totalizerEnd: 1002.1 });
    expect(auditTransaction(preset, 1000, opts)).toEqual([]);
    // 200 đ off is beyond 120 đ
    const f = auditTransaction({ ...preset, amount: 50180 }, 1000, opts);
    expect(f.map((x) => x.kind)).toEqual(['price']);
    // with the bare options of the brief (no volumeRounding), only priceRounding applies
    expect(auditTransaction(preset, 1000, { priceRounding: 1, volumeTolerance: 0.01 }).map((x) => x.kind)).toEqual(['price']);
  });

  it('tamper: totalizer advanced 25.50 L for a 25.30 L transaction', () => {
    const f = auditTransaction(tx({ totalizerEnd: 1025.5, amount: 506000 }), 1000, opts);
    expect(f.map((x) => [x.kind, x.details.check])).toEqual([['tamper', 'totalizer-volume']]);
    expect(f[0]!.message).toMatch(/advanced 25.5 but the transaction volume is 25.3/);
  });

  it('tamper: totalizer starts 3 L after the previous end of the same nozzle (dispensed outside a transaction)', () => {
    const f = auditTransaction(tx(), 997, opts);
    expect(f.map((x) => x.details.check)).toEqual(['totalizer-continuity']);
    expect(f[0]!.message).toMatch(/3 dispensed outside any transaction/);
    const back = auditTransaction(tx(), 1002, opts);
    expect(back[0]!.message).toMatch(/went back by 2/);
  });

  it('the other types have no transaction audit', () => {
    expect(() => transactionAuditOptions(profile('scale'))).toThrow(/scale has no transactions/);
  });
});
