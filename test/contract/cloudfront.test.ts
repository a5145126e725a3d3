// The provider contract for CloudFront: a primary and staging distribution of the lab model with a
// weight-based continuous-deployment policy, read and written through the lab's CloudFront API with
// the real SDK client. Steps stay within the 15% cap (100 is the promotion, which the contract's
// restore-afterwards cases cannot undo: test/unit/cloudfront-provider.test.ts covers it).
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { startCloudFrontApi } from '../../lab/aws/cloudfront-api.ts';
import { CloudFrontModel, type LabDistributionConfig } from '../../lab/aws/cloudfront-model.ts';
import { setClients } from '../../lambdas/providers/clients.ts';
import { cloudFrontProvider } from '../../lambdas/providers/traffic/cloudfront.ts';
import { providerContract } from './contract.ts';

const dist = (origin: string, staging: boolean): LabDistributionConfig => ({
  CallerReference: origin,
  Comment: origin,
  Enabled: true,
  Origins: { Quantity: 1, Items: [{ Id: origin, DomainName: `${origin}.example.com` }] },
  DefaultCacheBehavior: { TargetOriginId: origin, ViewerProtocolPolicy: 'redirect-to-https' },
  Staging: staging,
  ...(staging ? {} : { ContinuousDeploymentPolicyId: 'cdp-1' }),
});

async function backend() {
  // Deployed at once: the shifter's wait for Deployed is then one read (its bound is tested in the unit tests).
  const model = new CloudFrontModel('123456789012', 0);
  model.addDistribution('E1PRIMARY0001', dist('blue', false));
  model.addDistribution('E2STAGING0001', dist('green', true));
  const dnsName = model.getDistribution('E2STAGING0001').distribution.DomainName;
  model.addPolicy('cdp-1', { StagingDistributionDnsNames: { Quantity: 1, Items: [dnsName] }, Enabled: false, TrafficConfig: { Type: 'SingleWeight', SingleWeightConfig: { Weight: 0.01, SessionStickinessConfig: { IdleTTL: 300, MaximumTTL: 600 } } } });
  const api = await startCloudFrontApi(model);
  const cloudfront = new CloudFrontClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  setClients({ cloudfront });
  const writes = () => model.callCount('UpdateContinuousDeploymentPolicy') + model.callCount('UpdateDistributionWithStagingConfig');
  return {
    target: { type: 'cloudfront' as const, distributionId: 'E1PRIMARY0001', stagingDistributionId: 'E2STAGING0001' },
    sdkClients: [cloudfront],
    writes,
    drift: async () => {
      const { config, etag } = model.getPolicy('cdp-1');
      model.updatePolicy('cdp-1', etag, { ...config, Enabled: true, TrafficConfig: { Type: 'SingleWeight', SingleWeightConfig: { Weight: 0.07 } } });
    },
    close: async () => {
      model.close();
      await api.close();
    },
  };
}

providerContract('cloudfront (continuous deployment)', cloudFrontProvider, backend, {
  steps: [1, 5, 15],
  unrepresentable: { percent: 50, message: /at most 15% .*staging distribution/ },
});
