// The lab's DNS: the hosted zone's authoritative weighted answer, and the clients' side, where each
// client caches the answer it got for the record's TTL — so a weight change (a step, a rollback)
// reaches a client only when its cached answer expires, as on the Internet.
// Route 53's weighted routing (Developer Guide, "Weighted routing"): a record is answered with
// probability weight / sum of the set's weights; records whose health check fails are left out
// while any healthy one remains; when every weight is 0, each record is equally likely.
import type { RecordSet, Route53Model } from '../aws/route53-model.ts';
import { fqdn } from '../aws/route53-model.ts';

export interface DnsAnswer {
  /** The record's values (A/AAAA addresses, a CNAME's name; an alias's DNS name). */
  values: string[];
  ttl: number;
  /** The weighted record that answered. */
  setIdentifier?: string;
}

/** Route 53 answers an alias with the target's TTL; for ELB and CloudFront targets that is 60 s. */
const ALIAS_TTL = 60;

/** One authoritative answer for name/type from what the zone's name servers serve (changes that are INSYNC). */
export function authoritativeAnswer(model: Route53Model, zoneId: string, name: string, type: string, random: () => number = Math.random): DnsAnswer | undefined {
  const all = model.zone(zoneId).served.filter((r) => r.Name === fqdn(name) && r.Type === type);
  const healthy = all.filter((r) => !r.HealthCheckId || model.isHealthy(r.HealthCheckId));
  const pool = healthy.length > 0 ? healthy : all;
  const record = pickWeighted(pool, random);
  if (!record) return undefined;
  return {
    values: record.AliasTarget ? [record.AliasTarget.DNSName ?? ''] : (record.ResourceRecords ?? []).map((r) => r.Value ?? ''),
    ttl: record.AliasTarget ? ALIAS_TTL : (record.TTL ?? 0),
    ...(record.SetIdentifier !== undefined ? { setIdentifier: record.SetIdentifier } : {}),
  };
}

function pickWeighted(records: RecordSet[], random: () => number): RecordSet | undefined {
  if (records.length === 0) return undefined;
  const total = records.reduce((sum, r) => sum + (r.Weight ?? 0), 0);
  if (total === 0) return records[Math.min(records.length - 1, Math.floor(random() * records.length))];
  let x = random() * total;
  for (const r of records) {
    x -= r.Weight ?? 0;
    if (x < 0) return r;
  }
  return records.filter((r) => (r.Weight ?? 0) > 0).at(-1);
}

export interface ResolverOptions {
  /** The authoritative lookup (e.g. authoritativeAnswer bound to the lab zone). */
  lookup(name: string): DnsAnswer | undefined;
  /** Where a record value is reachable in the lab (TEST-NET addresses → loopback ports). */
  route(value: string): { address: string; port: number } | undefined;
  /** Clients, each with its own cache; lookups go to them in turn (default 200). */
  clients?: number;
  /** ms clock, injectable so tests move time instead of waiting. */
  now?: () => number;
  random?: () => number;
}

/**
 * A population of stub resolvers: each resolve() is the next client's, answered from its cache
 * until the TTL has passed since it asked. Many clients make the weights a share of clients;
 * their caches make every change arrive one TTL late at most.
 */
export class CachingResolver {
  private readonly caches: Map<string, { answer: DnsAnswer; expires: number }>[];
  private next = 0;
  /** Lookups that reached the authoritative servers, and those answered from a cache. */
  readonly stats = { queries: 0, cached: 0 };

  constructor(private readonly options: ResolverOptions) {
    this.caches = Array.from({ length: Math.max(1, options.clients ?? 200) }, () => new Map());
  }

  /** The address the next client reaches `name` at. */
  async resolve(name: string): Promise<{ address: string; port: number }> {
    const now = (this.options.now ?? Date.now)();
    const cache = this.caches[this.next]!;
    this.next = (this.next + 1) % this.caches.length;
    let entry = cache.get(name);
    if (entry && entry.expires > now) this.stats.cached++;
    else {
      const answer = this.options.lookup(name);
      this.stats.queries++;
      if (!answer || answer.values.length === 0) throw new Error(`NXDOMAIN: ${name} has no answer`);
      cache.set(name, (entry = { answer, expires: now + answer.ttl * 1000 }));
    }
    const values = entry.answer.values;
    const value = values[Math.floor((this.options.random ?? Math.random)() * values.length)] ?? values[0]!;
    const where = this.options.route(value);
    if (!where) throw new Error(`${name} answered ${value}, which nothing in the lab listens at`);
    return where;
  }

  /** The share of clients whose cache holds an unexpired answer from each SetIdentifier. */
  cachedShares(name: string): Record<string, number> {
    const now = (this.options.now ?? Date.now)();
    const counts: Record<string, number> = {};
    for (const cache of this.caches) {
      const e = cache.get(name);
      if (e && e.expires > now) counts[e.answer.setIdentifier ?? '?'] = (counts[e.answer.setIdentifier ?? '?'] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n / this.caches.length]));
  }
}
