import { createRegistry } from "@bufbuild/protobuf";
import { HTTPFaultSchema } from "../../../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js";
import { RouterSchema } from "../../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import { OriginalDstSchema } from "../../../gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js";
import { HttpConnectionManagerSchema } from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { LeastRequestSchema } from "../../../gen/envoy/extensions/load_balancing_policies/least_request/v3/least_request_pb.js";
import { RandomSchema } from "../../../gen/envoy/extensions/load_balancing_policies/random/v3/random_pb.js";
import { RoundRobinSchema } from "../../../gen/envoy/extensions/load_balancing_policies/round_robin/v3/round_robin_pb.js";
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { TlsInspectorSchema } from "../../../gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js";
import { RBACSchema } from "../../../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js";
import { HttpProtocolOptionsSchema } from "../../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js";

/**
 * Every message type translation packs into an Any (filters, load balancing
 * policies, protocol options): a resource's typed configs render as JSON
 * (config dumps, golden files) and are validated (PGV) only through a
 * registry that knows them. Add a type here when translation starts packing it.
 *
 * @example toJson(ListenerSchema, listener, { registry: TYPED_CONFIGS })
 */
export const TYPED_CONFIGS = createRegistry(
  HttpConnectionManagerSchema,
  RouterSchema,
  HTTPFaultSchema,
  OriginalDstSchema,
  HttpProtocolOptionsSchema,
  LeastRequestSchema,
  RandomSchema,
  RoundRobinSchema,
  UpstreamTlsContextSchema,
  DownstreamTlsContextSchema,
  RBACSchema,
  TlsInspectorSchema,
);
