// The state database's tables as TypeScript types: what every query of src/store/ is checked
// against, for SQLite and PostgreSQL alike. The tables themselves are made by migrations.ts.
// Times are ISO 8601 text unless the column says `_at` in epoch ms (ts, next_at); JSON is text.
import type { Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  region: string;
  /** IANA zone; null: MAG_DEFAULT_TIME_ZONE (migration 2). */
  time_zone: string | null;
  created_at: string;
}

export interface DevicesTable {
  id: string;
  tenant: string;
  type: string;
  serial: string;
  /** JSON: the rest of the device's registration (class, range, mpe, site, …). */
  spec: string;
  secret_hash: string;
  created_at: string;
  last_seen_at: string | null;
  status: string | null;
}

export interface CertificatesTable {
  id: Generated<number>;
  device: string;
  kind: 'verification' | 'calibration';
  number: string;
  issued_by: string;
  issued_at: string;
  valid_until: string;
  /** JSON {offset?, gain?}. */
  correction: string | null;
  uncertainty: number | null;
  created_at: string;
  created_by: string | null;
}

export interface TokensTable {
  id: string;
  name: string;
  role: 'admin' | 'operator' | 'inspector';
  tenant: string | null;
  /** JSON string[] (inspector tokens). */
  regions: string | null;
  hash: string;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
}

export interface RejectionsTable {
  id: Generated<number>;
  device: string;
  tenant: string;
  topic: string;
  seq: number | null;
  received_at: string;
  /** JSON {path, message}[]. */
  errors: string;
  payload: string | null;
}

export interface ChecksTable {
  device: string;
  seq: number;
  series: string;
  /** epoch ms of the check. */
  ts: number;
  /** JSON CheckResult. */
  result: string;
  received_at: string;
  /** The check's standardId, for reverse traceability (migration 3; older rows backfilled from result). */
  standard_id: string | null;
}

export interface DriftTable {
  device: string;
  series: string;
  /** JSON DriftState. */
  state: string;
  updated_at: string;
}

export interface NozzleTotalizersTable {
  device: string;
  nozzle: string;
  seq: number;
  totalizer_end: number;
}

export interface AlertsTable {
  id: string;
  tenant: string;
  device: string;
  kind: string;
  key: string;
  severity: 'info' | 'warning' | 'critical';
  state: 'open' | 'acknowledged' | 'resolved';
  opened_at: string;
  updated_at: string;
  count: number;
  summary: string;
  /** JSON evidence. */
  details: string;
  ack_by: string | null;
  ack_at: string | null;
  ack_note: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  /** JSON {reason, note?}. */
  resolution: string | null;
  escalation: Generated<number>;
  version: Generated<number>;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  /** JSON; hashed as stored. */
  details: string;
  prev_hash: string;
  hash: string;
}

export interface WebhooksTable {
  id: string;
  tenant: string | null;
  url: string;
  /** JSON string[]. */
  events: string;
  secret: string;
  created_at: string;
  created_by: string | null;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook: string;
  event: string;
  body: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: Generated<number>;
  /** epoch ms of the next attempt; null when none will be made: delivered or dead (migration 12). */
  next_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  /** The instance (PostgresState.instanceId) sending it now (migration 6); null on SQLite and when unclaimed. */
  claimed_by: string | null;
  /** epoch ms when that claim lapses and another node may send it. */
  claimed_until: number | null;
}

export interface DeadLettersTable {
  id: Generated<number>;
  at: string;
  sink: string;
  reason: string;
  device: string | null;
  tenant: string | null;
  /** JSON Point (or {line}). */
  point: string;
  /** SHA-256 of the refused line (hex): a line refused again (its batch sent again) is kept once. Null: no line known. */
  line_key: string | null;
}

/** Reference standards (migration 3): proving measures, weights, reference barometers, certified gases… */
export interface StandardsTable {
  id: string;
  /** null: the authority's, usable by every tenant. */
  tenant: string | null;
  name: string;
  quantity: string;
  unit: string;
  kind: string | null;
  class: string | null;
  serial: string | null;
  gas: string | null;
  created_at: string;
  created_by: string | null;
}

/** A lot of prepackages declared for inspection (docs/contract.md §6); its packages are in lot_packages. */
export interface LotsTable {
  id: string;
  tenant: string;
  product: string;
  nominal: number;
  unit: string;
  lot_size: number;
  /** 0 or 1: packages are opened or destroyed to be measured. */
  destructive: number;
  plan: string | null;
  measured_unit: string | null;
  average_tare: number | null;
  density: number | null;
  /** Device id of the weighing instrument named at declaration. */
  scale: string | null;
  /** pending | pass | fail, as last judged (kept for listing by verdict). */
  verdict: string;
  /** When the verdict became pass or fail. */
  judged_at: string | null;
  created_at: string;
  created_by: string | null;
}

/** A reference standard's own calibration certificates (migration 3). */
export interface StandardCertificatesTable {
  id: Generated<number>;
  standard: string;
  number: string;
  issued_by: string;
  issued_at: string;
  valid_until: string;
  /** U (k = 2) in the standard's unit. */
  uncertainty: number;
  traceable_to: string | null;
  /** JSON {error, outOfTolerance}. */
  as_found: string | null;
  created_at: string;
  created_by: string | null;
}

/** The measured packages of a lot, in the order they arrived (position 1, 2, …). */
export interface LotPackagesTable {
  lot: string;
  position: number;
  kind: 'net' | 'gross';
  /** In the lot's measured unit. */
  value: number;
  /** The instrument that sent it over MQTT, with its seq (a replay, the same seq at the same ts, is stored once). */
  device: string | null;
  seq: number | null;
  /** The client's id of a package entered through the API (a repeated id is stored once). */
  client_id: string | null;
  /** epoch ms it was measured. */
  ts: number;
  received_at: string;
}

/** An on-site inspection record (biên bản kiểm tra; migration 0005). */
export interface InspectionsTable {
  id: string;
  tenant: string;
  /** The tenant's region when the inspection was opened (summaries by region). */
  region: string;
  site: string | null;
  started_at: string;
  /** JSON string[]: the inspectors' names as on the record. */
  inspectors: string;
  legal_basis: string | null;
  state: 'open' | 'closed';
  opened_by: string;
  created_at: string;
  closed_at: string | null;
  closed_by: string | null;
  conclusion: string | null;
  /** SHA-256 of the record as closed (printed on the PDF). */
  record_hash: string | null;
  /** The issuing authority printed above the team (migration 0010). */
  authority: string | null;
  site_address: string | null;
  /** The establishment's representative: name and position (chức vụ). */
  representative_name: string | null;
  representative_position: string | null;
  /** The campaign the record was opened within. */
  campaign: string | null;
}

/** One instrument examined during an inspection. */
export interface InspectionItemsTable {
  id: Generated<number>;
  inspection: string;
  device: string;
  /** JSON: what the inspector found (seals, marks, certificate, price display, notes) and the registry's verification then. */
  facts: string;
  verdict: 'pass' | 'fail';
  /** JSON string[]: why the verdict is fail. */
  reasons: string;
  recorded_at: string;
  recorded_by: string;
}

/** Checks made during inspections: their own negative seq series per device (the checks table holds them too). */
export interface InspectionChecksTable {
  device: string;
  seq: number;
  inspection: string;
  item: number;
  /** JSON CheckResult. */
  result: string;
}

export interface FindingsTable {
  id: string;
  inspection: string;
  tenant: string;
  device: string | null;
  kind: 'violation' | 'sealed-off' | 'observation';
  description: string;
  action: string | null;
  state: 'open' | 'answered' | 'closed';
  opened_at: string;
  opened_by: string;
  answer: string | null;
  answered_at: string | null;
  answered_by: string | null;
  closed_at: string | null;
  closed_by: string | null;
  close_reason: string | null;
}

/** Corrections of a closed inspection record. */
export interface InspectionAmendmentsTable {
  id: Generated<number>;
  inspection: string;
  reason: string;
  /** JSON: the correction (text or object). */
  change: string;
  amended_at: string;
  amended_by: string;
}

/** A mobile verification campaign (kiểm định lưu động). */
export interface CampaignsTable {
  id: string;
  name: string;
  region: string;
  /** JSON {name, district?}[]. */
  markets: string;
  starts_on: string;
  ends_on: string;
  /** JSON string[]. */
  team: string;
  authority: string | null;
  created_at: string;
  created_by: string;
}

export interface CampaignVerificationsTable {
  id: Generated<number>;
  campaign: string;
  market: string;
  owner_name: string;
  owner_phone: string | null;
  serial: string;
  type: string;
  class: string;
  max: number;
  e: number;
  result: 'pass' | 'fail';
  stamp_number: string | null;
  certificate_number: string | null;
  valid_until: string | null;
  /** The registered instrument (a passed scale), else null. */
  device: string | null;
  tenant: string | null;
  verified_at: string;
  recorded_by: string;
}

export interface StateSchema {
  tenants: TenantsTable;
  devices: DevicesTable;
  certificates: CertificatesTable;
  tokens: TokensTable;
  rejections: RejectionsTable;
  checks: ChecksTable;
  drift: DriftTable;
  nozzle_totalizers: NozzleTotalizersTable;
  alerts: AlertsTable;
  audit: AuditTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  dead_letters: DeadLettersTable;
  standards: StandardsTable;
  standard_certificates: StandardCertificatesTable;
  lots: LotsTable;
  lot_packages: LotPackagesTable;
  inspections: InspectionsTable;
  inspection_items: InspectionItemsTable;
  inspection_checks: InspectionChecksTable;
  findings: FindingsTable;
  inspection_amendments: InspectionAmendmentsTable;
  campaigns: CampaignsTable;
  campaign_verifications: CampaignVerificationsTable;
}
