import { defineConfig } from 'vitest/config';
import { LONG_LAB } from './vitest.config.ts';

// `npm run test:lab`: the long lab rollouts (see LONG_LAB in vitest.config.ts). CI (.ci/run) runs it
// after npm test. Loopback only, each run bounded; real time (bakes, polls, DNS TTLs) dominates.
export default defineConfig({
  test: {
    include: LONG_LAB,
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'threads',
    maxWorkers: 2,
  },
});
