import type { Cluster } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { Cluster_DiscoveryType } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import type { RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { RouterSchema } from "../../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import type { HttpConnectionManager } from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import type { XdsResources } from "../xds-resources.js";
import { unpackManager } from "./packed-manager.js";

/**
 * What one resource needs to be consistent: a problem it has on its own, or
 * one it has unless a resource of another type with a given name exists.
 * Splitting a resource's check this way lets the decoding (the costly part)
 * be done once per message object, while existence is re-evaluated against
 * each snapshot's names.
 */
type Requirement = { problem: string; needs?: undefined } | { needs: "route" | "cluster" | "assignment"; name: string; problem: string };

/**
 * Per message object, its requirements. Incremental translation hands
 * unchanged resources over as the same objects, so a memo kept across
 * snapshots decodes only what changed; a WeakMap lets dropped ones go.
 */
export type ConsistencyMemo = WeakMap<object, readonly Requirement[]>;

/** A memo for `checkConsistency`, to keep per snapshot key across updates. */
export function newConsistencyMemo(): ConsistencyMemo {
  return new WeakMap();
}

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
 * With a `memo` from a previous call, resources that are the same objects
 * as then are not decoded again; the result is the same as without it.
 *
 * @example checkConsistency(translateMesh(model, "default")) // []
 * @example checkConsistency(translateSidecar(model, "default", "echo-1"), memo) // []
 */
export function checkConsistency(res: XdsResources, memo: ConsistencyMemo = newConsistencyMemo()): string[] {
  const problems: string[] = [];
  const names = {
    listener: uniqueNames("listener", res.listeners.map((l) => l.name), problems),
    route: uniqueNames("route configuration", res.routes.map((r) => r.name), problems),
    cluster: uniqueNames("cluster", res.clusters.map((c) => c.name), problems),
    assignment: uniqueNames("cluster load assignment", res.endpoints.map((e) => e.clusterName), problems),
  };
  const check = <T extends object>(list: readonly T[], of: (m: T) => Requirement[]) => {
    for (const m of list) {
      let reqs = memo.get(m);
      if (!reqs) {
        reqs = of(m);
        memo.set(m, reqs);
      }
      for (const r of reqs) if (r.needs === undefined || !names[r.needs].has(r.name)) problems.push(r.problem);
    }
  };
  check(res.listeners, listenerRequirements);
  check(res.routes, routeRequirements);
  check(res.clusters, clusterRequirements);
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
function listenerRequirements(l: Listener): Requirement[] {
  const label = `listener "${l.name}"`;
  const any = l.apiListener?.apiListener;
  if (any) {
    const hcm = unpackManager(any);
    return hcm ? managerRequirements(label, hcm) : [{ problem: `${label}: no api_listener with an HttpConnectionManager` }];
  }
  const chains = l.filterChains.map((c, i) => ({ c, at: `filter_chains[${i}]` }));
  if (l.defaultFilterChain) chains.push({ c: l.defaultFilterChain, at: "default_filter_chain" });
  if (chains.length === 0) return [{ problem: `${label}: no api_listener with an HttpConnectionManager` }];
  return chains.flatMap(({ c, at }): Requirement[] => {
    const config = c.filters.at(-1)?.configType;
    const hcm = config?.case === "typedConfig" ? unpackManager(config.value) : undefined;
    return hcm ? managerRequirements(`${label} ${at}`, hcm) : [{ problem: `${label} ${at}: no HttpConnectionManager` }];
  });
}

/** RDS names must exist; inline routes are checked like a RouteConfiguration. */
function managerRequirements(label: string, hcm: HttpConnectionManager): Requirement[] {
  const out: Requirement[] = [];
  const spec = hcm.routeSpecifier;
  if (spec.case === "rds") {
    const name = spec.value.routeConfigName;
    out.push({ needs: "route", name, problem: `${label}: route configuration "${name}" does not exist` });
  } else if (spec.case === "routeConfig") {
    out.push(...routeRequirements(spec.value));
  } else {
    out.push({ problem: `${label}: neither RDS nor an inline route configuration` });
  }
  const last = hcm.httpFilters.at(-1)?.configType;
  if (last?.case !== "typedConfig" || last.value.typeUrl !== `type.googleapis.com/${RouterSchema.typeName}`) {
    out.push({ problem: `${label}: the last HTTP filter is not the router` });
  }
  return out;
}

function routeRequirements(rc: RouteConfiguration): Requirement[] {
  const out: Requirement[] = [];
  for (const vh of rc.virtualHosts) {
    for (const route of vh.routes) {
      if (route.action.case !== "route") continue;
      const spec = route.action.value.clusterSpecifier;
      const targets =
        spec.case === "cluster" ? [spec.value] : spec.case === "weightedClusters" ? spec.value.clusters.map((c) => c.name) : [];
      for (const t of targets) {
        out.push({ needs: "cluster", name: t, problem: `route configuration "${rc.name}" route "${route.name}": cluster "${t}" does not exist` });
      }
    }
  }
  return out;
}

function clusterRequirements(c: Cluster): Requirement[] {
  const discovery = c.clusterDiscoveryType;
  if (discovery.case !== "type" || discovery.value !== Cluster_DiscoveryType.EDS) return [];
  // Envoy: an empty service_name means the cluster's own name.
  const service = c.edsClusterConfig?.serviceName || c.name;
  return [{ needs: "assignment", name: service, problem: `cluster "${c.name}": cluster load assignment "${service}" does not exist` }];
}
