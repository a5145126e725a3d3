// RolloutStore against a mocked DynamoDB document client: exact conditional writes for the lock
// and approvals, and how their failures surface.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { RolloutStore, type ApprovalRecord } from '../../lambdas/providers/store.ts';
import { lockKeyFor } from '../../lambdas/providers/traffic/index.ts';
import { ARN, ddb, resetAws, T0, TABLE } from './fixtures.ts';
import { lockRelease } from '../support/store.ts';

const epoch = Math.floor(T0 / 1000);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });
const throttled = () => Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

let db: RolloutStore;
beforeEach(() => {
  resetAws();
  db = new RolloutStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE, () => T0);
});

describe('lock', () => {
  it('lock keys: per listener, or per rule in rule mode', () => {
    expect(lockKeyFor({ listenerArn: ARN.listener })).toBe(`lock#${ARN.listener}`);
    expect(lockKeyFor({ listenerArn: ARN.listener, ruleArn: ARN.rule })).toBe(`lock#${ARN.rule}`);
  });

  it('acquire: one conditional put (free, ours, or expired)', async () => {
    await db.acquireLock('lock#L', ARN.execution, 600, 'listener L');
    expect(ddb.calls()).toHaveLength(1);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { pk: 'lock#L', sk: 'lock', owner: ARN.execution, acquiredAt: new Date(T0).toISOString(), expiresAt: epoch + 600 },
      ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner OR expiresAt < :now',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': ARN.execution, ':now': epoch },
    });
  });

  it('held: LockHeld names the holder and since when', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { pk: 'lock#L', sk: 'lock', owner: ARN.otherExecution, acquiredAt: '2025-01-06T00:00:00.000Z' } });
    await expect(db.acquireLock('lock#L', ARN.execution, 600, 'listener L')).rejects.toMatchObject({
      name: 'LockHeld',
      message: `listener L is already being shifted by execution ${ARN.otherExecution} since 2025-01-06T00:00:00.000Z; wait for it to finish, or stop it (Stop execution restores its traffic), then start again`,
    });
  });

  it('a throttled read of the holder → Transient, not a raw SDK error', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).rejects(throttled());
    await expect(db.acquireLock('lock#L', ARN.execution, 600, 'listener L')).rejects.toMatchObject({ name: 'Transient' });
  });

  it('release: conditional on the owner; a lock taken over or gone is fine; throttling is Transient', async () => {
    ddb.on(DeleteCommand).resolvesOnce({}).rejectsOnce(conditionFailed()).rejectsOnce(throttled());
    await db.releaseLock('lock#L', ARN.execution);
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toEqual(lockRelease(TABLE, 'lock#L', ARN.execution));
    await expect(db.releaseLock('lock#L', ARN.execution)).resolves.toBeUndefined();
    await expect(db.releaseLock('lock#L', ARN.execution)).rejects.toMatchObject({ name: 'Transient' });
  });
});

describe('rollout record and audit trail', () => {
  it('getRollout strips the table keys and TTL; a missing record is undefined', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: { pk: `rollout#${ARN.execution}`, sk: 'rollout', expiresAt: 1, executionArn: ARN.execution, status: 'running' } }).resolvesOnce({});
    expect(await db.getRollout(ARN.execution)).toEqual({ executionArn: ARN.execution, status: 'running' });
    expect(await db.getRollout(ARN.execution)).toBeUndefined();
  });

  it('setStatus only updates an existing record', async () => {
    await db.setStatus(ARN.execution, 'rolled-back', 'why');
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({ ConditionExpression: 'attribute_exists(pk)', Key: { pk: `rollout#${ARN.execution}`, sk: 'rollout' } });
  });

  it('audit entries sort by time under the rollout and read back without keys', async () => {
    await db.audit(ARN.execution, { at: '2025-01-06T01:00:00.000Z', action: 'shift', by: 'x', why: 'step 1%' });
    const item = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(item.pk).toBe(`audit#${ARN.execution}`);
    expect(item.sk).toMatch(/^audit#2025-01-06T01:00:00\.000Z#[a-z0-9]+$/);
    expect(item.expiresAt).toBe(epoch + 90 * 24 * 3600);
    // Entries from before the audit had its own partition (under rollout#) are still read, in time order.
    const older = { pk: `rollout#${ARN.execution}`, sk: 'audit#2025-01-06T00:59:00.000Z#aaaaaa', at: '2025-01-06T00:59:00.000Z', action: 'shift', by: 'x', why: 'step 0.5%' };
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': `audit#${ARN.execution}`, ':audit': 'audit#' } }).resolves({ Items: [{ ...item }] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': `rollout#${ARN.execution}`, ':audit': 'audit#' } }).resolves({ Items: [older] });
    expect(await db.auditTrail(ARN.execution)).toEqual([
      { at: '2025-01-06T00:59:00.000Z', action: 'shift', by: 'x', why: 'step 0.5%' },
      { at: '2025-01-06T01:00:00.000Z', action: 'shift', by: 'x', why: 'step 1%' },
    ]);
  });
});

describe('approvals', () => {
  const approval: ApprovalRecord = { id: 'ab12cd34', taskToken: 'token-not-logged', executionArn: ARN.execution, percent: 50, status: 'pending', requestedAt: new Date(T0).toISOString() };

  it('putApproval never overwrites an existing request', async () => {
    await db.putApproval(approval, 3600);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Item: { pk: 'approval#ab12cd34', sk: 'approval', ...approval, expiresAt: epoch + 3600 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('decideApproval: the first decision wins, later ones get the existing record', async () => {
    ddb.on(UpdateCommand)
      .resolvesOnce({ Attributes: { pk: 'approval#ab12cd34', sk: 'approval', expiresAt: 1, ...approval, status: 'approved', decidedBy: 'U1' } })
      .rejectsOnce(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { pk: 'approval#ab12cd34', sk: 'approval', expiresAt: 1, ...approval, status: 'approved', decidedBy: 'U1' } });

    const first = await db.decideApproval('ab12cd34', { status: 'approved', by: 'U1' });
    expect(first).toEqual({ decided: true, record: { ...approval, status: 'approved', decidedBy: 'U1' } });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'approval#ab12cd34', sk: 'approval' },
      ConditionExpression: '#status = :pending',
      ExpressionAttributeValues: { ':status': 'approved', ':by': 'U1', ':at': new Date(T0).toISOString(), ':reason': '', ':pending': 'pending' },
      ReturnValues: 'ALL_NEW',
    });

    const second = await db.decideApproval('ab12cd34', { status: 'rejected', by: 'U2', reason: 'no' });
    expect(second).toEqual({ decided: false, record: { ...approval, status: 'approved', decidedBy: 'U1' } });
  });
});
