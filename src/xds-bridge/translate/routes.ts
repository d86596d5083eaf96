import { create } from "@bufbuild/protobuf";
import type { RouteRule } from "../../contract/resource-types.js";
import { parseDurationMs } from "../../contract/duration.js";
import {
  RouteActionSchema,
  RouteAction_MaxStreamDurationSchema,
  RouteSchema,
  VirtualHostSchema,
  type Route,
  type RouteAction,
} from "../../../gen/envoy/config/route/v3/route_components_pb.js";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { resolveBackends, type WeightedBackend } from "./backends.js";
import type { MeshView, Service } from "./mesh-view.js";
import { clusterName, routeConfigName } from "./names.js";
import { durationFromMs } from "./proto-values.js";
import { attachedRoutes, orderedRuleMatches, type RuleMatch } from "./route-precedence.js";
import { toEnvoyMatch } from "./route-match.js";

/** Name of the catch-all route of a service port no HTTPRoute is attached to. */
export const DEFAULT_ROUTE_NAME = "default";

/**
 * One RouteConfiguration per service port, named like the port's listener.
 * Unsorted; the mesh translator sorts.
 *
 * @example buildRouteConfigurations(view).map((r) => r.name) // ["echo:50051"]
 */
export function buildRouteConfigurations(view: MeshView): RouteConfiguration[] {
  return view.services.flatMap((service) => service.spec.ports.map((p) => routeConfiguration(view, service, p.port)));
}

function routeConfiguration(view: MeshView, service: Service, port: number): RouteConfiguration {
  const name = routeConfigName(service.metadata.name, port);
  return create(RouteConfigurationSchema, {
    name,
    virtualHosts: [create(VirtualHostSchema, { name, domains: ["*"], routes: serviceRoutes(view, service, port) })],
  });
}

/**
 * The routes of one service port, in the order they must be tried; shared
 * by the proxyless route configurations and the sidecars' outbound virtual
 * hosts. GAMMA: HTTPRoutes attached to the service port replace its default
 * route entirely. If every attached rule is dropped the result is empty and
 * calls fail (UNAVAILABLE in grpc-js, 404 in Envoy), rather than silently
 * bypassing the user's routing.
 *
 * @example serviceRoutes(view, echo, 8080).map((r) => r.name) // ["default"]
 */
export function serviceRoutes(view: MeshView, service: Service, port: number): Route[] {
  const attached = attachedRoutes(view, service, port);
  return attached.length === 0
    ? [defaultRoute(clusterName(service.metadata.name, port, view.mesh))]
    : orderedRuleMatches(attached).flatMap((m) => envoyRoute(view, service, port, m));
}

/**
 * The catch-all route `default`: prefix "/" to `cluster`, no timeout.
 *
 * @example defaultRoute("outbound|8080||echo.default").name // "default"
 */
export function defaultRoute(cluster: string): Route {
  return create(RouteSchema, {
    name: DEFAULT_ROUTE_NAME,
    match: toEnvoyMatch({}),
    action: { case: "route", value: routeAction([{ cluster, weight: 1 }], undefined) },
  });
}

/** Empty when the rule has no usable backend: the rule is dropped. */
function envoyRoute(view: MeshView, service: Service, port: number, m: RuleMatch): Route[] {
  const backends = resolveBackends(view, service, port, m.rule);
  if (backends.length === 0) return [];
  return [
    create(RouteSchema, {
      name: ruleMatchName(m),
      match: toEnvoyMatch(m.match),
      action: { case: "route", value: routeAction(backends, requestTimeoutMs(m.rule)) },
    }),
  ];
}

/**
 * Names the source of a route the way validation errors name fields, so a
 * NACK or a debug dump points back at the HTTPRoute: `split.rules[0].matches[1]`.
 */
function ruleMatchName(m: RuleMatch): string {
  const rule = `${m.route.metadata.name}.rules[${m.ruleIndex}]`;
  return m.matchIndex === undefined ? rule : `${rule}.matches[${m.matchIndex}]`;
}

function requestTimeoutMs(rule: RouteRule): number | undefined {
  const text = rule.timeouts?.request;
  return text === undefined ? undefined : parseDurationMs(text);
}

/**
 * `backends` is non-empty. The timeout goes to both `timeout` (Envoy) and
 * `max_stream_duration` (grpc-js-xds ignores `timeout`, per gRFC A31).
 */
function routeAction(backends: WeightedBackend[], timeoutMs: number | undefined): RouteAction {
  const [only] = backends;
  const action = create(RouteActionSchema, {
    clusterSpecifier:
      backends.length === 1 && only
        ? { case: "cluster", value: only.cluster }
        : { case: "weightedClusters", value: { clusters: backends.map((b) => ({ name: b.cluster, weight: b.weight })) } },
  });
  if (timeoutMs !== undefined) {
    action.timeout = durationFromMs(timeoutMs);
    action.maxStreamDuration = create(RouteAction_MaxStreamDurationSchema, { maxStreamDuration: durationFromMs(timeoutMs) });
  }
  return action;
}
