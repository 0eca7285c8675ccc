// The inspector's work as plain data: on-site inspection records (biên bản kiểm tra) with the
// instruments examined, the checks made on them, findings and amendments; mobile verification
// campaigns (kiểm định lưu động) and the instruments verified in them.
import type { AlertKind, Severity } from '../alerts/alert-book.ts';
import type { CheckResult, GuardedDecision, Regime, VerificationState } from '../metrology/types.ts';

export const FINDING_KINDS = ['violation', 'sealed-off', 'observation'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export const FINDING_STATES = ['open', 'answered', 'closed'] as const;
export type FindingState = (typeof FINDING_STATES)[number];
export const INSPECTION_STATES = ['open', 'closed'] as const;
export type InspectionState = (typeof INSPECTION_STATES)[number];

/** Why an examined instrument does not conform; each is labelled on the record and in the console. */
export const ITEM_REASONS = ['check-fail', 'seals-broken', 'verification-mark-invalid', 'certificate-invalid', 'price-display-wrong'] as const;
export type ItemReason = (typeof ITEM_REASONS)[number];
export type ItemVerdict = 'pass' | 'fail';

/** Who speaks and signs for the establishment inspected (đại diện cơ sở). */
export interface Representative {
  name: string;
  /** Chức vụ, e.g. "Cửa hàng trưởng". */
  position?: string;
}

export interface Inspection {
  /** BBKT-<year>-<nnnn>: the record's number. */
  id: string;
  tenant: string;
  region: string;
  site?: string;
  /** The address of the establishment or site inspected, as printed among the parties. */
  siteAddress?: string;
  /** The body the inspection team acts for, printed above the team top left (e.g. "Sở Khoa học và Công nghệ tỉnh Bắc Giang"). */
  authority?: string;
  /** The mobile verification campaign the record was opened within (its authority is the record's when none is given). */
  campaign?: string;
  representative?: Representative;
  startedAt: string;
  inspectors: string[];
  legalBasis?: string;
  state: InspectionState;
  /** Who opened it (actor as in the audit log). */
  openedBy: string;
  createdAt: string;
  closedAt?: string;
  closedBy?: string;
  conclusion?: string;
  /** SHA-256 of the record as closed. */
  recordHash?: string;
}

/** The check an out-of-tolerance or conditional alert speaks of: when, its error against the MPE, its decision. */
export interface CheckOfAlert {
  at: string;
  error: number;
  mpe: number;
  uncertainty?: number;
  unit: string;
  decision: GuardedDecision;
  gas?: string;
  point?: string;
  regime?: Regime;
}

/**
 * An alert of MAG on an instrument that was unresolved when the instrument was entered on the
 * record (opened before, not resolved by then): kept with the record, as the facts of the
 * inspection, whatever becomes of the alert afterwards.
 */
export interface AlertAtInspection {
  id: string;
  kind: AlertKind;
  /** The gas or test point it is about; absent when none. */
  key?: string;
  severity: Severity;
  /** Its state then: open, or acknowledged (seen, not resolved). */
  state: 'open' | 'acknowledged';
  /** When it opened. */
  since: string;
  /** MAG's summary of it (English), as it stood then. */
  summary: string;
  /** A check's alert (out-of-tolerance, conditional): the latest check it was raised for, from its evidence. */
  check?: CheckOfAlert;
}

/**
 * What the inspector saw of one instrument, and what MAG's registry said of it at that time:
 * its verification standing and its unresolved alerts.
 */
export interface ItemFacts {
  sealsIntact: boolean;
  verificationMarkValid: boolean;
  certificateValid: boolean;
  /** Fuel dispensers (instrument types with transactions): amount = volume × unit price as displayed. */
  priceDisplayCorrect?: boolean;
  notes?: string;
  verification: VerificationState;
  /**
   * MAG's alerts on the instrument unresolved when it was entered on the record, oldest first ([]
   * when none). Absent on items recorded before MAG kept them: their records hash as they did.
   */
  unresolvedAlerts?: AlertAtInspection[];
}

export interface InspectionItem {
  id: number;
  inspection: string;
  device: string;
  facts: ItemFacts;
  verdict: ItemVerdict;
  reasons: ItemReason[];
  /** The checks made on it, each judged with the in-service (in-trade) MPE; negative seq (see InspectionStore). */
  checks: CheckResult[];
  recordedAt: string;
  recordedBy: string;
}

export interface Finding {
  /** <inspection>-F<n>. */
  id: string;
  inspection: string;
  tenant: string;
  device?: string;
  kind: FindingKind;
  description: string;
  action?: string;
  state: FindingState;
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
  inspection: string;
  reason: string;
  /** The correction: a text or a JSON object, as given. */
  change: unknown;
  amendedAt: string;
  amendedBy: string;
}

/** An instrument sealed off (niêm phong) by an open `sealed-off` finding. */
export interface Seal {
  finding: string;
  inspection: string;
  since: string;
}

/** A record with everything on it (GET /inspections/{id}, the PDF). */
export interface InspectionRecord extends Inspection {
  items: InspectionItem[];
  findings: Finding[];
  amendments: Amendment[];
}

export interface Market {
  name: string;
  district?: string;
}

export interface Campaign {
  id: string;
  name: string;
  region: string;
  markets: Market[];
  from: string;
  to: string;
  team: string[];
  /** Who issues the certificates (e.g. "Chi cục TĐC Bắc Giang"); the campaign's name when absent. */
  authority?: string;
  createdAt: string;
  createdBy: string;
}

export type VerificationResult = 'pass' | 'fail';

export interface CampaignVerification {
  id: number;
  campaign: string;
  market: string;
  owner: { name: string; phone?: string };
  serial: string;
  type: string;
  class: string;
  max: number;
  e: number;
  result: VerificationResult;
  stampNumber?: string;
  certificateNumber?: string;
  validUntil?: string;
  /** The registered instrument a passed scale became (or already was). */
  device?: string;
  tenant?: string;
  verifiedAt: string;
  recordedBy: string;
}
