import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { ListenerFilterSchema, type ListenerFilter } from "../../../gen/envoy/config/listener/v3/listener_components_pb.js";
import { OriginalDstSchema } from "../../../gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js";

/** Re-exported for registries that render or validate sidecar listeners. */
export { OriginalDstSchema };

/**
 * The listener filter that reads SO_ORIGINAL_DST from a connection iptables
 * redirected, so the listener can hand it to the listener of the address
 * the app actually dialed (`use_original_dst`). Without it, every captured
 * connection would look addressed to the capture port itself.
 *
 * @example originalDstFilter().name // "envoy.filters.listener.original_dst"
 */
export function originalDstFilter(): ListenerFilter {
  return create(ListenerFilterSchema, {
    name: "envoy.filters.listener.original_dst",
    configType: { case: "typedConfig", value: anyPack(OriginalDstSchema, create(OriginalDstSchema)) },
  });
}
