// `canary-switch/schema`: the rollout input's validator, the same function Prepare and the CLI run,
// and its JSON Schema (also shipped as the file canary-switch/rollout-input.schema.json).
//   import { validateInput } from 'canary-switch/schema';
//   const r = validateInput(JSON.parse(text));   // { ok: true, input } or { ok: false, problems: [...] }
export {
  DEFAULTS,
  HISTORY_EVENT_LIMIT,
  RolloutInputSchema,
  validateInput,
  type RolloutInput,
  type RolloutInputRaw,
  type ValidationResult,
} from '../lambdas/domain/input.ts';
export { JSON_SCHEMA_FILE, rolloutInputJsonSchema } from './json-schema.ts';
