// Least privilege beyond "these actions on this table": which items each role may touch (IAM
// dynamodb:LeadingKeys on the partition key prefixes of lambdas/providers/store.ts), reserved
// concurrency for the functions that restore traffic, and the state machine's log group name.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** Partition key prefixes of the table (lambdas/providers/store.ts); `freeze` is one exact key (the freeze switch), not a prefix. */
export type ItemPrefix = 'lock#' | 'rollout#' | 'audit#' | 'approval#' | 'watch#' | 'freeze';
export type ItemAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem' | 'dynamodb:Query';
type Access = Partial<Record<ItemAction, ItemPrefix[]>>;

const GET = 'dynamodb:GetItem';
const PUT = 'dynamodb:PutItem';
const UPDATE = 'dynamodb:UpdateItem';
const DELETE = 'dynamodb:DeleteItem';
const QUERY = 'dynamodb:Query';

/**
 * The items each role's store calls touch, by action. The actions themselves come from the
 * construct's FUNCTIONS table (infra/functions.ts: `table`, and `slackTable` when Slack is on); this says on which items.
 * - The Slack notifier (every function that posts) reads the rollout record for its thread, and
 *   Prepare stores the thread (UpdateItem rollout#).
 * - The Slack callback writes approvals and its audit entry, never a rollout record or a lock.
 * - watch#<alarm>: Prepare writes them, every end removes them, the alarm abort Queries them.
 */
export const ITEM_ACCESS: Record<string, Access> = {
  Prepare: { [GET]: ['lock#', 'rollout#'], [PUT]: ['lock#', 'rollout#', 'watch#'], [UPDATE]: ['rollout#'], [DELETE]: ['lock#'] },
  Shift: { [GET]: ['rollout#', 'freeze'], [PUT]: ['audit#'] },
  // Only with Slack on: the notifier reads the rollout record for its thread (responses "notify").
  Evaluate: { [GET]: ['rollout#'] },
  Finalize: { [GET]: ['rollout#'], [PUT]: ['audit#'], [UPDATE]: ['rollout#'], [DELETE]: ['lock#', 'watch#'] },
  Rollback: { [GET]: ['rollout#'], [PUT]: ['rollout#', 'audit#'], [UPDATE]: ['rollout#'], [DELETE]: ['lock#', 'watch#'] },
  SafetyNet: { [GET]: ['rollout#'], [PUT]: ['rollout#', 'audit#'], [UPDATE]: ['rollout#'], [DELETE]: ['lock#', 'watch#'] },
  // Never the lock: the safety net that its StopExecution triggers releases it after its re-check.
  AlarmAbort: { [QUERY]: ['watch#'], [GET]: ['rollout#'], [PUT]: ['audit#'], [UPDATE]: ['rollout#'], [DELETE]: ['watch#'] },
  RequestApproval: { [GET]: ['rollout#'], [PUT]: ['approval#'] },
  SlackCallback: { [GET]: ['approval#', 'rollout#'], [PUT]: ['audit#'], [UPDATE]: ['approval#'] },
};

/** The CLI (operator policy): reads everything, writes approval decisions and their audit, and the freeze switch (that one item). */
export const OPERATOR_ITEM_ACCESS: Access = { [GET]: ['lock#', 'rollout#', 'approval#', 'freeze'], [PUT]: ['audit#', 'freeze'], [UPDATE]: ['approval#'] };

/**
 * One statement per set of prefixes, each with a dynamodb:LeadingKeys condition. ForAllValues is
 * safe here: every item action names its key, so the set of leading keys is never empty.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 */
export function itemStatements(tableArn: string, who: string, access: Access, actions: readonly ItemAction[]): iam.PolicyStatement[] {
  const byPrefixes = new Map<string, ItemAction[]>();
  for (const action of actions) {
    const prefixes = access[action];
    if (!prefixes || prefixes.length === 0) {
      throw new Error(`canary-switch: ${who} is granted ${action} but infra/least-privilege.ts names no item prefix for it; add one to ITEM_ACCESS`);
    }
    const key = [...prefixes].sort().join(',');
    byPrefixes.set(key, [...(byPrefixes.get(key) ?? []), action]);
  }
  return [...byPrefixes].map(
    ([key, acts]) =>
      new iam.PolicyStatement({
        actions: acts.sort(),
        resources: [tableArn],
        // A prefix (ends with #) matches its items; `freeze` matches exactly the freeze switch's item.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': key.split(',').map((p) => (p.endsWith('#') ? `${p}*` : p)) } },
      }),
  );
}

/**
 * Reserved concurrency: the restore paths always have room, whatever floods the public Slack
 * endpoint, and the endpoint cannot take more than its share. Reserving takes these from the
 * account's unreserved pool (which must keep at least 100), so a new account with a concurrency
 * quota of 10 must ask for a higher quota first.
 */
export const RESERVED_CONCURRENCY: Record<string, number> = { Rollback: 5, SafetyNet: 5, AlarmAbort: 5, SlackCallback: 2 };

export function reserveConcurrency(fn: lambda.Function, fnId: string): void {
  const n = RESERVED_CONCURRENCY[fnId];
  if (n === undefined) return;
  (fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = n;
}

/**
 * Step Functions' log delivery writes to CloudWatch Logs through a resource policy; AWS recommends
 * log groups under /aws/vendedlogs/ so that policy stays small (the 5,120-character limit).
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
 */
export function executionLogGroupName(stackName: string, constructPath: string): string {
  return `/aws/vendedlogs/states/${stackName}-${constructPath.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}
