import type { Route } from "../../../gen/envoy/config/route/v3/route_components_pb.js";
import { durationFromMs } from "./proto-values.js";

/**
 * Envoy gives a route without `timeout` a 15 s request timeout, which would
 * cut every longer gRPC stream passing through a sidecar. Proxyless clients
 * have no such default (grpc-js reads only max_stream_duration), so for the
 * same model to behave the same, a sidecar route without an HTTPRoute
 * `timeouts.request` gets `timeout: 0s`, which Envoy reads as "none". Routes
 * with a timeout keep it. Modifies `routes` in place (they are built fresh
 * for each translation) and returns them.
 *
 * @example withoutDefaultTimeout([defaultRoute(cluster)])[0].action.value.timeout // { seconds: 0n, nanos: 0 }
 */
export function withoutDefaultTimeout(routes: Route[]): Route[] {
  for (const route of routes) {
    if (route.action.case === "route" && route.action.value.timeout === undefined) {
      route.action.value.timeout = durationFromMs(0);
    }
  }
  return routes;
}
