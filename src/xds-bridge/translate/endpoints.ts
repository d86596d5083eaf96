import { create } from "@bufbuild/protobuf";
import { HealthStatus } from "../../gen/envoy/config/core/v3/health_check_pb.js";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import {
  LbEndpointSchema,
  LocalityLbEndpointsSchema,
  type LbEndpoint,
  type LocalityLbEndpoints,
} from "../../gen/envoy/config/endpoint/v3/endpoint_components_pb.js";
import { compareStrings } from "./compare.js";
import type { MeshView, Workload } from "./mesh-view.js";
import { clusterName } from "./names.js";

/**
 * One ClusterLoadAssignment per service port, named like its cluster, even
 * when no workload serves the port (an empty assignment tells the client
 * "no endpoints" instead of leaving it waiting). Unsorted; the mesh
 * translator sorts.
 *
 * @example buildLoadAssignments(view).map((c) => c.clusterName) // ["outbound|50051||echo.default"]
 */
export function buildLoadAssignments(view: MeshView): ClusterLoadAssignment[] {
  return view.services.flatMap((service) =>
    service.spec.ports.map((p) =>
      create(ClusterLoadAssignmentSchema, {
        clusterName: clusterName(service.metadata.name, p.port, view.mesh),
        endpoints: localityGroups(uniqueAddresses(view.workloadsServing(service, p))),
      }),
    ),
  );
}

/**
 * grpc-js-xds NACKs a whole assignment if two endpoints share address and
 * port, so a duplicate (two Workloads describing the same socket) keeps only
 * the first by workload name. `workloads` arrive in name order.
 */
function uniqueAddresses(workloads: Workload[]): Workload[] {
  const seen = new Set<string>();
  return workloads.filter((w) => {
    const key = `${w.spec.address}|${w.spec.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One group per zone, zones in name order, endpoints by address then port. */
function localityGroups(workloads: Workload[]): LocalityLbEndpoints[] {
  const byZone = new Map<string, Workload[]>();
  for (const w of workloads) byZone.set(w.spec.zone, [...(byZone.get(w.spec.zone) ?? []), w]);
  return [...byZone.keys()].sort(compareStrings).map((zone) => {
    const members = (byZone.get(zone) ?? []).sort(
      (a, b) => compareStrings(a.spec.address, b.spec.address) || a.spec.port - b.spec.port,
    );
    const healthy = members.filter((w) => w.spec.health !== "unhealthy").length;
    return create(LocalityLbEndpointsSchema, {
      locality: { zone },
      lbEndpoints: members.map(lbEndpoint),
      // grpc-js drops a group without a weight, and splits traffic between
      // groups by weight without looking at health: weigh by healthy
      // endpoints so each healthy endpoint gets an even share; at least 1
      // because Envoy rejects 0 (a group with none healthy gets no traffic anyway).
      loadBalancingWeight: Math.max(1, healthy),
      priority: 0,
    });
  });
}

function lbEndpoint(w: Workload): LbEndpoint {
  return create(LbEndpointSchema, {
    hostIdentifier: {
      case: "endpoint",
      value: { address: { address: { case: "socketAddress", value: { address: w.spec.address, portSpecifier: { case: "portValue", value: w.spec.port } } } } },
    },
    healthStatus: w.spec.health === "unhealthy" ? HealthStatus.UNHEALTHY : HealthStatus.HEALTHY,
  });
}
