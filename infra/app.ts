// `cdk synth` / `cdk deploy` entry (cdk.json: npx tsx infra/app.ts). Configuration: infra/config.ts
// and docs/deploy.md. The CLI runs this with CDK_OUTDIR set, so the App synthesizes on exit.
import { createApp } from './config.ts';

try {
  createApp();
} catch (err) {
  // A configuration problem is reported as its message alone (field, value, fix; exit 2): a Node
  // stack trace would only bury it. Anything else is a bug and keeps its stack.
  if (!(err instanceof Error && err.message.startsWith('canary-switch: '))) throw err;
  // exit now: the App would otherwise still synthesize a half-built stack when the process ends.
  process.stderr.write(`${err.message}\n`, () => process.exit(2));
}
