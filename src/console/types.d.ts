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
  indicated: number;
  reference: number;
  error: number;
  mpe: number;
  uncertainty: number;
  decision: string;
  legal: string;
  unit?: string;
  seq?: number;
}

/** Drift statistics of a series (GET /devices/:id/drift, its bySeries, a drift alert's details). */
export interface Drift {
  series?: string | null;
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

/** What a page asks of the shell: told of every alert change from the live stream. */
export interface View {
  onAlert?(alert: Alert, change: string): void;
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
