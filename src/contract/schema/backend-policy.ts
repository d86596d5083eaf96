import { z } from "zod";
import { addFault } from "../schema-errors.js";
import { name } from "./fields.js";
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

/** Envoy's load balancers; proxyless gRPC clients support RoundRobin and RingHash only. */
export const loadBalancerType = z.enum(["RoundRobin", "LeastRequest", "RingHash", "Random"]);

/** `BackendPolicy.spec`: how callers reach one Service. */
export const backendPolicySpec = strictObject({
  targetRef: strictObject({
    group: ignored('"" or "core"; only Services are targets'),
    kind: z.enum(["Service"]),
    name,
  }).transform(omitting(["group"])),
  locality: localityPolicy.optional(),
  loadBalancer: strictObject({ type: loadBalancerType }).optional(),
});
