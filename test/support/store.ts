// Expectations on the rollout table (lambdas/providers/store.ts), one copy for the handler tests
// (DynamoDB mocked: the exact commands) and the state-machine tests (DynamoDB real, on dynalite).
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { expect } from 'vitest';
import { client } from '../../lambdas/providers/clients.ts';
import { RolloutStore } from '../../lambdas/providers/store.ts';

/** The DeleteItem that releases `lockKey` (e.g. `lock#<listener ARN>`), only if `owner` still holds it. */
export const lockRelease = (table: string, lockKey: string, owner: string) => ({
  TableName: table,
  Key: { pk: lockKey, sk: 'lock' },
  ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
  ExpressionAttributeNames: { '#owner': 'owner' },
  ExpressionAttributeValues: { ':owner': owner },
});

/** Prepare failed after taking the lock: it released it (as `release` when given) and wrote no rollout record, so the safety net has nothing to restore. */
export function expectLockReleasedOnly(ddb: AwsClientStub<DynamoDBDocumentClient>, release?: ReturnType<typeof lockRelease>): void {
  const deletes = ddb.commandCalls(DeleteCommand);
  expect(deletes).toHaveLength(1);
  if (release) expect(deletes[0]!.args[0].input).toEqual(release);
  expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.sk)).toEqual(['lock']);
}

/** The store over the injected DynamoDB client (the state-machine tests' dynalite). */
export const storeOf = (table: string): RolloutStore => new RolloutStore(client('dynamo'), table);

/** Who holds `lockKey` now (consistent read), or undefined when it is free. */
export async function lockOwner(table: string, lockKey: string): Promise<string | undefined> {
  const out = await client('dynamo').send(new GetCommand({ TableName: table, Key: { pk: lockKey, sk: 'lock' }, ConsistentRead: true }));
  return out.Item?.owner as string | undefined;
}
