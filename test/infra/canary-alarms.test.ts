// The canary alarms: for both target groups, 5xx rate by metric math with a minimum request
// count, p99 over enough samples, unhealthy hosts; names output for the rollout input.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { CanaryAlarms } from '../../infra/canary-alarms.ts';
import { ARNS } from '../support/arns.ts';
import { ACCOUNT, CANARY, REGION, STABLE, templateOf } from './fixtures.ts';

const LB = ARNS.loadBalancer;

function synthAlarms(props: Partial<ConstructorParameters<typeof CanaryAlarms>[2]> = {}) {
  const stack = new Stack(new App(), 'Alarms', { env: { account: ACCOUNT, region: REGION } });
  const alarms = new CanaryAlarms(stack, 'CanaryAlarms', { loadBalancer: LB, targetGroups: [STABLE, CANARY], ...props });
  return { alarms, template: templateOf(stack) };
}

const dims = (tg: string) => [
  { Name: 'LoadBalancer', Value: 'app/web/50dc6c495c0c9188' },
  { Name: 'TargetGroup', Value: tg },
];

describe('CanaryAlarms', () => {
  it('creates the three alarms for both groups, named for the input, and outputs the names', () => {
    const { alarms, template } = synthAlarms();
    expect(alarms.alarmNames).toEqual(['web-blue-5xx', 'web-blue-p99', 'web-blue-unhealthy', 'web-green-5xx', 'web-green-p99', 'web-green-unhealthy']);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    const outputs = template.findOutputs('*');
    const [output] = Object.values(outputs);
    expect(output?.Value).toBe(JSON.stringify(alarms.alarmNames));
  });

  it('5xx: HTTPCode_Target_5XX_Count / RequestCount per minute, only with ≥ 20 requests, 2 of 3 minutes over 5%', () => {
    const { template } = synthAlarms();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'web-green-5xx',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0.05,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      Metrics: [
        { Id: 'expr_1', Expression: 'IF(requests >= 20, FILL(errors, 0) / requests, 0)', Label: '5xx rate (minutes with ≥ 20 requests)' },
        { Id: 'requests', ReturnData: false, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: dims('targetgroup/green/83e2d6bc24d8a068') }, Period: 60, Stat: 'Sum' } },
        { Id: 'errors', ReturnData: false, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: dims('targetgroup/green/83e2d6bc24d8a068') }, Period: 60, Stat: 'Sum' } },
      ],
    });
  });

  it('p99 over enough samples, and unhealthy hosts 2 minutes in a row, with the thresholds given', () => {
    const { template } = synthAlarms({ maxP99: Duration.millis(800), minRequests: 50, namePrefix: 'shop' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shop-blue-p99',
      Threshold: 0.8,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Metrics: [
        { Id: 'expr_1', Expression: 'IF(samples >= 50, p99, 0)' },
        { Id: 'samples', ReturnData: false, MetricStat: { Metric: { MetricName: 'TargetResponseTime', Dimensions: dims('targetgroup/blue/73e2d6bc24d8a067') }, Period: 60, Stat: 'SampleCount' } },
        { Id: 'p99', ReturnData: false, MetricStat: { Metric: { MetricName: 'TargetResponseTime', Dimensions: dims('targetgroup/blue/73e2d6bc24d8a067') }, Period: 60, Stat: 'p99' } },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shop-green-unhealthy',
      MetricName: 'UnHealthyHostCount',
      Namespace: 'AWS/ApplicationELB',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Dimensions: dims('targetgroup/green/83e2d6bc24d8a068'),
    });
  });

  it('refuses props that cannot make sense, naming each', () => {
    expect(() => synthAlarms({ targetGroups: [STABLE], maxErrorRate: 5, loadBalancer: 'web' })).toThrow(
      'canary-switch: 3 problems in the canaryAlarms props of Alarms/CanaryAlarms:\n' +
        '- targetGroups: 1 given; give the pair (2), so either can be the canary\n' +
        '- maxErrorRate = 5: a fraction between 0 and 1, e.g. 0.05 for 5%\n' +
        '- loadBalancer = "web": not an ALB ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)',
    );
  });
});
