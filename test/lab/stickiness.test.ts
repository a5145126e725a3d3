// Target group stickiness on the lab ALB, over loopback: the proxy honours AWSALBTG as an ALB does,
// the load generator keeps cookies for half its clients, and the real ALB provider writes through
// the lab's ELBv2 API. With "accept", clients pinned to the canary during a step stay on it after
// the exact original is restored; with "disable-during-rollout" no client is ever pinned to it.
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLabAlb, type LabAlb } from '../../lab/aws/lab-alb.ts';
import { startElbv2Api } from '../../lab/aws/elbv2-api.ts';
import type { LocalServer } from '../../lab/aws/local-server.ts';
import { ClientCookies, runLoad, type LoadResult } from '../../lab/traffic/loadgen.ts';
import { startProxy, type Proxy } from '../../lab/traffic/proxy.ts';
import { pinnedTargetGroup, stickyCookies } from '../../lab/traffic/stickiness.ts';
import { startServices, type Service } from '../../lab/traffic/services.ts';
import { Elbv2Shifter } from '../../lambdas/providers/traffic/elbv2-listener.ts';
import type { ForwardState } from '../../lambdas/domain/rollout.ts';

let services: { blue: Service; green: Service; close(): Promise<void> };
let lab: LabAlb;
let proxy: Proxy;
let api: LocalServer;
let elb: ElasticLoadBalancingV2Client;
let shifter: Elbv2Shifter;
let original: ForwardState;

beforeEach(async () => {
  services = await startServices();
  lab = createLabAlb();
  // The original: all traffic to blue, target group stickiness on for an hour.
  lab.model.modifyListener(lab.listenerArn, {
    defaultActions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: lab.blueArn, Weight: 1 },
            { TargetGroupArn: lab.greenArn, Weight: 0 },
          ],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
        },
      },
    ],
  });
  proxy = await startProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: services.blue.url, [lab.greenArn]: services.green.url } });
  api = await startElbv2Api(lab.model);
  elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1', endpoint: api.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  shifter = new Elbv2Shifter(elb, { listenerArn: lab.listenerArn, stable: lab.blueArn, canary: lab.greenArn });
  original = await shifter.read();
});
afterEach(async () => {
  elb.destroy();
  await Promise.all([proxy.close(), api.close(), services.close()]);
});

/** 40 clients in turn, half of them keeping cookies (in `cookies`, carried between runs). */
const load = (cookies: ClientCookies, requests = 200) => runLoad({ url: proxy.url, requests, ratePerSecond: 50_000, concurrency: 8, clients: 40, cookieShare: 0.5, cookies });
const greenFrom = (r: LoadResult, keepsCookies: boolean) => r.outcomes.filter((o) => o.keepsCookies === keepsCookies && o.service === 'green').length;
const answered = (r: LoadResult) => r.outcomes.filter((o) => o.service).length;

describe('target group stickiness in the lab', () => {
  it('"accept": clients pinned to green at 50% stay on green after the exact original (green weight 0) is restored', async () => {
    const cookies = new ClientCookies();
    await shifter.apply({ weights: { [lab.blueArn]: 1, [lab.greenArn]: 1 } });
    const during = await load(cookies);
    expect(answered(during)).toBe(200);
    expect(greenFrom(during, true)).toBeGreaterThan(0);

    await shifter.restore(original);
    expect(lab.model.actionsOf(lab.listenerArn)).toEqual(original.actions);
    const after = await load(cookies);
    expect(answered(after)).toBe(200);
    // Clients without cookies follow the weights (green 0); the pinned ones do not.
    expect(greenFrom(after, false)).toBe(0);
    expect(greenFrom(after, true)).toBeGreaterThan(0);
    // Every request of a client pinned to green went to green: 5 requests per client, 20 cookie clients.
    const pinned = new Set(after.outcomes.filter((o) => o.service === 'green').map((o) => o.client));
    expect(after.outcomes.filter((o) => pinned.has(o.client)).every((o) => o.service === 'green')).toBe(true);
  });

  it('"disable-during-rollout": no client is pinned to green, so the restored original sends nothing to green', async () => {
    const cookies = new ClientCookies();
    // Cookies from before the rollout pin clients to blue; with stickiness off they follow the weights.
    await load(cookies, 80);
    await shifter.apply({ weights: { [lab.blueArn]: 1, [lab.greenArn]: 1 }, stickiness: { enabled: false } });
    const during = await load(cookies);
    expect(greenFrom(during, true)).toBeGreaterThan(0);
    expect(greenFrom(during, false)).toBeGreaterThan(0);

    await shifter.restore(original);
    expect(lab.model.actionsOf(lab.listenerArn)).toEqual(original.actions);
    const after = await load(cookies);
    expect(answered(after)).toBe(200);
    expect(after.byService).toEqual({ blue: 200 });
  });
});

describe('the lab AWSALBTG cookie', () => {
  const weights = { blue: 1, green: 0 };
  it('pins to the named target group (weight 0 included) until it expires, and only if that group is in the forward action', () => {
    const [cookie, cors] = stickyCookies('green', { enabled: true, durationSeconds: 60 }, 1_000_000);
    expect(cors).toMatch(/^AWSALBTGCORS=[^;]+; Expires=[^;]+; Path=\/; SameSite=None; Secure$/);
    const header = `other=1; ${cookie!.split(';')[0]}`;
    expect(pinnedTargetGroup(header, weights, 1_000_000 + 59_999)).toBe('green');
    expect(pinnedTargetGroup(header, weights, 1_000_000 + 60_000)).toBeUndefined();
    expect(pinnedTargetGroup(header, { blue: 1 }, 1_000_000)).toBeUndefined();
    expect(pinnedTargetGroup('AWSALBTG=not-a-token', weights, 0)).toBeUndefined();
    expect(pinnedTargetGroup(undefined, weights, 0)).toBeUndefined();
  });
});
