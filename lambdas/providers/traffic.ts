// The one traffic-shifting interface. A provider reads the forward action that splits traffic
// between stable and canary, applies pair weights (verified by a re-read), and restores a recorded
// original exactly. ALB is the first provider; route53 / API Gateway would implement the same.
import type { ForwardState, Stickiness } from '../domain/rollout.ts';
import type { PairWeights } from '../domain/weights.ts';

export type { ForwardState, Stickiness };

/** What a shift writes: every target group's weight, and the stickiness when it changes (absent = keep as is). */
export interface DesiredForward {
  weights: Record<string, number>;
  stickiness?: Stickiness;
}

export interface TrafficTarget {
  listenerArn: string;
  ruleArn?: string | undefined;
  stable: string;
  canary: string;
}

export interface TrafficShifter {
  read(): Promise<ForwardState>;
  /** Set the listed target groups' weights (and the stickiness, if given). No call when already there. Returns the re-read state. */
  apply(desired: DesiredForward): Promise<ForwardState>;
  /** Put back a recorded original exactly. No call when already there. Returns the re-read state. */
  restore(original: ForwardState): Promise<ForwardState>;
}

export function pairOf(state: ForwardState, target: Pick<TrafficTarget, 'stable' | 'canary'>): PairWeights {
  return { stable: state.weights[target.stable] ?? 0, canary: state.weights[target.canary] ?? 0 };
}

/** `targetgroup/blue/73e2…` → `blue`: how people name target groups in messages. */
export function shortName(arn: string): string {
  const m = /:targetgroup\/([^/]+)\//.exec(arn);
  return m?.[1] ?? arn;
}

/** For plans and dry runs: keeps the weights in memory and touches nothing. */
export class NoopShifter implements TrafficShifter {
  constructor(private state: ForwardState) {}
  async read(): Promise<ForwardState> {
    return this.state;
  }
  async apply(desired: DesiredForward): Promise<ForwardState> {
    this.state = { ...this.state, weights: { ...this.state.weights, ...desired.weights }, ...(desired.stickiness ? { stickiness: desired.stickiness } : {}) };
    return this.state;
  }
  async restore(original: ForwardState): Promise<ForwardState> {
    this.state = original;
    return this.state;
  }
}
