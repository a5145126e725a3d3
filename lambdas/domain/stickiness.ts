// Target group stickiness (ForwardConfig.TargetGroupStickinessConfig): an ALB sends a client whose
// AWSALBTG cookie names a target group of the rule to that group whatever the weights say, for up
// to DurationSeconds (7 days at most). A rollout must therefore know what to do with it: see
// docs/stickiness.md. Pure.
import type { RolloutInput } from './input.ts';
import type { Stickiness } from './rollout.ts';

export type StickinessMode = NonNullable<RolloutInput['stickiness']>;

/** Why Prepare refuses this forward action, or undefined when it may go ahead. */
export function stickinessProblem(mode: StickinessMode | undefined, original: Stickiness | undefined, where: string): string | undefined {
  if (!original?.enabled || mode) return undefined;
  return (
    `${where} has target group stickiness on (${duration(original)}): an ALB keeps each client on the target group in its AWSALBTG cookie ` +
    `whatever the weights say, so clients sent to the canary stay there, even after a rollback. Set "stickiness": "disable-during-rollout" ` +
    `(stickiness off while shifting, the original config back after promotion; rollback restores it as recorded) or "accept" (shift as is and accept that risk)`
  );
}

/** The stickiness a shift writes: off for "disable-during-rollout" when the original is sticky; otherwise leave it as it is. */
export function stickinessDuringRollout(mode: StickinessMode | undefined, original: Stickiness | undefined): Stickiness | undefined {
  return mode === 'disable-during-rollout' && original?.enabled ? { enabled: false } : undefined;
}

/** The stickiness Finalize writes back after promotion: the original's, when the rollout turned it off. */
export function stickinessAfterPromotion(mode: StickinessMode | undefined, original: Stickiness | undefined): Stickiness | undefined {
  return mode === 'disable-during-rollout' && original?.enabled ? original : undefined;
}

/** The risk `plan` prints for a mode. */
export function stickinessRisk(mode: StickinessMode | undefined): string {
  switch (mode) {
    case 'accept':
      return (
        'accepted as is: a client the ALB sends to the canary keeps its AWSALBTG cookie and stays on the canary for the ' +
        'forward action\'s stickiness duration (up to 7 days), at every later step AND after a rollback; only clients without the cookie follow the weights'
      );
    case 'disable-during-rollout':
      return 'if the forward action is sticky: stickiness off from the first shift (no client is pinned to the canary), the original config written back after promotion; rollback restores the recorded original';
    default:
      return 'refused at Prepare if the forward action has target group stickiness on (set "stickiness")';
  }
}

function duration(s: Stickiness): string {
  return s.durationSeconds !== undefined ? `DurationSeconds ${s.durationSeconds}` : 'no duration given';
}
