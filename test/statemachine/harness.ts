// Test bench for running the real ASL with the real handlers: a stateful ALB and CloudWatch behind
// aws-sdk-client-mock, and a real DynamoDB API (dynalite) on 127.0.0.1 for locks and records.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { runWorkflow, type WorkflowOptions } from '../../lab/local-workflow.ts';
import { setClients } from '../../lambdas/providers/clients.ts';
import { createTableInput } from '../../lambdas/providers/store.ts';
import { setClock } from '../../lambdas/handlers/deps.ts';
import { setSleep } from '../../lambdas/providers/retry.ts';
import { ARNS } from '../support/arns.ts';
import { oidcThenForward } from '../support/listener.ts';

export { ACCOUNT } from '../support/arns.ts';
export const LISTENER = ARNS.listener;
export const BLUE = ARNS.blue;
export const GREEN = ARNS.green;
export const OTHER = ARNS.legacy;
export const TABLE = 'canary-switch-test';

export const execArn = ARNS.execution;

/** authenticate-oidc + forward(blue 1, green 0, legacy 1; stickiness on): the hardest shape to keep intact. */
export const originalActions = (): Action[] =>
  oidcThenForward([
    [BLUE, 1],
    [GREEN, 0],
    [OTHER, 1],
  ]);

export interface Bench {
  elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  cw: AwsClientStub<CloudWatchClient>;
  /** The listener's default actions as AWS holds them. */
  actions: Action[];
  alarms: Map<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>;
  /** State changes CloudWatch recorded (DescribeAlarmHistory StateUpdate items), any order. */
  alarmHistory: { alarm: string; at: number; from: string; to: string }[];
  healthyCanaryTargets: number;
  clock: { now: number };
  modifyCalls: () => number;
  weights: () => Record<string, number>;
}

/** Set `fails` to make DynamoDB answer 500 to the commands it picks (e.g. `() => true`: all of them). */
export const dynamoFault: { fails?: ((commandName: string) => boolean) | undefined } = {};

export async function startDynamo(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const raw = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await raw.send(new CreateTableCommand(createTableInput(TABLE)));
  // An outage at the client: every call the fault names answers 500, as DynamoDB does when it is down.
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      if (dynamoFault.fails?.(context.commandName ?? '')) {
        throw Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
      }
      return next(args);
    },
    { step: 'initialize', name: 'testDynamoFault' },
  );
  setClients({ dynamo: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }) });
  process.env.TABLE_NAME = TABLE;
  return { endpoint, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The hooks every state-machine suite needs: one DynamoDB (dynalite) per file, and a fresh bench
 * (ELB and CloudWatch stubs) per test, handed to `set`. Register it before a file's own hooks.
 */
export function withBench(set: (bench: Bench) => void): void {
  let dynamo: Awaited<ReturnType<typeof startDynamo>> | undefined;
  let bench: Bench | undefined;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo?.close();
  });
  beforeEach(() => {
    bench?.elb.restore();
    bench?.cw.restore();
    bench = startBench();
    set(bench);
  });
}

/** A stateful ALB + CloudWatch: Modify* changes what Describe* returns, as in AWS. */
export function startBench(): Bench {
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const cw = mockClient(CloudWatchClient);
  const bench: Bench = {
    elb,
    cw,
    actions: originalActions(),
    alarms: new Map([['web-green-5xx', 'OK']]),
    alarmHistory: [],
    healthyCanaryTargets: 2,
    clock: { now: Date.parse('2026-11-22T10:00:00Z') },
    modifyCalls: () => elb.commandCalls(ModifyListenerCommand).length,
    weights: () => Object.fromEntries((bench.actions.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroups ?? []).map((g) => [g.TargetGroupArn, g.Weight])),
  };
  elb.on(DescribeListenersCommand).callsFake((input: { ListenerArns?: string[] }) => {
    if (input.ListenerArns?.[0] !== LISTENER) throw Object.assign(new Error(`'${input.ListenerArns?.[0]}' not found`), { name: 'ListenerNotFoundException' });
    return { Listeners: [{ ListenerArn: LISTENER, Protocol: 'HTTPS', Port: 443, DefaultActions: structuredClone(bench.actions) }] };
  });
  elb.on(DescribeRulesCommand).rejects(Object.assign(new Error('rule not found'), { name: 'RuleNotFoundException' }));
  elb.on(ModifyListenerCommand).callsFake((input: { DefaultActions: Action[] }) => {
    // AWS keeps the existing client secret and never echoes UseExistingClientSecret back.
    bench.actions = structuredClone(input.DefaultActions).map((a) => {
      if (a.AuthenticateOidcConfig) delete a.AuthenticateOidcConfig.UseExistingClientSecret;
      return a;
    });
    return { Listeners: [{ ListenerArn: LISTENER, DefaultActions: structuredClone(bench.actions) }] };
  });
  elb.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn: string }) => {
    const healthy = input.TargetGroupArn === GREEN ? bench.healthyCanaryTargets : 2;
    return {
      TargetHealthDescriptions: [0, 1].map((i) => ({ Target: { Id: `i-${i}`, Port: 80 }, TargetHealth: { State: i < healthy ? 'healthy' : 'unhealthy' } })),
    };
  });
  cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => ({
    MetricAlarms: (input.AlarmNames ?? [])
      .filter((n) => bench.alarms.has(n))
      .map((n) => ({ AlarmName: n, StateValue: bench.alarms.get(n), StateReason: bench.alarms.get(n) === 'ALARM' ? 'Threshold Crossed: 1 datapoint [0.2] was greater than the threshold (0.05)' : 'ok' })),
    CompositeAlarms: [],
  }));
  // Account-wide history from StartDate, oldest first, two items a page (so rollouts cross pages).
  cw.on(DescribeAlarmHistoryCommand).callsFake((input: { StartDate?: Date; NextToken?: string }) => {
    const items = bench.alarmHistory
      .filter((h) => h.at >= (input.StartDate?.getTime() ?? 0))
      .sort((a, b) => a.at - b.at)
      .map((h) => ({
        AlarmName: h.alarm,
        AlarmType: 'MetricAlarm',
        Timestamp: new Date(h.at),
        HistoryItemType: 'StateUpdate',
        HistorySummary: `Alarm updated from ${h.from} to ${h.to}`,
        HistoryData: JSON.stringify({ version: '1.0', oldState: { stateValue: h.from }, newState: { stateValue: h.to, stateReason: h.to === 'ALARM' ? 'Threshold Crossed: 1 datapoint [0.5] was greater than the threshold (0.05).' : 'ok' } }),
      }));
    const from = Number(input.NextToken ?? 0);
    return { AlarmHistoryItems: items.slice(from, from + 2), NextToken: from + 2 < items.length ? String(from + 2) : undefined };
  });
  setClients({ elb: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), cloudwatch: new CloudWatchClient({ region: 'us-east-1' }) });
  setClock(() => bench.clock.now);
  // In-process backoff (the safety net's retries, bookkeeping) moves the test clock instead of waiting.
  setSleep(async (ms) => {
    bench.clock.now += ms;
  });
  dynamoFault.fails = undefined;
  return bench;
}

export function rolloutInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: { listenerArn: LISTENER, stable: BLUE, canary: GREEN },
    steps: [1, 10, 20, 50, 100],
    bakeSeconds: 60,
    pollSeconds: 20,
    alarms: ['web-green-5xx'],
    // originalActions() is sticky: Prepare refuses a sticky forward action unless the input says how to handle it.
    stickiness: 'accept',
    // The judge (on by default) has its own suite (judge.test.ts), with metrics on the bench.
    judge: 'off',
    ...overrides,
  };
}

/** Run one rollout through the real ASL and handlers; each Bake "waits" by moving the bench's clock forward by pollSeconds. */
export function runRollout(bench: Bench, executionArn: string, input: Record<string, unknown>, options: Partial<WorkflowOptions> = {}) {
  const pollSeconds = Number(input.pollSeconds ?? 30);
  const started = runWorkflow(input, {
    executionArn,
    bakeMs: 0,
    retryMs: 0,
    ...options,
    beforeEvaluate: async (state) => {
      bench.clock.now += pollSeconds * 1000;
      await options.beforeEvaluate?.(state);
    },
  });
  return { executionArn, ...started };
}
