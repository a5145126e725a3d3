// The example account's ARNs, one copy for every test folder: a load balancer `web` with one listener
// and one rule, the target groups blue, green and legacy, and executions of the `canary-switch` state
// machine. `arnsIn(region)` gives the same names in another region (the Slack tests use eu-west-1).
export const ACCOUNT = '123456789012';
const LB = 'app/web/50dc6c495c0c9188';

export function arnsIn(region = 'us-east-1', account = ACCOUNT) {
  const elb = `arn:aws:elasticloadbalancing:${region}:${account}`;
  const states = `arn:aws:states:${region}:${account}`;
  return {
    loadBalancer: `${elb}:loadbalancer/${LB}`,
    listener: `${elb}:listener/${LB}/f2f7dc8efc522ab2`,
    otherListener: `${elb}:listener/${LB}/0000000000000000`,
    rule: `${elb}:listener-rule/${LB}/f2f7dc8efc522ab2/9683b2d02a6cabee`,
    ruleOfOtherListener: `${elb}:listener-rule/${LB}/0000000000000000/9683b2d02a6cabee`,
    blue: `${elb}:targetgroup/blue/73e2d6bc24d8a067`,
    green: `${elb}:targetgroup/green/83e2d6bc24d8a068`,
    legacy: `${elb}:targetgroup/legacy/93e2d6bc24d8a069`,
    stateMachine: `${states}:stateMachine:canary-switch`,
    /** An execution of the canary-switch state machine by name. */
    execution: (name: string) => `${states}:execution:canary-switch:${name}`,
    /** A Secrets Manager secret by name (with the 6-character suffix AWS appends). */
    secret: (nameWithSuffix: string) => `arn:aws:secretsmanager:${region}:${account}:secret:${nameWithSuffix}`,
  };
}

/** us-east-1, the account above. */
export const ARNS = arnsIn();
