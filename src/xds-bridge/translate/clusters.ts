import { create } from "@bufbuild/protobuf";
import {
  ClusterSchema,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  type Cluster,
} from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { parseDurationMs } from "../../contract/duration.js";
import type { LoadBalancerType } from "../../contract/resource-types.js";
import { circuitBreakers, envoyHealthCheck, envoyOutlierDetection, fallbackPolicies, noEjection } from "./backend-settings.js";
import type { BackendSettings, MeshView } from "./mesh-view.js";
import { clusterName } from "./names.js";
import { adsConfigSource, durationFromMs } from "./proto-values.js";
import { proxylessCluster } from "./proxyless-profile.js";
import { upstreamTls } from "./mesh-tls.js";
import { sidecarUpstreamTls } from "./sidecar-tls.js";

/** Which kind of proxy a translation is for: they differ in what they can run (proxyless-profile.ts). */
export type ProxyKind = "proxyless" | "sidecar";

/** The connect timeout of every cluster we emit (Envoy has no default; PGV wants > 0). */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * One EDS cluster per service port, whose endpoints come over the same ADS
 * stream under the cluster's own name, with what the Service's
 * BackendPolicies ask for. ROUND_ROBIN is the proto default, so it does not
 * show in JSON dumps. For proxyless clients, proxyless-profile.ts adapts
 * each cluster. Unsorted; the mesh translator sorts.
 *
 * @example buildClusters(view, "sidecar").map((c) => c.name) // ["outbound|50051||echo.default"]
 */
export function buildClusters(view: MeshView, kind: ProxyKind): Cluster[] {
  return view.services.flatMap((service) =>
    service.spec.ports.map((p) => {
      const name = service.metadata.name;
      const settings = view.backendSettings(name);
      const cluster = edsCluster(clusterName(name, p.port, view.mesh), view.loadBalancer(name), settings);
      if (kind === "sidecar") {
        // Sidecars take their certificate and the trust bundle over SDS (sidecar-tls.ts).
        if (view.mtls !== "disabled") cluster.transportSocket = sidecarUpstreamTls(view.mesh, name);
        return cluster;
      }
      const adapted = proxylessCluster(cluster, settings);
      // Outbound is mTLS whenever the destination's mesh has it on (permissive servers take TLS too).
      if (view.mtls !== "disabled") adapted.transportSocket = upstreamTls(view.mesh, name);
      return adapted;
    }),
  );
}

const LB_POLICY: Record<LoadBalancerType, Cluster_LbPolicy> = {
  RoundRobin: Cluster_LbPolicy.ROUND_ROBIN,
  LeastRequest: Cluster_LbPolicy.LEAST_REQUEST,
  RingHash: Cluster_LbPolicy.RING_HASH,
  Random: Cluster_LbPolicy.RANDOM,
};

function edsCluster(name: string, lb: LoadBalancerType | undefined, settings: BackendSettings): Cluster {
  const fallback = fallbackPolicies(lb);
  const cluster = create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: adsConfigSource(), serviceName: name },
    connectTimeout: durationFromMs(settings.connectTimeout === undefined ? CONNECT_TIMEOUT_MS : (parseDurationMs(settings.connectTimeout) ?? CONNECT_TIMEOUT_MS)),
    // A balancer only some clients have goes in load_balancing_policy, with
    // round robin after it; lb_policy then says round robin to clients that
    // only read lb_policy (older gRPC), rather than one they would refuse.
    lbPolicy: fallback ? Cluster_LbPolicy.ROUND_ROBIN : LB_POLICY[lb ?? "RoundRobin"],
  });
  if (fallback) cluster.loadBalancingPolicy = fallback;
  if (settings.circuitBreaker) cluster.circuitBreakers = circuitBreakers(settings.circuitBreaker);
  cluster.outlierDetection = settings.outlierDetection ? envoyOutlierDetection(settings.outlierDetection) : noEjection();
  if (settings.healthCheck) cluster.healthChecks = [envoyHealthCheck(settings.healthCheck)];
  return cluster;
}
