// What a realistic fleet sends, for the `mixed` scenario: barometers, gas detectors and fuel
// dispensers, some without a valid verification, with out-of-range readings, checks against a
// reference (a few failing) and the odd invalid message. Deterministic (from each device's own
// message count), so that every run of the same size sends the same mix; pure, no I/O.
//
// Per device, message k (0, 1, 2, …):
//   k % 100 = 99    a check (one per 100 messages); every 20th check of a device fails (5 %)
//   k % 1000 = 500  an invalid message (0.1 %), in turn: not JSON, a unit the type does not
//                   know, a time an hour ahead, no value
//   otherwise       a reading: barometer `{seq, ts, quantity, value, unit}`; gas detector (CO),
//                   of which every 20th is above the channel's range (1,500 ppm > 1,000 ppm: with
//                   a fifth of the fleet gas detectors, 1 % of all readings out of range); fuel
//                   dispenser: a transaction on nozzle 1 or 2 with price, amount and the nozzle's
//                   totalizers (each transaction starts where the nozzle's last one ended)
//
// The fleet (mixedFleet): of every 5 devices 3 barometers, 1 gas detector, 1 fuel dispenser;
// every 10th device has only an expired verification certificate (its readings are stored as
// `unverified`), spread over the three types.
//
// All valid (`allValid`, the `mixed-status` scenario's baseline): the same fleet and messages, but
// every device verified, no reading out of range, no failing check and no invalid message (a
// reading in its place): what the status of the readings costs, apart from what their types do.

import type { ReferenceStandard, StandardCertificate } from '../src/metrology/traceability.ts';

export type MixType = 'barometer' | 'gas-detector' | 'fuel-dispenser';

export interface MixMember {
  id: string;
  /** Position in the fleet (staggers its stream). */
  index: number;
  type: MixType;
  /** false: the device's only verification certificate has expired. */
  verified: boolean;
}

/** A device's position in its mixed stream (kept by the load generator across runs). */
export interface MixState {
  k: number;
  checks: number;
  /** Totalizer of nozzles 1 and 2, centilitres (integers: no drift of binary fractions). */
  totalizerCl: [number, number];
}

export const MIX_KINDS = [
  'reading-ok',
  'reading-unverified',
  'reading-out-of-range',
  'transaction-ok',
  'transaction-unverified',
  'check-pass',
  'check-fail',
  'invalid',
] as const;
export type MixKind = (typeof MIX_KINDS)[number];

export interface MixMessage {
  topic: 'readings' | 'checks';
  payload: string;
  kind: MixKind;
}

/** What a run sent, by kind, and the points the gateway should store for it. */
export interface MixTally {
  messages: number;
  byKind: Partial<Record<MixKind, number>>;
  /** `reading` points: every accepted reading, transactions included. */
  readingPoints: number;
  /** `check` points. */
  checkPoints: number;
  /** Every point: readings, `transaction`, `check` and one `rejection` per refused message. */
  points: number;
}

const TYPES: MixType[] = ['fuel-dispenser', 'gas-detector', 'barometer', 'barometer', 'barometer'];

/** Device i of the mixed fleet (ids given): its type and verification standing (`allValid`: every device verified). */
export function mixedFleet(ids: readonly string[], allValid = false): MixMember[] {
  // The type index is shifted once every 10 devices so that the unverified ones (i % 10 = 9)
  // fall on every type in turn rather than all on one.
  return ids.map((id, i) => ({ id, index: i, type: TYPES[(i + Math.floor(i / 10)) % TYPES.length], verified: allValid || i % 10 !== 9 }));
}

/**
 * The start of device i's stream: staggered, so that in a run of any length the checks, their
 * failures and the invalid messages fall on some devices or others, in their proportions.
 */
export function newMixState(i: number): MixState {
  return { k: (i * 97) % 1000, checks: i % 20, totalizerCl: [123_456_789, 98_765_432] };
}

export function emptyTally(): MixTally {
  return { messages: 0, byKind: {}, readingPoints: 0, checkPoints: 0, points: 0 };
}

export function countMessage(t: MixTally, kind: MixKind): void {
  t.messages++;
  t.byKind[kind] = (t.byKind[kind] ?? 0) + 1;
  if (kind.startsWith('reading')) {
    t.readingPoints++;
    t.points++;
  } else if (kind.startsWith('transaction')) {
    t.readingPoints++;
    t.points += 2;
  } else if (kind.startsWith('check')) {
    t.checkPoints++;
    t.points++;
  } else t.points++; // the rejection point
}

const SMALL_ERRORS = [-2, -1, 0, 1, 2];

/** The device's next message, advancing its state (`allValid`: nothing out of range, failing or invalid). */
export function mixedMessage(m: MixMember, st: MixState, seq: number, ts: number, allValid = false): MixMessage {
  const k = st.k++;
  if (k % 100 === 99) return check(m, st, seq, ts, allValid);
  if (k % 1000 === 500 && !allValid) return invalid(m, seq, ts, Math.floor(k / 1000) % 4);
  const unverified = !m.verified;
  if (m.type === 'barometer') {
    const value = (1013.2 + 0.01 * SMALL_ERRORS[k % 5]).toFixed(2);
    return {
      topic: 'readings',
      payload: `{"seq":${seq},"ts":${ts},"quantity":"pressure","value":${value},"unit":"hPa"}`,
      kind: unverified ? 'reading-unverified' : 'reading-ok',
    };
  }
  if (m.type === 'gas-detector') {
    const outOfRange = k % 20 === 10 && !allValid;
    const value = outOfRange ? 1500 : 12 + (k % 3);
    return {
      topic: 'readings',
      payload: `{"seq":${seq},"ts":${ts},"quantity":"concentration","value":${value},"unit":"ppm","gas":"CO"}`,
      kind: outOfRange ? 'reading-out-of-range' : unverified ? 'reading-unverified' : 'reading-ok',
    };
  }
  const n = k % 2;
  const price = n === 0 ? 23_450 : 20_130;
  const volumeCl = 1000 + ((k * 37) % 4000);
  const start = st.totalizerCl[n];
  const end = start + volumeCl;
  st.totalizerCl[n] = end;
  const volume = volumeCl / 100;
  const amount = Math.round(volume * price);
  return {
    topic: 'readings',
    payload:
      `{"seq":${seq},"ts":${ts},"quantity":"volume","value":${volume},"unit":"L","nozzle":"${n + 1}","product":"${n === 0 ? 'RON95' : 'DO'}",` +
      `"unitPrice":${price},"amount":${amount},"totalizerStart":${(start / 100).toFixed(2)},"totalizerEnd":${(end / 100).toFixed(2)}}`,
    kind: unverified ? 'transaction-unverified' : 'transaction-ok',
  };
}

/**
 * The reference standards the fleet's checks name (`REF-BENCH-<type>`), as an enterprise in the
 * programme registers them (docs/contract.md §5): a barometer calibrator, a certified CO cylinder,
 * a 20 L proving measure, each with a calibration certificate in force whose uncertainty is the
 * one the checks state. Registered, a check is traceable; without them every check would raise
 * `untraceable-check`, which a fleet in the programme does not.
 */
const MIXED_STANDARDS: readonly { id: string; name: string; quantity: string; unit: string; gas?: string; uncertainty: number }[] = [
  { id: 'REF-BENCH-barometer', name: 'Barometer calibrator', quantity: 'pressure', unit: 'hPa', uncertainty: 0.04 },
  { id: 'REF-BENCH-gas-detector', name: 'CO 50 ppm certified gas', quantity: 'concentration', unit: 'ppm', gas: 'CO', uncertainty: 1 },
  { id: 'REF-BENCH-fuel-dispenser', name: '20 L proving measure', quantity: 'volume', unit: 'L', uncertainty: 0.004 },
];

/** The mixed fleet's standards as the tenant registers them, each with its certificate in force at `now` (issued 30 days before, valid a year). */
export function mixedStandards(tenant: string, now: Date): { standard: ReferenceStandard; certificate: StandardCertificate }[] {
  const day = 86_400_000;
  return MIXED_STANDARDS.map(({ uncertainty, gas, ...s }) => ({
    standard: { ...s, tenant, ...(gas ? { gas } : {}) },
    certificate: {
      number: `CAL-${s.id}`,
      issuedBy: 'QUATEST 1',
      issuedAt: new Date(now.getTime() - 30 * day).toISOString(),
      validUntil: new Date(now.getTime() + 335 * day).toISOString(),
      uncertainty,
      traceableTo: 'VMI national standard',
    },
  }));
}

/**
 * A check against a reference: passing ones have an error of −2…+2 resolution steps (well inside
 * the MPE with its guard band), failing ones 0.5 hPa (barometer MPE 0.3), 15 ppm (CO MPE
 * max(5 ppm, 10 %) = 5 at 50 ppm) or 0.5 L on 20 L (dispenser in service 0.45 % = 0.09 L).
 */
function check(m: MixMember, st: MixState, seq: number, ts: number, allValid: boolean): MixMessage {
  const fail = st.checks++ % 20 === 19 && !allValid;
  const step = SMALL_ERRORS[(st.checks * 7) % 5];
  const kind: MixKind = fail ? 'check-fail' : 'check-pass';
  const head = `{"seq":${seq},"ts":${ts},"standardId":"REF-BENCH-${m.type}"`;
  if (m.type === 'barometer') {
    const indicated = (1013.2 + (fail ? 0.5 : 0.01 * step)).toFixed(2);
    return { topic: 'checks', payload: `${head},"indicated":${indicated},"reference":1013.2,"referenceUncertainty":0.04,"unit":"hPa"}`, kind };
  }
  if (m.type === 'gas-detector') {
    const indicated = 50 + (fail ? 15 : step);
    return { topic: 'checks', payload: `${head},"gas":"CO","indicated":${indicated},"reference":50,"referenceUncertainty":1,"unit":"ppm"}`, kind };
  }
  const indicated = (20 + (fail ? 0.5 : 0.01 * step)).toFixed(2);
  return { topic: 'checks', payload: `${head},"indicated":${indicated},"reference":20.000,"referenceUncertainty":0.004,"unit":"L","point":"Qmax"}`, kind };
}

function invalid(m: MixMember, seq: number, ts: number, variant: number): MixMessage {
  const unit = m.type === 'barometer' ? 'hPa' : m.type === 'gas-detector' ? 'ppm' : 'L';
  const quantity = m.type === 'barometer' ? 'pressure' : m.type === 'gas-detector' ? 'concentration' : 'volume';
  const gas = m.type === 'gas-detector' ? ',"gas":"CO"' : '';
  const payloads = [
    `{"seq":${seq},"ts":${ts},"quantity":"${quantity}","val`, // cut short: not JSON
    `{"seq":${seq},"ts":${ts},"quantity":"${quantity}","value":1,"unit":"furlong"${gas}}`,
    `{"seq":${seq},"ts":${ts + 3_600_000},"quantity":"${quantity}","value":1,"unit":"${unit}"${gas}}`,
    `{"seq":${seq},"ts":${ts},"quantity":"${quantity}","unit":"${unit}"${gas}}`,
  ];
  return { topic: 'readings', payload: payloads[variant], kind: 'invalid' };
}
