import { create } from "@bufbuild/protobuf";
import { HealthStatus } from "../../../gen/envoy/config/core/v3/health_check_pb.js";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import {
  LbEndpointSchema,
  LocalityLbEndpointsSchema,
  type LbEndpoint,
  type LocalityLbEndpoints,
} from "../../../gen/envoy/config/endpoint/v3/endpoint_components_pb.js";
import type { LocalityPolicy } from "../../contract/resource-types.js";
import { compareStrings } from "./compare.js";
import { zonePriorities } from "./locality-priorities.js";
import type { MeshView, Workload } from "./mesh-view.js";
import { clusterName } from "./names.js";
import { socketAddress } from "./proto-values.js";

/**
 * One ClusterLoadAssignment per service port, named like its cluster, even
 * when no workload serves the port (an empty assignment tells the client
 * "no endpoints" instead of leaving it waiting). Unsorted; the mesh
 * translator sorts.
 *
 * With `localZone` (the zone of the proxies being served), zones get EDS
 * priorities by the service's BackendPolicy (locality-priorities.ts);
 * without it every zone is priority 0.
 *
 * @example buildLoadAssignments(view).map((c) => c.clusterName) // ["outbound|50051||echo.default"]
 */
export function buildLoadAssignments(view: MeshView, localZone?: string): ClusterLoadAssignment[] {
  return view.services.flatMap((service) =>
    service.spec.ports.map((p) =>
      create(ClusterLoadAssignmentSchema, {
        clusterName: clusterName(service.metadata.name, p.port, view.mesh),
        endpoints: localityGroups(uniqueAddresses(view.workloadsServing(service, p), localZone), localZone, view.localityPolicy(service.metadata.name)),
      }),
    ),
  );
}

/**
 * grpc-js-xds NACKs a whole assignment if two endpoints share address and
 * port, anywhere in it, so of Workloads describing the same socket only one
 * is kept. Endpoints are identified by zone and workload, so the choice is
 * by zone first: the proxies' own zone (a socket "here" is the one they
 * reach), then a healthy one, then zone and workload name. The same address
 * in another zone (another cluster, often the same private range) must
 * never push out the local endpoint.
 */
function uniqueAddresses(workloads: Workload[], localZone: string | undefined): Workload[] {
  const rank = (w: Workload) => [w.spec.zone === localZone ? 0 : 1, w.spec.health === "unhealthy" ? 1 : 0] as const;
  const preferred = [...workloads].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || ra[1] - rb[1] || compareStrings(a.spec.zone, b.spec.zone) || compareStrings(a.metadata.name, b.metadata.name);
  });
  const seen = new Set<string>();
  return preferred.filter((w) => {
    const key = `${w.spec.address}|${w.spec.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One group per zone, zones in name order, endpoints by address then port. */
function localityGroups(workloads: Workload[], localZone: string | undefined, policy: LocalityPolicy | undefined): LocalityLbEndpoints[] {
  const byZone = new Map<string, Workload[]>();
  for (const w of workloads) byZone.set(w.spec.zone, [...(byZone.get(w.spec.zone) ?? []), w]);
  const healthyIn = (members: Workload[]) =>
    members.filter((w) => w.spec.health !== "unhealthy").reduce((n, w) => n + (w.spec.weight ?? 1), 0);
  const priorities =
    localZone === undefined
      ? undefined
      : zonePriorities([...byZone].map(([zone, members]) => ({ zone, healthy: healthyIn(members) })), localZone, policy);
  const zones = [...byZone.keys()].filter((z) => priorities === undefined || priorities.has(z));
  const order = (z: string) => priorities?.get(z) ?? 0;
  return zones.sort((a, b) => order(a) - order(b) || compareStrings(a, b)).map((zone) => {
    const members = (byZone.get(zone) ?? []).sort(
      (a, b) => compareStrings(a.spec.address, b.spec.address) || a.spec.port - b.spec.port,
    );
    const healthy = healthyIn(members);
    return create(LocalityLbEndpointsSchema, {
      locality: { zone },
      lbEndpoints: members.map(lbEndpoint),
      // grpc-js drops a group without a weight, and splits traffic between
      // groups by weight without looking at health: weigh by healthy
      // endpoints so each healthy endpoint gets an even share; at least 1
      // because Envoy rejects 0 (a group with none healthy gets no traffic anyway).
      loadBalancingWeight: Math.max(1, healthy),
      priority: order(zone),
    });
  });
}

function lbEndpoint(w: Workload): LbEndpoint {
  return create(LbEndpointSchema, {
    hostIdentifier: { case: "endpoint", value: { address: socketAddress(w.spec.address, w.spec.port) } },
    healthStatus: w.spec.health === "unhealthy" ? HealthStatus.UNHEALTHY : HealthStatus.HEALTHY,
    // Only set for endpoints that stand for several instances (a remote
    // zone's ingress), so ordinary endpoints encode exactly as before.
    ...(w.spec.weight === undefined ? {} : { loadBalancingWeight: w.spec.weight }),
  });
}
