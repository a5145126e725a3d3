// The provider registry: one line per layer. Everything outside this folder finds a target's
// provider here and speaks to it through TrafficProvider (provider.ts).
import { apiGatewayProvider } from './apigateway.ts';
import { cloudFrontProvider } from './cloudfront.ts';
import { elbv2 } from './elbv2.ts';
import { route53 } from './route53.ts';
import type { MetricSource, TrafficProvider } from './provider.ts';

export const PROVIDERS: readonly TrafficProvider<any>[] = [
  elbv2,
  route53,
  apiGatewayProvider,
  cloudFrontProvider,
];

/** The provider a target without `type` belongs to. */
export const DEFAULT_PROVIDER = elbv2;

/** A rollout target of any provider: `type` selects it (absent = ELBv2). Each provider's schema says the rest. */
export type Target = { type?: string } & object;

export type ProviderLookup = { ok: true; provider: TrafficProvider<any> } | { ok: false; problem: string };

/** The provider named by a raw target's `type`, or a problem naming the field and the choices. */
export function lookupProvider(raw: unknown): ProviderLookup {
  const type = raw && typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
  if (type === undefined) return { ok: true, provider: DEFAULT_PROVIDER };
  const found = PROVIDERS.find((p) => p.type === type);
  if (found) return { ok: true, provider: found };
  return {
    ok: false,
    problem: `target.type = ${JSON.stringify(type)}: not a traffic provider; use one of ${PROVIDERS.map((p) => `"${p.type}"`).join(', ')} (absent means "${DEFAULT_PROVIDER.type}")`,
  };
}

/** The provider of a validated target. */
export function providerOf(target: Target): TrafficProvider<any> {
  const found = lookupProvider(target);
  if (!found.ok) throw new TypeError(found.problem);
  return found.provider;
}

/** `blue → green`, in the provider's words. */
export function directionText(target: Target): string {
  const p = providerOf(target);
  if (p.undirected?.is(target)) return p.undirected.label(target);
  const s = p.sides(target);
  return `${p.sideName(s.stable)} → ${p.sideName(s.canary)}`;
}

/** The shifted resource, in the provider's words: "listener app/web", "record api.example.com A". */
export function targetLabel(target: Target): string {
  return providerOf(target).label(target);
}

/** Before the direction is known: a target the shifter can read (the undirected form's sides in input order). */
export function readableTarget(target: Target): Target {
  const p = providerOf(target);
  return p.undirected?.is(target) ? p.undirected.readable(target) : target;
}

/** Where the judge reads this target's metrics (any form: undirected reads the sides in input order), or undefined: its layer publishes none for it. */
export function metricSourceOf(target: Target): MetricSource | undefined {
  return providerOf(target).metrics?.(readableTarget(target));
}

/** The target with a direction: unchanged when it has one, else decided from the live weights. */
export function directedTarget(target: Target, weights: Readonly<Record<string, number>>): { ok: true; target: Target } | { ok: false; problem: string } {
  const p = providerOf(target);
  if (!p.undirected?.is(target)) return { ok: true, target };
  return p.undirected.direct(target, weights);
}

/** Each side's weight by role. */
export function pairOf(weights: Readonly<Record<string, number>>, target: Target): { stable: number; canary: number } {
  const s = providerOf(target).sides(target);
  return { stable: weights[s.stable] ?? 0, canary: weights[s.canary] ?? 0 };
}

/** An input with a direction: unchanged when it has one, else decided from the live weights (ELBv2 `targetGroups`). */
export function directedInput<I extends { target: Target }>(input: I, weights: Readonly<Record<string, number>>): { ok: true; input: I } | { ok: false; problem: string } {
  const directed = directedTarget(input.target, weights);
  return directed.ok ? { ok: true, input: directed.target === input.target ? input : { ...input, target: directed.target } } : directed;
}

/**
 * The lock of the resource a target shifts (its provider's key), or undefined when the target is
 * not one any provider can name (a raw execution input the safety net reads).
 */
export function lockKeyFor(target: unknown): string | undefined {
  const found = lookupProvider(target);
  if (!found.ok || !target || typeof target !== 'object') return undefined;
  const p = found.provider;
  const parsed = (p.undirected?.is(target) ? p.undirected.schema : p.schema).safeParse(target);
  if (parsed.success) return p.lockKey(p.undirected?.is(target) ? p.undirected.readable(parsed.data) : parsed.data);
  // A partial target still names its resource when the lock's fields are there (e.g. only a listener ARN).
  try {
    const key = p.lockKey(target);
    return key.includes('undefined') ? undefined : key;
  } catch {
    return undefined;
  }
}
