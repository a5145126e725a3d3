// A stack that shifts only an API Gateway stage and a CloudFront distribution pair: the Shift
// function may PATCH exactly the stage and update exactly the distributions, and nothing of ELBv2.
// (cdk-nag over every provider is test/infra/nag.test.ts's; a nag synth costs too much to repeat.)
import { describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, statementsOf, synth } from './fixtures.ts';

const STAGE = `arn:aws:apigateway:${REGION}::/restapis/a1b2c3d4e5/stages/prod`;
const DISTS = ['E1PRIMARY0001', 'E2STAGING0001'];

describe('API Gateway and CloudFront in the stack', () => {
  it('grants the writes on exactly the configured stage and distributions', () => {
    const { template } = synth({ apigateway: { stageArns: [STAGE] }, cloudfront: { distributionIds: DISTS, continuousDeploymentPolicyIds: ['cdp-1'] } });
    const shift = statementsOf(template, 'Shift');
    const writes = shift.filter((s) => s.Action.some((a) => /apigateway:PATCH|cloudfront:Update/.test(a)));
    const text = JSON.stringify(writes);
    expect(writes.find((s) => s.Action.includes('apigateway:PATCH'))?.Resource).toEqual([STAGE]);
    for (const id of DISTS) expect(text).toContain(`:cloudfront::${ACCOUNT}:distribution/${id}`);
    expect(text).not.toMatch(/distribution\/\*|policy\/\*/);
    expect(shift.some((s) => s.Action.some((a) => a.startsWith('elasticloadbalancing:Modify')))).toBe(false);
  });
});
