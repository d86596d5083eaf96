import { grpcMethodPath } from "../../contract/grpc-method-path.js";
import { grpcStatusOfHttp } from "../../contract/grpc-http-status.js";
import type { BackendRef, FaultSpec, RouteMatch, RouteRule } from "../../contract/resource-types.js";
import { RETRYABLE_GRPC_STATUSES, type RetryableGrpcStatus } from "../../contract/schema/route-policies.js";
import type { AnyRoute } from "./mesh-view.js";

/** A rule's filters, as HTTPRoute spells them (GRPCRoute's are a subset). */
export type RuleFilter = NonNullable<RouteRule["filters"]>[number];

/** Retries in the terms both proxies use: HTTP codes (Envoy) and gRPC status names (both). */
export interface MeshRetry {
  attempts: number;
  /** HTTP status codes to retry on; empty for a GRPCRoute. */
  httpCodes: number[];
  /** gRPC statuses to retry on: a GRPCRoute's own, or what an HTTPRoute's codes mean for gRPC. */
  grpcCodes: RetryableGrpcStatus[];
  backoff: string | undefined;
}

/** One rule of an HTTPRoute or a GRPCRoute, in the one shape translation reads. */
export interface MeshRule {
  backendRefs: BackendRef[];
  /** HTTP matches; a GRPCRoute's method matches become path matches. */
  matches: RouteMatch[] | undefined;
  filters: RuleFilter[];
  timeouts: RouteRule["timeouts"];
  retry: MeshRetry | undefined;
  fault: FaultSpec | undefined;
}

/** Gateway API: 1 retry when `attempts` is omitted; HTTPRoute retries 503 when `codes` is. */
const DEFAULT_ATTEMPTS = 1;
const DEFAULT_HTTP_CODES = [503];

/**
 * The rules of a route, normalized: a GRPCRoute's `/<service>/<method>`
 * matches as HTTP path matches (grpc-method-path.ts), retries in both
 * vocabularies. Rule indexes are kept, so route names still point at the
 * source.
 *
 * @example meshRules(grpcRoute)[0]?.matches?.[0]?.path // { type: "Exact", value: "/demo.Echo/Call" }
 */
export function meshRules(route: AnyRoute): MeshRule[] {
  if (route.kind === "HTTPRoute") {
    return route.spec.rules.map((rule) => ({
      backendRefs: rule.backendRefs ?? [],
      matches: rule.matches,
      filters: rule.filters ?? [],
      timeouts: rule.timeouts,
      fault: rule.fault,
      retry: rule.retry && httpRetry(rule.retry.codes ?? DEFAULT_HTTP_CODES, rule.retry.attempts, rule.retry.backoff),
    }));
  }
  return route.spec.rules.map((rule) => ({
    backendRefs: rule.backendRefs,
    matches: rule.matches?.map((m) => {
      const out: RouteMatch = {};
      if (m.method) out.path = grpcMethodPath(m.method);
      if (m.headers) out.headers = m.headers;
      return out;
    }),
    filters: rule.filters ?? [],
    timeouts: undefined,
    fault: rule.fault,
    retry: rule.retry && {
      attempts: rule.retry.attempts ?? DEFAULT_ATTEMPTS,
      httpCodes: [],
      grpcCodes: retryable(rule.retry.codes ?? ["unavailable"]),
      backoff: rule.retry.backoff,
    },
  }));
}

function httpRetry(codes: number[], attempts: number | undefined, backoff: string | undefined): MeshRetry {
  return { attempts: attempts ?? DEFAULT_ATTEMPTS, httpCodes: [...new Set(codes)], grpcCodes: retryable(codes.map(grpcStatusOfHttp)), backoff };
}

/** The statuses of `names` that proxies can retry on, each once, in order. */
function retryable(names: readonly string[]): RetryableGrpcStatus[] {
  const known = new Set<string>(RETRYABLE_GRPC_STATUSES);
  return [...new Set(names)].filter((s): s is RetryableGrpcStatus => known.has(s));
}
