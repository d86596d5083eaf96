import { create } from "@bufbuild/protobuf";
import { ListenerSchema, type Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import type { HttpConnectionManager } from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { socketAddress } from "./proto-values.js";
import { packManager } from "./packed-manager.js";

/** Envoy's well-known name for the HTTP connection manager network filter. */
export const HCM_FILTER_NAME = "envoy.filters.network.http_connection_manager";

/** Where a sidecar listener sits and what it does with a connection. */
export interface SocketListenerSpec {
  name: string;
  address: string;
  port: number;
  hcm: HttpConnectionManager;
  /** false: reachable only by hand-off from a `use_original_dst` listener. */
  bindToPort?: boolean;
}

/**
 * A sidecar listener on a socket address with one filter chain holding
 * `hcm`: every sidecar listener speaks HTTP (HTTP/1.1 or HTTP/2), so no
 * filter_chain_match is needed.
 *
 * @example socketListener({ name: "inbound:10.0.0.1:8080", address: "10.0.0.1", port: 8080, hcm }).filterChains.length // 1
 */
export function socketListener(spec: SocketListenerSpec): Listener {
  const listener = create(ListenerSchema, {
    name: spec.name,
    address: socketAddress(spec.address, spec.port),
    filterChains: [
      {
        filters: [
          { name: HCM_FILTER_NAME, configType: { case: "typedConfig", value: packManager(spec.hcm) } },
        ],
      },
    ],
  });
  // Only written when false: bind_to_port defaults to true, and leaving it
  // out keeps the bound listeners' JSON free of a field that says nothing.
  if (spec.bindToPort === false) listener.bindToPort = false;
  return listener;
}
