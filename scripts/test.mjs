// `npm test`: the type-check (tsc) and the suites (vitest) side by side. The lab tests mostly wait on
// real time (bakes, polls), so the type-check runs in their idle CPU instead of before them.
// Exits non-zero if either fails. Arguments go to vitest (e.g. `npm test -- test/unit`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const run = (name, args) =>
  new Promise((resolve) => {
    const child = spawn(bin(name), args, { stdio: 'inherit' });
    child.on('error', (err) => {
      console.error(`${name}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const [tsc, vitest] = await Promise.all([run('tsc', ['--noEmit']), run('vitest', ['run', ...process.argv.slice(2)])]);
if (tsc !== 0) console.error(`\ntype-check failed: tsc --noEmit exited ${tsc} (its errors are above)`);
process.exit(tsc !== 0 ? tsc : vitest);
