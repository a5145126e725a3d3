// One lab AWS service over the wire protocols its real endpoint speaks. An operation is a function from an input
// object to an output object; a protocol only decodes requests and encodes replies and errors. So a new
// operation is one table entry, and every protocol serves it:
// - awsQuery: form-encoded POST `Action=<Op>&Version=…` (what the AWS CLI v2 sends CloudWatch and ELBv2),
//   XML replies `<OpResponse><OpResult>…` and `<ErrorResponse><Error><Type/><Code/><Message/>`;
// - awsJson1_0: `POST /` with `X-Amz-Target: <ServiceTarget>.<Op>`, JSON bodies, timestamps as epoch seconds,
//   errors `{"__type", "message"}` plus the query code in `x-amzn-query-error` (awsQueryCompatible services);
// - rpcv2Cbor: `POST /service/<ServiceTarget>/operation/<Op>` with `smithy-protocol: rpc-v2-cbor`, CBOR bodies
//   (timestamps as tag 1), errors like JSON's (Smithy RPC v2 CBOR specification).
// SigV4 signatures are accepted without checking.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { cbor, dateToTag } from '@smithy/core/cbor';
import { listenLocal, readBytes, type LocalServer } from './local-server.ts';
import { coerce, decodeQuery, escapeXml, QueryError, toXml, type TypeSpec } from './query-protocol.ts';
import type { TokenBuckets } from './throttle.ts';

export type WireProtocolName = 'awsQuery' | 'awsJson1_0' | 'rpcv2Cbor';

/** An error as AWS answers it: the query `code` (also what the SDK names the error), HTTP status, JSON/CBOR shape. */
export class ServiceError extends Error {
  override name = 'ServiceError';
  readonly status: number;
  /** The `__type` shape name for JSON and CBOR (defaults to the service's mapping of the code, or the code). */
  readonly shape?: string;
  constructor(
    readonly code: string,
    message: string,
    options: { status?: number; shape?: string } = {},
  ) {
    super(message);
    this.status = options.status ?? 400;
    this.shape = options.shape;
  }
}

/** AWS's answer to a request over the rate: code Throttling, HTTP 400 (JSON/CBOR shape from the service's `shapeOf`). */
export const throttlingError = () => new ServiceError('Throttling', 'Rate exceeded');

export interface OperationSpec {
  /** Runs the operation; throws ServiceError (or what the service's `mapError` understands) to refuse it. */
  run(input: Record<string, unknown>): Record<string, unknown>;
  /** awsQuery only: the non-string members of the input (everything arrives as text). */
  queryTypes?: TypeSpec;
}

export interface ServiceSpec {
  /** Smithy namespace of the error shapes, e.g. `com.amazonaws.cloudwatch`. */
  namespace: string;
  /** JSON target prefix and RPC v2 service name, e.g. `GraniteServiceVersion20100801`. */
  serviceTarget: string;
  xmlns: string;
  version: string;
  protocols: readonly WireProtocolName[];
  operations: Record<string, OperationSpec>;
  /** JSON/CBOR shape name of a query error code (e.g. ValidationError → ValidationException). */
  shapeOf?: Record<string, string>;
  /** Turn a domain error into the AWS error; undefined = internal failure (500). */
  mapError?(err: unknown): ServiceError | undefined;
  throttle?: TokenBuckets;
}

interface Decoded {
  operation: string;
  input: Record<string, unknown>;
}

interface WireProtocol {
  matches(req: IncomingMessage): boolean;
  decode(req: IncomingMessage, body: Buffer, spec: ServiceSpec): Decoded;
  reply(res: ServerResponse, requestId: string, operation: string, output: Record<string, unknown>, spec: ServiceSpec): void;
  fail(res: ServerResponse, requestId: string, err: ServiceError, spec: ServiceSpec): void;
}

const CBOR_PATH = /\/service\/([^/]+)\/operation\/([^/?]+)$/;

const awsQuery: WireProtocol = {
  matches: () => true,
  decode(req, body, spec) {
    const text = req.method === 'GET' ? (req.url?.split('?')[1] ?? '') : body.toString('utf8');
    let params: Record<string, unknown>;
    try {
      params = decodeQuery(text);
    } catch (err) {
      throw new ServiceError('MalformedQueryString', (err as Error).message);
    }
    const operation = typeof params.Action === 'string' ? params.Action : '';
    const { Action: _action, Version: _version, ...input } = params;
    const types = spec.operations[operation]?.queryTypes;
    try {
      return { operation, input: types ? (coerce(input, types, operation) as Record<string, unknown>) : input };
    } catch (err) {
      if (err instanceof QueryError) throw new ServiceError('ValidationError', err.message);
      throw err;
    }
  },
  reply(res, requestId, operation, output, spec) {
    const result = Object.entries(output)
      .map(([name, value]) => toXml(name, value))
      .join('');
    send(res, 200, { 'content-type': 'text/xml' }, requestId,
      `<${operation}Response xmlns="${spec.xmlns}"><${operation}Result>${result}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`);
  },
  fail(res, requestId, err, spec) {
    send(res, err.status, { 'content-type': 'text/xml' }, requestId,
      `<ErrorResponse xmlns="${spec.xmlns}"><Error><Type>${faultOf(err)}</Type><Code>${err.code}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`);
  },
};

const awsJson1_0: WireProtocol = {
  matches: (req) => req.headers['x-amz-target'] !== undefined,
  decode(req, body, spec) {
    const target = String(req.headers['x-amz-target']);
    const prefix = `${spec.serviceTarget}.`;
    const operation = target.startsWith(prefix) ? target.slice(prefix.length) : '';
    let input: unknown;
    try {
      input = JSON.parse(body.length ? body.toString('utf8') : '{}');
    } catch {
      throw new ServiceError('SerializationException', 'The request body is not valid JSON');
    }
    return { operation, input: structure(input) };
  },
  reply(res, requestId, _operation, output) {
    send(res, 200, { 'content-type': 'application/x-amz-json-1.0' }, requestId, JSON.stringify(output, epochSeconds));
  },
  fail(res, requestId, err, spec) {
    send(res, err.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': queryError(err) }, requestId,
      JSON.stringify({ __type: typeOf(err, spec), message: err.message }));
  },
};

const rpcv2Cbor: WireProtocol = {
  matches: (req) => req.headers['smithy-protocol'] === 'rpc-v2-cbor',
  decode(req, body, spec) {
    const [, service, operation = ''] = CBOR_PATH.exec(req.url?.split('?')[0] ?? '') ?? [];
    if (service !== spec.serviceTarget) return { operation: '', input: {} };
    let input: unknown = {};
    try {
      if (body.length) input = fromCbor(cbor.deserialize(body));
    } catch (err) {
      throw new ServiceError('SerializationException', `The request body is not valid CBOR: ${(err as Error).message}`);
    }
    return { operation, input: structure(input) };
  },
  reply(res, requestId, _operation, output) {
    send(res, 200, CBOR_HEADERS, requestId, Buffer.from(cbor.serialize(toCbor(output))));
  },
  fail(res, requestId, err, spec) {
    send(res, err.status, { ...CBOR_HEADERS, 'x-amzn-query-error': queryError(err) }, requestId,
      Buffer.from(cbor.serialize({ __type: typeOf(err, spec), message: err.message })));
  },
};

const CBOR_HEADERS = { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };
const PROTOCOLS: Record<WireProtocolName, WireProtocol> = { awsQuery, awsJson1_0, rpcv2Cbor };
/** Most specific first: awsQuery takes whatever is left. */
const MATCH_ORDER: WireProtocolName[] = ['rpcv2Cbor', 'awsJson1_0', 'awsQuery'];

export interface ServiceServer extends LocalServer {
  /** Requests received per protocol (answered or refused). */
  served: Record<WireProtocolName, number>;
}

/** Serve `spec` on 127.0.0.1 (`port` 0 or absent = any free port). */
export async function startService(spec: ServiceSpec, options: { port?: number } = {}): Promise<ServiceServer> {
  const served: Record<WireProtocolName, number> = { awsQuery: 0, awsJson1_0: 0, rpcv2Cbor: 0 };
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const name = MATCH_ORDER.find((p) => spec.protocols.includes(p) && PROTOCOLS[p].matches(req));
    if (name) served[name]++;
    const protocol = PROTOCOLS[name ?? spec.protocols[0] ?? 'awsQuery'];
    readBytes(req)
      .then((body) => {
        const { operation, input } = protocol.decode(req, body, spec);
        const op = Object.hasOwn(spec.operations, operation) ? spec.operations[operation] : undefined;
        if (!op || !name) {
          throw name === 'awsQuery' || !name
            ? new ServiceError('InvalidAction', `Could not find operation ${operation} for version ${spec.version}`)
            : new ServiceError('UnknownOperationException', `The lab does not implement ${operation || 'this operation'}`);
        }
        if (spec.throttle && !spec.throttle.take(operation)) throw throttlingError();
        protocol.reply(res, requestId, operation, op.run(input), spec);
      })
      .catch((err: unknown) => {
        const e = err instanceof ServiceError ? err : (spec.mapError?.(err) ?? new ServiceError('InternalFailure', (err as Error)?.message ?? String(err), { status: 500 }));
        protocol.fail(res, requestId, e, spec);
      });
  });
  return { ...(await listenLocal(server, options.port)), served };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, requestId: string, body: string | Buffer): void {
  res.writeHead(status, { ...headers, 'x-amzn-requestid': requestId });
  res.end(body);
}

const faultOf = (err: ServiceError) => (err.status < 500 ? 'Sender' : 'Receiver');
const queryError = (err: ServiceError) => `${err.code};${faultOf(err)}`;
function typeOf(err: ServiceError, spec: ServiceSpec): string {
  const shape = err.shape ?? spec.shapeOf?.[err.code] ?? err.code;
  return shape.includes('#') ? shape : `${spec.namespace}#${shape}`;
}

function structure(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ServiceError('SerializationException', 'The request body must be an object');
  return input as Record<string, unknown>;
}

/** JSON.stringify replacer: Dates as epoch seconds (Date#toJSON has already run, so look at the raw value). */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

/** Dates → CBOR tag 1 (epoch seconds); undefined members left out. */
function toCbor(value: unknown): unknown {
  if (value instanceof Date) return dateToTag(value);
  if (Array.isArray(value)) return value.map(toCbor);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toCbor(v)]));
  }
  return value;
}

/** CBOR tag 1 → Date; the rest as decoded. */
function fromCbor(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromCbor);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (v.tag === 1 && typeof v.value === 'number') return new Date(v.value * 1000);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCbor(x)]));
  }
  return value;
}
