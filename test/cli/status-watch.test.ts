// status and watch: derived from DescribeExecution + GetExecutionHistory, plus the listener's
// weights and the alarms read right now, plus pending approvals from the table.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeExecutionCommand, ExecutionDoesNotExist, GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  alarmsAre,
  ARN,
  bakingAtTenPercent,
  describeOutput,
  EXECUTION_NAME,
  harness,
  historyOf,
  listenerAt,
  listenerResponse,
  rolledBackAtTwentyPercent,
  TABLE,
  waitingForApproval,
} from './harness.ts';

describe('status', () => {
  it('shows the step, the time to the next step, the last decision, the listener now and the alarms', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(bakingAtTenPercent().steps) });
    listenerAt(h, 9, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });

    expect(await h.run('status', EXECUTION_NAME)).toBe(0);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "web-green-20261122-1005-ab12  RUNNING  started 2026-11-22 10:05:00Z (17m ago)
        target    listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2: blue → green
        step      2 of 5: 10% on the canary (weights 9:1)
        next      20% in ≈3m
        state     Bake since 10:21:35Z
        decision  baking step 10%: 390s of 600s, 2 alarms OK, 3 canary targets healthy
        listener  90/10 now (blue 9, green 1)
        alarms    web-green-5xx OK, web-green-p99 OK
        approval  none pending
      "
    `);
    // The exact reads: the execution, the newest history page, the listener, the alarms; no table scan while baking.
    expect(h.sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toEqual([{ executionArn: ARN.execution }]);
    expect(h.sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: ARN.execution, reverseOrder: true, maxResults: 100, includeExecutionData: true, nextToken: undefined },
    ]);
    expect(h.elb.commandCalls(DescribeListenersCommand).map((c) => c.args[0].input)).toEqual([{ ListenerArns: [ARN.listener] }]);
    expect(h.cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames)).toEqual([['web-green-5xx', 'web-green-p99']]);
    expect(h.dynamo.calls()).toHaveLength(0);
  });

  it('--json carries the same facts for scripts', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(bakingAtTenPercent().steps) });
    listenerAt(h, 9, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'ALARM' });
    expect(await h.run('status', ARN.execution, '--json')).toBe(0);
    expect(JSON.parse(h.stdout())).toMatchInlineSnapshot(`
      {
        "alarms": [
          {
            "name": "web-green-5xx",
            "state": "OK",
          },
          {
            "name": "web-green-p99",
            "state": "ALARM",
          },
        ],
        "approval": {
          "pending": null,
          "waiting": false,
        },
        "decision": {
          "action": "bake",
          "reason": "baking step 10%: 390s of 600s, 2 alarms OK, 3 canary targets healthy",
        },
        "directionFromLiveWeights": false,
        "execution": {
          "arn": "arn:aws:states:us-east-1:123456789012:execution:canary-switch:web-green-20261122-1005-ab12",
          "name": "web-green-20261122-1005-ab12",
          "startedAt": "2026-11-22T10:05:00.000Z",
          "status": "RUNNING",
        },
        "listener": {
          "split": "90/10",
          "weights": {
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067": 9,
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/83e2d6bc24d8a068": 1,
          },
        },
        "next": {
          "approval": false,
          "inSeconds": 185,
          "percent": 20,
        },
        "outcome": {
          "exitCode": 0,
          "result": "running",
        },
        "state": {
          "enteredAt": "2026-11-22T10:21:35.000Z",
          "name": "Bake",
        },
        "step": {
          "number": 2,
          "of": 5,
          "percent": 10,
          "weights": {
            "canary": 1,
            "stable": 9,
          },
        },
        "target": {
          "canary": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/83e2d6bc24d8a068",
          "listenerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2",
          "stable": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067",
        },
      }
    `);
  });

  it('without an execution it follows the most recent running one', async () => {
    const h = harness();
    h.sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: ARN.execution, stateMachineArn: ARN.stateMachine, name: EXECUTION_NAME, status: 'RUNNING', startDate: new Date() }] });
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(bakingAtTenPercent().steps) });
    listenerAt(h, 9, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('status')).toBe(0);
    expect(h.sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input).toEqual({ stateMachineArn: ARN.stateMachine, statusFilter: 'RUNNING', maxResults: 1 });
    expect(h.sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: ARN.execution });
  });

  it('no running execution is "not found" (exit 4) and says what to do', async () => {
    const h = harness();
    h.sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    expect(await h.run('watch')).toBe(4);
    expect(h.stderr()).toContain('no running execution of arn:aws:states:us-east-1:123456789012:stateMachine:canary-switch; start one with canary-switch start');
  });

  it('while waiting for an approval it shows the gate, its timeout and the pending request from the table', async () => {
    const h = harness({ now: Date.parse('2026-11-22T10:52:00Z') });
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(waitingForApproval().steps) });
    h.dynamo.on(ScanCommand).resolves({ Items: [{ id: 'k3Jd9aQ2xL0pZr7bT1vW5e', percent: 50, requestedAt: '2026-11-22T10:40:00.412Z' }] });
    listenerAt(h, 4, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('status', EXECUTION_NAME)).toBe(0);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "web-green-20261122-1005-ab12  RUNNING  started 2026-11-22 10:05:00Z (47m ago)
        target    listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2: blue → green
        step      3 of 5: 20% on the canary (weights 4:1)
        next      50%, waiting for approval
        state     RequestApproval since 10:40:00Z
        decision  step 20% baked 600s with 2 alarms OK, 3 canary targets healthy: advancing to 50%
        listener  80/20 now (blue 4, green 1)
        alarms    web-green-5xx OK, web-green-p99 OK
        approval  waiting since 10:40:00Z before step 50%; times out in ≈48m, then rolls back; id k3Jd9aQ2xL0pZr7bT1vW5e: canary-switch approve|reject web-green-20261122-1005-ab12
      "
    `);
    expect(h.dynamo.commandCalls(ScanCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLE,
        FilterExpression: 'sk = :sk AND executionArn = :arn AND #status = :pending',
        ProjectionExpression: 'id, #percent, requestedAt',
        ExpressionAttributeNames: { '#status': 'status', '#percent': 'percent' },
        ExpressionAttributeValues: { ':sk': 'approval', ':arn': ARN.execution, ':pending': 'pending' },
        ConsistentRead: true,
        ExclusiveStartKey: undefined,
      },
    ]);
  });

  it('a rolled-back execution shows the cause and exits 1', async () => {
    const h = harness({ now: Date.parse('2026-11-22T11:00:00Z') });
    const rb = rolledBackAtTwentyPercent();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput({ status: 'FAILED', stopDate: new Date('2026-11-22T10:33:33Z'), error: 'RolledBack', cause: rb.cause }));
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(rb.steps) });
    listenerAt(h, 1, 0);
    alarmsAre(h, { 'web-green-5xx': 'ALARM', 'web-green-p99': 'OK' });
    expect(await h.run('status', EXECUTION_NAME)).toBe(1);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "web-green-20261122-1005-ab12  FAILED  started 2026-11-22 10:05:00Z, ended 10:33:33Z (took 29m)
        target    listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2: blue → green
        step      reached 3 of 5 (20%)
        state     RolledBack since 10:33:33Z
        decision  roll back: alarm web-green-5xx in ALARM at step 20% (Threshold Crossed: 3 datapoints were greater than 5.0)
        listener  100/0 now (blue 1, green 0)
        alarms    web-green-5xx ALARM, web-green-p99 OK
        outcome   ROLLED BACK: alarm web-green-5xx in ALARM at step 20% (Threshold Crossed: 3 datapoints were greater than 5.0)
      "
    `);
  });

  it('a failed Prepare says no traffic moved, with the Lambda error message', async () => {
    const h = harness();
    const cause = JSON.stringify({ errorType: 'LockHeld', errorMessage: 'listener … is already being shifted by execution other-run; wait for it to finish' });
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput({ status: 'FAILED', stopDate: new Date('2026-11-22T10:05:02Z'), error: 'LockHeld', cause }));
    h.sfn.on(GetExecutionHistoryCommand).resolves({
      events: historyOf([
        { kind: 'Task', name: 'Prepare', at: '10:05:00', input: {}, output: { error: { Error: 'LockHeld', Cause: cause } } },
        { kind: 'Fail', name: 'PrepareFailed', at: '10:05:01', input: {} },
      ]),
    });
    listenerAt(h, 1, 0);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('status', EXECUTION_NAME)).toBe(1);
    expect(h.stdout()).toContain('outcome   FAILED: LockHeld: listener … is already being shifted by execution other-run; wait for it to finish (before any traffic moved)');
    expect(h.stdout()).toContain('step      none (traffic was not moved)');
  });

  it('reads older history pages only until it has the state, the current state and the last decision', async () => {
    const h = harness();
    const events = historyOf(bakingAtTenPercent().steps);
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: events.slice(0, 1), nextToken: 'page-2' })
      .resolvesOnce({ events: events.slice(1, 4), nextToken: 'page-3' })
      .resolves({ events: events.slice(4) });
    listenerAt(h, 9, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('status', EXECUTION_NAME)).toBe(0);
    // Page 1 has only "Bake entered" (with the state); page 2 has the last Evaluate: no page 3.
    expect(h.sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input.nextToken)).toEqual([undefined, 'page-2']);
    expect(h.stdout()).toContain('decision  baking step 10%: 390s of 600s');
    expect(h.stdout()).toContain('state     Bake since 10:21:35Z');
  });

  it('while Prepare runs it shows the first step from the input', async () => {
    const h = harness({ now: Date.parse('2026-11-22T10:05:03Z') });
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf([{ kind: 'Task', name: 'Prepare', at: '10:05:00', input: {} }]) });
    listenerAt(h, 1, 0);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('status', EXECUTION_NAME)).toBe(0);
    expect(h.stdout()).toContain('step      none yet (traffic not moved)');
    expect(h.stdout()).toContain('next      1% once Prepare has checked the listener');
    expect(h.stdout()).toContain('listener  100/0 now (blue 1, green 0)');
  });

  it('a listener or alarm that cannot be read is shown, not fatal', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(bakingAtTenPercent().steps) });
    h.elb.on(DescribeListenersCommand).rejects(Object.assign(new Error('One or more listeners not found'), { name: 'ListenerNotFoundException' }));
    h.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'web-green-5xx', StateValue: 'OK' }] });
    expect(await h.run('status', EXECUTION_NAME)).toBe(0);
    expect(h.stdout()).toContain(`listener  unavailable (ListenerNotFound: listener ${ARN.listener} not found;`);
    expect(h.stdout()).toContain('alarms    unavailable (AlarmNotFound: alarm web-green-p99 not found');
  });

  it('an unknown execution is "not found" (exit 4) naming it and --region', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${ARN.execution}'`, $metadata: { httpStatusCode: 400 } }));
    expect(await h.run('status', EXECUTION_NAME)).toBe(4);
    expect(h.stderr()).toMatchInlineSnapshot(`
      "canary-switch: execution arn:aws:states:us-east-1:123456789012:execution:canary-switch:web-green-20261122-1005-ab12 not found in us-east-1: check the name or ARN (and --region); canary-switch list shows recent ones
      "
    `);
  });

  it('a name without a state machine says how to resolve it', async () => {
    const h = harness({ env: { CANARY_SWITCH_STATE_MACHINE_ARN: undefined } });
    expect(await h.run('status', EXECUTION_NAME)).toBe(2);
    expect(h.stderr()).toContain('is an execution name; to find it set --state-machine or CANARY_SWITCH_STATE_MACHINE_ARN, or pass the full execution ARN');
  });
});

describe('watch', () => {
  function rollout(h: ReturnType<typeof harness>) {
    const baking = historyOf(bakingAtTenPercent().steps);
    const rb = rolledBackAtTwentyPercent();
    h.sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce(describeOutput())
      .resolvesOnce(describeOutput())
      .resolves(describeOutput({ status: 'FAILED', stopDate: new Date('2026-11-22T10:33:33Z'), error: 'RolledBack', cause: rb.cause }));
    h.sfn.on(GetExecutionHistoryCommand).resolvesOnce({ events: baking }).resolvesOnce({ events: baking }).resolves({ events: historyOf(rb.steps) });
    h.elb.on(DescribeListenersCommand).resolvesOnce(listenerResponse(9, 1)).resolvesOnce(listenerResponse(9, 1)).resolves(listenerResponse(1, 0));
    h.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'web-green-5xx', StateValue: 'OK' }, { AlarmName: 'web-green-p99', StateValue: 'OK' }] })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'web-green-5xx', StateValue: 'OK' }, { AlarmName: 'web-green-p99', StateValue: 'OK' }] })
      .resolves({ MetricAlarms: [{ AlarmName: 'web-green-5xx', StateValue: 'ALARM' }, { AlarmName: 'web-green-p99', StateValue: 'OK' }] });
  }

  it('prints a plain line when something changes (not a TTY), then the outcome; rolled back exits 1', async () => {
    const h = harness();
    rollout(h);
    expect(await h.run('watch', EXECUTION_NAME, '--interval', '5s')).toBe(1);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "10:22:00Z  step 2/5 10% · Bake · listener 90/10 · alarms OK · baking step 10%: 390s of 600s, 2 alarms OK, 3 canary targets healthy
      10:22:10Z  step 3/5 20% · RolledBack · listener 100/0 · alarms web-green-5xx ALARM · ROLLED BACK: alarm web-green-5xx in ALARM at step 20% (Threshold Crossed: 3 datapoints were greater than 5.0)
      web-green-20261122-1005-ab12  FAILED  started 2026-11-22 10:05:00Z, ended 10:33:33Z (took 29m)
        target    listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2: blue → green
        step      reached 3 of 5 (20%)
        state     RolledBack since 10:33:33Z
        decision  roll back: alarm web-green-5xx in ALARM at step 20% (Threshold Crossed: 3 datapoints were greater than 5.0)
        listener  100/0 now (blue 1, green 0)
        alarms    web-green-5xx ALARM, web-green-p99 OK
        outcome   ROLLED BACK: alarm web-green-5xx in ALARM at step 20% (Threshold Crossed: 3 datapoints were greater than 5.0)
      "
    `);
    // Polled three times, sleeping the interval in between.
    expect(h.sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
    expect(h.now() - Date.parse('2026-11-22T10:22:00Z')).toBe(10_000);
  });

  it('redraws the report in place on a TTY', async () => {
    const h = harness({ tty: true });
    rollout(h);
    expect(await h.run('watch', EXECUTION_NAME)).toBe(1);
    const out = h.stdout();
    // Each redraw moves up over the previous report (10 lines: header, 8 rows, hint) and clears it.
    expect(out.split('\x1b[10F\x1b[J')).toHaveLength(3);
    expect(out).toContain('(refreshing every 5s; Ctrl-C stops watching, the rollout continues)');
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      '  outcome   ROLLED BACK: alarm web-green-5xx in ALARM at step 20% (Threshold Crossed: 3 datapoints were greater than 5.0)',
    );
  });

  it('cuts redrawn lines to the terminal width, so wrapping cannot break the redraw', async () => {
    const h = harness({ tty: true, columns: 60 });
    rollout(h);
    expect(await h.run('watch', EXECUTION_NAME)).toBe(1);
    const lines = h.stdout().replaceAll(/\x1b\[\d+F\x1b\[J/g, '').split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBe(59);
    expect(lines.filter((l) => l.startsWith('  decision  baking step 10%: 390s of 600s') && l.endsWith('…'))).toHaveLength(2);
  });

  it('--json streams one report per change, ending with the outcome', async () => {
    const h = harness();
    rollout(h);
    expect(await h.run('watch', EXECUTION_NAME, '--json')).toBe(1);
    const lines = h.stdout().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.at, l.outcome.result, l.step?.percent, l.listener.split])).toEqual([
      ['2026-11-22T10:22:00.000Z', 'running', 10, '90/10'],
      ['2026-11-22T10:22:10.000Z', 'rolled-back', 20, '100/0'],
    ]);
  });

  it('a promoted rollout exits 0', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput({ status: 'SUCCEEDED', stopDate: new Date('2026-11-22T11:02:10Z') }));
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf([{ kind: 'Succeed', name: 'Promoted', at: '11:02:10', input: {} }]) });
    listenerAt(h, 0, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('watch', EXECUTION_NAME)).toBe(0);
    expect(h.stdout()).toContain('outcome   PROMOTED: every step baked cleanly; the canary has all the traffic');
  });

  it('Ctrl-C stops watching (exit 130) and says the rollout continues', async () => {
    const h = harness();
    const controller = new AbortController();
    h.io.signal = controller.signal;
    h.io.sleep = async () => {
      controller.abort();
      throw new Error('aborted');
    };
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(bakingAtTenPercent().steps) });
    listenerAt(h, 9, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('watch', EXECUTION_NAME)).toBe(130);
    expect(h.stderr()).toContain(`stopped watching ${EXECUTION_NAME}; the rollout continues.`);
  });
});
