// docs/errors.md has one entry per error class in lambdas/errors.ts (and per error only the state
// machine ends with), each saying when it happens, what state the traffic is in and the fix; and no
// entry for an error that no longer exists.
import { describe, expect, it } from 'vitest';
import * as errors from '../../lambdas/errors.ts';
import { loadDefinition } from '../../lab/local-workflow.ts';
import { readDoc } from '../support/docs.ts';

const doc = readDoc('docs/errors.md');

/** `### \`Name\`` headings and the text under each, up to the next heading. */
function entries(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = markdown.split(/^### `([^`]+)`\s*$/m);
  for (let i = 1; i < parts.length; i += 2) out.set(parts[i]!, (parts[i + 1] ?? '').split(/^#{1,3} /m)[0]!);
  return out;
}

const classes = Object.entries(errors)
  .filter(([, value]) => typeof value === 'function' && (value === Error || value.prototype instanceof Error))
  .map(([name]) => name);
/** The Error of every Fail state that sets one, and the execution timeout. */
const stateMachineOnly = [
  ...Object.values(loadDefinition().States as Record<string, { Type: string; Error?: string }>)
    .filter((s) => s.Type === 'Fail' && s.Error !== undefined)
    .map((s) => s.Error!),
  'States.Timeout',
].filter((name) => !classes.includes(name));

describe('docs/errors.md', () => {
  const documented = entries(doc);

  it('finds the error classes (the test reads lambdas/errors.ts, not a list of its own)', () => {
    expect(classes).toContain('InvalidInput');
    expect(classes.length).toBeGreaterThan(10);
  });

  it.each(classes)('documents %s: when, the traffic, the fix', (name) => {
    const entry = documented.get(name);
    expect(entry, `docs/errors.md has no "### \`${name}\`" entry; add one (when / traffic / fix)`).toBeDefined();
    for (const part of ['**When**', '**Traffic**', '**Fix**']) expect(entry, `${name}: ${part}`).toContain(part);
  });

  it.each(stateMachineOnly)('documents the state machine error %s', (name) => {
    expect(documented.get(name), `docs/errors.md has no "### \`${name}\`" entry`).toBeDefined();
  });

  it('has no entry for an error that does not exist', () => {
    const known = new Set([...classes, ...stateMachineOnly]);
    expect([...documented.keys()].filter((name) => !known.has(name))).toEqual([]);
  });
});
