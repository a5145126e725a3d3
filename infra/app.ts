// `cdk synth` / `cdk deploy` entry (cdk.json: npx tsx infra/app.ts). Configuration: infra/config.ts
// and the README's Deploy section. The CLI runs this with CDK_OUTDIR set, so the App synthesizes on exit.
import { createApp } from './config.ts';

createApp();
