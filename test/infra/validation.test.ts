// Synth-time validation: a bad schedule or a prop the rollout could not work with fails `cdk synth`
// with a message naming the schedule and the field; and the app's config loading.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import type { CanarySwitchProps } from '../../infra/canary-switch.ts';
import { EXAMPLE, createApp, deploymentFrom } from '../../infra/config.ts';
import { expressionProblems, timeZoneProblems } from '../../infra/validate.ts';
import { LISTENER, OTHER_LISTENER, RULE, SLACK, STABLE, synth, validInput } from './fixtures.ts';

/** The Error synth throws (or undefined when it synthesizes). */
function synthError(props: CanarySwitchProps): string | undefined {
  try {
    synth(props);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const schedule = (input: unknown, over: Record<string, unknown> = {}) => ({
  listenerArns: [LISTENER],
  schedules: [{ name: 'nightly', expression: 'cron(0 2 * * ? *)', input, ...over }],
});

describe('schedule input', () => {
  it('a bad input fails synth naming the schedule, every bad field and the fix', () => {
    const message = synthError(schedule({ target: { listenerArn: 'nope', stable: STABLE, canary: STABLE }, steps: [10, 5], pollSeconds: 0 }));
    expect(message).toMatch(/^canary-switch: \d+ problems in the props of Test\/CanarySwitch:/);
    expect(message).toContain('schedule "nightly": input.target.listenerArn = "nope": is not a listener ARN; expected e.g. arn:aws:elasticloadbalancing:');
    expect(message).toMatch(/schedule "nightly": input\.steps\[1\] = 5: steps must strictly increase/);
    expect(message).toMatch(/schedule "nightly": input\.pollSeconds = 0: /);
    expect(message).toMatch(/schedule "nightly": input\.steps = \[10,5\]: the last step must be 100/);
  });

  it('an input that is not an object at all is named too', () => {
    expect(synthError(schedule('go'))).toMatch(/schedule "nightly": input: "go" is not a JSON object/);
  });

  it('a listener the stack may not modify fails synth: ModifyListener would be denied at run time', () => {
    const message = synthError(schedule(validInput({ target: { listenerArn: OTHER_LISTENER, stable: STABLE, canary: validInput().target.canary } })));
    expect(message).toContain(`schedule "nightly": input.target.listenerArn = "${OTHER_LISTENER}": not in the stack's listenerArns, so ModifyListener would be denied at run time`);
  });

  it('a rule not in ruleArns fails synth, even when its listener is allowed (rules are modified with ModifyRule)', () => {
    const message = synthError(schedule(validInput({ target: { listenerArn: LISTENER, ruleArn: RULE, stable: STABLE, canary: validInput().target.canary } })));
    expect(message).toContain(`schedule "nightly": input.target.ruleArn = "${RULE}": not in the stack's ruleArns, so ModifyRule would be denied at run time; add it to ruleArns`);
    expect(synthError({ ...schedule(validInput({ target: { listenerArn: LISTENER, ruleArn: RULE, stable: STABLE, canary: validInput().target.canary } })), ruleArns: [RULE] })).toBeUndefined();
  });

  it('with shiftableTag the ARNs are left to the tag check at run time', () => {
    const props = { ...schedule(validInput({ target: { listenerArn: OTHER_LISTENER, stable: STABLE, canary: validInput().target.canary } })), listenerArns: [], shiftableTag: { key: 'canary-switch', value: 'allowed' } };
    expect(synthError(props)).toBeUndefined();
  });

  it('approvals (or a Slack channel) in a schedule need the stack’s Slack props', () => {
    const withApprovals = validInput({ approvals: { before: [50] }, slack: { channel: 'C0123456' } });
    const message = synthError(schedule(withApprovals));
    expect(message).toContain('schedule "nightly": input.approvals.before = [50]: approvals are asked in Slack, but the stack has no slack props');
    expect(message).toContain('schedule "nightly": input.slack.channel = "C0123456": the stack has no slack props');
    expect(synthError({ ...schedule(withApprovals), slack: SLACK })).toBeUndefined();
  });

  it('a plan longer than the execution timeout fails synth with both durations', () => {
    const long = validInput({ steps: [50, 100], bakeSeconds: 3600, pollSeconds: 60, approvals: { before: [100], timeoutSeconds: 7200 }, judge: 'off' });
    const message = synthError({ ...schedule(long), slack: SLACK, executionTimeout: Duration.hours(3) });
    expect(message).toContain('schedule "nightly": input: this rollout may take up to 4h (2 steps × 60 polls of 1m, + 1 approval of up to 2h), longer than the state machine\'s execution timeout of 3h; raise the stack\'s executionTimeout or shorten the plan');
    expect(synthError({ ...schedule(long), slack: SLACK, executionTimeout: Duration.hours(4) })).toBeUndefined();
  });

  it('bad expression, time zone and name are reported together, and duplicate names are refused', () => {
    const message = synthError({
      listenerArns: [LISTENER],
      schedules: [
        { name: 'bad name!', expression: 'cron(0 10 * * MON-FRI)', timeZone: 'Mars/Olympus', input: validInput() },
        { name: 'twice', expression: 'rate(1 days)', input: validInput() },
        { name: 'twice', expression: 'at(2026-02-30T10:00:00)', input: validInput() },
      ],
    });
    expect(message).toContain('schedule "bad name!": name = "bad name!": use 1–55 letters, digits');
    expect(message).toContain('schedule "bad name!": expression = "cron(0 10 * * MON-FRI)": a cron expression has 6 fields');
    expect(message).toContain('schedule "bad name!": timeZone = "Mars/Olympus": not an IANA time zone');
    expect(message).toContain('schedule "twice": the name is used twice');
    expect(message).toContain('schedule "twice": expression = "rate(1 days)": write rate(1 day) for one');
    expect(message).toContain('schedule "twice": expression = "at(2026-02-30T10:00:00)": not a real date and time');
  });
});

describe('expressions and time zones', () => {
  it.each([
    ['at(2026-12-01T10:00:00)', true],
    ['cron(0 10 ? * MON-FRI *)', true],
    ['cron(30 2 1 * ? *)', true],
    ['rate(1 hour)', true],
    ['rate(15 minutes)', true],
    ['cron(0 10 * * * *)', false],
    ['cron(0 10 ? * ? *)', false],
    ['rate(0 minutes)', false],
    ['rate(2 hour)', false],
    ['at(2026-12-01 10:00:00)', false],
    ['every day', false],
  ])('%s → valid %s', (expression, ok) => {
    expect(expressionProblems(expression).length === 0).toBe(ok);
  });

  it('IANA zones pass, made-up ones do not', () => {
    expect(timeZoneProblems('Asia/Tokyo')).toEqual([]);
    expect(timeZoneProblems('UTC')).toEqual([]);
    expect(timeZoneProblems('JST+9')).toHaveLength(1);
  });
});

describe('props', () => {
  it('nothing to shift is refused', () => {
    expect(synthError({})).toContain('listenerArns, ruleArns and shiftableTag are all empty');
  });

  it('malformed ARNs, another region or account, and bad Slack settings are all listed', () => {
    const message = synthError({
      listenerArns: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1', LISTENER.replace('us-east-1', 'eu-west-1'), LISTENER.replace('123456789012', '210987654321')],
      ruleArns: [LISTENER],
      slack: { botTokenSecretArn: 'canary-switch/slack', signingSecretArn: 'canary-switch/slack-signing', allowedUsers: ['alice'], teamId: 'acme', appId: 'x', channel: '#ops' },
    });
    expect(message).toContain('listenerArns[0] = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1": not a listener ARN');
    expect(message).toContain('listenerArns[1] = "arn:aws:elasticloadbalancing:eu-west-1:');
    expect(message).toContain('in eu-west-1, but the stack deploys to us-east-1');
    expect(message).toContain('in account 210987654321, but the stack deploys to account 123456789012');
    expect(message).toContain('ruleArns[0] = ');
    expect(message).toContain('slack.botTokenSecretArn = "canary-switch/slack": expected the secret\'s complete ARN');
    expect(message).toContain('slack.signingSecretArn = "canary-switch/slack-signing": expected the secret\'s complete ARN');
    expect(message).toContain('slack.allowedUsers[0] = "alice": not a Slack user id');
    expect(message).toContain('slack.teamId = "acme"');
    expect(message).toContain('slack.appId = "x"');
    expect(message).toContain('slack.channel = "#ops"');
  });

  it('an empty approver list is refused (nobody could approve)', () => {
    expect(synthError({ listenerArns: [LISTENER], slack: { ...SLACK, allowedUsers: [] } })).toContain('slack.allowedUsers is empty: nobody could approve');
  });

  it('a missing handler file is named', () => {
    expect(synthError({ listenerArns: [LISTENER], entries: { shift: '/nonexistent/shift.ts' } })).toContain('the Shift function\'s handler file /nonexistent/shift.ts does not exist');
  });
});

describe('app config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canary-switch-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('no config at all: the example account, region and listener, so synth works offline', () => {
    const d = deploymentFrom(() => undefined, {});
    expect(d).toMatchObject({ stackName: 'canary-switch', account: EXAMPLE.account, region: EXAMPLE.region, example: true, props: { listenerArns: [EXAMPLE.listenerArn] } });
  });

  it('config file, then context overrides, then the CLI’s CDK_DEFAULT_* environment', () => {
    const file = join(dir, 'prod.json');
    writeFileSync(
      file,
      JSON.stringify({
        stackName: 'canary-prod',
        region: 'us-east-1',
        listenerArns: [LISTENER],
        slack: SLACK,
        schedules: [{ name: 'weekday', expression: 'cron(0 10 ? * MON-FRI *)', timeZone: 'Asia/Tokyo', input: validInput() }],
        executionTimeoutHours: 6,
        logRetentionDays: 30,
      }),
    );
    const context: Record<string, unknown> = { config: file, stackName: 'canary-staging' };
    const d = deploymentFrom((k) => context[k], { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' });
    expect(d).toMatchObject({ stackName: 'canary-staging', account: '123456789012', region: 'us-east-1', example: false });
    expect(d.props.executionTimeout?.toSeconds()).toBe(6 * 3600);
    expect(d.props.logRetention).toBe(30);
    expect(d.props.schedules).toHaveLength(1);
    expect(deploymentFrom((k) => ({ listenerArns: `${LISTENER}, ${OTHER_LISTENER}` })[k], {}).props.listenerArns).toEqual([LISTENER, OTHER_LISTENER]);
  });

  it('a bad config file lists every problem with its path', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ account: '42', logRetentionDays: 31, slak: {} }));
    expect(() => deploymentFrom((k) => ({ config: file })[k], {})).toThrow(/3 problems in .*bad\.json:\n- account: must be a 12-digit AWS account id\n- logRetentionDays: must be one of/);
  });

  it('the app synthesizes with no AWS account and no config, with cdk-nag on', () => {
    const { app, stack } = createApp({ context: { 'aws:cdk:bundling-stacks': [] } }, {});
    // CDK's own template lint is slow and covered by nag.test.ts; cdk-nag still runs here.
    process.env.CDK_VALIDATION = 'false';
    let assembly;
    try {
      assembly = app.synth();
    } finally {
      delete process.env.CDK_VALIDATION;
    }
    const outputs = assembly.getStackByName(stack.stackName).template.Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(['ConsoleUrl', 'ExampleInput', 'OperatorPolicyArn', 'StateMachineArn', 'TableName']);
    expect(stack.account).toBe(EXAMPLE.account);
  });
});
