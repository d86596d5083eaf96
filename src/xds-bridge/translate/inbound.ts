import { create } from "@bufbuild/protobuf";
import { ClusterSchema, Cluster_DiscoveryType, type Cluster } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { CONNECT_TIMEOUT_MS } from "./clusters.js";
import { rdsConnectionManager } from "./http-connection-manager.js";
import type { MeshView, Workload } from "./mesh-view.js";
import { durationFromMs, socketAddress } from "./proto-values.js";
import { defaultRoute } from "./routes.js";
import { inboundClusterName, inboundListenerName, inboundRouteConfigName } from "./sidecar-names.js";
import { socketListener } from "./sidecar-listeners.js";
import { withoutDefaultTimeout } from "./sidecar-timeouts.js";
import { inboundWithTls } from "./sidecar-tls.js";
import { callerDecision, rbacFilter } from "./traffic-permissions.js";

/** Where the app next to the sidecar listens: loopback, so only the sidecar reaches it. */
const APP_ADDRESS = "127.0.0.1";

/** The three resources that carry traffic from peers to the app next to the sidecar. */
export interface Inbound {
  listener: Listener;
  routes: RouteConfiguration;
  cluster: Cluster;
}

/**
 * The inbound side of `workload`'s sidecar: a listener bound to the
 * workload's published address and port (what peers get from EDS), routing
 * everything to a STATIC cluster at 127.0.0.1 on the same port, where the
 * app listens. Binding the published address rather than 0.0.0.0 lets the
 * app keep the same port on loopback without an address conflict, and keeps
 * the per-port outbound wildcard listeners (0.0.0.0:<port>) distinct from it.
 * Undefined when the workload serves no port of its Service (no peer can
 * get its address from EDS) or the Service does not exist.
 *
 * @example buildInbound(view, echo1)?.listener.name // "inbound:10.0.0.1:8080"
 */
export function buildInbound(view: MeshView, workload: Workload): Inbound | undefined {
  const service = view.service(workload.spec.service);
  const name = workload.metadata.name;
  if (!service?.spec.ports.some((p) => view.workloadsServing(service, p).some((w) => w.metadata.name === name))) return undefined;
  const { address, port } = workload.spec;
  const serviceName = service.metadata.name;
  const routeName = inboundRouteConfigName(serviceName, port);
  const cluster = inboundClusterName(serviceName, port, view.mesh);
  // Callers are told apart by their certificates: TrafficPermission only means something with mTLS.
  const decision = view.mtls === "disabled" ? undefined : callerDecision(view.permissionsFor(serviceName));
  const listener = socketListener({
    name: inboundListenerName(address, port),
    address,
    port,
    hcm: rdsConnectionManager(`inbound_${port}`, routeName, { faults: false, before: decision ? [rbacFilter(view.mesh, decision)] : [] }),
  });
  return {
    listener: view.mtls === "disabled" ? listener : inboundWithTls(listener, view.mtls),
    // Routing (HTTPRoutes) happened at the caller's sidecar; here everything
    // goes to the app, with no timeout of its own (the caller's applies).
    routes: create(RouteConfigurationSchema, {
      name: routeName,
      virtualHosts: [{ name: routeName, domains: ["*"], routes: withoutDefaultTimeout([defaultRoute(cluster)]) }],
    }),
    cluster: appCluster(cluster, port),
  };
}

function appCluster(name: string, port: number): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.STATIC },
    connectTimeout: durationFromMs(CONNECT_TIMEOUT_MS),
    loadAssignment: {
      clusterName: name,
      endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: "endpoint", value: { address: socketAddress(APP_ADDRESS, port) } } }] }],
    },
  });
}
