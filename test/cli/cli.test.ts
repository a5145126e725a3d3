// The command line as a whole: help with examples, usage errors, AWS errors that say how to fix
// them, region/profile, the lab passthrough, and the real launcher (cli/bin.mjs) in a process.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CredentialsProviderError } from '@smithy/core/config';
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/lab.ts';
import { alarmsAre, ARN, bakingAtTenPercent, describeOutput, EXECUTION_NAME, FIXTURES, harness, historyOf, listenerAt } from './harness.ts';

describe('help', () => {
  it('lists the commands, global options, exit codes and environment', async () => {
    const h = harness();
    expect(await h.run('--help')).toBe(0);
    const out = h.stdout();
    for (const cmd of ['plan', 'start', 'watch', 'status', 'approve', 'reject', 'abort', 'list', 'lab']) expect(out).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    for (const opt of ['--region', '--profile', '--state-machine', '--table', '--json']) expect(out).toContain(opt);
    expect(out).toContain('Exit codes:');
    expect(out).toContain('CANARY_SWITCH_STATE_MACHINE_ARN');
  });

  it.each(['plan', 'start', 'watch', 'status', 'approve', 'reject', 'abort', 'list', 'lab'])('%s --help has examples', async (cmd) => {
    const h = harness();
    // `lab --help` is the lab's own help (passed through); its examples are in `help lab`.
    h.io.spawn = async () => 0;
    expect(await h.run('help', cmd)).toBe(0);
    expect(h.stdout()).toContain(`Examples:\n  $ canary-switch ${cmd}`);
  });

  it('an unknown command or option is a usage error (exit 2) with a hint', async () => {
    const h = harness();
    expect(await h.run('deploy')).toBe(2);
    expect(h.stderr()).toContain("error: unknown command 'deploy'");
    const o = harness();
    expect(await o.run('status', '--verbose')).toBe(2);
    expect(o.stderr()).toContain("error: unknown option '--verbose'");
    expect(o.stderr()).toContain('(canary-switch --help shows the commands)');
  });

  it('a missing argument is a usage error', async () => {
    const h = harness();
    expect(await h.run('approve')).toBe(2);
    expect(h.stderr()).toContain("error: missing required argument 'execution'");
  });
});

describe('AWS errors', () => {
  it('no credentials: exit 3, "set AWS_PROFILE or run aws sso login"', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).rejects(new CredentialsProviderError('Could not load credentials from any providers', { tryNextLink: false }));
    expect(await h.run('status', EXECUTION_NAME)).toBe(3);
    expect(h.stderr()).toMatchInlineSnapshot(`
      "canary-switch: no AWS credentials: set AWS_PROFILE (or --profile) or run aws sso login (SDK: Could not load credentials from any providers)
      "
    `);
  });

  it('names the profile when one is in use', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).rejects(new CredentialsProviderError('Token is expired. To refresh this SSO session run aws sso login', { tryNextLink: false }));
    expect(await h.run('status', EXECUTION_NAME, '--profile', 'prod-sre')).toBe(3);
    expect(h.stderr()).toContain('no AWS credentials for profile prod-sre: set AWS_PROFILE (or --profile) or run aws sso login --profile prod-sre');
  });

  it('expired credentials and access denied are exit 3 with the fix', async () => {
    const expired = harness();
    expired.sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException', $metadata: { httpStatusCode: 400 } }));
    expect(await expired.run('status', EXECUTION_NAME)).toBe(3);
    expect(expired.stderr()).toContain('AWS credentials are expired or invalid (ExpiredTokenException): run aws sso login');

    const denied = harness();
    denied.sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/ReadOnly/alice is not authorized to perform: states:DescribeExecution'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    expect(await denied.run('status', EXECUTION_NAME)).toBe(3);
    expect(denied.stderr()).toContain('access denied (AccessDeniedException): User: arn:aws:sts::123456789012:assumed-role/ReadOnly/alice is not authorized');
  });

  it('no region says where to set one', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).rejects(new Error('Region is missing'));
    expect(await h.run('status', EXECUTION_NAME)).toBe(3);
    expect(h.stderr()).toContain('no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile');
  });

  it('an unexpected error is exit 1 and says what it was', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).rejects(new TypeError('boom'));
    expect(await h.run('status', EXECUTION_NAME)).toBe(1);
    expect(h.stderr()).toBe('canary-switch: unexpected error: TypeError: boom\n');
  });
});

describe('region and profile', () => {
  function baking(h: ReturnType<typeof harness>) {
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(bakingAtTenPercent().steps) });
    listenerAt(h, 9, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
  }

  it('without --region the region of the execution ARN is used, before AWS_REGION', async () => {
    const h = harness({ env: { AWS_REGION: 'eu-west-1', CANARY_SWITCH_STATE_MACHINE_ARN: undefined } });
    baking(h);
    expect(await h.run('status', ARN.execution)).toBe(0);
    expect(h.awsOptions).toEqual([{ region: 'us-east-1', profile: undefined }]);
  });

  it('--region and --profile win; AWS_PROFILE is the default profile', async () => {
    const h = harness({ env: { AWS_PROFILE: 'default-sre' } });
    baking(h);
    expect(await h.run('--region', 'ap-northeast-1', 'status', EXECUTION_NAME)).toBe(0);
    expect(h.awsOptions).toEqual([{ region: 'ap-northeast-1', profile: 'default-sre' }]);
    const p = harness({ env: { AWS_PROFILE: 'default-sre' } });
    baking(p);
    expect(await p.run('status', EXECUTION_NAME, '--profile', 'prod')).toBe(0);
    expect(p.awsOptions).toEqual([{ region: 'us-east-1', profile: 'prod' }]);
  });

  it('a malformed --state-machine is a usage error before any call', async () => {
    const h = harness();
    expect(await h.run('list', '--state-machine', 'canary-switch')).toBe(2);
    expect(h.stderr()).toContain('canary-switch is not a state machine ARN; expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME');
    expect(h.awsOptions).toEqual([]);
  });
});

describe('lab', () => {
  it('spawns tsx lab/main.ts with the arguments untouched and passes the exit code through', async () => {
    const h = harness();
    const spawned: unknown[] = [];
    h.io.spawn = async (command, args, options) => {
      spawned.push({ command, args, options });
      return 3;
    };
    expect(await h.run('lab', '--scenario', 'bad-canary', '--json', '--help')).toBe(3);
    expect(spawned).toEqual([{ command: process.execPath, args: ['--import', 'tsx', 'lab/main.ts', '--scenario', 'bad-canary', '--json', '--help'], options: { cwd: REPO_ROOT } }]);
    expect(h.awsOptions).toEqual([]);
  });
});

describe('cli/bin.mjs (the npx canary-switch launcher)', () => {
  const exec = promisify(execFile);
  const bin = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));
  const env = { ...process.env, CANARY_SWITCH_STATE_MACHINE_ARN: '', AWS_PROFILE: '' };

  it('runs the TypeScript CLI through tsx and exits with its code', async () => {
    const ok = await exec(process.execPath, [bin, 'plan', 'rollout.json', '--json'], { cwd: FIXTURES, env, timeout: 20_000 });
    expect(JSON.parse(ok.stdout).plan.steps).toHaveLength(5);

    const bad = await exec(process.execPath, [bin, 'plan', 'invalid-plan.json'], { cwd: FIXTURES, env, timeout: 20_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain('invalid rollout input in invalid-plan.json (4 problems)');
  });
});
