// ELBv2 grants: ModifyListener / ModifyRule on exactly the props' listener and rule ARNs (plus the
// opt-in tag condition), and the Describe reads ELB offers no resource scoping for.
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { isListenerArn, isRuleArn, listenerOfRule } from '../../lambdas/providers/traffic/elbv2-target.ts';
import { arnEnv } from '../validate.ts';
import type { InfraProvider, ProviderGrants } from './provider.ts';

/** Opt-in: allow Modify on any ALB/NLB listener or ALB listener rule of this account and region carrying this tag. */
export interface ShiftableTag {
  readonly key: string;
  readonly value: string;
}

export interface Elbv2Config {
  listenerArns: readonly string[];
  ruleArns: readonly string[];
  shiftableTag?: ShiftableTag | undefined;
}

/** DescribeListeners / DescribeRules / DescribeTargetHealth accept no resource ARN in IAM. */
export const ELB_READS = ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetHealth'];

export const elbv2Infra: InfraProvider<Elbv2Config> = {
  type: 'elbv2',
  config(props) {
    const p = props as { listenerArns?: readonly string[]; ruleArns?: readonly string[]; shiftableTag?: ShiftableTag; tagMode?: boolean };
    const listenerArns = p.listenerArns ?? [];
    const ruleArns = p.ruleArns ?? [];
    // A schedule context (validate.ts) says tagMode instead of carrying the tag.
    const shiftableTag = p.shiftableTag ?? (p.tagMode ? { key: '*', value: '*' } : undefined);
    if (listenerArns.length === 0 && ruleArns.length === 0 && !shiftableTag) return undefined;
    return { listenerArns, ruleArns, shiftableTag };
  },

  problems(config, scope) {
    const stack = Stack.of(scope);
    const problems: string[] = [];
    const concrete = (v: string) => !Token.isUnresolved(v);
    const sameEnv = (field: string, arn: string) => {
      const env = arnEnv(arn);
      if (!env) return;
      if (concrete(stack.region) && env.region !== stack.region) {
        problems.push(`${field} = "${arn}": in ${env.region}, but the stack deploys to ${stack.region}; the functions call ELB in their own region, so deploy the stack to ${env.region}`);
      }
      if (concrete(stack.account) && env.account !== stack.account) {
        problems.push(`${field} = "${arn}": in account ${env.account}, but the stack deploys to account ${stack.account}; ELB has no cross-account access, so deploy the stack into ${env.account}`);
      }
    };
    // An ARN known only at deploy (e.g. listener.listenerArn of an ALB in the same CDK app) is
    // granted as it is; CloudFormation resolves it.
    config.listenerArns.forEach((arn, i) => {
      if (!concrete(arn)) return;
      if (!isListenerArn(arn)) problems.push(`listenerArns[${i}] = ${JSON.stringify(arn)}: not a listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb>/<id>/<id>)`);
      else sameEnv(`listenerArns[${i}]`, arn);
    });
    config.ruleArns.forEach((arn, i) => {
      if (!concrete(arn)) return;
      if (!isRuleArn(arn)) problems.push(`ruleArns[${i}] = ${JSON.stringify(arn)}: not a listener rule ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<lb>/<id>/<id>/<id>)`);
      else sameEnv(`ruleArns[${i}]`, arn);
    });
    if (config.shiftableTag && (!config.shiftableTag.key || config.shiftableTag.value === undefined)) problems.push('shiftableTag: needs a key and a value');
    return problems;
  },

  grants(config, scope): ProviderGrants {
    const write: iam.PolicyStatement[] = [];
    const acknowledgements: { id: string; reason: string }[] = [];
    if (config.listenerArns.length > 0) write.push(new iam.PolicyStatement({ actions: ['elasticloadbalancing:ModifyListener'], resources: [...config.listenerArns] }));
    if (config.ruleArns.length > 0) write.push(new iam.PolicyStatement({ actions: ['elasticloadbalancing:ModifyRule'], resources: [...config.ruleArns] }));
    const tag = config.shiftableTag;
    if (tag) {
      const stack = Stack.of(scope);
      const kinds = ['listener/app', 'listener/net', 'listener-rule/app'];
      const elb = (resource: string) => stack.formatArn({ service: 'elasticloadbalancing', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      write.push(
        new iam.PolicyStatement({
          actions: ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule'],
          resources: kinds.map(elb),
          conditions: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } },
        }),
      );
      // cdk-nag names the finding by the ARN as rendered: tokens as <AWS::…>, concrete values as is.
      const where = `${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}`;
      for (const resource of kinds) {
        acknowledgements.push({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:${where}:${resource}/*]`,
          reason: `Opted in with shiftableTag: Modify is allowed only on listeners and rules tagged ${tag.key}=${tag.value} (aws:ResourceTag condition).`,
        });
      }
    }
    return { read: [new iam.PolicyStatement({ actions: ELB_READS, resources: ['*'] })], write, acknowledgements };
  },

  scheduleProblems(target, config) {
    // Tag mode: any listener/rule may be allowed at run time, so no ARN check.
    if (config?.shiftableTag) return [];
    const ruleArn = typeof target.ruleArn === 'string' ? target.ruleArn : undefined;
    const listenerArn = typeof target.listenerArn === 'string' ? target.listenerArn : '';
    if (ruleArn !== undefined && !(config?.ruleArns ?? []).includes(ruleArn)) {
      return [`input.target.ruleArn = "${ruleArn}": not in the stack's ruleArns, so ModifyRule would be denied at run time; add it to ruleArns`];
    }
    if (ruleArn === undefined && !(config?.listenerArns ?? []).includes(listenerArn)) {
      return [
        `input.target.listenerArn = "${listenerArn}": not in the stack's listenerArns, so ModifyListener would be denied at run time; add it to listenerArns (or shift a rule listed in ruleArns)`,
      ];
    }
    return [];
  },
};

/** A ready-to-edit target: the first shiftable listener (or rule), placeholder target groups. */
export function exampleElbv2Target(config: Elbv2Config | undefined): Record<string, unknown> {
  const rule = config && config.listenerArns.length === 0 ? config.ruleArns[0] : undefined;
  const listener = config?.listenerArns[0] ?? (rule ? listenerOfRule(rule) : 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2');
  const env = arnEnv(listener) ?? { region: 'us-east-1', account: '123456789012' };
  const tg = (name: string, id: string) => `arn:aws:elasticloadbalancing:${env.region}:${env.account}:targetgroup/${name}/${id}`;
  return { listenerArn: listener, ...(rule ? { ruleArn: rule } : {}), stable: tg('blue', '73e2d6bc24d8a067'), canary: tg('green', '8e2b3a1d5c7f9a10') };
}
