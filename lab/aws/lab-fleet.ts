// Lab fixtures on the ELBv2 model: the fleet of ALB listeners below, and the lab NLB (createLabNlb).
// N independent rollout targets on one lab ALB model, for serve mode and the scale bench: listener i
// is the HTTP:80 listener of load balancer web-i, forwarding to target groups blue-i (weight 1) and
// green-i (weight 0). The first keeps createLabAlb's names (web, blue, green), so its ARNs are the
// ones every lab run uses. One load balancer per listener: an ALB has at most 50 listeners.
import { AlbModel } from './alb-model.ts';
import { blueGreenForward } from './lab-alb.ts';

export interface LabTarget {
  /** 1-based */
  index: number;
  loadBalancerArn: string;
  listenerArn: string;
  blueArn: string;
  greenArn: string;
  /** Alarm names for this target's canary (5xx rate, p99). */
  alarms: [string, string];
}

export function createLabFleet(count: number, ports: { blue: number; green: number }): { model: AlbModel; targets: LabTarget[] } {
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new RangeError(`listeners must be a whole number from 1 to 1000, got ${count}`);
  const model = new AlbModel();
  const targets: LabTarget[] = [];
  for (let index = 1; index <= count; index++) {
    const suffix = index === 1 ? '' : `-${index}`;
    const lb = model.addLoadBalancer(`web${suffix}`);
    const blue = model.addTargetGroup({ name: `blue${suffix}`, port: ports.blue, targets: [{ id: '127.0.0.1', port: ports.blue, health: 'healthy' }] });
    const green = model.addTargetGroup({ name: `green${suffix}`, port: ports.green, targets: [{ id: '127.0.0.1', port: ports.green, health: 'healthy' }] });
    const forward = blueGreenForward(blue.arn, green.arn);
    const listener = model.addListener({ loadBalancerArn: lb.arn, port: 80, protocol: 'HTTP', defaultActions: forward });
    targets.push({ index, loadBalancerArn: lb.arn, listenerArn: listener.arn, blueArn: blue.arn, greenArn: green.arn, alarms: [`web${suffix}-green${suffix}-5xx`, `web${suffix}-green${suffix}-p99`] });
  }
  return { model, targets };
}

/**
 * The lab's NLB `web`: TCP target groups blue and green (one healthy target each, 127.0.0.1 at the given
 * ports) and one TCP:80 listener (listener/net/…) whose default action forwards blue weight 1, green weight 0.
 */
export function createLabNlb(ports: { blue?: number; green?: number } = {}): Omit<LabTarget, 'index' | 'alarms'> & { model: AlbModel } {
  const model = new AlbModel();
  const lb = model.addLoadBalancer('web', 'network');
  const group = (name: string, port = 80) => model.addTargetGroup({ name, port, protocol: 'TCP', targets: [{ id: '127.0.0.1', port, health: 'healthy' }] });
  const blue = group('blue', ports.blue);
  const green = group('green', ports.green);
  const listener = model.addListener({ loadBalancerArn: lb.arn, port: 80, protocol: 'TCP', defaultActions: blueGreenForward(blue.arn, green.arn) });
  return { model, loadBalancerArn: lb.arn, listenerArn: listener.arn, blueArn: blue.arn, greenArn: green.arn };
}
