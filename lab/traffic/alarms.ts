// CloudWatch-style alarms computed from the proxy's real per-target-group metrics: metric alarms on a target
// group's 5xx rate or p99 response time, and composite alarms over them. This is the CloudWatch API's alarm source.
//
// Evaluation, as CloudWatch does it: on a timer at the end of every period (start() … stop()), over the last
// `evaluationPeriods` closed periods of `periodSeconds` each; state, reason and history are kept between
// evaluations, and reads (DescribeAlarms, DescribeAlarmHistory) never evaluate. Tests with an injected clock
// call evaluate() themselves. A period with fewer than `minRequests` requests has no datapoint. No datapoint
// at all → INSUFFICIENT_DATA; at least `datapointsToAlarm` breaching → ALARM; otherwise OK (missing
// datapoints count as not breaching). Reason, timestamp and a history item change only on transitions.
import type { AlarmRecord, AlarmSource, AlarmStateValue } from '../aws/cloudwatch-api.ts';
import type { AlarmHistoryRecord, AlarmHistorySource } from '../aws/cloudwatch-history.ts';
import type { TrafficMetrics, WindowStats } from './metrics.ts';

export interface MetricAlarmDefinition {
  name: string;
  type: 'MetricAlarm';
  /** Target group ARN the metric is about. */
  targetGroup: string;
  /** Load balancer ARN, for the LoadBalancer dimension ALB metrics carry. */
  loadBalancer?: string;
  /** The metric's dimensions as DescribeAlarms shows them (a lab provider's LabBackend.dimensions); default from targetGroup and loadBalancer. */
  dimensions?: Record<string, string>;
  /** 5xxRate: 5xx / requests (threshold a ratio, e.g. 0.05); p99Ms: p99 response time (threshold in ms). */
  metric: '5xxRate' | 'p99Ms';
  /** ALARM when the value is greater than this. */
  threshold: number;
  periodSeconds: number;
  evaluationPeriods: number;
  /** Breaching datapoints needed for ALARM (default evaluationPeriods). */
  datapointsToAlarm?: number;
  /** Fewer requests than this in a period → no datapoint (default 1). */
  minRequests?: number;
  /** CloudWatch's TreatMissingData: `notBreaching` makes a period without data count as OK (default `missing`). */
  treatMissingData?: 'missing' | 'notBreaching';
}

export interface CompositeAlarmDefinition {
  name: string;
  type: 'CompositeAlarm';
  /** ALARM when any of these is in ALARM; each must be defined before this one. */
  children: string[];
}

export type AlarmDefinition = MetricAlarmDefinition | CompositeAlarmDefinition;

export interface AlarmTransition {
  /** epoch ms */
  at: number;
  name: string;
  type: AlarmDefinition['type'];
  from: AlarmStateValue;
  to: AlarmStateValue;
  /** The old state's reason, and the new state's reason and reason data (CloudWatch's HistoryData). */
  fromReason: string;
  reason: string;
  reasonData?: string;
}

interface AlarmStatus {
  value: AlarmStateValue;
  reason: string;
  reasonData?: string;
  updatedAt: Date;
}

interface Datapoint {
  /** Start of the period, epoch ms. */
  at: number;
  stats: WindowStats;
  /** In CloudWatch's unit (a ratio, or seconds for response time); undefined = missing. */
  value: number | undefined;
}

const NAMESPACE = 'AWS/ApplicationELB';

export class LabAlarms implements AlarmSource, AlarmHistorySource {
  private readonly status = new Map<string, AlarmStatus>();
  private readonly history: AlarmTransition[] = [];
  private readonly createdAt: Date;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: TrafficMetrics,
    private readonly definitions: readonly AlarmDefinition[],
    private readonly options: { region?: string; accountId?: string } = {},
  ) {
    this.createdAt = new Date(metrics.now());
    for (const def of definitions) {
      if (this.status.has(def.name)) throw new Error(`alarm ${def.name} is defined twice`);
      if (def.type === 'CompositeAlarm') {
        const unknown = def.children.filter((c) => !this.status.has(c));
        if (unknown.length > 0) throw new Error(`composite alarm ${def.name}: children ${unknown.join(', ')} must be defined before it`);
      } else if (!(def.periodSeconds >= 1 && def.evaluationPeriods >= 1)) {
        throw new Error(`alarm ${def.name}: periodSeconds and evaluationPeriods must be at least 1`);
      }
      // CloudWatch's own reason for a new alarm.
      this.status.set(def.name, { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: this.createdAt });
    }
  }

  /**
   * Evaluate the alarms over the periods ending with the second that holds `endMs` (default: now, the
   * current second included), children before the composites over them. `periodEnded` limits it to
   * metric alarms whose period ends there (the timer's case); composites follow their children.
   */
  evaluate(endMs = this.metrics.now(), periodEnded?: (def: MetricAlarmDefinition) => boolean): void {
    const stamp = this.metrics.now();
    for (const def of this.definitions) {
      if (def.type === 'MetricAlarm' && periodEnded && !periodEnded(def)) continue;
      const next = def.type === 'MetricAlarm' ? this.evaluateMetric(def, endMs) : this.evaluateComposite(def);
      const current = this.current(def.name);
      if (next.value === current.value) continue;
      this.status.set(def.name, { ...next, updatedAt: new Date(stamp) });
      this.history.push({ at: stamp, name: def.name, type: def.type, from: current.value, to: next.value, fromReason: current.reason, reason: next.reason, reasonData: next.reasonData });
    }
  }

  /**
   * Evaluate on a timer, as CloudWatch does: just after each whole second, every metric alarm whose
   * period ended then, over its closed periods. `slackMs` lets the proxy record the period's last
   * responses first. Idempotent; stop() ends it.
   */
  start(slackMs = 20): void {
    if (this.timer) return;
    const schedule = () => {
      const now = this.metrics.now();
      const boundary = (Math.floor(now / 1000) + 1) * 1000;
      this.timer = setTimeout(() => {
        const second = boundary / 1000;
        this.evaluate(boundary - 1, (def) => second % def.periodSeconds === 0);
        schedule();
      }, boundary + slackMs - now);
    };
    schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  state(name: string): AlarmStateValue {
    return this.current(name).value;
  }

  /** Every state change so far, oldest first. */
  transitions(): AlarmTransition[] {
    return [...this.history];
  }

  /** The state changes as DescribeAlarmHistory StateUpdate items, oldest first. */
  alarmHistory(): AlarmHistoryRecord[] {
    return this.history.map((t) => ({
      AlarmName: t.name,
      AlarmType: t.type,
      Timestamp: new Date(t.at),
      HistoryItemType: 'StateUpdate',
      HistorySummary: `Alarm updated from ${t.from} to ${t.to}`,
      HistoryData: JSON.stringify({
        version: '1.0',
        oldState: { stateValue: t.from, stateReason: t.fromReason },
        newState: { stateValue: t.to, stateReason: t.reason, ...(t.reasonData ? { stateReasonData: JSON.parse(t.reasonData) as unknown } : {}) },
      }),
    }));
  }

  describeAlarms(): { metricAlarms: AlarmRecord[]; compositeAlarms: AlarmRecord[] } {
    const metricAlarms: AlarmRecord[] = [];
    const compositeAlarms: AlarmRecord[] = [];
    for (const def of this.definitions) {
      const s = this.current(def.name);
      const common = {
        AlarmName: def.name,
        AlarmArn: this.arn(def.name),
        ActionsEnabled: true,
        OKActions: [],
        AlarmActions: [],
        InsufficientDataActions: [],
        AlarmConfigurationUpdatedTimestamp: this.createdAt,
        StateValue: s.value,
        StateReason: s.reason,
        StateReasonData: s.reasonData,
        StateUpdatedTimestamp: s.updatedAt,
        StateTransitionedTimestamp: s.updatedAt,
      };
      if (def.type === 'CompositeAlarm') compositeAlarms.push({ ...common, AlarmRule: alarmRule(def) });
      else metricAlarms.push({ ...common, ...metricShape(def) });
    }
    return { metricAlarms, compositeAlarms };
  }

  private evaluateMetric(def: MetricAlarmDefinition, now: number): Omit<AlarmStatus, 'updatedAt'> {
    const threshold = cloudWatchThreshold(def);
    const datapoints: Datapoint[] = [];
    // Most recent first, as CloudWatch lists them in reasons.
    for (let k = 0; k < def.evaluationPeriods; k++) {
      const end = now - k * def.periodSeconds * 1000;
      const stats = this.metrics.window(def.targetGroup, def.periodSeconds, end);
      const enough = stats.requests >= (def.minRequests ?? 1);
      const value = !enough ? undefined : def.metric === '5xxRate' ? stats.errorRate : (stats.p99Ms ?? 0) / 1000;
      datapoints.push({ at: (Math.floor(end / 1000) - def.periodSeconds + 1) * 1000, stats, value });
    }
    const present = datapoints.filter((d) => d.value !== undefined);
    const n = def.evaluationPeriods;
    if (present.length === 0 && def.treatMissingData === 'notBreaching') {
      return { value: 'OK', reason: `Threshold Crossed: no datapoints were received for ${n} period${n > 1 ? 's' : ''} and ${n} missing datapoint${n > 1 ? 's were' : ' was'} treated as [NonBreaching].` };
    }
    if (present.length === 0) {
      return { value: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${n} datapoint${n > 1 ? 's were' : ' was'} unknown.` };
    }
    const needed = def.datapointsToAlarm ?? n;
    const breaching = present.filter((d) => (d.value as number) > threshold);
    const alarm = breaching.length >= needed;
    const shown = alarm ? breaching : present.filter((d) => (d.value as number) <= threshold);
    const list = `[${shown.map((d) => `${round(d.value as number)} (${shortDate(d.at)})`).join(', ')}]`;
    const reason =
      n === 1
        ? `Threshold Crossed: 1 datapoint ${list} was ${alarm ? '' : 'not '}greater than the threshold (${threshold}).`
        : `Threshold Crossed: ${shown.length} out of the last ${n} datapoints ${list} were ${alarm ? '' : 'not '}greater than the threshold (${threshold}) ` +
          (alarm ? `(minimum ${needed} datapoint${needed > 1 ? 's' : ''} for OK -> ALARM transition).` : '(minimum 1 datapoint for ALARM -> OK transition).');
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: new Date(now).toISOString(),
      period: def.periodSeconds,
      recentDatapoints: present.map((d) => round(d.value as number)),
      threshold,
      evaluatedDatapoints: present.map((d) => ({ timestamp: new Date(d.at).toISOString(), sampleCount: d.stats.requests, value: round(d.value as number) })),
    });
    return { value: alarm ? 'ALARM' : 'OK', reason, reasonData };
  }

  private evaluateComposite(def: CompositeAlarmDefinition): Omit<AlarmStatus, 'updatedAt'> {
    const firing = def.children.find((c) => this.current(c).value === 'ALARM');
    if (firing) return { value: 'ALARM', reason: `${this.arn(firing)} transitioned to ALARM at ${longDate(this.current(firing).updatedAt)}` };
    return { value: 'OK', reason: `${alarmRule(def)} evaluated to FALSE: no child alarm is in ALARM` };
  }

  private current(name: string): AlarmStatus {
    const s = this.status.get(name);
    if (!s) throw new Error(`no alarm named ${name}`);
    return s;
  }

  private arn(name: string): string {
    return `arn:aws:cloudwatch:${this.options.region ?? 'us-east-1'}:${this.options.accountId ?? '123456789012'}:alarm:${name}`;
  }
}

/** The metric part of a MetricAlarm as CloudWatch would show an ALB target-group alarm. */
function metricShape(def: MetricAlarmDefinition): Record<string, unknown> {
  const Dimensions = def.dimensions ? Object.entries(def.dimensions).map(([Name, Value]) => ({ Name, Value })) : [{ Name: 'TargetGroup', Value: def.targetGroup.split(':').at(-1) }];
  if (!def.dimensions && def.loadBalancer) Dimensions.push({ Name: 'LoadBalancer', Value: def.loadBalancer.split(':loadbalancer/')[1] });
  const common = {
    EvaluationPeriods: def.evaluationPeriods,
    DatapointsToAlarm: def.datapointsToAlarm ?? def.evaluationPeriods,
    Threshold: cloudWatchThreshold(def),
    ComparisonOperator: 'GreaterThanThreshold',
  };
  if (def.metric === 'p99Ms') {
    return { ...common, Namespace: NAMESPACE, MetricName: 'TargetResponseTime', Dimensions, Period: def.periodSeconds, ExtendedStatistic: 'p99' };
  }
  // A rate is metric math over two ALB metrics.
  const stat = (Id: string, MetricName: string) => ({ Id, MetricStat: { Metric: { Namespace: NAMESPACE, MetricName, Dimensions }, Period: def.periodSeconds, Stat: 'Sum' }, ReturnData: false });
  return {
    ...common,
    Metrics: [
      { Id: 'rate', Expression: 'errors / requests', Label: '5xx rate', ReturnData: true },
      stat('errors', 'HTTPCode_Target_5XX_Count'),
      stat('requests', 'RequestCount'),
    ],
  };
}

/** In CloudWatch's unit: TargetResponseTime is in seconds. */
function cloudWatchThreshold(def: MetricAlarmDefinition): number {
  return def.metric === 'p99Ms' ? def.threshold / 1000 : def.threshold;
}

function alarmRule(def: CompositeAlarmDefinition): string {
  return def.children.map((c) => `ALARM("${c}")`).join(' OR ');
}

function round(value: number): number {
  return Number(value.toFixed(4));
}

/** `22/11/24 02:05:00`, the form CloudWatch uses inside reasons (UTC). */
function shortDate(ms: number): string {
  const d = new Date(ms).toISOString(); // 2024-11-22T02:05:00.000Z
  return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(2, 4)} ${d.slice(11, 19)}`;
}

/** `Friday 22 November, 2024 02:05:00 UTC`, as in composite alarm reasons. */
function longDate(date: Date): string {
  const weekday = date.toLocaleString('en-GB', { weekday: 'long', timeZone: 'UTC' });
  const month = date.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${weekday} ${String(date.getUTCDate()).padStart(2, '0')} ${month}, ${date.getUTCFullYear()} ${date.toISOString().slice(11, 19)} UTC`;
}
