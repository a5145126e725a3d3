// An ALARM episode that starts and ends between two polls, through the real ASL and handlers: the
// Evaluate after it reads the alarm's history, rolls back, and the listener is back at the exact
// original. An episode that ended before the rollout moved traffic is not held against it.
import { DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { runWorkflow, type WorkflowOptions } from '../../lab/local-workflow.ts';
import { BLUE, GREEN, OTHER, execArn, originalActions, rolloutInput, type Bench, withBench } from './harness.ts';

let bench: Bench;
let runs = 0;
withBench((b) => (bench = b));

/** Each Bake "waits" by moving the handlers' clock forward by pollSeconds. */
function run(input: Record<string, unknown>, beforeEvaluate?: WorkflowOptions['beforeEvaluate']) {
  const pollSeconds = Number(input.pollSeconds);
  return runWorkflow(input, {
    executionArn: execArn(`episodes-${++runs}`),
    bakeMs: 0,
    retryMs: 0,
    beforeEvaluate: async (state) => {
      bench.clock.now += pollSeconds * 1000;
      await beforeEvaluate?.(state);
    },
  });
}

const START = Date.parse('2026-11-22T10:00:00Z');

describe('ALARM episodes between polls (real ASL, real handlers)', () => {
  it('an alarm in ALARM for 5 s inside a 30-s poll, OK again at the poll, rolls back to the exact original', async () => {
    let injected = false;
    const r = run(rolloutInput({ pollSeconds: 30, bakeSeconds: 60 }), (state) => {
      if (state.position !== 1 || injected) return;
      injected = true;
      const now = bench.clock.now;
      // Other alarms' changes first, so the episode is on a later page of the account-wide history.
      bench.alarmHistory.push(
        { alarm: 'api-5xx', at: now - 29_000, from: 'OK', to: 'ALARM' },
        { alarm: 'api-5xx', at: now - 28_000, from: 'ALARM', to: 'OK' },
        { alarm: 'web-green-5xx', at: now - 20_000, from: 'OK', to: 'ALARM' },
        { alarm: 'web-green-5xx', at: now - 15_000, from: 'ALARM', to: 'OK' },
      );
      // The alarm's state at the poll is OK: only the history shows the episode.
      expect(bench.alarms.get('web-green-5xx')).toBe('OK');
    });
    const result = await r.result;
    expect(result).toEqual({
      status: 'FAILED',
      error: 'RolledBack',
      cause: 'alarm web-green-5xx was in ALARM from 10:01:10 to 10:01:15 UTC at step 10% (Threshold Crossed: 1 datapoint [0.5] was greater than the threshold (0.05).)',
    });
    expect(bench.actions).toEqual(originalActions());
    expect(bench.weights()).toEqual({ [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 });
    // Decided at the first poll after the episode: two pages of history were read for it.
    const reads = bench.cw.commandCalls(DescribeAlarmHistoryCommand).map((c) => c.args[0].input);
    expect(reads.at(-1)?.NextToken).toBe('2');
    expect(r.events.filter((e) => e.type === 'StateEntered' && e.state === 'Evaluate')).toHaveLength(3);
  });

  it('an alarm that was in ALARM before the rollout started and recovered does not stop it', async () => {
    bench.alarmHistory.push({ alarm: 'web-green-5xx', at: START - 40_000, from: 'OK', to: 'ALARM' }, { alarm: 'web-green-5xx', at: START - 10_000, from: 'ALARM', to: 'OK' });
    const r = run(rolloutInput({ pollSeconds: 30, bakeSeconds: 60 }));
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
    // The first Evaluate's window did reach back over that episode.
    expect(bench.cw.commandCalls(DescribeAlarmHistoryCommand)[0]?.args[0].input.StartDate?.getTime()).toBeLessThan(START - 40_000);
  });
});
