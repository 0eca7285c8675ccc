// Fuel dispenser transaction audit: price arithmetic and totalizer continuity (docs/metrology.md §6).
import type { InstrumentProfile, TransactionAudit } from './profile.ts';

export interface Transaction {
  seq: number;
  ts: number;
  nozzle: string;
  product: string;
  /** Canonical unit (L). */
  volume: number;
  unitPrice: number;
  amount: number;
  totalizerStart: number;
  totalizerEnd: number;
}

export interface TransactionFinding {
  kind: 'tamper' | 'price';
  message: string;
  details: Record<string, unknown>;
}

/** Relative slack for binary floating point on top of the profile's tolerances. */
function beyond(diff: number, tolerance: number, scale: number): boolean {
  return Math.abs(diff) > tolerance + 1e-9 * Math.max(1, Math.abs(scale));
}

/**
 * Audits one transaction. `previousTotalizerEnd` is the totalizerEnd of the previous transaction of the SAME
 * nozzle (undefined for the first one seen). Findings:
 * - price: |amount − volume × unitPrice| > priceRounding + |unitPrice| × volumeRounding / 2;
 * - tamper: |(totalizerEnd − totalizerStart) − volume| > volumeTolerance (totalizer jump ≠ volume);
 * - tamper: |totalizerStart − previousTotalizerEnd| > volumeTolerance (volume dispensed outside a transaction,
 *   or a totalizer reset/rollback).
 */
export function auditTransaction(tx: Transaction, previousTotalizerEnd: number | undefined, opts: TransactionAudit): TransactionFinding[] {
  const findings: TransactionFinding[] = [];
  const expectedAmount = tx.volume * tx.unitPrice;
  const allowedAmount = opts.priceRounding + (Math.abs(tx.unitPrice) * (opts.volumeRounding ?? 0)) / 2;
  if (beyond(tx.amount - expectedAmount, allowedAmount, expectedAmount)) {
    findings.push({
      kind: 'price',
      message: `nozzle ${tx.nozzle} transaction ${tx.seq}: amount ${tx.amount} ≠ volume ${tx.volume} × unit price ${tx.unitPrice} = ${round(expectedAmount)} (difference ${round(tx.amount - expectedAmount)}, allowed ±${round(allowedAmount)})`,
      details: {
        seq: tx.seq,
        nozzle: tx.nozzle,
        product: tx.product,
        amount: tx.amount,
        expectedAmount,
        difference: tx.amount - expectedAmount,
        allowed: allowedAmount,
      },
    });
  }
  const totalizerDelta = tx.totalizerEnd - tx.totalizerStart;
  if (beyond(totalizerDelta - tx.volume, opts.volumeTolerance, tx.totalizerEnd)) {
    findings.push({
      kind: 'tamper',
      message: `nozzle ${tx.nozzle} transaction ${tx.seq}: totalizer advanced ${round(totalizerDelta)} but the transaction volume is ${tx.volume} (difference ${round(totalizerDelta - tx.volume)}, allowed ±${opts.volumeTolerance})`,
      details: {
        seq: tx.seq,
        nozzle: tx.nozzle,
        product: tx.product,
        check: 'totalizer-volume',
        totalizerStart: tx.totalizerStart,
        totalizerEnd: tx.totalizerEnd,
        totalizerDelta,
        volume: tx.volume,
        volumeTolerance: opts.volumeTolerance,
      },
    });
  }
  if (previousTotalizerEnd !== undefined && beyond(tx.totalizerStart - previousTotalizerEnd, opts.volumeTolerance, tx.totalizerStart)) {
    const gap = tx.totalizerStart - previousTotalizerEnd;
    findings.push({
      kind: 'tamper',
      message: `nozzle ${tx.nozzle} transaction ${tx.seq}: totalizer starts at ${tx.totalizerStart} but the previous transaction ended at ${previousTotalizerEnd} (${gap > 0 ? `${round(gap)} dispensed outside any transaction` : `totalizer went back by ${round(-gap)}`})`,
      details: {
        seq: tx.seq,
        nozzle: tx.nozzle,
        product: tx.product,
        check: 'totalizer-continuity',
        totalizerStart: tx.totalizerStart,
        previousTotalizerEnd,
        gap,
        volumeTolerance: opts.volumeTolerance,
      },
    });
  }
  return findings;
}

/** The profile's audit tolerances; throws for a type whose readings are not transactions. */
export function transactionAuditOptions(profile: InstrumentProfile): TransactionAudit {
  if (!profile.transactions || profile.transactionAudit === undefined) {
    throw new Error(`Instrument type ${profile.id} has no transactions (profile.transactions is not true)`);
  }
  return profile.transactionAudit;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
