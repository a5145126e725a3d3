// The API Gateway provider: its target schema (HTTP APIs refused with the reason), the tenths scale,
// and the shifter with the real SDK client against the lab's API Gateway API on 127.0.0.1: shift,
// restore of the exact original (none, or another canary's settings), promote, and refusals.
import { APIGatewayClient, GetStageCommand } from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CanaryInUse, HttpApiNotSupported, StageNotFound } from '../../lambdas/errors.ts';
import { apiGatewayProvider, ApiGatewayShifter, parseStageArn, type ApiGatewayTarget } from '../../lambdas/providers/traffic/apigateway.ts';
import { ApiGatewayModel, startApiGatewayApi } from '../../lab/aws/apigateway-api.ts';
import type { LocalServer } from '../../lab/aws/local-server.ts';

const credentials = { accessKeyId: 'lab', secretAccessKey: 'lab' };
const STAGE_ARN = 'arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod';
const target: ApiGatewayTarget = { type: 'apigateway', stageArn: STAGE_ARN, deploymentId: 'green1' };

describe('schema', () => {
  const parse = (t: unknown) => apiGatewayProvider.schema.safeParse(t);

  it('accepts the issue’s shape', () => {
    expect(parse(target).success).toBe(true);
    expect(parse({ ...target, apiName: 'orders' }).success).toBe(true);
  });

  it('refuses HTTP APIs (apigatewayv2) naming the reason, and unknown fields', () => {
    const v2 = parse({ ...target, stageArn: 'arn:aws:apigateway:us-east-1::/apis/a1b2c3/stages/$default' });
    expect(v2.success).toBe(false);
    expect(v2.error?.issues.map((i) => i.message).join('\n')).toMatch(/HTTP or WebSocket API.*no canary settings/);
    expect(parse({ ...target, stageArn: 'arn:aws:apigateway:us-east-1::/restapis/a1b2c3' }).error?.issues[0]?.message).toMatch(/not a REST API stage ARN/);
    expect(parse({ ...target, weight: 3 }).success).toBe(false);
    expect(() => parseStageArn('arn:aws:apigateway:us-east-1::/apis/a1b2c3/stages/prod')).toThrow(HttpApiNotSupported);
  });

  it('stepWeights: tenths of a percent, every one-decimal step exact', () => {
    const original = { actions: [], weights: { stage: 1000, canary: 0 } };
    for (const p of [0.1, 2.5, 10, 33.3, 99.9, 100]) {
      const w = apiGatewayProvider.stepWeights(original, target, p);
      expect(w).toMatchObject({ ok: true, weights: { stage: 1000 - Math.round(p * 10), canary: Math.round(p * 10) }, split: p });
    }
  });

  it('metrics: AWS/ApiGateway by ApiName and Stage, the canary under <stage>/Canary; none without apiName', () => {
    expect(apiGatewayProvider.metrics?.(target)).toBeUndefined();
    expect(apiGatewayProvider.metrics?.({ ...target, apiName: 'orders' })).toEqual({
      namespace: 'AWS/ApiGateway',
      stable: [
        { Name: 'ApiName', Value: 'orders' },
        { Name: 'Stage', Value: 'prod' },
      ],
      canary: [
        { Name: 'ApiName', Value: 'orders' },
        { Name: 'Stage', Value: 'prod/Canary' },
      ],
      metrics: { requests: 'Count', errors: '5XXError', latency: 'Latency', latencyUnit: 'Milliseconds' },
    });
  });
});

describe('shifter against the lab API Gateway API (real SDK)', () => {
  let model: ApiGatewayModel;
  let api: LocalServer;
  let sdk: APIGatewayClient;
  const stage = async () => {
    const s = await sdk.send(new GetStageCommand({ restApiId: 'a1b2c3d4e5', stageName: 'prod' }));
    return { deploymentId: s.deploymentId, variables: s.variables, canarySettings: s.canarySettings };
  };

  beforeAll(async () => {
    model = new ApiGatewayModel();
    api = await startApiGatewayApi(model);
    sdk = new APIGatewayClient({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    sdk.destroy();
    await api.close();
  });
  beforeEach(() => {
    model.createRestApi('a1b2c3d4e5', 'orders');
    for (const d of ['blue1', 'green1', 'other1']) model.createDeployment('a1b2c3d4e5', d);
    model.createStage('a1b2c3d4e5', { stageName: 'prod', deploymentId: 'blue1', variables: { color: 'blue' } });
  });
  const shifter = () => new ApiGatewayShifter(sdk, target);

  it('shifts with canarySettings patches, then restores "no canary" exactly', async () => {
    const original = await shifter().read();
    expect(original.weights).toEqual({ stage: 1000, canary: 0 });
    const after = await shifter().apply({ weights: { stage: 995, canary: 5 } });
    expect(after.weights).toEqual({ stage: 995, canary: 5 });
    expect(await stage()).toEqual({ deploymentId: 'blue1', variables: { color: 'blue' }, canarySettings: { deploymentId: 'green1', percentTraffic: 0.5, useStageCache: false } });
    await shifter().apply({ weights: { stage: 0, canary: 1000 } });
    expect((await stage()).canarySettings?.percentTraffic).toBe(100);
    const restored = await shifter().restore(original);
    expect(restored.weights).toEqual({ stage: 1000, canary: 0 });
    expect(await stage()).toEqual({ deploymentId: 'blue1', variables: { color: 'blue' } });
  });

  it('keeps the stage variable overrides and useStageCache, and restores another canary’s settings exactly', async () => {
    model.updateStage('a1b2c3d4e5', 'prod', [
      { op: 'replace', path: '/canarySettings/deploymentId', value: 'other1' },
      { op: 'replace', path: '/canarySettings/useStageCache', value: 'true' },
      { op: 'replace', path: '/canarySettings/stageVariableOverrides/color', value: 'green' },
    ]);
    const before = await stage();
    const original = await shifter().read();
    expect(original.weights).toEqual({ stage: 1000, canary: 0 });
    await shifter().apply({ weights: { stage: 900, canary: 100 } });
    expect((await stage()).canarySettings).toEqual({ deploymentId: 'green1', percentTraffic: 10, useStageCache: true, stageVariableOverrides: { color: 'green' } });
    await shifter().restore(original);
    expect(await stage()).toEqual(before);
  });

  it('refuses a stage whose canary already serves another deployment, and an unknown stage', async () => {
    model.updateStage('a1b2c3d4e5', 'prod', [
      { op: 'replace', path: '/canarySettings/deploymentId', value: 'other1' },
      { op: 'replace', path: '/canarySettings/percentTraffic', value: '20' },
    ]);
    const before = await stage();
    await expect(shifter().apply({ weights: { stage: 900, canary: 100 } })).rejects.toThrow(CanaryInUse);
    expect(await stage()).toEqual(before);
    const missing = new ApiGatewayShifter(sdk, { ...target, stageArn: STAGE_ARN.replace('/prod', '/nope') });
    await expect(missing.read()).rejects.toThrow(StageNotFound);
  });

  it('promote: the stage takes the canary deployment and overrides, the canary settings are removed; promote again is a no-op', async () => {
    await shifter().apply({ weights: { stage: 0, canary: 1000 } });
    model.updateStage('a1b2c3d4e5', 'prod', [{ op: 'replace', path: '/canarySettings/stageVariableOverrides/color', value: 'green' }]);
    const promoted = await shifter().promote();
    expect(promoted.weights).toEqual({ stage: 0, canary: 1000 });
    expect(await stage()).toEqual({ deploymentId: 'green1', variables: { color: 'green' } });
    const calls = model.callCount('UpdateStage');
    await shifter().promote();
    expect(model.callCount('UpdateStage')).toBe(calls);
    // A rollback after the promotion (safety net) still puts the original back exactly.
    await shifter().restore({ actions: [{ deploymentId: 'blue1', variables: { color: 'blue' } }], weights: { stage: 1000, canary: 0 } });
    expect(await stage()).toEqual({ deploymentId: 'blue1', variables: { color: 'blue' } });
  });

  it('a stage without variables: promotion adds the overrides, restore removes them again (empty and absent maps are the same)', async () => {
    model.createStage('a1b2c3d4e5', { stageName: 'bare', deploymentId: 'blue1' });
    const bare = new ApiGatewayShifter(sdk, { ...target, stageArn: STAGE_ARN.replace('/prod', '/bare') });
    const original = await bare.read();
    await bare.apply({ weights: { stage: 0, canary: 1000 } });
    model.updateStage('a1b2c3d4e5', 'bare', [{ op: 'replace', path: '/canarySettings/stageVariableOverrides/color', value: 'green' }]);
    await bare.promote();
    expect(model.getStage('a1b2c3d4e5', 'bare')).toMatchObject({ deploymentId: 'green1', variables: { color: 'green' } });
    await bare.restore(original);
    const after = model.getStage('a1b2c3d4e5', 'bare');
    expect({ deploymentId: after.deploymentId, variables: after.variables, canarySettings: after.canarySettings }).toEqual({ deploymentId: 'blue1', variables: {}, canarySettings: undefined });
  });

  it('apply with the weights already there writes nothing', async () => {
    await shifter().apply({ weights: { stage: 990, canary: 10 } });
    const calls = model.callCount('UpdateStage');
    await shifter().apply({ weights: { stage: 990, canary: 10 } });
    expect(model.callCount('UpdateStage')).toBe(calls);
  });
});
