// Answering an approval: one path for the Slack button and the CLI. The decision is recorded first
// (conditional: the first answer wins, wherever it comes from), then the task token goes back to
// Step Functions. Whatever Step Functions says, the record ends up telling the truth:
//   - it took the answer                       → approved / rejected (delivered)
//   - it refused it outright (throttling)      → an approval is pending again, so someone can answer
//                                                again; a rejection stays recorded (never reopened)
//   - the token is malformed (InvalidToken)    → ended
//   - anything ambiguous (network error, timeout, 5xx, TaskTimedOut, TaskDoesNotExist): ask Step
//     Functions what happened (task-outcome.ts) and say that; reopen only an approval it confirms
//     is still waiting, and if it cannot tell, change nothing and say so.
// A write after the send that fails never turns a delivered answer into an error.
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { humanSeconds } from '../domain/rollout.ts';
import type { ApprovalRecord, RolloutStore } from './store.ts';
import { taskOutcome } from './task-outcome.ts';

export interface Answer {
  status: 'approved' | 'rejected';
  /** Audited identity: a Slack user id, or `cli:<name>`. */
  by: string;
  byName: string;
  /** Stored on the record; for a rejection also the Step Functions cause. */
  reason: string;
}

export type AnswerOutcome =
  | { kind: 'delivered'; record: ApprovalRecord }
  | { kind: 'not-found' }
  | { kind: 'already-decided'; record: ApprovalRecord | undefined }
  | { kind: 'timed-out'; record: ApprovalRecord }
  | { kind: 'ended'; record: ApprovalRecord }
  | { kind: 'undelivered'; record: ApprovalRecord; error: string }
  /** Not delivered and not reopened (a rejection), or Step Functions could not say: nothing reopened. */
  | { kind: 'unconfirmed'; record: ApprovalRecord; error: string; what: string };

/** Step Functions refused the call outright: nothing was delivered. */
const REFUSED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException']);

export async function answerApproval(db: RolloutStore, sfn: SFNClient, id: string, answer: Answer, now: Date): Promise<AnswerOutcome> {
  const record = await db.getApproval(id);
  if (!record) return { kind: 'not-found' };
  if (record.status !== 'pending') return { kind: 'already-decided', record };

  // Past the deadline Step Functions has already given up: record that, change nothing.
  if (record.deadline && now.getTime() >= Date.parse(record.deadline)) {
    const timeout = Math.round((Date.parse(record.deadline) - Date.parse(record.requestedAt)) / 1000);
    const closed = await db.decideApproval(id, { status: 'timed-out', by: 'step-functions', reason: `approval timed out after ${humanSeconds(timeout)}` });
    return closed.decided ? { kind: 'timed-out', record: closed.record } : { kind: 'already-decided', record: closed.record };
  }

  const won = await db.decideApproval(id, { status: answer.status, by: answer.by, reason: answer.reason });
  if (!won.decided) return { kind: 'already-decided', record: won.record };

  try {
    if (answer.status === 'approved') {
      const output = JSON.stringify({ approvedBy: answer.by, approvedByName: answer.byName, at: now.toISOString() });
      await sfn.send(new SendTaskSuccessCommand({ taskToken: record.taskToken, output }));
    } else {
      await sfn.send(new SendTaskFailureCommand({ taskToken: record.taskToken, error: 'Rejected', cause: answer.reason }));
    }
  } catch (err) {
    return afterFailedSend(db, sfn, id, answer, won.record, (err as Error).name);
  }
  return { kind: 'delivered', record: won.record };
}

async function afterFailedSend(db: RolloutStore, sfn: SFNClient, id: string, answer: Answer, record: ApprovalRecord, error: string): Promise<AnswerOutcome> {
  const keep = async (write: () => Promise<void>) => {
    // The outcome is already known; a failed bookkeeping write must not hide it.
    await write().catch(() => undefined);
  };
  if (error === 'InvalidToken') {
    await keep(() => db.closeApproval(id, 'ended', 'Step Functions refused the task token'));
    return { kind: 'ended', record };
  }
  const outcome = REFUSED.has(error) ? ({ kind: 'waiting' } as const) : await taskOutcome(sfn, record.executionArn, record.requestedAt);
  switch (outcome.kind) {
    case 'succeeded':
    case 'failed':
      // Our answer arrived (the response was lost), or another one did first: say which.
      if ((outcome.kind === 'succeeded') === (answer.status === 'approved') && (outcome.kind === 'succeeded' || outcome.error === 'Rejected')) return { kind: 'delivered', record };
      return { kind: 'unconfirmed', record, error, what: `Step Functions closed this approval with ${outcome.kind === 'succeeded' ? 'an approval' : `an error (${outcome.error})`}` };
    case 'timed-out':
      await keep(() => db.closeApproval(id, 'timed-out', 'Step Functions stopped waiting before the answer arrived'));
      return { kind: 'timed-out', record };
    case 'ended':
      await keep(() => db.closeApproval(id, 'ended', `the execution had already ended (${outcome.status})`));
      return { kind: 'ended', record };
    case 'waiting':
      // Nothing was delivered. An approval may be answered again; a rejection is never reopened
      // (someone could approve what was rejected): it stays recorded for the next attempt to deliver.
      if (answer.status === 'approved') {
        await keep(() => db.reopenApproval(id, answer.by));
        return { kind: 'undelivered', record, error };
      }
      return { kind: 'unconfirmed', record, error, what: 'Step Functions has not taken the rejection yet; it stays recorded (not reopened): press Stop on the execution to restore now' };
    case 'unknown':
      return { kind: 'unconfirmed', record, error, what: `Step Functions could not be asked what happened (${outcome.error}); nothing reopened: check canary-switch status` };
  }
}
