// The API's JSON as the console reads it (GET /api/v1/…): only the fields the console uses, and
// null wherever the API may send null. For the type-checker only; nothing here reaches the browser.

export interface List<T> {
  items: T[];
}

export interface Tenant {
  id: string;
  name: string;
  region: string;
}

export interface InstrumentType {
  id: string;
  name: string;
  /** Which certificates keep its instruments in standing: calibration for types outside the verification list. */
  standing?: 'verification' | 'calibration';
  /** The quantity it measures (volume, pressure…): what a reference standard for it realises. */
  quantity?: string;
  canonicalUnit?: string;
  /** Its readings are sales (a fuel dispenser): the price display is examined at inspections. */
  transactions?: boolean;
}

export interface Verification {
  state: string;
  validUntil?: string | null;
}

export interface Device {
  id: string;
  tenant: string;
  type: string;
  serial: string;
  model?: string;
  site?: string;
  class?: string;
  verification?: Verification;
  lastSeenAt?: string | null;
  drift?: { series: string; predictedOutOfToleranceAt: string | null }[];
  /** Only in the answer to POST /api/v1/devices, once. */
  secret?: string;
  /** Sealed off by an inspector (open `sealed-off` finding). */
  sealed?: Seal;
}

/** An alert's evidence: what the gateway recorded when it raised it; its fields depend on the kind. */
export interface AlertDetails {
  [field: string]: unknown;
  error?: number;
  mpe?: number;
  uncertainty?: number;
  decision?: string;
  unit?: string;
  gas?: string;
  point?: string;
  seq?: number;
  value?: number;
  status?: string;
  state?: string;
  lastSeenAt?: string;
  verification?: Verification;
  verificationDue?: string;
  predictedOutOfToleranceAt?: string;
  slopePerDay?: number;
  points?: number;
  ewma?: Drift['ewma'];
  cusum?: Drift['cusum'];
  /** lot-fail: the lot and its judgement. */
  lot?: string;
  product?: string;
  nominal?: number;
  t1?: number;
  t2?: number;
  allowedT1?: number;
  mean?: number | null;
  averageLimit?: number | null;
}

export interface Alert {
  id: string;
  tenant: string;
  device: string;
  kind: string;
  /** The gas or test point of a check alert; absent when none. */
  key?: string;
  severity: string;
  state: string;
  summary: string;
  details?: AlertDetails;
  count: number;
  openedAt: string;
  updatedAt: string;
  ackBy?: string;
  ackAt?: string;
  ackNote?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  resolution?: Resolution;
}

export interface Resolution {
  reason: string;
  note?: string;
}

export interface Check {
  ts: string;
  gas?: string;
  point?: string;
  regime?: string;
  /** The calibration view, where a calibration certificate applies (reported, not judged). */
  correctedError?: number;
  correctedUncertainty?: number;
  calibrationCertificate?: string;
  /** Scales, R76 change-point weights; the instrument was adjusted at this check. */
  deltaL?: number;
  adjusted?: boolean;
  indicated: number;
  reference: number;
  error: number;
  mpe: number;
  uncertainty: number;
  decision: string;
  legal: string;
  unit?: string;
  seq?: number;
  /** null: stored before checks were judged against the registered standards. */
  traceable?: boolean | null;
  traceabilityIssue?: string;
}

/** Drift statistics of a series (GET /devices/:id/drift, its bySeries, a drift alert's details). */
export interface Drift {
  /** The series key, "gas=CO,point=span,regime=inService"; in bySeries also its parts. */
  series?: string | null;
  gas?: string;
  point?: string;
  regime?: string;
  predictionConfidence?: number;
  resetAt?: string | null;
  resetReason?: string | null;
  points?: number;
  slopePerDay?: number | null;
  ewma?: { value: number; lowerLimit: number; upperLimit: number; signal: boolean } | null;
  cusum?: { high: number; low: number; threshold?: number; signal?: boolean } | null;
  tolerance?: number | null;
  guardedLimit?: number | null;
  predictedOutOfToleranceAt?: string | null;
  bySeries?: Drift[];
}

export interface Certificate {
  kind: string;
  number: string;
  issuedBy: string;
  issuedAt: string;
  validUntil: string;
  uncertainty?: number;
}

export interface Reading {
  ts: string;
  quantity: string;
  tags?: Record<string, string>;
  value: number;
  status: string;
  seq?: number;
}

export interface Rejection {
  receivedAt: string;
  topic: string;
  seq?: number | null;
  errors?: { path: string; message: string }[];
}

/** GET /api/v1/standards/:id (docs/contract.md §5). */
export interface Standard {
  id: string;
  /** null: the authority's, usable by every enterprise. */
  tenant: string | null;
  name: string;
  quantity: string;
  unit: string;
  kind?: string;
  class?: string;
  serial?: string;
  gas?: string;
  state: string;
  validUntil: string | null;
  lastCalibration: StandardCertificate | null;
}

export interface StandardCertificate {
  number: string;
  issuedBy: string;
  issuedAt: string;
  validUntil: string;
  uncertainty: number;
  traceableTo?: string;
  asFound?: { error: number; outOfTolerance: boolean };
}

/** One check of a standard's impact. */
export interface ImpactedCheck {
  device: string;
  seq: number;
  ts: string;
  gas?: string;
  point?: string;
  error: number;
  mpe: number;
  unit: string;
  decision: string;
  legal: string;
  possibleDecisions: string[];
}

/** GET /api/v1/standards/:id/impact */
export interface StandardImpact {
  from: string;
  to: string;
  basis: string;
  finding: { certificate: string; issuedAt: string; asFound?: { error: number; outOfTolerance: boolean } } | null;
  checks: number;
  instruments: number;
  couldChange: number;
  unit: string;
  items: {
    device: string;
    tenant: string;
    type: string;
    checks: number;
    decisions: Record<string, number>;
    couldChange: ImpactedCheck[];
  }[];
}

/** A lot of prepackages (GET /api/v1/lots/{id}). */
export interface Lot {
  id: string;
  tenant: string;
  product: string;
  nominal: number;
  unit: string;
  lotSize: number;
  destructive: boolean;
  plan: string;
  planUnconfirmed: boolean;
  measuredUnit?: string;
  averageTare?: number;
  density?: number;
  sampleSize: number;
  measured: number;
  mean: number | null;
  stdDev: number | null;
  tolerableDeficiency: number;
  t1: number;
  t2: number;
  allowedT1: number;
  averageLimit: number | null;
  verdict: string;
  reasons: string[];
  t1Positions: number[];
  t2Positions: number[];
  scale: { id: string | null; suitable: boolean; reason: string; mpe?: number; limit?: number };
  createdAt: string;
  judgedAt: string | null;
}

/** What a page asks of the shell: told of every alert change from the live stream. */
export interface View {
  onAlert?(alert: Alert, change: string): void;
}

/** GET /api/v1/me. */
export interface Me {
  id: string;
  role: 'admin' | 'operator' | 'inspector';
  tenant?: string;
  regions?: string[];
  name: string;
}

/** An instrument sealed off by an open `sealed-off` finding (Device.sealed). */
export interface Seal {
  finding: string;
  inspection: string;
  since: string;
}

/** A check made during an inspection (epoch-ms ts; negative seq). */
export interface InspectionCheck {
  seq: number;
  ts: number;
  unit: string;
  indicated: number;
  reference: number;
  error: number;
  relativeError: number;
  mpe: number;
  uncertainty: number;
  legal: string;
  decision: string;
  standardId: string;
  point?: string;
  gas?: string;
}

export interface InspectionItem {
  id: number;
  device: string;
  facts: { sealsIntact: boolean; verificationMarkValid: boolean; certificateValid: boolean; priceDisplayCorrect?: boolean; notes?: string; verification: Verification };
  verdict: string;
  reasons: string[];
  checks: InspectionCheck[];
  recordedAt: string;
  recordedBy: string;
}

export interface Finding {
  id: string;
  inspection: string;
  tenant: string;
  device?: string;
  kind: string;
  description: string;
  action?: string;
  state: string;
  openedAt: string;
  openedBy: string;
  answer?: string;
  answeredAt?: string;
  answeredBy?: string;
  closedAt?: string;
  closedBy?: string;
  closeReason?: string;
}

export interface Amendment {
  id: number;
  reason: string;
  change: unknown;
  amendedAt: string;
  amendedBy: string;
}

/** An entry of GET /api/v1/inspections (the header and what was found). */
export interface Inspection {
  id: string;
  tenant: string;
  region: string;
  site?: string;
  startedAt: string;
  inspectors: string[];
  legalBasis?: string;
  state: string;
  openedBy: string;
  closedAt?: string;
  closedBy?: string;
  conclusion?: string;
  recordHash?: string;
  instruments?: number;
  nonConforming?: number;
  openFindings?: number;
}

/** GET /api/v1/inspections/:id. */
export interface InspectionRecord extends Inspection {
  items: InspectionItem[];
  findings: Finding[];
  amendments: Amendment[];
}

export interface Tally {
  verified: number;
  passed: number;
  failed: number;
}

export interface Campaign extends Partial<Tally> {
  id: string;
  name: string;
  region: string;
  markets: { name: string; district?: string }[];
  from: string;
  to: string;
  team: string[];
  authority?: string;
  marketsVisited?: number;
}

export interface CampaignVerification {
  id: number;
  market: string;
  owner: { name: string; phone?: string };
  serial: string;
  type: string;
  class: string;
  max: number;
  e: number;
  result: string;
  stampNumber?: string;
  certificateNumber?: string;
  validUntil?: string;
  device?: string;
  verifiedAt: string;
}

export interface CampaignSummary extends Tally {
  marketsPlanned: number;
  marketsVisited: number;
  devicesRegistered: number;
  byMarket: (Tally & { market: string; district?: string })[];
  byClass: (Tally & { class: string })[];
}

/** GET /api/v1/overview and /api/v1/reports/periodic: sections of figures, each with the API list behind it. */
export interface Figures {
  generatedAt: string;
  from: string;
  to: string;
  asOf: string;
  timeZone: string;
  region: string | null;
  sections: FigureSection[];
}
export interface FigureSection {
  id: string;
  label: string;
  figures: Figure[];
  tables: FigureTable[];
}
export interface Figure {
  id: string;
  label: string;
  value: number | null;
  unit: 'count' | 'percent' | 'days' | 'score';
  href: string | null;
}
export interface FigureTable {
  id: string;
  label: string;
  columns: { id: string; label: string; type: string }[];
  rows: { values: Record<string, string | number | null>; links?: Record<string, string> }[];
}

/** GET /api/v1/readiness */
export interface ReadinessPart {
  share: number | null;
  numerator: number;
  denominator: number;
  weight: number;
}
export interface ReadinessItem {
  region: string;
  rank: number | null;
  tenant: string;
  name: string;
  score: number | null;
  standing: string;
  instruments: number;
  parts: Record<string, ReadinessPart>;
}
export interface Readiness {
  generatedAt: string;
  region: string | null;
  rules: { weights: Record<string, number>; checkWithinDays: number; alertDeadlineDays: Record<string, number>; alertWindowDays: number; lotsStore: boolean };
  items: ReadinessItem[];
}

/** GET /api/v1/checks: a check with the instrument it belongs to. */
export interface ListedCheck extends Check {
  device: string;
}
