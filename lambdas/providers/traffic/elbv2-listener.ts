// The ELBv2 shifter: the forward action of a listener's default actions (ALB or NLB) or of one ALB
// listener rule. Everything but the weights is written back exactly as read: other actions (e.g.
// authenticate-oidc), their order, other target groups and the stickiness config.
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DefaultRuleGiven, ListenerNotFound, RuleNotFound, RuleNotOnListener, TargetGroupNotInForwardAction, UnsupportedListener } from '../../errors.ts';
import { aws } from '../aws-errors.ts';
import { VerifiedShifter } from './base.ts';
import { listenerOfRule, shortName, type DirectedTarget } from './elbv2-target.ts';
import type { DesiredForward, Stickiness, TrafficState as ForwardState } from './provider.ts';

/**
 * Listener protocols with weighted forward actions: ALB (HTTP, HTTPS) and, since November 2025,
 * NLB (TCP, UDP, TCP_UDP, TLS). Gateway Load Balancers (GENEVE) forward to one target group.
 */
const SUPPORTED_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'TCP', 'UDP', 'TCP_UDP', 'TLS']);

/** The listener (or rule) of a target: the pair is named stable/canary once the direction is known. */
export type ListenerTarget = Pick<DirectedTarget, 'listenerArn' | 'ruleArn' | 'stable' | 'canary'>;

export class Elbv2Shifter extends VerifiedShifter {
  constructor(
    private readonly elb: ElasticLoadBalancingV2Client,
    private readonly target: ListenerTarget,
  ) {
    super();
  }

  protected get where(): string {
    return this.target.ruleArn ? `rule ${this.target.ruleArn}` : `listener ${this.target.listenerArn}`;
  }

  /** The actions as they are, without requiring the pair: restore must work after an operator removed one. */
  protected async readAsIs(): Promise<ForwardState> {
    const listener = await this.describeListener();
    const actions = this.target.ruleArn ? await this.describeRuleActions(this.target.ruleArn) : (listener.DefaultActions ?? []);
    const stickiness = forwardStickiness(actions);
    return { actions: actions as unknown[], weights: forwardWeights(actions), ...(stickiness ? { stickiness } : {}) };
  }

  protected async writeWeights(current: ForwardState, desired: DesiredForward): Promise<void> {
    await this.write(withForward(current.actions as Action[], desired));
  }

  protected async writeOriginal(original: ForwardState): Promise<void> {
    await this.write(original.actions as Action[]);
  }

  private async write(actions: Action[]): Promise<void> {
    const writable = actions.map(writableAction);
    if (this.target.ruleArn) {
      const RuleArn = this.target.ruleArn;
      await aws(`ModifyRule ${RuleArn}`, () => this.elb.send(new ModifyRuleCommand({ RuleArn, Actions: writable })));
    } else {
      const ListenerArn = this.target.listenerArn;
      await aws(`ModifyListener ${ListenerArn}`, () => this.elb.send(new ModifyListenerCommand({ ListenerArn, DefaultActions: writable })));
    }
  }

  private async describeListener(): Promise<Listener> {
    const arn = this.target.listenerArn;
    try {
      const out = await aws(`DescribeListeners ${arn}`, () => this.elb.send(new DescribeListenersCommand({ ListenerArns: [arn] })));
      const listener = out.Listeners?.[0];
      if (!listener) throw notFoundListener(arn);
      if (!SUPPORTED_PROTOCOLS.has(listener.Protocol ?? '')) {
        throw new UnsupportedListener(
          `listener ${arn} uses ${listener.Protocol} (a Gateway Load Balancer listener forwards to one target group); canary-switch shifts ALB listeners (HTTP, HTTPS) and NLB listeners (TCP, UDP, TCP_UDP, TLS)`,
        );
      }
      return listener;
    } catch (err) {
      if ((err as Error).name === 'ListenerNotFoundException') throw notFoundListener(arn);
      throw err;
    }
  }

  private async describeRuleActions(ruleArn: string): Promise<Action[]> {
    if (listenerOfRule(ruleArn) !== this.target.listenerArn) {
      throw new RuleNotOnListener(`rule ${ruleArn} belongs to listener ${listenerOfRule(ruleArn)}, not ${this.target.listenerArn}; use that listener's ARN or a rule of this listener`);
    }
    try {
      const out = await aws(`DescribeRules ${ruleArn}`, () => this.elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] })));
      const rule = out.Rules?.[0];
      if (!rule) throw notFoundRule(ruleArn);
      if (rule.IsDefault) {
        // ModifyRule refuses default rules (OperationNotPermitted); the default rule is the
        // listener's default action, shifted with ModifyListener under the listener's own lock.
        throw new DefaultRuleGiven(
          `rule ${ruleArn} is the default rule of listener ${this.target.listenerArn}, which ModifyRule cannot change (OperationNotPermitted); leave ruleArn out to shift the listener's default action`,
        );
      }
      return rule.Actions ?? [];
    } catch (err) {
      if ((err as Error).name === 'RuleNotFoundException') throw notFoundRule(ruleArn);
      throw err;
    }
  }

  protected requirePair(state: ForwardState): void {
    const present = Object.keys(state.weights);
    for (const [role, arn] of [['stable', this.target.stable], ['canary', this.target.canary]] as const) {
      if (!(arn in state.weights)) {
        const found = present.length ? present.map(shortName).join(', ') : 'no forward action';
        throw new TargetGroupNotInForwardAction(
          `${this.where} has no forward action with ${role} target group ${shortName(arn)}; found: ${found}. ` +
            `Add ${shortName(arn)} to the forward action (weight ${role === 'canary' ? '0' : 'as today'}) before the rollout`,
        );
      }
    }
  }
}

/** Weight of every target group in the (single) forward action; a plain TargetGroupArn weighs 1. */
export function forwardWeights(actions: readonly Action[]): Record<string, number> {
  const forward = actions.find((a) => a.Type === 'forward');
  if (!forward) return {};
  const groups = forward.ForwardConfig?.TargetGroups;
  if (groups && groups.length > 0) {
    return Object.fromEntries(groups.map((g) => [g.TargetGroupArn ?? '', g.Weight ?? 1]));
  }
  return forward.TargetGroupArn ? { [forward.TargetGroupArn]: 1 } : {};
}

/** The forward action's TargetGroupStickinessConfig, when it has one. */
export function forwardStickiness(actions: readonly Action[]): Stickiness | undefined {
  const config = actions.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroupStickinessConfig;
  if (!config) return undefined;
  return { enabled: config.Enabled === true, ...(config.DurationSeconds !== undefined ? { durationSeconds: config.DurationSeconds } : {}) };
}

/** A copy of `actions` with the listed target groups' weights (and the stickiness, if given) changed; everything else as read. */
export function withForward(actions: readonly Action[], desired: DesiredForward): Action[] {
  return actions.map((action) => {
    if (action.Type !== 'forward') return action;
    const groups = action.ForwardConfig?.TargetGroups ?? (action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : []);
    const { stickiness } = desired;
    return {
      ...action,
      ForwardConfig: {
        ...action.ForwardConfig,
        TargetGroups: groups.map((g) => ({ ...g, Weight: g.TargetGroupArn !== undefined && g.TargetGroupArn in desired.weights ? desired.weights[g.TargetGroupArn] : g.Weight })),
        ...(stickiness
          ? { TargetGroupStickinessConfig: { Enabled: stickiness.enabled, ...(stickiness.durationSeconds !== undefined ? { DurationSeconds: stickiness.durationSeconds } : {}) } }
          : {}),
      },
    };
  });
}

/**
 * What ModifyListener/ModifyRule accept for an action as Describe* returned it:
 * - a forward action with a ForwardConfig of several target groups must not also carry TargetGroupArn;
 * - authenticate-oidc comes back without its client secret, so keep the existing one.
 */
export function writableAction(action: Action): Action {
  let out: Action = action;
  if (out.Type === 'forward' && out.ForwardConfig?.TargetGroups && out.ForwardConfig.TargetGroups.length > 1 && out.TargetGroupArn) {
    const { TargetGroupArn: _dropped, ...rest } = out;
    out = rest;
  }
  if (out.Type === 'authenticate-oidc' && out.AuthenticateOidcConfig && out.AuthenticateOidcConfig.ClientSecret === undefined) {
    out = { ...out, AuthenticateOidcConfig: { ...out.AuthenticateOidcConfig, UseExistingClientSecret: true } };
  }
  return out;
}

function notFoundListener(arn: string): ListenerNotFound {
  return new ListenerNotFound(`listener ${arn} not found; check the ARN and that the rollout runs in the listener's account and region`);
}

function notFoundRule(arn: string): RuleNotFound {
  return new RuleNotFound(`rule ${arn} not found; check the ARN, or leave ruleArn out to shift the listener's default action`);
}
