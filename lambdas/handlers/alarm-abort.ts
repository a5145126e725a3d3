// Abort on alarm (issue 14 §1): an EventBridge rule sends every "CloudWatch Alarm State Change" into
// ALARM here. Every running rollout that watches the alarm (its watch#<alarm> items, written by
// Prepare) is, at once and in parallel:
//   1. flagged `stopping` (a Shift still running stands down, or undoes its own write),
//   2. restored to its original from the execution's OWN record (Step Functions history, as the
//      safety net reads it; never the table),
//   3. recorded rolled back (audit, status; the lock is kept for the safety net's re-check),
//   4. stopped (StopExecution, error AbortedOnAlarm, a cause naming the alarm),
//   5. announced (Slack).
// The ABORTED execution then reaches the safety net, which restores again only if needed (idempotent),
// re-checks once any late Shift must have finished, and releases the lock; it does not announce twice.
// Not aborted: an unwatched alarm; responses[alarm] "hold" or "notify" (Evaluate applies those);
// an execution that ended, decided to promote (Finalize), or is already in Rollback. Before Prepare
// returned nothing moved: the execution is only stopped. Safe to run twice: a second run finds the
// execution ABORTED and skips it. A failure to reach Step Functions or the table is thrown, so
// Lambda retries the event (then its dead-letter queue).
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { ALARM_ABORT_ERROR, abortCause, parseAlarmEvent, planAbort, responseFor, watchedAlarms } from '../domain/alarm-abort.ts';
import { aws } from '../providers/aws-errors.ts';
import { client, defineClient } from '../providers/clients.ts';
import { readExecution } from '../providers/execution-history.ts';
import { retrying, retryingUntil, type Backoff } from '../providers/retry.ts';
import { log, logWarn, now, store } from './deps.ts';
import { recordRollback, restoreOnce, tellRollback } from './rollback.ts';
import type { LambdaContext } from './safety-net.ts';

defineClient('sfn', () => new SFNClient({ requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000 } }));

/** The function's timeout (infra/alarm-abort.ts); the budget without a Lambda context. */
export const ALARM_ABORT_TIMEOUT_MS = 120_000;
/** Kept back for StopExecution and the bookkeeping after the restore. */
const MARGIN_MS = 30_000;
/** Restore attempts: 200 ms doubling, at most 5 s (the safety net keeps going after the stop). */
const RESTORE_BACKOFF: Backoff = { baseMs: 200, capMs: 5_000 };

export interface AbortOutcome {
  executionArn: string;
  outcome: 'aborted' | 'stopped' | 'skipped' | 'failed';
  why: string;
  restored?: Record<string, number>;
  bookkeepingFailed?: string[];
}

export interface AlarmAbortResult {
  alarm?: string;
  /** Why the event itself was ignored (not an ALARM state change). */
  ignored?: string;
  executions: AbortOutcome[];
}

export async function handler(event: unknown, context?: LambdaContext): Promise<AlarmAbortResult> {
  const startedAt = now().getTime();
  const remaining = (): number => (context ? context.getRemainingTimeInMillis() : ALARM_ABORT_TIMEOUT_MS - (now().getTime() - startedAt)) - MARGIN_MS;
  const parsed = parseAlarmEvent(event);
  if (!parsed.ok) {
    log.info('alarm abort: event ignored', { problem: parsed.problem });
    return { ignored: parsed.problem, executions: [] };
  }
  const { alarm, reason } = parsed;
  const watchers = await store().watchersOf(alarm);
  if (watchers.length === 0) log.info('alarm abort: no running rollout watches this alarm', { alarm });
  const executions = await Promise.all(watchers.map((arn) => abortOne(arn, alarm, reason, remaining)));
  const failed = executions.filter((e) => e.outcome === 'failed');
  if (failed.length > 0) {
    // Lambda retries the event; what already happened is skipped the next time (ABORTED).
    throw new Error(`alarm ${alarm}: ${failed.length} of ${executions.length} rollouts could not be aborted: ${failed.map((f) => `${f.executionArn}: ${f.why}`).join('; ')}`);
  }
  return { alarm, executions };
}

async function abortOne(executionArn: string, alarm: string, reason: string, remaining: () => number): Promise<AbortOutcome> {
  try {
    const sfn = client('sfn');
    const described = await aws('Step Functions DescribeExecution', () => sfn.send(new DescribeExecutionCommand({ executionArn })));
    const status = described.status ?? 'UNKNOWN';
    const run = status === 'RUNNING' ? await readExecution(sfn, executionArn) : undefined;
    const plan = planAbort(alarm, {
      status,
      prepared: run?.prepared !== undefined,
      ...(run?.lastTaskState ? { lastTaskState: run.lastTaskState } : {}),
      response: responseFor(run?.input, alarm),
      watches: run === undefined || watchedAlarms(run.input).includes(alarm),
    });
    const cause = abortCause(alarm, reason);
    if (plan.action === 'skip') {
      if (plan.unwatch) await store().unwatchAlarms(executionArn, [alarm]).catch((err: unknown) => logWarn('removing a stale watch item failed; it expires', { executionArn, error: (err as Error).message }));
      log.info('alarm abort: not aborting', { alarm, executionArn, why: plan.why });
      return { executionArn, outcome: 'skipped', why: plan.why };
    }
    if (plan.action === 'stop' || !run?.prepared) {
      await stop(executionArn, cause);
      return { executionArn, outcome: 'stopped', why: 'Prepare had not returned: nothing moved; stopped (the safety net releases the lock)' };
    }
    const { original, target, lockKey, slackChannel, alarms } = run.prepared;
    const db = store();
    // One try, not the bookkeeping retries: the restore must not wait on DynamoDB (the safety net's
    // re-check after the stop covers a Shift that missed the flag).
    await db.markStopping(executionArn).catch((err: unknown) => logWarn('stopping flag not set; restoring anyway', { executionArn, error: (err as Error).message }));
    let restored: Awaited<ReturnType<typeof restoreOnce>>;
    try {
      restored = await retryingUntil(() => restoreOnce(target, original, executionArn, 'alarm-abort'), remaining, RESTORE_BACKOFF);
    } catch (err) {
      // Out of time here: stop anyway, so the safety net restores with its own, longer budget.
      await stop(executionArn, `${cause} (restore failed here: ${(err as Error).message}; the safety net restores)`);
      return { executionArn, outcome: 'stopped', why: `restore failed (${(err as Error).message}); stopped, the safety net restores` };
    }
    const settlement = { executionArn, lockKey, by: 'alarm-abort', cause, before: restored.before, after: restored.after, channel: slackChannel, keepLock: true, alarms };
    // Recorded before the stop, so the safety net that the stop triggers sees it settled and only re-checks.
    const books = await recordRollback(settlement);
    await stop(executionArn, cause);
    await tellRollback(settlement, books);
    return { executionArn, outcome: 'aborted', why: cause, restored: restored.after.weights, ...(books.failed.length > 0 ? { bookkeepingFailed: books.failed } : {}) };
  } catch (err) {
    log.error('alarm abort failed for one rollout', { alarm, executionArn, error: (err as Error).message, errorName: (err as Error).name });
    return { executionArn, outcome: 'failed', why: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/** StopExecution naming the alarm; an execution that ended meanwhile is fine (its own end handles it). */
async function stop(executionArn: string, cause: string): Promise<void> {
  const sfn = client('sfn');
  try {
    await retrying(
      () => aws('Step Functions StopExecution', () => sfn.send(new StopExecutionCommand({ executionArn, error: ALARM_ABORT_ERROR, cause: cause.slice(0, 32_768) }))),
      3,
      { baseMs: 200, capMs: 2_000 },
    );
  } catch (err) {
    const after = await aws('Step Functions DescribeExecution', () => sfn.send(new DescribeExecutionCommand({ executionArn })));
    if (after.status === 'RUNNING') throw err;
    log.info('alarm abort: the execution ended before it could be stopped', { executionArn, status: after.status });
  }
}
