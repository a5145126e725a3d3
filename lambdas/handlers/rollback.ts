// Rollback: put back the recorded original forward action exactly, release the lock, notify.
// Two callers, one path:
//   - the state machine's Rollback state (input: the rollout state, with `decision` or `error`);
//   - the safety-net EventBridge rule for executions that ended ABORTED / TIMED_OUT / FAILED
//     (input: the "Step Functions Execution Status Change" event).
// Idempotent: a rollout already rolled back or promoted is left alone; a listener already at the
// original is not written again.
import { rollbackCause, type RolloutState } from '../domain/rollout.ts';
import { TargetGroupNotInForwardAction } from '../errors.ts';
import { notifySafely } from '../providers/notify.ts';
import { lockKeyFor, type RolloutRecord } from '../providers/store.ts';
import { log, logWarn, now, shifter, store } from './deps.ts';

export interface ExecutionStatusChange {
  source: 'aws.states';
  'detail-type': string;
  /** `input` is the execution's input as a JSON string (as EventBridge delivers it). */
  detail: { executionArn: string; status: string; error?: string; cause?: string; input?: string };
}

export interface RollbackResult {
  outcome: 'rolled-back' | 'nothing-to-restore' | 'already-ended';
  executionArn: string;
  cause: string;
  restored?: Record<string, number>;
}

export async function handler(event: Partial<RolloutState> | ExecutionStatusChange): Promise<RollbackResult> {
  if ('detail' in event && event.detail) {
    const { executionArn, status } = event.detail;
    return restore(executionArn, `execution ended ${status}${event.detail.error ? ` (${event.detail.error})` : ''}: restored by the safety net`, 'safety-net', undefined, event.detail.input);
  }
  const state = event as Partial<RolloutState>;
  if (!state.executionArn) throw new TypeError('rollback needs executionArn (the rollout state or an execution status event)');
  return restore(state.executionArn, rollbackCause(state), 'state-machine', state);
}

async function restore(executionArn: string, cause: string, by: 'state-machine' | 'safety-net', state?: Partial<RolloutState>, input?: string): Promise<RollbackResult> {
  const db = store();
  const stored = await db.getRollout(executionArn);
  const record: RolloutRecord | undefined =
    stored ??
    (state?.original && state.input && state.lockKey
      ? { executionArn, status: 'running', target: state.input.target, original: state.original, lockKey: state.lockKey, startedAt: state.startedAt ?? '' }
      : undefined);
  if (!record) {
    // Prepare never finished (it crashed, or the execution was stopped during it): no traffic moved,
    // but it may have taken the lock. The status event carries the execution input, which names it.
    const target = targetOf(input);
    if (target) await db.releaseLock(lockKeyFor(target), executionArn);
    log.info('nothing to restore: the rollout never recorded an original', { executionArn, by });
    return { outcome: 'nothing-to-restore', executionArn, cause };
  }
  if (record.status !== 'running') {
    // The state machine's own Rollback (or Finalize) already ran; a retry only repeats the cause.
    log.info('rollout already ended; nothing to do', { executionArn, status: record.status, by });
    return { outcome: 'already-ended', executionArn, cause: by === 'state-machine' ? cause : (record.reason ?? cause) };
  }

  // Tell a Shift that may still be running (Stop execution does not stop a running Lambda) to stand
  // down: it checks this flag before and after it writes. Without a stored record (it expired),
  // write the state's copy back first so the status below has somewhere to go.
  if (stored) await db.markStopping(executionArn);
  else await db.putRollout({ ...record, stopping: true });
  const provider = shifter(record.target);
  // An operator may have taken stable or canary out of the forward action: restore the original anyway.
  const before = await provider.read().catch((err: unknown) => {
    if (err instanceof TargetGroupNotInForwardAction) return undefined;
    throw err;
  });
  const after = await provider.restore(record.original);
  const at = now().toISOString();
  await db.audit(executionArn, { at, action: 'rollback', ...(before ? { from: before.weights } : {}), to: after.weights, by, why: cause });
  await db.setStatus(executionArn, 'rolled-back', cause);
  await db.releaseLock(record.lockKey, executionArn);
  log.warn('rolled back', { executionArn, cause, by, restored: after.weights });
  await notifySafely({ kind: 'rolled-back', executionArn, reason: cause, restored: after.weights }, state?.input?.slack?.channel ?? record.slack?.channel, logWarn);
  return { outcome: 'rolled-back', executionArn, cause, restored: after.weights };
}

/** The rollout target in an execution's input (JSON text), if it names one well enough to find its lock. */
function targetOf(input: string | undefined): { listenerArn: string; ruleArn?: string } | undefined {
  if (!input) return undefined;
  try {
    const t = (JSON.parse(input) as { target?: { listenerArn?: unknown; ruleArn?: unknown } }).target;
    if (typeof t?.listenerArn !== 'string') return undefined;
    return { listenerArn: t.listenerArn, ...(typeof t.ruleArn === 'string' ? { ruleArn: t.ruleArn } : {}) };
  } catch {
    return undefined;
  }
}
