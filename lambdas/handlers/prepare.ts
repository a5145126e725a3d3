// Prepare: validate the input, take the per-listener lock, record the original forward action and
// run the pre-flight checks. Anything wrong fails here, before any traffic moves.
import { directedInput, directionText, readableTarget } from '../domain/direction.ts';
import { validateRequest } from '../domain/input.ts';
import { buildPlan, planShares } from '../domain/plan.ts';
import { windowTimeoutProblem } from '../domain/policy.ts';
import { nextStep, type RolloutState } from '../domain/rollout.ts';
import { stickinessProblem } from '../domain/stickiness.ts';
import { canaryShare } from '../domain/weights.ts';
import { InvalidInput, PreflightFailed, StepNotRepresentable, StickinessNotHandled } from '../errors.ts';
import { client } from '../providers/clients.ts';
import { countHealthy, readAlarms } from '../providers/health.ts';
import { notifySafely } from '../providers/notify.ts';
import { lockKeyFor } from '../providers/store.ts';
import { pairOf, shortName } from '../providers/traffic.ts';
import { log, logWarn, now, shifter, store } from './deps.ts';

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
  const plan = buildPlan(request);
  const lockKey = lockKeyFor(request.target);
  const db = store();
  const what = request.target.ruleArn ? `rule ${request.target.ruleArn}` : `listener ${request.target.listenerArn}`;
  // The lock must outlive the execution; the rollback path and the safety net release it when the
  // rollout ends.
  const lockSeconds = Math.max(plan.estimatedSeconds + plan.approvalGates * request.approvals.timeoutSeconds, executionLimit) + LOCK_MARGIN_SECONDS;

  await db.acquireLock(lockKey, event.executionArn, lockSeconds, what);
  try {
    const original = await shifter(readableTarget(request.target)).read();
    // targetGroups [A, B]: the direction is decided here, once; later states carry stable/canary.
    const directed = directedInput(request, original.weights);
    if (!directed.ok) throw new PreflightFailed(`pre-flight failed: ${directed.problem}`);
    const input = directed.input;
    const target = input.target;
    const sticky = stickinessProblem(input.stickiness, original.stickiness, what);
    if (sticky) throw new StickinessNotHandled(sticky);
    // Every step must keep the other target groups' shares (checked here, computed again by Shift from the same original).
    const unrepresentable = planShares(plan, original.weights, target).flatMap((r) => (r.ok ? [] : [r.reason]));
    if (unrepresentable.length > 0) throw new StepNotRepresentable(unrepresentable.join('; '));
    // The first Evaluate reads alarm history from (a little before) the pre-flight read.
    const alarmsReadUntil = now().toISOString();
    await preflight(input.target.canary, input.alarms, input.minHealthyTargets, canaryShare(pairOf(original, target)), input.steps[0] ?? 100);
    const startedAt = event.startTime ?? now().toISOString();
    await db.putRollout({ executionArn: event.executionArn, status: 'running', target, original, lockKey, startedAt, ...(input.slack ? { slack: { channel: input.slack.channel } } : {}) });
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

async function preflight(canary: string, alarms: string[], minHealthy: number, currentShare: number, firstStep: number): Promise<void> {
  const [health, states] = await Promise.all([countHealthy(client('elb'), canary), readAlarms(client('cloudwatch'), alarms)]);
  const problems: string[] = [];
  if (currentShare >= firstStep) {
    // E.g. green was promoted last week and this input still says stable=blue, canary=green.
    problems.push(
      `canary ${shortName(canary)} already takes ${Math.round(currentShare * 10) / 10}% of the pair's traffic, at or above the first step ${firstStep}%; ` +
        `if ${shortName(canary)} is the version serving today, swap stable and canary`,
    );
  }
  if (health.healthy < minHealthy) {
    problems.push(
      `canary ${shortName(canary)} has ${health.healthy} healthy of ${health.total} targets, fewer than minHealthyTargets ${minHealthy}; ` +
        `register healthy targets first (an ALB sends traffic to unhealthy targets when none are healthy)`,
    );
  }
  const firing = states.filter((a) => a.state === 'ALARM').map((a) => a.name);
  if (firing.length > 0) problems.push(`alarm ${firing.join(', ')} is already in ALARM; fix what it watches, or wait until it is OK`);
  if (problems.length > 0) throw new PreflightFailed(`pre-flight failed: ${problems.join('; ')}`);
}
