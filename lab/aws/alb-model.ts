// In-memory ELBv2: Application and Network Load Balancers, listeners, rules and target groups, with the
// ELBv2 operations the rollout uses and AWS's validation of them (actions: elb-actions.ts). Pure: no
// I/O; the HTTP API (elbv2-api.ts) and the traffic proxies (../traffic/proxy.ts, tcp-proxy.ts) are
// built on it. A Network Load Balancer's listeners (listener/net/…) forward only, have no rules, and
// take no stickiness.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { AlbError, checkProtocol, describedActions, LISTENER_PROTOCOLS, resolveActions, validation, type Action, type LoadBalancerType, type Protocol } from './elb-actions.ts';

export { AlbError, type Action, type AlbErrorCode, type AuthenticateOidcConfig, type ForwardConfig, type LoadBalancerType, type Protocol, type TargetGroupTuple } from './elb-actions.ts';
export type TargetHealthState = 'healthy' | 'unhealthy' | 'draining' | 'initial';

export interface LoadBalancer {
  arn: string;
  name: string;
  type: LoadBalancerType;
  dnsName: string;
  createdAt: Date;
}
export interface Listener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: Protocol;
  defaultActions: Action[];
}
export interface Rule {
  arn: string;
  listenerArn: string;
  /** A number as text, or 'default' for the listener's default rule. */
  priority: string;
  /** RuleCondition shapes, as given. */
  conditions: object[];
  actions: Action[];
  isDefault: boolean;
}
export interface Target {
  id: string;
  port: number;
  health: TargetHealthState;
  /** The target's Availability Zone as DescribeTargetHealth reports it (default: the region's `a` zone). */
  availabilityZone?: string;
  /** AWS reason code, e.g. Target.FailedHealthChecks; defaults by state. */
  reason?: string;
}
export interface TargetGroup {
  arn: string;
  name: string;
  port: number;
  protocol: Protocol;
  targets: Target[];
}

/** The listener's default actions or a (non-default) rule's actions changed. */
export interface ChangeEvent {
  kind: 'listener' | 'rule';
  /** The listener's or the rule's ARN. */
  arn: string;
  actions: Action[];
}

export type Operation =
  | 'DescribeLoadBalancers'
  | 'DescribeListeners'
  | 'DescribeRules'
  | 'DescribeTargetGroups'
  | 'DescribeTargetHealth'
  | 'ModifyListener'
  | 'ModifyRule';

export class AlbModel {
  private readonly loadBalancers = new Map<string, LoadBalancer>();
  private readonly listeners = new Map<string, Listener>();
  private readonly rules = new Map<string, Rule>();
  private readonly targetGroups = new Map<string, TargetGroup>();
  private readonly changeListeners = new Set<(event: ChangeEvent) => void>();
  private readonly calls = new Map<Operation, number>();
  private readonly throttles: { operation?: Operation; remaining: number }[] = [];

  constructor(
    readonly region = 'us-east-1',
    readonly accountId = '123456789012',
  ) {}

  // ── Setup (not AWS operations: not counted, not throttled) ──────────────────────────────────────

  addLoadBalancer(name: string, type: LoadBalancerType = 'application'): LoadBalancer {
    const id = hexId(`loadbalancer:${name}`);
    if ([...this.loadBalancers.values()].some((l) => l.name === name)) throw new Error(`a load balancer named ${name} already exists`);
    const lb = { arn: this.arn(`loadbalancer/${type === 'network' ? 'net' : 'app'}/${name}/${id}`), name, type, dnsName: `${name}-${id.slice(0, 10)}.${this.region}.elb.amazonaws.com`, createdAt: new Date() };
    this.loadBalancers.set(lb.arn, lb);
    return structuredClone(lb);
  }

  addTargetGroup(spec: { name: string; port?: number; protocol?: Protocol; targets?: Target[] }): TargetGroup {
    if ([...this.targetGroups.values()].some((t) => t.name === spec.name)) throw new Error(`a target group named ${spec.name} already exists`);
    const tg = { arn: this.arn(`targetgroup/${spec.name}/${hexId(`targetgroup:${spec.name}`)}`), name: spec.name, port: spec.port ?? 80, protocol: spec.protocol ?? 'HTTP', targets: structuredClone(spec.targets ?? []) };
    this.targetGroups.set(tg.arn, tg);
    return structuredClone(tg);
  }

  addListener(spec: { loadBalancerArn: string; port: number; protocol?: Protocol; defaultActions: Action[] }): Listener {
    const lb = this.loadBalancers.get(spec.loadBalancerArn);
    if (!lb) throw new AlbError('LoadBalancerNotFound', `Load balancer '${spec.loadBalancerArn}' not found`);
    const lbPath = lb.arn.split(':loadbalancer/')[1];
    const arn = this.arn(`listener/${lbPath}/${hexId(`listener:${lb.arn}:${spec.port}`)}`);
    if (this.listeners.has(arn)) throw new Error(`${lb.name} already has a listener on port ${spec.port}`);
    const protocol = spec.protocol ?? LISTENER_PROTOCOLS[lb.type][0]!;
    if (!LISTENER_PROTOCOLS[lb.type].includes(protocol)) throw new Error(`a ${lb.type} load balancer's listener is ${LISTENER_PROTOCOLS[lb.type].join(' or ')}, not ${protocol}`);
    const listener: Listener = { arn, loadBalancerArn: lb.arn, port: spec.port, protocol, defaultActions: this.resolveActions(spec.defaultActions, [], { loadBalancerArn: lb.arn, protocol }) };
    this.listeners.set(arn, listener);
    // Only an ALB's listeners have rules (a default one mirroring the default actions, and any added).
    if (lb.type === 'network') return this.listenerView(listener);
    const defaultRule: Rule = { arn: ruleArnOf(arn, 'default'), listenerArn: arn, priority: 'default', conditions: [], actions: listener.defaultActions, isDefault: true };
    this.rules.set(defaultRule.arn, defaultRule);
    return this.listenerView(listener);
  }

  addRule(spec: { listenerArn: string; priority: number; conditions: object[]; actions: Action[] }): Rule {
    if (!this.listeners.has(spec.listenerArn)) throw new AlbError('ListenerNotFound', `Listener '${spec.listenerArn}' not found`);
    if (this.isNetwork(spec.listenerArn)) throw new Error(`${spec.listenerArn} is a Network Load Balancer's listener: NLB listeners have no rules`);
    if (this.rules.has(ruleArnOf(spec.listenerArn, String(spec.priority)))) throw new Error(`priority ${spec.priority} is already in use on ${spec.listenerArn}`);
    const rule: Rule = {
      arn: ruleArnOf(spec.listenerArn, String(spec.priority)),
      listenerArn: spec.listenerArn,
      priority: String(spec.priority),
      conditions: structuredClone(spec.conditions),
      actions: this.resolveActions(spec.actions, [], this.listener(spec.listenerArn)),
      isDefault: false,
    };
    this.rules.set(rule.arn, rule);
    return this.ruleView(rule);
  }

  /** RegisterTargets: add targets to a target group (the lab's capacity scenario gives each group a second one). */
  registerTargets(targetGroupArn: string, targets: Target[]): void {
    this.targetGroup(targetGroupArn).targets.push(...structuredClone(targets));
  }

  setTargetHealth(targetGroupArn: string, targetId: string, health: TargetHealthState, reason?: string): void {
    const target = this.targetGroup(targetGroupArn).targets.find((t) => t.id === targetId);
    if (!target) throw new Error(`target ${targetId} is not registered in ${targetGroupArn}`);
    target.health = health;
    target.reason = reason;
  }

  // ── Lab controls ────────────────────────────────────────────────────────────────────────────────

  /** Call `fn` after every change of a listener's default actions or a rule's actions; returns an unsubscribe. */
  onChange(fn: (event: ChangeEvent) => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  /** The next `n` calls (of `operation`, or of any operation) fail with Throttling. */
  throttleNext(n: number, operation?: Operation): void {
    this.throttles.push({ operation, remaining: n });
  }

  /** AWS operations received (including failed ones), of one operation or of all. */
  callCount(operation?: Operation): number {
    if (operation) return this.calls.get(operation) ?? 0;
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  /** Current actions of a listener (its default actions) or of a rule, as Describe* shows them; not an AWS call. */
  actionsOf(listenerOrRuleArn: string): Action[] {
    const owner = this.listeners.get(listenerOrRuleArn)?.defaultActions ?? this.rules.get(listenerOrRuleArn)?.actions;
    if (!owner) throw new Error(`no listener or rule ${listenerOrRuleArn}`);
    return describedActions(owner);
  }

  // ── AWS operations ──────────────────────────────────────────────────────────────────────────────

  describeLoadBalancers(filter: { arns?: string[]; names?: string[] }): LoadBalancer[] {
    this.enter('DescribeLoadBalancers');
    const all = [...this.loadBalancers.values()];
    if (filter.arns?.length && filter.names?.length) throw validation('Load balancer ARNs and names cannot be specified at the same time');
    const byArn = Boolean(filter.arns?.length);
    const wanted = byArn ? filter.arns : filter.names;
    if (!wanted?.length) return structuredClone(all);
    return wanted.map((key) => {
      const lb = all.find((l) => (byArn ? l.arn : l.name) === key);
      if (!lb) throw new AlbError('LoadBalancerNotFound', `Load balancers '[${key}]' not found`);
      return structuredClone(lb);
    });
  }

  describeListeners(filter: { listenerArns?: string[]; loadBalancerArn?: string }): Listener[] {
    this.enter('DescribeListeners');
    if (filter.listenerArns?.length && filter.loadBalancerArn) throw validation('Listener ARNs and a load balancer ARN cannot be specified at the same time');
    if (filter.loadBalancerArn) {
      if (!this.loadBalancers.has(filter.loadBalancerArn)) throw new AlbError('LoadBalancerNotFound', `Load balancer '${filter.loadBalancerArn}' not found`);
      return [...this.listeners.values()].filter((l) => l.loadBalancerArn === filter.loadBalancerArn).map((l) => this.listenerView(l));
    }
    if (!filter.listenerArns?.length) throw validation('You must specify either listener ARNs or a load balancer ARN');
    return filter.listenerArns.map((arn) => this.listenerView(this.listener(arn)));
  }

  /** Rules of a listener (by priority, the default rule last) or the named rules. */
  describeRules(filter: { listenerArn?: string; ruleArns?: string[] }): Rule[] {
    this.enter('DescribeRules');
    if (filter.listenerArn && filter.ruleArns?.length) throw validation('A listener ARN and rule ARNs cannot be specified at the same time');
    if (filter.listenerArn) {
      // An NLB listener has no rules to describe: AWS answers as for a listener it does not know (as reported for GWLB listeners).
      if (this.isNetwork(this.listener(filter.listenerArn).arn)) throw new AlbError('ListenerNotFound', `One or more listeners not found: '${filter.listenerArn}' has no rules (a Network Load Balancer's listener); use DescribeListeners`);
      return [...this.rules.values()]
        .filter((r) => r.listenerArn === filter.listenerArn)
        .sort((a, b) => (a.isDefault ? 1 : b.isDefault ? -1 : Number(a.priority) - Number(b.priority)))
        .map((r) => this.ruleView(r));
    }
    if (!filter.ruleArns?.length) throw validation('You must specify either a listener ARN or rule ARNs');
    return filter.ruleArns.map((arn) => this.ruleView(this.rule(arn)));
  }

  describeTargetGroups(filter: { arns?: string[]; names?: string[]; loadBalancerArn?: string }): (TargetGroup & { loadBalancerArns: string[] })[] {
    this.enter('DescribeTargetGroups');
    const given = [filter.arns?.length, filter.names?.length, filter.loadBalancerArn].filter(Boolean).length;
    if (given > 1) throw validation('Specify only one of target group ARNs, names or a load balancer ARN');
    const view = (tg: TargetGroup) => ({ ...structuredClone(tg), loadBalancerArns: this.loadBalancersUsing(tg.arn) });
    const all = [...this.targetGroups.values()];
    if (filter.loadBalancerArn) {
      if (!this.loadBalancers.has(filter.loadBalancerArn)) throw new AlbError('LoadBalancerNotFound', `Load balancer '${filter.loadBalancerArn}' not found`);
      return all.filter((tg) => this.loadBalancersUsing(tg.arn).includes(filter.loadBalancerArn as string)).map(view);
    }
    const byArn = Boolean(filter.arns?.length);
    const wanted = byArn ? filter.arns : filter.names;
    if (!wanted?.length) return all.map(view);
    return wanted.map((key) => {
      const tg = all.find((t) => (byArn ? t.arn : t.name) === key);
      if (!tg) throw new AlbError('TargetGroupNotFound', `Target groups '${key}' not found`);
      return view(tg);
    });
  }

  describeTargetHealth(targetGroupArn: string): Target[] {
    this.enter('DescribeTargetHealth');
    return structuredClone(this.targetGroup(targetGroupArn).targets);
  }

  modifyListener(arn: string, change: { defaultActions?: Action[]; port?: number; protocol?: Protocol }): Listener {
    this.enter('ModifyListener');
    const listener = this.listener(arn);
    if (change.port !== undefined && !(Number.isInteger(change.port) && change.port >= 1 && change.port <= 65535)) {
      throw validation(`Port ${change.port} is not between 1 and 65535`);
    }
    const allowed = LISTENER_PROTOCOLS[this.loadBalancer(listener.loadBalancerArn).type];
    if (change.protocol !== undefined && !allowed.includes(change.protocol)) {
      throw validation(`Protocol '${change.protocol}' is not one of ${allowed.join(', ')} (the lab's ${this.loadBalancer(listener.loadBalancerArn).type} load balancer listeners)`);
    }
    // Validate everything before changing anything: AWS applies a modification whole or not at all.
    const protocol = change.protocol ?? listener.protocol;
    const actions = this.resolveActions(change.defaultActions ?? listener.defaultActions, listener.defaultActions, { loadBalancerArn: listener.loadBalancerArn, protocol });
    if (change.protocol !== undefined) this.checkRulesAllow(listener, protocol);
    if (change.port !== undefined) listener.port = change.port;
    if (change.protocol !== undefined) listener.protocol = change.protocol;
    if (change.defaultActions) this.setActions(listener, actions);
    return this.listenerView(listener);
  }

  modifyRule(arn: string, change: { actions?: Action[]; conditions?: object[] }): Rule {
    this.enter('ModifyRule');
    const rule = this.rule(arn);
    // As AWS: the default rule changes only through ModifyListener.
    if (rule.isDefault) throw new AlbError('OperationNotPermitted', `Rule '${arn}' is the listener's default rule, which cannot be modified with ModifyRule; use ModifyListener to change its actions`);
    const actions = change.actions && this.resolveActions(change.actions, rule.actions, this.listener(rule.listenerArn));
    if (change.conditions) rule.conditions = structuredClone(change.conditions);
    if (actions) this.setActions(rule, actions);
    return this.ruleView(rule);
  }

  // ── Internals ───────────────────────────────────────────────────────────────────────────────────

  private enter(operation: Operation): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const throttle = this.throttles.find((t) => t.remaining > 0 && (t.operation === undefined || t.operation === operation));
    if (throttle) {
      throttle.remaining--;
      throw new AlbError('Throttling', 'Rate exceeded');
    }
  }

  /** Set the actions of a listener (and of its default rule, which mirrors them) or a rule, and tell subscribers. */
  private setActions(owner: Listener | Rule, actions: Action[]): void {
    const before = 'defaultActions' in owner ? owner.defaultActions : owner.actions;
    if ('defaultActions' in owner) {
      owner.defaultActions = actions;
      const defaultRule = this.rules.get(ruleArnOf(owner.arn, 'default'));
      if (defaultRule) defaultRule.actions = actions;
    } else {
      owner.actions = actions;
    }
    if (isDeepStrictEqual(before, actions)) return;
    const event: ChangeEvent = { kind: 'defaultActions' in owner ? 'listener' : 'rule', arn: owner.arn, actions: describedActions(actions) };
    for (const fn of this.changeListeners) fn(event);
  }

  /** A listener's protocol may change only if its rules' actions are allowed on the new one. */
  private checkRulesAllow(listener: Listener, protocol: Protocol): void {
    for (const rule of this.rules.values()) {
      if (rule.listenerArn === listener.arn && !rule.isDefault) checkProtocol(rule.actions, protocol);
    }
  }

  /** Validate actions for a listener (or a rule of it) with this protocol. */
  private resolveActions(actions: Action[], current: Action[], listener: { loadBalancerArn: string; protocol: Protocol }): Action[] {
    return resolveActions(actions, current, {
      type: this.loadBalancer(listener.loadBalancerArn).type,
      protocol: listener.protocol,
      targetGroupProtocol: (arn) => this.targetGroups.get(arn)?.protocol,
    });
  }

  private loadBalancersUsing(targetGroupArn: string): string[] {
    const uses = (actions: Action[]) =>
      actions.some((a) => a.TargetGroupArn === targetGroupArn || a.ForwardConfig?.TargetGroups?.some((t) => t.TargetGroupArn === targetGroupArn));
    const lbs = new Set<string>();
    // Listeners' default actions (an NLB's listeners have nothing else), then ALB rules (the default ones mirror the former).
    for (const listener of this.listeners.values()) if (uses(listener.defaultActions)) lbs.add(listener.loadBalancerArn);
    for (const rule of this.rules.values()) if (uses(rule.actions)) lbs.add(this.listener(rule.listenerArn).loadBalancerArn);
    return [...lbs];
  }

  private loadBalancer(arn: string): LoadBalancer {
    const lb = this.loadBalancers.get(arn);
    if (!lb) throw new AlbError('LoadBalancerNotFound', `Load balancer '${arn}' not found`);
    return lb;
  }

  private isNetwork(listenerArn: string): boolean {
    return this.loadBalancer(this.listener(listenerArn).loadBalancerArn).type === 'network';
  }

  private listener(arn: string): Listener {
    const listener = this.listeners.get(arn);
    if (!listener) throw new AlbError('ListenerNotFound', `One or more listeners not found: '${arn}'`);
    return listener;
  }

  private rule(arn: string): Rule {
    const rule = this.rules.get(arn);
    if (!rule) throw new AlbError('RuleNotFound', `One or more rules not found: '${arn}'`);
    return rule;
  }

  private targetGroup(arn: string): TargetGroup {
    const tg = this.targetGroups.get(arn);
    if (!tg) throw new AlbError('TargetGroupNotFound', `Target groups '${arn}' not found`);
    return tg;
  }

  private listenerView(listener: Listener): Listener {
    return { ...structuredClone(listener), defaultActions: describedActions(listener.defaultActions) };
  }

  private ruleView(rule: Rule): Rule {
    return { ...structuredClone(rule), actions: describedActions(rule.actions) };
  }

  private arn(resource: string): string {
    return `arn:aws:elasticloadbalancing:${this.region}:${this.accountId}:${resource}`;
  }
}

/** `…:listener/app/web/LB/L` + key → `…:listener-rule/app/web/LB/L/<id>`. */
function ruleArnOf(listenerArn: string, key: string): string {
  return `${listenerArn.replace(':listener/', ':listener-rule/')}/${hexId(`rule:${listenerArn}:${key}`)}`;
}

/** A 16-hex-digit resource id, stable for the same seed (so lab ARNs are the same every run). */
function hexId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}
