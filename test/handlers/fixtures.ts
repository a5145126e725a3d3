// Shared fixtures for the handler tests: ARNs, a listener with an OIDC action in front of a
// three-way weighted forward action, and a small stateful fake of the ELBv2 / CloudWatch APIs
// built on aws-sdk-client-mock. No network: every SDK client's send() is stubbed.
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type Listener,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { validateInput, type RolloutInputRaw } from '../../lambdas/domain/input.ts';
import { buildPlan } from '../../lambdas/domain/plan.ts';
import { afterShift, nextStep, type RolloutState } from '../../lambdas/domain/rollout.ts';
import { stepWeights } from '../../lambdas/domain/shares.ts';
import type { PairWeights } from '../../lambdas/domain/weights.ts';
import { log, setClock } from '../../lambdas/handlers/deps.ts';
import { resetClients, setClients } from '../../lambdas/providers/clients.ts';
import { setNotifier, silentNotifier, type Notifier, type RolloutEvent } from '../../lambdas/providers/notify.ts';
import { lockKeyFor } from '../../lambdas/providers/store.ts';
import { forwardStickiness, forwardWeights } from '../../lambdas/providers/traffic/elbv2-listener.ts';

const ACCOUNT = '123456789012';
const LB = 'app/web/50dc6c495c0c9188';
export const ARN = {
  loadBalancer: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/${LB}`,
  listener: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/${LB}/f2f7dc8efc522ab2`,
  otherListener: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/${LB}/0000000000000000`,
  rule: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/${LB}/f2f7dc8efc522ab2/9683b2d02a6cabee`,
  ruleOfOtherListener: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/${LB}/0000000000000000/9683b2d02a6cabee`,
  blue: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/blue/73e2d6bc24d8a067`,
  green: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/green/83e2d6bc24d8a068`,
  legacy: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/legacy/93e2d6bc24d8a069`,
  execution: 'arn:aws:states:us-east-1:123456789012:execution:canary-switch:run-1',
  otherExecution: 'arn:aws:states:us-east-1:123456789012:execution:canary-switch:run-0',
};

export const TABLE = 'canary-switch-test';
/** 2025-01-06T01:00:00Z, a Monday at 10:00 JST. */
export const T0 = Date.UTC(2025, 0, 6, 1, 0, 0);

export const clone = <T>(x: T): T => structuredClone(x);

/** As DescribeListeners returns them: no client secret; Order on every action; stickiness on. */
export function oidcThenForward(weights: { blue: number; green: number; legacy: number } = { blue: 999, green: 0, legacy: 1 }): Action[] {
  return [
    {
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: {
        Issuer: 'https://idp.example.com',
        AuthorizationEndpoint: 'https://idp.example.com/authorize',
        TokenEndpoint: 'https://idp.example.com/token',
        UserInfoEndpoint: 'https://idp.example.com/userinfo',
        ClientId: 'web-client',
        SessionCookieName: 'AWSELBAuthSessionCookie',
        Scope: 'openid email',
        SessionTimeout: 604800,
        AuthenticationRequestExtraParams: { prompt: 'login' },
        OnUnauthenticatedRequest: 'authenticate',
      },
    },
    {
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: ARN.blue, Weight: weights.blue },
          { TargetGroupArn: ARN.green, Weight: weights.green },
          { TargetGroupArn: ARN.legacy, Weight: weights.legacy },
        ],
        TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
      },
    },
  ];
}

/** What ModifyListener must receive for `described`: identical, plus UseExistingClientSecret on OIDC. */
export function asWritten(described: Action[]): Action[] {
  return described.map((a) =>
    a.Type === 'authenticate-oidc' ? { ...a, AuthenticateOidcConfig: { ...a.AuthenticateOidcConfig!, UseExistingClientSecret: true } } : a,
  );
}

/** How an ALB stores what it was given and describes it back: never the client secret, nor the flag. */
function asDescribed(actions: Action[]): Action[] {
  return clone(actions).map((a) => {
    if (a.AuthenticateOidcConfig) {
      const { ClientSecret: _s, UseExistingClientSecret: _u, ...rest } = a.AuthenticateOidcConfig;
      return { ...a, AuthenticateOidcConfig: rest as NonNullable<Action['AuthenticateOidcConfig']> };
    }
    return a;
  });
}

export interface AlarmFixture {
  state: StateValue;
  composite?: boolean;
  reason?: string;
}

/** The world the fake AWS APIs describe; tests change it directly. */
export interface World {
  listener: Listener;
  rules: Record<string, Rule>;
  /** Target health states per target group ARN. */
  health: Record<string, string[]>;
  alarms: Record<string, AlarmFixture>;
  /** When false, Modify* calls are accepted but change nothing (a concurrent writer wins). */
  applyWrites: boolean;
}

export function defaultWorld(): World {
  return {
    listener: { ListenerArn: ARN.listener, LoadBalancerArn: ARN.loadBalancer, Port: 443, Protocol: 'HTTPS', DefaultActions: oidcThenForward() },
    rules: {},
    health: { [ARN.green]: ['healthy', 'healthy'], [ARN.blue]: ['healthy', 'healthy', 'healthy'] },
    alarms: { 'web-green-5xx': { state: 'OK' }, 'web-green-p99': { state: 'OK', composite: true } },
    applyWrites: true,
  };
}

export const elb = mockClient(ElasticLoadBalancingV2Client);
export const cw = mockClient(CloudWatchClient);
export const ddb = mockClient(DynamoDBDocumentClient);
export const sfn = mockClient(SFNClient);

export let world: World = defaultWorld();

/** A notifier that records every event (handlers must call it; it must never break them). */
export const notified: RolloutEvent[] = [];
/** The channel each notification went to, in the same order. */
export const notifiedChannels: (string | undefined)[] = [];
export const recordingNotifier: Notifier = {
  notify: async (event, channel) => {
    notified.push(event);
    notifiedChannels.push(channel);
  },
};

/** Fresh mocks, clients, clock, env and world; call from beforeEach. */
export function resetAws(w: World = defaultWorld()): World {
  world = w;
  for (const m of [elb, cw, ddb, sfn]) m.reset();
  resetClients();
  setClients({
    elb: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    sfn: new SFNClient({ region: 'us-east-1' }),
  });
  process.env.TABLE_NAME = TABLE;
  setClock(() => T0);
  log.setLogLevel('SILENT');
  notified.length = 0;
  notifiedChannels.length = 0;
  setNotifier(recordingNotifier);

  elb.on(DescribeListenersCommand).callsFake((input: { ListenerArns?: string[] }) => {
    const arn = input.ListenerArns?.[0];
    if (arn !== world.listener.ListenerArn) return { Listeners: [] };
    return { Listeners: [clone(world.listener)] };
  });
  elb.on(DescribeRulesCommand).callsFake((input: { RuleArns?: string[] }) => {
    const rule = world.rules[input.RuleArns?.[0] ?? ''];
    return { Rules: rule ? [clone(rule)] : [] };
  });
  elb.on(ModifyListenerCommand).callsFake((input: { DefaultActions: Action[] }) => {
    if (world.applyWrites) world.listener = { ...world.listener, DefaultActions: asDescribed(input.DefaultActions) };
    return { Listeners: [clone(world.listener)] };
  });
  elb.on(ModifyRuleCommand).callsFake((input: { RuleArn: string; Actions: Action[] }) => {
    const rule = world.rules[input.RuleArn];
    if (rule && world.applyWrites) world.rules[input.RuleArn] = { ...rule, Actions: asDescribed(input.Actions) };
    return { Rules: [clone(world.rules[input.RuleArn])] };
  });
  elb.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn: string }) => ({
    TargetHealthDescriptions: (world.health[input.TargetGroupArn] ?? []).map((State, i) => ({
      Target: { Id: `i-0${i}`, Port: 8080 },
      TargetHealth: { State },
    })),
  }));
  cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => {
    const named = (input.AlarmNames ?? []).filter((n) => n in world.alarms);
    const view = (n: string) => ({ AlarmName: n, StateValue: world.alarms[n]!.state, StateReason: world.alarms[n]!.reason });
    return {
      MetricAlarms: named.filter((n) => !world.alarms[n]!.composite).map(view),
      CompositeAlarms: named.filter((n) => world.alarms[n]!.composite).map(view),
    };
  });
  // No alarm changed state since the previous poll unless a test says otherwise.
  cw.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
  // DynamoDB: every write succeeds and nothing is stored unless a test says otherwise.
  ddb.onAnyCommand().resolves({});
  return world;
}

export function restoreNotifier(): void {
  setNotifier(silentNotifier);
}

/** The forward weights the fake listener has now. */
export function listenerWeights(): Record<string, number> {
  return forwardWeights(world.listener.DefaultActions ?? []);
}

export const baseInput = (over: Partial<RolloutInputRaw> = {}): RolloutInputRaw => ({
  target: { listenerArn: ARN.listener, stable: ARN.blue, canary: ARN.green },
  alarms: ['web-green-5xx', 'web-green-p99'],
  // The fixture's forward action is sticky; tests of the other modes say so.
  stickiness: 'accept',
  ...over,
});

/**
 * A RolloutState as Prepare would return it for `raw`, with the listener's current actions as the
 * recorded original, moved to `position` (−1: nothing shifted yet) and with `next` pointing at the
 * step after it.
 */
export function stateFor(raw: RolloutInputRaw, opts: { position?: number; original?: Action[]; stepStartedAt?: number } = {}): RolloutState {
  const checked = validateInput(raw);
  if (!checked.ok) throw new Error(`fixture input invalid: ${checked.problems.join('; ')}`);
  const input = checked.input;
  const plan = buildPlan(input);
  const actions = clone(opts.original ?? oidcThenForward());
  const stickiness = forwardStickiness(actions);
  const original = { actions: actions as unknown[], weights: forwardWeights(actions), ...(stickiness ? { stickiness } : {}) };
  let state: RolloutState = {
    executionArn: ARN.execution,
    startedAt: new Date(T0).toISOString(),
    input,
    plan,
    lockKey: lockKeyFor(input.target)!,
    original,
    position: -1,
    next: nextStep(plan, 0),
    stepStartedAt: null,
    expected: original.weights,
    history: [],
  };
  const position = opts.position ?? -1;
  for (let i = 0; i <= position; i++) {
    state = afterShift(state, i, stepMap(state, i), new Date(opts.stepStartedAt ?? T0));
  }
  if (position >= 0) state = { ...state, next: nextStep(plan, position + 1) };
  return state;
}

/** The listener's actions with the pair at `w` (legacy kept at 1). */
export const actionsAt = (w: PairWeights, legacy = 1): Action[] => oidcThenForward({ blue: w.stable, green: w.canary, legacy });
/** The listener's actions at a step from the default original (blue 999, green 0, legacy 1): legacy keeps its 0.1% share. */
export const actionsAtPercent = (percent: number): Action[] => {
  const r = stepWeights(forwardWeights(oidcThenForward()), { stable: ARN.blue, canary: ARN.green }, percent);
  if (!r.ok) throw new Error(r.reason);
  return oidcThenForward({ blue: r.weights[ARN.blue]!, green: r.weights[ARN.green]!, legacy: r.weights[ARN.legacy]! });
};

/** Every target group's weight at step `index`, as Shift computes it from the recorded original. */
export function stepMap(state: RolloutState, index: number): Record<string, number> {
  const r = stepWeights(state.original.weights, state.input.target as { stable: string; canary: string }, state.plan.steps[index]!.percent);
  if (!r.ok) throw new Error(r.reason);
  return r.weights;
}
