// How every handler is bundled: one set of esbuild options, used by the stack (NodejsFunction),
// by `npm run build` / `npm pack` (scripts/build.ts: the package's pre-bundled dist/handlers/<handler>/index.mjs)
// and by bench/bundles.ts, so the benchmark measures exactly what Lambda runs.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { HANDLERS, type HandlerName } from './handlers.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export { HANDLERS, type HandlerName } from './handlers.ts';

export const handlerEntry = (name: HandlerName): string => join(REPO_ROOT, 'lambdas', 'handlers', `${name}.ts`);

/**
 * The AWS SDK's credential fallbacks. The default chain tries environment credentials first, and
 * Lambda always sets them, so these are never loaded there; the chain reaches them only through
 * dynamic import(), so leaving them out of the bundle changes nothing at run time and saves about
 * 120 KB per function. The nodejs22.x runtime ships them anyway. test/infra/bundling.test.ts imports
 * a bundle from a directory without node_modules, which fails if any of them is ever imported statically.
 */
export const CREDENTIAL_FALLBACKS = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/nested-clients',
  '@smithy/credential-provider-imds',
];

/**
 * The esbuild options of every function. ESM output (Lambda nodejs22.x loads index.mjs natively;
 * the `module` builds of the AWS SDK tree-shake better: about 560 KB against 900 KB as CJS).
 * We bundle our pinned AWS SDK v3 instead of using the runtime's, so Lambda runs the exact SDK
 * the tests ran against (error names, retry behaviour), not whatever version the runtime ships
 * that month; only the credential fallbacks above stay out.
 */
export const BUNDLE = {
  target: 'node22',
  format: 'esm',
  minify: true,
  // No keepNames: errors.ts gives every error a literal `name` (the ASL ErrorEquals value), so
  // minified class names change nothing the state machine sees.
  keepNames: false,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies still call require() for Node built-ins; ESM has no require.
  banner: "import { createRequire as __csCreateRequire } from 'node:module'; const require = __csCreateRequire(import.meta.url);",
  external: CREDENTIAL_FALLBACKS,
} as const;

/** The same options as plain esbuild BuildOptions (what NodejsFunction passes on the command line). */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLE.target,
    format: BUNDLE.format,
    minify: BUNDLE.minify,
    keepNames: BUNDLE.keepNames,
    sourcemap: BUNDLE.sourcemap,
    sourcesContent: BUNDLE.sourcesContent,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    external: [...BUNDLE.external],
    logLevel: 'warning',
  };
}

export interface BundledHandler {
  name: HandlerName;
  file: string;
  bytes: number;
}

/** Bundle the handlers that exist into `outdir/<name>/index.mjs`. */
export async function bundleHandlers(outdir: string, names: readonly HandlerName[] = HANDLERS): Promise<BundledHandler[]> {
  const { build } = await import('esbuild');
  const present = names.filter((n) => existsSync(handlerEntry(n)));
  return Promise.all(
    present.map(async (name) => {
      const file = join(outdir, name, 'index.mjs');
      await build(esbuildOptions(handlerEntry(name), file));
      return { name, file, bytes: statSync(file).size };
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = join(REPO_ROOT, 'dist', 'handlers');
  const built = await bundleHandlers(outdir);
  for (const b of built) console.log(`${b.name.padEnd(18)} ${(b.bytes / 1024).toFixed(0).padStart(5)} KB  ${b.file}`);
  const missing = HANDLERS.filter((n) => !built.some((b) => b.name === n));
  if (missing.length > 0) console.log(`not built (no file yet): ${missing.join(', ')}`);
}
