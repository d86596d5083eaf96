import { anyUnpack } from "@bufbuild/protobuf/wkt";
import type { Cluster } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { Cluster_DiscoveryType } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import type { RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { RouterSchema } from "../../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import { HttpConnectionManagerSchema, type HttpConnectionManager } from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import type { XdsResources } from "../xds-resources.js";

/**
 * Checks that a set of resources hangs together before it is served, like
 * go-control-plane's Snapshot.Consistent(): every listener's RDS name has a
 * RouteConfiguration, every cluster a route sends to exists, every EDS
 * cluster has a ClusterLoadAssignment under its service name; plus no two
 * resources of a type share a name, and each HttpConnectionManager (in an
 * API listener or a sidecar's filter chain) ends with the Router
 * (grpc-js-xds rejects it otherwise, Envoy forwards nothing). Inline route
 * configurations must name existing clusters too. Returns the problems,
 * empty when there are none.
 *
 * @example checkConsistency(translateMesh(model, "default")) // []
 * @example checkConsistency(translateSidecar(model, "default", "echo-1")) // []
 */
export function checkConsistency(res: XdsResources): string[] {
  const problems: string[] = [];
  uniqueNames("listener", res.listeners.map((l) => l.name), problems);
  const routes = uniqueNames("route configuration", res.routes.map((r) => r.name), problems);
  const clusters = uniqueNames("cluster", res.clusters.map((c) => c.name), problems);
  const assignments = uniqueNames("cluster load assignment", res.endpoints.map((e) => e.clusterName), problems);
  for (const l of res.listeners) problems.push(...listenerProblems(l, routes, clusters));
  for (const r of res.routes) problems.push(...routeProblems(r, clusters));
  for (const c of res.clusters) problems.push(...clusterProblems(c, assignments));
  return problems;
}

/** xDS resources are keyed by name: a duplicate would shadow the other. */
function uniqueNames(what: string, list: string[], problems: string[]): Set<string> {
  const set = new Set<string>();
  for (const n of list) {
    if (set.has(n)) problems.push(`${what} "${n}" appears more than once`);
    set.add(n);
  }
  return set;
}

/**
 * An API listener (proxyless) holds its HttpConnectionManager in
 * api_listener; a sidecar listener in the one network filter of each filter
 * chain. Both kinds are HTTP-only: a chain without the manager is a problem.
 */
function listenerProblems(l: Listener, routes: Set<string>, clusters: Set<string>): string[] {
  const label = `listener "${l.name}"`;
  const any = l.apiListener?.apiListener;
  if (any) {
    const hcm = anyUnpack(any, HttpConnectionManagerSchema);
    return hcm ? managerProblems(label, hcm, routes, clusters) : [`${label}: no api_listener with an HttpConnectionManager`];
  }
  const chains = l.filterChains.map((c, i) => ({ c, at: `filter_chains[${i}]` }));
  if (l.defaultFilterChain) chains.push({ c: l.defaultFilterChain, at: "default_filter_chain" });
  if (chains.length === 0) return [`${label}: no api_listener with an HttpConnectionManager`];
  return chains.flatMap(({ c, at }) => {
    const config = c.filters.at(-1)?.configType;
    const hcm = config?.case === "typedConfig" ? anyUnpack(config.value, HttpConnectionManagerSchema) : undefined;
    return hcm ? managerProblems(`${label} ${at}`, hcm, routes, clusters) : [`${label} ${at}: no HttpConnectionManager`];
  });
}

/** RDS names must exist; inline routes are checked like a RouteConfiguration. */
function managerProblems(label: string, hcm: HttpConnectionManager, routes: Set<string>, clusters: Set<string>): string[] {
  const out: string[] = [];
  const spec = hcm.routeSpecifier;
  if (spec.case === "rds") {
    if (!routes.has(spec.value.routeConfigName)) out.push(`${label}: route configuration "${spec.value.routeConfigName}" does not exist`);
  } else if (spec.case === "routeConfig") {
    out.push(...routeProblems(spec.value, clusters));
  } else {
    out.push(`${label}: neither RDS nor an inline route configuration`);
  }
  const last = hcm.httpFilters.at(-1)?.configType;
  if (last?.case !== "typedConfig" || last.value.typeUrl !== `type.googleapis.com/${RouterSchema.typeName}`) {
    out.push(`${label}: the last HTTP filter is not the router`);
  }
  return out;
}

function routeProblems(rc: RouteConfiguration, clusters: Set<string>): string[] {
  const out: string[] = [];
  for (const vh of rc.virtualHosts) {
    for (const route of vh.routes) {
      if (route.action.case !== "route") continue;
      const spec = route.action.value.clusterSpecifier;
      const targets =
        spec.case === "cluster" ? [spec.value] : spec.case === "weightedClusters" ? spec.value.clusters.map((c) => c.name) : [];
      for (const t of targets) {
        if (!clusters.has(t)) out.push(`route configuration "${rc.name}" route "${route.name}": cluster "${t}" does not exist`);
      }
    }
  }
  return out;
}

function clusterProblems(c: Cluster, assignments: Set<string>): string[] {
  const discovery = c.clusterDiscoveryType;
  if (discovery.case !== "type" || discovery.value !== Cluster_DiscoveryType.EDS) return [];
  // Envoy: an empty service_name means the cluster's own name.
  const service = c.edsClusterConfig?.serviceName || c.name;
  return assignments.has(service) ? [] : [`cluster "${c.name}": cluster load assignment "${service}" does not exist`];
}
