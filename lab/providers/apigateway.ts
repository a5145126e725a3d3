// The lab's API Gateway: a REST API `lab-api` whose stage `prod` serves deployment `blue1` (the
// blue service), with deployment `green1` (the green service) to roll out as the stage's canary.
// The lab API Gateway API (REST-JSON) holds the stage; the weighted proxy routes each request to
// the deployment the stage's canary settings pick, as API Gateway does (at random, by percentTraffic).
import { ApiGatewayModel, startApiGatewayApi, type LabStage } from '../aws/apigateway-api.ts';
import { startProxy } from '../traffic/proxy.ts';
import type { LabProvider } from './provider.ts';

const API_ID = 'a1b2c3d4e5';
const API_NAME = 'lab-api';
const STAGE = 'prod';
const BLUE = 'blue1';
const GREEN = 'green1';
/** TrafficState.weights keys of the apigateway provider (lambdas/providers/traffic/apigateway.ts SIDES). */
const SIDE_OF: Record<string, string> = { [BLUE]: 'stage', [GREEN]: 'canary' };

/** Tenths of a percent per side, from who serves what on the stage now. */
export function stageShares(stage: LabStage): Record<string, number> {
  const canary = stage.canarySettings;
  const tenths = canary ? Math.round((canary.percentTraffic ?? 0) * 10) : 0;
  const out: Record<string, number> = { stage: 0, canary: 0 };
  const add = (deployment: string | undefined, share: number) => {
    const side = SIDE_OF[deployment ?? ''];
    if (side) out[side] = (out[side] ?? 0) + share;
  };
  add(stage.deploymentId, 1000 - tenths);
  if (canary) add(canary.deploymentId ?? stage.deploymentId, tenths);
  return out;
}

export const apiGatewayLab: LabProvider = {
  name: 'apigateway',
  async start(services, metrics) {
    const model = new ApiGatewayModel();
    model.createRestApi(API_ID, API_NAME);
    model.createDeployment(API_ID, BLUE, 'blue');
    model.createDeployment(API_ID, GREEN, 'green');
    model.createStage(API_ID, { stageName: STAGE, deploymentId: BLUE, variables: { release: 'blue' } });
    const api = await startApiGatewayApi(model);
    const proxy = await startProxy({
      source: { weights: () => stageShares(model.getStage(API_ID, STAGE)), onChange: (fn) => model.onChange(() => fn()) },
      targets: { stage: services.blue, canary: services.green },
      metrics,
    });
    return {
      // No apiName: the lab's CloudWatch publishes ALB metrics only, so the judge (which reads AWS/ApiGateway
      // by ApiName) would find no requests and hold; alarms on the lab's per-side counts watch the canary.
      target: { type: 'apigateway', stageArn: `arn:aws:apigateway:us-east-1::/restapis/${API_ID}/stages/${STAGE}`, deploymentId: GREEN },
      sides: { blue: 'stage', green: 'canary' },
      dimensions: { blue: { ApiName: API_NAME, Stage: STAGE }, green: { ApiName: API_NAME, Stage: `${STAGE}/Canary` } },
      endpoints: { AWS_ENDPOINT_URL_API_GATEWAY: api.url },
      trafficUrl: proxy.url,
      weights: () => proxy.weights(),
      weightHistory: () => proxy.weightHistory(),
      planWeights: (percent) => ({ stable: 1000 - Math.round(percent * 10), canary: Math.round(percent * 10) }),
      notes: [`API Gateway: stage ${STAGE} of REST API ${API_NAME} serves deployment ${BLUE} (blue); the canary rolls out ${GREEN} (green) in 0.1% steps, then promotes.`],
      async close() {
        await proxy.close();
        await api.close();
      },
    };
  },
};
