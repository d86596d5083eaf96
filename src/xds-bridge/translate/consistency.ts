import { anyUnpack } from "@bufbuild/protobuf/wkt";
import type { Cluster } from "../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { Cluster_DiscoveryType } from "../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { Listener } from "../../gen/envoy/config/listener/v3/listener_pb.js";
import type { RouteConfiguration } from "../../gen/envoy/config/route/v3/route_pb.js";
import { RouterSchema } from "../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import { HttpConnectionManagerSchema } from "../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import type { XdsResources } from "../xds-resources.js";

/**
 * Checks that a set of resources hangs together before it is served, like
 * go-control-plane's Snapshot.Consistent(): every listener's RDS name has a
 * RouteConfiguration, every cluster a route sends to exists, every EDS
 * cluster has a ClusterLoadAssignment under its service name; plus no two
 * resources of a type share a name, and each API listener ends with the
 * Router (grpc-js-xds rejects it otherwise). Returns the problems, empty
 * when there are none.
 *
 * @example checkConsistency(translateMesh(model, "default")) // []
 */
export function checkConsistency(res: XdsResources): string[] {
  const problems: string[] = [];
  uniqueNames("listener", res.listeners.map((l) => l.name), problems);
  const routes = uniqueNames("route configuration", res.routes.map((r) => r.name), problems);
  const clusters = uniqueNames("cluster", res.clusters.map((c) => c.name), problems);
  const assignments = uniqueNames("cluster load assignment", res.endpoints.map((e) => e.clusterName), problems);
  for (const l of res.listeners) problems.push(...listenerProblems(l, routes));
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

function listenerProblems(l: Listener, routes: Set<string>): string[] {
  const any = l.apiListener?.apiListener;
  const hcm = any ? anyUnpack(any, HttpConnectionManagerSchema) : undefined;
  if (!hcm) return [`listener "${l.name}": no api_listener with an HttpConnectionManager`];
  const out: string[] = [];
  if (hcm.routeSpecifier.case !== "rds") {
    out.push(`listener "${l.name}": does not use RDS`);
  } else if (!routes.has(hcm.routeSpecifier.value.routeConfigName)) {
    out.push(`listener "${l.name}": route configuration "${hcm.routeSpecifier.value.routeConfigName}" does not exist`);
  }
  const last = hcm.httpFilters.at(-1)?.configType;
  if (last?.case !== "typedConfig" || last.value.typeUrl !== `type.googleapis.com/${RouterSchema.typeName}`) {
    out.push(`listener "${l.name}": the last HTTP filter is not the router`);
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
