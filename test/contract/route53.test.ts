// The provider contract for Route 53: a weighted record set (blue 255, green 0, an alias record with
// a health check among them) of the lab's hosted zone, read and written through the lab's Route 53
// API with the real SDK client.
import { Route53Client } from '@aws-sdk/client-route-53';
import { startRoute53Api } from '../../lab/aws/route53-api.ts';
import { Route53Model, type RecordSet } from '../../lab/aws/route53-model.ts';
import { setClients } from '../../lambdas/providers/clients.ts';
import { route53, Route53TargetSchema } from '../../lambdas/providers/traffic/route53.ts';
import { providerContract } from './contract.ts';

async function backend() {
  // INSYNC as soon as the next GetChange: the wait itself is test/unit/route53-shifter.test.ts's.
  const model = new Route53Model({ changeDelayMs: 0 });
  const zone = model.createZone('example.com');
  const check = model.createHealthCheck(true);
  const blue: RecordSet = { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'blue', Weight: 255, TTL: 60, ResourceRecords: [{ Value: '192.0.2.10' }] };
  const green: RecordSet = { Name: 'api.example.com.', Type: 'A', SetIdentifier: 'green', Weight: 0, HealthCheckId: check, AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: 'green-1.us-east-1.elb.amazonaws.com.', EvaluateTargetHealth: true } };
  model.change(zone, { Changes: [blue, green].map((r) => ({ Action: 'CREATE', ResourceRecordSet: r })) });
  const api = await startRoute53Api(model, { throttle: false });
  const r53 = new Route53Client({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  setClients({ route53: r53 });
  let writes = 0;
  const change = model.change.bind(model);
  model.change = (z, b) => (writes++, change(z, b));
  return {
    target: Route53TargetSchema.parse({ type: 'route53', hostedZoneId: zone, recordName: 'api.example.com', recordType: 'A', stable: 'blue', canary: 'green' }),
    sdkClients: [r53],
    writes: () => writes,
    drift: async () => {
      change(zone, { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { ...blue, Weight: 1 } }, { Action: 'UPSERT', ResourceRecordSet: { ...green, Weight: 1 } }] });
    },
    close: async () => {
      r53.destroy();
      model.close();
      await api.close();
    },
  };
}

providerContract('route53 (weighted records)', route53, backend, { steps: [1, 10, 50, 100], unrepresentable: { percent: 0.1, message: /Route 53 weights 0–255: the smallest non-zero share is 1\/256 \(≈0\.39%\)/ } });
