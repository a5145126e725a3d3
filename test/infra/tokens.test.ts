// ARNs known only at deploy time: a CDK app that owns its ALB passes listener.listenerArn (a token)
// to the construct, which grants Modify on exactly that reference.
import { App, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CanarySwitch } from '../../infra/canary-switch.ts';
import { statements } from './fixtures.ts';

describe('listener and rule ARNs as tokens', () => {
  it('synthesize, with ModifyListener / ModifyRule on exactly the referenced listener and rule', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Web', { env: { account: '123456789012', region: 'us-east-1' } });
    new CanarySwitch(stack, 'CanarySwitch', { listenerArns: [Fn.importValue('WebListenerArn')], ruleArns: [Fn.importValue('ApiRuleArn')] });
    const saved = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'false';
    let template: Template;
    try {
      template = Template.fromStack(stack);
    } finally {
      if (saved === undefined) delete process.env.CDK_VALIDATION;
      else process.env.CDK_VALIDATION = saved;
    }
    const modify = statements(template).filter((s) => s.Action.some((a) => a.startsWith('elasticloadbalancing:Modify')));
    expect(new Set(modify.map((s) => JSON.stringify([s.Action, s.Resource])))).toEqual(
      new Set([
        JSON.stringify([['elasticloadbalancing:ModifyListener'], [{ 'Fn::ImportValue': 'WebListenerArn' }]]),
        JSON.stringify([['elasticloadbalancing:ModifyRule'], [{ 'Fn::ImportValue': 'ApiRuleArn' }]]),
      ]),
    );
  });
});
