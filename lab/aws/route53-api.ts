// Route 53-compatible HTTP API over the lab model (route53-model.ts), in Route 53's REST-XML
// protocol, for the operations a rollout uses: ChangeResourceRecordSets, ListResourceRecordSets,
// GetChange, GetHealthCheckStatus. Paths, query parameters, XML element names (list members
// included) and error shapes (`<ErrorResponse><Error><Type/><Code/><Message/>`, Route 53's codes
// and HTTP statuses) follow the service model, so the unchanged @aws-sdk/client-route-53 and the
// AWS CLI work against it. Requests are rate-limited like Route 53's API (5 per second per account).
// SigV4 signatures are accepted without checking.
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { listenLocal, readBody, type LocalServer } from './local-server.ts';
import { escapeXml } from './query-protocol.ts';
import { Route53Error, type Route53Model } from './route53-model.ts';
import { TokenBuckets, type ThrottleOption, type ThrottleSpec } from './throttle.ts';

const XMLNS = 'https://route53.amazonaws.com/doc/2013-04-01/';
/** "five requests per second per AWS account" (Route 53 Developer Guide, Quotas → Quotas on API requests). */
export const ROUTE53_RATES: ThrottleSpec = { buckets: { all: { capacity: 5, refillPerSecond: 5 } }, family: () => 'all' };

/** List elements and the element name of their members (the model's xmlName traits). */
const LIST_MEMBER: Record<string, string> = {
  Changes: 'Change',
  ResourceRecords: 'ResourceRecord',
  ResourceRecordSets: 'ResourceRecordSet',
  HealthCheckObservations: 'HealthCheckObservation',
};
const INTEGER = new Set(['Weight', 'TTL', 'Bias', 'MaxItems']);
const BOOLEAN = new Set(['EvaluateTargetHealth', 'MultiValueAnswer', 'IsTruncated']);

export interface Route53Api extends LocalServer {
  throttle: TokenBuckets;
}

type Route = { op: string; run(match: RegExpExecArray, query: URLSearchParams, body: string): Record<string, unknown> };

export async function startRoute53Api(model: Route53Model, options: { port?: number; throttle?: ThrottleOption } = {}): Promise<Route53Api> {
  const throttle = TokenBuckets.from(options.throttle, ROUTE53_RATES);
  const routes: [string, RegExp, Route][] = [
    ['POST', /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/, {
      op: 'ChangeResourceRecordSets',
      run: (m, _q, body) => {
        const request = parseXml(body);
        if (request.name !== 'ChangeResourceRecordSetsRequest') throw new Route53Error('InvalidInput', 'Invalid XML ; the root element must be ChangeResourceRecordSetsRequest');
        const batch = toValue(request.children.find((c) => c.name === 'ChangeBatch') ?? missing('ChangeBatch'), 'ChangeBatch');
        return { ChangeInfo: model.change(zoneId(m), batch as Parameters<Route53Model['change']>[1]) };
      },
    }],
    ['GET', /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/, {
      op: 'ListResourceRecordSets',
      run: (m, q) => {
        const max = q.get('maxitems');
        if (max !== null && !/^\d+$/.test(max)) throw new Route53Error('InvalidInput', `1 validation error detected: Value '${max}' at 'maxItems' failed to satisfy constraint: Member must be a number`);
        return model.list(zoneId(m), { name: q.get('name') ?? undefined, type: q.get('type') ?? undefined, identifier: q.get('identifier') ?? undefined, maxItems: max === null ? undefined : Number(max) });
      },
    }],
    ['GET', /^\/2013-04-01\/change\/([^/]+)$/, { op: 'GetChange', run: (m) => ({ ChangeInfo: model.getChange(decodeURIComponent(m[1] ?? '')) }) }],
    ['GET', /^\/2013-04-01\/healthcheck\/([^/]+)\/status$/, { op: 'GetHealthCheckStatus', run: (m) => ({ HealthCheckObservations: model.healthStatus(decodeURIComponent(m[1] ?? '')) }) }],
  ];

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://route53.lab');
    readBody(req)
      .then((body) => {
        for (const [method, pattern, route] of routes) {
          const m = pattern.exec(url.pathname);
          if (!m || method !== req.method) continue;
          if (!throttle.take(route.op)) throw new Route53Error('Throttling', 'Rate exceeded');
          const output = route.run(m, url.searchParams, body);
          return reply(res, requestId, 200, `<${route.op}Response xmlns="${XMLNS}">${Object.entries(output).map(([k, v]) => toXml(k, v)).join('')}</${route.op}Response>`);
        }
        throw new Route53Error('UnknownOperationException', `The lab's Route 53 does not implement ${req.method} ${url.pathname}`, 404);
      })
      .catch((err: unknown) => {
        const e = err instanceof Route53Error ? err : new Route53Error('InternalFailure', (err as Error)?.message ?? String(err), 500);
        reply(res, requestId, e.status, `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
      });
  });
  return { ...(await listenLocal(server, options.port)), throttle };
}

function reply(res: ServerResponse, requestId: string, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(`<?xml version="1.0"?>\n${xml}`);
}

/** The SDK strips `/hostedzone/`; a raw caller may not. */
const zoneId = (m: RegExpExecArray) => decodeURIComponent(m[1] ?? '').replace(/^\/?hostedzone\//, '');
const missing = (name: string): never => {
  throw new Route53Error('InvalidInput', `1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
};

/** An element as the serializer writes it: objects nest, lists wrap their members, Dates are ISO 8601. */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml(LIST_MEMBER[name] ?? 'member', v)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

/** Elements, text and entities: what a request body of this API holds (attributes are read past). */
export function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#root', children: [], text: '' };
  const stack = [root];
  const token = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<\/([\w:.-]+)\s*>|<([\w:.-]+)(?:\s[^>]*?)?(\/?)>|([^<]+)/g;
  let at = 0;
  for (let m = token.exec(xml); m; m = token.exec(xml)) {
    if (m.index !== at) throw malformed(`unexpected text at offset ${at}`);
    at = token.lastIndex;
    const top = stack.at(-1)!;
    if (m[1]) {
      if (top.name !== m[1]) throw malformed(`</${m[1]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[2]) {
      const node = { name: m[2].replace(/^\w+:/, ''), children: [], text: '' };
      top.children.push(node);
      if (!m[3]) stack.push(node);
    } else if (m[4]) {
      top.text += decodeEntities(m[4]);
    }
  }
  if (at !== xml.length || stack.length !== 1 || root.children.length !== 1) throw malformed('the document is incomplete or has more than one root element');
  return root.children[0]!;
}

const malformed = (why: string) => new Route53Error('InvalidInput', `Invalid XML ; ${why}`);

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, e: string) =>
    e.startsWith('#x') || e.startsWith('#X') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (named[e] ?? whole),
  );
}

/** An element as a value: lists by the model's member names, integers and booleans by field, the rest text. */
function toValue(node: XmlNode, path: string): unknown {
  const member = LIST_MEMBER[node.name];
  if (member) return node.children.map((c, i) => (c.name === member ? toValue(c, `${path}.${i + 1}`) : unexpected(c.name, path)));
  if (node.children.length === 0) {
    const text = INTEGER.has(node.name) || BOOLEAN.has(node.name) ? node.text.trim() : node.text;
    if (INTEGER.has(node.name)) {
      if (!/^-?\d+$/.test(text)) throw new Route53Error('InvalidInput', `Invalid XML ; ${node.name} at ${path} must be an integer, got '${text}'`);
      return Number(text);
    }
    if (BOOLEAN.has(node.name)) {
      if (text !== 'true' && text !== 'false') throw new Route53Error('InvalidInput', `Invalid XML ; ${node.name} at ${path} must be true or false, got '${text}'`);
      return text === 'true';
    }
    return text;
  }
  const out: Record<string, unknown> = {};
  for (const c of node.children) {
    if (c.name in out) return unexpected(c.name, path);
    out[c.name] = toValue(c, `${path}.${c.name}`);
  }
  return out;
}

const unexpected = (name: string, path: string): never => {
  throw new Route53Error('InvalidInput', `Invalid XML ; unexpected element ${name} in ${path}`);
};
