// Abort on alarm (issue 14 §1; lambdas/handlers/alarm-abort.ts): an EventBridge rule on every
// "CloudWatch Alarm State Change" into ALARM in this account and region invokes the AlarmAbort
// function, which restores and stops each running rollout that watches the alarm. The function
// itself is made by the construct like every other (FUNCTIONS in infra/functions.ts: item access,
// the ELB read and Modify statements, the Slack secret); this adds what only it needs:
//   - states:DescribeExecution, GetExecutionHistory and StopExecution on this state machine's executions,
//   - dynamodb:Query on watch#<alarm> items only (LeadingKeys),
//   - the rule (retries, then the restore paths' dead-letter queue), and an alarm on its errors.
import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ITEM_ACCESS, itemStatements } from './least-privilege.ts';

/** The function's own settings, for the construct's make(): two minutes (restore, stop, bookkeeping), async retries, dead letters. */
export function alarmAbortFunctionOptions(deadLetters: sqs.IQueue): { deadLetterQueue: sqs.IQueue; retryAttempts: number; maxEventAge: Duration; timeout: Duration } {
  return { deadLetterQueue: deadLetters, retryAttempts: 2, maxEventAge: Duration.hours(1), timeout: Duration.minutes(2) };
}

/** The event pattern: any alarm of the account and region entering ALARM (inputs name their alarms at run time). */
export const ALARM_STATE_CHANGE_PATTERN: events.EventPattern = {
  source: ['aws.cloudwatch'],
  detailType: ['CloudWatch Alarm State Change'],
  detail: { state: { value: ['ALARM'] } },
};

export function addAlarmAbort(
  scope: Construct,
  a: { fn: NodejsFunction; stateMachine: sfn.StateMachine; table: dynamodb.Table; deadLetters: sqs.IQueue; topicArn?: string | undefined },
): { rule: events.Rule; alarm: cloudwatch.Alarm } {
  const stack = Stack.of(scope);
  const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${a.stateMachine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  a.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'], resources: [executions] }));
  for (const statement of itemStatements(a.table.tableArn, 'AlarmAbort', ITEM_ACCESS.AlarmAbort ?? {}, ['dynamodb:Query'])) a.fn.addToRolePolicy(statement);
  const smLogicalId = stack.getLogicalId(a.stateMachine.node.defaultChild as sfn.CfnStateMachine);
  const where = `${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}`;
  Validations.of(a.fn.role!).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${where}:execution:<${smLogicalId}.Name>:*]`,
    reason:
      "states:DescribeExecution, GetExecutionHistory and StopExecution on this state machine's executions only (created at run time): " +
      'the alarm abort reads the original from the execution history and stops the rollout it restored.',
  });

  const rule = new events.Rule(scope, 'AlarmAbortRule', {
    description: 'canary-switch abort on alarm: an alarm entering ALARM restores and stops every running rollout that watches it',
    eventPattern: ALARM_STATE_CHANGE_PATTERN,
    targets: [new targets.LambdaFunction(a.fn, { deadLetterQueue: a.deadLetters, retryAttempts: 8, maxEventAge: Duration.hours(1) })],
  });

  const alarm = new cloudwatch.Alarm(scope, 'AlarmAbortFailedAlarm', {
    alarmDescription:
      'canary-switch: the abort on alarm failed for an alarm event (function errors; dead letters are in the safety net queue). ' +
      'The rollout still rolls back at its next poll; check the listener and the AlarmAbort function logs.',
    metric: a.fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (a.topicArn) {
    const topic = sns.Topic.fromTopicArn(scope, 'AlarmAbortTopic', a.topicArn);
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    alarm.addOkAction(new cwActions.SnsAction(topic));
  }
  return { rule, alarm };
}
