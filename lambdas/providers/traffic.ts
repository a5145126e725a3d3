// The one traffic-shifting interface. A provider reads the forward action that splits traffic
// between stable and canary, applies pair weights (verified by a re-read), and restores a recorded
// original exactly. ALB is the first provider; route53 / API Gateway would implement the same.
import type { ForwardState } from '../domain/rollout.ts';
import type { PairWeights } from '../domain/weights.ts';

export type { ForwardState };

export interface TrafficTarget {
  listenerArn: string;
  ruleArn?: string | undefined;
  stable: string;
  canary: string;
}

export interface TrafficShifter {
  read(): Promise<ForwardState>;
  /** Set the pair's weights (others untouched). No call when already there. Returns the re-read state. */
  apply(desired: PairWeights): Promise<ForwardState>;
  /** Put back a recorded original exactly. No call when already there. Returns the re-read state. */
  restore(original: ForwardState): Promise<ForwardState>;
}

export function pairOf(state: ForwardState, target: Pick<TrafficTarget, 'stable' | 'canary'>): PairWeights {
  return { stable: state.weights[target.stable] ?? 0, canary: state.weights[target.canary] ?? 0 };
}

/** Target groups (other than the pair) whose weight differs between two states. */
export function othersChanged(original: ForwardState, now: ForwardState, target: Pick<TrafficTarget, 'stable' | 'canary'>): string[] {
  const arns = new Set([...Object.keys(original.weights), ...Object.keys(now.weights)]);
  return [...arns].filter((arn) => arn !== target.stable && arn !== target.canary && original.weights[arn] !== now.weights[arn]).map(shortName);
}

/** `targetgroup/blue/73e2…` → `blue`: how people name target groups in messages. */
export function shortName(arn: string): string {
  const m = /:targetgroup\/([^/]+)\//.exec(arn);
  return m?.[1] ?? arn;
}

/** For plans and dry runs: keeps the weights in memory and touches nothing. */
export class NoopShifter implements TrafficShifter {
  constructor(
    private state: ForwardState,
    private readonly target: Pick<TrafficTarget, 'stable' | 'canary'>,
  ) {}
  async read(): Promise<ForwardState> {
    return this.state;
  }
  async apply(desired: PairWeights): Promise<ForwardState> {
    this.state = { ...this.state, weights: { ...this.state.weights, [this.target.stable]: desired.stable, [this.target.canary]: desired.canary } };
    return this.state;
  }
  async restore(original: ForwardState): Promise<ForwardState> {
    this.state = original;
    return this.state;
  }
}
