import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import type { Cluster } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { HttpProtocolOptionsSchema } from "../../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js";
import type { MeshView } from "./mesh-view.js";
import { clusterName } from "./names.js";

const HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

/**
 * Envoy speaks HTTP/1.1 to upstreams unless told otherwise, and gRPC needs
 * HTTP/2: clusters of ports declared `protocol: grpc` get explicit HTTP/2
 * protocol options. Only for sidecars; proxyless gRPC clients always use
 * HTTP/2 and their clusters stay as they are.
 *
 * @example withUpstreamProtocols(view, buildClusters(view, "sidecar"))
 */
export function withUpstreamProtocols(view: MeshView, clusters: Cluster[]): Cluster[] {
  const grpc = new Set(
    view.services.flatMap((s) => s.spec.ports.filter((p) => p.protocol === "grpc").map((p) => clusterName(s.metadata.name, p.port, view.mesh))),
  );
  for (const c of clusters) {
    if (!grpc.has(c.name)) continue;
    const options = create(HttpProtocolOptionsSchema, {
      upstreamProtocolOptions: { case: "explicitHttpConfig", value: { protocolConfig: { case: "http2ProtocolOptions", value: {} } } },
    });
    c.typedExtensionProtocolOptions = { ...c.typedExtensionProtocolOptions, [HTTP_PROTOCOL_OPTIONS]: anyPack(HttpProtocolOptionsSchema, options) };
  }
  return clusters;
}
