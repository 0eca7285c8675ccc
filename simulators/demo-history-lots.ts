// The packer's lots in the demo history: over the last months before now, a filling line with a
// checkweigher runs a few lots of prepackages a month (declared as the fleet runner declares the
// live ones), its packages go through Ingest to the lot book in batches of 10, and the lot book
// judges the lot again at each as the gateway does; the lots its filler ran short fail (a
// lot-fail alert), and the enterprise resolves that alert once the lot is held back and the
// filler set right.
import type { z } from 'zod';
import type { LotBook, NewLot } from '../src/lots/lot-book.ts';
import type { Db } from '../src/store/db.ts';
import type { AlertBook } from '../src/alerts/alert-book.ts';
import type { Assurance } from '../src/alerts/assurance.ts';
import type { Ingest } from '../src/ingest/ingest.ts';
import type { Device } from '../src/store/registry.ts';
import { addCalendarMonths } from '../src/metrology/verification.ts';
import type { DevicePlan } from './fleet-file.ts';
import { FillingLineParamsSchema, createFillingLine, lotId } from './models/filling-line.ts';
import { DAY_MS } from './models/types.ts';
import { createRng, deriveSeed } from './prng.ts';
import { hanoiTime, type Agenda } from './demo-agenda.ts';

type FillingLineParams = z.output<typeof FillingLineParamsSchema>;

/** Lots a month, on these days after the month's start (counted back from now), at 07:30 in Hà Nội. */
const LOT_DAYS = [2, 11, 20];
const MONTHS = 6;
/** (months back, lot of the month) of the lots whose filler was set below Qn after a product change: they fail on their mean. */
const SHORT_FILLED = new Set(['5:1', '2:2']);
/** The enterprise holds a failed lot back, sorts it and has the filler set right within this many days. */
const RESOLVE_DAYS = 2;
/** Packages a message (the checkweigher sends them in batches): the lot is judged again at each message, not at each package. */
const BATCH = 10;

export interface LotParts {
  /** On SQLite: the history is recorded synchronously. */
  lots: LotBook<Db>;
  alerts: AlertBook;
  assurance: Assurance;
  ingest: Ingest;
  devices: ReadonlyMap<string, Device>;
}

export interface LotTally {
  lots: number;
  failed: number;
}

/** The lot as the fleet runner declares the line's live ones (fleet-file.ts lotsFor). */
function declaration(p: DevicePlan, params: FillingLineParams, id: string): NewLot {
  return {
    id,
    tenant: p.tenant,
    product: params.product,
    nominal: params.nominal,
    unit: params.unit,
    lotSize: params.lotSize,
    scale: p.id,
    ...(params.weighing === 'gross' ? { averageTare: params.tareMean } : {}),
  };
}

/**
 * Puts on the agenda each checkweigher's lots of the last MONTHS months: 3 a month, two of them
 * short-filled. A lot is one run of the line's model (its fill drifting down from a re-centred
 * filler), `lots: 1`, away from the live simulation's own lots at its start (`liveStart`); its
 * packages numbered from `seqBase` up, above the live checkweigher's own.
 */
export function planLots(
  plans: readonly DevicePlan[],
  seed: number,
  now: number,
  liveStart: number,
  seqBase: number,
  x: LotParts,
  agenda: Agenda,
  tally: LotTally,
): void {
  for (const p of plans) {
    if (p.type !== 'checkweigher') continue;
    const params = FillingLineParamsSchema.parse(p.params);
    let seq = seqBase;
    for (let m = MONTHS; m >= 1; m--) {
      LOT_DAYS.forEach((day, k) => {
        let start = hanoiTime(addCalendarMonths(now, -m) + day * DAY_MS, 7.5);
        if (Math.abs(start - liveStart) < DAY_MS) start += DAY_MS; // the line runs the live lots that day
        const d = new Date(start + 7 * 3_600_000); // the day in Hà Nội
        const prefix = `${params.lotPrefix}-${String(d.getUTCFullYear() % 100).padStart(2, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
        const id = lotId(prefix, 1);
        const short = SHORT_FILLED.has(`${m}:${k}`);
        agenda.at(start - 10 * 60_000, () => {
          x.lots.declare(declaration(p, params, id), `operator:${p.tenant}`, new Date(start - 10 * 60_000));
          const line = createFillingLine(
            { deviceId: p.id, startMs: start, rng: createRng(deriveSeed(seed, `${id}#lot`)), readingIntervalMs: DAY_MS, checkIntervalMs: DAY_MS },
            { ...params, lots: 1, lotPrefix: prefix, meanDriftPerHour: -1, ...(short ? { overfill: -3 } : {}) },
          );
          const device = x.devices.get(p.id)!;
          const packages = line.next(start + 2 * 3_600_000);
          for (let i = 0; i < packages.length; i += BATCH) {
            const batch = packages.slice(i, i + BATCH);
            const at = batch[batch.length - 1].at;
            const body = JSON.stringify({ packages: batch.map((pkg) => ({ ...pkg.payload, seq: ++seq })) });
            const outcome = x.ingest.handle(device, 'packages', body, at);
            if (outcome.rejections.length) throw new Error(`demo history: lot ${id}: package refused: ${JSON.stringify(outcome.rejections)}`);
            x.assurance.apply(device, `instruments/${p.id}/packages`, outcome, Buffer.from(body), new Date(at));
          }
          const verdict = x.lots.get(id)?.verdict;
          tally.lots++;
          if (verdict !== 'fail') return;
          tally.failed++;
          const resolveAt = start + RESOLVE_DAYS * DAY_MS;
          agenda.at(resolveAt, () => {
            const open = x.alerts.openAlert(p.id, 'lot-fail', id);
            if (open)
              x.alerts.resolve(
                open.id,
                `operator:${p.tenant}`,
                { reason: 'adjusted', note: 'demo history: lot held back and sorted, filler set right' },
                new Date(resolveAt),
              );
          });
        });
      });
    }
  }
}
