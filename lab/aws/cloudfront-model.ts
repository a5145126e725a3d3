// In-memory CloudFront for continuous deployment: a primary and a staging distribution, and the
// weight-based continuous-deployment policy attached to the primary. As CloudFront does it
// (API reference: UpdateContinuousDeploymentPolicy, UpdateDistributionWithStagingConfig,
// ContinuousDeploymentSingleWeightConfig): every resource has an ETag that changes with each write,
// a write whose If-Match is not the current ETag fails with PreconditionFailed, the weight is
// 0–0.15, promotion copies the staging configuration onto the primary (keeping its Aliases and
// ContinuousDeploymentPolicyId) and disables the policy. A change leaves the primary InProgress
// for `deployMs`, then Deployed; the data plane follows the configuration last deployed.
import { randomBytes } from 'node:crypto';

export interface LabPolicyConfig {
  StagingDistributionDnsNames: { Quantity: number; Items?: string[] };
  Enabled: boolean;
  TrafficConfig?: {
    Type: 'SingleWeight' | 'SingleHeader';
    SingleWeightConfig?: { Weight: number; SessionStickinessConfig?: { IdleTTL: number; MaximumTTL: number } };
    SingleHeaderConfig?: { Header: string; Value: string };
  };
}

export interface LabDistributionConfig {
  CallerReference: string;
  Aliases?: { Quantity: number; Items?: string[] };
  Comment: string;
  Enabled: boolean;
  Origins: { Quantity: number; Items: { Id: string; DomainName: string }[] };
  DefaultCacheBehavior: { TargetOriginId: string; ViewerProtocolPolicy: string };
  ContinuousDeploymentPolicyId?: string;
  Staging: boolean;
}

export interface LabDistribution {
  Id: string;
  ARN: string;
  Status: 'Deployed' | 'InProgress';
  LastModifiedTime: Date;
  InProgressInvalidationBatches: number;
  DomainName: string;
  DistributionConfig: LabDistributionConfig;
}

export class CloudFrontError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const etag = () => `E${randomBytes(7).toString('hex').toUpperCase()}`;

export class CloudFrontModel {
  private readonly distributions = new Map<string, { d: LabDistribution; etag: string }>();
  private readonly policies = new Map<string, { id: string; config: LabPolicyConfig; etag: string; modified: Date }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly listeners = new Set<() => void>();
  private readonly calls = new Map<string, number>();
  /** What edge locations serve: the primary's config and the policy as of the last completed deployment. */
  private deployed: { origin: string; stagingOrigin?: string; weight: number } | undefined;

  constructor(
    private readonly account = '123456789012',
    /** How long a change stays InProgress (ms). */
    readonly deployMs = 300,
  ) {}

  addDistribution(id: string, config: LabDistributionConfig): void {
    const d: LabDistribution = { Id: id, ARN: `arn:aws:cloudfront::${this.account}:distribution/${id}`, Status: 'Deployed', LastModifiedTime: new Date(), InProgressInvalidationBatches: 0, DomainName: `d${id.toLowerCase().slice(1, 14)}.cloudfront.net`, DistributionConfig: structuredClone(config) };
    this.distributions.set(id, { d, etag: etag() });
    this.redeploy();
  }

  addPolicy(id: string, config: LabPolicyConfig): void {
    this.policies.set(id, { id, config: structuredClone(config), etag: etag(), modified: new Date() });
    this.redeploy();
  }

  count(operation: string): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  callCount(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  /** The next write of the policy by someone else: its ETag changes (tests of the If-Match retry). */
  touchPolicy(id: string): void {
    this.policyEntry(id).etag = etag();
  }

  getDistribution(id: string): { distribution: LabDistribution; etag: string } {
    const e = this.distributions.get(id);
    if (!e) throw new CloudFrontError('NoSuchDistribution', 'The specified distribution does not exist.', 404);
    return { distribution: structuredClone(e.d), etag: e.etag };
  }

  getPolicy(id: string): { id: string; config: LabPolicyConfig; etag: string; modified: Date } {
    return structuredClone(this.policyEntry(id));
  }

  updatePolicy(id: string, ifMatch: string | undefined, config: LabPolicyConfig): { id: string; config: LabPolicyConfig; etag: string; modified: Date } {
    const p = this.policyEntry(id);
    checkIfMatch(ifMatch, [p.etag]);
    const w = config.TrafficConfig?.SingleWeightConfig;
    if (config.TrafficConfig?.Type === 'SingleWeight' && !w) throw new CloudFrontError('InvalidArgument', 'SingleWeightConfig is required when TrafficConfig Type is SingleWeight.');
    if (w && !(w.Weight >= 0 && w.Weight <= 0.15)) throw new CloudFrontError('InvalidArgument', `Weight must be between 0 and .15; got ${w.Weight}.`);
    const s = w?.SessionStickinessConfig;
    if (s && !(s.IdleTTL >= 300 && s.IdleTTL <= 3600 && s.MaximumTTL >= 300 && s.MaximumTTL <= 3600)) {
      throw new CloudFrontError('InvalidArgument', 'SessionStickinessConfig IdleTTL and MaximumTTL must be between 300 and 3600 seconds.');
    }
    Object.assign(p, { config: structuredClone(config), etag: etag(), modified: new Date() });
    for (const [, e] of this.distributions) if (e.d.DistributionConfig.ContinuousDeploymentPolicyId === id) this.startDeployment(e);
    return structuredClone(p);
  }

  /** UpdateDistributionWithStagingConfig: If-Match is "<primary ETag>, <staging ETag>". */
  promote(id: string, stagingId: string | undefined, ifMatch: string | undefined): { distribution: LabDistribution; etag: string } {
    const primary = this.distributions.get(id);
    const staging = stagingId ? this.distributions.get(stagingId) : undefined;
    if (!primary || !staging) throw new CloudFrontError('NoSuchDistribution', 'The specified distribution does not exist.', 404);
    const [p, s] = (ifMatch ?? '').split(',').map((x) => x.trim());
    checkIfMatch(p, [primary.etag]);
    checkIfMatch(s, [staging.etag]);
    if (!staging.d.DistributionConfig.Staging) throw new CloudFrontError('InvalidArgument', `Distribution ${stagingId} is not a staging distribution.`);
    const keep = primary.d.DistributionConfig;
    primary.d.DistributionConfig = { ...structuredClone(staging.d.DistributionConfig), CallerReference: keep.CallerReference, Aliases: keep.Aliases, ContinuousDeploymentPolicyId: keep.ContinuousDeploymentPolicyId, Staging: false };
    const policy = keep.ContinuousDeploymentPolicyId ? this.policies.get(keep.ContinuousDeploymentPolicyId) : undefined;
    if (policy) Object.assign(policy, { config: { ...policy.config, Enabled: false }, etag: etag(), modified: new Date() });
    this.startDeployment(primary);
    return { distribution: structuredClone(primary.d), etag: primary.etag };
  }

  /** Origin domain name → share of requests (tenths of a percent) as edge locations serve them now. */
  servingShares(): Record<string, number> {
    const d = this.deployed;
    if (!d) return {};
    const staging = d.stagingOrigin !== undefined ? Math.round(d.weight * 1000) : 0;
    const out: Record<string, number> = { [d.origin]: 1000 - staging };
    if (d.stagingOrigin !== undefined) out[d.stagingOrigin] = (out[d.stagingOrigin] ?? 0) + staging;
    return out;
  }

  /** Called after each completed deployment (the data plane changed). */
  onDeployed(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private startDeployment(e: { d: LabDistribution; etag: string }): void {
    e.etag = etag();
    e.d.Status = 'InProgress';
    e.d.LastModifiedTime = new Date();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      e.d.Status = 'Deployed';
      this.redeploy();
    }, this.deployMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** The primary (the non-staging distribution with a policy, or the only one) as deployed now. */
  private redeploy(): void {
    const all = [...this.distributions.values()].map((e) => e.d);
    const primary = all.find((d) => !d.DistributionConfig.Staging);
    if (!primary || primary.Status !== 'Deployed') return;
    const policy = primary.DistributionConfig.ContinuousDeploymentPolicyId ? this.policies.get(primary.DistributionConfig.ContinuousDeploymentPolicyId) : undefined;
    const staging = all.find((d) => d.DistributionConfig.Staging && policy?.config.StagingDistributionDnsNames.Items?.includes(d.DomainName));
    const weighted = policy?.config.Enabled && policy.config.TrafficConfig?.Type === 'SingleWeight' && staging;
    this.deployed = {
      origin: originOf(primary),
      ...(weighted ? { stagingOrigin: originOf(staging), weight: policy.config.TrafficConfig?.SingleWeightConfig?.Weight ?? 0 } : { weight: 0 }),
    };
    for (const fn of this.listeners) fn();
  }

  private policyEntry(id: string) {
    const p = this.policies.get(id);
    if (!p) throw new CloudFrontError('NoSuchContinuousDeploymentPolicy', 'The continuous deployment policy does not exist.', 404);
    return p;
  }
}

function originOf(d: LabDistribution): string {
  const c = d.DistributionConfig;
  return c.Origins.Items.find((o) => o.Id === c.DefaultCacheBehavior.TargetOriginId)?.DomainName ?? '';
}

function checkIfMatch(given: string | undefined, current: string[]): void {
  if (!given) throw new CloudFrontError('InvalidIfMatchVersion', 'The If-Match version is missing or not valid for the resource.');
  if (!current.includes(given)) throw new CloudFrontError('PreconditionFailed', 'The precondition given in one or more of the request header fields evaluated to false.', 412);
}
