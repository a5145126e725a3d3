// The rollout input as a JSON Schema, generated from the one zod schema (lambdas/domain/input.ts)
// so editors and CI can check rollout files without running our code. It says what JSON Schema
// can say: fields, types, ARN patterns, ranges, enums, defaults, no unknown fields. Rules across
// fields (steps strictly increasing and ending at 100, poll ≤ bake, approvals naming a step, the
// 25,000-event history limit, one decimal per percentage) need the validator: `canary-switch plan`
// or validateInput from canary-switch/schema.
import * as z from 'zod';
import { RolloutInputSchema } from '../lambdas/domain/input.ts';

/** The file name in the package (dist/<name>) and in its exports map (canary-switch/<name>). */
export const JSON_SCHEMA_FILE = 'rollout-input.schema.json';

/** The input as a file may give it: fields with defaults are optional (zod's `input` side). */
export function rolloutInputJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(RolloutInputSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'throw' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'canary-switch rollout input',
    description:
      'The input of a canary-switch rollout (Step Functions "Start execution", EventBridge Scheduler, `canary-switch start`). ' +
      'Generated from the validator; cross-field rules (steps increasing to 100, pollSeconds ≤ bakeSeconds, approvals.before naming a step, ' +
      'the history-event limit, one decimal per percentage) are checked by `canary-switch plan`.',
    ...rest,
  };
}

/** The file's text: what scripts/build.ts writes and the package test compares. */
export const jsonSchemaText = (): string => `${JSON.stringify(rolloutInputJsonSchema(), null, 2)}\n`;
