import { defineConfig } from 'vitest/config';

const SHARED = ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts', 'test/handlers/**/*.test.ts'];

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
      { extends: true, test: { name: 'shared', include: SHARED, isolate: false } },
      // What we ship (npm pack into a CDK app, esbuild bundles) is `npm run test:package`, run by CI too.
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: [...SHARED, 'test/package/**', '**/node_modules/**'] } },
    ],
  },
});
