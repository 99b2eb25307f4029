// Which spec files make up the test run. Unit suites need no emulator (`npm run test:unit`); the
// rest run inside the emulator suite (`npm test` runs both).
export const UNIT_SPECS = [
  "scripts/test/**/*.test.ts",
  "core/test/**/*.test.ts",
  "client/test/**/*.test.ts",
  "tools/test/unit/**/*.test.ts",
  "functions/test/unit/**/*.test.ts",
  "monitoring/test/unit/**/*.test.ts",
];

/** The demo app in headless Chromium (`npm run test:browser` runs it alone). */
export const BROWSER_SPECS = "browser/**/*.test.ts";

export const EMULATOR_SPECS = [
  "tools/test/integration/**/*.test.ts",
  "functions/test/integration/**/*.test.ts",
  "monitoring/test/integration/**/*.test.ts",
  "rules-tests/**/*.test.ts",
  "e2e/**/*.test.ts",
  BROWSER_SPECS,
];
