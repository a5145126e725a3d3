// In-process retries with exponential backoff and full jitter (delay = random(0, min(cap, base·2^n))),
// for the restore the safety net keeps trying until its time runs out, and for best-effort
// bookkeeping. Sleep is injectable so tests move a virtual clock instead of waiting.

let sleeper: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let random: () => number = Math.random;

export function setSleep(fn: (ms: number) => Promise<void>): void {
  sleeper = fn;
}
export function setRandom(fn: () => number): void {
  random = fn;
}
export const sleep = (ms: number): Promise<void> => sleeper(ms);

export interface Backoff {
  baseMs: number;
  capMs: number;
}

/** The full-jitter delay before retry number `attempt` (1 = the first retry). */
export function jitteredDelay(attempt: number, { baseMs, capMs }: Backoff): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

/** Run `fn` up to `attempts` times; rethrows the last error. `onFailure` sees every failed attempt. */
export async function retrying<T>(fn: () => Promise<T>, attempts: number, backoff: Backoff, onFailure?: (err: unknown, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      onFailure?.(err, attempt);
      if (attempt >= attempts) throw err;
      await sleep(jitteredDelay(attempt, backoff));
    }
  }
}

/**
 * Run `fn` until it succeeds or no time is left for another attempt plus its backoff:
 * `remainingMs()` is the caller's budget (a Lambda's remaining time minus a margin).
 */
export async function retryingUntil<T>(fn: () => Promise<T>, remainingMs: () => number, backoff: Backoff, onFailure?: (err: unknown, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      onFailure?.(err, attempt);
      const delay = jitteredDelay(attempt, backoff);
      if (remainingMs() <= delay) throw err;
      await sleep(delay);
    }
  }
}
