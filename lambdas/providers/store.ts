// Durable state in one DynamoDB table (pk, sk; TTL attribute `expiresAt`, epoch seconds):
//   lock#<listener or rule ARN> / lock           the per-listener lock, owner = execution ARN
//   rollout#<execution ARN>     / rollout        target, recorded original, status
//   audit#<execution ARN>       / audit#<change>  every weight change with who and why, once (shift#<i>,
//                                                 rollback, promote; approvals: audit#<time>#…). Its own
//                                                 partition: roles that audit, the Slack callback and
//                                                 operators, cannot write rollout# records (IAM
//                                                 dynamodb:LeadingKeys sees only the partition key)
//   approval#<short id>         / approval       task token behind a Slack button (value ≤ 2,000 chars)
import { ConditionalCheckFailedException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LockHeld } from '../errors.ts';
import { aws } from './aws-errors.ts';
import type { ForwardState } from '../domain/rollout.ts';
import { lookupProvider, type Target } from './traffic/index.ts';

export type RolloutStatus = 'running' | 'promoted' | 'rolled-back';

export interface RolloutRecord {
  executionArn: string;
  status: RolloutStatus;
  target: Target;
  original: ForwardState;
  lockKey: string;
  startedAt: string;
  reason?: string;
  slack?: { channel: string; thread?: string };
  /** Set before a rollback restores traffic, so a Shift still running (Stop execution) stands down. */
  stopping?: boolean;
}

export interface AuditEntry {
  at: string;
  action: 'shift' | 'rollback' | 'promote' | 'approval';
  from?: Record<string, number>;
  to?: Record<string, number>;
  by: string;
  why: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'timed-out' | 'ended';

export interface ApprovalRecord {
  id: string;
  taskToken: string;
  executionArn: string;
  percent: number;
  status: ApprovalStatus;
  requestedAt: string;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  /** Where the Slack message is, to update it after a decision. */
  slack?: { channel: string; ts: string };
  /** When Step Functions gives up waiting (requestedAt + approvals.timeoutSeconds). */
  deadline?: string;
  onTimeout?: 'rollback' | 'proceed';
}

const DAY = 24 * 3600;
const RECORD_TTL_SECONDS = 90 * DAY;

/** The table's keys and TTL attribute: the stack, the lab and the tests all build the table from this. */
export const TABLE_SCHEMA = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;

/** CreateTable input for a local table (lab, tests); the stack declares the same keys in CDK. */
export function createTableInput(TableName: string): CreateTableCommandInput {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
    ],
  };
}

/**
 * The lock of the resource a target shifts (its provider's key), or undefined when the target is
 * not one any provider can name (a raw execution input the safety net reads).
 */
export function lockKeyFor(target: unknown): string | undefined {
  const found = lookupProvider(target);
  if (!found.ok || !target || typeof target !== 'object') return undefined;
  const p = found.provider;
  const parsed = (p.undirected?.is(target) ? p.undirected.schema : p.schema).safeParse(target);
  if (parsed.success) return p.lockKey(p.undirected?.is(target) ? p.undirected.readable(parsed.data) : parsed.data);
  // A partial target still names its resource when the lock's fields are there (e.g. only a listener ARN).
  try {
    const key = p.lockKey(target);
    return key.includes('undefined') ? undefined : key;
  } catch {
    return undefined;
  }
}

export class RolloutStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: () => number = Date.now,
  ) {}

  private epoch(offsetSeconds = 0): number {
    return Math.floor(this.clock() / 1000) + offsetSeconds;
  }

  /** Take the lock for `key` (or renew it for the same owner). A live lock held by another execution → LockHeld. */
  async acquireLock(key: string, owner: string, ttlSeconds: number, what: string): Promise<void> {
    try {
      await aws('DynamoDB PutItem (lock)', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: key, sk: 'lock', owner, acquiredAt: new Date(this.clock()).toISOString(), expiresAt: this.epoch(ttlSeconds) },
            // TTL deletion lags by up to two days, so an expired lock is free even while it still exists.
            ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner OR expiresAt < :now',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': owner, ':now': this.epoch() },
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
      // Through aws() like every call on the Prepare path, so a throttled read is retried as Transient.
      const held = await aws('DynamoDB GetItem (lock)', () => this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: key, sk: 'lock' }, ConsistentRead: true })));
      const holder = String(held.Item?.owner ?? 'another execution');
      const since = held.Item?.acquiredAt ? ` since ${String(held.Item.acquiredAt)}` : '';
      throw new LockHeld(
        `${what} is already being shifted by execution ${holder}${since}; wait for it to finish, or stop it (Stop execution restores its traffic), then start again`,
      );
    }
  }

  /** Release the lock if `owner` still holds it; releasing twice, or a lock already taken over, is fine. */
  async releaseLock(key: string, owner: string): Promise<void> {
    try {
      await aws('DynamoDB DeleteItem (lock)', () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { pk: key, sk: 'lock' },
            ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': owner },
          }),
        ),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  async putRollout(record: RolloutRecord): Promise<void> {
    await aws('DynamoDB PutItem (rollout)', () =>
      this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `rollout#${record.executionArn}`, sk: 'rollout', ...record, expiresAt: this.epoch(RECORD_TTL_SECONDS) } })),
    );
  }

  async getRollout(executionArn: string): Promise<RolloutRecord | undefined> {
    const out = await aws('DynamoDB GetItem (rollout)', () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: `rollout#${executionArn}`, sk: 'rollout' }, ConsistentRead: true })),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _ttl, ...record } = out.Item;
    return record as RolloutRecord;
  }

  async setStatus(executionArn: string, status: RolloutStatus, reason: string): Promise<void> {
    await aws('DynamoDB UpdateItem (rollout)', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `rollout#${executionArn}`, sk: 'rollout' },
          UpdateExpression: 'SET #status = :status, reason = :reason, endedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':reason': reason, ':now': new Date(this.clock()).toISOString() },
        }),
      ),
    );
  }

  /** Mark a rollout as being rolled back, before traffic is restored (status changes after). */
  async markStopping(executionArn: string): Promise<void> {
    await aws('DynamoDB UpdateItem (rollout)', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `rollout#${executionArn}`, sk: 'rollout' },
          UpdateExpression: 'SET stopping = :true',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':true': true },
        }),
      ),
    );
  }

  async setSlackThread(executionArn: string, slack: { channel: string; thread: string }): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `rollout#${executionArn}`, sk: 'rollout' },
        UpdateExpression: 'SET slack = :slack',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':slack': slack },
      }),
    );
  }

  /**
   * Add an audit entry. With `key` (one per weight change: `shift#<step index>`, `rollback`,
   * `promote`) the entry is written at most once: a retry that repeats a change (its first response
   * was lost) finds it already there.
   */
  async audit(executionArn: string, entry: AuditEntry, key?: string): Promise<void> {
    const sk = key ? `audit#${key}` : `audit#${entry.at}#${Math.random().toString(36).slice(2, 8)}`;
    try {
      await aws('DynamoDB PutItem (audit)', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: `audit#${executionArn}`, sk, ...entry, expiresAt: this.epoch(RECORD_TTL_SECONDS) },
            ...(key ? { ConditionExpression: 'attribute_not_exists(sk)' } : {}),
          }),
        ),
      );
    } catch (err) {
      if (!key || (err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  async auditTrail(executionArn: string): Promise<AuditEntry[]> {
    // Entries written before the audit had its own partition live under rollout#.
    const query = (pk: string) =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
          ExpressionAttributeValues: { ':pk': pk, ':audit': 'audit#' },
        }),
      );
    const outs = await Promise.all([query(`audit#${executionArn}`), query(`rollout#${executionArn}`)]);
    // In the order things happened (keys name the change, not the time).
    return outs
      .flatMap((o) => o.Items ?? [])
      .map(({ pk: _pk, sk: _sk, expiresAt: _ttl, ...entry }) => entry as AuditEntry)
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  async putApproval(record: ApprovalRecord, ttlSeconds: number): Promise<void> {
    await aws('DynamoDB PutItem (approval)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `approval#${record.id}`, sk: 'approval', ...record, expiresAt: this.epoch(ttlSeconds) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: `approval#${id}`, sk: 'approval' }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _ttl, ...record } = out.Item;
    return record as ApprovalRecord;
  }

  /**
   * Undo `by`'s decision after Step Functions did not take it (throttling, an outage), so the
   * same or another approver can answer again. Only that decision is undone.
   */
  async reopenApproval(id: string, by: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `approval#${id}`, sk: 'approval' },
        UpdateExpression: 'SET #status = :pending REMOVE decidedBy, decidedAt, reason',
        ConditionExpression: 'decidedBy = :by AND #status IN (:approved, :rejected)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':by': by, ':approved': 'approved', ':rejected': 'rejected' },
      }),
    );
  }

  /** Step Functions no longer waits for this token: say why on the record (whatever it said before). */
  async closeApproval(id: string, status: 'timed-out' | 'ended', reason: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `approval#${id}`, sk: 'approval' },
        UpdateExpression: 'SET #status = :status, reason = :reason, decidedAt = if_not_exists(decidedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':reason': reason, ':at': new Date(this.clock()).toISOString() },
      }),
    );
  }

  /**
   * Record a decision once: only a pending approval changes. Returns `{ decided: true }` for the
   * caller that won, or the existing record for everyone after (double click, second approver).
   */
  async decideApproval(
    id: string,
    decision: { status: Exclude<ApprovalStatus, 'pending'>; by: string; reason?: string },
  ): Promise<{ decided: true; record: ApprovalRecord } | { decided: false; record: ApprovalRecord | undefined }> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `approval#${id}`, sk: 'approval' },
          UpdateExpression: 'SET #status = :status, decidedBy = :by, decidedAt = :at, reason = :reason',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': decision.status,
            ':by': decision.by,
            ':at': new Date(this.clock()).toISOString(),
            ':reason': decision.reason ?? '',
            ':pending': 'pending',
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const { pk: _pk, sk: _sk, expiresAt: _ttl, ...record } = out.Attributes ?? {};
      return { decided: true, record: record as ApprovalRecord };
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      return { decided: false, record: await this.getApproval(id) };
    }
  }
}
