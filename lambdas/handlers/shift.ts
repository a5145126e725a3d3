// Shift: move the pair to the next step's weights. Refuses when the weights were changed by
// someone else (never fight an operator) or when the canary has too few healthy targets (an ALB
// fails open into unhealthy targets). Safe to retry: a step already applied is not applied again.
import { afterShift, type RolloutState } from '../domain/rollout.ts';
import { describeChange, sameWeightMap } from '../domain/shares.ts';
import { stickinessDuringRollout } from '../domain/stickiness.ts';
import { DriftDetected, InsufficientHealthyTargets, RolloutStopped, StepNotRepresentable } from '../errors.ts';
import type { RolloutStore } from '../providers/store.ts';
import { notifySafely } from '../providers/notify.ts';
import { log, logWarn, now, provider as providerOf, store } from './deps.ts';

export async function handler(state: RolloutState): Promise<RolloutState> {
  const next = state.next;
  const step = next ? state.plan.steps[next.index] : undefined;
  if (!next || !step) throw new RangeError(`shift called without a next step (position ${state.position})`);
  const { target } = state.input;
  const layer = providerOf(target);
  const sides = layer.sides(target);
  const provider = layer.shifter(target);

  // Every target group's weight for this step, from the recorded original: the others keep their share.
  const desired = layer.stepWeights(state.original, target, step.percent);
  if (!desired.ok) throw new StepNotRepresentable(desired.reason);
  const current = await provider.read();
  // A retried Shift may find its own write already in place.
  const alreadyApplied = sameWeightMap(current.weights, desired.weights);
  if (!alreadyApplied && !sameWeightMap(current.weights, state.expected)) {
    throw new DriftDetected(`weights changed outside the rollout before step ${step.percent}%: ${describeChange(state.expected, current.weights, sides)}`);
  }

  const health = await layer.canaryHealth(target);
  if (health && health.healthy < state.input.minHealthyTargets) {
    throw new InsufficientHealthyTargets(
      `refusing to send ${step.percent}% to ${layer.sideName(sides.canary)}: ${health.healthy} of ${health.total} targets healthy, minHealthyTargets is ${state.input.minHealthyTargets}`,
    );
  }

  // Stop execution does not stop this Lambda: if the safety net has started restoring, stand down.
  const db = store();
  if (await stopping(db, state.executionArn)) throw new RolloutStopped(`rollout ${state.executionArn} is being rolled back; not shifting to ${step.percent}%`);
  const stickiness = stickinessDuringRollout(state.input.stickiness, state.original.stickiness);
  const applied = await provider.apply({ weights: desired.weights, ...(stickiness ? { stickiness } : {}) });
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
      from: alreadyApplied ? state.expected : current.weights,
      to: applied.weights,
      by: state.executionArn,
      why: `step ${step.percent}%${state.approval?.approvedBy ? ` approved by ${state.approval.approvedBy}` : ''}`,
    },
    `shift#${next.index}`,
  );
  const pair = { stable: desired.weights[sides.stable] ?? 0, canary: desired.weights[sides.canary] ?? 0 };
  log.info('shifted', { executionArn: state.executionArn, percent: step.percent, weights: desired.weights });
  await notifySafely({ kind: 'step', executionArn: state.executionArn, percent: step.percent, weights: pair }, state.input.slack?.channel, logWarn);
  return afterShift(state, next.index, desired.weights, at, sides);
}

/** The safety net (or the Rollback state) has begun restoring this rollout. */
async function stopping(db: RolloutStore, executionArn: string): Promise<boolean> {
  const record = await db.getRollout(executionArn);
  return record !== undefined && (record.stopping === true || record.status !== 'running');
}
