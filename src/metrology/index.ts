// Public API of the pure metrology core (drift statistics live in ./drift.ts).
export * from './types.ts';
export {
  InstrumentProfileSchema,
  MpeRuleSchema,
  MpeRulesSchema,
  ChannelSpecSchema,
  FieldSpecSchema,
  DriftParametersSchema,
  PlausibilitySchema,
  TransactionAuditSchema,
  parseProfile,
  type InstrumentProfile,
  type MpeRule,
  type MpeRules,
  type SimpleMpeRule,
  type ChannelSpec,
  type FieldSpec,
  type DriftParameters,
  type Plausibility,
  type TransactionAudit,
  type Range,
} from './profile.ts';
export { loadProfiles } from './profile-loader.ts';
export { conversionFactor, toCanonical, resolveUnit, isUcumCode } from './units.ts';
export { channelFor, isFieldErrors, validateDevice, type Channel, type ChannelSelector } from './channel.ts';
export { maximumPermissibleError, channelMpe, mpeOfRule } from './mpe.ts';
export { expandedUncertainty, legalDecision, guardedDecision, normalisedError, isOutOfTolerance } from './decision.ts';
export { applyCorrection, latestCalibration } from './correction.ts';
export { verificationState, isVerified } from './verification.ts';
export { evaluateCheck, channelUnitFactor, type MetrologyContext } from './check.ts';
export { evaluateReading, plausibleChangeLimit, type ReadingContext, type EvaluatedReading } from './reading.ts';
export { auditTransaction, transactionAuditOptions, type Transaction, type TransactionFinding } from './transaction.ts';
