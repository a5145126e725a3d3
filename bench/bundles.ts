// Bundle size and module-initialisation time of every Lambda handler, bundled exactly as the stack
// bundles them (infra/bundle.ts: esbuild, minified, node22, ESM, our pinned AWS SDK).
// Run: npx tsx bench/bundles.ts [runs]   (runs: default BENCH_REPS, else 5). Prints and reports figures
// (bench/result.ts); asserts nothing.
//
// Init time = `await import(bundle)` in a fresh Node process (the bundle's top-level code: SDK
// clients' modules, Powertools, zod schemas), median of N runs, measured inside the process so
// Node's own start-up is excluded. Measured with and without --enable-source-maps (the stack sets
// it, for readable stack traces). Bundles are written outside the repo, so nothing can resolve
// from node_modules: a bundle that needed a file it does not contain would fail here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, HANDLERS, bundleHandlers } from '../infra/bundle.ts';
import { quick, report, repetitions, type Figure } from './result.ts';

const RUNS = Number(process.argv[2] ?? repetitions(quick() ? 3 : 5));
const TARGET_KB = 500;
const TARGET_MS = 150;

const IMPORT_TIMER = `
const t0 = performance.now();
await import(process.env.BUNDLE_URL);
process.stdout.write(String(performance.now() - t0));
`;

function initMs(file: string, sourceMaps: boolean): number {
  const out = execFileSync(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', IMPORT_TIMER], {
    // What Lambda provides, plus what the stack sets; no network is touched at import time.
    env: {
      PATH: process.env.PATH ?? '',
      BUNDLE_URL: pathToFileURL(file).href,
      TABLE_NAME: 'bench',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
    },
    cwd: tmpdir(),
    encoding: 'utf8',
  });
  return Number(out);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

const dir = mkdtempSync(join(tmpdir(), 'canary-switch-bench-'));
try {
  const built = await bundleHandlers(dir);
  console.log(`canary-switch bundles: esbuild ${BUNDLE.format}, target ${BUNDLE.target}, minify ${BUNDLE.minify}, keepNames ${BUNDLE.keepNames}, AWS SDK bundled (credential fallbacks external)`);
  console.log(`Node ${process.version} (Lambda runs nodejs22.x on arm64; expect different absolute times there). Median of ${RUNS} runs.\n`);
  const header = ['handler', 'bundle', 'map', 'init', 'init +maps', `≤${TARGET_KB} KB`, `≤${TARGET_MS} ms`];
  const rows: string[][] = [];
  const figures: Figure[] = [];
  for (const b of built) {
    const plain: number[] = [];
    const mapped: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      plain.push(initMs(b.file, false));
      mapped.push(initMs(b.file, true));
    }
    const kb = b.bytes / 1024;
    const mapKb = statSync(`${b.file}.map`).size / 1024;
    const withMaps = median(mapped);
    figures.push(
      { name: `${b.name}: bundle`, unit: 'KB', samples: [Math.round(kb)], goal: `≤ ${TARGET_KB}` },
      { name: `${b.name}: source map`, unit: 'KB', samples: [Math.round(mapKb)] },
      { name: `${b.name}: module init`, unit: 'ms', samples: plain },
      { name: `${b.name}: module init with --enable-source-maps (as deployed)`, unit: 'ms', samples: mapped, goal: `≤ ${TARGET_MS}` },
    );
    rows.push([
      b.name,
      `${kb.toFixed(0)} KB`,
      `${mapKb.toFixed(0)} KB`,
      `${median(plain).toFixed(1)} ms`,
      `${withMaps.toFixed(1)} ms`,
      kb <= TARGET_KB ? 'yes' : 'NO',
      withMaps <= TARGET_MS ? 'yes' : 'NO',
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  const missing = HANDLERS.filter((h) => !built.some((b) => b.name === h));
  if (missing.length > 0) console.log(`\nnot bundled (no file yet): ${missing.join(', ')}`);
  report({
    bench: 'bundles',
    setup: `esbuild ${BUNDLE.format}, target ${BUNDLE.target}, minified, AWS SDK bundled; init = \`await import(bundle)\` in a fresh Node process, ${RUNS} runs each (Lambda runs nodejs22.x on arm64: expect other absolute times there)`,
    figures,
    ...(missing.length > 0 ? { notes: [`not bundled (no file yet): ${missing.join(', ')}`] } : {}),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
