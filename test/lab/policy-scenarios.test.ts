// The lab's policy scenarios on loopback (issue 14 §6): `window` holds until its window opens a few
// seconds after the start, then promotes; `capacity` holds before the step its healthy targets cannot
// carry, then proceeds once the second green target is healthy. Short bakes; two runs.
import { describe, expect, it } from 'vitest';
import { createLabAlb } from '../../lab/aws/lab-alb.ts';
import { runLab, type LabOptions } from '../../lab/run.ts';
import { WINDOW_OPENS_AFTER_SECONDS } from '../../lab/policy-scenarios.ts';

const { blueArn, greenArn } = createLabAlb();
const SHORT: Omit<LabOptions, 'scenario'> = { steps: [10, 100], bakeSeconds: 2, pollSeconds: 1, rate: 100, approvalsBefore: [], settleMs: 0, print: () => {} };

describe('lab policy scenarios', () => {
  it('window: no traffic moves before the window opens; then it proceeds and promotes', async () => {
    const report = await runLab({ ...SHORT, scenario: 'window' });
    expect({ outcome: report.outcome, correct: report.correct, cause: report.cause }).toEqual({ outcome: 'promoted', correct: true, cause: undefined });
    const firstShift = report.timeline.weights.find((w) => (w.weights[greenArn] ?? 0) > 0);
    expect(firstShift!.at - report.startedAt).toBeGreaterThanOrEqual((WINDOW_OPENS_AFTER_SECONDS - 1) * 1000);
    expect(report.finalWeights).toEqual({ [blueArn]: 0, [greenArn]: 1 });
  }, 60_000);

  it('capacity: held before 100% with 1 of 2 green targets healthy (not rolled back), then promoted', async () => {
    const report = await runLab({ ...SHORT, steps: [50, 100], scenario: 'capacity' });
    expect({ outcome: report.outcome, correct: report.correct, cause: report.cause }).toEqual({ outcome: 'promoted', correct: true, cause: undefined });
    expect(report.finalWeights).toEqual({ [blueArn]: 0, [greenArn]: 1 });
  }, 60_000);
});
