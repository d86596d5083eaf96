import type { Cluster } from "../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { ClusterLoadAssignment } from "../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import type { Listener } from "../../gen/envoy/config/listener/v3/listener_pb.js";
import type { RouteConfiguration } from "../../gen/envoy/config/route/v3/route_pb.js";
import type { Secret } from "../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";

/**
 * The boundary between translation (pure: zone model -> Envoy messages) and
 * serving (the ADS server and its cache). Translation returns an
 * XdsResources per mesh; the server encodes it once into a snapshot and hands
 * out the encoded bytes to every proxy of that mesh.
 */
export const TYPE_URL = {
  listener: "type.googleapis.com/envoy.config.listener.v3.Listener",
  route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
  cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  endpoint: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
  secret: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
} as const;

export type TypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];

export interface XdsResources {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  /** SDS: an Envoy sidecar's certificate and trust bundle; none for proxyless clients (they read files). */
  secrets?: Secret[];
}
