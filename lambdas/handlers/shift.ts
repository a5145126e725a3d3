// Shift: move the pair to the next step's weights. Refuses when the weights were changed by
// someone else (never fight an operator) or when the canary has too few healthy targets (an ALB
// fails open into unhealthy targets). Safe to retry: a step already applied is not applied again.
import { afterShift, type RolloutState } from '../domain/rollout.ts';
import { formatChange, sameWeights } from '../domain/weights.ts';
import { DriftDetected, InsufficientHealthyTargets, RolloutStopped } from '../errors.ts';
import type { RolloutStore } from '../providers/store.ts';
import { client } from '../providers/clients.ts';
import { countHealthy } from '../providers/health.ts';
import { notifySafely } from '../providers/notify.ts';
import { othersChanged, pairOf, shortName } from '../providers/traffic.ts';
import { log, logWarn, now, shifter, store } from './deps.ts';

export async function handler(state: RolloutState): Promise<RolloutState> {
  const next = state.next;
  const step = next ? state.plan.steps[next.index] : undefined;
  if (!next || !step) throw new RangeError(`shift called without a next step (position ${state.position})`);
  const { target } = state.input;
  const provider = shifter(target);

  const current = await provider.read();
  const pair = pairOf(current, target);
  // A retried Shift may find its own write already in place.
  const alreadyApplied = sameWeights(pair, step.weights);
  if (!alreadyApplied && !sameWeights(pair, state.expected)) {
    throw new DriftDetected(`weights changed outside the rollout before step ${step.percent}%: ${formatChange(state.expected, pair)}`);
  }
  const changed = othersChanged(state.original, current, target);
  if (changed.length > 0) throw new DriftDetected(`weights changed outside the rollout before step ${step.percent}%: ${changed.join(', ')} changed`);

  const health = await countHealthy(client('elb'), target.canary);
  if (health.healthy < state.input.minHealthyTargets) {
    throw new InsufficientHealthyTargets(
      `refusing to send ${step.percent}% to ${shortName(target.canary)}: ${health.healthy} of ${health.total} targets healthy, minHealthyTargets is ${state.input.minHealthyTargets}`,
    );
  }

  // Stop execution does not stop this Lambda: if the safety net has started restoring, stand down.
  const db = store();
  if (await stopping(db, state.executionArn)) throw new RolloutStopped(`rollout ${state.executionArn} is being rolled back; not shifting to ${step.percent}%`);
  const applied = await provider.apply(step.weights);
  if (!alreadyApplied && (await stopping(db, state.executionArn))) {
    // The restore may have run between our check and our write: put the original back ourselves.
    await provider.restore(state.original);
    throw new RolloutStopped(`rollout ${state.executionArn} was stopped while shifting to ${step.percent}%; the original weights are restored`);
  }
  const at = now();
  // Audited even when a retry finds the write already done (its first response was lost): the
  // entry is keyed by the step, so it is written exactly once. `from` is what the rollout left.
  await db.audit(
    state.executionArn,
    {
      at: at.toISOString(),
      action: 'shift',
      from: alreadyApplied ? { ...current.weights, [target.stable]: state.expected.stable, [target.canary]: state.expected.canary } : current.weights,
      to: applied.weights,
      by: state.executionArn,
      why: `step ${step.percent}%${state.approval?.approvedBy ? ` approved by ${state.approval.approvedBy}` : ''}`,
    },
    `shift#${next.index}`,
  );
  log.info('shifted', { executionArn: state.executionArn, percent: step.percent, weights: step.weights });
  await notifySafely({ kind: 'step', executionArn: state.executionArn, percent: step.percent, weights: step.weights }, state.input.slack?.channel, logWarn);
  return afterShift(state, next.index, step.weights, at);
}

/** The safety net (or the Rollback state) has begun restoring this rollout. */
async function stopping(db: RolloutStore, executionArn: string): Promise<boolean> {
  const record = await db.getRollout(executionArn);
  return record !== undefined && (record.stopping === true || record.status !== 'running');
}
