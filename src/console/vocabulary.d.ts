// /console/vocabulary.js, which the gateway writes from its own lists when serving it
// (vocabulary-module.ts): declared here for the console's type-check, as there is no file.
export const ALERT_KINDS: readonly string[];
/** Most urgent first. */
export const SEVERITIES: readonly string[];
export const ALERT_STATES: readonly string[];
/** Every reason, 'cleared' (the gateway's own) included. */
export const RESOLUTION_REASONS: readonly string[];
/** The reasons a person chooses from. */
export const PERSON_RESOLUTION_REASONS: readonly string[];
export const VERIFICATION_STATES: readonly string[];
/** Guarded decisions, from best to worst. */
export const DECISIONS: readonly string[];
export const READING_STATUSES: readonly string[];
export const REGIMES: readonly string[];
export const CERTIFICATE_KINDS: readonly string[];
/** Kinds of reference standard (proving measure, weights…). */
export const STANDARD_KINDS: readonly string[];
/** A lot's verdict: pending, pass, fail. */
export const LOT_VERDICTS: readonly string[];
/** violation, sealed-off, observation. */
export const FINDING_KINDS: readonly string[];
export const FINDING_STATES: readonly string[];
export const INSPECTION_STATES: readonly string[];
/** Why an examined instrument does not conform. */
export const ITEM_REASONS: readonly string[];
/** Province names by region code (ISO 3166-2:VN and the project's aliases). */
export const PROVINCES: Readonly<Record<string, { vi: string; en: string }>>;
