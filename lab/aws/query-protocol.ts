// The AWS query protocol, both directions, without schemas:
// - requests are form-encoded with flattened names (`DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight`),
//   decoded here into nested objects and arrays whose leaves are strings;
// - replies are XML, encoded here from plain values (arrays become `<member>` lists).
// The few typed members an operation needs (integers, booleans) are converted with `coerce` and a small type spec.

export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };

/** Maps (`Foo.entry.N.key` / `Foo.entry.N.value` in requests, `<entry><key/><value/></entry>` in XML) by member name. */
const MAP_MEMBERS = new Set(['AuthenticationRequestExtraParams']);

/**
 * `a.member.1.b=x&a.member.2.b=y` → `{ a: [{ b: 'x' }, { b: 'y' }] }`. An empty list is sent as `a=` and so reads
 * as `''` (no schema to tell it from an empty string): read lists with `asList`.
 */
export function decodeQuery(body: string): Record<string, QueryValue> {
  type Node = { [key: string]: Node | string };
  const root: Node = Object.create(null);
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split('.');
    let node = root;
    path.forEach((segment, i) => {
      if (segment === '__proto__') throw new QueryError(`invalid parameter name ${key}`);
      if (i === path.length - 1) {
        if (node[segment] !== undefined) throw new QueryError(`parameter ${key} is given twice or conflicts with a nested one`);
        node[segment] = value;
        return;
      }
      const next = node[segment];
      if (typeof next === 'string') throw new QueryError(`parameter ${key} conflicts with ${path.slice(0, i + 1).join('.')}`);
      node = node[segment] = next ?? Object.create(null);
    });
  }
  const build = (node: Node | string): QueryValue => {
    if (typeof node === 'string') return node;
    const keys = Object.keys(node);
    const byIndex = (child: Node | string) => {
      if (typeof child === 'string') throw new QueryError('a list or map index must have members');
      return Object.keys(child)
        .sort((a, b) => Number(a) - Number(b))
        .map((i) => child[i] as Node | string);
    };
    if (keys.length === 1 && keys[0] === 'member') return byIndex(node.member as Node).map(build);
    if (keys.length === 1 && keys[0] === 'entry') {
      return Object.fromEntries(
        byIndex(node.entry as Node).map((entry) => {
          if (typeof entry === 'string' || typeof entry.key !== 'string') throw new QueryError('a map entry needs a key');
          return [entry.key, build(entry.value ?? '')];
        }),
      );
    }
    return Object.fromEntries(keys.map((k) => [k, build(node[k] as Node | string)]));
  };
  return build(root) as Record<string, QueryValue>;
}

/** A decoded list parameter (absent or sent empty → `[]`). */
export function asList(value: QueryValue | undefined): QueryValue[] {
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value)) throw new QueryError(`expected a list, got ${JSON.stringify(value)}`);
  return value;
}

/** A decoded string parameter. */
export function asString(value: QueryValue | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new QueryError(`expected a string, got ${JSON.stringify(value)}`);
}

/** Which members of a decoded value are not strings: `{ Order: 'int', ForwardConfig: { TargetGroups: [{ Weight: 'int' }] } }`. */
export type TypeSpec = 'int' | 'bool' | readonly [TypeSpec] | { readonly [member: string]: TypeSpec };

/** Convert the members `spec` names; everything else stays as decoded. */
export function coerce(value: unknown, spec: TypeSpec, path = 'value'): unknown {
  if (value === undefined) return value;
  if (spec === 'int') {
    if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw new QueryError(`${path} must be an integer, got ${JSON.stringify(value)}`);
    return Number(value);
  }
  if (spec === 'bool') {
    if (value !== 'true' && value !== 'false') throw new QueryError(`${path} must be true or false, got ${JSON.stringify(value)}`);
    return value === 'true';
  }
  if (Array.isArray(spec)) {
    if (value === '') return [];
    if (!Array.isArray(value)) throw new QueryError(`${path} must be a list`);
    return value.map((v, i) => coerce(v, spec[0] as TypeSpec, `${path}.member.${i + 1}`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new QueryError(`${path} must be a structure`);
  const out: Record<string, unknown> = { ...value };
  for (const [member, memberSpec] of Object.entries(spec as Record<string, TypeSpec>)) {
    if (member in out) out[member] = coerce(out[member], memberSpec, `${path}.${member}`);
  }
  return out;
}

/** A malformed request (maps to ValidationError). */
export class QueryError extends Error {
  override name = 'QueryError';
}

/**
 * `<name>…</name>` for a plain value: objects → child elements, arrays → `<member>` items (empty → `<name/>`),
 * Dates → ISO 8601, booleans and numbers → their text; undefined/null members are left out.
 */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    return value.length === 0 ? `<${name}/>` : `<${name}>${value.map((v) => toXml('member', v)).join('')}</${name}>`;
  }
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const inner = MAP_MEMBERS.has(name)
      ? entries.map(([k, v]) => `<entry>${toXml('key', k)}${toXml('value', v)}</entry>`).join('')
      : entries.map(([k, v]) => toXml(k, v)).join('');
    return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** Escape text content; `\r` too, since XML parsers normalise a raw one away. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}
