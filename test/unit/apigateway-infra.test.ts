// infra/providers/apigateway.ts: the statements are GET and PATCH on exactly the configured stages.
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { apiGatewayInfra } from '../../infra/providers/apigateway.ts';

const STAGES = ['arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod', 'arn:aws:apigateway:eu-west-1::/restapis/z9y8x7w6v5/stages/live'];
const scope = () => new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });

describe('apiGatewayInfra', () => {
  it('reads the config from props.apigateway', () => {
    expect(apiGatewayInfra.config({ apigateway: { stageArns: STAGES } })).toEqual({ stageArns: STAGES });
    expect(apiGatewayInfra.config({})).toBeUndefined();
  });

  it('grants apigateway:GET to read and apigateway:PATCH to write, on the configured stage ARNs only', () => {
    const grants = apiGatewayInfra.grants({ stageArns: STAGES }, scope());
    expect(grants.read.map((s) => s.toStatementJson())).toEqual([{ Action: 'apigateway:GET', Effect: 'Allow', Resource: STAGES }]);
    expect(grants.write.map((s) => s.toStatementJson())).toEqual([{ Action: 'apigateway:PATCH', Effect: 'Allow', Resource: STAGES }]);
    expect(grants.acknowledgements).toBeUndefined();
  });

  it('problems: HTTP API stages and other shapes, a stage in another region, named', () => {
    expect(apiGatewayInfra.problems?.({ stageArns: STAGES.slice(0, 1) }, scope())).toEqual([]);
    expect(apiGatewayInfra.problems?.({ stageArns: STAGES }, scope())).toEqual([expect.stringMatching(/live is in another region than this stack \(us-east-1\)/)]);
    const problems = apiGatewayInfra.problems?.({ stageArns: ['arn:aws:apigateway:us-east-1::/apis/abc123/stages/$default', 'prod'] }, scope()) ?? [];
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/HTTP or WebSocket API stage; those have no canary settings/);
    expect(problems[1]).toMatch(/prod is not a REST API stage ARN/);
    expect(apiGatewayInfra.problems?.({ stageArns: [] }, scope())).toEqual([expect.stringMatching(/empty/)]);
  });

  it('scheduleProblems: a stage outside the configured ones', () => {
    expect(apiGatewayInfra.scheduleProblems?.({ type: 'apigateway', stageArn: STAGES[0] }, { stageArns: STAGES })).toEqual([]);
    expect(apiGatewayInfra.scheduleProblems?.({ type: 'apigateway', stageArn: STAGES[0] }, undefined)).toEqual([expect.stringMatching(/not in this stack's apigateway.stageArns/)]);
  });
});
