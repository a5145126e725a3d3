// Classify AWS SDK failures: throttling and server-side faults become `Transient` (the state machine
// retries them with backoff and jitter); everything else propagates as it is.
import { Transient } from '../errors.ts';

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottledException',
  'LimitExceededException',
]);
const NETWORK = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  if (THROTTLING.has(e.name) || NETWORK.has(e.name) || (e.code !== undefined && NETWORK.has(e.code))) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** Run one AWS call; a transient failure is rethrown as `Transient` naming what was being done. */
export async function aws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isTransient(err)) {
      const e = err as Error;
      throw new Transient(`${what}: ${e.name}: ${e.message} (transient; will be retried)`, err);
    }
    throw err;
  }
}
