// plan (no AWS) and start (local validation, then StartExecution with a readable name).
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { executionName, parseDuration } from '../../cli/input.ts';
import { validateInput } from '../../lambdas/domain/input.ts';
import { ARN, alarmsAre, describeOutput, harness, historyOf, listenerAt, preparedState, RAW_INPUT } from './harness.ts';

describe('plan', () => {
  it('prints the steps, ALB weights, bake/poll, approvals, ETA, transitions and cost without touching AWS', async () => {
    const h = harness();
    expect(await h.run('plan', 'rollout.json')).toBe(0);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "Rollout plan: listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2: blue → green

        step  canary  ALB weights blue:green  split  first
        1     1%      99:1                    99/1
        2     10%     9:1                     90/10
        3     20%     4:1                     80/20
        4     50%     1:1                     50/50  approval
        5     100%    0:1                     0/100  approval

        shares     pair weights only; a forward action with other target groups is scaled so they keep their share (±0.1 pp): --read-listener shows it

        bake       10m per step, checked every 30s (20 polls per step)
        alarms     web-green-5xx, web-green-p99; INSUFFICIENT_DATA: roll back
        judge      on: canary vs stable on AWS/ApplicationELB RequestCount, HTTPCode_Target_5XX_Count, TargetResponseTime, 1m periods; rolls back on a regression, holds through a shared outage; an open test extends a step by up to 5m
        health     the canary needs at least 1 healthy target before and during every step
        stickiness refused at Prepare if the forward action has target group stickiness on (set "stickiness")
        approvals  before 50%, 100%: each waits up to 1h, then rolls back
        ETA        50m of baking, plus up to 2h waiting for approvals
        states     Prepare, then per step: [RequestApproval →] Shift → 20 × (Bake → Evaluate → Decide), then Finalize → Promoted
                   any failure or alarm → Rollback to the recorded original → RolledBack
        cost       315 state transitions, 1,411 history events at most (limit 25,000, refused above 20,000): ≈$0.0079 per rollout (Standard workflow, $0.025 per 1,000 transitions)
      "
    `);
    expect(h.stderr()).toBe('');
    expect(h.awsOptions).toEqual([]);
  });

  it('--json gives the validated input (defaults applied) and the domain plan', async () => {
    const h = harness();
    expect(await h.run('plan', 'rollout.json', '--json', '--steps', '50,100', '--bake', '5m', '--poll', '1m')).toBe(0);
    const out = JSON.parse(h.stdout());
    expect(out.input.steps).toEqual([50, 100]);
    expect(out.input.bakeSeconds).toBe(300);
    expect(out.input.pollSeconds).toBe(60);
    expect(out.input.insufficientData).toBe('fail');
    expect(out.plan).toMatchInlineSnapshot(`
      {
        "approvalGates": 2,
        "bakeSeconds": 300,
        "estimatedCostUsd": 0.001,
        "estimatedSeconds": 600,
        "historyEvents": 220,
        "pollSeconds": 60,
        "pollsPerStep": 5,
        "stateTransitions": 39,
        "steps": [
          {
            "approval": true,
            "index": 0,
            "percent": 50,
            "weights": {
              "canary": 1,
              "stable": 1,
            },
          },
          {
            "approval": true,
            "index": 1,
            "percent": 100,
            "weights": {
              "canary": 1,
              "stable": 0,
            },
          },
        ],
      }
    `);
  });

  it('builds the input from flags alone', async () => {
    const h = harness();
    const code = await h.run('plan', '--listener', ARN.listener, '--stable', ARN.blue, '--canary', ARN.green, '--steps', '25,100', '--bake', '2m', '--poll', '20s', '--alarm', 'a', '--alarm', 'b');
    expect(code).toBe(0);
    expect(h.stdout()).toContain('1     25%     3:1');
    expect(h.stdout()).toContain('alarms     a, b;');
    expect(h.stdout()).toContain('bake       2m per step, checked every 20s (6 polls per step)');
  });

  it('a missing file, invalid JSON, a non-object and an invalid plan are usage errors (exit 2) that say what to fix', async () => {
    const missing = harness();
    expect(await missing.run('plan', 'nope.json')).toBe(2);
    expect(missing.stderr()).toMatchInlineSnapshot(`
      "canary-switch: cannot read nope.json: no such file; give the path to a rollout input JSON file (see canary-switch plan --help)
      "
    `);

    const notJson = harness();
    expect(await notJson.run('plan', 'not-json.json')).toBe(2);
    expect(notJson.stderr()).toMatch(/^canary-switch: not-json\.json is not valid JSON: .+; fix the syntax/);

    const array = harness();
    expect(await array.run('plan', 'array.json')).toBe(2);
    expect(array.stderr()).toContain('array.json: input: [1,2] is not a JSON object');

    const invalid = harness();
    expect(await invalid.run('plan', 'invalid-plan.json')).toBe(2);
    expect(invalid.stderr()).toMatchInlineSnapshot(`
      "canary-switch: invalid rollout input in invalid-plan.json (4 problems):
      - target.listenerArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188": is not a listener ARN; expected e.g. arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2
      - pollSeconds = 120: polls less often than a step bakes (bakeSeconds = 60); set pollSeconds ≤ bakeSeconds, e.g. 6
      - steps[1] = 5: steps must strictly increase (the step before is 10); list them in ascending order, e.g. [1, 10, 20, 50, 100]
      - steps = [10,5,50]: the last step must be 100 so the rollout ends fully on the canary; append 100
      "
    `);
    expect(invalid.stdout()).toBe('');
  });

  it('with --json an error is also a JSON object on stdout', async () => {
    const h = harness();
    expect(await h.run('plan', 'nope.json', '--json')).toBe(2);
    expect(JSON.parse(h.stdout())).toEqual({ error: { exitCode: 2, message: expect.stringContaining('cannot read nope.json: no such file') } });
  });

  it('a bad duration flag names the flag and the accepted forms', async () => {
    const h = harness();
    expect(await h.run('plan', 'rollout.json', '--bake', '10 minutes')).toBe(2);
    expect(h.stderr()).toContain('--bake "10 minutes" is not a duration; use e.g. 30s, 10m, 1h or 1h30m');
  });
});

describe('start', () => {
  it('validates, then starts the execution with a readable name and the input as written', async () => {
    const h = harness();
    h.sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN.stateMachine.replace(':stateMachine:', ':execution:')}:web-green-20261122-1022-ab12`, startDate: new Date(h.now()) });
    expect(await h.run('start', 'rollout.json')).toBe(0);
    expect(h.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: ARN.stateMachine, name: 'web-green-20261122-1022-ab12', input: JSON.stringify(RAW_INPUT) },
    ]);
    // The region comes from the state machine ARN when --region is not given.
    expect(h.awsOptions).toEqual([{ region: 'us-east-1', profile: undefined }]);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "started web-green-20261122-1022-ab12
        target   listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2: blue → green
        steps    1% → 10% → 20% → 50% → 100%, ETA ≈50m plus approvals before 50%, 100%
        arn      arn:aws:states:us-east-1:123456789012:execution:canary-switch:web-green-20261122-1022-ab12
        console  https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:123456789012:execution:canary-switch:web-green-20261122-1022-ab12
        follow   canary-switch watch web-green-20261122-1022-ab12
      "
    `);
  });

  it('--json prints the execution, the validated input and the plan', async () => {
    const h = harness();
    h.sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:canary-switch:x', startDate: new Date(h.now()) });
    expect(await h.run('start', 'rollout.json', '--json', '--name', 'x', '--region', 'us-east-1', '--profile', 'prod')).toBe(0);
    const out = JSON.parse(h.stdout());
    expect({ ...out, input: undefined, plan: undefined }).toMatchInlineSnapshot(`
      {
        "consoleUrl": "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:123456789012:execution:canary-switch:x",
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:canary-switch:x",
        "input": undefined,
        "name": "x",
        "plan": undefined,
        "startDate": "2026-11-22T10:22:00.000Z",
      }
    `);
    expect(out.plan.steps).toHaveLength(5);
    expect(h.awsOptions).toEqual([{ region: 'us-east-1', profile: 'prod' }]);
  });

  it('flags override the file', async () => {
    const h = harness();
    h.sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:canary-switch:x' });
    expect(await h.run('start', 'rollout.json', '--steps', '5,50,100', '--bake', '15m', '--poll', '1m', '--alarm', 'web-green-latency')).toBe(0);
    const input = JSON.parse(h.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input).toEqual({ ...RAW_INPUT, steps: [5, 50, 100], bakeSeconds: 900, pollSeconds: 60, alarms: ['web-green-latency'] });
  });

  it('invalid input never reaches Step Functions', async () => {
    const h = harness();
    expect(await h.run('start', 'invalid-plan.json')).toBe(2);
    expect(h.sfn.calls()).toHaveLength(0);
    expect(h.stderr()).toContain('steps[1] = 5: steps must strictly increase');
  });

  it('without flags or a file it says what to give', async () => {
    const h = harness();
    expect(await h.run('start')).toBe(2);
    expect(h.stderr()).toContain('give an input file (canary-switch plan rollout.json) or --listener, --stable and --canary');
  });

  it('without a state machine it says which flag or variable to set', async () => {
    const h = harness({ env: { CANARY_SWITCH_STATE_MACHINE_ARN: undefined } });
    expect(await h.run('start', 'rollout.json')).toBe(2);
    expect(h.stderr()).toMatchInlineSnapshot(`
      "canary-switch: start needs the state machine: pass --state-machine <arn> or set CANARY_SWITCH_STATE_MACHINE_ARN (the stack output StateMachineArn)
      "
    `);
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('a name already used is a conflict (exit 5)', async () => {
    const h = harness();
    const { ExecutionAlreadyExists } = await import('@aws-sdk/client-sfn');
    h.sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists: x', $metadata: {} }));
    expect(await h.run('start', 'rollout.json', '--name', 'x')).toBe(5);
    expect(h.stderr()).toContain('choose another --name');
  });

  it('rejects a --name Step Functions would not take', async () => {
    const h = harness();
    expect(await h.run('start', 'rollout.json', '--name', 'web green/1')).toBe(2);
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('--watch follows the new execution to its outcome', async () => {
    const h = harness();
    h.sfn.on(StartExecutionCommand).resolves({ executionArn: ARN.execution, startDate: new Date(h.now()) });
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput({ status: 'SUCCEEDED', stopDate: new Date(h.now() + 3000_000) }));
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf([{ kind: 'Succeed', name: 'Promoted', at: '11:05:00', input: preparedState() }]) });
    listenerAt(h, 0, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('start', 'rollout.json', '--watch')).toBe(0);
    expect(h.stdout()).toContain('PROMOTED: every step baked cleanly');
  });
});

describe('execution names and durations', () => {
  const input = () => {
    const r = validateInput(RAW_INPUT);
    if (!r.ok) throw new Error('fixture');
    return r.input;
  };

  it('lb-canary-yyyymmdd-hhmm-rand in UTC', () => {
    expect(executionName(input(), Date.parse('2026-11-22T10:05:59Z'), () => 0xab12 / 0x10000)).toBe('web-green-20261122-1005-ab12');
  });

  it('stays within 80 valid characters for the longest load balancer and target group names', () => {
    const long = input();
    const t = long.target as { listenerArn: string; canary: string };
    t.listenerArn = t.listenerArn.replace('/web/', `/${'l'.repeat(32)}/`);
    t.canary = t.canary.replace('/green/', `/${'g'.repeat(32)}/`);
    const name = executionName(long, Date.parse('2026-11-22T10:05:00Z'), () => 0.999);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+-20261122-1005-ffbe$/);
  });

  it.each([
    ['30s', 30],
    ['10m', 600],
    ['1h30m', 5400],
    ['45', 45],
  ])('parseDuration(%s) = %i', (text, seconds) => {
    expect(parseDuration(text, '--bake')).toBe(seconds);
  });

  it.each(['', '1h30', '10 m', 'm', '-5s'])('parseDuration(%j) is a usage error', (text) => {
    expect(() => parseDuration(text, '--bake')).toThrow(/is not a duration/);
  });
});
