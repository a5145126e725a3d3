// `npm start -- --provider nlb --scenario broken`, short: the real state machine and handlers shift the
// lab NLB's TCP listener (listener/net/…) through the ELBv2 API, the 5xx alarm fires on the HTTP
// metered through the TCP proxy, and the rollback restores exactly the original weights.
import { describe, expect, it } from 'vitest';
import { createLabNlb } from '../../lab/aws/lab-fleet.ts';
import { runLab } from '../../lab/run.ts';

const { blueArn, greenArn } = createLabNlb();

describe('lab --provider nlb end to end', () => {
  it('broken green: rolled back to exactly the original weights; green got connections first', async () => {
    const lines: string[] = [];
    const report = await runLab({ provider: 'nlb', scenario: 'broken', steps: [10, 100], bakeSeconds: 2, pollSeconds: 1, rate: 100, approvalsBefore: [], settleMs: 0, print: (l) => lines.push(l) });
    expect(report.outcome).toBe('rolled-back');
    expect(report.correct).toBe(true);
    // Green's alarms: its 5xx rate, or on a starved machine its p99 first (both judge green only).
    expect(report.cause).toMatch(/alarm web-green-(5xx|p99) (in ALARM|went into ALARM)/);
    expect(report.targets).toEqual({ blueArn, greenArn });
    expect(report.originalWeights).toEqual({ [blueArn]: 1, [greenArn]: 0 });
    expect(report.finalWeights).toEqual(report.originalWeights);
    expect(report.timeline.weights.some((w) => (w.weights[greenArn] ?? 0) > 0)).toBe(true);
    expect(report.requests.byService.green).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes('per NEW TCP connection'))).toBe(true);
    expect(lines.some((l) => /after the weights were restored, green still answered \d+ request/.test(l))).toBe(true);
  });
});
