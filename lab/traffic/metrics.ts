// Per-target-group request metrics in 1-second buckets, as the proxy (the lab's ALB) saw them:
// requests, 5xx and response-time samples. Rolling windows feed the alarms; the full timeline feeds the chart.

export interface WindowStats {
  requests: number;
  errors5xx: number;
  /** errors5xx / requests; 0 without requests. */
  errorRate: number;
  /** 99th percentile response time; undefined without requests. */
  p99Ms: number | undefined;
}

export interface TimelinePoint extends WindowStats {
  /** Start of the second, epoch ms. */
  at: number;
}

interface Bucket {
  requests: number;
  errors5xx: number;
  latenciesMs: number[];
}

/** How many proxy-overhead samples to keep (the most recent ones). */
const OVERHEAD_SAMPLES = 10_000;

export class TrafficMetrics {
  /** tgArn → epoch second → bucket */
  private readonly buckets = new Map<string, Map<number, Bucket>>();
  private readonly overheadMs: number[] = [];
  private overheadNext = 0;

  /** `now` is injectable so tests can move time instead of waiting. */
  constructor(readonly now: () => number = Date.now) {}

  /** One response the proxy sent for `targetGroupArn` (its own 502/504s included). */
  record(targetGroupArn: string, status: number, latencyMs: number): void {
    let series = this.buckets.get(targetGroupArn);
    if (!series) this.buckets.set(targetGroupArn, (series = new Map()));
    const second = Math.floor(this.now() / 1000);
    let bucket = series.get(second);
    if (!bucket) series.set(second, (bucket = { requests: 0, errors5xx: 0, latenciesMs: [] }));
    bucket.requests++;
    if (status >= 500) bucket.errors5xx++;
    bucket.latenciesMs.push(latencyMs);
  }

  /** Time the proxy itself added to one request. */
  recordOverhead(ms: number): void {
    this.overheadMs[this.overheadNext] = ms;
    this.overheadNext = (this.overheadNext + 1) % OVERHEAD_SAMPLES;
  }

  /** Totals over the `seconds` whole seconds ending with the one holding `endMs` (default: now, the current second included). */
  window(targetGroupArn: string, seconds: number, endMs = this.now()): WindowStats {
    const series = this.buckets.get(targetGroupArn);
    const last = Math.floor(endMs / 1000);
    const picked: Bucket[] = [];
    for (let s = last - seconds + 1; s <= last; s++) {
      const bucket = series?.get(s);
      if (bucket) picked.push(bucket);
    }
    return summarize(picked);
  }

  /**
   * Everything recorded for `targetGroupArn` in the whole seconds that start in [fromMs, toMs): what the lab's
   * CloudWatch GetMetricData aggregates into one period.
   */
  between(targetGroupArn: string, fromMs: number, toMs: number): { requests: number; errors5xx: number; latenciesMs: number[] } {
    const series = this.buckets.get(targetGroupArn);
    const out = { requests: 0, errors5xx: 0, latenciesMs: [] as number[] };
    if (!series) return out;
    for (let s = Math.ceil(fromMs / 1000); s * 1000 < toMs; s++) {
      const bucket = series.get(s);
      if (!bucket) continue;
      out.requests += bucket.requests;
      out.errors5xx += bucket.errors5xx;
      for (const ms of bucket.latenciesMs) out.latenciesMs.push(ms);
    }
    return out;
  }

  /** Every second from the first to the last one with traffic for `targetGroupArn` (gaps as zeros). */
  timeline(targetGroupArn: string): TimelinePoint[] {
    const series = this.buckets.get(targetGroupArn);
    if (!series || series.size === 0) return [];
    const seconds = [...series.keys()];
    const points: TimelinePoint[] = [];
    for (let s = Math.min(...seconds); s <= Math.max(...seconds); s++) {
      const bucket = series.get(s);
      points.push({ at: s * 1000, ...summarize(bucket ? [bucket] : []) });
    }
    return points;
  }

  /** Target groups that have had traffic. */
  targetGroups(): string[] {
    return [...this.buckets.keys()];
  }

  /** The proxy's own added time over the recent requests. */
  overhead(): { count: number; p50Ms: number | undefined; p99Ms: number | undefined } {
    return { count: this.overheadMs.length, p50Ms: percentile(this.overheadMs, 50), p99Ms: percentile(this.overheadMs, 99) };
  }
}

function summarize(buckets: Bucket[]): WindowStats {
  const requests = buckets.reduce((n, b) => n + b.requests, 0);
  const errors5xx = buckets.reduce((n, b) => n + b.errors5xx, 0);
  return { requests, errors5xx, errorRate: requests ? errors5xx / requests : 0, p99Ms: percentile(buckets.flatMap((b) => b.latenciesMs), 99) };
}

/** Nearest-rank percentile (what CloudWatch's pNN statistics approximate); undefined for no samples. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
