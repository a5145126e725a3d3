// Answering an approval: one path for the Slack button and the CLI. The decision is recorded first
// (conditional: the first answer wins, wherever it comes from), then the task token goes back to
// Step Functions. Whatever Step Functions says, the record ends up telling the truth:
//   - it took the answer                → approved / rejected (delivered)
//   - it gave up waiting (TaskTimedOut) → timed-out
//   - the execution ended (TaskDoesNotExist, InvalidToken) → ended
//   - anything else (throttling, outage) → pending again, so someone can answer again
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { humanSeconds } from '../domain/rollout.ts';
import type { ApprovalRecord, RolloutStore } from './store.ts';

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
  | { kind: 'undelivered'; record: ApprovalRecord; error: string };

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
    const error = (err as Error).name;
    if (error === 'TaskTimedOut') {
      await db.closeApproval(id, 'timed-out', 'Step Functions stopped waiting before the answer arrived');
      return { kind: 'timed-out', record: won.record };
    }
    if (error === 'TaskDoesNotExist' || error === 'InvalidToken') {
      await db.closeApproval(id, 'ended', 'the execution had already ended');
      return { kind: 'ended', record: won.record };
    }
    await db.reopenApproval(id, answer.by);
    return { kind: 'undelivered', record: won.record, error };
  }
  return { kind: 'delivered', record: won.record };
}
