// A metering front for one lab API: counts every call by operation and, with a throttle, answers
// ThrottlingException in the service's own protocol before the call reaches the API. Serve mode puts
// one before ELBv2, CloudWatch and DynamoDB (the Step Functions API meters itself), so the scale
// bench can count AWS calls per service without touching the APIs.
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { listenLocal, type LocalServer } from './local-server.ts';
import type { ApiThrottle } from './stepfunctions-api.ts';

export type Counts = Record<string, number>;

export interface MeteredApi extends LocalServer {
  /** Calls by operation (throttled ones included). */
  counts(): Counts;
}

/** The operation a request calls: JSON (X-Amz-Target), query (Action=…) or Smithy RPC v2 (…/operation/<Op>). */
export function operationOf(headers: Record<string, string | string[] | undefined>, path: string, body: string): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.lastIndexOf('.') + 1);
  const rpc = /\/operation\/([A-Za-z0-9]+)$/.exec(path);
  if (rpc?.[1]) return rpc[1];
  const action = new URLSearchParams(body).get('Action');
  return action ?? 'Unknown';
}

export async function startMeter(service: string, upstream: string, options: { throttle?: ApiThrottle } = {}): Promise<MeteredApi> {
  const counts: Counts = {};
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    rawBody(req)
      .then((body) => {
        const operation = operationOf(req.headers, req.url ?? '/', body.toString('latin1'));
        counts[operation] = (counts[operation] ?? 0) + 1;
        if (options.throttle && !options.throttle.admit(service, operation)) {
          const throttled = throttleReply(service, req.headers['content-type'] ?? '');
          if (throttled) {
            res.writeHead(400, { 'content-type': throttled.type, 'x-amzn-requestid': randomUUID(), ...throttled.headers });
            res.end(throttled.body);
            return;
          }
        }
        const up = request(new URL(req.url ?? '/', upstream), { method: req.method, headers: req.headers, agent }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        });
        up.on('error', (err) => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`lab metering front: ${err.message}`);
        });
        up.end(body);
      })
      .catch((err: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String((err as Error)?.message ?? err));
      });
  });
  const listening = await listenLocal(server);
  return {
    url: listening.url,
    counts: () => ({ ...counts }),
    close: async () => {
      await listening.close();
      agent.destroy();
    },
  };
}

/** ThrottlingException as the service says it; undefined where the lab cannot (CBOR): the call then goes through. */
function throttleReply(service: string, contentType: string): { type: string; body: string; headers?: Record<string, string> } | undefined {
  if (contentType.includes('cbor')) return undefined;
  if (contentType.includes('x-www-form-urlencoded')) {
    const ns = service === 'elbv2' ? 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/' : 'http://monitoring.amazonaws.com/doc/2010-08-01/';
    return {
      type: 'text/xml',
      body: `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    };
  }
  if (service === 'cloudwatch') {
    return { type: 'application/x-amz-json-1.0', body: JSON.stringify({ __type: 'com.amazonaws.cloudwatch#ThrottlingException', message: 'Rate exceeded' }), headers: { 'x-amzn-query-error': 'Throttling;Sender' } };
  }
  if (service === 'dynamodb') {
    return { type: 'application/x-amz-json-1.0', body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate exceeded' }) };
  }
  return undefined;
}

/** The body as bytes (CBOR requests are binary: no text round trip). */
async function rawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
