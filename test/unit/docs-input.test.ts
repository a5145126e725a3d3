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
  /** The provider page a union variant's own fields are documented on (`docs/providers/<type>.md`); none for shared fields. */
  page?: string;
}

/** Every property path of a JSON Schema, unions (anyOf/oneOf/allOf) merged; a variant with a `type` const (a provider's target) names its page. */
function fields(schema: Json, prefix = '', page?: string): Field[] {
  const out: Field[] = [];
  const variants = [schema, ...(['anyOf', 'oneOf', 'allOf'] as const).flatMap((k) => (schema[k] as Json[] | undefined) ?? [])];
  for (const variant of variants) {
    const type = ((variant.properties as Record<string, Json> | undefined)?.type as Json | undefined)?.const;
    const variantPage = typeof type === 'string' ? `docs/providers/${type}.md` : page;
    for (const [key, sub] of Object.entries((variant.properties as Record<string, Json> | undefined) ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.push({ path, schema: sub, page: variantPage }, ...fields(sub, path, variantPage));
    }
  }
  return out;
}

// The target is a union of every provider's target forms (lambdas/providers/traffic/index.ts); fields() merges them.
const schemas = [z.toJSONSchema(RolloutInputSchema, { io: 'input', unrepresentable: 'any' }) as Json];
const all = new Map<string, Field[]>();
for (const f of schemas.flatMap((s) => fields(s))) all.set(f.path, [...(all.get(f.path) ?? []), f]);

const pages = ['docs/input.md', ...markdownFiles().filter((f) => f.startsWith('docs/providers/'))];
/** page → field path → its first row on that page. */
const rowsByPage = new Map<string, Map<string, string>>();
for (const page of pages) {
  const rows = new Map<string, string>();
  for (const line of readDoc(page).split('\n')) {
    const m = /^\| `([^`]+)` \|/.exec(line);
    if (m && !rows.has(m[1]!)) rows.set(m[1]!, line);
  }
  rowsByPage.set(page, rows);
}
/**
 * The row of a field: a provider's own target field on its provider page when that page has one, else in
 * docs/input.md (the default provider's fields are there), else on the first provider page that has it.
 */
function rowOf(field: Field): string | undefined {
  const order = [...(field.page ? [field.page] : []), ...pages];
  for (const page of order) {
    const row = rowsByPage.get(page)?.get(field.path);
    if (row) return row;
  }
  return undefined;
}

/** Compare without spaces and thousands separators: `[1, 10]` and `86,400` as the schema writes them. */
const flat = (s: string) => s.replace(/[\s,]/g, '');

/** What the schema says that the row must say too. */
function expectations(s: Json): string[] {
  const out: string[] = [];
  if ('default' in s && (typeof s.default !== 'object' || Array.isArray(s.default))) out.push(JSON.stringify(s.default));
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'maxItems', 'maxLength'] as const) {
    const v = s[key];
    // ±Number.MAX_SAFE_INTEGER is zod's "no bound" for int() (an int() with only a refine has both).
    if (typeof v === 'number' && Math.abs(v) < Number.MAX_SAFE_INTEGER) out.push(String(v));
  }
  for (const v of (s.enum as unknown[] | undefined) ?? []) out.push(JSON.stringify(v));
  return out;
}

describe('docs/input.md', () => {
  it('reads the fields from the schema (not a list of its own)', () => {
    expect([...all.keys()]).toEqual(expect.arrayContaining(['target.listenerArn', 'steps', 'approvals.timeoutSeconds', 'slack.channel']));
  });

  it.each([...all.keys()])('has a row for %s with its default, bounds and allowed values', (path) => {
    for (const field of all.get(path)!) {
      const row = rowOf(field);
      const where = field.page ? `${field.page} or docs/input.md` : pages.join(', ');
      expect(row, `no row "| \`${path}\` | default | constraints | meaning |" in ${where}`).toBeDefined();
      for (const expected of expectations(field.schema)) expect(flat(row!), `${path} (${where}): the schema says ${expected}`).toContain(flat(expected));
    }
  });

  it('has no row for a field the schema does not have', () => {
    const documented = [...readDoc('docs/input.md').matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    expect(documented.filter((p) => !all.has(p))).toEqual([]);
  });
});
