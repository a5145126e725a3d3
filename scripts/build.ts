// The package build (`npm run build`, and `npm pack` / `npm publish` through prepack). Writes dist/:
//   handlers/<name>/index.mjs(.map)   each Lambda handler pre-bundled (infra/bundle.ts's esbuild options);
//                                     the construct deploys these as they are (infra/assets.ts)
//   infra/ schema/ cli/ lambdas/      compiled JavaScript + .d.ts (tsconfig.build.json) for plain Node
//   statemachine/rollout.asl.json     the workflow, read by the construct at synth
//   rollout-input.schema.json         the input's JSON Schema, generated from the zod schema
// Run: node --import tsx scripts/build.ts
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HANDLERS, REPO_ROOT, bundleHandlers, type BundledHandler } from '../infra/bundle.ts';
import { JSON_SCHEMA_FILE, jsonSchemaText } from '../schema/json-schema.ts';

export const DIST = join(REPO_ROOT, 'dist');

export async function build(log: (line: string) => void = console.log): Promise<BundledHandler[]> {
  rmSync(DIST, { recursive: true, force: true });
  // tsc (parsing aws-cdk-lib's declarations) is the slow part; esbuild runs meanwhile.
  const [handlers] = await Promise.all([bundleHandlers(join(DIST, 'handlers')), compile()]);
  rewriteDeclarationImports(DIST);
  const missing = HANDLERS.filter((n) => !handlers.some((h) => h.name === n));
  if (missing.length > 0) throw new Error(`build: no handler file for ${missing.join(', ')} (lambdas/handlers/<name>.ts); the construct needs every one`);
  mkdirSync(join(DIST, 'statemachine'), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'statemachine', 'rollout.asl.json'), join(DIST, 'statemachine', 'rollout.asl.json'));
  writeFileSync(join(DIST, JSON_SCHEMA_FILE), jsonSchemaText());
  for (const h of handlers) log(`${`handlers/${h.name}`.padEnd(26)} ${(h.bytes / 1024).toFixed(0).padStart(5)} KB`);
  log(`compiled infra/index.ts, schema/index.ts, cli/main.ts → ${DIST} (JavaScript + .d.ts); wrote ${JSON_SCHEMA_FILE}`);
  return handlers;
}

function compile(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', join(REPO_ROOT, 'tsconfig.build.json')], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build: tsc -p tsconfig.build.json exited with ${code}`))));
  });
}

/**
 * tsc rewrites `./x.ts` to `./x.js` in JavaScript (rewriteRelativeImportExtensions) but keeps `.ts`
 * in declarations; `./x.js` is what every consumer's TypeScript resolves to x.d.ts.
 */
function rewriteDeclarationImports(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(/((?:from|import)\s*\(?\s*')(\.{1,2}\/[^']+)\.ts(')/g, '$1$2.js$3');
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await build();
