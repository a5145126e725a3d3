// docs/input.md (and docs/providers/*.md for a provider's own target fields) cannot drift from the
// schema: every field of the rollout input has a row `| \`path\` | default | constraints | meaning |`,
// and every default, bound and allowed value the schema has is in that row.
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { RolloutInputSchema } from '../../lambdas/domain/input.ts';
import { markdownFiles, readDoc } from '../support/docs.ts';

type Json = Record<string, unknown>;
interface Field {
  path: string;
  schema: Json;
}

/** Every property path of a JSON Schema, unions (anyOf/oneOf/allOf) merged. */
function fields(schema: Json, prefix = ''): Field[] {
  const out: Field[] = [];
  const variants = [schema, ...(['anyOf', 'oneOf', 'allOf'] as const).flatMap((k) => (schema[k] as Json[] | undefined) ?? [])];
  for (const variant of variants) {
    for (const [key, sub] of Object.entries((variant.properties as Record<string, Json> | undefined) ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.push({ path, schema: sub }, ...fields(sub, path));
    }
  }
  return out;
}

// The target is a union of every provider's target forms (lambdas/providers/traffic/index.ts); fields() merges them.
const schemas = [z.toJSONSchema(RolloutInputSchema, { io: 'input', unrepresentable: 'any' }) as Json];
const all = new Map<string, Json[]>();
for (const f of schemas.flatMap((s) => fields(s))) all.set(f.path, [...(all.get(f.path) ?? []), f.schema]);

const pages = ['docs/input.md', ...markdownFiles().filter((f) => f.startsWith('docs/providers/'))];
const rows = new Map<string, string>();
for (const page of pages) {
  for (const line of readDoc(page).split('\n')) {
    const m = /^\| `([^`]+)` \|/.exec(line);
    if (m && !rows.has(m[1]!)) rows.set(m[1]!, line);
  }
}

/** Compare without spaces and thousands separators: `[1, 10]` and `86,400` as the schema writes them. */
const flat = (s: string) => s.replace(/[\s,]/g, '');

/** What the schema says that the row must say too. */
function expectations(s: Json): string[] {
  const out: string[] = [];
  if ('default' in s && (typeof s.default !== 'object' || Array.isArray(s.default))) out.push(JSON.stringify(s.default));
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'maxItems', 'maxLength'] as const) {
    const v = s[key];
    // Number.MAX_SAFE_INTEGER is zod's "no upper bound" for int().
    if (typeof v === 'number' && v < Number.MAX_SAFE_INTEGER) out.push(String(v));
  }
  for (const v of (s.enum as unknown[] | undefined) ?? []) out.push(JSON.stringify(v));
  return out;
}

describe('docs/input.md', () => {
  it('reads the fields from the schema (not a list of its own)', () => {
    expect([...all.keys()]).toEqual(expect.arrayContaining(['target.listenerArn', 'steps', 'approvals.timeoutSeconds', 'slack.channel']));
  });

  it.each([...all.keys()])('has a row for %s with its default, bounds and allowed values', (path) => {
    const row = rows.get(path);
    expect(row, `no row "| \`${path}\` | default | constraints | meaning |" in ${pages.join(', ')}`).toBeDefined();
    for (const schema of all.get(path)!) {
      for (const expected of expectations(schema)) expect(flat(row!), `${path}: the schema says ${expected}`).toContain(flat(expected));
    }
  });

  it('has no row for a field the schema does not have', () => {
    const documented = [...readDoc('docs/input.md').matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    expect(documented.filter((p) => !all.has(p))).toEqual([]);
  });
});
