// The lab's NLB: load balancer `web` (type network) with a TCP:80 listener (listener/net/…) forwarding
// to TCP target groups blue and green, the TCP proxy that plays its data plane (a pick per new
// connection; open connections stay), and the same ELBv2-compatible API as the ALB lab.
import { createLabNlb } from '../aws/lab-fleet.ts';
import { startTcpProxy } from '../traffic/tcp-proxy.ts';
import { elbv2Backend } from './alb.ts';
import type { LabProvider } from './provider.ts';

/** Requests each load-generator connection carries before it is closed and a new one is opened. */
export const NLB_REQUESTS_PER_CONNECTION = 10;

export const nlbLab: LabProvider = {
  name: 'nlb',
  async start(services, metrics) {
    const lab = createLabNlb({ blue: Number(new URL(services.blue).port), green: Number(new URL(services.green).port) });
    const proxy = await startTcpProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: services.blue, [lab.greenArn]: services.green }, metrics });
    const backend = await elbv2Backend(lab, { trafficUrl: proxy.url, weights: () => proxy.weights(), weightHistory: () => proxy.weightHistory(), close: () => proxy.close() });
    const open = () => {
      const c = proxy.connections();
      return `open connections: blue ${c[lab.blueArn]?.open ?? 0}, green ${c[lab.greenArn]?.open ?? 0}`;
    };
    return {
      ...backend,
      requestsPerConnection: NLB_REQUESTS_PER_CONNECTION,
      progress: open,
      notes: [
        'NLB: the weights pick a target group per NEW TCP connection; an open connection stays where it is (no stickiness on TCP, none needed).',
        `The load generator keeps connections alive and replaces each after ${NLB_REQUESTS_PER_CONNECTION} requests, so traffic follows a weight change, rollback included, only as connections are replaced.`,
      ],
    };
  },
};
