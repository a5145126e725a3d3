// Rollback: restores the original exactly, first, from what the workflow recorded itself (the
// execution state; for the safety net, Step Functions' execution history), then bookkeeping, best
// effort. Idempotent; never fails because of a notification or DynamoDB.
import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { ElasticLoadBalancingV2ServiceException, ModifyListenerCommand, ModifyRuleCommand, type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { afterDecision, type RolloutState } from '../../lambdas/domain/rollout.ts';
import { setClock } from '../../lambdas/handlers/deps.ts';
import { handler, type ExecutionStatusChange } from '../../lambdas/handlers/rollback.ts';
import { setMetricSink } from '../../lambdas/providers/metrics.ts';
import { notificationFailures, setNotifier } from '../../lambdas/providers/notify.ts';
import { setSleep } from '../../lambdas/providers/retry.ts';
import type { RolloutRecord } from '../../lambdas/providers/store.ts';
import { actionsAtPercent, ARN, asWritten, baseInput, clone, ddb, elb, notified, oidcThenForward, resetAws, restoreNotifier, sfn, stateFor, T0, TABLE, world } from './fixtures.ts';
import { lockRelease } from '../support/store.ts';

const ORIGINAL_WEIGHTS = { [ARN.blue]: 999, [ARN.green]: 0, [ARN.legacy]: 1 };
const epoch = Math.floor(T0 / 1000);
let clock = T0;
let metrics: string[] = [];

const decidedRollback = (): RolloutState =>
  afterDecision(stateFor(baseInput(), { position: 1 }), { action: 'rollback', reason: 'alarm web-green-5xx in ALARM at step 10%' });

function record(over: Partial<RolloutRecord> = {}): RolloutRecord {
  const s = stateFor(baseInput());
  return { executionArn: ARN.execution, status: 'running', target: s.input.target, original: s.original, lockKey: s.lockKey, startedAt: s.startedAt, ...over };
}
function storeRecord(r: RolloutRecord | undefined): void {
  ddb.on(GetCommand, { Key: { pk: `rollout#${ARN.execution}`, sk: 'rollout' } }).resolves(r ? { Item: { pk: `rollout#${r.executionArn}`, sk: 'rollout', ...clone(r), expiresAt: epoch + 1000 } } : {});
}

/** The execution's history as Step Functions returns it (forward order). */
function history(opts: { prepared?: unknown; input?: unknown; last?: string; caughtPrepare?: boolean } = {}): HistoryEvent[] {
  const input = opts.input ?? { target: stateFor(baseInput()).input.target };
  const events: Omit<HistoryEvent, 'id' | 'timestamp'>[] = [
    { type: 'ExecutionStarted', executionStartedEventDetails: { input: JSON.stringify(input) } },
    { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Prepare' } },
    { type: 'LambdaFunctionScheduled' },
  ];
  if (opts.caughtPrepare) {
    events.push({ type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: { error: 'LockHeld' } });
    events.push({ type: 'TaskStateExited', stateExitedEventDetails: { name: 'Prepare', output: JSON.stringify({ ...(input as object), error: { Error: 'LockHeld' } }) } });
    events.push({ type: 'FailStateEntered', stateEnteredEventDetails: { name: 'PrepareFailed' } });
  } else {
    const output = JSON.stringify(opts.prepared ?? stateFor(baseInput()));
    events.push({ type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } } });
    events.push({ type: 'TaskStateExited', stateExitedEventDetails: { name: 'Prepare', output } });
    for (const name of ['Shift', 'Evaluate', 'Shift', 'Evaluate', ...(opts.last ? [opts.last] : [])]) events.push({ type: 'TaskStateEntered', stateEnteredEventDetails: { name } });
  }
  return events.map((e, i) => ({ ...e, id: i + 1, timestamp: new Date(T0) }) as HistoryEvent);
}
function serveHistory(events: HistoryEvent[], pageSize = 1000): void {
  sfn.on(GetExecutionHistoryCommand).callsFake((input: { reverseOrder?: boolean; nextToken?: string }) => {
    const all = input.reverseOrder ? [...events].reverse() : events;
    const start = Number(input.nextToken ?? 0);
    return { events: all.slice(start, start + pageSize), ...(start + pageSize < all.length ? { nextToken: String(start + pageSize) } : {}) };
  });
}

const safetyNet = (status: string, extra: Partial<ExecutionStatusChange['detail']> = {}): ExecutionStatusChange => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn: ARN.execution, status, stopDate: T0, ...extra },
});
const modifies = () => elb.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input);
const updates = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const deletes = () => ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input);
const dynamoDown = () => {
  for (const C of [GetCommand, PutCommand, UpdateCommand, DeleteCommand]) {
    ddb.on(C as never).rejects(Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } }));
  }
};
/** The rollout's watch# items (abort on alarm), removed when it ends: one per alarm it watched. */
const WATCH_REMOVALS = ['web-green-5xx', 'web-green-p99'].map((alarm) => ({ TableName: TABLE, Key: { pk: `watch#${alarm}`, sk: ARN.execution } }));
const LOCK_RELEASE = lockRelease(TABLE, `lock#${ARN.listener}`, ARN.execution);

beforeEach(() => {
  resetAws();
  clock = T0;
  setClock(() => clock);
  setSleep(async (ms) => {
    clock += ms;
  });
  metrics = [];
  setMetricSink((line) => metrics.push(JSON.parse(line)._aws.CloudWatchMetrics[0].Metrics[0].Name as string));
  storeRecord(record());
  serveHistory(history());
});
afterAll(restoreNotifier);

describe('rollback from the state machine', () => {
  it('restores the original from the execution state before touching DynamoDB, then audits (once, keyed), ends the record, unlocks, notifies', async () => {
    world.listener.DefaultActions = actionsAtPercent(10);
    const result = await handler(decidedRollback());
    expect(modifies()).toEqual([{ ListenerArn: ARN.listener, DefaultActions: asWritten(oidcThenForward()) }]);
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    expect(result).toEqual({ outcome: 'rolled-back', executionArn: ARN.execution, cause: 'alarm web-green-5xx in ALARM at step 10%', restored: ORIGINAL_WEIGHTS });
    // DynamoDB is never read on this path.
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    const audit = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(audit).toMatchObject([
      {
        Item: { sk: 'audit#rollback', action: 'rollback', from: { [ARN.blue]: 900, [ARN.green]: 100, [ARN.legacy]: 1 }, to: ORIGINAL_WEIGHTS, by: 'state-machine' },
        ConditionExpression: 'attribute_not_exists(sk)',
      },
    ]);
    expect(updates().map((u) => u.ExpressionAttributeValues?.[':status'])).toEqual(['rolled-back']);
    expect(deletes()).toEqual([LOCK_RELEASE, ...WATCH_REMOVALS]);
    expect(notified).toEqual([{ kind: 'rolled-back', executionArn: ARN.execution, reason: 'alarm web-green-5xx in ALARM at step 10%', restored: ORIGINAL_WEIGHTS }]);
  });

  it('DynamoDB down (500s): traffic is restored anyway; each bookkeeping step is retried, then reported in the result and the cause', async () => {
    world.listener.DefaultActions = actionsAtPercent(10);
    dynamoDown();
    const result = await handler(decidedRollback());
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    expect(result.outcome).toBe('rolled-back');
    expect(result.restored).toEqual(ORIGINAL_WEIGHTS);
    expect(result.bookkeepingFailed).toEqual([
      'audit: Transient: DynamoDB PutItem (audit): InternalServerError: Internal server error (transient; will be retried)',
      'record status: Transient: DynamoDB UpdateItem (rollout): InternalServerError: Internal server error (transient; will be retried)',
      'lock release: Transient: DynamoDB DeleteItem (lock): InternalServerError: Internal server error (transient; will be retried)',
    ]);
    expect(result.cause).toMatch(/^alarm web-green-5xx in ALARM at step 10% \(bookkeeping failed: audit: .*; the safety net retries it\)$/);
    expect(deletes()).toHaveLength(3 + 2); // three tries each for the lock; one per watch item (stale ones expire, never reported)
    expect(metrics).toEqual(['BookkeepingFailed', 'BookkeepingFailed', 'BookkeepingFailed']);
  });

  it('already at the original: no Modify call, still ends the rollout and releases the lock', async () => {
    const result = await handler(decidedRollback());
    expect(modifies()).toHaveLength(0);
    expect(result.outcome).toBe('rolled-back');
    expect(deletes()).toEqual([LOCK_RELEASE, ...WATCH_REMOVALS]);
  });

  it('running twice: the second run finds the original in place and writes nothing', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    await handler(decidedRollback());
    await handler(decidedRollback());
    expect(modifies()).toHaveLength(1);
  });

  it('throttled ModifyListener → Transient for the state machine to retry, a RestoreAttemptFailed metric at once, no bookkeeping', async () => {
    world.listener.DefaultActions = actionsAtPercent(10);
    elb.on(ModifyListenerCommand).rejects(new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(decidedRollback())).rejects.toMatchObject({ name: 'Transient' });
    expect(metrics).toEqual(['RestoreAttemptFailed']);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('restores a rule in rule mode with ModifyRule', async () => {
    const ruleActions = (blue: number, green: number): Action[] => [
      { Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.blue, Weight: blue }, { TargetGroupArn: ARN.green, Weight: green }] } },
    ];
    world.rules[ARN.rule] = { RuleArn: ARN.rule, Priority: '10', Conditions: [{ Field: 'host-header', Values: ['api.example.com'] }], Actions: ruleActions(1, 1) };
    const target = { listenerArn: ARN.listener, ruleArn: ARN.rule, stable: ARN.blue, canary: ARN.green };
    await handler(afterDecision(stateFor(baseInput({ target }), { position: 3, original: ruleActions(1, 0) }), { action: 'rollback', reason: 'x' }));
    expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([{ RuleArn: ARN.rule, Actions: ruleActions(1, 0) }]);
    expect(modifies()).toHaveLength(0);
    expect(deletes()[0]!.Key).toEqual({ pk: `lock#${ARN.rule}`, sk: 'lock' });
  });

  it('a notifier that throws does not fail the rollback', async () => {
    world.listener.DefaultActions = actionsAtPercent(10);
    const before = notificationFailures();
    setNotifier({ notify: async () => Promise.reject(new Error('slack: channel_not_found')) });
    const result = await handler(decidedRollback());
    expect(result.outcome).toBe('rolled-back');
    expect(notificationFailures()).toBe(before + 1);
  });

  it('needs an executionArn', async () => {
    await expect(handler({})).rejects.toThrow(/rollback needs executionArn/);
  });
});

describe('rollback from the safety net (EventBridge execution status change)', () => {
  it('ABORTED half-shifted: flags the record, restores the original from Step Functions, checks again after a running Shift must have ended, unlocks', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    const result = await handler(safetyNet('ABORTED'));
    expect(modifies()).toEqual([{ ListenerArn: ARN.listener, DefaultActions: asWritten(oidcThenForward()) }]);
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    const cause = 'execution ended ABORTED: restored by the safety net';
    expect(result).toEqual({ outcome: 'rolled-back', executionArn: ARN.execution, cause, restored: ORIGINAL_WEIGHTS });
    expect(updates().map((u) => u.UpdateExpression)).toEqual(['SET stopping = :true', 'SET #status = :status, reason = :reason, endedAt = :now']);
    expect(deletes()).toEqual([...WATCH_REMOVALS, LOCK_RELEASE]); // the lock after the re-check
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ sk: 'audit#rollback', action: 'rollback', by: 'safety-net' });
    expect(clock - T0).toBe(40_000); // waited out a Shift that may still be running
    expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: ARN.execution, reverseOrder: false, maxResults: 1000, includeExecutionData: true },
      { executionArn: ARN.execution, reverseOrder: true, maxResults: 1000, includeExecutionData: true },
    ]);
  });

  it('a forged record (different original) is reported, never applied: the original Step Functions recorded is restored', async () => {
    const forged = { actions: [{ Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.green, Weight: 1 }] } }], weights: { [ARN.green]: 1 } };
    storeRecord(record({ original: forged }));
    world.listener.DefaultActions = actionsAtPercent(20);
    const result = await handler(safetyNet('ABORTED'));
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    expect(result.tampered).toEqual({ recorded: forged, restored: ORIGINAL_WEIGHTS, message: expect.stringContaining('forged or corrupted') });
    expect(metrics).toContain('RecordTampered');
  });

  it('the same original read back from DynamoDB with its keys reordered is not a forgery', async () => {
    const s = stateFor(baseInput());
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    storeRecord(record({ original: reverseKeys(s.original) as typeof s.original }));
    world.listener.DefaultActions = actionsAtPercent(20);
    const result = await handler(safetyNet('ABORTED'));
    expect(result.tampered).toBeUndefined();
  });

  it('DynamoDB down: restores anyway, reports each bookkeeping step that failed', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    dynamoDown();
    const result = await handler(safetyNet('TIMED_OUT'));
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    expect(result.outcome).toBe('rolled-back');
    expect(result.bookkeepingFailed?.map((f) => f.split(':')[0])).toEqual(['stopping flag', 'record read', 'audit', 'record status', 'lock release']);
  });

  it('a Shift still running after the stop writes after the restore: restored again once it must have ended', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    setSleep(async (ms) => {
      clock += ms;
      world.listener.DefaultActions = actionsAtPercent(50); // the late Shift lands
    });
    const result = await handler(safetyNet('ABORTED'));
    expect(modifies()).toHaveLength(2);
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    expect(result.lateShiftUndone).toBe(true);
  });

  it('keeps retrying a failing restore with backoff until its time is nearly up, then fails for Lambda to retry the event', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    elb.on(ModifyListenerCommand).rejects(new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(safetyNet('FAILED', { error: 'RollbackFailed' }))).rejects.toMatchObject({ name: 'Transient' });
    expect(modifies().length).toBeGreaterThan(10);
    expect(metrics.filter((m) => m === 'RestoreAttemptFailed')).toHaveLength(modifies().length);
    expect(clock - T0).toBeLessThanOrEqual(840_000); // 15-minute function, 60 s kept in hand
    expect(deletes()).toHaveLength(0); // the lock stays until the restore is done
  });

  it('uses the Lambda context for its budget', async () => {
    world.listener.DefaultActions = actionsAtPercent(20);
    elb.on(ModifyListenerCommand).rejects(new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(safetyNet('FAILED', { error: 'RollbackFailed' }), { getRemainingTimeInMillis: () => 60_000 })).rejects.toMatchObject({ name: 'Transient' });
    expect(modifies()).toHaveLength(1);
  });

  it('finds Prepare on a later page of the history', async () => {
    serveHistory(history(), 2);
    world.listener.DefaultActions = actionsAtPercent(20);
    const result = await handler(safetyNet('FAILED', { error: 'States.Runtime' }));
    expect(result.outcome).toBe('rolled-back');
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
  });

  it('reached Finalize (promoted): never rolls back; releases the lock and marks the record promoted', async () => {
    serveHistory(history({ last: 'Finalize' }));
    world.listener.DefaultActions = actionsAtPercent(100);
    const result = await handler(safetyNet('FAILED', { error: 'PromotedBookkeepingFailed' }));
    expect(result.outcome).toBe('promoted');
    expect(elb.calls()).toHaveLength(0);
    expect(world.listener.DefaultActions).toEqual(actionsAtPercent(100));
    expect(deletes()).toEqual([LOCK_RELEASE]);
    expect(updates()[0]?.ExpressionAttributeValues?.[':status']).toBe('promoted');
  });

  it('FAILED with RolledBack (its Rollback state restored): no traffic call; only the lock release is redone', async () => {
    world.listener.DefaultActions = actionsAtPercent(50); // whatever it is now, it is not ours to touch
    const result = await handler(safetyNet('FAILED', { error: 'RolledBack', cause: 'alarm web-green-5xx in ALARM at step 10%' }));
    expect(result).toEqual({ outcome: 'already-ended', executionArn: ARN.execution, cause: 'alarm web-green-5xx in ALARM at step 10%' });
    expect(elb.calls()).toHaveLength(0);
    expect(deletes()).toEqual([LOCK_RELEASE]);
  });

  it('Prepare failed: touches no traffic, releases only its own lock (named by the execution input)', async () => {
    serveHistory(history({ caughtPrepare: true }));
    world.listener.DefaultActions = actionsAtPercent(20);
    const result = await handler(safetyNet('FAILED', { error: 'LockHeld' }));
    expect(result.outcome).toBe('nothing-to-restore');
    expect(elb.calls()).toHaveLength(0);
    expect(deletes()).toEqual([LOCK_RELEASE]);
  });

  it('an execution input carrying its own `original` whose Prepare failed restores nothing (the caught output is not Prepare’s)', async () => {
    const forged = { actions: [{ Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.green, Weight: 1 }] } }], weights: { [ARN.green]: 1 } };
    serveHistory(history({ caughtPrepare: true, input: { target: stateFor(baseInput()).input.target, original: forged, lockKey: `lock#${ARN.listener}`, input: { target: stateFor(baseInput()).input.target } } }));
    world.listener.DefaultActions = actionsAtPercent(20);
    const result = await handler(safetyNet('FAILED', { error: 'InvalidInput' }));
    expect(result.outcome).toBe('nothing-to-restore');
    expect(elb.calls()).toHaveLength(0);
  });

  it("a truncated Prepare output is refused, not restored from (and retried until the budget runs out)", async () => {
    const events = history();
    const succeeded = events.find((e) => e.type === 'LambdaFunctionSucceeded')!;
    succeeded.lambdaFunctionSucceededEventDetails!.outputDetails = { truncated: true };
    serveHistory(events);
    world.listener.DefaultActions = actionsAtPercent(20);
    await expect(handler(safetyNet('ABORTED'))).rejects.toThrow(/truncated; refusing to restore from a partial original/);
    expect(elb.calls()).toHaveLength(0);
  });
});
