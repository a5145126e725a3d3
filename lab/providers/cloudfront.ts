// The lab's CloudFront: primary distribution E1LABPRIMARY0 (origin: the blue service) with a
// weight-based continuous-deployment policy towards staging distribution E2LABSTAGING0 (origin:
// the green service). The lab CloudFront API (REST-XML) holds them; the weighted proxy serves what
// was last deployed, so a policy change reaches requests only once the distribution reads Deployed.
import { startCloudFrontApi } from '../aws/cloudfront-api.ts';
import { CloudFrontModel, type LabDistributionConfig } from '../aws/cloudfront-model.ts';
import { startProxy } from '../traffic/proxy.ts';
import type { LabProvider } from './provider.ts';

const PRIMARY = 'E1LABPRIMARY0';
const STAGING = 'E2LABSTAGING0';
const POLICY = 'cdp-lab-0001';
/** How long the lab's distributions stay InProgress after a change (real CloudFront: minutes). */
export const LAB_PROPAGATION_MS = 500;
/** Origin domain → TrafficState.weights key of the cloudfront provider (lambdas/providers/traffic/cloudfront.ts SIDES). */
const SIDE_OF: Record<string, string> = { 'blue.lab.internal': 'primary', 'green.lab.internal': 'staging' };

const distribution = (origin: 'blue' | 'green', staging: boolean): LabDistributionConfig => ({
  CallerReference: `lab-${origin}`,
  Comment: `lab ${origin}`,
  Enabled: true,
  Origins: { Quantity: 1, Items: [{ Id: origin, DomainName: `${origin}.lab.internal` }] },
  DefaultCacheBehavior: { TargetOriginId: origin, ViewerProtocolPolicy: 'allow-all' },
  Staging: staging,
  ...(staging ? {} : { ContinuousDeploymentPolicyId: POLICY, Aliases: { Quantity: 1, Items: ['www.lab.internal'] } }),
});

export const cloudFrontLab: LabProvider = {
  name: 'cloudfront',
  defaultSteps: [1, 5, 15, 100],
  async start(services, metrics) {
    const model = new CloudFrontModel('123456789012', LAB_PROPAGATION_MS);
    model.addDistribution(PRIMARY, distribution('blue', false));
    model.addDistribution(STAGING, distribution('green', true));
    model.addPolicy(POLICY, {
      StagingDistributionDnsNames: { Quantity: 1, Items: [model.getDistribution(STAGING).distribution.DomainName] },
      Enabled: false,
      TrafficConfig: { Type: 'SingleWeight', SingleWeightConfig: { Weight: 0 } },
    });
    const api = await startCloudFrontApi(model);
    const weights = () => {
      const out: Record<string, number> = { primary: 0, staging: 0 };
      for (const [origin, share] of Object.entries(model.servingShares())) {
        const side = SIDE_OF[origin];
        if (side) out[side] = (out[side] ?? 0) + share;
      }
      return out;
    };
    const proxy = await startProxy({ source: { weights, onChange: (fn) => model.onDeployed(fn) }, targets: { primary: services.blue, staging: services.green }, metrics });
    return {
      target: { type: 'cloudfront', distributionId: PRIMARY, stagingDistributionId: STAGING },
      sides: { blue: 'primary', green: 'staging' },
      dimensions: { blue: { DistributionId: PRIMARY, Region: 'Global' }, green: { DistributionId: STAGING, Region: 'Global' } },
      endpoints: { AWS_ENDPOINT_URL_CLOUDFRONT: api.url },
      trafficUrl: proxy.url,
      weights: () => proxy.weights(),
      weightHistory: () => proxy.weightHistory(),
      planWeights: (percent) => ({ stable: 1000 - Math.round(percent * 10), canary: Math.round(percent * 10) }),
      notes: [
        `CloudFront: a continuous-deployment policy sends at most 15% to staging ${STAGING} (green); the 100% step promotes its configuration onto ${PRIMARY}.`,
        `The lab's distributions deploy a change in ${LAB_PROPAGATION_MS} ms (real CloudFront: minutes); each step waits for Deployed.`,
      ],
      async close() {
        model.close();
        await proxy.close();
        await api.close();
      },
    };
  },
};
