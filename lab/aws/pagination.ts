// Pages of a Describe* result as AWS returns them: at most `size` items (within the API's limits), and an
// opaque token for the rest (ELBv2 Marker/NextMarker, CloudWatch NextToken). The token encodes the offset
// into the filtered list, so paging a list that does not change meanwhile yields every item exactly once.

export interface PageRequest {
  /** PageSize / MaxRecords as given (undefined = the API's default). */
  size: unknown;
  /** Marker / NextToken as given. */
  token: unknown;
  /** The API's limits and names, for its error messages. */
  limits: { min: number; max: number; default: number; sizeName: string; tokenName: string };
  /** The API's error for a size out of range and for a token it did not issue. */
  invalidSize(message: string): Error;
  invalidToken(message: string): Error;
}

const PREFIX = 'lab-page:';

export function paginate<T>(items: readonly T[], req: PageRequest): { page: T[]; next?: string } {
  const { min, max, sizeName, tokenName } = req.limits;
  const size = req.size === undefined ? req.limits.default : req.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < min || size > max) {
    throw req.invalidSize(`${sizeName} ${JSON.stringify(req.size)} is not an integer between ${min} and ${max}`);
  }
  const offset = req.token === undefined ? 0 : decodeToken(req.token);
  if (offset === undefined || offset > items.length) throw req.invalidToken(`${tokenName} ${JSON.stringify(req.token)} is not a token this API returned`);
  const end = offset + size;
  return { page: items.slice(offset, end), next: end < items.length ? encodeToken(end) : undefined };
}

function encodeToken(offset: number): string {
  return Buffer.from(`${PREFIX}${offset}`).toString('base64url');
}

function decodeToken(token: unknown): number | undefined {
  if (typeof token !== 'string') return undefined;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) return undefined;
  const n = Number(text.slice(PREFIX.length));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
