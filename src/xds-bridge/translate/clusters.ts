import { create } from "@bufbuild/protobuf";
import {
  ClusterSchema,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  type Cluster,
} from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { LoadBalancerType } from "../../contract/resource-types.js";
import type { MeshView } from "./mesh-view.js";
import { clusterName } from "./names.js";
import { adsConfigSource, durationFromMs } from "./proto-values.js";

/** The connect timeout of every cluster we emit (Envoy has no default; PGV wants > 0). */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * One EDS cluster per service port, whose endpoints come over the same ADS
 * stream under the cluster's own name. ROUND_ROBIN is the proto default, so
 * it does not show in JSON dumps. Unsorted; the mesh translator sorts.
 *
 * @example buildClusters(view).map((c) => c.name) // ["outbound|50051||echo.default"]
 */
export function buildClusters(view: MeshView): Cluster[] {
  return view.services.flatMap((service) =>
    service.spec.ports.map((p) => edsCluster(clusterName(service.metadata.name, p.port, view.mesh), view.loadBalancer(service.metadata.name))),
  );
}

const LB_POLICY: Record<LoadBalancerType, Cluster_LbPolicy> = {
  RoundRobin: Cluster_LbPolicy.ROUND_ROBIN,
  LeastRequest: Cluster_LbPolicy.LEAST_REQUEST,
  RingHash: Cluster_LbPolicy.RING_HASH,
  Random: Cluster_LbPolicy.RANDOM,
};

function edsCluster(name: string, lb: LoadBalancerType | undefined): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: adsConfigSource(), serviceName: name },
    connectTimeout: durationFromMs(CONNECT_TIMEOUT_MS),
    // Translated as written, also for proxyless clients that support fewer
    // balancers: a client that cannot use it NACKs, and the refusal shows in
    // status rather than being hidden by a silent substitute.
    lbPolicy: LB_POLICY[lb ?? "RoundRobin"],
  });
}
