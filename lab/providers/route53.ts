// The lab's Route 53: hosted zone lab.example with the weighted A records api.lab.example "blue"
// (255) and "green" (0), TTL 5 s, each with a health check; the Route 53-compatible API over it
// (lab/aws/route53-api.ts); blue and green each behind a metering pass-through (their endpoints'
// own metrics). The load generator resolves api.lab.example through 200 caching clients
// (lab/traffic/dns.ts), so every step and the rollback reach users up to one TTL late.
import { stepWeights } from '../../lambdas/domain/shares.ts';
import { ROUTE53_SCALE } from '../../lambdas/providers/traffic/route53.ts';
import { startRoute53Api } from '../aws/route53-api.ts';
import { Route53Model, type RecordSet } from '../aws/route53-model.ts';
import { authoritativeAnswer, CachingResolver } from '../traffic/dns.ts';
import { startPassThrough } from '../traffic/passthrough.ts';
import type { WeightChange } from '../traffic/proxy.ts';
import type { LabBackend, LabProvider } from './provider.ts';

export const LAB_ZONE_ID = 'Z0LAB0EXAMPLE0000001';
export const LAB_RECORD = 'api.lab.example';
export const LAB_TTL_SECONDS = 5;
/** TEST-NET-1 (RFC 5737) addresses in the records; the lab routes them to the pass-throughs on 127.0.0.1. */
const ADDRESS = { blue: '192.0.2.10', green: '192.0.2.20' } as const;

export interface Route53LabOptions {
  ttlSeconds?: number;
  /** PENDING → INSYNC (default 500 ms). */
  changeDelayMs?: number;
  clients?: number;
  /** false: no API rate limit (benches that poll faster than Route 53's 5 requests a second allow). */
  throttle?: boolean;
}

export function route53LabProvider(options: Route53LabOptions = {}): LabProvider {
  return {
    name: 'route53',
    defaultBakeSeconds: 2 * (options.ttlSeconds ?? LAB_TTL_SECONDS),
    async start(services, metrics): Promise<LabBackend & { resolver: CachingResolver; model: Route53Model }> {
      const ttl = options.ttlSeconds ?? LAB_TTL_SECONDS;
      const model = new Route53Model({ changeDelayMs: options.changeDelayMs ?? 500 });
      const zoneId = model.createZone('lab.example', LAB_ZONE_ID);
      const planes = { blue: await startPassThrough('blue', services.blue, metrics), green: await startPassThrough('green', services.green, metrics) };
      const record = (side: 'blue' | 'green', weight: number): RecordSet => ({
        Name: `${LAB_RECORD}.`, Type: 'A', SetIdentifier: side, Weight: weight, TTL: ttl, ResourceRecords: [{ Value: ADDRESS[side] }], HealthCheckId: model.createHealthCheck(true),
      });
      const synced = new Promise<void>((resolve) => {
        const off = model.onChange(() => (off(), resolve()));
      });
      model.change(zoneId, { Changes: [record('blue', 255), record('green', 0)].map((r) => ({ Action: 'CREATE', ResourceRecordSet: r })) });
      await synced;
      const api = await startRoute53Api(model, { throttle: options.throttle ?? true });

      const weightsOf = (served: RecordSet[]) => Object.fromEntries(served.filter((r) => r.Name === `${LAB_RECORD}.` && r.SetIdentifier).map((r) => [r.SetIdentifier!, r.Weight ?? 0]));
      const history: WeightChange[] = [{ at: metrics.now(), weights: weightsOf(model.zone(zoneId).served) }];
      const off = model.onChange((e) => history.push({ at: metrics.now(), weights: weightsOf(e.served) }));
      const port = (url: string) => Number(new URL(url).port);
      const resolver = new CachingResolver({
        lookup: (name) => authoritativeAnswer(model, zoneId, name, 'A'),
        route: (value) => (value === ADDRESS.blue ? { address: '127.0.0.1', port: port(planes.blue.url) } : value === ADDRESS.green ? { address: '127.0.0.1', port: port(planes.green.url) } : undefined),
        clients: options.clients ?? 200,
        now: metrics.now,
      });
      const dimension = (side: string) => ({ HostedZoneId: zoneId, RecordName: LAB_RECORD, SetIdentifier: side });
      return {
        target: { type: 'route53', hostedZoneId: zoneId, recordName: LAB_RECORD, recordType: 'A', stable: 'blue', canary: 'green' },
        sides: { blue: 'blue', green: 'green' },
        dimensions: { blue: dimension('blue'), green: dimension('green') },
        endpoints: { AWS_ENDPOINT_URL_ROUTE_53: api.url },
        trafficUrl: `http://${LAB_RECORD}/`,
        resolve: (name) => resolver.resolve(name),
        weights: () => weightsOf(model.zone(zoneId).served),
        weightHistory: () => history.map((h) => ({ at: h.at, weights: { ...h.weights } })),
        notes: [
          `DNS: ${LAB_RECORD} A, weighted records blue/green, TTL ${ttl} s; ${options.clients ?? 200} clients each cache their answer for the TTL, so a step or the rollback reaches them up to ${ttl} s late (Prepare refuses bakes under ${2 * ttl} s)`,
        ],
        planWeights(percent: number) {
          const step = stepWeights({ blue: 255, green: 0 }, { stable: 'blue', canary: 'green' }, percent, ROUTE53_SCALE);
          return step.ok ? { stable: step.weights.blue ?? 0, canary: step.weights.green ?? 0 } : { stable: NaN, canary: NaN };
        },
        resolver,
        model,
        async close() {
          off();
          model.close();
          await Promise.all([api.close(), planes.blue.close(), planes.green.close()]);
        },
      };
    },
  };
}

export const route53Lab: LabProvider = route53LabProvider();
