// The console lists and labels the gateway's own values (alert kinds, severities, reasons…):
// it gets them from /console/vocabulary.js, written from the gateway's source, and has a label
// for each in Vietnamese and in English.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS, RESOLUTION_REASONS } from '../alerts/alert-book.ts';
import { profiles } from '../metrology/test-fixtures.ts';
import { LABEL_GROUPS, VOCABULARY, vocabularyModule } from './vocabulary-module.ts';

type Dict = Record<string, string | undefined>;
const LANGS = ['vi', 'en'] as const;

/** The console's dictionary (browser code without types, so imported by URL). */
async function dictionary(lang: (typeof LANGS)[number]): Promise<Dict> {
  const m = await import(new URL(`./i18n-${lang}.js`, import.meta.url).href);
  return m[lang] as Dict;
}

/** `group.value` keys with no label (or an empty one) in that language. */
async function unlabelled(group: string, values: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const lang of LANGS) {
    const dict = await dictionary(lang);
    for (const v of values) if (!dict[`${group}.${v}`]?.trim()) missing.push(`${lang}: ${group}.${v}`);
  }
  return missing;
}

describe('the console vocabulary', () => {
  it('labels every alert kind and every resolution reason of the gateway in Vietnamese and English', async () => {
    expect(await unlabelled('kind', ALERT_KINDS)).toEqual([]);
    expect(await unlabelled('reason', RESOLUTION_REASONS)).toEqual([]);
  });

  it('names every instrument type of devices/ in Vietnamese and English', async () => {
    expect(await unlabelled('type', [...profiles.keys()])).toEqual([]);
  });

  it('labels every value it lists (severities, states, verification states, decisions…) in both languages', async () => {
    for (const [list, values] of Object.entries(VOCABULARY)) {
      expect(await unlabelled(LABEL_GROUPS[list as keyof typeof VOCABULARY], values), list).toEqual([]);
    }
  });

  it("is served as a module holding the gateway's lists, under the names vocabulary.d.ts declares", async () => {
    const served = await import(`data:text/javascript;charset=utf-8,${encodeURIComponent(vocabularyModule())}`);
    expect(served.ALERT_KINDS).toEqual([...ALERT_KINDS]);
    expect(served.RESOLUTION_REASONS).toEqual([...RESOLUTION_REASONS]);
    // a person resolves for a reason; 'cleared' is the gateway's own
    expect(served.PERSON_RESOLUTION_REASONS).toEqual(['recalibrated', 'adjusted', 'repaired', 'false-alarm', 'retired', 'other']);
    expect(served.SEVERITIES).toEqual(['critical', 'warning', 'info']);
    const declared = [...readFileSync(new URL('./vocabulary.d.ts', import.meta.url), 'utf8').matchAll(/^export const (\w+):/gm)].map((m) => m[1]);
    expect(Object.keys(served).sort()).toEqual(declared.sort());
    // the provinces by name, as the printed report names them: the ISO code and the project's letter alias alike
    expect(served.PROVINCES['VN-54']).toEqual({ vi: 'Bắc Giang', en: 'Bac Giang' });
    expect(served.PROVINCES['VN-BG']).toEqual({ vi: 'Bắc Giang', en: 'Bac Giang' });
    expect(served.PROVINCES['VN-HN']).toEqual({ vi: 'Hà Nội', en: 'Ha Noi' });
    expect(Object.keys(served.PROVINCES)).toHaveLength(63 + 4);
  });
});
