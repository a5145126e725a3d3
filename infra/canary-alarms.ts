// The alarms a careful SRE puts on a canary, for BOTH target groups of a pair (with alternating
// releases either group is the canary in turn), named so their list can go straight into the
// rollout input's `alarms`. Usable standalone or through CanarySwitch's `canaryAlarms` prop.
//
// Why these numbers (CloudWatch ALB metrics are per minute; a step bakes 10 minutes by default):
// - period 60 s: the finest ALB metrics have; evaluation 3 periods, 2 must breach ("2 of 3"): one
//   bad minute is noise (a deploy, a burst), two of three is a trend, and it still fires within
//   ~2–3 minutes of a regression, well inside one bake.
// - 5xx rate = HTTPCode_Target_5XX_Count / RequestCount (metric math), only when the minute had at
//   least `minRequests` requests: at 1% a canary may get a handful of requests a minute, and 1 error
//   in 3 requests is not a 33% error rate anyone should roll back on. A missing 5xx count is 0
//   (the ALB publishes nothing for a minute without errors); a minute without requests is not
//   breaching (treatMissingData notBreaching), so a quiet canary reads OK rather than INSUFFICIENT_DATA.
// - TargetResponseTime p99, also only over `minRequests` samples (a p99 of three requests is their
//   maximum).
// - UnHealthyHostCount Maximum ≥ 1 for 2 of 2 minutes: a target failing health checks; one minute
//   is tolerated for a target that is being replaced.
import { CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct, type IConstruct } from 'constructs';

/** An ALB construct (elbv2.ApplicationLoadBalancer, or one imported with fromLookup). */
export type AlbConstruct = IConstruct & { readonly loadBalancerFullName: string };
/** A target group construct (elbv2.ApplicationTargetGroup). */
export type TargetGroupConstruct = IConstruct & { readonly targetGroupFullName: string };

export interface CanaryAlarmsProps {
  /** The ALB: its ARN, or the construct. */
  readonly loadBalancer: string | AlbConstruct;
  /** The pair (both get every alarm): target group ARNs or constructs. */
  readonly targetGroups: readonly (string | TargetGroupConstruct)[];
  /** Alarm names start with this (default: the load balancer's name from its ARN, or its construct id, e.g. `web` → `web-green-5xx`). */
  readonly namePrefix?: string;
  /** 5xx rate (0–1) above which a minute breaches. Default 0.05 (5%). */
  readonly maxErrorRate?: number;
  /** p99 of TargetResponseTime above which a minute breaches. Default 1 second. */
  readonly maxP99?: Duration;
  /** Fewest requests in a minute for the rate and p99 to count. Default 20. */
  readonly minRequests?: number;
}

export const CANARY_ALARM_DEFAULTS = { maxErrorRate: 0.05, maxP99Seconds: 1, minRequests: 20, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 } as const;

interface Group {
  /** e.g. `green`, for alarm names. */
  name: string;
  /** The TargetGroup dimension: `targetgroup/green/83e2…`. */
  dimension: string;
}

export class CanaryAlarms extends Construct {
  /** Every alarm, per target group, in the order 5xx, p99, unhealthy. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The names to put in the rollout input's `alarms`. */
  readonly alarmNames: string[] = [];

  constructor(scope: Construct, id: string, props: CanaryAlarmsProps) {
    super(scope, id);
    const problems = propsProblems(props);
    if (problems.length > 0) throw new Error(`canary-switch: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the canaryAlarms props of ${this.node.path}:\n- ${problems.join('\n- ')}`);
    const lb = loadBalancerOf(props.loadBalancer);
    const prefix = props.namePrefix ?? lb.name;
    const maxErrorRate = props.maxErrorRate ?? CANARY_ALARM_DEFAULTS.maxErrorRate;
    const maxP99 = props.maxP99?.toMilliseconds() ?? CANARY_ALARM_DEFAULTS.maxP99Seconds * 1000;
    const minRequests = props.minRequests ?? CANARY_ALARM_DEFAULTS.minRequests;
    const period = Duration.seconds(CANARY_ALARM_DEFAULTS.periodSeconds);

    props.targetGroups.forEach((tg, i) => {
      const group = targetGroupOf(tg);
      const dimensionsMap = { LoadBalancer: lb.dimension, TargetGroup: group.dimension };
      const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({ namespace: 'AWS/ApplicationELB', metricName, dimensionsMap, statistic, period });
      const common = {
        evaluationPeriods: CANARY_ALARM_DEFAULTS.evaluationPeriods,
        datapointsToAlarm: CANARY_ALARM_DEFAULTS.datapointsToAlarm,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      };
      const add = (suffix: string, alarm: (name: string) => cloudwatch.Alarm) => {
        const name = `${prefix}-${group.name}-${suffix}`;
        this.alarms.push(alarm(name));
        this.alarmNames.push(name);
      };
      add('5xx', (alarmName) =>
        new cloudwatch.MathExpression({
          expression: `IF(requests >= ${minRequests}, FILL(errors, 0) / requests, 0)`,
          usingMetrics: { requests: metric('RequestCount', 'Sum'), errors: metric('HTTPCode_Target_5XX_Count', 'Sum') },
          period,
          label: `5xx rate (minutes with ≥ ${minRequests} requests)`,
        }).createAlarm(this, `Errors${i}`, {
          ...common,
          alarmName,
          threshold: maxErrorRate,
          alarmDescription: `canary-switch: ${group.name} answers more than ${maxErrorRate * 100}% 5xx (HTTPCode_Target_5XX_Count / RequestCount, minutes with ≥ ${minRequests} requests), 2 of 3 minutes`,
        }),
      );
      add('p99', (alarmName) =>
        new cloudwatch.MathExpression({
          expression: `IF(samples >= ${minRequests}, p99, 0)`,
          usingMetrics: { samples: metric('TargetResponseTime', 'SampleCount'), p99: metric('TargetResponseTime', 'p99') },
          period,
          label: `TargetResponseTime p99 (minutes with ≥ ${minRequests} requests)`,
        }).createAlarm(this, `Latency${i}`, {
          ...common,
          alarmName,
          threshold: maxP99 / 1000,
          alarmDescription: `canary-switch: ${group.name} p99 TargetResponseTime above ${maxP99 / 1000}s (minutes with ≥ ${minRequests} requests), 2 of 3 minutes`,
        }),
      );
      add('unhealthy', (alarmName) =>
        metric('UnHealthyHostCount', 'Maximum').createAlarm(this, `Unhealthy${i}`, {
          ...common,
          alarmName,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          threshold: 1,
          alarmDescription: `canary-switch: ${group.name} has an unhealthy target for 2 minutes in a row`,
        }),
      );
    });

    new CfnOutput(this, 'AlarmNames', {
      value: Stack.of(this).toJsonString(this.alarmNames),
      description: 'canary-switch: the rollout input\'s "alarms" (every canary alarm of both target groups)',
    });
  }
}

function propsProblems(props: CanaryAlarmsProps): string[] {
  const problems: string[] = [];
  if (props.targetGroups.length !== 2) problems.push(`targetGroups: ${props.targetGroups.length} given; give the pair (2), so either can be the canary`);
  if (props.maxErrorRate !== undefined && !(props.maxErrorRate > 0 && props.maxErrorRate < 1)) problems.push(`maxErrorRate = ${props.maxErrorRate}: a fraction between 0 and 1, e.g. 0.05 for 5%`);
  if (props.minRequests !== undefined && !(Number.isInteger(props.minRequests) && props.minRequests >= 1)) problems.push(`minRequests = ${props.minRequests}: a whole number ≥ 1`);
  if (typeof props.loadBalancer === 'string' && !Token.isUnresolved(props.loadBalancer) && !LB_ARN.test(props.loadBalancer)) {
    problems.push(`loadBalancer = ${JSON.stringify(props.loadBalancer)}: not an ALB ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)`);
  }
  props.targetGroups.forEach((tg, i) => {
    if (typeof tg === 'string' && !Token.isUnresolved(tg) && !TG_ARN.test(tg)) problems.push(`targetGroups[${i}] = ${JSON.stringify(tg)}: not a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)`);
  });
  return problems;
}

const LB_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(app\/([^/]+)\/[^/]+)$/;
const TG_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:(targetgroup\/([^/]+)\/[^/]+)$/;

function loadBalancerOf(lb: string | AlbConstruct): { name: string; dimension: string } {
  if (typeof lb !== 'string') return { name: lb.node.id.toLowerCase(), dimension: lb.loadBalancerFullName };
  const m = LB_ARN.exec(lb);
  return { name: m?.[2] ?? 'alb', dimension: m?.[1] ?? lb };
}

function targetGroupOf(tg: string | TargetGroupConstruct): Group {
  if (typeof tg !== 'string') return { name: tg.node.id.toLowerCase(), dimension: tg.targetGroupFullName };
  const m = TG_ARN.exec(tg);
  return { name: m?.[2] ?? 'tg', dimension: m?.[1] ?? tg };
}
