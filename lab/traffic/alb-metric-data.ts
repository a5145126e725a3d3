// The ALB metrics the lab's CloudWatch publishes (GetMetricData), from the proxy's real per-target-group counts:
// AWS/ApplicationELB RequestCount, HTTPCode_Target_5XX_Count (one sample of 1 per request / per 5xx, so Sum is
// the count and Minimum = Maximum = Average = 1, as the ALB documents) and TargetResponseTime (one sample per
// request, in seconds), with the dimension sets an ALB publishes them under: TargetGroup + LoadBalancer, and
// LoadBalancer alone (every target group behind it). Dimension values are the ARNs' suffixes, as AWS formats
// them (`targetgroup/blue/…`, `app/web/…`: lab/providers/alb.ts elbDimensions).
// Known difference: the proxy counts its own 502/504 (target unreachable or too slow) with the target group's
// 5xx; an ALB counts those in HTTPCode_ELB_5XX_Count. The lab's services answer their 500s themselves.
import type { MetricDataSource, MetricRef, PublishedMetric } from '../aws/metric-data.ts';
import type { TrafficMetrics } from './metrics.ts';

export const ALB_NAMESPACE = 'AWS/ApplicationELB';

/** How often the lab ALB publishes its metrics unless told otherwise: every second (an ALB: every 60 s), time-scaled like the bakes. */
export const DEFAULT_LAB_MINUTE_SECONDS = 1;

type Counts = ReturnType<TrafficMetrics['between']>;
const METRICS: Record<string, { unit: string; samples(c: Counts): number[] }> = {
  RequestCount: { unit: 'Count', samples: (c) => ones(c.requests) },
  HTTPCode_Target_5XX_Count: { unit: 'Count', samples: (c) => ones(c.errors5xx) },
  TargetResponseTime: { unit: 'Seconds', samples: (c) => c.latenciesMs.map((ms) => ms / 1000) },
};

export interface AlbMetricDataOptions {
  /** The lab minute: seconds between two published datapoints (default DEFAULT_LAB_MINUTE_SECONDS; 60 = as an ALB). A whole number ≥ 1. */
  minuteSeconds?: number;
}

/** One target group as published: the key its requests are recorded under, and its dimensions (TargetGroup, LoadBalancer). */
export interface PublishedGroup {
  key: string;
  dimensions: Record<string, string>;
}

/**
 * GetMetricData's source over `metrics`: each group under exactly its dimensions, and every group of a load
 * balancer under LoadBalancer alone. `groups()` is asked on every call, so groups added later are seen.
 */
export function albMetricData(metrics: TrafficMetrics, groups: () => PublishedGroup[], options: AlbMetricDataOptions = {}): MetricDataSource {
  const minuteSeconds = options.minuteSeconds ?? DEFAULT_LAB_MINUTE_SECONDS;
  if (!Number.isInteger(minuteSeconds) || minuteSeconds < 1) throw new Error(`the lab minute must be a whole number of seconds ≥ 1, got ${minuteSeconds}`);
  return {
    minuteMs: minuteSeconds * 1000,
    now: metrics.now,
    metric(ref: MetricRef): PublishedMetric | undefined {
      const kind = ref.Namespace === ALB_NAMESPACE ? METRICS[ref.MetricName] : undefined;
      if (!kind) return undefined;
      const asked = new Map(ref.Dimensions.map((d) => [d.Name, d.Value]));
      if (asked.size !== ref.Dimensions.length) return undefined;
      const same = (dims: Record<string, string>) => Object.keys(dims).length === asked.size && Object.entries(dims).every(([k, v]) => asked.get(k) === v);
      const lb = asked.size === 1 ? asked.get('LoadBalancer') : undefined;
      const matching = groups().filter((g) => same(g.dimensions) || (lb !== undefined && g.dimensions.LoadBalancer === lb));
      if (matching.length === 0) return undefined;
      return {
        unit: kind.unit,
        samples: (fromMs, toMs) => matching.flatMap((g) => kind.samples(metrics.between(g.key, fromMs, toMs))),
      };
    },
  };
}

function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}
