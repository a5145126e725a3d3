// targetGroups inputs in the CLI: plan says the direction is decided at start; status names the
// direction Prepare chose (from the rollout state in the execution history).
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARN, alarmsAre, bakingAtTenPercent, describeOutput, harness, historyOf, listenerAt } from './harness.ts';

const PAIR_INPUT = { target: { listenerArn: ARN.listener, targetGroups: [ARN.blue, ARN.green] }, alarms: ['web-green-5xx', 'web-green-p99'] };

describe('canary-switch with targetGroups', () => {
  it('plan: direction decided at start from live weights', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'canary-switch-plan-')), 'pair.json');
    writeFileSync(file, JSON.stringify(PAIR_INPUT));
    const h = harness();
    expect(await h.run('plan', file)).toBe(0);
    const lines = h.stdout().split('\n');
    expect(lines[0]).toBe('Rollout plan: listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2: blue ↔ green (direction: decided at start from live weights)');
    expect(lines[3]).toMatch(/^ {2}step {2}canary {2}ALB weights stable:canary/);
  });

  it('status: names the direction Prepare chose', async () => {
    const h = harness();
    h.sfn.on(DescribeExecutionCommand).resolves(describeOutput({ input: JSON.stringify(PAIR_INPUT) }));
    h.sfn.on(GetExecutionHistoryCommand).resolves({ events: historyOf(bakingAtTenPercent().steps) });
    listenerAt(h, 9, 1);
    alarmsAre(h, { 'web-green-5xx': 'OK', 'web-green-p99': 'OK' });
    expect(await h.run('status', ARN.execution)).toBe(0);
    expect(h.stdout()).toContain('  target    listener app/web/50dc6c495c0c9188/f2f7dc8efc522ab2: blue → green (direction decided at start from live weights)\n');
  });
});
