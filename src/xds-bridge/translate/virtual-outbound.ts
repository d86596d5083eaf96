import { create } from "@bufbuild/protobuf";
import type { Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { inlineConnectionManager } from "./http-connection-manager.js";
import { originalDstFilter } from "./original-dst.js";
import { VIRTUAL_OUTBOUND_LISTENER, VIRTUAL_OUTBOUND_PORT } from "./sidecar-names.js";
import { socketListener } from "./sidecar-listeners.js";

/**
 * The listener iptables sends the app's outbound connections to
 * (REDIRECT --to-ports 15001, as istio-iptables sets it up). The
 * original_dst filter recovers the address the app dialed and
 * `use_original_dst` hands the connection to the listener for it: the
 * workload's own inbound listener for its own address, else the outbound
 * listener 0.0.0.0:<port>.
 *
 * A connection to a port no Service uses stays here and meets an empty
 * route table: HTTP gets 404 (response flag NR), anything else is closed.
 * There is no pass-through to destinations outside the mesh: that needs
 * tcp_proxy and an ORIGINAL_DST cluster, whose types are not generated.
 * Exclude such destinations from the capture rules instead.
 *
 * @example virtualOutboundListener().name // "outbound:virtual"
 */
export function virtualOutboundListener(): Listener {
  const listener = socketListener({
    name: VIRTUAL_OUTBOUND_LISTENER,
    address: "127.0.0.1",
    port: VIRTUAL_OUTBOUND_PORT,
    hcm: inlineConnectionManager("outbound_virtual", create(RouteConfigurationSchema, { name: VIRTUAL_OUTBOUND_LISTENER })),
  });
  listener.useOriginalDst = true;
  listener.listenerFilters = [originalDstFilter()];
  return listener;
}
