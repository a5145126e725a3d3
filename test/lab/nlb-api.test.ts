// The lab's ELBv2 API answers a Network Load Balancer's listener (listener/net/…) through the real SDK:
// TCP, a weighted forward as the default action, and AWS's refusals for what an NLB cannot do
// (stickiness, non-forward actions, rules, HTTP target groups, HTTP protocol), each leaving the
// listener exactly as it was.
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  type Action,
  type ModifyListenerCommandInput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabNlb } from '../../lab/aws/lab-fleet.ts';
import { startElbv2Api, type Elbv2Api } from '../../lab/aws/elbv2-api.ts';

const weighted = (arns: string[], weights: number[], stickiness: { Enabled: boolean; DurationSeconds?: number } = { Enabled: false }): Action[] => [
  { Type: 'forward', ForwardConfig: { TargetGroups: arns.map((TargetGroupArn, i) => ({ TargetGroupArn, Weight: weights[i] })), TargetGroupStickinessConfig: stickiness } },
];
const refusal = (name: string, message: RegExp) => ({ name, message: expect.stringMatching(message), $metadata: { httpStatusCode: 400 } });

describe('lab ELBv2 API: NLB listeners', () => {
  const lab = createLabNlb({ blue: 8081, green: 8082 });
  const httpGroup = lab.model.addTargetGroup({ name: 'web-http', protocol: 'HTTP' }).arn;
  let api: Elbv2Api;
  let elb: ElasticLoadBalancingV2Client;
  const listener = async () => (await elb.send(new DescribeListenersCommand({ ListenerArns: [lab.listenerArn] }))).Listeners;
  const modify = (input: Omit<ModifyListenerCommandInput, 'ListenerArn'>) => elb.send(new ModifyListenerCommand({ ListenerArn: lab.listenerArn, ...input }));

  beforeAll(async () => {
    api = await startElbv2Api(lab.model, { throttle: false });
    elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1', endpoint: api.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    elb.destroy();
    await api.close();
  });

  it('describes a network load balancer with a TCP listener forwarding blue 1, green 0', async () => {
    expect(lab.listenerArn).toMatch(/:listener\/net\/web\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
    const lbs = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lab.loadBalancerArn] }))).LoadBalancers;
    expect(lbs?.map((lb) => [lb.Type, lb.LoadBalancerArn?.includes(':loadbalancer/net/web/')])).toEqual([['network', true]]);
    expect(await listener()).toEqual([{ ListenerArn: lab.listenerArn, LoadBalancerArn: lab.loadBalancerArn, Port: 80, Protocol: 'TCP', DefaultActions: weighted([lab.blueArn, lab.greenArn], [1, 0]) }]);
    const groups = (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [lab.blueArn, lab.greenArn] }))).TargetGroups;
    expect(groups?.map((g) => ({ name: g.TargetGroupName, protocol: g.Protocol, lbs: g.LoadBalancerArns, version: g.ProtocolVersion }))).toEqual([
      { name: 'blue', protocol: 'TCP', lbs: [lab.loadBalancerArn], version: undefined },
      { name: 'green', protocol: 'TCP', lbs: [lab.loadBalancerArn], version: undefined },
    ]);
  });

  it('ModifyListener sets the weights of the weighted forward; Describe returns them', async () => {
    const out = await modify({ DefaultActions: weighted([lab.blueArn, lab.greenArn], [9, 1]) });
    expect(out.Listeners?.[0]?.DefaultActions).toEqual(weighted([lab.blueArn, lab.greenArn], [9, 1]));
    expect((await listener())?.[0]?.DefaultActions).toEqual(weighted([lab.blueArn, lab.greenArn], [9, 1]));
  });

  it('refuses what an NLB cannot do, and the listener stays exactly as it was', async () => {
    await modify({ DefaultActions: weighted([lab.blueArn, lab.greenArn], [3, 1]) });
    const before = await listener();
    await expect(modify({ DefaultActions: weighted([lab.blueArn, lab.greenArn], [1, 1], { Enabled: true, DurationSeconds: 60 }) })).rejects.toMatchObject(
      refusal('InvalidLoadBalancerActionException', /stickiness is not supported on listeners of load balancers of type 'network'/),
    );
    await expect(modify({ DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }] })).rejects.toMatchObject(
      refusal('InvalidLoadBalancerActionException', /'fixed-response' is not supported on listeners of load balancers of type 'network'/),
    );
    await expect(modify({ DefaultActions: weighted([lab.blueArn, httpGroup], [1, 1]) })).rejects.toMatchObject(refusal('ValidationError', /uses protocol HTTP; a listener of a load balancer of type 'network' forwards to TCP/));
    await expect(modify({ Protocol: 'HTTP' })).rejects.toMatchObject(refusal('ValidationError', /Protocol 'HTTP' is not one of TCP/));
    await expect(elb.send(new DescribeRulesCommand({ ListenerArn: lab.listenerArn }))).rejects.toMatchObject(refusal('ListenerNotFoundException', /has no rules/));
    expect(await listener()).toEqual(before);
    expect(before?.[0]?.DefaultActions).toEqual(weighted([lab.blueArn, lab.greenArn], [3, 1]));
  });

  it('a rule cannot be added to an NLB listener (lab setup refuses it as AWS CreateRule would)', () => {
    expect(() => lab.model.addRule({ listenerArn: lab.listenerArn, priority: 10, conditions: [], actions: weighted([lab.blueArn], [1]) })).toThrow(/NLB listeners have no rules/);
  });
});
