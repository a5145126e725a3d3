#!/usr/bin/env node
// `npx canary-switch` from the checkout: run the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
await main();
