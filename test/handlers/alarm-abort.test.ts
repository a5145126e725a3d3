// Abort on alarm (issue 14 §1): the "CloudWatch Alarm State Change" event restores every running
// rollout that watches the alarm from its own Step Functions record, stops it naming the alarm, and
// tells Slack. End states are deep-equal to the originals; the order is asserted through the fakes.
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StopExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { ModifyListenerCommand, ModifyRuleCommand, type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ALARM_ABORT_ERROR } from '../../lambdas/domain/alarm-abort.ts';
import type { RolloutState } from '../../lambdas/domain/rollout.ts';
import { handler } from '../../lambdas/handlers/alarm-abort.ts';
import { handler as rollback } from '../../lambdas/handlers/rollback.ts';
import { setSleep } from '../../lambdas/providers/retry.ts';
import { setNotifier } from '../../lambdas/providers/notify.ts';
import { actionsAtPercent, ARN, baseInput, clone, ddb, elb, notified, oidcThenForward, recordingNotifier, resetAws, restoreNotifier, sfn, stateFor, T0, TABLE, world } from './fixtures.ts';

const ALARM = 'web-green-5xx';
const REASON = 'Threshold Crossed: 2 out of the last 3 datapoints [0.5 (22/11/26 10:00:03)] were greater than the threshold (0.05)';
const ruleActions = (blue: number, green: number): Action[] => [
  { Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.blue, Weight: blue }, { TargetGroupArn: ARN.green, Weight: green }] } },
];
const RULE_TARGET = { listenerArn: ARN.listener, ruleArn: ARN.rule, stable: ARN.blue, canary: ARN.green };

/** The EventBridge event CloudWatch sends (AWS docs, "Alarm events and EventBridge"), trimmed of configuration. */
const alarmEvent = (alarmName = ALARM, value = 'ALARM') => ({
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2026-11-22T10:00:04Z',
  region: 'us-east-1',
  resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
  detail: {
    alarmName,
    state: { value, reason: REASON, timestamp: '2026-11-22T10:00:04.123+0000' },
    previousState: { value: 'OK', reason: 'ok', timestamp: '2026-11-22T09:00:00.000+0000' },
    configuration: { metrics: [] },
  },
});

interface Run {
  status: string;
  input: unknown;
  /** Prepare's output; undefined = Prepare has not returned. */
  prepared?: RolloutState;
  last: string;
}
let runs: Record<string, Run> = {};
/** What happened, in order, across the fakes. */
let order: string[] = [];
let watchers: Record<string, string[]> = {};

function historyOf(run: Run): HistoryEvent[] {
  const events: Omit<HistoryEvent, 'id' | 'timestamp'>[] = [
    { type: 'ExecutionStarted', executionStartedEventDetails: { input: JSON.stringify(run.input) } },
    { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Prepare' } },
  ];
  if (run.prepared) {
    const output = JSON.stringify(run.prepared);
    events.push({ type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } } });
    events.push({ type: 'TaskStateExited', stateExitedEventDetails: { name: 'Prepare', output } });
    for (const name of ['Shift', 'Evaluate', run.last]) events.push({ type: 'TaskStateEntered', stateEnteredEventDetails: { name } });
  }
  return events.map((e, i) => ({ ...e, id: i + 1, timestamp: new Date(T0) }) as HistoryEvent);
}

function listenerRun(over: Partial<RolloutState['input']> & { responses?: unknown } = {}): Run {
  const { responses, ...rest } = over;
  const input = { ...baseInput(), ...(responses ? { responses } : {}) };
  return { status: 'RUNNING', input, prepared: stateFor({ ...baseInput(), ...rest }, { position: 1 }), last: 'Evaluate' };
}
function ruleRun(): Run {
  const raw = baseInput({ target: RULE_TARGET, alarms: [ALARM], stickiness: 'disable-during-rollout' });
  return { status: 'RUNNING', input: raw, prepared: { ...stateFor(raw, { position: 2, original: ruleActions(1, 0) }), executionArn: ARN.otherExecution }, last: 'Evaluate' };
}

beforeEach(() => {
  resetAws();
  setSleep(async () => {});
  setNotifier({ notify: async (e, c) => (order.push(`slack ${e.executionArn}`), recordingNotifier.notify(e, c)) });
  runs = { [ARN.execution]: listenerRun() };
  watchers = { [ALARM]: [ARN.execution] };
  order = [];
  world.listener.DefaultActions = actionsAtPercent(10);
  world.rules[ARN.rule] = { RuleArn: ARN.rule, Priority: '10', Conditions: [{ Field: 'host-header', Values: ['api.example.com'] }], Actions: ruleActions(4, 1) };
  ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
    const alarm = input.ExpressionAttributeValues[':pk']!.replace(/^watch#/, '');
    return { Items: (watchers[alarm] ?? []).map((sk) => ({ pk: `watch#${alarm}`, sk, executionArn: sk, alarm })) };
  });
  ddb.on(UpdateCommand).callsFake((input: { Key: { pk: string }; UpdateExpression: string }) => {
    order.push(`${input.UpdateExpression.includes('stopping') ? 'stopping' : 'status'} ${input.Key.pk.replace('rollout#', '')}`);
    return {};
  });
  elb.on(ModifyListenerCommand).callsFake((input: { DefaultActions: Action[] }) => {
    order.push(`restore ${ARN.execution}`);
    world.listener = { ...world.listener, DefaultActions: clone(input.DefaultActions).map((a) => (a.AuthenticateOidcConfig ? { ...a, AuthenticateOidcConfig: (({ UseExistingClientSecret: _u, ...r }) => r)(a.AuthenticateOidcConfig) } : a)) };
    return {};
  });
  elb.on(ModifyRuleCommand).callsFake((input: { RuleArn: string; Actions: Action[] }) => {
    order.push(`restore ${ARN.otherExecution}`);
    world.rules[input.RuleArn] = { ...world.rules[input.RuleArn]!, Actions: clone(input.Actions) };
    return {};
  });
  sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({ executionArn: input.executionArn, status: runs[input.executionArn]?.status }));
  sfn.on(GetExecutionHistoryCommand).callsFake((input: { executionArn: string; reverseOrder?: boolean }) => {
    const events = historyOf(runs[input.executionArn]!);
    return { events: input.reverseOrder ? events.reverse() : events };
  });
  sfn.on(StopExecutionCommand).callsFake((input: { executionArn: string }) => {
    order.push(`stop ${input.executionArn}`);
    runs[input.executionArn]!.status = 'ABORTED';
    return { stopDate: new Date(T0) };
  });
});
afterAll(restoreNotifier);

const stops = () => sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input);
const modifies = () => elb.commandCalls(ModifyListenerCommand).length + elb.commandCalls(ModifyRuleCommand).length;

describe('an alarm watched by running rollouts', () => {
  it('two rollouts watch it: both get their own original back at once, then are stopped naming the alarm, then Slack is told', async () => {
    runs[ARN.otherExecution] = ruleRun();
    watchers[ALARM] = [ARN.execution, ARN.otherExecution];
    const result = await handler(alarmEvent());

    // End state: every target group's weight and every action exactly as each rollout found them.
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    expect(world.rules[ARN.rule]!.Actions).toEqual(ruleActions(1, 0));
    const cause = `alarm ${ALARM} went into ALARM: ${REASON}; aborted at once by the alarm event, original weights restored`;
    expect(stops().sort((a, b) => a.executionArn!.localeCompare(b.executionArn!))).toEqual(
      [ARN.execution, ARN.otherExecution].map((executionArn) => ({ executionArn, error: ALARM_ABORT_ERROR, cause })).sort((a, b) => a.executionArn.localeCompare(b.executionArn)),
    );
    expect(result.executions.map((e) => [e.executionArn, e.outcome]).sort()).toEqual([[ARN.execution, 'aborted'], [ARN.otherExecution, 'aborted']].sort());
    expect(notified.filter((n) => n.kind === 'rolled-back').map((n) => n.executionArn).sort()).toEqual([ARN.execution, ARN.otherExecution].sort());
    expect(notified.every((n) => n.kind === 'rolled-back' && n.reason === cause)).toBe(true);
    // Per rollout: flagged, restored, recorded, stopped, told — in that order.
    for (const arn of [ARN.execution, ARN.otherExecution]) {
      expect(order.filter((o) => o.endsWith(arn))).toEqual([`stopping ${arn}`, `restore ${arn}`, `status ${arn}`, `stop ${arn}`, `slack ${arn}`]);
    }
    // The lock stays for the safety net's re-check after the stop; the watch items go.
    const deleted = ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key);
    expect(deleted.filter((k) => String(k?.pk).startsWith('lock#'))).toEqual([]);
    expect(deleted).toContainEqual({ pk: `watch#${ALARM}`, sk: ARN.otherExecution });
    expect(deleted).toContainEqual({ pk: 'watch#web-green-p99', sk: ARN.execution });
  });

  it('looks the alarm up by its watch# partition only', async () => {
    await handler(alarmEvent());
    expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, KeyConditionExpression: 'pk = :pk', FilterExpression: 'expiresAt >= :now', ExpressionAttributeValues: { ':pk': `watch#${ALARM}`, ':now': Math.floor(T0 / 1000) }, ConsistentRead: true },
    ]);
  });

  it('is safe to run twice: the second run finds the execution ABORTED and writes nothing', async () => {
    await handler(alarmEvent());
    const calls = modifies();
    const again = await handler(alarmEvent());
    expect(modifies()).toBe(calls);
    expect(stops()).toHaveLength(1);
    expect(again.executions).toEqual([{ executionArn: ARN.execution, outcome: 'skipped', why: expect.stringContaining('ABORTED') }]);
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
  });

  it('the original comes from Step Functions, never the table: a forged rollout record is not even read', async () => {
    await handler(alarmEvent());
    expect(ddb.commandCalls(GetCommand)).toEqual([]);
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
  });
});

describe('alarms that abort nothing', () => {
  it('an alarm no running rollout watches: no Step Functions call, no write', async () => {
    const result = await handler(alarmEvent('web-blue-5xx'));
    expect(result).toEqual({ alarm: 'web-blue-5xx', executions: [] });
    expect(sfn.calls()).toHaveLength(0);
    expect(modifies()).toBe(0);
    expect(world.listener.DefaultActions).toEqual(actionsAtPercent(10));
  });

  it.each(['hold', 'notify'] as const)('responses[alarm] = "%s": not aborted, traffic untouched, still watched', async (response) => {
    runs[ARN.execution] = listenerRun({ responses: { [ALARM]: response } });
    const result = await handler(alarmEvent());
    expect(result.executions).toEqual([{ executionArn: ARN.execution, outcome: 'skipped', why: `responses["${ALARM}"] is "${response}": not an abort (Evaluate applies it at the next poll)` }]);
    expect(stops()).toEqual([]);
    expect(modifies()).toBe(0);
    expect(world.listener.DefaultActions).toEqual(actionsAtPercent(10));
    expect(ddb.commandCalls(DeleteCommand)).toEqual([]);
  });

  it('a response for another alarm, or a malformed responses field, leaves the default: rollback', async () => {
    runs[ARN.execution] = listenerRun({ responses: { 'web-green-p99': 'hold', [ALARM]: 'HOLD!' as 'hold' } });
    await handler(alarmEvent());
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
    expect(stops()).toHaveLength(1);
  });

  it('a stale watch item (the execution ended) is removed; its own end handles its traffic', async () => {
    runs[ARN.execution]!.status = 'SUCCEEDED';
    const result = await handler(alarmEvent());
    expect(result.executions[0]!.outcome).toBe('skipped');
    expect(ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key)).toEqual([{ pk: `watch#${ALARM}`, sk: ARN.execution }]);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toEqual([]);
    expect(modifies()).toBe(0);
  });

  it('a rollout that decided to promote (Finalize) or is already rolling back is left alone', async () => {
    for (const last of ['Finalize', 'Rollback']) {
      runs[ARN.execution] = { ...listenerRun(), last };
      const result = await handler(alarmEvent());
      expect(result.executions[0]!.outcome).toBe('skipped');
    }
    expect(stops()).toEqual([]);
    expect(modifies()).toBe(0);
  });

  it('an OK state change is ignored', async () => {
    const result = await handler(alarmEvent(ALARM, 'OK'));
    expect(result).toEqual({ ignored: `alarm ${ALARM} went to OK, not ALARM`, executions: [] });
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('edges', () => {
  it('before Prepare returned nothing moved: the execution is only stopped', async () => {
    runs[ARN.execution] = { status: 'RUNNING', input: baseInput(), last: 'Prepare' };
    const result = await handler(alarmEvent());
    expect(result.executions[0]!.outcome).toBe('stopped');
    expect(stops().map((s) => s.error)).toEqual([ALARM_ABORT_ERROR]);
    expect(modifies()).toBe(0);
  });

  it('Step Functions unreachable: the event fails, so Lambda retries it (then the dead-letter queue)', async () => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(handler(alarmEvent())).rejects.toThrow(/1 of 1 rollouts could not be aborted/);
    expect(modifies()).toBe(0);
  });

  it('the safety net that the stop triggers re-checks and unlocks, and does not tell Slack a second time', async () => {
    await handler(alarmEvent());
    const told = notified.length;
    const state = runs[ARN.execution]!.prepared!;
    ddb.on(GetCommand).resolves({ Item: { pk: `rollout#${ARN.execution}`, sk: 'rollout', executionArn: ARN.execution, status: 'rolled-back', target: state.input.target, original: state.original, lockKey: state.lockKey, startedAt: state.startedAt } });
    const net = await rollback({ source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { executionArn: ARN.execution, status: 'ABORTED', error: ALARM_ABORT_ERROR, stopDate: T0 } });
    expect(net.outcome).toBe('rolled-back');
    expect(notified).toHaveLength(told);
    expect(ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key)).toContainEqual({ pk: `lock#${ARN.listener}`, sk: 'lock' });
    expect(world.listener.DefaultActions).toEqual(oidcThenForward());
  });
});
