import { create } from "@bufbuild/protobuf";
import { ListenerSchema, type Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { inlineConnectionManager } from "./http-connection-manager.js";
import { downstreamTls } from "./mesh-tls.js";
import type { MeshView } from "./mesh-view.js";
import { serverListenerName } from "./names.js";
import { socketAddress } from "./proto-values.js";
import { callerDecision, rbacFilter } from "./traffic-permissions.js";
import { packManager } from "./packed-manager.js";

/**
 * The Listeners proxyless gRPC servers (grpc-js-xds `XdsServer`, gRFC A36)
 * ask for: one per workload of the local zone, named by the bootstrap's
 * `server_listener_resource_name_template` with the address the server
 * binds (`edgeplane/inbound/<address>:<port>`; grpc-js-xds requires the
 * listener's socket address to equal it, so a server binds the address its
 * Workload publishes). One filter chain: an HttpConnectionManager whose
 * inline routes end every call here (non-forwarding), and in a mesh with
 * mTLS a DownstreamTlsContext, the client certificate required in strict,
 * and the RBAC filter when a TrafficPermission targets the service.
 * Unsorted; the mesh translator sorts.
 *
 * @example buildServerListeners(view, "default").map((l) => l.name) // ["edgeplane/inbound/127.0.0.1:50051"]
 */
export function buildServerListeners(view: MeshView, localZone: string | undefined): Listener[] {
  return view.services.flatMap((service) =>
    view
      .workloadsOf(service.metadata.name)
      .filter((w) => localZone === undefined || w.spec.zone === localZone)
      .map((w) => serverListener(view, service.metadata.name, w.spec.address, w.spec.port)),
  );
}

function serverListener(view: MeshView, service: string, address: string, port: number): Listener {
  const name = serverListenerName(address, port);
  const routes = create(RouteConfigurationSchema, {
    name,
    virtualHosts: [{ name, domains: ["*"], routes: [{ name: "inbound", match: { pathSpecifier: { case: "prefix", value: "/" } }, action: { case: "nonForwardingAction", value: {} } }] }],
  });
  // The mode in stat_prefix is load-bearing: grpc-js-xds 1.14 compares a new
  // server Listener with the one it runs to skip no-op updates, and its
  // comparison of transport sockets is inverted (server-listener.js,
  // filterChainsEquivalent), so an mTLS -> plaintext change alone would be
  // taken as "equivalent" and ignored, and plaintext -> mTLS would throw.
  // Filter bytes are compared first: a stat_prefix naming the mode makes
  // every mode change a real one.
  // TrafficPermission needs the caller's certificate: only with mTLS (the API refuses one in a disabled mesh).
  const decision = view.mtls === "disabled" ? undefined : callerDecision(view.permissionsFor(service));
  const hcm = inlineConnectionManager(`${name}/${view.mtls}`, routes, decision ? [rbacFilter(view.mesh, decision)] : []);
  return create(ListenerSchema, {
    name,
    address: socketAddress(address, port),
    filterChains: [
      {
        name: "inbound",
        filters: [{ name: "envoy.filters.network.http_connection_manager", configType: { case: "typedConfig", value: packManager(hcm) } }],
        ...(view.mtls === "disabled" ? {} : { transportSocket: downstreamTls(view.mtls === "strict") }),
      },
    ],
  });
}
