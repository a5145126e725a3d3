// Fixtures for the CDK tests: the shared example ARNs (test/support/arns.ts), a valid input, a synth
// helper that skips NodejsFunction bundling (context aws:cdk:bundling-stacks = []) unless asked, and
// templateOf() for a stack built by hand.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CanarySwitch, type CanarySwitchProps } from '../../infra/canary-switch.ts';
import { ACCOUNT, ARNS } from '../support/arns.ts';

export { ACCOUNT } from '../support/arns.ts';
export const REGION = 'us-east-1';
export const LISTENER = ARNS.listener;
export const OTHER_LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/api/6d0ecf831eec9f09/3a1c9b5e7d2f4a60`;
export const RULE = ARNS.rule;
export const STABLE = ARNS.blue;
export const CANARY = ARNS.green;
export const SLACK_SECRET = ARNS.secret('canary-switch/slack-bot-token-AbCdEf');
export const SLACK_SIGNING_SECRET = ARNS.secret('canary-switch/slack-signing-secret-GhIjKl');
export const SLACK = { botTokenSecretArn: SLACK_SECRET, signingSecretArn: SLACK_SIGNING_SECRET, allowedUsers: ['U0123ABCD', 'W0456EFGH'], teamId: 'T0123ABCD', appId: 'A0123ABCD', channel: 'C0123456' };

export const validInput = (over: Record<string, unknown> = {}) => ({
  target: { listenerArn: LISTENER, stable: STABLE, canary: CANARY },
  steps: [1, 10, 50, 100],
  bakeSeconds: 300,
  alarms: ['web-green-5xx'],
  ...over,
});

/** Everything on: two listeners-worth of permissions, Slack, both kinds of schedule, an SNS topic. */
export const FULL_PROPS: CanarySwitchProps = {
  listenerArns: [LISTENER],
  ruleArns: [RULE],
  slack: SLACK,
  alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:oncall`,
  schedules: [
    { name: 'weekday-staging', expression: 'cron(0 10 ? * MON-FRI *)', timeZone: 'Asia/Tokyo', input: validInput() },
    {
      name: 'launch',
      expression: 'at(2026-12-01T10:00:00)',
      timeZone: 'Europe/Berlin',
      input: validInput({ target: { listenerArn: LISTENER, ruleArn: RULE, stable: STABLE, canary: CANARY }, approvals: { before: [50] } }),
    },
  ],
};

export interface Synth {
  app: App;
  stack: Stack;
  canary: CanarySwitch;
  template: Template;
}

/**
 * Synthesize one stack. CDK's built-in CloudFormation template validation (a lint costing seconds
 * per synth) runs only with `nag` on, where the whole validation report is the point.
 */
export function synth(props: CanarySwitchProps, opts: { bundling?: boolean; nag?: boolean; outdir?: string; env?: boolean } = {}): Synth {
  const app = new App({
    context: opts.bundling ? {} : { 'aws:cdk:bundling-stacks': [] },
    ...(opts.outdir ? { outdir: opts.outdir } : {}),
  });
  const stack = new Stack(app, 'Test', opts.env === false ? {} : { env: { account: ACCOUNT, region: REGION } });
  const canary = new CanarySwitch(stack, 'CanarySwitch', props);
  if (opts.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const saved = process.env.CDK_VALIDATION;
  if (!opts.nag) process.env.CDK_VALIDATION = 'false';
  let assembly;
  try {
    assembly = app.synth();
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
  const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>);
  return { app, stack, canary, template };
}

type Json = Record<string, unknown>;

/** Every resource of a type, by logical id. */
export function resources(template: Template, type: string): Record<string, Json> {
  return template.findResources(type) as Record<string, Json>;
}

export const props = (r: Json): Json => (r.Properties ?? {}) as Json;

/** Logical id of one of our functions (NodejsFunction ids are `CanarySwitch<Id><hash>`). */
export function fnLogicalId(template: Template, id: string): string {
  const ids = Object.keys(resources(template, 'AWS::Lambda::Function')).filter((k) => new RegExp(`^CanarySwitch${id}[0-9A-F]{8}$`).test(k));
  if (ids.length !== 1) throw new Error(`expected one function ${id}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

export interface Statement {
  policy: string;
  Effect: string;
  Action: string[];
  Resource: unknown[];
  Condition?: Json;
}

/** Every statement of every IAM policy in the template (inline role policies too). */
export function statements(template: Template): Statement[] {
  const out: Statement[] = [];
  const add = (policy: string, doc: Json | undefined) => {
    for (const s of (doc?.Statement ?? []) as Json[]) {
      const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
      out.push({ policy, Effect: String(s.Effect), Action: arr(s.Action).map(String), Resource: arr(s.Resource), ...(s.Condition ? { Condition: s.Condition as Json } : {}) });
    }
  };
  for (const [id, r] of Object.entries(resources(template, 'AWS::IAM::Policy'))) add(id, props(r).PolicyDocument as Json);
  for (const [id, r] of Object.entries(resources(template, 'AWS::IAM::ManagedPolicy'))) add(id, props(r).PolicyDocument as Json);
  for (const [id, r] of Object.entries(resources(template, 'AWS::IAM::Role'))) {
    for (const p of (props(r).Policies ?? []) as Json[]) add(`${id}/${String(p.PolicyName)}`, p.PolicyDocument as Json);
  }
  return out;
}

/** The policy statements attached to one function's role. */
export function statementsOf(template: Template, fnId: string): Statement[] {
  const fn = resources(template, 'AWS::Lambda::Function')[fnLogicalId(template, fnId)]!;
  const roleId = ((props(fn).Role as Json)['Fn::GetAtt'] as string[])[0]!;
  const policyIds = Object.entries(resources(template, 'AWS::IAM::Policy'))
    .filter(([, p]) => ((props(p).Roles ?? []) as Json[]).some((r) => r.Ref === roleId))
    .map(([id]) => id);
  return statements(template).filter((s) => policyIds.includes(s.policy));
}

/** Synthesize one stack without CDK's CloudFormation lint (seconds per synth; test/infra/nag.test.ts runs it). */
export function templateOf(stack: Stack): Template {
  const saved = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const app = stack.node.root as App;
    return Template.fromJSON(app.synth().getStackByName(stack.stackName).template as Record<string, unknown>);
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
}
