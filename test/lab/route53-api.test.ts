// The lab's Route 53 API, driven by the real @aws-sdk/client-route-53 over loopback.
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoute53Api, type Route53Api } from '../../lab/aws/route53-api.ts';
import { Route53Model } from '../../lab/aws/route53-model.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
let model: Route53Model;
let api: Route53Api;
let r53: Route53Client;
let zone: string;
let check: string;

const weighted = (id: string, weight: number, value: string): ResourceRecordSet => ({ Name: 'api.example.com.', Type: 'A', SetIdentifier: id, Weight: weight, TTL: 5, ResourceRecords: [{ Value: value }] });
const upsert = (...records: ResourceRecordSet[]) => new ChangeResourceRecordSetsCommand({ HostedZoneId: zone, ChangeBatch: { Changes: records.map((r) => ({ Action: 'UPSERT', ResourceRecordSet: r })) } });
const list = async (name = 'api.example.com', type: 'A' | 'AAAA' = 'A') =>
  (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone, StartRecordName: name, StartRecordType: type }))).ResourceRecordSets ?? [];

beforeAll(async () => {
  model = new Route53Model({ changeDelayMs: 50 });
  zone = model.createZone('example.com');
  check = model.createHealthCheck(true);
  api = await startRoute53Api(model, { throttle: false });
  r53 = new Route53Client({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
});
afterAll(async () => {
  r53.destroy();
  model.close();
  await api.close();
});

describe('lab Route 53 API with the real SDK', () => {
  it('UPSERTs a batch, lists it back exactly (alias and health check included), PENDING then INSYNC', async () => {
    const alias: ResourceRecordSet = { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'green', Weight: 0, AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: 'dualstack.web-1.us-east-1.elb.amazonaws.com.', EvaluateTargetHealth: true }, HealthCheckId: check };
    const out = await r53.send(upsert(weighted('blue', 255, '192.0.2.10'), alias));
    expect(out.ChangeInfo).toMatchObject({ Status: 'PENDING' });
    expect(out.ChangeInfo?.SubmittedAt).toBeInstanceOf(Date);
    expect(await list()).toEqual([weighted('blue', 255, '192.0.2.10'), alias]);
    const id = out.ChangeInfo!.Id!;
    let status = out.ChangeInfo!.Status;
    for (let i = 0; i < 100 && status !== 'INSYNC'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await r53.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status;
    }
    expect(status).toBe('INSYNC');
  });

  it('pages with MaxItems and NextRecordName/Type/Identifier, in Route 53 order', async () => {
    await r53.send(upsert(weighted('a1', 1, '192.0.2.1'), weighted('a2', 1, '192.0.2.2'), { Name: 'www.example.com', Type: 'AAAA', TTL: 60, ResourceRecords: [{ Value: '2001:db8::1' }] }));
    const seen: string[] = [];
    let next: { StartRecordName?: string; StartRecordType?: 'A'; StartRecordIdentifier?: string } = {};
    for (let page = 0; page < 10; page++) {
      const res = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: `/hostedzone/${zone}`, MaxItems: 2, ...next }));
      seen.push(...(res.ResourceRecordSets ?? []).map((r) => `${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`.trim()));
      if (!res.IsTruncated) break;
      next = { StartRecordName: res.NextRecordName, StartRecordType: res.NextRecordType as 'A', StartRecordIdentifier: res.NextRecordIdentifier };
    }
    expect(seen).toEqual(['api.example.com. A a1', 'api.example.com. A a2', 'api.example.com. A blue', 'api.example.com. A green', 'www.example.com. AAAA']);
  });

  it('refuses a bad batch whole, with Route 53 error codes the SDK names', async () => {
    const before = await list();
    const outside = r53.send(upsert(weighted('blue', 3, '192.0.2.10'), { ...weighted('x', 1, '192.0.2.9'), Name: 'api.example.org' }));
    await expect(outside).rejects.toMatchObject({ name: 'InvalidChangeBatch', message: expect.stringContaining('is not permitted in zone example.com.') });
    await expect(r53.send(upsert(weighted('blue', 256, '192.0.2.10')))).rejects.toMatchObject({ name: 'InvalidInput', $metadata: { httpStatusCode: 400 } });
    await expect(r53.send(upsert({ ...weighted('blue', 1, '192.0.2.10'), TTL: undefined }))).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('Expected exactly one of [AliasTarget') });
    const del = new ChangeResourceRecordSetsCommand({ HostedZoneId: zone, ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: weighted('blue', 7, '192.0.2.10') }] } });
    await expect(r53.send(del)).rejects.toMatchObject({ name: 'InvalidChangeBatch', message: expect.stringContaining('do not match the current values') });
    await expect(r53.send(upsert(weighted('blue', 1, '192.0.2.10'), weighted('blue', 2, '192.0.2.10')))).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
    expect(await list()).toEqual(before);
  });

  it('answers NoSuchHostedZone, NoSuchChange and NoSuchHealthCheck with 404', async () => {
    await expect(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' }))).rejects.toMatchObject({ name: 'NoSuchHostedZone', $metadata: { httpStatusCode: 404 } });
    await expect(r53.send(new GetChangeCommand({ Id: '/change/CNOPE' }))).rejects.toMatchObject({ name: 'NoSuchChange', $metadata: { httpStatusCode: 404 } });
    await expect(r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: 'nope' }))).rejects.toMatchObject({ name: 'NoSuchHealthCheck' });
  });

  it('reports health check observations per checker region', async () => {
    model.setHealth(check, false);
    const res = await r53.send(new GetHealthCheckStatusCommand({ HealthCheckId: check }));
    expect(res.HealthCheckObservations?.map((o) => [o.Region, o.StatusReport?.Status?.split(':')[0]])).toEqual([
      ['us-east-1', 'Failure'],
      ['eu-west-1', 'Failure'],
      ['ap-southeast-1', 'Failure'],
    ]);
    expect(res.HealthCheckObservations?.[0]?.StatusReport?.CheckedTime).toBeInstanceOf(Date);
    model.setHealth(check, true);
  });

  it('throttles like Route 53 (Throttling, 400), which the SDK retries', async () => {
    api.throttle.throttleNext(1);
    const retrying = new Route53Client({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 3, retryStrategy: undefined });
    const res = await retrying.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone, MaxItems: 1 }));
    expect(res.ResourceRecordSets).toHaveLength(1);
    expect(api.throttle.throttled('ListResourceRecordSets')).toBe(1);
    retrying.destroy();
  });
});
