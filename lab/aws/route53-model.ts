// The lab's Route 53: hosted zones of record sets, changes that are PENDING for a short while and
// then INSYNC, and health checks. A change batch is checked as Route 53 checks it (all or nothing:
// one bad change refuses the batch) and is visible to ListResourceRecordSets at once, while the
// zone's name servers (lab/traffic/dns.ts) answer from what is INSYNC — as on Route 53, where the
// API shows a change before every name server serves it.
import { randomBytes } from 'node:crypto';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';

export type RecordSet = ResourceRecordSet;

/** Route 53's refusal: `code` is the error code the SDK names the error by. */
export class Route53Error extends Error {
  override name = 'Route53Error';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface ChangeInfo {
  Id: string;
  Status: 'PENDING' | 'INSYNC';
  SubmittedAt: Date;
  Comment?: string;
}

export interface Zone {
  id: string;
  /** `example.com.` */
  name: string;
  records: RecordSet[];
  /** What the zone's name servers answer: the records as of the last INSYNC change. */
  served: RecordSet[];
}

export interface ChangeEvent {
  zoneId: string;
  /** The records the name servers now serve. */
  served: RecordSet[];
}

export interface HealthObservation {
  Region: string;
  IPAddress: string;
  StatusReport: { Status: string; CheckedTime: Date };
}

const CHECKERS = [
  { Region: 'us-east-1', IPAddress: '54.243.31.192' },
  { Region: 'eu-west-1', IPAddress: '176.34.159.192' },
  { Region: 'ap-southeast-1', IPAddress: '54.255.254.192' },
];
const WEIGHT_MAX = 255;
const MAX_ITEMS = 300;

/** `www.Example.com` → `www.example.com.` (`*` as Route 53 lists it, `\052`). */
export function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return (lower.endsWith('.') ? lower : `${lower}.`).replace(/^\*(?=\.)/, '\\052');
}

/** Route 53's listing order: labels right to left, then type, then SetIdentifier. */
function sortKey(r: { Name?: string; Type?: string; SetIdentifier?: string }): string {
  return `${(r.Name ?? '').split('.').reverse().join('.')}\u0000${r.Type ?? ''}\u0000${r.SetIdentifier ?? ''}`;
}
const sameRecord = (a: RecordSet, b: RecordSet) => a.Name === b.Name && a.Type === b.Type && (a.SetIdentifier ?? '') === (b.SetIdentifier ?? '');
const clone = <T>(x: T): T => structuredClone(x);
const describeRecord = (r: RecordSet) => `[name='${r.Name}', type='${r.Type}'${r.SetIdentifier !== undefined ? `, set-identifier='${r.SetIdentifier}'` : ''}]`;

export class Route53Model {
  private readonly zones = new Map<string, Zone>();
  private readonly changes = new Map<string, ChangeInfo>();
  private readonly health = new Map<string, boolean>();
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** `changeDelayMs`: how long a change stays PENDING before the name servers have it (INSYNC). */
  constructor(private readonly options: { changeDelayMs?: number } = {}) {}

  createZone(name: string, id = `Z${randomBytes(10).toString('hex').toUpperCase().slice(0, 19)}`): string {
    this.zones.set(id, { id, name: fqdn(name), records: [], served: [] });
    return id;
  }

  /** A health check whose checkers report `healthy` until told otherwise. */
  createHealthCheck(healthy = true, id = crypto.randomUUID()): string {
    this.health.set(id, healthy);
    return id;
  }

  setHealth(id: string, healthy: boolean): void {
    if (!this.health.has(id)) throw new Error(`no health check ${id}`);
    this.health.set(id, healthy);
  }

  /** What the checkers report now (unknown ids: not healthy). */
  isHealthy(id: string): boolean {
    return this.health.get(id) === true;
  }

  zone(id: string): Zone {
    const zone = this.zones.get(id);
    if (!zone) throw new Route53Error('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
    return zone;
  }

  /** Apply a batch atomically (every change checked first), PENDING until the name servers have it. */
  change(zoneId: string, batch: { Comment?: string; Changes?: { Action?: string; ResourceRecordSet?: RecordSet }[] }): ChangeInfo {
    const zone = this.zone(zoneId);
    const changes = batch.Changes ?? [];
    if (changes.length === 0) throw new Route53Error('InvalidInput', '1 validation error detected: Value null at \'changeBatch.changes\' failed to satisfy constraint: Member must not be null');
    const records = clone(zone.records);
    const problems: string[] = [];
    const touched: RecordSet[] = [];
    for (const [i, change] of changes.entries()) {
      const input = change.ResourceRecordSet;
      if (!input?.Name || !input.Type) throw new Route53Error('InvalidInput', `Invalid request: Change ${i + 1} needs a ResourceRecordSet with Name and Type`);
      const record = { ...clone(input), Name: fqdn(input.Name) } as RecordSet;
      if (touched.some((t) => sameRecord(t, record))) {
        problems.push(`The request contains an invalid set of changes for a resource record set '${record.Type} ${record.Name}'`);
        continue;
      }
      touched.push(record);
      problems.push(...this.invalid(zone, record, change.Action ?? ''));
      const at = records.findIndex((r) => sameRecord(r, record));
      if (change.Action === 'CREATE' && at >= 0) problems.push(`Tried to create resource record set ${describeRecord(record)} but it already exists`);
      else if (change.Action === 'DELETE' && at < 0) problems.push(`Tried to delete resource record set ${describeRecord(record)} but it was not found`);
      else if (change.Action === 'DELETE' && JSON.stringify(sortedKeys(records[at])) !== JSON.stringify(sortedKeys(record))) {
        problems.push(`Tried to delete resource record set ${describeRecord(record)} but the values provided do not match the current values`);
      } else if (change.Action === 'DELETE') records.splice(at, 1);
      else if (at >= 0) records[at] = record;
      else records.push(record);
    }
    problems.push(...mixedRouting(records, touched));
    if (problems.length) throw new Route53Error('InvalidChangeBatch', `[${problems.join(', ')}]`);
    zone.records = records.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
    const info: ChangeInfo = { Id: `/change/C${randomBytes(10).toString('hex').toUpperCase().slice(0, 13)}`, Status: 'PENDING', SubmittedAt: new Date(), ...(batch.Comment ? { Comment: batch.Comment } : {}) };
    this.changes.set(info.Id, info);
    const served = clone(zone.records);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      info.Status = 'INSYNC';
      zone.served = served;
      for (const listener of this.listeners) listener({ zoneId, served: clone(served) });
    }, this.options.changeDelayMs ?? 500);
    this.timers.add(timer);
    return { ...info };
  }

  getChange(id: string): ChangeInfo {
    const info = this.changes.get(id.startsWith('/change/') ? id : `/change/${id}`);
    if (!info) throw new Route53Error('NoSuchChange', `A change with the specified change ID does not exist: ${id}`, 404);
    return { ...info };
  }

  /** One page from the start record on (name, then type, then identifier), as ListResourceRecordSets pages. */
  list(zoneId: string, start: { name?: string; type?: string; identifier?: string; maxItems?: number }): {
    ResourceRecordSets: RecordSet[];
    IsTruncated: boolean;
    MaxItems: number;
    NextRecordName?: string;
    NextRecordType?: string;
    NextRecordIdentifier?: string;
  } {
    const zone = this.zone(zoneId);
    if (start.type !== undefined && start.name === undefined) throw new Route53Error('InvalidInput', 'The input is not valid: a type is given without a name');
    if (start.identifier !== undefined && start.type === undefined) throw new Route53Error('InvalidInput', 'The input is not valid: an identifier is given without a name and type');
    const max = start.maxItems === undefined ? MAX_ITEMS : Math.min(MAX_ITEMS, start.maxItems);
    if (!Number.isInteger(max) || max < 1) throw new Route53Error('InvalidInput', `1 validation error detected: Value '${start.maxItems}' at 'maxItems' failed to satisfy constraint: Member must be a positive integer`);
    const from = start.name === undefined ? '' : sortKey({ Name: fqdn(start.name), Type: start.type ?? '', SetIdentifier: start.identifier ?? '' });
    const rest = zone.records.filter((r) => sortKey(r) >= from);
    const page = rest.slice(0, max);
    const next = rest[max];
    return {
      ResourceRecordSets: clone(page),
      IsTruncated: next !== undefined,
      MaxItems: max,
      ...(next ? { NextRecordName: next.Name, NextRecordType: next.Type, ...(next.SetIdentifier !== undefined ? { NextRecordIdentifier: next.SetIdentifier } : {}) } : {}),
    };
  }

  healthStatus(id: string): HealthObservation[] {
    const healthy = this.health.get(id);
    if (healthy === undefined) throw new Route53Error('NoSuchHealthCheck', `No health check exists with the specified ID ${id}`, 404);
    const CheckedTime = new Date();
    const Status = healthy ? 'Success: HTTP Status Code 200, OK' : 'Failure: HTTP Status Code 500, Internal Server Error';
    return CHECKERS.map((c) => ({ ...c, StatusReport: { Status, CheckedTime } }));
  }

  /** Called when a change is INSYNC (the name servers answer with it). */
  onChange(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop the PENDING → INSYNC timers. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** A record's problems as Route 53 words them (InvalidChangeBatch messages). */
  private invalid(zone: Zone, r: RecordSet, action: string): string[] {
    const out: string[] = [];
    if (!['CREATE', 'DELETE', 'UPSERT'].includes(action)) throw new Route53Error('InvalidInput', `1 validation error detected: Value '${action}' at 'changeBatch.changes.member.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]`);
    if (r.Name !== zone.name && !r.Name!.endsWith(`.${zone.name}`)) out.push(`RRSet with DNS name ${r.Name} is not permitted in zone ${zone.name}`);
    if (r.Weight !== undefined && (!Number.isInteger(r.Weight) || r.Weight < 0 || r.Weight > WEIGHT_MAX)) {
      throw new Route53Error('InvalidInput', `1 validation error detected: Value '${r.Weight}' at 'changeBatch.changes.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value less than or equal to ${WEIGHT_MAX}`);
    }
    const alias = r.AliasTarget !== undefined;
    const plain = r.TTL !== undefined || r.ResourceRecords !== undefined;
    if (alias === plain || (!alias && (r.TTL === undefined || !r.ResourceRecords?.length))) {
      throw new Route53Error('InvalidInput', `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found ${alias ? 'more than one' : 'none'} in Change with [Action=${action}, Name=${r.Name}, Type=${r.Type}, SetIdentifier=${r.SetIdentifier ?? 'null'}]`);
    }
    if ((r.SetIdentifier === undefined) !== (r.Weight === undefined && r.Region === undefined && r.Failover === undefined && r.GeoLocation === undefined && r.MultiValueAnswer === undefined)) {
      out.push(`Invalid Resource Record Set ${describeRecord(r)}: a SetIdentifier goes with a routing policy (Weight, Region, Failover, GeoLocation, MultiValueAnswer) and the other way round`);
    }
    if (r.HealthCheckId !== undefined && !this.health.has(r.HealthCheckId)) throw new Route53Error('NoSuchHealthCheck', `No health check exists with the specified ID ${r.HealthCheckId}`, 404);
    return out;
  }
}

/** One name and type is either a single record or a set of records of one routing policy. */
function mixedRouting(records: RecordSet[], touched: RecordSet[]): string[] {
  const out: string[] = [];
  for (const t of touched) {
    const group = records.filter((r) => r.Name === t.Name && r.Type === t.Type);
    const weighted = group.filter((r) => r.Weight !== undefined).length;
    if ((weighted > 0 && weighted < group.length) || group.filter((r) => r.SetIdentifier === undefined).length > 1) {
      out.push(`RRSet with DNS name ${t.Name} and type ${t.Type} cannot mix routing policies: ${group.map(describeRecord).join(', ')}`);
    }
  }
  return [...new Set(out)];
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
  return value;
}
