// A listener rule whose forward weights canary-switch owns, declared in your CDK app.
//
// CloudFormation compares templates, not live state. A listener or rule declared with
// elbv2.ListenerAction.weightedForward(...) carries its weights in the template; whenever
// CloudFormation updates that resource (any change to it), it writes the template's actions back,
// resetting the weights canary-switch set — mid-rollout that is drift and a rollback, after a
// promotion it flips all traffic back in one go. CloudFormation has no "ignore changes" for a
// property. So the rule here is created by a custom resource that calls CreateRule once and never
// ModifyRule: there is no Update call at all, so no later `cdk deploy` writes its actions, whatever
// else changes. canary-switch shifts it (`target.ruleArn` = `ruleArn`); deleting the construct
// deletes the rule.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface OwnedWeightedRuleProps {
  /** The listener's ARN (a token from your ALB construct is fine). */
  readonly listenerArn: string;
  /** The pair; the first takes all the traffic when the rule is created (weights 1 and 0). */
  readonly targetGroupArns: readonly [string, string];
  /** The rule's priority on the listener (1–50000). */
  readonly priority: number;
  /** ELBv2 RuleCondition objects (API shape). Default: every path (`path-pattern` `/*`). */
  readonly conditions?: readonly Record<string, unknown>[];
}

export class OwnedWeightedRule extends Construct {
  /** Put this in the rollout input's `target.ruleArn` and in the CanarySwitch `ruleArns`. */
  readonly ruleArn: string;

  constructor(scope: Construct, id: string, props: OwnedWeightedRuleProps) {
    super(scope, id);
    if (!Number.isInteger(props.priority) || props.priority < 1 || props.priority > 50_000) {
      throw new Error(`canary-switch: priority = ${props.priority} in ${this.node.path}: a listener rule priority is a whole number from 1 to 50000`);
    }
    const [first, second] = props.targetGroupArns;
    const stack = Stack.of(this);
    const resource = new cr.AwsCustomResource(this, 'Rule', {
      onCreate: {
        service: 'ElasticLoadBalancingV2',
        action: 'CreateRule',
        parameters: {
          ListenerArn: props.listenerArn,
          Priority: props.priority,
          Conditions: props.conditions ?? [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
          Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: first, Weight: 1 }, { TargetGroupArn: second, Weight: 0 }] } }],
        },
        physicalResourceId: cr.PhysicalResourceId.fromResponse('Rules.0.RuleArn'),
        outputPaths: ['Rules.0.RuleArn'],
      },
      // No onUpdate: an update of this resource calls nothing, so a deploy never resets the weights.
      onDelete: {
        service: 'ElasticLoadBalancingV2',
        action: 'DeleteRule',
        parameters: { RuleArn: new cr.PhysicalResourceIdReference() },
        ignoreErrorCodesMatching: 'RuleNotFound',
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['elasticloadbalancing:CreateRule'], resources: [props.listenerArn] }),
        new iam.PolicyStatement({
          actions: ['elasticloadbalancing:DeleteRule'],
          resources: [stack.formatArn({ service: 'elasticloadbalancing', resource: 'listener-rule', resourceName: 'app/*' })],
        }),
      ]),
      installLatestAwsSdk: false,
    });
    this.ruleArn = resource.getResponseField('Rules.0.RuleArn');
  }
}
