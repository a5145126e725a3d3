// approve / reject: the same path as the Slack button (decideApproval first, then the task token
// back to Step Functions with the Slack callback's output/error shape), audited as the caller's AWS identity.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskSuccessCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CredentialsProviderError } from '@smithy/core/config';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { ARN, describeOutput, EXECUTION_NAME, harness, TABLE, type Harness } from './harness.ts';

const ID = 'k3Jd9aQ2xL0pZr7bT1vW5e';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAc1bZ…task-token';
const NOW_ISO = '2026-11-22T10:22:00.000Z';

const pendingRecord = {
  pk: `approval#${ID}`,
  sk: 'approval',
  id: ID,
  taskToken: TOKEN,
  executionArn: ARN.execution,
  percent: 50,
  status: 'pending',
  requestedAt: '2026-11-22T10:20:00.000Z',
  deadline: '2026-11-22T11:20:00.000Z',
  onTimeout: 'rollback',
  expiresAt: 1_800_000_000,
};

function waitingAtGate(h: Harness, record: Record<string, unknown> = pendingRecord): void {
  h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
  h.dynamo.on(ScanCommand).resolves({ Items: [{ id: ID, percent: 50, requestedAt: '2026-11-22T10:20:00.000Z' }] });
  h.dynamo.on(GetCommand).resolves({ Item: record });
  h.dynamo.on(UpdateCommand).callsFake((input: { ExpressionAttributeValues: Record<string, unknown> }) => ({
    Attributes: { ...record, status: input.ExpressionAttributeValues[':status'], decidedBy: input.ExpressionAttributeValues[':by'], decidedAt: NOW_ISO },
  }));
  h.dynamo.on(PutCommand).resolves({});
}

describe('approve', () => {
  it('decides the pending approval in the table, then sends the task token back with the Slack output shape', async () => {
    const h = harness();
    waitingAtGate(h);
    h.sfn.on(SendTaskSuccessCommand).resolves({});
    expect(await h.run('approve', EXECUTION_NAME)).toBe(0);
    expect(h.stdout()).toMatchInlineSnapshot(`
      "approved step 50% of web-green-20261122-1005-ab12 as arn:aws:sts::123456789012:assumed-role/sre/alice; the rollout shifts to 50% now
      "
    `);

    expect(h.dynamo.commandCalls(GetCommand)[0]?.args[0].input).toEqual({ TableName: TABLE, Key: { pk: `approval#${ID}`, sk: 'approval' }, ConsistentRead: true });
    // RolloutStore.decideApproval: conditional on pending, so the first answer wins (Slack or CLI).
    expect(h.dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      Key: { pk: `approval#${ID}`, sk: 'approval' },
      ConditionExpression: '#status = :pending',
      ExpressionAttributeValues: { ':status': 'approved', ':by': 'arn:aws:sts::123456789012:assumed-role/sre/alice', ':at': NOW_ISO, ':reason': 'approved by arn:aws:sts::123456789012:assumed-role/sre/alice', ':pending': 'pending' },
    });
    expect(h.sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TOKEN, output: JSON.stringify({ approvedBy: 'arn:aws:sts::123456789012:assumed-role/sre/alice', approvedByName: 'alice', at: NOW_ISO }) },
    ]);
    // The audit trail gets who let traffic move.
    expect(h.dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: `audit#${ARN.execution}`,
      action: 'approval',
      by: 'arn:aws:sts::123456789012:assumed-role/sre/alice',
      why: 'approved by arn:aws:sts::123456789012:assumed-role/sre/alice before step 50%',
      at: NOW_ISO,
    });
    // The order is the Slack callback's: record the decision, then release the execution.
    const calls = [...h.dynamo.calls(), ...h.sfn.calls()].sort((a, b) => (a.calledBefore(b) ? -1 : 1));
    expect(calls.map((c) => c.args[0].constructor.name)).toEqual([
      'DescribeExecutionCommand',
      'ScanCommand',
      'GetCommand',
      'UpdateCommand',
      'SendTaskSuccessCommand',
      'PutCommand',
    ]);
  });

  it('--as names the approver; --json reports the decision', async () => {
    const h = harness();
    waitingAtGate(h);
    h.sfn.on(SendTaskSuccessCommand).resolves({});
    expect(await h.run('approve', EXECUTION_NAME, '--as', 'bob', '--reason', 'dashboards green', '--json')).toBe(0);
    expect(JSON.parse(h.stdout())).toMatchInlineSnapshot(`
      {
        "approvalId": "k3Jd9aQ2xL0pZr7bT1vW5e",
        "at": "2026-11-22T10:22:00.000Z",
        "by": "arn:aws:sts::123456789012:assumed-role/sre/alice",
        "decision": "approved",
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:canary-switch:web-green-20261122-1005-ab12",
        "percent": 50,
        "reason": "dashboards green",
      }
    `);
    expect(JSON.parse(h.sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '')).toEqual({ approvedBy: 'arn:aws:sts::123456789012:assumed-role/sre/alice', approvedByName: 'bob', at: NOW_ISO });
  });

  it('a decision someone already made (in Slack) wins: nothing is sent, exit 5', async () => {
    const h = harness();
    waitingAtGate(h);
    h.dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    h.dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: pendingRecord })
      .resolves({ Item: { ...pendingRecord, status: 'approved', decidedBy: 'U024BE7LH', decidedAt: '2026-11-22T10:21:30.000Z' } });
    expect(await h.run('approve', EXECUTION_NAME)).toBe(5);
    expect(h.stderr()).toMatchInlineSnapshot(`
      "canary-switch: the approval before step 50% was already approved by U024BE7LH at 10:21:30Z; nothing changed
      "
    `);
    expect(h.sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('no pending approval is "not found" (exit 4)', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput());
    h.dynamo.on(ScanCommand).resolves({ Items: [] });
    expect(await h.run('approve', EXECUTION_NAME)).toBe(4);
    expect(h.stderr()).toContain(`execution ${EXECUTION_NAME} has no pending approval`);
  });

  it('an execution that already ended has nothing to approve (exit 5)', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput({ status: 'SUCCEEDED' }));
    expect(await h.run('approve', EXECUTION_NAME)).toBe(5);
    expect(h.dynamo.calls()).toHaveLength(0);
  });

  it('past the deadline it records the timeout and changes nothing, as the Slack callback does', async () => {
    const h = harness({ now: Date.parse('2026-11-22T11:25:00Z') });
    waitingAtGate(h);
    expect(await h.run('approve', EXECUTION_NAME)).toBe(5);
    expect(h.dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':status': 'timed-out', ':by': 'step-functions' });
    expect(h.sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(h.stderr()).toContain('the approval before step 50% timed out at 11:20:00Z; the rollout rolls back (approvals.onTimeout)');
  });

  it('when Step Functions no longer waits (TaskTimedOut) it says the answer had no effect (exit 5)', async () => {
    const h = harness();
    waitingAtGate(h);
    h.sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    // Asked what happened, Step Functions' history confirms the timeout.
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: [{ id: 9, type: 'TaskTimedOut', timestamp: new Date('2026-11-22T11:20:00.000Z') }] });
    expect(await h.run('approve', EXECUTION_NAME)).toBe(5);
    expect(h.stderr()).toContain('Step Functions no longer waits for the approval before step 50% (TaskTimedOut)');
    expect(h.dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('when Step Functions is throttled the approval is reopened, so running the command again works (exit 3)', async () => {
    const h = harness();
    waitingAtGate(h);
    h.sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect(await h.run('approve', EXECUTION_NAME)).toBe(3);
    expect(h.stderr()).toContain('Step Functions did not accept the answer (ThrottlingException); nothing moved and the approval is open again');
    const updates = h.dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates.at(-1)).toMatchObject({
      UpdateExpression: 'SET #status = :pending REMOVE decidedBy, decidedAt, reason',
      ConditionExpression: 'decidedBy = :by AND #status IN (:approved, :rejected)',
      ExpressionAttributeValues: expect.objectContaining({ ':by': 'arn:aws:sts::123456789012:assumed-role/sre/alice' }),
    });
    expect(h.dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('needs the table and says how to set it', async () => {
    const h = harness({ env: { CANARY_SWITCH_TABLE: undefined } });
    expect(await h.run('approve', EXECUTION_NAME)).toBe(2);
    expect(h.stderr()).toContain('approve needs the rollout table: pass --table <name> or set CANARY_SWITCH_TABLE');
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('records who AWS says the caller is, not what $USER says, and answers nothing when AWS cannot tell', async () => {
    const h = harness({ env: { USER: 'mallory' } });
    waitingAtGate(h);
    mockClient(h.clients.sts)
      .on(GetCallerIdentityCommand)
      .rejects(new CredentialsProviderError('Could not load credentials from any providers', { tryNextLink: false }));
    expect(await h.run('approve', EXECUTION_NAME)).toBe(3);
    expect(h.stderr()).toContain('no AWS credentials');
    expect(h.sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(h.dynamo.calls()).toHaveLength(0);
  });
});

describe('reject', () => {
  it('sends the Slack callback\'s failure: error Rejected, cause "rejected by <who>: <reason>"', async () => {
    const h = harness();
    waitingAtGate(h);
    h.sfn.on(SendTaskFailureCommand).resolves({});
    expect(await h.run('reject', EXECUTION_NAME, '--reason', 'p99 worse than blue')).toBe(0);
    expect(h.sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TOKEN, error: 'Rejected', cause: 'rejected by arn:aws:sts::123456789012:assumed-role/sre/alice: p99 worse than blue' },
    ]);
    expect(h.dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':status': 'rejected',
      ':by': 'arn:aws:sts::123456789012:assumed-role/sre/alice',
      ':reason': 'rejected by arn:aws:sts::123456789012:assumed-role/sre/alice: p99 worse than blue',
    });
    expect(h.stdout()).toMatchInlineSnapshot(`
      "rejected step 50% of web-green-20261122-1005-ab12 as arn:aws:sts::123456789012:assumed-role/sre/alice; the rollout rolls back to the original weights (canary-switch watch web-green-20261122-1005-ab12)
      "
    `);
  });
});
