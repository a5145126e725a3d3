// ARNs of one rollout target that must agree with each other, checked offline (CLI `plan`, Prepare,
// synth): a listener forwards only to target groups of its own region and account, and a rule ARN
// names the listener it belongs to. Each ARN is already valid on its own when this runs.

/** A directed target (stable, canary) or a pair (targetGroups [A, B]). */
interface Target {
  listenerArn: string;
  ruleArn?: string | undefined;
  stable?: string;
  canary?: string;
  targetGroups?: readonly string[];
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

export function targetProblems(target: Target): string[] {
  const problems: string[] = [];
  const listener = home(target.listenerArn);
  const where = (h: ReturnType<typeof home>) => `${h.region}, account ${h.account}${h.partition === 'aws' ? '' : `, partition ${h.partition}`}`;
  const fields: [string, string | undefined][] = [
    ['target.ruleArn', target.ruleArn],
    ['target.stable', target.stable],
    ['target.canary', target.canary],
    ...(target.targetGroups ?? []).map((arn, i): [string, string] => [`target.targetGroups[${i}]`, arn]),
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
