// The Route 53 shifter against the lab's Route 53 API with the real SDK (loopback): one batch of
// UPSERTs that keeps every other field, the INSYNC wait, the exact restore, health from the canary's check.
import { Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChangeNotInSync, WeightedRecordNotFound } from '../../lambdas/errors.ts';
import { resetClients, setClients } from '../../lambdas/providers/clients.ts';
import { route53, Route53Shifter, Route53TargetSchema } from '../../lambdas/providers/traffic/route53.ts';
import type { TrafficState } from '../../lambdas/providers/traffic/provider.ts';
import { startRoute53Api, type Route53Api } from '../../lab/aws/route53-api.ts';
import { Route53Model } from '../../lab/aws/route53-model.ts';

let model: Route53Model;
let api: Route53Api;
let r53: Route53Client;
let zone: string;
let check: string;
let batches: { Changes?: { Action?: string; ResourceRecordSet?: ResourceRecordSet }[] }[];

const blue: ResourceRecordSet = { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'blue', Weight: 200, TTL: 5, ResourceRecords: [{ Value: '192.0.2.10' }, { Value: '192.0.2.11' }] };
const green = (): ResourceRecordSet => ({
  Name: 'api.example.com.',
  Type: 'A',
  SetIdentifier: 'green',
  Weight: 0,
  AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: 'dualstack.green-1.us-east-1.elb.amazonaws.com.', EvaluateTargetHealth: true },
  HealthCheckId: check,
});
const legacy: ResourceRecordSet = { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'legacy', Weight: 55, TTL: 5, ResourceRecords: [{ Value: '192.0.2.30' }] };
const target = () => Route53TargetSchema.parse({ type: 'route53', hostedZoneId: zone, recordName: 'API.example.com.', recordType: 'A', stable: 'blue', canary: 'green' });
const fast = { pollMs: 5, timeoutMs: 5_000 };

beforeAll(async () => {
  api = await startRoute53Api((model = new Route53Model({ changeDelayMs: 20 })), { throttle: false });
  r53 = new Route53Client({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});
afterAll(async () => {
  r53.destroy();
  model.close();
  await api.close();
});
beforeEach(() => {
  zone = model.createZone('example.com');
  check = model.createHealthCheck(true);
  const www: ResourceRecordSet = { Name: 'www.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.99' }] };
  model.change(zone, { Changes: [blue, green(), legacy, www].map((r) => ({ Action: 'CREATE', ResourceRecordSet: r })) });
  batches = [];
  const change = model.change.bind(model);
  model.change = (z, b) => (batches.push(structuredClone(b)), change(z, b));
  setClients({ route53: r53 });
});
afterEach(() => {
  resetClients();
  model.change = Route53Model.prototype.change.bind(model);
});

const served = () => model.zone(zone).served.filter((r) => r.Name === 'api.example.com.');

describe('Route53Shifter', () => {
  it('reads the whole weighted set of that name and type, every SetIdentifier, as Route 53 lists it', async () => {
    const state = await new Route53Shifter(target(), fast).read();
    expect(state).toEqual({ actions: [blue, green(), legacy], weights: { blue: 200, green: 0, legacy: 55 } });
  });

  it('writes one batch of UPSERTs that keeps alias targets, health checks and TTLs, waits for INSYNC, and keeps the other record share', async () => {
    const original = await new Route53Shifter(target(), fast).read();
    const step = route53.stepWeights(original, target(), 10);
    if (!step.ok) throw new Error(step.reason);
    const after = await new Route53Shifter(target(), fast).apply({ weights: step.weights });

    expect(batches).toHaveLength(1);
    expect(batches[0]?.Changes?.map((c) => c.Action)).toEqual(['UPSERT', 'UPSERT', 'UPSERT']);
    const w = step.weights;
    const expected = [{ ...blue, Weight: w.blue }, { ...green(), Weight: w.green }, { ...legacy, Weight: w.legacy }];
    expect(after.actions).toEqual(expected);
    // The name servers answer with it once apply returns: it waited for INSYNC.
    expect(served()).toEqual(expected);
    expect(step.shares.legacy).toBeCloseTo((55 / 255) * 100, 0);
  });

  it('does not write when the weights are already there', async () => {
    const shifter = new Route53Shifter(target(), fast);
    const state = await shifter.apply({ weights: { blue: 200, green: 0 } });
    expect(batches).toEqual([]);
    expect(state.weights).toEqual({ blue: 200, green: 0, legacy: 55 });
  });

  it('restores the recorded original exactly after a step, a TTL edit, a deleted and an added record', async () => {
    const original: TrafficState = await new Route53Shifter(target(), fast).read();
    await new Route53Shifter(target(), fast).apply({ weights: { blue: 100, green: 100 } });
    const extra: ResourceRecordSet = { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'hotfix', Weight: 10, TTL: 5, ResourceRecords: [{ Value: '192.0.2.50' }] };
    model.change(zone, {
      Changes: [
        { Action: 'UPSERT', ResourceRecordSet: { ...blue, TTL: 300, Weight: 100 } },
        { Action: 'DELETE', ResourceRecordSet: legacy },
        { Action: 'CREATE', ResourceRecordSet: extra },
      ],
    });
    batches = [];
    const restored = await new Route53Shifter(target(), fast).restore(original);

    expect(restored).toEqual(original);
    expect(await new Route53Shifter(target(), fast).read()).toEqual(original);
    expect(served()).toEqual([blue, green(), legacy]);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.Changes?.map((c) => `${c.Action} ${c.ResourceRecordSet?.SetIdentifier}`)).toEqual(['UPSERT blue', 'UPSERT green', 'UPSERT legacy', 'DELETE hotfix']);
    expect(await new Route53Shifter(target(), fast).restore(original)).toEqual(original);
    expect(batches).toHaveLength(1);
  });

  it('throws ChangeNotInSync (retried as Transient) naming the change when INSYNC does not come within the bound', async () => {
    const slow = new Route53Model({ changeDelayMs: 60_000 });
    const z = slow.createZone('example.com');
    slow.change(z, { Changes: [blue, { ...legacy, SetIdentifier: 'green' }].map((r) => ({ Action: 'CREATE', ResourceRecordSet: r })) });
    const slowApi = await startRoute53Api(slow, { throttle: false });
    const client = new Route53Client({ endpoint: slowApi.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    setClients({ route53: client });
    try {
      const t = Route53TargetSchema.parse({ type: 'route53', hostedZoneId: z, recordName: 'api.example.com', recordType: 'A', stable: 'blue', canary: 'green' });
      const err = await new Route53Shifter(t, { pollMs: 1, timeoutMs: 3, sleep: async () => {} }).apply({ weights: { blue: 1, green: 1 } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChangeNotInSync);
      // The state machine retries it (ErrorEquals Transient).
      expect((err as Error).name).toBe('Transient');
      const id = (err as ChangeNotInSync).changeId;
      expect(id).toMatch(/^\/change\/C/);
      expect((err as Error).message).toContain(id);
      expect(slow.getChange(id).Status).toBe('PENDING');
    } finally {
      client.destroy();
      slow.close();
      await slowApi.close();
    }
  });

  it('refuses a target whose canary is not in the weighted set, naming the SetIdentifiers found', async () => {
    const t = { ...target(), canary: 'grene' };
    await expect(new Route53Shifter(t, fast).read()).rejects.toThrow(WeightedRecordNotFound);
    await expect(new Route53Shifter(t, fast).read()).rejects.toThrow(/SetIdentifier "grene" \(target\.canary\); found SetIdentifier "blue", "green", "legacy"/);
  });
});

describe('route53.canaryHealth', () => {
  it("reads the canary record's Route 53 health check, and nothing when it has none", async () => {
    expect(await route53.canaryHealth(target())).toEqual({ healthy: 1, total: 1 });
    model.setHealth(check, false);
    expect(await route53.canaryHealth(target())).toEqual({ healthy: 0, total: 1 });
    expect(await route53.canaryHealth({ ...target(), canary: 'legacy' })).toBeUndefined();
  });
});
