// Loads the prepackage sampling plans (devices/prepackages/sampling-plans.json) and the table of tolerable
// deficiencies (devices/prepackages/tolerable-deficiency.json). Like profile-loader.ts, the only I/O of this part
// of the core: call it once at start-up and pass the result to planLot / judgeLot (tolerableDeficiency).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSamplingPlans, type LotRules, type SamplingPlans } from './sampling-plans.ts';
import { parseToleranceTable, type ToleranceTable } from './tolerable-deficiency.ts';

/** Where the plans live inside the profiles directory (MAG_PROFILES_DIR, `devices/` by default). */
export const SAMPLING_PLANS_FILE = join('prepackages', 'sampling-plans.json');

/** Where the table of tolerable deficiencies lives inside the profiles directory. */
export const TOLERABLE_DEFICIENCY_FILE = join('prepackages', 'tolerable-deficiency.json');

/**
 * The lot rules of a profiles directory (MAG_PROFILES_DIR): its sampling plans with its table of tolerable
 * deficiencies (`tolerance`), both edited there as data. A directory without the table (one made before it
 * was data) takes the package's.
 */
export function loadLotRules(profilesDir: string): LotRules {
  const plans = loadSamplingPlans(join(profilesDir, SAMPLING_PLANS_FILE));
  const table = join(profilesDir, TOLERABLE_DEFICIENCY_FILE);
  return existsSync(table) ? { ...plans, tolerance: loadToleranceTable(table) } : plans;
}

/** Reads and validates the sampling plans; throws an Error naming the file and what is wrong. */
export function loadSamplingPlans(file: string): SamplingPlans {
  return parseSamplingPlans(readJson(file, 'the sampling plans'), file);
}

/** Reads and validates a table of tolerable deficiencies; throws an Error naming the file and the bad row. */
export function loadToleranceTable(file: string): ToleranceTable {
  return parseToleranceTable(readJson(file, 'the table of tolerable deficiencies'), file);
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}
