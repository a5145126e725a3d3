// The lab's own ALB: the load balancer, target groups and listener every lab run and lab test starts
// from, built on the ELBv2 model (alb-model.ts).
import { AlbModel, type Action, type Target } from './alb-model.ts';

export interface LabAlb {
  model: AlbModel;
  loadBalancerArn: string;
  listenerArn: string;
  /** Present when built with `withRule`: a path-pattern rule forwarding to the same pair. */
  ruleArn?: string;
  /** Stable target group. */
  blueArn: string;
  /** Canary target group. */
  greenArn: string;
}

/**
 * The lab's ALB `web`: target groups blue and green (one healthy target each, 127.0.0.1 at the given ports),
 * one HTTP:80 listener whose default action forwards blue weight 1, green weight 0, and optionally a
 * rule (priority 10, path /api/*) with the same forward action.
 */
export function createLabAlb(options: { withRule?: boolean; bluePort?: number; greenPort?: number } = {}): LabAlb {
  const model = new AlbModel();
  const lb = model.addLoadBalancer('web');
  const target = (port = 80): Target => ({ id: '127.0.0.1', port, health: 'healthy' });
  const blue = model.addTargetGroup({ name: 'blue', port: options.bluePort ?? 80, targets: [target(options.bluePort)] });
  const green = model.addTargetGroup({ name: 'green', port: options.greenPort ?? 80, targets: [target(options.greenPort)] });
  const forward = (): Action[] => blueGreenForward(blue.arn, green.arn);
  const listener = model.addListener({ loadBalancerArn: lb.arn, port: 80, protocol: 'HTTP', defaultActions: forward() });
  const rule = options.withRule
    ? model.addRule({ listenerArn: listener.arn, priority: 10, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }], actions: forward() })
    : undefined;
  return { model, loadBalancerArn: lb.arn, listenerArn: listener.arn, ruleArn: rule?.arn, blueArn: blue.arn, greenArn: green.arn };
}

/** The lab's starting forward action: all traffic to blue, green at weight 0, no stickiness. */
export function blueGreenForward(blueArn: string, greenArn: string): Action[] {
  return [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: blueArn, Weight: 1 },
          { TargetGroupArn: greenArn, Weight: 0 },
        ],
        TargetGroupStickinessConfig: { Enabled: false },
      },
    },
  ];
}
