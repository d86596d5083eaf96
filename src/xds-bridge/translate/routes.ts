import { create } from "@bufbuild/protobuf";
import type { Any } from "@bufbuild/protobuf/wkt";
import {
  RouteAction_MaxStreamDurationSchema,
  RouteActionSchema,
  RouteSchema,
  VirtualHostSchema,
  WeightedCluster_ClusterWeightSchema,
  type Route,
  type RouteAction,
} from "../../../gen/envoy/config/route/v3/route_components_pb.js";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { resolveBackends, type WeightedBackend } from "./backends.js";
import { FAULT_FILTER_NAME, faultOverride } from "./fault-filter.js";
import { headerChanges } from "./header-changes.js";
import type { MeshView, Service } from "./mesh-view.js";
import { clusterName, routeConfigName } from "./names.js";
import { durationFromMs } from "./proto-values.js";
import { proxylessRoutes } from "./proxyless-profile.js";
import { mirrorPolicies, redirectAction, withRewrite } from "./route-actions.js";
import { attachedRoutes, orderedRuleMatches, type RuleMatch } from "./route-precedence.js";
import { retryPolicy, ruleTimeouts } from "./route-policies.js";
import { toEnvoyMatch } from "./route-match.js";

/** Name of the catch-all route of a service port no route is attached to. */
export const DEFAULT_ROUTE_NAME = "default";

/**
 * One RouteConfiguration per service port, named like the port's listener,
 * for proxyless gRPC clients (proxyless-profile.ts adapts the routes).
 * Unsorted; the mesh translator sorts.
 *
 * @example buildRouteConfigurations(view).map((r) => r.name) // ["echo:50051"]
 */
export function buildRouteConfigurations(view: MeshView): RouteConfiguration[] {
  return view.services.flatMap((service) => service.spec.ports.map((p) => routeConfiguration(view, service, p.port)));
}

function routeConfiguration(view: MeshView, service: Service, port: number): RouteConfiguration {
  const name = routeConfigName(service.metadata.name, port);
  const routes = proxylessRoutes(serviceRoutes(view, service, port), clusterName(service.metadata.name, port, view.mesh));
  return create(RouteConfigurationSchema, { name, virtualHosts: [create(VirtualHostSchema, { name, domains: ["*"], routes })] });
}

/**
 * The routes of one service port, in the order they must be tried, as
 * Envoy reads them; shared by the proxyless route configurations (through
 * proxyless-profile.ts) and the sidecars' outbound virtual hosts. GAMMA:
 * HTTPRoutes and GRPCRoutes attached to the service port replace its
 * default route entirely. If every attached rule is dropped the result is
 * empty and calls fail (UNAVAILABLE in grpc-js, 404 in Envoy), rather than
 * silently bypassing the user's routing.
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

/**
 * Empty when the rule has no usable backend: the rule is dropped. A rule
 * that redirects has no backends and answers with the redirect.
 */
function envoyRoute(view: MeshView, service: Service, port: number, m: RuleMatch): Route[] {
  const { rule } = m;
  const typedPerFilterConfig: Record<string, Any> = rule.fault ? { [FAULT_FILTER_NAME]: faultOverride(rule.fault) } : {};
  const common = {
    name: ruleMatchName(m),
    match: toEnvoyMatch(m.match),
    ...headerChanges(rule.filters),
    typedPerFilterConfig,
  };
  const redirect = rule.filters.find((f) => f.type === "RequestRedirect")?.requestRedirect;
  if (redirect) return [create(RouteSchema, { ...common, action: { case: "redirect", value: redirectAction(redirect) } })];
  const backends = resolveBackends(view, service, port, rule);
  if (backends.length === 0) return [];
  const timeouts = ruleTimeouts(rule);
  const action = routeAction(backends, timeouts.callMs);
  if (rule.retry) action.retryPolicy = retryPolicy(rule.retry, timeouts.perTryMs);
  const rewrite = rule.filters.find((f) => f.type === "URLRewrite")?.urlRewrite;
  if (rewrite) withRewrite(action, rewrite, m.match.path ?? { type: "PathPrefix", value: "/" });
  action.requestMirrorPolicies = mirrorPolicies(view, rule.filters.flatMap((f) => (f.type === "RequestMirror" && f.requestMirror ? [f.requestMirror] : [])));
  return [create(RouteSchema, { ...common, action: { case: "route", value: action } })];
}

/**
 * Names the source of a route the way validation errors name fields, so a
 * NACK or a debug dump points back at the route: `split.rules[0].matches[1]`
 * (a GRPCRoute's with its kind: `GRPCRoute/echo.rules[0]`).
 */
function ruleMatchName(m: RuleMatch): string {
  const source = m.route.kind === "GRPCRoute" ? `GRPCRoute/${m.route.metadata.name}` : m.route.metadata.name;
  const rule = `${source}.rules[${m.ruleIndex}]`;
  return m.matchIndex === undefined ? rule : `${rule}.matches[${m.matchIndex}]`;
}

/**
 * `backends` is non-empty. The timeout goes to both `timeout` (Envoy) and
 * `max_stream_duration` (grpc-js-xds ignores `timeout`, per gRFC A31). A
 * backend with filters of its own needs a weighted cluster entry to carry
 * them, even alone.
 */
function routeAction(backends: WeightedBackend[], timeoutMs: number | undefined): RouteAction {
  const [only] = backends;
  const action = create(RouteActionSchema, {
    clusterSpecifier:
      backends.length === 1 && only && !only.filters
        ? { case: "cluster", value: only.cluster }
        : {
            case: "weightedClusters",
            value: {
              clusters: backends.map((b) =>
                create(WeightedCluster_ClusterWeightSchema, { name: b.cluster, weight: b.weight, ...(b.filters ? headerChanges(b.filters) : {}) }),
              ),
            },
          },
  });
  if (timeoutMs !== undefined) {
    action.timeout = durationFromMs(timeoutMs);
    action.maxStreamDuration = create(RouteAction_MaxStreamDurationSchema, { maxStreamDuration: durationFromMs(timeoutMs) });
  }
  return action;
}
