// Classify AWS SDK failures: throttling and server-side faults become `Transient` (the state machine
// retries them with backoff and jitter); everything else propagates as it is.
import { Transient } from '../errors.ts';

// The AWS SDK's throttling codes (@smithy/core service-error-classification THROTTLING_ERROR_CODES)
// but LimitExceededException: for ELB (and most services) it means a quota is used up, which no
// retry within minutes cures; retrying it only delays the rollback that should follow.
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const NOT_TRANSIENT = new Set(['LimitExceededException']);
const NETWORK = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  if (NOT_TRANSIENT.has(e.name)) return false;
  if (THROTTLING.has(e.name) || NETWORK.has(e.name) || (e.code !== undefined && NETWORK.has(e.code))) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  // 429 Too Many Requests is throttling whatever the error code says.
  return status !== undefined && (status === 429 || status >= 500);
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
