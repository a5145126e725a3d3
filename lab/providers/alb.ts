// The lab's ALB: load balancer `web` with target groups blue and green (createLabAlb), the weighted
// HTTP proxy that plays its data plane, and the ELBv2-compatible API over the same model.
import { type AlbModel } from '../aws/alb-model.ts';
import { createLabAlb } from '../aws/lab-alb.ts';
import { startElbv2Api } from '../aws/elbv2-api.ts';
import { startProxy } from '../traffic/proxy.ts';
import type { LabBackend, LabProvider } from './provider.ts';

/** CloudWatch's ELB dimensions of a target group on a load balancer: `targetgroup/blue/…`, `app/web/…` (or `net/…`). */
export function elbDimensions(targetGroupArn: string, loadBalancerArn: string): Record<string, string> {
  return { TargetGroup: targetGroupArn.split(':').at(-1) ?? targetGroupArn, LoadBalancer: loadBalancerArn.split(':loadbalancer/')[1] ?? loadBalancerArn };
}

/** What the ALB and NLB backends share once their model and data plane are up. */
export async function elbv2Backend(
  lab: { model: AlbModel; loadBalancerArn: string; listenerArn: string; blueArn: string; greenArn: string },
  plane: Pick<LabBackend, 'trafficUrl' | 'weights' | 'weightHistory' | 'close'>,
): Promise<LabBackend> {
  const api = await startElbv2Api(lab.model);
  return {
    target: { listenerArn: lab.listenerArn, stable: lab.blueArn, canary: lab.greenArn },
    alternatingTarget: { listenerArn: lab.listenerArn, targetGroups: [lab.blueArn, lab.greenArn] },
    sides: { blue: lab.blueArn, green: lab.greenArn },
    dimensions: { blue: elbDimensions(lab.blueArn, lab.loadBalancerArn), green: elbDimensions(lab.greenArn, lab.loadBalancerArn) },
    endpoints: { AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: api.url },
    trafficUrl: plane.trafficUrl,
    weights: plane.weights,
    weightHistory: plane.weightHistory,
    targetHealth: {
      register: (color, id, health) => lab.model.registerTargets(color === 'blue' ? lab.blueArn : lab.greenArn, [{ id, port: 80, health }]),
      set: (color, id, health) => lab.model.setTargetHealth(color === 'blue' ? lab.blueArn : lab.greenArn, id, health),
    },
    close: async () => void (await Promise.all([plane.close(), api.close()])),
  };
}

export const albLab: LabProvider = {
  name: 'alb',
  async start(services, metrics) {
    const lab = createLabAlb({ bluePort: Number(new URL(services.blue).port), greenPort: Number(new URL(services.green).port) });
    const proxy = await startProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: services.blue, [lab.greenArn]: services.green }, metrics });
    return elbv2Backend(lab, { trafficUrl: proxy.url, weights: () => proxy.weights(), weightHistory: () => proxy.weightHistory(), close: () => proxy.close() });
  },
};
