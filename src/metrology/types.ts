// Plain data shared by the pure metrology core and the shell around it.
// No I/O, no clock: every function of src/metrology takes the time it needs as an argument.

export type Regime = 'verification' | 'inService';
export type GuardedDecision = 'pass' | 'conditional-pass' | 'conditional-fail' | 'fail';
export type LegalDecision = 'pass' | 'fail';
export type VerificationStateName = 'valid' | 'due-soon' | 'expired' | 'none';
export type ReadingStatus = 'ok' | 'unverified' | 'out-of-range' | 'implausible';

/** What the registry knows of one device that metrology needs (docs/contract.md §4 POST /devices). */
export interface DeviceMetrology {
  id: string;
  tenant: string;
  type: string;
  /** Accuracy class, e.g. "0.5" (fuel dispenser), "III" (scale). */
  class?: string;
  range?: { min: number; max: number };
  /** Device's own MPE override, canonical unit: max(absolute, relative × |reference|). */
  mpe?: { absolute?: number; relative?: number };
  /** Resolution (scale interval d or e for scales) in the canonical unit. */
  resolution?: number;
  /** Fuel dispenser minimum measured quantity, litres. */
  mmq?: number;
  /** Scale verification interval e, kg. */
  e?: number;
  /** Maximum capacity (scales), kg. */
  max?: number;
  /**
   * The instrument's construction, where its type's legal interval depends on it (profile
   * `verificationIntervalMonthsByConstruction`): a scale's `spring-dial` is verified every 24
   * months, other scales every 12 (Circular 03/2024/TT-BKHCN).
   */
  construction?: string;
  /**
   * A use in trade with requirements of its own (profile `tradeUses`): `gold-trading`, a scale weighing gold,
   * whose e must be no coarser than Circular 22/2013/TT-BKHCN allows for its capacity (registration.ts).
   */
  use?: string;
}

export interface Certificate {
  kind: 'verification' | 'calibration';
  number: string;
  issuedBy: string;
  issuedAt: string; // ISO
  validUntil: string; // ISO
  correction?: { offset?: number; gain?: number };
  uncertainty?: number;
}

export interface VerificationState {
  state: VerificationStateName;
  validUntil: string | null;
  /**
   * `calibration` for a type kept in standing by calibration certificates (profile `standing`, e.g.
   * the profile projector): its state is its calibration's, and what is said of it says so. Absent
   * for the legally verified types.
   */
  basis?: 'calibration';
}

export interface FieldError {
  path: string;
  message: string;
}

/** A reading as parsed from the wire (ts already an epoch ms). */
export interface ReadingInput {
  seq: number;
  ts: number;
  quantity: string;
  value: number;
  unit: string;
  gas?: string;
  nozzle?: string;
  product?: string;
  tare?: number;
}

/** A check as parsed from the wire (ts already an epoch ms). */
export interface CheckInput {
  seq: number;
  ts: number;
  indicated: number;
  reference: number;
  referenceUncertainty: number;
  unit: string;
  standardId: string;
  gas?: string;
  regime?: Regime;
  point?: string;
  /**
   * Scales, OIML R76 change-point method: the small weights added (check unit) until the indication stepped
   * up by e. Then E = indicated + ½e − deltaL − reference, and the resolution leaves U.
   */
  deltaL?: number;
  /** The instrument was adjusted at this check: the drift baseline restarts after it. */
  adjusted?: boolean;
}

export interface CheckResult {
  seq: number;
  ts: number;
  /** Canonical unit of every number below. */
  unit: string;
  indicated: number;
  /** The indication with the calibration certificate's correction applied (= indicated without one); not judged. */
  corrected: number;
  reference: number;
  /** Error of the indication as shown (R76 change-point estimate when deltaL is given): what is judged. */
  error: number;
  /** error / |reference|, a fraction (0.003 = 0.3 %); null when the reference is 0, where it is undefined. */
  relativeError: number | null;
  mpe: number;
  /** Expanded uncertainty U (k = 2) of the check. */
  uncertainty: number;
  /** Calibration view, when a calibration certificate is in force: corrected − reference (not judged). */
  correctedError?: number;
  /** U (k = 2) of correctedError: the check's U and the certificate's U combined in quadrature. */
  correctedUncertainty?: number;
  /** Number of the calibration certificate behind correctedError. */
  calibrationCertificate?: string;
  /** Normalised error En = e / U (U combines the reference's U and the indication's resolution term). */
  en: number;
  legal: LegalDecision;
  decision: GuardedDecision;
  regime: Regime;
  standardId: string;
  gas?: string;
  point?: string;
  /** Echo of the R76 change-point weights (canonical unit) when the check used the method. */
  deltaL?: number;
  /** Echo of `adjusted`: the drift baseline restarts after this check. */
  adjusted?: boolean;
  /**
   * Traceable to a registered reference standard valid at ts and suitable for the test (docs/metrology.md §8,
   * src/metrology/traceability.ts). Absent on checks stored before standards were judged (unknown).
   */
  traceable?: boolean;
  /** Why not traceable: a sentence naming the standard. */
  traceabilityIssue?: string;
  /** The kind of that issue (unregistered, uncalibrated, expired, quantity, unit, gas, ratio, relative-uncertainty). */
  traceabilityKind?: string;
  /** Number of the standard's calibration certificate in force at ts. */
  standardCertificate?: string;
  /** MPE / U_ref, U_ref the larger of the standard certificate's U and referenceUncertainty. */
  testUncertaintyRatio?: number;
  /**
   * The U (k = 2) of the standard's certificate in force at the check, in the check's unit, when the check
   * declared a smaller `referenceUncertainty`: `uncertainty`, `en` and `decision` are computed with it
   * (src/metrology/traceability.ts judgedWithStandard). Absent when the declared U_ref was used.
   */
  referenceUncertaintyFromCertificate?: number;
}
