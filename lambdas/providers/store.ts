// Durable state in one DynamoDB table (pk, sk; TTL attribute `expiresAt`, epoch seconds):
//   lock#<listener or rule ARN> / lock           the per-listener lock, owner = execution ARN
//   rollout#<execution ARN>     / rollout        target, recorded original, status
//   audit#<execution ARN>       / audit#<change>  every weight change with who and why, once (shift#<i>,
//                                                 rollback, promote; approvals: audit#<time>#…). Its own
//                                                 partition: roles that audit, the Slack callback and
//                                                 operators, cannot write rollout# records (IAM
//                                                 dynamodb:LeadingKeys sees only the partition key)
//   approval#<short id>         / approval       task token behind a Slack button (value ≤ 2,000 chars)
//   watch#<alarm name>          / <execution ARN> a running rollout watches this alarm (Prepare writes one
//                                                 per alarm; the rollout's end removes them, TTL = the lock's):
//                                                 the alarm abort Queries the alarm's partition
//   freeze                      / freeze         the operators' freeze switch: on/off, who, when, why
//                                                 (docs/policy.md); operators may write this one item
import { ConditionalCheckFailedException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LockHeld } from '../errors.ts';
import { aws } from './aws-errors.ts';
import type { Freeze } from '../domain/policy.ts';
import type { ForwardState } from '../domain/rollout.ts';
import type { Target } from './traffic/index.ts';

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
  action: 'shift' | 'rollback' | 'promote' | 'approval' | 'judge';
  from?: Record<string, number>;
  to?: Record<string, number>;
  by: string;
  why: string;
  /** The checks' verdicts with their raw values (the judge's counts, thresholds and statistic). */
  evidence?: unknown;
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

/** The freeze switch's one item: its exact key is what the operator policy may write. */
export const FREEZE_KEY = { pk: 'freeze', sk: 'freeze' } as const;

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

  /** The freeze switch; never set = off. */
  async getFreeze(): Promise<Freeze> {
    const out = await aws('DynamoDB GetItem (freeze)', () => this.doc.send(new GetCommand({ TableName: this.table, Key: FREEZE_KEY, ConsistentRead: true })));
    if (!out.Item) return { frozen: false };
    const { pk: _pk, sk: _sk, ...freeze } = out.Item;
    return freeze as Freeze;
  }

  /** Switch the freeze on or off, recording who, when and why (no TTL: it stays until switched). */
  async setFreeze(freeze: Required<Freeze>): Promise<void> {
    await aws('DynamoDB PutItem (freeze)', () => this.doc.send(new PutCommand({ TableName: this.table, Item: { ...FREEZE_KEY, ...freeze } })));
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

  /** Record that `executionArn` watches each alarm (one item per alarm, kept `ttlSeconds`). Idempotent. */
  async watchAlarms(executionArn: string, alarms: readonly string[], ttlSeconds: number): Promise<void> {
    const expiresAt = this.epoch(ttlSeconds);
    await Promise.all(
      [...new Set(alarms)].map((alarm) =>
        aws('DynamoDB PutItem (watch)', () => this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `watch#${alarm}`, sk: executionArn, executionArn, alarm, expiresAt } }))),
      ),
    );
  }

  /** The executions that recorded watching `alarm` and whose item has not expired (stale ones are checked by the caller). */
  async watchersOf(alarm: string): Promise<string[]> {
    const out: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await aws('DynamoDB Query (watch)', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: 'expiresAt >= :now',
            ExpressionAttributeValues: { ':pk': `watch#${alarm}`, ':now': this.epoch() },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) if (typeof item.sk === 'string') out.push(item.sk);
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Remove `executionArn`'s watch items (the rollout ended); removing twice is fine. */
  async unwatchAlarms(executionArn: string, alarms: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(alarms)].map((alarm) =>
        aws('DynamoDB DeleteItem (watch)', () => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `watch#${alarm}`, sk: executionArn } }))),
      ),
    );
  }
}
