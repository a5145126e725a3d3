// The lab's day-2 behaviour: back-to-back releases with one fixed targetGroups input (blue → green,
// then green → blue), a person rejecting at the approval prompt, and usage errors exiting 2.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createLabAlb } from '../../lab/aws/lab-alb.ts';
import { runLab, type LabOptions } from '../../lab/run.ts';

const { blueArn, greenArn } = createLabAlb();
const SHORT: Omit<LabOptions, 'scenario'> = { steps: [50, 100], bakeSeconds: 1, pollSeconds: 1, rate: 100, approvalsBefore: [], settleMs: 0, print: () => {} };

describe('lab: alternating releases', () => {
  it('--releases 2: the same input promotes blue → green, then green → blue; traffic ends on blue', async () => {
    const report = await runLab({ ...SHORT, scenario: 'healthy', releases: 2 });
    expect(report.releases).toEqual([
      { direction: 'blue → green', outcome: 'promoted' },
      { direction: 'green → blue', outcome: 'promoted' },
    ]);
    expect(report.correct).toBe(true);
    expect(report.originalWeights).toEqual({ [blueArn]: 1, [greenArn]: 0 });
    expect(report.finalWeights).toEqual({ [blueArn]: 1, [greenArn]: 0 });
    // Healthy releases: nothing failed for users, both groups served, no rollback.
    expect(report.outcome).toBe('promoted');
    expect(report.cause).toBeUndefined();
    expect(report.timeline.steps.map((s) => s.percent)).toEqual([50, 100, 50, 100]);
    expect(report.requests.sent).toBeGreaterThan(100);
    expect(report.requests.failed).toBe(0);
    expect(report.requests.byService.green).toBeGreaterThan(0);
    expect(report.mttdMs).toBeUndefined();
  });
});

describe('lab: usage errors exit 2 and nothing is approved silently', () => {
  const lab = (args: string[], input?: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'lab/main.ts', ...args], { input: input ?? '', encoding: 'utf8', timeout: 20_000 });

  it('--scenario typo exits 2 with the allowed choices', () => {
    const r = lab(['--scenario', 'typo']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("argument 'typo' is invalid. Allowed choices are healthy");
  });

  it('--approve prompt with stdin piped exits 2, saying it cannot prompt, before anything starts', () => {
    const r = lab(['--approve', 'prompt'], 'n\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--approve prompt needs a terminal to ask at');
    expect(r.stdout).not.toContain('approved');
    expect(r.stdout).not.toContain('rollout');
  });
});
