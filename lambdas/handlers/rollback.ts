// Rollback: put back the original forward action exactly, then do the bookkeeping.
// Two callers, one handler:
//   - the state machine's Rollback state (input: the rollout state, with `decision` or `error`):
//     restores from the `original` the execution state carries (Prepare's output), so DynamoDB is
//     never on the restore path; a failed attempt throws (Transient) and the state machine retries;
//   - the safety-net EventBridge rule for executions that ended ABORTED / TIMED_OUT / FAILED
//     (input: the "Step Functions Execution Status Change" event): see safety-net.ts.
// Bookkeeping (audit, record status, lock, Slack) runs after the restore, each step retried and
// best effort: a failure is reported in the result and the cause, never undoes or blocks the restore.
import { rollbackCause, type ForwardState, type RolloutState } from '../domain/rollout.ts';
import { Bookkeeping } from '../providers/bookkeeping.ts';
import { countMetric } from '../providers/metrics.ts';
import { notifySafely } from '../providers/notify.ts';
import type { Target } from '../providers/traffic/index.ts';
import { log, logWarn, now, shifter, store } from './deps.ts';
import { safetyNet, type ExecutionStatusChange, type LambdaContext } from './safety-net.ts';

export type { ExecutionStatusChange };

export interface RollbackResult {
  outcome: 'rolled-back' | 'nothing-to-restore' | 'already-ended' | 'promoted';
  executionArn: string;
  cause: string;
  restored?: Record<string, number>;
  /** Bookkeeping steps that failed after their retries (traffic is restored regardless). */
  bookkeepingFailed?: string[];
  /** The rollout table's copy of the original differs from Step Functions' record: reported, never applied. */
  tampered?: { recorded: unknown; restored: Record<string, number>; message: string };
  /** A Shift still running when the execution was stopped wrote after the restore; restored again. */
  lateShiftUndone?: boolean;
}

export async function handler(event: Partial<RolloutState> | ExecutionStatusChange, context?: LambdaContext): Promise<RollbackResult> {
  if ('detail' in event && event.detail) return safetyNet(event, context);
  const state = event as Partial<RolloutState>;
  if (!state.executionArn) throw new TypeError('rollback needs executionArn (the rollout state or an execution status event)');
  return fromStateMachine(state);
}

async function fromStateMachine(state: Partial<RolloutState>): Promise<RollbackResult> {
  const { executionArn, original, input, lockKey } = state as RolloutState;
  if (!original || !input?.target || !lockKey) throw new TypeError(`rollback of ${executionArn} needs the rollout state Prepare returned (original, input.target, lockKey)`);
  const cause = rollbackCause(state);
  const { before, after } = await restoreOnce(input.target, original, executionArn, 'state-machine');
  const books = await settle({ executionArn, lockKey, by: 'state-machine', cause, before, after, channel: input.slack?.channel });
  const told = cause + books.suffix('the safety net retries it');
  return { outcome: 'rolled-back', executionArn, cause: told, restored: after.weights, ...(books.failed.length > 0 ? { bookkeepingFailed: books.failed } : {}) };
}

/** One restore attempt: read (for the audit), write the original back if it is not in place, verify. */
export async function restoreOnce(target: Target, original: ForwardState, executionArn: string, by: string): Promise<{ before?: ForwardState; after: ForwardState }> {
  try {
    const provider = shifter(target);
    // Read for the audit only. An operator may have taken stable or canary out (the read refuses a
    // state without the pair): restore the original anyway; a failing API fails the restore below.
    const before = await provider.read().catch(() => undefined);
    const after = await provider.restore(original);
    return { ...(before ? { before } : {}), after };
  } catch (err) {
    // The alarm on this metric fires at the first failed attempt, long before the retries run out.
    countMetric('RestoreAttemptFailed', now());
    log.error('restore attempt failed; it is retried', { executionArn, by, error: (err as Error).message, errorName: (err as Error).name });
    throw err;
  }
}

/**
 * After a restore: audit it (once), mark the record rolled back, release the lock (unless the
 * caller keeps it a while longer), tell Slack.
 */
export async function settle(r: {
  executionArn: string;
  lockKey: string;
  by: string;
  cause: string;
  before?: ForwardState | undefined;
  after: ForwardState;
  channel?: string | undefined;
  keepLock?: boolean;
}): Promise<Bookkeeping> {
  const db = store();
  const books = new Bookkeeping(r.executionArn, now, logWarn);
  const at = now().toISOString();
  await books.step('audit', () => db.audit(r.executionArn, { at, action: 'rollback', ...(r.before ? { from: r.before.weights } : {}), to: r.after.weights, by: r.by, why: r.cause }, 'rollback'));
  await books.step('record status', () => db.setStatus(r.executionArn, 'rolled-back', r.cause));
  if (!r.keepLock) await books.step('lock release', () => db.releaseLock(r.lockKey, r.executionArn));
  log.warn('rolled back', { executionArn: r.executionArn, cause: r.cause, by: r.by, restored: r.after.weights, bookkeepingFailed: books.failed });
  await notifySafely({ kind: 'rolled-back', executionArn: r.executionArn, reason: r.cause, restored: r.after.weights }, r.channel, logWarn);
  return books;
}
