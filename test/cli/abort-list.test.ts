// abort (stop, then wait until the record says rolled-back and the listener reads the original)
// and list (running and recent rollouts per listener).
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeExecutionCommand, ListExecutionsCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ARN, describeOutput, EXECUTION_NAME, harness, listenerResponse, preparedState, RAW_INPUT, TABLE } from './harness.ts';

function rolloutRecord(status: 'running' | 'rolled-back' | 'promoted') {
  const s = preparedState();
  return {
    Item: {
      pk: `rollout#${ARN.execution}`,
      sk: 'rollout',
      executionArn: ARN.execution,
      status,
      target: s.input.target,
      original: s.original,
      lockKey: s.lockKey,
      startedAt: s.startedAt,
      ...(status === 'rolled-back' ? { reason: 'execution ended ABORTED: restored by the safety net' } : {}),
    },
  };
}

describe('abort', () => {
  it('stops the execution with a cause, then waits until the record is rolled-back and the listener reads the original', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    h.dynamo.on(GetCommand).resolvesOnce(rolloutRecord('running')).resolvesOnce(rolloutRecord('rolled-back')).resolves(rolloutRecord('rolled-back'));
    // The record can say rolled-back a moment before the listener reads back: both must hold.
    h.elb
      .on(DescribeListenersCommand)
      .resolvesOnce(listenerResponse(4, 1))
      .resolvesOnce(listenerResponse(4, 1))
      .resolves(listenerResponse(1, 0));

    expect(await h.run('abort', EXECUTION_NAME, '--reason', 'pager: checkout errors')).toBe(0);
    expect(h.sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: ARN.execution, error: 'Aborted', cause: 'aborted by arn:aws:sts::123456789012:assumed-role/sre/alice: pager: checkout errors' },
    ]);
    expect(h.dynamo.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: `rollout#${ARN.execution}`, sk: 'rollout' },
      ConsistentRead: true,
    });
    expect(h.dynamo.commandCalls(GetCommand)).toHaveLength(3);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "stopped web-green-20261122-1005-ab12 (aborted by arn:aws:sts::123456789012:assumed-role/sre/alice: pager: checkout errors)
      waiting up to 5m for the safety net to restore the original weights…
        0s: rollout record running; listener 80/20 (blue 4, green 1); original 100/0
        2s: rollout record rolled-back; listener 80/20 (blue 4, green 1); original 100/0
      restored after 4s: listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2 is back to blue 1, green 0 (100/0), the original weights
      "
    `);
  });

  it('--json prints the restored weights', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    h.dynamo.on(GetCommand).resolves(rolloutRecord('rolled-back'));
    h.elb.on(DescribeListenersCommand).resolves(listenerResponse(1, 0));
    expect(await h.run('abort', EXECUTION_NAME, '--json')).toBe(0);
    expect(JSON.parse(h.stdout())).toMatchInlineSnapshot(`
      {
        "cause": "aborted by arn:aws:sts::123456789012:assumed-role/sre/alice",
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:canary-switch:web-green-20261122-1005-ab12",
        "name": "web-green-20261122-1005-ab12",
        "reason": "execution ended ABORTED: restored by the safety net",
        "restored": true,
        "seconds": 0,
        "stopped": true,
        "weights": {
          "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067": 1,
          "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/83e2d6bc24d8a068": 0,
        },
      }
    `);
    // Progress goes to stderr with --json, so stdout stays one JSON document.
    expect(h.stderr()).toContain(`stopped ${EXECUTION_NAME} (aborted by arn:aws:sts::123456789012:assumed-role/sre/alice)`);
  });

  it('gives up after --timeout with exit 6, naming what it saw and the original weights', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(StopExecutionCommand).resolves({});
    h.dynamo.on(GetCommand).resolves(rolloutRecord('running'));
    h.elb.on(DescribeListenersCommand).resolves(listenerResponse(4, 1));
    expect(await h.run('abort', EXECUTION_NAME, '--timeout', '10s')).toBe(6);
    expect(h.stderr()).toMatchInlineSnapshot(`
      "canary-switch: the original weights were not confirmed within 10s: the rollout record says running and the listener reads blue 4, green 1; the original is blue 1, green 0. Check the safety-net rule and the rollback function's logs, follow it with canary-switch status web-green-20261122-1005-ab12, or set the forward action back to the original by hand
      "
    `);
    // Polled every 2s for 10s, with one line of progress (it did not change).
    expect(h.dynamo.commandCalls(GetCommand)).toHaveLength(6);
    expect(h.stdout().match(/rollout record running/g)).toHaveLength(1);
  });

  it('an execution stopped before Prepare recorded anything moved no traffic', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(StopExecutionCommand).resolves({});
    h.dynamo.on(GetCommand).resolves({});
    expect(await h.run('abort', EXECUTION_NAME)).toBe(0);
    expect(h.stdout()).toContain('nothing to restore: web-green-20261122-1005-ab12 stopped before Prepare recorded the listener, so no traffic was moved');
    expect(h.elb.calls()).toHaveLength(0);
  });

  it('--no-wait only stops (and needs no table)', async () => {
    const h = harness({ env: { CANARY_SWITCH_TABLE: undefined } });
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.sfn.on(StopExecutionCommand).resolves({});
    expect(await h.run('abort', EXECUTION_NAME, '--no-wait')).toBe(0);
    expect(h.sfn.commandCalls(StopExecutionCommand)).toHaveLength(1);
    expect(h.dynamo.calls()).toHaveLength(0);
  });

  it('an execution that already ended is not stopped again (exit 5)', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput({ status: 'FAILED', error: 'RolledBack' }));
    expect(await h.run('abort', EXECUTION_NAME)).toBe(5);
    expect(h.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(h.stderr()).toContain(`execution ${EXECUTION_NAME} already ended (FAILED); nothing to abort`);
  });
});

describe('list', () => {
  const other = {
    target: {
      listenerArn: ARN.otherListener,
      stable: ARN.blue.replace('/blue/', '/api-v1/'),
      canary: ARN.green.replace('/green/', '/api-v2/'),
    },
  };
  const exec = (name: string, status: 'RUNNING' | 'SUCCEEDED' | 'FAILED', start: string, stop?: string) => ({
    executionArn: `${ARN.stateMachine.replace(':stateMachine:', ':execution:')}:${name}`,
    stateMachineArn: ARN.stateMachine,
    name,
    status,
    startDate: new Date(start),
    ...(stop ? { stopDate: new Date(stop) } : {}),
  });
  const running = exec(EXECUTION_NAME, 'RUNNING', '2026-11-22T10:05:00Z');
  const recent = [
    running,
    exec('api-api-v2-20261122-0930-0c1d', 'FAILED', '2026-11-22T09:30:00Z', '2026-11-22T09:41:12Z'),
    exec('web-green-20261121-0900-9f3e', 'SUCCEEDED', '2026-11-21T09:00:00Z', '2026-11-21T09:52:40Z'),
  ];

  function mockList(h: ReturnType<typeof harness>) {
    h.sfn.on(ListExecutionsCommand, { statusFilter: 'RUNNING' }).resolves({ executions: [running] });
    h.sfn.on(ListExecutionsCommand, { maxResults: 10 }).resolves({ executions: recent });
    h.sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => ({
      executionArn,
      input: JSON.stringify(executionArn.includes(':api-') ? other : RAW_INPUT),
    }));
  }

  it('groups running and recent rollouts by listener, running first', async () => {
    const h = harness();
    mockList(h);
    expect(await h.run('list')).toBe(0);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2
        RUNNING    web-green-20261122-1005-ab12   2026-11-22 10:05:00Z  running 17m  blue → green
        SUCCEEDED  web-green-20261121-0900-9f3e   2026-11-21 09:00:00Z  took 53m     blue → green
      listener app/api/60dc6c495c0c9188/a2f7dc8efc522ab2
        FAILED     api-api-v2-20261122-0930-0c1d  2026-11-22 09:30:00Z  took 11m     api-v1 → api-v2
      "
    `);
    expect(h.sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: ARN.stateMachine, statusFilter: 'RUNNING', maxResults: 100, nextToken: undefined },
      { stateMachineArn: ARN.stateMachine, maxResults: 10 },
    ]);
    // Each execution described once (the running one is not listed twice).
    expect(h.sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
  });

  it('--json', async () => {
    const h = harness();
    mockList(h);
    expect(await h.run('list', '--json')).toBe(0);
    const out = JSON.parse(h.stdout());
    expect(out.listeners.map((g: { shifts: string; executions: { name: string; status: string }[] }) => [g.shifts, g.executions.map((e) => `${e.status} ${e.name}`)])).toMatchInlineSnapshot(`
      [
        [
          "listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2",
          [
            "RUNNING web-green-20261122-1005-ab12",
            "SUCCEEDED web-green-20261121-0900-9f3e",
          ],
        ],
        [
          "listener app/api/60dc6c495c0c9188/a2f7dc8efc522ab2",
          [
            "FAILED api-api-v2-20261122-0930-0c1d",
          ],
        ],
      ]
    `);
  });

  it('--limit must be a whole number', async () => {
    const h = harness();
    expect(await h.run('list', '--limit', 'ten')).toBe(2);
    expect(h.sfn.calls()).toHaveLength(0);
  });
});
