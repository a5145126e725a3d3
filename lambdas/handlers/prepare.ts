// Prepare: validate the input, take the per-listener lock, record the original forward action and
// run the pre-flight checks. Anything wrong fails here, before any traffic moves.
import { alarmsPreflightVerdict } from '../domain/checks/alarms.ts';
import { canaryHealthVerdict } from '../domain/checks/canary-health.ts';
import { planOf, validateRequest } from '../domain/input.ts';
import { planShares } from '../domain/plan.ts';
import { windowTimeoutProblem } from '../domain/policy.ts';
import { nextStep, type RolloutState } from '../domain/rollout.ts';
import { stickinessProblem } from '../domain/stickiness.ts';
import { canaryShare } from '../domain/weights.ts';
import { InvalidInput, PreflightFailed, StepNotRepresentable, StickinessNotHandled } from '../errors.ts';
import { client } from '../providers/clients.ts';
import { readAlarms } from '../providers/health.ts';
import { notifySafely } from '../providers/notify.ts';
import { directedTarget, directionText, pairOf, readableTarget, type Target } from '../providers/traffic/index.ts';
import type { TrafficProvider } from '../providers/traffic/provider.ts';
import { log, logWarn, now, provider, store } from './deps.ts';

export interface PrepareEvent {
  input: unknown;
  executionArn: string;
  startTime?: string;
}

/** Lock lifetime beyond the plan itself, for retries and slow approvals. */
const LOCK_MARGIN_SECONDS = 3600;

export async function handler(event: PrepareEvent): Promise<RolloutState> {
  // The state machine's timeout (set by the stack): a plan that cannot finish within it is refused.
  const executionLimit = Number(process.env.EXECUTION_TIMEOUT_SECONDS ?? 0) || 0;
  const checked = validateRequest(event.input, executionLimit > 0 ? { executionTimeoutSeconds: executionLimit } : {});
  if (!checked.ok) throw new InvalidInput(checked.problems);
  const request = checked.input;
  // Steps held for the windows must still finish before the execution times out (docs/policy.md).
  const late = windowTimeoutProblem(request, now().getTime(), executionLimit);
  if (late) throw new InvalidInput([late]);
  const plan = planOf(request);
  const layer = provider(request.target);
  const lockKey = layer.lockKey(request.target);
  const db = store();
  const what = layer.resource(request.target);
  // The lock must outlive the execution; the rollback path and the safety net release it when the
  // rollout ends.
  const lockSeconds = Math.max(plan.estimatedSeconds + plan.approvalGates * request.approvals.timeoutSeconds, executionLimit) + LOCK_MARGIN_SECONDS;

  await db.acquireLock(lockKey, event.executionArn, lockSeconds, what);
  try {
    const original = await layer.shifter(readableTarget(request.target)).read();
    // targetGroups [A, B]: the direction is decided here, once; later states carry stable/canary.
    const directed = directedTarget(request.target, original.weights);
    if (!directed.ok) throw new PreflightFailed(`pre-flight failed: ${directed.problem}`);
    const input = { ...request, target: directed.target };
    const target = input.target;
    const sticky = stickinessProblem(input.stickiness, original.stickiness, what);
    if (sticky) throw new StickinessNotHandled(sticky);
    // Every step must keep the other target groups' shares (checked here, computed again by Shift from the same original).
    const unrepresentable = planShares(plan, (percent) => layer.stepWeights(original, target, percent)).flatMap((r) => (r.ok ? [] : [r.reason]));
    if (unrepresentable.length > 0) throw new StepNotRepresentable(unrepresentable.join('; '));
    // The first Evaluate reads alarm history from (a little before) the pre-flight read.
    const alarmsReadUntil = now().toISOString();
    await preflight(layer, target, input.alarms, input.minHealthyTargets, canaryShare(pairOf(original.weights, target)), input.steps[0] ?? 100, [
      ...(layer.preflight?.(target, original, input) ?? []),
    ]);
    const startedAt = event.startTime ?? now().toISOString();
    await db.putRollout({ executionArn: event.executionArn, status: 'running', target, original, lockKey, startedAt, ...(input.slack ? { slack: { channel: input.slack.channel } } : {}) });
    // The alarm abort finds running rollouts by alarm (alarm-abort.ts); removed when the rollout ends.
    await db.watchAlarms(event.executionArn, input.alarms, lockSeconds);
    log.info('rollout prepared', { executionArn: event.executionArn, what, direction: directionText(target), steps: input.steps, original: original.weights });
    await notifySafely({ kind: 'started', executionArn: event.executionArn, steps: input.steps, listener: what, direction: directionText(target) }, input.slack?.channel, logWarn);
    return {
      executionArn: event.executionArn,
      startedAt,
      input,
      plan,
      lockKey,
      original,
      position: -1,
      next: nextStep(plan, 0),
      stepStartedAt: null,
      expected: original.weights,
      history: [],
      alarmsReadUntil,
    };
  } catch (err) {
    // Nothing moved yet: give the listener back so a corrected rollout can start at once.
    await db.releaseLock(lockKey, event.executionArn);
    throw err;
  }
}

async function preflight(
  layer: TrafficProvider<any>,
  target: Target,
  alarms: string[],
  minHealthy: number,
  currentShare: number,
  firstStep: number,
  layerProblems: string[],
): Promise<void> {
  const problems: string[] = [];
  const [health, states] = await Promise.all([layer.canaryHealth(target), readAlarms(client('cloudwatch'), alarms)]);
  const canary = layer.sideName(layer.sides(target).canary);
  if (currentShare >= firstStep) {
    // E.g. green was promoted last week and this input still says stable=blue, canary=green.
    problems.push(
      `canary ${canary} already takes ${Math.round(currentShare * 10) / 10}% of the pair's traffic, at or above the first step ${firstStep}%; ` +
        `if ${canary} is the version serving today, swap stable and canary`,
    );
  }
  for (const v of [canaryHealthVerdict(health, minHealthy, { phase: 'preflight', canary }), alarmsPreflightVerdict(states)]) if (v.status === 'fail') problems.push(v.reason);
  problems.push(...layerProblems);
  if (problems.length > 0) throw new PreflightFailed(`pre-flight failed: ${problems.join('; ')}`);
}
