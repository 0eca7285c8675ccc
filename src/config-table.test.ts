// The README's configuration table is the one src/config.ts renders: a setting added, removed or
// re-described without `npm run docs:config` fails here, naming the variable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, PACKAGE_ROOT, SETTING_DOCS } from './config.ts';
import { TABLE_END, TABLE_START, configTableDifferences, renderConfigTable, withConfigTable } from './config-table.ts';

const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

describe('the README configuration table', () => {
  it('matches ConfigSchema and SETTING_DOCS row for row', () => {
    const differences = configTableDifferences(readme);
    expect(differences, `README.md is out of date with src/config.ts; run \`npm run docs:config\`:\n  ${differences.join('\n  ')}`).toEqual([]);
  });

  it('has a row for every setting the schema parses', () => {
    expect(Object.keys(SETTING_DOCS).sort()).toEqual(Object.keys(ConfigSchema.shape).sort());
  });
});

describe('rendering the table', () => {
  it('shows defaults, allowed values and a size in words where the schema has them', () => {
    const table = renderConfigTable();
    expect(table).toMatch(/\| `MAG_MQTT_PORT` \| `1883` \| integer 0–65535 \|/);
    // positiveInt.max(100000).default(1000): an exclusive 0 on an integer is a minimum of 1.
    expect(table).toMatch(/\| `MAG_MAX_BATCH_READINGS` \| `1000` \| integer 1–100000 \|/);
    // 2 × 1024³ bytes = 2 GiB; 5 × 60 × 1000 ms = 5 min.
    expect(table).toMatch(/\| `MAG_JOURNAL_MAX_BYTES` \| `2147483648` \(2 GiB\) \| integer ≥ 1 \|/);
    expect(table).toMatch(/\| `MAG_FUTURE_TOLERANCE_MS` \| `300000` \(5 min\) \| integer ≥ 0 \|/);
    expect(table).toMatch(/\| `MAG_JOURNAL_SYNC` \| `full` \| `full`, `normal` \|/);
    expect(table).toMatch(/\| `MAG_ADMIN_TOKEN` \| unset \| text, ≥ 16 characters \|/);
  });

  it('names a changed variable and the command that fixes it', () => {
    const stale = withConfigTable(readme)
      .replace('| `MAG_HTTP_PORT` | `8080` |', '| `MAG_HTTP_PORT` | `8081` |')
      .replace(/^\| `MAG_CORS_ORIGINS` .*\n/m, '');
    const differences = configTableDifferences(stale);
    expect(differences).toHaveLength(2);
    expect(differences[0]).toMatch(/^MAG_HTTP_PORT differs/);
    expect(differences[1]).toBe("MAG_CORS_ORIGINS is missing from the README's configuration table");
  });

  it('replaces only what lies between the markers', () => {
    const doc = `# Title\n\nbefore\n${TABLE_START}\nold table\n${TABLE_END}\nafter\n`;
    const out = withConfigTable(doc);
    expect(out.startsWith(`# Title\n\nbefore\n${TABLE_START}\n| variable |`)).toBe(true);
    expect(out.endsWith(`|\n${TABLE_END}\nafter\n`)).toBe(true);
    expect(withConfigTable(out)).toBe(out);
    expect(() => withConfigTable('# no markers')).toThrow(/config:start/);
  });
});
