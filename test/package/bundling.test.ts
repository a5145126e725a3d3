// The one synth with real bundling: NodejsFunction runs the local esbuild (no Docker on this
// machine, so this also proves forceDockerBundling is off) with infra/bundle.ts's options. Then a
// bundle is run from a directory with no node_modules anywhere above it, in a fresh Node process.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE } from '../../infra/bundle.ts';
import { FULL_PROPS, fnLogicalId, props, resources, synth, type Synth } from '../infra/fixtures.ts';

const FUNCTIONS = ['Prepare', 'Shift', 'Evaluate', 'Finalize', 'Rollback', 'SafetyNet', 'RequestApproval', 'SlackCallback'];

let outdir: string;
let runDir: string;
let synthesized: Synth;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'canary-switch-bundled-'));
  runDir = mkdtempSync(join(tmpdir(), 'canary-switch-run-'));
  synthesized = synth(FULL_PROPS, { bundling: true, outdir });
}, 120_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
});

/** The bundled asset directory of one function (Code.S3Key is `<asset hash>.zip`). */
function assetDir(fnId: string): string {
  const code = props(resources(synthesized.template, 'AWS::Lambda::Function')[fnLogicalId(synthesized.template, fnId)]!).Code as { S3Key: string };
  return join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
}

describe('bundling (esbuild, local)', () => {
  it('every function has a minified ESM bundle with a source map and nothing else', () => {
    expect(BUNDLE.format).toBe('esm');
    for (const id of FUNCTIONS) {
      const dir = assetDir(id);
      const js = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect({ id, map: existsSync(join(dir, 'index.mjs.map')), node_modules: existsSync(join(dir, 'node_modules')) }).toEqual({ id, map: true, node_modules: false });
      // Minified: long lines, no indentation-heavy source.
      expect(js.split('\n').length).toBeLessThan(200);
      expect(js.startsWith("import { createRequire as __csCreateRequire } from 'node:module';")).toBe(true);
      expect(statSync(join(dir, 'index.mjs')).size).toBeGreaterThan(50_000);
    }
  });

  it('the state machine’s Rollback and the safety net run the same bundle (lambdas/handlers/rollback.ts)', () => {
    expect(readFileSync(join(assetDir('SafetyNet'), 'index.mjs'), 'utf8')).toBe(readFileSync(join(assetDir('Rollback'), 'index.mjs'), 'utf8'));
    expect(assetDir('Shift')).not.toBe(assetDir('Rollback'));
  });

  it('a bundle runs on its own and keeps error names (the ASL matches on them): Prepare rejects bad input as InvalidInput', () => {
    copyFileSync(join(assetDir('Prepare'), 'index.mjs'), join(runDir, 'index.mjs'));
    copyFileSync(join(assetDir('Prepare'), 'index.mjs.map'), join(runDir, 'index.mjs.map'));
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(runDir, 'index.mjs')).href)});
      try { await handler({ input: { target: { listenerArn: 'nope' } }, executionArn: 'arn:aws:states:us-east-1:123456789012:execution:x:y' }); console.log('resolved'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }
    `;
    const out = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      cwd: runDir,
      env: { PATH: process.env.PATH ?? '', TABLE_NAME: 'test', AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      encoding: 'utf8',
    });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { name: string; message: string };
    expect(result.name).toBe('InvalidInput');
    expect(result.message).toContain('target.listenerArn = "nope": is not a listener ARN');
  });
});
