// Public API of the pure metrology core (drift statistics: ./drift.ts).
export * from './types.ts';
export {
  InstrumentProfileSchema,
  MpeRuleSchema,
  MpeRulesSchema,
  ChannelSpecSchema,
  FieldSpecSchema,
  DriftParametersSchema,
  SellerFavourRuleSchema,
  PlausibilitySchema,
  TransactionAuditSchema,
  CitationSchema,
  SourcesSchema,
  EminBandSchema,
  parseProfile,
  type InstrumentProfile,
  type MpeRule,
  type MpeRules,
  type SimpleMpeRule,
  type ChannelSpec,
  type FieldSpec,
  type DriftParameters,
  type SellerFavourParameters,
  type Plausibility,
  type TransactionAudit,
  type Range,
  type Citation,
  type EminBand,
} from './profile.ts';
export {
  judgeSellerFavour,
  deviceUserOf,
  favourAlertKind,
  signTestPValue,
  assertSellerFavourRule,
  type SellerFavourRule,
  type SellerFavourCounts,
  type SellerFavourJudgement,
  type TradeParty,
} from './seller-favour.ts';
export { figuresNeedingSources, citationsFor, unconfirmedFigures, sourceProblems, resolvePointer } from './sources.ts';
export { loadProfiles } from './profile-loader.ts';
export { conversionFactor, toCanonical, resolveUnit, isUcumCode } from './units.ts';
export { channelFor, isFieldErrors, validateDevice, type Channel, type ChannelSelector } from './channel.ts';
export { maximumPermissibleError, channelMpe, mpeOfRule, minimumVolumeDeviation, minimumMeasuredQuantity } from './mpe.ts';
export { LengthDependentMpeRuleSchema, lengthDependentMpe, lengthRuleUnitProblems, type LengthDependentMpeRule } from './mpe-length.ts';
export { expandedUncertainty, legalDecision, guardedDecision, normalisedError, isOutOfTolerance, DECISION_SLACK } from './decision.ts';
export { applyCorrection, latestCalibration } from './correction.ts';
export { verificationState, isVerified, effectiveVerificationDue, addCalendarMonths, standingWord, intervalMonthsOf, standingOf } from './verification.ts';
export { evaluateCheck, channelUnitFactor, type MetrologyContext } from './check.ts';
export { evaluateReading, plausibleChangeLimit, type ReadingContext, type EvaluatedReading } from './reading.ts';
export { auditTransaction, transactionAuditOptions, type Transaction, type TransactionFinding } from './transaction.ts';
export {
  STANDARD_KINDS,
  DEFAULT_TRACEABILITY_RULE,
  certificateInForce,
  standardState,
  judgeTraceability,
  traceabilityDetails,
  judgedWithStandard,
  type ReferenceStandard,
  type StandardCertificate,
  type StandardKind,
  type StandardStateName,
  type StandardOfCheck,
  type TraceabilityRule,
  type TraceabilityJudgement,
  type TraceabilityIssueKind,
} from './traceability.ts';
export { impactPeriod, closingCalibration, possibleDecisions, type ImpactPeriod, type ImpactBasis } from './standard-impact.ts';
