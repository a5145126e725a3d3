import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // What we ship (npm pack into a CDK app, esbuild bundles): `npm run test:package`, run by CI too.
    exclude: ['test/package/**', '**/node_modules/**'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Threads start faster than forks (≈ 30% off this suite on 2 cores).
    pool: 'threads',
    // Both cores: the lab tests mostly wait on real time (bakes, polls), the rest is CPU.
    maxWorkers: 2,
  },
});
