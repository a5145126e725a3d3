// AWS's API rate limits for serve mode: a token bucket per API (bucket size = burst, refill per
// second), so the handlers' and the CLI's retries meet real throttling. Rates are AWS's defaults
// (us-east-1), with the refill rates multiplied by `scale` because the lab runs time-scaled (poll 1 s
// instead of 30 s: the same calls per poll arrive 30 times as often, so the sustained rates are 30
// times as high to keep the ratio). Bucket sizes are bursts, counted in calls, not time: unscaled.
//   Step Functions: "Quotas related to API action throttling" (Step Functions developer guide).
//   ELBv2: "Request throttling for the ELB API": Describe* bucket 40, refill 10/s; mutating actions
//     are not listed there, the lab assumes a quarter of that.
//   CloudWatch: DescribeAlarms 9 TPS (CloudWatch service quotas).
// DynamoDB (on-demand) is not throttled here.
import type { ApiThrottle } from './aws/stepfunctions-api.ts';

export interface Rate {
  bucket: number;
  perSecond: number;
}

/** service → operation (or `*` for the rest of that service) → rate. */
export const AWS_RATES: Record<string, Record<string, Rate>> = {
  stepfunctions: {
    DescribeExecution: { bucket: 300, perSecond: 15 },
    DescribeStateMachine: { bucket: 200, perSecond: 20 },
    GetExecutionHistory: { bucket: 400, perSecond: 20 },
    ListExecutions: { bucket: 200, perSecond: 5 },
    SendTaskSuccess: { bucket: 3000, perSecond: 500 },
    SendTaskFailure: { bucket: 3000, perSecond: 500 },
    StartExecution: { bucket: 1300, perSecond: 300 },
    StopExecution: { bucket: 1000, perSecond: 200 },
  },
  elbv2: {
    ModifyListener: { bucket: 10, perSecond: 2.5 },
    ModifyRule: { bucket: 10, perSecond: 2.5 },
    // Every Describe* shares one bucket.
    '*': { bucket: 40, perSecond: 10 },
  },
  cloudwatch: {
    DescribeAlarms: { bucket: 9, perSecond: 9 },
  },
};

/** ELBv2's Describe* operations share one bucket; everything else has its own. */
const bucketKey = (service: string, operation: string): string => {
  const rates = AWS_RATES[service] ?? {};
  return rates[operation] ? `${service}:${operation}` : `${service}:*`;
};

export interface ThrottleStats {
  /** service → operation → calls admitted / throttled */
  admitted: Record<string, Record<string, number>>;
  throttled: Record<string, Record<string, number>>;
}

export interface TokenBuckets extends ApiThrottle {
  stats(): ThrottleStats;
}

/** Token buckets at AWS's bucket sizes and refill rates × `scale`; `now` in ms (injectable for tests). */
export function tokenBuckets(scale = 1, now: () => number = Date.now): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number; rate: Rate }>();
  const admitted: ThrottleStats['admitted'] = {};
  const throttled: ThrottleStats['throttled'] = {};
  const count = (into: ThrottleStats['admitted'], service: string, operation: string) => {
    const s = (into[service] ??= {});
    s[operation] = (s[operation] ?? 0) + 1;
  };
  return {
    admit(service, operation) {
      const key = bucketKey(service, operation);
      const base = AWS_RATES[service]?.[operation] ?? AWS_RATES[service]?.['*'];
      if (!base) {
        count(admitted, service, operation);
        return true;
      }
      const rate = { bucket: base.bucket, perSecond: base.perSecond * scale };
      const t = now();
      const b = buckets.get(key) ?? { tokens: rate.bucket, at: t, rate };
      b.tokens = Math.min(rate.bucket, b.tokens + ((t - b.at) / 1000) * rate.perSecond);
      b.at = t;
      buckets.set(key, b);
      if (b.tokens < 1) {
        count(throttled, service, operation);
        return false;
      }
      b.tokens -= 1;
      count(admitted, service, operation);
      return true;
    },
    stats: () => structuredClone({ admitted, throttled }),
  };
}
