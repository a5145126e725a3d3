// The contract every traffic provider must pass (lambdas/providers/traffic/provider.ts), run
// against its lab API on 127.0.0.1 with the real SDK client: read, apply (verified), skip when
// already there, restore exactly, survive drift, refuse unrepresentable steps with the scale, and
// survive throttling (the SDK's retries) or fail as Transient (the state machine's retries).
// A provider's test file is one call: `providerContract('route53', setup)`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransient } from '../../lambdas/providers/aws-errors.ts';
import { resetClients } from '../../lambdas/providers/clients.ts';
import type { TrafficProvider, TrafficState } from '../../lambdas/providers/traffic/provider.ts';
import { sharesOf } from '../../lambdas/domain/shares.ts';

/** What the contract needs of an SDK v3 client: its middleware stack. */
type Handler = (args: unknown) => Promise<unknown>;
export interface SdkClient {
  // Any SDK v3 client: its stack's overloads are too specific to name here, so the contract casts.
  middlewareStack: { remove(name: string): boolean };
}

export interface ContractBackend<T extends object> {
  /** The target to shift (directed: stable takes all of the pair's traffic at start). */
  target: T;
  /** The SDK clients the provider uses, already injected with setClients (throttles are added to them). */
  sdkClients: SdkClient[];
  /** Write calls the backend has answered so far (weights or config changes). */
  writes(): number;
  /** Someone else changes the weights (an operator in the console): afterwards stable and canary differ from what the rollout wrote. */
  drift(): Promise<void>;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** Steps the layer can represent (default [1, 10, 50, 100]). */
  steps?: number[];
  /** A step the scale cannot represent, refused with the scale named (omit if every one-decimal step is representable). */
  unrepresentable?: { percent: number; message: RegExp };
}

/** Fail the next `n` calls of every client with AWS's throttling error, inside the SDK's retry loop. */
function throttleNext(clients: SdkClient[], n: number): () => void {
  let left = n;
  const name = `contract-throttle-${Math.random()}`;
  for (const c of clients) {
    (c.middlewareStack as unknown as { add(m: (next: Handler) => Handler, o: object): void }).add(
      (next: Handler) => async (args: unknown) => {
        if (left > 0) {
          left--;
          throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 }, $fault: 'client' });
        }
        return next(args);
      },
      { step: 'deserialize', name, override: true },
    );
  }
  return () => {
    for (const c of clients) c.middlewareStack.remove(name);
  };
}

export function providerContract<T extends object>(name: string, provider: TrafficProvider<T>, setup: () => Promise<ContractBackend<T>>, options: ContractOptions = {}): void {
  describe(`provider contract: ${name}`, () => {
    let backend: ContractBackend<T>;
    let original: TrafficState;
    const steps = options.steps ?? [1, 10, 50, 100];
    const at = (percent: number) => {
      const r = provider.stepWeights(original, backend.target, percent);
      if (!r.ok) throw new Error(r.reason);
      return r;
    };

    beforeAll(async () => {
      backend = await setup();
      original = await provider.shifter(backend.target).read();
    }, 30_000);
    afterAll(async () => {
      await backend?.close();
      resetClients();
    });

    it('reads both sides, with all of the pair on stable at start', () => {
      const sides = provider.sides(backend.target);
      expect(Object.keys(original.weights)).toEqual(expect.arrayContaining([sides.stable, sides.canary]));
      expect(original.weights[sides.canary]).toBe(0);
      expect(original.weights[sides.stable]).toBeGreaterThan(0);
      expect(provider.lockKey(backend.target)).toMatch(/^lock#/);
      expect(provider.label(backend.target).length).toBeGreaterThan(0);
    });

    it('applies every step (verified by a re-read) and gives the canary the step\'s share of the pair', async () => {
      const shifter = provider.shifter(backend.target);
      const sides = provider.sides(backend.target);
      for (const percent of steps) {
        const want = at(percent);
        const after = await shifter.apply({ weights: want.weights });
        expect(after.weights).toEqual(expect.objectContaining(want.weights));
        const read = await shifter.read();
        expect(read.weights).toEqual(after.weights);
        const pairShare = (w: Record<string, number>) => {
          const s = sharesOf(w);
          const pair = (s[sides.stable] ?? 0) + (s[sides.canary] ?? 0);
          return pair === 0 ? 0 : ((s[sides.canary] ?? 0) / pair) * 100;
        };
        expect(Math.abs(pairShare(read.weights) - percent)).toBeLessThanOrEqual(0.1 + 1e-9);
      }
    }, 60_000);

    it('is idempotent: applying what is there writes nothing', async () => {
      const shifter = provider.shifter(backend.target);
      const want = at(steps[0]!);
      await shifter.apply({ weights: want.weights });
      const before = backend.writes();
      await shifter.apply({ weights: want.weights });
      expect(backend.writes()).toBe(before);
    }, 60_000);

    it('restores the recorded original exactly, and restoring it again writes nothing', async () => {
      const shifter = provider.shifter(backend.target);
      await shifter.apply({ weights: at(steps[1] ?? steps[0]!).weights });
      const restored = await shifter.restore(original);
      expect(restored.actions).toEqual(original.actions);
      expect(restored.weights).toEqual(original.weights);
      expect(await shifter.read()).toEqual(original);
      const before = backend.writes();
      await shifter.restore(original);
      expect(backend.writes()).toBe(before);
    }, 60_000);

    it('after drift (someone else changed the weights), the read shows it and the restore is still exact', async () => {
      const shifter = provider.shifter(backend.target);
      const applied = await shifter.apply({ weights: at(steps[0]!).weights });
      await backend.drift();
      const drifted = await shifter.read();
      expect(drifted.weights).not.toEqual(applied.weights);
      const restored = await shifter.restore(original);
      expect(restored).toEqual(original);
    }, 60_000);

    it('survives throttling: a few throttled calls are retried by the SDK and the end state is right', async () => {
      const shifter = provider.shifter(backend.target);
      const want = at(steps[1] ?? steps[0]!);
      const stop = throttleNext(backend.sdkClients, 2);
      try {
        await shifter.apply({ weights: want.weights });
      } finally {
        stop();
      }
      expect((await shifter.read()).weights).toEqual(expect.objectContaining(want.weights));
      await shifter.restore(original);
    }, 60_000);

    it('throttled beyond the SDK\'s retries: fails as Transient (the state machine retries it), nothing half-written', async () => {
      const shifter = provider.shifter(backend.target);
      const stop = throttleNext(backend.sdkClients, 1000);
      let error: unknown;
      try {
        await shifter.apply({ weights: at(steps[1] ?? steps[0]!).weights });
      } catch (err) {
        error = err;
      } finally {
        stop();
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name === 'Transient' || isTransient(error)).toBe(true);
      expect(await shifter.read()).toEqual(original);
    }, 60_000);

    if (options.unrepresentable) {
      const { percent, message } = options.unrepresentable;
      it(`refuses ${percent}% with the scale named`, () => {
        const r = provider.stepWeights(original, backend.target, percent);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason).toMatch(message);
      });
    }
  });
}
