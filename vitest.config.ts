import { defineConfig } from 'vitest/config';

const SHARED = ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts', 'test/handlers/**/*.test.ts'];
/** Whole-stack synths under cdk-nag and the synth CLI's exit code: with the package proof (vitest.package.config.ts). */
export const FULL_SYNTH = ['test/infra/nag.test.ts', 'test/infra/synth-errors.test.ts'];
/**
 * Whole lab rollouts beyond the representative ones (test/lab/e2e: ALB, alarms, approvals): NLB, the
 * alarm event path, every other layer, policy scenarios, back-to-back releases, serve mode and the
 * traffic plane's real-time alarms. Real time dominates them, so they are
 * `npm run test:lab` (vitest.lab.config.ts), which CI runs too, and npm test stays within its budget.
 */
export const LONG_LAB = ['test/lab/traffic.test.ts', 'test/lab/nlb-e2e.test.ts', 'test/lab/alarm-abort.test.ts', 'test/lab/edge-runs.test.ts', 'test/lab/policy-scenarios.test.ts', 'test/lab/releases.test.ts', 'test/lab/serve.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Threads start faster than forks (≈ 30% off this suite on 2 cores).
    pool: 'threads',
    // Both cores: the lab tests mostly wait on real time (bakes, polls), the rest is CPU.
    maxWorkers: 2,
    projects: [
      // Suites that keep no state between files (each resets its mocks and clients) share one module
      // graph per worker: aws-cdk-lib and the SDKs load once instead of once per file.
      { extends: true, test: { name: 'shared', include: SHARED, exclude: [...FULL_SYNTH, '**/node_modules/**'], isolate: false } },
      // What we ship (npm pack into a CDK app, esbuild bundles) is `npm run test:package`, run by CI too.
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: [...SHARED, ...LONG_LAB, 'test/package/**', '**/node_modules/**'] } },
    ],
  },
});
