// The canary-switch construct: the rollout state machine (from statemachine/rollout.asl.json, the one
// copy of the workflow), its Lambdas, the DynamoDB table, EventBridge Scheduler schedules, the Slack
// endpoint, the "Stop = restore" safety net and an alarm on the workflow itself. IAM is per function
// and names exact resources; the only `Resource: *` statements hold read actions AWS offers no
// resource scoping for (test/infra asserts that).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { handlerCode } from './assets.ts';
import { BUNDLE, REPO_ROOT, handlerEntry } from './bundle.ts';
import type { HandlerName } from './handlers.ts';
import { ITEM_ACCESS, OPERATOR_ITEM_ACCESS, executionLogGroupName, itemStatements, reserveConcurrency } from './least-privilege.ts';
import { CanaryAlarms, type CanaryAlarmsProps } from './canary-alarms.ts';
import { addAlarmAbort, alarmAbortFunctionOptions } from './alarm-abort.ts';
import { addRestoreResilience } from './restore-resilience.ts';
import { addSchedules } from './schedules.ts';
import { addWorkflowAlarms } from './workflow-alarms.ts';
import { FUNCTIONS, SUBSTITUTIONS, UNSCOPABLE_READS, type FunctionId, type FunctionSpec } from './functions.ts';
import { elbv2Infra, exampleElbv2Target, type ShiftableTag } from './providers/elbv2.ts';
import type { ApiGatewayProps } from './providers/apigateway.ts';
import type { CloudFrontProps } from './providers/cloudfront.ts';
import { configuredProviders } from './providers/index.ts';
import type { Route53Config } from './providers/route53.ts';
import { scheduleProblems, uniqueNameProblems, type RolloutSchedule } from './validate.ts';

export type { ShiftableTag } from './providers/elbv2.ts';

export type { RolloutSchedule } from './validate.ts';

export const ASL_PATH = join(REPO_ROOT, 'statemachine', 'rollout.asl.json');

/** Slack approvals and notifications. Without it, no Slack endpoint is deployed. */
export interface SlackProps {
  /**
   * Complete ARN (with the 6-character suffix) of the Secrets Manager secret holding the bot token
   * (`xoxb-…`, or JSON `{"botToken": "xoxb-…"}`). Every function that posts can read it.
   * Create it yourself; secrets never go in a template.
   */
  readonly botTokenSecretArn: string;
  /**
   * Complete ARN of the secret holding the app's signing secret (plain, or JSON `{"signingSecret": "…"}`).
   * Only the Slack callback can read it: it is what makes a forged click fail.
   */
  readonly signingSecretArn: string;
  /** Slack user ids (U…/W…) allowed to approve or reject. At least one. */
  readonly allowedUsers: readonly string[];
  /** The workspace (team) id, T…: clicks from any other workspace are refused. */
  readonly teamId: string;
  /** When set, clicks must come from this Slack app (A…). @default - any app of the workspace (requests are still signature-checked) */
  readonly appId?: string;
  /** Channel for rollouts whose input has no slack.channel. @default - only inputs with slack.channel post to Slack */
  readonly channel?: string;
}

export interface CanarySwitchProps {
  /** Listener ARNs whose default action a rollout may shift (ModifyListener on exactly these). @default [] */
  readonly listenerArns?: readonly string[];
  /** Listener rule ARNs whose forward action a rollout may shift (ModifyRule on exactly these). @default [] */
  readonly ruleArns?: readonly string[];
  /**
   * Also allow ModifyListener / ModifyRule on listeners and rules tagged `key=value` (a rule needs
   * the tag itself; a listener's tag does not cover its rules). Schedules' ARNs are then not checked
   * at synth, since tags are only known at run time. At least one of listenerArns, ruleArns and
   * shiftableTag is required. @default - no tag-based permission
   */
  readonly shiftableTag?: ShiftableTag;
  /** Route 53 hosted zones whose weighted records a rollout may shift (docs/providers/route53.md). @default - none */
  readonly route53?: Route53Config;
  /** API Gateway REST API stages rollouts may shift (GET/PATCH on exactly these; infra/providers/apigateway.ts). @default - none */
  readonly apigateway?: ApiGatewayProps;
  /** CloudFront distributions (primary and staging) rollouts may shift (infra/providers/cloudfront.ts). @default - none */
  readonly cloudfront?: CloudFrontProps;
  /** Slack approvals and notifications. @default - no Slack: approvals can only be decided with the CLI, and schedules may not ask for approvals */
  readonly slack?: SlackProps;
  /** Rollouts started by EventBridge Scheduler; each input is validated at synth. @default [] */
  readonly schedules?: readonly RolloutSchedule[];
  /** SNS topic the alarms notify (ALARM and OK). @default - alarms without actions */
  readonly alarmTopicArn?: string;
  /**
   * The state machine's execution timeout. An execution that reaches it ends TIMED_OUT and the
   * safety net restores the original weights. @default Duration.hours(24)
   */
  readonly executionTimeout?: Duration;
  /** Retention of the functions' and the state machine's logs. @default RetentionDays.THREE_MONTHS (the table keeps audit records 90 days) */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the table (locks, rollout records, audit trail) when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** Memory of every function, MB (also buys CPU for a faster cold start). @default 512 */
  readonly memorySize?: number;
  /** Handler entry files, by handler, bundled with esbuild at synth. For tests and forks. @default the installed package's pre-bundled handlers (a checkout: lambdas/handlers/<name>.ts) */
  readonly entries?: Partial<Record<HandlerName, string>>;
  /** Create 5xx-rate, p99 and unhealthy-host alarms for both target groups (infra/canary-alarms.ts) and output their names for the input. */
  readonly canaryAlarms?: CanaryAlarmsProps;
}

export const EXECUTION_ENDED_BADLY = ['ABORTED', 'TIMED_OUT', 'FAILED'];

export class CanarySwitch extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly table: dynamodb.Table;
  readonly functions: Partial<Record<FunctionId, NodejsFunction>> = {};
  readonly safetyNetRule: events.Rule;
  readonly safetyNetDeadLetters: sqs.Queue;
  /** The abort-on-alarm rule and the alarm on its function's errors. */
  readonly alarmAbort: ReturnType<typeof addAlarmAbort>;
  readonly alarms: cloudwatch.Alarm[];
  /** What the canary-switch CLI needs (start, watch, approve, abort); attach it to operators' roles. */
  readonly operatorPolicy: iam.ManagedPolicy;
  /** The Slack interactivity URL (set when `slack` is configured). */
  readonly slackCallbackUrl?: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: CanarySwitchProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const listenerArns = [...(props.listenerArns ?? [])];
    const ruleArns = [...(props.ruleArns ?? [])];
    const schedules = [...(props.schedules ?? [])];
    const executionTimeout = props.executionTimeout ?? Duration.hours(24);
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    const providers = configuredProviders(props, this);
    const problems = [
      ...propsProblems(props, providers.length),
      ...providers.flatMap((p) => p.problems),
      ...uniqueNameProblems(schedules),
      ...schedules.flatMap((s) =>
        scheduleProblems(s, {
          listenerArns,
          ruleArns,
          tagMode: props.shiftableTag !== undefined,
          props,
          slack: props.slack !== undefined,
          executionTimeoutSeconds: executionTimeout.toSeconds(),
        }),
      ),
    ];
    if (problems.length > 0) {
      throw new Error(`canary-switch: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the props of ${this.node.path}:\n- ${problems.join('\n- ')}`);
    }
    if (props.canaryAlarms) new CanaryAlarms(this, 'CanaryAlarms', props.canaryAlarms);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const slackSecret = props.slack ? secretsmanager.Secret.fromSecretCompleteArn(this, 'SlackBotTokenSecret', props.slack.botTokenSecretArn) : undefined;
    const signingSecret = props.slack ? secretsmanager.Secret.fromSecretCompleteArn(this, 'SlackSigningSecret', props.slack.signingSecretArn) : undefined;
    const slackEnv: Record<string, string> = props.slack
      ? {
          SLACK_BOT_TOKEN_SECRET_ARN: props.slack.botTokenSecretArn,
          SLACK_ALLOWED_USERS: props.slack.allowedUsers.join(','),
          SLACK_TEAM_ID: props.slack.teamId,
          ...(props.slack.appId ? { SLACK_APP_ID: props.slack.appId } : {}),
          ...(props.slack.channel ? { SLACK_CHANNEL: props.slack.channel } : {}),
        }
      : {};

    this.safetyNetDeadLetters = new sqs.Queue(this, 'SafetyNetDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.safetyNetDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the safety net (its EventBridge target and its async invocations); a DLQ of a DLQ adds nothing.',
    });

    // Each configured provider's statements (infra/providers), scoped to its configured resources.
    const reads = providers.flatMap((p) => p.grants.read);
    const modify = providers.flatMap((p) => p.grants.write);
    for (const ack of providers.flatMap((p) => p.grants.acknowledgements ?? [])) Validations.of(this).acknowledge(ack);
    const make = (fnId: FunctionId): NodejsFunction => {
      const spec = FUNCTIONS[fnId];
      const fn = this.makeFunction(fnId, spec, {
        entry: props.entries?.[spec.handler] ?? handlerEntry(spec.handler),
        memorySize: props.memorySize ?? 512,
        logRetention,
        environment: {
          TABLE_NAME: this.table.tableName,
          // Prepare holds the listener lock as long as an execution can live.
          ...(fnId === 'Prepare' ? { EXECUTION_TIMEOUT_SECONDS: String(executionTimeout.toSeconds()) } : {}),
          ...(spec.slack ? slackEnv : {}),
          ...(fnId === 'SlackCallback' && props.slack ? { SLACK_SIGNING_SECRET_ARN: props.slack.signingSecretArn } : {}),
        },
        ...(fnId === 'SafetyNet'
          ? // 15 minutes: it keeps retrying a failing restore for as long as it may run (docs/failure-modes.md).
            { deadLetterQueue: this.safetyNetDeadLetters, retryAttempts: 2, maxEventAge: Duration.hours(6), timeout: Duration.minutes(15) }
          : {}),
        ...(fnId === 'AlarmAbort' ? alarmAbortFunctionOptions(this.safetyNetDeadLetters) : {}),
      });
      const tableActions = [...new Set([...spec.table, ...(props.slack && spec.slack ? spec.slackTable : [])])];
      // Each action on the items it needs only (partition key prefixes; infra/least-privilege.ts).
      for (const statement of itemStatements(this.table.tableArn, fnId, ITEM_ACCESS[fnId] ?? {}, tableActions)) fn.addToRolePolicy(statement);
      reserveConcurrency(fn, fnId);
      if (spec.elbRead) for (const statement of reads) fn.addToRolePolicy(statement);
      if (spec.alarms) fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...UNSCOPABLE_READS.alarms, ...(spec.handler === 'evaluate' ? [...UNSCOPABLE_READS.alarmHistory, ...UNSCOPABLE_READS.metrics] : [])], resources: ['*'] }));
      if (spec.elbModify) for (const statement of modify) fn.addToRolePolicy(statement);
      if (spec.slack && slackSecret) slackSecret.grantRead(fn);
      if (fnId === 'SlackCallback' && signingSecret) signingSecret.grantRead(fn);
      this.functions[fnId] = fn;
      return fn;
    };

    const taskFunctions = Object.fromEntries(
      Object.entries(SUBSTITUTIONS).map(([placeholder, fnId]) => [placeholder, make(fnId)]),
    ) as Record<string, NodejsFunction>;

    const definition = definitionWithTimeout(readFileSync(ASL_PATH, 'utf8'), executionTimeout);
    const placeholders = [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
    const provided = Object.keys(SUBSTITUTIONS).sort();
    if (placeholders.join() !== provided.join()) {
      throw new Error(
        `canary-switch: ${ASL_PATH} has placeholders \${${placeholders.join('}, ${')}} but the construct substitutes \${${provided.join('}, ${')}}; ` +
          'update SUBSTITUTIONS in infra/canary-switch.ts to match the ASL file',
      );
    }

    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', { retention: logRetention, logGroupName: executionLogGroupName(stack.stackName, this.node.path) });
    this.stateMachine = new sfn.StateMachine(this, 'Rollout', {
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(Object.entries(taskFunctions).map(([k, fn]) => [k, fn.functionArn])),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      // Execution data stays out of the logs: RequestApproval's parameters hold the task token.
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // Exactly the task functions, unqualified, as the ASL names them (grantInvoke would add `:*`).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Object.values(taskFunctions).map((fn) => fn.functionArn) }),
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the CloudWatch Logs delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, ' +
        'PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, ' +
        'GetSamplingTargets), which support no resource-level permissions; CDK adds them for logging and tracing.',
    });

    // The safety net: any execution that ends badly is restored. The rollback handler is
    // idempotent, so an execution whose own Rollback state already restored (it ends FAILED with
    // RolledBack) is left alone. A separate function from the same file: async invocation with its
    // own retries and dead-letter queue, its own alarm, and its own logs to read after a Stop.
    const safetyNet = make('SafetyNet');
    this.safetyNetRule = new events.Rule(this, 'SafetyNetRule', {
      description: 'canary-switch safety net: an execution that ended ABORTED, TIMED_OUT or FAILED gets its original weights restored',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: EXECUTION_ENDED_BADLY },
      },
      targets: [new targets.LambdaFunction(safetyNet, { deadLetterQueue: this.safetyNetDeadLetters, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });

    // Abort on alarm (infra/alarm-abort.ts): seconds after a watched alarm fires, not a poll period.
    this.alarmAbort = addAlarmAbort(this, { fn: make('AlarmAbort'), stateMachine: this.stateMachine, table: this.table, deadLetters: this.safetyNetDeadLetters, topicArn: props.alarmTopicArn });

    if (props.slack) {
      const callback = make('SlackCallback');
      this.stateMachine.grantTaskResponse(callback);
      // When SendTask* gives no clear answer, the callback asks Step Functions what happened (providers/task-outcome.ts).
      callback.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resources: [this.stateMachineExecutions()] }));
      const smId = stack.getLogicalId(this.stateMachine.node.defaultChild as sfn.CfnStateMachine);
      const where = `${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}`;
      Validations.of(callback.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${where}:execution:<${smId}.Name>:*]`,
        reason: "states:DescribeExecution and GetExecutionHistory on this state machine's executions only: when SendTask* gives no clear answer, the callback asks what happened.",
      });
      // Auth NONE: Slack cannot sign AWS requests; the handler checks Slack's v0 signature instead.
      this.slackCallbackUrl = callback.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    }

    this.operatorPolicy = this.makeOperatorPolicy(reads);
    this.alarms = [...addWorkflowAlarms(this, { stateMachine: this.stateMachine, safetyNet, safetyNetDeadLetters: this.safetyNetDeadLetters }, props.alarmTopicArn), ...addRestoreResilience(this, { stateMachine: this.stateMachine, safetyNet, table: this.table, topicArn: props.alarmTopicArn })];
    addSchedules(this, this.stateMachine, schedules, logRetention);
    this.makeOutputs(listenerArns, ruleArns);
  }

  private makeFunction(
    fnId: FunctionId,
    spec: FunctionSpec,
    opts: {
      entry: string;
      memorySize: number;
      logRetention: logs.RetentionDays;
      environment: Record<string, string>;
      deadLetterQueue?: sqs.IQueue;
      retryAttempts?: number;
      maxEventAge?: Duration;
      timeout?: Duration;
    },
  ): NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${fnId}Logs`, { retention: opts.logRetention });
    // Our own role: log writes to this function's log group only, instead of the
    // AWSLambdaBasicExecutionRole managed policy (any log group in the account).
    const role = new iam.Role(this, `${fnId}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, fnId, {
      // From the package: the handler pre-bundled at pack time (bundling is then skipped); from a checkout: the entry file.
      ...handlerCode(fnId, spec.handler, opts.entry),
      description: `canary-switch: ${spec.description}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: opts.memorySize,
      timeout: opts.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      environment: { ...opts.environment, NODE_OPTIONS: '--enable-source-maps' },
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      bundling: {
        format: BUNDLE.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
        target: BUNDLE.target,
        minify: BUNDLE.minify,
        keepNames: BUNDLE.keepNames,
        sourceMap: BUNDLE.sourcemap,
        sourcesContent: BUNDLE.sourcesContent,
        mainFields: [...BUNDLE.mainFields],
        banner: BUNDLE.banner,
        bundleAwsSDK: true,
        externalModules: [...BUNDLE.external],
        // esbuild is a local dev dependency: no Docker needed (or wanted) to bundle.
        forceDockerBundling: false,
      },
      ...(opts.deadLetterQueue ? { deadLetterQueue: opts.deadLetterQueue } : {}),
      ...(opts.retryAttempts !== undefined ? { retryAttempts: opts.retryAttempts } : {}),
      ...(opts.maxEventAge ? { maxEventAge: opts.maxEventAge } : {}),
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x on purpose: the bundle targets node22 (infra/bundle.ts) and the code is tested on Node 20/22; ' +
        'move the runtime and the esbuild target together (Node 22 is an LTS line until April 2027).',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions with no resource-level permissions: X-Ray PutTraceSegments/PutTelemetryRecords (tracing), ' +
        'elasticloadbalancing:DescribeListeners/DescribeRules/DescribeTargetHealth, and cloudwatch:DescribeAlarms/DescribeAlarmHistory (composite alarms are returned only when allowed on *). ' +
        'Every Modify action names exact listener/rule ARNs; test/infra/stack.test.ts fails if any other action is granted on *.',
    });
    return fn;
  }

  /** `arn:…:execution:<state machine name>:*`: this state machine's executions. */
  private stateMachineExecutions(): string {
    return Stack.of(this).formatArn({ service: 'states', resource: 'execution', resourceName: `${this.stateMachine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  /** The CLI's calls (see the README's CLI section), on this state machine, its executions and the table only. */
  private makeOperatorPolicy(providerReads: iam.PolicyStatement[]): iam.ManagedPolicy {
    const stack = Stack.of(this);
    const sm = this.stateMachine;
    const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${sm.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const policy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: 'canary-switch operators: start, watch, approve/reject and abort rollouts of this stack, switch its freeze (the canary-switch CLI)',
      statements: [
        new iam.PolicyStatement({ actions: ['states:StartExecution', 'states:ListExecutions', 'states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [sm.stateMachineArn] }),
        new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'], resources: [executions] }),
        // Reads any item (and Scans for pending approvals); writes approval decisions and their audit only.
        ...itemStatements(this.table.tableArn, 'the operator policy', OPERATOR_ITEM_ACCESS, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
        new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [this.table.tableArn] }),
        ...providerReads,
        new iam.PolicyStatement({ actions: UNSCOPABLE_READS.alarms, resources: ['*'] }),
      ],
    });
    const smLogicalId = stack.getLogicalId(sm.node.defaultChild as sfn.CfnStateMachine);
    const where = `${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}`;
    Validations.of(policy).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${where}:execution:<${smLogicalId}.Name>:*]`,
        reason: "Executions are created at run time; the wildcard covers only this state machine's executions (Describe, GetExecutionHistory, Stop).",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Only elasticloadbalancing:DescribeListeners/DescribeRules/DescribeTargetHealth and cloudwatch:DescribeAlarms, which support no resource-level permissions (the CLI shows live weights and alarms).',
      },
    );
    return policy;
  }

  private makeOutputs(listenerArns: string[], ruleArns: string[]): void {
    const stack = Stack.of(this);
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description }).overrideLogicalId(id);
    out('StateMachineArn', this.stateMachine.stateMachineArn, 'Start a rollout here (console "Start execution", the CLI, or a schedule)');
    out(
      'ConsoleUrl',
      `https://${stack.region}.console.aws.amazon.com/states/home?region=${stack.region}#/statemachines/view/${this.stateMachine.stateMachineArn}`,
      'The state machine in the Step Functions console',
    );
    out('ExampleInput', JSON.stringify(exampleInput(listenerArns, ruleArns)), 'An input to paste into "Start execution": replace the target group ARNs and alarm names with yours');
    out('TableName', this.table.tableName, 'Locks, rollout records, approvals and the audit trail');
    out('OperatorPolicyArn', this.operatorPolicy.managedPolicyArn, 'Attach to the roles of people who run the canary-switch CLI');
    if (this.slackCallbackUrl) out('SlackInteractivityUrl', this.slackCallbackUrl.url, 'Paste into your Slack app: Interactivity & Shortcuts → Request URL');
  }
}

/**
 * The ASL file with the execution timeout set. StateMachine's `timeout` prop only reaches
 * definitions CDK renders itself, not one given as a string, so it is written into the JSON here.
 */
export function definitionWithTimeout(aslText: string, timeout: Duration): string {
  const asl = JSON.parse(aslText) as Record<string, unknown>;
  return JSON.stringify({ ...asl, TimeoutSeconds: timeout.toSeconds() }, null, 2);
}

/** A ready-to-edit input: the first shiftable listener (or rule), placeholder target groups. */
export function exampleInput(listenerArns: readonly string[], ruleArns: readonly string[]): Record<string, unknown> {
  return {
    target: exampleElbv2Target(elbv2Infra.config({ listenerArns, ruleArns })),
    steps: [1, 10, 20, 50, 100],
    bakeSeconds: 600,
    alarms: ['web-green-5xx'],
  };
}

/** Props problems that do not depend on schedules. */
function propsProblems(props: CanarySwitchProps, configuredProviders: number): string[] {
  const problems: string[] = [];
  if (configuredProviders === 0) {
    problems.push('listenerArns, ruleArns and shiftableTag are all empty (and no other provider is configured): the rollout could not modify anything; list the listeners (or rules) it may shift');
  }
  const slack = props.slack;
  if (slack) {
    for (const field of ['botTokenSecretArn', 'signingSecretArn'] as const) {
      if (/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(slack[field] ?? '')) continue;
      problems.push(
        `slack.${field} = ${JSON.stringify(slack[field])}: expected the secret's complete ARN, ending in its 6-character suffix ` +
          '(aws secretsmanager describe-secret --secret-id <name> --query ARN)',
      );
    }
    if (slack.allowedUsers.length === 0) problems.push('slack.allowedUsers is empty: nobody could approve; list the Slack user ids (U…) of the approvers');
    slack.allowedUsers.forEach((u, i) => {
      if (!/^[UW][A-Z0-9]{2,}$/.test(u)) problems.push(`slack.allowedUsers[${i}] = ${JSON.stringify(u)}: not a Slack user id (U… or W…, from the user's profile → Copy member ID)`);
    });
    if (!/^T[A-Z0-9]{2,}$/.test(slack.teamId)) problems.push(`slack.teamId = ${JSON.stringify(slack.teamId)}: not a Slack workspace id (T…)`);
    if (slack.appId !== undefined && !/^A[A-Z0-9]{2,}$/.test(slack.appId)) problems.push(`slack.appId = ${JSON.stringify(slack.appId)}: not a Slack app id (A…)`);
    if (slack.channel !== undefined && !/^[CGD][A-Z0-9]{4,}$/.test(slack.channel)) {
      problems.push(`slack.channel = ${JSON.stringify(slack.channel)}: must be a Slack channel id like C0123456 (not a #name)`);
    }
  }
  const timeout = props.executionTimeout?.toSeconds();
  if (timeout !== undefined && (timeout < 60 || timeout > 365 * 24 * 3600)) {
    problems.push(`executionTimeout = ${timeout}s: must be between 1 minute and 1 year (a Standard workflow's limit)`);
  }
  return problems;
}
