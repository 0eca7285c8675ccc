// Instrument-type profiles (devices/*.json): the zod schema and its parser.
// Instrument types are data: every tolerance, interval and limit lives in the profile, not in code.
import { z } from 'zod';
import { LengthDependentMpeRuleSchema, lengthRuleUnitProblems } from './mpe-length.ts';
import { sourceProblems } from './sources.ts';
import { conversionFactor, isUcumCode } from './units.ts';

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
const positive = finite.refine((n) => n > 0, { message: 'must be > 0' });
const nonNegative = finite.refine((n) => n >= 0, { message: 'must be >= 0' });

export const RangeSchema = z.strictObject({ min: finite, max: finite }).refine((r) => r.min < r.max, { message: 'range.min must be < range.max' });
export type Range = z.infer<typeof RangeSchema>;

/** An MPE rule that needs nothing but the reference value. Percent is of |reference|. */
export const SimpleMpeRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('absolute'), value: nonNegative }),
  z.strictObject({ kind: z.literal('relative'), percent: nonNegative }),
  /** max(absolute, percent % × |reference|) */
  z.strictObject({ kind: z.literal('maxOf'), absolute: nonNegative, percent: nonNegative }),
]);
export type SimpleMpeRule = z.infer<typeof SimpleMpeRuleSchema>;

/** One band of a piecewise rule: applies while |reference| < upTo (or <= upTo when inclusive). The last band may omit upTo. */
export const MpeBandSchema = z.strictObject({
  upTo: finite.optional(),
  inclusive: z.boolean().default(true),
  rule: SimpleMpeRuleSchema,
});

/**
 * One row of the minimum specified volume deviation table (OIML R117 / EU MID MI-005): applies while
 * MMQ < mmqBelow (the last row omits it); Emin = times × A/100 × volume, or × MMQ when volume is absent.
 */
export const EminBandSchema = z.strictObject({ mmqBelow: positive.optional(), times: positive, volume: positive.optional() });
export type EminBand = z.infer<typeof EminBandSchema>;

/**
 * One load band of a scale class: MPE = mpeE × e while load <= upToE × e. The last band of a class may omit
 * upToE: it is then open-ended (OIML R76-1 Table 6, class I: 1.5e for every load above 200 000e), and the
 * class's MPE table has no end; a class whose last band has upToE has none beyond it.
 */
export const ScaleBandSchema = z.strictObject({ upToE: positive.optional(), mpeE: positive });
export type ScaleBand = z.infer<typeof ScaleBandSchema>;

/** Every band but the last has upToE, ascending; the last may omit it (open-ended) or continue the ascent. */
function scaleBandsOrdered(bs: readonly ScaleBand[]): boolean {
  return bs.every((b, i) => {
    if (b.upToE === undefined) return i === bs.length - 1;
    const prev = i === 0 ? undefined : bs[i - 1]!.upToE;
    return prev === undefined || b.upToE > prev;
  });
}

export const MpeRuleSchema = z.discriminatedUnion('kind', [
  ...SimpleMpeRuleSchema.options,
  /** Dimensional instruments: ±(A + L/K), L the measured length (./mpe-length.ts). */
  LengthDependentMpeRuleSchema,
  z.strictObject({
    kind: z.literal('piecewise'),
    bands: z
      .array(MpeBandSchema)
      .min(1)
      .refine((bands) => bands.every((b, i) => i === bands.length - 1 || (b.upTo !== undefined && (i === 0 || b.upTo > (bands[i - 1]!.upTo ?? Infinity)))), {
        message: 'bands must have ascending upTo; only the last band may omit upTo',
      }),
  }),
  /** A simple rule chosen by the device's accuracy class (device.class, else defaultClass). */
  z
    .strictObject({
      kind: z.literal('byClass'),
      defaultClass: z.string().min(1),
      classes: z.record(z.string(), SimpleMpeRuleSchema),
    })
    .refine((r) => r.defaultClass in r.classes, { message: 'defaultClass must be one of classes', path: ['defaultClass'] }),
  /**
   * A simple rule chosen by the check's test point (its `point`) within the device's class: an instrument whose
   * MPE depends on the condition of the test, not on the reference value (a water meter, OIML R49: the flow
   * zone, Q1 lower, Q2…Q4 upper). A check at a point its class does not list has no MPE (./mpe.ts).
   */
  z
    .strictObject({
      kind: z.literal('byTestPoint'),
      defaultClass: z.string().min(1),
      classes: z.record(
        z.string(),
        z.record(z.string().min(1), SimpleMpeRuleSchema).refine((ps) => Object.keys(ps).length > 0, { message: 'a class must list at least one test point' }),
      ),
    })
    .refine((r) => r.defaultClass in r.classes, { message: 'defaultClass must be one of classes', path: ['defaultClass'] }),
  /** OIML R76: MPE in scale intervals e by load band, per accuracy class. */
  z
    .strictObject({
      kind: z.literal('scaleIntervals'),
      defaultClass: z.string().min(1),
      classes: z.record(
        z.string(),
        z.array(ScaleBandSchema).min(1).refine(scaleBandsOrdered, { message: 'upToE must ascend; only the last band may omit it (open-ended: no upper load)' }),
      ),
    })
    .refine((r) => r.defaultClass in r.classes, { message: 'defaultClass must be one of classes', path: ['defaultClass'] }),
  /**
   * Accuracy class A (%) of a measuring system for liquids (OIML R117, EU MID MI-005):
   * MPE = max(A % × V, Emin), Emin from the row of `emin` that holds the MMQ.
   * MMQ comes from the device (device.mmq), else defaultMmq; a test volume below the MMQ is not a valid test.
   */
  z
    .strictObject({
      kind: z.literal('accuracyClass'),
      defaultClass: z.string().min(1),
      classes: z.record(z.string(), positive),
      defaultMmq: positive,
      emin: z
        .array(EminBandSchema)
        .min(1)
        .refine((rows) => rows.every((r, i) => i === rows.length - 1 || (r.mmqBelow !== undefined && (i === 0 || r.mmqBelow > rows[i - 1]!.mmqBelow!))), {
          message: 'emin rows must have ascending mmqBelow; only the last row may omit it',
        }),
    })
    .refine((r) => r.defaultClass in r.classes, { message: 'defaultClass must be one of classes', path: ['defaultClass'] }),
]);
export type MpeRule = z.infer<typeof MpeRuleSchema>;

/** MPE rules per regime. inService absent means verification × inServiceFactor. */
export const MpeRulesSchema = z.strictObject({
  verification: MpeRuleSchema,
  inService: MpeRuleSchema.optional(),
});
export type MpeRules = z.infer<typeof MpeRulesSchema>;

const ucumCode = z.string().min(1);

/** One measurement channel: a gas of a gas detector, or the single channel of any other type. */
export const ChannelSpecSchema = z.strictObject({
  quantity: z.string().min(1).optional(),
  canonicalUnit: ucumCode,
  units: z.array(ucumCode).min(1),
  range: RangeSchema,
  resolution: positive,
  mpe: MpeRulesSchema,
  /** Overrides the profile's inServiceFactor for this channel. */
  inServiceFactor: positive.optional(),
});
export type ChannelSpec = z.infer<typeof ChannelSpecSchema>;

/** A field a reading of this type requires or allows, besides seq/ts/quantity/value/unit. */
export const FieldSpecSchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean']),
  required: z.boolean(),
  /** Stored as an InfluxDB tag (strings only). */
  tag: z.boolean().default(false),
  /** A number in the same unit as the reading's value; converted to the canonical unit with it. */
  sameUnitAsValue: z.boolean().default(false),
  /** Allowed values (strings). For the field `gas` of a channelled type, the channel names are implied. */
  values: z.array(z.string()).optional(),
  description: z.string().optional(),
});
export type FieldSpec = z.infer<typeof FieldSpecSchema>;

/**
 * Where a figure of the profile comes from. `basis` says what kind of limit it is: a Vietnamese legal
 * requirement, an international recommendation a device may opt into, an acceptance limit chosen by the
 * operator or the maker (not a legal MPE), a maker's specification, or a MAG default from practice.
 */
export const CitationSchema = z.strictObject({
  source: z.string().min(1),
  basis: z.enum(['legal', 'international', 'acceptance', 'manufacturer', 'practice']),
  note: z.string().optional(),
  /** True when the figure was not checked against the primary text: editable data, listed in docs/metrology.md. */
  unconfirmed: z.boolean().default(false),
  /** Secondary sources (pages) the figure was checked against. */
  seenIn: z.array(z.string().min(1)).optional(),
});
export type Citation = z.infer<typeof CitationSchema>;

/** Citations keyed by the JSON Pointer (RFC 6901) of the figure they cover, e.g. "/mpe/verification". */
export const SourcesSchema = z.record(
  z.string().regex(/^(\/[^/]+)+$/, { message: 'keys are JSON Pointers such as "/mpe/verification"' }),
  z.union([CitationSchema, z.array(CitationSchema).min(1)]).transform((c) => (Array.isArray(c) ? c : [c])),
);

export const DriftParametersSchema = z.strictObject({
  lambda: finite.refine((x) => x > 0 && x <= 1, { message: 'must be in (0, 1]' }).default(0.2),
  L: positive.default(3),
  k: positive.default(0.5),
  h: positive.default(5),
  sigmaMpeDivisor: positive.default(3),
  /** Phase I: σ is estimated from the moving range of the first phaseIChecks checks after a reset, then frozen. */
  phaseIChecks: z.number().int().min(2).default(8),
  minPointsForPrediction: z.number().int().min(3).default(4),
  /** One-sided confidence of the prediction bound behind the predicted out-of-tolerance date. */
  predictionConfidence: finite.refine((x) => x >= 0.5 && x < 1, { message: 'must be in [0.5, 1)' }).default(0.95),
  horizonDays: positive.default(90),
  /** Two-sided confidence of the slope test before a date is predicted (repeated after every check, so high). */
  slopeConfidence: finite.refine((x) => x >= 0.5 && x < 1, { message: 'must be in [0.5, 1)' }).default(0.999),
  /** Smallest EWMA shift worth a drift alert, as a fraction of the MPE (0: every statistical signal). */
  minShiftMpe: finite.refine((x) => x >= 0, { message: 'must be ≥ 0' }).default(0.2),
});
export type DriftParameters = z.infer<typeof DriftParametersSchema>;

/**
 * Errors that favour the seller (the instrument's user), judged per drift series (./seller-favour.ts,
 * docs/metrology.md §6; NIST HB44 G-UR.4.1 for the principle, the numbers MAG's choice). Types without
 * it are not judged for it.
 */
export const SellerFavourRuleSchema = z
  .strictObject({
    /** Sign of the error (indicated − reference) that favours the seller: 1 when indicating more charges for more than given. */
    errorSign: z.union([z.literal(1), z.literal(-1)]),
    /** Fewest checks with a non-zero error before a finding. */
    minChecks: z.number().int().min(1).default(5),
    /** Largest one-sided sign-test p-value that counts as "predominantly" on the seller's side. */
    maxPValue: finite.refine((x) => x > 0 && x <= 1, { message: 'must be in (0, 1]' }).default(0.05),
    /** Smallest mean error on the seller's side, as a fraction of the MPE ("near the tolerance limit"). */
    minMeanMpe: nonNegative.default(0.5),
    /** An open alert stays while the p-value is at most this (≥ maxPValue; absent: maxPValue, no margin). */
    clearPValue: finite.refine((x) => x > 0 && x <= 1, { message: 'must be in (0, 1]' }).optional(),
    /** An open alert stays while the mean is at least this fraction of the MPE (≤ minMeanMpe; absent: minMeanMpe). */
    clearMeanMpe: nonNegative.optional(),
  })
  .refine((r) => r.clearPValue === undefined || r.clearPValue >= r.maxPValue, { message: 'clearPValue must be at least maxPValue', path: ['clearPValue'] })
  .refine((r) => r.clearMeanMpe === undefined || r.clearMeanMpe <= r.minMeanMpe, {
    message: 'clearMeanMpe must be at most minMeanMpe',
    path: ['clearMeanMpe'],
  });
export type SellerFavourParameters = z.infer<typeof SellerFavourRuleSchema>;

/**
 * A use of the instrument in trade with requirements of its own (a device's `use`): a scale weighing gold must
 * have an e no coarser than its capacity allows (Circular 22/2013/TT-BKHCN). `maxScaleInterval`: bands of Max
 * (canonical unit), the last open (no `upToMax`), each with the coarsest e allowed at that capacity.
 */
export const TradeUseSchema = z.strictObject({
  /** What sets the requirements, as a refusal cites it ("Circular 22/2013/TT-BKHCN Article 4(1)"). */
  basis: z.string().min(1).max(200),
  /**
   * Who uses the instrument in this trade: the seller (absent) or the buyer (a scale at a purchasing point).
   * The seller-favour rule then watches the errors in the buyer's favour (a `buyer-favoured` alert).
   */
  deviceUser: z.enum(['seller', 'buyer']).optional(),
  maxScaleInterval: z
    .array(z.strictObject({ upToMax: positive.optional(), e: positive }))
    .min(1)
    .refine((bs) => bs.every((b, i) => (b.upToMax === undefined ? i === bs.length - 1 : i === 0 || b.upToMax > bs[i - 1]!.upToMax!)), {
      message: 'upToMax must ascend; only the last band may omit it (every larger Max)',
    })
    .optional(),
});
export type TradeUse = z.infer<typeof TradeUseSchema>;

/** WMO time-consistency: the value may change by at most maxChange within `hours`. */
export const PlausibilitySchema = z.strictObject({
  unit: ucumCode,
  maxChange: z
    .array(z.strictObject({ hours: positive, max: positive }))
    .min(1)
    .refine((ls) => ls.every((l, i) => i === 0 || l.hours > ls[i - 1]!.hours), { message: 'hours must ascend' }),
});
export type Plausibility = z.infer<typeof PlausibilitySchema>;

export const TransactionAuditSchema = z.strictObject({
  /** Largest accepted |amount − volume × unitPrice|, currency units. */
  priceRounding: nonNegative,
  /** Largest accepted |(totalizerEnd − totalizerStart) − volume| and |totalizerStart − previous totalizerEnd|, canonical unit. */
  volumeTolerance: nonNegative,
  /**
   * Step the volume is displayed/sent with (canonical unit). When a dispenser computes the amount from its
   * unrounded volume (pay-by-amount presets), amount may differ from volume × unitPrice by unitPrice × step/2;
   * that much is accepted on top of priceRounding. Default 0.
   */
  volumeRounding: nonNegative.optional(),
});
export type TransactionAudit = z.infer<typeof TransactionAuditSchema>;

/** What a type asks of the reference standards that check it (docs/metrology.md §8; src/metrology/traceability.ts). */
export const ReferenceStandardsRuleSchema = z.strictObject({
  /** Smallest test uncertainty ratio MPE / U_ref of a check. */
  minTestUncertaintyRatio: positive.default(3),
  /** Largest U_ref in % of the test value (a numeric class at most this qualifies too). */
  maxUncertaintyPercent: positive.optional(),
});
export type ReferenceStandardsRule = z.infer<typeof ReferenceStandardsRuleSchema>;

export const InstrumentProfileSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'id must be lower-case letters, digits and dashes' }),
    name: z.string().min(1),
    description: z.string().optional(),
    quantity: z.string().min(1),
    /** The single channel of a type without `channels`; optional (and unused) when `channels` is given. */
    canonicalUnit: ucumCode.optional(),
    units: z.array(ucumCode).min(1).optional(),
    range: RangeSchema.optional(),
    resolution: positive.optional(),
    mpe: MpeRulesSchema.optional(),
    /** Per-gas (or per-sensor) channels; a reading must name one in `channelField`. */
    channels: z.record(z.string(), ChannelSpecSchema).optional(),
    channelField: z.string().min(1).optional(),
    /** Wire spellings that are not UCUM codes, mapped to the UCUM code: {"ppm": "[ppm]", "%LEL": "%{LEL}"}. */
    unitAliases: z.record(z.string(), ucumCode).default({}),
    fields: z.record(z.string(), FieldSpecSchema).default({}),
    /** Readings of this type are transactions (fuel dispenser). */
    transactions: z.boolean().default(false),
    transactionAudit: TransactionAuditSchema.optional(),
    inServiceFactor: positive.default(1),
    verificationIntervalMonths: z.number().int().positive(),
    /**
     * Which certificates keep a device of this type in standing (valid, due soon, expired): `verification`
     * (legal verification, the default) or `calibration`, for types outside the legal verification list
     * (profile projectors), whose interval is the enterprise's own (verificationIntervalMonths holds it).
     */
    standing: z.enum(['verification', 'calibration']).default('verification'),
    /**
     * Intervals that differ by the instrument's construction (the device's `construction`), in
     * months: a scale's `spring-dial` 24 where the type's is 12. A device of another construction,
     * or none, has verificationIntervalMonths.
     */
    verificationIntervalMonthsByConstruction: z.record(z.string().min(1).max(64), z.number().int().positive()).optional(),
    dueSoonDays: z.number().int().nonnegative().default(30),
    checkMethod: z.string().min(1),
    /** Every figure above cites its source here (figuresNeedingSources in ./sources.ts). */
    sources: SourcesSchema,
    /** Expected time between readings; the offline detector uses it. */
    expectedIntervalSeconds: positive,
    drift: DriftParametersSchema.default(DriftParametersSchema.parse({})),
    /** Absent: the type is not judged for errors that favour the seller. */
    sellerFavour: SellerFavourRuleSchema.optional(),
    /** Uses in trade with requirements of their own, by the name a device's `use` gives (`gold-trading`). */
    tradeUses: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/), TradeUseSchema).optional(),
    plausibility: PlausibilitySchema.optional(),
    /** Absent: MPE / U_ref ≥ 3 (DEFAULT_TRACEABILITY_RULE). */
    referenceStandards: ReferenceStandardsRuleSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.channels === undefined) {
      for (const key of ['canonicalUnit', 'units', 'range', 'resolution', 'mpe'] as const) {
        if (p[key] === undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required when the profile has no channels` });
        }
      }
      if (p.canonicalUnit !== undefined && p.units !== undefined && !p.units.includes(p.canonicalUnit)) {
        ctx.addIssue({ code: 'custom', path: ['units'], message: `units must include the canonicalUnit "${p.canonicalUnit}"` });
      }
    } else {
      if (Object.keys(p.channels).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['channels'], message: 'channels must name at least one channel' });
      }
      if (p.channelField === undefined) {
        ctx.addIssue({ code: 'custom', path: ['channelField'], message: 'channelField (e.g. "gas") is required with channels' });
      } else if (p.fields[p.channelField] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['fields', p.channelField], message: `fields must declare the channel field "${p.channelField}"` });
      }
      for (const [name, ch] of Object.entries(p.channels)) {
        if (!ch.units.includes(ch.canonicalUnit)) {
          ctx.addIssue({ code: 'custom', path: ['channels', name, 'units'], message: `units must include the canonicalUnit "${ch.canonicalUnit}"` });
        }
      }
    }
    if (p.transactions && p.transactionAudit === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['transactionAudit'],
        message: 'transactionAudit {priceRounding, volumeTolerance} is required when transactions is true',
      });
    }
  });

export type InstrumentProfile = z.infer<typeof InstrumentProfileSchema>;

/** Formats zod issues as "path: message" lines. */
function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return `  ${path}: ${issue.message}`;
  });
}

/**
 * Validates one profile. Throws an Error naming `source` (the file) and every failing path with what is allowed.
 */
export function parseProfile(json: unknown, source: string): InstrumentProfile {
  const result = InstrumentProfileSchema.safeParse(json);
  const problems = result.success ? [...unitProblems(result.data), ...sourceProblems(result.data)] : formatIssues(result.error);
  if (!result.success || problems.length > 0) {
    throw new Error(`Invalid instrument profile ${source}:\n${problems.join('\n')}\nFix the profile (format: devices/README.md) and restart.`);
  }
  return result.data;
}

/** Units must be UCUM codes convertible to their channel's canonical unit; aliases must map to UCUM codes. */
function unitProblems(p: InstrumentProfile): string[] {
  const problems: string[] = [];
  const channels: [string, { canonicalUnit: string; units: string[] }][] = p.channels
    ? Object.entries(p.channels).map(([name, ch]) => [`channels.${name}.`, ch])
    : [['', { canonicalUnit: p.canonicalUnit!, units: p.units! }]];
  for (const [prefix, ch] of channels) {
    if (!isUcumCode(ch.canonicalUnit)) {
      problems.push(
        `  ${prefix}canonicalUnit: "${ch.canonicalUnit}" is not a UCUM code (e.g. "L", "hPa", "[ppm]", "%{LEL}"); map wire spellings in unitAliases`,
      );
      continue;
    }
    ch.units.forEach((u, i) => {
      if (!isUcumCode(u)) {
        problems.push(`  ${prefix}units.${i}: "${u}" is not a UCUM code; put UCUM codes here and wire spellings in unitAliases`);
      } else if (conversionFactor(u, ch.canonicalUnit) === undefined) {
        problems.push(`  ${prefix}units.${i}: "${u}" does not convert to the canonical unit "${ch.canonicalUnit}"`);
      }
    });
  }
  const mpeRules: [string, string, MpeRules | undefined][] = p.channels
    ? Object.entries(p.channels).map(([name, ch]) => [`channels.${name}.mpe`, ch.canonicalUnit, ch.mpe])
    : [['mpe', p.canonicalUnit!, p.mpe]];
  for (const [path, unit, rules] of mpeRules) {
    for (const regime of ['verification', 'inService'] as const) {
      const rule = rules?.[regime];
      if (rule?.kind === 'lengthDependent') problems.push(...lengthRuleUnitProblems(rule, unit, `${path}.${regime}`));
    }
  }
  for (const [alias, code] of Object.entries(p.unitAliases)) {
    if (!isUcumCode(code)) problems.push(`  unitAliases.${alias}: "${code}" is not a UCUM code`);
  }
  if (p.plausibility && p.canonicalUnit && conversionFactor(p.plausibility.unit, p.canonicalUnit) === undefined) {
    problems.push(`  plausibility.unit: "${p.plausibility.unit}" does not convert to the canonical unit "${p.canonicalUnit}"`);
  }
  return problems;
}
