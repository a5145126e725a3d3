// The part every provider shares: read → skip if already there → write → wait until the layer
// has taken it → re-read → verify; and the exact restore of a recorded original. A provider
// implements only how to read its raw configuration, how to write weights, and how to write an
// original back.
import { VerifyFailed } from '../../errors.ts';
import { describe, sameWeightMap } from '../../domain/shares.ts';
import type { DesiredForward, TrafficShifter, TrafficState } from './provider.ts';

export abstract class VerifiedShifter implements TrafficShifter {
  /** The resource in messages: "listener …", "record api.example.com A". */
  protected abstract readonly where: string;
  /** The state as it is, without requiring the pair (restore must work after someone removed a side). */
  protected abstract readAsIs(): Promise<TrafficState>;
  /** Throws a typed error naming the fix when the pair is not in the state. */
  protected abstract requirePair(state: TrafficState): void;
  /** Write `desired` over `current` (everything not listed written back as read). */
  protected abstract writeWeights(current: TrafficState, desired: DesiredForward): Promise<void>;
  /** Write a recorded original back verbatim. */
  protected abstract writeOriginal(original: TrafficState, current: TrafficState): Promise<void>;
  /** After a write: wait until the layer applies it (Route 53 INSYNC, CloudFront Deployed). Default: nothing to wait for. */
  protected async settled(): Promise<void> {}

  async read(): Promise<TrafficState> {
    const state = await this.readAsIs();
    this.requirePair(state);
    return state;
  }

  async apply(desired: DesiredForward): Promise<TrafficState> {
    const current = await this.read();
    if (isApplied(current, desired)) {
      // A retried step (its first attempt wrote, then timed out waiting) waits for the layer again.
      await this.settled();
      return current;
    }
    await this.writeWeights(current, desired);
    await this.settled();
    const after = await this.read();
    if (!isApplied(after, desired)) {
      throw new VerifyFailed(
        `${this.where} reads ${describe(after.weights)}${after.stickiness?.enabled ? ' (sticky)' : ''} after writing ${describe({ ...current.weights, ...desired.weights })}` +
          `${desired.stickiness ? ` with stickiness ${desired.stickiness.enabled ? 'on' : 'off'}` : ''}; someone may be changing it at the same time`,
      );
    }
    return after;
  }

  async restore(original: TrafficState): Promise<TrafficState> {
    const current = await this.readAsIs();
    if (sameConfig(current.actions, original.actions)) return current;
    await this.writeOriginal(original, current);
    await this.settled();
    const after = await this.readAsIs();
    if (!sameConfig(after.actions, original.actions)) {
      throw new VerifyFailed(`${this.where} does not read back as the recorded original after restoring it; found weights ${JSON.stringify(after.weights)}`);
    }
    return after;
  }
}

/** The listed weights and the stickiness (when given) are in place; other sides are not looked at. */
export function isApplied(state: TrafficState, desired: DesiredForward): boolean {
  const weightsThere = sameWeightMap({ ...state.weights, ...desired.weights }, state.weights);
  const stickinessThere = !desired.stickiness || (state.stickiness?.enabled ?? false) === desired.stickiness.enabled;
  return weightsThere && stickinessThere;
}

/** Two raw configurations are the same JSON value (key order and absent-vs-undefined do not matter). */
export function sameConfig(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
