// Every error a handler throws on purpose. `name` is what the state machine sees as the Error
// (ErrorEquals in statemachine/rollout.asl.json), so never rename one without updating the ASL.
// Names are string literals, not the class name, so minified bundles keep them.

export class RolloutError extends Error {
  override name = 'RolloutError';
}

/** The rollout input is invalid; the message lists every problem, one per line. */
export class InvalidInput extends RolloutError {
  override name = 'InvalidInput';
  constructor(readonly problems: string[]) {
    super(`invalid rollout input (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`);
  }
}
/** Another execution holds the per-listener (or per-rule) lock. */
export class LockHeld extends RolloutError {
  override name = 'LockHeld';
}
export class ListenerNotFound extends RolloutError {
  override name = 'ListenerNotFound';
}
export class RuleNotFound extends RolloutError {
  override name = 'RuleNotFound';
}
export class RuleNotOnListener extends RolloutError {
  override name = 'RuleNotOnListener';
}
/** ruleArn names a listener's default rule, which ModifyRule refuses; the default action is shifted without ruleArn. */
export class DefaultRuleGiven extends RolloutError {
  override name = 'DefaultRuleGiven';
}
export class UnsupportedListener extends RolloutError {
  override name = 'UnsupportedListener';
}
export class TargetGroupNotInForwardAction extends RolloutError {
  override name = 'TargetGroupNotInForwardAction';
}
export class AlarmNotFound extends RolloutError {
  override name = 'AlarmNotFound';
}
/** A check before the first shift failed (canary unhealthy, an alarm already in ALARM, …). */
export class PreflightFailed extends RolloutError {
  override name = 'PreflightFailed';
}
/** Refused to send traffic to a target group with fewer healthy targets than required (ALB fails open). */
export class InsufficientHealthyTargets extends RolloutError {
  override name = 'InsufficientHealthyTargets';
}
/** Someone changed the weights outside the rollout; we never fight an operator. */
export class DriftDetected extends RolloutError {
  override name = 'DriftDetected';
}
/** The rollout is being rolled back (e.g. Stop execution → safety net) while this task ran. */
export class RolloutStopped extends RolloutError {
  override name = 'RolloutStopped';
}
/** The listener did not read back as written. */
export class VerifyFailed extends RolloutError {
  override name = 'VerifyFailed';
}
/** Throttling or a 5xx from AWS after the SDK's own retries; the state machine retries with backoff. */
export class Transient extends RolloutError {
  override name = 'Transient';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}
/** A step's weights cannot keep every other target group's share within ±0.1 pp (the message has the numbers). */
export class StepNotRepresentable extends RolloutError {
  override name = 'StepNotRepresentable';
}
/** The forward action has target group stickiness on and the input does not say how to handle it. */
export class StickinessNotHandled extends RolloutError {
  override name = 'StickinessNotHandled';
}
/** The rollout promoted (traffic stays on the canary) but Finalize's bookkeeping failed for good. */
export class PromotedBookkeepingFailed extends RolloutError {
  override name = 'PromotedBookkeepingFailed';
}
/** A Route 53 target's stable or canary SetIdentifier is not a weighted record of that name and type. */
export class WeightedRecordNotFound extends RolloutError {
  override name = 'WeightedRecordNotFound';
}
/**
 * A Route 53 change was still PENDING when the step stopped waiting; the message names the change id.
 * The state machine sees `Transient` and retries: Route 53 has accepted the change, so the retry
 * reads the weights written and goes on while the name servers catch up.
 */
export class ChangeNotInSync extends Transient {
  constructor(
    readonly changeId: string,
    message: string,
  ) {
    super(message);
  }
}
/** An API Gateway target names an HTTP or WebSocket API (apigatewayv2): those stages have no canary settings. */
export class HttpApiNotSupported extends RolloutError {
  override name = 'HttpApiNotSupported';
}
/** The REST API stage of an API Gateway target does not exist. */
export class StageNotFound extends RolloutError {
  override name = 'StageNotFound';
}
/** The stage's canary already sends traffic to another deployment; we never take over someone else's canary. */
export class CanaryInUse extends RolloutError {
  override name = 'CanaryInUse';
}
/** A CloudFront distribution of the target does not exist. */
export class DistributionNotFound extends RolloutError {
  override name = 'DistributionNotFound';
}
/** The primary distribution has no weight-based continuous-deployment policy towards the staging distribution. */
export class ContinuousDeploymentPolicyMissing extends RolloutError {
  override name = 'ContinuousDeploymentPolicyMissing';
}
/** A CloudFront write kept failing with PreconditionFailed (someone else changes it at the same time). */
export class ConcurrentModification extends RolloutError {
  override name = 'ConcurrentModification';
}
/** A CloudFront distribution did not reach Status Deployed within the wait; the state machine retries it (statemachine/rollout.asl.json). */
export class DistributionNotDeployed extends RolloutError {
  override name = 'DistributionNotDeployed';
}
