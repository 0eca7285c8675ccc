// Traceability of a check to its reference standard (docs/metrology.md §8) and reverse traceability:
// expected values worked by hand in the comments.
import { describe, expect, it } from 'vitest';
import { channelFor, isFieldErrors, type Channel } from './channel.ts';
import {
  DEFAULT_TRACEABILITY_RULE,
  certificateInForce,
  judgeTraceability,
  judgedWithStandard,
  standardState,
  type CheckForTraceability,
  type ReferenceStandard,
  type StandardCertificate,
} from './traceability.ts';
import { closingCalibration, impactPeriod, possibleDecisions } from './standard-impact.ts';
import { device, profile } from './test-fixtures.ts';
import { localDay } from '../oversight/period.ts';
import { evaluateCheck } from './check.ts';

function channel(type: string, gas?: string): Channel {
  const ch = channelFor(profile(type), device(type), gas === undefined ? {} : { gas });
  if (isFieldErrors(ch)) throw new Error(JSON.stringify(ch));
  return ch;
}
const cert = (number: string, issuedAt: string, validUntil: string, uncertainty: number, extra: Partial<StandardCertificate> = {}): StandardCertificate => ({
  number,
  issuedBy: 'VMI',
  issuedAt,
  validUntil,
  uncertainty,
  ...extra,
});
const at = (iso: string) => Date.parse(iso);

const provingMeasure: ReferenceStandard = { id: 'PM-20L-07', name: 'Bình chuẩn 20 L', quantity: 'volume', unit: 'L', kind: 'proving-measure', class: 'II' };
const pmCert = cert('HC-PM-2026', '2026-01-05', '2027-01-05', 0.004);
const fuelRule = profile('fuel-dispenser').referenceStandards!;
// A 20 L check of a class 0.5 dispenser in service: MPE = max(0.5 % × 20, Emin 2·5·0.5/100 = 0.05) × 1.5 = 0.15 L.
const fuelCheck: CheckForTraceability = { standardId: 'PM-20L-07', ts: at('2026-03-01T08:00:00Z'), reference: 20, referenceUncertainty: 0.004, mpe: 0.15 };

describe('judgeTraceability', () => {
  it('a registered proving measure, calibrated at the check, fine enough: traceable, with its ratio', () => {
    // U_ref = max(0.004, 0.004) = 0.004 L; MPE / U_ref = 0.15 / 0.004 = 37.5 ≥ 3; 100 × 0.004 / 20 = 0.02 % ≤ 0.1 %.
    const j = judgeTraceability(fuelCheck, channel('fuel-dispenser'), provingMeasure, [pmCert], fuelRule);
    expect(j).toEqual({ traceable: true, certificate: 'HC-PM-2026', testUncertaintyRatio: 37.5, certificateUncertainty: 0.004 });
  });

  it('the fuel-dispenser profile asks for MPE / U_ref ≥ 3 and U ≤ 0.1 % (ĐLVN 10); other types the default ratio 3', () => {
    expect(fuelRule).toEqual({ minTestUncertaintyRatio: 3, maxUncertaintyPercent: 0.1 });
    expect(profile('barometer').referenceStandards).toBeUndefined();
    expect(DEFAULT_TRACEABILITY_RULE).toEqual({ minTestUncertaintyRatio: 3 });
  });

  it("a standard that is not registered (or another enterprise's, which the caller does not pass) is named", () => {
    const j = judgeTraceability(fuelCheck, channel('fuel-dispenser'), undefined, [], fuelRule);
    expect(j).toMatchObject({ traceable: false, issueKind: 'unregistered' });
    expect(j.issue).toMatch(/^standard PM-20L-07 is not a registered reference standard/);
  });

  it('a calibration that expired before the check, or came after it, or none at all', () => {
    const old = cert('HC-PM-2025', '2025-01-05', '2026-01-05', 0.004);
    const expired = judgeTraceability({ ...fuelCheck, ts: at('2026-01-06T00:00:00Z') }, channel('fuel-dispenser'), provingMeasure, [old], fuelRule);
    expect(expired).toEqual({
      traceable: false,
      issueKind: 'expired',
      issue: 'the calibration of standard PM-20L-07 expired on 2026-01-05 (certificate HC-PM-2025), before this check of 2026-01-06',
    });
    const early = judgeTraceability({ ...fuelCheck, ts: at('2026-01-04T23:00:00Z') }, channel('fuel-dispenser'), provingMeasure, [pmCert], fuelRule);
    expect(early).toEqual({
      traceable: false,
      issueKind: 'uncalibrated',
      issue: 'standard PM-20L-07 had no calibration certificate yet on 2026-01-04 (the first, HC-PM-2026, is of 2026-01-05)',
    });
    const none = judgeTraceability(fuelCheck, channel('fuel-dispenser'), provingMeasure, [], fuelRule);
    expect(none.issue).toBe('standard PM-20L-07 has no calibration certificate on record: add it (POST /api/v1/standards/PM-20L-07/certificates)');
    // on the last day of validity (ts = validUntil) it is still in force
    expect(judgeTraceability({ ...fuelCheck, ts: at('2027-01-05T00:00:00Z') }, channel('fuel-dispenser'), provingMeasure, [pmCert], fuelRule).traceable).toBe(
      true,
    );
  });

  it("the days the issue names are the enterprise's local days (dayOf), UTC days without one", () => {
    // Certificates as the API stores them for an enterprise in Vietnam (UTC+7): issued on 1 April 2025
    // (its start there, with the offset), valid through the end of 31 March 2026 there (16:59:59.999Z).
    const vietnam = (t: number) => localDay('Asia/Ho_Chi_Minh', t);
    const lapsed = cert('HC-PM-2025', '2025-04-01T00:00:00.000+07:00', '2026-03-31T16:59:59.999Z', 0.004);
    // A check at 06:00 on 1 April in Vietnam = 2026-03-31T23:00:00Z: after the end of 31 March there.
    const check = { ...fuelCheck, ts: at('2026-03-31T23:00:00Z') };
    expect(judgeTraceability(check, channel('fuel-dispenser'), provingMeasure, [lapsed], fuelRule, vietnam).issue).toBe(
      'the calibration of standard PM-20L-07 expired on 2026-03-31 (certificate HC-PM-2025), before this check of 2026-04-01',
    );
    // the same in UTC: 16:59:59.999Z and 23:00Z are both on 31 March
    expect(judgeTraceability(check, channel('fuel-dispenser'), provingMeasure, [lapsed], fuelRule).issue).toBe(
      'the calibration of standard PM-20L-07 expired on 2026-03-31 (certificate HC-PM-2025), before this check of 2026-03-31',
    );
    // Issued on 1 April 2026 in Vietnam (its start: 2026-03-31T17:00:00Z); a check at 23:00 on 31 March there (16:00Z).
    const next = cert('HC-PM-2026', '2026-04-01T00:00:00.000+07:00', '2027-03-31T16:59:59.999Z', 0.004);
    const early = { ...fuelCheck, ts: at('2026-03-31T16:00:00Z') };
    expect(judgeTraceability(early, channel('fuel-dispenser'), provingMeasure, [next], fuelRule, vietnam).issue).toBe(
      'standard PM-20L-07 had no calibration certificate yet on 2026-03-31 (the first, HC-PM-2026, is of 2026-04-01)',
    );
    // in UTC the certificate's start, 17:00Z, is on 31 March too (the date it was written with is not the UTC one)
    expect(judgeTraceability(early, channel('fuel-dispenser'), provingMeasure, [next], fuelRule).issue).toBe(
      'standard PM-20L-07 had no calibration certificate yet on 2026-03-31 (the first, HC-PM-2026, is of 2026-03-31)',
    );
    // a traceable check names no day: dayOf is not asked (the message path formats nothing)
    const never = () => {
      throw new Error('a day was formatted for a traceable check');
    };
    expect(
      judgeTraceability({ ...fuelCheck, ts: at('2026-04-01T01:00:00Z') }, channel('fuel-dispenser'), provingMeasure, [next], fuelRule, never).traceable,
    ).toBe(true);
  });

  it('a standard of another quantity, or in a unit the instrument does not take, is not suitable', () => {
    const weights: ReferenceStandard = { id: 'TW-1', name: 'weights', quantity: 'mass', unit: 'kg' };
    expect(judgeTraceability(fuelCheck, channel('fuel-dispenser'), weights, [pmCert], fuelRule)).toEqual({
      traceable: false,
      issueKind: 'quantity',
      issue: 'standard PM-20L-07 realises mass; fuel-dispenser measures volume',
    });
    const ch4 = judgeTraceability(
      { ...fuelCheck, gas: 'CH4' },
      channel('gas-detector', 'CH4'),
      { id: 'CYL-1', name: 'cyl', quantity: 'concentration', unit: 'ppm' },
      [pmCert],
    );
    expect(ch4).toMatchObject({
      traceable: false,
      issueKind: 'unit',
      issue: 'standard PM-20L-07 is in ppm, which gas-detector (CH4) does not accept (%{LEL})',
    });
  });

  it("converts the certificate's U to the check's unit: 4 mL on a standard kept in mL is 0.004 L", () => {
    const inMl = { ...provingMeasure, unit: 'mL' };
    const j = judgeTraceability(fuelCheck, channel('fuel-dispenser'), inMl, [{ ...pmCert, uncertainty: 4 }], fuelRule);
    expect(j.traceable).toBe(true);
    expect(j.testUncertaintyRatio).toBeCloseTo(37.5, 9); // 0.15 / (4 × 0.001)
  });

  it('a certified gas serves the component it is certified for; "ppm" is the profile\'s spelling of [ppm]', () => {
    const co: ReferenceStandard = { id: 'CYL-0413-CO', name: 'CO 100 ppm', quantity: 'concentration', unit: 'ppm', kind: 'certified-gas', gas: 'CO' };
    const coCert = cert('CG-0413', '2026-01-01', '2027-01-01', 2);
    // CO at 100 ppm: MPE = max(5 ppm, 10 % × 100) = 10 ppm; U_ref = 2 ppm; 10 / 2 = 5 ≥ 3.
    const check = { standardId: 'CYL-0413-CO', ts: at('2026-03-01T00:00:00Z'), reference: 100, referenceUncertainty: 2, mpe: 10, gas: 'CO' };
    expect(judgeTraceability(check, channel('gas-detector', 'CO'), co, [coCert])).toEqual({
      traceable: true,
      certificate: 'CG-0413',
      testUncertaintyRatio: 5,
      certificateUncertainty: 2,
    });
    expect(judgeTraceability({ ...check, gas: 'H2S' }, channel('gas-detector', 'H2S'), co, [coCert])).toMatchObject({
      traceable: false,
      issueKind: 'gas',
      issue: 'standard CYL-0413-CO is certified for CO; this check is of H2S',
    });
    // one registered before a certified gas had to name its component serves no check of a gas
    const { gas: _, ...unnamed } = co;
    expect(judgeTraceability({ ...check, gas: 'H2S' }, channel('gas-detector', 'H2S'), unnamed, [coCert])).toMatchObject({
      traceable: false,
      issueKind: 'gas',
      issue:
        'standard CYL-0413-CO is a certified gas registered without the component it is certified for, so nothing shows it holds H2S: register it with its gas',
    });
  });

  it("MPE / U_ref ≥ 3 with U_ref the larger of the certificate's U and the check's; exactly 3 passes despite binary 0.3 / 0.1", () => {
    const ref: ReferenceStandard = { id: 'REF-BARO', name: 'PTB330 TS', quantity: 'pressure', unit: 'hPa', kind: 'reference-barometer' };
    const baro = { standardId: 'REF-BARO', ts: at('2026-03-01T00:00:00Z'), reference: 1013, referenceUncertainty: 0.05, mpe: 0.3 };
    // 0.3 / 0.1 = 2.9999999999999996 in binary: on the limit 3, so traceable
    expect(judgeTraceability(baro, channel('barometer'), ref, [cert('B-1', '2026-01-01', '2027-01-01', 0.1)]).traceable).toBe(true);
    // 0.3 / 0.12 = 2.5 < 3 (the certificate's 0.12 hPa is the larger)
    const coarse = judgeTraceability(baro, channel('barometer'), ref, [cert('B-1', '2026-01-01', '2027-01-01', 0.12)]);
    expect(coarse).toMatchObject({ traceable: false, issueKind: 'ratio', certificate: 'B-1' });
    expect(coarse.testUncertaintyRatio).toBeCloseTo(2.5, 12);
    expect(coarse.issue).toBe(
      "standard REF-BARO is not fine enough for this check: MPE / U_ref = 0.3 / 0.12 hPa = 2.5, below 3 (U_ref: the certificate's U = 0.12 hPa)",
    );
    // certificate 0.05 hPa, but the check itself declares 0.15 hPa: 0.3 / 0.15 = 2
    const declared = judgeTraceability({ ...baro, referenceUncertainty: 0.15 }, channel('barometer'), ref, [cert('B-1', '2026-01-01', '2027-01-01', 0.05)]);
    expect(declared.issue).toMatch(/= 2, below 3 \(U_ref: the check's referenceUncertainty 0\.15 hPa, larger than the certificate's 0\.05 hPa\)$/);
  });

  it('fuel dispensers: U_ref above 0.1 % of the test volume fails even with a good ratio, unless the class is 0.1 or better', () => {
    // U = 0.03 L on 20 L: 100 × 0.03 / 20 = 0.15 % > 0.1 %; the ratio 0.15 / 0.03 = 5 would do.
    const coarse = [cert('HC-X', '2026-01-05', '2027-01-05', 0.03)];
    const j = judgeTraceability(fuelCheck, channel('fuel-dispenser'), provingMeasure, coarse, fuelRule);
    expect(j).toMatchObject({ traceable: false, issueKind: 'relative-uncertainty', certificate: 'HC-X' });
    expect(j.testUncertaintyRatio).toBeCloseTo(5, 12);
    expect(j.issue).toBe(
      'standard PM-20L-07 is not fine enough for fuel-dispenser: U_ref = 0.03 L is 0.15 % of the test value 20 L; at most 0.1 % (or a class of at most 0.1) is required',
    );
    expect(judgeTraceability(fuelCheck, channel('fuel-dispenser'), { ...provingMeasure, class: '0.1' }, coarse, fuelRule).traceable).toBe(true);
    expect(judgeTraceability(fuelCheck, channel('fuel-dispenser'), { ...provingMeasure, class: '0.2' }, coarse, fuelRule).traceable).toBe(false);
    // exactly 0.1 %: 0.02 L on 20 L
    expect(judgeTraceability(fuelCheck, channel('fuel-dispenser'), provingMeasure, [cert('HC-Y', '2026-01-05', '2027-01-05', 0.02)], fuelRule).traceable).toBe(
      true,
    );
  });
});

describe('a check judged with its standard: U_ref never below the certificate’s', () => {
  // Barometer, default class: MPE 0.3 hPa in service, display step 0.01 hPa. A reference barometer whose
  // certificate gives U = 0.05 hPa; the check reads 1000.27 against 1000.00 (error 0.27 hPa).
  const ctx = { profile: profile('barometer'), device: device('barometer'), certificates: [] };
  const reference: ReferenceStandard = { id: 'RB-01', name: 'Khí áp kế chuẩn', quantity: 'pressure', unit: 'hPa', kind: 'reference-barometer' };
  const found = { standard: reference, certificates: [cert('CAL-RB1', '2026-01-01', '2027-01-01', 0.05)] };
  const input = (referenceUncertainty: number, unit = 'hPa', k = 1) => ({
    seq: 1,
    ts: at('2026-03-01T08:00:00Z'),
    indicated: 1000.27 * k,
    reference: 1000 * k,
    referenceUncertainty: referenceUncertainty * k,
    unit,
    standardId: 'RB-01',
  });
  const judged = (referenceUncertainty: number, unit = 'hPa', k = 1) => {
    const c = input(referenceUncertainty, unit, k);
    const r = evaluateCheck(ctx, c);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return judgedWithStandard(ctx, c, r.result, found);
  };

  it('a declared U_ref below the certificate’s is replaced by it, and the result says so', () => {
    // declared 0.01: U = 2·√((0.01/2)² + (0.01/√12)²) = 2·√(0.000025 + 0.00000833) = 0.011547, and
    // |e| = 0.27 ≤ TL − U = 0.288453 would be a pass. With the certificate's 0.05:
    // U = 2·√(0.025² + 0.00000833) = 2·√0.00063333 = 0.050332; 0.27 > 0.3 − 0.050332 = 0.249668 → conditional pass.
    const r = judged(0.01);
    expect(r.uncertainty).toBeCloseTo(0.050332, 6);
    expect(r.decision).toBe('conditional-pass');
    expect(r.referenceUncertaintyFromCertificate).toBeCloseTo(0.05, 12);
    expect(r).toMatchObject({ traceable: true, standardCertificate: 'CAL-RB1', legal: 'pass' });
    expect(r.testUncertaintyRatio).toBeCloseTo(6, 9); // 0.3 / 0.05
  });

  it('a declared U_ref at or above the certificate’s is kept, in any unit', () => {
    const same = judged(0.05);
    expect(same.uncertainty).toBeCloseTo(0.050332, 6);
    expect(same.referenceUncertaintyFromCertificate).toBeUndefined();
    const larger = judged(0.08); // U = 2·√(0.04² + 0.00000833) = 0.080208; 0.27 > 0.219792 → conditional pass
    expect(larger.uncertainty).toBeCloseTo(0.080208, 6);
    expect(larger.referenceUncertaintyFromCertificate).toBeUndefined();
    // the check in kPa (÷ 10): 0.001 kPa declared = 0.01 hPa, replaced by the certificate's 0.005 kPa
    const kpa = judged(0.01, 'kPa', 0.1);
    expect(kpa.referenceUncertaintyFromCertificate).toBeCloseTo(0.005, 12);
    expect(kpa.uncertainty).toBeCloseTo(0.050332, 6); // canonical hPa
    expect(kpa.decision).toBe('conditional-pass');
  });

  it('a standard without a certificate in force leaves the check as declared, untraceable', () => {
    const c = input(0.01);
    const r = evaluateCheck(ctx, c);
    if (!r.ok) throw new Error('invalid');
    const out = judgedWithStandard(ctx, c, r.result, { standard: reference, certificates: [cert('CAL-RB0', '2024-01-01', '2025-01-01', 0.05)] });
    expect(out).toMatchObject({ traceable: false, traceabilityKind: 'expired', decision: 'pass' });
    expect(out.uncertainty).toBeCloseTo(0.011547, 6);
    expect(out.referenceUncertaintyFromCertificate).toBeUndefined();
  });
});

describe('standardState and certificateInForce', () => {
  const certs = [cert('C-1', '2025-01-01', '2026-01-01', 1), cert('C-2', '2026-01-01T00:00:00Z', '2027-01-01', 1), cert('C-3', '2026-06-01', '2026-12-01', 1)];
  it('valid while a certificate is in force (the latest end among them), expired after, none before the first', () => {
    expect(standardState(certs, at('2026-07-01'))).toEqual({ state: 'valid', validUntil: '2027-01-01T00:00:00.000Z' });
    expect(standardState(certs, at('2027-02-01'))).toEqual({ state: 'expired', validUntil: '2027-01-01T00:00:00.000Z' });
    expect(standardState(certs, at('2024-12-31'))).toEqual({ state: 'none', validUntil: null });
    expect(standardState([], at('2026-07-01'))).toEqual({ state: 'none', validUntil: null });
  });
  it('the latest issued certificate in force is the one a check cites', () => {
    expect(certificateInForce(certs, at('2026-07-01'))?.number).toBe('C-3');
    expect(certificateInForce(certs, at('2026-01-01'))?.number).toBe('C-2'); // C-1 ends, C-2 starts: the later issued
    expect(certificateInForce(certs, at('2027-01-02'))).toBeUndefined();
  });
});

describe('reverse traceability', () => {
  const good = cert('C-2025', '2025-01-10', '2026-01-10', 0.004, { asFound: { error: 0.002, outOfTolerance: false } });
  const oot = cert('C-2026', '2026-01-10', '2027-01-10', 0.004, { asFound: { error: -0.03, outOfTolerance: true } });
  const now = at('2026-03-01');

  it('after an out-of-tolerance finding: from the last calibration found in tolerance up to the finding', () => {
    expect(impactPeriod([good, oot], now)).toEqual({ from: at('2025-01-10'), to: at('2026-01-10'), basis: 'up-to-out-of-tolerance-finding', finding: oot });
    // two findings in a row: back to the last calibration found in tolerance
    const oot2 = cert('C-2027', '2027-01-10', '2028-01-10', 0.004, { asFound: { error: 0.05, outOfTolerance: true } });
    expect(impactPeriod([good, oot, oot2], at('2027-02-01'))).toMatchObject({ from: at('2025-01-10'), to: at('2027-01-10'), finding: oot2 });
    // never found in tolerance: from the start
    expect(impactPeriod([oot], now)).toMatchObject({ from: 0, to: at('2026-01-10') });
  });

  it('otherwise since its latest calibration; every check without one; requested bounds replace the default ones', () => {
    expect(impactPeriod([good], now)).toEqual({ from: at('2025-01-10'), to: now, basis: 'since-last-good-calibration' });
    expect(impactPeriod([], now)).toEqual({ from: 0, to: now, basis: 'no-calibration' });
    expect(impactPeriod([good, oot], now, { from: at('2025-06-01') })).toMatchObject({
      from: at('2025-06-01'),
      to: at('2026-01-10'),
      basis: 'requested',
      finding: oot,
    });
    // a certificate dated after `now` is not yet part of the history
    expect(impactPeriod([good, cert('C-late', '2026-04-01', '2027-04-01', 0.004)], now).from).toBe(at('2025-01-10'));
  });

  it("the calibration that closes a check's interval is the first issued after it", () => {
    expect(closingCalibration([good, oot], at('2025-06-01'))).toBe(oot);
    expect(closingCalibration([good, oot], at('2024-06-01'))).toBe(good);
    expect(closingCalibration([good, oot], at('2026-02-01'))).toBeUndefined();
  });

  it('the decisions a check could have had with its reference off by ±band (TL 0.5, U 0.125: limits 0.375, 0.5, 0.625)', () => {
    const c = (error: number) => ({ error, mpe: 0.5, uncertainty: 0.125, decision: 'pass' as const, legal: 'pass' as const });
    // |e| 0.25 ± 0.0625 → [0.1875, 0.3125], below 0.375: pass only
    expect(possibleDecisions(c(0.25), 0.0625)).toEqual({ decisions: ['pass'], legal: ['pass'], couldChange: false });
    // |e| 0.25 ± 0.25 → [0, 0.5]: pass to conditional pass (0.5 is on the limit TL: still legal pass)
    expect(possibleDecisions(c(0.25), 0.25)).toEqual({ decisions: ['pass', 'conditional-pass'], legal: ['pass'], couldChange: true });
    // |−0.5625| ± 0.125 → [0.4375, 0.6875]: conditional pass, conditional fail or fail; legal pass or fail
    expect(possibleDecisions(c(-0.5625), 0.125)).toEqual({
      decisions: ['conditional-pass', 'conditional-fail', 'fail'],
      legal: ['pass', 'fail'],
      couldChange: true,
    });
    // |e| 2 ± 0.5 → [1.5, 2.5]: fail whatever the standard's error
    expect(possibleDecisions(c(2), -0.5)).toEqual({ decisions: ['fail'], legal: ['fail'], couldChange: false });
  });
});
