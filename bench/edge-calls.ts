// API Gateway and CloudFront providers: AWS calls per step, per promotion and per restore (what
// counts against the services' rate limits), and how long a CloudFront step takes for a given
// propagation time, all against the lab APIs on 127.0.0.1 with the real SDK. Prints figures.
import '../lab/polyfills.ts';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { performance } from 'node:perf_hooks';
import { ApiGatewayShifter } from '../lambdas/providers/traffic/apigateway.ts';
import { CloudFrontShifter } from '../lambdas/providers/traffic/cloudfront.ts';
import { ApiGatewayModel, startApiGatewayApi } from '../lab/aws/apigateway-api.ts';
import { startCloudFrontApi } from '../lab/aws/cloudfront-api.ts';
import { CloudFrontModel } from '../lab/aws/cloudfront-model.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const credentials = { accessKeyId: 'lab', secretAccessKey: 'lab' };

async function apiGateway(): Promise<void> {
  const model = new ApiGatewayModel();
  model.createRestApi('a1b2c3d4e5', 'bench');
  for (const d of ['blue1', 'green1']) model.createDeployment('a1b2c3d4e5', d);
  model.createStage('a1b2c3d4e5', { stageName: 'prod', deploymentId: 'blue1' });
  const api = await startApiGatewayApi(model);
  const sdk = new APIGatewayClient({ region: 'us-east-1', endpoint: api.url, credentials });
  const s = new ApiGatewayShifter(sdk, { type: 'apigateway', stageArn: 'arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod', deploymentId: 'green1' });
  const calls = () => model.callCount();
  const original = await s.read();
  let before = calls();
  for (const tenths of [10, 50, 250, 500, 1000]) await s.apply({ weights: { stage: 1000 - tenths, canary: tenths } });
  console.log(`API Gateway: ${(calls() - before) / 5} calls per step (GetStage, UpdateStage, GetStage)`);
  before = calls();
  await s.apply({ weights: { stage: 0, canary: 1000 } });
  console.log(`API Gateway: ${calls() - before} call(s) for a step already in place`);
  before = calls();
  await s.promote();
  console.log(`API Gateway: ${calls() - before} calls to promote`);
  before = calls();
  await s.restore(original);
  console.log(`API Gateway: ${calls() - before} calls to restore the original after promotion`);
  sdk.destroy();
  await api.close();
}

async function cloudFront(deployMs: number): Promise<void> {
  const model = new CloudFrontModel('123456789012', deployMs);
  const dist = (origin: string, staging: boolean) => ({
    CallerReference: origin,
    Comment: origin,
    Enabled: true,
    Origins: { Quantity: 1, Items: [{ Id: origin, DomainName: `${origin}.example.com` }] },
    DefaultCacheBehavior: { TargetOriginId: origin, ViewerProtocolPolicy: 'allow-all' },
    Staging: staging,
    ...(staging ? {} : { ContinuousDeploymentPolicyId: 'cdp' }),
  });
  model.addDistribution('E1PRIMARY0001', dist('blue', false));
  model.addDistribution('E2STAGING0001', dist('green', true));
  model.addPolicy('cdp', { StagingDistributionDnsNames: { Quantity: 1, Items: [model.getDistribution('E2STAGING0001').distribution.DomainName] }, Enabled: false, TrafficConfig: { Type: 'SingleWeight', SingleWeightConfig: { Weight: 0 } } });
  const api = await startCloudFrontApi(model);
  const sdk = new CloudFrontClient({ region: 'us-east-1', endpoint: api.url, credentials });
  const pollMs = 100;
  const s = new CloudFrontShifter(sdk, { type: 'cloudfront', distributionId: 'E1PRIMARY0001', stagingDistributionId: 'E2STAGING0001' }, { settlePollMs: pollMs, settleTimeoutMs: 60_000 });
  const total = () => ['GetDistribution', 'GetContinuousDeploymentPolicyConfig', 'UpdateContinuousDeploymentPolicy', 'UpdateDistributionWithStagingConfig'].reduce((n, op) => n + model.callCount(op), 0);
  const original = await s.read();
  let before = total();
  const t0 = performance.now();
  for (const tenths of [10, 50, 150]) await s.apply({ weights: { primary: 1000 - tenths, staging: tenths } });
  const perStep = (performance.now() - t0) / 3;
  console.log(`CloudFront (propagation ${deployMs} ms, poll ${pollMs} ms): ${((total() - before) / 3).toFixed(1)} calls and ${perStep.toFixed(0)} ms per step`);
  before = total();
  await s.restore(original);
  console.log(`CloudFront: ${total() - before} calls to restore`);
  await s.apply({ weights: { primary: 850, staging: 150 } });
  before = total();
  await s.promote();
  console.log(`CloudFront: ${total() - before} calls to promote`);
  model.close();
  sdk.destroy();
  await api.close();
}

await apiGateway();
await cloudFront(300);
await cloudFront(1000);
