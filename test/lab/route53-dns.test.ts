// The lab's DNS layer: Route 53's weighted answer from what is INSYNC, clients that cache it for the
// TTL (so changes arrive late, for real), and the Route 53 lab backend end to end on loopback.
import { request } from 'node:http';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterEach, describe, expect, it } from 'vitest';
import { Route53Model, type RecordSet } from '../../lab/aws/route53-model.ts';
import { route53LabProvider } from '../../lab/providers/route53.ts';
import { authoritativeAnswer, CachingResolver } from '../../lab/traffic/dns.ts';
import { TrafficMetrics } from '../../lab/traffic/metrics.ts';
import { startServices } from '../../lab/traffic/services.ts';

const rec = (id: string, weight: number, value: string, extra: Partial<RecordSet> = {}): RecordSet => ({ Name: 'api.example.com.', Type: 'A', SetIdentifier: id, Weight: weight, TTL: 5, ResourceRecords: [{ Value: value }], ...extra });
const insync = (model: Route53Model) => new Promise<void>((resolve) => { const off = model.onChange(() => (off(), resolve())); });
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function zoneWith(...records: RecordSet[]) {
  const model = new Route53Model({ changeDelayMs: 1 });
  cleanup.push(() => model.close());
  const zone = model.createZone('example.com');
  const synced = insync(model);
  model.change(zone, { Changes: records.map((r) => ({ Action: 'CREATE', ResourceRecordSet: r })) });
  await synced;
  return { model, zone };
}

describe('authoritative weighted answer', () => {
  it('answers by weight, leaves out records whose health check fails, and splits evenly when all weights are 0', async () => {
    const { model, zone } = await zoneWith(rec('blue', 1, '192.0.2.10'), rec('green', 3, '192.0.2.20'));
    const at = (r: number) => authoritativeAnswer(model, zone, 'api.example.com', 'A', () => r)?.setIdentifier;
    expect([0, 0.24, 0.26, 0.99].map(at)).toEqual(['blue', 'blue', 'green', 'green']);
    expect(authoritativeAnswer(model, zone, 'api.example.com', 'A', () => 0)).toEqual({ values: ['192.0.2.10'], ttl: 5, setIdentifier: 'blue' });

    const { model: m2, zone: z2 } = await zoneWith(rec('blue', 0, '192.0.2.10'), rec('green', 0, '192.0.2.20'));
    expect([0.1, 0.6].map((r) => authoritativeAnswer(m2, z2, 'api.example.com.', 'A', () => r)?.setIdentifier)).toEqual(['blue', 'green']);
    const unhealthy = m2.createHealthCheck(false);
    const synced = insync(m2);
    m2.change(z2, { Changes: [{ Action: 'UPSERT', ResourceRecordSet: rec('green', 255, '192.0.2.20', { HealthCheckId: unhealthy }) }, { Action: 'UPSERT', ResourceRecordSet: rec('blue', 1, '192.0.2.10') }] });
    await synced;
    expect(authoritativeAnswer(m2, z2, 'api.example.com', 'A', () => 0.9)?.setIdentifier).toBe('blue');
  });

  it('serves a change only once it is INSYNC, though the API lists it at once', async () => {
    const model = new Route53Model({ changeDelayMs: 60_000 });
    cleanup.push(() => model.close());
    const zone = model.createZone('example.com');
    model.change(zone, { Changes: [{ Action: 'CREATE', ResourceRecordSet: rec('blue', 1, '192.0.2.10') }] });
    expect(model.list(zone, {}).ResourceRecordSets).toHaveLength(1);
    expect(authoritativeAnswer(model, zone, 'api.example.com', 'A')).toBeUndefined();
  });
});

describe('CachingResolver', () => {
  it('keeps each client on its cached answer until the TTL passes, then follows the new weights', async () => {
    const { model, zone } = await zoneWith(rec('blue', 255, '192.0.2.10'), rec('green', 0, '192.0.2.20'));
    let now = 1_000_000;
    const ports: Record<string, number> = { '192.0.2.10': 1001, '192.0.2.20': 1002 };
    const resolver = new CachingResolver({ lookup: (n) => authoritativeAnswer(model, zone, n, 'A'), route: (v) => ({ address: '127.0.0.1', port: ports[v]! }), clients: 10, now: () => now });
    const round = async () => Promise.all(Array.from({ length: 10 }, () => resolver.resolve('api.example.com').then((w) => w.port)));

    expect(new Set(await round())).toEqual(new Set([1001]));
    const synced = insync(model);
    model.change(zone, { Changes: [{ Action: 'UPSERT', ResourceRecordSet: rec('blue', 0, '192.0.2.10') }, { Action: 'UPSERT', ResourceRecordSet: rec('green', 255, '192.0.2.20') }] });
    await synced;
    now += 4_999;
    expect(new Set(await round())).toEqual(new Set([1001]));
    expect(resolver.cachedShares('api.example.com')).toEqual({ blue: 1 });
    now += 1;
    expect(new Set(await round())).toEqual(new Set([1002]));
    expect(resolver.stats).toEqual({ queries: 20, cached: 10 });
  });
});

describe('Route 53 lab backend', () => {
  it('moves real requests by DNS once cached answers expire, metered per side, driven by the real SDK', async () => {
    const services = await startServices();
    cleanup.push(() => services.close());
    const metrics = new TrafficMetrics();
    const backend = await route53LabProvider({ ttlSeconds: 1, changeDelayMs: 20, clients: 5, throttle: false }).start({ blue: services.blue.url, green: services.green.url }, metrics);
    cleanup.push(() => backend.close());
    const r53 = new Route53Client({ endpoint: backend.endpoints.AWS_ENDPOINT_URL_ROUTE_53, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    cleanup.push(() => r53.destroy());
    const get = async () => {
      const where = await backend.resolve!('api.lab.example');
      return new Promise<string>((resolve, reject) => {
        request({ host: where.address, port: where.port, path: '/', headers: { host: 'api.lab.example' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers['x-service'])));
        }).on('error', reject).end();
      });
    };
    const round = async () => new Set(await Promise.all(Array.from({ length: 5 }, get)));

    expect(backend.weights()).toEqual({ blue: 255, green: 0 });
    expect(await round()).toEqual(new Set(['blue']));
    const records = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: backend.target.hostedZoneId as string }))).ResourceRecordSets ?? [];
    const changes = records.filter((r) => r.SetIdentifier).map((r) => ({ Action: 'UPSERT' as const, ResourceRecordSet: { ...r, Weight: r.SetIdentifier === 'green' ? 255 : 0 } }));
    const synced = new Promise<void>((resolve) => { const off = (backend as unknown as { model: Route53Model }).model.onChange(() => (off(), resolve())); });
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: backend.target.hostedZoneId as string, ChangeBatch: { Changes: changes } }));
    await synced;
    expect(backend.weights()).toEqual({ blue: 0, green: 255 });
    // Past the TTL every client asks again (the exact TTL boundary is the CachingResolver test's, on a fake clock).
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await round()).toEqual(new Set(['green']));
    expect(metrics.window('blue', 60).requests).toBeGreaterThanOrEqual(5);
    expect(metrics.window('green', 60).requests).toBeGreaterThanOrEqual(5);
    expect(backend.weightHistory().map((h) => h.weights)).toEqual([{ blue: 255, green: 0 }, { blue: 0, green: 255 }]);
  });
});
