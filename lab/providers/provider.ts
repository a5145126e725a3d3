// The lab side of the traffic-provider seam: each provider's lab backend is one file here plus one
// line in index.ts. It starts the AWS-compatible API of its layer on 127.0.0.1 over a data plane
// that really moves the load generator's requests between blue and green, and says where things are.
import type { TrafficMetrics } from '../traffic/metrics.ts';
import type { WeightChange } from '../traffic/proxy.ts';

/** `npm start -- --provider <name>`. */
export type LabProviderName = 'alb' | 'nlb' | 'route53' | 'apigateway' | 'cloudfront';

export interface LabServices {
  /** Base URLs of the blue (stable) and green (canary) services. */
  blue: string;
  green: string;
}

export interface LabBackend {
  /** The rollout input's `target`, as a user would write it (directed: stable = blue). */
  target: Record<string, unknown>;
  /** The undirected form for back-to-back releases, when the layer has one (ELBv2 `targetGroups`). */
  alternatingTarget?: Record<string, unknown>;
  /** The ids of blue and green in the provider's weights (TrafficState.weights keys), also the keys the metrics are recorded under. */
  sides: { blue: string; green: string };
  /** Metric dimensions of each side for the lab alarms (e.g. TargetGroup/LoadBalancer). */
  dimensions: { blue: Record<string, string>; green: Record<string, string> };
  /** AWS_ENDPOINT_URL_* variables that point the handlers' SDK clients at this backend's APIs. */
  endpoints: Record<string, string>;
  /** Where the load generator sends requests (an HTTP base URL; a DNS-resolved layer gives its own `send`). */
  trafficUrl: string;
  /** When clients must resolve a name first (Route 53): the load generator uses this lookup, which honours TTLs. */
  resolve?: (name: string) => Promise<{ address: string; port: number }>;
  /** The weights the data plane applies now, by side id (for Route 53: the authoritative answer's weights). */
  weights(): Record<string, number>;
  /** Weights at start, then after every change. */
  weightHistory(): WeightChange[];
  /** Lines the lab prints before the rollout (DNS TTL, connection pinning, propagation). */
  notes?: string[];
  /**
   * Added for NLB: when set, the load generator keeps connections alive and closes each after this many
   * requests, so a layer that balances connections (not requests) sees new ones arrive at a known pace.
   */
  requestsPerConnection?: number;
  /**
   * Added for the plan line the lab prints: blue:green weights at a step on this layer's scale
   * (default ELBv2's, lambdas/domain/weights.ts weightsFor).
   */
  planWeights?(percent: number): { stable: number; canary: number };
  close(): Promise<void>;
}

export interface LabProvider {
  name: LabProviderName;
  start(services: LabServices, metrics: TrafficMetrics): Promise<LabBackend>;
}
