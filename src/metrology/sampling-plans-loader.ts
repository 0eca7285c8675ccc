// Loads the prepackage sampling plans (devices/prepackages/sampling-plans.json). Like profile-loader.ts, the
// only I/O of this part of the core: call it once at start-up and pass the result to planLot / judgeLot.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSamplingPlans, type SamplingPlans } from './sampling-plans.ts';

/** Where the plans live inside the profiles directory (MAG_PROFILES_DIR, `devices/` by default). */
export const SAMPLING_PLANS_FILE = join('prepackages', 'sampling-plans.json');

/** Reads and validates the sampling plans; throws an Error naming the file and what is wrong. */
export function loadSamplingPlans(file: string): SamplingPlans {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read the sampling plans ${file}: ${(err as Error).message}`);
  }
  return parseSamplingPlans(json, file);
}
