// Loads the instrument-type profiles from devices/*.json. The one part of src/metrology that does I/O;
// call it once at start-up and pass the map around.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseProfile, type InstrumentProfile } from './profile.ts';

/**
 * Reads and validates every `*.json` in `dir`. The file name (without .json) must equal the profile id.
 * Throws an Error naming the file and what is wrong on the first bad profile.
 */
export function loadProfiles(dir: string): Map<string, InstrumentProfile> {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new Error(`Cannot read the instrument profile directory ${dir}: ${(err as Error).message}`);
  }
  const profiles = new Map<string, InstrumentProfile>();
  for (const name of names) {
    const file = join(dir, name);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`Invalid instrument profile ${file}: not valid JSON (${(err as Error).message})`);
    }
    const profile = parseProfile(json, file);
    const expected = basename(name, '.json');
    if (profile.id !== expected) {
      throw new Error(`Invalid instrument profile ${file}:\n  id: "${profile.id}" must equal the file name "${expected}" (rename the file or fix the id)`);
    }
    profiles.set(profile.id, profile);
  }
  return profiles;
}
