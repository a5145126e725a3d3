// What became of an approval's task token, asked of Step Functions itself when SendTaskSuccess /
// SendTaskFailure gave no clear answer (network error, timeout, 5xx, TaskTimedOut — which also
// means "already closed" — or TaskDoesNotExist). Only RequestApproval uses a service integration
// (lambda:invoke.waitForTaskToken), so the Task* events of the history are its events; the newest
// one after the approval was requested says what happened to it.
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';

export type TaskOutcome =
  | { kind: 'succeeded' }
  | { kind: 'failed'; error: string }
  | { kind: 'timed-out' }
  /** Still waiting for an answer: nothing was delivered. */
  | { kind: 'waiting' }
  /** The execution ended while the task waited (stopped, timed out). */
  | { kind: 'ended'; status: string }
  /** Step Functions could not be asked either. */
  | { kind: 'unknown'; error: string };

export async function taskOutcome(sfn: SFNClient, executionArn: string, requestedAt: string): Promise<TaskOutcome> {
  try {
    const since = Date.parse(requestedAt);
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, includeExecutionData: false }));
    for (const e of events) {
      if (!e.type?.startsWith('Task') || e.type.startsWith('TaskState')) continue;
      if (e.type === 'TaskSucceeded' && e.timestamp && e.timestamp.getTime() >= since) return { kind: 'succeeded' };
      if (e.type === 'TaskFailed' && e.timestamp && e.timestamp.getTime() >= since) return { kind: 'failed', error: e.taskFailedEventDetails?.error ?? 'unknown' };
      if (e.type === 'TaskTimedOut' && e.timestamp && e.timestamp.getTime() >= since) return { kind: 'timed-out' };
      break; // TaskScheduled / Started / Submitted: the newest task has no outcome yet
    }
    return status === 'RUNNING' ? { kind: 'waiting' } : { kind: 'ended', status: status ?? 'unknown' };
  } catch (err) {
    return { kind: 'unknown', error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}
