// The ALB metrics the lab's CloudWatch publishes (GetMetricData), from the proxy's real per-target-group counts:
// AWS/ApplicationELB RequestCount, HTTPCode_Target_5XX_Count (one sample of 1 per request / per 5xx, so Sum is
// the count and Minimum = Maximum = Average = 1, as the ALB documents) and TargetResponseTime (one sample per
// request, in seconds), with the dimension sets an ALB publishes them under: TargetGroup + LoadBalancer, and
// LoadBalancer alone (every target group behind it). Dimension values are the ARNs' suffixes, as AWS formats
// them: `targetgroup/blue/…`, `app/web/…`.
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

/** `targetgroup/blue/73e2d6bc24d8a067`: the TargetGroup dimension of a target group ARN. */
export const targetGroupDimension = (arn: string): string => arn.split(':').at(-1) ?? arn;
/** `app/web/50dc6c495c0c9188`: the LoadBalancer dimension of a load balancer (or listener) ARN. */
export const loadBalancerDimension = (arn: string): string => (arn.split(':loadbalancer/')[1] ?? arn.split(':listener/')[1] ?? arn).split('/').slice(0, 3).join('/');

export interface AlbMetricDataOptions {
  /** The lab minute: seconds between two published datapoints (default DEFAULT_LAB_MINUTE_SECONDS; 60 = as an ALB). A whole number ≥ 1. */
  minuteSeconds?: number;
}

/**
 * GetMetricData's source over `metrics`. `groups()` lists the target groups and the load balancers each is
 * attached to (asked on every call, so groups attached later are seen).
 */
export function albMetricData(metrics: TrafficMetrics, groups: () => { arn: string; loadBalancerArns: string[] }[], options: AlbMetricDataOptions = {}): MetricDataSource {
  const minuteSeconds = options.minuteSeconds ?? DEFAULT_LAB_MINUTE_SECONDS;
  if (!Number.isInteger(minuteSeconds) || minuteSeconds < 1) throw new Error(`the lab minute must be a whole number of seconds ≥ 1, got ${minuteSeconds}`);
  return {
    minuteMs: minuteSeconds * 1000,
    now: metrics.now,
    metric(ref: MetricRef): PublishedMetric | undefined {
      const kind = ref.Namespace === ALB_NAMESPACE ? METRICS[ref.MetricName] : undefined;
      if (!kind) return undefined;
      const byName = new Map(ref.Dimensions.map((d) => [d.Name, d.Value]));
      const lb = byName.get('LoadBalancer');
      const tg = byName.get('TargetGroup');
      if (lb === undefined || byName.size !== ref.Dimensions.length || byName.size !== (tg === undefined ? 1 : 2)) return undefined;
      const behind = groups().filter((g) => g.loadBalancerArns.some((arn) => loadBalancerDimension(arn) === lb) && (tg === undefined || targetGroupDimension(g.arn) === tg));
      if (behind.length === 0) return undefined;
      return {
        unit: kind.unit,
        samples: (fromMs, toMs) => behind.flatMap((g) => kind.samples(metrics.between(g.arn, fromMs, toMs))),
      };
    },
  };
}

function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}
