import { grpcStatusOfHttp } from "./grpc-http-status.js";
import type { Resource, ResourceOf } from "./resource-types.js";
import { RETRYABLE_GRPC_STATUSES } from "./schema/route-policies.js";

/**
 * What a valid document asks for that one kind of proxy will not do, said
 * when it is written (like kubectl's warnings) instead of a silent drop or
 * a later NACK. Pure: the API answers writes with these; the bridge's
 * proxyless profile (src/xds-bridge/translate/proxyless-profile.ts) is what
 * makes them true, and the README's feature table lists them.
 */
export interface ProxyWarning {
  /** The field at fault, as validation errors name fields. */
  field: string;
  message: string;
  /** The kind of proxy that will not apply it. */
  proxies: "proxyless" | "sidecar";
}

/** Failure-percentage ejection stands in for `consecutiveErrors` on proxyless clients: more than this share of at least N calls failed. */
export const PROXYLESS_FAILURE_PERCENTAGE_THRESHOLD = 50;

const proxyless = (field: string, message: string): ProxyWarning => ({ field, message, proxies: "proxyless" });

/**
 * The warnings of one validated resource, in field order.
 *
 * @example proxyWarnings(policyWithHealthCheck) // [{ field: "spec.healthCheck", proxies: "proxyless", message: "..." }]
 */
export function proxyWarnings(r: Resource): ProxyWarning[] {
  switch (r.kind) {
    case "HTTPRoute":
      return httpRouteWarnings(r);
    case "GRPCRoute":
      return r.spec.rules.flatMap((rule, i) => [...filterWarnings(`spec.rules[${i}]`, rule.filters ?? []), ...backendWarnings(`spec.rules[${i}]`, rule.backendRefs)]);
    case "BackendPolicy":
      return backendPolicyWarnings(r);
    case "Mesh":
    case "Zone":
    case "Service":
    case "Workload":
    case "TrafficPermission":
      return [];
  }
}

function httpRouteWarnings(r: ResourceOf<"HTTPRoute">): ProxyWarning[] {
  return r.spec.rules.flatMap((rule, i) => {
    const at = `spec.rules[${i}]`;
    const out: ProxyWarning[] = [];
    (rule.matches ?? []).forEach((m, j) => {
      if (m.queryParams?.length) out.push(proxyless(`${at}.matches[${j}].queryParams`, "gRPC calls carry no query string: proxyless gRPC clients never take this match"));
      if (m.method !== undefined && m.method !== "POST") out.push(proxyless(`${at}.matches[${j}].method`, `gRPC calls are POST: proxyless gRPC clients never take this match on ${m.method}`));
    });
    out.push(...filterWarnings(at, rule.filters ?? []), ...backendWarnings(at, rule.backendRefs ?? []));
    if (rule.retry) {
      if (rule.timeouts?.backendRequest !== undefined) out.push(proxyless(`${at}.timeouts.backendRequest`, "proxyless gRPC clients have no per-attempt timeout: with retries, only timeouts.request bounds their calls"));
      const codes = rule.retry.codes ?? [503];
      const retryable = new Set<string>(RETRYABLE_GRPC_STATUSES);
      codes.forEach((code, j) => {
        const status = grpcStatusOfHttp(code);
        if (!retryable.has(status)) out.push(proxyless(`${at}.retry.codes[${j}]`, `HTTP ${code} reaches gRPC clients as ${status.toUpperCase()}, which proxyless gRPC clients do not retry`));
      });
    }
    return out;
  });
}

/** Filters Envoy applies and grpc-js-xds ignores or cannot do. */
function filterWarnings(at: string, filters: readonly { type: string }[]): ProxyWarning[] {
  return filters.flatMap((f, k) => {
    const field = `${at}.filters[${k}]`;
    switch (f.type) {
      case "RequestHeaderModifier":
      case "ResponseHeaderModifier":
        return [proxyless(field, `proxyless gRPC clients do not change headers: ${f.type} applies on sidecars only`)];
      case "URLRewrite":
        return [proxyless(field, "proxyless gRPC clients do not rewrite URLs: URLRewrite applies on sidecars only")];
      case "RequestMirror":
        return [proxyless(field, "proxyless gRPC clients do not mirror calls: RequestMirror applies on sidecars only")];
      case "RequestRedirect":
        return [proxyless(field, "gRPC clients cannot follow redirects: proxyless clients fail calls this rule matches with UNKNOWN, as a gRPC call answered with a redirect does")];
      default:
        return [];
    }
  });
}

function backendWarnings(at: string, refs: readonly { filters?: readonly unknown[] | undefined }[]): ProxyWarning[] {
  return refs.flatMap((b, j) => (b.filters?.length ? [proxyless(`${at}.backendRefs[${j}].filters`, "proxyless gRPC clients do not change headers: backend filters apply on sidecars only")] : []));
}

function backendPolicyWarnings(r: ResourceOf<"BackendPolicy">): ProxyWarning[] {
  const s = r.spec;
  const out: ProxyWarning[] = [];
  const lb = s.loadBalancer?.type;
  if (lb === "LeastRequest" || lb === "Random") out.push(proxyless("spec.loadBalancer.type", `proxyless gRPC clients have no ${lb} balancer: they run round robin (the fallback of the cluster's load_balancing_policy)`));
  if (s.connectTimeout !== undefined) out.push(proxyless("spec.connectTimeout", "proxyless gRPC clients keep their own connect timeout: connectTimeout applies on sidecars only"));
  for (const limit of ["maxConnections", "maxPendingRequests", "maxRetries"] as const) {
    if (s.circuitBreaker?.[limit] !== undefined) out.push(proxyless(`spec.circuitBreaker.${limit}`, `proxyless gRPC clients apply only maxRequests: ${limit} applies on sidecars only`));
  }
  const o = s.outlierDetection;
  if (o?.consecutiveErrors !== undefined) {
    out.push(
      proxyless(
        "spec.outlierDetection.consecutiveErrors",
        `proxyless gRPC clients do not count consecutive errors: for them an endpoint is ejected when more than ${PROXYLESS_FAILURE_PERCENTAGE_THRESHOLD}% of at least ${o.consecutiveErrors} calls in one interval failed (failure-percentage ejection)`,
      ),
    );
  }
  if (o?.consecutiveGatewayErrors !== undefined) out.push(proxyless("spec.outlierDetection.consecutiveGatewayErrors", "proxyless gRPC clients cannot tell gateway errors apart: consecutiveGatewayErrors applies on sidecars only"));
  if (s.healthCheck) out.push(proxyless("spec.healthCheck", "proxyless gRPC clients do not health-check endpoints: healthCheck applies on sidecars only"));
  return out;
}
