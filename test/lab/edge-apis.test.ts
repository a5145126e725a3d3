// The lab's API Gateway and CloudFront backends end to end on 127.0.0.1: the real provider shifters
// (real SDK clients pointed at the lab APIs) move real requests through the weighted proxy between
// the blue and green services; promotion leaves everything on green, restore everything on blue.
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiGatewayShifter, type ApiGatewayTarget } from '../../lambdas/providers/traffic/apigateway.ts';
import { CloudFrontShifter, type CloudFrontTarget } from '../../lambdas/providers/traffic/cloudfront.ts';
import { apiGatewayLab } from '../../lab/providers/apigateway.ts';
import { cloudFrontLab } from '../../lab/providers/cloudfront.ts';
import type { LabBackend } from '../../lab/providers/provider.ts';
import { TrafficMetrics } from '../../lab/traffic/metrics.ts';
import { startServices } from '../../lab/traffic/services.ts';
import { accepts } from './fixtures.ts';

const credentials = { accessKeyId: 'lab', secretAccessKey: 'lab' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(provider: typeof apiGatewayLab): Promise<LabBackend> {
  const services = await startServices();
  const backend = await provider.start({ blue: services.blue.url, green: services.green.url }, new TrafficMetrics());
  cleanups.push(services.close, backend.close);
  return backend;
}

/** Colors of `n` requests through the lab's data plane. */
async function colors(backend: LabBackend, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const { color } = (await (await fetch(backend.trafficUrl)).json()) as { color: string };
    out[color] = (out[color] ?? 0) + 1;
  }
  return out;
}

describe('lab API Gateway', () => {
  it('the stage canary moves requests to green; promote keeps them there; restore brings them back', async () => {
    const lab = await start(apiGatewayLab);
    const sdk = new APIGatewayClient({ region: 'us-east-1', endpoint: lab.endpoints.AWS_ENDPOINT_URL_API_GATEWAY, credentials, maxAttempts: 1 });
    cleanups.push(async () => sdk.destroy());
    const shifter = new ApiGatewayShifter(sdk, lab.target as ApiGatewayTarget);
    const original = await shifter.read();
    expect(await colors(lab, 10)).toEqual({ blue: 10 });
    await shifter.apply({ weights: { stage: 0, canary: 1000 } });
    expect(lab.weights()).toEqual({ stage: 0, canary: 1000 });
    expect(await colors(lab, 10)).toEqual({ green: 10 });
    await shifter.promote();
    expect(await colors(lab, 10)).toEqual({ green: 10 });
    await shifter.restore(original);
    expect(lab.weights()).toEqual({ stage: 1000, canary: 0 });
    expect(await colors(lab, 10)).toEqual({ blue: 10 });
  });
});

describe('lab CloudFront', () => {
  it('a policy step reaches requests once deployed; the promotion sends everything to green; close leaves nothing listening', async () => {
    const lab = await start(cloudFrontLab);
    const sdk = new CloudFrontClient({ region: 'us-east-1', endpoint: lab.endpoints.AWS_ENDPOINT_URL_CLOUDFRONT, credentials, maxAttempts: 1 });
    cleanups.push(async () => sdk.destroy());
    const shifter = new CloudFrontShifter(sdk, lab.target as CloudFrontTarget, { settlePollMs: 50 });
    expect((await shifter.read()).weights).toEqual({ primary: 1000, staging: 0 });
    await shifter.apply({ weights: { primary: 850, staging: 150 } });
    expect(lab.weights()).toEqual({ primary: 850, staging: 150 });
    await shifter.promote();
    expect(lab.weights()).toEqual({ primary: 0, staging: 1000 });
    expect(await colors(lab, 10)).toEqual({ green: 10 });
    const port = Number(new URL(lab.trafficUrl).port);
    await lab.close();
    expect(await accepts(port)).toBe(false);
  });
});
