// Route 53 weighted records as a traffic layer: the pair is two records of one name and type in a
// hosted zone, told apart by SetIdentifier; weights are integers 0–255 (1/256 ≈ 0.39% is the
// smallest share). A step UPSERTs the listed records in ONE ChangeResourceRecordSets batch, each
// written back as read but for its Weight (alias targets, health checks, TTLs untouched), and
// waits until the change is INSYNC. DNS caching delays every change by up to the TTL, so bakes
// shorter than twice the TTL are refused. Sources and limits: docs/providers/route53.md.
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import * as z from 'zod';
import { stepWeights, type WeightScale } from '../../domain/shares.ts';
import { ChangeNotInSync, WeightedRecordNotFound } from '../../errors.ts';
import { aws } from '../aws-errors.ts';
import { client, defineClient } from '../clients.ts';
import { VerifiedShifter } from './base.ts';
import type { DesiredForward, HealthCount, Sides, TrafficProvider, TrafficState } from './provider.ts';

defineClient('route53', () => new Route53Client({}));

export const ROUTE53_SCALE: WeightScale = { max: 255, label: 'Route 53 weights 0–255' };
/** Route 53 answers an alias to an ELB load balancer or CloudFront with a 60-second TTL (alias records have no TTL of their own). */
export const ALIAS_TTL_SECONDS = 60;
/** Route 53 calls an endpoint healthy when more than 18% of its health checkers do. */
const HEALTHY_CHECKER_SHARE = 0.18;

const ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const LABEL = '(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)';
const DNS_NAME = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}\\.?$`, 'i');
const SET_ID = z
  .string({ error: (i) => (i.input === undefined ? 'is required: a SetIdentifier (a string) of the weighted record set' : 'must be a SetIdentifier (a string)') })
  .min(1, { error: 'must be a SetIdentifier of 1–128 characters' })
  .max(128, { error: 'must be a SetIdentifier of 1–128 characters' });

/** `API.Example.com.` → `api.example.com`; Route 53's octal escapes (`\052` for `*`) decoded. The one form names are compared and shown in. */
export function canonicalName(name: string): string {
  return name
    .replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    .toLowerCase()
    .replace(/\.$/, '');
}

export const Route53TargetSchema = z
  .object(
    {
      type: z.literal('route53'),
      hostedZoneId: z
        .string({ error: 'is required: the hosted zone id (a string), e.g. Z0123456789ABCDEFGHIJ' })
        .refine((id) => !id.startsWith('/hostedzone/'), { error: 'give the id without the /hostedzone/ prefix, e.g. Z0123456789ABCDEFGHIJ' })
        .refine((id) => id.startsWith('/hostedzone/') || ZONE_ID.test(id), { error: 'is not a hosted zone id; expected e.g. Z0123456789ABCDEFGHIJ (Route 53 console → Hosted zones → Hosted zone ID)' }),
      recordName: z
        .string({ error: 'is required: the record name (a string), e.g. api.example.com' })
        .max(255, { error: 'must be a DNS name of at most 255 characters' })
        .regex(DNS_NAME, { error: 'is not a DNS name; expected e.g. api.example.com (a trailing dot is optional)' })
        .transform(canonicalName),
      recordType: z.enum(['A', 'AAAA', 'CNAME'], { error: 'must be "A", "AAAA" or "CNAME" (the type of the weighted records)' }),
      stable: SET_ID,
      canary: SET_ID,
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `has no field ${issue.keys.join(', ')}: a Route 53 target is { type: "route53", hostedZoneId, recordName, recordType, stable, canary }`
          : 'must be an object { type: "route53", hostedZoneId, recordName, recordType, stable, canary }',
    },
  )
  .strict()
  .refine((t) => t.stable !== t.canary, { error: 'stable and canary name the same SetIdentifier; they must be two records of the weighted set', path: ['canary'] });

export type Route53Target = z.output<typeof Route53TargetSchema>;

const labelOf = (t: Route53Target) => `record ${t.recordName} ${t.recordType} (zone ${t.hostedZoneId})`;
const recordsOf = (state: TrafficState) => state.actions as ResourceRecordSet[];

/** The TTL clients may cache an answer of this set for: the largest of its records' (alias records: 60 s). */
export function cacheSeconds(records: readonly ResourceRecordSet[]): { ttl: number; alias: boolean } {
  const alias = records.some((r) => r.AliasTarget);
  const ttl = Math.max(0, ...records.map((r) => (r.AliasTarget ? ALIAS_TTL_SECONDS : (r.TTL ?? 0))));
  return { ttl, alias };
}

export interface SettleOptions {
  /** The longest pause between two GetChange calls (default 2 s: Route 53 allows 5 requests a second per account). */
  pollMs?: number;
  /** Give up after this long (default 20 s, inside the 30-s Lambda timeout). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Reads and writes one weighted record set (name + type, every SetIdentifier) in one hosted zone. */
export class Route53Shifter extends VerifiedShifter {
  protected readonly where: string;
  private pendingChange: string | undefined;

  constructor(
    private readonly target: Route53Target,
    private readonly settle: SettleOptions = {},
  ) {
    super();
    this.where = labelOf(target);
  }

  private get r53(): Route53Client {
    return client('route53');
  }

  protected async readAsIs(): Promise<TrafficState> {
    const records = await readRecordSet(this.r53, this.target);
    const weights: Record<string, number> = {};
    for (const r of records) if (r.SetIdentifier !== undefined && r.Weight !== undefined) weights[r.SetIdentifier] = r.Weight;
    return { actions: records, weights };
  }

  protected requirePair(state: TrafficState): void {
    const records = recordsOf(state);
    for (const side of ['stable', 'canary'] as const) {
      const id = this.target[side];
      const record = records.find((r) => r.SetIdentifier === id);
      const found = records.length ? `found SetIdentifier ${records.map((r) => `"${r.SetIdentifier ?? '(none)'}"`).join(', ')}` : 'no records of that name and type';
      if (!record) throw new WeightedRecordNotFound(`${this.where} has no record with SetIdentifier "${id}" (target.${side}); ${found}. Create that weighted record (weight 0 for a new canary) or fix target.${side}`);
      if (record.Weight === undefined) throw new WeightedRecordNotFound(`${this.where}: the record with SetIdentifier "${id}" (target.${side}) has no Weight: it uses another routing policy; canary-switch shifts weighted records only`);
    }
  }

  protected async writeWeights(current: TrafficState, desired: DesiredForward): Promise<void> {
    const records = recordsOf(current);
    const changes: Change[] = Object.entries(desired.weights).map(([id, weight]) => {
      const record = records.find((r) => r.SetIdentifier === id);
      if (!record) throw new WeightedRecordNotFound(`${this.where} has no record with SetIdentifier "${id}" to set to weight ${weight}`);
      return { Action: 'UPSERT', ResourceRecordSet: { ...record, Weight: weight } };
    });
    const summary = Object.entries(desired.weights).map(([id, w]) => `${id} ${w}`).join(', ');
    await this.change(changes, `canary-switch: ${summary}`);
  }

  /**
   * Every recorded record UPSERTed verbatim; a record of the set that the original did not have
   * (someone added a SetIdentifier during the rollout) is DELETEd in the same batch, so the set is
   * exactly as recorded — as the ELBv2 restore puts the whole forward action back. Its definition
   * is logged in full first, so it can be recreated.
   */
  protected async writeOriginal(original: TrafficState, current: TrafficState): Promise<void> {
    const kept = new Set(recordsOf(original).map((r) => r.SetIdentifier));
    const extra = recordsOf(current).filter((r) => !kept.has(r.SetIdentifier));
    if (extra.length) console.warn(JSON.stringify({ message: `${this.where}: deleting records the recorded original did not have`, records: extra }));
    const changes: Change[] = [
      ...recordsOf(original).map((r): Change => ({ Action: 'UPSERT', ResourceRecordSet: r })),
      ...extra.map((r): Change => ({ Action: 'DELETE', ResourceRecordSet: r })),
    ];
    await this.change(changes, 'canary-switch: restore the recorded original');
  }

  protected override async settled(): Promise<void> {
    const id = this.pendingChange;
    if (!id) return;
    const pollMs = this.settle.pollMs ?? 2_000;
    const timeoutMs = this.settle.timeoutMs ?? 20_000;
    const sleep = this.settle.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    // 250 ms, 500 ms, 1 s, then every pollMs: most changes are INSYNC within seconds.
    for (let waited = 0, i = 0; ; i++) {
      const res = await aws(`GetChange ${id} (${this.where})`, () => this.r53.send(new GetChangeCommand({ Id: id })));
      if (res.ChangeInfo?.Status === 'INSYNC') {
        this.pendingChange = undefined;
        return;
      }
      const pause = Math.min(pollMs, 250 * 2 ** i);
      if (waited + pause > timeoutMs) break;
      await sleep(pause);
      waited += pause;
    }
    throw new ChangeNotInSync(
      id,
      `${this.where}: change ${id} is still PENDING after ${Math.round(timeoutMs / 1000)} s; Route 53 has accepted it and is propagating it to its name servers. Check it with \`aws route53 get-change --id ${id}\`; the step is retried`,
    );
  }

  private async change(changes: Change[], comment: string): Promise<void> {
    const res = await aws(`ChangeResourceRecordSets ${this.where}`, () =>
      this.r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: this.target.hostedZoneId, ChangeBatch: { Comment: comment.slice(0, 256), Changes: changes } })),
    );
    this.pendingChange = res.ChangeInfo?.Id;
  }
}

/** Every record of the target's name and type (all SetIdentifiers, as Route 53 returns them), across pages. */
export async function readRecordSet(r53: Route53Client, target: Route53Target): Promise<ResourceRecordSet[]> {
  const records: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type']; StartRecordIdentifier?: string } = { StartRecordName: `${target.recordName}.`, StartRecordType: target.recordType };
  // Records are listed in name, type, identifier order from the start: the set is a contiguous run.
  for (;;) {
    const page = await aws(`ListResourceRecordSets ${labelOf(target)}`, () => r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: target.hostedZoneId, ...start, MaxItems: 300 })));
    for (const r of page.ResourceRecordSets ?? []) {
      if (canonicalName(r.Name ?? '') !== target.recordName || r.Type !== target.recordType) return records;
      records.push(JSON.parse(JSON.stringify(r)) as ResourceRecordSet);
    }
    if (!page.IsTruncated) return records;
    start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType, StartRecordIdentifier: page.NextRecordIdentifier };
  }
}

export const route53: TrafficProvider<Route53Target> = {
  type: 'route53',
  title: 'Route 53 weighted records',
  schema: Route53TargetSchema,
  scale: `${ROUTE53_SCALE.label} (smallest non-zero share 1/256 ≈ 0.39%)`,
  lockKey: (t) => `lock#route53:${t.hostedZoneId}:${t.recordName}:${t.recordType}`,
  label: labelOf,
  resource: (t) => `record ${t.recordName} ${t.recordType} in zone ${t.hostedZoneId}`,
  // `api-green`: the record's first label and the canary (any target form: fields may be missing before validation).
  nameHint: (t) => {
    const target = t as Partial<Route53Target>;
    return `${canonicalName(target.recordName ?? 'record').split('.')[0] || 'record'}-${target.canary ?? 'canary'}`;
  },
  sides: (t): Sides => ({ stable: t.stable, canary: t.canary }),
  sideName: (id) => id,
  stepWeights(original, t, percent) {
    try {
      return stepWeights(original.weights, { stable: t.stable, canary: t.canary }, percent, ROUTE53_SCALE);
    } catch (err) {
      if (!(err instanceof RangeError) || !/holds at most/.test(err.message)) throw err;
      return { ok: false, percent, reason: `${labelOf(t)} has ${Object.keys(original.weights).length} weighted records; keeping the others' shares is computed for at most 5` };
    }
  },
  shifter: (t) => new Route53Shifter(t),
  async canaryHealth(t): Promise<HealthCount | undefined> {
    const r53 = client('route53');
    const canary = (await readRecordSet(r53, t)).find((r) => r.SetIdentifier === t.canary);
    if (!canary?.HealthCheckId) return undefined;
    const id = canary.HealthCheckId;
    const res = await aws(`GetHealthCheckStatus ${id} (${labelOf(t)} "${t.canary}")`, () => r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id })));
    const observations = res.HealthCheckObservations ?? [];
    const ok = observations.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length;
    // One endpoint behind the record: healthy as Route 53 judges it (more than 18% of checkers).
    return { healthy: observations.length > 0 && ok / observations.length > HEALTHY_CHECKER_SHARE ? 1 : 0, total: 1 };
  },
  // Route 53 publishes no per-record request or error metrics (query logs count DNS queries, not the
  // requests clients then send, and resolvers cache): a judge needs the endpoints' own metrics.
  metrics: () => undefined,
  preflight(t, original, input) {
    const { ttl, alias } = cacheSeconds(recordsOf(original));
    if (input.bakeSeconds >= 2 * ttl) return [];
    return [
      `bakeSeconds = ${input.bakeSeconds}: shorter than twice the TTL of ${labelOf(t)} (${ttl} s${alias ? `; alias records have no TTL of their own, Route 53 answers them with ${ALIAS_TTL_SECONDS} s` : ''}). ` +
        `Resolvers keep an answer for up to the TTL, so a step reaches every client only after ${ttl} s and shows in their errors one TTL later; set bakeSeconds ≥ ${2 * ttl}, or lower the records' TTL a TTL ahead of the rollout`,
    ];
  },
  notes(t, original) {
    const ttl = original ? `${cacheSeconds(recordsOf(original)).ttl} s` : 'the TTL';
    return [
      `DNS lag: a step or a rollback of ${labelOf(t)} reaches a client only when its cached answer expires, up to ${ttl} later (longer behind resolvers that ignore TTLs); until then those clients keep reaching the side they were answered, the canary included.`,
      'Route 53 weighs DNS answers, not requests: every request of a client (or of all clients behind one resolver) goes to the side it was answered until the TTL passes.',
      `${ROUTE53_SCALE.label}: the smallest non-zero share is 1/256 ≈ 0.39%.`,
    ];
  },
};
