// The safety net: an execution that ended ABORTED, TIMED_OUT or FAILED gets its original back.
// (Not a Lambda entry of its own: rollback.ts hands it the EventBridge status-change events.)
//
// What it restores comes from Step Functions itself (readExecution: Prepare's output in the
// execution history), never from the rollout table, which others can write: a table copy that
// differs is reported (log, metric RecordTampered, `tampered` in the result) and never applied.
// What it decides from the history and the event (both written by AWS only):
//   - Prepare never succeeded  → nothing moved; release the execution's own lock
//   - it reached Finalize      → promoted: never roll back; release the lock
//   - FAILED with RolledBack   → its Rollback state restored; redo the lock release only
//   - otherwise                → restore, retrying with full-jitter backoff until this invocation's
//                                time is nearly up (then fail: Lambda retries the event twice, then
//                                the dead-letter queue), then bookkeeping, best effort.
// DynamoDB is used only for bookkeeping and for the Shift stand-down flag, never to decide.
import { SFNClient } from '@aws-sdk/client-sfn';
import { ALARM_ABORT_ERROR } from '../domain/alarm-abort.ts';
import type { ForwardState } from '../domain/rollout.ts';
import { Bookkeeping } from '../providers/bookkeeping.ts';
import { client, defineClient } from '../providers/clients.ts';
import { readExecution, type ExecutionRecord } from '../providers/execution-history.ts';
import { countMetric } from '../providers/metrics.ts';
import { retryingUntil, sleep, type Backoff } from '../providers/retry.ts';
import type { RolloutRecord } from '../providers/store.ts';
import { lockKeyFor } from '../providers/traffic/index.ts';
import { log, logWarn, now, store } from './deps.ts';
import { restoreOnce, settle, type RollbackResult } from './rollback.ts';

// Well under the function's timeout, so a hung connection costs one attempt, not the invocation.
defineClient('sfn', () => new SFNClient({ requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000 } }));

export interface ExecutionStatusChange {
  source: 'aws.states';
  'detail-type': string;
  /** `input` is the execution's input as a JSON string; `stopDate` epoch milliseconds (as EventBridge delivers them). */
  detail: { executionArn: string; status: string; error?: string; cause?: string; input?: string; stopDate?: number };
}

export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Kept for the bookkeeping after the restore, and to return before the function times out. */
export const MARGIN_MS = 60_000;
/** The safety net function's timeout (infra/restore-resilience.ts); the budget without a Lambda context. */
export const SAFETY_NET_TIMEOUT_MS = 900_000;
/**
 * Stop execution does not stop a Lambda already running: a Shift may still write until its own
 * timeout (30 s) plus one request in flight. After that the listener is re-checked. The lab, whose
 * tasks run in-process on loopback, sets SHIFT_GRACE_SECONDS lower.
 */
export const SHIFT_GRACE_MS = 40_000;
const shiftGraceMs = (): number => {
  const s = Number(process.env.SHIFT_GRACE_SECONDS);
  return process.env.SHIFT_GRACE_SECONDS !== undefined && Number.isFinite(s) && s >= 0 ? s * 1000 : SHIFT_GRACE_MS;
};
/** Full-jitter backoff between restore attempts: 1 s doubling, at most 60 s. */
export const SAFETY_NET_BACKOFF: Backoff = { baseMs: 1_000, capMs: 60_000 };

export async function safetyNet(event: ExecutionStatusChange, context?: LambdaContext): Promise<RollbackResult> {
  const { executionArn, status, error } = event.detail;
  const startedAt = now().getTime();
  const remaining = (): number => (context ? context.getRemainingTimeInMillis() : SAFETY_NET_TIMEOUT_MS - (now().getTime() - startedAt)) - MARGIN_MS;
  // Reading the history is part of the restore: its failures count as failed restore attempts
  // (restoreOnce counts and logs its own).
  const historyFailed = (err: unknown, attempt: number) => {
    countMetric('RestoreAttemptFailed', now());
    log.error('safety net: reading the execution history failed; retrying', { executionArn, attempt, error: (err as Error).message, errorName: (err as Error).name });
  };
  const cause = `execution ended ${status}${error ? ` (${error})` : ''}: restored by the safety net`;
  const db = store();
  const books = new Bookkeeping(executionArn, now, logWarn);
  const run: ExecutionRecord = await retryingUntil(() => readExecution(client('sfn'), executionArn), remaining, SAFETY_NET_BACKOFF, historyFailed);

  if (!run.prepared) {
    // Prepare never finished (it failed, crashed, or the execution was stopped during it): no
    // traffic moved, but it may have taken the lock. The execution input names it.
    const lockKey = lockKeyFor(targetOf(run.input)) ?? lockKeyFor(targetOf(parseJson(event.detail.input)));
    if (lockKey) await books.step('lock release', () => db.releaseLock(lockKey, executionArn));
    log.info('nothing to restore: the execution never finished Prepare', { executionArn });
    return withBooks({ outcome: 'nothing-to-restore', executionArn, cause }, books);
  }
  const { original, target, lockKey, slackChannel, alarms } = run.prepared;

  if (run.lastTaskState === 'Finalize' || error === 'PromotedBookkeepingFailed') {
    // The last step baked cleanly and the rollout decided to promote: 100% on the canary is the
    // intended end state. Rolling it back would be a second, unplanned change.
    await books.step('record status', () => db.setStatus(executionArn, 'promoted', `promoted; execution ended ${status}${error ? ` (${error})` : ''}`));
    await books.step('lock release', () => db.releaseLock(lockKey, executionArn));
    log.warn('promoted rollout ended without finishing its bookkeeping; traffic left as promoted', { executionArn, status, error });
    return withBooks({ outcome: 'promoted', executionArn, cause: `promoted; execution ended ${status}${error ? ` (${error})` : ''}: traffic stays on the canary, the safety net finished the bookkeeping` }, books);
  }

  if (status === 'FAILED' && error === 'RolledBack') {
    // The Rollback state restored; its lock release may have failed (DynamoDB down). Idempotent.
    await books.step('lock release', () => db.releaseLock(lockKey, executionArn));
    return withBooks({ outcome: 'already-ended', executionArn, cause: event.detail.cause ?? cause }, books);
  }

  const stopped = status === 'ABORTED' || status === 'TIMED_OUT';
  // Best effort: a Shift still running stands down when it sees this. The restore does not depend
  // on it: the listener is checked again once any such Shift must have finished (below).
  if (stopped) await books.step('stopping flag', () => db.markStopping(executionArn));
  let record: RolloutRecord | undefined;
  await books.step('record read', async () => {
    record = await db.getRollout(executionArn);
  });
  const tampered = record ? tamperReport(record.original, original, executionArn) : undefined;

  const restore = () => retryingUntil(() => restoreOnce(target, original, executionArn, 'safety-net'), remaining, SAFETY_NET_BACKOFF);
  const first = await restore();
  // Said at once (the record reads rolled-back, Slack is told: `canary-switch abort` waits for it);
  // after a stop the lock is kept until the re-check below, so no new rollout starts in between.
  // An abort on alarm (alarm-abort.ts) already restored, recorded and told Slack: not said twice.
  const settledByAlarmAbort = error === ALARM_ABORT_ERROR && record?.status === 'rolled-back';
  if (!settledByAlarmAbort) {
    const settled = await settle({ executionArn, lockKey, by: 'safety-net', cause, before: first.before, after: first.after, channel: slackChannel, keepLock: stopped, alarms });
    for (const f of settled.failed) books.failed.push(f);
  }
  let lateShiftUndone = false;
  if (stopped) {
    const wait = (event.detail.stopDate ?? startedAt) + shiftGraceMs() - now().getTime();
    if (wait > 0) await sleep(wait);
    const again = await restore();
    lateShiftUndone = again.before !== undefined && JSON.stringify(again.before.weights) !== JSON.stringify(first.after.weights);
    if (lateShiftUndone) log.warn('a Shift still running after the stop wrote after the restore; restored again', { executionArn, found: again.before?.weights });
    await books.step('lock release', () => db.releaseLock(lockKey, executionArn));
  }
  const said = settledByAlarmAbort ? `${cause.replace('restored by the safety net', 'restored by the abort on alarm')}; the safety net re-checked` : cause;
  return withBooks(
    {
      outcome: 'rolled-back',
      executionArn,
      cause: said + (tampered ? `; ${tampered.message}` : ''),
      restored: first.after.weights,
      ...(tampered ? { tampered } : {}),
      ...(lateShiftUndone ? { lateShiftUndone } : {}),
    },
    books,
  );
}

function withBooks(result: RollbackResult, books: Bookkeeping): RollbackResult {
  return books.failed.length > 0 ? { ...result, bookkeepingFailed: books.failed } : result;
}

/** The table's copy of the original differs from the one Step Functions recorded: say so, loudly. */
function tamperReport(recorded: ForwardState | undefined, original: ForwardState, executionArn: string): RollbackResult['tampered'] {
  if (canonical(recorded) === canonical(original)) return undefined;
  const message = "the rollout table's original differs from the one Step Functions recorded (forged or corrupted); restored Step Functions' record, not the table's";
  countMetric('RecordTampered', now());
  log.error(message, { executionArn, recorded: recorded?.weights, restored: original.weights });
  return { recorded: recorded ?? null, restored: original.weights, message };
}

/** JSON with object keys sorted: DynamoDB maps do not keep key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The rollout target in an execution's input, as given. */
function targetOf(input: unknown): unknown {
  return (input as { target?: unknown } | undefined)?.target;
}
