// The CloudFront provider: schema, the 15% cap (steps up to 15, then 100 = promote), and the shifter
// with the real SDK client against the lab's CloudFront API on 127.0.0.1: If-Match on every write
// and the bounded retry on PreconditionFailed, stickiness kept, exact restore, promote, the wait
// for Deployed (bounded, typed error).
import { CloudFrontClient, GetContinuousDeploymentPolicyConfigCommand } from '@aws-sdk/client-cloudfront';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrentModification, ContinuousDeploymentPolicyMissing, DistributionNotDeployed } from '../../lambdas/errors.ts';
import { cloudFrontProvider, CloudFrontShifter, type CloudFrontOptions, type CloudFrontTarget } from '../../lambdas/providers/traffic/cloudfront.ts';
import { startCloudFrontApi } from '../../lab/aws/cloudfront-api.ts';
import { CloudFrontModel, type LabDistributionConfig, type LabPolicyConfig } from '../../lab/aws/cloudfront-model.ts';
import type { LocalServer } from '../../lab/aws/local-server.ts';

const credentials = { accessKeyId: 'lab', secretAccessKey: 'lab' };
const target: CloudFrontTarget = { type: 'cloudfront', distributionId: 'E1PRIMARY0001', stagingDistributionId: 'E2STAGING0001' };
const original = { actions: [], weights: { primary: 1000, staging: 0 } };

describe('schema and scale', () => {
  it('accepts the issue’s shape; refuses the same id twice and unknown fields', () => {
    expect(cloudFrontProvider.schema.safeParse(target).success).toBe(true);
    expect(cloudFrontProvider.schema.safeParse({ ...target, stagingDistributionId: target.distributionId }).success).toBe(false);
    expect(cloudFrontProvider.schema.safeParse({ ...target, policyId: 'x' }).success).toBe(false);
  });

  it('steps up to 15% and the final 100%; anything else refused naming the cap', () => {
    expect(cloudFrontProvider.stepWeights(original, target, 0.1)).toMatchObject({ ok: true, weights: { primary: 999, staging: 1 } });
    expect(cloudFrontProvider.stepWeights(original, target, 15)).toMatchObject({ ok: true, weights: { primary: 850, staging: 150 } });
    expect(cloudFrontProvider.stepWeights(original, target, 100)).toMatchObject({ ok: true, weights: { primary: 0, staging: 1000 } });
    for (const p of [15.1, 50, 99.9]) {
      const w = cloudFrontProvider.stepWeights(original, target, p);
      expect(w.ok).toBe(false);
      expect(!w.ok && w.reason).toMatch(/at most 15%.*then 100 \(promote\)/);
    }
  });
});

describe('shifter against the lab CloudFront API (real SDK)', () => {
  let model: CloudFrontModel;
  let api: LocalServer;
  let sdk: CloudFrontClient;
  const fast: CloudFrontOptions = { settlePollMs: 20, settleTimeoutMs: 5_000 };
  const shifter = (o: CloudFrontOptions = fast) => new CloudFrontShifter(sdk, target, o);
  const policy = async () => (await sdk.send(new GetContinuousDeploymentPolicyConfigCommand({ Id: 'CDP1' }))).ContinuousDeploymentPolicyConfig;
  const dist = (origin: string, staging: boolean): LabDistributionConfig => ({
    CallerReference: `ref-${origin}`,
    Comment: origin,
    Enabled: true,
    Origins: { Quantity: 1, Items: [{ Id: origin, DomainName: `${origin}.example.com` }] },
    DefaultCacheBehavior: { TargetOriginId: origin, ViewerProtocolPolicy: 'redirect-to-https' },
    Staging: staging,
    ...(staging ? {} : { ContinuousDeploymentPolicyId: 'CDP1', Aliases: { Quantity: 1, Items: ['www.example.com'] } }),
  });
  const policyConfig = (): LabPolicyConfig => ({
    StagingDistributionDnsNames: { Quantity: 1, Items: [model.getDistribution('E2STAGING0001').distribution.DomainName] },
    Enabled: false,
    TrafficConfig: { Type: 'SingleWeight', SingleWeightConfig: { Weight: 0.02, SessionStickinessConfig: { IdleTTL: 300, MaximumTTL: 600 } } },
  });

  beforeAll(async () => {
    model = new CloudFrontModel('123456789012', 30);
    api = await startCloudFrontApi(model);
    sdk = new CloudFrontClient({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    sdk.destroy();
    await api.close();
  });
  beforeEach(() => {
    model.addDistribution('E1PRIMARY0001', dist('blue', false));
    model.addDistribution('E2STAGING0001', dist('green', true));
    model.addPolicy('CDP1', policyConfig());
  });
  afterEach(() => model.close());

  it('reads a disabled policy as 0% whatever its weight; shifts with If-Match keeping stickiness; restores weight and Enabled exactly', async () => {
    const before = await shifter().read();
    expect(before.weights).toEqual({ primary: 1000, staging: 0 });
    const stored = await policy();
    await shifter().apply({ weights: { primary: 950, staging: 50 } });
    expect(await policy()).toEqual({ ...stored, Enabled: true, TrafficConfig: { Type: 'SingleWeight', SingleWeightConfig: { Weight: 0.05, SessionStickinessConfig: { IdleTTL: 300, MaximumTTL: 600 } } } });
    expect(model.getDistribution('E1PRIMARY0001').distribution.Status).toBe('Deployed');
    expect(model.servingShares()).toEqual({ 'blue.example.com': 950, 'green.example.com': 50 });
    const restored = await shifter().restore(before);
    expect(restored.weights).toEqual({ primary: 1000, staging: 0 });
    expect(await policy()).toEqual(stored);
    expect(model.servingShares()).toEqual({ 'blue.example.com': 1000 });
  });

  it('retries on PreconditionFailed from a fresh read, and gives up after the bound with a typed error', async () => {
    const sdkWrites = () => model.callCount('UpdateContinuousDeploymentPolicy');
    // Someone writes between our read and our write once: the second attempt succeeds.
    let interfere = 1;
    const racing = new CloudFrontClient({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 1 });
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateContinuousDeploymentPolicyCommand' && interfere-- > 0) model.touchPolicy('CDP1');
        return next(args);
      },
      { step: 'initialize' },
    );
    const start = sdkWrites();
    const state = await new CloudFrontShifter(racing, target, fast).apply({ weights: { primary: 900, staging: 100 } });
    expect(state.weights).toEqual({ primary: 900, staging: 100 });
    expect(sdkWrites() - start).toBe(2);
    // Someone writes before every attempt: ConcurrentModification after 3, the policy as they left it.
    interfere = 99;
    const stored = await policy();
    await expect(new CloudFrontShifter(racing, target, fast).apply({ weights: { primary: 950, staging: 50 } })).rejects.toThrow(ConcurrentModification);
    expect(await policy()).toEqual(stored);
    racing.destroy();
  });

  it('promote (the 100% step): the staging configuration becomes the primary’s, the policy disabled; promote again writes nothing', async () => {
    await shifter().apply({ weights: { primary: 850, staging: 150 } });
    const state = await shifter().promote();
    expect(state.weights).toEqual({ primary: 0, staging: 1000 });
    const primary = model.getDistribution('E1PRIMARY0001').distribution.DistributionConfig;
    expect(primary.Origins.Items[0]?.DomainName).toBe('green.example.com');
    expect(primary.Aliases).toEqual({ Quantity: 1, Items: ['www.example.com'] });
    expect((await policy())?.Enabled).toBe(false);
    expect(model.servingShares()).toEqual({ 'green.example.com': 1000 });
    const calls = model.callCount('UpdateDistributionWithStagingConfig');
    await shifter().promote();
    expect(model.callCount('UpdateDistributionWithStagingConfig')).toBe(calls);
  });

  it('waits for Deployed within its bound, else DistributionNotDeployed', async () => {
    const slow = new CloudFrontModel('123456789012', 60_000);
    const slowApi = await startCloudFrontApi(slow);
    const slowSdk = new CloudFrontClient({ region: 'us-east-1', endpoint: slowApi.url, credentials, maxAttempts: 1 });
    try {
      slow.addDistribution('E1PRIMARY0001', dist('blue', false));
      slow.addDistribution('E2STAGING0001', dist('green', true));
      slow.addPolicy('CDP1', { ...policyConfig(), StagingDistributionDnsNames: { Quantity: 1, Items: [slow.getDistribution('E2STAGING0001').distribution.DomainName] } });
      const slept: number[] = [];
      const s = new CloudFrontShifter(slowSdk, target, { settleFirstPollMs: 250, settlePollMs: 1000, settleTimeoutMs: 3000, sleep: async (ms) => void slept.push(ms) });
      await expect(s.apply({ weights: { primary: 990, staging: 10 } })).rejects.toThrow(DistributionNotDeployed);
      // 250, 500, then every 1000 until exactly 3000 ms are spent: the bound holds however slow CloudFront is.
      expect(slept).toEqual([250, 500, 1000, 1000, 250]);
      expect(slow.servingShares()).toEqual({ 'blue.example.com': 1000 }); // not deployed yet: edges still serve the old policy
    } finally {
      slow.close();
      slowSdk.destroy();
      await slowApi.close();
    }
  });

  it('refuses a primary without a policy, or a policy towards another staging distribution', async () => {
    const other = new CloudFrontShifter(sdk, { ...target, stagingDistributionId: 'E1PRIMARY0001' }, fast);
    await expect(other.read()).rejects.toThrow(ContinuousDeploymentPolicyMissing);
    model.addDistribution('E1PRIMARY0001', { ...dist('blue', false), ContinuousDeploymentPolicyId: undefined });
    await expect(shifter().read()).rejects.toThrow(ContinuousDeploymentPolicyMissing);
  });
});
