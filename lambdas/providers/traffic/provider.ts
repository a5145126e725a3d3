// The traffic-provider seam. A provider is one file in this folder plus one line in index.ts: it
// says how its layer (ELBv2 listener, Route 53 weighted records, API Gateway stage canary,
// CloudFront continuous deployment) names a target, which weights it can represent, how to read,
// write and restore them, and where its health and metrics come from. Everything outside this
// folder speaks through this interface; no handler, CLI command or Slack message knows a layer.
import type * as z from 'zod';
import type { NotRepresentable, StepWeights } from '../../domain/shares.ts';
import type { ForwardState, Stickiness } from '../../domain/rollout.ts';
import type { RolloutInput } from '../../domain/input.ts';

/**
 * A snapshot of the shifted resource. `actions` is the provider's raw configuration as read
 * (listener actions, record sets, canary settings, a policy with its ETag-free body), restored
 * verbatim on rollback; `weights` is every side's weight by the provider's id (target group ARN,
 * SetIdentifier, …) on the provider's own scale.
 */
export type TrafficState = ForwardState;
export type { Stickiness };

/** What a shift writes: the listed sides' weights (others as they are), and the stickiness when it changes. */
export interface DesiredForward {
  weights: Record<string, number>;
  stickiness?: Stickiness;
}

export interface TrafficShifter {
  /** The current state; throws a typed error (naming the resource and the fix) when the pair is not there. */
  read(): Promise<TrafficState>;
  /** Set the listed weights. No write when already there; re-read and verified after writing. */
  apply(desired: DesiredForward): Promise<TrafficState>;
  /** Put back a recorded original exactly. No write when already there; verified after writing. */
  restore(original: TrafficState): Promise<TrafficState>;
}

export interface HealthCount {
  healthy: number;
  total: number;
}

/** Where a judge reads each side's metrics (CloudWatch namespace and dimensions). */
export interface MetricSource {
  namespace: string;
  stable: { Name: string; Value: string }[];
  canary: { Name: string; Value: string }[];
  /** Metric names in this namespace: requests, server errors, latency (with its unit). */
  metrics: { requests: string; errors: string; latency: string; latencyUnit: 'Seconds' | 'Milliseconds' };
}

/** The ids of the two sides in TrafficState.weights. */
export interface Sides {
  stable: string;
  canary: string;
}

export interface TrafficProvider<T extends object = object> {
  /** `target.type`; the ELBv2 provider also takes targets without one. */
  readonly type: string;
  /** What it moves, for docs and messages: "ELBv2 listener (ALB or NLB)", "Route 53 weighted records". */
  readonly title: string;
  /** The target's schema (strict; errors name the field, the value and the fix). */
  readonly schema: z.ZodType<T>;
  /** Cross-field problems of a schema-valid target (e.g. a rule of another listener), each naming the field. */
  targetProblems?(target: T): string[];
  /** Problems visible on the raw target even when a field is invalid (e.g. stable = canary). */
  rawProblems?(raw: Record<string, unknown>): string[];
  /** A form that leaves the direction to Prepare (ELBv2 `targetGroups: [A, B]`), when the layer has one. */
  readonly undirected?: UndirectedForm<T>;
  /** The scale in words for plans and errors: "ELBv2 weights 0–999 (0.1% steps)". */
  readonly scale: string;
  /** The DynamoDB lock for the resource this target shifts (two rollouts never shift it at once). */
  lockKey(target: T): string;
  /** The shifted resource in a human's words: "listener app/web/50dc…", "record api.example.com A". */
  label(target: T): string;
  /** The same, fully qualified for logs, locks and the audit: "listener arn:aws:…", "record api.example.com A in zone Z…". */
  resource(target: T): string;
  /** A short name for executions (letters, digits, -): `web-green` (load balancer, canary). Any target form. */
  nameHint(target: object): string;
  /** The ids of stable and canary in the weights, once the direction is known. */
  sides(target: T): Sides;
  /** A side's id as people name it: `targetgroup/blue/…` → `blue`, a SetIdentifier as is. */
  sideName(id: string): string;
  /** Every side's weight at `percent` (one decimal) of the pair's traffic, from the recorded original, or why the scale cannot say it. */
  stepWeights(original: TrafficState, target: T, percent: number): StepWeights | NotRepresentable;
  /** The reader/writer of this target. Clients come from providers/clients.ts (injectable with setClients). */
  shifter(target: T): TrafficShifter;
  /** Healthy targets behind the canary, or undefined when the layer has no target health to read. */
  canaryHealth(target: T): Promise<HealthCount | undefined>;
  /** The judge's metric source, when the layer publishes per-side metrics. */
  metrics?(target: T): MetricSource | undefined;
  /** Problems Prepare refuses with before anything moves (e.g. a bake shorter than twice the DNS TTL). */
  preflight?(target: T, original: TrafficState, input: RolloutInput): string[];
  /** What a person must know before starting (plan, summary): DNS lag, connection pinning, propagation. */
  notes?(target: T, original?: TrafficState): string[];
  /** The promotion, when reaching 100% is not the end (API Gateway: the canary becomes the stage's deployment). */
  promote?(target: T, state: TrafficState): Promise<TrafficState>;
}

/** A target form without a direction: the side taking all of the pair's traffic at Prepare becomes stable. */
export interface UndirectedForm<T> {
  readonly schema: z.ZodType<object>;
  /** This raw target uses the undirected form. */
  is(raw: object): boolean;
  /** The sides in input order: enough to read the live state (both must be in it). */
  readable(target: object): T;
  /** The direction from live weights, or why there is none (with the numbers and the fix). */
  direct(target: object, weights: Readonly<Record<string, number>>): { ok: true; target: T } | { ok: false; problem: string };
  /** `blue ↔ green (direction decided at start)`. */
  label(target: object): string;
}
