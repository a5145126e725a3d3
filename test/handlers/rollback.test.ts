// Rollback: restores the recorded original exactly, from the state machine and from the
// safety-net EventBridge rule; idempotent; never fails because of a notification.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DescribeListenersCommand, ElasticLoadBalancingV2ServiceException, ModifyListenerCommand, ModifyRuleCommand, type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { afterDecision, type RolloutState } from '../../lambdas/domain/rollout.ts';
import { handler, type ExecutionStatusChange } from '../../lambdas/handlers/rollback.ts';
import { notificationFailures, setNotifier } from '../../lambdas/providers/notify.ts';
import type { RolloutRecord } from '../../lambdas/providers/store.ts';
import { actionsAtPercent, ARN, asWritten, baseInput, clone, ddb, elb, notified, notifiedChannels, oidcThenForward, resetAws, restoreNotifier, stateFor, T0, TABLE, world } from './fixtures.ts';

const ORIGINAL_WEIGHTS = { [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 };
const epoch = Math.floor(T0 / 1000);

function record(over: Partial<RolloutRecord> = {}): RolloutRecord {
  return {
    executionArn: ARN.execution,
    status: 'running',
    target: { listenerArn: ARN.listener, stable: ARN.blue, canary: ARN.green },
    original: { actions: oidcThenForward(), weights: ORIGINAL_WEIGHTS },
    lockKey: `lock#${ARN.listener}`,
    startedAt: new Date(T0).toISOString(),
    slack: { channel: 'C0123456' },
    ...over,
  };
}

/** The rollout record as DynamoDB returns it (with its keys and TTL). */
function storeRecord(r: RolloutRecord | undefined): void {
  ddb.on(GetCommand, { Key: { pk: `rollout#${ARN.execution}`, sk: 'rollout' } }).resolves(r ? { Item: { pk: `rollout#${r.executionArn}`, sk: 'rollout', ...clone(r), expiresAt: epoch + 1000 } } : {});
}

const safetyNet = (status: string, executionArn = ARN.execution): ExecutionStatusChange => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn, status },
});

const decidedRollback = (): RolloutState =>
  afterDecision(stateFor(baseInput(), { position: 1 }), { action: 'rollback', reason: 'alarm web-green-5xx in ALARM at step 10%' });

const modifies = () => elb.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input);

/** Before restoring, rollback flags the record so a Shift still running stands down. */
const MARK_STOPPING = {
  TableName: TABLE,
  Key: { pk: `rollout#${ARN.execution}`, sk: 'rollout' },
  UpdateExpression: 'SET stopping = :true',
  ConditionExpression: 'attribute_exists(pk)',
  ExpressionAttributeValues: { ':true': true },
};
const updates = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);

function expectEndedAndUnlocked(cause: string): void {
  expect(updates()).toEqual([
    MARK_STOPPING,
    {
      TableName: TABLE,
      Key: { pk: `rollout#${ARN.execution}`, sk: 'rollout' },
      UpdateExpression: 'SET #status = :status, reason = :reason, endedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'rolled-back', ':reason': cause, ':now': new Date(T0).toISOString() },
    },
  ]);
  expect(ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input)).toEqual([
    {
      TableName: TABLE,
      Key: { pk: `lock#${ARN.listener}`, sk: 'lock' },
      ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': ARN.execution },
    },
  ]);
}

beforeEach(() => {
  resetAws();
  storeRecord(record());
});
afterAll(restoreNotifier);

describe('rollback from the state machine', () => {
  it('restores the original actions exactly (OIDC, order, third group, stickiness), audits, unlocks, notifies', async () => {
    world.listener.DefaultActions = actionsAtPercent(10);
    const result = await handler(decidedRollback());

    expect(modifies()).toEqual([{ ListenerArn: ARN.listener, DefaultActions: asWritten(oidcThenForward()) }]);
    // …and the listener now describes exactly as it did before the rollout.
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    expect(result).toEqual({ outcome: 'rolled-back', executionArn: ARN.execution, cause: 'alarm web-green-5xx in ALARM at step 10%', restored: ORIGINAL_WEIGHTS });
    expect(notifiedChannels).toEqual(['C0123456']); // the state's input names no channel: the record's is used

    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({ TableName: TABLE, Key: { pk: `rollout#${ARN.execution}`, sk: 'rollout' }, ConsistentRead: true });
    const audit = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'rollback',
      from: { [ARN.blue]: 900, [ARN.green]: 100, [ARN.legacy]: 1 },
      to: ORIGINAL_WEIGHTS,
      by: 'state-machine',
      why: 'alarm web-green-5xx in ALARM at step 10%',
    });
    expectEndedAndUnlocked('alarm web-green-5xx in ALARM at step 10%');
    expect(notified).toEqual([{ kind: 'rolled-back', executionArn: ARN.execution, reason: 'alarm web-green-5xx in ALARM at step 10%', restored: ORIGINAL_WEIGHTS }]);
  });

  it('a Lambda error caught by the state machine: the cause names the error and the step', async () => {
    world.listener.DefaultActions = actionsAtPercent(10);
    const state = {
      ...stateFor(baseInput(), { position: 1 }),
      error: { Error: 'InsufficientHealthyTargets', Cause: JSON.stringify({ errorType: 'InsufficientHealthyTargets', errorMessage: 'refusing to send 20% to green: 0 of 2 targets healthy, minHealthyTargets is 1', trace: [] }) },
    };
    const result = await handler(state);
    expect(result.cause).toBe('InsufficientHealthyTargets: refusing to send 20% to green: 0 of 2 targets healthy, minHealthyTargets is 1 while moving to step 20%');
    expect(modifies()).toHaveLength(1);
  });

  it('already at the original: no Modify call, still ends the rollout and releases the lock', async () => {
    const result = await handler(decidedRollback());
    expect(modifies()).toHaveLength(0);
    expect(elb.commandCalls(DescribeListenersCommand)).toHaveLength(2);
    expect(result.outcome).toBe('rolled-back');
    expectEndedAndUnlocked('alarm web-green-5xx in ALARM at step 10%');
  });

  it('an already rolled-back rollout: does nothing at all', async () => {
    storeRecord(record({ status: 'rolled-back', reason: 'alarm web-green-5xx in ALARM at step 10%' }));
    world.listener.DefaultActions = actionsAtPercent(50); // whatever it is now, it is not ours to touch
    const result = await handler(decidedRollback());
    expect(result).toEqual({ outcome: 'already-ended', executionArn: ARN.execution, cause: 'alarm web-green-5xx in ALARM at step 10%' });
    expect(elb.calls()).toHaveLength(0);
    expect(ddb.calls().map((c) => c.args[0].constructor.name)).toEqual(['GetCommand']);
    expect(notified).toEqual([]);
  });

  it('running twice: the second run finds the original in place and writes nothing', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    await handler(decidedRollback());
    await handler(decidedRollback());
    expect(modifies()).toHaveLength(1);
  });

  it('restores a rule in rule mode with ModifyRule', async () => {
    const ruleActions = (blue: number, green: number): Action[] => [
      { Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.blue, Weight: blue }, { TargetGroupArn: ARN.green, Weight: green }] } },
    ];
    world.rules[ARN.rule] = { RuleArn: ARN.rule, Priority: '10', Conditions: [{ Field: 'host-header', Values: ['api.example.com'] }], Actions: ruleActions(1, 1) };
    const target = { listenerArn: ARN.listener, ruleArn: ARN.rule, stable: ARN.blue, canary: ARN.green };
    storeRecord(record({ target, lockKey: `lock#${ARN.rule}`, original: { actions: ruleActions(1, 0), weights: { [ARN.blue]: 1, [ARN.green]: 0 } } }));
    await handler(afterDecision(stateFor(baseInput({ target }), { position: 3, original: ruleActions(1, 0) }), { action: 'rollback', reason: 'x' }));
    expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([{ RuleArn: ARN.rule, Actions: ruleActions(1, 0) }]);
    expect(modifies()).toHaveLength(0);
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({ pk: `lock#${ARN.rule}`, sk: 'lock' });
  });

  it('a notifier that throws does not fail the rollback', async () => {
    world.listener.DefaultActions = actionsAtPercent(10);
    const before = notificationFailures();
    setNotifier({ notify: async () => Promise.reject(new Error('slack: channel_not_found')) });
    const result = await handler(decidedRollback());
    expect(result.outcome).toBe('rolled-back');
    expect(notificationFailures()).toBe(before + 1);
  });

  it('throttled ModifyListener → Transient (retried by the state machine); nothing marked as ended', async () => {
    world.listener.DefaultActions = actionsAtPercent(10);
    elb.on(ModifyListenerCommand).rejects(new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(decidedRollback())).rejects.toMatchObject({ name: 'Transient' });
    expect(updates()).toEqual([MARK_STOPPING]); // flagged, but not marked as ended
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('needs an executionArn', async () => {
    await expect(handler({})).rejects.toThrow(/rollback needs executionArn/);
  });
});

describe('rollback from the safety net (EventBridge execution status change)', () => {
  it('ABORTED with a half-shifted listener: restores exactly and releases the lock', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    const result = await handler(safetyNet('ABORTED'));
    expect(modifies()).toEqual([{ ListenerArn: ARN.listener, DefaultActions: asWritten(oidcThenForward()) }]);
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    const cause = 'execution ended ABORTED: restored by the safety net';
    expect(result).toEqual({ outcome: 'rolled-back', executionArn: ARN.execution, cause, restored: ORIGINAL_WEIGHTS });
    expectEndedAndUnlocked(cause);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ action: 'rollback', by: 'safety-net' });
    // The channel comes from the record: the event carries no rollout state.
    expect(notified).toHaveLength(1);
    expect(notifiedChannels).toEqual(['C0123456']);
  });

  it('restores even after an operator took the canary out of the forward action', async () => {
    world.listener.DefaultActions = [
      oidcThenForward()[0]!,
      { Type: 'forward', Order: 2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.blue, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } },
    ];
    const result = await handler(safetyNet('ABORTED'));
    expect(modifies()).toEqual([{ ListenerArn: ARN.listener, DefaultActions: asWritten(oidcThenForward()) }]);
    expect(result).toMatchObject({ outcome: 'rolled-back', restored: ORIGINAL_WEIGHTS });
    expectEndedAndUnlocked('execution ended ABORTED: restored by the safety net');
    const audit = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item;
    expect(audit).toMatchObject({ action: 'rollback', to: ORIGINAL_WEIGHTS });
    expect(audit).not.toHaveProperty('from');
  });

  it('a restore that does not read back as the original → VerifyFailed, lock kept for the retry', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    world.applyWrites = false;
    const err = await handler(safetyNet('ABORTED')).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ name: 'VerifyFailed' });
    expect((err as Error).message).toContain(`listener ${ARN.listener} does not read back as the recorded original after restoring it`);
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
    expect(updates()).toEqual([MARK_STOPPING]); // flagged, but not marked as ended
  });

  it('TIMED_OUT: same restore', async () => {
    world.listener.DefaultActions = actionsAtPercent(1);
    const result = await handler(safetyNet('TIMED_OUT'));
    expect(result.cause).toBe('execution ended TIMED_OUT: restored by the safety net');
    expect(modifies()).toHaveLength(1);
  });

  it('already restored (listener at the original): no Modify call', async () => {
    const result = await handler(safetyNet('ABORTED'));
    expect(modifies()).toHaveLength(0);
    expect(result.outcome).toBe('rolled-back');
  });

  it('after the state machine already rolled back (execution FAILED with RolledBack): nothing to do', async () => {
    storeRecord(record({ status: 'rolled-back', reason: 'alarm web-green-5xx in ALARM at step 10%' }));
    const result = await handler(safetyNet('FAILED'));
    expect(result).toEqual({ outcome: 'already-ended', executionArn: ARN.execution, cause: 'alarm web-green-5xx in ALARM at step 10%' });
    expect(elb.calls()).toHaveLength(0);
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('after a promotion: nothing to do', async () => {
    storeRecord(record({ status: 'promoted', reason: 'step 100% baked' }));
    world.listener.DefaultActions = actionsAtPercent(100);
    const result = await handler(safetyNet('FAILED'));
    expect(result.outcome).toBe('already-ended');
    expect(elb.calls()).toHaveLength(0);
  });

  it('an execution that failed in Prepare (e.g. LockHeld) recorded nothing: touches nothing', async () => {
    storeRecord(undefined);
    world.listener.DefaultActions = actionsAtPercent(20); // another execution's rollout in progress
    const result = await handler(safetyNet('FAILED'));
    expect(result).toEqual({ outcome: 'nothing-to-restore', executionArn: ARN.execution, cause: 'execution ended FAILED: restored by the safety net' });
    expect(elb.calls()).toHaveLength(0);
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('an execution stopped or crashed inside Prepare: releases its own lock (named by the input in the event), touches no traffic', async () => {
    storeRecord(undefined);
    world.listener.DefaultActions = actionsAtPercent(20);
    const event = safetyNet('ABORTED');
    event.detail.input = JSON.stringify({ target: { listenerArn: ARN.listener, stable: ARN.blue, canary: ARN.green } });
    const result = await handler(event);
    expect(result.outcome).toBe('nothing-to-restore');
    expect(elb.calls()).toHaveLength(0);
    // Conditional on the owner: a lock another execution holds (the LockHeld case) stays.
    expect(ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLE,
        Key: { pk: `lock#${ARN.listener}`, sk: 'lock' },
        ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': ARN.execution },
      },
    ]);
  });

  it('a lock already taken over by another execution is not an error', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    ddb.on(DeleteCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } }));
    const result = await handler(safetyNet('ABORTED'));
    expect(result.outcome).toBe('rolled-back');
  });

  it('a throttled DynamoDB read → Transient', async () => {
    ddb.on(GetCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(safetyNet('ABORTED'))).rejects.toMatchObject({ name: 'Transient' });
    expect(elb.calls()).toHaveLength(0);
  });
});
