import { z } from "zod";
import { grpcMethodPath } from "../grpc-method-path.js";
import { addFault } from "../schema-errors.js";
import { name } from "./fields.js";
import { headerMatch } from "./http-route.js";
import { refuseBadRegex } from "./regular-expression.js";
import { backendFilter, grpcRouteFilter } from "./route-filters.js";
import { faultSpec, grpcRetry } from "./route-policies.js";
import { backendRefOf, parentRef } from "./route-refs.js";
import { strictObject, unsupported } from "./strict-object.js";

/**
 * `GRPCRoute.spec` (Gateway API v1, gateway.networking.k8s.io/v1): rules
 * match gRPC methods (`/<service>/<method>`) and metadata, and send to
 * weighted backendRefs; `retry` (gRPC status names) and `fault` are
 * Edgeplane's extensions, as on HTTPRoute.
 */

const GRPC_NAME = /^[A-Za-z0-9_.]+$/;

export const grpcMethodMatch = strictObject({
  type: z.enum(["Exact", "RegularExpression"]).default("Exact"),
  /** A fully qualified service, `pkg.Service`; any when omitted. */
  service: z.string().max(1024).optional(),
  /** A method of it; any when omitted. */
  method: z.string().max(1024).optional(),
}).superRefine((m, ctx) => {
  if (!m.service && !m.method) addFault(ctx, { code: "missing_field", message: (f) => `${f} needs service, method or both` }, ["service"]);
  for (const key of ["service", "method"] as const) {
    const value = m[key];
    if (value === undefined) continue;
    if (m.type === "Exact" && !GRPC_NAME.test(value)) {
      addFault(ctx, { code: "invalid_field", message: (f) => `${f} "${value}" is not a gRPC ${key} name`, hint: "letters, digits, '_' and '.' (pkg.Service, Method)" }, [key]);
    }
    if (m.type === "RegularExpression") refuseBadRegex(ctx, value, [key]);
  }
  // The parts are fine on their own; the path regex they make must be too (program size).
  if (m.type === "RegularExpression" && (m.service || m.method)) refuseBadRegex(ctx, grpcMethodPath(m).value, [m.service ? "service" : "method"]);
});

export const grpcRouteMatch = strictObject({
  method: grpcMethodMatch.optional(),
  headers: z.array(headerMatch).max(16).optional(),
});

export const grpcRouteRule = strictObject({
  name: name.optional(),
  matches: z.array(grpcRouteMatch).max(16).optional(),
  filters: z.array(grpcRouteFilter).max(16).optional(),
  backendRefs: z.array(backendRefOf(backendFilter)).min(1).max(16),
  retry: grpcRetry.optional(),
  fault: faultSpec.optional(),
  sessionPersistence: unsupported("session persistence is not implemented"),
});

export const grpcRouteSpec = strictObject({
  parentRefs: z.array(parentRef).min(1).max(16),
  hostnames: unsupported("mesh routes (GAMMA) attach to Services and match every host name they are called by"),
  rules: z.array(grpcRouteRule).min(1).max(64),
});
