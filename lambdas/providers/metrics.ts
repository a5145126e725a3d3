// Counters as CloudWatch embedded metric format (EMF) lines on stdout: Lambda ships them to
// CloudWatch Logs, which turns them into metrics, with no API call on the rollback path (which
// must work when other AWS services do not). Namespace and dimension are what the stack's alarms
// watch (infra/restore-resilience.ts).
export const METRIC_NAMESPACE = 'canary-switch';
/** One metric per stack: the stack's table name is the dimension. */
export const METRIC_DIMENSION = 'Table';

export type MetricName = 'RestoreAttemptFailed' | 'RecordTampered' | 'BookkeepingFailed';

let sink: (line: string) => void = (line) => process.stdout.write(`${line}\n`);

/** Tests capture the lines instead of printing them. */
export function setMetricSink(fn: (line: string) => void): void {
  sink = fn;
}

export function countMetric(name: MetricName, at: Date, value = 1): void {
  const table = process.env.TABLE_NAME ?? 'unknown';
  sink(
    JSON.stringify({
      _aws: { Timestamp: at.getTime(), CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[METRIC_DIMENSION]], Metrics: [{ Name: name, Unit: 'Count' }] }] },
      [METRIC_DIMENSION]: table,
      [name]: value,
    }),
  );
}
