// The judge's reads: GetMetricData for each side of the provider's MetricSource (ELBv2:
// AWS/ApplicationELB per TargetGroup and LoadBalancer). Counts are Sums per period; a period
// without a datapoint had no requests (ALB reports nothing then), so it counts 0. Slow requests are
// SampleCount × (1 − PR(:T) / 100); a period with samples but no PR reads `slow: null`.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Baseline, P99Window, PeriodCounts, SideCounts } from '../domain/judge.ts';
import { overdispersion, type Counts } from '../domain/stats.ts';
import { aws } from './aws-errors.ts';
import type { MetricSource } from './traffic/provider.ts';

type Side = 'stable' | 'canary';
const SIDES: Side[] = ['stable', 'canary'];

/** Every period starting in [from, to), each side's counts; `thresholdMs` null: slow requests are not read. */
export async function readPeriods(cw: CloudWatchClient, source: MetricSource, from: number, to: number, periodSeconds: number, thresholdMs: number | null): Promise<PeriodCounts[]> {
  if (to <= from) return [];
  const m = source.metrics;
  const queries: MetricDataQuery[] = SIDES.flatMap((side) => [
    query(`${side}_requests`, source, side, m.requests, 'Sum', periodSeconds),
    query(`${side}_errors`, source, side, m.errors, 'Sum', periodSeconds),
    query(`${side}_samples`, source, side, m.latency, 'SampleCount', periodSeconds),
    ...(thresholdMs === null ? [] : [query(`${side}_fast`, source, side, m.latency, `PR(:${inUnit(thresholdMs, m.latencyUnit)})`, periodSeconds)]),
  ]);
  const series = await getMetricData(cw, queries, from, to);
  const periods: PeriodCounts[] = [];
  for (let t = from; t < to; t += periodSeconds * 1000) {
    const sideAt = (side: Side): SideCounts => {
      const samples = series.get(`${side}_samples`)?.get(t) ?? 0;
      const fast = series.get(`${side}_fast`)?.get(t);
      return {
        requests: series.get(`${side}_requests`)?.get(t) ?? 0,
        errors: series.get(`${side}_errors`)?.get(t) ?? 0,
        samples,
        slow: samples === 0 ? 0 : fast === undefined ? null : Math.round(samples * (1 - fast / 100)),
      };
    };
    periods.push({ start: new Date(t).toISOString(), stable: sideAt('stable'), canary: sideAt('canary') });
  }
  return periods;
}

/**
 * Stable's history over [stepStart − seconds, stepStart): its requests and errors (the first
 * period's prior rate), their over-dispersion φ, and its p99 (the latency threshold unless given).
 */
export async function readBaseline(cw: CloudWatchClient, source: MetricSource, stepStart: number, seconds: number, periodSeconds: number, thresholdMs: number | undefined): Promise<Baseline> {
  const period = periodSeconds * 1000;
  const to = Math.floor(stepStart / period) * period;
  const from = to - Math.floor(seconds / periodSeconds) * period;
  const none: Baseline = { phi: 1, stable: { requests: 0, events: 0 }, latencyThresholdMs: thresholdMs ?? null, thresholdFrom: thresholdMs === undefined ? 'none' : 'input' };
  if (to <= from) return none;
  const m = source.metrics;
  const windowSeconds = (to - from) / 1000;
  const queries = [
    query('stable_requests', source, 'stable', m.requests, 'Sum', periodSeconds),
    query('stable_errors', source, 'stable', m.errors, 'Sum', periodSeconds),
    ...(thresholdMs === undefined ? [query('stable_p99', source, 'stable', m.latency, 'p99', windowSeconds)] : []),
  ];
  const series = await getMetricData(cw, queries, from, to);
  const counts: Counts[] = [];
  for (let t = from; t < to; t += period) counts.push({ requests: series.get('stable_requests')?.get(t) ?? 0, events: series.get('stable_errors')?.get(t) ?? 0 });
  const p99 = [...(series.get('stable_p99')?.values() ?? [])][0];
  return {
    phi: overdispersion(counts),
    stable: counts.reduce((s, c) => ({ requests: s.requests + c.requests, events: s.events + c.events }), { requests: 0, events: 0 }),
    latencyThresholdMs: thresholdMs ?? (p99 === undefined ? null : inMs(p99, m.latencyUnit)),
    thresholdFrom: thresholdMs !== undefined ? 'input' : p99 === undefined ? 'none' : 'stable-p99',
  };
}

/** Each side's p99 and the canary's samples over [from, to) as one period: the latency fallback without percentile ranks. */
export async function readP99(cw: CloudWatchClient, source: MetricSource, from: number, to: number): Promise<P99Window> {
  const window = Math.round((to - from) / 1000);
  if (window <= 0) return { stableMs: null, canaryMs: null, canarySamples: 0 };
  // One period covering the window: CloudWatch takes 1, 5, 10, 30 or a multiple of 60 (anything else is a
  // ValidationException); a longer period still ends at EndTime.
  const seconds = [1, 5, 10, 30].find((p) => p >= window) ?? Math.ceil(window / 60) * 60;
  const m = source.metrics;
  const series = await getMetricData(
    cw,
    [...SIDES.map((side) => query(`${side}_p99`, source, side, m.latency, 'p99', seconds)), query('canary_samples', source, 'canary', m.latency, 'SampleCount', seconds)],
    from,
    to,
  );
  const first = (id: string) => [...(series.get(id)?.values() ?? [])][0];
  const stable = first('stable_p99');
  const canary = first('canary_p99');
  return { stableMs: stable === undefined ? null : inMs(stable, m.latencyUnit), canaryMs: canary === undefined ? null : inMs(canary, m.latencyUnit), canarySamples: first('canary_samples') ?? 0 };
}

function query(id: string, source: MetricSource, side: Side, metric: string, stat: string, periodSeconds: number): MetricDataQuery {
  return { Id: id, ReturnData: true, MetricStat: { Metric: { Namespace: source.namespace, MetricName: metric, Dimensions: source[side] }, Period: periodSeconds, Stat: stat } };
}

/** id → (period start epoch ms → value), every page read. */
async function getMetricData(cw: CloudWatchClient, queries: MetricDataQuery[], from: number, to: number): Promise<Map<string, Map<number, number>>> {
  const series = new Map<string, Map<number, number>>(queries.map((q) => [q.Id as string, new Map()]));
  let NextToken: string | undefined;
  do {
    const out = await aws('GetMetricData', () =>
      cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(from), EndTime: new Date(to), ScanBy: 'TimestampAscending', NextToken })),
    );
    for (const r of out?.MetricDataResults ?? []) {
      const into = series.get(r.Id ?? '');
      r.Timestamps?.forEach((ts, i) => {
        const v = r.Values?.[i];
        // CloudWatch answers only what was asked; a lenient endpoint's extra points are ignored.
        if (into && v !== undefined && Number.isFinite(v) && ts.getTime() >= from && ts.getTime() < to) into.set(ts.getTime(), v);
      });
    }
    NextToken = out?.NextToken;
  } while (NextToken);
  return series;
}

/** The threshold in the metric's unit, to 6 significant digits (no 0.30000000000000004 in a statistic name). */
const inUnit = (ms: number, unit: MetricSource['metrics']['latencyUnit']): number => Number((unit === 'Seconds' ? ms / 1000 : ms).toPrecision(6));
const inMs = (v: number, unit: MetricSource['metrics']['latencyUnit']): number => (unit === 'Seconds' ? v * 1000 : v);
