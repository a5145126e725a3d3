// Inputs that are not even an object end in PrepareFailed with Prepare's InvalidInput message, not
// in a Step Functions data error: the real ASL (aws-local-stepfunctions) and the real Prepare handler.
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../../lab/local-workflow.ts';
import { execArn, originalActions, type Bench, withBench } from './harness.ts';

let bench: Bench;
let runs = 0;
withBench((b) => (bench = b));

const entered = (events: { type: string; state?: string }[]) => events.filter((e) => e.type === 'StateEntered').map((e) => e.state);

describe('a non-object execution input', () => {
  it.each([
    ['an array', [1, 2], 'input: [1,2] is not a JSON object'],
    ['a string', 'text', 'input: "text" is not a JSON object'],
    ['a number', 42, 'input: 42 is not a JSON object'],
  ])('%s ends in PrepareFailed with InvalidInput, traffic untouched', async (_what, input, message) => {
    const r = runWorkflow(input, { executionArn: execArn(`bad-input-${++runs}`), bakeMs: 0, retryMs: 0 });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect((result as { cause: string }).cause).toContain(message);
    expect(entered(r.events)).toEqual(['Prepare', 'PrepareFailed']);
    expect(bench.modifyCalls()).toBe(0);
    expect(bench.actions).toEqual(originalActions());
  });
});
