// The lab's fake AWS endpoints, driven by the real SDK v3 clients over loopback.
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChangeEvent } from '../../lab/aws/alb-model.ts';
import { createLabAlb, type LabAlb } from '../../lab/aws/lab-alb.ts';
import { startCloudWatchApi } from '../../lab/aws/cloudwatch-api.ts';
import { startElbv2Api } from '../../lab/aws/elbv2-api.ts';
import type { LocalServer } from '../../lab/aws/local-server.ts';
import { decodeQuery, toXml } from '../../lab/aws/query-protocol.ts';
import { LabAlarms } from '../../lab/traffic/alarms.ts';
import { TrafficMetrics } from '../../lab/traffic/metrics.ts';
import { oidcThenForward } from '../support/listener.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

describe('query protocol codec', () => {
  it('decodes flattened lists, structures and maps', () => {
    const body =
      'Action=ModifyListener&DefaultActions.member.2.Type=forward&DefaultActions.member.1.Type=authenticate-oidc' +
      '&DefaultActions.member.2.ForwardConfig.TargetGroups.member.1.Weight=10&DefaultActions.member.2.ForwardConfig.TargetGroups.member.10.Weight=3' +
      '&DefaultActions.member.1.AuthenticateOidcConfig.AuthenticationRequestExtraParams.entry.1.key=prompt' +
      '&DefaultActions.member.1.AuthenticateOidcConfig.AuthenticationRequestExtraParams.entry.1.value=a%20%26%20b&Empty=';
    expect(decodeQuery(body)).toEqual({
      Action: 'ModifyListener',
      DefaultActions: [
        { Type: 'authenticate-oidc', AuthenticateOidcConfig: { AuthenticationRequestExtraParams: { prompt: 'a & b' } } },
        { Type: 'forward', ForwardConfig: { TargetGroups: [{ Weight: '10' }, { Weight: '3' }] } },
      ],
      Empty: '',
    });
    expect(() => decodeQuery('a=1&a.b=2')).toThrow(/conflicts/);
  });

  it('encodes XML with escaping, lists and maps', () => {
    expect(toXml('R', { L: [{ A: 'x<&>"\'' }], E: [], N: 3, B: false, U: undefined, AuthenticationRequestExtraParams: { k: 'v' } })).toBe(
      '<R><L><member><A>x&#60;&#38;&#62;&#34;&#39;</A></member></L><E/><N>3</N><B>false</B><AuthenticationRequestExtraParams><entry><key>k</key><value>v</value></entry></AuthenticationRequestExtraParams></R>',
    );
  });
});

describe('ELBv2 API with the real SDK client', () => {
  let lab: LabAlb;
  let api: LocalServer;
  let elb: ElasticLoadBalancingV2Client;
  let httpsListenerArn: string;
  let legacyArn: string;
  let events: ChangeEvent[];

  /** The HTTPS listener's actions (the shared fixture, with extra params that need escaping); as Describe* shows them unless told how to send the client secret. */
  const httpsActions = (weights: [number, number, number], secret: { ClientSecret?: string; UseExistingClientSecret?: boolean } = {}): Action[] =>
    oidcThenForward(
      [
        [lab.blueArn, weights[0]],
        [lab.greenArn, weights[1]],
        [legacyArn, weights[2]],
      ],
      { oidc: { AuthenticationRequestExtraParams: { prompt: 'login', display: 'page & <more>' }, ...secret } },
    );

  beforeAll(async () => {
    lab = createLabAlb({ withRule: true, bluePort: 8081, greenPort: 8082 });
    legacyArn = lab.model.addTargetGroup({ name: 'legacy', targets: [{ id: '127.0.0.1', port: 8083, health: 'draining' }] }).arn;
    const defaultActions = httpsActions([90, 10, 0], { ClientSecret: 's3cret' });
    httpsListenerArn = lab.model.addListener({ loadBalancerArn: lab.loadBalancerArn, port: 443, protocol: 'HTTPS', defaultActions }).arn;
    api = await startElbv2Api(lab.model);
    elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1', endpoint: api.url, credentials });
    lab.model.onChange((e) => events.push(e));
  });
  beforeEach(() => {
    events = [];
  });
  afterAll(async () => {
    elb.destroy();
    await api.close();
  });

  it('DescribeLoadBalancers', async () => {
    const out = await elb.send(new DescribeLoadBalancersCommand({ Names: ['web'] }));
    expect(out.LoadBalancers).toHaveLength(1);
    const lb = out.LoadBalancers?.[0];
    expect(lb).toMatchObject({ LoadBalancerArn: lab.loadBalancerArn, LoadBalancerName: 'web', Type: 'application', State: { Code: 'active' }, AvailabilityZones: [] });
    expect(lb?.CreatedTime).toBeInstanceOf(Date);
    expect(lab.loadBalancerArn).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer\/app\/web\/[0-9a-f]{16}$/);
  });

  it('DescribeListeners returns an authenticate-oidc + 3-target-group sticky forward exactly (without the client secret)', async () => {
    const out = await elb.send(new DescribeListenersCommand({ ListenerArns: [httpsListenerArn] }));
    expect(out.Listeners).toEqual([{ ListenerArn: httpsListenerArn, LoadBalancerArn: lab.loadBalancerArn, Port: 443, Protocol: 'HTTPS', DefaultActions: httpsActions([90, 10, 0]) }]);
    const byLb = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lab.loadBalancerArn }));
    expect(byLb.Listeners?.map((l) => l.ListenerArn)).toEqual([lab.listenerArn, httpsListenerArn]);
    expect(lab.listenerArn).toMatch(/:listener\/app\/web\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
  });

  it('ModifyListener with changed weights returns and persists exactly that', async () => {
    const before = lab.model.callCount('ModifyListener');
    // What a caller writes back after reading: the secret is kept with UseExistingClientSecret.
    const written = httpsActions([50, 40, 10], { UseExistingClientSecret: true });
    const out = await elb.send(new ModifyListenerCommand({ ListenerArn: httpsListenerArn, DefaultActions: written }));
    const expected = { ListenerArn: httpsListenerArn, LoadBalancerArn: lab.loadBalancerArn, Port: 443, Protocol: 'HTTPS', DefaultActions: httpsActions([50, 40, 10]) };
    expect(out.Listeners).toEqual([expected]);
    expect((await elb.send(new DescribeListenersCommand({ ListenerArns: [httpsListenerArn] }))).Listeners).toEqual([expected]);
    expect(lab.model.callCount('ModifyListener')).toBe(before + 1);
    expect(events).toEqual([{ kind: 'listener', arn: httpsListenerArn, actions: httpsActions([50, 40, 10]) }]);

    // Writing the same again changes nothing: no change event.
    await elb.send(new ModifyListenerCommand({ ListenerArn: httpsListenerArn, DefaultActions: written }));
    expect(events).toHaveLength(1);
  });

  it('ModifyListener refuses an authenticate-oidc action without a secret, as AWS does', async () => {
    await expect(elb.send(new ModifyListenerCommand({ ListenerArn: httpsListenerArn, DefaultActions: httpsActions([1, 0, 0]) }))).rejects.toMatchObject({
      name: 'InvalidLoadBalancerActionException',
      message: expect.stringMatching(/UseExistingClientSecret/),
    });
  });

  it('ModifyRule changes a rule; DescribeRules lists it before the default rule', async () => {
    const ruleArn = lab.ruleArn as string;
    expect(ruleArn).toMatch(/:listener-rule\/app\/web\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
    const actions: Action[] = [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: lab.blueArn, Weight: 800 },
            { TargetGroupArn: lab.greenArn, Weight: 200 },
          ],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ];
    const conditions = [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }];
    const out = await elb.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: actions }));
    expect(out.Rules).toEqual([{ RuleArn: ruleArn, Priority: '10', Conditions: conditions, Actions: actions, IsDefault: false }]);
    expect(events).toEqual([{ kind: 'rule', arn: ruleArn, actions }]);

    const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: lab.listenerArn }))).Rules ?? [];
    expect(rules.map((r) => [r.Priority, r.IsDefault])).toEqual([
      ['10', false],
      ['default', true],
    ]);
    expect(rules[0]).toEqual(out.Rules?.[0]);
    expect(rules[1]?.Actions).toEqual((await elb.send(new DescribeListenersCommand({ ListenerArns: [lab.listenerArn] }))).Listeners?.[0]?.DefaultActions);
    expect((await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules).toEqual([rules[0]]);
  });

  it('DescribeTargetGroups by name, ARN and load balancer, with typed members', async () => {
    const byName = await elb.send(new DescribeTargetGroupsCommand({ Names: ['green'] }));
    expect(byName.TargetGroups).toEqual([
      expect.objectContaining({ TargetGroupArn: lab.greenArn, TargetGroupName: 'green', Port: 8082, HealthCheckEnabled: true, Matcher: { HttpCode: '200' }, LoadBalancerArns: [lab.loadBalancerArn] }),
    ]);
    expect(lab.greenArn).toMatch(/:targetgroup\/green\/[0-9a-f]{16}$/);
    const byArn = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [legacyArn, lab.blueArn] }));
    expect(byArn.TargetGroups?.map((t) => t.TargetGroupName)).toEqual(['legacy', 'blue']);
    const byLb = await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lab.loadBalancerArn }));
    expect(byLb.TargetGroups?.map((t) => t.TargetGroupName).sort()).toEqual(['blue', 'green', 'legacy']);
  });

  it('DescribeTargetHealth reports state, reason and description', async () => {
    lab.model.setTargetHealth(lab.greenArn, '127.0.0.1', 'unhealthy');
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lab.greenArn }));
    expect(out.TargetHealthDescriptions).toEqual([
      {
        Target: { Id: '127.0.0.1', Port: 8082, AvailabilityZone: 'us-east-1a' },
        HealthCheckPort: '8082',
        TargetHealth: { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' },
        AdministrativeOverride: { State: 'no_override', Reason: 'AdministrativeOverride.NoOverride', Description: 'No override is currently active on target' },
      },
    ]);
    lab.model.setTargetHealth(lab.greenArn, '127.0.0.1', 'healthy');
    const healthy = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lab.greenArn }));
    expect(healthy.TargetHealthDescriptions?.[0]?.TargetHealth).toEqual({ State: 'healthy' });
  });

  it('errors map to the SDK exceptions with their messages', async () => {
    const unknownListener = `${lab.listenerArn.slice(0, -16)}0000000000000000`;
    await expect(elb.send(new DescribeListenersCommand({ ListenerArns: [unknownListener] }))).rejects.toMatchObject({
      name: 'ListenerNotFoundException',
      message: `One or more listeners not found: '${unknownListener}'`,
      $metadata: { httpStatusCode: 400 },
    });
    await expect(elb.send(new DescribeRulesCommand({ RuleArns: [`${lab.ruleArn}0`] }))).rejects.toMatchObject({ name: 'RuleNotFoundException' });
    await expect(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: `${lab.greenArn}0` }))).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' });

    const forward = (TargetGroups: { TargetGroupArn: string; Weight: number }[], extra: Partial<Action> = {}): Action[] => [{ Type: 'forward', ForwardConfig: { TargetGroups }, ...extra }];
    const modify = (DefaultActions: Action[]) => elb.send(new ModifyListenerCommand({ ListenerArn: lab.listenerArn, DefaultActions }));
    await expect(modify(forward([{ TargetGroupArn: `${lab.greenArn}0`, Weight: 1 }]))).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' });
    await expect(modify(forward([{ TargetGroupArn: lab.greenArn, Weight: 1000 }]))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Target group weight 1000 is not an integer between 0 and 999',
    });
    await expect(
      modify(forward([{ TargetGroupArn: lab.blueArn, Weight: 1 }, { TargetGroupArn: lab.greenArn, Weight: 1 }], { TargetGroupArn: lab.blueArn })),
    ).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/both a target group ARN and a forward config/) });
    await expect(modify([])).rejects.toMatchObject({ name: 'ValidationError', message: 'At least one action must be specified' });
    expect(events).toEqual([]);
  });

  it('throttling surfaces as Throttling, and the SDK retries it by default', async () => {
    const once = new ElasticLoadBalancingV2Client({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 1 });
    lab.model.throttleNext(1, 'DescribeListeners');
    await expect(once.send(new DescribeListenersCommand({ ListenerArns: [lab.listenerArn] }))).rejects.toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
    once.destroy();

    const calls = lab.model.callCount('DescribeTargetHealth');
    lab.model.throttleNext(1);
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lab.blueArn }));
    expect(out.$metadata.attempts).toBe(2);
    expect(lab.model.callCount('DescribeTargetHealth')).toBe(calls + 2);
  });

  it('answers an unknown action with InvalidAction in AWS error XML', async () => {
    const res = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DeleteListener&Version=2015-12-01' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(
      /^<ErrorResponse xmlns="http:\/\/elasticloadbalancing\.amazonaws\.com\/doc\/2015-12-01\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
  });
});

describe('CloudWatch API with the real SDK client', () => {
  let now = Date.UTC(2025, 0, 15, 10, 0, 0);
  const metrics = new TrafficMetrics(() => now);
  const green = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/73e2d6bc24d8a067';
  const alarms = new LabAlarms(metrics, [
    { name: 'web-green-5xx', type: 'MetricAlarm', targetGroup: green, metric: '5xxRate', threshold: 0.05, periodSeconds: 10, evaluationPeriods: 1, minRequests: 5 },
    { name: 'web-green-p99', type: 'MetricAlarm', targetGroup: green, metric: 'p99Ms', threshold: 500, periodSeconds: 10, evaluationPeriods: 1 },
    { name: 'web-green', type: 'CompositeAlarm', children: ['web-green-5xx', 'web-green-p99'] },
  ]);
  let api: LocalServer;
  let cw: CloudWatchClient;

  beforeAll(async () => {
    for (let i = 0; i < 20; i++) metrics.record(green, i < 5 ? 500 : 200, 20);
    // CloudWatch evaluates on its own schedule, not when asked: one evaluation here.
    alarms.evaluate();
    api = await startCloudWatchApi(alarms);
    cw = new CloudWatchClient({ region: 'us-east-1', endpoint: api.url, credentials });
  });
  afterAll(async () => {
    cw.destroy();
    await api.close();
  });

  it('DescribeAlarms returns metric and composite alarms with states, reasons and timestamps', async () => {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-green-5xx', 'web-green-p99', 'web-green'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    const at = new Date(now);
    expect(out.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      ['web-green-5xx', 'ALARM'],
      ['web-green-p99', 'OK'],
    ]);
    expect(out.MetricAlarms?.[0]).toMatchObject({
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-green-5xx',
      StateReason: 'Threshold Crossed: 1 datapoint [0.25 (15/01/25 09:59:51)] was greater than the threshold (0.05).',
      StateUpdatedTimestamp: at,
      Threshold: 0.05,
      EvaluationPeriods: 1,
      ActionsEnabled: true,
      Metrics: expect.arrayContaining([expect.objectContaining({ Id: 'errors', MetricStat: expect.objectContaining({ Period: 10, Stat: 'Sum' }) })]),
    });
    expect(out.MetricAlarms?.[1]).toMatchObject({ MetricName: 'TargetResponseTime', ExtendedStatistic: 'p99', Threshold: 0.5 });
    expect(out.CompositeAlarms).toEqual([
      expect.objectContaining({ AlarmName: 'web-green', StateValue: 'ALARM', AlarmRule: 'ALARM("web-green-5xx") OR ALARM("web-green-p99")', StateUpdatedTimestamp: at }),
    ]);
    expect(out.CompositeAlarms?.[0]?.StateReason).toMatch(/^arn:aws:cloudwatch:.*:alarm:web-green-5xx transitioned to ALARM at Wednesday 15 January, 2025 10:00:00 UTC$/);

    // Later evaluations without a transition keep the timestamp.
    now += 3_000;
    alarms.evaluate();
    const again = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-green-5xx'] }));
    expect(again.MetricAlarms?.[0]?.StateUpdatedTimestamp).toEqual(at);
  });

  it('filters by type (metric alarms only by default), state and name prefix', async () => {
    const byDefault = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-green', 'web-green-5xx'] }));
    expect(byDefault.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['web-green-5xx']);
    expect(byDefault.CompositeAlarms).toEqual([]);
    const composites = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }));
    expect(composites.MetricAlarms).toEqual([]);
    expect(composites.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['web-green']);
    const inAlarm = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmNamePrefix: 'web-green-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    expect([...(inAlarm.MetricAlarms ?? []), ...(inAlarm.CompositeAlarms ?? [])].map((a) => a.AlarmName)).toEqual(['web-green-5xx']);
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['nope'] }))).MetricAlarms).toEqual([]);
  });

  it('errors carry their query-compatible names', async () => {
    await expect(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: 'AlarmNames and AlarmNamePrefix cannot be used together',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(cw.send(new DescribeAlarmsCommand({ StateValue: 'BROKEN' as never }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(cw.send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: 'web-green' }))).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/ChildrenOfAlarmName/) });
  });
});
