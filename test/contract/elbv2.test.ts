// The provider contract for ELBv2: a listener of the lab model, read and written through the lab's
// ELBv2 API with the real SDK client.
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { blueGreenForward, createLabAlb } from '../../lab/aws/lab-alb.ts';
import { startElbv2Api } from '../../lab/aws/elbv2-api.ts';
import { setClients } from '../../lambdas/providers/clients.ts';
import { elbv2 } from '../../lambdas/providers/traffic/elbv2.ts';
import { providerContract } from './contract.ts';

async function backend() {
  const lab = createLabAlb();
  const listenerArn = lab.listenerArn;
  const api = await startElbv2Api(lab.model, { throttle: false });
  const elb = new ElasticLoadBalancingV2Client({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  setClients({ elb });
  let writes = 0;
  lab.model.onChange(() => writes++);
  return {
    target: { listenerArn, stable: lab.blueArn, canary: lab.greenArn },
    sdkClients: [elb],
    writes: () => writes,
    drift: async () => {
      const [forward] = blueGreenForward(lab.blueArn, lab.greenArn);
      forward!.ForwardConfig!.TargetGroups = [
        { TargetGroupArn: lab.blueArn, Weight: 1 },
        { TargetGroupArn: lab.greenArn, Weight: 1 },
      ];
      lab.model.modifyListener(listenerArn, { defaultActions: [forward!] });
    },
    close: () => api.close(),
  };
}

providerContract('elbv2 (ALB listener)', elbv2, backend, { steps: [0.1, 1, 10, 50, 100] });
