// Alarms on the workflow itself: a rollout that did not promote, and a safety net that could not
// restore (function errors or dead letters). Optional SNS topic for both states.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/** RolloutsNotPromotedAlarm and SafetyNetFailedAlarm (construct IDs under `scope`). */
export function addWorkflowAlarms(scope: Construct, w: { stateMachine: sfn.StateMachine; safetyNet: lambda.IFunction; safetyNetDeadLetters: sqs.IQueue }, topicArn: string | undefined): cloudwatch.Alarm[] {
  const period = Duration.minutes(5);
  const sum = { period, statistic: cloudwatch.Stats.SUM };
  const notPromoted = new cloudwatch.Alarm(scope, 'RolloutsNotPromotedAlarm', {
    alarmDescription:
      'canary-switch: a rollout did not promote (rolled back, failed, timed out or was stopped). The safety net restores the original weights; ' +
      'read the execution in the Step Functions console and the rollout thread in Slack.',
    metric: new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
      usingMetrics: {
        failed: w.stateMachine.metricFailed(sum),
        timedOut: w.stateMachine.metricTimedOut(sum),
        aborted: w.stateMachine.metricAborted(sum),
      },
      period,
      label: 'executions FAILED + TIMED_OUT + ABORTED',
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const safetyNetFailed = new cloudwatch.Alarm(scope, 'SafetyNetFailedAlarm', {
    alarmDescription:
      'canary-switch: the safety net could not restore an execution (function errors, or an event in the dead-letter queue). ' +
      'Traffic may be left shifted: check the listener now, then redrive the dead-letter queue or run the rollback function with the event.',
    metric: new cloudwatch.MathExpression({
      expression: 'FILL(errors, 0) + FILL(dead, 0)',
      usingMetrics: {
        errors: w.safetyNet.metricErrors(sum),
        dead: w.safetyNetDeadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
      },
      period,
      label: 'safety-net errors + dead letters',
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const alarms = [notPromoted, safetyNetFailed];
  if (topicArn) {
    const topic = sns.Topic.fromTopicArn(scope, 'AlarmTopic', topicArn);
    for (const alarm of alarms) {
      alarm.addAlarmAction(new cwActions.SnsAction(topic));
      alarm.addOkAction(new cwActions.SnsAction(topic));
    }
  }
  return alarms;
}
