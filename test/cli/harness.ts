// CLI test kit: an in-memory Io (captured output, a clock that sleep() advances), SDK clients
// stubbed with aws-sdk-client-mock (no network), and builders for realistic Step Functions
// histories made with the domain's own state transitions.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeListenersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SFNClient, type DescribeExecutionCommandOutput, type HistoryEvent, type HistoryEventType } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { fileURLToPath } from 'node:url';
import { afterDecision, afterShift, nextStep, type RolloutState } from '../../lambdas/domain/rollout.ts';
import type { Decision } from '../../lambdas/domain/decide.ts';
import type { AwsOptions, CliClients, Io } from '../../cli/io.ts';
import { run } from '../../cli/run.ts';
import { ACCOUNT, ARNS } from '../support/arns.ts';
import { preparedState as prepared } from '../support/state.ts';

export const EXECUTION_NAME = 'web-green-20261122-1005-ab12';
export const ARN = {
  listener: ARNS.listener,
  otherListener: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/api/60dc6c495c0c9188/a2f7dc8efc522ab2`,
  blue: ARNS.blue,
  green: ARNS.green,
  stateMachine: ARNS.stateMachine,
  execution: ARNS.execution(EXECUTION_NAME),
};
export const TABLE = 'canary-switch-rollouts';
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** 2026-11-22 10:22:00Z; the rollout in the fixtures started at 10:05:00Z. */
export const NOW = Date.parse('2026-11-22T10:22:00Z');
export const STARTED = Date.parse('2026-11-22T10:05:00Z');

export const RAW_INPUT = {
  target: { listenerArn: ARN.listener, stable: ARN.blue, canary: ARN.green },
  alarms: ['web-green-5xx', 'web-green-p99'],
  approvals: { before: [50, 100] },
};

export interface Harness {
  io: Io;
  stdout: () => string;
  stderr: () => string;
  /** The options each clients() call got (region, profile). */
  awsOptions: AwsOptions[];
  clients: CliClients;
  sfn: AwsClientStub<SFNClient>;
  elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  cloudwatch: AwsClientStub<CloudWatchClient>;
  dynamo: AwsClientStub<DynamoDBDocumentClient>;
  now: () => number;
  run: (...argv: string[]) => Promise<number>;
}

/** The caller as STS names them: the audited identity of approve/reject/abort. */
export const CALLER = 'arn:aws:sts::123456789012:assumed-role/sre/alice';

export function harness(options: { env?: Record<string, string | undefined>; tty?: boolean; columns?: number; now?: number } = {}): Harness {
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };
  const clients: CliClients = {
    sfn: new SFNClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    cloudwatch: new CloudWatchClient(config),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } }),
    sts: new STSClient(config),
  };
  mockClient(clients.sts).on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: '123456789012', UserId: 'AROAEXAMPLE:alice' });
  let out = '';
  let err = '';
  let now = options.now ?? NOW;
  const awsOptions: AwsOptions[] = [];
  const io: Io = {
    stdout: { write: (s: string) => (out += s), isTTY: options.tty ?? false, ...(options.columns ? { columns: options.columns } : {}) },
    stderr: { write: (s: string) => (err += s) },
    env: { USER: 'alice', CANARY_SWITCH_STATE_MACHINE_ARN: ARN.stateMachine, CANARY_SWITCH_TABLE: TABLE, ...options.env },
    cwd: FIXTURES,
    clients: (o) => {
      awsOptions.push(o);
      return clients;
    },
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    random: () => 0xab12 / 0x10000,
  };
  const h: Harness = {
    io,
    stdout: () => out,
    stderr: () => err,
    awsOptions,
    clients,
    sfn: mockClient(clients.sfn),
    elb: mockClient(clients.elb),
    cloudwatch: mockClient(clients.cloudwatch),
    dynamo: mockClient(clients.dynamo),
    now: () => now,
    run: (...argv) => run(argv, io),
  };
  return h;
}

/** The listener as DescribeListeners returns it, with the pair at these weights. */
export function listenerAt(h: Harness, blue: number, green: number): void {
  h.elb.on(DescribeListenersCommand).resolves(listenerResponse(blue, green));
}

export function listenerResponse(blue: number, green: number) {
  return {
    Listeners: [
      {
        ListenerArn: ARN.listener,
        Protocol: 'HTTPS' as const,
        DefaultActions: [{ Type: 'forward' as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.blue, Weight: blue }, { TargetGroupArn: ARN.green, Weight: green }] } }],
      },
    ],
  };
}

export function alarmsAre(h: Harness, states: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>): void {
  h.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: Object.entries(states).map(([AlarmName, StateValue]) => ({ AlarmName, StateValue })) });
}

export function describeOutput(over: Partial<DescribeExecutionCommandOutput> = {}): DescribeExecutionCommandOutput {
  return {
    $metadata: {},
    executionArn: ARN.execution,
    stateMachineArn: ARN.stateMachine,
    name: EXECUTION_NAME,
    status: 'RUNNING',
    startDate: new Date(STARTED),
    input: JSON.stringify(RAW_INPUT),
    ...over,
  };
}

// ---- Histories -------------------------------------------------------------------------------

const at = (iso: string) => `2026-11-22T${iso}Z`;

/** The state after Prepare, as the Prepare handler returns it. */
export function preparedState(raw: unknown = RAW_INPUT): RolloutState {
  const original = { actions: listenerResponse(1, 0).Listeners[0]?.DefaultActions ?? [], weights: { [ARN.blue]: 1, [ARN.green]: 0 } };
  return prepared(raw, { executionArn: ARN.execution, startedAt: new Date(STARTED), original });
}

type Step = { kind: 'Task' | 'Choice' | 'Wait' | 'Fail' | 'Succeed'; name: string; at: string; input: unknown; output?: unknown };

/** Builds the events of a sequence of states, oldest first, and returns them newest first (reverseOrder). */
export function historyOf(steps: Step[]): HistoryEvent[] {
  const events: HistoryEvent[] = [{ id: 1, type: 'ExecutionStarted', timestamp: new Date(STARTED) }];
  for (const s of steps) {
    const time = new Date(at(s.at));
    events.push({ id: events.length + 1, type: `${s.kind}StateEntered` as HistoryEventType, timestamp: time, stateEnteredEventDetails: { name: s.name, input: JSON.stringify(s.input) } });
    if (s.output !== undefined) {
      events.push({ id: events.length + 1, type: `${s.kind}StateExited` as HistoryEventType, timestamp: time, stateExitedEventDetails: { name: s.name, output: JSON.stringify(s.output) } });
    }
  }
  return events.reverse();
}

const bake = (percent: number, elapsed: number): Decision => ({
  action: 'bake',
  reason: `baking step ${percent}%: ${elapsed}s of 600s, 2 alarms OK, 3 canary targets healthy`,
});

/** A rollout at step 2 (10%), baking: shifted at 10:15:05, last evaluated at 10:21:35, now in Bake. */
export function bakingAtTenPercent(): { steps: Step[]; state: RolloutState } {
  const s0 = preparedState();
  const s1 = afterShift(s0, 0, { [ARN.blue]: 99, [ARN.green]: 1 }, new Date(at('10:05:02')));
  const s1done = afterDecision(s1, { action: 'advance', reason: 'step 1% baked 600s with 2 alarms OK, 3 canary targets healthy: advancing to 10%' });
  const s2 = afterShift(s1done, 1, { [ARN.blue]: 9, [ARN.green]: 1 }, new Date(at('10:15:05')));
  const s2eval = afterDecision(s2, bake(10, 390));
  return {
    state: s2eval,
    steps: [
      { kind: 'Task', name: 'Prepare', at: '10:05:00', input: { input: RAW_INPUT }, output: s0 },
      { kind: 'Choice', name: 'ApprovalGate', at: '10:05:01', input: s0, output: s0 },
      { kind: 'Task', name: 'Shift', at: '10:05:02', input: s0, output: s1 },
      { kind: 'Wait', name: 'Bake', at: '10:14:35', input: s1, output: s1 },
      { kind: 'Task', name: 'Evaluate', at: '10:15:04', input: s1, output: s1done },
      { kind: 'Choice', name: 'Decide', at: '10:15:04', input: s1done, output: s1done },
      { kind: 'Choice', name: 'ApprovalGate', at: '10:15:04', input: s1done, output: s1done },
      { kind: 'Task', name: 'Shift', at: '10:15:05', input: s1done, output: s2 },
      { kind: 'Wait', name: 'Bake', at: '10:21:05', input: s2, output: s2 },
      { kind: 'Task', name: 'Evaluate', at: '10:21:35', input: s2, output: s2eval },
      { kind: 'Choice', name: 'Decide', at: '10:21:35', input: s2eval, output: s2eval },
      { kind: 'Wait', name: 'Bake', at: '10:21:35', input: s2eval },
    ],
  };
}

/** At 20% after baking cleanly, the rollout advanced to 50%, which needs an approval: waiting in RequestApproval since 10:40:00. */
export function waitingForApproval(): { steps: Step[]; state: RolloutState } {
  const s0 = preparedState();
  const s3 = afterShift(s0, 2, { [ARN.blue]: 4, [ARN.green]: 1 }, new Date(at('10:30:00')));
  const s3done = afterDecision(s3, { action: 'advance', reason: 'step 20% baked 600s with 2 alarms OK, 3 canary targets healthy: advancing to 50%' });
  return {
    state: s3done,
    steps: [
      { kind: 'Task', name: 'Prepare', at: '10:05:00', input: { input: RAW_INPUT }, output: s0 },
      { kind: 'Task', name: 'Shift', at: '10:30:00', input: s0, output: s3 },
      { kind: 'Task', name: 'Evaluate', at: '10:40:00', input: s3, output: s3done },
      { kind: 'Choice', name: 'Decide', at: '10:40:00', input: s3done, output: s3done },
      { kind: 'Choice', name: 'ApprovalGate', at: '10:40:00', input: s3done, output: s3done },
      { kind: 'Task', name: 'RequestApproval', at: '10:40:00', input: s3done },
    ],
  };
}

/** Rolled back at 20%: Evaluate saw an alarm, Rollback restored, RolledBack failed the execution. */
export function rolledBackAtTwentyPercent(): { steps: Step[]; state: RolloutState; cause: string } {
  const s0 = preparedState();
  const s3 = afterShift(s0, 2, { [ARN.blue]: 4, [ARN.green]: 1 }, new Date(at('10:30:00')));
  const cause = 'alarm web-green-5xx in ALARM at step 20% (Threshold Crossed: 3 datapoints were greater than 5.0)';
  const s3eval = afterDecision(s3, { action: 'rollback', reason: cause });
  return {
    state: s3eval,
    cause,
    steps: [
      { kind: 'Task', name: 'Prepare', at: '10:05:00', input: { input: RAW_INPUT }, output: s0 },
      { kind: 'Task', name: 'Shift', at: '10:30:00', input: s0, output: s3 },
      { kind: 'Task', name: 'Evaluate', at: '10:33:30', input: s3, output: s3eval },
      { kind: 'Choice', name: 'Decide', at: '10:33:30', input: s3eval, output: s3eval },
      { kind: 'Task', name: 'Rollback', at: '10:33:31', input: s3eval, output: { outcome: 'rolled-back', executionArn: ARN.execution, cause } },
      { kind: 'Fail', name: 'RolledBack', at: '10:33:33', input: { outcome: 'rolled-back', executionArn: ARN.execution, cause } },
    ],
  };
}
