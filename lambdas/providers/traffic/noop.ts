// For plans and dry runs: keeps the weights in memory and touches nothing.
import type { DesiredForward, TrafficShifter, TrafficState } from './provider.ts';

export class NoopShifter implements TrafficShifter {
  constructor(private state: TrafficState) {}
  async read(): Promise<TrafficState> {
    return this.state;
  }
  async apply(desired: DesiredForward): Promise<TrafficState> {
    this.state = { ...this.state, weights: { ...this.state.weights, ...desired.weights }, ...(desired.stickiness ? { stickiness: desired.stickiness } : {}) };
    return this.state;
  }
  async restore(original: TrafficState): Promise<TrafficState> {
    this.state = original;
    return this.state;
  }
}
