// The ELBv2 target (ALB or NLB listener, or one listener rule): its schema and the rules across its
// ARNs, checked offline (CLI `plan`, Prepare, synth): a listener forwards only to target groups of
// its own region and account, and a rule ARN names the listener it belongs to. Pure.
import * as z from 'zod';

const arn = (kind: 'listener' | 'listener-rule' | 'targetgroup') =>
  new RegExp(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:${kind}/.+$`);
const LISTENER_ARN = arn('listener');
const RULE_ARN = arn('listener-rule');
const TARGET_GROUP_ARN = arn('targetgroup');

export const EXAMPLE = {
  listener: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
  rule: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee',
  targetGroup: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067',
};

/** zod's type error: "is required" when absent, "must be …" when present with the wrong type. */
const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `is required: ${what}` : `must be ${what}`),
});

const targetGroupArn = (what: string, example: string) =>
  z.string(expected(`the ARN (a string) of ${what}`)).regex(TARGET_GROUP_ARN, { error: `is not a target group ARN; expected e.g. ${example}` });

/** Where traffic is shifted; shared by both ways of naming the pair. */
export const location = {
  /** Optional: absent means ELBv2, so every input written before providers existed reads the same. */
  type: z.literal('elbv2', { error: 'must be "elbv2" (or absent) for a listener target' }).optional(),
  listenerArn: z.string(expected('the ARN (a string) of the ALB or NLB listener to shift')).regex(LISTENER_ARN, {
    error: `is not a listener ARN; expected e.g. ${EXAMPLE.listener}`,
  }),
  ruleArn: z
    .string()
    .regex(RULE_ARN, { error: `is not a listener rule ARN; expected e.g. ${EXAMPLE.rule}, or leave it out to shift the listener's default action` })
    .optional(),
};

/** The pair with a direction: stable (serving today) → canary. What every state after Prepare sees. */
export const DirectedTargetSchema = z
  .object(
    {
      ...location,
      stable: targetGroupArn('the target group serving today (blue)', EXAMPLE.targetGroup),
      canary: targetGroupArn('the new target group (green)', EXAMPLE.targetGroup.replace('blue', 'green')),
    },
    expected('an object { listenerArn, stable, canary } (ruleArn optional), or { listenerArn, targetGroups: [A, B] }'),
  )
  .strict();

/** The pair without a direction (alternating releases): Prepare makes the one taking all of the pair's traffic stable. */
export const PairTargetSchema = z
  .object({
    ...location,
    targetGroups: z.tuple(
      [targetGroupArn('one target group of the pair', EXAMPLE.targetGroup), targetGroupArn('the other target group of the pair', EXAMPLE.targetGroup.replace('blue', 'green'))],
      { error: 'must be a list of exactly two target group ARNs, e.g. ["…:targetgroup/blue/…", "…:targetgroup/green/…"]; Prepare makes the one taking all the traffic stable' },
    ),
  })
  .strict();

export type DirectedTarget = z.output<typeof DirectedTargetSchema>;
export type PairTarget = z.output<typeof PairTargetSchema>;
export type Elbv2Target = DirectedTarget | PairTarget;

export const isPairTarget = (target: object): target is PairTarget => 'targetGroups' in target;

export const isListenerArn = (value: unknown): boolean => typeof value === 'string' && LISTENER_ARN.test(value);
export const isRuleArn = (value: unknown): boolean => typeof value === 'string' && RULE_ARN.test(value);

/** `targetgroup/blue/73e2…` → `blue`: how people name target groups in messages. */
export function shortName(arn: string): string {
  return /:targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn;
}

/** `…:listener/app/web/…` → `app`, `net` → an NLB. */
export function isNetworkListener(listenerArn: string): boolean {
  return /:listener\/net\//.test(listenerArn);
}

/** stable = canary would "shift" traffic onto itself; checked on the raw target, even when another field is bad. */
export function samePairProblems(t: Record<string, unknown>): string[] {
  if ('targetGroups' in t && ('stable' in t || 'canary' in t)) {
    return ['target: names both targetGroups and stable/canary; give either stable and canary (a fixed direction) or targetGroups [A, B] (the direction is decided at start from live weights), not both'];
  }
  const pair = t.targetGroups;
  if (Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && pair[0] === pair[1]) {
    return [`target.targetGroups[1] = ${JSON.stringify(pair[1])}: the same target group as targetGroups[0]; name the two target groups the releases alternate between`];
  }
  if (typeof t.stable !== 'string' || t.stable !== t.canary) return [];
  return [`target.canary = ${JSON.stringify(t.canary)}: stable and canary are the same target group; canary must be the new target group`];
}

/** `arn:<partition>:elasticloadbalancing:<region>:<account>:…` → where it lives. */
function home(arn: string): { partition: string; region: string; account: string } {
  const [, partition = '', , region = '', account = ''] = arn.split(':');
  return { partition, region, account };
}

/** `…:listener-rule/app/web/LB/LISTENER/RULE` → `…:listener/app/web/LB/LISTENER`. */
export function listenerOfRule(ruleArn: string): string {
  return ruleArn.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, '');
}

export function targetProblems(target: Elbv2Target): string[] {
  const problems: string[] = [];
  const listener = home(target.listenerArn);
  const where = (h: ReturnType<typeof home>) => `${h.region}, account ${h.account}${h.partition === 'aws' ? '' : `, partition ${h.partition}`}`;
  const fields: [string, string | undefined][] = [
    ['target.ruleArn', target.ruleArn],
    ['target.stable', isPairTarget(target) ? undefined : target.stable],
    ['target.canary', isPairTarget(target) ? undefined : target.canary],
    ...(isPairTarget(target) ? target.targetGroups : []).map((arn, i): [string, string] => [`target.targetGroups[${i}]`, arn]),
  ];
  const sameHome = (arn: string) => {
    const h = home(arn);
    return h.partition === listener.partition && h.region === listener.region && h.account === listener.account;
  };
  for (const [field, arn] of fields) {
    if (arn === undefined) continue;
    const h = home(arn);
    if (!sameHome(arn)) {
      problems.push(
        `${field} = "${arn}": in ${where(h)}, but target.listenerArn is in ${where(listener)}; ` +
          `a listener forwards only to target groups (and has rules) of its own region and account: use the ARN from the listener's region and account`,
      );
    }
  }
  if (target.ruleArn !== undefined && sameHome(target.ruleArn) && listenerOfRule(target.ruleArn) !== target.listenerArn) {
    problems.push(
      `target.ruleArn = "${target.ruleArn}": belongs to listener ${listenerOfRule(target.ruleArn)}, not target.listenerArn ${target.listenerArn}; ` +
        `give that listener's ARN, or a rule of this listener`,
    );
  }
  return problems;
}
