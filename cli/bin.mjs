#!/usr/bin/env node
// `npx canary-switch`. In a checkout, the TypeScript CLI runs through tsx (no build step); the
// installed package has no sources, only the JavaScript compiled at pack time (scripts/build.ts).
import { existsSync } from 'node:fs';

if (existsSync(new URL('./main.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('./main.ts');
  await main();
} else {
  const { main } = await import('../dist/cli/main.js');
  await main();
}
