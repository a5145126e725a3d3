// The construct's functions: one per ASL task, plus the safety net, the Slack endpoint and the alarm
// abort. What each one is for, which table item actions and Slack it needs, which reads and writes of
// the traffic providers it gets (canary-switch.ts turns this table into functions and grants).
import type { HandlerName } from './handlers.ts';
import { ELB_READS } from './providers/elbv2.ts';

/** One function per ASL task, plus the safety net and the Slack endpoint. */
export type FunctionId = 'Prepare' | 'Shift' | 'Evaluate' | 'Finalize' | 'Rollback' | 'SafetyNet' | 'RequestApproval' | 'SlackCallback' | 'AlarmAbort';

export type TableAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem';

export interface FunctionSpec {
  handler: HandlerName;
  description: string;
  /** Item actions the handler's store calls need (lambdas/providers/store.ts). */
  table: TableAction[];
  /** With Slack on, the notifier also reads the rollout record and, for `started`, stores the thread. */
  slackTable: TableAction[];
  /** The configured providers' reads (e.g. DescribeListeners, ListResourceRecordSets; infra/providers). */
  elbRead: boolean;
  /** The configured providers' writes of weights, on exactly the configured resources (e.g. ModifyListener). */
  elbModify: boolean;
  /** cloudwatch:DescribeAlarms. */
  alarms: boolean;
  /** Reads the Slack secret and gets the Slack settings (only when `slack` is configured). */
  slack: boolean;
}

const GET = 'dynamodb:GetItem';
const PUT = 'dynamodb:PutItem';
const UPDATE = 'dynamodb:UpdateItem';
const DELETE = 'dynamodb:DeleteItem';

export const FUNCTIONS: Record<FunctionId, FunctionSpec> = {
  Prepare: { handler: 'prepare', description: 'Validate the input, take the lock, record the original, pre-flight', table: [GET, PUT, DELETE], slackTable: [UPDATE], elbRead: true, elbModify: false, alarms: true, slack: true },
  Shift: { handler: 'shift', description: "Set the step's weights (verified, idempotent)", table: [GET, PUT], slackTable: [GET], elbRead: true, elbModify: true, alarms: false, slack: true },
  Evaluate: { handler: 'evaluate', description: 'Read alarms, target health, weights and the judge metrics; decide', table: [], slackTable: [GET], elbRead: true, elbModify: false, alarms: true, slack: true },
  Finalize: { handler: 'finalize', description: 'Record the promotion and release the lock', table: [PUT, UPDATE, DELETE], slackTable: [GET], elbRead: true, elbModify: false, alarms: false, slack: true },
  Rollback: { handler: 'rollback', description: "The state machine's Rollback: restore the recorded original, release the lock", table: [GET, PUT, UPDATE, DELETE], slackTable: [], elbRead: true, elbModify: true, alarms: false, slack: true },
  SafetyNet: { handler: 'rollback', description: 'Safety net: restore the original after an execution ended ABORTED, TIMED_OUT or FAILED', table: [GET, PUT, UPDATE, DELETE], slackTable: [], elbRead: true, elbModify: true, alarms: false, slack: true },
  RequestApproval: { handler: 'request-approval', description: 'Park the task token and ask for approval in Slack', table: [PUT], slackTable: [GET], elbRead: false, elbModify: false, alarms: true, slack: true },
  SlackCallback: { handler: 'slack-callback', description: 'Slack interactivity: Approve / Reject clicks (signature-checked)', table: [GET, UPDATE, PUT], slackTable: [], elbRead: false, elbModify: false, alarms: false, slack: true },
  AlarmAbort: { handler: 'alarm-abort', description: 'Abort on alarm: restore and stop every running rollout that watches an alarm entering ALARM', table: [PUT, UPDATE, DELETE], slackTable: [GET], elbRead: true, elbModify: true, alarms: false, slack: true },
};

/** The ASL's `${…}` placeholders, and the function each one names. */
export const SUBSTITUTIONS: Record<string, FunctionId> = {
  PrepareFunctionArn: 'Prepare',
  ShiftFunctionArn: 'Shift',
  EvaluateFunctionArn: 'Evaluate',
  FinalizeFunctionArn: 'Finalize',
  RollbackFunctionArn: 'Rollback',
  RequestApprovalFunctionArn: 'RequestApproval',
};

/** Read-only actions that AWS offers no resource-level scoping for (Resource must be `*`). */
export const UNSCOPABLE_READS = {
  elb: ELB_READS,
  // DescribeAlarms returns composite alarms only when allowed on `*` (CloudWatch API reference).
  alarms: ['cloudwatch:DescribeAlarms'],
  // Evaluate only: ALARM episodes between two polls. The authorization reference lists the alarm
  // resource type for it, but history of composite alarms is returned only when it is allowed on
  // `*` (CloudWatch API reference, DescribeAlarmHistory), and Evaluate reads account-wide history.
  alarmHistory: ['cloudwatch:DescribeAlarmHistory'],
  // Evaluate only: the judge's per-target-group metrics. GetMetricData has no resource-level permissions.
  metrics: ['cloudwatch:GetMetricData'],
};
