// `npm start -- --provider apigateway | cloudfront`, shortened: whole lab rollouts through the real
// state machine and handlers (npm run test:lab; the APIs alone are in edge-apis.test.ts).
import { describe, expect, it } from 'vitest';
import { runLab, type LabOptions } from '../../lab/run.ts';

describe('npm start -- --provider apigateway | cloudfront, shortened', () => {
  const SHORT: Omit<LabOptions, 'scenario' | 'steps'> = { bakeSeconds: 1, pollSeconds: 1, rate: 100, approvalsBefore: [], settleMs: 0, print: () => {} };

  it('apigateway, healthy: promoted; the stage serves the new deployment alone', async () => {
    const report = await runLab({ ...SHORT, provider: 'apigateway', scenario: 'healthy', steps: [10, 100] });
    expect({ outcome: report.outcome, correct: report.correct }).toEqual({ outcome: 'promoted', correct: true });
    expect(report.originalWeights).toEqual({ stage: 1000, canary: 0 });
    expect(report.finalWeights).toEqual({ stage: 0, canary: 1000 });
  });

  it('cloudfront, healthy: the 100% step promotes the staging configuration', async () => {
    const report = await runLab({ ...SHORT, provider: 'cloudfront', scenario: 'healthy', steps: [5, 100] });
    expect({ outcome: report.outcome, correct: report.correct }).toEqual({ outcome: 'promoted', correct: true });
    expect(report.finalWeights).toEqual({ primary: 0, staging: 1000 });
  });

  it('cloudfront, broken: rolled back to exactly the original policy', async () => {
    const report = await runLab({ ...SHORT, provider: 'cloudfront', scenario: 'broken', steps: [5, 15, 100] });
    expect({ outcome: report.outcome, correct: report.correct }).toEqual({ outcome: 'rolled-back', correct: true });
    expect(report.timeline.weights.some((w) => (w.weights.staging ?? 0) > 0)).toBe(true);
    expect(report.finalWeights).toEqual({ primary: 1000, staging: 0 });
  });
});
