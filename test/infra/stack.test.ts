// The synthesized template (bundling skipped): functions, IAM, the state machine built from the ASL
// file, the safety net, schedules, alarms and outputs.
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ASL_PATH } from '../../infra/canary-switch.ts';
import { UNSCOPABLE_READS } from '../../infra/functions.ts';
import { validateInput } from '../../lambdas/domain/input.ts';
import {
  ACCOUNT,
  FULL_PROPS,
  LISTENER,
  REGION,
  RULE,
  SLACK,
  SLACK_SECRET,
  SLACK_SIGNING_SECRET,
  fnLogicalId,
  props,
  resources,
  statements,
  statementsOf,
  synth,
  validInput,
} from './fixtures.ts';

const full = synth(FULL_PROPS);
const minimal = synth({ listenerArns: [LISTENER] });
const t = full.template;

const OUR_FUNCTIONS = ['Prepare', 'Shift', 'Evaluate', 'Finalize', 'Rollback', 'SafetyNet', 'RequestApproval', 'SlackCallback', 'AlarmAbort'];
/** CDK's own AwsCustomResource provider (one per stack), present because of the one-time schedule. */
const CDK_PROVIDER = /^AWS679f53fac002430cb0da5b7982bd2287/;

type Json = Record<string, unknown>;
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('functions', () => {
  it('every Lambda is one of ours, nodejs22.x on arm64, or CDK’s custom-resource provider', () => {
    const fns = resources(t, 'AWS::Lambda::Function');
    const ours = OUR_FUNCTIONS.map((id) => fnLogicalId(t, id));
    expect(Object.keys(fns).sort()).toEqual([...ours, ...Object.keys(fns).filter((k) => CDK_PROVIDER.test(k))].sort());
    expect(Object.keys(fns).filter((k) => CDK_PROVIDER.test(k))).toHaveLength(1);
    for (const id of ours) {
      const p = props(fns[id]!);
      expect({ id, runtime: p.Runtime, arch: p.Architectures, handler: p.Handler, tracing: p.TracingConfig }).toEqual({
        id,
        runtime: 'nodejs22.x',
        arch: ['arm64'],
        handler: 'index.handler',
        tracing: { Mode: 'Active' },
      });
      expect((p.Environment as { Variables: Json }).Variables).toMatchObject({ TABLE_NAME: { Ref: expect.stringMatching(/^CanarySwitchTable/) }, NODE_OPTIONS: '--enable-source-maps' });
    }
    // Prepare holds the listener lock for as long as an execution may run (default 24 h).
    expect((props(fns[fnLogicalId(t, 'Prepare')]!).Environment as { Variables: Json }).Variables).toMatchObject({ EXECUTION_TIMEOUT_SECONDS: '86400' });
  });

  it('without Slack there is no callback function, no Slack env and no interactivity URL', () => {
    const m = minimal.template;
    expect(() => fnLogicalId(m, 'SlackCallback')).toThrow(/found none/);
    expect(Object.keys(resources(m, 'AWS::Lambda::Url'))).toHaveLength(0);
    expect(Object.keys(m.toJSON().Outputs as Json)).not.toContain('SlackInteractivityUrl');
    for (const [, fn] of Object.entries(resources(m, 'AWS::Lambda::Function'))) {
      expect(Object.keys((props(fn).Environment as { Variables: Json }).Variables).filter((k) => k.startsWith('SLACK_'))).toEqual([]);
    }
  });

  it('Slack settings reach the functions that talk to Slack (Evaluate: for "notify" responses)', () => {
    const env = (id: string) => (props(resources(t, 'AWS::Lambda::Function')[fnLogicalId(t, id)]!).Environment as { Variables: Json }).Variables;
    for (const id of ['Prepare', 'Shift', 'Evaluate', 'Finalize', 'Rollback', 'SafetyNet', 'RequestApproval', 'SlackCallback']) {
      expect(env(id)).toMatchObject({
        SLACK_BOT_TOKEN_SECRET_ARN: SLACK_SECRET,
        SLACK_ALLOWED_USERS: 'U0123ABCD,W0456EFGH',
        SLACK_TEAM_ID: SLACK.teamId,
        SLACK_APP_ID: SLACK.appId,
        SLACK_CHANNEL: SLACK.channel,
      });
    }
  });

  it('the Slack callback sits behind a Function URL with auth NONE (Slack signs its requests)', () => {
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: arnOf(fnLogicalId(t, 'SlackCallback')) });
  });
});

describe('IAM', () => {
  const all = statements(t).concat(statements(minimal.template));

  it('no Modify* action is granted on * anywhere (every policy in the template)', () => {
    const modifyOnStar = all.filter((s) => s.Action.some((a) => /:Modify/.test(a) || a.endsWith(':*') || a === '*') && s.Resource.includes('*'));
    expect(all.length).toBeGreaterThan(20);
    expect(modifyOnStar).toEqual([]);
  });

  it('Resource * only carries read actions AWS cannot scope (Describe*, DescribeAlarms, X-Ray, log delivery)', () => {
    const allowed = new Set([
      ...UNSCOPABLE_READS.elb,
      ...UNSCOPABLE_READS.alarms,
      ...UNSCOPABLE_READS.alarmHistory,
      ...UNSCOPABLE_READS.metrics,
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    const onStar = all.filter((s) => s.Resource.includes('*'));
    expect(onStar.length).toBeGreaterThan(0);
    expect(onStar.flatMap((s) => s.Action).filter((a) => !allowed.has(a))).toEqual([]);
    expect(all.flatMap((s) => s.Action).filter((a) => a.includes('*'))).toEqual([]);
  });

  it('only Evaluate reads metric data (the judge)', () => {
    expect(OUR_FUNCTIONS.filter((id) => statementsOf(t, id).some((s) => s.Action.includes('cloudwatch:GetMetricData')))).toEqual(['Evaluate']);
  });

  it('only Evaluate reads alarm history (ALARM episodes between polls)', () => {
    const readers = OUR_FUNCTIONS.filter((id) => statementsOf(t, id).some((s) => s.Action.includes('cloudwatch:DescribeAlarmHistory')));
    expect(readers).toEqual(['Evaluate']);
  });

  it('ModifyListener / ModifyRule name exactly the props’ listener and rule, and only Shift, Rollback, SafetyNet and AlarmAbort have them', () => {
    for (const id of OUR_FUNCTIONS) {
      const modify = statementsOf(t, id).filter((s) => s.Action.some((a) => a.startsWith('elasticloadbalancing:Modify')));
      if (['Shift', 'Rollback', 'SafetyNet', 'AlarmAbort'].includes(id)) {
        expect(modify.map((s) => ({ Action: s.Action, Resource: s.Resource }))).toEqual([
          { Action: ['elasticloadbalancing:ModifyListener'], Resource: [LISTENER] },
          { Action: ['elasticloadbalancing:ModifyRule'], Resource: [RULE] },
        ]);
      } else {
        expect({ id, modify }).toEqual({ id, modify: [] });
      }
    }
  });

  it('shiftableTag adds Modify on ALB listeners/rules of this account and region only, under an aws:ResourceTag condition', () => {
    const tagged = synth({ shiftableTag: { key: 'canary-switch', value: 'allowed' } }).template;
    const modify = statementsOf(tagged, 'Shift').filter((s) => s.Action.some((a) => a.startsWith('elasticloadbalancing:Modify')));
    expect(modify).toHaveLength(1);
    expect(modify[0]!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/canary-switch': 'allowed' } });
    expect(JSON.stringify(modify[0]!.Resource)).toContain(`:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/*`);
    expect(JSON.stringify(modify[0]!.Resource)).toContain(`:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/app/*`);
  });

  it('DynamoDB: item actions on the table only, per function', () => {
    const tableArn = [arnOf(Object.keys(resources(t, 'AWS::DynamoDB::Table'))[0]!)];
    const dynamo = (id: string) => {
      const s = statementsOf(t, id).filter((x) => x.Action.some((a) => a.startsWith('dynamodb:')));
      for (const x of s) expect(x.Resource).toEqual(tableArn);
      return s.flatMap((x) => x.Action).sort();
    };
    // With Slack on, the notifier reads the rollout record (its thread) for "notify" responses.
    expect(dynamo('Evaluate')).toEqual(['dynamodb:GetItem']);
    expect(dynamo('Shift')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(dynamo('Prepare')).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(dynamo('SafetyNet')).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(dynamo('SlackCallback')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    // Functions never scan or batch; only the operator policy may Scan (the CLI's pending approvals),
    // and only the alarm abort Queries (its watch# items; test/infra/alarm-abort.test.ts).
    const fnStatements = OUR_FUNCTIONS.flatMap((id) => statementsOf(t, id));
    expect(fnStatements.flatMap((s) => s.Action).filter((a) => /dynamodb:(Scan|Query|Batch|DeleteTable|\*)/.test(a))).toEqual(['dynamodb:Query']);
    expect(statementsOf(t, 'AlarmAbort').flatMap((s) => s.Action)).toContain('dynamodb:Query');
  });

  it('the bot token is readable by the posting functions only, the signing secret by the Slack callback only, each by its exact ARN', () => {
    const readersOf = (arn: string) =>
      OUR_FUNCTIONS.filter((id) => statementsOf(t, id).some((s) => s.Action.includes('secretsmanager:GetSecretValue') && s.Resource.includes(arn))).sort();
    expect(readersOf(SLACK_SECRET)).toEqual(['AlarmAbort', 'Evaluate', 'Finalize', 'Prepare', 'RequestApproval', 'Rollback', 'SafetyNet', 'Shift', 'SlackCallback']);
    expect(readersOf(SLACK_SIGNING_SECRET)).toEqual(['SlackCallback']);
    const resourcesOfSecret = all.filter((s) => s.Action.includes('secretsmanager:GetSecretValue')).flatMap((s) => s.Resource);
    expect(new Set(resourcesOfSecret)).toEqual(new Set([SLACK_SECRET, SLACK_SIGNING_SECRET]));
    // Only the callback's environment names the signing secret.
    const fns = resources(t, 'AWS::Lambda::Function');
    const withSigning = OUR_FUNCTIONS.filter((id) => (props(fns[fnLogicalId(t, id)]!).Environment as { Variables: Json }).Variables.SLACK_SIGNING_SECRET_ARN !== undefined);
    expect(withSigning).toEqual(['SlackCallback']);
  });

  it('the callback answers task tokens through the state machine’s own grant, scoped to it', () => {
    const sm = Object.keys(resources(t, 'AWS::StepFunctions::StateMachine'))[0]!;
    const taskResponse = statementsOf(t, 'SlackCallback').filter((s) => s.Action.includes('states:SendTaskSuccess'));
    expect(taskResponse).toEqual([expect.objectContaining({ Action: expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']), Resource: [{ Ref: sm }] })]);
    const others = OUR_FUNCTIONS.filter((id) => id !== 'SlackCallback' && statementsOf(t, id).some((s) => s.Action.some((a) => a.startsWith('states:'))));
    expect(others).toEqual(['SafetyNet', 'AlarmAbort']);
    // The safety net reads the original from Step Functions: GetExecutionHistory on this state machine's executions, nothing else.
    expect(statementsOf(t, 'SafetyNet').filter((s) => s.Action.some((a) => a.startsWith('states:')))).toEqual([
      expect.objectContaining({
        Action: ['states:GetExecutionHistory'],
        Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:states:${REGION}:${ACCOUNT}:execution:`, { 'Fn::GetAtt': [sm, 'Name'] }, ':*']] }],
      }),
    ]);
  });

  it('the state machine may invoke exactly the six task functions, unqualified', () => {
    const invoke = statements(t).filter((s) => s.Action.includes('lambda:InvokeFunction'));
    const expected = ['Prepare', 'Shift', 'Evaluate', 'Finalize', 'Rollback', 'RequestApproval'].map((id) => arnOf(fnLogicalId(t, id)));
    expect(invoke.filter((s) => s.policy.startsWith('CanarySwitchRolloutRole')).flatMap((s) => s.Resource)).toEqual(expected);
  });

  it('the operator policy (for the CLI) covers this state machine, its executions and the table only', () => {
    const [id, policy] = Object.entries(resources(t, 'AWS::IAM::ManagedPolicy'))[0]!;
    expect(Object.keys(resources(t, 'AWS::IAM::ManagedPolicy'))).toHaveLength(1);
    const sm = Object.keys(resources(t, 'AWS::StepFunctions::StateMachine'))[0]!;
    const table = Object.keys(resources(t, 'AWS::DynamoDB::Table'))[0]!;
    const byAction = Object.fromEntries(statements(t).filter((s) => s.policy === id).flatMap((s) => s.Action.map((a) => [a, s.Resource])));
    expect(byAction['states:StartExecution']).toEqual([{ Ref: sm }]);
    expect(byAction['states:SendTaskSuccess']).toEqual([{ Ref: sm }]);
    expect(byAction['states:StopExecution']).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:states:${REGION}:${ACCOUNT}:execution:`, { 'Fn::GetAtt': [sm, 'Name'] }, ':*']] },
    ]);
    expect(byAction['dynamodb:UpdateItem']).toEqual([arnOf(table)]);
    expect(Object.keys(byAction).sort()).toEqual(
      [
        'cloudwatch:DescribeAlarms',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetHealth',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
        'states:ListExecutions',
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
        'states:StartExecution',
        'states:StopExecution',
      ].sort(),
    );
    expect(props(policy).Roles).toBeUndefined();
  });

  it('each function writes logs to its own log group only (no AWSLambdaBasicExecutionRole)', () => {
    for (const id of OUR_FUNCTIONS) {
      const logStatements = statementsOf(t, id).filter((s) => s.Action.some((a) => a.startsWith('logs:')));
      expect(logStatements).toEqual([expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [arnOf(expect.stringMatching(new RegExp(`^CanarySwitch${id}Logs`)))] })]);
    }
    expect(JSON.stringify(t.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
  });
});

describe('state machine', () => {
  const [smId, sm] = Object.entries(resources(t, 'AWS::StepFunctions::StateMachine'))[0]!;
  const p = props(sm);
  const asl = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as { States: Record<string, Json> };

  /** What CloudFormation does with DefinitionSubstitutions, with each GetAtt shown as a fake ARN. */
  const resolved = (() => {
    let text = String(p.DefinitionString);
    for (const [key, value] of Object.entries(p.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>)) {
      text = text.split(`\${${key}}`).join(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${value['Fn::GetAtt'][0]}`);
    }
    return text;
  })();
  const definition = JSON.parse(resolved) as { States: Record<string, Json> };

  it('is the ASL file, every state of it, with no ${…} placeholder left after substitution', () => {
    const { TimeoutSeconds: _timeout, ...fromTemplate } = JSON.parse(String(p.DefinitionString)) as Json;
    expect(fromTemplate).toEqual(asl);
    expect(Object.keys(definition.States).sort()).toEqual(Object.keys(asl.States).sort());
    expect(resolved).not.toMatch(/\$\{[A-Za-z0-9_]+\}/);
    const result = aslValidator(definition as never);
    expect(result.errors).toEqual([]);
  });

  it('each Task calls the function of the same name', () => {
    const fnName = (state: Json) => String((state.Parameters as Json | undefined)?.FunctionName ?? state.Resource).split(':function:')[1];
    for (const [state, id] of [['Prepare', 'Prepare'], ['Shift', 'Shift'], ['Evaluate', 'Evaluate'], ['Finalize', 'Finalize'], ['Rollback', 'Rollback'], ['RequestApproval', 'RequestApproval']] as const) {
      expect({ state, fn: fnName(definition.States[state]!) }).toEqual({ state, fn: fnLogicalId(t, id) });
    }
  });

  it('is STANDARD with a timeout, X-Ray, and ALL-level logging without execution data (task tokens stay out of logs)', () => {
    expect(p.StateMachineType).toBe('STANDARD');
    expect(p.TracingConfiguration).toEqual({ Enabled: true });
    expect(p.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(definition).toMatchObject({ TimeoutSeconds: 24 * 3600 });
    const short = synth({ listenerArns: [LISTENER], executionTimeout: Duration.hours(2) }).template;
    const shortSm = Object.values(resources(short, 'AWS::StepFunctions::StateMachine'))[0]!;
    expect(JSON.parse(String(props(shortSm).DefinitionString))).toMatchObject({ TimeoutSeconds: 7200 });
    expect(smId).toMatch(/^CanarySwitchRollout/);
  });
});

describe('safety net', () => {
  // The abort-on-alarm rule (source aws.cloudwatch) is tested in alarm-abort.test.ts.
  const rules = Object.fromEntries(Object.entries(resources(t, 'AWS::Events::Rule')).filter(([, r]) => (props(r).EventPattern as { source?: string[] }).source?.[0] === 'aws.states'));
  const [, rule] = Object.entries(rules)[0]!;
  const sm = Object.keys(resources(t, 'AWS::StepFunctions::StateMachine'))[0]!;

  it('matches this state machine’s executions that end ABORTED, TIMED_OUT or FAILED', () => {
    expect(Object.keys(rules)).toHaveLength(1);
    expect(props(rule).EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ Ref: sm }], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
    });
  });

  it('runs the SafetyNet function (rollback.ts) with retries and a dead-letter queue', () => {
    const dlq = Object.keys(resources(t, 'AWS::SQS::Queue'))[0]!;
    expect(props(rule).Targets).toEqual([
      expect.objectContaining({
        Arn: arnOf(fnLogicalId(t, 'SafetyNet')),
        DeadLetterConfig: { Arn: arnOf(dlq) },
        RetryPolicy: { MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 8 },
      }),
    ]);
    const fn = props(resources(t, 'AWS::Lambda::Function')[fnLogicalId(t, 'SafetyNet')]!);
    expect(fn.DeadLetterConfig).toEqual({ TargetArn: arnOf(dlq) });
    t.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', FunctionName: arnOf(fnLogicalId(t, 'SafetyNet')), Principal: 'events.amazonaws.com' });
  });
});

describe('schedules', () => {
  it('a recurring schedule starts the state machine with the input as given, in its time zone', () => {
    const schedules = resources(t, 'AWS::Scheduler::Schedule');
    expect(Object.keys(schedules)).toHaveLength(1);
    const s = props(Object.values(schedules)[0]!);
    const target = s.Target as Json;
    expect(s).toMatchObject({ ScheduleExpression: 'cron(0 10 ? * MON-FRI *)', ScheduleExpressionTimezone: 'Asia/Tokyo', State: 'ENABLED', FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(s.Name).toMatch(/^weekday-staging-[0-9a-f]{8}$/);
    expect(target.Arn).toEqual({ Ref: Object.keys(resources(t, 'AWS::StepFunctions::StateMachine'))[0] });
    expect(JSON.parse(String(target.Input))).toEqual(FULL_PROPS.schedules![0]!.input);
    expect(validateInput(JSON.parse(String(target.Input))).ok).toBe(true);
  });

  it('a one-time at() schedule is created through the Scheduler API with ActionAfterCompletion DELETE', () => {
    const custom = Object.values(resources(t, 'Custom::CanarySwitchOneTimeSchedule'));
    expect(custom).toHaveLength(1);
    const p = props(custom[0]!);
    // Create is a Fn::Join of JSON around the state machine and role ARNs; put placeholders in.
    const parts = (p.Create as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const call = JSON.parse(parts.map((x) => (typeof x === 'string' ? x : 'TOKEN')).join('')) as { action: string; parameters: Json };
    expect(call.action).toBe('CreateSchedule');
    expect(call.parameters).toMatchObject({
      ScheduleExpression: 'at(2026-12-01T10:00:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: 'TOKEN', RoleArn: 'TOKEN' },
    });
    expect(JSON.parse(String((call.parameters.Target as Json).Input))).toEqual(FULL_PROPS.schedules![1]!.input);
    const del = JSON.parse(String(p.Delete)) as { action: string; parameters: Json; ignoreErrorCodesMatching: string };
    expect(del).toMatchObject({ action: 'DeleteSchedule', parameters: { Name: call.parameters.Name }, ignoreErrorCodesMatching: 'ResourceNotFoundException' });
  });

  it('Scheduler may only start this state machine, and the one-time provider only manage its own schedules', () => {
    const sm = Object.keys(resources(t, 'AWS::StepFunctions::StateMachine'))[0]!;
    const start = statements(t).filter((s) => s.Action.includes('states:StartExecution') && s.policy.startsWith('CanarySwitchSchedulerRole'));
    expect(start).toEqual([expect.objectContaining({ Action: ['states:StartExecution'], Resource: [{ Ref: sm }] })]);
    const role = Object.values(resources(t, 'AWS::IAM::Role')).find((r) => JSON.stringify(props(r).AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'))!;
    expect(JSON.stringify(props(role).AssumeRolePolicyDocument)).toContain('"aws:SourceAccount":"123456789012"');
    const manage = statements(t).filter((s) => s.Action.includes('scheduler:CreateSchedule'));
    expect(manage).toHaveLength(1);
    expect(JSON.stringify(manage[0]!.Resource)).toMatch(/schedule\/default\/launch-[0-9a-f]{8}"/);
    const pass = statements(t).filter((s) => s.Action.includes('iam:PassRole'));
    expect(pass).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } })]);
  });

  it('no schedules: no scheduler resources at all', () => {
    expect(Object.keys(resources(minimal.template, 'AWS::Scheduler::Schedule'))).toHaveLength(0);
    expect(Object.keys(resources(minimal.template, 'Custom::CanarySwitchOneTimeSchedule'))).toHaveLength(0);
    expect(Object.keys(resources(minimal.template, 'AWS::IAM::Role')).filter((id) => id.startsWith('CanarySwitchSchedulerRole'))).toEqual([]);
  });
});

describe('table, alarms and outputs', () => {
  it('the table: pk/sk strings, on-demand, point-in-time recovery, TTL expiresAt, retained', () => {
    const [table] = Object.values(resources(t, 'AWS::DynamoDB::Table'));
    expect(props(table!)).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(table!.DeletionPolicy).toBe('Retain');
  });

  it('alarms on executions that did not promote and on a failing safety net, both notifying the topic', () => {
    // The abort on alarm's own alarm is tested in alarm-abort.test.ts.
    const workflowAlarms = (template: typeof t) => Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).filter(([id]) => !id.startsWith('CanarySwitchAlarmAbort')).map(([, a]) => props(a));
    const alarms = workflowAlarms(t);
    expect(alarms).toHaveLength(4);
    const metricNames = (a: Json) => (a.Metrics as Json[] | undefined)?.flatMap((m) => ((m.MetricStat as Json | undefined)?.Metric as Json | undefined)?.MetricName ?? []) ?? [a.MetricName];
    expect(alarms.map(metricNames)).toEqual([
      ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'],
      ['Errors', 'ApproximateNumberOfMessagesVisible'],
      ['RestoreAttemptFailed'],
      ['RecordTampered'],
    ]);
    // The first failed restore attempt alarms: one datapoint ≥ 1 in one 1-minute period, per stack.
    expect(alarms[2]).toMatchObject({ Namespace: 'canary-switch', Period: 60, EvaluationPeriods: 1, Statistic: 'Sum', Dimensions: [{ Name: 'Table', Value: { Ref: expect.stringMatching(/^CanarySwitchTable/) } }] });
    for (const a of alarms) {
      expect(a).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect(a.AlarmActions).toEqual([`arn:aws:sns:${REGION}:${ACCOUNT}:oncall`]);
    }
    expect(workflowAlarms(minimal.template).map((a) => a.AlarmActions)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('outputs: state machine ARN, console link, a valid example input, the table and the Slack interactivity URL', () => {
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(['ConsoleUrl', 'ExampleInput', 'OperatorPolicyArn', 'SlackInteractivityUrl', 'StateMachineArn', 'TableName']);
    expect(JSON.stringify(outputs.ConsoleUrl!.Value)).toContain(`https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/statemachines/view/`);
    expect(outputs.SlackInteractivityUrl!.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CanarySwitchSlackCallbackFunctionUrl/), 'FunctionUrl'] });
    const example = JSON.parse(String(outputs.ExampleInput!.Value)) as { target: { listenerArn: string } };
    expect(validateInput(example)).toMatchObject({ ok: true });
    expect(example.target.listenerArn).toBe(LISTENER);
    const ruleOnly = synth({ ruleArns: [RULE] }).template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(validateInput(JSON.parse(String(ruleOnly.ExampleInput!.Value)))).toMatchObject({ ok: true, input: { target: { listenerArn: LISTENER, ruleArn: RULE } } });
  });

  it('synthesizes without an account or region (env-agnostic stack)', () => {
    const agnostic = synth({ listenerArns: [LISTENER], schedules: [{ name: 'n', expression: 'rate(7 days)', input: validInput() }] }, { env: false });
    expect(Object.keys(resources(agnostic.template, 'AWS::StepFunctions::StateMachine'))).toHaveLength(1);
  });
});
