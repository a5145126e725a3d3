// Abort on alarm in the lab (issue 14 §6): `npm start -- --scenario broken --poll 30` rolls back
// through the event path. The lab CloudWatch's ALARM state change reaches the real alarm-abort
// handler long before the 30-s poll would: the rollout ends ABORTED by it, at exactly the original
// weights, without a Rollback state. Bounded: the stop ends the run; the poll would end it at 30 s.
import { describe, expect, it } from 'vitest';
import { createLabAlb } from '../../lab/aws/lab-alb.ts';
import { runLab } from '../../lab/run.ts';

const { blueArn, greenArn } = createLabAlb();

describe('lab: broken green with the real 30-s poll', () => {
  it('the alarm event aborts it: original weights restored, the summary names the event path and the MTTD', async () => {
    const report = await runLab({ scenario: 'broken', steps: [10, 100], bakeSeconds: 30, pollSeconds: 30, rate: 100, approvalsBefore: [], settleMs: 0, print: () => {} });
    expect(report.outcome).toBe('rolled-back');
    expect(report.correct).toBe(true);
    expect(report.detectedBy).toBe('alarm event');
    expect(report.cause).toMatch(/^alarm web-green-(5xx|p99) went into ALARM: .*; aborted at once by the alarm event, original weights restored$/);
    expect(report.finalWeights).toEqual({ [blueArn]: 1, [greenArn]: 0 });
    expect(report.finalWeights).toEqual(report.originalWeights);
    // No poll decided it: the only Evaluate would have come 30 s after the shift.
    expect(report.timeline.evaluations).toEqual([]);
    expect(report.mttdMs).toBeGreaterThanOrEqual(0);
    expect(report.decidedAt).toBeGreaterThanOrEqual(report.firstAlarmAt!);
    expect(report.restoredAt).toBeGreaterThanOrEqual(report.decidedAt!);
    expect(report.alarmToRestoredMs).toBe(report.restoredAt! - report.firstAlarmAt!);
  });
});
