// Prepare: validate, lock, record the original, pre-flight. Exact commands, and nothing moves.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2ServiceException,
  ListenerNotFoundException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RuleNotFoundException,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/handlers/prepare.ts';
import { notificationFailures, setNotifier } from '../../lambdas/providers/notify.ts';
import { ARN, baseInput, clone, cw, ddb, elb, notified, oidcThenForward, resetAws, restoreNotifier, T0, TABLE, world } from './fixtures.ts';

const START = '2025-01-06T00:59:58.123Z';
const event = (input: unknown = baseInput()) => ({ input, executionArn: ARN.execution, startTime: START });
const epoch = Math.floor(T0 / 1000);

const lockRelease = {
  TableName: TABLE,
  Key: { pk: `lock#${ARN.listener}`, sk: 'lock' },
  ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
  ExpressionAttributeNames: { '#owner': 'owner' },
  ExpressionAttributeValues: { ':owner': ARN.execution },
};

async function failure(ev = event()): Promise<Error> {
  const err = await handler(ev).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected prepare to fail');
  return err;
}

function expectNoWrites(): void {
  expect(elb.commandCalls(ModifyListenerCommand)).toHaveLength(0);
  expect(elb.commandCalls(ModifyRuleCommand)).toHaveLength(0);
}

function expectLockReleased(): void {
  const deletes = ddb.commandCalls(DeleteCommand);
  expect(deletes).toHaveLength(1);
  expect(deletes[0]!.args[0].input).toEqual(lockRelease);
  // No rollout record: nothing for the safety net to restore.
  expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.sk)).toEqual(['lock']);
}

beforeEach(() => {
  resetAws();
});
afterAll(restoreNotifier);

describe('prepare: success', () => {
  it('takes the lock, records the original exactly, runs the pre-flight, and moves nothing', async () => {
    const original = clone(world.listener.DefaultActions);
    const state = await handler(event());

    // 1. The lock: a conditional put, owner = execution ARN, TTL = plan + margin (3,000 s + 3,600 s).
    const puts = ddb.commandCalls(PutCommand);
    expect(puts[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { pk: `lock#${ARN.listener}`, sk: 'lock', owner: ARN.execution, acquiredAt: '2025-01-06T01:00:00.000Z', expiresAt: epoch + 3000 + 3600 },
      ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner OR expiresAt < :now',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': ARN.execution, ':now': epoch },
    });
    // 2. Reads: the listener, the canary's health, both alarms (metric and composite) in one call.
    expect(elb.commandCalls(DescribeListenersCommand).map((c) => c.args[0].input)).toEqual([{ ListenerArns: [ARN.listener] }]);
    expect(elb.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input)).toEqual([{ TargetGroupArn: ARN.green }]);
    expect(cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNames: ['web-green-5xx', 'web-green-p99'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
    ]);
    expectNoWrites();
    // 3. The rollout record, with the original as read.
    expect(puts).toHaveLength(2);
    expect(puts[1]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        pk: `rollout#${ARN.execution}`,
        sk: 'rollout',
        executionArn: ARN.execution,
        status: 'running',
        target: { listenerArn: ARN.listener, stable: ARN.blue, canary: ARN.green },
        original: { actions: original, weights: { [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 }, stickiness: { enabled: true, durationSeconds: 3600 } },
        lockKey: `lock#${ARN.listener}`,
        startedAt: START,
        expiresAt: epoch + 90 * 24 * 3600,
      },
    });
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);

    expect(state).toMatchObject({
      executionArn: ARN.execution,
      startedAt: START,
      lockKey: `lock#${ARN.listener}`,
      original: { actions: original, weights: { [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 }, stickiness: { enabled: true, durationSeconds: 3600 } },
      position: -1,
      next: { index: 0, percent: 1, approval: false },
      stepStartedAt: null,
      expected: { [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 },
      history: [],
    });
    expect(state.plan.steps.map((s) => s.percent)).toEqual([1, 10, 20, 50, 100]);
    expect(state.input.bakeSeconds).toBe(600);
    expect(notified).toEqual([{ kind: 'started', executionArn: ARN.execution, steps: [1, 10, 20, 50, 100], listener: `listener ${ARN.listener}`, direction: 'blue → green' }]);
  });

  it('locks a rule (not its listener) in rule mode and records the rule actions', async () => {
    const ruleActions: Action[] = [{ Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.blue, Weight: 1 }, { TargetGroupArn: ARN.green, Weight: 0 }] } }];
    world.rules[ARN.rule] = { RuleArn: ARN.rule, Priority: '10', Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: ruleActions, IsDefault: false };
    const state = await handler(event(baseInput({ target: { listenerArn: ARN.listener, ruleArn: ARN.rule, stable: ARN.blue, canary: ARN.green } })));
    expect(elb.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input)).toEqual([{ RuleArns: [ARN.rule] }]);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ pk: `lock#${ARN.rule}`, owner: ARN.execution });
    expect(state.original).toEqual({ actions: ruleActions, weights: { [ARN.blue]: 1, [ARN.green]: 0 } });
    expect(state.lockKey).toBe(`lock#${ARN.rule}`);
    expectNoWrites();
  });

  it('lock TTL includes the approval timeouts', async () => {
    await handler(event(baseInput({ approvals: { before: [50, 100], timeoutSeconds: 1800 } })));
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item?.expiresAt).toBe(epoch + 3000 + 2 * 1800 + 3600);
  });

  it('the lock lives at least as long as the state machine lets an execution run', async () => {
    process.env.EXECUTION_TIMEOUT_SECONDS = '86400';
    try {
      await handler(event(baseInput()));
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item?.expiresAt).toBe(epoch + 86400 + 3600);
    } finally {
      delete process.env.EXECUTION_TIMEOUT_SECONDS;
    }
  });

  it('a notifier that throws does not fail prepare', async () => {
    const before = notificationFailures();
    setNotifier({ notify: async () => Promise.reject(new Error('slack is down')) });
    const state = await handler(event());
    expect(state.position).toBe(-1);
    expect(notificationFailures()).toBe(before + 1);
  });
});

describe('prepare: invalid input', () => {
  it('fails with InvalidInput listing every problem, and makes no AWS call at all', async () => {
    const err = await failure(event({ target: { listenerArn: 'arn:nope', stable: ARN.blue, canary: ARN.blue }, steps: [10, 5], pollSeconds: 0, colour: 'green' }));
    expect(err.name).toBe('InvalidInput');
    expect((err as Error & { problems: string[] }).problems.length).toBeGreaterThanOrEqual(5);
    expect(err.message).toMatch(/^invalid rollout input \(\d+ problems\):\n- /);
    for (const field of ['target.listenerArn = "arn:nope"', 'target.canary', 'steps[1] = 5', 'steps = [10,5]', 'pollSeconds = 0', 'colour: unknown field']) {
      expect(err.message).toContain(field);
    }
    expect(elb.calls()).toHaveLength(0);
    expect(cw.calls()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('a non-object input is one problem, no AWS call', async () => {
    const err = await failure(event('{"target": …}'));
    expect(err.name).toBe('InvalidInput');
    expect(err.message).toContain('is not a JSON object');
    expect(elb.calls().length + cw.calls().length + ddb.calls().length).toBe(0);
  });
});

describe('prepare: the lock', () => {
  it('held by another execution → LockHeld naming it, and no listener call at all', async () => {
    ddb.on(PutCommand, { Item: { pk: `lock#${ARN.listener}` } } as never).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } }));
    ddb.on(GetCommand).resolves({ Item: { pk: `lock#${ARN.listener}`, sk: 'lock', owner: ARN.otherExecution, acquiredAt: '2025-01-06T00:30:00.000Z', expiresAt: epoch + 1000 } });
    const err = await failure();
    expect(err.name).toBe('LockHeld');
    expect(err.message).toBe(
      `listener ${ARN.listener} is already being shifted by execution ${ARN.otherExecution} since 2025-01-06T00:30:00.000Z; ` +
        'wait for it to finish, or stop it (Stop execution restores its traffic), then start again',
    );
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({ TableName: TABLE, Key: { pk: `lock#${ARN.listener}`, sk: 'lock' }, ConsistentRead: true });
    expect(elb.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    expect(elb.calls()).toHaveLength(0);
    // Never release a lock someone else holds, never record a rollout.
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('a throttled lock write is Transient, not LockHeld', async () => {
    ddb.on(PutCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }));
    const err = await failure();
    expect(err.name).toBe('Transient');
    expect(elb.calls()).toHaveLength(0);
  });
});

describe('prepare: pre-flight failures release the lock', () => {
  it('canary with too few healthy targets → PreflightFailed', async () => {
    world.health[ARN.green] = ['unhealthy', 'initial', 'healthy'];
    const err = await failure(event(baseInput({ minHealthyTargets: 2 })));
    expect(err.name).toBe('PreflightFailed');
    expect(err.message).toBe(
      'pre-flight failed: canary green has 1 healthy of 3 targets, fewer than minHealthyTargets 2; register healthy targets first (an ALB sends traffic to unhealthy targets when none are healthy)',
    );
    expectLockReleased();
    expectNoWrites();
  });

  it('a watched alarm already in ALARM → PreflightFailed naming it (and both problems at once)', async () => {
    world.alarms['web-green-p99'] = { state: 'ALARM', composite: true };
    world.health[ARN.green] = [];
    const err = await failure();
    expect(err.name).toBe('PreflightFailed');
    expect(err.message).toContain('canary green has 0 healthy of 0 targets');
    expect(err.message).toContain('alarm web-green-p99 is already in ALARM; fix what it watches, or wait until it is OK');
    expectLockReleased();
  });

  it('an alarm name that does not exist → AlarmNotFound', async () => {
    const err = await failure(event(baseInput({ alarms: ['web-green-5xx', 'web-grene-p99'] })));
    expect(err.name).toBe('AlarmNotFound');
    expect(err.message).toBe('alarm web-grene-p99 not found (names are case-sensitive and per region); create it or fix the name in "alarms"');
    expectLockReleased();
  });

  it('listener not found (API error) → ListenerNotFound', async () => {
    elb.on(DescribeListenersCommand).rejects(new ListenerNotFoundException({ message: 'One or more listeners not found', $metadata: { httpStatusCode: 400 } }));
    const err = await failure();
    expect(err.name).toBe('ListenerNotFound');
    expect(err.message).toBe(`listener ${ARN.listener} not found; check the ARN and that the rollout runs in the listener's account and region`);
    expectLockReleased();
  });

  it('listener not found (empty answer) → ListenerNotFound', async () => {
    world.listener = { ...world.listener, ListenerArn: ARN.otherListener };
    const err = await failure();
    expect(err.name).toBe('ListenerNotFound');
    expectLockReleased();
  });

  it('a Gateway Load Balancer listener (GENEVE) → UnsupportedListener', async () => {
    world.listener = { ListenerArn: ARN.listener, Protocol: 'GENEVE', Port: 6081, DefaultActions: [{ Type: 'forward', TargetGroupArn: ARN.blue }] };
    const err = await failure();
    expect(err.name).toBe('UnsupportedListener');
    expect(err.message).toBe(
      `listener ${ARN.listener} uses GENEVE (a Gateway Load Balancer listener forwards to one target group); canary-switch shifts ALB listeners (HTTP, HTTPS) and NLB listeners (TCP, UDP, TCP_UDP, TLS)`,
    );
    expectLockReleased();
  });

  it('an NLB (TCP) listener with a weighted forward action is read like an ALB one', async () => {
    world.listener = { ...world.listener, Protocol: 'TCP', Port: 443, DefaultActions: world.listener.DefaultActions!.filter((a) => a.Type === 'forward') };
    const out = await handler({ input: baseInput(), executionArn: ARN.execution });
    expect(out.original.actions).toEqual(world.listener.DefaultActions);
    expect(out.original.weights).toEqual({ [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 });
  });

  it('canary not in the forward action → TargetGroupNotInForwardAction listing what was found', async () => {
    world.listener.DefaultActions = oidcThenForward().map((a) =>
      a.Type === 'forward' ? { ...a, ForwardConfig: { TargetGroups: a.ForwardConfig!.TargetGroups!.filter((g) => g.TargetGroupArn !== ARN.green) } } : a,
    );
    const err = await failure();
    expect(err.name).toBe('TargetGroupNotInForwardAction');
    expect(err.message).toBe(
      `listener ${ARN.listener} has no forward action with canary target group green; found: blue, legacy. Add green to the forward action (weight 0) before the rollout`,
    );
    expectLockReleased();
  });

  it('no forward action at all → TargetGroupNotInForwardAction saying so', async () => {
    world.listener.DefaultActions = [{ Type: 'fixed-response', Order: 1, FixedResponseConfig: { StatusCode: '503' } }];
    const err = await failure();
    expect(err.name).toBe('TargetGroupNotInForwardAction');
    expect(err.message).toContain('has no forward action with stable target group blue; found: no forward action.');
  });

  it('rule of another listener → InvalidInput from validation, before the lock or any AWS call', async () => {
    const err = await failure(event(baseInput({ target: { listenerArn: ARN.listener, ruleArn: ARN.ruleOfOtherListener, stable: ARN.blue, canary: ARN.green } })));
    expect(err.name).toBe('InvalidInput');
    expect(err.message).toBe(
      `invalid rollout input (1 problem):\n- target.ruleArn = "${ARN.ruleOfOtherListener}": belongs to listener ${ARN.otherListener}, not target.listenerArn ${ARN.listener}; give that listener's ARN, or a rule of this listener`,
    );
    expect(elb.calls()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it("the listener's default rule as ruleArn → DefaultRuleGiven (ModifyRule refuses default rules), lock released, nothing written", async () => {
    world.rules[ARN.rule] = { RuleArn: ARN.rule, Priority: 'default', Conditions: [], Actions: world.listener.DefaultActions, IsDefault: true };
    const err = await failure(event(baseInput({ target: { listenerArn: ARN.listener, ruleArn: ARN.rule, stable: ARN.blue, canary: ARN.green } })));
    expect(err.name).toBe('DefaultRuleGiven');
    expect(err.message).toBe(
      `rule ${ARN.rule} is the default rule of listener ${ARN.listener}, which ModifyRule cannot change (OperationNotPermitted); leave ruleArn out to shift the listener's default action`,
    );
    expectNoWrites();
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toEqual({ ...lockRelease, Key: { pk: `lock#${ARN.rule}`, sk: 'lock' } });
  });

  it('a plan longer than the execution timeout (EXECUTION_TIMEOUT_SECONDS) → InvalidInput with the numbers, before the lock', async () => {
    process.env.EXECUTION_TIMEOUT_SECONDS = '7200';
    try {
      const err = await failure(event(baseInput({ steps: [50, 100], bakeSeconds: 3600, pollSeconds: 60, approvals: { before: [100], timeoutSeconds: 600 } })));
      expect(err.name).toBe('InvalidInput');
      expect(err.message).toBe(
        "invalid rollout input (1 problem):\n- input: this rollout may take up to 130m (2 steps × 60 polls of 1m, + 1 approval of up to 10m), " +
          "longer than the state machine's execution timeout of 2h; raise the stack's executionTimeout or shorten the plan",
      );
      expect(ddb.calls()).toHaveLength(0);
    } finally {
      delete process.env.EXECUTION_TIMEOUT_SECONDS;
    }
  });

  it('rule not found → RuleNotFound', async () => {
    elb.on(DescribeRulesCommand).rejects(new RuleNotFoundException({ message: 'One or more rules not found', $metadata: { httpStatusCode: 400 } }));
    const err = await failure(event(baseInput({ target: { listenerArn: ARN.listener, ruleArn: ARN.rule, stable: ARN.blue, canary: ARN.green } })));
    expect(err.name).toBe('RuleNotFound');
    expect(err.message).toBe(`rule ${ARN.rule} not found; check the ARN, or leave ruleArn out to shift the listener's default action`);
  });

  it('throttled DescribeListeners → Transient (the state machine retries), lock released', async () => {
    elb.on(DescribeListenersCommand).rejects(
      new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }),
    );
    const err = await failure();
    expect(err.name).toBe('Transient');
    expect(err.message).toBe(`DescribeListeners ${ARN.listener}: Throttling: Rate exceeded (transient; will be retried)`);
    expectLockReleased();
  });
});
