// `cdk synth` with a bad configuration: the validation message alone on stderr, exit 2, no stack.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('synth with a bad config', () => {
  it('prints the problems without a Node stack trace and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-switch-synth-'));
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ listenerArns: ['bad'] }));
    // What the CDK CLI does for `cdk synth -c config=…`: run the app with the context in CDK_CONTEXT_JSON.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config }), CDK_OUTDIR: join(dir, 'out') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'canary-switch: 1 problem in the props of canary-switch/CanarySwitch:\n' +
        '- listenerArns[0] = "bad": not a listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb>/<id>/<id>)\n',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
