// API Gateway and CloudFront providers: AWS calls per step, per promotion and per restore (what
// counts against the services' rate limits), and how long a CloudFront step takes for a given
// propagation time, all against the lab APIs on 127.0.0.1 with the real SDK. Prints the lines and
// reports the figures (bench/result.ts). Call counts are deterministic (API Gateway: one run); the
// CloudFront runs repeat BENCH_REPS times (default 3; BENCH_QUICK=1: 1) for the time per step.
import '../lab/polyfills.ts';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { performance } from 'node:perf_hooks';
import { ApiGatewayShifter } from '../lambdas/providers/traffic/apigateway.ts';
import { CloudFrontShifter } from '../lambdas/providers/traffic/cloudfront.ts';
import { ApiGatewayModel, startApiGatewayApi } from '../lab/aws/apigateway-api.ts';
import { startCloudFrontApi } from '../lab/aws/cloudfront-api.ts';
import { CloudFrontModel } from '../lab/aws/cloudfront-model.ts';
import { quick, repetitions, report, type Figure } from './result.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const credentials = { accessKeyId: 'lab', secretAccessKey: 'lab' };
const REPS = repetitions(quick() ? 1 : 3);
const PROPAGATION_MS = [300, 1000];
const POLL_MS = 100;
const figures: Figure[] = [];

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
  const perStep = (calls() - before) / 5;
  console.log(`API Gateway: ${perStep} calls per step (GetStage, UpdateStage, GetStage)`);
  before = calls();
  await s.apply({ weights: { stage: 0, canary: 1000 } });
  const inPlace = calls() - before;
  console.log(`API Gateway: ${inPlace} call(s) for a step already in place`);
  before = calls();
  await s.promote();
  const promote = calls() - before;
  console.log(`API Gateway: ${promote} calls to promote`);
  before = calls();
  await s.restore(original);
  const restore = calls() - before;
  console.log(`API Gateway: ${restore} calls to restore the original after promotion`);
  figures.push(
    { name: 'API Gateway: AWS calls per step', unit: 'calls', samples: [perStep] },
    { name: 'API Gateway: AWS calls for a step already in place', unit: 'calls', samples: [inPlace] },
    { name: 'API Gateway: AWS calls to promote', unit: 'calls', samples: [promote] },
    { name: 'API Gateway: AWS calls to restore the original after promotion', unit: 'calls', samples: [restore] },
  );
  sdk.destroy();
  await api.close();
}

interface CloudFrontRun {
  callsPerStep: number;
  msPerStep: number;
  restoreCalls: number;
  promoteCalls: number;
}

async function cloudFront(deployMs: number): Promise<CloudFrontRun> {
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
  const pollMs = POLL_MS;
  const s = new CloudFrontShifter(sdk, { type: 'cloudfront', distributionId: 'E1PRIMARY0001', stagingDistributionId: 'E2STAGING0001' }, { settlePollMs: pollMs, settleTimeoutMs: 60_000 });
  const total = () => ['GetDistribution', 'GetContinuousDeploymentPolicyConfig', 'UpdateContinuousDeploymentPolicy', 'UpdateDistributionWithStagingConfig'].reduce((n, op) => n + model.callCount(op), 0);
  const original = await s.read();
  let before = total();
  const t0 = performance.now();
  for (const tenths of [10, 50, 150]) await s.apply({ weights: { primary: 1000 - tenths, staging: tenths } });
  const perStep = (performance.now() - t0) / 3;
  const callsPerStep = (total() - before) / 3;
  console.log(`CloudFront (propagation ${deployMs} ms, poll ${pollMs} ms): ${callsPerStep.toFixed(1)} calls and ${perStep.toFixed(0)} ms per step`);
  before = total();
  await s.restore(original);
  const restoreCalls = total() - before;
  console.log(`CloudFront: ${restoreCalls} calls to restore`);
  await s.apply({ weights: { primary: 850, staging: 150 } });
  before = total();
  await s.promote();
  const promoteCalls = total() - before;
  console.log(`CloudFront: ${promoteCalls} calls to promote`);
  model.close();
  sdk.destroy();
  await api.close();
  return { callsPerStep, msPerStep: perStep, restoreCalls, promoteCalls };
}

await apiGateway();
for (const deployMs of PROPAGATION_MS) {
  const runs: CloudFrontRun[] = [];
  for (let rep = 0; rep < REPS; rep++) runs.push(await cloudFront(deployMs));
  const at = `CloudFront, propagation ${deployMs} ms`;
  figures.push(
    { name: `${at}: time per step (apply until deployed)`, unit: 'ms', samples: runs.map((r) => r.msPerStep) },
    { name: `${at}: AWS calls per step`, unit: 'calls', samples: runs.map((r) => r.callsPerStep) },
    { name: `${at}: AWS calls to restore`, unit: 'calls', samples: runs.map((r) => r.restoreCalls) },
    { name: `${at}: AWS calls to promote`, unit: 'calls', samples: runs.map((r) => r.promoteCalls) },
  );
}

report({
  bench: 'edge-calls',
  setup: `ApiGatewayShifter and CloudFrontShifter with the real SDK against the lab APIs on 127.0.0.1; API Gateway 5 steps (1 → 100%) once; CloudFront 3 steps (1 → 15%), settle poll ${POLL_MS} ms, propagation ${PROPAGATION_MS.join(' and ')} ms, ${REPS} repetition(s) each`,
  figures,
  notes: [`calls are what counts against the services' API rate limits; the CloudFront time per step includes the lab's set propagation time (the shifter waits until Deployed, polling every ${POLL_MS} ms)`],
});
