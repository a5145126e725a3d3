// ALB provider: shifts the forward action of a listener's default actions or of one listener rule.
// Everything but the two weights is written back exactly as read: other actions (e.g.
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
import { DefaultRuleGiven, ListenerNotFound, RuleNotFound, RuleNotOnListener, TargetGroupNotInForwardAction, UnsupportedListener, VerifyFailed } from '../errors.ts';
import { describe, sameWeightMap } from '../domain/shares.ts';
import { aws } from './aws-errors.ts';
import { shortName, type DesiredForward, type ForwardState, type Stickiness, type TrafficShifter, type TrafficTarget } from './traffic.ts';

/** Weighted forward actions exist on Application Load Balancers only (HTTP/HTTPS listeners). */
const SUPPORTED_PROTOCOLS = new Set(['HTTP', 'HTTPS']);

export class AlbShifter implements TrafficShifter {
  constructor(
    private readonly elb: ElasticLoadBalancingV2Client,
    private readonly target: TrafficTarget,
  ) {}

  private get where(): string {
    return this.target.ruleArn ? `rule ${this.target.ruleArn}` : `listener ${this.target.listenerArn}`;
  }

  async read(): Promise<ForwardState> {
    const state = await this.readAsIs();
    this.requirePair(state);
    return state;
  }

  /** The actions as they are, without requiring the pair: restore must work after an operator removed one. */
  private async readAsIs(): Promise<ForwardState> {
    const listener = await this.describeListener();
    const actions = this.target.ruleArn ? await this.describeRuleActions(this.target.ruleArn) : (listener.DefaultActions ?? []);
    const stickiness = forwardStickiness(actions);
    return { actions: actions as unknown[], weights: forwardWeights(actions), ...(stickiness ? { stickiness } : {}) };
  }

  async apply(desired: DesiredForward): Promise<ForwardState> {
    const current = await this.read();
    if (isApplied(current, desired)) return current;
    const actions = withForward(current.actions as Action[], desired);
    await this.write(actions);
    const after = await this.read();
    if (!isApplied(after, desired)) {
      throw new VerifyFailed(
        `${this.where} reads ${describe(after.weights)}${after.stickiness?.enabled ? ' (sticky)' : ''} after writing ${describe({ ...current.weights, ...desired.weights })}` +
          `${desired.stickiness ? ` with stickiness ${desired.stickiness.enabled ? 'on' : 'off'}` : ''}; someone may be changing it at the same time`,
      );
    }
    return after;
  }

  async restore(original: ForwardState): Promise<ForwardState> {
    const current = await this.readAsIs();
    if (sameActions(current.actions, original.actions)) return current;
    await this.write(original.actions as Action[]);
    const after = await this.readAsIs();
    if (!sameActions(after.actions, original.actions)) {
      throw new VerifyFailed(`${this.where} does not read back as the recorded original after restoring it; found weights ${JSON.stringify(after.weights)}`);
    }
    return after;
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
        // Not "NLBs cannot weigh": they can (weighted target groups, November 2025). This provider
        // reads and writes ALB listeners only.
        throw new UnsupportedListener(
          `listener ${arn} uses ${listener.Protocol} (a Network Load Balancer listener: TCP, UDP, TCP_UDP or TLS); canary-switch supports Application Load Balancer listeners (HTTP or HTTPS) today`,
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

  private requirePair(state: ForwardState): void {
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

/** The listed weights and the stickiness (when given) are in place; other target groups are not looked at. */
function isApplied(state: ForwardState, desired: DesiredForward): boolean {
  const weightsThere = sameWeightMap({ ...state.weights, ...desired.weights }, state.weights);
  const stickinessThere = !desired.stickiness || (state.stickiness?.enabled ?? false) === desired.stickiness.enabled;
  return weightsThere && stickinessThere;
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

/** `…:listener-rule/app/web/LB/LISTENER/RULE` → `…:listener/app/web/LB/LISTENER`. */
export function listenerOfRule(ruleArn: string): string {
  return ruleArn.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, '');
}

function sameActions(a: unknown[], b: unknown[]): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Compare as JSON values: key order and absent-vs-undefined do not matter. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function notFoundListener(arn: string): ListenerNotFound {
  return new ListenerNotFound(`listener ${arn} not found; check the ARN and that the rollout runs in the listener's account and region`);
}

function notFoundRule(arn: string): RuleNotFound {
  return new RuleNotFound(`rule ${arn} not found; check the ARN, or leave ruleArn out to shift the listener's default action`);
}
