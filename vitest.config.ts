import { defineConfig } from 'vitest/config';

// Three projects, one per kind of test:
// - unit: beside the code they test (src/**, simulators/**); no influxd, browser or network,
//   `npm run test:unit` runs only these;
// - integration: test/integration/, against real services each file starts on free ports;
// - e2e: test/e2e/, the console in Chromium.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', 'simulators/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
