// ELBv2 provider: weighted target groups in the forward action of an ALB listener (HTTP, HTTPS), an
// ALB listener rule, or an NLB listener (TCP, UDP, TCP_UDP, TLS; weighted target groups since
// November 2025). The default when a target has no `type`, so inputs written before providers
// existed keep working unchanged.
import { client } from '../clients.ts';
import { stepWeights, ELBV2_SCALE } from '../../domain/shares.ts';
import { countHealthy } from '../health.ts';
import { readableTarget, resolveDirection } from './elbv2-direction.ts';
import { Elbv2Shifter } from './elbv2-listener.ts';
import { DirectedTargetSchema, isNetworkListener, isPairTarget, PairTargetSchema, samePairProblems, shortName, targetProblems, type DirectedTarget, type PairTarget } from './elbv2-target.ts';
import type { TrafficProvider } from './provider.ts';

const NLB_SCALE = { ...ELBV2_SCALE, label: ELBV2_SCALE.label.replace('ALB', 'NLB') };


export const elbv2: TrafficProvider<DirectedTarget> = {
  type: 'elbv2',
  title: 'ELBv2 listener or rule (ALB or NLB weighted target groups)',
  schema: DirectedTargetSchema,
  targetProblems,
  rawProblems: samePairProblems,
  undirected: {
    schema: PairTargetSchema,
    is: (raw) => isPairTarget(raw),
    readable: (target) => readableTarget(target as PairTarget),
    direct: (target, weights) => resolveDirection(target as PairTarget, weights),
    label: (target) => `${(target as PairTarget).targetGroups.map(shortName).join(' ↔ ')}`,
  },
  scale: `${ELBV2_SCALE.label} per target group: 0.1% is the finest step`,
  lockKey: (t) => `lock#${t.ruleArn ?? t.listenerArn}`,
  // `listener app/web/50dc…/f2f7…` or `rule app/web/50dc…/f2f7…/9683…`: the ARN after its resource type.
  label: (t) => (t.ruleArn ? `rule ${t.ruleArn.replace(/^.*:listener-rule\//, '')}` : `listener ${t.listenerArn.replace(/^.*:listener\//, '')}`),
  nameHint: (t) => {
    const target = t as Partial<DirectedTarget & PairTarget>;
    const lb = /:listener\/(?:app|net|gwy)\/([^/]+)\//.exec(target.listenerArn ?? '')?.[1] ?? 'rollout';
    // A targetGroups input has no canary until Prepare: name the pair.
    const canary = target.targetGroups ? target.targetGroups.map(shortName).join('-') : shortName(target.canary ?? '');
    return `${lb}-${canary}`;
  },
  resource: (t) => (t.ruleArn ? `rule ${t.ruleArn}` : `listener ${t.listenerArn}`),
  sides: (t) => ({ stable: t.stable, canary: t.canary }),
  sideName: shortName,
  stepWeights: (original, t, percent) => stepWeights(original.weights, t, percent, isNetworkListener(t.listenerArn) ? NLB_SCALE : ELBV2_SCALE),
  shifter: (t) => new Elbv2Shifter(client('elb'), t),
  canaryHealth: (t) => countHealthy(client('elb'), t.canary),
  metrics: (t) =>
    isNetworkListener(t.listenerArn)
      ? undefined // NLB metrics have no per-target-group 5xx: the judge has nothing to compare.
      : {
          namespace: 'AWS/ApplicationELB',
          stable: dimensions(t.stable, t.listenerArn),
          canary: dimensions(t.canary, t.listenerArn),
          metrics: { requests: 'RequestCount', errors: 'HTTPCode_Target_5XX_Count', latency: 'TargetResponseTime', latencyUnit: 'Seconds' },
        },
  notes: (t) =>
    isNetworkListener(t.listenerArn)
      ? [
          'NLB: weights apply to NEW connections only; a TCP connection stays on the target group it was opened to until it closes, so long-lived connections (HTTP keep-alive, gRPC, databases) move late and a rollback does not move them back',
          'NLB: no target group stickiness on TCP listeners',
        ]
      : [],
};

/** CloudWatch dimensions of a target group behind this listener's load balancer: `targetgroup/blue/…`, `app/web/…`. */
function dimensions(targetGroupArn: string, listenerArn: string): { Name: string; Value: string }[] {
  const tg = /:(targetgroup\/.+)$/.exec(targetGroupArn)?.[1] ?? targetGroupArn;
  const lb = /:listener(?:-rule)?\/((?:app|net)\/[^/]+\/[^/]+)\//.exec(listenerArn)?.[1] ?? listenerArn;
  return [
    { Name: 'TargetGroup', Value: tg },
    { Name: 'LoadBalancer', Value: lb },
  ];
}
