// The lab's ELBv2 behaves like AWS where the rollout depends on it: pagination within AWS's limits, actions
// described as AWS normalises them, AWS's refusals (code, HTTP status, nothing changed), DescribeTargetHealth's
// fields, and throttling at ELBv2's rates that the SDK's retries and the handlers' code survive.
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  paginateDescribeListeners,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChangeEvent } from '../../lab/aws/alb-model.ts';
import { createLabAlb, type LabAlb } from '../../lab/aws/lab-alb.ts';
import { startElbv2Api, type Elbv2Api } from '../../lab/aws/elbv2-api.ts';
import { Elbv2Shifter } from '../../lambdas/providers/traffic/elbv2-listener.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const client = (url: string, maxAttempts = 1) => new ElasticLoadBalancingV2Client({ region: 'us-east-1', endpoint: url, credentials, maxAttempts });

describe('ELBv2 pagination, normalisation and refusals', () => {
  let lab: LabAlb;
  let api: Elbv2Api;
  let elb: ElasticLoadBalancingV2Client;
  let httpListener: string;
  let httpsListener: string;
  let defaultRuleArn: string;
  let extraGroups: string[];
  let events: ChangeEvent[];

  beforeAll(async () => {
    lab = createLabAlb({ withRule: true });
    extraGroups = ['tg-a', 'tg-b', 'tg-c', 'tg-d', 'tg-e'].map((name) => lab.model.addTargetGroup({ name }).arn);
    httpListener = lab.listenerArn;
    for (const port of [8001, 8002, 8003, 8004]) {
      lab.model.addListener({ loadBalancerArn: lab.loadBalancerArn, port, defaultActions: [{ Type: 'forward', TargetGroupArn: lab.blueArn }] });
    }
    httpsListener = lab.model.addListener({ loadBalancerArn: lab.loadBalancerArn, port: 443, protocol: 'HTTPS', defaultActions: [{ Type: 'forward', TargetGroupArn: lab.blueArn }] }).arn;
    for (const priority of [20, 30, 40]) {
      lab.model.addRule({ listenerArn: httpListener, priority, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/p${priority}/*`] } }], actions: [{ Type: 'forward', TargetGroupArn: lab.greenArn }] });
    }
    api = await startElbv2Api(lab.model, { throttle: false });
    elb = client(api.url);
    defaultRuleArn = lab.model.describeRules({ listenerArn: httpListener }).find((r) => r.isDefault)?.arn as string;
    lab.model.onChange((e) => events.push(e));
  });
  beforeEach(() => {
    events = [];
  });
  afterAll(async () => {
    elb.destroy();
    await api.close();
  });

  it('DescribeListeners, DescribeRules and DescribeTargetGroups page by PageSize and Marker; the SDK paginators follow NextMarker', async () => {
    const sizes = async <T>(pages: AsyncIterable<T>, count: (p: T) => number) => {
      const out: number[] = [];
      for await (const p of pages) out.push(count(p));
      return out;
    };
    expect(await sizes(paginateDescribeListeners({ client: elb }, { LoadBalancerArn: lab.loadBalancerArn, PageSize: 4 }), (p) => p.Listeners?.length ?? 0)).toEqual([4, 2]);
    expect(await sizes(paginateDescribeRules({ client: elb }, { ListenerArn: httpListener, PageSize: 2 }), (p) => p.Rules?.length ?? 0)).toEqual([2, 2, 1]);
    const names: string[] = [];
    expect(
      await sizes(paginateDescribeTargetGroups({ client: elb }, { PageSize: 3 }), (p) => {
        names.push(...(p.TargetGroups ?? []).map((t) => t.TargetGroupName ?? ''));
        return p.TargetGroups?.length ?? 0;
      }),
    ).toEqual([3, 3, 1]);
    expect(names.sort()).toEqual(['blue', 'green', 'tg-a', 'tg-b', 'tg-c', 'tg-d', 'tg-e']);
    // Without PageSize every result fits one page (at most 400) and there is no NextMarker.
    const all = await elb.send(new DescribeTargetGroupsCommand({}));
    expect([all.TargetGroups?.length, all.NextMarker]).toEqual([7, undefined]);
  });

  it('refuses a PageSize outside 1–400 and a Marker it did not issue (ValidationError, HTTP 400)', async () => {
    for (const PageSize of [0, 401]) {
      await expect(elb.send(new DescribeTargetGroupsCommand({ PageSize }))).rejects.toMatchObject({
        name: 'ValidationError',
        message: `PageSize ${PageSize} is not an integer between 1 and 400`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    await expect(elb.send(new DescribeListenersCommand({ LoadBalancerArn: lab.loadBalancerArn, Marker: 'abc' }))).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/^Marker "abc"/) });
  });

  it('describes a forward action as AWS normalises it: ForwardConfig, TargetGroupArn and stickiness disabled', async () => {
    const onlyArn: Action[] = [{ Type: 'forward', TargetGroupArn: lab.greenArn }];
    const normalised = (arn: string): Action[] => [
      { Type: 'forward', TargetGroupArn: arn, ForwardConfig: { TargetGroups: [{ TargetGroupArn: arn, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } },
    ];
    const out = await elb.send(new ModifyListenerCommand({ ListenerArn: httpsListener, DefaultActions: onlyArn }));
    expect(out.Listeners?.[0]?.DefaultActions).toEqual(normalised(lab.greenArn));
    expect((await elb.send(new DescribeListenersCommand({ ListenerArns: [httpsListener] }))).Listeners?.[0]?.DefaultActions).toEqual(normalised(lab.greenArn));

    // A ForwardConfig of one group gains TargetGroupArn and the stickiness default; several groups keep no TargetGroupArn.
    await elb.send(new ModifyListenerCommand({ ListenerArn: httpsListener, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: 1 }] } }] }));
    expect(lab.model.actionsOf(httpsListener)).toEqual(normalised(lab.blueArn));
    const two: Action[] = [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: 9 }, { TargetGroupArn: lab.greenArn, Weight: 1 }] } }];
    await elb.send(new ModifyListenerCommand({ ListenerArn: httpsListener, DefaultActions: two }));
    expect(lab.model.actionsOf(httpsListener)).toEqual([{ Type: 'forward', ForwardConfig: { ...two[0]?.ForwardConfig, TargetGroupStickinessConfig: { Enabled: false } } }]);
  });

  it('refuses what AWS refuses, with its error code and HTTP 400, and changes nothing', async () => {
    const before = { listener: lab.model.actionsOf(httpListener), rule: lab.model.actionsOf(lab.ruleArn as string) };
    const forward = (TargetGroups: { TargetGroupArn: string; Weight?: number }[], stickiness?: { Enabled: boolean; DurationSeconds?: number }): Action[] => [
      { Type: 'forward', ForwardConfig: { TargetGroups, ...(stickiness ? { TargetGroupStickinessConfig: stickiness } : {}) } },
    ];
    const modify = (DefaultActions: Action[], ListenerArn = httpListener) => elb.send(new ModifyListenerCommand({ ListenerArn, DefaultActions }));
    const refusal = (name: string, message: RegExp) => ({ name, message: expect.stringMatching(message), $metadata: { httpStatusCode: 400 } });
    const pair = [{ TargetGroupArn: lab.blueArn, Weight: 1 }, { TargetGroupArn: lab.greenArn, Weight: 1 }];

    await expect(modify(forward(pair, { Enabled: true }))).rejects.toMatchObject(refusal('ValidationError', /stickiness is enabled but has no DurationSeconds/));
    await expect(modify(forward([{ TargetGroupArn: lab.blueArn, Weight: -1 }]))).rejects.toMatchObject(refusal('ValidationError', /weight -1 is not an integer between 0 and 999/));
    await expect(modify(forward([{ TargetGroupArn: lab.blueArn, Weight: 1000 }]))).rejects.toMatchObject(refusal('ValidationError', /weight 1000 is not an integer between 0 and 999/));
    const six = [lab.blueArn, lab.greenArn, ...extraGroups.slice(0, 4)].map((TargetGroupArn) => ({ TargetGroupArn, Weight: 1 }));
    await expect(modify(forward(six))).rejects.toMatchObject(refusal('ValidationError', /at most 5 target groups/));
    await expect(modify(forward([{ TargetGroupArn: `${lab.greenArn.slice(0, -1)}f`, Weight: 1 }]))).rejects.toMatchObject(refusal('TargetGroupNotFoundException', /not found/));
    const oidc: Action = {
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: { Issuer: 'https://idp.example.com', AuthorizationEndpoint: 'https://idp.example.com/a', TokenEndpoint: 'https://idp.example.com/t', UserInfoEndpoint: 'https://idp.example.com/u', ClientId: 'c', ClientSecret: 's' },
    };
    await expect(modify([oidc, { ...(forward(pair)[0] as Action), Order: 2 }])).rejects.toMatchObject(refusal('InvalidLoadBalancerActionException', /HTTPS listeners only; this listener's protocol is HTTP/));
    await expect(elb.send(new ModifyRuleCommand({ RuleArn: lab.ruleArn, Actions: [oidc, { ...(forward(pair)[0] as Action), Order: 2 }] }))).rejects.toMatchObject(refusal('InvalidLoadBalancerActionException', /HTTPS listeners only/));
    // An HTTPS listener with an authenticate action cannot become HTTP.
    await modify([oidc, { ...(forward(pair)[0] as Action), Order: 2 }], httpsListener);
    await expect(elb.send(new ModifyListenerCommand({ ListenerArn: httpsListener, Protocol: 'HTTP' }))).rejects.toMatchObject(refusal('InvalidLoadBalancerActionException', /HTTPS listeners only; this listener's protocol is HTTP/));
    expect((await elb.send(new DescribeListenersCommand({ ListenerArns: [httpsListener] }))).Listeners?.[0]?.Protocol).toBe('HTTPS');
    await expect(elb.send(new ModifyRuleCommand({ RuleArn: defaultRuleArn, Actions: forward(pair) }))).rejects.toMatchObject(refusal('OperationNotPermittedException', /default rule.*use ModifyListener/));

    expect({ listener: lab.model.actionsOf(httpListener), rule: lab.model.actionsOf(lab.ruleArn as string) }).toEqual(before);
    expect(events.map((e) => e.arn)).toEqual([httpsListener]);
    // The same stickiness with a duration is accepted.
    await modify(forward(pair, { Enabled: true, DurationSeconds: 60 }));
    expect(lab.model.actionsOf(httpListener)).toEqual(forward(pair, { Enabled: true, DurationSeconds: 60 }));
    await modify(before.listener as Action[]);
  });

  it('the ALB provider refuses a default rule as ruleArn before moving anything (AWS would refuse its ModifyRule)', async () => {
    const before = lab.model.actionsOf(httpListener);
    const writes = lab.model.callCount('ModifyRule') + lab.model.callCount('ModifyListener');
    const shifter = new Elbv2Shifter(elb, { listenerArn: httpListener, ruleArn: defaultRuleArn, stable: lab.blueArn, canary: lab.greenArn });
    await expect(shifter.apply({ weights: { [lab.blueArn]: 1, [lab.greenArn]: 1 } })).rejects.toMatchObject({ name: 'DefaultRuleGiven', message: expect.stringMatching(/is the default rule of listener.*leave ruleArn out/) });
    expect(lab.model.actionsOf(httpListener)).toEqual(before);
    expect(lab.model.callCount('ModifyRule') + lab.model.callCount('ModifyListener')).toBe(writes);
  });

  it('DescribeTargetHealth with Targets: registered ones with their fields, an unregistered one as unused', async () => {
    lab.model.setTargetHealth(lab.greenArn, '127.0.0.1', 'unhealthy', 'Target.Timeout');
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lab.greenArn, Targets: [{ Id: '127.0.0.1', Port: 80 }, { Id: '10.0.0.9', Port: 80 }], Include: ['All'] }));
    expect(out.TargetHealthDescriptions).toEqual([
      {
        Target: { Id: '127.0.0.1', Port: 80, AvailabilityZone: 'us-east-1a' },
        HealthCheckPort: '80',
        TargetHealth: { State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' },
        AnomalyDetection: { Result: 'normal', MitigationInEffect: 'no' },
        AdministrativeOverride: { State: 'no_override', Reason: 'AdministrativeOverride.NoOverride', Description: 'No override is currently active on target' },
      },
      { Target: { Id: '10.0.0.9', Port: 80 }, TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' } },
    ]);
    lab.model.setTargetHealth(lab.greenArn, '127.0.0.1', 'healthy');
  });
});
