// Shift: exact ModifyListener/ModifyRule input (only the two weights change), idempotency,
// drift, unhealthy canary, throttling, verification.
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2ServiceException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RolloutState } from '../../lambdas/domain/rollout.ts';
import { handler } from '../../lambdas/handlers/shift.ts';
import { notificationFailures, setNotifier } from '../../lambdas/providers/notify.ts';
import { actionsAt, actionsAtPercent, ARN, asWritten, baseInput, clone, ddb, elb, listenerWeights, notified, oidcThenForward, resetAws, restoreNotifier, stateFor, T0, TABLE, world } from './fixtures.ts';

async function failure(state: RolloutState): Promise<Error> {
  const err = await handler(state).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected shift to fail');
  return err;
}

const modifies = () => elb.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input);
const commandNames = () => elb.calls().map((c) => c.args[0].constructor.name);

beforeEach(() => {
  resetAws();
});
afterAll(restoreNotifier);

describe('shift: OIDC + three target groups + stickiness', () => {
  it('first step: ModifyListener gets the described actions with only the weights changed; legacy keeps its 0.1% share', async () => {
    const described = clone(world.listener.DefaultActions!);
    const state = stateFor(baseInput());
    const next = await handler(state);

    expect(modifies()).toHaveLength(1);
    const expected: Action[] = asWritten(described);
    // 999/0/1 → blue 990, green 10 (1% of the pair), legacy 1 (still 0.1% of all traffic).
    (expected[1]!.ForwardConfig!.TargetGroups![0]!).Weight = 990; // blue
    (expected[1]!.ForwardConfig!.TargetGroups![1]!).Weight = 10; // green
    expect(modifies()[0]).toEqual({ ListenerArn: ARN.listener, DefaultActions: expected });
    // Spelled out, so a change to the fixtures cannot hide a change here.
    expect(modifies()[0]!.DefaultActions![1]).toEqual({
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: ARN.blue, Weight: 990 },
          { TargetGroupArn: ARN.green, Weight: 10 },
          { TargetGroupArn: ARN.legacy, Weight: 1 },
        ],
        TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
      },
    });
    expect(modifies()[0]!.DefaultActions![0]).toEqual({ ...described[0], AuthenticateOidcConfig: { ...described[0]!.AuthenticateOidcConfig, UseExistingClientSecret: true } });

    // read → health → read → write → verify read
    expect(commandNames()).toEqual(['DescribeListenersCommand', 'DescribeTargetHealthCommand', 'DescribeListenersCommand', 'ModifyListenerCommand', 'DescribeListenersCommand']);
    expect(elb.commandCalls(DescribeTargetHealthCommand)[0]!.args[0].input).toEqual({ TargetGroupArn: ARN.green });
    expect(listenerWeights()).toEqual({ [ARN.blue]: 990, [ARN.green]: 10, [ARN.legacy]: 1 });

    expect(next).toMatchObject({
      position: 0,
      next: null,
      stepStartedAt: new Date(T0).toISOString(),
      expected: { [ARN.blue]: 990, [ARN.green]: 10, [ARN.legacy]: 1 },
      history: [{ percent: 1, startedAt: new Date(T0).toISOString(), weights: { stable: 990, canary: 10 } }],
    });
    // The audit trail: who/why, from and to.
    const audits = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      TableName: TABLE,
      Item: {
        pk: `audit#${ARN.execution}`,
        action: 'shift',
        from: { [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 },
        to: { [ARN.blue]: 990, [ARN.green]: 10, [ARN.legacy]: 1 },
        by: ARN.execution,
        why: 'step 1%',
        at: new Date(T0).toISOString(),
      },
    });
    // Keyed by the step and conditional: a retry that repeats the change writes no second entry.
    expect(audits[0]!.Item!.sk).toBe('audit#shift#0');
    expect(audits[0]!.ConditionExpression).toBe('attribute_not_exists(sk)');
    expect(notified).toEqual([{ kind: 'step', executionArn: ARN.execution, percent: 1, weights: { stable: 990, canary: 10 } }]);
  });

  it('the last step sets stable to 0 and keeps the third target group at its share', async () => {
    world.listener.DefaultActions = actionsAtPercent(50);
    await handler(stateFor(baseInput(), { position: 3 }));
    expect(modifies()[0]).toEqual({ ListenerArn: ARN.listener, DefaultActions: asWritten(actionsAt({ stable: 0, canary: 999 }, 1)) });
  });

  it('records the approver in the audit trail', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    const state = { ...stateFor(baseInput({ approvals: { before: [50] } }), { position: 2 }), approval: { approvedBy: 'U123ABC', at: '2025-01-06T01:30:00Z' } };
    await handler(state);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item?.why).toBe('step 50% approved by U123ABC');
  });

  it('a notifier that throws does not fail the shift', async () => {
    const before = notificationFailures();
    setNotifier({
      notify: () => {
        throw new Error('slack: invalid_auth');
      },
    });
    const next = await handler(stateFor(baseInput()));
    expect(next.position).toBe(0);
    expect(modifies()).toHaveLength(1);
    expect(notificationFailures()).toBe(before + 1);
  });
});

describe('shift: rule mode', () => {
  const ruleTarget = { listenerArn: ARN.listener, ruleArn: ARN.rule, stable: ARN.blue, canary: ARN.green };
  const ruleActions = (blue: number, green: number): Action[] => [
    { Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.blue, Weight: blue }, { TargetGroupArn: ARN.green, Weight: green }], TargetGroupStickinessConfig: { Enabled: false } } },
  ];

  beforeEach(() => {
    world.rules[ARN.rule] = { RuleArn: ARN.rule, Priority: '10', Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: ruleActions(1, 0), IsDefault: false };
  });

  it('uses DescribeRules/ModifyRule and leaves the listener alone', async () => {
    const state = stateFor(baseInput({ target: ruleTarget }), { original: ruleActions(1, 0) });
    await handler(state);
    expect(elb.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input)).toEqual([{ RuleArns: [ARN.rule] }, { RuleArns: [ARN.rule] }, { RuleArns: [ARN.rule] }]);
    expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([{ RuleArn: ARN.rule, Actions: ruleActions(99, 1) }]);
    expect(modifies()).toHaveLength(0);
  });

  it('a rule of another listener → RuleNotOnListener, no write', async () => {
    // Validation refuses such an input at Prepare; the provider still refuses it on its own.
    const state = stateFor(baseInput({ target: ruleTarget }), { original: ruleActions(1, 0) });
    (state.input.target as { ruleArn?: string }).ruleArn = ARN.ruleOfOtherListener;
    const err = await failure(state);
    expect(err.name).toBe('RuleNotOnListener');
    expect(elb.commandCalls(ModifyRuleCommand)).toHaveLength(0);
  });
});

describe('shift: idempotency', () => {
  it('already at the desired weights (a retried Shift whose response was lost): no ModifyListener, the change is still audited (once, by key), moves on', async () => {
    world.listener.DefaultActions = actionsAtPercent(1);
    const next = await handler(stateFor(baseInput()));
    expect(modifies()).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input)).toMatchObject([
      {
        Item: { sk: 'audit#shift#0', action: 'shift', from: { [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 }, to: { [ARN.blue]: 990, [ARN.green]: 10, [ARN.legacy]: 1 } },
        ConditionExpression: 'attribute_not_exists(sk)',
      },
    ]);
    expect(next).toMatchObject({ position: 0, expected: { [ARN.blue]: 990, [ARN.green]: 10, [ARN.legacy]: 1 } });
  });

  it('running the same shift twice writes once', async () => {
    const state = stateFor(baseInput());
    await handler(state);
    await handler(state);
    expect(modifies()).toHaveLength(1);
  });
});

describe('shift: refusals', () => {
  it('weights changed by someone else → DriftDetected, no write', async () => {
    world.listener.DefaultActions = actionsAt({ stable: 1, canary: 1 });
    const err = await failure(stateFor(baseInput(), { position: 1 }));
    expect(err.name).toBe('DriftDetected');
    expect(err.message).toBe('weights changed outside the rollout before step 20%: expected 90/10, found 50/50');
    expect(modifies()).toHaveLength(0);
  });

  it('the third target group changed by someone else → DriftDetected naming it', async () => {
    world.listener.DefaultActions = actionsAt({ stable: 900, canary: 100 }, 5);
    const err = await failure(stateFor(baseInput(), { position: 1 }));
    expect(err.name).toBe('DriftDetected');
    expect(err.message).toBe('weights changed outside the rollout before step 20%: target group legacy (expected 1, found 5) changed');
    expect(modifies()).toHaveLength(0);
  });

  it('too few healthy canary targets → InsufficientHealthyTargets, no write', async () => {
    world.health[ARN.green] = ['healthy', 'unhealthy', 'draining'];
    const err = await failure(stateFor(baseInput({ minHealthyTargets: 2 })));
    expect(err.name).toBe('InsufficientHealthyTargets');
    expect(err.message).toBe('refusing to send 1% to green: 1 of 3 targets healthy, minHealthyTargets is 2');
    expect(modifies()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('throttled ModifyListener → Transient', async () => {
    elb.on(ModifyListenerCommand).rejects(new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    const err = await failure(stateFor(baseInput()));
    expect(err.name).toBe('Transient');
    expect(err.message).toBe(`ModifyListener ${ARN.listener}: Throttling: Rate exceeded (transient; will be retried)`);
  });

  it('throttled DescribeTargetHealth → Transient, no write', async () => {
    elb.on(DescribeTargetHealthCommand).rejects(new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    const err = await failure(stateFor(baseInput()));
    expect(err.name).toBe('Transient');
    expect(modifies()).toHaveLength(0);
  });

  it('a listener that does not read back as written → VerifyFailed', async () => {
    world.applyWrites = false;
    const err = await failure(stateFor(baseInput()));
    expect(err.name).toBe('VerifyFailed');
    expect(err.message).toBe(`listener ${ARN.listener} reads blue 999, green 0, legacy 1 (sticky) after writing blue 990, green 10, legacy 1; someone may be changing it at the same time`);
  });

  it('without a next step → RangeError, no AWS call', async () => {
    const state = { ...stateFor(baseInput(), { position: 4 }), next: null };
    await expect(handler(state)).rejects.toThrow(RangeError);
    expect(elb.calls()).toHaveLength(0);
  });

  it('describe answers are not mutated by the shift (the original stays exact)', async () => {
    const state = stateFor(baseInput());
    const original = clone(state.original);
    await handler(state);
    expect(state.original).toEqual(original);
    expect(oidcThenForward()).toEqual(original.actions);
    expect(elb.commandCalls(DescribeListenersCommand)).toHaveLength(3);
  });
});

describe('shift: Stop execution while Shift runs (the safety net restores concurrently)', () => {
  const record = (over: Record<string, unknown>) => ({
    Item: { pk: `rollout#${ARN.execution}`, sk: 'rollout', executionArn: ARN.execution, status: 'running', lockKey: `lock#${ARN.listener}`, ...over },
  });

  it('a rollout already flagged as stopping is not shifted at all', async () => {
    ddb.on(GetCommand).resolves(record({ stopping: true }));
    const err = await failure(stateFor(baseInput()));
    expect(err).toMatchObject({ name: 'RolloutStopped' });
    expect(modifies()).toHaveLength(0);
  });

  it('a restore that lands between the check and the write is undone by Shift itself', async () => {
    const original = clone(world.listener.DefaultActions!);
    ddb.on(GetCommand).resolvesOnce(record({})).resolves(record({ stopping: true }));
    const err = await failure(stateFor(baseInput()));
    expect(err).toMatchObject({ name: 'RolloutStopped' });
    // The step was written, then the original put back: traffic ends where it started.
    expect(modifies()).toHaveLength(2);
    expect(world.listener.DefaultActions).toEqual(original);
  });
});
