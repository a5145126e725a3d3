// `npm run bench`: every benchmark, one after another (each in its own process, so neither's servers,
// clients or environment leak into the other's figures). Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = ['lab.ts', 'scale.ts', 'bundles.ts', 'package.ts', 'restore-budget.ts', 'judge.ts'];

let failed = false;
for (const name of BENCHMARKS) {
  const file = fileURLToPath(new URL(name, import.meta.url));
  if (!existsSync(file)) {
    console.log(`(bench/${name} not present: skipped)\n`);
    continue;
  }
  console.log(`═══ bench/${name} ${'═'.repeat(Math.max(0, 60 - name.length))}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  // A benchmark that crashed is worth a non-zero exit; figures that miss a goal are not (they are printed).
  if (run.status !== 0) {
    failed = true;
    console.log(`bench/${name} exited with ${run.status ?? run.signal}`);
  }
  console.log('');
}
process.exitCode = failed ? 1 : 0;
