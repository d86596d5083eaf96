import { z } from "zod";
import { addFault } from "../schema-errors.js";
import { name } from "./fields.js";
import { positiveDuration } from "./route-policies.js";
import { ignored, omitting, strictObject } from "./strict-object.js";

/**
 * Where a Service's traffic goes across zones. `preferLocal` (default): the
 * caller's zone first, every other zone as the next priority. `failover`: the
 * caller's zone, then `failoverZones` in order, no other zone. `any`: all zones
 * alike, weighted by healthy endpoints. In every mode, fewer than
 * `minHealthyLocal` healthy endpoints in the caller's zone spill its traffic
 * over to the next priority.
 */
export const localityPolicy = strictObject({
  mode: z.enum(["preferLocal", "failover", "any"]).default("preferLocal"),
  failoverZones: z.array(name).max(32).optional(),
  minHealthyLocal: z.int().min(0).max(100_000).optional(),
}).superRefine((loc, ctx) => {
  if (loc.mode === "failover" && !loc.failoverZones?.length) {
    addFault(ctx, { code: "missing_field", message: () => "mode failover needs the zones to fail over to, in order" }, ["failoverZones"]);
  }
});

/**
 * Envoy's load balancers. Proxyless gRPC clients run RoundRobin and RingHash;
 * LeastRequest and Random reach them as round robin, the fallback entry of
 * the cluster's `load_balancing_policy` (the API warns).
 */
export const loadBalancerType = z.enum(["RoundRobin", "LeastRequest", "RingHash", "Random"]);

const limit = z.int().min(1).max(1_000_000_000);

/** Envoy's circuit breaker thresholds (default priority); proxyless gRPC clients apply maxRequests only. */
export const circuitBreaker = strictObject({
  maxConnections: limit.optional(),
  maxPendingRequests: limit.optional(),
  maxRequests: limit.optional(),
  maxRetries: limit.optional(),
}).superRefine((c, ctx) => {
  if (Object.values(c).every((v) => v === undefined)) addFault(ctx, { code: "missing_field", message: (f) => `${f} needs at least one limit` }, ["maxRequests"]);
});

/**
 * Ejecting endpoints that keep failing. Envoy counts consecutive errors
 * (any 5xx / gRPC failure) and consecutive gateway errors (502, 503, 504);
 * proxyless gRPC clients only run failure-percentage and success-rate
 * ejection, so the bridge maps consecutiveErrors onto failure-percentage
 * ejection for them (see the bridge's README).
 */
export const outlierDetection = strictObject({
  consecutiveErrors: z.int().min(1).max(1000).optional(),
  consecutiveGatewayErrors: z.int().min(1).max(1000).optional(),
  /** How often ejection is evaluated; 10s when omitted. */
  interval: positiveDuration.optional(),
  /** An ejected endpoint's first ejection lasts this long (then longer each time); 30s when omitted. */
  baseEjectionTime: positiveDuration.optional(),
  /** At most this share of the endpoints ejected at once; 10 when omitted. */
  maxEjectionPercent: z.int().min(0).max(100).optional(),
  successRate: strictObject({
    minimumHosts: z.int().min(1).max(1000).default(5),
    requestVolume: z.int().min(1).max(1_000_000).default(100),
    /** Eject below mean - stdevFactor x stdev. */
    stdevFactor: z.number().min(0.1).max(100).default(1.9),
    enforcementPercentage: z.int().min(0).max(100).default(100),
  }).optional(),
}).superRefine((o, ctx) => {
  if (o.consecutiveErrors === undefined && o.consecutiveGatewayErrors === undefined && o.successRate === undefined) {
    addFault(ctx, { code: "missing_field", message: (f) => `${f} needs consecutiveErrors, consecutiveGatewayErrors or successRate: nothing would be ejected` }, ["consecutiveErrors"]);
  }
});

/** Active health checking by Envoy sidecars (proxyless gRPC clients have none). */
export const healthCheck = strictObject({
  interval: positiveDuration,
  timeout: positiveDuration,
  unhealthyThreshold: z.int().min(1).max(100),
  healthyThreshold: z.int().min(1).max(100),
  http: strictObject({ path: z.string().max(1024).regex(/^\//).meta({ description: 'paths start with "/"' }) }).optional(),
  grpc: strictObject({ service: z.string().max(1024).optional() }).optional(),
}).superRefine((h, ctx) => {
  if ((h.http === undefined) === (h.grpc === undefined)) {
    addFault(ctx, { code: h.http === undefined ? "missing_field" : "invalid_field", message: (f) => `${f} needs exactly one of http and grpc` }, ["http"]);
  }
});

/** `BackendPolicy.spec`: how callers reach one Service. */
export const backendPolicySpec = strictObject({
  targetRef: strictObject({
    group: ignored('"" or "core"; only Services are targets'),
    kind: z.enum(["Service"]),
    name,
  }).transform(omitting(["group"])),
  locality: localityPolicy.optional(),
  loadBalancer: strictObject({ type: loadBalancerType }).optional(),
  /** TCP connect timeout to an endpoint; 5s when omitted. */
  connectTimeout: positiveDuration.optional(),
  circuitBreaker: circuitBreaker.optional(),
  outlierDetection: outlierDetection.optional(),
  healthCheck: healthCheck.optional(),
});
