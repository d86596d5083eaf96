import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { parseDurationMs } from "../../contract/duration.js";
import type { CircuitBreaker, HealthCheck, LoadBalancerType, OutlierDetection } from "../../contract/resource-types.js";
import { CircuitBreakersSchema, type CircuitBreakers } from "../../../gen/envoy/config/cluster/v3/circuit_breaker_pb.js";
import { LoadBalancingPolicySchema, type LoadBalancingPolicy } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { OutlierDetectionSchema, type OutlierDetection as EnvoyOutlierDetection } from "../../../gen/envoy/config/cluster/v3/outlier_detection_pb.js";
import { RoutingPriority } from "../../../gen/envoy/config/core/v3/base_pb.js";
import { HealthCheckSchema, type HealthCheck as EnvoyHealthCheck } from "../../../gen/envoy/config/core/v3/health_check_pb.js";
import { LeastRequestSchema } from "../../../gen/envoy/extensions/load_balancing_policies/least_request/v3/least_request_pb.js";
import { RandomSchema } from "../../../gen/envoy/extensions/load_balancing_policies/random/v3/random_pb.js";
import { RoundRobinSchema } from "../../../gen/envoy/extensions/load_balancing_policies/round_robin/v3/round_robin_pb.js";
import type { DescMessage } from "@bufbuild/protobuf";
import { durationFromMs } from "./proto-values.js";

/**
 * A BackendPolicy's cluster settings as Envoy messages, in the form Envoy
 * reads them; proxyless-profile.ts rewrites what gRPC clients read
 * differently (outlier detection, circuit breakers) or cannot use.
 */

const ms = (text: string | undefined, fallback: number) => (text === undefined ? fallback : (parseDurationMs(text) ?? fallback));

/** Envoy's defaults, written out so every proxy gets the same numbers. */
export const OUTLIER_DEFAULTS = { intervalMs: 10_000, baseEjectionMs: 30_000, maxEjectionPercent: 10 };

/**
 * Load balancers Envoy has and grpc-js-xds does not, as xDS's ordered
 * `load_balancing_policy` (gRFC A52): each client takes the first policy it
 * implements, so Envoy runs the one asked for and a gRPC client falls back
 * to round robin (the API warns) instead of refusing the cluster.
 * RoundRobin and RingHash stay on the `lb_policy` field every client reads.
 *
 * @example fallbackPolicies("LeastRequest")?.policies.length // 2
 */
export function fallbackPolicies(lb: LoadBalancerType | undefined): LoadBalancingPolicy | undefined {
  const wanted: Partial<Record<LoadBalancerType, [string, DescMessage]>> = {
    LeastRequest: ["envoy.load_balancing_policies.least_request", LeastRequestSchema],
    Random: ["envoy.load_balancing_policies.random", RandomSchema],
  };
  const first = lb && wanted[lb];
  if (!first) return undefined;
  const policy = (name: string, schema: DescMessage) => ({ typedExtensionConfig: { name, typedConfig: anyPack(schema, create(schema)) } });
  return create(LoadBalancingPolicySchema, {
    policies: [policy(...first), policy("envoy.load_balancing_policies.round_robin", RoundRobinSchema)],
  });
}

/**
 * Circuit breaker thresholds at the default priority.
 *
 * @example circuitBreakers({ maxRequests: 10 }).thresholds[0]?.maxRequests // 10
 */
export function circuitBreakers(c: CircuitBreaker): CircuitBreakers {
  return create(CircuitBreakersSchema, {
    thresholds: [
      {
        priority: RoutingPriority.DEFAULT,
        maxConnections: c.maxConnections,
        maxPendingRequests: c.maxPendingRequests,
        maxRequests: c.maxRequests,
        maxRetries: c.maxRetries,
      },
    ],
  });
}

/**
 * Outlier detection as Envoy runs it: consecutive errors (5xx, or gRPC
 * failures) and consecutive gateway errors each enforced only when asked
 * for, success-rate ejection only when `successRate` is given (Envoy would
 * otherwise enforce its defaults for all three).
 *
 * @example envoyOutlierDetection({ consecutiveErrors: 3 }).enforcingSuccessRate // 0
 */
export function envoyOutlierDetection(o: OutlierDetection): EnvoyOutlierDetection {
  const sr = o.successRate;
  return create(OutlierDetectionSchema, {
    interval: durationFromMs(ms(o.interval, OUTLIER_DEFAULTS.intervalMs)),
    baseEjectionTime: durationFromMs(ms(o.baseEjectionTime, OUTLIER_DEFAULTS.baseEjectionMs)),
    maxEjectionPercent: o.maxEjectionPercent ?? OUTLIER_DEFAULTS.maxEjectionPercent,
    consecutive5xx: o.consecutiveErrors,
    enforcingConsecutive5xx: o.consecutiveErrors === undefined ? 0 : 100,
    consecutiveGatewayFailure: o.consecutiveGatewayErrors,
    enforcingConsecutiveGatewayFailure: o.consecutiveGatewayErrors === undefined ? 0 : 100,
    enforcingSuccessRate: sr ? sr.enforcementPercentage : 0,
    ...(sr
      ? { successRateMinimumHosts: sr.minimumHosts, successRateRequestVolume: sr.requestVolume, successRateStdevFactor: Math.round(sr.stdevFactor * 1000) }
      : {}),
  });
}

/**
 * Outlier detection that ejects nothing, on every cluster without a policy
 * for it: Envoy would otherwise enforce consecutive-5xx and success-rate
 * ejection by default once the field is there, and gRPC clients need it
 * there from the start (proxyless-profile.ts). Both read it as "off".
 *
 * @example noEjection().enforcingConsecutive5xx // 0
 */
export function noEjection(): EnvoyOutlierDetection {
  return create(OutlierDetectionSchema, { enforcingConsecutive5xx: 0, enforcingSuccessRate: 0 });
}

/**
 * Active health checking of every endpoint, over HTTP (a GET of `path`) or
 * the gRPC health protocol.
 *
 * @example envoyHealthCheck({ interval: "5s", timeout: "1s", unhealthyThreshold: 3, healthyThreshold: 1, grpc: {} }).healthChecker.case // "grpcHealthCheck"
 */
export function envoyHealthCheck(h: HealthCheck): EnvoyHealthCheck {
  return create(HealthCheckSchema, {
    interval: durationFromMs(ms(h.interval, 0)),
    timeout: durationFromMs(ms(h.timeout, 0)),
    unhealthyThreshold: h.unhealthyThreshold,
    healthyThreshold: h.healthyThreshold,
    healthChecker: h.http ? { case: "httpHealthCheck", value: { path: h.http.path } } : { case: "grpcHealthCheck", value: { serviceName: h.grpc?.service ?? "" } },
  });
}
