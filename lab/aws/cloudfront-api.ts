// CloudFront-compatible HTTP API (AWS REST-XML protocol, version 2020-05-31) over the lab CloudFront
// model, for what a continuous-deployment rollout uses: GetDistribution, GetDistributionConfig,
// GetContinuousDeploymentPolicy(Config), UpdateContinuousDeploymentPolicy and
// UpdateDistributionWithStagingConfig. ETags travel in the ETag / If-Match headers; errors are
// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` with the
// HTTP status of the SDK model (PreconditionFailed 412, NoSuch* 404). Unchanged SDK clients work.
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { escapeXml } from './query-protocol.ts';
import { CloudFrontError, type CloudFrontModel, type LabDistribution, type LabPolicyConfig } from './cloudfront-model.ts';
import { listenLocal, readBody, type LocalServer } from './local-server.ts';

const XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
const V = '/2020-05-31';

/** The element name of each list's members, by the list's own element (CloudFront's XML is not uniform). */
const ITEM_NAMES: Record<string, string> = { Origins: 'Origin', StagingDistributionDnsNames: 'DnsName', Aliases: 'CNAME' };

/** Serialise a value as CloudFront does: `Items` lists use their parent's member name, dates ISO 8601. */
export function cfXml(name: string, value: unknown, parent = ''): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const member = ITEM_NAMES[parent] ?? 'member';
    return `<${name}>${value.map((v) => cfXml(member, v)).join('')}</${name}>`;
  }
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => cfXml(k, v, name)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

type XmlValue = string | { [k: string]: XmlValue | XmlValue[] };

/** A small element-only XML reader for request bodies (no attributes but xmlns, no mixed content): repeated elements become arrays. */
export function readXml(xml: string): Record<string, XmlValue> {
  const tokens = xml.replace(/<\?[^>]*\?>/g, '').match(/<[^>]+>|[^<]+/g) ?? [];
  let i = 0;
  const element = (): XmlValue => {
    const children: Record<string, XmlValue | XmlValue[]> = {};
    let text = '';
    while (i < tokens.length) {
      const t = tokens[i++]!;
      if (t.startsWith('</')) return Object.keys(children).length > 0 ? children : unescape(text.trim());
      if (t.startsWith('<')) {
        const name = /^<([A-Za-z0-9_]+)/.exec(t)?.[1] ?? '';
        const value = t.endsWith('/>') ? '' : element();
        const prev = children[name];
        children[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      } else text += t;
    }
    return children;
  };
  return element() as Record<string, XmlValue>;
}

const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const list = (v: XmlValue | XmlValue[] | undefined): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));
const obj = (v: XmlValue | XmlValue[] | undefined) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {}) as Record<string, XmlValue>;

/** ContinuousDeploymentPolicyConfig from its XML body, typed as the SDK sends it. */
export function policyConfigFromXml(body: string): LabPolicyConfig {
  const c = obj(readXml(body).ContinuousDeploymentPolicyConfig);
  const names = obj(c.StagingDistributionDnsNames);
  const traffic = obj(c.TrafficConfig);
  const weight = obj(traffic.SingleWeightConfig);
  const sticky = obj(weight.SessionStickinessConfig);
  const header = obj(traffic.SingleHeaderConfig);
  const items = list(obj(names.Items).DnsName);
  return {
    StagingDistributionDnsNames: { Quantity: Number(names.Quantity ?? items.length), ...(items.length ? { Items: items } : {}) },
    Enabled: c.Enabled === 'true',
    ...(traffic.Type
      ? {
          TrafficConfig: {
            Type: String(traffic.Type) as 'SingleWeight' | 'SingleHeader',
            ...(traffic.SingleWeightConfig
              ? { SingleWeightConfig: { Weight: Number(weight.Weight), ...(weight.SessionStickinessConfig ? { SessionStickinessConfig: { IdleTTL: Number(sticky.IdleTTL), MaximumTTL: Number(sticky.MaximumTTL) } } : {}) } }
              : {}),
            ...(traffic.SingleHeaderConfig ? { SingleHeaderConfig: { Header: String(header.Header), Value: String(header.Value) } } : {}),
          },
        }
      : {}),
  };
}

const distributionXml = (d: LabDistribution) => cfXml('Distribution', d).replace('<Distribution>', `<Distribution xmlns="${XMLNS}">`);
const withNs = (xml: string, name: string) => xml.replace(`<${name}>`, `<${name} xmlns="${XMLNS}">`);

export async function startCloudFrontApi(model: CloudFrontModel, options: { port?: number } = {}): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    readBody(req).then(
      (body) => {
        try {
          const ifMatch = req.headers['if-match'] as string | undefined;
          let m: RegExpExecArray | null;
          if (req.method === 'GET' && (m = new RegExp(`^${V}/distribution/([^/]+)$`).exec(path))) {
            model.count('GetDistribution');
            const { distribution, etag } = model.getDistribution(m[1]!);
            return reply(res, 200, distributionXml(distribution), etag);
          }
          if (req.method === 'GET' && (m = new RegExp(`^${V}/distribution/([^/]+)/config$`).exec(path))) {
            model.count('GetDistributionConfig');
            const { distribution, etag } = model.getDistribution(m[1]!);
            return reply(res, 200, withNs(cfXml('DistributionConfig', distribution.DistributionConfig), 'DistributionConfig'), etag);
          }
          if (req.method === 'PUT' && (m = new RegExp(`^${V}/distribution/([^/]+)/promote-staging-config$`).exec(path))) {
            model.count('UpdateDistributionWithStagingConfig');
            const { distribution, etag } = model.promote(m[1]!, url.searchParams.get('StagingDistributionId') ?? undefined, ifMatch);
            return reply(res, 200, distributionXml(distribution), etag);
          }
          if ((m = new RegExp(`^${V}/continuous-deployment-policy/([^/]+)(/config)?$`).exec(path))) {
            const [, id, config] = m;
            let policy;
            if (req.method === 'GET') {
              model.count(config ? 'GetContinuousDeploymentPolicyConfig' : 'GetContinuousDeploymentPolicy');
              policy = model.getPolicy(id!);
            } else if (req.method === 'PUT' && !config) {
              model.count('UpdateContinuousDeploymentPolicy');
              policy = model.updatePolicy(id!, ifMatch, policyConfigFromXml(body));
            }
            if (policy) {
              const xml = config
                ? withNs(cfXml('ContinuousDeploymentPolicyConfig', policy.config), 'ContinuousDeploymentPolicyConfig')
                : withNs(cfXml('ContinuousDeploymentPolicy', { Id: policy.id, LastModifiedTime: policy.modified, ContinuousDeploymentPolicyConfig: policy.config }), 'ContinuousDeploymentPolicy');
              return reply(res, 200, xml, policy.etag);
            }
          }
          throw new CloudFrontError('InvalidArgument', `The lab's CloudFront does not implement ${req.method} ${path}`);
        } catch (err) {
          const e = err instanceof CloudFrontError ? err : new CloudFrontError('InternalError', (err as Error).message, 500);
          const xml = `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
          return reply(res, e.status, xml);
        }
      },
      () => res.destroy(),
    );
  });
  return listenLocal(server, options.port);
}

function reply(res: ServerResponse, status: number, xml: string, etag?: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amz-request-id': randomUUID(), ...(etag ? { etag } : {}) });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}
