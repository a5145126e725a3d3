// What keeps a restore going and visible when the control plane is bad (docs/failure-modes.md):
//   - the safety net reads each execution's original from Step Functions (GetExecutionHistory on
//     this state machine's executions only), never from the table others can write;
//   - an alarm at the first failed restore attempt (metric RestoreAttemptFailed, emitted by the
//     rollback handler on both paths), and one on a rollout record that differs from Step
//     Functions' (RecordTampered). Both count per stack (dimension Table).
import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { METRIC_DIMENSION, METRIC_NAMESPACE, type MetricName } from '../lambdas/providers/metrics.ts';

export function addRestoreResilience(
  scope: Construct,
  r: { stateMachine: sfn.StateMachine; safetyNet: NodejsFunction; table: dynamodb.Table; topicArn?: string | undefined },
): cloudwatch.Alarm[] {
  const stack = Stack.of(scope);
  const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${r.stateMachine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  r.safetyNet.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:GetExecutionHistory'], resources: [executions] }));
  const smLogicalId = stack.getLogicalId(r.stateMachine.node.defaultChild as sfn.CfnStateMachine);
  const where = `${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}`;
  Validations.of(r.safetyNet.role!).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${where}:execution:<${smLogicalId}.Name>:*]`,
    reason: "states:GetExecutionHistory only, on this state machine's executions (created at run time): the safety net reads the original Prepare recorded from there.",
  });

  const metric = (name: MetricName) =>
    new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName: name, dimensionsMap: { [METRIC_DIMENSION]: r.table.tableName }, period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM });
  const alarm = (id: string, name: MetricName, description: string) =>
    new cloudwatch.Alarm(scope, id, {
      alarmDescription: description,
      metric: metric(name),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const alarms = [
    alarm(
      'RestoreFailingAlarm',
      'RestoreAttemptFailed',
      'canary-switch: an attempt to restore a listener to its original failed (throttling, 5xx, access denied). It is retried for at least 30 minutes ' +
        '(state machine, then the safety net, then the dead-letter queue); traffic may still be shifted: check the listener now (docs/failure-modes.md).',
    ),
    alarm(
      'RecordTamperedAlarm',
      'RecordTampered',
      "canary-switch: a rollout record's original differs from the one Step Functions recorded (forged or corrupted). The safety net restored Step Functions' " +
        'copy and ignored the table; find who wrote the item (CloudTrail data events on the table).',
    ),
  ];
  if (r.topicArn) {
    const topic = sns.Topic.fromTopicArn(scope, 'RestoreAlarmTopic', r.topicArn);
    for (const a of alarms) {
      a.addAlarmAction(new cwActions.SnsAction(topic));
      a.addOkAction(new cwActions.SnsAction(topic));
    }
  }
  return alarms;
}
