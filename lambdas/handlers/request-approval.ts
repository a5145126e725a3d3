// RequestApproval (lambda:invoke.waitForTaskToken): park the task token in DynamoDB under a short
// random id and post Approve / Reject buttons carrying that id. A Slack button value holds 2,000
// characters and a task token may be 2,048, so the token itself never goes to Slack.
//
// The state machine waits until the callback (slack-callback.ts, or the CLI) sends the token back,
// or until approvals.timeoutSeconds pass. A Slack failure is logged and counted, never thrown: the
// request stays approvable from the CLI and the timeout policy still applies.
import { randomBytes } from 'node:crypto';
import type { RolloutState } from '../domain/rollout.ts';
import type { AlarmReading } from '../domain/slack-messages.ts';
import { client } from '../providers/clients.ts';
import { readAlarms } from '../providers/health.ts';
import { countSlackFailure, safeError, slackNotifier } from '../providers/slack.ts';
import type { ApprovalRecord } from '../providers/store.ts';
import { log, now, provider, store } from './deps.ts';

export interface RequestApprovalEvent {
  state: RolloutState;
  taskToken: string;
}

export interface RequestApprovalResult {
  approvalId: string;
  /** Whether the Slack message went out (false: Slack not configured, no channel, or Slack failed). */
  posted: boolean;
}

/**
 * The approval as stored: the store's record plus what the callback needs to answer a late click
 * without asking Step Functions (the store keeps every attribute it is given).
 */
export interface StoredApproval extends ApprovalRecord {
  /** When Step Functions gives up waiting (requestedAt + approvals.timeoutSeconds). */
  deadline: string;
  onTimeout: 'rollback' | 'proceed';
}

/** Keep the record a day past the timeout, so a late click gets "timed out" instead of "not found". */
export const APPROVAL_TTL_MARGIN_SECONDS = 24 * 3600;

/** 128 random bits, URL-safe (base64url, 22 characters). */
export function newApprovalId(): string {
  return randomBytes(16).toString('base64url');
}

export async function handler(event: RequestApprovalEvent): Promise<RequestApprovalResult> {
  const { state, taskToken } = event ?? ({} as RequestApprovalEvent);
  if (typeof taskToken !== 'string' || taskToken.length === 0) throw new TypeError('request-approval needs { state, taskToken }: taskToken is missing');
  if (!state?.executionArn || !state.input || !state.next) throw new TypeError('request-approval needs { state, taskToken }: state has no executionArn, input or next step');
  const next = state.next;
  const nextStep = state.plan.steps[next.index];
  if (!nextStep) throw new RangeError(`request-approval: no step ${next.index} in the plan`);
  const { timeoutSeconds, onTimeout } = state.input.approvals;

  const id = newApprovalId();
  const at = now();
  const deadline = new Date(at.getTime() + timeoutSeconds * 1000);
  const record: StoredApproval = {
    id,
    taskToken,
    executionArn: state.executionArn,
    percent: next.percent,
    status: 'pending',
    requestedAt: at.toISOString(),
    deadline: deadline.toISOString(),
    onTimeout,
  };
  // Alarms are read while the token is stored; a failure to read them shows in the message instead of blocking it.
  const [, alarms] = await Promise.all([store().putApproval(record, timeoutSeconds + APPROVAL_TTL_MARGIN_SECONDS), alarmReading(state.input.alarms)]);
  log.info('approval requested', { executionArn: state.executionArn, approvalId: id, percent: next.percent, timeoutSeconds, onTimeout });

  const slack = slackNotifier();
  if (!slack) {
    log.warn('Slack is not configured (SLACK_SECRET_ARN unset): approve or reject with the canary-switch CLI', { executionArn: state.executionArn, approvalId: id });
    return { approvalId: id, posted: false };
  }
  const { target } = state.input;
  const layer = provider(target);
  const sides = layer.sides(target);
  const current = state.position >= 0 ? state.plan.steps[state.position] : undefined;
  // The pair's weights Shift will write (other target groups keep their share), not the plan's pair-only ones.
  const planned = layer.stepWeights(state.original, target, next.percent);
  const nextWeights = planned.ok ? { stable: planned.weights[sides.stable] ?? 0, canary: planned.weights[sides.canary] ?? 0 } : nextStep.weights;
  try {
    const where = await slack.requestApproval(
      {
        executionArn: state.executionArn,
        approvalId: id,
        what: layer.label(target),
        names: { stable: layer.sideName(sides.stable), canary: layer.sideName(sides.canary) },
        current: { percent: current?.percent ?? 0, weights: { stable: state.expected[sides.stable] ?? 0, canary: state.expected[sides.canary] ?? 0 } },
        next: { percent: next.percent, weights: nextWeights },
        alarms,
        timeoutSeconds,
        onTimeout,
        deadline,
      },
      state.input.slack?.channel,
    );
    if (!where) {
      log.warn('no Slack channel: set slack.channel in the input or SLACK_CHANNEL on the stack; approve with the CLI', { executionArn: state.executionArn, approvalId: id });
      return { approvalId: id, posted: false };
    }
    return { approvalId: id, posted: true };
  } catch (err) {
    const failures = countSlackFailure();
    log.error('could not post the approval request to Slack; approve with the CLI, or it times out', {
      executionArn: state.executionArn,
      approvalId: id,
      error: safeError(err),
      failures,
    });
    return { approvalId: id, posted: false };
  }
}

async function alarmReading(names: string[]): Promise<AlarmReading> {
  try {
    return { ok: true, alarms: await readAlarms(client('cloudwatch'), names) };
  } catch (err) {
    log.warn('could not read alarms for the approval message', { error: safeError(err) });
    return { ok: false, error: (err as Error).message || (err as Error).name };
  }
}

