// The rollout input's JSON Schema (schema/json-schema.ts, shipped as
// dist/rollout-input.schema.json): generated from the zod schema, usable by a standard validator
// (Ajv, JSON Schema 2020-12, strict), and agreeing with validateInput on every per-field rule.
// Cross-field rules are the validator's alone; the table shows that boundary.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { validateInput } from '../../lambdas/domain/input.ts';
import { rolloutInputJsonSchema } from '../../schema/json-schema.ts';

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2';
const RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
const STABLE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067';
const CANARY = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/83e2d6bc24d8a068';

const schema = rolloutInputJsonSchema();
const check = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

const target = { listenerArn: LISTENER, stable: STABLE, canary: CANARY };
const valid = { target, steps: [1, 10, 20, 50, 100], bakeSeconds: 600, pollSeconds: 30, alarms: ['web-green-5xx'], approvals: { before: [50] }, slack: { channel: 'C0123456' } };

describe('rollout-input.schema.json', () => {
  it('is JSON Schema 2020-12 that Ajv compiles in strict mode, with the defaults of the zod schema', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const props = schema.properties as Record<string, { default?: unknown }>;
    expect({ required: schema.required, additional: schema.additionalProperties, steps: props.steps!.default, bake: props.bakeSeconds!.default, poll: props.pollSeconds!.default }).toEqual({
      required: ['target'],
      additional: false,
      steps: [1, 10, 20, 50, 100],
      bake: 600,
      poll: 30,
    });
  });

  it.each([
    ['the smallest input (defaults left out)', { target }],
    ['every field', valid],
    ['a rule instead of the default action', { target: { ...target, ruleArn: RULE } }],
  ])('accepts what validateInput accepts: %s', (_name, input) => {
    expect(validateInput(input).ok).toBe(true);
    expect({ ok: check(input), errors: check.errors ?? null }).toEqual({ ok: true, errors: null });
  });

  it.each([
    ['no target', { steps: [100] }, '', 'target'],
    ['a listener that is a target group ARN', { target: { ...target, listenerArn: STABLE } }, '/target/listenerArn', 'target.listenerArn'],
    ['an unknown field', { target, bakeMinutes: 10 }, '', 'bakeMinutes'],
    ['an unknown target field', { target: { ...target, weight: 5 } }, '/target', 'weight'],
    ['a step of 0', { target, steps: [0, 100] }, '/steps/0', 'steps[0]'],
    ['a step over 100', { target, steps: [50, 150] }, '/steps/1', 'steps[1]'],
    ['bake of 0 seconds', { target, bakeSeconds: 0 }, '/bakeSeconds', 'bakeSeconds'],
    ['a fractional poll', { target, pollSeconds: 1.5 }, '/pollSeconds', 'pollSeconds'],
    ['an unknown insufficientData', { target, insufficientData: 'maybe' }, '/insufficientData', 'insufficientData'],
    ['an approval timeout under a minute', { target, approvals: { timeoutSeconds: 30 } }, '/approvals/timeoutSeconds', 'approvals.timeoutSeconds'],
    ['a channel name instead of an id', { target, slack: { channel: '#web' } }, '/slack/channel', 'slack.channel'],
  ])('rejects what validateInput rejects, at the same field: %s', (_name, input, path, field) => {
    const zod = validateInput(input);
    expect(zod.ok).toBe(false);
    expect(zod.ok ? [] : zod.problems.join('\n')).toContain(field);
    expect(check(input)).toBe(false);
    expect(check.errors!.map((e) => e.instancePath)).toContain(path);
  });

  it.each([
    ['steps not increasing', { target, steps: [10, 5, 100] }],
    ['steps not ending at 100', { target, steps: [1, 10] }],
    ['poll longer than bake', { target, bakeSeconds: 60, pollSeconds: 120 }],
    ['an approval before a step that is not in the plan', { target, approvals: { before: [30] } }],
    ['a step with two decimals', { target, steps: [0.15, 100] }],
    ['stable and canary the same target group', { target: { ...target, canary: STABLE } }],
  ])('leaves cross-field rules to validateInput (`canary-switch plan`): %s', (_name, input) => {
    expect(check(input)).toBe(true);
    expect(validateInput(input).ok).toBe(false);
  });
});
