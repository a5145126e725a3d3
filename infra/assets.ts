// Where each function's code comes from.
// - Installed package (`npm install canary-switch`): the handler pre-bundled at pack time
//   (scripts/build.ts → dist/handlers/<name>/index.mjs, beside this module's compiled copy in
//   dist/infra/), deployed as is with lambda.Code.fromAsset. Resolved from the package's own
//   directory, never from the CDK app's working directory, and the app needs no esbuild.
// - Checkout (this file run as TypeScript source) or an `entries` override: NodejsFunction bundles
//   the entry file with infra/bundle.ts's options, as `npm run synth` and the infra tests do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { HandlerName } from './handlers.ts';

/** dist/handlers/ of the installed package; in a checkout, `<repo>/handlers/`, which does not exist. */
export const PREBUILT_DIR = fileURLToPath(new URL('../handlers/', import.meta.url));

/** The directory holding one handler's pre-bundled index.mjs (and its source map). */
export const prebuiltHandlerDir = (name: HandlerName): string => join(PREBUILT_DIR, name);

/** NodejsFunction's code props: the entry file when it exists, else the package's pre-bundled handler. */
export function handlerCode(fnId: string, name: HandlerName, entry: string): { entry: string; handler: string } | { code: lambda.Code; handler: string } {
  if (existsSync(entry)) return { entry, handler: 'handler' };
  const bundled = prebuiltHandlerDir(name);
  if (existsSync(join(bundled, 'index.mjs'))) return { code: lambda.Code.fromAsset(bundled), handler: 'index.handler' };
  throw new Error(
    `canary-switch: the ${fnId} function's handler file ${entry} does not exist (expected \`export async function handler\`), ` +
      `and there is no pre-bundled ${join(bundled, 'index.mjs')}; in a checkout, fix the entry; in an installed package, reinstall canary-switch`,
  );
}
