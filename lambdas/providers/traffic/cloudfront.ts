// CloudFront provider: continuous deployment. The primary distribution's weight-based
// continuous-deployment policy sends at most 15% of requests to the staging distribution; a step
// writes the policy's Weight (and Enabled), keeping everything else (SessionStickinessConfig, DNS
// names) as read. The final 100% is the promotion: UpdateDistributionWithStagingConfig copies the
// staging configuration onto the primary and disables the policy. Every write carries the ETag it
// read (If-Match) and starts again from a fresh read on PreconditionFailed (bounded). After a write
// the step waits until the primary distribution reads Deployed (bounded; DistributionNotDeployed).
import {
  CloudFrontClient,
  GetContinuousDeploymentPolicyConfigCommand,
  GetDistributionCommand,
  UpdateContinuousDeploymentPolicyCommand,
  UpdateDistributionWithStagingConfigCommand,
  type ContinuousDeploymentPolicyConfig,
  type Distribution,
  type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import * as z from 'zod';
import { ConcurrentModification, ContinuousDeploymentPolicyMissing, DistributionNotDeployed, DistributionNotFound } from '../../errors.ts';
import { aws } from '../aws-errors.ts';
import { client, defineClient } from '../clients.ts';
import { sameConfig, VerifiedShifter } from './base.ts';
import { percentSplit, TENTHS, toTenths } from './percent-scale.ts';
import type { DesiredForward, TrafficProvider, TrafficState } from './provider.ts';

defineClient('cloudfront', () => new CloudFrontClient({ region: 'us-east-1' }));

/** "Weight: between 0 and .15" (ContinuousDeploymentSingleWeightConfig): 15% in tenths of a percent. */
export const MAX_STAGING_TENTHS = 150;
export const SIDES = { stable: 'primary', canary: 'staging' } as const;
const DISTRIBUTION_ID = /^E[A-Z0-9]{5,20}$/;

export const cloudFrontTargetSchema = z
  .object({
    type: z.literal('cloudfront'),
    distributionId: z.string({ error: 'is required: the primary distribution id, e.g. E2QWRUHAPOMQZL' }).regex(DISTRIBUTION_ID, { error: 'must be a CloudFront distribution id like E2QWRUHAPOMQZL' }),
    stagingDistributionId: z
      .string({ error: 'is required: the staging distribution id (the one the continuous-deployment policy sends traffic to)' })
      .regex(DISTRIBUTION_ID, { error: 'must be a CloudFront distribution id like E2QWRUHAPOMQZL' }),
  })
  .strict()
  .refine((t) => t.distributionId !== t.stagingDistributionId, { error: 'stagingDistributionId must differ from distributionId', path: ['stagingDistributionId'] });

export type CloudFrontTarget = z.infer<typeof cloudFrontTargetSchema>;

/** Fields UpdateDistributionWithStagingConfig does not copy (or that differ by nature); the rest is what serves a request. */
const NOT_SERVING = new Set(['CallerReference', 'Aliases', 'ContinuousDeploymentPolicyId', 'Staging', 'Comment']);
const serving = (c: DistributionConfig | undefined) => Object.fromEntries(Object.entries(c ?? {}).filter(([k]) => !NOT_SERVING.has(k)));

export interface CloudFrontOptions {
  /** Attempts of one write when CloudFront answers PreconditionFailed (default 3). */
  attempts?: number;
  /** How long a step waits for Status Deployed (default 20 s: within a 30 s Lambda). */
  settleTimeoutMs?: number;
  /** The first look after 250 ms (default), doubling up to every `settlePollMs` (default 2 s). */
  settleFirstPollMs?: number;
  settlePollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class CloudFrontShifter extends VerifiedShifter {
  protected readonly where: string;
  private readonly attempts: number;

  constructor(
    private readonly cf: CloudFrontClient,
    private readonly target: CloudFrontTarget,
    private readonly options: CloudFrontOptions = {},
  ) {
    super();
    this.where = `continuous-deployment policy of distribution ${target.distributionId}`;
    this.attempts = options.attempts ?? 3;
  }

  /** actions[0] = the policy's configuration (ETag-free); weights in tenths of a percent. */
  protected async readAsIs(): Promise<TrafficState> {
    const primary = await this.distribution(this.target.distributionId);
    const policyId = primary.Distribution?.DistributionConfig?.ContinuousDeploymentPolicyId;
    if (!policyId) {
      throw new ContinuousDeploymentPolicyMissing(
        `distribution ${this.target.distributionId} has no continuous-deployment policy; create one towards ${this.target.stagingDistributionId} (aws cloudfront create-continuous-deployment-policy) and attach it to the primary`,
      );
    }
    const { config } = await this.policy(policyId);
    const staging = await this.distribution(this.target.stagingDistributionId);
    const weight = config.TrafficConfig?.SingleWeightConfig?.Weight;
    const promoted = !config.Enabled && sameConfig(serving(primary.Distribution?.DistributionConfig), serving(staging.Distribution?.DistributionConfig));
    const tenths = config.Enabled && weight !== undefined ? Math.round(weight * TENTHS) : promoted ? TENTHS : 0;
    return { actions: [{ policyId, stagingDomainName: staging.Distribution?.DomainName, config }], weights: { [SIDES.stable]: TENTHS - tenths, [SIDES.canary]: tenths } };
  }

  protected requirePair(state: TrafficState): void {
    const { config, stagingDomainName } = state.actions[0] as PolicyAction;
    if (config.TrafficConfig?.Type !== 'SingleWeight') {
      throw new ContinuousDeploymentPolicyMissing(`${this.where} routes by ${config.TrafficConfig?.Type ?? 'nothing'}, not by weight; set TrafficConfig.Type SingleWeight to shift a share of requests`);
    }
    if (stagingDomainName && !(config.StagingDistributionDnsNames?.Items ?? []).includes(stagingDomainName)) {
      throw new ContinuousDeploymentPolicyMissing(
        `${this.where} sends traffic to ${(config.StagingDistributionDnsNames?.Items ?? []).join(', ') || 'no staging distribution'}, not to ${this.target.stagingDistributionId} (${stagingDomainName}); check target.stagingDistributionId`,
      );
    }
  }

  /** A step and the final promotion also wait for Deployed when the weights were already there (a retried step). */
  override async apply(desired: DesiredForward): Promise<TrafficState> {
    this.waited = false;
    const state = await super.apply(desired);
    if (!this.waited) await this.settled();
    return state;
  }

  /** Whether this apply already waited for Deployed (after its write). */
  private waited = false;

  protected async writeWeights(current: TrafficState, desired: DesiredForward): Promise<void> {
    const tenths = desired.weights[SIDES.canary] ?? current.weights[SIDES.canary] ?? 0;
    if (tenths === TENTHS) return this.promoteNow();
    if (tenths > MAX_STAGING_TENTHS) throw new RangeError(`${this.where}: ${tenths / 10}% is over CloudFront's 15% cap (stepWeights refuses it first)`);
    const { policyId } = current.actions[0] as PolicyAction;
    await this.writePolicy(policyId, (config) => ({
      ...config,
      Enabled: true,
      TrafficConfig: { ...config.TrafficConfig, Type: 'SingleWeight', SingleWeightConfig: { ...config.TrafficConfig?.SingleWeightConfig, Weight: tenths / TENTHS } },
    }));
  }

  protected async writeOriginal(original: TrafficState): Promise<void> {
    const { policyId, config } = original.actions[0] as PolicyAction;
    await this.writePolicy(policyId, () => config);
  }

  /** Status Deployed on the primary, polled within the bound; DistributionNotDeployed after it. */
  protected override async settled(): Promise<void> {
    const timeout = this.options.settleTimeoutMs ?? 20_000;
    const maxPoll = this.options.settlePollMs ?? 2_000;
    let poll = Math.min(this.options.settleFirstPollMs ?? 250, maxPoll);
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let status: string | undefined;
    for (let waited = 0; ; poll = Math.min(poll * 2, maxPoll)) {
      status = (await this.distribution(this.target.distributionId)).Distribution?.Status;
      if (status === 'Deployed') {
        this.waited = true;
        return;
      }
      if (waited >= timeout) break;
      const nap = Math.min(poll, timeout - waited);
      await sleep(nap);
      waited += nap;
    }
    throw new DistributionNotDeployed(
      `distribution ${this.target.distributionId} still reads ${status} after ${Math.round(timeout / 1000)} s; CloudFront is propagating the change to its edge locations (usually minutes). The step is retried and waits again; nothing needs undoing`,
    );
  }

  /** Promote (the 100% step): UpdateDistributionWithStagingConfig with both ETags; a no-op once promoted. */
  async promote(): Promise<TrafficState> {
    const state = await this.apply({ weights: { [SIDES.stable]: 0, [SIDES.canary]: TENTHS } });
    return state;
  }

  private async promoteNow(): Promise<void> {
    await this.retrying(`UpdateDistributionWithStagingConfig ${this.target.distributionId}`, async () => {
      const [primary, staging] = [await this.distribution(this.target.distributionId), await this.distribution(this.target.stagingDistributionId)];
      const IfMatch = `${primary.ETag}, ${staging.ETag}`;
      await this.cf.send(new UpdateDistributionWithStagingConfigCommand({ Id: this.target.distributionId, StagingDistributionId: this.target.stagingDistributionId, IfMatch }));
    });
  }

  private async writePolicy(policyId: string, change: (config: ContinuousDeploymentPolicyConfig) => ContinuousDeploymentPolicyConfig): Promise<void> {
    await this.retrying(`UpdateContinuousDeploymentPolicy ${policyId}`, async () => {
      const { config, etag } = await this.policy(policyId);
      await this.cf.send(new UpdateContinuousDeploymentPolicyCommand({ Id: policyId, IfMatch: etag, ContinuousDeploymentPolicyConfig: change(config) }));
    });
  }

  /** Run a read-modify-write; PreconditionFailed (someone wrote in between) starts it again from a fresh read. */
  private async retrying(what: string, write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await aws(what, write);
      } catch (err) {
        if ((err as Error).name !== 'PreconditionFailed') throw err;
        if (attempt >= this.attempts) {
          throw new ConcurrentModification(`${what}: the ETag changed before each of ${this.attempts} writes (PreconditionFailed); someone else is changing it at the same time`);
        }
      }
    }
  }

  private async distribution(id: string): Promise<{ Distribution?: Distribution; ETag?: string }> {
    try {
      return await aws(`GetDistribution ${id}`, () => this.cf.send(new GetDistributionCommand({ Id: id })));
    } catch (err) {
      if ((err as Error).name === 'NoSuchDistribution') throw new DistributionNotFound(`distribution ${id} not found; check target.distributionId and target.stagingDistributionId`);
      throw err;
    }
  }

  private async policy(id: string): Promise<{ config: ContinuousDeploymentPolicyConfig; etag?: string }> {
    const out = await aws(`GetContinuousDeploymentPolicyConfig ${id}`, () => this.cf.send(new GetContinuousDeploymentPolicyConfigCommand({ Id: id })));
    if (!out.ContinuousDeploymentPolicyConfig) throw new ContinuousDeploymentPolicyMissing(`continuous-deployment policy ${id} has no configuration`);
    return { config: out.ContinuousDeploymentPolicyConfig, etag: out.ETag };
  }
}

interface PolicyAction {
  policyId: string;
  stagingDomainName?: string;
  config: ContinuousDeploymentPolicyConfig;
}

export const cloudFrontProvider: TrafficProvider<CloudFrontTarget> = {
  type: 'cloudfront',
  title: 'CloudFront continuous deployment (primary and staging distribution)',
  schema: cloudFrontTargetSchema as unknown as z.ZodType<CloudFrontTarget>,
  scale: 'CloudFront policy weight 0–15% of requests (0.1% steps), then 100% = promote',
  lockKey: (t) => `lock#cloudfront/distribution/${t.distributionId}`,
  label: (t) => `distribution ${t.distributionId} (staging ${t.stagingDistributionId})`,
  resource: (t) => `distribution ${t.distributionId} with staging distribution ${t.stagingDistributionId}`,
  nameHint: (t) => `cloudfront-${(t as Partial<CloudFrontTarget>).distributionId ?? 'distribution'}`.replace(/[^A-Za-z0-9-]/g, '-'),
  sides: () => ({ ...SIDES }),
  sideName: (id) => id,
  stepWeights: (_original, _target, percent) => {
    const tenths = toTenths(percent);
    if (tenths <= MAX_STAGING_TENTHS || tenths === TENTHS) return percentSplit(SIDES, percent);
    return {
      ok: false,
      percent,
      reason: `step ${percent}%: a CloudFront continuous-deployment policy sends at most 15% of requests to the staging distribution; use steps up to 15, then 100 (promote), e.g. [1, 5, 15, 100]`,
    };
  },
  shifter: (t) => new CloudFrontShifter(client('cloudfront'), t),
  canaryHealth: async () => undefined,
  notes: () => [
    'CloudFront propagates every policy change and the promotion to its edge locations; the distribution reads InProgress until then (usually a few minutes), and each step waits for Deployed.',
    'CloudFront caps the staging share at 15%; the 100% step promotes the staging configuration (UpdateDistributionWithStagingConfig), which also disables the policy.',
    'With SessionStickinessConfig on, a viewer stays on the side it was given until the idle/maximum TTL ends; rollback does not move those viewers at once.',
  ],
  promote: (t) => new CloudFrontShifter(client('cloudfront'), t).promote(),
};
