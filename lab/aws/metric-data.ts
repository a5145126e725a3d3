// CloudWatch GetMetricData over a lab metric source: the operation itself (input → output, validation,
// statistics, paging), independent of the wire protocol that carries it. As CloudWatch does it:
// - MetricStat queries only (metric math and Metrics Insights are refused, by name); ReturnData false hides a query;
// - StartTime is rounded down to the minute, periods run from there, a period starts before EndTime (exclusive);
// - a period without samples has no datapoint (an ALB publishes nothing for a minute without requests, and no
//   HTTPCode_Target_5XX_Count for a minute without one);
// - data is stored per minute, as an ALB publishes it: a minute counts whole in the period its timestamp falls in
//   (so a Period under a minute still answers once per minute), and appears once it has ended;
// - Sum, SampleCount, Average, Minimum, Maximum, pNN.NN and percentile rank PR(lo:hi) (lo exclusive, hi inclusive);
// - ScanBy (default TimestampDescending), MaxDatapoints (default 100,800) over all queries with NextToken, and
//   StatusCode PartialData for a query with datapoints left on later pages.
// The lab may compress time: its ALB publishes every `minuteMs` (the lab minute, 1 s by default) instead of every
// 60 s. Periods and timestamps stay real seconds, so a judge set to 1-second periods reads one lab minute each.
import { createHash } from 'node:crypto';
import { percentile } from '../traffic/metrics.ts';
import { millis } from './cloudwatch-history.ts';
import { validation } from './cloudwatch-api.ts';

export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricRef {
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
}

/** A metric the source publishes: its unit, and the sample values of the minutes starting in [fromMs, toMs). */
export interface PublishedMetric {
  unit: string;
  samples(fromMs: number, toMs: number): number[];
}

export interface MetricDataSource {
  /** How often the metrics are stored (the lab minute), in ms: 60,000 = as an ALB; a whole number of seconds. */
  readonly minuteMs: number;
  /** Epoch ms: which minutes have ended (and so are published). */
  now(): number;
  /** The metric with exactly these dimensions, or undefined when nothing is published under that name. */
  metric(ref: MetricRef): PublishedMetric | undefined;
}

export interface MetricDataResult {
  Id: string;
  Label: string;
  Timestamps: Date[];
  Values: number[];
  StatusCode: 'Complete' | 'PartialData';
  Messages: never[];
}

/** CloudWatch's limits (API reference): 500 queries a call, 100,800 datapoints a page unless MaxDatapoints says less. */
export const GET_METRIC_DATA = { maxQueries: 500, defaultMaxDatapoints: 100_800, maxDimensions: 30 } as const;
const PARAMS = new Set(['MetricDataQueries', 'StartTime', 'EndTime', 'NextToken', 'ScanBy', 'MaxDatapoints', 'LabelOptions']);
const QUERY_MEMBERS = new Set(['Id', 'MetricStat', 'Expression', 'Label', 'ReturnData', 'Period', 'AccountId']);
const SCAN_BY = ['TimestampDescending', 'TimestampAscending'];
const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 20, 30];
const ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;
const NUMBER = '(\\d+(?:\\.\\d+)?)';
const PERCENTILE = /^p(\d{1,2}(?:\.\d{1,2})?|100)$/;
const PERCENTILE_RANK = new RegExp(`^PR\\(${NUMBER}?:${NUMBER}?\\)$`);

/** awsQuery: the members of GetMetricData's input that are not strings. */
export const GET_METRIC_DATA_QUERY_TYPES = { MaxDatapoints: 'int', MetricDataQueries: [{ ReturnData: 'bool', Period: 'int', MetricStat: { Period: 'int' } }] } as const;

interface Query {
  id: string;
  label: string;
  metric: MetricRef;
  period: number;
  stat: string;
  unit?: string;
}

export function getMetricData(source: MetricDataSource, input: Record<string, unknown>): { MetricDataResults: MetricDataResult[]; NextToken?: string; Messages: never[] } {
  const unsupported = Object.keys(input).filter((k) => !PARAMS.has(k));
  if (unsupported.length > 0) throw validation(`The lab's GetMetricData does not support ${unsupported.join(', ')}`);
  const queries = parseQueries(input.MetricDataQueries);
  const start = millis(required(input.StartTime, 'StartTime') as Date | number | string) as number;
  const end = millis(required(input.EndTime, 'EndTime') as Date | number | string) as number;
  if (!(start < end)) throw validation('The parameter StartTime must be less than the parameter EndTime.');
  const scanBy = input.ScanBy ?? 'TimestampDescending';
  if (typeof scanBy !== 'string' || !SCAN_BY.includes(scanBy)) throw validation(`ScanBy '${String(scanBy)}' must be one of ${SCAN_BY.join(', ')}`);
  const max = input.MaxDatapoints ?? GET_METRIC_DATA.defaultMaxDatapoints;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw validation(`MaxDatapoints ${JSON.stringify(input.MaxDatapoints)} must be a positive integer`);

  // A token pins the data to what was published when the first page was read, and to this request.
  const fingerprint = createHash('sha256').update(JSON.stringify([queries, start, end, scanBy])).digest('base64url').slice(0, 16);
  let offset = 0;
  let asOf = source.now();
  if (input.NextToken !== undefined) {
    const token = readToken(input.NextToken);
    if (!token || token.fp !== fingerprint) throw validation('The NextToken is not valid for this request', 'InvalidNextToken');
    ({ offset, asOf } = token);
  }

  const series = queries.map((q) => ({ q, points: datapoints(source, q, start, end, asOf) }));
  for (const s of series) if (scanBy === 'TimestampDescending') s.points.reverse();
  const total = series.reduce((n, s) => n + s.points.length, 0);
  if (offset > total) throw validation('The NextToken is not valid for this request', 'InvalidNextToken');
  let skipped = 0;
  const MetricDataResults = series.map(({ q, points }) => {
    // This query's datapoints are at [skipped, skipped + length) of all of them, in query order.
    const from = Math.min(points.length, Math.max(0, offset - skipped));
    const to = Math.min(points.length, Math.max(0, offset + max - skipped));
    skipped += points.length;
    const page = points.slice(from, to);
    return { Id: q.id, Label: q.label, Timestamps: page.map((p) => new Date(p.at)), Values: page.map((p) => p.value), StatusCode: to < points.length ? ('PartialData' as const) : ('Complete' as const), Messages: [] };
  });
  const next = offset + max < total ? writeToken({ offset: offset + max, asOf, fp: fingerprint }) : undefined;
  return { MetricDataResults, ...(next ? { NextToken: next } : {}), Messages: [] };
}

/** The datapoints of one query, oldest first. */
function datapoints(source: MetricDataSource, q: Query, startMs: number, endMs: number, asOf: number): { at: number; value: number }[] {
  const minute = source.minuteMs;
  const published = source.metric(q.metric);
  if (!published || (q.unit !== undefined && q.unit !== published.unit)) return [];
  const onMinute = (ms: number) => Math.ceil(ms / minute) * minute;
  // CloudWatch rounds StartTime down to the minute (to 5/10/20/30 s for those periods), then to what is stored.
  const align = Math.min(q.period, 60) * 1000;
  const first = Math.floor((Math.floor(startMs / align) * align) / minute) * minute;
  // A minute counts whole in the period its timestamp falls in, if stamped before EndTime and already ended.
  const limit = Math.min(onMinute(endMs), Math.floor(asOf / minute) * minute);
  const points: { at: number; value: number }[] = [];
  for (let at = first; at < endMs && onMinute(at) < limit; at += q.period * 1000) {
    const from = onMinute(at);
    const to = Math.min(onMinute(at + q.period * 1000), limit);
    const samples = from < to ? published.samples(from, to) : [];
    if (samples.length > 0) points.push({ at, value: statistic(q.stat, samples) });
  }
  return points;
}

/** One statistic over a period's samples (at least one). */
export function statistic(stat: string, samples: readonly number[]): number {
  const sum = () => samples.reduce((a, b) => a + b, 0);
  switch (stat) {
    case 'Sum':
      return sum();
    case 'SampleCount':
      return samples.length;
    case 'Average':
      return sum() / samples.length;
    case 'Minimum':
      return samples.reduce((a, b) => Math.min(a, b));
    case 'Maximum':
      return samples.reduce((a, b) => Math.max(a, b));
  }
  const p = PERCENTILE.exec(stat);
  if (p) return percentile(samples, Number(p[1])) as number;
  const rank = PERCENTILE_RANK.exec(stat);
  if (rank) {
    const lo = rank[1] === undefined ? -Infinity : Number(rank[1]);
    const hi = rank[2] === undefined ? Infinity : Number(rank[2]);
    return (100 * samples.filter((v) => v > lo && v <= hi).length) / samples.length;
  }
  throw new Error(`statistic ${stat} was not validated`);
}

function parseQueries(value: unknown): Query[] {
  const list = value === '' ? [] : value;
  if (!Array.isArray(list) || list.length === 0) throw validation('The parameter MetricDataQueries is required and must hold at least one query.');
  if (list.length > GET_METRIC_DATA.maxQueries) throw validation(`MetricDataQueries holds ${list.length} queries; CloudWatch accepts at most ${GET_METRIC_DATA.maxQueries} in one call`);
  const ids = new Set<string>();
  const queries: Query[] = [];
  list.forEach((raw: unknown, i) => {
    const at = `MetricDataQueries.member.${i + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw validation(`${at} must be a structure`);
    const q = raw as Record<string, unknown>;
    const extra = Object.keys(q).filter((k) => !QUERY_MEMBERS.has(k));
    if (extra.length > 0) throw validation(`${at} has unknown members: ${extra.join(', ')}`);
    const id = q.Id;
    if (typeof id !== 'string' || !ID.test(id)) throw validation(`The value ${JSON.stringify(id)} for parameter ${at}.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores`);
    if (ids.has(id)) throw validation(`The value ${id} for parameter ${at}.Id is used by another query; Ids must be unique`);
    ids.add(id);
    if (q.Expression !== undefined && q.MetricStat !== undefined) throw validation(`${at}: give either MetricStat or Expression, not both`);
    if (q.Expression !== undefined) throw validation(`${at}.Expression: the lab's GetMetricData does not evaluate metric math or Metrics Insights; ask for MetricStat queries`);
    if (q.MetricStat === undefined) throw validation(`${at}: MetricStat or Expression is required`);
    if (q.ReturnData === false) return;
    queries.push(parseMetricStat(q.MetricStat, `${at}.MetricStat`, id, q.Label));
  });
  return queries;
}

function parseMetricStat(value: unknown, at: string, id: string, label: unknown): Query {
  const stat = value as { Metric?: { Namespace?: unknown; MetricName?: unknown; Dimensions?: unknown }; Period?: unknown; Stat?: unknown; Unit?: unknown };
  const metric = stat.Metric;
  if (typeof metric?.Namespace !== 'string' || typeof metric.MetricName !== 'string') throw validation(`${at}.Metric needs a Namespace and a MetricName`);
  const dims = metric.Dimensions === undefined || metric.Dimensions === '' ? [] : metric.Dimensions;
  if (!Array.isArray(dims) || dims.some((d: { Name?: unknown; Value?: unknown }) => typeof d?.Name !== 'string' || typeof d.Value !== 'string')) {
    throw validation(`${at}.Metric.Dimensions must be a list of { Name, Value } strings`);
  }
  if (dims.length > GET_METRIC_DATA.maxDimensions) throw validation(`${at}.Metric.Dimensions holds ${dims.length}; at most ${GET_METRIC_DATA.maxDimensions}`);
  const period = stat.Period;
  if (typeof period !== 'number' || !Number.isInteger(period) || !(HIGH_RESOLUTION_PERIODS.includes(period) || (period > 0 && period % 60 === 0))) {
    throw validation(`The value ${JSON.stringify(period)} for parameter ${at}.Period is not valid: it must be 1, 5, 10, 20, 30 or a multiple of 60`);
  }
  if (typeof stat.Stat !== 'string' || !isStatistic(stat.Stat)) {
    throw validation(`The value ${JSON.stringify(stat.Stat)} for parameter ${at}.Stat is not valid: the lab computes Sum, SampleCount, Average, Minimum, Maximum, pNN.NN and PR(lo:hi)`);
  }
  if (stat.Unit !== undefined && typeof stat.Unit !== 'string') throw validation(`${at}.Unit must be a string`);
  const dimensions = (dims as Dimension[]).map(({ Name, Value }) => ({ Name, Value }));
  return {
    id,
    // CloudWatch's default label for a metric is its name.
    label: typeof label === 'string' ? label : metric.MetricName,
    metric: { Namespace: metric.Namespace, MetricName: metric.MetricName, Dimensions: dimensions },
    period,
    stat: stat.Stat,
    ...(stat.Unit !== undefined ? { unit: stat.Unit } : {}),
  };
}

function isStatistic(stat: string): boolean {
  if (['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'].includes(stat) || PERCENTILE.test(stat)) return true;
  const rank = PERCENTILE_RANK.exec(stat);
  return rank !== null && (rank[1] !== undefined || rank[2] !== undefined) && !(Number(rank[1] ?? -Infinity) >= Number(rank[2] ?? Infinity));
}

function required(value: unknown, name: string): unknown {
  if (value === undefined || value === '') throw validation(`The parameter ${name} is required.`);
  return value;
}

interface Token {
  offset: number;
  asOf: number;
  fp: string;
}

function writeToken(token: Token): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function readToken(value: unknown): Token | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const t = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Token>;
    return Number.isInteger(t.offset) && (t.offset as number) > 0 && Number.isFinite(t.asOf) && typeof t.fp === 'string' ? (t as Token) : undefined;
  } catch {
    return undefined;
  }
}
