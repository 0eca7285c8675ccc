// The instrument models by type id: adding a type is one entry here and one module beside it.

import type { z } from 'zod';
import { BarometerParamsSchema, createBarometer } from './barometer.ts';
import { BreathAlcoholParamsSchema, createBreathAlcoholAnalyser } from './breath-alcohol-analyser.ts';
import { FuelDispenserParamsSchema, createFuelDispenser } from './fuel-dispenser.ts';
import { GasDetectorParamsSchema, createGasDetector } from './gas-detector.ts';
import { ProfileProjectorParamsSchema, createProfileProjector } from './profile-projector.ts';
import { ScaleParamsSchema, createScale } from './scale.ts';
import { FillingLineParamsSchema, createFillingLine } from './filling-line.ts';
import { WaterMeterParamsSchema, createWaterMeter } from './water-meter.ts';
import type { InstrumentModel, InstrumentType, ModelEnv } from './types.ts';

export interface ModelDefinition {
  paramsSchema: z.ZodType;
  create(env: ModelEnv, params?: Record<string, unknown>): InstrumentModel;
  /** Defaults for the fleet file: mean simulated interval between readings and between checks. */
  defaultReadingInterval: string;
  defaultCheckInterval: string;
}

export const MODELS: Record<InstrumentType, ModelDefinition> = {
  'fuel-dispenser': {
    paramsSchema: FuelDispenserParamsSchema,
    create: (env, params) => createFuelDispenser(env, params),
    defaultReadingInterval: '20m',
    defaultCheckInterval: '7d',
  },
  'gas-detector': {
    paramsSchema: GasDetectorParamsSchema,
    create: (env, params) => createGasDetector(env, params),
    defaultReadingInterval: '30m',
    defaultCheckInterval: '30d',
  },
  'breath-alcohol-analyser': {
    paramsSchema: BreathAlcoholParamsSchema,
    create: (env, params) => createBreathAlcoholAnalyser(env, params),
    defaultReadingInterval: '2h',
    defaultCheckInterval: '14d',
  },
  barometer: {
    paramsSchema: BarometerParamsSchema,
    create: (env, params) => createBarometer(env, params),
    defaultReadingInterval: '10m',
    defaultCheckInterval: '14d',
  },
  scale: {
    paramsSchema: ScaleParamsSchema,
    create: (env, params) => createScale(env, params),
    defaultReadingInterval: '15m',
    defaultCheckInterval: '14d',
  },
  'profile-projector': {
    paramsSchema: ProfileProjectorParamsSchema,
    create: (env, params) => createProfileProjector(env, params),
    defaultReadingInterval: '1h',
    defaultCheckInterval: '7d',
  },
  // A filling line's checkweigher: measured packages of lots (its pace is packagesPerMinute, not the intervals).
  checkweigher: {
    paramsSchema: FillingLineParamsSchema,
    create: (env, params) => createFillingLine(env, params),
    defaultReadingInterval: '1h',
    defaultCheckInterval: '30d',
  },
  // A cold-water meter: its register read hourly (the profile's expected interval), a check session (Q1, Q2, Q3) every 14 days.
  'water-meter': {
    paramsSchema: WaterMeterParamsSchema,
    create: (env, params) => createWaterMeter(env, params),
    defaultReadingInterval: '1h',
    defaultCheckInterval: '14d',
  },
};

export * from './types.ts';
export {
  createBarometer,
  createBreathAlcoholAnalyser,
  createFillingLine,
  createFuelDispenser,
  createGasDetector,
  createProfileProjector,
  createScale,
  createWaterMeter,
};
