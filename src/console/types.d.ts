// The API's JSON as the console reads it (GET /api/v1/…), named from the server's own types and
// views, so that a change on the server breaks the console's type-check (`tsc -p src/console`)
// instead of its pages. For the type-checker only: the browser never loads this file, and the
// server modules imported here are read for their types, never run.
import type { z } from 'zod';
import type { Alert as ServerAlert } from '../alerts/alert-book.ts';
import type { ImpactedCheck as ServerImpactedCheck, StandardImpact as ServerStandardImpact } from '../alerts/reference-standards.ts';
import type { alertView } from '../api/routes/alerts.ts';
import type { itemView, listEntry, recordView } from '../api/routes/inspections.ts';
import type { MeView, deviceView } from '../api/routes/registry.ts';
import type { standardView } from '../api/routes/standards.ts';
import type { CampaignSummary as ServerCampaignSummary, Tally as ServerTally } from '../inspections/summary.ts';
import type * as Inspections from '../inspections/types.ts';
import type { LotView } from '../lots/lot-book.ts';
import type { DeviceDriftAnswer, DriftSummary, SeriesDriftAnswer } from '../metrology/drift.ts';
import type { InstrumentProfile } from '../metrology/profile.ts';
import type { VerificationState } from '../metrology/types.ts';
import type { Figure as ServerFigure, FleetFigures, Section, Table } from '../oversight/figures.ts';
import type { ReadinessItem as ServerReadinessItem, ReadinessPart as ServerReadinessPart, ReadinessRules } from '../oversight/readiness.ts';
import type { PlaceLean as ServerPlaceLean } from '../oversight/places-leaning.ts';
import type { StoredReading } from '../sinks/sink.ts';
import type { StoredCheck } from '../store/checks.ts';
import type { DeadLetter as ServerDeadLetter } from '../store/dead-letters.ts';
import type { Rejected } from '../store/rejections.ts';
import type { StoredCertificate, Tenant as ServerTenant } from '../store/registry.ts';
import type { StoredStandardCertificate } from '../store/standards.ts';

/** A server type as JSON carries it: a Date arrives as its ISO string (undefined fields are left out). */
export type Wire<T> = T extends Date ? string : T extends readonly (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

export interface List<T> {
  items: T[];
}

/** GET /api/v1/tenants: `zoneInEffect` the zone its times are read in (its own, else MAG_DEFAULT_TIME_ZONE). */
export type Tenant = Wire<ServerTenant> & { zoneInEffect?: string };
/** GET /api/v1/instrument-types: the profiles of devices/. */
export type InstrumentType = Wire<InstrumentProfile>;
export type Verification = Wire<VerificationState>;
/** GET /api/v1/dead-letters (admins): a point the time-series database refused for good, kept. */
export type DeadLetter = Wire<ServerDeadLetter>;
/** GET /api/v1/devices/…; `secret` only in the answer to POST /api/v1/devices, once. */
export type Device = Wire<Awaited<ReturnType<typeof deviceView>>> & { secret?: string };

/** An alert's evidence: what the gateway recorded when it raised it; the server keeps it untyped (its fields depend on the kind), these are those the console reads. */
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
  /** `calibration` when verificationDue is a calibration's (predicted-oot of a calibrated type). */
  dueBasis?: 'calibration';
  predictedOutOfToleranceAt?: string;
  slopePerDay?: number;
  points?: number;
  /** the EWMA with its limits and signal, as the statistics keep it (the drift endpoint answers them apart) */
  ewma?: Wire<DriftSummary>['ewma'];
  cusum?: SeriesDrift['cusum'];
  /** lot-fail: the lot and its judgement. */
  lot?: string;
  product?: string;
  nominal?: number;
  t1?: number;
  t2?: number;
  allowedT1?: number;
  mean?: number | null;
  averageLimit?: number | null;
  /** points-refused: which sink refused the device's points, and why. */
  sink?: string;
  reason?: string;
}

export type Alert = Omit<Wire<ReturnType<typeof alertView>>, 'details'> & { details: AlertDetails };
export type Resolution = NonNullable<ServerAlert['resolution']>;

/**
 * A check as GET /api/v1/devices/{id}/checks and GET /api/v1/checks send it: its epoch-ms ts as an
 * ISO string; `traceable` null (devices/{id}/checks) or absent (checks) on checks stored before
 * they were judged against the registered standards.
 */
export type Check = Omit<Wire<StoredCheck>, 'ts' | 'traceable'> & { ts: string; traceable?: boolean | null };
/** GET /api/v1/checks: checks across instruments, each naming its instrument. */
export type ListedCheck = Check;

/** GET /api/v1/devices/{id}/drift: the figures of the series nearest its limit, and every series. */
export type DeviceDrift = Wire<DeviceDriftAnswer> & { device: string };
/** One series of DeviceDrift.bySeries. */
export type SeriesDrift = Wire<SeriesDriftAnswer>;
/**
 * Drift figures as the console shows them (driftFacts): a device's headline, one of its series, or
 * a drift alert's evidence (the figures when it was raised); any of them may lack a figure.
 */
export type Drift = Partial<DeviceDrift> | Partial<SeriesDrift> | DriftEvidence;
/** A drift alert's evidence: the series' figures with the EWMA kept as the statistics keep it, one object. */
export type DriftEvidence = Partial<Omit<SeriesDrift, 'ewma' | 'ewmaLimits' | 'ewmaSignal'>> & { ewma?: Wire<DriftSummary>['ewma'] };

/** GET /api/v1/devices/{id}/certificates. */
export type Certificate = Wire<StoredCertificate>;
/** GET /api/v1/devices/{id}/readings. */
export type Reading = Wire<StoredReading>;
/** GET /api/v1/devices/{id}/rejections. */
export type Rejection = Wire<Rejected>;

/** GET /api/v1/standards/{id} (docs/contract.md §5); `tenant` null: the authority's, usable by every enterprise. */
export type Standard = Wire<ReturnType<typeof standardView>>;
/** GET /api/v1/standards/{id}/certificates. */
export type StandardCertificate = Wire<StoredStandardCertificate>;
/** One check of a standard's impact. */
export type ImpactedCheck = Wire<ServerImpactedCheck>;
/** GET /api/v1/standards/{id}/impact (its `rows` only in the CSV). */
export type StandardImpact = Omit<Wire<ServerStandardImpact>, 'rows'>;

/** A lot of prepackages (GET /api/v1/lots/{id}). */
export type Lot = Wire<LotView>;

/** What a page asks of the shell: told of every alert change from the live stream. */
export interface View {
  onAlert?(alert: Alert, change: string): void;
}

/** GET /api/v1/me. */
export type Me = z.infer<typeof MeView>;

/** An instrument sealed off by an open `sealed-off` finding (Device.sealed). */
export type Seal = Wire<Inspections.Seal>;
/** An instrument examined at an inspection; its checks keep their negative seq, their ts an ISO string. */
export type InspectionItem = Wire<ReturnType<typeof itemView>>;
export type Finding = Wire<Inspections.Finding>;
export type Amendment = Wire<Inspections.Amendment>;
/** An inspection record's header (the answer to POST /api/v1/inspections). */
export type Inspection = Wire<Inspections.Inspection>;
/** An entry of GET /api/v1/inspections: the header and counts of what was found. */
export type InspectionListEntry = Wire<ReturnType<typeof listEntry>>;
/** GET /api/v1/inspections/{id}. */
export type InspectionRecord = Wire<ReturnType<typeof recordView>>;

export type Tally = Wire<ServerTally>;
/** GET /api/v1/campaigns/{id}/summary. */
export type CampaignSummary = Wire<ServerCampaignSummary>;
/** A campaign; GET /api/v1/campaigns adds its tally. */
export type Campaign = Wire<Inspections.Campaign> & Partial<Pick<CampaignSummary, 'verified' | 'passed' | 'failed' | 'marketsVisited'>>;
export type CampaignVerification = Wire<Inspections.CampaignVerification>;

/** GET /api/v1/overview and /api/v1/reports/periodic: sections of figures, each with the API list behind it. */
export type Figures = Wire<FleetFigures>;
export type FigureSection = Wire<Section>;
export type Figure = Wire<ServerFigure>;
export type FigureTable = Wire<Table>;

export type ReadinessPart = Wire<ServerReadinessPart>;
export type ReadinessItem = Wire<ServerReadinessItem>;
/** GET /api/v1/readiness (made in src/api/routes/oversight.ts). */
export interface Readiness {
  generatedAt: string;
  region: string | null;
  rules: Wire<ReadinessRules> & { lotsStore: boolean };
  items: ReadinessItem[];
}

/** GET /api/v1/places: a place of business judged for errors in its instruments' user's favour. */
export type PlaceLean = Wire<ServerPlaceLean>;
