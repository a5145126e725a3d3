// "Could not reach AWS" is not "AWS said no" and not "the rollout failed": a DNS failure, a refused
// or reset connection, a timeout. The SDK passes Node's socket errors through with their `code`.
import { CliError, EXIT } from './io.ts';

const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);
const UNREACHABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'NetworkingError']);

/** A CliError (exit 7) when `err` says the request never got an answer from the endpoint. */
export function explainNetworkError(err: unknown, region: string | undefined): CliError | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { code?: unknown; hostname?: unknown; cause?: unknown };
  const cause = e.cause instanceof Error ? (e.cause as Error & { code?: unknown; hostname?: unknown }) : undefined;
  const code = typeof e.code === 'string' ? e.code : typeof cause?.code === 'string' ? cause.code : undefined;
  if (!(code && UNREACHABLE_CODES.has(code)) && !UNREACHABLE_NAMES.has(e.name) && !/socket hang up/i.test(e.message)) return undefined;
  const host = typeof e.hostname === 'string' ? e.hostname : typeof cause?.hostname === 'string' ? cause.hostname : undefined;
  const endpoint = host ? `the AWS endpoint ${host}` : 'the AWS endpoint';
  const overrides = Object.keys(process.env).filter((k) => k.startsWith('AWS_ENDPOINT_URL'));
  return new CliError(
    `could not reach ${endpoint} (${code ?? e.name}: ${e.message}): the request got no answer, so nothing was changed by it. ` +
      `Check the network (VPN, proxy: HTTPS_PROXY), the region${region ? ` (${region})` : ''}` +
      `${overrides.length ? ` and ${overrides.join(', ')}` : ''}, then run the command again`,
    EXIT.UNREACHABLE,
  );
}
