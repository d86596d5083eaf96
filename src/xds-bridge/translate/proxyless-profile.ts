import { create } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { parseDurationMs } from "../../contract/duration.js";
import { PROXYLESS_FAILURE_PERCENTAGE_THRESHOLD } from "../../contract/proxy-warnings.js";
import { CircuitBreakersSchema } from "../../../gen/envoy/config/cluster/v3/circuit_breaker_pb.js";
import type { Cluster } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { OutlierDetectionSchema, type OutlierDetection } from "../../../gen/envoy/config/cluster/v3/outlier_detection_pb.js";
import { RoutingPriority } from "../../../gen/envoy/config/core/v3/base_pb.js";
import { RouteActionSchema, type HeaderMatcher, type Route, type RouteAction } from "../../../gen/envoy/config/route/v3/route_components_pb.js";
import { FaultDelaySchema } from "../../../gen/envoy/extensions/filters/common/fault/v3/fault_pb.js";
import { FaultAbortSchema, HTTPFaultSchema, type HTTPFault } from "../../../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js";
import { FractionalPercentSchema } from "../../../gen/envoy/type/v3/percent_pb.js";
import { OUTLIER_DEFAULTS } from "./backend-settings.js";
import { FAULT_FILTER_NAME, httpFault } from "./fault-filter.js";
import type { BackendSettings } from "./mesh-view.js";
import { durationFromMs } from "./proto-values.js";
import { METHOD_HEADER } from "./route-match.js";
import { RETRIABLE_STATUS_CODES } from "./route-policies.js";

/**
 * Everything proxyless gRPC clients (@grpc/grpc-js-xds 1.14) are given
 * differently from Envoy sidecars, in one place. Translation builds routes
 * and clusters as Envoy reads them; these functions turn them into what a
 * gRPC client runs, so a client is never sent something it refuses, crashes
 * on, or would read differently (../shared/toolchain.md). What does not
 * reach these clients is also what the API warns about
 * (src/contract/proxy-warnings.ts).
 *
 * Routes:
 * - a query parameter match never matches a gRPC call (no query string):
 *   the route is left out; a `:method` match is POST (every gRPC call) or
 *   never matches;
 * - a redirect becomes an abort with UNKNOWN, what a gRPC call gets from an
 *   HTTP 3xx (grpc-js-xds refuses redirect actions);
 * - header changes, URL rewrites, mirrors and per-try timeouts are left
 *   out (grpc-js-xds ignores them);
 * - retries keep only gRPC status conditions (all it reads);
 * - every route carries a fault override with both a delay and an abort
 *   (0 % when unused): the client drops an update that only adds a map
 *   entry, or that only appends bytes to a message it compares, so adding
 *   or changing a fault must change bytes it already had.
 * Clusters:
 * - outlier detection is always sent (a cluster that gains it later would
 *   be taken as unchanged), as failure-percentage ejection for
 *   `consecutiveErrors` and success-rate ejection with every field set
 *   (unset fields crash the client), never consecutive_5xx (ignored);
 * - circuit breakers keep max_requests (all it reads); no health checks.
 */

/** The placeholder parts of a fault override: never applied (0 %). */
const UNUSED_DELAY_MS = 1;
const UNUSED_ABORT_STATUS = 14;

/**
 * `routes` (as serviceRoutes built them) for a proxyless client of the
 * service port whose cluster is `parentCluster`.
 *
 * @example proxylessRoutes(serviceRoutes(view, echo, 50051), "outbound|50051||echo.default")
 */
export function proxylessRoutes(routes: readonly Route[], parentCluster: string): Route[] {
  return routes.flatMap((route) => {
    const match = route.match;
    if (match && match.queryParameters.length > 0) return [];
    if (match?.headers.some((h) => h.name === METHOD_HEADER && !isPost(h))) return [];
    const out: Route = { ...route, requestHeadersToAdd: [], requestHeadersToRemove: [], responseHeadersToAdd: [], responseHeadersToRemove: [] };
    if (match) out.match = { ...match, headers: match.headers.filter((h) => h.name !== METHOD_HEADER) };
    let fault = route.typedPerFilterConfig[FAULT_FILTER_NAME];
    if (route.action.case === "redirect") {
      out.action = { case: "route", value: create(RouteActionSchema, { clusterSpecifier: { case: "cluster", value: parentCluster } }) };
      fault = anyPack(HTTPFaultSchema, httpFault({ abort: { percentage: 100, grpcStatus: "unknown" } }));
    } else if (route.action.case === "route") {
      out.action = { case: "route", value: proxylessAction(route.action.value) };
    }
    out.typedPerFilterConfig = { ...route.typedPerFilterConfig, [FAULT_FILTER_NAME]: anyPack(HTTPFaultSchema, withBothParts(fault ? unpackFault(fault) : create(HTTPFaultSchema))) };
    return [out];
  });
}

function isPost(h: HeaderMatcher): boolean {
  const spec = h.headerMatchSpecifier;
  return spec.case === "stringMatch" && spec.value.matchPattern.case === "exact" && spec.value.matchPattern.value === "POST";
}

function proxylessAction(action: RouteAction): RouteAction {
  const out: RouteAction = { ...action, prefixRewrite: "", hostRewriteSpecifier: { case: undefined }, requestMirrorPolicies: [] };
  delete out.regexRewrite;
  if (out.clusterSpecifier.case === "weightedClusters") {
    const wc = out.clusterSpecifier.value;
    out.clusterSpecifier = {
      case: "weightedClusters",
      value: { ...wc, clusters: wc.clusters.map((c) => ({ ...c, requestHeadersToAdd: [], requestHeadersToRemove: [], responseHeadersToAdd: [], responseHeadersToRemove: [] })) },
    };
  }
  const retry = action.retryPolicy;
  if (retry) {
    const conditions = retry.retryOn.split(",").filter((c) => c !== "" && c !== RETRIABLE_STATUS_CODES);
    if (conditions.length === 0) delete out.retryPolicy;
    else {
      out.retryPolicy = { ...retry, retryOn: conditions.join(","), retriableStatusCodes: [] };
      delete out.retryPolicy.perTryTimeout;
    }
  }
  return out;
}

function unpackFault(any: NonNullable<Route["typedPerFilterConfig"][string]>): HTTPFault {
  return anyUnpack(any, HTTPFaultSchema) ?? create(HTTPFaultSchema);
}

/** A delay and an abort always, the unused one at 0 %, so any change of either changes bytes the client compares. */
function withBothParts(fault: HTTPFault): HTTPFault {
  const none = () => create(FractionalPercentSchema, { numerator: 0 });
  return {
    ...fault,
    delay: fault.delay ?? create(FaultDelaySchema, { faultDelaySecifier: { case: "fixedDelay", value: durationFromMs(UNUSED_DELAY_MS) }, percentage: none() }),
    abort: fault.abort ?? create(FaultAbortSchema, { errorType: { case: "grpcStatus", value: UNUSED_ABORT_STATUS }, percentage: none() }),
  };
}

/**
 * `cluster` (as clusters.ts built it from `settings`) for proxyless clients.
 *
 * @example proxylessCluster(cluster, { circuitBreaker: { maxRequests: 5, maxConnections: 9 } }).circuitBreakers?.thresholds[0]?.maxConnections // undefined
 */
export function proxylessCluster(cluster: Cluster, settings: BackendSettings): Cluster {
  const out: Cluster = { ...cluster, healthChecks: [] };
  if (settings.outlierDetection) out.outlierDetection = proxylessOutlierDetection(settings.outlierDetection);
  const maxRequests = settings.circuitBreaker?.maxRequests;
  if (maxRequests === undefined) delete out.circuitBreakers;
  else out.circuitBreakers = create(CircuitBreakersSchema, { thresholds: [{ priority: RoutingPriority.DEFAULT, maxRequests }] });
  return out;
}

function proxylessOutlierDetection(o: NonNullable<BackendSettings["outlierDetection"]>): OutlierDetection {
  const ms = (text: string | undefined, fallback: number) => (text === undefined ? fallback : (parseDurationMs(text) ?? fallback));
  const sr = o.successRate;
  return create(OutlierDetectionSchema, {
    interval: durationFromMs(ms(o.interval, OUTLIER_DEFAULTS.intervalMs)),
    baseEjectionTime: durationFromMs(ms(o.baseEjectionTime, OUTLIER_DEFAULTS.baseEjectionMs)),
    maxEjectionPercent: o.maxEjectionPercent ?? OUTLIER_DEFAULTS.maxEjectionPercent,
    enforcingSuccessRate: sr ? sr.enforcementPercentage : 0,
    ...(sr ? { successRateMinimumHosts: sr.minimumHosts, successRateRequestVolume: sr.requestVolume, successRateStdevFactor: Math.round(sr.stdevFactor * 1000) } : {}),
    enforcingFailurePercentage: o.consecutiveErrors === undefined ? 0 : 100,
    ...(o.consecutiveErrors === undefined
      ? {}
      : { failurePercentageMinimumHosts: 1, failurePercentageRequestVolume: o.consecutiveErrors, failurePercentageThreshold: PROXYLESS_FAILURE_PERCENTAGE_THRESHOLD }),
  });
}
