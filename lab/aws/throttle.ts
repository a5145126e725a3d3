// API rate limits as AWS applies them: a token bucket per account and API family. A request takes one token;
// a bucket refills at a fixed rate up to its capacity; a request finding it empty fails with Throttling
// ("Rate exceeded", HTTP 400) and the caller's SDK retries it. The rates and where they come from: docs/lab.md.

export interface BucketSpec {
  /** Tokens a full bucket holds: the burst. */
  capacity: number;
  /** Tokens added per second, up to the capacity: the sustained rate. */
  refillPerSecond: number;
}

/** Per API family (e.g. `describe`, `mutate`): its bucket; `family` maps an operation to its family. */
export interface ThrottleSpec {
  buckets: Record<string, BucketSpec>;
  family(operation: string): string;
}

/**
 * ELBv2: "the token bucket size for non-mutating API actions is 40 tokens … refill rate of 10 tokens per second"
 * (Elastic Load Balancing User Guide, "Request throttling for the Elastic Load Balancing API"). Mutating actions
 * have their own, smaller bucket; the lab uses 20 / 5 for it (not confirmed from the page: see docs/lab.md).
 */
export const ELBV2_RATES: ThrottleSpec = {
  buckets: { describe: { capacity: 40, refillPerSecond: 10 }, mutate: { capacity: 20, refillPerSecond: 5 } },
  family: (operation) => (operation.startsWith('Describe') ? 'describe' : 'mutate'),
};

/** CloudWatch: a TPS quota per operation ("DescribeAlarms: 9 transactions per second", CloudWatch service quotas). */
export const CLOUDWATCH_RATES: ThrottleSpec = {
  // GetMetricData: 50 TPS (CloudWatch service quotas).
  buckets: { DescribeAlarms: { capacity: 9, refillPerSecond: 9 }, GetMetricData: { capacity: 50, refillPerSecond: 50 }, other: { capacity: 9, refillPerSecond: 9 } },
  family: (operation) => (operation === 'DescribeAlarms' || operation === 'GetMetricData' ? operation : 'other'),
};

/** `true` or absent = AWS's rates, `false` = never throttle, or custom rates (serve mode, the scale bench). */
export type ThrottleOption = boolean | ThrottleSpec | undefined;

/** The token buckets of one API. `now` (milliseconds) is injectable so tests need no wall clock. */
export class TokenBuckets {
  private readonly state = new Map<string, { tokens: number; at: number }>();
  private readonly throttledBy = new Map<string, number>();
  private readonly forced: { operation?: string; remaining: number }[] = [];

  constructor(
    private readonly spec: ThrottleSpec | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Build from a start option: `false` turns rate limiting off (forced throttles still apply). */
  static from(option: ThrottleOption, defaults: ThrottleSpec, now?: () => number): TokenBuckets {
    return new TokenBuckets(option === false ? undefined : option === true || option === undefined ? defaults : option, now);
  }

  /** Take a token for `operation`; false = throttle this request. */
  take(operation: string): boolean {
    const forced = this.forced.find((f) => f.remaining > 0 && (f.operation === undefined || f.operation === operation));
    if (forced) {
      forced.remaining--;
      return this.count(operation);
    }
    if (!this.spec) return true;
    const family = this.spec.family(operation);
    const bucket = this.spec.buckets[family];
    if (!bucket) return true;
    const t = this.now();
    const s = this.state.get(family) ?? { tokens: bucket.capacity, at: t };
    s.tokens = Math.min(bucket.capacity, s.tokens + ((t - s.at) / 1000) * bucket.refillPerSecond);
    s.at = t;
    this.state.set(family, s);
    if (s.tokens >= 1) {
      s.tokens -= 1;
      return true;
    }
    return this.count(operation);
  }

  /** The next `n` requests (of `operation`, or any) are throttled whatever the buckets hold. */
  throttleNext(n: number, operation?: string): void {
    this.forced.push({ operation, remaining: n });
  }

  /** Requests answered with Throttling so far, of one operation or all. */
  throttled(operation?: string): number {
    if (operation) return this.throttledBy.get(operation) ?? 0;
    return [...this.throttledBy.values()].reduce((a, b) => a + b, 0);
  }

  private count(operation: string): false {
    this.throttledBy.set(operation, (this.throttledBy.get(operation) ?? 0) + 1);
    return false;
  }
}
