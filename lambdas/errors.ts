// Every error a handler throws on purpose. `name` is what the state machine sees as the Error
// (ErrorEquals in statemachine/rollout.asl.json), so never rename one without updating the ASL.

export class RolloutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The rollout input is invalid; the message lists every problem, one per line. */
export class InvalidInput extends RolloutError {
  constructor(readonly problems: string[]) {
    super(`invalid rollout input (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`);
  }
}
/** Another execution holds the per-listener (or per-rule) lock. */
export class LockHeld extends RolloutError {}
export class ListenerNotFound extends RolloutError {}
export class RuleNotFound extends RolloutError {}
export class RuleNotOnListener extends RolloutError {}
export class UnsupportedListener extends RolloutError {}
export class TargetGroupNotInForwardAction extends RolloutError {}
export class AlarmNotFound extends RolloutError {}
/** A check before the first shift failed (canary unhealthy, an alarm already in ALARM, …). */
export class PreflightFailed extends RolloutError {}
/** Refused to send traffic to a target group with fewer healthy targets than required (ALB fails open). */
export class InsufficientHealthyTargets extends RolloutError {}
/** Someone changed the weights outside the rollout; we never fight an operator. */
export class DriftDetected extends RolloutError {}
/** The listener did not read back as written. */
export class VerifyFailed extends RolloutError {}
/** Throttling or a 5xx from AWS after the SDK's own retries; the state machine retries with backoff. */
export class Transient extends RolloutError {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}
