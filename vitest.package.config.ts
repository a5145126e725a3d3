import { defineConfig } from 'vitest/config';
import { FULL_SYNTH } from './vitest.config.ts';

// `npm run test:package`: the package as shipped — the tarball installed into a fresh CDK app outside
// the repository, and the esbuild bundles the construct deploys. It builds, so it is slower and kept
// out of `npm test`; CI (.ci/run) runs both. The whole-stack synths under cdk-nag (FULL_SYNTH) run here too.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts', ...FULL_SYNTH],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Forks: CDK's local bundling hands process.stderr to a child process, which a worker thread's is not.
    pool: 'forks',
    maxWorkers: 2,
  },
});
