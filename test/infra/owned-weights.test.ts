// A rule whose weights canary-switch owns: created once by a custom resource with no Update call,
// so a later deploy (even one that changes the stack around it) never writes its actions back.
import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { OwnedWeightedRule } from '../../infra/owned-weights.ts';
import { ACCOUNT, CANARY, LISTENER, REGION, STABLE, templateOf } from './fixtures.ts';

type Json = Record<string, unknown>;

function deploy(extra: (stack: Stack) => void = () => {}) {
  const stack = new Stack(new App(), 'Web', { env: { account: ACCOUNT, region: REGION } });
  const rule = new OwnedWeightedRule(stack, 'Api', { listenerArn: LISTENER, targetGroupArns: [STABLE, CANARY], priority: 10 });
  extra(stack);
  const template = templateOf(stack);
  const resources = template.findResources('Custom::AWS') as Record<string, Json>;
  const [logicalId, resource] = Object.entries(resources)[0]!;
  return { rule, template, logicalId, props: resource.Properties as Json };
}

/** The JSON a custom resource property holds (a string, or an Fn::Join of strings and tokens). */
function callOf(value: unknown): Json {
  if (typeof value === 'string') return JSON.parse(value) as Json;
  const [, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : '"TOKEN"')).join('').replace(/""TOKEN""/g, '"TOKEN"')) as Json;
}

describe('OwnedWeightedRule', () => {
  it('creates the weighted rule once (stable 1, canary 0) and deletes it; there is no Update call', () => {
    const { props } = deploy();
    expect(callOf(props.Create)).toMatchObject({
      service: 'ElasticLoadBalancingV2',
      action: 'CreateRule',
      parameters: {
        ListenerArn: LISTENER,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: STABLE, Weight: 1 }, { TargetGroupArn: CANARY, Weight: 0 }] } }],
      },
    });
    expect(callOf(props.Delete)).toMatchObject({ action: 'DeleteRule' });
    expect(props.Update).toBeUndefined();
  });

  it('a second deploy that changes the stack leaves the rule resource exactly as it was: CloudFormation has nothing to send', () => {
    const first = deploy();
    const second = deploy((stack) => new sns.Topic(stack, 'Added'));
    expect(second.template.findResources('AWS::SNS::Topic')).not.toEqual({});
    expect(second.logicalId).toBe(first.logicalId);
    expect(second.props).toEqual(first.props);
    // and no listener or rule in the template carries weights CloudFormation could write back
    expect(second.template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).toEqual({});
    expect(second.template.findResources('AWS::ElasticLoadBalancingV2::Listener')).toEqual({});
  });

  it('may only create rules on its listener', () => {
    const { template } = deploy();
    const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Json>);
    const statements = policies.flatMap((p) => ((p.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement);
    expect(statements.find((s) => s.Action === 'elasticloadbalancing:CreateRule')?.Resource).toBe(LISTENER);
  });

  it('refuses an impossible priority', () => {
    const stack = new Stack(new App(), 'Bad');
    expect(() => new OwnedWeightedRule(stack, 'Api', { listenerArn: LISTENER, targetGroupArns: [STABLE, CANARY], priority: 0 })).toThrow(
      'canary-switch: priority = 0 in Bad/Api: a listener rule priority is a whole number from 1 to 50000',
    );
  });
});
