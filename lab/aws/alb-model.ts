// In-memory Application Load Balancer: load balancers, listeners, rules and target groups, with the ELBv2
// operations the rollout uses and AWS's validation of them. Pure: no I/O; the HTTP API (elbv2-api.ts)
// and the traffic proxy (../traffic/proxy.ts) are built on it.
// Actions are kept in the SDK's own shapes, as given, so any action config round-trips; the one thing AWS
// itself changes is the OIDC client secret, which is stored but never described (see resolveOidcSecret).
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

export type Protocol = 'HTTP' | 'HTTPS' | 'TCP';
export type TargetHealthState = 'healthy' | 'unhealthy' | 'draining' | 'initial';

export interface TargetGroupTuple {
  TargetGroupArn?: string;
  Weight?: number;
}
export interface ForwardConfig {
  TargetGroups?: TargetGroupTuple[];
  TargetGroupStickinessConfig?: { Enabled?: boolean; DurationSeconds?: number };
}
export interface AuthenticateOidcConfig {
  ClientId?: string;
  ClientSecret?: string;
  UseExistingClientSecret?: boolean;
}
/** An ELBv2 action in the SDK's shape; configs the model does not inspect are kept as given. */
export interface Action {
  /** Optional only to accept the SDK's type as it is; AWS (and the model) require it. */
  Type?: string;
  Order?: number;
  TargetGroupArn?: string;
  ForwardConfig?: ForwardConfig;
  AuthenticateOidcConfig?: AuthenticateOidcConfig;
  AuthenticateCognitoConfig?: object;
  RedirectConfig?: object;
  FixedResponseConfig?: object;
  JwtValidationConfig?: object;
}

export interface LoadBalancer {
  arn: string;
  name: string;
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

/** `code` is the AWS query error code (the SDK turns e.g. ListenerNotFound into ListenerNotFoundException). */
export type AlbErrorCode =
  | 'LoadBalancerNotFound'
  | 'ListenerNotFound'
  | 'RuleNotFound'
  | 'TargetGroupNotFound'
  | 'InvalidLoadBalancerAction'
  | 'OperationNotPermitted'
  | 'ValidationError'
  | 'Throttling';

export class AlbError extends Error {
  override name = 'AlbError';
  constructor(
    readonly code: AlbErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const TERMINAL_TYPES = new Set(['forward', 'redirect', 'fixed-response']);
/** The config member each action type needs. */
const CONFIG_OF: Record<string, keyof Action | undefined> = {
  forward: undefined,
  redirect: 'RedirectConfig',
  'fixed-response': 'FixedResponseConfig',
  'authenticate-oidc': 'AuthenticateOidcConfig',
  'authenticate-cognito': 'AuthenticateCognitoConfig',
  'jwt-validation': 'JwtValidationConfig',
};
const MAX_TARGET_GROUPS_PER_FORWARD = 5;
const MAX_WEIGHT = 999;
const MAX_STICKINESS_SECONDS = 604_800;
/** Actions AWS allows on HTTPS listeners only. */
const HTTPS_ONLY_TYPES = new Set(['authenticate-oidc', 'authenticate-cognito']);

const validation = (message: string) => new AlbError('ValidationError', message);

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

  addLoadBalancer(name: string): LoadBalancer {
    const id = hexId(`loadbalancer:${name}`);
    if ([...this.loadBalancers.values()].some((l) => l.name === name)) throw new Error(`a load balancer named ${name} already exists`);
    const lb = { arn: this.arn(`loadbalancer/app/${name}/${id}`), name, dnsName: `${name}-${id.slice(0, 10)}.${this.region}.elb.amazonaws.com`, createdAt: new Date() };
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
    const listener: Listener = { arn, loadBalancerArn: lb.arn, port: spec.port, protocol: spec.protocol ?? 'HTTP', defaultActions: this.resolveActions(spec.defaultActions, [], spec.protocol ?? 'HTTP') };
    this.listeners.set(arn, listener);
    const defaultRule: Rule = { arn: ruleArnOf(arn, 'default'), listenerArn: arn, priority: 'default', conditions: [], actions: listener.defaultActions, isDefault: true };
    this.rules.set(defaultRule.arn, defaultRule);
    return this.listenerView(listener);
  }

  addRule(spec: { listenerArn: string; priority: number; conditions: object[]; actions: Action[] }): Rule {
    if (!this.listeners.has(spec.listenerArn)) throw new AlbError('ListenerNotFound', `Listener '${spec.listenerArn}' not found`);
    if (this.rules.has(ruleArnOf(spec.listenerArn, String(spec.priority)))) throw new Error(`priority ${spec.priority} is already in use on ${spec.listenerArn}`);
    const rule: Rule = {
      arn: ruleArnOf(spec.listenerArn, String(spec.priority)),
      listenerArn: spec.listenerArn,
      priority: String(spec.priority),
      conditions: structuredClone(spec.conditions),
      actions: this.resolveActions(spec.actions, [], this.listener(spec.listenerArn).protocol),
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
      this.listener(filter.listenerArn);
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
    if (change.protocol !== undefined && !['HTTP', 'HTTPS', 'TCP'].includes(change.protocol)) {
      throw validation(`Protocol '${change.protocol}' is not one of HTTP, HTTPS, TCP`);
    }
    // Validate everything before changing anything: AWS applies a modification whole or not at all.
    const protocol = change.protocol ?? listener.protocol;
    const actions = this.resolveActions(change.defaultActions ?? listener.defaultActions, listener.defaultActions, protocol);
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
    const actions = change.actions && this.resolveActions(change.actions, rule.actions, this.listener(rule.listenerArn).protocol);
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
      this.rule(ruleArnOf(owner.arn, 'default')).actions = actions;
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
      if (rule.listenerArn === listener.arn && !rule.isDefault) this.checkProtocol(rule.actions, protocol);
    }
  }

  private checkProtocol(actions: Action[], protocol: Protocol): void {
    const httpsOnly = actions.find((a) => HTTPS_ONLY_TYPES.has(a.Type ?? ''));
    if (httpsOnly && protocol !== 'HTTPS') {
      throw new AlbError('InvalidLoadBalancerAction', `A ${httpsOnly.Type} action is supported on HTTPS listeners only; this listener's protocol is ${protocol}`);
    }
  }

  /** Validate actions as AWS does and return what to store: a copy as AWS describes it (see normalisedForward), with the OIDC secret resolved. */
  private resolveActions(actions: Action[], current: Action[], protocol: Protocol): Action[] {
    if (actions.length === 0) throw validation('At least one action must be specified');
    if (actions.length > 1 && actions.some((a) => a.Order === undefined)) throw validation('Every action must have an order when more than one action is specified');
    for (const a of actions) {
      if (a.Type === undefined || !(a.Type in CONFIG_OF)) throw validation(`Action type '${a.Type}' must be one of ${Object.keys(CONFIG_OF).join(', ')}`);
      if (a.Order !== undefined && !(Number.isInteger(a.Order) && a.Order >= 1 && a.Order <= 50_000)) throw validation(`Action order ${a.Order} is not between 1 and 50000`);
    }
    if (new Set(actions.map((a) => a.Order)).size !== actions.length) throw validation('Action orders must be unique');
    const terminal = actions.filter((a) => TERMINAL_TYPES.has(a.Type ?? ''));
    if (terminal.length !== 1) throw validation(`Exactly one forward, redirect or fixed-response action must be specified; found ${terminal.length}`);
    const last = [...actions].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0)).at(-1);
    if (last !== terminal[0]) throw validation(`The ${terminal[0]?.Type} action must be the last action (highest order)`);
    this.checkProtocol(actions, protocol);
    return actions.map((action) => {
      const config = CONFIG_OF[action.Type ?? ''];
      if (config && action[config] === undefined) throw validation(`A ${action.Type} action must specify ${config}`);
      if (action.Type === 'forward') this.validateForward(action);
      const stored = action.Type === 'forward' ? normalisedForward(action) : structuredClone(action);
      if (stored.AuthenticateOidcConfig) stored.AuthenticateOidcConfig = resolveOidcSecret(stored.AuthenticateOidcConfig, current);
      return stored;
    });
  }

  private validateForward(action: Action): void {
    const tuples = action.ForwardConfig?.TargetGroups ?? [];
    if (!action.TargetGroupArn && tuples.length === 0) throw validation('A forward action must specify a target group, in TargetGroupArn or ForwardConfig');
    if (action.TargetGroupArn && tuples.length > 1) throw validation('You cannot specify both a target group ARN and a forward config with more than one target group');
    if (action.TargetGroupArn && tuples.length === 1 && tuples[0]?.TargetGroupArn !== action.TargetGroupArn) {
      throw validation('The target group ARN and the target group in the forward config must be the same');
    }
    if (tuples.length > MAX_TARGET_GROUPS_PER_FORWARD) throw validation(`A forward action can have at most ${MAX_TARGET_GROUPS_PER_FORWARD} target groups`);
    const seen = new Set<string>();
    for (const t of tuples) {
      if (!t.TargetGroupArn) throw validation('Every target group in a forward config must have a target group ARN');
      if (seen.has(t.TargetGroupArn)) throw validation(`Target group '${t.TargetGroupArn}' is specified more than once in the forward config`);
      seen.add(t.TargetGroupArn);
      if (t.Weight !== undefined && !(Number.isInteger(t.Weight) && t.Weight >= 0 && t.Weight <= MAX_WEIGHT)) {
        throw validation(`Target group weight ${t.Weight} is not an integer between 0 and ${MAX_WEIGHT}`);
      }
    }
    const missing = [...seen, action.TargetGroupArn].filter((arn): arn is string => arn !== undefined && !this.targetGroups.has(arn));
    if (missing.length > 0) throw new AlbError('TargetGroupNotFound', `Target groups '${[...new Set(missing)].join(', ')}' not found`);
    const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
    if (stickiness?.Enabled && stickiness.DurationSeconds === undefined) {
      throw validation('Target group stickiness is enabled but has no DurationSeconds; give a duration between 1 and 604800 seconds');
    }
    if (stickiness?.Enabled && stickiness.DurationSeconds !== undefined && !(Number.isInteger(stickiness.DurationSeconds) && stickiness.DurationSeconds >= 1 && stickiness.DurationSeconds <= MAX_STICKINESS_SECONDS)) {
      throw validation(`Stickiness duration ${stickiness.DurationSeconds} is not between 1 and ${MAX_STICKINESS_SECONDS} seconds`);
    }
  }

  private loadBalancersUsing(targetGroupArn: string): string[] {
    const uses = (actions: Action[]) =>
      actions.some((a) => a.TargetGroupArn === targetGroupArn || a.ForwardConfig?.TargetGroups?.some((t) => t.TargetGroupArn === targetGroupArn));
    const lbs = new Set<string>();
    for (const rule of this.rules.values()) {
      if (uses(rule.actions)) lbs.add(this.listener(rule.listenerArn).loadBalancerArn);
    }
    return [...lbs];
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

/**
 * AWS never describes an OIDC client secret, so a caller writing back what it read must set
 * UseExistingClientSecret: true instead; the flag is an instruction, not stored state.
 */
function resolveOidcSecret(config: AuthenticateOidcConfig, current: Action[]): AuthenticateOidcConfig {
  const { UseExistingClientSecret, ...stored } = config;
  if (UseExistingClientSecret) {
    if (config.ClientSecret !== undefined) throw new AlbError('InvalidLoadBalancerAction', 'You cannot both specify a client secret and set UseExistingClientSecret to true');
    const existing = current.find((a) => a.AuthenticateOidcConfig?.ClientSecret !== undefined)?.AuthenticateOidcConfig?.ClientSecret;
    if (existing === undefined) throw new AlbError('InvalidLoadBalancerAction', 'UseExistingClientSecret is true but there is no existing authenticate-oidc client secret to use');
    return { ...stored, ClientSecret: existing };
  }
  if (config.ClientSecret === undefined) {
    throw new AlbError('InvalidLoadBalancerAction', 'An authenticate-oidc action needs a client secret; to keep the existing one set UseExistingClientSecret to true');
  }
  return stored;
}

/**
 * A forward action as AWS stores and describes it: a plain TargetGroupArn also comes back as a ForwardConfig of that
 * one group at weight 1, a ForwardConfig of one group also carries TargetGroupArn, and a ForwardConfig without
 * stickiness says TargetGroupStickinessConfig { Enabled: false }.
 */
function normalisedForward(action: Action): Action {
  const out = structuredClone(action);
  const tuples = out.ForwardConfig?.TargetGroups ?? [];
  if (tuples.length === 0 && out.TargetGroupArn) out.ForwardConfig = { ...out.ForwardConfig, TargetGroups: [{ TargetGroupArn: out.TargetGroupArn, Weight: 1 }] };
  if (tuples.length === 1 && !out.TargetGroupArn) out.TargetGroupArn = tuples[0]?.TargetGroupArn;
  if (out.ForwardConfig && !out.ForwardConfig.TargetGroupStickinessConfig) out.ForwardConfig.TargetGroupStickinessConfig = { Enabled: false };
  return out;
}

/** Actions as Describe* returns them: a copy without OIDC client secrets. */
function describedActions(actions: Action[]): Action[] {
  return actions.map((action) => {
    const copy = structuredClone(action);
    if (copy.AuthenticateOidcConfig) delete copy.AuthenticateOidcConfig.ClientSecret;
    return copy;
  });
}

/** `…:listener/app/web/LB/L` + key → `…:listener-rule/app/web/LB/L/<id>`. */
function ruleArnOf(listenerArn: string, key: string): string {
  return `${listenerArn.replace(':listener/', ':listener-rule/')}/${hexId(`rule:${listenerArn}:${key}`)}`;
}

/** A 16-hex-digit resource id, stable for the same seed (so lab ARNs are the same every run). */
function hexId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

export interface LabAlb {
  model: AlbModel;
  loadBalancerArn: string;
  listenerArn: string;
  /** Present when built with `withRule`: a path-pattern rule forwarding to the same pair. */
  ruleArn?: string;
  /** Stable target group. */
  blueArn: string;
  /** Canary target group. */
  greenArn: string;
}

/**
 * The lab's ALB `web`: target groups blue and green (one healthy target each, 127.0.0.1 at the given ports),
 * one HTTP:80 listener whose default action forwards blue weight 1, green weight 0, and optionally a
 * rule (priority 10, path /api/*) with the same forward action.
 */
export function createLabAlb(options: { withRule?: boolean; bluePort?: number; greenPort?: number } = {}): LabAlb {
  const model = new AlbModel();
  const lb = model.addLoadBalancer('web');
  const target = (port = 80): Target => ({ id: '127.0.0.1', port, health: 'healthy' });
  const blue = model.addTargetGroup({ name: 'blue', port: options.bluePort ?? 80, targets: [target(options.bluePort)] });
  const green = model.addTargetGroup({ name: 'green', port: options.greenPort ?? 80, targets: [target(options.greenPort)] });
  const forward = (): Action[] => blueGreenForward(blue.arn, green.arn);
  const listener = model.addListener({ loadBalancerArn: lb.arn, port: 80, protocol: 'HTTP', defaultActions: forward() });
  const rule = options.withRule
    ? model.addRule({ listenerArn: listener.arn, priority: 10, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }], actions: forward() })
    : undefined;
  return { model, loadBalancerArn: lb.arn, listenerArn: listener.arn, ruleArn: rule?.arn, blueArn: blue.arn, greenArn: green.arn };
}

/** The lab's starting forward action: all traffic to blue, green at weight 0, no stickiness. */
export function blueGreenForward(blueArn: string, greenArn: string): Action[] {
  return [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: blueArn, Weight: 1 },
          { TargetGroupArn: greenArn, Weight: 0 },
        ],
        TargetGroupStickinessConfig: { Enabled: false },
      },
    },
  ];
}
