// `npm run docs:config`: writes the README's configuration table from src/config.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config.ts';
import { configTableRows, withConfigTable } from '../src/config-table.ts';

const path = join(PACKAGE_ROOT, 'README.md');
const before = readFileSync(path, 'utf8');
const after = withConfigTable(before);
if (after === before) {
  process.stdout.write(`README.md: the configuration table is up to date (${configTableRows().size} settings)\n`);
} else {
  writeFileSync(path, after);
  process.stdout.write(`README.md: configuration table written (${configTableRows().size} settings)\n`);
}
