// Abort on alarm in the template (infra/alarm-abort.ts): the EventBridge rule on CloudWatch alarm
// state changes into ALARM, the AlarmAbort function (reserved concurrency, retries, dead letters)
// and its least-privilege role.
import { describe, expect, it } from 'vitest';
import { ITEM_ACCESS } from '../../infra/least-privilege.ts';
import { ACCOUNT, FULL_PROPS, LISTENER, REGION, RULE, fnLogicalId, props, resources, statementsOf, synth, type Statement } from './fixtures.ts';

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const t = synth(FULL_PROPS).template;
const sm = Object.keys(resources(t, 'AWS::StepFunctions::StateMachine'))[0]!;
const table = Object.keys(resources(t, 'AWS::DynamoDB::Table'))[0]!;
const queue = Object.keys(resources(t, 'AWS::SQS::Queue')).find((id) => id.startsWith('CanarySwitchSafetyNetDeadLetters'))!;
const executions = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:states:${REGION}:${ACCOUNT}:execution:`, { 'Fn::GetAtt': [sm, 'Name'] }, ':*']] };
const own = statementsOf(t, 'AlarmAbort');
const shape = (s: Statement) => ({ Action: s.Action, Resource: s.Resource, ...(s.Condition ? { Condition: s.Condition } : {}) });

describe('the abort-on-alarm rule', () => {
  const rules = Object.values(resources(t, 'AWS::Events::Rule')).filter((r) => (props(r).EventPattern as { source?: string[] }).source?.[0] === 'aws.cloudwatch');

  it('matches every CloudWatch alarm entering ALARM and targets the AlarmAbort function, with retries and the dead-letter queue', () => {
    expect(rules).toHaveLength(1);
    const p = props(rules[0]!);
    expect(p.EventPattern).toEqual({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { state: { value: ['ALARM'] } } });
    expect(p.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnLogicalId(t, 'AlarmAbort'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 8 },
      }),
    ]);
  });

  it('the function: reserved concurrency (the restore paths always have room), 2-minute timeout, async retries into the same dead-letter queue', () => {
    const fn = props(resources(t, 'AWS::Lambda::Function')[fnLogicalId(t, 'AlarmAbort')]!);
    expect({ reserved: fn.ReservedConcurrentExecutions, timeout: fn.Timeout, dlq: fn.DeadLetterConfig }).toEqual({ reserved: 5, timeout: 120, dlq: { TargetArn: { 'Fn::GetAtt': [queue, 'Arn'] } } });
    const invokeConfig = Object.values(resources(t, 'AWS::Lambda::EventInvokeConfig')).map(props).find((c) => JSON.stringify(c.FunctionName).includes(fnLogicalId(t, 'AlarmAbort')));
    expect(invokeConfig).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
  });

  it('an alarm on the function’s errors, notifying the topic', () => {
    const alarm = Object.entries(resources(t, 'AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith('CanarySwitchAlarmAbortFailedAlarm'))!;
    expect(props(alarm[1])).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnLogicalId(t, 'AlarmAbort') } }],
      AlarmActions: [FULL_PROPS.alarmTopicArn],
    });
  });
});

describe('the AlarmAbort role (least privilege)', () => {
  it('Step Functions: describe, read the history of and stop this state machine’s executions only', () => {
    expect(own.filter((s) => s.Action.some((a) => a.startsWith('states:'))).map(shape)).toEqual([
      { Action: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'], Resource: [executions] },
    ]);
  });

  it('DynamoDB: Query watch# items, write its audit, flag and end the rollout record, remove watch items; never the lock', () => {
    const dynamo = own.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));
    for (const s of dynamo) expect(s.Resource).toEqual([arnOf(table)]);
    const byAction: Record<string, string[]> = {};
    for (const s of dynamo) {
      const keys = (s.Condition?.['ForAllValues:StringLike'] as Record<string, string[]>)['dynamodb:LeadingKeys']!;
      for (const a of s.Action) byAction[a] = [...(byAction[a] ?? []), ...keys].sort();
    }
    expect(byAction).toEqual({
      'dynamodb:Query': ['watch#*'],
      'dynamodb:GetItem': ['rollout#*'],
      'dynamodb:PutItem': ['audit#*'],
      'dynamodb:UpdateItem': ['rollout#*'],
      'dynamodb:DeleteItem': ['watch#*'],
    });
    expect(Object.keys(ITEM_ACCESS.AlarmAbort!).sort()).toEqual(Object.keys(byAction).sort());
  });

  it('ELB: the same Modify statements as the safety net (exactly the props’ listener and rule), reads on * only where AWS has no resource scoping', () => {
    const modify = (id: string) => statementsOf(t, id).filter((s) => s.Action.some((a) => a.startsWith('elasticloadbalancing:Modify'))).map(shape);
    expect(modify('AlarmAbort')).toEqual([
      { Action: ['elasticloadbalancing:ModifyListener'], Resource: [LISTENER] },
      { Action: ['elasticloadbalancing:ModifyRule'], Resource: [RULE] },
    ]);
    expect(modify('AlarmAbort')).toEqual(modify('SafetyNet'));
    const onStar = own.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action).sort();
    expect(onStar).toEqual(
      ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetHealth', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
  });
});
