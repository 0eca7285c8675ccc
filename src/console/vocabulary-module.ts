// The gateway's enumerated values the console lists or labels (alert kinds, severities, states,
// resolution reasons, verification states, decisions…), served to the browser as the ES module
// /console/vocabulary.js. The console takes them from here instead of keeping its own copies,
// so a kind added to the gateway shows up in its filters; src/console/vocabulary.test.ts
// checks that each has a label in both languages.
import { ALERT_KINDS, RESOLUTION_REASONS, type AlertState, type Severity } from '../alerts/alert-book.ts';
import type { Certificate, GuardedDecision, ReadingStatus, Regime, VerificationStateName } from '../metrology/types.ts';
import { STANDARD_KINDS } from '../metrology/traceability.ts';
import type { LotVerdict } from '../metrology/prepackages.ts';
import { FINDING_KINDS, FINDING_STATES, INSPECTION_STATES, ITEM_REASONS } from '../inspections/types.ts';
import { PROVINCE_TABLE, provinceOf } from '../oversight/provinces.ts';

/**
 * Every member of the union T, each once, in the order given: a compile error when T gains a
 * member the list lacks (or the list holds one T has not). For the unions that are types only.
 */
const allOf =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : never)): L =>
    list;

export const VOCABULARY = {
  alertKinds: ALERT_KINDS,
  /** Most urgent first, as the console offers them. */
  severities: allOf<Severity>()(['critical', 'warning', 'info']),
  alertStates: allOf<AlertState>()(['open', 'acknowledged', 'resolved']),
  /** Every reason an alert is resolved for, 'cleared' (the gateway's own) included. */
  resolutionReasons: RESOLUTION_REASONS,
  /** The reasons a person chooses from (POST /api/v1/alerts/:id/resolve refuses 'cleared'). */
  personResolutionReasons: RESOLUTION_REASONS.filter((r) => r !== 'cleared'),
  verificationStates: allOf<VerificationStateName>()(['valid', 'due-soon', 'expired', 'none']),
  /** Guarded decisions (ILAC-G8), from best to worst. */
  decisions: allOf<GuardedDecision>()(['pass', 'conditional-pass', 'conditional-fail', 'fail']),
  readingStatuses: allOf<ReadingStatus>()(['ok', 'unverified', 'out-of-range', 'implausible']),
  regimes: allOf<Regime>()(['verification', 'inService']),
  certificateKinds: allOf<Certificate['kind']>()(['verification', 'calibration']),
  standardKinds: STANDARD_KINDS,
  lotVerdicts: allOf<LotVerdict>()(['pending', 'pass', 'fail']),
  /** The inspector's work: kinds and states of findings, states of records, why an instrument does not conform. */
  findingKinds: FINDING_KINDS,
  findingStates: FINDING_STATES,
  inspectionStates: INSPECTION_STATES,
  itemReasons: ITEM_REASONS,
} as const;

/** The i18n.js group each list is labelled under (`kind.drift`, `severity.info`…). */
export const LABEL_GROUPS: Record<keyof typeof VOCABULARY, string> = {
  alertKinds: 'kind',
  severities: 'severity',
  alertStates: 'state',
  resolutionReasons: 'reason',
  personResolutionReasons: 'reason',
  verificationStates: 'verif',
  decisions: 'decision',
  readingStatuses: 'status',
  regimes: 'regime',
  certificateKinds: 'certkind',
  standardKinds: 'skind',
  lotVerdicts: 'verdict',
  findingKinds: 'finding',
  findingStates: 'fstate',
  inspectionStates: 'istate',
  itemReasons: 'itemreason',
};

/** Exported names in the browser module: ALERT_KINDS, SEVERITIES… (declared in vocabulary.d.ts). */
const EXPORTS: Record<keyof typeof VOCABULARY, string> = {
  alertKinds: 'ALERT_KINDS',
  severities: 'SEVERITIES',
  alertStates: 'ALERT_STATES',
  resolutionReasons: 'RESOLUTION_REASONS',
  personResolutionReasons: 'PERSON_RESOLUTION_REASONS',
  verificationStates: 'VERIFICATION_STATES',
  decisions: 'DECISIONS',
  readingStatuses: 'READING_STATUSES',
  regimes: 'REGIMES',
  certificateKinds: 'CERTIFICATE_KINDS',
  standardKinds: 'STANDARD_KINDS',
  lotVerdicts: 'LOT_VERDICTS',
  findingKinds: 'FINDING_KINDS',
  findingStates: 'FINDING_STATES',
  inspectionStates: 'INSPECTION_STATES',
  itemReasons: 'ITEM_REASONS',
};

/**
 * The provinces' names by code, the project's aliases included (src/oversight/provinces-vn.json): the
 * console names a region as the printed report does, "Bắc Giang" for VN-BG.
 */
export function provinceNames(): Record<string, { vi: string; en: string }> {
  const codes = [...PROVINCE_TABLE.provinces.map((p) => p.code), ...Object.keys(PROVINCE_TABLE.aliases.codes)];
  return Object.fromEntries(codes.map((c) => [c, { vi: provinceOf(c)!.vi, en: provinceOf(c)!.en }]));
}

/** The text of /console/vocabulary.js. */
export function vocabularyModule(): string {
  const lines = (Object.keys(VOCABULARY) as (keyof typeof VOCABULARY)[]).map((k) => `export const ${EXPORTS[k]} = ${JSON.stringify(VOCABULARY[k])};`);
  lines.push(`export const PROVINCES = ${JSON.stringify(provinceNames())};`);
  return `// The gateway's own lists, written by src/console/vocabulary-module.ts when served.\n${lines.join('\n')}\n`;
}
