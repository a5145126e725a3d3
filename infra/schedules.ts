// EventBridge Scheduler schedules that start rollouts with a fixed input (validated at synth by
// validate.ts). Scoped to the construct that owns them: construct IDs are the construct's own.
import { createHash } from 'node:crypto';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { scheduleKind, type RolloutSchedule } from './validate.ts';

/**
 * Recurring schedules are plain AWS::Scheduler::Schedule resources. One-time `at()` schedules
 * must delete themselves after running (ActionAfterCompletion DELETE), which CloudFormation's
 * Schedule resource does not support, so those are created through the Scheduler API
 * (AwsCustomResource). Names carry a hash of the stack and the schedule, so a changed schedule is
 * a new one (the old one is deleted; a one-time schedule that already ran is already gone).
 */
export function addSchedules(scope: Construct, stateMachine: sfn.StateMachine, schedules: readonly RolloutSchedule[], logRetention: logs.RetentionDays): void {
  if (schedules.length === 0) return;
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'SchedulerRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: 'EventBridge Scheduler starts canary-switch rollouts',
  });
  stateMachine.grantStartExecution(role);

  const oneTime = schedules.filter((s) => scheduleKind(s.expression) === 'one-time');
  const scheduleArn = (name: string) =>
    stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `default/${name}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const createRole = oneTime.length
    ? new iam.Role(scope, 'OneTimeSchedulesRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'Creates the one-time canary-switch schedules' })
    : undefined;
  const createLogs = createRole ? new logs.LogGroup(scope, 'OneTimeSchedulesLogs', { retention: logRetention }) : undefined;
  if (createRole && createLogs) {
    createLogs.grantWrite(createRole);
    createRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: oneTime.map((s) => scheduleArn(physicalName(stack, s))),
      }),
    );
    createRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }

  for (const s of schedules) {
    const name = physicalName(stack, s);
    const target = {
      arn: stateMachine.stateMachineArn,
      roleArn: role.roleArn,
      input: JSON.stringify(s.input),
      // A rollout that could not start within 15 minutes of its time is dropped, not started late.
      retryPolicy: { maximumEventAgeInSeconds: 900, maximumRetryAttempts: 5 },
    };
    const common = {
      name,
      description: s.description ?? `canary-switch: start a rollout (${s.name})`,
      scheduleExpression: s.expression,
      scheduleExpressionTimezone: s.timeZone ?? 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: s.enabled === false ? 'DISABLED' : 'ENABLED',
    };
    if (scheduleKind(s.expression) === 'recurring') {
      new scheduler.CfnSchedule(scope, `Schedule-${s.name}`, { ...common, target });
      continue;
    }
    const create: cr.AwsSdkCall = {
      service: 'Scheduler',
      action: 'CreateSchedule',
      parameters: {
        Name: common.name,
        Description: common.description,
        ScheduleExpression: common.scheduleExpression,
        ScheduleExpressionTimezone: common.scheduleExpressionTimezone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: common.state,
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: target.arn,
          RoleArn: target.roleArn,
          Input: target.input,
          RetryPolicy: { MaximumEventAgeInSeconds: target.retryPolicy.maximumEventAgeInSeconds, MaximumRetryAttempts: target.retryPolicy.maximumRetryAttempts },
        },
      },
      physicalResourceId: cr.PhysicalResourceId.of(name),
    };
    const oneTimeSchedule = new cr.AwsCustomResource(scope, `Schedule-${s.name}`, {
      resourceType: 'Custom::CanarySwitchOneTimeSchedule',
      onCreate: create,
      // Anything the user changes changes the name, hence a new resource; an update only carries
      // new ARNs of this stack (e.g. a replaced state machine). A schedule that already ran is gone.
      onUpdate: { ...create, action: 'UpdateSchedule', ignoreErrorCodesMatching: 'ResourceNotFoundException' },
      onDelete: {
        service: 'Scheduler',
        action: 'DeleteSchedule',
        parameters: { Name: name },
        // It deletes itself after it runs.
        ignoreErrorCodesMatching: 'ResourceNotFoundException',
      },
      role: createRole,
      ...(createLogs ? { logGroup: createLogs } : {}),
      installLatestAwsSdk: false,
    });
    oneTimeSchedule.node.addDependency(role);
  }
}

/** `<name>-<hash of stack and schedule>`: unique across stacks, and new whenever the schedule changes. */
export function physicalName(stack: Stack, s: RolloutSchedule): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([stack.stackName, stack.account, stack.region, s.name, s.expression, s.timeZone ?? 'UTC', s.input, s.enabled ?? true, s.description ?? '']))
    .digest('hex')
    .slice(0, 8);
  return `${s.name}-${hash}`;
}
