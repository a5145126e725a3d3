// The infra side of the provider registry: one line per layer (lambdas/providers/traffic/index.ts is the other side).
import type { Construct } from 'constructs';
import { elbv2Infra } from './elbv2.ts';
import type { InfraProvider, ProviderGrants } from './provider.ts';

export const INFRA_PROVIDERS: readonly InfraProvider<any>[] = [
  elbv2Infra,
];

/** The configured providers' grants, problems, and the types a stack can shift. */
export function configuredProviders(props: object, scope: Construct): { type: string; grants: ProviderGrants; problems: string[] }[] {
  return INFRA_PROVIDERS.flatMap((p) => {
    const config = p.config(props);
    if (config === undefined) return [];
    return [{ type: p.type, grants: p.grants(config, scope), problems: p.problems?.(config, scope) ?? [] }];
  });
}

/** A schedule's target this stack could not shift (denied at run time), each naming the field. */
export function scheduleTargetProblems(target: Record<string, unknown>, props: object): string[] {
  const type = typeof target.type === 'string' ? target.type : 'elbv2';
  const p = INFRA_PROVIDERS.find((x) => x.type === type);
  if (!p) return [];
  const config = p.config(props);
  if (config === undefined) return [`input.target.type = "${type}": the stack configures no ${type} resources, so every write would be denied at run time; configure them in the construct's props`];
  return p.scheduleProblems?.(target, config) ?? [];
}
