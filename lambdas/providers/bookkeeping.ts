// Bookkeeping after traffic is where it belongs (record status, lock, audit): each step retried a
// few times, then given up and reported. A bookkeeping failure never undoes or blocks a restore or
// a promotion; it is logged, counted (metric BookkeepingFailed) and returned to the caller, which
// says so in its result.
import { countMetric } from './metrics.ts';
import { retrying } from './retry.ts';

/** Three tries with 0.2–2 s full-jitter backoff, on top of the SDK's own retries. */
const ATTEMPTS = 3;
const BACKOFF = { baseMs: 200, capMs: 2000 };

export class Bookkeeping {
  readonly failed: string[] = [];

  constructor(
    private readonly executionArn: string,
    private readonly now: () => Date,
    private readonly warn: (msg: string, extra: Record<string, unknown>) => void,
  ) {}

  /** Run one idempotent bookkeeping step; never throws. */
  async step(what: string, fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await retrying(fn, ATTEMPTS, BACKOFF);
      return true;
    } catch (err) {
      const e = err as Error;
      this.failed.push(`${what}: ${e.name}: ${e.message}`);
      countMetric('BookkeepingFailed', this.now());
      this.warn('bookkeeping step failed after retries; continuing', { executionArn: this.executionArn, step: what, error: e.message });
      return false;
    }
  }

  /** `; bookkeeping failed: …` for a cause line, or '' when all went well. */
  suffix(retriedBy: string): string {
    return this.failed.length === 0 ? '' : ` (bookkeeping failed: ${this.failed.join('; ')}; ${retriedBy})`;
  }
}
